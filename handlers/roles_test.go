package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// TestRolesEnforced: what each role may do is checked on the server, not
// only by hiding buttons. A refused request gets the 403 page and changes
// nothing on the platform.
func TestRolesEnforced(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	ctx := context.Background()
	// A running task to act on.
	var running string
	infos, err := app.Client.QueryTaskInfo(ctx, app.Sandbox.TaskIDs())
	if err != nil {
		t.Fatal(err)
	}
	for _, info := range infos {
		if info.Status == 1 {
			running = info.ID
			break
		}
	}
	if running == "" {
		t.Fatal("no running task in the seed")
	}
	task := "/tasks/" + running

	type req struct{ method, path string }
	managerOnly := []req{
		{"GET", "/tasks/new"},
		{"POST", "/tasks"},
		{"GET", task + "/edit"},
		{"POST", task + "/edit"},
		{"POST", task + "/pause"},
		{"POST", task + "/resume"},
		{"POST", task + "/end"},
		{"POST", task + "/delete"},
		{"GET", "/audit"},
	}
	adminOnly := []req{{"GET", "/users"}, {"POST", "/users"}, {"POST", "/users/1/disable"}}
	everyone := []req{{"GET", "/tasks"}, {"GET", "/calls"}, {"GET", task}}

	for _, role := range store.Roles {
		c := app.Login(t, role)
		check := func(r req, allowed bool) {
			t.Helper()
			var res *http.Response
			var body string
			if r.method == "GET" {
				res, body = app.Get(t, c, r.path)
			} else {
				res, body = app.PostFormBody(t, c, r.path, url.Values{})
			}
			if allowed && res.StatusCode == http.StatusForbidden {
				t.Errorf("%s %s %s: refused, want allowed", role, r.method, r.path)
			}
			if !allowed {
				if res.StatusCode != http.StatusForbidden {
					t.Errorf("%s %s %s: %d, want 403", role, r.method, r.path, res.StatusCode)
				} else if doc(t, body).Find("[data-testid=error-page]").Length() != 1 {
					t.Errorf("%s %s %s: 403 without the clear page", role, r.method, r.path)
				}
			}
		}
		for _, r := range everyone {
			check(r, true)
		}
		if role == store.RoleSupervisor {
			for _, r := range managerOnly {
				check(r, false)
			}
		}
		if role != store.RoleAdmin {
			for _, r := range adminOnly {
				check(r, false)
			}
		}
	}
	// The supervisor's refused pause/end/delete changed nothing.
	app.Server.DropTaskCache()
	after, err := app.Client.QueryTaskInfo(ctx, []string{running})
	if err != nil || len(after) != 1 || after[0].Status != 1 {
		t.Errorf("task after refused actions: %+v %v", after, err)
	}
	// A manager may pause it (the lifecycle handlers have their own tests; here only
	// that the role passes and the platform sees the call).
	c := app.Login(t, store.RoleManager)
	res := app.PostForm(t, c, task+"/pause", url.Values{})
	if res.StatusCode == http.StatusForbidden || res.StatusCode >= 500 {
		t.Errorf("manager pause: %d", res.StatusCode)
	}
	if n := app.Sandbox.Count("pause_task"); n != 1 {
		t.Errorf("pause_task calls = %d, want 1 (the manager's only)", n)
	}
}

// TestErrorFunnelHTMX: an htmx request that fails gets a small alert
// fragment (200, retargeted to #alerts), never a whole page or Go error text.
func TestErrorFunnelHTMX(t *testing.T) {
	app := testapp.New(t, testapp.Options{NoSeedData: true})
	c := app.Login(t, store.RoleSupervisor)
	h := http.Header{"HX-Request": {"true"}, "Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {app.URL}}
	res, body := app.Do(t, c, http.MethodPost, "/users", strings.NewReader("username=x"), h)
	if res.StatusCode != 200 || res.Header.Get("HX-Retarget") != "#alerts" {
		t.Fatalf("htmx error: %d retarget %q", res.StatusCode, res.Header.Get("HX-Retarget"))
	}
	d := doc(t, body)
	if d.Find("[data-testid=error-alert]").Length() != 1 || strings.Contains(body, "<html") {
		t.Errorf("not an alert fragment: %s", body)
	}
	// Anonymous htmx polling after logout: told to go to the login page.
	anon := app.NewClient()
	res, _ = app.Do(t, anon, http.MethodGet, "/tasks/live?ids=1", nil, http.Header{"HX-Request": {"true"}})
	if res.Header.Get("HX-Redirect") == "" {
		t.Errorf("anonymous htmx request: no HX-Redirect (%d)", res.StatusCode)
	}
}
