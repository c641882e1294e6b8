// Package testapp starts a whole dialdesk for tests: a seeded sandbox
// platform (served under a path prefix, to catch absolute-URL bugs), a store
// in t.TempDir(), the real client and the real handlers on an httptest
// server, and one user of each role.
//
//	app := testapp.New(t, testapp.Options{})
//	c := app.Login(t, store.RoleManager)
//	res, body := app.Get(t, c, "/tasks")
//	res = app.PostForm(t, c, "/tasks/7/pause", url.Values{})
package testapp

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"dialdesk/client"
	"dialdesk/handlers"
	"dialdesk/internal/testdb"
	"dialdesk/sandbox"
	"dialdesk/store"
)

// Options configures New. The zero value is a seeded, fault-free app.
type Options struct {
	// Seed of the sandbox's world (default 1).
	Seed int64
	// NoSeedData starts the sandbox empty (no templates, tasks or calls).
	NoSeedData bool
	// Faults are injected by the sandbox from the start (latency, failures).
	Faults sandbox.Faults
	// SandboxNow is the sandbox's wall clock (default time.Now).
	SandboxNow func() time.Time
	// Now is the handlers' clock (sessions, login limiter); default time.Now.
	Now func() time.Time
	// ClientOptions are added to the client's options (e.g. WithTimeout).
	ClientOptions []client.Option
	// Logger receives the handlers' logs (default: discarded).
	Logger *slog.Logger
	// Configure may change the handlers' config before the server is built.
	Configure func(*handlers.Config)
	// SurfaceAOnly gives dialdesk a client of surface A alone, as when
	// DIALDESK_V1_URL is not set: its pages then show what dialdesk stored.
	// App.Client, the test's own, still reaches both surfaces.
	SurfaceAOnly bool
}

// App is a running dialdesk with its sandbox.
type App struct {
	URL        string // dialdesk's base URL, no trailing slash
	SandboxURL string // the sandbox's base URL including its path prefix
	Sandbox    *sandbox.Sandbox
	Store      *store.Store
	Client     *client.Client
	Server     *handlers.Server
	Config     handlers.Config
	HTTP       *httptest.Server
	// Users maps each role to its user's name; Passwords to its password.
	Users     map[store.Role]string
	Passwords map[store.Role]string
}

// SandboxPrefix is the path under which the sandbox is mounted.
const SandboxPrefix = "/platform"

