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
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestConfigPrecedence(t *testing.T) {
	c := defaultConfig()
	err := c.load([]string{"-addr", "127.0.0.1:9999"}, env(map[string]string{
		"DIALDESK_ADDR":            "127.0.0.1:7777",
		"DIALDESK_TZ":              "UTC",
		"DIALDESK_RECORDING_HOSTS": "a.example, b.example:8443",
		"DIALDESK_ICALL_URL":       "https://icall.example/api/icall/5/task/",
		"DIALDESK_ICALL_APPID":     "id",
		"DIALDESK_ICALL_SIGNATURE": "sig",
		"DIALDESK_RECORDINGS_URL":  "https://rec.example/files",
		"DIALDESK_PUBLIC_URL":      "https://dialdesk.example",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9999" {
		t.Errorf("flag should win over env: %q", c.Addr)
	}
	if c.TZ != "UTC" || c.DataDir != "./data" || c.Demo() {
		t.Errorf("env/defaults wrong: %+v", c)
	}
	want := "a.example b.example:8443 icall.example rec.example"
	if got := strings.Join(c.recordingHostsL, " "); got != want {
		t.Errorf("recording hosts = %q, want %q", got, want)
	}
}

func TestConfigValidate(t *testing.T) {
	for name, e := range map[string]map[string]string{
		"bad zone":            {"DIALDESK_TZ": "Mars/Base"},
		"icall without creds": {"DIALDESK_ICALL_URL": "https://x.example/api/icall/5/task/"},
		"not a url":           {"DIALDESK_PUBLIC_URL": "ftp://x"},
		"admin half":          {"DIALDESK_ADMIN_USER": "ann"},
		"v1 without token":    {"DIALDESK_V1_URL": "https://x.example/"},
	} {
		c := defaultConfig()
		if err := c.load(nil, env(e), io.Discard); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestRunDemo starts dialdesk in demo mode, checks /healthz and the login
// page, then stops it with the context (as SIGTERM does).
func TestRunDemo(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", addr, "-data-dir", dir}, env(map[string]string{}))
	}()
	// Up to 30 s: the demo admin's bcrypt hash alone takes seconds under
	// -race on a loaded machine.
	var res *http.Response
	for i := 0; i < 600; i++ {
		if res, err = http.Get("http://" + addr + "/healthz"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(body) != "ok" {
		t.Errorf("healthz = %q", body)
	}
	res, err = http.Get("http://" + addr + "/login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if !bytes.Contains(body, []byte(`data-testid="demo-banner"`)) {
		t.Error("demo banner missing")
	}
	// Every file of the data dir is its owner's only.
	for _, f := range []string{"dialdesk.db", "dialdesk.db-wal", "session.key", "push.token", "demo.seed"} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("data dir: %v", err)
		} else if fi.Mode().Perm() != 0o600 {
			t.Errorf("data dir: %s has mode %v, want 0600", f, fi.Mode().Perm())
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-time.After(25 * time.Second):
		t.Fatal("no graceful shutdown")
	}
	// A restart keeps the session key.
	k1, _ := os.ReadFile(filepath.Join(dir, "session.key"))
	if _, err := loadOrCreateSecret(dir, "session.key", 96); err != nil {
		t.Fatal(err)
	}
	k2, _ := os.ReadFile(filepath.Join(dir, "session.key"))
	if !bytes.Equal(k1, k2) {
		t.Error("session key changed")
	}
}
