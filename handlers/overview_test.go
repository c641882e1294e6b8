package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/xuri/excelize/v2"

	"dialdesk/client"
	"dialdesk/handlers"
	"dialdesk/internal/testapp"
	"dialdesk/store"
)

var cst = time.FixedZone("CST", 8*3600)

// overviewNow is the handlers' clock in these tests: 2026-12-03 15:00 in Shanghai.
var overviewNow = time.Date(2026, 12, 3, 15, 0, 0, 0, cst)

func newOverviewApp(t *testing.T, configure func(*handlers.Config)) *testapp.App {
	t.Helper()
	return testapp.New(t, testapp.Options{NoSeedData: true, Now: func() time.Time { return overviewNow }, Configure: configure})
}

// record is a surface B call record for the warehouse.
func record(id, task string, start time.Time, talk time.Duration, level, color string, tags ...string) store.Call {
	c := store.Call{CallID: id, RecordID: "r" + id, TaskID: task, Tel: "13800138" + id[len(id)-3:], Caller: "0571",
		StartAt: start, LevelName: level, LevelColor: color, Rounds: 3, HangupSide: 2, Province: "浙江", Operator: "yd"}
	if talk > 0 {
		c.Status, c.AnswerAt, c.EndAt, c.FeeMS = 2, start.Add(5*time.Second), start.Add(5*time.Second+talk), talk.Milliseconds()
	} else {
		c.Status, c.EndAt = 3, start.Add(30*time.Second)
	}
	for _, tg := range tags {
		c.Tags = append(c.Tags, store.TagRef{ID: tg, Name: tg})
	}
	return c
}

func saveRecords(t *testing.T, app *testapp.App, calls ...store.Call) {
	t.Helper()
	if _, err := app.Store.SaveRecords(context.Background(), calls); err != nil {
		t.Fatal(err)
	}
}

func kpis(t *testing.T, body string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	doc(t, body).Find("[data-kpi]").Each(func(_ int, s *goquery.Selection) {
		n, err := strconv.ParseInt(s.AttrOr("data-value", ""), 10, 64)
		if err != nil {
			t.Errorf("data-kpi=%s data-value=%q", s.AttrOr("data-kpi", ""), s.AttrOr("data-value", ""))
		}
		out[s.AttrOr("data-kpi", "")] = n
	})
	return out
}

