package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// overflowJS names what lies past the window's right edge: the document
// wider than the window, or a visible element with text whose right edge is
// past it ("" when nothing does).
const overflowJS = `(() => {
	const w = window.innerWidth;
	if (document.documentElement.scrollWidth > w) return "document " + document.documentElement.scrollWidth + " > " + w;
	for (const e of document.querySelectorAll("body *")) {
		const r = e.getBoundingClientRect();
		if (r.width === 0 || r.height === 0 || !e.textContent.trim() || e.children.length > 0) continue;
		if (r.right > w + 1) return e.tagName + " " + e.textContent.trim().slice(0, 30) + ": right " + Math.round(r.right) + " > " + w;
	}
	return "";
})()`

// TestAccountInBrowser: a supervisor finds "my account" in the navigation,
// an empty form gets our own messages (no browser bubble stops it), a wrong
// current password is said so, and a right one changes the password; the
// account page and the calls across tasks fit a 390 px phone.
func TestAccountInBrowser(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	b := NewBrowser(t)
	b.Login(app, store.RoleSupervisor)
	b.Do(chromedp.Click(chromedp.CSS(`[data-testid=nav-account]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=account-form]`)))
	if got := b.Text(`h1`); got != "我的账号" {
		t.Errorf("page title %q", got)
	}
	// Empty: the browser lets it through (novalidate), the server answers.
	b.Do(chromedp.Click(chromedp.CSS(`[data-testid=account-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=error-current]`)))
	for _, f := range []string{"current", "new", "repeat"} {
		if got := b.Text(`[data-testid=error-` + f + `]`); !strings.HasPrefix(got, "请") {
			t.Errorf("message next to %s: %q", f, got)
		}
	}
	b.Do(chromedp.SendKeys(chromedp.CSS(`#acct-current`), "not-my-password"),
		chromedp.SendKeys(chromedp.CSS(`#acct-new`), "a-new-long-password"),
		chromedp.SendKeys(chromedp.CSS(`#acct-repeat`), "a-new-long-password"),
		chromedp.Click(chromedp.CSS(`[data-testid=account-submit]`)))
	waitFor(t, b, "the wrong current password's message", func() bool {
		return eval[bool](t, b, `(document.querySelector("[data-testid=error-current]") || {}).textContent === "当前密码不正确。"`)
	})
	if n := eval[int](t, b, `document.querySelectorAll("[data-testid^=error-]").length`); n != 1 {
		t.Errorf("%d messages after a wrong current password, want 1", n)
	}
	b.Do(chromedp.SendKeys(chromedp.CSS(`#acct-current`), app.Passwords[store.RoleSupervisor]),
		chromedp.SendKeys(chromedp.CSS(`#acct-new`), "a-new-long-password"),
		chromedp.SendKeys(chromedp.CSS(`#acct-repeat`), "a-new-long-password"),
		chromedp.Click(chromedp.CSS(`[data-testid=account-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.alert-ok`)))
	if got := b.Text(`.alert-ok`); !strings.Contains(got, "密码已修改") {
		t.Errorf("after the change: %q", got)
	}
	// A phone: nothing lies past the right edge.
	for _, path := range []string{"/account", "/calls", "/calls?from=abc"} {
		b.Do(chromedp.EmulateViewport(390, 844), chromedp.Navigate(app.URL+path),
			chromedp.WaitVisible(chromedp.CSS(`h1`)), chromedp.Sleep(100*time.Millisecond))
		if over := eval[string](t, b, overflowJS); over != "" {
			t.Errorf("%s at 390 px: %s", path, over)
		}
	}
	// A refused form is answered 422 by design (the browser logs that
	// status); anything else in the console is a fault.
	for _, p := range b.ConsoleProblems() {
		if !strings.Contains(p, "status of 422") {
			t.Errorf("browser console: %s", p)
		}
	}
}
