package handlers_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"

	"dialdesk/client"
	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// taskInStatus returns a seed task of the sandbox in status st.
func taskInStatus(t *testing.T, app *testapp.App, st client.TaskStatus) client.TaskInfo {
	t.Helper()
	infos, err := app.Client.QueryTaskInfo(context.Background(), app.Sandbox.TaskIDs())
	if err != nil {
		t.Fatal(err)
	}
	for _, info := range infos {
		if info.Status == st && info.CallTotalData > 0 {
			return info
		}
	}
	t.Fatalf("no seed task in status %d", st)
	return client.TaskInfo{}
}

// platformStatus asks the sandbox for a task's status.
func platformStatus(t *testing.T, app *testapp.App, id string) client.TaskStatus {
	t.Helper()
	infos, err := app.Client.QueryTaskInfo(context.Background(), []string{id})
	if err != nil || len(infos) != 1 {
		t.Fatalf("query_task_info %s: %v %v", id, infos, err)
	}
	return infos[0].Status
}

// actionsOf lists the action buttons of a task page's header.
func actionsOf(t *testing.T, body string) []string {
	t.Helper()
	var got []string
	doc(t, body).Find("[data-testid=task-header] [data-testid^=action-]").Each(func(_ int, s *goquery.Selection) {
		got = append(got, strings.TrimPrefix(s.AttrOr("data-testid", ""), "action-"))
	})
	return got
}

func TestTaskPageHeaderAndOverview(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	running := taskInStatus(t, app, client.TaskRunning)
	paused := taskInStatus(t, app, client.TaskPaused)
	finished := taskInStatus(t, app, client.TaskFinished)
	m := app.Login(t, store.RoleManager)
	for _, tc := range []struct {
		info client.TaskInfo
		want []string
	}{
		{running, []string{"edit", "copy", "redial", "pause", "end", "delete"}},
		{paused, []string{"edit", "copy", "redial", "resume", "end", "delete"}},
		{finished, []string{"copy", "redial", "delete"}},
	} {
		res, body := app.Get(t, m, "/tasks/"+tc.info.ID)
		if res.StatusCode != 200 {
			t.Fatalf("GET task %s: %d", tc.info.ID, res.StatusCode)
		}
		if diff := cmp.Diff(tc.want, actionsOf(t, body)); diff != "" {
			t.Errorf("status %d: actions (-want +got):\n%s", tc.info.Status, diff)
		}
		d := doc(t, body)
		if got := d.Find("[data-testid=task-title]").Text(); got != tc.info.Name {
			t.Errorf("title = %q, want %q", got, tc.info.Name)
		}
		if got := d.Find("[data-testid=task-header] [data-testid=status]").AttrOr("data-status", ""); got != strconv.Itoa(int(tc.info.Status)) {
			t.Errorf("header status = %q, want %d", got, tc.info.Status)
		}
		if !strings.Contains(d.Find("[data-testid=how-it-starts]").Text(), "自动开始") {
			t.Errorf("no sentence on how it starts: %q", d.Find("[data-testid=how-it-starts]").Text())
		}
		var tabs []string
		d.Find("[data-testid=task-tabs] a").Each(func(_ int, s *goquery.Selection) { tabs = append(tabs, s.AttrOr("href", "")) })
		id := tc.info.ID
		if diff := cmp.Diff([]string{"/tasks/" + id, "/tasks/" + id + "/numbers", "/tasks/" + id + "/calls", "/tasks/" + id + "/audit"}, tabs); diff != "" {
			t.Errorf("tabs (-want +got):\n%s", diff)
		}
		if got := d.Find("[data-testid=overview-live] [data-testid=progress]").Text(); got != strconv.Itoa(int(tc.info.CallTimes))+" / "+strconv.Itoa(int(tc.info.CallTotalData)) {
			t.Errorf("progress = %q", got)
		}
		if d.Find("[data-testid=poller]").AttrOr("hx-get", "") != "/tasks/live?ids="+id {
			t.Errorf("poller = %q", d.Find("[data-testid=poller]").AttrOr("hx-get", ""))
		}
		// A seed task was not created here: its template, masking and
		// export are not known, and the page says so.
		for _, field := range []string{"set-template", "set-masking", "set-export"} {
			if got := strings.TrimSpace(d.Find("[data-testid=" + field + "]").Text()); got != "未记录" {
				t.Errorf("%s = %q, want 未记录", field, got)
			}
		}
		if d.Find("[data-testid=settings-elsewhere]").Length() != 1 {
			t.Error("no word on why the settings are not known")
		}
	}

	// A supervisor sees no action buttons and no audit tab.
	s := app.Login(t, store.RoleSupervisor)
	_, body := app.Get(t, s, "/tasks/"+running.ID)
	if got := actionsOf(t, body); len(got) != 0 {
		t.Errorf("supervisor sees actions %v", got)
	}
	if doc(t, body).Find("[data-testid=task-tabs] [data-tab=audit]").Length() != 0 {
		t.Error("supervisor sees the audit tab")
	}
}

