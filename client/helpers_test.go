package client

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The fake platform is mounted under a path prefix, so a client that builds
// absolute paths instead of joining them to its base fails these tests.
const (
	testPrefix = "/gw/x"
	testAppID  = "app-1"
	testSig    = "sig/+= 1"
	testToken  = "tok-123"
)

// recorder keeps what the fake platform received.
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	Method, Path, RawPath, ContentType, Auth string
	Query, Form                              map[string][]string
	Body                                     string
}

func (r *recorder) add(req *http.Request, body string) recorded {
	rec := recorded{Method: req.Method, Path: req.URL.Path, RawPath: req.URL.EscapedPath(),
		ContentType: req.Header.Get("Content-Type"), Auth: req.Header.Get("Authorization"),
		Query: req.URL.Query(), Body: body}
	if strings.HasPrefix(rec.ContentType, "application/x-www-form-urlencoded") {
		if err := req.ParseForm(); err == nil {
			rec.Form = req.PostForm
		}
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, rec)
	r.mu.Unlock()
	return rec
}

func (r *recorder) all() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.reqs...)
}

// newTestClient starts h under testPrefix and returns a client for both
// surfaces with fast backoff.
func newTestClient(t *testing.T, h http.Handler, opts ...Option) *Client {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle(testPrefix+"/", http.StripPrefix(testPrefix, h))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	base := []Option{
		WithICall(srv.URL+testPrefix+"/api/icall/5/task/", testAppID, testSig),
		WithV1(srv.URL+testPrefix+"/", testToken),
		WithTimeout(5 * time.Second),
	}
	c := New(append(base, opts...)...)
	c.backoffBase = time.Millisecond
	c.backoffMax = 5 * time.Millisecond
	return c
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
