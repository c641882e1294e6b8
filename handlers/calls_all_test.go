package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// saveCalls stores n calls of task (answered unless noAnswer), one a
// minute back from at, with the given intention.
func saveCalls(t *testing.T, app *testapp.App, task, prefix string, n int, at time.Time, intention string, noAnswer bool) {
	t.Helper()
	for i := range n {
		c := store.Call{CallID: fmt.Sprintf("%s%03d", prefix, i), TaskID: task, Tel: fmt.Sprintf("1390000%04d", i),
			Status: 2, Intention: intention, StartAt: at.Add(-time.Duration(i) * time.Minute), FeeMS: 12000}
		if noAnswer {
			c.Status = 3
		} else {
			c.AnswerAt = c.StartAt.Add(5 * time.Second)
		}
		if _, err := app.Store.SaveCall(context.Background(), c, false); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAllCalls: GET /calls is every task's calls with pages, filters (task,
// days, level, answered only, number) and the task pages' level words.
func TestAllCalls(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	ids := app.Sandbox.TaskIDs()
	t1, t2 := ids[0], ids[1]
	at := time.Date(2026, 3, 6, 15, 0, 0, 0, time.Local)
	saveCalls(t, app, t1, "a", 30, at, "有意向\x01要求发资料", false)
	saveCalls(t, app, t2, "b", 5, at.AddDate(0, 0, -2), "无意向", false)
	saveCalls(t, app, t2, "n", 3, at.AddDate(0, 0, -3), "", true)
	c := app.Login(t, store.RoleSupervisor)

	res, body := app.Get(t, c, "/calls")
	d := doc(t, body)
	if res.StatusCode != 200 || d.Find("[data-testid=call-row]").Length() != 20 {
		t.Fatalf("GET /calls: %d, %d rows, want 20", res.StatusCode, d.Find("[data-testid=call-row]").Length())
	}
	if got := d.Find("[data-testid=calls-total]").Text(); !strings.Contains(got, "38") {
		t.Errorf("total %q, want 38", got)
	}
	if got := d.Find("[data-testid=page-of]").Text(); !strings.Contains(got, "2") {
		t.Errorf("pager %q, want 2 pages", got)
	}
	// The level in the task pages' words, not the raw intention.
	first := d.Find("[data-testid=call-row]").First()
	if got := first.Find("[data-testid=level]").Text(); got != "A级(有意向)" {
		t.Errorf("level %q, want A级(有意向)", got)
	}
	if got := first.Find("[data-testid=intent]").Text(); got != "要求发资料" {
		t.Errorf("other intention %q, want 要求发资料", got)
	}
	if strings.Contains(body, "(推送)") || strings.Contains(body, "（推送）") || strings.Contains(body, "(pushed)") {
		t.Error("push jargon on /calls")
	}
	_, body = app.Get(t, c, d.Find("[data-testid=page-next]").AttrOr("href", ""))
	if n := doc(t, body).Find("[data-testid=call-row]").Length(); n != 18 {
		t.Errorf("page 2: %d rows, want 18", n)
	}

	levels, err := app.Client.Levels(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var levelD string
	for _, l := range levels {
		if l.Name == "D级" {
			levelD = string(l.ID)
		}
	}
	for _, tc := range []struct {
		name  string
		query url.Values
		want  int
	}{
		{"task", url.Values{"task": {t2}}, 8},
		{"answered only", url.Values{"task": {t2}, "answered": {"1"}}, 5},
		{"level by the platform's id", url.Values{"level": {levelD}}, 5},
		{"days", url.Values{"from": {"2026-03-04"}, "to": {"2026-03-04"}}, 5},
		{"number across tasks", url.Values{"q": {"13900000001"}}, 3},
		{"nothing", url.Values{"q": {"555"}}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := app.Get(t, c, "/calls?"+tc.query.Encode())
			d := doc(t, body)
			if res.StatusCode != 200 || d.Find("[data-testid=call-row]").Length() != tc.want {
				t.Errorf("%d, %d rows, want %d", res.StatusCode, d.Find("[data-testid=call-row]").Length(), tc.want)
			}
			if d.Find("[data-testid=filter-clear]").Length() != 1 {
				t.Error("no way to clear the filter")
			}
			for k := range tc.query { // the form shows the filter applied
				if d.Find("[name="+k+"]").Length() == 0 {
					t.Errorf("no %s field", k)
				}
			}
		})
	}
	// The pager's links carry the filter.
	_, body = app.Get(t, c, "/calls?task="+t1)
	if next := doc(t, body).Find("[data-testid=page-next]").AttrOr("href", ""); !strings.Contains(next, "task="+t1) || !strings.Contains(next, "page=2") {
		t.Errorf("next page link %q lacks the filter", next)
	}
}

// TestAllCallsBadFilter: a filter with a mistake shows its message, the
// input as typed, and no list; nothing is echoed unescaped.
func TestAllCallsBadFilter(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	saveCalls(t, app, app.Sandbox.TaskIDs()[0], "a", 3, time.Now(), "有意向", false)
	c := app.Login(t, store.RoleSupervisor)
	for _, tc := range []struct{ query, field, input, value string }{
		{"from=2026-03-06&to=2026-03-01", "time", "from", "2026-03-06"},
		{"from=abc", "time", "from", "abc"},
		{"q=" + url.QueryEscape(`<script>alert(1)</script>`), "q", "q", `<script>alert(1)</script>`},
		{"task=nosuchtask", "task", "", ""},
		{"level=nosuchlevel", "level", "", ""},
	} {
		res, body := app.Get(t, c, "/calls?"+tc.query)
		d := doc(t, body)
		if res.StatusCode != 200 || d.Find("[data-testid=error-"+tc.field+"]").Length() != 1 {
			t.Errorf("%s: %d, no message next to %s", tc.query, res.StatusCode, tc.field)
		}
		if d.Find("[data-testid=call-row]").Length() != 0 || d.Find("[data-testid=filter-invalid]").Length() != 1 {
			t.Errorf("%s: rows listed under a filter that was not applied", tc.query)
		}
		if tc.input != "" {
			if got := d.Find("input[name="+tc.input+"]").AttrOr("value", ""); got != tc.value {
				t.Errorf("%s: input %s shows %q, want %q", tc.query, tc.input, got, tc.value)
			}
		}
		if strings.Contains(body, "<script>alert") {
			t.Errorf("%s: echoed unescaped", tc.query)
		}
	}
}

// TestUnreadPerUser: opening a call marks it read for that user only; a call
// never answered is never "unread"; on the task's list and on /calls alike.
func TestUnreadPerUser(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	task := app.Sandbox.TaskIDs()[0]
	saveCalls(t, app, task, "a", 2, time.Now(), "有意向", false)
	saveCalls(t, app, task, "n", 1, time.Now().Add(-time.Hour), "", true)
	if _, err := app.Store.CreateUser(context.Background(), "sup2", "another-Passw0rd", store.RoleSupervisor); err != nil {
		t.Fatal(err)
	}
	sup1 := app.Login(t, store.RoleSupervisor)
	sup2 := app.NewClient()
	if res := app.LoginAs(t, sup2, "sup2", "another-Passw0rd"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login sup2: %d", res.StatusCode)
	}
	unread := func(c *http.Client, key string) bool {
		t.Helper()
		_, body := app.Get(t, c, "/calls")
		row := doc(t, body).Find("[data-call=" + key + "]")
		if row.Length() != 1 {
			t.Fatalf("call %s not on /calls", key)
		}
		return row.Find("[data-testid=unread]").Length() == 1
	}
	if !unread(sup1, "a000") || !unread(sup2, "a000") {
		t.Fatal("an answered call nobody opened is not unread")
	}
	if unread(sup1, "n000") {
		t.Error("a call never answered is marked unread")
	}
	app.Get(t, sup1, "/tasks/"+task+"/calls/a000")
	if unread(sup1, "a000") {
		t.Error("still unread for the supervisor who opened it")
	}
	if !unread(sup2, "a000") {
		t.Error("read for everyone after one supervisor opened it")
	}
	// The task's own list (its stored calls merged in) says the same.
	_, body := app.Get(t, sup2, "/tasks/"+task+"/calls")
	if row := doc(t, body).Find("[data-call=a000]"); row.Length() != 1 || row.Find("[data-testid=unread]").Length() != 1 {
		t.Error("task list: not unread for the supervisor who did not open it")
	}
	_, body = app.Get(t, sup1, "/tasks/"+task+"/calls")
	if row := doc(t, body).Find("[data-call=a000]"); row.Length() != 1 || row.Find("[data-testid=unread]").Length() != 0 {
		t.Error("task list: still unread for the supervisor who opened it")
	}
}
