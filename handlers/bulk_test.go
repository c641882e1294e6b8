package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"dialdesk/client"
	"dialdesk/internal/testapp"
	"dialdesk/sandbox"
	"dialdesk/store"
)

// bulkConfirmForm opens the bulk confirmation of action for ids and returns
// its form values (only the tasks it will act on are in it) and the page.
func bulkConfirmForm(t *testing.T, app *testapp.App, c *http.Client, action string, ids []string) (url.Values, *goquery.Document) {
	t.Helper()
	q := url.Values{"action": {action}, "id": ids}
	res, body := app.Get(t, c, "/tasks/bulk?"+q.Encode())
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /tasks/bulk: %d", res.StatusCode)
	}
	d := doc(t, body)
	f := url.Values{}
	d.Find("form[data-testid=bulk-confirm] input[type=hidden]").Each(func(_ int, s *goquery.Selection) {
		f.Add(s.AttrOr("name", ""), s.AttrOr("value", ""))
	})
	return f, d
}

// seedStatuses returns the sandbox's seed tasks and their statuses.
func seedStatuses(t *testing.T, app *testapp.App) ([]string, map[string]client.TaskStatus) {
	t.Helper()
	ids := app.Sandbox.TaskIDs()
	infos, err := app.Client.QueryTaskInfo(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	st := map[string]client.TaskStatus{}
	for _, info := range infos {
		st[info.ID] = info.Status
	}
	return ids, st
}

func TestBulkPause(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	m := app.Login(t, store.RoleManager)
	ids, before := seedStatuses(t, app)
	var pausable, other []string
	for _, id := range ids {
		if before[id].CanPause() {
			pausable = append(pausable, id)
		} else {
			other = append(other, id)
		}
	}
	if len(pausable) < 2 || len(other) < 2 {
		t.Fatalf("seed: %d pausable, %d not", len(pausable), len(other))
	}

	form, d := bulkConfirmForm(t, app, m, "pause", ids)
	if got := d.Find("[data-testid=bulk-task]").Length(); got != len(ids) {
		t.Errorf("confirmation names %d tasks, want %d", got, len(ids))
	}
	if got := d.Find("[data-testid=bulk-task][data-applicable=false] [data-testid=bulk-cannot]").Length(); got != len(other) {
		t.Errorf("%d tasks said not to take the action, want %d", got, len(other))
	}
	if got := len(form["id"]); got != len(pausable) {
		t.Errorf("form holds %d tasks, want the %d pausable", got, len(pausable))
	}
	if !strings.Contains(d.Find("[data-testid=bulk-cannot]").First().Text(), "不能暂停") {
		t.Errorf("no reason given: %q", d.Find("[data-testid=bulk-cannot]").First().Text())
	}

	// Everything selected goes to the POST, as a tampered form would: the
	// server decides again from the platform's statuses.
	form["id"] = ids
	app.Sandbox.ResetCounts()
	res := app.PostForm(t, m, "/tasks/bulk", form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /tasks/bulk: %d", res.StatusCode)
	}
	to := res.Header.Get("Location")
	if !strings.HasPrefix(to, "/tasks/bulk/") {
		t.Fatalf("→ %q", to)
	}
	if got := app.Sandbox.Count("pause_task"); got != int64(len(pausable)) {
		t.Errorf("pause_task called %d times, want %d (none for the others)", got, len(pausable))
	}
	for _, id := range pausable {
		if st := platformStatus(t, app, id); st != client.TaskPaused {
			t.Errorf("task %s: status %d, want paused", id, st)
		}
	}
	for _, id := range other {
		if st := platformStatus(t, app, id); st != before[id] {
			t.Errorf("task %s not pausable changed: %d → %d", id, before[id], st)
		}
	}

	// The result lists each task with what happened.
	_, body := app.Get(t, m, to)
	rd := doc(t, body)
	if got := rd.Find("[data-testid=bulk-outcome][data-outcome=done]").Length(); got != len(pausable) {
		t.Errorf("%d done, want %d", got, len(pausable))
	}
	if got := rd.Find("[data-testid=bulk-outcome][data-outcome=skipped]").Length(); got != len(other) {
		t.Errorf("%d left alone, want %d", got, len(other))
	}
	if rd.Find("[data-testid=bulk-retry]").Length() != 0 {
		t.Error("retry offered though nothing failed")
	}

	// A second submit of the same form acts on nothing and shows the same result.
	res = app.PostForm(t, m, "/tasks/bulk", form)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != to {
		t.Errorf("double submit: %d → %q, want 303 → %q", res.StatusCode, res.Header.Get("Location"), to)
	}
	if got := app.Sandbox.Count("pause_task"); got != int64(len(pausable)) {
		t.Errorf("double submit called pause_task again: %d", got)
	}

	// Each change is in the audit log, per task.
	entries, err := app.Store.Audit(context.Background(), store.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	paused := map[string]bool{}
	for _, e := range entries {
		if e.Action == "task.pause" {
			paused[e.TaskID] = true
		}
	}
	if len(paused) != len(pausable) {
		t.Errorf("task.pause audited for %d tasks, want %d", len(paused), len(pausable))
	}
}

func TestBulkFailureDoesNotStopTheOthers(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	m := app.Login(t, store.RoleManager)
	ids, before := seedStatuses(t, app)
	var pausable []string
	for _, id := range ids {
		if before[id].CanPause() {
			pausable = append(pausable, id)
		}
	}
	form, _ := bulkConfirmForm(t, app, m, "pause", pausable)
	// One pause_task answers 502; the client does not repeat a write.
	app.Sandbox.SetFaults(sandbox.Faults{FailRate: 1, Times: 1, Kinds: []sandbox.FaultKind{sandbox.Fault502}, Endpoints: []string{"pause_task"}})
	res := app.PostForm(t, m, "/tasks/bulk", form)
	app.Sandbox.SetFaults(sandbox.Faults{})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST: %d", res.StatusCode)
	}
	_, body := app.Get(t, m, res.Header.Get("Location"))
	d := doc(t, body)
	failed := d.Find("[data-testid=bulk-outcome][data-outcome=failed]")
	if failed.Length() != 1 {
		t.Fatalf("%d failed, want 1", failed.Length())
	}
	if got := d.Find("[data-testid=bulk-outcome][data-outcome=done]").Length(); got != len(pausable)-1 {
		t.Errorf("%d done, want %d", got, len(pausable)-1)
	}
	retry := d.Find("[data-testid=bulk-retry]").AttrOr("href", "")
	failedID := failed.AttrOr("data-task-id", "")
	u, err := url.Parse(retry)
	if err != nil || u.Path != "/tasks/bulk" || u.Query().Get("action") != "pause" || strings.Join(u.Query()["id"], ",") != failedID {
		t.Errorf("retry = %q, want the confirmation of task %s", retry, failedID)
	}
	if strings.TrimSpace(failed.Find(".muted").Text()) == "" {
		t.Error("the failure is not said in words")
	}
}

func TestBulkRoles(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	sup := app.Login(t, store.RoleSupervisor)
	ids := app.Sandbox.TaskIDs()
	if res, _ := app.Get(t, sup, "/tasks/bulk?action=pause&id="+ids[0]); res.StatusCode != http.StatusForbidden {
		t.Errorf("supervisor GET: %d, want 403", res.StatusCode)
	}
	app.Sandbox.ResetCounts()
	form := url.Values{"action": {"pause"}, "id": ids, "form_token": {strings.Repeat("ab", 16)}}
	if res := app.PostForm(t, sup, "/tasks/bulk", form); res.StatusCode != http.StatusForbidden {
		t.Errorf("supervisor POST: %d, want 403", res.StatusCode)
	}
	if n := app.Sandbox.Count("pause_task"); n != 0 {
		t.Errorf("supervisor's POST paused %d tasks", n)
	}
	// The list offers the selection to managers only.
	_, body := app.Get(t, sup, "/tasks")
	if doc(t, body).Find("[data-testid=bulk-bar], [data-testid=bulk-pick]").Length() != 0 {
		t.Error("supervisor sees the bulk bar")
	}
	m := app.Login(t, store.RoleManager)
	_, body = app.Get(t, m, "/tasks")
	md := doc(t, body)
	if md.Find("[data-testid=bulk-bar]").Length() != 1 || md.Find("[data-testid=bulk-pick]").Length() == 0 {
		t.Error("manager has no bulk bar or no checkboxes")
	}
	if md.Find("[data-testid=bulk-pick]").First().AttrOr("aria-label", "") == "" {
		t.Error("a row's checkbox has no accessible name")
	}
	// Nothing selected: back to the list with a message, nothing called.
	app.Sandbox.ResetCounts()
	res, _ := app.Get(t, m, "/tasks/bulk?action=pause")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/tasks" {
		t.Errorf("empty selection → %d %s, want 303 /tasks", res.StatusCode, res.Header.Get("Location"))
	}
	if n := app.Sandbox.Count("query_task_info"); n != 0 {
		t.Errorf("an empty selection asked the platform %d times", n)
	}
}

