package handlers_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"dialdesk/internal/testapp"
	"dialdesk/store"
)

func recheckRules(t *testing.T, app *testapp.App) {
	t.Helper()
	for range 1000 {
		more, err := app.Store.RecheckRules(context.Background(), 50)
		if err != nil {
			t.Fatal(err)
		}
		if !more {
			return
		}
	}
	t.Fatal("the re-check does not end")
}

// TestRuleHitOnPushedCall: a call pushed with a turn containing a rule's
// word carries the hit as soon as the push is answered (the store checks
// rules in the push's own transaction): its chip in GET /calls, and the
// list filtered by the rule.
func TestRuleHitOnPushedCall(t *testing.T) {
	app := testapp.New(t, testapp.Options{NoSeedData: true})
	ctx := context.Background()
	id, err := app.Store.SaveRule(ctx, store.ExampleRules()[0], "boss")
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Replace(seedPush(t), `"msg":"挺好的"`, `"msg":"再打我就打12315投诉"`, 1)
	if res := postPush(t, app, "/hooks/icall/test-push-token?task=100017", body); res.StatusCode != 200 {
		t.Fatalf("push: %d", res.StatusCode)
	}
	hits, err := app.Store.RuleHitsOf(ctx, []string{"soboticallbcf37279feb441ee99f33a9814d26b00"})
	if err != nil {
		t.Fatal(err)
	}
	if h := hits["soboticallbcf37279feb441ee99f33a9814d26b00"]; len(h) != 2 || h[0].Word != "12315" || h[0].Seq != 1 || h[0].Pos != 5 {
		t.Fatalf("hits right after the push: %+v, want 12315 at turn 1 position 5, then 投诉", h)
	}
	c := app.Login(t, store.RoleManager)
	_, page := app.Get(t, c, "/calls?rule="+strconv.FormatInt(id, 10))
	d := doc(t, page)
	if rows := d.Find("[data-testid=call-row]"); rows.Length() != 1 || rows.Find("[data-testid=rule]").Text() != "投诉风险" {
		t.Errorf("calls of the rule: %d rows, chip %q", rows.Length(), rows.Find("[data-testid=rule]").Text())
	}
	if d.Find("[data-testid=rule]").AttrOr("data-color", "") != "#d92d20" {
		t.Error("the rule's chip has not its color")
	}
	other, err := app.Store.SaveRule(ctx, store.ExampleRules()[1], "boss")
	if err != nil {
		t.Fatal(err)
	}
	_, page = app.Get(t, c, "/calls?rule="+strconv.FormatInt(other, 10))
	if n := doc(t, page).Find("[data-testid=call-row]").Length(); n != 0 {
		t.Errorf("calls of a rule without hits: %d rows", n)
	}
}

