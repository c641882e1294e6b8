package main

// Two dialdesk processes on one PostgreSQL database behind a round-robin
// proxy, as production runs them. Each instance is this test binary run
// again (TestMain's instanceEnv), so that one can be killed outright.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"dialdesk/client"
	"dialdesk/handlers"
	"dialdesk/internal/qa"
	"dialdesk/internal/testdb"
	"dialdesk/jobs"
	"dialdesk/sandbox"
	"dialdesk/store"
	"github.com/go-chi/chi/v5"
	"golang.org/x/crypto/bcrypt"
)

// instanceEnv, set to 1, makes the test binary a dialdesk instance
// configured by its environment.
const instanceEnv = "DIALDESK_TEST_INSTANCE"

func TestMain(m *testing.M) {
	if os.Getenv(instanceEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := run(ctx, nil, os.Getenv)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "dialdesk:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	// The in-process tests hash at bcrypt's least cost, as testapp does:
	// under the race detector one hash at the default cost takes seconds.
	// A binary started as an instance (above) keeps the default.
	store.SetBcryptCost(bcrypt.MinCost)
	os.Exit(m.Run())
}

// lockedBuffer collects an instance's log.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type instance struct {
	url  string
	cmd  *exec.Cmd
	log  *lockedBuffer
	down atomic.Bool
	done chan struct{}
}

// startInstance runs one dialdesk process with env, and stops it (SIGTERM,
// then SIGKILL) when the test ends.
func startInstance(t *testing.T, env map[string]string) *instance {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), instanceEnv+"=1", "DIALDESK_ADDR="+addr, "DIALDESK_DATA_DIR="+t.TempDir())
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	in := &instance{url: "http://" + addr, cmd: cmd, log: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = in.log, in.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { cmd.Wait(); close(in.done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-in.done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-in.done
		}
		if t.Failed() {
			t.Logf("instance %s log:\n%s", in.url, in.log.String())
		}
	})
	return in
}

func (in *instance) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-in.done:
			t.Fatalf("instance %s exited:\n%s", in.url, in.log.String())
		default:
		}
		if res, err := http.Get(in.url + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("instance %s not up:\n%s", in.url, in.log.String())
}

// roundRobin is the load balancer: each request to the next instance that
// is not down.
func roundRobin(t *testing.T, ln net.Listener, ins []*instance) *httptest.Server {
	var proxies []*httputil.ReverseProxy
	for _, in := range ins {
		u, _ := url.Parse(in.url)
		proxies = append(proxies, httputil.NewSingleHostReverseProxy(u))
	}
	var n atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for range ins {
			i := int(n.Add(1)) % len(ins)
			if !ins[i].down.Load() {
				w.Header().Set("X-Test-Instance", strconv.Itoa(i))
				proxies[i].ServeHTTP(w, r)
				return
			}
		}
		http.Error(w, "no instance", http.StatusBadGateway)
	}))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

var (
	csrfInPage      = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	formTokenInPage = regexp.MustCompile(`name="form_token" value="([^"]+)"`)
)

// browser is a user's browser against base.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(body)
}

func (b *browser) get(path string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.base+path, nil)
	return b.do(req)
}

func (b *browser) csrf(page string) string {
	b.t.Helper()
	_, body := b.get(page)
	m := csrfInPage.FindStringSubmatch(body)
	if m == nil {
		b.t.Fatalf("no csrf_token on %s", page)
	}
	return strings.NewReplacer("&#43;", "+", "&#x2B;", "+", "&amp;", "&", "&#61;", "=", "&#x3D;", "=", "&#47;", "/").Replace(m[1])
}

func (b *browser) post(path, page string, form url.Values, body io.Reader, contentType string) (*http.Response, string) {
	b.t.Helper()
	if form != nil {
		form.Set("csrf_token", b.csrf(page))
		body, contentType = strings.NewReader(form.Encode()), "application/x-www-form-urlencoded"
	}
	req, _ := http.NewRequest(http.MethodPost, b.base+path, body)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Origin", b.base)
	return b.do(req)
}

