package main

// The deploy/ examples of the README's "Running in production" are run
// here, not only shown: the systemd unit is checked by systemd-analyze and
// its flags and the example settings by dialdesk's own configuration, and
// the nginx configuration serves a real dialdesk over TLS in a real nginx.

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// envFile reads a systemd EnvironmentFile: KEY=VALUE lines, # comments.
func envFile(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: %q is not KEY=VALUE", path, line)
		}
		out[k] = v
	}
	return out
}

// unitValue returns the value of key in a unit file ("" when absent).
func unitValue(unit, key string) string {
	for _, line := range strings.Split(unit, "\n") {
		if v, ok := strings.CutPrefix(line, key+"="); ok {
			return v
		}
	}
	return ""
}

// TestDeploySystemdUnit: deploy/dialdesk.service's ExecStart flags with
// deploy/dialdesk.env's settings are a configuration dialdesk accepts
// (behind a proxy, JSON logs, metrics apart from the public address), its
// stop timeout covers dialdesk's graceful stop, and systemd-analyze verify
// finds nothing wrong in it (with the binary's path pointed at one that
// exists here).
func TestDeploySystemdUnit(t *testing.T) {
	b, err := os.ReadFile("deploy/dialdesk.service")
	if err != nil {
		t.Fatal(err)
	}
	unit := string(b)
	if got := unitValue(unit, "EnvironmentFile"); got != "/etc/dialdesk/dialdesk.env" {
		t.Errorf("EnvironmentFile = %q", got)
	}
	args := strings.Fields(unitValue(unit, "ExecStart"))
	if len(args) == 0 || args[0] != "/usr/local/bin/dialdesk" {
		t.Fatalf("ExecStart = %v", args)
	}
	vars := envFile(t, "deploy/dialdesk.env")
	c := defaultConfig()
	if err := c.load(args[1:], func(k string) string { return vars[k] }, io.Discard); err != nil {
		t.Fatalf("the unit's flags with the example settings: %v", err)
	}
	if !c.TrustProxy || c.LogFormat != "json" || c.MetricsAddr == "" || c.MetricsAddr == c.Addr ||
		c.DataDir != "/var/lib/dialdesk" || c.Demo() {
		t.Errorf("configuration = %+v", c)
	}
	if unitValue(unit, "StateDirectory") != "dialdesk" || unitValue(unit, "User") != "dialdesk" {
		t.Error("the data dir is not the service user's state directory")
	}
	// serve's shutdown (20 s) then StopJobs (20 s) must fit before SIGKILL.
	stop, err := strconv.Atoi(strings.TrimSuffix(unitValue(unit, "TimeoutStopSec"), "s"))
	if err != nil || stop <= 40 {
		t.Errorf("TimeoutStopSec = %q: want more than 40 s", unitValue(unit, "TimeoutStopSec"))
	}

	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed: the unit's syntax is not verified")
	}
	tr, err := exec.LookPath("true")
	if err != nil {
		t.Skip("no true(1) to stand for the binary")
	}
	dir := t.TempDir()
	checked := filepath.Join(dir, "dialdesk.service")
	if err := os.WriteFile(checked, []byte(strings.Replace(unit, "ExecStart=/usr/local/bin/dialdesk", "ExecStart="+tr, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(sa, "verify", "--man=no", "--recursive-errors=no", checked).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// findNginx is the nginx binary: DIALDESK_NGINX, the one `make deps`
// unpacks into .cache/nginx (no service installed or started), or one on
// the PATH.
func findNginx() string {
	for _, p := range []string{os.Getenv("DIALDESK_NGINX"), ".cache/nginx/root/usr/sbin/nginx"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				abs, _ := filepath.Abs(p)
				return abs
			}
		}
	}
	for _, p := range []string{"nginx", "/usr/sbin/nginx"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	return ""
}

// selfSigned writes a certificate for 127.0.0.1 and its key into dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile
}

// replaceOnce replaces old, which must occur exactly once in s.
func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	if n := strings.Count(s, old); n != 1 {
		t.Fatalf("deploy/nginx.conf: %q occurs %d times, want once (the test follows the file's shape)", old, n)
	}
	return strings.Replace(s, old, new, 1)
}

