package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"dialdesk/client"
	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// TestTaskSetupFlow is the non-technical create-task flow in a real browser:
// a manager creates a task (a mistake first: the form comes back with
// messages next to the fields), with two calling-hours ranges and a custom
// validity; sees it on the list and on its page with how it starts; on a
// running task pauses, resumes and ends it (through the confirmation page).
// A supervisor sees no action buttons and is refused (403) when posting anyway.
func TestTaskSetupFlow(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	b := NewBrowser(t)
	b.Login(app, store.RoleManager)

	// The list offers "new task".
	b.Do(
		chromedp.Navigate(app.URL+"/tasks"),
		chromedp.Click(chromedp.CSS(`[data-testid=new-task]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[data-testid=task-form]`)),
	)
	// JS is on: the empty spare range is gone, the add button shows, the
	// dates hide for a permanent validity.
	if n := count(t, b, `input[name=call_time_slot]`); n != 2 {
		t.Errorf("slot inputs = %d, want the two defaults", n)
	}
	b.Do(chromedp.WaitNotVisible(chromedp.CSS(`[data-custom-dates]`)))

	// A first try with mistakes: no template, no name, 0 robots, a reversed
	// range, a custom validity that ends before it starts.
	b.Do(
		chromedp.SetValue(chromedp.CSS(`input[name=robot_num]`), "0"),
		chromedp.SetValue(chromedp.CSS(`[data-slot]:nth-child(2) input`), "18:00-13:30"),
		chromedp.Click(chromedp.CSS(`input[name=time_type][value="1"]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name=start_time]`)),
		chromedp.SetValue(chromedp.CSS(`input[name=start_time]`), "2030-03-10T09:00"),
		chromedp.SetValue(chromedp.CSS(`input[name=end_time]`), "2030-03-01T18:00"),
		chromedp.Click(chromedp.CSS(`[data-testid=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=error-task_name]`)),
	)
	for field, want := range map[string]string{
		"templateid":     "请选择一个话术模板",
		"task_name":      "请填写任务名称",
		"robot_num":      "机器人数至少为 1",
		"call_time_slot": "“18:00-13:30”的开始时间必须早于结束时间",
		"end_time":       "结束时间必须晚于开始时间",
	} {
		if got := b.Text(`[data-testid=error-` + field + `]`); !strings.Contains(got, want) {
			t.Errorf("message next to %s = %q, want %q", field, got, want)
		}
	}
	if v := value(t, b, `input[name=start_time]`); v != "2030-03-10T09:00" {
		t.Errorf("start_time kept as %q", v)
	}
	b.Screenshot("form-errors")

	// Fix it: a template, a name, 2 robots, the ranges 09:00-11:30 and
	// 14:00-17:00 (remove the wrong one, add a new one), a custom validity.
	name := "春季回访 e2e"
	b.Do(
		chromedp.Click(chromedp.CSS(`input[name=templateid]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=task_name]`), name),
		chromedp.SetValue(chromedp.CSS(`input[name=robot_num]`), "2"),
		chromedp.Click(chromedp.CSS(`[data-slot]:nth-child(2) [data-slot-remove]`)),
		chromedp.SetValue(chromedp.CSS(`[data-slot]:nth-child(1) input`), "09:00-11:30"),
		chromedp.Click(chromedp.CSS(`[data-slot-add]`)),
		chromedp.SetValue(chromedp.CSS(`[data-slot]:nth-child(2) input`), "14:00-17:00"),
		chromedp.SetValue(chromedp.CSS(`input[name=end_time]`), "2030-03-31T18:00"),
		chromedp.Click(chromedp.CSS(`[data-testid=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=how-it-starts]`)),
	)
	if got := b.Text(`[data-testid=task-title]`); got != name {
		t.Errorf("task page title = %q", got)
	}
	if got := b.Text(`[data-testid=how-it-starts]`); !strings.Contains(got, "自动开始") {
		t.Errorf("how it starts = %q", got)
	}
	if got := b.Text(`[data-testid=set-slots]`); got != "09:00-11:30, 14:00-17:00" {
		t.Errorf("slots = %q", got)
	}
	if got := b.Text(`[data-testid=set-validity]`); got != "2030-03-10 09:00 — 2030-03-31 18:00" {
		t.Errorf("validity = %q", got)
	}
	if got := b.Text(`[data-testid=next-step]`); !strings.Contains(got, "上传号码") {
		t.Errorf("next step = %q", got)
	}
	b.Screenshot("created")
	b.Do(
		chromedp.Navigate(app.URL+"/tasks"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=task-name]`)),
	)
	found := false
	for _, n := range texts(t, b, `[data-testid=task-name]`) {
		found = found || n == name
	}
	if !found {
		t.Errorf("%q is not on the task list", name)
	}

	// A running task of the sandbox: pause, resume, end (confirmed).
	running := runningTasks(t, app)
	id := running[0].ID
	status := `[data-testid=task-header] [data-testid=status]`
	b.Do(
		chromedp.Navigate(app.URL+"/tasks/"+id),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=action-pause]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=action-pause]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=task-header] [data-status="5"]`)),
	)
	if got := b.Text(`[data-testid=flash]`); !strings.Contains(got, "已暂停") {
		t.Errorf("after pause: flash %q", got)
	}
	b.Do(
		chromedp.Click(chromedp.CSS(`[data-testid=action-resume]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=action-pause]`)),
	)
	if got := b.Text(status); got != "进行中" && got != "排队中" {
		t.Errorf("after resume: status %q", got)
	}
	b.Do(
		chromedp.Click(chromedp.CSS(`[data-testid=action-end]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=confirm-question]`)),
	)
	if got := b.Text(`[data-testid=confirm-question]`); !strings.Contains(got, running[0].Name) {
		t.Errorf("confirmation %q does not name the task %q", got, running[0].Name)
	}
	b.Do(
		chromedp.Click(chromedp.CSS(`[data-testid=confirm-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=task-header] [data-status="2"]`)),
	)
	if got := b.Text(`[data-testid=flash]`); !strings.Contains(got, "已完结") {
		t.Errorf("after end: flash %q", got)
	}
	if n := count(t, b, `[data-testid=task-actions] [data-testid=action-pause], [data-testid=action-resume], [data-testid=action-end]`); n != 0 {
		t.Errorf("a finished task still offers %d of pause/resume/end", n)
	}

	// A supervisor: no buttons; posting anyway is refused.
	other := running[1].ID
	b.Do(
		chromedp.Click(chromedp.CSS(`[data-testid=logout]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name=username]`)),
	)
	b.Login(app, store.RoleSupervisor)
	b.Do(
		chromedp.Navigate(app.URL+"/tasks/"+other),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=task-header]`)),
	)
	if n := count(t, b, `[data-testid=task-actions], [data-testid^=action-]`); n != 0 {
		t.Errorf("supervisor sees %d action elements", n)
	}
	ctx, cancel := context.WithTimeout(b.Ctx, 10*time.Second)
	defer cancel()
	code, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch("/tasks/`+other+`/pause", {method: "POST",
		headers: {"Content-Type": "application/x-www-form-urlencoded"},
		body: "csrf_token=" + encodeURIComponent(document.querySelector("input[name=csrf_token]").value)}).then(r => r.status)`,
		chromedp.EvalAwaitPromise))
	if err != nil || code != 403 {
		t.Errorf("supervisor POST pause: %d, %v; want 403", code, err)
	}
	infos, _ := app.Client.QueryTaskInfo(context.Background(), []string{other})
	if len(infos) != 1 || infos[0].Status != client.TaskRunning {
		t.Errorf("the supervisor's POST changed the task: %+v", infos)
	}
	if p := b.ConsoleProblems(); len(p) > 0 {
		// The refused fetch logs a 403 in the console; nothing else may.
		for _, m := range p {
			if !strings.Contains(m, "403") {
				t.Errorf("browser console: %s", m)
			}
		}
	}
}

// runningTasks returns the sandbox's running tasks that have numbers.
func runningTasks(t *testing.T, app *testapp.App) []client.TaskInfo {
	t.Helper()
	infos, err := app.Client.QueryTaskInfo(context.Background(), app.Sandbox.TaskIDs())
	if err != nil {
		t.Fatal(err)
	}
	var out []client.TaskInfo
	for _, info := range infos {
		if info.Status == client.TaskRunning && info.CallTotalData > 0 {
			out = append(out, info)
		}
	}
	if len(out) < 2 {
		t.Fatalf("the sandbox has %d running tasks, want 2", len(out))
	}
	return out
}

func count(t *testing.T, b *Browser, css string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 10*time.Second)
	defer cancel()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+jsString(css)+`).length`))
	if err != nil {
		t.Fatalf("count %s: %v", css, err)
	}
	return n
}

func texts(t *testing.T, b *Browser, css string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 10*time.Second)
	defer cancel()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(`+jsString(css)+`), e => e.textContent.trim())`))
	if err != nil {
		t.Fatalf("texts %s: %v", css, err)
	}
	return out
}

func value(t *testing.T, b *Browser, css string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("value of %s: %v", css, err)
	}
	return v
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
