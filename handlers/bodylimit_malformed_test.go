package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// A form body that cannot be parsed (a bad %-escape, a multipart body
// without its boundary) is a 400 with a plain page, not a request that goes
// on with whatever was half parsed: Go parses a request's form only once, so
// after bodyLimit's failed parse a handler would see no error at all.
func TestBodyLimitMalformedForm(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	c := app.Login(t, store.RoleAdmin)
	token := app.CSRFToken(t, c, "/users")
	before := app.Sandbox.Count("pause_task")
	taskID := app.Sandbox.TaskIDs()[0]

	for _, tc := range []struct {
		name, path, ctype, body string
	}{
		{"bad escape", "/users", "application/x-www-form-urlencoded",
			"csrf_token=" + url.QueryEscape(token) + "&username=%zz&password=x&role=admin"},
		{"multipart without boundary", "/tasks/" + taskID + "/pause", "multipart/form-data",
			"--x\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n" + token + "\r\n--x--\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, page := app.Do(t, c, http.MethodPost, tc.path, strings.NewReader(tc.body),
				http.Header{"Content-Type": {tc.ctype}, "Origin": {app.URL}})
			if res.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", res.StatusCode)
			}
			if strings.Contains(page, "invalid URL escape") || strings.Contains(page, "boundary") {
				t.Errorf("the page shows a Go error:\n%s", page)
			}
		})
	}
	if n := app.Sandbox.Count("pause_task"); n != before {
		t.Errorf("a malformed form reached the platform: pause_task %d → %d", before, n)
	}
	users, err := app.Store.Users(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if strings.Contains(u.Username, "%") || u.Username == "" {
			t.Errorf("a malformed form created user %q", u.Username)
		}
	}
}
