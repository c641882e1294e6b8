package handlers_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"dialdesk/internal/testapp"
	"dialdesk/store"
)

func TestSyncPage(t *testing.T) {
	// The warehouse jobs are off here (they would sync these made-up tasks
	// with the sandbox meanwhile): the page shows the stored state.
	app := testapp.New(t, testapp.Options{NoSeedData: true})
	ctx := context.Background()
	st := app.Store
	at := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	if err := st.RememberTask(ctx, store.KnownTask{ID: "task-ok", Name: "回访<b>任务</b>"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SaveRecords(ctx, []store.Call{
		{CallID: "c1", RecordID: "r1", TaskID: "task-ok", StartAt: at, AnswerAt: at.Add(5 * time.Second), FeeMS: 30000, LevelName: "A级"},
		{CallID: "c2", RecordID: "r2", TaskID: "task-ok", StartAt: at, AnswerAt: at.Add(5 * time.Second), FeeMS: 30000, LevelName: "C级"},
	}); err != nil {
		t.Fatal(err)
	}
	st.RecordSyncRun(ctx, "task-ok", at, "")
	st.RecordSyncRun(ctx, "task-bad", time.Time{}, "timeout")
	for _, role := range []store.Role{store.RoleManager, store.RoleSupervisor} {
		if res, _ := app.Get(t, app.Login(t, role), "/sync"); res.StatusCode != 403 {
			t.Errorf("%s GET /sync: %d", role, res.StatusCode)
		}
	}
	c := app.Login(t, store.RoleAdmin)
	for _, lang := range []string{"zh", "en"} {
		res, body := app.Get(t, c, "/sync?lang="+lang)
		if res.StatusCode != 200 {
			t.Fatalf("GET /sync: %d", res.StatusCode)
		}
		d := doc(t, body)
		if d.Find(`[data-testid=nav] a[href="/sync"]`).Length() != 1 || d.Find(`[data-testid=nav] a[href="/settings"]`).Length() != 1 {
			t.Error("admin nav lacks the sync and settings links")
		}
		ok := d.Find(`[data-testid=sync-row][data-task=task-ok]`)
		if ok.Find("[data-testid=sync-row-calls]").Text() != "2" || ok.Find("[data-testid=sync-row-tofetch]").Text() != "2" ||
			ok.Find("[data-testid=sync-row-error]").Length() != 0 || !strings.Contains(ok.Find("a").Text(), "回访<b>任务</b>") {
			t.Errorf("%s: task-ok row: %q", lang, ok.Text())
		}
		bad := d.Find(`[data-testid=sync-row][data-task=task-bad] [data-testid=sync-row-error]`).Text()
		want := map[string]string{"zh": "外呼平台响应超时，请稍后重试。", "en": "The calling platform did not answer in time. Please try again."}[lang]
		if bad != want {
			t.Errorf("%s: error %q, want %q", lang, bad, want)
		}
		if got := d.Find("[data-testid=sync-tofetch]").Text(); got != "2" {
			t.Errorf("%s: to fetch %q", lang, got)
		}
	}
	if _, body := app.Get(t, c, "/sync"); strings.Contains(body, "<b>任务</b>") {
		t.Error("task name not escaped")
	}
	// Sync now: CSRF required, then a redirect back.
	if res, _ := app.Do(t, c, "POST", "/sync", nil, nil); res.StatusCode != 403 {
		t.Errorf("POST /sync without CSRF: %d", res.StatusCode)
	}
	if res := app.PostForm(t, c, "/sync", url.Values{}); res.StatusCode != 303 {
		t.Errorf("POST /sync: %d", res.StatusCode)
	}
}

func TestSettingsIntentLevels(t *testing.T) {
	app := testapp.New(t, testapp.Options{NoSeedData: true})
	ctx := context.Background()
	at := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	var calls []store.Call
	for i, lv := range []string{"A级", "B级", "C级", "C级", "<i>X</i>"} {
		calls = append(calls, store.Call{CallID: "c" + string(rune('a'+i)), RecordID: "r" + string(rune('a'+i)), TaskID: "t1",
			StartAt: at, AnswerAt: at.Add(time.Second), FeeMS: 1000, LevelName: lv})
	}
	if _, err := app.Store.SaveRecords(ctx, calls); err != nil {
		t.Fatal(err)
	}
	if res, _ := app.Get(t, app.Login(t, store.RoleManager), "/settings"); res.StatusCode != 403 {
		t.Errorf("manager GET /settings: %d", res.StatusCode)
	}
	c := app.Login(t, store.RoleAdmin)
	res, body := app.Get(t, c, "/settings")
	if res.StatusCode != 200 {
		t.Fatalf("GET /settings: %d", res.StatusCode)
	}
	d := doc(t, body)
	if d.Find("[data-testid=intent-default]").Length() != 1 {
		t.Error("the default is not said to apply")
	}
	checked := map[string]bool{}
	d.Find("[data-testid=intent-level]").Each(func(_ int, s *goquery.Selection) {
		v, _ := s.Attr("value")
		_, on := s.Attr("checked")
		checked[v] = on
	})
	if len(checked) != 4 || !checked["A级"] || !checked["B级"] || checked["C级"] || checked["<i>X</i>"] {
		t.Errorf("choices %v", checked)
	}
	if d.Find("[data-testid=intent-default-mark]").Length() != 2 {
		t.Errorf("default marks: %d, want 2", d.Find("[data-testid=intent-default-mark]").Length())
	}
	if strings.Contains(body, "<i>X</i>") {
		t.Error("level name not escaped")
	}
	// Choose A级 and C级.
	if res := app.PostForm(t, c, "/settings", url.Values{"level": {"A级", "C级"}}); res.StatusCode != 303 {
		t.Fatalf("POST /settings: %d", res.StatusCode)
	}
	lv, def, _ := app.Store.IntentLevels(ctx)
	if def || strings.Join(lv, ",") != "A级,C级" {
		t.Errorf("saved %v (default %v)", lv, def)
	}
	// A level nobody has seen is refused; nothing changes.
	app.PostForm(t, c, "/settings", url.Values{"level": {"Z级"}})
	if lv, _, _ = app.Store.IntentLevels(ctx); strings.Join(lv, ",") != "A级,C级" {
		t.Errorf("after an unknown level: %v", lv)
	}
	// Back to the default.
	app.PostForm(t, c, "/settings", url.Values{"reset": {"1"}})
	if _, def, _ = app.Store.IntentLevels(ctx); !def {
		t.Error("reset did not restore the default")
	}
}
