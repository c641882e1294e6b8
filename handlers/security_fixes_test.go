package handlers_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dialdesk/client"
	"dialdesk/handlers"
	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// TestSecurityHSTS: https answers (pages, errors, static files) carry HSTS,
// plain http answers do not.
func TestSecurityHSTS(t *testing.T) {
	app := testapp.New(t, testapp.Options{NoSeedData: true, Configure: func(c *handlers.Config) { c.TrustProxy = true }})
	c := app.NewClient()
	https := http.Header{"X-Forwarded-Proto": {"https"}}
	for _, p := range []string{"/login", "/nope", "/healthz", "/static/htmx.min.js"} {
		res, _ := app.Do(t, c, http.MethodGet, p, nil, https)
		if got := res.Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
			t.Errorf("GET %s over https: Strict-Transport-Security %q, want max-age=31536000", p, got)
		}
		res, _ = app.Do(t, c, http.MethodGet, p, nil, nil)
		if got := res.Header.Get("Strict-Transport-Security"); got != "" {
			t.Errorf("GET %s over http: Strict-Transport-Security %q, want none", p, got)
		}
	}
}

// TestSecurityUploadAllowanceOnlyOnUploadRoutes: the 5 MB upload allowance
// belongs to POST /tasks/{id}/numbers and POST /dnc/upload; a 2 MB multipart
// body anywhere else (here anonymous, to /login and to an unknown path) is a
// 413 and is read at most up to the 1 MB form limit, declared length or not.
func TestSecurityUploadAllowanceOnlyOnUploadRoutes(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	taskID := numbersTask(t, app)
	anon := app.NewClient()
	token := app.CSRFToken(t, anon, "/login")
	u, _ := url.Parse(app.URL)
	anonCookies := anon.Jar.Cookies(u)
	h := app.Server.Routes()
	body, ctype := multipartUpload(t, token, 2<<20)

	send := func(path string, cookies []*http.Cookie, chunked bool) (*httptest.ResponseRecorder, int64) {
		cr := &countingReader{r: bytes.NewReader(body)}
		req := httptest.NewRequest(http.MethodPost, app.URL+path, cr)
		req.ContentLength = int64(len(body))
		if chunked {
			req.ContentLength = -1
		}
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("Origin", app.URL)
		for _, ck := range cookies {
			req.AddCookie(ck)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w, cr.n.Load()
	}
	for _, path := range []string{"/login", "/nope", "/logout", "/tasks/" + taskID + "/edit"} {
		for _, chunked := range []bool{false, true} {
			w, read := send(path, anonCookies, chunked)
			if w.Code != http.StatusRequestEntityTooLarge {
				t.Errorf("POST %s (chunked %v), 2 MB multipart: %d, want 413", path, chunked, w.Code)
			}
			if read > 1<<20+64<<10 {
				t.Errorf("POST %s (chunked %v): read %d bytes, more than the 1 MB form limit", path, chunked, read)
			}
		}
	}

	// The upload routes still take it (refused for its content, not its size).
	c := app.Login(t, store.RoleManager)
	token = app.CSRFToken(t, c, "/tasks")
	body, ctype = multipartUpload(t, token, 2<<20)
	for _, path := range []string{"/tasks/" + taskID + "/numbers", "/dnc/upload"} {
		res, _ := app.Do(t, c, http.MethodPost, path, bytes.NewReader(body), http.Header{"Content-Type": {ctype}, "Origin": {app.URL}})
		if res.StatusCode == http.StatusRequestEntityTooLarge || res.StatusCode == http.StatusForbidden {
			t.Errorf("POST %s, 2 MB upload: %d, want it taken", path, res.StatusCode)
		}
	}
}

// secGate holds the platform's call-record reads while closed, counting the
// ones waiting, so a test can keep exports in flight.
type secGate struct {
	waiting atomic.Int32
	closed  atomic.Bool
	open    chan struct{}
}

func (g *secGate) RoundTrip(r *http.Request) (*http.Response, error) {
	if g.closed.Load() && strings.HasSuffix(r.URL.Path, "/query_done_task_phones") {
		g.waiting.Add(1)
		select {
		case <-g.open:
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestSecurityExportConcurrency: at most two call exports run at once; a
// third, by anyone, is a 429 page with Retry-After, and once one ends the
// next export goes through.
func TestSecurityExportConcurrency(t *testing.T) {
	gate := &secGate{open: make(chan struct{})}
	f := newSecFixture(t, testapp.Options{ClientOptions: []client.Option{client.WithHTTPClient(&http.Client{Transport: gate, Timeout: 30 * time.Second})}})
	app := f.app
	path := "/tasks/" + f.task + "/calls/export.xlsx"
	sup, mgr := app.Login(t, store.RoleSupervisor), app.Login(t, store.RoleManager)
	if res, _ := app.Get(t, sup, "/tasks/"+f.task); res.StatusCode != http.StatusOK { // the task's info is cached
		t.Fatalf("task page: %d", res.StatusCode)
	}

	var once sync.Once
	release := func() { once.Do(func() { gate.closed.Store(false); close(gate.open) }) }
	var wg sync.WaitGroup
	t.Cleanup(func() { release(); wg.Wait() })
	gate.closed.Store(true)
	codes := make([]int, 2)
	for i, c := range []*http.Client{sup, mgr} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := c.Get(app.URL + path)
			if err != nil {
				t.Errorf("export %d: %v", i, err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			codes[i] = res.StatusCode
		}()
	}
	deadline := time.Now().Add(10 * time.Second)
	for gate.waiting.Load() < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the two exports did not reach the platform (%d waiting)", gate.waiting.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
	third := *sup
	third.Timeout = 5 * time.Second // no slot check: it would wait for the gate
	res, body := app.Do(t, &third, http.MethodGet, path+"?lang=en", nil, nil)
	secCheck(t, "third export", res, body)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Errorf("third export at once: %d Retry-After %q, want 429 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"))
	}
	if !strings.Contains(body, "An export is already running") {
		t.Errorf("third export: the page does not say an export is running:\n%s", body)
	}
	if n := gate.waiting.Load(); n != 2 {
		t.Errorf("the refused export still asked the platform (%d reads waiting)", n)
	}

	release()
	wg.Wait()
	for i, code := range codes {
		if code != http.StatusOK {
			t.Errorf("export %d: %d, want 200", i, code)
		}
	}
	if res, _ := app.Get(t, mgr, path); res.StatusCode != http.StatusOK {
		t.Errorf("export after the others ended: %d, want 200", res.StatusCode)
	}
}

// TestSecurityForwardedProtoNeedsTrustProxy: without Config.TrustProxy a
// client's own X-Forwarded-Proto: https changes nothing (no Secure cookies,
// no HSTS); with it, it is believed, also as the first of a list.
func TestSecurityForwardedProtoNeedsTrustProxy(t *testing.T) {
	for _, trust := range []bool{false, true} {
		app := testapp.New(t, testapp.Options{NoSeedData: true, Configure: func(c *handlers.Config) { c.TrustProxy = trust }})
		for _, xfp := range []string{"https", "https, http"} {
			h := http.Header{"X-Forwarded-Proto": {xfp}}
			c := app.NewClient()
			res, body := app.Do(t, c, http.MethodGet, "/login?lang=en", nil, h)
			cookies := res.Cookies()
			tok := doc(t, body).Find("input[name=csrf_token]").AttrOr("value", "")
			form := url.Values{"csrf_token": {tok}, "username": {"admin"}, "password": {app.Passwords[store.RoleAdmin]}}
			origin := app.URL
			if trust {
				origin = strings.Replace(app.URL, "http:", "https:", 1)
			}
			h2 := http.Header{"X-Forwarded-Proto": {xfp}, "Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {origin}}
			res, _ = app.Do(t, c, http.MethodPost, "/login", strings.NewReader(form.Encode()), h2)
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("trust %v, %q: login %d", trust, xfp, res.StatusCode)
			}
			cookies = append(cookies, res.Cookies()...)
			if len(cookies) < 3 {
				t.Errorf("trust %v, %q: cookies %v, want lang, csrf_token and the session", trust, xfp, cookies)
			}
			for _, ck := range cookies {
				if ck.Secure != trust {
					t.Errorf("trust %v, X-Forwarded-Proto %q: cookie %s Secure=%v", trust, xfp, ck.Name, ck.Secure)
				}
			}
			if got := res.Header.Get("Strict-Transport-Security") != ""; got != trust {
				t.Errorf("trust %v, X-Forwarded-Proto %q: HSTS sent %v", trust, xfp, got)
			}
		}
	}
}

// TestSecurityPushURLIgnoresHost: push_url comes from Config.PublicURL,
// which New requires; a forged Host header (same-origin as far as the CSRF
// checks can tell) does not send the platform's pushes elsewhere.
func TestSecurityPushURLIgnoresHost(t *testing.T) {
	app, up := newUpstreamApp(t)
	cfg := app.Config
	cfg.PublicURL = ""
	if _, err := handlers.New(cfg); err == nil {
		t.Error("handlers.New accepted an empty PublicURL")
	}

	m := app.Login(t, store.RoleManager)
	form := newTaskForm(t, app, m)
	u, _ := url.Parse(app.URL)
	req := httptest.NewRequest(http.MethodPost, "http://evil.example/tasks", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://evil.example")
	for _, ck := range m.Jar.Cookies(u) {
		req.AddCookie(ck)
	}
	w := httptest.NewRecorder()
	app.Server.Routes().ServeHTTP(w, req)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("POST /tasks with Host evil.example: %d", w.Code)
	}
	if got, want := up.last("add_task").Get("push_url"), app.URL+"/hooks/icall/test-push-token?ref="+form.Get("form_token"); got != want {
		t.Errorf("push_url %q, want %q", got, want)
	}
}

// TestSecurityRecentCallsUnknownTaskMasked: on /calls, a call not filed
// under a task (its number_hide is unknown) has its middle four digits
// hidden; a known task without masking still shows the number.
func TestSecurityRecentCallsUnknownTaskMasked(t *testing.T) {
	f := newSecFixture(t, testapp.Options{})
	app := f.app
	ctx := context.Background()
	at := time.Now()
	for _, c := range []store.Call{
		{CallID: "orphan1", TaskID: "", Tel: "13812345678", StartAt: at},
		{CallID: "plain1", TaskID: f.task, Tel: "13987654321", StartAt: at},
	} {
		if _, err := app.Store.SaveCall(ctx, c, false); err != nil {
			t.Fatal(err)
		}
	}
	c := app.Login(t, store.RoleSupervisor)
	res, body := app.Get(t, c, "/calls")
	secCheck(t, "/calls", res, body)
	if strings.Contains(body, "13812345678") || !strings.Contains(body, "138****5678") {
		t.Errorf("/calls: the call without a task is not shown as 138****5678")
	}
	if !strings.Contains(body, "13987654321") {
		t.Errorf("/calls: the call of a task without masking is not shown in full")
	}
}
