package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"dialdesk/client"
	"dialdesk/internal/testapp"
	"dialdesk/store"
)

func TestAuditPages(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	running := taskInStatus(t, app, client.TaskRunning)
	m := app.Login(t, store.RoleManager)
	app.PostForm(t, m, "/tasks/"+running.ID+"/pause", nil)
	app.PostForm(t, m, "/tasks/"+running.ID+"/pause", nil) // refused
	ctx := context.Background()
	for i := range 60 {
		app.Store.AddAudit(ctx, store.AuditEntry{Username: "admin", TaskID: "t" + fmt.Sprint(i%3),
			Action: "task.edit", Detail: "<b>改名</b> & " + fmt.Sprint(i), Answer: "000000"})
	}

	// Global page: newest first, 50 a page, then older ones.
	res, body := app.Get(t, m, "/audit")
	if res.StatusCode != 200 {
		t.Fatalf("GET /audit: %d", res.StatusCode)
	}
	d := doc(t, body)
	rows := d.Find("[data-testid=audit-row]")
	if rows.Length() != 50 {
		t.Errorf("rows = %d, want 50", rows.Length())
	}
	if got := rows.First().Find("[data-testid=audit-detail]").Text(); got != "<b>改名</b> & 59" {
		t.Errorf("newest detail = %q", got)
	}
	if strings.Contains(body, "<b>改名</b>") {
		t.Error("detail not escaped")
	}
	if d.Find("form[method=post]").FilterFunction(func(_ int, s *goquery.Selection) bool {
		return s.AttrOr("action", "") != "/logout"
	}).Length() != 0 {
		t.Error("the audit page has a form that changes something")
	}
	older := d.Find("[data-testid=audit-older]").AttrOr("href", "")
	_, body = app.Get(t, m, older)
	d = doc(t, body)
	var actions []string
	d.Find("[data-testid=audit-row]").Each(func(_ int, s *goquery.Selection) {
		actions = append(actions, s.AttrOr("data-action", "")+" "+s.Find("[data-testid=audit-answer]").Text())
	})
	// The refused pause, the pause, the manager's login.
	if len(actions) != 13 || !strings.HasPrefix(actions[10], "task.pause") || !strings.Contains(actions[10], "320023") ||
		!strings.Contains(actions[11], "成功") || !strings.HasPrefix(actions[12], "auth.login") {
		t.Errorf("older page = %v", actions)
	}

	// The task's tab: only its entries, with the task header.
	res, body = app.Get(t, m, "/tasks/"+running.ID+"/audit")
	if res.StatusCode != 200 {
		t.Fatalf("task audit: %d", res.StatusCode)
	}
	d = doc(t, body)
	if n := d.Find("[data-testid=audit-row]").Length(); n != 2 {
		t.Errorf("task audit rows = %d, want 2", n)
	}
	if d.Find("[data-testid=task-tabs] [data-tab=audit][aria-current=page]").Length() != 1 {
		t.Error("audit tab not current")
	}
	if got := d.Find("[data-testid=audit-user]").First().Text(); got != "manager" {
		t.Errorf("user = %q", got)
	}
	// Filter by user: the manager's login and two pauses.
	_, body = app.Get(t, m, "/audit?user=manager")
	if n := doc(t, body).Find("[data-testid=audit-row]").Length(); n != 3 {
		t.Errorf("filtered rows = %d", n)
	}
	// Supervisors are refused.
	s := app.Login(t, store.RoleSupervisor)
	if res, _ := app.Get(t, s, "/audit"); res.StatusCode != http.StatusForbidden {
		t.Errorf("supervisor /audit: %d", res.StatusCode)
	}
}
