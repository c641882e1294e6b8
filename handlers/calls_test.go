package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"dialdesk/client"
	"dialdesk/handlers"
	"dialdesk/internal/testapp"
	"dialdesk/sandbox"
	"dialdesk/store"
)

// busyTask returns a seeded task with more than two pages of answered calls
// (surface B), and its first page.
func busyTask(t testing.TB, app *testapp.App) (string, *client.RecordPage) {
	t.Helper()
	ctx := context.Background()
	for _, id := range app.Sandbox.TaskIDs() {
		p, err := app.Client.QueryDoneTaskPhones(ctx, client.RecordQuery{TaskID: id})
		if err == nil && p.Total > 2*client.PageSize {
			return id, p
		}
	}
	t.Fatal("the seeded world has no task with more than two pages of calls")
	return "", nil
}

// capture records the JSON bodies the client sends to
// query_done_task_phones, as the sandbox receives them.
type capture struct {
	mu     sync.Mutex
	bodies []map[string]any
}

func (c *capture) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/v1/task/query_done_task_phones") && r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("capture: the client sent no JSON: %w", err)
		}
		c.mu.Lock()
		c.bodies = append(c.bodies, m)
		c.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (c *capture) take() []map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.bodies
	c.bodies = nil
	return b
}

func newCaptureApp(t *testing.T) (*testapp.App, *capture) {
	cp := &capture{}
	app := testapp.New(t, testapp.Options{ClientOptions: []client.Option{
		client.WithHTTPClient(&http.Client{Transport: cp, Timeout: 10 * time.Second})}})
	app.RememberSandboxTasks(t)
	return app, cp
}

