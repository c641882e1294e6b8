package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// Browser is a headless chromium tab for one test.
type Browser struct {
	Ctx context.Context
	t   *testing.T

	mu      sync.Mutex
	console []chromedp.ConsoleMessage
}

// chromiumPath finds the browser: $CHROMIUM, /usr/bin/chromium, or on PATH.
func chromiumPath() string {
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// NewBrowser starts chromium with a fresh profile. Without chromium the test
// is skipped, or fails when CI=true. On failure a screenshot of the page is
// saved under the test's temp dir (or $E2E_SCREENSHOT_DIR) and its path logged.
func NewBrowser(t *testing.T) *Browser {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed (CI=true): run `make deps`")
		}
		t.Skip("chromium not installed; `make deps` installs it")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start chromium: %v", err)
	}
	b := &Browser{Ctx: ctx, t: t}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.console = append(b.console, m)
			b.mu.Unlock()
		}
	}()
	t.Cleanup(func() { // runs before the browser is closed (cleanups are LIFO)
		if t.Failed() {
			b.Screenshot("failure")
		}
	})
	return b
}

// Screenshot saves a full-page PNG and logs its path.
func (b *Browser) Screenshot(name string) string {
	dir := os.Getenv("E2E_SCREENSHOT_DIR")
	if dir == "" {
		dir = b.t.TempDir()
	}
	ctx, cancel := context.WithTimeout(b.Ctx, 10*time.Second)
	defer cancel()
	shot := chromedp.FullScreenshot(100)
	if os.Getenv("E2E_VIEWPORT_SHOTS") != "" {
		shot = chromedp.CaptureScreenshot()
	}
	buf, err := chromedp.Run(ctx, shot)
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	path := filepath.Join(dir, b.t.Name()+"-"+name+".png")
	path = strings.ReplaceAll(path, "/"+b.t.Name(), "/"+strings.ReplaceAll(b.t.Name(), "/", "_"))
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	b.t.Logf("screenshot: %s", path)
	return path
}

// Do runs steps with a timeout, failing the test on error.
func (b *Browser) Do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// Text returns the text of the first element matching css.
func (b *Browser) Text(css string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 20*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", css, err)
	}
	return s
}

// Login logs in through the real login form as the user of role.
func (b *Browser) Login(app *testapp.App, role store.Role) {
	b.t.Helper()
	b.Do(
		chromedp.Navigate(app.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=username]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), app.Users[role]),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), app.Passwords[role]),
		chromedp.Click(chromedp.CSS(`[data-testid=login-form] button[type=submit]`)),
	)
	// A separate step: the wait must look at the page the click loads.
	b.Do(chromedp.WaitVisible(chromedp.CSS(`[data-testid=whoami]`)))
}

// ConsoleProblems returns the console errors, warnings and exceptions so far.
func (b *Browser) ConsoleProblems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, m := range b.console {
		if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException || m.Type == chromedp.ConsoleWarning {
			out = append(out, m.String()+" @ "+m.URL)
		}
	}
	return out
}
