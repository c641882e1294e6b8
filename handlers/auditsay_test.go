package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"

	"dialdesk/audit"
	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// auditCase is an entry and how the audit page words it.
type auditCase struct {
	action string
	task   string
	args   audit.Args
	zh, en string
	link   string // where the detail links, "" for no link
}

// auditCases are one entry per action code, with the arguments as the
// handlers record them, and how the audit page words it in each language.
var auditCases = []auditCase{
	{action: audit.TaskCreate, task: "t1", args: audit.Args{"name": "春季回访", "template": "tp9", "template_name": "会员回访话术",
		"telephones": []string{"02112345678", "02187654321"}, "robots": 3, "time_type": 2, "slots": []string{"09:00-12:00", "13:30-18:00"},
		"number_hide": 2, "export_status": 0},
		zh: "创建任务“春季回访”：话术模板“会员回访话术”，外显号码 02112345678、02187654321，3 个机器人，拨打时间段 09:00-12:00、13:30-18:00，有效期永久，号码隐藏：隐藏中间四位，允许导出通话结果",
		en: "Created task “春季回访”: script template “会员回访话术”, caller numbers 02112345678, 02187654321, 3 robots, calling hours 09:00-12:00, 13:30-18:00, validity: Permanent, number masking: Hide the middle four digits, Allow exporting call results"},
	{action: audit.TaskCreate, task: "t2", args: audit.Args{"name": "秋季", "template": "tp8", // a template no longer listed, custom validity
		"telephones": []string{"02112345678"}, "robots": 1, "time_type": 1, "start": "2026-12-01 09:00", "end": "2026-12-31 18:00",
		"slots": []string{"09:00-12:00"}, "number_hide": 0, "export_status": 1},
		zh: "创建任务“秋季”：话术模板“#tp8”，外显号码 02112345678，1 个机器人，拨打时间段 09:00-12:00，有效期自定义 2026-12-01 09:00 至 2026-12-31 18:00，号码隐藏：不隐藏，不允许导出",
		en: "Created task “秋季”: script template “#tp8”, caller numbers 02112345678, 1 robot, calling hours 09:00-12:00, validity: Custom from 2026-12-01 09:00 to 2026-12-31 18:00, number masking: Off, Do not allow exporting"},
	{action: audit.TaskEdit, task: "t1", args: audit.Args{"name": "春季回访", "changes": []audit.Change{
		{Field: "robot_num", From: "3", To: "2"}, {Field: "time_type", From: "2", To: "1"}, {Field: "task_name", From: "春季", To: "春季回访"}}},
		zh: "修改任务“春季回访”：机器人数从 3 改为 2；有效期从 永久 改为 自定义；任务名称从 春季 改为 春季回访",
		en: "Changed task “春季回访”: Robots from 3 to 2; Validity from Permanent to Custom; Task name from 春季 to 春季回访"},
	{action: audit.TaskPause, task: "t1", args: audit.Args{"name": "春季回访", "status": 1},
		zh: "暂停任务“春季回访”（此前进行中）", en: "Paused task “春季回访” (was running)"},
	{action: audit.TaskResume, task: "t1", args: audit.Args{"name": "春季回访"}, // status unknown
		zh: "继续任务“春季回访”", en: "Resumed task “春季回访”"},
	{action: audit.TaskEnd, task: "t1", args: audit.Args{"name": "春季回访", "status": 5},
		zh: "完结任务“春季回访”（此前暂停中）", en: "Ended task “春季回访” (was paused)"},
	{action: audit.TaskDelete, task: "t1", args: audit.Args{"name": "春季回访", "status": -1},
		zh: "删除任务“春季回访”（此前已删除）", en: "Deleted task “春季回访” (was deleted)"},
	{action: audit.NumbersUpload, task: "t1", args: audit.Args{"file": "名单.xlsx", "rows": 50, "valid": 46, "invalid": 1, "duplicate": 2, "existing": 0, "filtered": 1},
		zh: "上传 名单.xlsx：共 50 行，有效 46，无效 1，重复 2，任务中已有 0，免打扰过滤 1",
		en: "Uploaded 名单.xlsx: 50 rows, 46 valid, 1 invalid, 2 duplicate, 0 already on the task, 1 on the do-not-call list"},
	{action: audit.NumbersUploadRefused, task: "t1", args: audit.Args{"file": "名单.xls", "problem": "file.xls"},
		zh: "上传 名单.xls 未通过：旧版 .xls 文件", en: "Uploaded 名单.xls, refused: old .xls file"},
	{action: audit.NumbersImport, task: "t1", args: audit.Args{"import": 7, "file": "名单.xlsx", "numbers": 1},
		zh: "确认导入 名单.xlsx：发送 1 个号码", en: "Confirmed the import of 名单.xlsx: 1 number to send",
		link: "/tasks/t1/numbers/imports/7"},
	{action: audit.NumbersImport, task: "t1", args: audit.Args{"import": 8, "file": "名单.xlsx", "numbers": 40, "existing": 3, "filtered": 2},
		zh:   "确认导入 名单.xlsx：发送 40 个号码；预览之后任务中已有 3 个、免打扰 2 个，不发送",
		en:   "Confirmed the import of 名单.xlsx: 40 numbers to send; since the preview 3 already on the task and 2 on the do-not-call list, not sent",
		link: "/tasks/t1/numbers/imports/8"},
	{action: audit.NumbersImportResume, task: "t1", args: audit.Args{"import": 7, "file": "名单.xlsx", "left": 20, "total": 46},
		zh: "继续导入 名单.xlsx：46 个号码中还有 20 个待发送", en: "Resumed the import of 名单.xlsx: 20 of 46 numbers left to send",
		link: "/tasks/t1/numbers/imports/7"},
	{action: audit.NumbersImportDone, task: "t1", args: audit.Args{"import": 7, "file": "名单.xlsx", "numbers": 46, "batches": 1},
		zh: "名单.xlsx 导入完成：已发送 46 个号码，共 1 批", en: "Import of 名单.xlsx done: 46 numbers sent in 1 batch",
		link: "/tasks/t1/numbers/imports/7"},
	{action: audit.NumbersImportFailed, task: "t1", args: audit.Args{"import": 7, "file": "名单.xlsx", "batch": 2, "numbers": 500},
		zh: "名单.xlsx 的第 2 批（500 个号码）发送失败", en: "Import of 名单.xlsx: batch 2 (500 numbers) failed",
		link: "/tasks/t1/numbers/imports/7"},
	{action: audit.NumbersCancel, task: "t1", args: audit.Args{"import": 9, "file": "b.xlsx"},
		zh: "取消导入 b.xlsx", en: "Canceled the import of b.xlsx", link: "/tasks/t1/numbers/imports/9"},
	{action: audit.NumbersAbandon, task: "t1", args: audit.Args{"import": 10, "file": "c.xlsx", "unsent": 30, "sent": 15, "unsure": 5},
		zh:   "放弃 c.xlsx 未发送的号码：30 个未发送的号码已移除；15 个已发送的留在任务中；5 个可能已发送（结果未知）保留，不再发送",
		en:   "Gave up the unsent numbers of c.xlsx: 30 not sent, removed; 15 sent stay on the task; 5 possibly sent (outcome unknown) kept, not sent again",
		link: "/tasks/t1/numbers/imports/10"},
	{action: audit.NumbersDelete, task: "t1", args: audit.Args{"count": 2, "phones": []string{"13800138000", "138****8001"}},
		zh: "删除 2 个号码：13800138000、138****8001", en: "Deleted 2 numbers: 13800138000, 138****8001"},
	{action: audit.RedialCreate, task: "t2", args: audit.Args{"import": 11, "from": "t1", "from_name": "老客户回访", "outcomes": []string{"4", "8"},
		"numbers": 120, "filtered": 2, "existing": 3},
		zh:   "准备从“老客户回访”重呼：120 个号码待确认；免打扰 2 个；任务中已有 3 个",
		en:   "Prepared a redial of “老客户回访”: 120 numbers to confirm; 2 on the do-not-call list; 3 already on the task",
		link: "/tasks/t2/numbers/imports/11"},
	{action: audit.NumbersImport, task: "t2", args: audit.Args{"import": 11, "file": "", "numbers": 120},
		zh: "确认导入 重呼的号码：发送 120 个号码", en: "Confirmed the import of a redial's numbers: 120 numbers to send",
		link: "/tasks/t2/numbers/imports/11"},
	{action: audit.DNCAdd, args: audit.Args{"phone": "13800138000", "new": 1},
		zh: "把 13800138000 加入免打扰名单（新增 1 个）", en: "Added 13800138000 to the do-not-call list (1 new)"},
	{action: audit.DNCUpload, args: audit.Args{"file": "黑名单.xlsx", "numbers": 20, "invalid": 2, "new": 18},
		zh: "上传免打扰名单 黑名单.xlsx：20 个号码，无效 2 个，新增 18 个", en: "Uploaded the do-not-call list 黑名单.xlsx: 20 numbers, 2 invalid, 18 new"},
	{action: audit.DNCRemove, args: audit.Args{"phone": "13800138000"},
		zh: "把 13800138000 移出免打扰名单", en: "Removed 13800138000 from the do-not-call list"},
	{action: audit.CallReview, task: "t1", args: audit.Args{"call": "c-42", "phone": "138****0000"},
		zh: "复核了与 138****0000 的通话", en: "Reviewed the call with 138****0000", link: "/tasks/t1/calls/c-42"},
	{action: audit.CallReview, task: "t1", args: audit.Args{"call": "c-43"}, // a call dialdesk had not stored
		zh: "复核了通话", en: "Reviewed the call", link: "/tasks/t1/calls/c-43"},
	{action: audit.CallsExport, task: "t1", args: audit.Args{"rows": 1},
		zh: "导出 1 条通话记录", en: "Exported 1 call"},
	{action: audit.CallsExportInterrupted, task: "t1", args: audit.Args{"rows": 120},
		zh: "导出时中断，已写入 120 条通话记录", en: "Export interrupted after 120 calls"},
	{action: audit.CallsExportCut, task: "t1", args: audit.Args{"rows": 60000},
		zh: "导出 60000 条通话记录，已达导出上限，其余未导出", en: "Exported 60000 calls, cut at the export's limit; the rest were not exported"},
	{action: audit.LeadsExport, args: audit.Args{"rows": 12, "from": "2026-12-01", "to": "2026-12-03"},
		zh: "导出线索：2026-12-01 至 2026-12-03 的 12 条通话记录", en: "Exported leads of 2026-12-01 to 2026-12-03: 12 calls"},
	{action: audit.UserCreate, args: audit.Args{"user": "mgr", "role": "manager"},
		zh: "新建用户 mgr，角色：经理", en: "Created user mgr as manager"},
	{action: audit.UserRole, args: audit.Args{"user": "bob", "from": "supervisor", "to": "manager"},
		zh: "把 bob 的角色从质检员改为经理", en: "Changed bob's role from supervisor to manager"},
	{action: audit.UserPassword, args: audit.Args{"user": "bob"}, zh: "重置了 bob 的密码", en: "Reset bob's password"},
	{action: audit.AccountPassword, args: audit.Args{}, zh: "修改了自己的密码", en: "Changed their own password"},
	{action: audit.UserDisable, args: audit.Args{"user": "bob"}, zh: "停用了用户 bob", en: "Disabled user bob"},
	{action: audit.UserEnable, args: audit.Args{"user": "bob"}, zh: "启用了用户 bob", en: "Enabled user bob"},
	{action: audit.SettingsIntent, args: audit.Args{"levels": []string{"A级", "C级"}}, zh: "把计为意向的等级设为：A级、C级", en: "Set the levels that count as intent to: A级, C级"},
	{action: audit.RuleCreate, args: audit.Args{"rule": 3, "name": "投诉风险", "words": []string{"投诉", "12315"}},
		zh: "新建质检规则“投诉风险”", en: "Created keyword rule “投诉风险”"},
	{action: audit.RuleEdit, args: audit.Args{"rule": 3, "name": "投诉风险", "words": []string{"投诉"}},
		zh: "修改质检规则“投诉风险”", en: "Edited keyword rule “投诉风险”"},
	{action: audit.RuleDelete, args: audit.Args{"rule": 3, "name": "投诉风险"},
		zh: "删除质检规则“投诉风险”", en: "Deleted keyword rule “投诉风险”"},
	{action: audit.SettingsIntentDefault, args: audit.Args{}, zh: "恢复了默认的意向等级", en: "Restored the default intent levels"},
	{action: audit.Login, args: audit.Args{"addr": "10.0.0.7"}, zh: "从 10.0.0.7 登录", en: "Logged in from 10.0.0.7"},
	{action: audit.LoginFailed, args: audit.Args{"addr": "10.0.0.8"},
		zh: "从 10.0.0.8 登录，用户名或密码错误", en: "Login from 10.0.0.8 failed: wrong user name or password"},
	{action: audit.Logout, args: audit.Args{}, zh: "退出了登录", en: "Logged out"},
	{action: audit.QAScorecardCreate, args: audit.Args{"scorecard": 3, "name": "外呼质检", "criteria": 4},
		zh: "新建评分表“外呼质检”（4 个评分项）", en: "Created the scorecard “外呼质检” (4 criteria)"},
	{action: audit.QAScorecardEdit, args: audit.Args{"scorecard": 3, "name": "外呼质检", "version": 2},
		zh: "修改评分表“外呼质检”，当前为第 2 版", en: "Changed the scorecard “外呼质检”, now version 2"},
	{action: audit.QAPlanCreate, args: audit.Args{"plan": 1, "name": "每日抽检"}, zh: "新建质检计划“每日抽检”", en: "Created the review plan “每日抽检”"},
	{action: audit.QAPlanEdit, args: audit.Args{"plan": 1, "name": "每日抽检"}, zh: "修改质检计划“每日抽检”", en: "Changed the review plan “每日抽检”"},
	{action: audit.QAReviewSubmit, task: "7", args: audit.Args{"call": "c1", "phone": "138****0000", "total": 70, "verdict": "fail", "level": "B级"},
		zh: "质检了与 138****0000 的通话：得分 70，不合格，人工意向 B级", en: "Reviewed the call with 138****0000: score 70, Fail, human level B级", link: "/tasks/7/calls/c1"},
	{action: audit.QAReviewClaim, task: "7", args: audit.Args{"call": "c1"}, zh: "从公共池领取了一通待质检电话", en: "Claimed a call to review from the shared pool"},
	{action: audit.QAReviewHandBack, task: "7", args: audit.Args{"call": "c1"}, zh: "把一通待质检电话退回公共池", en: "Handed a call to review back to the shared pool"},
	{action: audit.QADispute, task: "7", args: audit.Args{"call": "c1", "review": 4, "reason": "客户确有意向"},
		zh: "对一条质检结果提出申诉：客户确有意向", en: "Disputed a review: 客户确有意向", link: "/tasks/7/calls/c1"},
	{action: audit.QARule, task: "7", args: audit.Args{"call": "c1", "review": 4, "outcome": "upheld"},
		zh: "裁定一条质检申诉：维持原质检结果", en: "Ruled on a review's dispute: review upheld", link: "/tasks/7/calls/c1"},
	{action: audit.QAExport, args: audit.Args{"rows": 12, "from": "2026-12-01", "to": "2026-12-03"},
		zh: "导出质检明细 12 条（2026-12-01 至 2026-12-03）", en: "Exported 12 reviews (2026-12-01 to 2026-12-03)"},
}

