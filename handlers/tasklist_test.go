package handlers_test

import (
	"context"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"

	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// TestTaskListSortSelect: the filter bar's sort select (the only way to sort
// on a tablet, where the header row is hidden) offers every order, shows the
// current one, and sort=key.dir orders the list as sort=key&dir=dir does.
func TestTaskListSortSelect(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	c := app.Login(t, store.RoleSupervisor)

	_, body := app.Get(t, c, "/tasks")
	d := doc(t, body)
	sel := d.Find(`[data-testid=task-filters] select[name=sort]`)
	if sel.Length() != 1 {
		t.Fatalf("no sort select in the filter form")
	}
	if got := sel.Find("option[selected]").AttrOr("value", ""); got != "created.desc" {
		t.Errorf("default selected = %q, want created.desc", got)
	}
	if n := sel.Find("option").Length(); n != 12 {
		t.Errorf("options = %d, want 12 (six columns, two directions)", n)
	}
	if d.Find(`[data-testid=task-filters] input[name=dir]`).Length() != 0 {
		t.Errorf("a dir input would override the select's direction")
	}

	for _, c2 := range [][2]string{{"progress.desc", "sort=progress&dir=desc"}, {"name.asc", "sort=name&dir=asc"}, {"intent.asc", "sort=intent&dir=asc"}} {
		_, viaSelect := app.Get(t, c, "/tasks?sort="+c2[0])
		_, viaHeader := app.Get(t, c, "/tasks?"+c2[1])
		_, _, a := rowsOf(t, viaSelect)
		_, _, b := rowsOf(t, viaHeader)
		if diff := cmp.Diff(b, a); diff != "" {
			t.Errorf("sort=%s differs from %s (-want +got):\n%s", c2[0], c2[1], diff)
		}
		if got := doc(t, viaHeader).Find(`select[name=sort] option[selected]`).AttrOr("value", ""); got != c2[0] {
			t.Errorf("%s: selected option %q, want %q", c2[1], got, c2[0])
		}
	}
}

// TestTaskListPaging: with more tasks than a page holds, the list shows 50
// a page with links that keep the filters and order; in the store's own
// orders only the shown page is read upstream (batches of ≤ 15, all at
// once), and the polling URL names only the page's tasks.
func TestTaskListPaging(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	// 120 tasks to list: the seed's two deleted ones are left out.
	addTasks(t, app, 122-len(app.Sandbox.TaskIDs()))
	c := app.Login(t, store.RoleSupervisor)
	app.Get(t, c, "/tasks?status=-1") // the store learns the new tasks, and which are deleted

	app.Server.DropTaskCache()
	app.Sandbox.ResetCounts()
	_, body := app.Get(t, c, "/tasks")
	d, rows, order := rowsOf(t, body)
	if len(rows) != 50 {
		t.Fatalf("page 1: %d rows, want 50", len(rows))
	}
	if n := app.Sandbox.Count("query_task_info"); n != 4 {
		t.Errorf("page 1, cold: query_task_info calls = %d, want 4 (50 ids in batches of 15)", n)
	}
	if got := d.Find("[data-testid=page-of]").Text(); got != "第 1 / 3 页" {
		t.Errorf("pager says %q", got)
	}
	if !strings.Contains(d.Find("[data-testid=task-filters]").Text(), "共 120 个任务") {
		t.Errorf("count: %q", d.Find("[data-testid=task-filters]").Text())
	}
	live, _ := url.Parse(d.Find("[data-testid=poller]").AttrOr("hx-get", ""))
	if ids := strings.Split(live.Query().Get("ids"), ","); len(ids) != 50 || ids[0] != order[0] {
		t.Errorf("poller watches %d ids", len(ids))
	}
	if d.Find("[data-testid=page-prev]").Length() != 0 {
		t.Errorf("page 1 offers a previous page")
	}
	next := d.Find("[data-testid=page-next]").AttrOr("href", "")
	_, body = app.Get(t, c, next)
	_, rows2, order2 := rowsOf(t, body)
	if len(rows2) != 50 || rows[order2[0]] != nil {
		t.Errorf("page 2: %d rows, first %s (also on page 1: %v)", len(rows2), order2[0], rows[order2[0]] != nil)
	}

	// The last page, and a page past the end shows the last one.
	for _, p := range []string{"3", "99"} {
		_, body = app.Get(t, c, "/tasks?page="+p)
		d, rows, _ = rowsOf(t, body)
		if len(rows) != 20 || d.Find("[data-testid=page-of]").Text() != "第 3 / 3 页" || d.Find("[data-testid=page-next]").Length() != 0 {
			t.Errorf("page=%s: %d rows, %q", p, len(rows), d.Find("[data-testid=page-of]").Text())
		}
	}

	// An order by counts pages after sorting every task; links keep it.
	_, body = app.Get(t, c, "/tasks?sort=progress.desc&page=2")
	d, rows, _ = rowsOf(t, body)
	href := d.Find("[data-testid=page-prev]").AttrOr("href", "")
	if len(rows) != 50 || !strings.Contains(href, "sort=progress") || !strings.Contains(href, "dir=desc") {
		t.Errorf("sort=progress page 2: %d rows, prev %q", len(rows), href)
	}
	_, all := app.Get(t, c, "/tasks?sort=progress.desc")
	_, _, first := rowsOf(t, all)
	_, _, second := rowsOf(t, body)
	for _, id := range second {
		if slices.Contains(first, id) {
			t.Errorf("task %s on pages 1 and 2 of sort=progress", id)
		}
	}

	// A filter counts what matches, on every page.
	_, body = app.Get(t, c, "/tasks?q=压测任务")
	d, rows, _ = rowsOf(t, body)
	if n := len(app.Sandbox.TaskIDs()) - 20; len(rows) != 50 || !strings.Contains(d.Text(), "共 102 个任务") || n != 102 {
		t.Errorf("q: %d rows; %q", len(rows), d.Find("[data-testid=task-filters]").Text())
	}
}

// TestTaskListCreatedOrElsewhere: the platform gives no creation time, so a
// task dialdesk created shows when and by whom, and any other task says it
// was not created here (the words a console uses, not "first seen").
func TestTaskListCreatedOrElsewhere(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	ids := app.Sandbox.TaskIDs()
	mine := ids[0]
	if err := app.Store.RememberTask(context.Background(), store.KnownTask{ID: mine, CreatedBy: "alice"}); err != nil {
		t.Fatal(err)
	}
	c := app.Login(t, store.RoleSupervisor)
	for _, lang := range []struct{ code, head, by, seen string }{
		{"zh", "创建时间", "由 alice 创建", "非本系统创建"},
		{"en", "Created", "created by alice", "not created here"},
	} {
		_, body := app.Get(t, c, "/tasks?lang="+lang.code)
		d, rows, _ := rowsOf(t, body)
		if got := d.Find(`[data-sort=created]`).Text(); !strings.Contains(got, lang.head) {
			t.Errorf("%s: column head %q", lang.code, got)
		}
		if got := rows[mine].Find("[data-testid=created-by]").Text(); got != lang.by {
			t.Errorf("%s: created by = %q, want %q", lang.code, got, lang.by)
		}
		other := rows[ids[1]]
		if strings.Contains(d.Text(), "首次发现") || strings.Contains(d.Text(), "first seen") {
			t.Errorf("%s: the page still says first seen", lang.code)
		}
		if got := other.Find("[data-testid=not-created-here]").Text(); got != lang.seen || other.Find("[data-testid=created-by]").Length() != 0 {
			t.Errorf("%s: seen-only task says %q", lang.code, got)
		}
		if at := other.Find("[data-testid=created-at]").Text(); len(at) != len("2006-01-02 15:04") {
			t.Errorf("%s: time %q", lang.code, at)
		}
	}
}

// TestLangSwitchAfterInvalidCreate: the create form answered with errors
// (no JavaScript: a full page from POST /tasks) switches language to the
// form, not to the task list that GET /tasks is.
func TestLangSwitchAfterInvalidCreate(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	c := app.Login(t, store.RoleManager)
	tok := app.CSRFToken(t, c, "/tasks/new")
	res, body := app.PostFormBody(t, c, "/tasks", url.Values{"csrf_token": {tok}, "task_name": {""}})
	if res.StatusCode != 422 {
		t.Fatalf("invalid create: %d", res.StatusCode)
	}
	if got := doc(t, body).Find("[data-testid=lang-en]").AttrOr("href", ""); got != "/tasks/new?lang=en" {
		t.Errorf("English link after POST /tasks = %q, want /tasks/new?lang=en", got)
	}
}

// TestTaskListHidesDeleted: "全部状态" leaves deleted tasks out, whether they
// were deleted through dialdesk or on the platform, in the store's order and
// in an order by counts; the 已删除 filter shows them.
func TestTaskListHidesDeleted(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	ids := app.Sandbox.TaskIDs()
	here, there := ids[0], ids[1]
	c := app.Login(t, store.RoleManager)
	tok := app.CSRFToken(t, c, "/tasks/"+here+"/delete")
	if res := app.PostForm(t, c, "/tasks/"+here+"/delete", url.Values{"csrf_token": {tok}}); res.StatusCode >= 400 {
		t.Fatalf("delete through dialdesk: %d", res.StatusCode)
	}
	if err := app.Client.DeleteTask(context.Background(), there); err != nil { // someone else, on the platform
		t.Fatal(err)
	}
	for _, path := range []string{"/tasks", "/tasks?sort=progress.desc", "/tasks", "/tasks?q=" + url.QueryEscape("")} {
		_, body := app.Get(t, c, path)
		d, rows, _ := rowsOf(t, body)
		if rows[here] != nil || rows[there] != nil {
			t.Errorf("%s lists a deleted task (dialdesk %v, platform %v)", path, rows[here] != nil, rows[there] != nil)
		}
		if got := d.Find(`select[name=status] option[value="-1"]`).Text(); got != "已删除" {
			t.Errorf("%s: deleted filter option %q", path, got)
		}
	}
	_, body := app.Get(t, c, "/tasks?status=-1")
	_, rows, order := rowsOf(t, body)
	if rows[here] == nil || rows[there] == nil {
		t.Errorf("status=-1 lists %v, want %s and %s among them", order, here, there)
	}
	for id, row := range rows {
		if st := row.Find("[data-testid=status]").AttrOr("data-status", ""); st != "-1" {
			t.Errorf("status=-1 lists %s in status %q", id, st)
		}
	}
	k, err := app.Store.KnownTask(context.Background(), there)
	if err != nil || !k.Deleted {
		t.Errorf("the platform's deletion is not remembered: %+v, %v", k, err)
	}
}

// TestTaskListSlotsDoNotBreak: each calling-hours range is one unbreakable
// span (.time-range, white-space: nowrap), so "14:00-" and "21:00" never
// part on a narrow screen.
func TestTaskListSlotsDoNotBreak(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	c := app.Login(t, store.RoleSupervisor)
	_, body := app.Get(t, c, "/tasks")
	_, rows, _ := rowsOf(t, body)
	ranges := 0
	for id, row := range rows {
		row.Find("[data-testid=slot] .time-range").Each(func(_ int, s *goquery.Selection) {
			ranges++
			if !regexp.MustCompile(`^\d\d:\d\d-\d\d:\d\d$`).MatchString(s.Text()) {
				t.Errorf("task %s: range span %q", id, s.Text())
			}
		})
	}
	if ranges == 0 {
		t.Fatal("no calling-hours range in its own span")
	}
}
