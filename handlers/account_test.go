package handlers_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// TestAccountChangePassword: every role changes its own password on
// /account; the change ends the user's other sessions, keeps this one, and
// the new password logs in, the old no longer.
func TestAccountChangePassword(t *testing.T) {
	app := testapp.New(t, testapp.Options{NoSeedData: true})
	for i, role := range store.Roles {
		t.Run(string(role), func(t *testing.T) {
			c := app.Login(t, role)
			other := app.Login(t, role) // another browser
			res, body := app.Get(t, c, "/account")
			d := doc(t, body)
			if res.StatusCode != 200 || d.Find("[data-testid=account-form]").Length() != 1 {
				t.Fatalf("GET /account: %d", res.StatusCode)
			}
			if d.Find("[data-testid=nav-account].active").Length() != 1 {
				t.Error("my account is not in the navigation, or not marked current")
			}
			if d.Find("[data-testid=account-form]").AttrOr("novalidate", "x") == "x" || d.Find("[data-testid=account-form] [required]").Length() != 0 {
				t.Error("the form leaves empty fields to the browser's own bubbles")
			}
			if d.Find("[data-testid=account-form] input[name=csrf_token]").Length() != 1 {
				t.Error("no CSRF token in the form")
			}
			if !strings.Contains(d.Find("[data-testid=account-who]").Text(), app.Users[role]) {
				t.Error("the page does not say who I am")
			}
			newPW := "Quiet-harbour-" + strconv.Itoa(i) + "-lamp"
			res = app.PostForm(t, c, "/account", url.Values{"current": {app.Passwords[role]}, "new": {newPW}, "repeat": {newPW}})
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account" {
				t.Fatalf("POST /account: %d %s", res.StatusCode, res.Header.Get("Location"))
			}
			if res, _ := app.Get(t, c, "/tasks"); res.StatusCode != 200 {
				t.Errorf("this session ended with the change: %d", res.StatusCode)
			}
			if res, _ := app.Get(t, other, "/tasks"); res.StatusCode != http.StatusSeeOther {
				t.Errorf("the other session still works: %d", res.StatusCode)
			}
			if res := app.LoginAs(t, app.NewClient(), app.Users[role], app.Passwords[role]); res.StatusCode == http.StatusSeeOther {
				t.Error("the old password still logs in")
			}
			if res := app.LoginAs(t, app.NewClient(), app.Users[role], newPW); res.StatusCode != http.StatusSeeOther {
				t.Errorf("the new password does not log in: %d", res.StatusCode)
			}
			app.Passwords[role] = newPW
		})
	}
}

// TestAccountValidation: every mistake gets our own message next to its
// field, the password is left unchanged, and nothing is echoed unescaped.
func TestAccountValidation(t *testing.T) {
	app := testapp.New(t, testapp.Options{NoSeedData: true})
	c := app.Login(t, store.RoleSupervisor)
	cur := app.Passwords[store.RoleSupervisor]
	for _, tc := range []struct {
		name          string
		form          url.Values
		field, status string
	}{
		{"all empty", url.Values{}, "current", "422"},
		{"new empty", url.Values{"current": {cur}, "repeat": {"x"}}, "new", "422"},
		{"repeat empty", url.Values{"current": {cur}, "new": {"long-enough-pw"}}, "repeat", "422"},
		{"mismatch", url.Values{"current": {cur}, "new": {"long-enough-pw"}, "repeat": {"long-enough-px"}}, "repeat", "422"},
		{"too short", url.Values{"current": {cur}, "new": {"short"}, "repeat": {"short"}}, "new", "422"},
		{"same", url.Values{"current": {cur}, "new": {cur}, "repeat": {cur}}, "new", "422"},
		{"wrong current", url.Values{"current": {"<script>alert(1)</script>"}, "new": {"long-enough-pw"}, "repeat": {"long-enough-pw"}}, "current", "422"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := app.PostFormBody(t, c, "/account", tc.form)
			d := doc(t, body)
			if got := res.Status[:3]; got != tc.status || d.Find("[data-testid=error-"+tc.field+"]").Length() != 1 {
				t.Errorf("%s, message next to %s: %d", res.Status, tc.field, d.Find("[data-testid=error-"+tc.field+"]").Length())
			}
			if strings.Contains(body, "<script>alert") || d.Find("input[type=password][value]").Length() != 0 {
				t.Error("a password is echoed back")
			}
		})
	}
	_, body := app.PostFormBody(t, c, "/account", url.Values{})
	for _, f := range []string{"current", "new", "repeat"} {
		if doc(t, body).Find("[data-testid=error-"+f+"]").Length() != 1 {
			t.Errorf("empty form: no message next to %s", f)
		}
	}
	if res := app.LoginAs(t, app.NewClient(), app.Users[store.RoleSupervisor], cur); res.StatusCode != http.StatusSeeOther {
		t.Error("a refused change changed the password")
	}
	// Without the form's CSRF token: refused.
	res, _ := app.Do(t, c, http.MethodPost, "/account", strings.NewReader("current=x&new=long-enough-pw&repeat=long-enough-pw"),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {app.URL}})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("POST without CSRF token: %d, want 403", res.StatusCode)
	}
	// Logged out: to the login page.
	if res, _ := app.Get(t, app.NewClient(), "/account"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("GET /account logged out: %d", res.StatusCode)
	}
}

// TestAccountGuessingSlowed: wrong current passwords count as failed logins,
// so a stolen session cannot guess the password faster than the login form.
func TestAccountGuessingSlowed(t *testing.T) {
	app := testapp.New(t, testapp.Options{NoSeedData: true})
	c := app.Login(t, store.RoleManager)
	var last *http.Response
	for range 6 {
		last = app.PostForm(t, c, "/account", url.Values{"current": {"wrong-guess-pw"}, "new": {"long-enough-pw"}, "repeat": {"long-enough-pw"}})
	}
	if last.StatusCode != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
		t.Errorf("sixth wrong guess: %d, want 429 with Retry-After", last.StatusCode)
	}
}

// TestRolesAndEmptyFields: the users page says what each role may do; its
// forms and the login form leave empty fields to our own messages.
func TestRolesAndEmptyFields(t *testing.T) {
	app := testapp.New(t, testapp.Options{NoSeedData: true})
	c := app.Login(t, store.RoleAdmin)
	_, body := app.Get(t, c, "/users")
	d := doc(t, body)
	if n := d.Find("[data-testid=roles] dd").Length(); n != 3 {
		t.Errorf("%d role descriptions, want 3", n)
	}
	if d.Find("[required]").Length() != 0 {
		t.Error("the users page leaves fields to the browser's bubbles")
	}
	res, body := app.PostFormBody(t, c, "/users", url.Values{"username": {""}, "password": {""}, "role": {"supervisor"}})
	d = doc(t, body)
	if res.StatusCode != http.StatusUnprocessableEntity || d.Find("[data-testid=field-error]").Length() != 2 {
		t.Errorf("empty new user: %d, %d messages", res.StatusCode, d.Find("[data-testid=field-error]").Length())
	}
	if !strings.Contains(body, "请输入用户名。") || !strings.Contains(body, "请输入密码。") {
		t.Error("empty fields lack their own messages")
	}
	_, body = app.Get(t, app.NewClient(), "/login")
	if doc(t, body).Find("[required]").Length() != 0 {
		t.Error("the login form leaves fields to the browser's bubbles")
	}
	res, body = app.PostFormBody(t, app.NewClient(), "/login", url.Values{"username": {""}, "password": {""}})
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "请输入用户名和密码。") {
		t.Errorf("empty login: %d", res.StatusCode)
	}
}