func TestOverviewKPIsAndCharts(t *testing.T) {
	app := newOverviewApp(t, nil)
	ctx := context.Background()
	app.Store.RememberTask(ctx, store.KnownTask{ID: "101", Name: "双十二回访", Created: overviewNow})
	app.Store.RememberTask(ctx, store.KnownTask{ID: "102", Name: "老客户", Created: overviewNow})
	day := time.Date(2026, 12, 3, 9, 0, 0, 0, cst)
	saveRecords(t, app,
		record("c001", "101", day, 61500*time.Millisecond, "A级", "#1a7f37", "有兴趣"),
		record("c002", "101", day.Add(10*time.Minute), 1000*time.Millisecond, "C级", ""),
		record("c003", "101", day.Add(20*time.Minute), 0, "", ""),
		record("c004", "101", day.Add(5*time.Hour), 999*time.Millisecond, "B级", ""),
		record("c005", "102", day, 0, "", ""),
		// Yesterday: the previous period of "today".
		record("c006", "101", day.AddDate(0, 0, -1), 2*time.Second, "A级", ""),
		// Before the week: in no range below.
		record("c007", "101", day.AddDate(0, 0, -20), 2*time.Second, "A级", ""),
	)
	c := app.Login(t, store.RoleSupervisor)
	res, body := app.Get(t, c, "/overview?task=101")
	if res.StatusCode != 200 {
		t.Fatalf("GET /overview: %d", res.StatusCode)
	}
	got := kpis(t, body)
	want := map[string]int64{"calls": 4, "connected": 3, "intent": 2, "talk_seconds": 63, "billed_minutes": 4, "rounds": 9}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("task 101 today: %s = %d, want %d", k, got[k], v)
		}
	}
	d := doc(t, body)
	if n := d.Find(`[data-kpi=calls] .kpi-change`).Text(); !strings.Contains(n, "▲ 300.0%") {
		t.Errorf("calls change against yesterday = %q, want ▲ 300.0%%", n)
	}
	for _, name := range []string{"daily", "levels", "outcomes", "heatmap", "talk", "rounds", "callers", "provinces", "operators", "hangup", "tags", "funnel", "lastnode"} {
		if d.Find(`[data-chart="`+name+`"]`).Length() != 1 {
			t.Errorf("chart %s missing", name)
		}
	}
	if d.Find(`[data-chart=daily] svg[role=img][aria-label]`).Length() != 1 || d.Find(`[data-chart=daily] svg title`).Length() == 0 {
		t.Error("daily chart: no accessible svg or no tooltips")
	}
	if d.Find(`[data-chart=levels] rect.bar-own[fill="#1a7f37"]`).Length() != 1 {
		t.Error("level A级 not drawn in its own color (with no class that paints over it)")
	}
	if d.Find(`[data-chart=daily] [data-testid=chart-table] tbody tr`).Length() != 24 {
		t.Error("a one-day range is drawn by hour (24 rows)")
	}
	if !strings.Contains(d.Find(`[data-testid=nav-overview]`).Text(), "数据概览") {
		t.Error("navigation has no 数据概览")
	}
	if strings.Contains(body, " style=") {
		t.Error("an inline style attribute on the overview")
	}

	// Every task, the last 7 days: task 102's call and yesterday's count too.
	_, body = app.Get(t, c, "/overview?from=2026-11-27&to=2026-12-03")
	got = kpis(t, body)
	if got["calls"] != 6 || got["connected"] != 4 || got["intent"] != 3 || got["talk_seconds"] != 65 {
		t.Errorf("all tasks, 7 days: %v", got)
	}
	if n := doc(t, body).Find(`[data-chart=daily] [data-testid=chart-table] tbody tr`).Length(); n != 7 {
		t.Errorf("7-day range: %d rows by day, want 7", n)
	}

	// htmx: the region alone, one component for both.
	res, body = app.Do(t, c, "GET", "/overview?from=2026-11-27&to=2026-12-03", nil, http.Header{"Hx-Request": {"true"}})
	if res.StatusCode != 200 || strings.Contains(body, "<html") || !strings.Contains(body, `id="overview-region"`) {
		t.Errorf("htmx answer: %d, full page %v", res.StatusCode, strings.Contains(body, "<html"))
	}
}

// TestOverviewEscapingAndHostileColor: level, tag and task names are text
// in charts and tables, and a color that is not #rgb/#rrggbb never reaches
// the page.
func TestOverviewEscapingAndHostileColor(t *testing.T) {
	app := newOverviewApp(t, nil)
	ctx := context.Background()
	app.Store.RememberTask(ctx, store.KnownTask{ID: "201", Name: `<b id=task>任务</b>`, Created: overviewNow})
	day := time.Date(2026, 12, 3, 10, 0, 0, 0, cst)
	saveRecords(t, app,
		record("c201", "201", day, 30*time.Second, `<script>alert(1)</script>A级`, "red;x:url(//evil)", `<img src=x onerror=alert(2)>`),
		record("c202", "201", day, 30*time.Second, "B级", `#fff" onload="alert(3)`))
	c := app.Login(t, store.RoleManager)
	_, body := app.Get(t, c, "/overview?task=201")
	for _, bad := range []string{"<script>alert(1)", "<img src=x", "<b id=task>", "evil", "alert(3)"} {
		if strings.Contains(body, bad) {
			t.Errorf("page holds %q unescaped or unchecked", bad)
		}
	}
	d := doc(t, body)
	if !strings.Contains(d.Find(`[data-chart=levels] table`).Text(), "<script>alert(1)</script>A级") {
		t.Error("the level's name is not shown as text in its table")
	}
	if !strings.Contains(d.Find(`[data-chart=tags] svg`).Text(), "<img src=x") {
		t.Error("the tag's name is not shown as text in its chart")
	}
	if !strings.Contains(d.Find(`[data-testid=task-pick]`).Text(), "<b id=task>任务</b>") {
		t.Error("the task's name is not shown as text in the picker")
	}
	d.Find(`[data-chart] [fill]`).Each(func(_ int, s *goquery.Selection) {
		t.Errorf("a fill from an unchecked color: %q", s.AttrOr("fill", ""))
	})
}