func TestTaskLifecycle(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	task := taskInStatus(t, app, client.TaskRunning)
	id := task.ID
	m := app.Login(t, store.RoleManager)

	step := func(action string, wantStatus client.TaskStatus, wantFlash string) {
		t.Helper()
		res := app.PostForm(t, m, "/tasks/"+id+"/"+action, nil)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: status %d, want 303", action, res.StatusCode)
		}
		to := res.Header.Get("Location")
		if action == "delete" {
			if to != "/tasks" {
				t.Errorf("delete → %q", to)
			}
		} else if to != "/tasks/"+id {
			t.Errorf("%s → %q", action, to)
		}
		if got := platformStatus(t, app, id); got != wantStatus {
			t.Errorf("after %s: platform status %d, want %d", action, got, wantStatus)
		}
		_, body := app.Get(t, m, to)
		d := doc(t, body)
		if flash := d.Find("[data-testid=flash]").Text(); !strings.Contains(flash, wantFlash) {
			t.Errorf("after %s: flash %q, want %q", action, flash, wantFlash)
		}
		if to != "/tasks" {
			if got := d.Find("[data-testid=task-header] [data-testid=status]").AttrOr("data-status", ""); got != strconv.Itoa(int(wantStatus)) {
				t.Errorf("after %s: page shows status %q, want %d", action, got, wantStatus)
			}
		}
	}
	step("pause", client.TaskPaused, "已暂停")
	step("pause", client.TaskPaused, "无法暂停")  // the platform refuses: already paused
	step("resume", client.TaskRunning, "已继续") // queued, and running at once: robots are free
	step("resume", client.TaskRunning, "只有已暂停的任务才能继续")

	// End: a confirmation page names the task and posts to the same URL.
	res, body := app.Get(t, m, "/tasks/"+id+"/end")
	if res.StatusCode != 200 {
		t.Fatalf("GET end: %d", res.StatusCode)
	}
	d := doc(t, body)
	if q := d.Find("[data-testid=confirm-question]").Text(); !strings.Contains(q, task.Name) {
		t.Errorf("confirmation %q does not name the task %q", q, task.Name)
	}
	if a := d.Find("[data-testid=confirm-form]").AttrOr("action", ""); a != "/tasks/"+id+"/end" {
		t.Errorf("confirm form action %q", a)
	}
	if d.Find("[data-testid=confirm-form] input[name=csrf_token]").Length() != 1 {
		t.Error("confirm form without csrf input")
	}
	step("end", client.TaskFinished, "已完结")
	step("end", client.TaskFinished, "任务尚未开始或已经完结")
	step("resume", client.TaskFinished, "只有已暂停的任务才能继续")
	step("delete", client.TaskDeleted, "已删除")

	// Audit rows: one per action, with the platform's answer.
	entries, err := app.Store.Audit(context.Background(), store.AuditFilter{TaskID: id})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		ok := "ok"
		if e.Answer != "000000" {
			ok = "refused"
		}
		if e.Username != "manager" {
			t.Errorf("audit user %q", e.Username)
		}
		got = append(got, e.Action+" "+ok)
	}
	t.Log(got)
	if len(got) < 7 || got[0] != "task.pause ok" || got[1] != "task.pause refused" || got[len(got)-1] != "task.delete ok" {
		t.Errorf("audit = %v", got)
	}
}

func TestTaskLifecycleSupervisorRefused(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	id := taskInStatus(t, app, client.TaskRunning).ID
	s := app.Login(t, store.RoleSupervisor)
	for _, action := range []string{"pause", "resume", "end", "delete", "edit"} {
		res := app.PostForm(t, s, "/tasks/"+id+"/"+action, nil)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("supervisor POST %s: %d, want 403", action, res.StatusCode)
		}
	}
	for _, path := range []string{"/tasks/" + id + "/end", "/tasks/" + id + "/edit", "/tasks/new", "/audit", "/tasks/" + id + "/audit"} {
		res, _ := app.Get(t, s, path)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("supervisor GET %s: %d, want 403", path, res.StatusCode)
		}
	}
	if got := platformStatus(t, app, id); got != client.TaskRunning {
		t.Errorf("status changed to %d", got)
	}
}