func TestTaskCopy(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	m := app.Login(t, store.RoleManager)
	form := newTaskForm(t, app, m)
	form.Set("task_name", "春季回访")
	form.Set("number_hide", "2")
	form.Set("export_status", "1")
	res := app.PostForm(t, m, "/tasks", form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", res.StatusCode)
	}
	id := strings.TrimPrefix(res.Header.Get("Location"), "/tasks/")
	_, body := app.Get(t, m, "/tasks/"+id)
	if doc(t, body).Find("[data-testid=action-copy]").AttrOr("href", "") != "/tasks/"+id+"/copy" {
		t.Error("the task page offers no copy")
	}

	app.Sandbox.ResetCounts()
	res, body = app.Get(t, m, "/tasks/"+id+"/copy")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET copy: %d", res.StatusCode)
	}
	if n := app.Sandbox.Count("add_task"); n != 0 {
		t.Errorf("opening the copy created %d tasks", n)
	}
	f := doc(t, body).Find("form[data-testid=task-form]")
	checks := map[string]string{
		"input[name=task_name]":              "春季回访 副本",
		"input[name=templateid][checked]":    form.Get("templateid"),
		"input[name=telephone][checked]":     form.Get("telephone"),
		"input[name=number_hide][checked]":   "2",
		"input[name=export_status][checked]": "1",
		"input[name=form_token]":             "",
	}
	for sel, want := range checks {
		got := f.Find(sel).AttrOr("value", "")
		if want == "" {
			if got == "" || got == form.Get("form_token") {
				t.Errorf("%s = %q: want a new one-time token", sel, got)
			}
			continue
		}
		if got != want {
			t.Errorf("%s = %q, want %q", sel, got, want)
		}
	}
	if !strings.Contains(doc(t, body).Find("[data-testid=copy-of]").Text(), "春季回访") {
		t.Error("the form does not say what it was copied from")
	}
	// The original is untouched.
	infos, err := app.Client.QueryTaskInfo(context.Background(), []string{id})
	if err != nil || len(infos) != 1 || infos[0].Name != "春季回访" {
		t.Errorf("original after copy: %+v %v", infos, err)
	}
}
