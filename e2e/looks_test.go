package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"dialdesk/handlers"
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

// TestTaskListRows: each task row is a box of its own (waitable, with row
// semantics) whose columns line up with the header's on a laptop, and a
// card on a tablet.
func TestTaskListRows(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	b := NewBrowser(t)
	b.Login(app, store.RoleManager)
	b.Do(chromedp.Navigate(app.URL+"/tasks"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=task-row]`)))

	// Left edges of the progress column: header, first and last row.
	lefts := eval[[]float64](t, b, `(function(){
		var rows = document.querySelectorAll('.tasks > .trow');
		var last = rows[rows.length-1];
		return [rows[0], rows[1], last].map(function(r){ return r.children[2].getBoundingClientRect().left; })
			.concat([rows[1].querySelector('[data-testid=live]').children[1].getBoundingClientRect().left,
			         last.querySelector('[data-testid=live]').children[1].getBoundingClientRect().left]);
	})()`)
	if lefts[0] != lefts[3] || lefts[3] != lefts[4] {
		t.Errorf("progress cells not aligned across rows: %v", lefts)
	}
	heights := eval[[]float64](t, b, `Array.from(document.querySelectorAll('[data-testid=task-row]')).map(function(r){ return r.getBoundingClientRect().height; })`)
	for i, h := range heights {
		if h < 20 {
			t.Errorf("row %d has height %v", i, h)
		}
	}
	if d := eval[string](t, b, `getComputedStyle(document.querySelector('[data-testid=task-row]')).display`); d == "contents" {
		t.Errorf("task rows are display:%s", d)
	}
	if n := eval[int](t, b, `document.querySelectorAll('[data-testid=task-row] [data-testid=live] > :not([role=cell])').length`); n != 0 {
		t.Errorf("%d live cells without role=cell", n)
	}

	b.Do(chromedp.EmulateViewport(820, 1180), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`[data-testid=task-row]`)))
	card := eval[[]float64](t, b, `(function(){ var r = document.querySelector('[data-testid=task-row]').getBoundingClientRect(); return [r.left, r.width]; })()`)
	if card[1] < 700 || card[1] > 820 {
		t.Errorf("tablet card: left, width = %v", card)
	}
	if p := b.ConsoleProblems(); len(p) > 0 {
		t.Errorf("browser console:\n%v", p)
	}
}

// TestTaskFormFieldWidths: the robots input shows three digits whole and the
// name input has room for a real name.
func TestTaskFormFieldWidths(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	b := NewBrowser(t)
	b.Login(app, store.RoleManager)
	b.Do(chromedp.Navigate(app.URL+"/tasks/new"), chromedp.WaitVisible(chromedp.CSS(`input[name=robot_num]`)),
		chromedp.SetValue(chromedp.CSS(`input[name=robot_num]`), "999"))
	if fits := eval[bool](t, b, `(function(){ var e = document.querySelector('input[name=robot_num]'); return e.scrollWidth <= e.clientWidth && e.clientWidth >= 80; })()`); !fits {
		t.Errorf("robot_num input too narrow for 999")
	}
	if w := eval[float64](t, b, `document.querySelector('input[name=task_name]').getBoundingClientRect().width`); w < 300 {
		t.Errorf("task_name input is %v px wide", w)
	}
}

// TestUsersPageActions: on the users page the reset-password and disable
// buttons stand apart, and the page leaves nothing in the console (not even
// Chrome's hints about password forms).
func TestUsersPageActions(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	b := NewBrowser(t)
	b.Login(app, store.RoleAdmin)
	b.Do(chromedp.Navigate(app.URL+"/users"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=user-row]`)))
	gap := eval[float64](t, b, `(function(){ var r = document.querySelector('[data-testid=user-row]');
		var a = r.querySelector('form[action$="/password"] button').getBoundingClientRect();
		var d = r.querySelector('form[action$="/disable"] button, form[action$="/enable"] button').getBoundingClientRect();
		return d.left - a.right; })()`)
	if gap < 6 {
		t.Errorf("reset-password and disable buttons %v px apart", gap)
	}
	if p := b.ConsoleProblems(); len(p) > 0 {
		t.Errorf("browser console:\n%v", p)
	}
}

// TestTaskPageFollowsStatus: when the platform changes a task's status while
// its page is open, the page shows the new status in its header and the
// actions valid for it, without the user reloading.
func TestTaskPageFollowsStatus(t *testing.T) {
	app := testapp.New(t, testapp.Options{Configure: func(c *handlers.Config) {
		c.RefreshInterval = time.Second
	}})
	app.RememberSandboxTasks(t)
	id := runningTasks(t, app)[0].ID
	b := NewBrowser(t)
	b.Login(app, store.RoleManager)
	b.Do(chromedp.Navigate(app.URL+"/tasks/"+id), chromedp.WaitVisible(chromedp.CSS(`[data-testid=action-pause]`)))
	if err := app.Client.PauseTask(context.Background(), id); err != nil { // someone else, on the platform
		t.Fatal(err)
	}
	b.Do(chromedp.WaitVisible(chromedp.CSS(`[data-testid=task-header] [data-status="5"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=action-resume]`)))
	if n := count(t, b, `[data-testid=action-pause]`); n != 0 {
		t.Errorf("a paused task still offers pause")
	}
	if p := b.ConsoleProblems(); len(p) > 0 {
		t.Errorf("browser console:\n%v", p)
	}
}

// TestUsersFormErrorsClean: a user created with a too-short password comes
// back with the message next to the field and the name kept, and the
// console stays clean (no 422 logged); then the user is created.
func TestUsersFormErrorsClean(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	b := NewBrowser(t)
	b.Login(app, store.RoleAdmin)
	b.Do(chromedp.Navigate(app.URL+"/users"), chromedp.WaitVisible(chromedp.CSS(`#new-username`)),
		chromedp.SendKeys(chromedp.CSS(`#new-username`), "carol"),
		chromedp.SendKeys(chromedp.CSS(`#new-password`), "short"),
		chromedp.Click(chromedp.CSS(`[data-testid=user-form] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=user-form] [data-testid=field-error]`)))
	if v := value(t, b, `#new-username`); v != "carol" {
		t.Errorf("username after the error = %q", v)
	}
	b.Do(chromedp.SendKeys(chromedp.CSS(`#new-password`), "winter-harbor-42"),
		chromedp.Click(chromedp.CSS(`[data-testid=user-form] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=user-row][data-username=carol]`)))
	if p := b.ConsoleProblems(); len(p) > 0 {
		t.Errorf("browser console:\n%v", p)
	}
}
