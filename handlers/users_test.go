package handlers_test

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"dialdesk/internal/testapp"
	"dialdesk/store"
)

func TestUsersPageRoles(t *testing.T) {
	app := testapp.New(t, testapp.Options{NoSeedData: true})
	for _, tc := range []struct {
		role   store.Role
		status int
	}{
		{store.RoleAdmin, 200},
		{store.RoleManager, 403},
		{store.RoleSupervisor, 403},
	} {
		c := app.Login(t, tc.role)
		res, body := app.Get(t, c, "/users")
		if res.StatusCode != tc.status {
			t.Errorf("%s GET /users: %d, want %d", tc.role, res.StatusCode, tc.status)
		}
		d := doc(t, body)
		if tc.status == 403 && d.Find("[data-testid=error-page]").Length() != 1 {
			t.Errorf("%s: 403 without the error page", tc.role)
		}
		// The nav shows Users only to admins.
		_, body = app.Get(t, c, "/calls")
		if got := doc(t, body).Find(`[data-testid=nav] a[href="/users"]`).Length() == 1; got != (tc.role == store.RoleAdmin) {
			t.Errorf("%s: users link shown = %v", tc.role, got)
		}
		res = app.PostForm(t, c, "/users", url.Values{"username": {"x-" + string(tc.role)}, "password": {"password-1"}, "role": {"admin"}})
		if want := map[int]int{200: 303, 403: 403}[tc.status]; res.StatusCode != want {
			t.Errorf("%s POST /users: %d, want %d", tc.role, res.StatusCode, want)
		}
	}
	if n, _ := app.Store.CountUsers(t.Context()); n != 4 {
		t.Errorf("users = %d, want 4 (only the admin could create one)", n)
	}
}

