package handlers_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// TestPasswordRulesOnUsersPage: a new user's password, and a password an
// admin sets, may not contain the username nor be one of the commonest; the
// form says so in the reader's language and nothing changes.
func TestPasswordRulesOnUsersPage(t *testing.T) {
	app := testapp.New(t, testapp.Options{NoSeedData: true})
	c := app.Login(t, store.RoleAdmin)
	for _, tc := range []struct{ user, pw, msg string }{
		{"carol", "Carol-2026!", "密码不能包含用户名。"},
		{"carol", "password123", "这个密码太常见，很容易被猜到，请换一个。"},
	} {
		res, body := app.PostFormBody(t, c, "/users", url.Values{"username": {tc.user}, "password": {tc.pw}, "role": {"manager"}})
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%q: %d, want 422", tc.pw, res.StatusCode)
		}
		if got := doc(t, body).Find("[data-testid=field-error]").Text(); got != tc.msg {
			t.Errorf("%q: field error %q, want %q", tc.pw, got, tc.msg)
		}
	}
	if _, err := app.Store.Authenticate(t.Context(), "carol", "password123"); err == nil {
		t.Error("carol was created with a common password")
	}
	users, _ := app.Store.Users(t.Context())
	var mgr store.User
	for _, u := range users {
		if u.Username == "manager" {
			mgr = u
		}
	}
	app.PostForm(t, c, "/users/"+strconv.FormatInt(mgr.ID, 10)+"/password", url.Values{"password": {"the-manager-pw"}})
	if _, err := app.Store.Authenticate(t.Context(), "manager", "the-manager-pw"); err == nil {
		t.Error("a password containing the username was set")
	}
	if _, err := app.Store.Authenticate(t.Context(), "manager", app.Passwords[store.RoleManager]); err != nil {
		t.Errorf("the old password no longer works: %v", err)
	}
}
