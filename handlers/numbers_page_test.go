package handlers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// TestNumbersNotOursSaysWhy: on a task whose numbers dialdesk did not
// import (the demo's), the page says why none can be selected, in the page,
// and offers no deletion.
func TestNumbersNotOursSaysWhy(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	task, _ := busyTask(t, app)
	c := app.Login(t, store.RoleManager)
	d := doc(t, mustGet(t, app, c, "/tasks/"+task+"/numbers"))
	if d.Find("[data-testid=number-row]").Length() == 0 {
		t.Fatal("no numbers listed")
	}
	if why := d.Find("[data-testid=select-why]").Text(); !strings.Contains(why, "不是通过本系统导入") {
		t.Errorf("why nothing can be selected: %q", why)
	}
	if d.Find("[data-testid=delete-selected]").Length() != 0 || d.Find("[data-testid=select-all]").Length() != 0 ||
		d.Find("[data-testid=number-row] td").First().Text() == "—" {
		t.Error("deletion offered, or a bare dash, where nothing can be selected")
	}
}

// TestNumbersImportedColumnsAndCalls: numbers dialdesk imported can be
// selected (with select all), show their imported columns (姓名 …), and a
// number with a finished call links to it; on both list sources.
func TestNumbersImportedColumnsAndCalls(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts testapp.Options
	}{
		{"platform list", testapp.Options{}},
		{"stored list", testapp.Options{SurfaceAOnly: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := testapp.New(t, tc.opts)
			c := app.Login(t, store.RoleManager)
			task := laterTask(t, app, "带变量")
			data := workbook(t, [][]any{{"号码", "姓名", "产品"}, {"13600000001", "张三", "<b>车险</b>"}, {"13600000002", "李四", "寿险"}})
			path := uploadImport(t, app, c, "/tasks/"+task+"/numbers", "客户.xlsx", data)
			app.Server.WaitImports()
			app.PostForm(t, c, path+"/confirm", nil)
			app.Server.WaitImports()
			iid := importID(t, path)
			if _, err := app.Store.SaveCall(context.Background(), store.Call{CallID: "fin1", TaskID: task,
				OutID: store.OutID(iid, 2), Tel: "13600000001", Status: 2, StartAt: time.Now().Add(-time.Minute), AnswerAt: time.Now()}, false); err != nil {
				t.Fatal(err)
			}
			body := mustGet(t, app, c, "/tasks/"+task+"/numbers")
			d := doc(t, body)
			var cols []string
			d.Find("[data-testid=variable-col]").Each(func(_ int, s *goquery.Selection) { cols = append(cols, s.Text()) })
			if diff := cmp.Diff([]string{"姓名", "产品"}, cols); diff != "" {
				t.Errorf("variable columns (-want +got):\n%s", diff)
			}
			row := d.Find("[data-testid=number-row][data-phone=\"13600000001\"]")
			var vals []string
			row.Find("[data-testid=variable]").Each(func(_ int, s *goquery.Selection) { vals = append(vals, s.Text()) })
			if diff := cmp.Diff([]string{"张三", "<b>车险</b>"}, vals); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
			if strings.Contains(body, "<b>车险") {
				t.Error("an imported value is not escaped")
			}
			if got := row.Find("[data-testid=number-call]").AttrOr("href", ""); got != "/tasks/"+task+"/calls/fin1" {
				t.Errorf("link to the finished call %q", got)
			}
			if d.Find("[data-testid=number-row][data-phone=\"13600000002\"] [data-testid=number-call]").Length() != 0 {
				t.Error("a number without a call links somewhere")
			}
			if d.Find("[data-testid=select-all][data-select-all=outid]").Length() != 1 || d.Find("[data-testid=delete-selected]").Length() != 1 ||
				d.Find("[data-testid=number-select]").Length() != 2 || d.Find("[data-testid=select-why]").Length() != 0 {
				t.Error("selection: no select all, no delete button, or an explanation where all can be selected")
			}
			// The calls export carries the imported columns too.
			res, xb := app.Get(t, c, "/tasks/"+task+"/calls/export.xlsx")
			f, err := excelize.OpenReader(strings.NewReader(xb))
			if res.StatusCode != 200 || err != nil {
				t.Fatalf("export: %d %v", res.StatusCode, err)
			}
			xrows, _ := f.GetRows(f.GetSheetName(0))
			if len(xrows) != 2 {
				t.Fatalf("export rows %q", xrows)
			}
			head, row1 := xrows[0], xrows[1]
			if diff := cmp.Diff([]string{"姓名", "产品"}, head[len(head)-2:]); diff != "" {
				t.Errorf("export header ends (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"张三", "<b>车险</b>"}, row1[len(row1)-2:]); diff != "" {
				t.Errorf("export row ends (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRejectReportUploadAgain: the rejected-rows report is the file again
// with only its rejected rows, every cell kept and the reason last; fixed,
// it is uploaded again as it is (the reason column is not a variable), in
// either language.
func TestRejectReportUploadAgain(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	c := app.Login(t, store.RoleManager)
	task := laterTask(t, app, "报告")
	data := workbook(t, [][]any{{"姓名", "手机号码", "产品"},
		{"张三", "13800138000", "车险"}, {"李四", "12345", "寿险"}, {"王五", "13800138000", "基金"}})
	path := uploadImport(t, app, c, "/tasks/"+task+"/numbers", "客户.xlsx", data)
	app.Server.WaitImports()
	for _, tc := range []struct{ lang, reasonCol, reason string }{{"zh", "未导入原因", "第 3 行："}, {"en", "Why not imported", "Row 3: "}} {
		t.Run(tc.lang, func(t *testing.T) {
			res, body := app.Get(t, c, path+"/rejects.xlsx?lang="+tc.lang)
			f, err := excelize.OpenReader(strings.NewReader(body))
			if res.StatusCode != 200 || err != nil {
				t.Fatalf("report: %d %v", res.StatusCode, err)
			}
			rows, _ := f.GetRows(f.GetSheetName(0))
			if len(rows) != 3 {
				t.Fatalf("report rows %q", rows)
			}
			if diff := cmp.Diff([]string{"姓名", "手机号码", "产品", tc.reasonCol}, rows[0]); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"李四", "12345", "寿险"}, rows[1][:3]); diff != "" || !strings.HasPrefix(rows[1][3], tc.reason) {
				t.Errorf("row 3 (-want +got):\n%s reason %q", diff, rows[1][3])
			}
			if diff := cmp.Diff([]string{"王五", "13800138000", "基金"}, rows[2][:3]); diff != "" {
				t.Errorf("row 4 (-want +got):\n%s", diff)
			}
			// Fix the short number and upload the report as it is.
			sheet := f.GetSheetName(0)
			if err := f.SetCellStr(sheet, "B2", "13900139000"); err != nil {
				t.Fatal(err)
			}
			if err := f.SetCellStr(sheet, "B3", "13700137000"); err != nil {
				t.Fatal(err)
			}
			buf, err := f.WriteToBuffer()
			if err != nil {
				t.Fatal(err)
			}
			again := uploadImport(t, app, c, "/tasks/"+task+"/numbers", "report.xlsx", buf.Bytes())
			app.Server.WaitImports()
			if counts := countsOf(t, mustGet(t, app, c, again)); counts["valid"] != 2 {
				t.Errorf("the fixed report: counts %v, want 2 valid", counts)
			}
			imp, err := app.Store.Import(context.Background(), importID(t, again))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"姓名", "产品"}, imp.Variables); diff != "" {
				t.Errorf("variables of the report (-want +got):\n%s", diff)
			}
			app.PostForm(t, c, again+"/cancel", nil)
		})
	}
}
