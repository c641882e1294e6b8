package e2e

import (
	"context"
	_ "embed"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// axeSource is axe-core 4.14.1 (npm axe-core, package/axe.min.js, MPL-2.0:
// testdata/axe-LICENSE). It lives under the tests only: the browser tests
// inject it into the pages they visit; dialdesk never serves it.
//
//go:embed testdata/axe.min.js
var axeSource string

// mainPages are the pages a user works in, for an admin (who sees them all):
// the task list, the create form, one task's overview, numbers, calls, a
// call, its audit log and edit form, the calls across tasks, the overview,
// users, the audit log, the do-not-call list, my account, a search and the
// keyword rules.
func mainPages(t *testing.T, app *testapp.App) []string {
	t.Helper()
	pick := pickCall(t, app)
	run := runningTasks(t, app)[0].ID
	return []string{"/tasks", "/tasks/new", "/tasks/" + run, "/tasks/" + run + "/numbers",
		"/tasks/" + pick.task + "/calls", "/tasks/" + pick.task + "/calls/" + pick.record,
		"/tasks/" + run + "/audit", "/tasks/" + run + "/edit", "/calls", "/overview", "/users", "/audit", "/dnc", "/account",
		"/search?q=" + url.QueryEscape("您好 -滚"), "/rules"}
}

// visit opens path and waits until its main content is there and htmx has
// settled the first swaps.
func visit(t *testing.T, b *Browser, app *testapp.App, path string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 20*time.Second)
	defer cancel()
	res, err := chromedp.Run(ctx, chromedp.NavigateResponse(app.URL+path))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if res.Status != 200 {
		t.Errorf("%s: status %d", path, res.Status)
	}
	b.Do(chromedp.WaitVisible(chromedp.CSS(`main`)), chromedp.Sleep(300*time.Millisecond))
}

// axeViolation is one rule axe-core found broken, with where.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// axeCheck runs axe-core on the page shown (WCAG 2.x A and AA rules and
// axe's best practices) and returns the serious and critical violations.
func axeCheck(t *testing.T, b *Browser) []axeViolation {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`if (typeof axe === "undefined") {`+axeSource+"\n}")); err != nil {
		t.Fatalf("inject axe-core: %v", err)
	}
	v, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](`axe.run(document, {resultTypes: ["violations"]}).then(function (r) {
		return r.violations.filter(function (v) { return v.impact === "serious" || v.impact === "critical"; }).map(function (v) {
			return {id: v.id, impact: v.impact, help: v.help,
				targets: v.nodes.slice(0, 4).map(function (n) { return n.target.join(" ") + " — " + (n.failureSummary || "").split("\n").slice(1, 2).join(""); })};
		});
	})`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run axe-core: %v", err)
	}
	return v
}

// TestAccessibilityAxe: axe-core finds no serious or critical violation
// (contrast, labels, names of buttons and links, landmarks, ARIA) on any
// main page, in Chinese and in English, nor on the login page.
func TestAccessibilityAxe(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	pages := mainPages(t, app)

	report := func(lang, path string, vs []axeViolation) {
		for _, v := range vs {
			t.Errorf("%s %s: %s (%s): %s\n\t%s", lang, path, v.ID, v.Impact, v.Help, strings.Join(v.Targets, "\n\t"))
		}
	}
	anon := NewBrowser(t)
	for _, lang := range []string{"zh", "en"} {
		visit(t, anon, app, "/login?lang="+lang)
		report(lang, "/login", axeCheck(t, anon))
	}
	b := NewBrowser(t)
	b.Login(app, store.RoleAdmin)
	for _, lang := range []string{"zh", "en"} {
		visit(t, b, app, "/tasks?lang="+lang) // the choice is kept in a cookie
		for _, path := range pages {
			visit(t, b, app, path)
			if got := eval[string](t, b, `document.documentElement.lang`); !strings.HasPrefix(got, lang) {
				t.Fatalf("%s: lang %q, want %s", path, got, lang)
			}
			report(lang, path, axeCheck(t, b))
		}
	}
}

// phoneProblems lists what a user reads but cannot see on a 390 px phone: the document scrolling sideways, and every visible element with
// text of its own whose right edge lies past the window (also inside a box
// that scrolls sideways); and a box to tick stretched across its field,
// far from its words.
// A phone browser widens its layout viewport to fit content that overflows,
// so both are measured against the device's width (390), not innerWidth.
const phoneProblems = `(function (w) {
	var out = [];
	if (window.innerWidth > w) out.push("the page is laid out " + window.innerWidth + " px wide");
	if (document.documentElement.scrollWidth > w) out.push("document scrollWidth " + document.documentElement.scrollWidth + " > " + w);
	var hidden = function (e) { // for screen readers only (clipped away)
		for (; e && e !== document.body; e = e.parentElement) {
			var s = getComputedStyle(e), r = e.getBoundingClientRect();
			if (s.clipPath !== "none" || ((r.width <= 1 || r.height <= 1) && s.overflow === "hidden")) return true;
		}
		return false;
	};
	document.querySelectorAll("body *").forEach(function (e) {
		var own = Array.prototype.some.call(e.childNodes, function (n) { return n.nodeType === 3 && n.textContent.trim() !== ""; });
		var field = e.matches("input:not([type=hidden]), select, textarea, button, audio");
		if (!own && !field) return;
		var s = getComputedStyle(e);
		if (s.visibility === "hidden" || s.display === "none") return;
		var r = e.getBoundingClientRect();
		if (r.width <= 1 || r.height <= 1) return;
		if (e.matches("input[type=checkbox], input[type=radio]") && r.width > 48) out.push("input[name=" + e.name + "] is a box to tick " + Math.round(r.width) + " px wide");
		if (r.right > w + 0.5 && !hidden(e)) out.push(e.tagName.toLowerCase() + (e.className ? "." + String(e.className).split(" ").join(".") : "") +
			" «" + (e.textContent || e.value || "").trim().slice(0, 30) + "» right edge " + Math.round(r.right) + " > " + w);
	});
	return out.slice(0, 12);
})(390)`

