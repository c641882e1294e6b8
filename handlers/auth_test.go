package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"dialdesk/handlers"
	"dialdesk/internal/testapp"
	"dialdesk/store"
)

func TestHealthzAndHeaders(t *testing.T) {
	app := testapp.New(t, testapp.Options{NoSeedData: true})
	res, body := app.Get(t, app.NewClient(), "/healthz")
	if res.StatusCode != 200 || body != "ok" {
		t.Fatalf("healthz = %d %q", res.StatusCode, body)
	}
	for _, path := range []string{"/healthz", "/login", "/nope", "/static/app.css"} {
		res, _ := app.Get(t, app.NewClient(), path)
		csp := res.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "frame-ancestors 'none'", "script-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe") {
			t.Errorf("%s: CSP allows unsafe: %q", path, csp)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("Referrer-Policy") == "" {
			t.Errorf("%s: missing nosniff/referrer headers: %v", path, res.Header)
		}
	}
}

func TestLogin(t *testing.T) {
	app := testapp.New(t, testapp.Options{NoSeedData: true})

	t.Run("anonymous is sent to login with next", func(t *testing.T) {
		res, _ := app.Get(t, app.NewClient(), "/users?x=1")
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?next=%2Fusers%3Fx%3D1" {
			t.Fatalf("got %d %q", res.StatusCode, res.Header.Get("Location"))
		}
	})
	t.Run("success goes to next", func(t *testing.T) {
		c := app.NewClient()
		res := app.PostForm(t, c, "/login", url.Values{"username": {"admin"}, "password": {app.Passwords[store.RoleAdmin]}, "next": {"/users"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/users" {
			t.Fatalf("got %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		res, body := app.Get(t, c, "/users")
		if res.StatusCode != 200 {
			t.Fatalf("/users after login: %d", res.StatusCode)
		}
		if who := doc(t, body).Find("[data-testid=whoami]").Text(); !strings.Contains(who, "admin") {
			t.Errorf("whoami = %q", who)
		}
	})
	t.Run("next must be local", func(t *testing.T) {
		for _, next := range []string{"https://evil.example/", "//evil.example/x", "/\\evil", "javascript:alert(1)"} {
			c := app.NewClient()
			res := app.PostForm(t, c, "/login", url.Values{"username": {"manager"}, "password": {app.Passwords[store.RoleManager]}, "next": {next}})
			if loc := res.Header.Get("Location"); loc != "/tasks" {
				t.Errorf("next=%q: Location %q, want /tasks", next, loc)
			}
		}
	})
	t.Run("failures", func(t *testing.T) {
		for _, tc := range []struct{ name, user, pw string }{
			{"wrong password", "supervisor", "nope-nope"},
			{"unknown user", "ghost", "whatever"},
			{"over 72 bytes", "supervisor", strings.Repeat("密", 40)},
			{"empty", "", ""},
		} {
			c := app.NewClient()
			res, body := app.PostFormBody(t, c, "/login", url.Values{"username": {tc.user}, "password": {tc.pw}})
			if res.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s: status %d, want 401", tc.name, res.StatusCode)
			}
			if msg := doc(t, body).Find("[data-testid=login-error]").Text(); msg == "" {
				t.Errorf("%s: no error message", tc.name)
			}
			if res, _ := app.Get(t, c, "/tasks"); res.StatusCode != http.StatusSeeOther {
				t.Errorf("%s: logged in anyway", tc.name)
			}
		}
	})
	t.Run("logout", func(t *testing.T) {
		c := app.Login(t, store.RoleSupervisor)
		res := app.PostForm(t, c, "/logout", nil)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout: %d", res.StatusCode)
		}
		if res, _ := app.Get(t, c, "/tasks"); res.StatusCode != http.StatusSeeOther {
			t.Errorf("still logged in after logout: %d", res.StatusCode)
		}
	})
}

func TestLoginSlowdown(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	app := testapp.New(t, testapp.Options{NoSeedData: true, Now: clock})
	c := app.NewClient()
	for i := 0; i < 3; i++ {
		app.LoginAs(t, c, "manager", "wrong-password")
	}
	// Now even the right password must wait.
	res, body := app.PostFormBody(t, c, "/login", url.Values{"username": {"manager"}, "password": {app.Passwords[store.RoleManager]}})
	if res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("after 3 failures: %d, want 429", res.StatusCode)
	}
	if !strings.Contains(doc(t, body).Find("[data-testid=login-error]").Text(), "秒") {
		t.Errorf("no wait message")
	}
	// Many more failures: the wait never exceeds 30 s.
	for i := 0; i < 20; i++ {
		advance(31 * time.Second)
		app.LoginAs(t, c, "manager", "wrong-password")
	}
	advance(30 * time.Second)
	if res := app.LoginAs(t, c, "manager", app.Passwords[store.RoleManager]); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("rightful user after 30 s: %d", res.StatusCode)
	}
}

