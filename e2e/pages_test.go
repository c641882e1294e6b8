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

// TestEveryPageClean visits every page as its users would (an admin, then a
// supervisor) and checks each one: the expected status, the security
// headers, no Go error text in the page, and a console free of errors and
// warnings (CSP violations included).
func TestEveryPageClean(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	infos, err := app.Client.QueryTaskInfo(context.Background(), app.Sandbox.TaskIDs())
	if err != nil {
		t.Fatal(err)
	}
	byStatus := map[client.TaskStatus]string{}
	for _, in := range infos {
		if _, ok := byStatus[in.Status]; !ok {
			byStatus[in.Status] = in.ID
		}
	}
	run := byStatus[client.TaskRunning]

	type page struct {
		path   string
		status int64
	}
	admin := []page{{"/tasks", 200}, {"/tasks?lang=en", 200}, {"/tasks?sort=progress.desc&status=1", 200},
		{"/tasks/new", 200}, {"/tasks/" + run + "/edit", 200}, {"/tasks/" + run + "/end", 200},
		{"/tasks/" + run + "/delete", 200}, {"/tasks/" + run + "/audit", 200}, {"/tasks/" + run + "/numbers", 200},
		{"/tasks/" + run + "/calls", 200}, {"/users", 200}, {"/audit", 200}, {"/calls", 200}, {"/dnc", 200}, {"/account", 200},
		{"/overview", 200}, {"/overview?from=2026-11-01&to=2026-11-30&lang=en", 200}, {"/overview?from=abc", 200},
		{"/sync", 200}, {"/sync?lang=en", 200}, {"/settings", 200}, {"/settings?lang=en", 200},
		{"/nope", 404}, {"/tasks/zzz", 404}}
	for _, id := range byStatus {
		admin = append(admin, page{"/tasks/" + id, 200})
	}
	supervisor := []page{{"/tasks", 200}, {"/tasks/" + run, 200}, {"/tasks/" + run + "/calls", 200},
		{"/users", 403}, {"/tasks/new", 403}, {"/audit", 403}, {"/sync", 403}, {"/settings", 403}, {"/account", 200}, {"/calls?level=x", 200}, {"/overview", 200}}

	check := func(b *Browser, p page) {
		t.Helper()
		ctx, cancel := context.WithTimeout(b.Ctx, 20*time.Second)
		defer cancel()
		res, err := chromedp.Run(ctx, chromedp.NavigateResponse(app.URL+p.path))
		if err != nil {
			t.Fatalf("%s: %v", p.path, err)
		}
		if res.Status != p.status {
			t.Errorf("%s: status %d, want %d", p.path, res.Status, p.status)
		}
		h := map[string]string{}
		for k, v := range res.Headers {
			h[strings.ToLower(k)], _ = v.(string)
		}
		csp := h["content-security-policy"]
		for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "default-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", p.path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || h["x-content-type-options"] != "nosniff" || h["referrer-policy"] == "" {
			t.Errorf("%s: headers %v", p.path, h)
		}
		b.Do(chromedp.WaitVisible(chromedp.CSS(`main`)), chromedp.Sleep(300*time.Millisecond))
		text := eval[string](t, b, `document.body.innerText`)
		for _, bad := range []string{"platform query", "platform pause", "goroutine", "runtime error", "%!", "<nil>", "context deadline", "sql:", "store:", "templ:"} {
			if strings.Contains(text, bad) {
				t.Errorf("%s: page shows %q", p.path, bad)
			}
		}
		if p.status == 200 && eval[int](t, b, `document.querySelectorAll('main h1').length`) != 1 {
			t.Errorf("%s: no single h1", p.path)
		}
		for _, m := range b.ConsoleProblems() {
			if p.status != 200 && strings.Contains(m, "status of "+itoa(p.status)) {
				continue // a 403 or 404 page is logged as such by the browser
			}
			t.Errorf("%s: console: %s", p.path, m)
		}
		b.mu.Lock()
		b.console = nil
		b.mu.Unlock()
	}

	b := NewBrowser(t)
	b.Login(app, store.RoleAdmin)
	for _, p := range admin {
		check(b, p)
	}
	b2 := NewBrowser(t)
	b2.Login(app, store.RoleSupervisor)
	for _, p := range supervisor {
		check(b2, p)
	}
}

func itoa(n int64) string {
	s := ""
	for {
		s = string(rune('0'+n%10)) + s
		if n /= 10; n == 0 {
			return s
		}
	}
}
