package handlers_test

import (
	"context"
	"strings"
	"testing"

	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// TestAuditDetailsInReadersLanguage: the details the handlers record (a
// task's status, export and upload counts, imports, roles) read in the
// reader's language on the audit page, not in the language they were stored in.
func TestAuditDetailsInReadersLanguage(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	ctx := context.Background()
	for _, e := range []store.AuditEntry{
		{Action: "task.pause", TaskID: "t1", Detail: "春季回访 (进行中)", Answer: "000000"},
		{Action: "calls.export", TaskID: "t1", Detail: "30 rows"},
		{Action: "numbers.upload", TaskID: "t1", Detail: "名单.xlsx: rows 50, valid 49, invalid 1, duplicate 0, existing 0, filtered 0"},
		{Action: "numbers.import", TaskID: "t1", Detail: "import 2 (名单.xlsx) done: 49 numbers in 1 batches", Answer: "000000"},
		{Action: "user.create", Detail: "mgr (manager)"},
	} {
		e.Username = "admin"
		if err := app.Store.AddAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	c := app.Login(t, store.RoleAdmin)
	want := map[string]map[string]string{
		"zh": {
			"task.pause":     "春季回访 (进行中)",
			"calls.export":   "30 条",
			"numbers.upload": "名单.xlsx:共 50 行,有效 49,无效 1,重复 0,任务中已有 0,免打扰过滤 0",
			"numbers.import": "导入 2(名单.xlsx)完成:已发送 49 个号码,共 1 批",
			"user.create":    "mgr (经理)",
		},
		"en": {
			"task.pause":     "春季回访 (running)",
			"calls.export":   "30 rows",
			"numbers.upload": "名单.xlsx: 50 rows, valid 49, invalid 1, duplicate 0, already on the task 0, filtered 0",
			"numbers.import": "import 2 (名单.xlsx) done: 49 numbers sent in 1 batches",
			"user.create":    "mgr (manager)",
		},
	}
	for _, lang := range []string{"zh", "en"} {
		_, body := app.Get(t, c, "/audit?lang="+lang)
		d := doc(t, body)
		rows := d.Find("[data-testid=audit-row]")
		got := map[string]string{}
		for i := range rows.Length() {
			r := rows.Eq(i)
			got[r.AttrOr("data-action", "")] = strings.TrimSpace(r.Find("[data-testid=audit-detail]").Text())
		}
		for action, w := range want[lang] {
			if got[action] != w {
				t.Errorf("%s: %s detail = %q, want %q", lang, action, got[action], w)
			}
		}
	}
}
