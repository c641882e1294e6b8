package handlers_test

import (
	"net/http"
	"testing"

	"dialdesk/internal/testapp"
)

// TestSecurityHSTS: https answers (pages, errors, static files) carry HSTS,
// plain http answers do not.
func TestSecurityHSTS(t *testing.T) {
	app := testapp.New(t, testapp.Options{NoSeedData: true})
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
