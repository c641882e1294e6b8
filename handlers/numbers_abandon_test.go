package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"

	"dialdesk/handlers"
	"dialdesk/internal/testapp"
	"dialdesk/sandbox"
	"dialdesk/store"
)

// storeListApp is an app whose handlers have no surface B, so that the
// numbers page lists what dialdesk stored (the test's own client keeps v1,
// to see what the sandbox holds).
func storeListApp(t *testing.T, batchSize int) *testapp.App {
	return testapp.New(t, testapp.Options{SurfaceAOnly: true, Configure: func(cfg *handlers.Config) {
		cfg.ImportBatchSize = batchSize
	}})
}

func listedPhones(t *testing.T, body string) (phones, unsure []string) {
	t.Helper()
	doc(t, body).Find(`[data-testid="number-row"]`).Each(func(_ int, s *goquery.Selection) {
		p := s.AttrOr("data-phone", "")
		phones = append(phones, p)
		if s.Find(`[data-testid="number-unsure"]`).Length() > 0 {
			unsure = append(unsure, p)
		}
	})
	slices.Sort(phones)
	slices.Sort(unsure)
	return phones, unsure
}

func auditOf(t *testing.T, app *testapp.App, taskID, action string) []store.AuditEntry {
	t.Helper()
	entries, err := app.Store.Audit(context.Background(), store.AuditFilter{TaskID: taskID})
	if err != nil {
		t.Fatal(err)
	}
	var out []store.AuditEntry
	for _, e := range entries {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

// A paused import (the platform refused a batch) can give up its unsent
// numbers: it asks first, saying how many will not be sent and that the sent
// ones stay; then the sent numbers stay listed, the others are no longer
// "already on the task" for a later upload, resume is neither offered nor
// accepted, and an audit row has the counts. A supervisor cannot, nor a
// form without its CSRF token.
func TestImportAbandonPaused(t *testing.T) {
	app := storeListApp(t, 2)
	taskID := numbersTask(t, app)
	path, iid, all := previewImport(t, app, taskID, 5) // batches 0, 1, 2
	// Batch 0 goes through; from batch 1 on the platform says no (a ret_code).
	handlers.SetImportCrashAfterSend(app.Server, func(id int64, batch int) bool {
		if id == iid && batch == 0 {
			app.Sandbox.SetFaults(sandbox.Faults{FailRate: 1, Kinds: []sandbox.FaultKind{sandbox.FaultRetCode}, Endpoints: []string{"add_task_data"}})
		}
		return false
	})
	c := app.Login(t, store.RoleManager)
	app.PostForm(t, c, path+"/confirm", nil)
	app.Server.WaitImports()
	ctx := context.Background()
	if im, _ := app.Store.Import(ctx, iid); im.State != store.ImportPaused || im.RowsSent != 2 || im.RowsUnsent != 3 {
		t.Fatalf("before: state %s, %d sent, %d unsent", im.State, im.RowsSent, im.RowsUnsent)
	}
	app.Sandbox.SetFaults(sandbox.Faults{})
	_, body := app.Get(t, c, path)
	if got := doc(t, body).Find(`[data-testid="import-abandon"]`).Text(); got != "放弃未发送的号码" {
		t.Fatalf("abandon button = %q", got)
	}

	// First it asks, and nothing changes.
	res, body := app.PostFormBody(t, c, path+"/abandon", nil)
	d := doc(t, body)
	if res.StatusCode != http.StatusOK || d.Find(`[data-testid="abandon-confirm"]`).Length() != 1 {
		t.Fatalf("ask: %d", res.StatusCode)
	}
	if ask, keep := d.Find(`[data-testid="abandon-ask"]`).Text(), d.Find(`[data-testid="abandon-keep"]`).Text(); !strings.Contains(ask, "还有 3 个号码没有发送") || !strings.Contains(keep, "已经发送的 2 个号码仍留在任务中") {
		t.Errorf("ask %q, keep %q", ask, keep)
	}
	if im, _ := app.Store.Import(ctx, iid); im.State != store.ImportPaused {
		t.Fatalf("the question changed the state to %s", im.State)
	}

	// Not a supervisor; not without the CSRF token.
	sup := app.Login(t, store.RoleSupervisor)
	if res := app.PostForm(t, sup, path+"/abandon", url.Values{"confirm": {"1"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("supervisor: %d, want 403", res.StatusCode)
	}
	if res := app.PostForm(t, c, path+"/abandon", url.Values{"confirm": {"1"}, "csrf_token": {"forged"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("forged CSRF token: %d, want 403", res.StatusCode)
	}
	if im, _ := app.Store.Import(ctx, iid); im.State != store.ImportPaused {
		t.Fatalf("refused requests changed the state to %s", im.State)
	}

	// Confirmed.
	if res := app.PostForm(t, c, path+"/abandon", url.Values{"confirm": {"1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("abandon: %d", res.StatusCode)
	}
	im, _ := app.Store.Import(ctx, iid)
	if im.State != store.ImportAbandoned || im.RowsSent != 2 || im.RowsUnsent != 0 {
		t.Fatalf("after: state %s, %d sent, %d unsent", im.State, im.RowsSent, im.RowsUnsent)
	}
	_, body = app.Get(t, c, path)
	d = doc(t, body)
	if got := d.Find(`[data-testid="import-abandoned"]`).Text(); !strings.Contains(got, "3 个号码没有发送") || !strings.Contains(got, "已发送的 2 个号码仍在任务中") {
		t.Errorf("abandoned import says %q", got)
	}
	if d.Find(`[data-testid="import-resume"]`).Length() != 0 || d.Find(`[data-testid="import-abandon"]`).Length() != 0 {
		t.Error("resume or abandon still offered")
	}
	audit := auditOf(t, app, taskID, "numbers.abandon")
	if len(audit) != 1 || audit[0].Username != app.Users[store.RoleManager] ||
		fmt.Sprintf("%v %v", audit[0].Args["unsent"], audit[0].Args["sent"]) != "3 2" {
		t.Errorf("audit = %+v", audit)
	}

	// Resume is refused, with a clear message; nothing is sent.
	before := app.Sandbox.Count("add_task_data")
	res, body = app.PostFormBody(t, c, path+"/resume", nil)
	app.Server.WaitImports()
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "这次导入已经放弃，不能再继续") {
		t.Errorf("resume: %d", res.StatusCode)
	}
	if app.Sandbox.Count("add_task_data") != before {
		t.Error("a resume sent something")
	}
	// A second abandon changes nothing more.
	app.PostForm(t, c, path+"/abandon", url.Values{"confirm": {"1"}})
	if n := len(auditOf(t, app, taskID, "numbers.abandon")); n != 1 {
		t.Errorf("%d abandon audit rows after a second click", n)
	}

	// The sent numbers stay in the list; the platform holds exactly them.
	_, body = app.Get(t, c, "/tasks/"+taskID+"/numbers")
	listed, _ := listedPhones(t, body)
	if diff := cmp.Diff(all[:2], listed); diff != "" {
		t.Errorf("number list (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(all[:2], sandboxNumbers(t, app, taskID)); diff != "" {
		t.Errorf("platform numbers (-want +got):\n%s", diff)
	}
	if line := doc(t, body).Find(`[data-testid="import-line"][data-state="abandoned"]`).Text(); !strings.Contains(line, "已放弃") {
		t.Errorf("import line %q", line)
	}

	// The same numbers again: the given-up ones are valid, the sent ones on the task.
	path2, _, _ := previewImport(t, app, taskID, 5)
	_, body = app.Get(t, c, path2)
	if got := countsOf(t, body); got["valid"] != 3 || got["existing"] != 2 {
		t.Errorf("later upload counts = %v, want valid 3, existing 2", got)
	}
	app.PostForm(t, c, path2+"/confirm", nil)
	app.Server.WaitImports()
	if diff := cmp.Diff(all, sandboxNumbers(t, app, taskID)); diff != "" {
		t.Errorf("platform numbers after the new import (-want +got):\n%s", diff)
	}
}

// A batch sent but not marked (a crash between the platform call and its
// mark) counts as possibly sent: abandoning keeps its numbers, listed as
// 可能已发送 and on the task, and sends nothing again; only the batch never
// tried is given up.
func TestImportAbandonUnknownBatch(t *testing.T) {
	app := storeListApp(t, 2)
	taskID := numbersTask(t, app)
	path, iid, all := previewImport(t, app, taskID, 5) // batches 0, 1, 2
	handlers.SetImportCrashAfterSend(app.Server, func(id int64, batch int) bool { return id == iid && batch == 1 })
	c := app.Login(t, store.RoleManager)
	app.PostForm(t, c, path+"/confirm", nil)
	app.Server.WaitImports()
	// The sender that "crashed" never goes on with the import: abandon it.
	app2, c2 := app, c
	res, body := app2.PostFormBody(t, c2, path+"/abandon", nil)
	d := doc(t, body)
	if res.StatusCode != http.StatusOK || !strings.Contains(d.Find(`[data-testid="abandon-ask"]`).Text(), "还有 1 个号码没有发送") ||
		!strings.Contains(d.Find(`[data-testid="abandon-unsure"]`).Text(), "另有 2 个号码") {
		t.Fatalf("ask: %d %q %q", res.StatusCode, d.Find(`[data-testid="abandon-ask"]`).Text(), d.Find(`[data-testid="abandon-unsure"]`).Text())
	}
	before := app.Sandbox.Count("add_task_data")
	if res := app2.PostForm(t, c2, path+"/abandon", url.Values{"confirm": {"1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("abandon: %d", res.StatusCode)
	}
	if app.Sandbox.Count("add_task_data") != before {
		t.Error("abandoning sent something")
	}
	im, _ := app.Store.Import(context.Background(), iid)
	if im.State != store.ImportAbandoned || im.RowsSent != 2 || im.RowsUnsure != 2 {
		t.Fatalf("after: state %s, %d sent, %d unsure", im.State, im.RowsSent, im.RowsUnsure)
	}
	if a := auditOf(t, app, taskID, "numbers.abandon"); len(a) != 1 || fmt.Sprint(a[0].Args["unsure"]) != "2" {
		t.Errorf("audit = %+v", a)
	}
	_, body = app2.Get(t, c2, "/tasks/"+taskID+"/numbers")
	listed, unsure := listedPhones(t, body)
	if diff := cmp.Diff(all[:4], listed); diff != "" {
		t.Errorf("number list (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(all[2:4], unsure); diff != "" {
		t.Errorf("listed as maybe sent (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(all[:4], sandboxNumbers(t, app, taskID)); diff != "" {
		t.Errorf("platform numbers (-want +got):\n%s", diff)
	}
	path2, _, _ := previewImport(t, app2, taskID, 5)
	_, body = app2.Get(t, c2, path2)
	if got := countsOf(t, body); got["valid"] != 1 || got["existing"] != 4 {
		t.Errorf("later upload counts = %v, want valid 1, existing 4", got)
	}
}

// An import that is sending cannot be abandoned (409, with a message), nor
// one that is done; neither changes.
func TestImportAbandonRefused(t *testing.T) {
	app := testapp.New(t, testapp.Options{Configure: func(c *handlers.Config) { c.ImportBatchSize = 2 }})
	taskID := numbersTask(t, app)
	path, iid, _ := previewImport(t, app, taskID, 6)
	c := app.Login(t, store.RoleManager)
	if res := app.PostForm(t, c, path+"/abandon", url.Values{"confirm": {"1"}}); res.StatusCode != http.StatusConflict {
		t.Errorf("abandon a preview: %d, want 409", res.StatusCode)
	}
	app.Sandbox.SetFaults(sandbox.Faults{Latency: 300 * time.Millisecond, Endpoints: []string{"add_task_data"}})
	before := app.Sandbox.Count("add_task_data")
	app.PostForm(t, c, path+"/confirm", nil)
	for deadline := time.Now().Add(5 * time.Second); app.Sandbox.Count("add_task_data") == before; {
		if time.Now().After(deadline) {
			t.Fatal("no batch sent")
		}
		time.Sleep(2 * time.Millisecond)
	}
	res, body := app.PostFormBody(t, c, path+"/abandon", url.Values{"confirm": {"1"}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "正在发送号码，现在不能放弃") {
		t.Errorf("abandon while sending: %d", res.StatusCode)
	}
	app.Server.WaitImports()
	im, _ := app.Store.Import(context.Background(), iid)
	if im.State != store.ImportDone || im.RowsSent != 6 {
		t.Fatalf("the import was disturbed: state %s, %d sent", im.State, im.RowsSent)
	}
	res, body = app.PostFormBody(t, c, path+"/abandon?lang=en", url.Values{"confirm": {"1"}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "Only a paused or interrupted import") {
		t.Errorf("abandon a done import: %d", res.StatusCode)
	}
	if n := len(auditOf(t, app, taskID, "numbers.abandon")); n != 0 {
		t.Errorf("%d abandon audit rows", n)
	}
}