func TestCallsListAndDetail(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	id, first := busyTask(t, app)
	c := app.Login(t, store.RoleSupervisor)
	res, body := app.Get(t, c, "/tasks/"+id+"/calls")
	if res.StatusCode != 200 {
		t.Fatalf("list: %d\n%s", res.StatusCode, body)
	}
	d := doc(t, body)
	if d.Find("[data-testid=task-header]").Length() != 1 {
		t.Error("no task header on the calls page")
	}
	if got := d.Find("[data-testid=calls-total]").Text(); !strings.Contains(got, strconv.Itoa(first.Total)) {
		t.Errorf("total %q, want %d", got, first.Total)
	}
	rows := d.Find("[data-testid=call-row]")
	if rows.Length() != client.PageSize {
		t.Fatalf("rows = %d, want %d", rows.Length(), client.PageSize)
	}
	for i, rec := range first.Records {
		row := rows.Eq(i)
		if got := row.AttrOr("data-call", ""); got != string(rec.ID) {
			t.Errorf("row %d is %q, want %q", i, got, rec.ID)
		}
		if row.Find("[data-testid=unread]").Length() != 1 {
			t.Errorf("row %d: not marked unread", i)
		}
		if rec.Level != nil && row.Find("[data-testid=level]").AttrOr("data-color", "") != rec.Level.Color {
			t.Errorf("row %d: level color %q, want %q", i, row.Find("[data-testid=level]").AttrOr("data-color", ""), rec.Level.Color)
		}
		if n := row.Find("[data-testid=tag]").Length(); n != len(rec.Tags) {
			t.Errorf("row %d: %d tag chips, want %d", i, n, len(rec.Tags))
		}
	}
	if d.Find("[data-testid=page-next]").Length() != 1 {
		t.Error("no next page link")
	}

	// Open the third call: it becomes read; previous/next are its neighbours.
	link := rows.Eq(2).Find("[data-testid=call-link]").AttrOr("href", "")
	res, body = app.Get(t, c, link)
	if res.StatusCode != 200 {
		t.Fatalf("detail %s: %d\n%s", link, res.StatusCode, body)
	}
	d = doc(t, body)
	if got := d.Find("[data-testid=call-prev]").AttrOr("href", ""); !strings.Contains(got, string(first.Records[1].ID)) {
		t.Errorf("prev = %q, want call %s", got, first.Records[1].ID)
	}
	if got := d.Find("[data-testid=call-next]").AttrOr("href", ""); !strings.Contains(got, string(first.Records[3].ID)) {
		t.Errorf("next = %q, want call %s", got, first.Records[3].ID)
	}
	want := "/recordings/" + id + "/" + string(first.Records[2].ID)
	if got := d.Find("[data-testid=audio]").AttrOr("src", ""); got != want {
		t.Errorf("audio src = %q, want %q", got, want)
	}
	if d.Find(".call-side").Length() != 1 || d.Find("[data-testid=fact-start]").Length() != 1 {
		t.Error("no facts panel")
	}
	_, body = app.Get(t, c, "/tasks/"+id+"/calls")
	if doc(t, body).Find("[data-testid=call-row]").Eq(2).Find("[data-testid=unread]").Length() != 0 {
		t.Error("the opened call is still unread")
	}

	// The last call of page 1 leads to the first of page 2.
	last := rows.Eq(client.PageSize-1).Find("[data-testid=call-link]").AttrOr("href", "")
	_, body = app.Get(t, c, last)
	next := doc(t, body).Find("[data-testid=call-next]").AttrOr("href", "")
	p2, err := app.Client.QueryDoneTaskPhones(context.Background(), client.RecordQuery{TaskID: id, Page: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(next, string(p2.Records[0].ID)) || !strings.Contains(next, "page=2") {
		t.Errorf("next from the page's last call = %q, want page 2's first %s", next, p2.Records[0].ID)
	}
}

// TestCallsFiltersReachPlatform: every filter in the URL reaches
// query_done_task_phones encoded as docs/platform.md §B.endpoints says.
func TestCallsFiltersReachPlatform(t *testing.T) {
	app, cp := newCaptureApp(t)
	id, _ := busyTask(t, app)
	ctx := context.Background()
	levels, err := app.Client.Levels(ctx)
	if err != nil || len(levels) < 2 {
		t.Fatalf("levels: %v %v", levels, err)
	}
	groups, err := app.Client.Tags(ctx)
	if err != nil || len(groups) == 0 || len(groups[0].Tags) == 0 {
		t.Fatalf("tags: %v %v", groups, err)
	}
	tag := string(groups[0].Tags[0].ID)
	l0, l1 := levels[0], levels[1]
	c := app.Login(t, store.RoleSupervisor)
	for _, tc := range []struct {
		name  string
		query url.Values
		want  map[string]any
	}{
		{"none", url.Values{}, map[string]any{"task_id": id, "page": 1.0}},
		{"levels", url.Values{"level": {string(l0.ID), string(l1.ID)}}, map[string]any{"task_id": id, "page": 1.0,
			"levels": []any{[]any{float64(l0.MinScore), float64(l0.MaxScore)}, []any{float64(l1.MinScore), float64(l1.MaxScore)}}}},
		{"tag", url.Values{"tag": {tag}}, map[string]any{"task_id": id, "page": 1.0, "tags": []any{tag}}},
		{"bills", url.Values{"bill_min": {"10"}, "bill_max": {"60"}}, map[string]any{"task_id": id, "page": 1.0, "bills": []any{10.0, 60.0}}},
		{"rounds open", url.Values{"rounds_min": {"2"}}, map[string]any{"task_id": id, "page": 1.0, "rounds": []any{2.0, 999999.0}}},
		{"time", url.Values{"from": {"2026-03-01T08:00"}, "to": {"2026-03-02T18:30"}},
			map[string]any{"task_id": id, "page": 1.0, "start_at": "2026-03-01 08:00:00", "end_at": "2026-03-02 18:30:59"}},
		{"keyword and page", url.Values{"q": {"138"}, "page": {"2"}}, map[string]any{"task_id": id, "page": 2.0, "keyword": "138"}},
		{"unknown level ignored", url.Values{"level": {"no-such-level"}}, map[string]any{"task_id": id, "page": 1.0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cp.take()
			res, body := app.Get(t, c, "/tasks/"+id+"/calls?"+tc.query.Encode())
			if res.StatusCode != 200 {
				t.Fatalf("status %d", res.StatusCode)
			}
			got := cp.take()
			if len(got) == 0 {
				t.Fatal("no query_done_task_phones request")
			}
			if diff := cmp.Diff(tc.want, got[0]); diff != "" {
				t.Errorf("request body (-want +got):\n%s", diff)
			}
			// Row links carry the applied filters.
			d := doc(t, body)
			if link := d.Find("[data-testid=call-link]").First().AttrOr("href", ""); link != "" {
				for k := range tc.query {
					if k != "page" && tc.name != "unknown level ignored" && !strings.Contains(link, k+"=") {
						t.Errorf("call link %q lacks %s", link, k)
					}
				}
			}
		})
	}
}

// TestCallsFilterValidation: bad values get a message next to their filter,
// a normal page without a list, and nothing is asked of the platform;
// nothing is echoed unescaped.
func TestCallsFilterValidation(t *testing.T) {
	app, cp := newCaptureApp(t)
	id, _ := busyTask(t, app)
	c := app.Login(t, store.RoleManager)
	for _, tc := range []struct {
		name, field string
		query       url.Values
		notSent     string
	}{
		{"letter in number", "bill", url.Values{"bill_min": {"1a"}}, "bills"},
		{"upside down", "bill", url.Values{"bill_min": {"60"}, "bill_max": {"10"}}, "bills"},
		{"negative rounds", "rounds", url.Values{"rounds_min": {"-1"}}, "rounds"},
		{"absurd date", "time", url.Values{"from": {"1800-01-01T00:00"}}, "start_at"},
		{"not a date", "time", url.Values{"to": {"yesterday"}}, "end_at"},
		{"dates upside down", "time", url.Values{"from": {"2026-03-02T00:00"}, "to": {"2026-03-01T00:00"}}, "start_at"},
		{"script in keyword", "q", url.Values{"q": {`<script>alert(1)</script>`}}, "keyword"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cp.take()
			res, body := app.Get(t, c, "/tasks/"+id+"/calls?"+tc.query.Encode())
			if res.StatusCode != 200 {
				t.Fatalf("status %d, want 200", res.StatusCode)
			}
			d := doc(t, body)
			if d.Find("[data-testid=error-"+tc.field+"]").Length() != 1 {
				t.Errorf("no message next to %s", tc.field)
			}
			if d.Find("[data-testid=call-row]").Length() != 0 || d.Find("[data-testid=filter-invalid]").Length() != 1 {
				t.Error("rows listed under a filter that was not applied")
			}
			if strings.Contains(body, "<script>alert") {
				t.Error("input echoed unescaped")
			}
			if b := cp.take(); len(b) != 0 {
				t.Errorf("the platform was asked despite the error (%s): %v", tc.notSent, b)
			}
		})
	}
	// Malformed ids in the URL are 404, never a platform call.
	for _, p := range []string{"/tasks/" + id + "/calls/a%2F..%2Fb", "/tasks/" + id + "/calls/%3Cx%3E", "/recordings/" + id + "/..", "/recordings/bad%20id/x"} {
		if res, _ := app.Get(t, c, p); res.StatusCode != 404 {
			t.Errorf("GET %s: %d, want 404", p, res.StatusCode)
		}
	}
}

// TestCallTranscript: record_info's asrprogress rows are hidden; each
// customer turn shows its keyword and node; turns have audio offsets.
func TestCallTranscript(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	id, first := busyTask(t, app)
	ctx := context.Background()
	c := app.Login(t, store.RoleSupervisor)
	checked := 0
	for _, rec := range first.Records {
		ri, err := app.Client.RecordInfo(ctx, id, string(rec.ID))
		if err != nil {
			t.Fatal(err)
		}
		var progress, questions, answers int
		for _, r := range ri.Records {
			switch {
			case r.Notify == client.NotifyASRProgress:
				progress++
			default:
				if strings.TrimSpace(r.Question) != "" {
					questions++
				}
				if strings.TrimSpace(r.AnswerContent) != "" {
					answers++
				}
			}
		}
		if progress == 0 {
			continue
		}
		checked++
		_, body := app.Get(t, c, "/tasks/"+id+"/calls/"+string(rec.ID))
		d := doc(t, body)
		if n := d.Find("[data-testid=turn].customer").Length(); n != questions {
			t.Errorf("%s: %d customer turns, want %d (asrprogress rows hidden)", rec.ID, n, questions)
		}
		if n := d.Find("[data-testid=turn].robot").Length(); n != answers {
			t.Errorf("%s: %d robot turns, want %d", rec.ID, n, answers)
		}
		prevOff := -1
		d.Find("[data-testid=turn]").Each(func(i int, s *goquery.Selection) {
			off, err := strconv.Atoi(s.AttrOr("data-offset-ms", ""))
			if err != nil || off < prevOff {
				t.Errorf("%s turn %d: offset %q not increasing", rec.ID, i, s.AttrOr("data-offset-ms", ""))
			}
			prevOff = off
		})
		for _, r := range ri.Turns() {
			if r.Keyword != "" && !strings.Contains(d.Find("[data-testid=keyword]").Text(), r.Keyword) {
				t.Errorf("%s: keyword %q not shown", rec.ID, r.Keyword)
			}
			// The call's tags and parent tags include every turn's.
			for _, tg := range r.Tags {
				if !strings.Contains(d.Find("[data-testid=fact-tags]").Text(), tg.Name) {
					t.Errorf("%s: turn tag %q missing from the call's tags", rec.ID, tg.Name)
				}
				for _, g := range tg.TagGroups {
					if !strings.Contains(d.Find("[data-testid=fact-taggroups]").Text(), g.Name) {
						t.Errorf("%s: parent tag %q missing", rec.ID, g.Name)
					}
				}
			}
		}
		if checked >= 3 {
			break
		}
	}
	if checked == 0 {
		t.Fatal("no call with asrprogress rows on the first page")
	}
}

// TestCallTranscriptEscapes: a pushed call's words are text, never markup.
func TestCallTranscriptEscapes(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	id := app.Sandbox.TaskIDs()[0]
	push := `{"result":{"data":{"msg":[{"callid":"evil1","msg":"<script>alert(1)</script>","date_time":1576551750959,"sender_type":1},` +
		`{"callid":"evil1","msg":"<img src=x onerror=alert(2)>","date_time":1576551760959,"sender_type":0,"remark":"<b>node</b>"}],` +
		`"detail":{"callid":"evil1","answer_time":1576551749868,"start_time":1576551740000,"tel":"<i>138</i>","caller":"02180344315","status":2,"intention_name":"<u>x</u>","voice_url":"http://evil.example/a.wav"}},"ret_code":000000}}`
	if res := postPush(t, app, "/hooks/icall/test-push-token?task="+id, push); res.StatusCode != 200 {
		t.Fatalf("push %d", res.StatusCode)
	}
	c := app.Login(t, store.RoleSupervisor)
	res, body := app.Get(t, c, "/tasks/"+id+"/calls/evil1")
	if res.StatusCode != 200 {
		t.Fatalf("detail: %d", res.StatusCode)
	}
	for _, bad := range []string{"<script>alert", "<img src=x", "<b>node", "<i>138", "<u>x"} {
		if strings.Contains(body, bad) {
			t.Errorf("%q echoed unescaped", bad)
		}
	}
	d := doc(t, body)
	if got := d.Find("[data-testid=turn-text]").First().Text(); got != "<script>alert(1)</script>" {
		t.Errorf("robot text = %q", got)
	}
	if got := d.Find("[data-testid=turn]").Eq(1).AttrOr("data-offset-ms", ""); got != "11091" {
		t.Errorf("customer turn offset = %q, want date_time − answer_time = 11091", got)
	}
	if got := d.Find("[data-testid=fact-caller]").Text(); got != "02180344315" {
		t.Errorf("caller = %q", got)
	}
	// Its voice_url's host is not configured: the proxy refuses.
	if res, _ := app.Get(t, c, "/recordings/"+id+"/evil1"); res.StatusCode != 404 {
		t.Errorf("recording from a host not configured: %d, want 404", res.StatusCode)
	}
}

// TestRecordingRange: Range passes through the proxy: 206, Content-Range and
// the same bytes as the platform's own answer.
func TestRecordingRange(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	id, first := busyTask(t, app)
	rec := first.Records[0]
	c := app.Login(t, store.RoleSupervisor)
	direct := func(rng string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", app.SandboxURL+"/recordings"+rec.RecordFile, nil)
		req.Header.Set("Range", rng)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, b
	}
	for _, rng := range []string{"bytes=0-43", "bytes=1000-1999", "bytes=-500"} {
		wantRes, want := direct(rng)
		res, body := app.Do(t, c, "GET", "/recordings/"+id+"/"+string(rec.ID), nil, http.Header{"Range": {rng}})
		if res.StatusCode != 206 {
			t.Fatalf("%s: status %d, want 206", rng, res.StatusCode)
		}
		if got := res.Header.Get("Content-Range"); got == "" || got != wantRes.Header.Get("Content-Range") {
			t.Errorf("%s: Content-Range %q, want %q", rng, got, wantRes.Header.Get("Content-Range"))
		}
		if res.Header.Get("Content-Length") != strconv.Itoa(len(want)) || body != string(want) {
			t.Errorf("%s: %d bytes (Content-Length %s), want the platform's %d", rng, len(body), res.Header.Get("Content-Length"), len(want))
		}
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "audio/") {
			t.Errorf("Content-Type %q", res.Header.Get("Content-Type"))
		}
	}
	res, body := app.Get(t, c, "/recordings/"+id+"/"+string(rec.ID)+"?download=1")
	if res.StatusCode != 200 || !strings.HasPrefix(body, "RIFF") || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") ||
		res.Header.Get("Accept-Ranges") != "bytes" {
		t.Errorf("download: %d %q %q", res.StatusCode, res.Header.Get("Content-Disposition"), res.Header.Get("Accept-Ranges"))
	}
	// Another task's id with this record: 404.
	other := app.Sandbox.TaskIDs()[0]
	if other == id {
		other = app.Sandbox.TaskIDs()[1]
	}
	if res, _ := app.Get(t, c, "/recordings/"+other+"/"+string(rec.ID)); res.StatusCode != 404 {
		t.Errorf("record under another task: %d, want 404", res.StatusCode)
	}
	// Not logged in: to the login page.
	if res, _ := app.Get(t, app.NewClient(), "/recordings/"+id+"/"+string(rec.ID)); res.StatusCode != http.StatusSeeOther {
		t.Errorf("anonymous: %d, want 303", res.StatusCode)
	}
}

