package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// overviewCalls stores, as the warehouse would, two calls today and seven
// on the six days before (one a day, the first day two), for task 701.
func overviewCalls(t *testing.T, app *testapp.App, loc *time.Location) (today, week int) {
	t.Helper()
	now := time.Now().In(loc)
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	at := func(daysAgo int, n int) time.Time {
		// Within the day, before now: spread from the day's start.
		d := now.Sub(midnight)
		if daysAgo > 0 {
			d = 20 * time.Hour
		}
		return midnight.AddDate(0, 0, -daysAgo).Add(d * time.Duration(n+1) / 4)
	}
	var calls []store.Call
	add := func(start time.Time, level string, answered bool) {
		id := "e2e-" + strconv.Itoa(len(calls))
		c := store.Call{CallID: id, RecordID: "r" + id, TaskID: "701", Tel: "13800138000", Caller: "057100000001",
			StartAt: start, LevelName: level, LevelColor: "#2e7d32", Province: "浙江", Operator: "yd", HangupSide: 2, Rounds: 4}
		if answered {
			c.Status, c.AnswerAt, c.EndAt, c.FeeMS = 2, start.Add(3*time.Second), start.Add(65*time.Second), 62000
		} else {
			c.Status, c.EndAt = 3, start.Add(20*time.Second)
		}
		calls = append(calls, c)
	}
	add(at(0, 0), "A级", true)
	add(at(0, 1), "", false)
	for d := 1; d <= 6; d++ {
		add(at(d, 0), "B级", true)
	}
	add(at(6, 1), "C级", true)
	if err := app.Store.RememberTask(context.Background(), store.KnownTask{ID: "701", Name: "双十二回访", Created: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Store.SaveRecords(context.Background(), calls); err != nil {
		t.Fatal(err)
	}
	return 2, len(calls)
}

// TestOverviewInBrowser: open the overview (today), switch to 近7天 (the
// region swaps, the URL follows, the charts change), open a chart's table,
// export the .xlsx and find the week's call count in it.
func TestOverviewInBrowser(t *testing.T) {
	app := testapp.New(t, testapp.Options{NoSeedData: true})
	today, week := overviewCalls(t, app, app.Config.Location)
	dir := t.TempDir()
	b := NewBrowser(t)
	b.Login(app, store.RoleManager)
	b.Do(chromedp.Navigate(app.URL+"/overview"),
		chromedp.WaitVisible(chromedp.CSS(`[data-kpi=calls]`)))
	kpi := func() int {
		v, _ := strconv.Atoi(eval[string](t, b, `document.querySelector("[data-kpi=calls]").dataset.value`))
		return v
	}
	rows := func() int { return eval[int](t, b, `document.querySelectorAll("[data-chart=daily] tbody tr").length`) }
	if got := kpi(); got != today {
		t.Fatalf("today: 外呼数 %d, want %d", got, today)
	}
	if got := rows(); got != 24 {
		t.Errorf("today is drawn by hour: %d rows, want 24", got)
	}
	hourBars := eval[int](t, b, `document.querySelectorAll("[data-chart=daily] rect.bar-calls").length`)

	b.Do(chromedp.Click(chromedp.CSS(`[data-preset="7d"]`)))
	waitFor(t, b, "the 7-day figures", func() bool { return kpi() == week })
	if got := rows(); got != 7 {
		t.Errorf("7 days are drawn by day: %d rows, want 7", got)
	}
	if n := eval[int](t, b, `document.querySelectorAll("[data-chart=daily] rect.bar-calls").length`); n != 7 || n == hourBars {
		t.Errorf("the daily chart did not change: %d bars (was %d)", n, hourBars)
	}
	if u := eval[string](t, b, `location.search`); !strings.Contains(u, "from=") || !strings.Contains(u, "to=") {
		t.Errorf("the URL does not carry the range: %q", u)
	}
	if eval[bool](t, b, `document.querySelector('[data-preset="7d"]').getAttribute("aria-current") === "true"`) != true {
		t.Error("近7天 is not marked current")
	}

	// The levels chart's table: hidden, then shown by its toggle.
	const tableVisible = `(() => { const t = document.querySelector("[data-chart=levels] table"); return !!t && t.checkVisibility() && t.getBoundingClientRect().height > 0 })()`
	if eval[bool](t, b, tableVisible) {
		t.Error("the table shows before its toggle")
	}
	b.Do(chromedp.Click(chromedp.CSS(`[data-chart=levels] details summary`)))
	if !eval[bool](t, b, tableVisible) {
		t.Error("the toggle did not show the table")
	}
	if got := eval[string](t, b, `document.querySelector("[data-chart=levels] tbody").textContent`); !strings.Contains(got, "B级") {
		t.Errorf("levels table: %q", got)
	}

	b.Do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir})
		return err
	}), chromedp.Click(chromedp.CSS(`[data-testid=overview-export]`)))
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
	xrows, _ := f.GetRows(f.GetSheetName(0))
	found := false
	for _, r := range xrows {
		if len(r) >= 2 && r[0] == "外呼数" {
			found = r[1] == strconv.Itoa(week)
		}
	}
	if !found {
		t.Errorf("the export has no 外呼数 %d: %v", week, xrows[:min(len(xrows), 8)])
	}
	// A phone: one column, nothing past the right edge, in both languages.
	for _, lang := range []string{"zh", "en"} {
		b.Do(chromedp.EmulateViewport(390, 844), chromedp.Navigate(app.URL+"/overview?from="+xrowsDay(t, b, -6)+"&to="+xrowsDay(t, b, 0)+"&lang="+lang),
			chromedp.WaitVisible(chromedp.CSS(`[data-chart=daily]`)), chromedp.Sleep(100*time.Millisecond))
		if over := eval[string](t, b, overflowJS); over != "" {
			t.Errorf("the overview at 390 px (%s): %s", lang, over)
		}
		if eval[bool](t, b, `document.querySelector("[data-chart=levels]").getBoundingClientRect().top > document.querySelector("[data-chart=outcomes]").getBoundingClientRect().top`) {
			t.Errorf("%s: the charts are not in one column at 390 px", lang)
		}
	}
	if p := b.ConsoleProblems(); len(p) > 0 {
		t.Errorf("browser console:\n%v", p)
	}
}

// xrowsDay is the day daysFromToday from the browser page's today, as the
// server's zone writes it (the preset links carry it).
func xrowsDay(t *testing.T, b *Browser, daysFromToday int) string {
	t.Helper()
	today := eval[string](t, b, `new URL(document.querySelector('[data-preset="today"]').href).searchParams.get("from")`)
	d, err := time.Parse("2006-01-02", today)
	if err != nil {
		t.Fatalf("today's preset: %q", today)
	}
	return d.AddDate(0, 0, daysFromToday).Format("2006-01-02")
}