// TestAuditEveryAction: every action code the handlers record reads on the
// audit page as a sentence in the reader's language, from its code and
// arguments (stored as JSON and read back), with its own action name, the
// reviewed call and the import linked; no sentence is stored.
func TestAuditEveryAction(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range auditCases {
		covered[c.action] = true
	}
	for _, a := range audit.Actions {
		if !covered[a] {
			t.Errorf("action %q has no case here", a)
		}
	}
	// The cases outnumber one page of the log: each chunk is checked on
	// the first page of an app of its own.
	for start := 0; start < len(auditCases); start += 40 {
		checkAuditCases(t, auditCases[start:min(start+40, len(auditCases))])
	}
}

func checkAuditCases(t *testing.T, auditCases []auditCase) {
	t.Helper()
	app := testapp.New(t, testapp.Options{NoSeedData: true})
	ctx := context.Background()
	for i := len(auditCases) - 1; i >= 0; i-- { // newest first on the page: the table's order
		c := auditCases[i]
		if err := app.Store.AddAudit(ctx, store.AuditEntry{Username: "admin", TaskID: c.task, Action: c.action, Args: c.args}); err != nil {
			t.Fatal(err)
		}
	}
	admin := app.Login(t, store.RoleAdmin)
	for _, lang := range []string{"zh", "en"} {
		_, body := app.Get(t, admin, "/audit?lang="+lang)
		rows := doc(t, body).Find("[data-testid=audit-row]")
		if rows.First().AttrOr("data-action", "") != audit.Login {
			t.Fatalf("%s: the newest entry is not the admin's login", lang)
		}
		rows = rows.Slice(1, 1+len(auditCases))
		if rows.Length() != len(auditCases) {
			t.Fatalf("%s: %d rows, want %d", lang, rows.Length(), len(auditCases))
		}
		names := map[string]string{}
		for i, c := range auditCases {
			row := rows.Eq(i)
			if got := row.AttrOr("data-action", ""); got != c.action {
				t.Fatalf("%s: row %d is %q, want %q", lang, i, got, c.action)
			}
			detail := row.Find("[data-testid=audit-detail]")
			want := map[string]string{"zh": c.zh, "en": c.en}[lang]
			if diff := cmp.Diff(want, strings.TrimSpace(detail.Text())); diff != "" {
				t.Errorf("%s: %s (-want +got):\n%s", lang, c.action, diff)
			}
			if got := detail.Find("a").AttrOr("href", ""); got != c.link {
				t.Errorf("%s: %s links to %q, want %q", lang, c.action, got, c.link)
			}
			name := strings.TrimSpace(row.Find("[data-testid=audit-action]").Text())
			if name == "" || name == c.action || (names[name] != "" && names[name] != c.action) {
				t.Errorf("%s: %s is named %q (also %s)", lang, c.action, name, names[name])
			}
			names[name] = c.action
		}
	}
}