// TestRulesPageAndRecheck: a manager creates a rule on /rules (the form
// refuses a missing name and a color outside the palette); the stored calls
// are checked again in the background, the list shows the progress, then
// the calls; an edit re-checks and the call page shows the chip and the
// words marked in the turn, as text.
func TestRulesPageAndRecheck(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	task := app.Sandbox.TaskIDs()[0]
	at := time.Date(2026, 3, 6, 15, 0, 0, 0, time.Local)
	searchCall(t, app, task, "k1", "13900001111", at, "我们保证<b>百分百</b>到账", "真的吗")
	searchCall(t, app, task, "k2", "13900002222", at.Add(time.Minute), "您好", "别打了")
	c := app.Login(t, store.RoleManager)

	res, body := app.PostFormBody(t, c, "/rules", url.Values{"name": {""}, "words": {"保证"}, "severity": {"3"}, "color": {"pink; background:url(x)"}})
	d := doc(t, body)
	if res.StatusCode != 422 || d.Find("[data-testid=error-name]").Length() != 1 || d.Find("[data-testid=error-color]").Length() != 1 {
		t.Fatalf("bad rule: %d, want 422 with name and color errors", res.StatusCode)
	}
	res = app.PostForm(t, c, "/rules", url.Values{"name": {"违规承诺"}, "words": {"保证，百分百\n免费送"}, "speaker": {"robot"},
		"severity": {"3"}, "color": {"purple"}})
	if res.StatusCode != 303 {
		t.Fatalf("create: %d, want 303", res.StatusCode)
	}
	rules, err := app.Store.Rules(context.Background())
	if err != nil || len(rules) != 1 {
		t.Fatalf("rules %v, %v", rules, err)
	}
	r := rules[0]
	if r.Color != "#7a5af8" || r.Speaker != store.SpeakerRobot || strings.Join(r.Words, "|") != "保证|百分百|免费送" {
		t.Errorf("rule stored as %+v", r)
	}
	recheckRules(t, app) // the job, woken by the save, may be at it too
	_, body = app.Get(t, c, "/rules/progress")
	d = doc(t, body)
	if d.Find("[data-testid=rule-recheck]").Length() != 0 || d.Find("[data-testid=rule-calls]").Text() != "1" || d.Find("#rules-list[hx-get]").Length() != 0 {
		t.Errorf("after the re-check: calls %q", d.Find("[data-testid=rule-calls]").Text())
	}
	_, body = app.Get(t, c, "/tasks/"+url.PathEscape(task)+"/calls")
	if got := doc(t, body).Find(`[data-call="k1"] [data-testid=rule]`).Text(); got != "违规承诺" {
		t.Errorf("the task's call list shows rule chip %q for k1, want 违规承诺", got)
	}
	_, body = app.Get(t, c, "/tasks/"+url.PathEscape(task)+"/calls/k1")
	d = doc(t, body)
	if d.Find("[data-testid=fact-rules] [data-testid=rule]").Text() != "违规承诺" {
		t.Error("the call page shows no rule chip")
	}
	var marks []string
	d.Find("mark[data-testid=rule-hit]").Each(func(_ int, s *goquery.Selection) { marks = append(marks, s.Text()) })
	if strings.Join(marks, ",") != "保证,百分百" {
		t.Errorf("marked %v, want 保证,百分百", marks)
	}
	if got := d.Find("#turn-0 [data-testid=turn-text]").Text(); got != "我们保证<b>百分百</b>到账" {
		t.Errorf("turn text %q: not the turn as said", got)
	}

	// Edited: the customer's words now; the robot's promise is no hit any more.
	edit := "/rules/" + strconv.FormatInt(r.ID, 10)
	if res := app.PostForm(t, c, edit, url.Values{"name": {"退订"}, "words": {"别打了"}, "speaker": {"customer"},
		"severity": {"1"}, "color": {"blue"}}); res.StatusCode != 303 {
		t.Fatalf("edit: %d, want 303", res.StatusCode)
	}
	recheckRules(t, app)
	hits, err := app.Store.RuleHitsOf(context.Background(), []string{"k1", "k2"})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits["k1"]) != 0 || len(hits["k2"]) != 1 || hits["k2"][0].Word != "别打了" {
		t.Errorf("after the edit: %+v", hits)
	}
	// A re-check under way shows on the list, which asks for itself again
	// (the jobs stopped, so that it stays under way).
	if err := app.Server.StopJobs(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Store.SaveRule(context.Background(), store.ExampleRules()[1], "boss"); err != nil {
		t.Fatal(err)
	}
	_, body = app.Get(t, c, "/rules")
	if d := doc(t, body); d.Find("[data-testid=rule-recheck]").Length() != 1 || d.Find("#rules-list[hx-get]").Length() != 1 {
		t.Error("the list shows no re-check in progress")
	}
	if res := app.PostForm(t, c, edit+"/delete", url.Values{}); res.StatusCode != 303 {
		t.Fatalf("delete: %d, want 303", res.StatusCode)
	}
	if rules, _ := app.Store.Rules(context.Background()); len(rules) != 1 || rules[0].Name != "辱骂" {
		t.Error("the rule is still there")
	}
}

