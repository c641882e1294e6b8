package handlers_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"dialdesk/client"
	"dialdesk/internal/testapp"
	"dialdesk/platform"
	"dialdesk/store"
)

// searchCall stores an answered call of task with turns (robot first, then
// by turns), started at.
func searchCall(t *testing.T, app *testapp.App, task, id, tel string, at time.Time, turns ...string) {
	t.Helper()
	c := store.Call{CallID: id, TaskID: task, Tel: tel, Status: 2, StartAt: at, AnswerAt: at.Add(3 * time.Second), FeeMS: 30000,
		Intention: "有意向"}
	for i, text := range turns {
		sender := platform.SenderRobot
		if i%2 == 1 {
			sender = platform.SenderCustomer
		}
		c.Messages = append(c.Messages, store.CallMessage{Sender: sender, Content: text, At: c.AnswerAt.Add(time.Duration(i*4) * time.Second)})
	}
	if _, err := app.Store.SaveCall(context.Background(), c, false); err != nil {
		t.Fatal(err)
	}
}

// TestSearchPage: GET /search finds the calls whose turns contain the
// words, newest first, one row per call with data-call and the total in
// data-total; hits are marked around escaped text (<b> stays text); the
// callee is masked as the task says; each hit links to its turn; filters
// (task, speaker, review state) and exclusions narrow it.
func TestSearchPage(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	ids := app.Sandbox.TaskIDs()
	t1, t2 := ids[0], ids[1]
	ctx := context.Background()
	if err := app.Store.SetTaskCallSettings(ctx, t1, store.TaskCallSettings{NumberHide: client.NumberHideMiddle4}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 6, 15, 0, 0, 0, time.Local)
	searchCall(t, app, t1, "s-old", "13900001111", at.Add(-time.Hour), "您好，这里是客服", "我要打12315投诉 <b>粗体</b>")
	searchCall(t, app, t2, "s-new", "13900002222", at, "您好", "嗯", "请不要打12315", "12315是我的自由")
	searchCall(t, app, t1, "s-none", "13900003333", at.Add(-2*time.Hour), "您好", "没事")
	c := app.Login(t, store.RoleSupervisor)

	res, body := app.Get(t, c, "/search?q=12315")
	d := doc(t, body)
	results := d.Find("[data-testid=search-results]")
	if res.StatusCode != 200 || results.AttrOr("data-total", "") != "2" {
		t.Fatalf("GET /search?q=12315: %d, data-total %q, want 2", res.StatusCode, results.AttrOr("data-total", ""))
	}
	var got []string
	d.Find("[data-testid=search-hit]").Each(func(_ int, s *goquery.Selection) { got = append(got, s.AttrOr("data-call", "")) })
	if strings.Join(got, ",") != "s-new,s-old" {
		t.Errorf("rows %v, want s-new,s-old (newest first)", got)
	}
	old := d.Find("[data-call=s-old]")
	if callee := old.Find("[data-testid=call-link]").Text(); callee != "139****1111" {
		t.Errorf("callee %q, want 139****1111 (task masks the middle four)", callee)
	}
	if strings.Contains(body, "<b>粗体") || !strings.Contains(body, "&lt;b&gt;粗体") {
		t.Error("the transcript's <b> is not shown as text")
	}
	if m := old.Find("mark[data-testid=hit]"); m.Length() != 1 || m.Text() != "12315" {
		t.Errorf("marks %d %q, want one 12315", m.Length(), m.Text())
	}
	href := old.Find("[data-testid=hit-link]").AttrOr("href", "")
	if want := "/tasks/" + url.PathEscape(t1) + "/calls/s-old?t=1#turn-1"; href != want {
		t.Errorf("hit link %q, want %q", href, want)
	}
	if n := d.Find("[data-call=s-new] [data-testid=hit-turn]").Length(); n != 2 {
		t.Errorf("s-new shows %d matching turns, want 2", n)
	}
	// The call page has the turn the link names.
	_, body = app.Get(t, c, href)
	if doc(t, body).Find("#turn-1").AttrOr("data-offset-ms", "") != "4000" {
		t.Errorf("call page: #turn-1 missing or not at 4 s")
	}

	for _, tc := range []struct {
		q, want string
	}{
		{"q=12315&task=" + url.QueryEscape(t2), "1"},
		{"q=12315&speaker=robot", "1"}, // s-new: the robot said it too
		{"q=投诉&speaker=robot", "0"},
		{"q=您好&speaker=robot", "3"},
		{"q=12315+-投诉", "1"},
		{"q=" + url.QueryEscape(`"12315投诉"`), "1"},
		{"q=12315&reviewed=1", "0"},
		{"q=客", "1"},
		{"q=VIP", "0"},
	} {
		_, body := app.Get(t, c, "/search?"+tc.q)
		if got := doc(t, body).Find("[data-testid=search-results]").AttrOr("data-total", "none"); got != tc.want {
			t.Errorf("%s: data-total %s, want %s", tc.q, got, tc.want)
		}
	}
	if err := app.Store.MarkReviewed(ctx, t1, "s-old", "boss"); err != nil {
		t.Fatal(err)
	}
	_, body = app.Get(t, c, "/search?q=12315&reviewed=1")
	if got := doc(t, body).Find("[data-testid=search-hit]").AttrOr("data-call", ""); got != "s-old" {
		t.Errorf("reviewed only: %q, want s-old", got)
	}
	// Only exclusions: nothing is searched, the page says why.
	_, body = app.Get(t, c, "/search?q=-12315")
	if d := doc(t, body); d.Find("[data-testid=search-noterms]").Length() != 1 || d.Find("[data-testid=search-results]").Length() != 0 {
		t.Error("a query of exclusions only: no note, or results")
	}
	// The query echoes escaped.
	_, body = app.Get(t, c, "/search?q="+url.QueryEscape(`<script>x</script>`))
	if strings.Contains(body, "<script>x") {
		t.Error("the query is echoed unescaped")
	}
	// Everyone logged in has it in the navigation.
	if doc(t, body).Find("[data-testid=nav-search]").Length() != 1 {
		t.Error("no search in the navigation")
	}
}
