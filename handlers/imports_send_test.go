package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"dialdesk/audit"
	"dialdesk/client"
	"dialdesk/handlers"
	"dialdesk/sandbox"
	"dialdesk/store"
	"dialdesk/views"
)

// A number put on the do-not-call list after the confirm is not sent: not
// in a batch still pending while the import runs, nor in one re-sent by a
// resume. The rows dropped so are counted, shown on the import's page and
// row, and kept in the rejected rows with their reason.
func TestImportFiltersDoNotCallAtSendTime(t *testing.T) {
	app := storeListApp(t, 2)
	taskID := numbersTask(t, app)
	path, iid, phones := previewImport(t, app, taskID, 6) // batches 0, 1, 2
	ctx := context.Background()
	// While batch 0 is being sent, phones[3] (batch 1) goes on the list; and
	// batch 1's answer is lost, so the import pauses.
	handlers.SetImportCrashAfterSend(app.Server, func(id int64, batch int) bool {
		if batch == 0 {
			if _, err := app.Store.AddDoNotCall(ctx, []string{phones[3]}, "manager", ""); err != nil {
				t.Error(err)
			}
			app.Sandbox.SetFaults(sandbox.Faults{FailRate: 1, Kinds: []sandbox.FaultKind{sandbox.Fault502}, Endpoints: []string{"add_task_data"}})
		}
		return false
	})
	c := app.Login(t, store.RoleManager)
	app.PostForm(t, c, path+"/confirm", nil)
	app.Server.WaitImports()
	if im, _ := app.Store.Import(ctx, iid); im.State != store.ImportPaused {
		t.Fatalf("state %s, want paused after the lost answer", im.State)
	}
	// Then phones[4] (batch 2, pending) goes on the list too, and the import is resumed.
	if _, err := app.Store.AddDoNotCall(ctx, []string{phones[4]}, "manager", ""); err != nil {
		t.Fatal(err)
	}
	app.Sandbox.SetFaults(sandbox.Faults{})
	app.PostForm(t, c, path+"/resume", nil)
	app.Server.WaitImports()

	want := []string{phones[0], phones[1], phones[2], phones[5]}
	if diff := cmp.Diff(want, sandboxNumbers(t, app, taskID)); diff != "" {
		t.Errorf("platform numbers (-want +got):\n%s", diff)
	}
	im, _ := app.Store.Import(ctx, iid)
	if im.State != store.ImportDone || im.RowsSent != 4 || im.Counts.Valid != 4 || im.Counts.FilteredLate != 2 {
		t.Fatalf("state %s, %d sent, counts %+v; want done, 4 sent, 4 valid, 2 filtered late", im.State, im.RowsSent, im.Counts)
	}
	_, body := app.Get(t, c, path)
	if got := countsOf(t, body); got["filtered-late"] != 2 || got["valid"] != 4 {
		t.Errorf("import page counts = %v", got)
	}
	if !strings.Contains(body, "免打扰过滤（导入期间新增）") {
		t.Error("the import page does not say why the numbers were not sent")
	}
	_, body = app.Get(t, c, "/tasks/"+taskID+"/numbers")
	if got := doc(t, body).Find(`[data-testid="import-line-filtered-late"]`).Text(); !strings.Contains(got, "2") {
		t.Errorf("import row says %q", got)
	}
	listed, _ := listedPhones(t, body)
	slices.Sort(listed)
	if diff := cmp.Diff(want, listed); diff != "" {
		t.Errorf("the task's numbers page (-want +got):\n%s", diff)
	}
	if a := auditOf(t, app, taskID, audit.NumbersImportDone); len(a) != 1 ||
		!strings.Contains(views.Say(views.ZH, "audit.say."+a[0].Action, a[0].Args), "导入期间加入免打扰、未发送 2 个") {
		t.Errorf("done audit = %+v", a)
	}
	rejects, _ := app.Store.ImportRejects(ctx, iid, 0)
	if len(rejects) != 2 || rejects[0].Phone != phones[3] || rejects[0].Reason != store.DropFilteredLate || rejects[1].Phone != phones[4] {
		t.Errorf("rejects = %+v", rejects)
	}
}

