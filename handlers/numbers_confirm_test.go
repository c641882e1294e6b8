package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// Two lists previewed side by side share numbers: confirming the second
// after the first must not send those numbers again, and a number put on
// the do-not-call list after the preview must not be sent either. The
// counts, the rejects and the flash say so.
func TestNumbersConfirmRechecksExistingAndDoNotCall(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	ctx := context.Background()
	taskID := numbersTask(t, app)
	c := app.Login(t, store.RoleManager)
	base := "/tasks/" + taskID + "/numbers"

	first := uploadImport(t, app, c, base, "a.xlsx", workbook(t, [][]any{{"号码"}, {"13800138000"}, {"13800138001"}}))
	app.Server.WaitImports()
	second := uploadImport(t, app, c, base, "b.xlsx", workbook(t, [][]any{{"号码"}, {"13800138000"}, {"13800138002"}, {"13800138003"}}))
	app.Server.WaitImports()
	if got := countsOf(t, mustGet(t, app, c, second))["valid"]; got != 3 {
		t.Fatalf("second preview: valid %d, want 3", got)
	}

	if res := app.PostForm(t, c, first+"/confirm", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm first: %d", res.StatusCode)
	}
	app.Server.WaitImports()
	if _, err := app.Store.AddDoNotCall(ctx, []string{"13800138003"}, "admin", ""); err != nil {
		t.Fatal(err)
	}
	if res := app.PostForm(t, c, second+"/confirm", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm second: %d", res.StatusCode)
	}
	app.Server.WaitImports()

	body := mustGet(t, app, c, second)
	counts := countsOf(t, body)
	if counts["valid"] != 1 || counts["existing"] != 1 || counts["filtered"] != 1 || counts["rows"] != 3 {
		t.Errorf("second after confirm: counts %v, want valid 1, existing 1, filtered 1", counts)
	}
	if !strings.Contains(body, "1 个号码已由其他导入加入任务") {
		t.Errorf("no word on the numbers taken out at confirm:\n%s", body)
	}
	d := doc(t, body)
	if got := strings.TrimSpace(d.Find(`[data-testid="rows-sent"]`).Text()); !strings.Contains(got, "1 / 1") {
		t.Errorf("rows sent %q, want 1 / 1", got)
	}
	reasons := map[string]string{}
	d.Find(`[data-testid="reject-row"]`).Each(func(_ int, s *goquery.Selection) {
		row, _ := s.Attr("data-row")
		reasons[row] = s.Find("td").Last().Text()
	})
	if reasons["2"] != "任务中已有该号码" || reasons["4"] != "在免打扰名单中" {
		t.Errorf("rejects = %v", reasons)
	}

	// dialdesk's own record: each number once, with the outid the platform has.
	rows, total, err := app.Store.TaskNumbers(ctx, taskID, "", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rows {
		if _, dup := got[r.Phone]; dup {
			t.Errorf("%s recorded twice on the task", r.Phone)
		}
		got[r.Phone] = r.OutID
	}
	if total != 3 || got["13800138000"] != store.OutID(importID(t, first), 2) || got["13800138003"] != "" {
		t.Errorf("task numbers = %v (total %d)", got, total)
	}
	if n := len(sandboxNumbers(t, app, taskID)); n != 3 {
		t.Errorf("sandbox holds %d numbers, want 3", n)
	}
	// The numbers page gives each import's counts after the import too.
	line := doc(t, mustGet(t, app, c, base)).Find(`[data-testid="import-line-counts"]`).First().Text()
	if want := "共 3 行 · 无效 0 · 重复 0 · 任务中已有 1 · 免打扰过滤 1"; strings.TrimSpace(line) != want {
		t.Errorf("import line counts %q, want %q", strings.TrimSpace(line), want)
	}
	// A second click on confirm changes nothing.
	if res := app.PostForm(t, c, second+"/confirm", nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("repeated confirm: %d", res.StatusCode)
	}
}

func mustGet(t *testing.T, app *testapp.App, c *http.Client, path string) string {
	t.Helper()
	res, body := app.Get(t, c, path)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", path, res.StatusCode)
	}
	return body
}

// The audit records a deletion's numbers, not only their outids, and the
// audit page reads them in a sentence.
func TestNumbersAuditDetails(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	ctx := context.Background()
	taskID := numbersTask(t, app)
	c := app.Login(t, store.RoleManager)
	path := uploadImport(t, app, c, "/tasks/"+taskID+"/numbers", "a.xlsx", workbook(t, [][]any{{"号码"}, {"13800138000"}, {"13800138001"}}))
	app.Server.WaitImports()
	app.PostForm(t, c, path+"/confirm", nil)
	app.Server.WaitImports()
	outid := store.OutID(importID(t, path), 2)
	if res := app.PostForm(t, c, "/tasks/"+taskID+"/numbers/delete", url.Values{"outid": {outid}, "confirm": {"1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", res.StatusCode)
	}
	entries, _ := app.Store.Audit(ctx, store.AuditFilter{TaskID: taskID})
	var deleted string
	for _, e := range entries {
		if e.Action == "numbers.delete" {
			deleted = fmt.Sprint(e.Args["phones"])
		}
	}
	if !strings.Contains(deleted, "13800138000 ("+outid+")") {
		t.Errorf("delete's phones %q do not name the number", deleted)
	}
	_, body := app.Get(t, c, "/tasks/"+taskID+"/audit?lang=en")
	row := doc(t, body).Find("[data-testid=audit-row][data-action='numbers.delete']")
	if got := strings.TrimSpace(row.Find("[data-testid=audit-detail]").Text()); got != "Deleted 1 number: 13800138000 ("+outid+")" {
		t.Errorf("audit page: %q", got)
	}
}
