package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"dialdesk/client"
	"dialdesk/handlers"
	"dialdesk/internal/testapp"
	"dialdesk/numbers"
	"dialdesk/sandbox"
	"dialdesk/store"
)

// numbersTask creates a fresh task on the sandbox for numbers to go to.
func numbersTask(t *testing.T, app *testapp.App) string {
	t.Helper()
	ctx := context.Background()
	tpls, err := app.Client.QueryTemplates(ctx)
	if err != nil || len(tpls) == 0 {
		t.Fatalf("templates: %v", err)
	}
	nums, _, err := app.Client.QueryNumbers(ctx)
	if err != nil || len(nums) == 0 {
		t.Fatalf("caller numbers: %v", err)
	}
	id, err := app.Client.AddTask(ctx, client.AddTaskRequest{
		TemplateID: tpls[0].ID, TaskName: "号码导入测试", Telephones: []string{nums[0].Telephone.String()}, RobotNum: 1,
		TimeType: client.TimeTypePermanent, CallTimeSlots: []string{"00:00-23:59"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// workbook builds an .xlsx with excelize's ordinary API.
func workbook(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// upload posts a file as the upload form does (multipart, CSRF token in
// the form, this site's Origin).
func upload(t *testing.T, app *testapp.App, c *http.Client, path, name string, data []byte) (*http.Response, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf_token", app.CSRFToken(t, c, "/tasks"))
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	h := http.Header{"Content-Type": {mw.FormDataContentType()}, "Origin": {app.URL}}
	return app.Do(t, c, http.MethodPost, path, &body, h)
}

func countsOf(t *testing.T, body string) map[string]int {
	t.Helper()
	out := map[string]int{}
	doc(t, body).Find(`[data-testid="import-counts"] .count-cell`).Each(func(_ int, s *goquery.Selection) {
		id, _ := s.Attr("data-testid")
		n, err := strconv.Atoi(strings.TrimSpace(s.Find(".value").Text()))
		if err != nil {
			t.Fatalf("count %s: %q", id, s.Find(".value").Text())
		}
		out[strings.TrimPrefix(id, "count-")] = n
	})
	return out
}

// sandboxNumbers lists every number the sandbox holds for a task (v1, all pages).
func sandboxNumbers(t *testing.T, app *testapp.App, taskID string) []string {
	t.Helper()
	var out []string
	for page := 1; ; page++ {
		res, err := app.Client.TaskNumbers(context.Background(), client.NumberQuery{TaskID: taskID, Page: page})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range res.Numbers {
			out = append(out, n.Number.String())
		}
		if page >= res.LastPage {
			break
		}
	}
	slices.Sort(out)
	return out
}

func uploadImport(t *testing.T, app *testapp.App, c *http.Client, path, name string, data []byte) string {
	t.Helper()
	res, body := upload(t, app, c, path, name, data)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: status %d, want 303\n%s", res.StatusCode, body)
	}
	loc := res.Header.Get("Location")
	if !strings.Contains(loc, "/numbers/imports/") {
		t.Fatalf("upload redirected to %q", loc)
	}
	return loc
}

func importID(t *testing.T, path string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(path[strings.LastIndex(path, "/")+1:], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestNumbersUploadPreviewImport(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	taskID := numbersTask(t, app)
	c := app.Login(t, store.RoleManager)

	// A do-not-call number, added through the page.
	if res := app.PostForm(t, c, "/dnc", url.Values{"phone": {"139-0000-0009"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("dnc add: %d", res.StatusCode)
	}

	data := workbook(t, [][]any{
		{"姓名", "手机号", "产品", "城市"},
		{"张三", 13800138000, "贷款", "上海"},          // 2 valid (numeric cell)
		{"李四", "+86 138-0013-8001", "信用卡", "北京"}, // 3 valid
		{"王五", "１３８００１３８００２", "保险", ""},          // 4 valid (full-width)
		{"赵六", "13800138000", "贷款", "上海"},        // 5 duplicate of row 2
		{"钱七", "12345", "贷款", ""},                // 6 invalid: too short
		{nil, nil, nil, nil},                     // 7 empty
		{"孙八", "13900000009", "贷款", ""},          // 8 filtered (do-not-call)
		{"周九", "13800138003", "贷|款", ""},         // 9 invalid: | in a variable
		{"吴十", "010-12345678", "基金", "北京"},       // 10 valid landline
	})
	path := uploadImport(t, app, c, "/tasks/"+taskID+"/numbers", "客户.xlsx", data)
	app.Server.WaitImports()
	res, body := app.Get(t, c, path)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("import page: %d", res.StatusCode)
	}
	want := map[string]int{"rows": 8, "valid": 4, "invalid": 2, "duplicate": 1, "existing": 0, "filtered": 1, "empty": 1}
	if diff := cmp.Diff(want, countsOf(t, body)); diff != "" {
		t.Errorf("preview counts (-want +got):\n%s", diff)
	}
	d := doc(t, body)
	var preview []string
	d.Find(`[data-testid="preview-phone"]`).Each(func(_ int, s *goquery.Selection) { preview = append(preview, s.Text()) })
	if diff := cmp.Diff([]string{"13800138000", "13800138001", "13800138002", "01012345678"}, preview); diff != "" {
		t.Errorf("preview rows (-want +got):\n%s", diff)
	}
	if got := d.Find(`[data-testid="preview-rows"] th`).Length(); got != 5 { // row, number, 3 variables
		t.Errorf("preview columns = %d", got)
	}
	rejects := map[string]string{}
	d.Find(`[data-testid="reject-row"]`).Each(func(_ int, s *goquery.Selection) {
		row, _ := s.Attr("data-row")
		rejects[row] = s.Find("td").Last().Text()
	})
	if len(rejects) != 4 || !strings.Contains(rejects["6"], "位数太少") || !strings.Contains(rejects["5"], "第 2 行") ||
		!strings.Contains(rejects["8"], "免打扰") || !strings.Contains(rejects["9"], "产品") {
		t.Errorf("rejected rows = %v", rejects)
	}
	if d.Find(`[data-testid="import-confirm"]`).Text() != "确认导入" || d.Find(`[data-testid="import-cancel"]`).Text() != "取消" {
		t.Error("confirm / cancel buttons missing")
	}
	if app.Sandbox.Count("add_task_data") != 0 {
		t.Fatal("something was sent before the confirmation")
	}

	// The reject report is an .xlsx with the reasons.
	res, rep := app.Get(t, c, path+"/rejects.xlsx")
	f, err := excelize.OpenReader(strings.NewReader(rep))
	if res.StatusCode != http.StatusOK || err != nil {
		t.Fatalf("report: %d %v", res.StatusCode, err)
	}
	rows, _ := f.GetRows(f.GetSheetName(0))
	if len(rows) != 5 || rows[1][0] != "赵六" || len(rows[1]) != 5 || !strings.HasPrefix(rows[1][4], "第 5 行：") {
		t.Errorf("report rows = %v", rows)
	}

	// Confirm: the sandbox then holds exactly the valid, de-duplicated numbers.
	if res := app.PostForm(t, c, path+"/confirm", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: %d", res.StatusCode)
	}
	app.PostForm(t, c, path+"/confirm", nil) // a double click changes nothing
	app.Server.WaitImports()
	_, body = app.Get(t, c, path)
	if doc(t, body).Find(`[data-testid="import-done"]`).Length() != 1 {
		t.Fatalf("import not done:\n%s", doc(t, body).Find(`#import-region`).Text())
	}
	got := sandboxNumbers(t, app, taskID)
	if diff := cmp.Diff([]string{"01012345678", "13800138000", "13800138001", "13800138002"}, got); diff != "" {
		t.Errorf("sandbox numbers (-want +got):\n%s", diff)
	}

	// The same file again: its numbers are already on the task.
	path2 := uploadImport(t, app, c, "/tasks/"+taskID+"/numbers", "客户.xlsx", data)
	app.Server.WaitImports()
	_, body = app.Get(t, c, path2)
	if c := countsOf(t, body); c["existing"] != 4 || c["valid"] != 0 {
		t.Errorf("second upload counts = %v", c)
	}

	// The template downloads as a workbook that is itself a valid upload.
	res, tpl := app.Get(t, c, "/tasks/"+taskID+"/numbers/template.xlsx")
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Disposition"), ".xlsx") {
		t.Fatalf("template: %d", res.StatusCode)
	}
	if r, err := numbers.ParseBytes(context.Background(), []byte(tpl), "t.xlsx", numbers.ParseOptions{}); err != nil || r.Counts.Valid != 2 {
		t.Errorf("template parses to %v, %v", r, err)
	}

	// The numbers page lists them and the imports.
	_, body = app.Get(t, c, "/tasks/"+taskID+"/numbers")
	d = doc(t, body)
	if n := d.Find(`[data-testid="number-row"]`).Length(); n != 4 {
		t.Errorf("number rows = %d", n)
	}
	if n := d.Find(`[data-testid="import-line"]`).Length(); n != 2 {
		t.Errorf("import lines = %d", n)
	}

	// Delete one: first a confirmation, then the platform call and an audit row.
	outid := d.Find(`[data-testid="number-select"]`).First().AttrOr("value", "")
	res, body = app.PostFormBody(t, c, "/tasks/"+taskID+"/numbers/delete", url.Values{"outid": {outid}})
	if res.StatusCode != http.StatusOK || doc(t, body).Find(`[data-testid="delete-confirm"]`).Length() != 1 {
		t.Fatalf("delete without confirm: %d", res.StatusCode)
	}
	if len(sandboxNumbers(t, app, taskID)) != 4 {
		t.Fatal("deleted before the confirmation")
	}
	res = app.PostForm(t, c, "/tasks/"+taskID+"/numbers/delete", url.Values{"outid": {outid}, "confirm": {"1"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", res.StatusCode)
	}
	if n := len(sandboxNumbers(t, app, taskID)); n != 3 {
		t.Errorf("after delete the sandbox has %d numbers", n)
	}
	entries, _ := app.Store.Audit(context.Background(), store.AuditFilter{TaskID: taskID})
	actions := map[string]int{}
	for _, e := range entries {
		actions[e.Action]++
	}
	if actions["numbers.upload"] != 2 || actions["numbers.import"] != 1 || actions["numbers.import.done"] != 1 || actions["numbers.delete"] != 1 {
		t.Errorf("audit actions = %v", actions)
	}
}

func TestNumbersImportResume(t *testing.T) {
	app := testapp.New(t, testapp.Options{Configure: func(c *handlers.Config) { c.ImportBatchSize = 100 }})
	taskID := numbersTask(t, app)
	c := app.Login(t, store.RoleManager)
	rows := [][]any{{"号码", "姓名"}}
	var want []string
	for i := 0; i < 500; i++ {
		p := fmt.Sprintf("137%08d", i)
		want = append(want, p)
		rows = append(rows, []any{p, "客户" + strconv.Itoa(i)})
	}
	path := uploadImport(t, app, c, "/tasks/"+taskID+"/numbers", "big.xlsx", workbook(t, rows))
	app.Server.WaitImports()
	iid := importID(t, path)

	// The platform fails from the second or third batch on.
	app.Sandbox.SetFaults(sandbox.Faults{Latency: 100 * time.Millisecond, Endpoints: []string{"add_task_data"}})
	app.PostForm(t, c, path+"/confirm", nil)
	deadline := time.Now().Add(10 * time.Second)
	for {
		im, _ := app.Store.Import(context.Background(), iid)
		if im.BatchesSent >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no batch sent")
		}
		time.Sleep(5 * time.Millisecond)
	}
	app.Sandbox.SetFaults(sandbox.Faults{FailRate: 1, Kinds: []sandbox.FaultKind{sandbox.Fault502}, Endpoints: []string{"add_task_data"}})
	app.Server.WaitImports()
	im, _ := app.Store.Import(context.Background(), iid)
	if im.State != store.ImportPaused || im.BatchesSent == 0 || im.BatchesSent == 5 {
		t.Fatalf("after the failure: state %s, %d of %d batches sent", im.State, im.BatchesSent, im.Batches)
	}
	_, body := app.Get(t, c, path)
	if doc(t, body).Find(`[data-testid="import-resume"]`).Length() != 1 {
		t.Fatal("no resume button on a paused import")
	}
	if n := len(sandboxNumbers(t, app, taskID)); n != im.RowsSent {
		t.Fatalf("sandbox holds %d numbers, store says %d sent", n, im.RowsSent)
	}

	// Resume: only the unsent batches go; every number arrives exactly once.
	sentBefore := im.BatchesSent
	app.Sandbox.SetFaults(sandbox.Faults{})
	before := app.Sandbox.Count("add_task_data")
	if res := app.PostForm(t, c, path+"/resume", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("resume: %d", res.StatusCode)
	}
	app.Server.WaitImports()
	im, _ = app.Store.Import(context.Background(), iid)
	if im.State != store.ImportDone || im.RowsSent != 500 {
		t.Fatalf("after resume: %+v", im)
	}
	if calls := app.Sandbox.Count("add_task_data") - before; calls != int64(5-sentBefore) {
		t.Errorf("resume made %d add_task_data calls, want %d (the unsent batches)", calls, 5-sentBefore)
	}
	if diff := cmp.Diff(want, sandboxNumbers(t, app, taskID)); diff != "" {
		t.Errorf("sandbox numbers (-want +got):\n%s", diff)
	}
}

// An import left importing with no sender (a confirm that raced the end of
// the file's reading, a restart) is sent by itself, nobody pressing resume,
// and a batch the platform already has is not sent twice.
func TestNumbersImportInterrupted(t *testing.T) {
	app := testapp.New(t, testapp.Options{Configure: func(c *handlers.Config) { c.ImportBatchSize = 2 }})
	taskID := numbersTask(t, app)
	c := app.Login(t, store.RoleManager)
	data := workbook(t, [][]any{{"号码"}, {"13600000001"}, {"13600000002"}, {"13600000003"}})
	path := uploadImport(t, app, c, "/tasks/"+taskID+"/numbers", "a.xlsx", data)
	app.Server.WaitImports()
	iid := importID(t, path)
	ctx := context.Background()
	// As if dialdesk died after sending batch 0 but before recording it.
	batch0, _ := app.Store.BatchRows(ctx, iid, 0)
	var rows []client.DataRow
	for _, r := range batch0 {
		rows = append(rows, client.DataRow{Telephone: r.Phone, OutID: r.OutID})
	}
	if err := app.Client.AddTaskDataBatch(ctx, taskID, rows); err != nil {
		t.Fatal(err)
	}
	// Confirmed without a sender started for it (the store alone).
	if ok, _, _, err := app.Store.ConfirmImport(ctx, iid); !ok || err != nil {
		t.Fatalf("confirm: %v %v", ok, err)
	}
	app.Server.WaitImports()
	im, _ := app.Store.Import(ctx, iid)
	if im.State != store.ImportDone || im.RowsSent != 3 {
		t.Fatalf("state %s, %d sent (%s)", im.State, im.RowsSent, im.ErrorEN)
	}
	if diff := cmp.Diff([]string{"13600000001", "13600000002", "13600000003"}, sandboxNumbers(t, app, taskID)); diff != "" {
		t.Errorf("sandbox numbers (-want +got):\n%s", diff)
	}
}

func TestNumbersUploadErrors(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	taskID := numbersTask(t, app)
	c := app.Login(t, store.RoleManager)
	good := workbook(t, [][]any{{"号码"}, {"13800138000"}})
	big := make([]byte, numbers.MaxFileSize+10)
	copy(big, good)
	tests := []struct {
		name   string
		file   string
		data   []byte
		status int
		words  string
	}{
		{"xls", "old.xls", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...), 422, "另存为” .xlsx"},
		{"no phone column", "a.xlsx", workbook(t, [][]any{{"姓名", "电话号"}, {"张三", "13800138000"}}), 422, "找不到号码列"},
		{"too large", "a.xlsx", big, 413, "文件超过 5 MB"},
		{"corrupt", "a.xlsx", good[:len(good)/2], 422, "不是有效的 Excel 工作簿"},
		{"renamed txt", "a.xlsx", []byte("号码\n13800138000\n"), 422, "文本文件"},
		{"empty", "a.xlsx", nil, 422, "文件是空的"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := upload(t, app, c, "/tasks/"+taskID+"/numbers", tt.file, tt.data)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.status)
			}
			msg := doc(t, body).Find(`[data-testid="upload-error"]`).Text()
			if !strings.Contains(msg, tt.words) {
				t.Errorf("message %q, want it to contain %q", msg, tt.words)
			}
			if strings.Contains(msg, "zip:") || strings.Contains(msg, "EOF") {
				t.Errorf("raw error shown: %q", msg)
			}
		})
	}
	if n := app.Sandbox.Count("add_task_data"); n != 0 {
		t.Errorf("add_task_data called %d times", n)
	}
	// In English too.
	res, body := upload(t, app, c, "/tasks/"+taskID+"/numbers?lang=en", "a.xlsx", big)
	if res.StatusCode != 413 || !strings.Contains(body, "larger than 5 MB") {
		t.Errorf("en too large: %d", res.StatusCode)
	}
}

func TestNumbersRoles(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	taskID := numbersTask(t, app)
	c := app.Login(t, store.RoleSupervisor)
	res, body := app.Get(t, c, "/tasks/"+taskID+"/numbers")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("supervisor numbers page: %d", res.StatusCode)
	}
	if doc(t, body).Find(`[data-testid="upload-form"]`).Length() != 0 {
		t.Error("a supervisor sees the upload form")
	}
	res, _ = upload(t, app, c, "/tasks/"+taskID+"/numbers", "a.xlsx", workbook(t, [][]any{{"号码"}, {"13800138000"}}))
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("supervisor upload: %d, want 403", res.StatusCode)
	}
	if res, _ := app.Get(t, c, "/dnc"); res.StatusCode != http.StatusForbidden {
		t.Errorf("supervisor /dnc: %d, want 403", res.StatusCode)
	}
	if n, _ := app.Store.Imports(context.Background(), taskID, 10); len(n) != 0 {
		t.Error("an import was created")
	}
}

func TestDoNotCallPage(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	c := app.Login(t, store.RoleAdmin)
	app.PostForm(t, c, "/dnc", url.Values{"phone": {"+86 138 0013 8000"}})
	res, body := app.PostFormBody(t, c, "/dnc", url.Values{"phone": {"12345"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "号码位数太少") {
		t.Errorf("invalid number: %d", res.StatusCode)
	}
	res, _ = upload(t, app, c, "/dnc/upload", "dnc.csv", []byte("号码\n13900139000\n13800138000\nbad\n"))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("dnc upload: %d", res.StatusCode)
	}
	_, body = app.Get(t, c, "/dnc")
	var phones []string
	doc(t, body).Find(`[data-testid="dnc-row"]`).Each(func(_ int, s *goquery.Selection) { phones = append(phones, s.AttrOr("data-phone", "")) })
	slices.Sort(phones)
	if diff := cmp.Diff([]string{"13800138000", "13900139000"}, phones); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
	app.PostForm(t, c, "/dnc/remove", url.Values{"phone": {"13800138000"}})
	set, _ := app.Store.DoNotCallSet(context.Background())
	if len(set) != 1 || !set["13900139000"] {
		t.Errorf("after remove: %v", set)
	}
	// Escaping: what the user typed comes back escaped.
	_, body = app.PostFormBody(t, c, "/dnc", url.Values{"phone": {`<script>x</script>`}})
	if strings.Contains(body, "<script>x") {
		t.Error("input echoed unescaped")
	}
}