func TestUsersManage(t *testing.T) {
	app := testapp.New(t, testapp.Options{NoSeedData: true})
	c := app.Login(t, store.RoleAdmin)

	t.Run("validation keeps input and says what is wrong", func(t *testing.T) {
		for _, tc := range []struct {
			name, user, pw, role, field string
		}{
			{"password over 72 bytes", "bob", strings.Repeat("长", 25), "manager", "password"},
			{"short password", "bob", "short", "manager", "password"},
			{"bad role", "bob", "password-1", "boss", "role"},
			{"space in username", "bo b", "password-1", "manager", "username"},
			{"taken", "manager", "password-1", "manager", "username"},
		} {
			res, body := app.PostFormBody(t, c, "/users", url.Values{"username": {tc.user}, "password": {tc.pw}, "role": {tc.role}})
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("%s: %d, want 422", tc.name, res.StatusCode)
				continue
			}
			d := doc(t, body)
			if d.Find("[data-testid=field-error]").Length() != 1 {
				t.Errorf("%s: want one field error, got %q", tc.name, d.Find("[data-testid=field-error]").Text())
			}
			if v, _ := d.Find("#new-username").Attr("value"); v != tc.user {
				t.Errorf("%s: username input = %q, want the user's %q", tc.name, v, tc.user)
			}
		}
	})

	t.Run("create, escape, reset, role, disable", func(t *testing.T) {
		name := "<b>bob</b>&co"
		res := app.PostForm(t, c, "/users", url.Values{"username": {name}, "password": {"password-1"}, "role": {"supervisor"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("create: %d", res.StatusCode)
		}
		_, body := app.Get(t, c, "/users")
		if strings.Contains(body, "<b>bob</b>") {
			t.Errorf("username not escaped")
		}
		row := doc(t, body).Find(`[data-testid=user-row]`).FilterFunction(func(_ int, s *goquerySel) bool {
			v, _ := s.Attr("data-username")
			return v == name
		})
		if row.Length() != 1 {
			t.Fatalf("new user's row not found")
		}
		if !strings.Contains(doc(t, body).Find("[data-testid=flash]").Text(), name) {
			t.Errorf("no flash naming the user")
		}
		users, _ := app.Store.Users(t.Context())
		var id int64
		for _, u := range users {
			if u.Username == name {
				id = u.ID
			}
		}
		path := "/users/" + strconv.FormatInt(id, 10)
		if res := app.PostForm(t, c, path+"/password", url.Values{"password": {strings.Repeat("x", 73)}}); res.StatusCode != 303 {
			t.Errorf("too long reset: %d", res.StatusCode)
		}
		if _, body := app.Get(t, c, "/users"); !strings.Contains(doc(t, body).Find("[data-testid=flash]").Text(), "72") {
			t.Errorf("too long reset: no message about 72 bytes")
		}
		oldc := app.NewClient()
		app.LoginAs(t, oldc, name, "password-1")
		app.PostForm(t, c, path+"/password", url.Values{"password": {"new-password-2"}})
		if res, _ := app.Get(t, oldc, "/tasks"); res.StatusCode != http.StatusSeeOther {
			t.Errorf("a session from before the password reset still works: %d", res.StatusCode)
		}
		if res := app.LoginAs(t, app.NewClient(), name, "new-password-2"); res.StatusCode != 303 {
			t.Errorf("login with reset password: %d", res.StatusCode)
		}
		app.PostForm(t, c, path+"/role", url.Values{"role": {"manager"}})
		if u, _ := app.Store.User(t.Context(), id); u.Role != store.RoleManager {
			t.Errorf("role = %s", u.Role)
		}
		bobc := app.NewClient()
		app.LoginAs(t, bobc, name, "new-password-2")
		app.PostForm(t, c, path+"/disable", nil)
		if res, _ := app.Get(t, bobc, "/tasks"); res.StatusCode != http.StatusSeeOther {
			t.Errorf("disabled user's session still works: %d", res.StatusCode)
		}
		if res := app.LoginAs(t, app.NewClient(), name, "new-password-2"); res.StatusCode == 303 {
			t.Errorf("disabled user logged in")
		}
		app.PostForm(t, c, path+"/enable", nil)
		if res := app.LoginAs(t, app.NewClient(), name, "new-password-2"); res.StatusCode != 303 {
			t.Errorf("enabled user cannot log in: %d", res.StatusCode)
		}
		// The admin's actions, newest first; bob's logins are his own entries.
		audit, _ := app.Store.Audit(t.Context(), store.AuditFilter{Username: "admin"})
		var got []string
		for _, e := range audit {
			got = append(got, e.Action)
		}
		if want := []string{"user.enable", "user.disable", "user.role", "user.password", "user.create", "auth.login"}; !slices.Equal(got, want) {
			t.Errorf("admin's audit = %v, want %v", got, want)
		}
		if bob, _ := app.Store.Audit(t.Context(), store.AuditFilter{Username: name}); len(bob) != 5 || bob[1].Action != "auth.login.failed" {
			t.Errorf("%s's audit = %+v", name, bob)
		}
	})

	t.Run("last admin", func(t *testing.T) {
		admin := app.Users[store.RoleAdmin]
		var id int64
		users, _ := app.Store.Users(t.Context())
		for _, u := range users {
			if u.Username == admin {
				id = u.ID
			}
		}
		path := "/users/" + strconv.FormatInt(id, 10)
		for _, action := range []string{"/disable", "/role"} {
			res := app.PostForm(t, c, path+action, url.Values{"role": {"supervisor"}})
			if res.StatusCode != http.StatusSeeOther {
				t.Errorf("%s: %d", action, res.StatusCode)
			}
			_, body := app.Get(t, c, "/users")
			if msg := doc(t, body).Find("[data-testid=flash]").Text(); !strings.Contains(msg, "管理员") {
				t.Errorf("%s: flash %q", action, msg)
			}
		}
		if u, _ := app.Store.User(t.Context(), id); u.Disabled || u.Role != store.RoleAdmin {
			t.Errorf("last admin changed: %+v", u)
		}
	})
	t.Run("own password reset keeps this session", func(t *testing.T) {
		me, _ := app.Store.Users(t.Context())
		for _, u := range me {
			if u.Username == "admin" {
				app.PostForm(t, c, "/users/"+strconv.FormatInt(u.ID, 10)+"/password", url.Values{"password": {"admin-password"}})
			}
		}
		if res, _ := app.Get(t, c, "/users"); res.StatusCode != 200 {
			t.Errorf("after resetting own password: %d", res.StatusCode)
		}
	})
	t.Run("unknown user is 404", func(t *testing.T) {
		if res := app.PostForm(t, c, "/users/9999/disable", nil); res.StatusCode != 404 {
			t.Errorf("%d", res.StatusCode)
		}
	})
}
