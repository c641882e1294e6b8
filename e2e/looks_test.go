package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"

	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// TestButtonColors: a <button class="btn btn-secondary"> is white with blue
// text and a <button class="btn btn-danger"> white with red text, as the
// same classes on a link are (app.css once let `button.btn` outrank them).
func TestButtonColors(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	b := NewBrowser(t)
	b.Login(app, store.RoleAdmin)
	id := runningTasks(t, app)[0].ID

	style := func(css string) [2]string {
		t.Helper()
		v := eval[[]string](t, b, `(function(){ var e = document.querySelector(`+jsString(css)+`);
			if (!e) return ["missing", ""]; var s = getComputedStyle(e); return [s.backgroundColor, s.color]; })()`)
		return [2]string{v[0], v[1]}
	}
	const white, blue, red = "rgb(255, 255, 255)", "rgb(31, 95, 191)", "rgb(180, 35, 24)"
	for _, c := range []struct{ page, css, bg, fg string }{
		{"/tasks", `[data-testid=task-filters] button.btn-secondary`, white, blue},
		{"/tasks/new", `button.btn-secondary`, white, blue},
		{"/tasks/new", `button.btn-danger`, white, red},
		{"/tasks/" + id, `button.btn-secondary`, white, blue},
		{"/tasks/" + id + "/end", `button.btn-danger`, white, red},
	} {
		b.Do(chromedp.Navigate(app.URL+c.page), chromedp.WaitVisible(chromedp.CSS(c.css)))
		if got := style(c.css); got != [2]string{c.bg, c.fg} {
			t.Errorf("%s %s: background, color = %q, want %q, %q", c.page, c.css, got, c.bg, c.fg)
		}
	}
}
