package handlers_test

import (
	"bufio"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"dialdesk/client"
	"dialdesk/handlers"
	"dialdesk/internal/testapp"
	"dialdesk/metrics"
	"dialdesk/sandbox"
	"dialdesk/store"
)

// metricsApp is a testapp whose handlers and client count into a new
// *metrics.Metrics, served by a test server of its own (as main serves it on
// DIALDESK_METRICS_ADDR).
func metricsApp(t *testing.T, configure func(*handlers.Config)) (*testapp.App, *metrics.Metrics, string) {
	t.Helper()
	m := metrics.New(nil)
	app := testapp.New(t, testapp.Options{
		ClientOptions: []client.Option{client.WithObserver(m.Upstream)},
		Configure: func(c *handlers.Config) {
			c.Metrics = m
			if configure != nil {
				configure(c)
			}
		},
	})
	srv := httptest.NewServer(m.Handler())
	t.Cleanup(srv.Close)
	return app, m, srv.URL
}

// scrape reads the metrics as Prometheus would, and returns each sample's
// value by its line's name and labels, e.g.
// `dialdesk_pushes_total{outcome="stored"}`.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("metrics content type %q", ct)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// TestMetricsCount scrapes the metrics listener before and after traffic:
// requests by route pattern and status, the platform's calls by endpoint
// and ret_code, each push outcome, import rows and a failed batch, the
// jobs' leases, Go's runtime. The public listener has no /metrics.
func TestMetricsCount(t *testing.T) {
	app, _, murl := metricsApp(t, func(c *handlers.Config) { c.ImportBatchSize = 2 })
	before := scrape(t, murl)
	if _, ok := before["go_goroutines"]; !ok {
		t.Error("no Go runtime metrics (go_goroutines)")
	}
	if v, ok := before[`dialdesk_pushes_total{outcome="stored"}`]; !ok || v != 0 {
		t.Errorf("pushes stored before any push = %v (present %v), want 0 present", v, ok)
	}
	c := app.Login(t, store.RoleManager)
	app.Get(t, c, "/tasks")
	app.Get(t, c, "/tasks/no-such-task-9/calls")
	app.Get(t, c, "/no/such/page")
	if res, _ := app.Get(t, app.NewClient(), "/metrics"); res.StatusCode != http.StatusNotFound {
		t.Errorf("public GET /metrics = %d, want 404", res.StatusCode)
	}

	body := seedPush(t)
	for range 2 { // stored, then the same call id again
		if res := postPush(t, app, "/hooks/icall/test-push-token?task=100017", body); res.StatusCode != 200 {
			t.Fatalf("push: %d", res.StatusCode)
		}
	}
	postPush(t, app, "/hooks/icall/wrong-token", body)
	postPush(t, app, "/hooks/icall/test-push-token", "not json")
	// Another task's call id: refused, kept as a dead letter.
	postPush(t, app, "/hooks/icall/test-push-token?task=100018", body)

	// An import of 5 numbers in batches of 2, all sent; then one whose
	// every add_task_data fails.
	taskID := numbersTask(t, app)
	path, _, _ := previewImport(t, app, taskID, 5)
	app.PostForm(t, c, path+"/confirm", url.Values{})
	app.Server.WaitImports()
	path2, _, _ := previewImport(t, app, numbersTask(t, app), 1)
	app.Sandbox.SetFaults(sandbox.Faults{FailRate: 1, Kinds: []sandbox.FaultKind{sandbox.Fault502}, Endpoints: []string{"add_task_data"}})
	app.PostForm(t, c, path2+"/confirm", url.Values{})
	app.Server.WaitImports()
	app.Sandbox.SetFaults(sandbox.Faults{})

	after := scrape(t, murl)
	for key, want := range map[string]float64{
		`dialdesk_http_requests_total{method="GET",route="/tasks",status="200"}`:                1,
		`dialdesk_http_requests_total{method="GET",route="/tasks/{id}/*",status="404"}`:         1, // loadTask answers before the subroute
		`dialdesk_http_requests_total{method="GET",route="unmatched",status="404"}`:             1,
		`dialdesk_http_requests_total{method="POST",route="/hooks/icall/{token}",status="200"}`: 2,
		`dialdesk_http_requests_total{method="POST",route="/hooks/icall/{token}",status="404"}`: 1,
		`dialdesk_http_request_duration_seconds_count{method="GET",route="/tasks"}`:             1,
		`dialdesk_pushes_total{outcome="received"}`:                                             4,
		`dialdesk_pushes_total{outcome="stored"}`:                                               1,
		`dialdesk_pushes_total{outcome="duplicate"}`:                                            1,
		`dialdesk_pushes_total{outcome="deadletter"}`:                                           2,
		`dialdesk_pushes_total{outcome="refused"}`:                                              1,
		`dialdesk_import_rows_total{result="sent"}`:                                             5,
		`dialdesk_import_batches_failed_total`:                                                  1,
		`dialdesk_upstream_requests_total{endpoint="add_task",ret_code="000000"}`:               1,
		`dialdesk_upstream_requests_total{endpoint="add_task_data",ret_code="unavailable"}`:     1,
		`dialdesk_upstream_request_duration_seconds_count{endpoint="add_task"}`:                 1,
		`dialdesk_upstream_requests_total{endpoint="query_task",ret_code="000000"}`:             1,
		`dialdesk_http_requests_total{method="POST",route="/tasks/{id}/numbers",status="303"}`:  2,
	} {
		got := after[key] - before[key]
		if strings.HasPrefix(key, "dialdesk_http_request") || strings.HasPrefix(key, "dialdesk_upstream") {
			// Logins land on /tasks, the task refresher reads query_task,
			// an unsure batch is sent twice: at least these.
			if got < want {
				t.Errorf("%s moved by %v, want at least %v", key, got, want)
			}
			continue
		}
		if got != want {
			t.Errorf("%s moved by %v, want %v", key, got, want)
		}
	}
	for k := range after {
		if strings.Contains(k, "test-push-token") || strings.Contains(k, "no-such-task") || strings.Contains(k, "/no/such") {
			t.Errorf("a path became a label: %s", k)
		}
	}
	// The jobs claim their leases at start (in the store: this is the one
	// instance).
	deadline := time.Now().Add(10 * time.Second)
	for scrape(t, murl)[`dialdesk_job_lease_held{job="import-sender"}`] != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("no lease held reported; metrics:\n%v", leaseLines(scrape(t, murl)))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func leaseLines(m map[string]float64) []string {
	var out []string
	for k := range m {
		if strings.HasPrefix(k, "dialdesk_job_lease_held") {
			out = append(out, k)
		}
	}
	return out
}

// jsonLines returns the JSON log lines whose msg is msg.
func jsonLines(t *testing.T, logs *syncBuffer, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(logs.String(), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", l)
		}
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// TestRequestLogLine: with a JSON logger, every request is one "request"
// line with its route, status, duration, user and request id; the id is the
// response's X-Request-Id and is on the error page, in both languages. The
// push hook's line names the call, never the token.
func TestRequestLogLine(t *testing.T) {
	var buf syncBuffer
	app := testapp.New(t, testapp.Options{Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
	c := app.Login(t, store.RoleManager)
	res, _ := app.Get(t, c, "/tasks")
	id := res.Header.Get("X-Request-Id")
	if len(id) != 16 {
		t.Fatalf("X-Request-Id = %q", id)
	}
	var line map[string]any
	for _, l := range jsonLines(t, &buf, "request") {
		if l["request_id"] == id {
			if line != nil {
				t.Fatalf("request %s logged twice", id)
			}
			line = l
		}
	}
	if line == nil {
		t.Fatalf("no log line with request_id %s", id)
	}
	if line["route"] != "/tasks" || line["method"] != "GET" || line["status"] != float64(200) ||
		line["user"] != app.Users[store.RoleManager] || line["level"] != "INFO" {
		t.Errorf("log line = %v", line)
	}
	if d, ok := line["duration_ms"].(float64); !ok || d < 0 {
		t.Errorf("duration_ms = %v", line["duration_ms"])
	}

	for lang, label := range map[string]string{"zh": "请求编号：", "en": "Request ID: "} {
		res, body := app.Get(t, c, "/tasks/no-such-task-9?lang="+lang)
		id := res.Header.Get("X-Request-Id")
		if res.StatusCode != http.StatusNotFound || id == "" {
			t.Fatalf("%s: %d, id %q", lang, res.StatusCode, id)
		}
		if got := doc(t, body).Find(`[data-testid="request-id"]`).Text(); got != label+id {
			t.Errorf("%s: error page shows %q, want %q", lang, got, label+id)
		}
	}

	res = postPush(t, app, "/hooks/icall/test-push-token?task=100017", seedPush(t))
	pid := res.Header.Get("X-Request-Id")
	for _, l := range jsonLines(t, &buf, "request") {
		if l["request_id"] != pid {
			continue
		}
		if l["route"] != "/hooks/icall/{token}" || l["path"] != "/hooks/icall/{token}" ||
			l["callid"] != "soboticallbcf37279feb441ee99f33a9814d26b00" || l["new"] != true {
			t.Errorf("push log line = %v", l)
		}
	}
	if strings.Contains(buf.String(), "test-push-token") {
		t.Error("the push token is in the log")
	}
}

// TestRequestIDFromTrustedProxy: behind a trusted proxy, the proxy's
// X-Request-Id is kept (its log and ours share it); otherwise, or when it
// is not id-shaped, dialdesk makes its own.
func TestRequestIDFromTrustedProxy(t *testing.T) {
	for _, trust := range []bool{true, false} {
		app := testapp.New(t, testapp.Options{Configure: func(c *handlers.Config) { c.TrustProxy = trust }})
		for sent, keep := range map[string]bool{"0af7651916cd43dd": trust, "bad id; spaces": false} {
			res, _ := app.Do(t, app.NewClient(), http.MethodGet, "/healthz", nil, http.Header{"X-Request-Id": {sent}})
			if got := res.Header.Get("X-Request-Id"); (got == sent) != keep || got == "" {
				t.Errorf("trust %v, sent %q: answered %q", trust, sent, got)
			}
		}
	}
}

// TestReadyz: /readyz is public and says each part's state; it fails, with
// 503 and the part named, when the schema lacks a migration and when the
// database does not answer. /healthz stays 200 meanwhile.
func TestReadyz(t *testing.T) {
	app := testapp.New(t, testapp.Options{NoSeedData: true})
	anon := app.NewClient()
	res, body := app.Get(t, anon, "/readyz")
	if res.StatusCode != http.StatusOK || body != "database: ok\nschema: ok\n" {
		t.Fatalf("readyz = %d %q", res.StatusCode, body)
	}
	res, body = app.Do(t, anon, http.MethodGet, "/readyz", nil, http.Header{"Accept": {"application/json"}})
	var js struct {
		Status string
		Checks map[string]string
	}
	if err := json.Unmarshal([]byte(body), &js); err != nil || res.StatusCode != 200 || js.Status != "ok" || js.Checks["database"] != "ok" {
		t.Fatalf("readyz json = %d %q", res.StatusCode, body)
	}

	db := app.Store.DB()
	var top int
	if err := db.QueryRow(`SELECT MAX(version) FROM schema_migrations`).Scan(&top); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DELETE FROM schema_migrations WHERE version = ?`, top); err != nil {
		t.Fatal(err)
	}
	res, body = app.Get(t, anon, "/readyz?format=json")
	if err := json.Unmarshal([]byte(body), &js); err != nil || res.StatusCode != http.StatusServiceUnavailable ||
		js.Status != "failing" || js.Checks["database"] != "ok" || !strings.HasPrefix(js.Checks["schema"], "migrations not applied") {
		t.Errorf("schema behind: readyz = %d %q", res.StatusCode, body)
	}

	app.Store.Close()
	res, body = app.Get(t, anon, "/readyz")
	if res.StatusCode != http.StatusServiceUnavailable || !strings.HasPrefix(body, "database: not answering\n") {
		t.Errorf("database closed: readyz = %d %q", res.StatusCode, body)
	}
	if res, _ := app.Get(t, anon, "/healthz"); res.StatusCode != http.StatusOK {
		t.Errorf("healthz = %d while the database is down, want 200", res.StatusCode)
	}
}