// New starts an App; everything stops when the test ends.
func New(t testing.TB, opts Options) *App {
	t.Helper()
	store.SetBcryptCost(bcrypt.MinCost)
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}

	// The sandbox, mounted under a prefix.
	mux := http.NewServeMux()
	sbSrv := httptest.NewServer(mux)
	t.Cleanup(sbSrv.Close)
	sbURL := sbSrv.URL + SandboxPrefix
	sb := sandbox.New(sandbox.Options{
		Seed:     opts.Seed,
		SeedData: !opts.NoSeedData,
		BaseURL:  sbURL,
		Now:      opts.SandboxNow,
		Faults:   opts.Faults,
	})
	mux.Handle(SandboxPrefix+"/", http.StripPrefix(SandboxPrefix, sb))

	st, err := store.Open(MigratedStore(t, "dialdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })

	icall := client.WithICall(sbURL+"/api/icall/5/task/", "demo-appid", "demo-signature")
	cl := client.New(append([]client.Option{icall, client.WithV1(sbURL+"/", "demo-token"), client.WithConcurrency(16)},
		opts.ClientOptions...)...)
	dialdeskClient := cl
	if opts.SurfaceAOnly {
		dialdeskClient = client.New(append([]client.Option{icall, client.WithConcurrency(16)}, opts.ClientOptions...)...)
	}

	app := &App{SandboxURL: sbURL, Sandbox: sb, Store: st, Client: cl,
		Users: map[store.Role]string{}, Passwords: map[store.Role]string{}}
	ctx := context.Background()
	for _, role := range store.Roles {
		name, pw := string(role), string(role)+"-password"
		if _, err := st.CreateUser(ctx, name, pw, role); err != nil {
			t.Fatal(err)
		}
		app.Users[role], app.Passwords[role] = name, pw
	}

	// dialdesk's own server: its address is known before it starts, so that
	// PublicURL (push_url) points at it.
	hs := httptest.NewUnstartedServer(nil)
	u, _ := url.Parse(sbURL)
	cfg := handlers.Config{
		PublicURL:      "http://" + hs.Listener.Addr().String(),
		Store:          st,
		Client:         dialdeskClient,
		Location:       mustZone("Asia/Shanghai"),
		Demo:           true,
		PushToken:      "test-push-token",
		SessionKeys:    [][]byte{[]byte(strings.Repeat("h", 64)), []byte(strings.Repeat("b", 32))},
		RecordingsURL:  sbURL + "/recordings",
		RecordingHosts: []string{u.Host},
		Logger:         logger,
		Now:            opts.Now,
	}
	if opts.Configure != nil {
		opts.Configure(&cfg)
	}
	srv, err := handlers.New(cfg)
	if err != nil {
		hs.Listener.Close()
		t.Fatal(err)
	}
	srv.StartJobs(context.Background())
	t.Cleanup(func() { srv.StopJobs(10 * time.Second) })
	hs.Config.Handler = srv.Routes()
	hs.Start()
	t.Cleanup(hs.Close)
	app.URL, app.HTTP, app.Server, app.Config = hs.URL, hs, srv, cfg
	return app
}

// MigratedStore returns where a test's store goes (testdb.Target), with the
// migrations already applied there: on SQLite a copy of a database migrated
// once per test binary (testdb.Migrated).
func MigratedStore(t testing.TB, name string) string {
	t.Helper()
	return testdb.Migrated(t, name, func(path string) error {
		st, err := store.Open(path)
		if err != nil {
			return err
		}
		return st.Close()
	})
}

// RememberSandboxTasks stores every task of the sandbox's world (finished
// and deleted ones included) as known, as if dialdesk had seen them before:
// the task list then shows all of them, not only query_task's unfinished ones.
func (a *App) RememberSandboxTasks(t testing.TB) {
	t.Helper()
	var known []store.KnownTask
	for _, id := range a.Sandbox.TaskIDs() {
		known = append(known, store.KnownTask{ID: id})
	}
	if err := a.Store.RememberTasks(context.Background(), known); err != nil {
		t.Fatal(err)
	}
}

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

// NewClient returns an anonymous browser-like client: a cookie jar, and
// redirects not followed (tests assert them).
func (a *App) NewClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Login logs the user of role in through the real form and returns its client.
func (a *App) Login(t testing.TB, role store.Role) *http.Client {
	t.Helper()
	c := a.NewClient()
	res := a.LoginAs(t, c, a.Users[role], a.Passwords[role])
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login as %s: status %d, want 303", role, res.StatusCode)
	}
	return c
}

// LoginAs posts the login form with username and password using c, and
// returns the response (303 on success, the login page again on failure).
func (a *App) LoginAs(t testing.TB, c *http.Client, username, password string) *http.Response {
	t.Helper()
	return a.PostForm(t, c, "/login", url.Values{"username": {username}, "password": {password}})
}

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// CSRFToken fetches page (default /login for anonymous clients works too)
// and returns the CSRF token in its forms.
func (a *App) CSRFToken(t testing.TB, c *http.Client, page string) string {
	t.Helper()
	_, body := a.Get(t, c, page)
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf_token on %s", page)
	}
	return htmlUnescape(m[1])
}

// Get fetches path with c and returns the response and its body.
func (a *App) Get(t testing.TB, c *http.Client, path string) (*http.Response, string) {
	t.Helper()
	return a.Do(t, c, http.MethodGet, path, nil, nil)
}

// Do sends a request to dialdesk with extra headers and returns the
// response and its body (already read and closed).
func (a *App) Do(t testing.TB, c *http.Client, method, path string, body io.Reader, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, a.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return res, string(b)
}

// PostForm posts form to path as a browser would: with a CSRF token taken
// from a page (the login page for anonymous clients, else /tasks) unless the
// form already has one, and the Origin header of this site.
func (a *App) PostForm(t testing.TB, c *http.Client, path string, form url.Values) *http.Response {
	t.Helper()
	res, _ := a.PostFormBody(t, c, path, form)
	return res
}

// PostFormBody is PostForm that also returns the body.
func (a *App) PostFormBody(t testing.TB, c *http.Client, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf_token"]; !ok {
		page := "/tasks"
		if path == "/login" {
			page = "/login"
		}
		form.Set("csrf_token", a.CSRFToken(t, c, page))
	}
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {a.URL}}
	return a.Do(t, c, http.MethodPost, path, strings.NewReader(form.Encode()), h)
}

func htmlUnescape(s string) string {
	r := strings.NewReplacer("&#43;", "+", "&#x2B;", "+", "&amp;", "&", "&#61;", "=", "&#x3D;", "=", "&#47;", "/")
	return r.Replace(s)
}