// TestAuditOldEntriesAsRecorded: entries written before records held codes
// and arguments show their detail exactly as recorded.
func TestAuditOldEntriesAsRecorded(t *testing.T) {
	app := testapp.New(t, testapp.Options{NoSeedData: true})
	old := "import 2 (名单.xlsx) done: 49 numbers in 1 batches"
	if err := app.Store.AddAudit(context.Background(), store.AuditEntry{Username: "admin", TaskID: "t1", Action: "numbers.import", Detail: old}); err != nil {
		t.Fatal(err)
	}
	admin := app.Login(t, store.RoleAdmin)
	for _, lang := range []string{"zh", "en"} {
		_, body := app.Get(t, admin, "/audit?lang="+lang)
		row := doc(t, body).Find("[data-testid=audit-row][data-action='numbers.import']")
		if got := strings.TrimSpace(row.Find("[data-testid=audit-detail]").Text()); got != old {
			t.Errorf("%s: old entry reads %q, want %q as recorded", lang, got, old)
		}
	}
}

// TestAuditLogins: a failed login (as the name that was tried), a login and
// a logout are recorded through the real forms and read as sentences in
// both languages.
func TestAuditLogins(t *testing.T) {
	app := testapp.New(t, testapp.Options{NoSeedData: true})
	name := app.Users[store.RoleManager]
	if res := app.LoginAs(t, app.NewClient(), name, "not-the-password"); res.StatusCode == http.StatusSeeOther {
		t.Fatal("a wrong password logged in")
	}
	m := app.Login(t, store.RoleManager)
	app.PostForm(t, m, "/logout", nil)
	admin := app.Login(t, store.RoleAdmin)
	for _, tc := range []struct{ lang, failed, login, logout string }{
		{"zh", "从 127.0.0.1 登录，用户名或密码错误", "从 127.0.0.1 登录", "退出了登录"},
		{"en", "Login from 127.0.0.1 failed: wrong user name or password", "Logged in from 127.0.0.1", "Logged out"},
	} {
		_, body := app.Get(t, admin, "/audit?user="+url.QueryEscape(name)+"&lang="+tc.lang)
		var got []string
		doc(t, body).Find("[data-testid=audit-row]").Each(func(_ int, s *goquery.Selection) {
			got = append(got, s.AttrOr("data-action", "")+" "+s.Find("[data-testid=audit-user]").Text()+": "+
				strings.TrimSpace(s.Find("[data-testid=audit-detail]").Text()))
		})
		want := []string{"auth.logout " + name + ": " + tc.logout, "auth.login " + name + ": " + tc.login,
			"auth.login.failed " + name + ": " + tc.failed}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: the manager's entries (-want +got):\n%s", tc.lang, diff)
		}
	}
}