// TestRecordingHostRefused: with the platform's host left out of the
// configured recording hosts, nothing is fetched.
func TestRecordingHostRefused(t *testing.T) {
	app := testapp.New(t, testapp.Options{Configure: func(cfg *handlers.Config) { cfg.RecordingHosts = []string{"recordings.example.com"} }})
	app.RememberSandboxTasks(t)
	id, first := busyTask(t, app)
	c := app.Login(t, store.RoleSupervisor)
	app.Sandbox.ResetCounts()
	if res, _ := app.Get(t, c, "/recordings/"+id+"/"+string(first.Records[0].ID)); res.StatusCode != 404 {
		t.Errorf("status %d, want 404", res.StatusCode)
	}
	if n := app.Sandbox.Count("recordings"); n != 0 {
		t.Errorf("the proxy fetched %d recordings from a host not configured", n)
	}
}

// TestCallReviewRoles: supervisors read and review calls but change no task.
func TestCallReviewRoles(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	id, first := busyTask(t, app)
	key := string(first.Records[1].ID)
	c := app.Login(t, store.RoleSupervisor)
	page := "/tasks/" + id + "/calls/" + key + "?bill_min=1"
	_, body := app.Get(t, c, page)
	d := doc(t, body)
	if d.Find("[data-testid=mark-reviewed]").Length() != 1 {
		t.Fatal("no mark-reviewed button for a supervisor")
	}
	form := url.Values{"return": {d.Find("input[name=return]").AttrOr("value", "")}}
	form.Set("csrf_token", app.CSRFToken(t, c, page))
	res := app.PostForm(t, c, "/tasks/"+id+"/calls/"+key+"/review", form)
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "bill_min=1") {
		t.Fatalf("review: %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	m, err := app.Store.CallMarks(context.Background(), id, []string{key})
	if err != nil || !m[key].Reviewed() || m[key].ReviewedBy != app.Users[store.RoleSupervisor] {
		t.Errorf("marks %+v %v", m, err)
	}
	_, body = app.Get(t, c, "/tasks/"+id+"/calls")
	if doc(t, body).Find("[data-call='"+key+"'] [data-testid=reviewed]").Length() != 1 {
		t.Error("the list does not show the reviewed mark")
	}
	// Without the CSRF token: refused.
	res, _ = app.Do(t, c, "POST", "/tasks/"+id+"/calls/"+key+"/review", strings.NewReader(""),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {app.URL}})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("review without CSRF: %d, want 403", res.StatusCode)
	}
	// A supervisor changes no task.
	if res := app.PostForm(t, c, "/tasks/"+id+"/pause", url.Values{}); res.StatusCode != http.StatusForbidden {
		t.Errorf("supervisor pause: %d, want 403", res.StatusCode)
	}
}

