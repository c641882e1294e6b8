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

	"dialdesk/client"
	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// importNumbers uploads phones to task as a .csv and confirms the import.
func importNumbers(t *testing.T, app *testapp.App, c *http.Client, task string, phones []string) {
	t.Helper()
	path := uploadImport(t, app, c, "/tasks/"+task+"/numbers", "list.csv", []byte("号码\n"+strings.Join(phones, "\n")+"\n"))
	app.Server.WaitImports()
	if res := app.PostForm(t, c, path+"/confirm", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: %d", res.StatusCode)
	}
	app.Server.WaitImports()
}

// laterTask creates a task on the sandbox (named name) whose validity starts
// tomorrow, so that its numbers wait undialed.
func laterTask(t *testing.T, app *testapp.App, name string) string {
	t.Helper()
	ctx := context.Background()
	tpls, _ := app.Client.QueryTemplates(ctx)
	nums, _, _ := app.Client.QueryNumbers(ctx)
	id, err := app.Client.AddTask(ctx, client.AddTaskRequest{
		TemplateID: tpls[0].ID, TaskName: name, Telephones: []string{nums[0].Telephone.String()}, RobotNum: 1,
		TimeType: client.TimeTypeCustom, StartTime: time.Now().Add(24 * time.Hour), EndTime: time.Now().Add(48 * time.Hour),
		CallTimeSlots: []string{"09:00-18:00"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestDoNotCallPurge: adding a number a task still holds undialed leads to
// the question (task, count), which removes it from the task on the
// platform after the confirmation; managers only, CSRF-protected, the task
// name escaped.
func TestDoNotCallPurge(t *testing.T) {
	app := testapp.New(t, testapp.Options{NoSeedData: false})
	m := app.Login(t, store.RoleManager)
	task := laterTask(t, app, `<img src=x onerror=alert(1)>名单`)
	importNumbers(t, app, m, task, []string{"13900000001", "13900000002", "13900000003"})
	if got := sandboxNumbers(t, app, task); len(got) != 3 {
		t.Fatalf("sandbox holds %v", got)
	}

	res := app.PostForm(t, m, "/dnc", url.Values{"phone": {"139 0000 0002"}})
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/dnc/purge") {
		t.Fatalf("add: %d → %q, want the purge question", res.StatusCode, loc)
	}
	res, body := app.Get(t, m, res.Header.Get("Location"))
	d := doc(t, body)
	if res.StatusCode != 200 || d.Find("[data-testid=purge-task]").Length() != 1 || d.Find("[data-testid=purge-count]").Text() != "1" {
		t.Fatalf("question: %d\n%s", res.StatusCode, d.Find("main").Text())
	}
	if strings.Contains(body, "<img src=x") || !strings.Contains(d.Find("[data-testid=purge-task]").Text(), "<img src=x") {
		t.Error("the task's name is not shown escaped")
	}
	if d.Find("[data-testid=purge-form] input[name=csrf_token]").Length() != 1 {
		t.Error("no CSRF token in the form")
	}
	if app.Sandbox.Count("delete_task_data") != 0 {
		t.Fatal("numbers removed before the confirmation")
	}
	// The do-not-call page says so too, and is in a manager's navigation.
	d = doc(t, mustGet(t, app, m, "/dnc"))
	if d.Find("[data-testid=dnc-waiting]").Length() != 1 || d.Find("[data-testid=nav-dnc].active").Length() != 1 {
		t.Error("the do-not-call page does not offer the removal, or is not in the navigation")
	}

	// Not for supervisors; not without the token.
	sup := app.Login(t, store.RoleSupervisor)
	if res, _ := app.Get(t, sup, "/dnc/purge"); res.StatusCode != http.StatusForbidden {
		t.Errorf("supervisor GET /dnc/purge: %d", res.StatusCode)
	}
	if doc(t, mustGet(t, app, sup, "/tasks")).Find("[data-testid=nav-dnc]").Length() != 0 {
		t.Error("do-not-call in a supervisor's navigation")
	}
	res, _ = app.Do(t, m, http.MethodPost, "/dnc/purge", strings.NewReader("back=%2Fdnc"),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {app.URL}})
	if res.StatusCode != http.StatusForbidden || app.Sandbox.Count("delete_task_data") != 0 {
		t.Errorf("POST without CSRF token: %d", res.StatusCode)
	}

	res = app.PostForm(t, m, "/dnc/purge", url.Values{"back": {"/dnc"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/dnc" {
		t.Fatalf("purge: %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	if got := sandboxNumbers(t, app, task); slices.Contains(got, "13900000002") || len(got) != 2 {
		t.Errorf("sandbox holds %v after the removal", got)
	}
	body = mustGet(t, app, m, "/dnc")
	if !strings.Contains(body, "已移除 1 个号码（1 个任务）。") || doc(t, body).Find("[data-testid=dnc-waiting]").Length() != 0 {
		t.Errorf("after the removal: %s", doc(t, body).Find("main").Text())
	}
	if d := doc(t, mustGet(t, app, m, "/dnc/purge")); d.Find("[data-testid=purge-none]").Length() != 1 {
		t.Error("the question is asked again with nothing left")
	}
}

// TestDoNotCallPurgeBatches: a list of 150 numbers is removed in calls of at
// most 100 outids (delete_task_data's limit).
func TestDoNotCallPurgeBatches(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	m := app.Login(t, store.RoleManager)
	task := laterTask(t, app, "大名单")
	var phones []string
	for i := range 150 {
		phones = append(phones, fmt.Sprintf("1370000%04d", i))
	}
	importNumbers(t, app, m, task, phones)
	res, _ := upload(t, app, m, "/dnc/upload", "dnc.csv", []byte("号码\n"+strings.Join(phones, "\n")+"\n"))
	if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/dnc/purge") {
		t.Fatalf("upload → %q, want the purge question", loc)
	}
	if d := doc(t, mustGet(t, app, m, "/dnc/purge")); d.Find("[data-testid=purge-count]").Text() != "150" {
		t.Fatalf("count %q, want 150", d.Find("[data-testid=purge-count]").Text())
	}
	app.PostForm(t, m, "/dnc/purge", nil)
	if n := app.Sandbox.Count("delete_task_data"); n != 2 {
		t.Errorf("delete_task_data calls: %d, want 2 (100 + 50)", n)
	}
	if got := sandboxNumbers(t, app, task); len(got) != 0 {
		t.Errorf("sandbox still holds %d numbers", len(got))
	}
}

// TestCallPageDoNotCall: a manager puts a call's customer on the list from
// the call's page; a supervisor is not offered it and is refused.
func TestCallPageDoNotCall(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	task := app.Sandbox.TaskIDs()[0]
	saveCalls(t, app, task, "d", 1, time.Now(), "无意向", false)
	sup := app.Login(t, store.RoleSupervisor)
	if d := doc(t, mustGet(t, app, sup, "/tasks/"+task+"/calls/d000")); d.Find("[data-testid=call-dnc]").Length() != 0 {
		t.Error("a supervisor is offered 加入免打扰")
	}
	if res := app.PostForm(t, sup, "/tasks/"+task+"/calls/d000/dnc", nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("supervisor POST: %d", res.StatusCode)
	}
	m := app.Login(t, store.RoleManager)
	d := doc(t, mustGet(t, app, m, "/tasks/"+task+"/calls/d000"))
	if d.Find("[data-testid=call-dnc-add]").Text() != "加入免打扰" || d.Find("[data-testid=call-dnc] input[name=csrf_token]").Length() != 1 {
		t.Fatal("a manager is not offered 加入免打扰")
	}
	res := app.PostForm(t, m, "/tasks/"+task+"/calls/d000/dnc", nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST: %d", res.StatusCode)
	}
	set, err := app.Store.DoNotCallSet(context.Background())
	if err != nil || !set["13900000000"] {
		t.Errorf("the customer is not on the list: %v", err)
	}
}
