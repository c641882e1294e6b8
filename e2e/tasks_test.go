package e2e

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"dialdesk/handlers"
	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// TestTaskListLive: log in through the form, see the task list, watch a
// running task's progress change by itself while the sandbox's clock runs,
// switch to English; the console stays free of errors (CSP included).
func TestTaskListLive(t *testing.T) {
	app := testapp.New(t, testapp.Options{Configure: func(c *handlers.Config) {
		c.RefreshInterval = time.Second
	}})
	app.RememberSandboxTasks(t)
	b := NewBrowser(t)
	b.Login(app, store.RoleManager)

	// Rows are real boxes (not display:contents), so they can be waited for.
	b.Do(chromedp.WaitVisible(chromedp.CSS(`[data-testid=task-row]`)))
	if h := b.Text("h1"); h != "外呼任务" {
		t.Errorf("h1 = %q", h)
	}
	row := `[data-testid=task-row]:has([data-status="1"])`
	id := attr(t, b, row, "data-task-id")
	progress := `[data-task-id="` + id + `"] [data-testid=progress]`
	// Read in the page in one step: between finding the node and reading
	// it, a live swap may replace it ("No node with given id found").
	progressText := func() string {
		return eval[string](t, b, `(document.querySelector(`+strconv.Quote(progress)+`) || {innerText: ""}).innerText`)
	}
	before := progressText()
	if before == "" {
		t.Fatalf("task %s shows no progress", id)
	}
	if save := b.Screenshot("zh"); save == "" {
		t.Log("no screenshot")
	}

	// The platform's clock runs: one simulated minute every 300 ms.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		tick := time.NewTicker(300 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				app.Sandbox.Advance(time.Minute)
			}
		}
	}()
	deadline := time.Now().Add(15 * time.Second)
	after := before
	for after == before && time.Now().Before(deadline) {
		time.Sleep(300 * time.Millisecond)
		if got := progressText(); got != "" { // "" while a swap is under way
			after = got
		}
	}
	if after == before {
		t.Fatalf("task %s progress stayed %q for 15 s", id, before)
	}
	t.Logf("task %s progress %q → %q without reloading", id, before, after)
	cancel()

	b.Do(
		chromedp.Click(chromedp.CSS(`[data-testid=lang-en]`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang=en] [data-testid=task-name]`)),
	)
	if h := b.Text("h1"); h != "Tasks" {
		t.Errorf("after switching: h1 = %q", h)
	}
	if st := b.Text(`[data-task-id="` + id + `"] [data-testid=status]`); st == "" || st == "进行中" {
		t.Errorf("status badge after switching = %q", st)
	}
	b.Screenshot("en")

	// A tablet in portrait: rows become cards, nothing scrolls sideways.
	b.Do(chromedp.EmulateViewport(820, 1180), chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=task-row]`)))
	wide, err := chromedp.Run(b.Ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	if err != nil || wide {
		t.Errorf("tablet: page wider than the screen (%v)", err)
	}
	b.Screenshot("tablet")
	if p := b.ConsoleProblems(); len(p) > 0 {
		t.Errorf("browser console:\n%v", p)
	}
}

func attr(t *testing.T, b *Browser, css, name string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 10*time.Second)
	defer cancel()
	res, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(css), name))
	if err != nil || !res.Exists {
		t.Fatalf("attribute %s of %s: %v", name, css, err)
	}
	return res.Value
}