func TestOverviewEmptyAndBadInput(t *testing.T) {
	app := newOverviewApp(t, nil)
	app.Store.RememberTask(context.Background(), store.KnownTask{ID: "301", Name: "空任务", Created: overviewNow})
	c := app.Login(t, store.RoleAdmin)
	res, body := app.Get(t, c, "/overview?task=301&from=2026-11-01&to=2026-11-30")
	d := doc(t, body)
	if res.StatusCode != 200 || !strings.Contains(d.Find(`[data-testid=overview-empty]`).Text(), "空任务") {
		t.Errorf("a task with no calls: %d, %q", res.StatusCode, d.Find(`[data-testid=overview-empty]`).Text())
	}
	if kpis(t, body)["calls"] != 0 || d.Find(`[data-chart]`).Length() != 0 {
		t.Error("an empty range draws no charts and counts 0 calls")
	}
	if !strings.Contains(d.Find(`[data-testid=freshness]`).Text(), "尚未同步") {
		t.Errorf("freshness: %q", d.Find(`[data-testid=freshness]`).Text())
	}
	for _, q := range []string{"from=abc&to=2026-12-01", "from=2026-12-02&to=2026-12-01", "from=2020-01-01&to=2026-12-01"} {
		res, body := app.Get(t, c, "/overview?"+q)
		d := doc(t, body)
		if res.StatusCode != 200 || d.Find(`[data-testid=overview-error]`).Length() != 1 || d.Find(`[data-kpi=calls]`).Length() != 1 {
			t.Errorf("?%s: %d, a message and today's figures expected", q, res.StatusCode)
		}
	}
}

// TestOverviewNoSurfaceBPlatformDown: with surface A alone, and that
// platform down, the overview still draws from the store: the charts that
// need surface B say so, and the page says the platform cannot be reached.
func TestOverviewNoSurfaceBPlatformDown(t *testing.T) {
	app := newOverviewApp(t, func(cfg *handlers.Config) {
		cfg.Client = client.New(client.WithICall("http://127.0.0.1:1/api/icall/5/task/", "a", "s"), client.WithRetries(0))
	})
	day := time.Date(2026, 12, 3, 9, 0, 0, 0, cst)
	if _, err := app.Store.SaveCalls(context.Background(), []store.Call{{CallID: "a1", TaskID: "501", Status: 2, Intention: "A有意向",
		StartAt: day, AnswerAt: day.Add(time.Second), EndAt: day.Add(time.Minute), FeeMS: 59000, Caller: "0571"}}); err != nil {
		t.Fatal(err)
	}
	c := app.Login(t, store.RoleManager)
	res, body := app.Get(t, c, "/overview")
	if res.StatusCode != 200 {
		t.Fatalf("GET /overview with the platform down: %d", res.StatusCode)
	}
	d := doc(t, body)
	if k := kpis(t, body); k["calls"] != 1 || k["intent"] != 1 || k["billed_minutes"] != 1 {
		t.Errorf("figures from the store: %v", k)
	}
	for _, name := range []string{"tags", "provinces", "hangup"} {
		if !strings.Contains(d.Find(`[data-chart=`+name+`] [data-testid=chart-note]`).Text(), "未配置") {
			t.Errorf("chart %s does not say surface B is not configured", name)
		}
	}
	if d.Find(`[data-chart=daily] svg`).Length() != 1 {
		t.Error("the daily chart needs surface A only and is drawn")
	}
	if d.Find(`[data-testid=stale]`).Length() != 1 {
		t.Error("the page does not say the platform cannot be reached")
	}
}

