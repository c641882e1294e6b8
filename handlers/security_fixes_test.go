package handlers_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"dialdesk/internal/testapp"
	"dialdesk/store"
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
