package handlers_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

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
			"task.pause":     "春季回访（进行中）",
			"calls.export":   "30 条",
			"numbers.upload": "名单.xlsx：共 50 行，有效 49，无效 1，重复 0，任务中已有 0，免打扰过滤 0",
			"numbers.import": "导入 2（名单.xlsx）完成：已发送 49 个号码，共 1 批",
			"user.create":    "mgr（经理）",
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

// TestAuditDetailsMoreShapes: resumed, canceled and abandoned imports, a
// failed batch, a confirm that dropped numbers, number deletion,
// do-not-call additions and removals, role changes and interrupted or cut
// exports read in the reader's language too; a password reset, disable or
// enable records only the user's name, which reads as recorded.
func TestAuditDetailsMoreShapes(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	ctx := context.Background()
	tests := []struct {
		action, detail string
		zh, en         string
	}{
		{"numbers.import", "import 3 (名单.xlsx) resumed: 40 of 49 numbers left to send",
			"导入 3（名单.xlsx）继续：49 个号码中还有 40 个待发送", "import 3 (名单.xlsx) resumed: 40 of 49 numbers left to send"},
		{"numbers.import", "import 3 (名单.xlsx) confirmed: send 49 numbers; since the preview 2 already on the task, 1 on the do-not-call list: not sent",
			"导入 3（名单.xlsx）已确认：发送 49 个号码；预览之后任务中已有 2 个、免打扰 1 个：未发送",
			"import 3 (名单.xlsx) confirmed: send 49 numbers; since the preview 2 already on the task, 1 on the do-not-call list: not sent"},
		{"numbers.import", "import 3 batch 1 (500 numbers) failed",
			"导入 3 的批次 1（500 个号码）发送失败", "import 3 batch 1 (500 numbers) failed"},
		{"numbers.cancel", "import 4 (b.xlsx) canceled", "导入 4（b.xlsx）已取消", "import 4 (b.xlsx) canceled"},
		{"numbers.abandon", "import 5 (c.xlsx) abandoned: 30 numbers not sent, removed; 15 sent stay on the task; 5 possibly sent (outcome unknown) kept, not sent again",
			"导入 5（c.xlsx）已放弃：30 个未发送的号码已移除；15 个已发送的留在任务中；5 个可能已发送（结果未知）保留，不再发送",
			"import 5 (c.xlsx) abandoned: 30 numbers not sent, removed; 15 sent stay on the task; 5 possibly sent (outcome unknown) kept, not sent again"},
		{"numbers.delete", "delete 2 numbers: 13800138000, 138****8001",
			"删除 2 个号码：13800138000, 138****8001", "delete 2 numbers: 13800138000, 138****8001"},
		{"dnc.add", "add 13800138000 (1 new)", "加入 13800138000（新增 1 个）", "add 13800138000 (1 new)"},
		{"dnc.add", "upload 黑名单.xlsx: 20 numbers, 2 invalid (18 new)",
			"上传 黑名单.xlsx：20 个号码，无效 2（新增 18 个）", "upload 黑名单.xlsx: 20 numbers, 2 invalid (18 new)"},
		{"dnc.remove", "remove 13800138000", "移出 13800138000", "remove 13800138000"},
		{"user.role", "bob: supervisor → manager", "bob：质检员 → 经理", "bob: supervisor → manager"},
		{"user.password", "bob", "bob", "bob"},
		{"user.disable", "bob", "bob", "bob"},
		{"user.enable", "bob", "bob", "bob"},
		{"calls.export", "120 rows, interrupted", "已写入 120 条后中断", "120 rows, interrupted"},
		{"calls.export", "60000 rows, cut at the export's limit", "60000 条，已达导出上限，其余未导出", "60000 rows, cut at the export's limit"},
		{"calls.export", "something else", "something else", "something else"},
	}
	for i, tc := range tests {
		// The user names the entry, so that each row is found whatever its order.
		e := store.AuditEntry{Username: fmt.Sprintf("u%02d", i), Action: tc.action, Detail: tc.detail}
		if err := app.Store.AddAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	c := app.Login(t, store.RoleAdmin)
	for _, lang := range []string{"zh", "en"} {
		_, body := app.Get(t, c, "/audit?lang="+lang)
		got, actions := map[string]string{}, map[string]string{}
		doc(t, body).Find("[data-testid=audit-row]").Each(func(_ int, r *goquery.Selection) {
			got[strings.TrimSpace(r.Find("[data-testid=audit-user]").Text())] = strings.TrimSpace(r.Find("[data-testid=audit-detail]").Text())
			actions[r.AttrOr("data-action", "")] = strings.TrimSpace(r.Find("[data-testid=audit-action]").Text())
		})
		if want := map[string]string{"zh": "放弃未发送的号码", "en": "give up unsent numbers"}[lang]; actions["numbers.abandon"] != want {
			t.Errorf("%s: numbers.abandon is named %q, want %q", lang, actions["numbers.abandon"], want)
		}
		for i, tc := range tests {
			want := tc.zh
			if lang == "en" {
				want = tc.en
			}
			if g := got[fmt.Sprintf("u%02d", i)]; g != want {
				t.Errorf("%s: %s %q reads %q, want %q", lang, tc.action, tc.detail, g, want)
			}
		}
	}
}
