package handlers_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// multipartUpload is a multipart body as the upload form sends it: the CSRF
// token, then a file of size bytes.
func multipartUpload(t *testing.T, token string, size int) ([]byte, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf_token", token)
	fw, err := mw.CreateFormFile("file", "big.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(bytes.Repeat([]byte("x"), size))
	mw.Close()
	return body.Bytes(), mw.FormDataContentType()
}

// countingReader counts the bytes the server read of a request body.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// A 6 MB upload with a valid CSRF token is refused with 413 and the file
// limit in words, at once, without being read, and nothing is imported or sent.
func TestBodyLimitUploadTooLarge(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	taskID := numbersTask(t, app)
	c := app.Login(t, store.RoleManager)
	path := "/tasks/" + taskID + "/numbers"
	body, ctype := multipartUpload(t, app.CSRFToken(t, c, "/tasks"), 6<<20)

	start := time.Now()
	res, page := app.Do(t, c, http.MethodPost, path, bytes.NewReader(body), http.Header{"Content-Type": {ctype}, "Origin": {app.URL}})
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", res.StatusCode)
	}
	if !strings.Contains(page, "文件超过 5 MB") {
		t.Errorf("the answer does not name the limit:\n%s", page)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("refusal took %v", d)
	}
	res, page = app.Do(t, c, http.MethodPost, path+"?lang=en", bytes.NewReader(body), http.Header{"Content-Type": {ctype}, "Origin": {app.URL}})
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(page, "larger than 5 MB") {
		t.Errorf("en: status %d", res.StatusCode)
	}
	if n := app.Sandbox.Count("add_task_data"); n != 0 {
		t.Errorf("add_task_data called %d times", n)
	}
	if imps, _ := app.Store.Imports(context.Background(), taskID, 10); len(imps) != 0 {
		t.Errorf("%d imports created", len(imps))
	}
}

// Through the router itself, the body's bytes read are counted: a declared
// length above the limit is not read at all; a chunked body (no length) is
// read only up to the limit and still ends as 413 with the message, not a
// CSRF 403 (nosurf ignores the error of the form parsing it does) nor a 500.
func TestBodyLimitNotBuffered(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	taskID := numbersTask(t, app)
	c := app.Login(t, store.RoleManager)
	token := app.CSRFToken(t, c, "/tasks")
	u, _ := url.Parse(app.URL)
	cookies := c.Jar.Cookies(u)
	h := app.Server.Routes()
	path := "/tasks/" + taskID + "/numbers"
	// 10 MB: well past the limit (5 MB and the form around it), so reading
	// stops long before the end.
	body, ctype := multipartUpload(t, token, 10<<20)
	const most = 6<<20 + 64<<10

	send := func(chunked bool, header http.Header) (*httptest.ResponseRecorder, int64) {
		cr := &countingReader{r: bytes.NewReader(body)}
		req := httptest.NewRequest(http.MethodPost, app.URL+path, cr)
		req.ContentLength = int64(len(body))
		if chunked {
			req.ContentLength = -1
		}
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("Origin", app.URL)
		for k, v := range header {
			req.Header[k] = v
		}
		for _, ck := range cookies {
			req.AddCookie(ck)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w, cr.n.Load()
	}

	t.Run("content-length", func(t *testing.T) {
		w, read := send(false, nil)
		if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), "文件超过 5 MB") {
			t.Fatalf("status %d\n%s", w.Code, w.Body)
		}
		if read != 0 {
			t.Errorf("read %d bytes of a body refused by its length", read)
		}
	})
	t.Run("chunked", func(t *testing.T) {
		w, read := send(true, nil)
		if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), "文件超过 5 MB") {
			t.Fatalf("status %d\n%s", w.Code, w.Body)
		}
		if read > most {
			t.Errorf("read %d bytes: the whole body was buffered", read)
		}
	})
	t.Run("htmx chunked", func(t *testing.T) {
		w, read := send(true, http.Header{"Hx-Request": {"true"}, "X-Csrf-Token": {token}})
		// The funnel answers htmx with an alert fragment (200, so htmx swaps it).
		d := doc(t, w.Body.String())
		if !strings.Contains(d.Text(), "文件超过 5 MB") || w.Header().Get("HX-Retarget") != "#alerts" {
			t.Fatalf("status %d\n%s", w.Code, w.Body)
		}
		if read > most {
			t.Errorf("read %d bytes", read)
		}
	})
	if n := app.Sandbox.Count("add_task_data"); n != 0 {
		t.Errorf("add_task_data called %d times", n)
	}
	if imps, _ := app.Store.Imports(context.Background(), taskID, 10); len(imps) != 0 {
		t.Errorf("%d imports created", len(imps))
	}
}

// Other forms are capped at 1 MB, with the general message.
func TestBodyLimitForm(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	c := app.Login(t, store.RoleManager)
	form := url.Values{"phone": {strings.Repeat("1", 2<<20)}}
	res, body := app.PostFormBody(t, c, "/dnc", form)
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "提交的内容过大") {
		t.Errorf("status %d", res.StatusCode)
	}
	// A normal form still works.
	if res := app.PostForm(t, c, "/dnc", url.Values{"phone": {"13900139000"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("normal form: %d", res.StatusCode)
	}
}