// TestCallsExport: the filtered list as .xlsx (every page), and a clear
// refusal when the task forbids export.
func TestCallsExport(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	id, first := busyTask(t, app)
	c := app.Login(t, store.RoleSupervisor)
	res, body := app.Get(t, c, "/tasks/"+id+"/calls/export.xlsx?t=abc123")
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("export: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if !strings.Contains(res.Header.Get("Set-Cookie"), "export_done=abc123") {
		t.Errorf("no export_done cookie: %q", res.Header.Get("Set-Cookie"))
	}
	// The page asks how far the export named abc123 is: all rows, done.
	pres, pbody := app.Get(t, c, "/tasks/"+id+"/calls/export-progress?t=abc123")
	if want := fmt.Sprintf(`{"rows":%d,"total":%d,"done":true}`, first.Total, first.Total); pres.StatusCode != 200 || pbody != want {
		t.Errorf("progress: %d %s, want %s", pres.StatusCode, pbody, want)
	}
	// Not started yet: zeros (no 404 in the browser's console); malformed: 404.
	if pres, pbody := app.Get(t, c, "/tasks/"+id+"/calls/export-progress?t=nosuch"); pres.StatusCode != 200 || pbody != `{"rows":0,"total":0,"done":false}` {
		t.Errorf("progress of an export not started: %d %s", pres.StatusCode, pbody)
	}
	for _, q := range []string{"t=%3Cx%3E", ""} {
		if pres, _ := app.Get(t, c, "/tasks/"+id+"/calls/export-progress?"+q); pres.StatusCode != 404 {
			t.Errorf("progress %q: %d, want 404", q, pres.StatusCode)
		}
	}
	f, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != first.Total+1 {
		t.Errorf("export has %d rows, want %d calls + header", len(rows), first.Total)
	}
	if rows[1][0] != string(first.Records[0].Callee) {
		t.Errorf("first row callee %q, want %q", rows[1][0], first.Records[0].Callee)
	}
	// Talk time is a number of seconds (sortable), as the list rounds it.
	sheet := f.GetSheetName(0)
	if typ, _ := f.GetCellType(sheet, "C2"); rows[0][2] != "通话时长（秒）" || typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Errorf("talk time column %q, cell type %v: want a number of seconds", rows[0][2], typ)
	}
	if want := strconv.FormatInt((int64(first.Records[0].Bill)+500)/1000, 10); rows[1][2] != want {
		t.Errorf("first row talk time %q, want %s", rows[1][2], want)
	}
	if err := app.Store.SetTaskCallSettings(context.Background(), id, store.TaskCallSettings{ExportStatus: client.ExportForbidden}); err != nil {
		t.Fatal(err)
	}
	res, body = app.Get(t, c, "/tasks/"+id+"/calls/export.xlsx")
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "不允许导出") {
		t.Errorf("forbidden export: %d", res.StatusCode)
	}
	_, body = app.Get(t, c, "/tasks/"+id+"/calls")
	if doc(t, body).Find("[data-testid=export-forbidden]").Length() != 1 {
		t.Error("the list does not say export is forbidden")
	}
}

