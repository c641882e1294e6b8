package handlers_test

import (
	"context"
	"strings"
	"testing"

	"dialdesk/internal/testapp"
	"dialdesk/store"
	"dialdesk/views"
)

// TestAuditInWords: the audit page names every action in the reader's
// language and gives the platform's answer as the code's explanation with
// the code, never the Go error text that was recorded.
func TestAuditInWords(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	ctx := context.Background()
	for _, e := range []store.AuditEntry{
		{Action: "task.resume", TaskID: "t1", Answer: "platform resume_task: 320024 只有暂停中的任务可以继续操作"},
		{Action: "task.pause", TaskID: "t1", Answer: "platform pause_task: timeout after 3 attempts: context deadline exceeded"},
		{Action: "task.end", TaskID: "t1", Answer: "store: database is locked"},
		{Action: "numbers.delete", TaskID: "t2", Answer: "unavailable (HTTP 502)"},
		{Action: "task.edit", TaskID: "t2", Answer: "320013 机器人数超出"},
		{Action: "task.create", TaskID: "t3", Answer: "HTTP 404 not found"},
		{Action: "user.create", Detail: "alice (manager)"},
		{Action: "user.disable", Detail: "bob"},
		{Action: "numbers.upload", TaskID: "t1"},
	} {
		e.Username = "admin"
		if err := app.Store.AddAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	c := app.Login(t, store.RoleAdmin)
	for _, lang := range []string{"zh", "en"} {
		_, body := app.Get(t, c, "/audit?lang="+lang)
		d := doc(t, body)
		got := map[string]string{}
		rows := d.Find("[data-testid=audit-row]")
		for i := range rows.Length() {
			r := rows.Eq(i)
			got[r.AttrOr("data-action", "")] = r.Find("[data-testid=audit-action]").Text() + " | " + strings.Join(strings.Fields(r.Find("[data-testid=audit-answer]").Text()), " ")
		}
		table := d.Find("[data-testid=audit]").Text()
		for _, bad := range []string{"platform resume_task", "platform pause_task", "context deadline", "database is locked", "user.create", "user.disable", "numbers.upload"} {
			if strings.Contains(table, bad) {
				t.Errorf("%s: the audit page shows %q:\n%v", lang, bad, got)
			}
		}
		if want := views.PlatformError(views.Lang(lang), "320024") + " (320024)"; !strings.Contains(got["task.resume"], want) {
			t.Errorf("%s: resume answer %q, want %q", lang, got["task.resume"], want)
		}
		for action, code := range map[string]string{"task.edit": "320013"} {
			if want := views.PlatformError(views.Lang(lang), code) + " (" + code + ")"; !strings.Contains(got[action], want) {
				t.Errorf("%s: %s answer %q, want %q", lang, action, got[action], want)
			}
		}
		if want := views.PlatformError(views.Lang(lang), "unavailable"); !strings.Contains(got["numbers.delete"], want) {
			t.Errorf("%s: unavailable answer %q, want %q", lang, got["numbers.delete"], want)
		}
		if !strings.Contains(got["task.create"], "(HTTP 404)") || strings.Contains(got["task.create"], "not found") {
			t.Errorf("%s: HTTP 404 answer %q", lang, got["task.create"])
		}
		want := map[string]string{"zh": "新建用户", "en": "create user"}[lang]
		if !strings.HasPrefix(got["user.create"], want) {
			t.Errorf("%s: user.create shown as %q", lang, got["user.create"])
		}
	}
}