func TestSessionExpiry(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	app := testapp.New(t, testapp.Options{NoSeedData: true, Now: clock})

	c := app.Login(t, store.RoleAdmin)
	advance(119 * time.Minute)
	if res, _ := app.Get(t, c, "/users"); res.StatusCode != 200 {
		t.Fatalf("within idle limit: %d", res.StatusCode)
	}
	advance(121 * time.Minute) // idle > 2 h
	res, _ := app.Get(t, c, "/users")
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "expired=1") {
		t.Fatalf("after idle limit: %d %q", res.StatusCode, res.Header.Get("Location"))
	}

	// Absolute limit: active every hour, still out after 12 h.
	c = app.Login(t, store.RoleAdmin)
	for i := 0; i < 11; i++ {
		advance(time.Hour)
		if res, _ := app.Get(t, c, "/users"); res.StatusCode != 200 {
			t.Fatalf("hour %d: %d", i+1, res.StatusCode)
		}
	}
	advance(61 * time.Minute)
	if res, _ := app.Get(t, c, "/users"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("after absolute limit: %d", res.StatusCode)
	}
}

func TestCSRF(t *testing.T) {
	app := testapp.New(t, testapp.Options{NoSeedData: true})
	c := app.Login(t, store.RoleAdmin)
	form := url.Values{"username": {"eve"}, "password": {"password-1"}, "role": {"admin"}}

	t.Run("no token", func(t *testing.T) {
		f := url.Values{"csrf_token": {""}}
		for k, v := range form {
			f[k] = v
		}
		res, body := app.PostFormBody(t, c, "/users", f)
		if res.StatusCode != http.StatusForbidden {
			t.Fatalf("status %d, want 403", res.StatusCode)
		}
		if doc(t, body).Find("[data-testid=error-page]").Length() != 1 {
			t.Errorf("no error page")
		}
	})
	t.Run("cross origin", func(t *testing.T) {
		f := url.Values{"csrf_token": {app.CSRFToken(t, c, "/users")}}
		for k, v := range form {
			f[k] = v
		}
		h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}}
		res, _ := app.Do(t, c, http.MethodPost, "/users", strings.NewReader(f.Encode()), h)
		if res.StatusCode != http.StatusForbidden {
			t.Fatalf("status %d, want 403", res.StatusCode)
		}
	})
	t.Run("htmx header token works", func(t *testing.T) {
		tok := app.CSRFToken(t, c, "/users")
		h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {app.URL}, "X-CSRF-Token": {tok}}
		res, _ := app.Do(t, c, http.MethodPost, "/users", strings.NewReader(form.Encode()), h)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d, want 303", res.StatusCode)
		}
	})
	if users, _ := app.Store.Users(t.Context()); len(users) != 4 {
		t.Errorf("users = %d, want 4 (only the request with a token created one)", len(users))
	}
}

func TestNotFound(t *testing.T) {
	app := testapp.New(t, testapp.Options{NoSeedData: true})
	c := app.Login(t, store.RoleSupervisor)
	for _, path := range []string{"/no/such/page", "/tasks/..%2F..%2Fetc", "/tasks/999999999", "/tasks/bad$id/calls"} {
		res, body := app.Get(t, c, path)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, res.StatusCode)
			continue
		}
		d := doc(t, body)
		if d.Find("[data-testid=error-page]").Length() != 1 || d.Find("[data-testid=nav]").Length() != 1 {
			t.Errorf("%s: not the friendly 404 page with navigation", path)
		}
	}
}

type goquerySel = goquery.Selection

func TestSessionCookie(t *testing.T) {
	app := testapp.New(t, testapp.Options{NoSeedData: true, Configure: func(c *handlers.Config) { c.TrustProxy = true }})
	for _, https := range []bool{false, true} {
		c := app.NewClient()
		tok := app.CSRFToken(t, c, "/login")
		form := url.Values{"csrf_token": {tok}, "username": {"admin"}, "password": {app.Passwords[store.RoleAdmin]}}
		h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {app.URL}}
		if https {
			h.Set("X-Forwarded-Proto", "https")
			h.Set("Origin", strings.Replace(app.URL, "http:", "https:", 1))
		}
		res, _ := app.Do(t, c, http.MethodPost, "/login", strings.NewReader(form.Encode()), h)
		var sess *http.Cookie
		for _, ck := range res.Cookies() {
			if ck.Name == "dialdesk" {
				sess = ck
			}
		}
		if sess == nil {
			t.Fatalf("https=%v: no session cookie (status %d)", https, res.StatusCode)
		}
		if !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode || sess.Secure != https {
			t.Errorf("https=%v: cookie HttpOnly=%v SameSite=%v Secure=%v", https, sess.HttpOnly, sess.SameSite, sess.Secure)
		}
	}
}