// TestCallsSurfaceAOnly: without surface B the list is the stored calls,
// filtered in SQLite, with intentions split on U+0001.
func TestCallsSurfaceAOnly(t *testing.T) {
	app := testapp.New(t, testapp.Options{SurfaceAOnly: true})
	app.RememberSandboxTasks(t)
	id := app.Sandbox.TaskIDs()[0]
	body := seedPush(t)
	if res := postPush(t, app, "/hooks/icall/test-push-token?task="+id, body); res.StatusCode != 200 {
		t.Fatalf("push %d", res.StatusCode)
	}
	c := app.Login(t, store.RoleSupervisor)
	_, page := app.Get(t, c, "/tasks/"+id+"/calls")
	d := doc(t, page)
	rows := d.Find("[data-testid=call-row]")
	if rows.Length() != 1 {
		t.Fatalf("rows = %d, want the pushed call", rows.Length())
	}
	var intents []string
	rows.Find("[data-testid=intent]").Each(func(_ int, s *goquery.Selection) { intents = append(intents, s.Text()) })
	if diff := cmp.Diff([]string{"有意向购买", "满意"}, intents); diff != "" {
		t.Errorf("intentions (-want +got):\n%s", diff)
	}
	if got := rows.Find("[data-testid=talk]").Text(); got != "29秒" {
		t.Errorf("talk time %q", got)
	}
	for q, want := range map[string]int{"intent=满意": 1, "intent=无": 0, "status=3": 0, "status=2": 1, "bill_min=30": 0, "bill_max=29": 1, "q=0773": 1,
		"rounds_min=1": 1, "rounds_min=2": 0, "rounds_max=0": 0, "rounds_min=1&rounds_max=1": 1} {
		_, page := app.Get(t, c, "/tasks/"+id+"/calls?"+q)
		if n := doc(t, page).Find("[data-testid=call-row]").Length(); n != want {
			t.Errorf("%s: %d rows, want %d", q, n, want)
		}
	}
	_, page = app.Get(t, c, rows.Find("[data-testid=call-link]").AttrOr("href", ""))
	d = doc(t, page)
	if n := d.Find("[data-testid=turn]").Length(); n != 3 {
		t.Errorf("turns = %d, want 3", n)
	}
	if got := d.Find("[data-testid=node]").Text(); !strings.Contains(got, "开场白#肯定") {
		t.Errorf("matched node %q", got)
	}
	if got, name := d.Find("[data-testid=fact-task]").Text(), d.Find("[data-testid=task-title]").Text(); name == "" || got != name {
		t.Errorf("task fact %q, want the task's name %q", got, name)
	}
}

// TestCallsMergePushed: a call that reached dialdesk by push but that the
// platform's records do not list yet is on the list too, marked, once.
func TestCallsMergePushed(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	id, first := busyTask(t, app)
	now := app.Sandbox.Now().UnixMilli()
	push := `{"result":{"data":{"msg":[{"callid":"pushonly1","msg":"您好","date_time":` + strconv.FormatInt(now-5000, 10) + `,"sender_type":1}],` +
		`"detail":{"callid":"pushonly1","answer_time":` + strconv.FormatInt(now-6000, 10) + `,"start_time":` + strconv.FormatInt(now-9000, 10) +
		`,"tel":"13800000000","caller":"02180344315","status":2,"fee_duration":6000}},"ret_code":000000}}`
	for range 2 {
		if res := postPush(t, app, "/hooks/icall/test-push-token?task="+id, push); res.StatusCode != 200 {
			t.Fatalf("push %d", res.StatusCode)
		}
	}
	// And one the platform lists already (same callid as its newest record): not twice.
	dup := strings.ReplaceAll(push, "pushonly1", string(first.Records[0].CallID))
	if res := postPush(t, app, "/hooks/icall/test-push-token?task="+id, dup); res.StatusCode != 200 {
		t.Fatalf("push %d", res.StatusCode)
	}
	c := app.Login(t, store.RoleSupervisor)
	_, body := app.Get(t, c, "/tasks/"+id+"/calls")
	d := doc(t, body)
	rows := d.Find("[data-testid=call-row]")
	if rows.Length() != client.PageSize+1 {
		t.Errorf("rows = %d, want %d + the pushed call", rows.Length(), client.PageSize)
	}
	merged := d.Find("[data-call=pushonly1]")
	if merged.Length() != 1 || !merged.HasClass("pushonly") {
		t.Fatalf("pushed call not merged once (%d rows)", merged.Length())
	}
	if d.Find("[data-call='"+string(first.Records[0].CallID)+"']").Length() != 0 {
		t.Error("a call the platform lists was merged a second time")
	}
	if got := d.Find("[data-testid=calls-total]").Text(); !strings.Contains(got, strconv.Itoa(first.Total+1)) {
		t.Errorf("total %q, want %d", got, first.Total+1)
	}
	// Its page opens from the store, with the recording addressed by its callid.
	res, page := app.Get(t, c, merged.Find("[data-testid=call-link]").AttrOr("href", ""))
	if res.StatusCode != 200 || doc(t, page).Find("[data-testid=turn]").Length() != 1 {
		t.Errorf("pushed call page: %d", res.StatusCode)
	}
	// Filters only the platform can apply (levels) leave it out.
	levels, _ := app.Client.Levels(context.Background())
	_, body = app.Get(t, c, "/tasks/"+id+"/calls?level="+url.QueryEscape(string(levels[0].ID)))
	if doc(t, body).Find("[data-call=pushonly1]").Length() != 0 {
		t.Error("pushed call listed under a level filter")
	}
}

