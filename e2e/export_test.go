package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"dialdesk/client"
	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// slowPages delays each page of call records after the first, as a distant
// platform does, so an export takes a while.
type slowPages struct{ d time.Duration }

func (s slowPages) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/v1/task/query_done_task_phones") {
		time.Sleep(s.d)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestExportStreamsWithProgress: clicking export starts the download at
// once (the export streams) and the count of rows written keeps showing
// while the rest of the pages come; it goes away when the export is done,
// and the downloaded file holds every call.
func TestExportStreamsWithProgress(t *testing.T) {
	app := testapp.New(t, testapp.Options{ClientOptions: []client.Option{
		client.WithHTTPClient(&http.Client{Transport: slowPages{400 * time.Millisecond}, Timeout: 10 * time.Second})}})
	app.RememberSandboxTasks(t)
	var task string
	var total int
	for _, id := range app.Sandbox.TaskIDs() {
		p, err := app.Client.QueryDoneTaskPhones(t.Context(), client.RecordQuery{TaskID: id})
		if err == nil && p.LastPage >= 4 {
			task, total = id, p.Total
			break
		}
	}
	if task == "" {
		t.Fatal("no seeded task with four pages of calls")
	}
	dir := t.TempDir()
	b := NewBrowser(t)
	b.Login(app, store.RoleSupervisor)
	b.Do(chromedp.Navigate(app.URL+"/tasks/"+task+"/calls"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=export]`)),
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir})
			return err
		}),
		chromedp.Click(chromedp.CSS(`[data-testid=export]`)))

	type state struct {
		Cookie bool   // the export's answer has started (export_done set)
		Hidden bool   // the progress note
		Text   string // what it says
	}
	const js = `JSON.stringify({Cookie: document.cookie.indexOf("export_done=") >= 0,
		Hidden: document.querySelector("[data-export-progress]").hidden,
		Text: document.querySelector("[data-export-progress]").textContent})`
	var countWhileStreaming string
	deadline := time.Now().Add(20 * time.Second)
	for {
		var s state
		if err := json.Unmarshal([]byte(eval[string](t, b, js)), &s); err != nil {
			t.Fatal(err)
		}
		if s.Cookie && !s.Hidden && strings.Contains(s.Text, "已写入") && countWhileStreaming == "" {
			countWhileStreaming = s.Text
		}
		if s.Cookie && s.Hidden {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the export did not end: %+v", s)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if countWhileStreaming == "" {
		t.Error("no count of rows was shown once the download had started")
	}
	t.Logf("while streaming: %s", countWhileStreaming)

	var file string
	waitFor(t, b, "the downloaded file", func() bool {
		m, _ := filepath.Glob(filepath.Join(dir, "*.xlsx"))
		if len(m) == 1 {
			file = m[0]
		}
		return file != ""
	})
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatalf("the downloaded %s does not open: %v", filepath.Base(file), err)
	}
	defer f.Close()
	rows, _ := f.GetRows(f.GetSheetName(0))
	if len(rows) != total+1 {
		t.Errorf("the download has %d rows, want %d calls + header", len(rows), total)
	}
	t.Logf("downloaded %s: %d rows", filepath.Base(file), len(rows))
	if p := b.ConsoleProblems(); len(p) > 0 {
		t.Errorf("browser console:\n%v", p)
	}
}
