package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dialdesk/store"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestRunOperators runs the real program in demo mode with a metrics
// listener and JSON logs: /metrics answers there (and not on the public
// address) with the requests counted by route; /readyz says the database is
// fine; `dialdesk backup` copies the live database, and the copy opens with
// its users.
func TestRunOperators(t *testing.T) {
	addr, maddr := freeAddr(t), freeAddr(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", addr, "-data-dir", dir, "-metrics-addr", maddr, "-log-format", "json"}, env(map[string]string{}))
	}()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(25 * time.Second):
			t.Error("no graceful shutdown")
		}
	}()
	var err error
	for range 600 { // the demo admin's bcrypt hash takes seconds under -race
		var res *http.Response
		if res, err = http.Get("http://" + addr + "/healthz"); err == nil {
			res.Body.Close()
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, "http://"+addr+"/readyz"); code != 200 || body != "database: ok\nschema: ok\n" {
		t.Errorf("readyz = %d %q", code, body)
	}
	if code, _ := get(t, "http://"+addr+"/metrics"); code != http.StatusNotFound {
		t.Errorf("public /metrics = %d, want 404", code)
	}
	code, body := get(t, "http://"+maddr+"/metrics")
	if code != 200 || !strings.Contains(body, `dialdesk_http_requests_total{method="GET",route="/healthz",status="200"}`) ||
		!strings.Contains(body, "go_goroutines") {
		t.Errorf("metrics = %d, without the /healthz requests or Go's own:\n%.2000s", code, body)
	}

	var out bytes.Buffer
	target := filepath.Join(t.TempDir(), "copy.db")
	if err := runBackup(ctx, []string{"-data-dir", dir, target}, env(nil), &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "written to "+target) {
		t.Errorf("backup said %q", out.String())
	}
	b, err := store.Open(target)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if n, err := b.CountUsers(ctx); err != nil || n != 1 {
		t.Errorf("the copy has %d users (%v), want the demo's admin", n, err)
	}
	if err := runBackup(ctx, []string{"-data-dir", dir, target}, env(nil), io.Discard); err == nil {
		t.Error("a backup over an existing file succeeded")
	}
	// On PostgreSQL the command says to use pg_dump, and writes nothing.
	pgTarget := filepath.Join(t.TempDir(), "pg.db")
	err = runBackup(ctx, []string{pgTarget}, env(map[string]string{"DIALDESK_DATABASE_URL": "postgres://db.example/dialdesk"}), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "pg_dump") {
		t.Errorf("backup with a PostgreSQL database: %v, want a pointer to pg_dump", err)
	}
	if _, err := os.Stat(pgTarget); err == nil {
		t.Error("backup with a PostgreSQL database wrote a file")
	}
}

func TestConfigLogFormatAndMetricsAddr(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		args []string
		ok   bool
	}{
		{map[string]string{"DIALDESK_LOG_FORMAT": "json"}, nil, true},
		{nil, []string{"-log-format", "text"}, true},
		{map[string]string{"DIALDESK_LOG_FORMAT": "xml"}, nil, false},
		{map[string]string{"DIALDESK_METRICS_ADDR": "127.0.0.1:9100"}, nil, true},
		{nil, []string{"-metrics-addr", "127.0.0.1:8080"}, false}, // the public address
	} {
		c := defaultConfig()
		err := c.load(tc.args, env(tc.env), io.Discard)
		if (err == nil) != tc.ok {
			t.Errorf("%v %v: err %v, want ok %v", tc.env, tc.args, err, tc.ok)
		}
	}
}
