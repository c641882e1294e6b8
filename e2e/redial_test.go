package e2e

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"dialdesk/client"
	"dialdesk/internal/testapp"
	"dialdesk/jobs"
	"dialdesk/platform"
	"dialdesk/store"
)

// TestBulkPauseInBrowser: on the task list, tick three running tasks, press
// 暂停 in the bar, read the confirmation naming them, confirm, and see the
// result list with each of them paused.
func TestBulkPauseInBrowser(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	b := NewBrowser(t)
	b.Login(app, store.RoleManager)
	visit(t, b, app, "/tasks?status=1")
	ids := eval[[]string](t, b, `Array.from(document.querySelectorAll("[data-testid=task-row]:has([data-status='1']) [data-testid=bulk-pick]"), e => e.value).slice(0, 3)`)
	if len(ids) != 3 {
		t.Fatalf("running tasks on the list: %v", ids)
	}
	for _, id := range ids {
		b.Do(chromedp.Click(chromedp.CSS(`[data-testid=bulk-pick][value="` + id + `"]`)))
	}
	b.Do(chromedp.Click(chromedp.CSS(`[data-testid=bulk-pause]`)))
	b.Do(chromedp.WaitVisible(chromedp.CSS(`[data-testid=bulk-confirm]`)))
	if n := count(t, b, `[data-testid=bulk-task][data-applicable=true]`); n != 3 {
		t.Fatalf("the confirmation names %d tasks to pause, want 3", n)
	}
	b.Do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
	for _, p := range eval[[]string](t, b, phoneProblems) {
		t.Errorf("bulk confirmation at 390 px: %s", p)
	}
	b.Do(chromedp.Click(chromedp.CSS(`[data-testid=bulk-submit]`)))
	b.Do(chromedp.WaitVisible(chromedp.CSS(`[data-testid=bulk-summary]`)))
	got := eval[[]string](t, b, `Array.from(document.querySelectorAll("[data-testid=bulk-outcome][data-outcome=done]"), e => e.dataset.taskId)`)
	if len(got) != 3 {
		t.Errorf("done on the result page: %v, want %v", got, ids)
	}
	for _, p := range eval[[]string](t, b, phoneProblems) {
		t.Errorf("bulk result at 390 px: %s", p)
	}
	infos, err := app.Client.QueryTaskInfo(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, info := range infos {
		if info.Status != client.TaskPaused {
			t.Errorf("task %s has status %d after the bulk pause", info.ID, info.Status)
		}
	}
	b.Screenshot("result")
	if p := b.ConsoleProblems(); len(p) > 0 {
		t.Errorf("browser console:\n%v", p)
	}
}

// TestRedialInBrowser: a finished task whose numbers were all dialed;
// from its page, 重呼 the unanswered ones (the form's first choice) into a
// new task: the form comes filled in and named "<name>-重呼1", the preview
// counts them, and once confirmed the new task's numbers page counts them
// sent. The pages fit a phone.
func TestRedialInBrowser(t *testing.T) {
	app := testapp.New(t, testapp.Options{NoSeedData: true})
	ctx := context.Background()
	tpls, err := app.Client.QueryTemplates(ctx)
	if err != nil || len(tpls) == 0 {
		t.Fatalf("templates: %v", err)
	}
	lines, _, err := app.Client.QueryNumbers(ctx)
	if err != nil || len(lines) == 0 {
		t.Fatalf("caller numbers: %v", err)
	}
	source, err := app.Client.AddTask(ctx, client.AddTaskRequest{TemplateID: tpls[0].ID, TaskName: "回访", RobotNum: 2,
		Telephones: []string{lines[0].Telephone.String()}, TimeType: client.TimeTypePermanent, CallTimeSlots: []string{"00:00-23:59"}})
	if err != nil {
		t.Fatal(err)
	}
	csv := "姓名,手机号\n"
	for i := range 60 {
		csv += fmt.Sprintf("客户%02d,1380013%04d\n", i, 200+i)
	}
	importCSV(t, app, source, csv)
	for range 24 {
		app.Sandbox.Advance(10 * time.Minute)
	}
	infos, err := app.Client.QueryTaskInfo(ctx, []string{source})
	if err != nil || len(infos) != 1 || infos[0].Status != client.TaskFinished {
		t.Fatalf("the task is not finished once every number is dialed: %+v %v", infos, err)
	}
	app.RememberSandboxTasks(t)
	wh := jobs.NewWarehouse(jobs.WarehouseConfig{Client: app.Client, Store: app.Store, Now: app.Sandbox.Now})
	for i := 0; ; i++ {
		if err := wh.SyncRound(ctx); err == nil {
			break
		} else if !errors.Is(err, jobs.ErrMore) || i > 50 {
			t.Fatalf("sync: %v", err)
		}
	}
	want := 0 // numbers whose last attempt ended in an outcome the form ticks at first
	for _, n := range app.Sandbox.TrueNumbers(source) {
		if platform.NumberStatus(n.Status).RedialByDefault() {
			want++
		}
	}
	if want == 0 {
		t.Fatal("no unanswered number to redial")
	}

	b := NewBrowser(t)
	b.Login(app, store.RoleManager)
	b.Do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
	visit(t, b, app, "/tasks/"+source)
	b.Do(chromedp.Click(chromedp.CSS(`[data-testid=action-redial]`)))
	b.Do(chromedp.WaitVisible(chromedp.CSS(`[data-testid=redial-form]`)))
	for _, p := range eval[[]string](t, b, phoneProblems) {
		t.Errorf("redial form at 390 px: %s", p)
	}
	for _, v := range axeCheck(t, b) {
		t.Errorf("redial form: %s (%s): %s\n\t%s", v.ID, v.Impact, v.Help, strings.Join(v.Targets, "\n\t"))
	}
	b.Screenshot("form")
	visit(t, b, app, "/tasks/"+source+"/redial?lang=en") // the English words fit too
	for _, p := range eval[[]string](t, b, phoneProblems) {
		t.Errorf("redial form in English at 390 px: %s", p)
	}
	b.Screenshot("form-en")
	visit(t, b, app, "/tasks/"+source+"/redial?lang=zh")
	b.Do(chromedp.Click(chromedp.CSS(`[data-testid=redial-next]`)))
	b.Do(chromedp.WaitVisible(chromedp.CSS(`[data-testid=redial-of]`)))
	if name := value(t, b, `input[name=task_name]`); name != "回访-重呼1" {
		t.Errorf("new task's name = %q", name)
	}
	if count(t, b, `input[name=templateid]:checked`) == 0 { // made outside dialdesk: its template is not known
		b.Do(chromedp.Click(chromedp.CSS(`input[name=templateid]`)))
	}
	b.Do(chromedp.Click(chromedp.CSS(`[data-testid=task-form] button[type=submit]`)))
	b.Do(chromedp.WaitVisible(chromedp.CSS(`[data-testid=redial-summary]`)))
	if got := b.Text(`[data-testid=redial-send-total]`); got != fmt.Sprint(want) {
		t.Errorf("the preview sends %s numbers, want %d", got, want)
	}
	for _, p := range eval[[]string](t, b, phoneProblems) {
		t.Errorf("redial preview at 390 px: %s", p)
	}
	for _, v := range axeCheck(t, b) {
		t.Errorf("redial preview: %s (%s): %s\n\t%s", v.ID, v.Impact, v.Help, strings.Join(v.Targets, "\n\t"))
	}
	b.Screenshot("preview")
	b.Do(chromedp.Click(chromedp.CSS(`[data-testid=import-confirm]`)))
	b.Do(chromedp.WaitVisible(chromedp.CSS(`[data-testid=import-done]`)))
	b.Do(chromedp.Click(chromedp.CSS(`[data-testid=tab-numbers], [data-tab=numbers]`)))
	b.Do(chromedp.WaitVisible(chromedp.CSS(`[data-testid=import-line]`)))
	line := b.Text(`[data-testid=import-line]`)
	if !strings.Contains(line, fmt.Sprint(want)) || !strings.Contains(line, "重呼的号码") {
		t.Errorf("the numbers page's import line: %q, want %d numbers of a redial", line, want)
	}
	if n := count(t, b, `[data-testid=number-row]`); n != min(want, 15) {
		t.Errorf("number rows on the first page: %d, want %d", n, min(want, 15))
	}
	for _, p := range eval[[]string](t, b, phoneProblems) {
		t.Errorf("numbers page at 390 px: %s", p)
	}
	visit(t, b, app, "/tasks/"+source)
	if !strings.Contains(b.Text(`[data-testid=redial-made]`), "回访-重呼1") {
		t.Error("the source task does not link its redial")
	}
	for _, v := range axeCheck(t, b) {
		t.Errorf("source task page: %s (%s): %s\n\t%s", v.ID, v.Impact, v.Help, strings.Join(v.Targets, "\n\t"))
	}
	if p := b.ConsoleProblems(); len(p) > 0 {
		t.Errorf("browser console:\n%v", p)
	}
}