// TestCallsHTMX: the filter form's htmx request gets the region alone; a
// history restore (back button) gets the whole page.
func TestCallsHTMX(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	id, _ := busyTask(t, app)
	c := app.Login(t, store.RoleSupervisor)
	res, body := app.Do(t, c, "GET", "/tasks/"+id+"/calls?bill_min=abc", nil, http.Header{"HX-Request": {"true"}})
	if res.StatusCode != 200 || strings.Contains(body, "<html") || !strings.HasPrefix(strings.TrimSpace(body), `<div id="calls-region"`) {
		t.Errorf("htmx answer: %d, %.80q", res.StatusCode, body)
	}
	if doc(t, body).Find("[data-testid=error-bill]").Length() != 1 {
		t.Error("htmx answer lacks the filter message")
	}
	_, body = app.Do(t, c, "GET", "/tasks/"+id+"/calls", nil, http.Header{"HX-Request": {"true"}, "HX-History-Restore-Request": {"true"}})
	if !strings.Contains(body, "<html") {
		t.Error("history restore got a fragment")
	}
	// The form sends its empty fields too; the address bar gets the
	// filters as applied, a link worth sending.
	res, _ = app.Do(t, c, "GET", "/tasks/"+id+"/calls?bill_min=20&bill_max=&rounds_min=&rounds_max=&from=2026-03-01+08:00&to=&q=", nil, http.Header{"HX-Request": {"true"}})
	if got, want := res.Header.Get("HX-Push-Url"), "/tasks/"+id+"/calls?bill_min=20&from=2026-03-01T08%3A00"; got != want {
		t.Errorf("HX-Push-Url %q, want %q", got, want)
	}
}

// TestCallsFilterInputsShowBack: range fields are text inputs that show a
// bad value back as typed; a time in another layout is shown in the
// datetime-local input's own, one it cannot hold in a text input as typed.
func TestCallsFilterInputsShowBack(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	id, _ := busyTask(t, app)
	c := app.Login(t, store.RoleSupervisor)
	_, body := app.Get(t, c, "/tasks/"+id+"/calls?bill_min=abc&from=2026-03-01&to=yesterday")
	d := doc(t, body)
	if in := d.Find("input[name=bill_min]"); in.AttrOr("type", "") != "text" || in.AttrOr("value", "") != "abc" {
		t.Errorf("bill_min input: type %q value %q, want text showing abc", in.AttrOr("type", ""), in.AttrOr("value", ""))
	}
	if got := d.Find("input[name=from]").AttrOr("value", ""); got != "2026-03-01T00:00" {
		t.Errorf("from input value %q, want 2026-03-01T00:00", got)
	}
	if in := d.Find("input[name=to]"); in.AttrOr("type", "") != "text" || in.AttrOr("value", "") != "yesterday" {
		t.Errorf("to input: type %q value %q, want text showing yesterday", in.AttrOr("type", ""), in.AttrOr("value", ""))
	}
	if got := d.Find("input[name=from]").AttrOr("type", ""); got != "datetime-local" {
		t.Errorf("from input type %q, want datetime-local", got)
	}
	if d.Find("[data-testid=error-time]").Length() != 1 {
		t.Error("no message next to the time range")
	}
}