// TestPhoneWidth: at 390 px (a phone, touch), every main page fits: the
// document does not scroll sideways and nothing a user reads lies past the
// right edge; the calls list is cards, as the task list is, with the level
// and tags in view; the j/k keyboard hint is hidden on a touch screen.
func TestPhoneWidth(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	pages := mainPages(t, app)
	b := NewBrowser(t)
	b.Login(app, store.RoleAdmin)
	b.Do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
	for _, lang := range []string{"zh", "en"} {
		visit(t, b, app, "/tasks?lang="+lang)
		for _, path := range pages {
			visit(t, b, app, path)
			for _, p := range eval[[]string](t, b, phoneProblems) {
				t.Errorf("%s %s at 390 px: %s", lang, path, p)
			}
			if strings.Contains(path, "/calls/") {
				if n := eval[int](t, b, `Array.from(document.querySelectorAll("[data-testid=keys-hint]")).filter(function (e) { return e.getClientRects().length > 0; }).length`); n != 0 {
					t.Errorf("%s: the j/k hint shows on a touch screen", path)
				}
			}
		}
	}
	b.Screenshot("phone-last")
	if p := b.ConsoleProblems(); len(p) > 0 {
		t.Errorf("browser console:\n%v", p)
	}
}

// kbMark numbers every visible control of the page (links, buttons, fields,
// players, anything with a tabindex) and returns how many there are.
// A group of radio buttons is one stop (arrow keys move within it), so its
// buttons share a number.
const kbMark = `(function () {
	var n = 0, groups = {};
	document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, audio[controls], [tabindex]:not([tabindex='-1'])").forEach(function (e) {
		var r = e.getBoundingClientRect();
		if (e.disabled || !e.checkVisibility({visibilityProperty: true}) || r.width === 0 || r.height === 0) return;
		if (e.type === "radio" && e.name) {
			var key = (e.form ? e.form.id || "f" : "") + "/" + e.name;
			if (!(key in groups)) groups[key] = String(n++);
			e.setAttribute("data-kb", groups[key]);
			return;
		}
		e.setAttribute("data-kb", String(n++));
	});
	return n;
})()`

// kbFocused describes the focused element: its kbMark number ("" if none)
// and whether it shows that it has the focus (an outline or a ring).
const kbFocused = `(function () {
	var e = document.activeElement;
	if (!e || e === document.body) return ["", "body"];
	var s = getComputedStyle(e), r = e.getBoundingClientRect();
	// A player shows the focus on its own controls (inside the element).
	var shows = (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== "none" || e.tagName === "AUDIO";
	var seen = r.width > 0 && r.height > 0 && s.visibility !== "hidden";
	var what = e.tagName.toLowerCase() + " «" + (e.textContent || e.getAttribute("aria-label") || e.name || "").trim().slice(0, 30) + "»";
	return [e.getAttribute("data-kb") || "", (shows ? "" : "no focus outline: ") + (seen ? "" : "not visible: ") + what];
})()`

// TestKeyboardReachesEveryAction: on the pages a user works in, Tab reaches
// every visible control, in order, and each shows a focus outline when it
// has the focus.
func TestKeyboardReachesEveryAction(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	pick := pickCall(t, app)
	run := runningTasks(t, app)[0].ID
	b := NewBrowser(t)
	b.Login(app, store.RoleManager)
	for _, path := range []string{"/tasks?q=" + url.QueryEscape("回访"), "/tasks/new", "/tasks/" + run,
		"/tasks/" + pick.task + "/calls", "/tasks/" + pick.task + "/calls/" + pick.record, "/tasks/" + run + "/numbers"} {
		visit(t, b, app, path)
		n := eval[int](t, b, kbMark)
		reached := map[string]bool{}
		for range n*2 + 10 {
			b.Do(chromedp.KeyEvent(kb.Tab))
			f := eval[[]string](t, b, kbFocused)
			if strings.HasPrefix(f[1], "no focus") || strings.HasPrefix(f[1], "not visible") {
				t.Errorf("%s: %s", path, f[1])
			}
			if f[0] != "" {
				reached[f[0]] = true
			}
			if len(reached) == n {
				break
			}
		}
		if len(reached) < n {
			missed := eval[[]string](t, b, `Array.from(document.querySelectorAll("[data-kb]")).filter(function (e) { return !`+
				jsString(strings.Join(keys(reached), ","))+`.split(",").includes(e.getAttribute("data-kb")); }).slice(0, 8).map(function (e) {
				return e.tagName.toLowerCase() + " «" + (e.textContent || e.getAttribute("aria-label") || e.name || "").trim().slice(0, 30) + "»"; })`)
			t.Errorf("%s: Tab reached %d of %d controls; not: %v", path, len(reached), n, missed)
		}
	}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
