package e2e

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"dialdesk/client"
	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// TestDoNotCallInBrowser: a manager finds 免打扰 in the navigation, adds a
// number that an unfinished task still holds undialed, is asked (the task,
// the count) on a page that fits a 390 px phone, confirms, and the number
// is gone from the task on the platform.
func TestDoNotCallInBrowser(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	ctx := context.Background()
	tpls, _ := app.Client.QueryTemplates(ctx)
	nums, _, _ := app.Client.QueryNumbers(ctx)
	task, err := app.Client.AddTask(ctx, client.AddTaskRequest{TemplateID: tpls[0].ID, TaskName: "免打扰测试",
		Telephones: []string{nums[0].Telephone.String()}, RobotNum: 1, TimeType: client.TimeTypeCustom,
		StartTime: time.Now().Add(24 * time.Hour), EndTime: time.Now().Add(48 * time.Hour), CallTimeSlots: []string{"09:00-18:00"}})
	if err != nil {
		t.Fatal(err)
	}
	importCSV(t, app, task, "号码\n13900000001\n13900000002\n")

	b := NewBrowser(t)
	b.Login(app, store.RoleManager)
	b.Do(chromedp.Click(chromedp.CSS(`[data-testid=nav-dnc]`)),
		chromedp.WaitVisible(chromedp.CSS(`#dnc-phone`)),
		chromedp.SendKeys(chromedp.CSS(`#dnc-phone`), "139-0000-0002"),
		chromedp.Click(chromedp.CSS(`[data-testid=dnc-add] button[type=submit]`)))
	b.Do(chromedp.WaitVisible(chromedp.CSS(`[data-testid=purge-question]`)))
	if got := b.Text(`[data-testid=purge-count]`); got != "1" {
		t.Errorf("count %q, want 1", got)
	}
	b.Do(chromedp.EmulateViewport(390, 844), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`[data-testid=purge-confirm]`)))
	if over := eval[string](t, b, overflowJS); over != "" {
		t.Errorf("/dnc/purge at 390 px: %s", over)
	}
	b.Do(chromedp.Click(chromedp.CSS(`[data-testid=purge-confirm]`)))
	b.Do(chromedp.WaitVisible(chromedp.CSS(`[data-testid=dnc-list]`)))
	if got := b.Text(`.alert-ok`); !strings.Contains(got, "已移除 1 个号码") {
		t.Errorf("after the removal: %q", got)
	}
	if over := eval[string](t, b, overflowJS); over != "" {
		t.Errorf("/dnc at 390 px: %s", over)
		t.Log(eval[string](t, b, `Array.from(document.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > 391).map(e => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right)).slice(0, 15).join("; ")`))
	}
	res, err := app.Client.TaskNumbers(ctx, client.NumberQuery{TaskID: task, Page: 1})
	if err != nil || res.Total != 1 || res.Numbers[0].Number.String() != "13900000001" {
		t.Errorf("the task holds %+v (%v), want 13900000001 alone", res, err)
	}
	if p := b.ConsoleProblems(); len(p) > 0 {
		t.Errorf("browser console:\n%v", p)
	}
}

// importCSV imports a .csv list into task as a manager would, over HTTP:
// upload, preview, confirm, sent.
func importCSV(t *testing.T, app *testapp.App, task, csv string) {
	t.Helper()
	c := app.Login(t, store.RoleManager)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf_token", app.CSRFToken(t, c, "/tasks"))
	fw, _ := mw.CreateFormFile("file", "list.csv")
	fw.Write([]byte(csv))
	mw.Close()
	res, _ := app.Do(t, c, http.MethodPost, "/tasks/"+task+"/numbers", &body,
		http.Header{"Content-Type": {mw.FormDataContentType()}, "Origin": {app.URL}})
	path := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(path, "/numbers/imports/") {
		t.Fatalf("upload: %d → %q", res.StatusCode, path)
	}
	waitPage(t, app, c, path, `data-testid="import-confirm"`)
	if res := app.PostForm(t, c, path+"/confirm", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: %d", res.StatusCode)
	}
	waitPage(t, app, c, path, `data-testid="import-done"`)
}

// waitPage reads path until its page holds want (at most 20 s).
func waitPage(t *testing.T, app *testapp.App, c *http.Client, path, want string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if _, body := app.Get(t, c, path); strings.Contains(body, want) {
			return
		}
	}
	t.Fatalf("%s never showed %s", path, want)
}