// TestCallsFilterErrorShowsNoList: a filter that cannot be applied (a bad
// talk-time range, "abc", reversed dates) shows its message next to the
// field, keeps what was typed in the form and the address, and lists no
// calls (the unfiltered list would pass for the filtered one); its export
// is refused.
func TestCallsFilterErrorShowsNoList(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	id, _ := busyTask(t, app)
	c := app.Login(t, store.RoleSupervisor)
	for _, tc := range []struct {
		name, query, field string
		inputs             map[string]string
	}{
		{"reversed talk time", "bill_min=60&bill_max=10&q=138", "bill", map[string]string{"bill_min": "60", "bill_max": "10", "q": "138"}},
		{"abc", "rounds_min=abc", "rounds", map[string]string{"rounds_min": "abc"}},
		{"reversed dates", "from=2026-03-06T10:00&to=2026-03-01T10:00", "time", map[string]string{"from": "2026-03-06T10:00", "to": "2026-03-01T10:00"}},
		{"date abc", "from=abc&bill_min=5", "time", map[string]string{"from": "abc", "bill_min": "5"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := app.Get(t, c, "/tasks/"+id+"/calls?"+tc.query)
			d := doc(t, body)
			if res.StatusCode != 200 || d.Find("[data-testid=error-"+tc.field+"]").Length() != 1 {
				t.Errorf("%d; message next to %s: %d", res.StatusCode, tc.field, d.Find("[data-testid=error-"+tc.field+"]").Length())
			}
			if d.Find("[data-testid=calls], [data-testid=call-row]").Length() != 0 || d.Find("[data-testid=filter-invalid]").Length() != 1 {
				t.Error("a list is shown under a filter that was not applied, or no word on why there is none")
			}
			if d.Find("[data-testid=export]").Length() != 0 {
				t.Error("export offered for a filter that was not applied")
			}
			for name, want := range tc.inputs {
				if got := d.Find("input[name="+name+"]").AttrOr("value", ""); got != want {
					t.Errorf("input %s shows %q, want %q as typed", name, got, want)
				}
			}
			// htmx: the address bar keeps what was typed (the form's empty fields left out).
			res, body = app.Do(t, c, "GET", "/tasks/"+id+"/calls?"+tc.query+"&tag=&intent=", nil, http.Header{"HX-Request": {"true"}})
			push, _ := url.Parse(res.Header.Get("HX-Push-Url"))
			want, _ := url.ParseQuery(tc.query)
			if diff := cmp.Diff(want, push.Query()); diff != "" || push.Path != "/tasks/"+id+"/calls" {
				t.Errorf("HX-Push-Url %q (-want +got):\n%s", res.Header.Get("HX-Push-Url"), diff)
			}
			if doc(t, body).Find("[data-testid=call-row]").Length() != 0 {
				t.Error("htmx answer lists calls")
			}
			if res, _ := app.Get(t, c, "/tasks/"+id+"/calls/export.xlsx?"+tc.query); res.StatusCode != http.StatusBadRequest {
				t.Errorf("export under a bad filter: %d, want 400", res.StatusCode)
			}
		})
	}
}

// TestCallsPlatformFailure: a failing platform gives the list page with a
// message where the rows would be; an unknown call is 404.
func TestCallsPlatformFailure(t *testing.T) {
	app := testapp.New(t, testapp.Options{ClientOptions: []client.Option{client.WithRetries(0)}})
	app.RememberSandboxTasks(t)
	id, _ := busyTask(t, app)
	c := app.Login(t, store.RoleSupervisor)
	if res, _ := app.Get(t, c, "/tasks/"+id+"/calls/00000000-0000-0000-0000-000000000000"); res.StatusCode != 404 {
		t.Errorf("unknown call: %d, want 404", res.StatusCode)
	}
	app.Sandbox.SetFaults(sandbox.Faults{FailRate: 1, Endpoints: []string{"query_done_task_phones"}})
	res, body := app.Get(t, c, "/tasks/"+id+"/calls?bill_min=3")
	if res.StatusCode != 200 {
		t.Fatalf("status %d, want 200 with a message", res.StatusCode)
	}
	d := doc(t, body)
	if d.Find("[data-testid=call-filters]").Length() != 1 || d.Find("[data-testid=call-row]").Length() != 0 ||
		!strings.Contains(d.Find("main").Text(), "平台") {
		t.Error("no platform message on the list page")
	}
}

// TestRecordingHead: HEAD (players ask it for the length) answers the
// recording's headers without a body, Range included; unknown ids are 404.
func TestRecordingHead(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	id, first := busyTask(t, app)
	rec := first.Records[0]
	c := app.Login(t, store.RoleSupervisor)
	get, full := app.Get(t, c, "/recordings/"+id+"/"+string(rec.ID))
	if get.StatusCode != 200 {
		t.Fatalf("GET: %d", get.StatusCode)
	}
	res, body := app.Do(t, c, http.MethodHead, "/recordings/"+id+"/"+string(rec.ID), nil, nil)
	if res.StatusCode != 200 || body != "" {
		t.Fatalf("HEAD: %d with %d body bytes, want 200 and none", res.StatusCode, len(body))
	}
	if got := res.Header.Get("Content-Length"); got != strconv.Itoa(len(full)) {
		t.Errorf("HEAD Content-Length %q, want %d", got, len(full))
	}
	if res.Header.Get("Accept-Ranges") != "bytes" || !strings.HasPrefix(res.Header.Get("Content-Type"), "audio/") {
		t.Errorf("HEAD headers: Accept-Ranges %q, Content-Type %q", res.Header.Get("Accept-Ranges"), res.Header.Get("Content-Type"))
	}
	res, body = app.Do(t, c, http.MethodHead, "/recordings/"+id+"/"+string(rec.ID), nil, http.Header{"Range": {"bytes=100-199"}})
	if res.StatusCode != 206 || body != "" || res.Header.Get("Content-Range") != "bytes 100-199/"+strconv.Itoa(len(full)) {
		t.Errorf("HEAD with Range: %d %q, %d body bytes", res.StatusCode, res.Header.Get("Content-Range"), len(body))
	}
	if res, _ := app.Do(t, c, http.MethodHead, "/recordings/"+id+"/no-such-call", nil, nil); res.StatusCode != 404 {
		t.Errorf("HEAD of an unknown call: %d, want 404", res.StatusCode)
	}
	if res, _ := app.Do(t, app.NewClient(), http.MethodHead, "/recordings/"+id+"/"+string(rec.ID), nil, nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("anonymous HEAD: %d, want 303", res.StatusCode)
	}
}

