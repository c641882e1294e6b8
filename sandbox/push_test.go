package sandbox_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"dialdesk/sandbox"
)

type receiver struct {
	mu       sync.Mutex
	failures int           // answer 500 to this many requests first
	hold     chan struct{} // when set, answers wait until it is closed
	requests int
	bodies   []string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.requests++
	fail := rc.failures > 0
	if fail {
		rc.failures--
	} else {
		rc.bodies = append(rc.bodies, string(b))
	}
	hold := rc.hold
	rc.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-r.Context().Done():
		}
	}
	if fail {
		http.Error(w, "try again", 500)
		return
	}
	io.WriteString(w, `{"ret_code":"000000"}`)
}

func TestPushNonStrictAndRetried(t *testing.T) {
	rc := &receiver{failures: 2}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	e := newEnv(t, sandbox.Options{PushBackoff: 5 * time.Millisecond, PushAttempts: 4})
	id := e.addTask(url.Values{"push_url": {hook.URL + "/hooks/icall/secret"}, "push_type": {"2"}})
	var rows []obj
	for i := range 4 {
		rows = append(rows, obj{"telephone": fmt.Sprintf("1860000000%d", i), "outid": fmt.Sprintf("98765432100%d", i)})
	}
	b, _ := json.Marshal(rows)
	wantCode(t, e.post("add_task_data", url.Values{"taskid": {id}, "data": {string(b)}}), "000000")
	e.Advance(time.Hour)
	e.sb.Wait()

	rc.mu.Lock()
	defer rc.mu.Unlock()
	calls := e.calls(id)
	if int64(len(rc.bodies)) != calls || int64(rc.requests) != calls+2 {
		t.Fatalf("pushes: %d delivered in %d requests, want %d in %d (2 retried)", len(rc.bodies), rc.requests, calls, calls+2)
	}
	for _, body := range rc.bodies {
		if json.Valid([]byte(body)) {
			t.Errorf("push body is strict JSON; the vendor's is not: %s", body)
		}
		for _, want := range []string{`"ret_code":000000`, `"caller":02180344315`, `"tel":1860000000`, `"outid":98765432100`} {
			if !strings.Contains(body, want) {
				t.Errorf("push body lacks %s: %s", want, body)
			}
		}
		// Made strict by quoting the bare numbers, it decodes into the documented shape.
		strict := regexp.MustCompile(`:(0\d+)([,}])`).ReplaceAllString(body, `:"$1"$2`)
		var m struct {
			Result struct {
				Data struct {
					Msg    []obj `json:"msg"`
					Detail obj   `json:"detail"`
				} `json:"data"`
				RetCode string `json:"ret_code"`
			} `json:"result"`
		}
		if err := json.Unmarshal([]byte(strict), &m); err != nil {
			t.Fatalf("%v: %s", err, strict)
		}
		if m.Result.RetCode != "000000" || m.Result.Data.Detail["callid"] == "" {
			t.Errorf("push: %+v", m.Result)
		}
	}
}

func TestPushDoesNotBlockTheClock(t *testing.T) {
	// The receiver answers nothing until the clock has moved: if Advance
	// waited for it, Advance would never return.
	rc := &receiver{hold: make(chan struct{})}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	e := newEnv(t, sandbox.Options{})
	id := e.addTask(url.Values{"push_url": {hook.URL}, "push_type": {"2"}})
	e.addNumbers(id, 5, "p")
	advanced := make(chan struct{})
	go func() {
		defer close(advanced)
		e.Advance(time.Hour)
	}()
	select {
	case <-advanced:
	case <-time.After(30 * time.Second):
		t.Fatal("Advance is waiting for the push receiver")
	}
	close(rc.hold)
	e.sb.Wait()
	if n := e.calls(id); int64(len(rc.bodies)) != n || n < 5 {
		t.Errorf("%d pushes, want one per call (%d)", len(rc.bodies), n)
	}
}

