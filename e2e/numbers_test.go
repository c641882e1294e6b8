package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"dialdesk/client"
	"dialdesk/handlers"
	"dialdesk/internal/testapp"
	"dialdesk/sandbox"
	"dialdesk/store"
)

// TestNumbersUploadFlow: a manager uploads a number list, sees the preview
// with its invalid row, confirms, and watches the progress bar finish.
func TestNumbersUploadFlow(t *testing.T) {
	app := testapp.New(t, testapp.Options{Configure: func(c *handlers.Config) { c.ImportBatchSize = 10 }})
	ctx := context.Background()
	tpls, _ := app.Client.QueryTemplates(ctx)
	nums, _, _ := app.Client.QueryNumbers(ctx)
	if len(tpls) == 0 || len(nums) == 0 {
		t.Fatal("sandbox has no templates or caller numbers")
	}
	taskID, err := app.Client.AddTask(ctx, client.AddTaskRequest{
		TemplateID: tpls[0].ID, TaskName: "浏览器导入测试", Telephones: []string{nums[0].Telephone.String()}, RobotNum: 1,
		TimeType: client.TimeTypePermanent, CallTimeSlots: []string{"00:00-23:59"},
	})
	if err != nil {
		t.Fatal(err)
	}

	// 60 valid numbers and one invalid row (row 5).
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"号码", "姓名"})
	row := 2
	for i := 0; i < 61; i++ {
		phone := fmt.Sprintf("135%08d", i)
		if row == 5 {
			phone = "12345"
		}
		cell, _ := excelize.CoordinatesToCellName(1, row)
		f.SetSheetRow("Sheet1", cell, &[]any{phone, fmt.Sprintf("客户%d", i)})
		row++
	}
	path := filepath.Join(t.TempDir(), "客户名单.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}

	b := NewBrowser(t)
	b.Login(app, store.RoleManager)
	b.Do(
		chromedp.Navigate(app.URL+"/tasks/"+taskID+"/numbers"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=upload-form]`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#numbers-file`), []string{path}),
		chromedp.Click(chromedp.CSS(`[data-testid=upload-submit]`)),
	)
	b.Do(chromedp.WaitVisible(chromedp.CSS(`[data-testid=import-confirm]`)))
	if got := b.Text(`[data-testid=count-valid] .value`); got != "60" {
		t.Errorf("valid = %q, want 60", got)
	}
	if got := b.Text(`[data-testid=count-invalid] .value`); got != "1" {
		t.Errorf("invalid = %q, want 1", got)
	}
	if got := b.Text(`[data-testid=reject-row]`); !strings.Contains(got, "5") || !strings.Contains(got, "12345") || !strings.Contains(got, "位数太少") {
		t.Errorf("invalid row = %q", got)
	}
	b.Screenshot("preview")

	// Slow batches so that the progress bar is seen moving.
	app.Sandbox.SetFaults(sandbox.Faults{Latency: 150 * time.Millisecond, Endpoints: []string{"add_task_data"}})
	b.Do(chromedp.Click(chromedp.CSS(`[data-testid=import-confirm]`)))
	b.Do(chromedp.WaitVisible(chromedp.CSS(`[data-testid=import-progress]`)))
	b.Do(chromedp.WaitVisible(chromedp.CSS(`[data-testid=import-done]`)))
	if got := b.Text(`[data-testid=rows-sent]`); !strings.Contains(got, "60 / 60") {
		t.Errorf("progress = %q", got)
	}
	if v := attr(t, b, `[data-testid=import-progress] [role=progressbar]`, "aria-valuenow"); v != "100" {
		t.Errorf("progress bar at %q", v)
	}
	b.Screenshot("done")
	if n := app.Sandbox.Count("add_task_data"); n != 6 {
		t.Errorf("add_task_data calls = %d, want 6", n)
	}
	if p := b.ConsoleProblems(); len(p) > 0 {
		t.Errorf("browser console:\n%v", p)
	}
}