// TestCallTurnOffsetsFollowRecording: on surface B a turn's place in the
// recording counts the silences (from the rows' created_at), not only
// play_ms/speak_ms. The truth comes from surface A, whose msg date_time
// minus answer_time is each line's real start in the same recording.
func TestCallTurnOffsetsFollowRecording(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	id, first := busyTask(t, app)
	ctx := context.Background()
	c := app.Login(t, store.RoleSupervisor)
	truth := map[string]client.CallResult{}
	q := client.TimeTaskQuery{TaskID: id, Begin: app.Sandbox.Now().Add(-90 * 24 * time.Hour), End: app.Sandbox.Now().Add(time.Hour)}
	if err := app.Client.EachTimeTaskData(ctx, q, func(cr client.CallResult) error {
		truth[string(cr.Detail.CallID)] = cr
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var n, late int
	var worst, sum int64
	var oldWorst, lateWorst int64
	for _, rec := range first.Records {
		cr, ok := truth[string(rec.CallID)]
		if !ok || len(cr.Messages) < 4 {
			continue
		}
		answer := cr.Detail.AnswerTime.Time()
		_, body := app.Get(t, c, "/tasks/"+id+"/calls/"+string(rec.ID))
		d := doc(t, body)
		// The old estimate, durations only, for comparison in the log.
		ri, err := app.Client.RecordInfo(ctx, id, string(rec.ID))
		if err != nil {
			t.Fatal(err)
		}
		var oldOffs []int64
		var cursor int64
		for _, tn := range ri.Turns() {
			if strings.TrimSpace(tn.Question) != "" {
				cursor += int64(tn.PlayMS)
				oldOffs = append(oldOffs, cursor)
				cursor += int64(tn.SpeakMS)
			}
			if strings.TrimSpace(tn.AnswerContent) != "" {
				oldOffs = append(oldOffs, cursor)
			}
		}
		next := 0
		d.Find("[data-testid=turn]").Each(func(i int, s *goquery.Selection) {
			off, _ := strconv.ParseInt(s.AttrOr("data-offset-ms", ""), 10, 64)
			robot := s.HasClass("robot")
			text := strings.SplitN(strings.TrimSpace(s.Find("[data-testid=turn-text]").Text()), "\n", 2)[0]
			for ; next < len(cr.Messages); next++ {
				m := cr.Messages[next]
				if (m.SenderType == client.SenderRobot) == robot && strings.TrimSpace(string(m.Content)) == text {
					real := m.DateTime.Time().Sub(answer).Milliseconds()
					diff := off - real
					if diff > 0 {
						late++
						lateWorst = max(lateWorst, diff)
					}
					worst = max(worst, diff, -diff)
					sum += max(diff, -diff)
					if i < len(oldOffs) {
						oldWorst = max(oldWorst, real-oldOffs[i], oldOffs[i]-real)
					}
					n++
					next++
					return
				}
			}
			t.Errorf("%s turn %d (%q) not found among surface A's lines", rec.ID, i, text)
		})
	}
	if n < 20 {
		t.Fatalf("only %d turns compared", n)
	}
	t.Logf("%d turns: mean error %d ms, worst %d ms (%d placed late); durations alone: worst %d ms", n, sum/int64(n), worst, late, oldWorst)
	// Whole-second timestamps and the robot's pause before it speaks leave
	// about a second either way; durations alone were off by up to ten.
	if worst > 2000 || sum/int64(n) > 1000 {
		t.Errorf("turns placed up to %d ms (mean %d ms) away from where they are heard; want within 2 s, mean under 1 s", worst, sum/int64(n))
	}
	if lateWorst > 1000 {
		t.Errorf("a turn is placed %d ms after it starts: its first words are cut", lateWorst)
	}
}

// TestCallNeighboursAfterTheListMoved: a call whose link names page 1 but
// that new calls have pushed to page 2 still gets previous and next.
func TestCallNeighboursAfterTheListMoved(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	id, _ := busyTask(t, app)
	second, err := app.Client.QueryDoneTaskPhones(context.Background(), client.RecordQuery{TaskID: id, Page: 2})
	if err != nil || len(second.Records) < 3 {
		t.Fatalf("page 2: %v", err)
	}
	c := app.Login(t, store.RoleSupervisor)
	_, body := app.Get(t, c, "/tasks/"+id+"/calls/"+string(second.Records[1].ID)) // no page: the link of a call once on page 1
	d := doc(t, body)
	want := map[string]string{
		"call-prev": "/tasks/" + id + "/calls/" + string(second.Records[0].ID) + "?page=2",
		"call-next": "/tasks/" + id + "/calls/" + string(second.Records[2].ID) + "?page=2",
	}
	for testid, href := range want {
		if got := d.Find("[data-testid="+testid+"]").AttrOr("href", ""); got != href {
			t.Errorf("%s = %q, want %q", testid, got, href)
		}
	}
}

// slowRecords delays query_done_task_phones, as a distant platform does.
type slowRecords struct{ d time.Duration }

func (s slowRecords) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/v1/task/query_done_task_phones") {
		time.Sleep(s.d)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestCallsExportProgress: while a long export runs, export-progress says
// how many rows are written out of how many.
func TestCallsExportProgress(t *testing.T) {
	app := testapp.New(t, testapp.Options{ClientOptions: []client.Option{
		client.WithHTTPClient(&http.Client{Transport: slowRecords{40 * time.Millisecond}, Timeout: 10 * time.Second})}})
	app.RememberSandboxTasks(t)
	id, first := busyTask(t, app)
	c := app.Login(t, store.RoleSupervisor)
	done := make(chan struct{})
	go func() {
		defer close(done)
		app.Get(t, c, "/tasks/"+id+"/calls/export.xlsx?t=slow1")
	}()
	var mid string
	deadline := time.Now().Add(10 * time.Second)
	for mid == "" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		res, body := app.Get(t, c, "/tasks/"+id+"/calls/export-progress?t=slow1")
		var p struct {
			Rows, Total int
			Done        bool
		}
		if res.StatusCode == 200 && json.Unmarshal([]byte(body), &p) == nil && p.Rows > 0 && !p.Done {
			if p.Total != first.Total || p.Rows >= p.Total {
				t.Errorf("mid-export progress %s, want rows below the total %d", body, first.Total)
			}
			mid = body
		}
	}
	<-done
	if mid == "" {
		t.Fatal("no progress seen while the export ran")
	}
	t.Logf("mid-export: %s", mid)
}
