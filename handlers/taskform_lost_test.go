package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"dialdesk/internal/testapp"
	"dialdesk/sandbox"
	"dialdesk/store"
)

// tasksNamed counts the platform's unfinished tasks named name.
func tasksNamed(t *testing.T, app *testapp.App, name string) int {
	t.Helper()
	tasks, err := app.Client.QueryTasks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, tk := range tasks {
		if tk.Name == name {
			n++
		}
	}
	return n
}

var lostAddTask = sandbox.Faults{Endpoints: []string{"add_task"}, FailRate: 1, Kinds: []sandbox.FaultKind{sandbox.FaultLostAnswer}}

// TestTaskCreateLostAnswer: the platform creates the task but its answer is
// lost (the connection drops after sending). dialdesk finds the task by name,
// opens it and says so; submitting the form again makes no second task.
func TestTaskCreateLostAnswer(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	m := app.Login(t, store.RoleManager)
	form := newTaskForm(t, app, m)
	name := form.Get("task_name")
	app.Sandbox.SetFaults(lostAddTask)
	res := app.PostForm(t, m, "/tasks", clone(form))
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/tasks/") {
		t.Errorf("POST with the answer lost: %d → %q, want 303 to the task found", res.StatusCode, loc)
	} else {
		_, body := app.Get(t, m, loc)
		if got := doc(t, body).Find("[data-testid=flash]").Text(); !strings.Contains(got, "没有重复创建") || !strings.Contains(got, name) {
			t.Errorf("flash %q, want it to say the task was found", got)
		}
	}
	// The user, unsure, submits the same form again (the platform answers now).
	app.Sandbox.SetFaults(sandbox.Faults{})
	res = app.PostForm(t, m, "/tasks", clone(form))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != loc {
		t.Errorf("resubmit: %d → %q, want %q", res.StatusCode, res.Header.Get("Location"), loc)
	}
	if n := tasksNamed(t, app, name); n != 1 {
		t.Errorf("%d tasks named %q on the platform, want 1", n, name)
	}
	if n := app.Sandbox.Count("add_task"); n != 1 {
		t.Errorf("add_task called %d times, want 1", n)
	}
	if k, err := app.Store.KnownTask(context.Background(), strings.TrimPrefix(loc, "/tasks/")); err != nil || k.CreatedBy != "manager" {
		t.Errorf("the task found is remembered as %+v (%v), want created by manager", k, err)
	}
}

// TestTaskCreateLostAnswerNothingCreated: the answer is lost and the platform
// holds no such task (a 502 from a proxy in front, before the platform): the
// form comes back saying so, with its token; the next submit looks again,
// finds nothing and creates the task once. A task of the same name made
// before through another form is never taken for it.
func TestTaskCreateLostAnswerNothingCreated(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	m := app.Login(t, store.RoleManager)
	earlier := newTaskForm(t, app, m)
	if res := app.PostForm(t, m, "/tasks", clone(earlier)); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("earlier task: %d", res.StatusCode)
	}
	form := newTaskForm(t, app, m) // the same name (newTaskForm names it after the test)
	name := form.Get("task_name")
	app.Sandbox.SetFaults(sandbox.Faults{Endpoints: []string{"add_task"}, FailRate: 1, Kinds: []sandbox.FaultKind{sandbox.Fault502}})
	res, body := app.PostFormBody(t, m, "/tasks", clone(form))
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("POST with a 502: %d, want 422 (the form again)", res.StatusCode)
	}
	d := doc(t, body)
	if got := d.Find("[data-testid=error-_form]").Text(); !strings.Contains(got, "暂时没有名为") || !strings.Contains(got, name) {
		t.Errorf("form message %q, want it to say no such task is on the platform", got)
	}
	if tok := d.Find("input[name=form_token]").AttrOr("value", ""); tok != form.Get("form_token") {
		t.Errorf("form token %q, want the same %q (kept claimed)", tok, form.Get("form_token"))
	}
	app.Sandbox.SetFaults(sandbox.Faults{})
	res = app.PostForm(t, m, "/tasks", clone(form))
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || loc == "" {
		t.Fatalf("resubmit: %d", res.StatusCode)
	}
	if n := tasksNamed(t, app, name); n != 2 {
		t.Errorf("%d tasks named %q, want 2 (the earlier one and this one)", n, name)
	}
	// And once more: the token now names the task.
	if res := app.PostForm(t, m, "/tasks", clone(form)); res.Header.Get("Location") != loc {
		t.Errorf("third submit → %q, want %q", res.Header.Get("Location"), loc)
	}
	if n := tasksNamed(t, app, name); n != 2 {
		t.Errorf("%d tasks named %q after a third submit, want 2", n, name)
	}
}