// TestDeployNginx runs deploy/nginx.conf in nginx in front of the real
// dialdesk started with DIALDESK_TRUST_PROXY=1, over TLS (a certificate
// made here; only the addresses and certificate paths are changed): plain
// http is sent to https; over https dialdesk sends HSTS and Secure cookies
// (it believed X-Forwarded-Proto), keeps nginx's request id, and a login
// passes its CSRF origin check; a 5.5 MB body reaches dialdesk while a
// 7 MB one is refused by nginx.
func TestDeployNginx(t *testing.T) {
	nginx := findNginx()
	if nginx == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("nginx not found (make deps unpacks it into .cache/nginx)")
		}
		t.Skip("nginx not found: make deps unpacks it into .cache/nginx")
	}
	conf, err := os.ReadFile("deploy/nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	addr, httpAddr, httpsAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	site := string(conf)
	site = replaceOnce(t, site, "server 127.0.0.1:8080;", "server "+addr+";")
	site = replaceOnce(t, site, "listen 80;", "listen "+httpAddr+";")
	site = replaceOnce(t, site, "listen 443 ssl http2;", "listen "+httpsAddr+" ssl http2;")
	site = replaceOnce(t, site, "/etc/ssl/dialdesk/fullchain.pem", cert)
	site = replaceOnce(t, site, "/etc/ssl/dialdesk/privkey.pem", key)
	sitePath := filepath.Join(dir, "dialdesk.conf")
	os.WriteFile(sitePath, []byte(site), 0o600)
	// nginx's own main file, as /etc/nginx/nginx.conf would include the site.
	main := `daemon off; master_process off; pid ` + dir + `/nginx.pid; error_log ` + dir + `/error.log;
events { worker_connections 256; }
http {
	access_log ` + dir + `/access.log;
	client_body_temp_path ` + dir + `/body; proxy_temp_path ` + dir + `/proxy;
	fastcgi_temp_path ` + dir + `/fcgi; uwsgi_temp_path ` + dir + `/uwsgi; scgi_temp_path ` + dir + `/scgi;
	include ` + sitePath + `;
}
`
	mainPath := filepath.Join(dir, "nginx.conf")
	os.WriteFile(mainPath, []byte(main), 0o600)
	if out, err := exec.Command(nginx, "-t", "-p", dir, "-e", dir+"/error.log", "-c", mainPath).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", addr, "-data-dir", filepath.Join(dir, "data")}, env(map[string]string{
			"DIALDESK_TRUST_PROXY": "1", "DIALDESK_ADMIN_USER": "alice", "DIALDESK_ADMIN_PASSWORD": "a long passphrase 7"}))
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
	cmd := exec.Command(nginx, "-p", dir, "-e", dir+"/error.log", "-c", mainPath)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()

	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	base := "https://" + httpsAddr
	var res *http.Response
	for range 600 { // dialdesk's start (bcrypt under -race) and nginx's
		if res, err = hc.Get(base + "/healthz"); err == nil && res.StatusCode == http.StatusOK {
			res.Body.Close()
			break
		}
		if err == nil {
			res.Body.Close()
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil || res.StatusCode != http.StatusOK {
		log, _ := os.ReadFile(dir + "/error.log")
		t.Fatalf("https /healthz through nginx: %v %v\n%s", err, res, log)
	}

	res, err = hc.Get("http://" + httpAddr + "/login")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusMovedPermanently || !strings.HasPrefix(loc, "https://") {
		t.Errorf("plain http: %d → %q, want 301 to https", res.StatusCode, loc)
	}

	res, err = hc.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS over https: dialdesk did not believe X-Forwarded-Proto")
	}
	if id := res.Header.Get("X-Request-Id"); !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(id) {
		t.Errorf("X-Request-Id %q: not nginx's $request_id", id)
	}
	for _, c := range res.Cookies() {
		if !c.Secure {
			t.Errorf("cookie %s not Secure over https", c.Name)
		}
	}
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatal("no CSRF token on the login page")
	}
	form := url.Values{"csrf_token": {string(m[1])}, "username": {"alice"}, "password": {"a long passphrase 7"}}
	req, _ := http.NewRequest(http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	res, err = hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login through nginx: %d, want 303", res.StatusCode)
	}
	res, err = hc.Get(base + "/account")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("a page after login through nginx: %d", res.StatusCode)
	}

	// Bodies: up to the upload limit they reach dialdesk (its answer
	// carries its CSP header), beyond it nginx refuses them.
	for _, tc := range []struct {
		size       int
		byDialdesk bool
	}{{5<<20 + 512<<10, true}, {7 << 20, false}} {
		req, _ := http.NewRequest(http.MethodPost, base+"/login", strings.NewReader(strings.Repeat("a", tc.size)))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", base)
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got := res.Header.Get("Content-Security-Policy") != ""; got != tc.byDialdesk {
			t.Errorf("%d bytes: answered %d by dialdesk %v, want %v", tc.size, res.StatusCode, got, tc.byDialdesk)
		}
		if !tc.byDialdesk && res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("%d bytes: nginx answered %d, want 413", tc.size, res.StatusCode)
		}
	}
}
