package handlers_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"dialdesk/client"
	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// TestOverviewAttentionFromRates: a caller number and a task whose connect
// rate today is far below their last seven days are listed under 今日提醒
// (only when the range includes today), the task linked.
func TestOverviewAttentionFromRates(t *testing.T) {
	app := newOverviewApp(t, nil)
	ctx := context.Background()
	app.Store.RememberTask(ctx, store.KnownTask{ID: "801", Name: "外呼下降", Created: overviewNow})
	var calls []store.Call
	add := func(start time.Time, caller string, answered bool) {
		c := record("c8"+strconv.Itoa(len(calls)+100), "801", start, 0, "", "")
		if answered {
			c = record("c8"+strconv.Itoa(len(calls)+100), "801", start, 20*time.Second, "C级", "")
		}
		c.Caller = caller
		calls = append(calls, c)
	}
	for d := 1; d <= 6; d++ { // the week: half connect
		for i := range 12 {
			add(overviewNow.AddDate(0, 0, -d).Add(-time.Duration(i)*time.Minute), "02100000001", i%2 == 0)
		}
	}
	for i := range 25 { // today: none connects
		add(overviewNow.Add(-time.Duration(i+1)*time.Minute), "02100000001", false)
	}
	saveRecords(t, app, calls...)
	c := app.Login(t, store.RoleManager)
	d := doc(t, mustGet(t, app, c, "/overview"))
	if got := d.Find(`[data-attention=caller]`).Text(); !strings.Contains(got, "02100000001") || !strings.Contains(got, "0.0%") || !strings.Contains(got, "50.0%") {
		t.Errorf("caller reminder: %q", got)
	}
	if a := d.Find(`[data-attention=drop] a`); !strings.Contains(a.Text(), "外呼下降") || a.AttrOr("href", "") != "/tasks/801" {
		t.Errorf("task reminder: %q → %q", a.Text(), a.AttrOr("href", ""))
	}
	// A range without today has no reminders.
	d = doc(t, mustGet(t, app, c, "/overview?from=2026-11-28&to=2026-12-01"))
	if d.Find(`[data-testid=attention]`).Length() != 0 {
		t.Error("reminders on a range without today")
	}
}

// TestOverviewAttentionFromPlatform: with the seeded platform (tasks running,
// none with a call in the store), running tasks are listed as stalled and
// linked, and a task that dialed all its numbers offers 上传号码.
func TestOverviewAttentionFromPlatform(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	c := app.Login(t, store.RoleManager)
	d := doc(t, mustGet(t, app, c, "/overview"))
	stalled := d.Find(`[data-attention=stalled] a`)
	if stalled.Length() == 0 || !strings.HasPrefix(stalled.First().AttrOr("href", ""), "/tasks/") {
		t.Fatalf("no stalled task listed: %q", d.Find(`[data-testid=attention]`).Text())
	}
	tasks, err := app.Client.QueryTasks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	running := 0
	for _, tk := range tasks {
		if tk.Status == client.TaskRunning {
			running++
		}
	}
	if stalled.Length() > running {
		t.Errorf("%d stalled, but only %d tasks run", stalled.Length(), running)
	}
	// The task page links to its task's overview.
	id := strings.TrimPrefix(stalled.First().AttrOr("href", ""), "/tasks/")
	if href := doc(t, mustGet(t, app, c, "/tasks/"+id)).Find(`[data-testid=task-overview-link]`).AttrOr("href", ""); href != "/overview?task="+id {
		t.Errorf("task page's overview link = %q", href)
	}
	d.Find(`[data-attention=nonumbers]`).Each(func(_ int, s *goquery.Selection) {
		if !strings.HasSuffix(s.Find("a.btn").AttrOr("href", ""), "/numbers") {
			t.Errorf("out of numbers without an upload link: %q", s.Text())
		}
	})
}