// 320030 is a generic refusal, not "outid repeated": the platform refuses a
// batch holding a row it will not take and keeps the batch's other rows.
// The sender learns per row which it holds: the refused row is counted as
// refused (not sent), kept in the rejected rows with the platform's message,
// and not listed on the task; every other row is sent once. A batch nothing
// refuses costs one call and no per-row question.
func TestImportLearnsRefusedRows(t *testing.T) {
	app := storeListApp(t, 4)
	taskID := numbersTask(t, app)
	path, iid, phones := previewImport(t, app, taskID, 8) // batches 0 (lines 2–5), 1 (lines 6–9)
	ctx := context.Background()
	// The task already has another number under the outid dialdesk gives
	// line 7 (batch 1): the platform refuses that row.
	if err := app.Client.AddTaskDataBatch(ctx, taskID, []client.DataRow{{Telephone: "13999999999", OutID: store.OutID(iid, 7)}}); err != nil {
		t.Fatal(err)
	}
	adds, queries := app.Sandbox.Count("add_task_data"), app.Sandbox.Count("query_task_data")
	c := app.Login(t, store.RoleManager)
	app.PostForm(t, c, path+"/confirm", nil)
	app.Server.WaitImports()

	im, _ := app.Store.Import(ctx, iid)
	if im.State != store.ImportDone || im.RowsSent != 7 || im.Counts.Refused != 1 || im.Counts.Valid != 7 {
		t.Fatalf("state %s, %d sent, counts %+v; want done, 7 sent, 1 refused", im.State, im.RowsSent, im.Counts)
	}
	refused := phones[5] // line 7
	want := slices.Sorted(slices.Values(append(slices.Clone(phones[:5]), phones[6:]...)))
	got := sandboxNumbers(t, app, taskID)
	slices.Sort(got)
	if diff := cmp.Diff(append(slices.Clone(want), "13999999999"), got); diff != "" {
		t.Errorf("platform numbers (-want +got):\n%s", diff)
	}
	if a := auditOf(t, app, taskID, audit.NumbersImportDone); len(a) != 1 ||
		!strings.Contains(views.Say(views.EN, "audit.say."+a[0].Action, a[0].Args), "1 refused by the platform") {
		t.Errorf("done audit = %+v", a)
	}
	rejects, _ := app.Store.ImportRejects(ctx, iid, 0)
	if len(rejects) != 1 || rejects[0].Phone != refused || rejects[0].Reason != store.DropRefused || !strings.Contains(rejects[0].Detail, "上传的数据有误") {
		t.Errorf("rejects = %+v", rejects)
	}
	_, body := app.Get(t, c, "/tasks/"+taskID+"/numbers")
	listed, _ := listedPhones(t, body)
	slices.Sort(listed)
	if diff := cmp.Diff(want, listed); diff != "" {
		t.Errorf("the task's numbers page (-want +got):\n%s", diff)
	}
	if got := doc(t, body).Find(`[data-testid="import-line-refused"]`).Text(); !strings.Contains(got, "平台拒收 1") {
		t.Errorf("import row says %q", got)
	}
	_, body = app.Get(t, c, path)
	if got := countsOf(t, body); got["refused"] != 1 || !strings.Contains(body, "平台拒收：") {
		t.Errorf("import page counts = %v, or no reason with the platform's message", got)
	}
	// Batch 0: one call. Batch 1: the refused call and its two halves, both
	// refused (the platform kept the good rows, and refuses their outids
	// again); then each of its rows asked for, and the one not held sent
	// alone (refused).
	if n := app.Sandbox.Count("add_task_data") - adds; n != 5 {
		t.Errorf("%d add_task_data calls, want 5", n)
	}
	if n := app.Sandbox.Count("query_task_data") - queries; n != 4 {
		t.Errorf("%d query_task_data calls, want 4", n)
	}
	res, _ := app.Get(t, c, path+"/rejects.xlsx")
	if res.StatusCode != http.StatusOK {
		t.Errorf("rejects report: %d", res.StatusCode)
	}
}

// When nothing is refused, each batch is one add_task_data call and no row
// is asked about.
func TestImportCostWhenNothingIsRefused(t *testing.T) {
	app := storeListApp(t, 2)
	taskID := numbersTask(t, app)
	path, iid, _ := previewImport(t, app, taskID, 5) // 3 batches
	adds, queries := app.Sandbox.Count("add_task_data"), app.Sandbox.Count("query_task_data")
	c := app.Login(t, store.RoleManager)
	app.PostForm(t, c, path+"/confirm", url.Values{})
	app.Server.WaitImports()
	if im, _ := app.Store.Import(context.Background(), iid); im.State != store.ImportDone || im.RowsSent != 5 {
		t.Fatalf("state %s, %d sent", im.State, im.RowsSent)
	}
	if n := app.Sandbox.Count("add_task_data") - adds; n != 3 {
		t.Errorf("%d add_task_data calls, want 3", n)
	}
	if n := app.Sandbox.Count("query_task_data") - queries; n != 0 {
		t.Errorf("%d query_task_data calls, want 0", n)
	}
}

// A batch whose answer is lost (the platform took it; dialdesk heard
// nothing) is sent again at once and its rows learnt one by one: every
// number is on the task once, the import finishes without a pause, and no
// row is counted refused.
func TestImportLearnsAfterALostAnswer(t *testing.T) {
	app := storeListApp(t, 4)
	taskID := numbersTask(t, app)
	path, iid, phones := previewImport(t, app, taskID, 4)
	app.Sandbox.SetFaults(sandbox.Faults{FailRate: 1, Times: 1, Kinds: []sandbox.FaultKind{sandbox.FaultLostAnswer}, Endpoints: []string{"add_task_data"}})
	queries := app.Sandbox.Count("query_task_data")
	c := app.Login(t, store.RoleManager)
	app.PostForm(t, c, path+"/confirm", nil)
	app.Server.WaitImports()
	im, _ := app.Store.Import(context.Background(), iid)
	if im.State != store.ImportDone || im.RowsSent != 4 || im.RowsUnsure != 0 || im.Counts.Refused != 0 {
		t.Fatalf("state %s, %d sent, %d unsure, counts %+v (%s)", im.State, im.RowsSent, im.RowsUnsure, im.Counts, im.ErrorEN)
	}
	if diff := cmp.Diff(phones, sandboxNumbers(t, app, taskID)); diff != "" {
		t.Errorf("platform numbers (-want +got):\n%s", diff)
	}
	if n := app.Sandbox.Count("query_task_data") - queries; n != 4 {
		t.Errorf("%d query_task_data calls, want 4 (each row of the batch)", n)
	}
}