// TestHighSeverityBanner: a call arriving with a hit of a high-severity
// rule puts a banner on the next page a manager opens (not a supervisor's);
// the alerts page lists it and, opened, the banner goes. An admin sets the
// webhook there: only an http(s) address is taken.
func TestHighSeverityBanner(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	ctx := context.Background()
	if _, err := app.Store.SaveRule(ctx, store.ExampleRules()[0], "boss"); err != nil {
		t.Fatal(err)
	}
	task := app.Sandbox.TaskIDs()[0]
	searchCall(t, app, task, "alert-1", "13900001111", time.Now().Add(-time.Minute), "您好", "我要去曝光你们")
	mgr := app.Login(t, store.RoleManager)
	sup := app.Login(t, store.RoleSupervisor)
	_, body := app.Get(t, mgr, "/tasks")
	if got := doc(t, body).Find("[data-testid=alert-banner]").Text(); !strings.Contains(got, "1") {
		t.Fatalf("manager's banner %q, want one new alert", got)
	}
	if _, body := app.Get(t, sup, "/tasks"); doc(t, body).Find("[data-testid=alert-banner]").Length() != 0 {
		t.Error("a supervisor sees the alerts banner")
	}
	_, body = app.Get(t, mgr, "/alerts")
	d := doc(t, body)
	if d.Find("[data-testid=alert-row]").Length() != 1 || d.Find("[data-testid=alert-call]").AttrOr("href", "") != "/tasks/"+url.PathEscape(task)+"/calls/alert-1" {
		t.Errorf("alerts page: %d rows", d.Find("[data-testid=alert-row]").Length())
	}
	if d.Find("[data-testid=webhook-form]").Length() != 0 {
		t.Error("a manager sees the webhook form")
	}
	if _, body := app.Get(t, mgr, "/tasks"); doc(t, body).Find("[data-testid=alert-banner]").Length() != 0 {
		t.Error("the banner stays after the alerts were seen")
	}

	admin := app.Login(t, store.RoleAdmin)
	res, body := app.PostFormBody(t, admin, "/alerts/webhook", url.Values{"url": {"javascript:alert(1)"}})
	if res.StatusCode != 422 || doc(t, body).Find("[data-testid=error-url]").Length() != 1 {
		t.Errorf("a javascript: webhook: %d", res.StatusCode)
	}
	if res := app.PostForm(t, admin, "/alerts/webhook", url.Values{"url": {"https://hooks.example/dialdesk"}}); res.StatusCode != 303 {
		t.Fatalf("webhook: %d", res.StatusCode)
	}
	if v, _ := app.Store.Setting(ctx, store.SettingWebhookURL); v != "https://hooks.example/dialdesk" {
		t.Errorf("webhook stored as %q", v)
	}
}

// TestOverviewRuleHitsChart: the overview gains a chart of the calls each
// rule flagged per day, in the rules' colors, with its table.
func TestOverviewRuleHitsChart(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	ctx := context.Background()
	if _, err := app.Store.SaveRule(ctx, store.ExampleRules()[0], "boss"); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Store.SaveRule(ctx, store.ExampleRules()[2], "boss"); err != nil {
		t.Fatal(err)
	}
	task := app.Sandbox.TaskIDs()[0]
	day := time.Date(2026, 3, 6, 10, 0, 0, 0, time.FixedZone("CST", 8*3600)) // the display zone's day
	searchCall(t, app, task, "ov-1", "13900001111", day, "您好", "我要投诉")
	searchCall(t, app, task, "ov-2", "13900002222", day.Add(time.Hour), "您好", "打12315，别打了")
	searchCall(t, app, task, "ov-3", "13900003333", day.AddDate(0, 0, 1), "您好", "退订")
	c := app.Login(t, store.RoleSupervisor)
	_, body := app.Get(t, c, "/overview?from=2026-03-06&to=2026-03-07")
	d := doc(t, body)
	ch := d.Find("[data-chart=rulehits]")
	if ch.Length() != 1 || ch.Find("svg").Length() != 1 {
		t.Fatalf("no rule hits chart")
	}
	var head []string
	ch.Find("thead th").Each(func(_ int, s *goquery.Selection) { head = append(head, s.Text()) })
	var rows []string
	ch.Find("tbody tr").Each(func(_ int, s *goquery.Selection) {
		var cells []string
		s.Children().Each(func(_ int, c *goquery.Selection) { cells = append(cells, c.Text()) })
		rows = append(rows, strings.Join(cells, " "))
	})
	if !strings.HasSuffix(strings.Join(head, "|"), "|投诉风险|退订") {
		t.Errorf("head %v", head)
	}
	if strings.Join(rows, "|") != "2026-03-06 2 1|2026-03-07 0 1" {
		t.Errorf("rows %q", rows)
	}
	if ch.Find(`rect[fill="#d92d20"]`).Length() < 2 { // the day's column and the legend
		t.Error("the complaint rule is not drawn in its color")
	}
}