func TestOverviewExports(t *testing.T) {
	app := newOverviewApp(t, nil)
	ctx := context.Background()
	app.Store.RememberTask(ctx, store.KnownTask{ID: "401", Name: "导出任务", Created: overviewNow})
	// The task hides the middle four: the supervisor's leads file masks them.
	if err := app.Store.SetTaskCallSettings(ctx, "401", store.TaskCallSettings{NumberHide: 2}); err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 12, 3, 11, 0, 0, 0, cst)
	calls := []store.Call{
		record("c401", "401", day, 75*time.Second, "A级", "", "想了解"),
		record("c402", "401", day.Add(time.Minute), 10*time.Second, "D级", ""),
		record("c403", "401", day.Add(2*time.Minute), 0, "", ""),
	}
	calls[0].Messages = []store.CallMessage{{Sender: 1, Content: "您好，这里是客服"}, {Sender: 0, Content: "说吧"}}
	saveRecords(t, app, calls...)
	if err := app.Store.SaveTranscript(ctx, calls[0]); err != nil {
		t.Fatal(err)
	}
	c := app.Login(t, store.RoleSupervisor)
	res, body := app.Get(t, c, "/overview/export.xlsx?from=2026-12-03&to=2026-12-03&task=401")
	if res.StatusCode != 200 {
		t.Fatalf("export: %d", res.StatusCode)
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows(f.GetSheetName(0))
	found := false
	for _, r := range rows {
		if len(r) >= 2 && r[0] == "外呼数" && r[1] == "3" {
			found = true
		}
	}
	if !found {
		t.Errorf("the export has no 外呼数 3 row: %v", rows[:min(len(rows), 8)])
	}

	res, body = app.Get(t, c, "/overview/leads.xlsx?from=2026-12-03&to=2026-12-03&task=401")
	if res.StatusCode != 200 {
		t.Fatalf("leads: %d", res.StatusCode)
	}
	f, err = excelize.OpenReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ = f.GetRows(f.GetSheetName(0))
	if len(rows) != 2 {
		t.Fatalf("leads: %d rows, want a header and one intent call: %v", len(rows), rows)
	}
	// Chosen levels or tags instead of the intent levels.
	for q, want := range map[string]string{"level=D级": "D级", "tag=想了解": "想了解", "level=D级&tag=想了解": "A级"} {
		res, body := app.Get(t, c, "/overview/leads.xlsx?from=2026-12-03&to=2026-12-03&task=401&"+q)
		f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
		if res.StatusCode != 200 || err != nil {
			t.Fatalf("leads ?%s: %d %v", q, res.StatusCode, err)
		}
		got, _ := f.GetRows(f.GetSheetName(0))
		n := 2
		if strings.Contains(q, "&") {
			n = 3
		}
		if len(got) != n || !strings.Contains(fmt.Sprint(got[1:]), want) {
			t.Errorf("leads ?%s: %v, want %d rows with %s", q, got, n, want)
		}
	}
	if d := doc(t, mustGet(t, app, c, "/overview?from=2026-12-03&to=2026-12-03&task=401")); d.Find(`[data-testid=leads-pick] input[name=level][value="D级"]`).Length() != 1 ||
		d.Find(`[data-testid=leads-pick] input[name=tag][value="想了解"]`).Length() != 1 {
		t.Error("the leads form offers no level or tag to choose")
	}
	lead := strings.Join(rows[1], "|")
	for _, want := range []string{"138****8401", "导出任务", "A级", "想了解", "75", "机器人：您好，这里是客服\n客户：说吧"} {
		if !strings.Contains(lead, want) {
			t.Errorf("lead row %q lacks %q", lead, want)
		}
	}
}