// TestTwoInstancesOnePostgres: two instances started at once on one new
// database, behind a round-robin proxy.
func TestTwoInstancesOnePostgres(t *testing.T) {
	if !testdb.Postgres() {
		t.Skip("runs in the PostgreSQL pass of make test (DIALDESK_TEST_DB=postgres)")
	}
	dsn := testdb.Schema(t)
	ctx := context.Background()

	// The platform both instances use.
	mux := http.NewServeMux()
	sbSrv := httptest.NewServer(mux)
	t.Cleanup(sbSrv.Close)
	sb := sandbox.New(sandbox.Options{Seed: 1, SeedData: true, BaseURL: sbSrv.URL + "/platform", Speed: 50})
	mux.Handle("/platform/", http.StripPrefix("/platform", sb))
	sctx, stopSandbox := context.WithCancel(ctx)
	t.Cleanup(stopSandbox)
	go sb.Run(sctx)

	// The proxy's address is the public URL: the platform pushes to it.
	proxyAddr := freeAddr(t)
	const adminPW = "correct-horse-battery"
	env := map[string]string{
		"DIALDESK_DATABASE_URL":      dsn,
		"DIALDESK_ICALL_URL":         sbSrv.URL + "/platform/api/icall/5/task/",
		"DIALDESK_ICALL_APPID":       "demo-appid",
		"DIALDESK_ICALL_SIGNATURE":   "demo-signature",
		"DIALDESK_V1_URL":            sbSrv.URL + "/platform/",
		"DIALDESK_V1_TOKEN":          "demo-token",
		"DIALDESK_RECORDINGS_URL":    sbSrv.URL + "/platform/recordings",
		"DIALDESK_PUBLIC_URL":        "http://" + proxyAddr,
		"DIALDESK_ADMIN_USER":        "admin",
		"DIALDESK_ADMIN_PASSWORD":    adminPW,
		"DIALDESK_IMPORT_BATCH_SIZE": "500",
	}
	ins := []*instance{startInstance(t, env), startInstance(t, env)} // at once: one migrates, one admin, one set of secrets
	for _, in := range ins {
		in.waitReady(t)
	}
	ln, err := net.Listen("tcp", proxyAddr)
	if err != nil {
		t.Fatal(err)
	}
	proxy := roundRobin(t, ln, ins)

	st, err := store.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if users, err := st.Users(ctx); err != nil || len(users) != 1 {
		t.Fatalf("users after two starts: %v %v, want the one admin", users, err)
	}

	// Log in through the proxy (every page is opened in the every-page step).
	b := newBrowser(t, proxy.URL)
	res, body := b.post("/login", "/login", url.Values{"username": {"admin"}, "password": {adminPW}}, nil, "")
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login through the proxy: %d\n%s", res.StatusCode, body)
	}
	cl := client.New(client.WithICall(sbSrv.URL+"/platform/api/icall/5/task/", "demo-appid", "demo-signature"),
		client.WithV1(sbSrv.URL+"/platform/", "demo-token"))
	// The session cookie is good on each instance directly; a logout through
	// one ends it on both.
	pu, _ := url.Parse(proxy.URL)
	cookies := b.c.Jar.Cookies(pu)
	direct := func(in *instance) int {
		req, _ := http.NewRequest(http.MethodGet, in.url+"/tasks", nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for i, in := range ins {
		if code := direct(in); code != http.StatusOK {
			t.Errorf("the proxy's session on instance %d: %d, want 200", i, code)
		}
	}

	t.Run("pushes", func(t *testing.T) { twoInstancePushes(t, st, proxy.URL) })
	t.Run("sync-one-at-a-time", func(t *testing.T) { oneHolderPerJob(t, st, ins) })
	t.Run("every-page", func(t *testing.T) { everyPage(t, st, b, cl) })
	t.Run("import-survives-its-sender", func(t *testing.T) { importSurvivesItsSender(t, st, b, cl, ins) })

	if res, _ := b.post("/logout", "/tasks", url.Values{}, nil, ""); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	for i, in := range ins {
		if in.down.Load() {
			continue
		}
		if code := direct(in); code == http.StatusOK {
			t.Errorf("after logout, the old cookie still opens /tasks on instance %d", i)
		}
	}
}

// everyPage opens every page the router serves to GET (chi.Walk of the real
// route table, so a page added later is walked too) through the proxy,
// twice, and wants each served by both instances. The things a page is
// about are made first, as a user would make them: a scorecard, a plan and
// a rule; an upload of a few numbers; a bulk pause.
func everyPage(t *testing.T, st *store.Store, b *browser, cl *client.Client) {
	ctx := context.Background()
	card, err := st.CreateScorecard(ctx, "两实例评分表", qa.Scorecard{PassMark: 1,
		Criteria: []qa.Criterion{{Key: "a", Name: "礼貌", Kind: qa.KindPass, Points: 1}}}, "admin")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := st.SavePlan(ctx, store.Plan{Name: "两实例抽检", ScorecardID: card, Active: true,
		Rules: qa.Rules{Percent: 10}, Reviewers: []string{"admin"}}, "admin")
	if err != nil {
		t.Fatal(err)
	}
	rule, err := st.SaveRule(ctx, store.ExampleRules()[0], "admin")
	if err != nil {
		t.Fatal(err)
	}
	tpls, err := cl.QueryTemplates(ctx)
	if err != nil || len(tpls) == 0 {
		t.Fatalf("templates: %v", err)
	}
	// A task of the platform's and one of its calls, once synced.
	var taskID, call string
	waitFor(t, time.Minute, "a synced call", func() bool {
		err := st.DB().QueryRow(`SELECT task_id, call_id FROM calls WHERE call_id NOT LIKE 'twoinst%' ORDER BY call_id LIMIT 1`).Scan(&taskID, &call)
		return err == nil
	})
	imp := b.uploadNumbers(taskID, "手机号\n13900000001\n13900000002\n")
	_, page := b.get("/tasks/bulk?action=pause&id=" + taskID)
	m := formTokenInPage.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form_token on the bulk confirmation\n%.500s", page)
	}
	res, page := b.post("/tasks/bulk", "/tasks", url.Values{"action": {"pause"}, "id": {taskID}, "form_token": {m[1]}}, nil, "")
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("bulk pause: %d\n%.500s", res.StatusCode, page)
	}
	run := res.Header.Get("Location")

	params := strings.NewReplacer("/tasks/bulk/{run}", run, "/tasks/{id}/numbers/imports/{iid}", imp,
		"{id}", taskID, "{task}", taskID, "{call}", call, "{plan}", strconv.FormatInt(plan, 10),
		"{sc}", strconv.FormatInt(card, 10), "{rid}", strconv.FormatInt(rule, 10),
		"{templateid}", tpls[0].ID, "{n}", "1", "/*", "/app.js")
	// The query a page is opened with, where it needs one.
	query := map[string]string{"/tasks/bulk": "?action=resume&id=" + taskID, "/search": "?q=" + url.QueryEscape("您好"),
		"/tasks/{id}/calls/export-progress": "?t=twoinstances"}
	// What a GET answers where it is not the page itself.
	want := map[string]int{"/": http.StatusSeeOther, "/login": http.StatusSeeOther, "/qa": http.StatusSeeOther,
		"/favicon.ico": http.StatusMovedPermanently}
	// The route table of a Server with nothing in it: walked, never served.
	var paths []string
	err = chi.Walk((&handlers.Server{}).Routes().(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if method == http.MethodGet {
			paths = append(paths, strings.TrimSuffix(strings.ReplaceAll(route, "/*/", "/"), "/"))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(paths)
	paths = slices.Compact(paths)
	if len(paths) < 50 {
		t.Fatalf("the route walk found %d GET routes: %v", len(paths), paths)
	}
	for _, route := range paths {
		if route == "" {
			route = "/"
		}
		p := params.Replace(route) + query[route]
		if strings.ContainsAny(p, "{}*") {
			t.Errorf("GET %s: the walk does not know how to fill it", route)
			continue
		}
		code, ok := want[route]
		if !ok {
			code = http.StatusOK
		}
		served := map[string]bool{}
		for range 2 {
			res, body := b.get(p)
			if res.StatusCode != code {
				t.Errorf("GET %s through the proxy: %d, want %d\n%.300s", p, res.StatusCode, code, body)
			}
			served[res.Header.Get("X-Test-Instance")] = true
		}
		if len(served) != 2 {
			t.Errorf("GET %s was not served by both instances: %v", p, served)
		}
	}
	t.Logf("%d GET routes opened through the proxy, each on both instances", len(paths))
}

// twoInstancePushes: 2,000 pushes, 20 % of them repeats of another, spread
// over both instances by the proxy, 20 at a time: every one answered 200
// and each call stored once.
func twoInstancePushes(t *testing.T, st *store.Store, base string) {
	ctx := context.Background()
	tok, err := st.SharedSecret(ctx, "push.token", pushTokenBytes)
	if err != nil {
		t.Fatal(err)
	}
	seed, err := os.ReadFile("client/testdata/a_push.json")
	if err != nil {
		t.Fatal(err)
	}
	before, _ := st.CountCalls(ctx)
	const total, distinct = 2000, 1600
	ids := make([]int, 0, total)
	for i := range distinct {
		ids = append(ids, i)
	}
	for i := range total - distinct {
		ids = append(ids, i*4) // a repeat of an earlier call
	}
	var wg sync.WaitGroup
	next := atomic.Int64{}
	var failed atomic.Int64
	pushURL := fmt.Sprintf("%s/hooks/icall/%x?task=100017", base, tok)
	for range 20 {
		wg.Go(func() {
			for {
				k := int(next.Add(1)) - 1
				if k >= len(ids) {
					return
				}
				body := strings.ReplaceAll(string(seed), "soboticallbcf37279feb441ee99f33a9814d26b00", fmt.Sprintf("twoinst%06d", ids[k]))
				res, err := http.Post(pushURL, "application/json;charset=UTF-8", strings.NewReader(body))
				if err != nil || res.StatusCode != http.StatusOK {
					failed.Add(1)
				}
				if res != nil {
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
			}
		})
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Errorf("%d of %d pushes not answered 200", n, total)
	}
	var rows, distinctIDs int
	if err := st.DB().QueryRow(`SELECT COUNT(*), COUNT(DISTINCT call_id) FROM calls WHERE call_id LIKE 'twoinst%'`).Scan(&rows, &distinctIDs); err != nil {
		t.Fatal(err)
	}
	if rows != distinct || distinctIDs != distinct {
		t.Errorf("calls stored: %d rows, %d ids; want %d of each (%d before)", rows, distinctIDs, distinct, before)
	}
}

// holders reads who holds each job's lease now.
func holders(t *testing.T, st *store.Store) map[string]string {
	t.Helper()
	rows, err := st.DB().Query(`SELECT name, holder FROM job_leases WHERE expires_at > ?`, time.Now().UnixMilli())
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var n, h string
		if err := rows.Scan(&n, &h); err != nil {
			t.Fatal(err)
		}
		out[n] = h
	}
	return out
}

// instanceOf returns the index of the instance a lease holder names (its
// process id is part of the name), or -1.
func instanceOf(holder string, ins []*instance) int {
	for i, in := range ins {
		if strings.Contains(holder, "-"+strconv.Itoa(in.cmd.Process.Pid)+"-") {
			return i
		}
	}
	return -1
}

// oneHolderPerJob: over a few seconds of both instances running, every
// leased job (the platform and warehouse syncs among them) is held by one
// instance at a time, one of the two.
func oneHolderPerJob(t *testing.T, st *store.Store, ins []*instance) {
	seen := map[string]map[int]bool{}
	for range 20 {
		for job, h := range holders(t, st) {
			i := instanceOf(h, ins)
			if i < 0 {
				t.Fatalf("job %s held by %q, not one of the instances", job, h)
			}
			if seen[job] == nil {
				seen[job] = map[int]bool{}
			}
			seen[job][i] = true
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, job := range []string{jobs.CallSyncName} {
		if len(seen[job]) == 0 {
			t.Errorf("job %s was never held", job)
		}
	}
	// One row per job: the lease table's key. Both running at once would
	// need two rows or a holder that is not one instance.
	var rows, names int
	if err := st.DB().QueryRow(`SELECT COUNT(*), COUNT(DISTINCT name) FROM job_leases`).Scan(&rows, &names); err != nil || rows != names {
		t.Errorf("job_leases: %d rows for %d jobs (%v)", rows, names, err)
	}
}

// importSurvivesItsSender: an import of 20,000 numbers; the instance
// sending it is killed (SIGKILL) once some batches are sent; the other
// takes the sender's lease over and finishes, and the platform holds each
// number once.
func importSurvivesItsSender(t *testing.T, st *store.Store, b *browser, cl *client.Client, ins []*instance) {
	ctx := context.Background()
	tpls, err := cl.QueryTemplates(ctx)
	if err != nil || len(tpls) == 0 {
		t.Fatalf("templates: %v", err)
	}
	nums, _, err := cl.QueryNumbers(ctx)
	if err != nil || len(nums) == 0 {
		t.Fatalf("caller numbers: %v", err)
	}
	taskID, err := cl.AddTask(ctx, client.AddTaskRequest{
		TemplateID: tpls[0].ID, TaskName: "两实例导入", Telephones: []string{nums[0].Telephone.String()}, RobotNum: 1,
		TimeType: client.TimeTypePermanent, CallTimeSlots: []string{"00:00-23:59"},
	})
	if err != nil {
		t.Fatal(err)
	}
	const n = 20000
	var csv strings.Builder
	csv.WriteString("手机号\n")
	for i := range n {
		fmt.Fprintf(&csv, "139%08d\n", i)
	}
	loc := b.uploadNumbers(taskID, csv.String())
	iid, err := strconv.ParseInt(loc[strings.LastIndex(loc, "/")+1:], 10, 64)
	if err != nil {
		t.Fatalf("upload went to %q", loc)
	}
	waitFor(t, 2*time.Minute, "the preview", func() bool {
		im, err := st.Import(ctx, iid)
		return err == nil && im.State == store.ImportPreview
	})
	if res, page := b.post(loc+"/confirm", loc, url.Values{}, nil, ""); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: %d\n%.500s", res.StatusCode, page)
	}
	// Kill the sender once it is under way.
	var victim int
	waitFor(t, 2*time.Minute, "the first batches sent", func() bool {
		im, err := st.Import(ctx, iid)
		victim = instanceOf(holders(t, st)[jobs.ImportSenderName], ins)
		return err == nil && im.BatchesSent >= 2 && victim >= 0
	})
	ins[victim].down.Store(true)
	ins[victim].cmd.Process.Kill()
	<-ins[victim].done
	killed := time.Now()
	im, _ := st.Import(ctx, iid)
	t.Logf("killed instance %d with %d of %d batches sent", victim, im.BatchesSent, im.Batches)
	waitFor(t, 2*time.Minute, "the other instance to take the sender over", func() bool {
		return instanceOf(holders(t, st)[jobs.ImportSenderName], ins) == 1-victim
	})
	takeover := time.Since(killed)
	t.Logf("import sender taken over %.1f s after the kill", takeover.Seconds())
	if takeover > 30*time.Second {
		t.Errorf("the import sender was taken over %.1f s after its holder died, want within 30 s", takeover.Seconds())
	}
	waitFor(t, 3*time.Minute, "the import done", func() bool {
		im, err := st.Import(ctx, iid)
		return err == nil && im.State == store.ImportDone
	})
	var got []string
	for p := 1; ; p++ {
		pg, err := cl.TaskNumbers(ctx, client.NumberQuery{TaskID: taskID, Page: p})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range pg.Numbers {
			got = append(got, x.Number.String())
		}
		if p >= pg.LastPage {
			break
		}
	}
	slices.Sort(got)
	dups := 0
	for i := 1; i < len(got); i++ {
		if got[i] == got[i-1] {
			dups++
		}
	}
	if len(slices.Compact(slices.Clone(got))) != n || dups != 0 {
		t.Errorf("the platform holds %d numbers (%d repeated), want each of the %d once", len(got), dups, n)
	}
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// uploadNumbers uploads csv as a task's number list, as its page's form
// does, and returns where the upload went (the import's page).
func (b *browser) uploadNumbers(taskID, csv string) string {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf_token", b.csrf("/tasks"))
	fw, _ := mw.CreateFormFile("file", "numbers.csv")
	io.WriteString(fw, csv)
	mw.Close()
	res, page := b.post("/tasks/"+taskID+"/numbers", "", nil, &body, mw.FormDataContentType())
	if res.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("upload: %d\n%.500s", res.StatusCode, page)
	}
	return res.Header.Get("Location")
}