func TestFaults(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	id := e.addTask(nil)
	raw := func(endpoint string) (int, []byte) {
		req, _ := http.NewRequest("GET", e.url+"/api/icall/5/task/"+endpoint+"?"+e.auth(url.Values{"taskid": {id}}).Encode(), nil)
		return e.do(req)
	}
	e.sb.SetFaults(sandbox.Faults{FailRate: 1, Kinds: []sandbox.FaultKind{sandbox.Fault502}, Endpoints: []string{"query_task_info"}})
	if code, _ := raw("query_task_info"); code != 502 {
		t.Errorf("502 fault: HTTP %d", code)
	}
	if code, b := raw("query_task"); code != 200 || !json.Valid(b) {
		t.Errorf("other endpoints must be untouched: %d %s", code, b)
	}
	e.sb.SetFaults(sandbox.Faults{FailRate: 1, Kinds: []sandbox.FaultKind{sandbox.FaultMalformedJSON}})
	if code, b := raw("query_task"); code != 200 || json.Valid(b) {
		t.Errorf("malformed fault: %d %s", code, b)
	}
	e.sb.SetFaults(sandbox.Faults{FailRate: 1, Kinds: []sandbox.FaultKind{sandbox.FaultRetCode}})
	if _, b := raw("query_task"); retCode(decode(t, b)) != "329999" {
		t.Errorf("ret_code fault: %s", b)
	}
	if code, _ := e.v1("GET", "/v1/levels", nil, "demo-token"); code != 500 {
		t.Errorf("surface B ret_code fault: HTTP %d", code)
	}
	e.sb.SetFaults(sandbox.Faults{Latency: 60 * time.Millisecond})
	start := time.Now()
	if code, _ := raw("query_task"); code != 200 || time.Since(start) < 60*time.Millisecond {
		t.Errorf("latency fault: %d after %v", code, time.Since(start))
	}
	e.sb.SetFaults(sandbox.Faults{FailRate: 0.5, Kinds: []sandbox.FaultKind{sandbox.Fault502}})
	failed := 0
	for range 200 {
		if code, _ := raw("query_task"); code == 502 {
			failed++
		}
	}
	if failed < 70 || failed > 130 {
		t.Errorf("FailRate 0.5: %d of 200 failed", failed)
	}
	e.sb.SetFaults(sandbox.Faults{})

	// Counts.
	e.sb.ResetCounts()
	for range 3 {
		raw("query_task_info")
	}
	if n := e.sb.Count("query_task_info"); n != 3 {
		t.Errorf("Count = %d, want 3", n)
	}
	e.sb.ResetCounts()
	if n := e.sb.Count("query_task_info"); n != 0 {
		t.Errorf("after ResetCounts Count = %d", n)
	}
	// Faults can be set from the start, too.
	e2 := newEnv(t, sandbox.Options{Faults: sandbox.Faults{FailRate: 1, Kinds: []sandbox.FaultKind{sandbox.Fault502}}})
	req, _ := http.NewRequest("GET", e2.url+"/api/icall/5/task/query_task?"+e2.auth(nil).Encode(), nil)
	if code, _ := e2.do(req); code != 502 {
		t.Errorf("Options.Faults: HTTP %d", code)
	}
}

func (e *env) upload(taskid string, file []byte) obj {
	e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range e.auth(url.Values{"taskid": {taskid}}) {
		mw.WriteField(k, v[0])
	}
	if file != nil {
		fw, _ := mw.CreateFormFile("data_file", "numbers.xlsx")
		fw.Write(file)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", e.url+"/api/icall/5/task/add_task_file_data", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	code, b := e.do(req)
	if code != 200 {
		e.t.Fatalf("HTTP %d %s", code, b)
	}
	return decode(e.t, b)
}

func TestAddTaskFileData(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	id := e.addTask(nil)
	f := excelize.NewFile()
	rows := [][]any{
		{"电话", "outid", "参会人称呼"},
		{"13800000001", "f1", "王先生"},
		{"not a phone", "f2", "李女士"},
		{"13800000001", "f3", "张先生"}, // repeat
		{"13800138000", "f4", "赵先生"}, // do-not-call
		{"139 0000 0002", "f5", "刘女士"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetSheetRow("Sheet1", cell, &r)
	}
	var buf bytes.Buffer
	f.WriteTo(&buf)
	m := e.upload(id, buf.Bytes())
	wantCode(t, m, "000000")
	got := fmt.Sprintf("%v %v %v %v %v %v", m["counts"], m["success_counts"], m["defeat_counts"], m["repeat_counts"], m["filter_count"], m["error_data"])
	if got != "5 2 1 1 1 [3]" {
		t.Errorf("counts success defeat repeat filter error_data = %s (%v)", got, m)
	}
	if n := num(e.info(id)["call_total_data"]); n != 2 {
		t.Errorf("call_total_data %d", n)
	}
	wantCode(t, e.upload(id, nil), "320031")
	wantCode(t, e.upload(id, []byte("telephone\n13800000009\n")), "320028")
	wantCode(t, e.upload(id, bytes.Repeat([]byte("x"), 5<<20+1)), "320029")
}

// BenchmarkQueryTaskInfo15 measures query_task_info for its most ids a call
// (15); the task list asks it on every refresh.
func BenchmarkQueryTaskInfo15(b *testing.B) {
	sb := sandbox.New(sandbox.Options{SeedData: true, Seed: 1, BaseURL: "http://sandbox.test"})
	ids := sb.TaskIDs()[:15]
	target := "/api/icall/5/task/query_task_info?appid=demo-appid&signature=demo-signature&taskid=" + strings.Join(ids, ",")
	for b.Loop() {
		rec := httptest.NewRecorder()
		sb.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}

func newHook(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// calls counts a task's finished calls, redials included, from v1's call histories.
func (e *env) calls(taskid string) int64 {
	e.t.Helper()
	var n int64
	for p := 1; ; p++ {
		var resp struct {
			Data struct {
				Data     []obj `json:"data"`
				LastPage int   `json:"last_page"`
			} `json:"data"`
		}
		e.v1JSON("GET", fmt.Sprintf("/v1/task/number?task_id=%s&page=%d&call_history=1", taskid, p), nil, &resp)
		for _, x := range resp.Data.Data {
			n += int64(len(x["call_history"].([]any)))
		}
		if p >= resp.Data.LastPage {
			return n
		}
	}
}
