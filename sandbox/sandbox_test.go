package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"dialdesk/sandbox"
)

var shanghai = time.FixedZone("CST", 8*3600)

// t0 is a Friday morning in Shanghai: inside 09:00-18:00.
var t0 = time.Date(2026, 3, 6, 10, 0, 0, 0, shanghai)

type env struct {
	t   *testing.T
	sb  *sandbox.Sandbox
	srv *httptest.Server
	url string // base URL including the prefix the sandbox is mounted under
}

// newEnv serves a sandbox under a path prefix, to catch absolute-URL bugs.
func newEnv(t *testing.T, opts sandbox.Options) *env {
	t.Helper()
	return newEnvOf(t, opts, sandbox.New)
}

// newEnvOf is newEnv with the sandbox built by build from the filled-in options.
func newEnvOf(t *testing.T, opts sandbox.Options, build func(sandbox.Options) *sandbox.Sandbox) *env {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return t0 }
	}
	if opts.Seed == 0 {
		opts.Seed = 42
	}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	if opts.BaseURL == "" {
		opts.BaseURL = srv.URL + "/platform"
	}
	sb := build(opts)
	mux.Handle("/platform/", http.StripPrefix("/platform", sb))
	return &env{t: t, sb: sb, srv: srv, url: srv.URL + "/platform"}
}

type obj = map[string]any

func (e *env) do(req *http.Request) (int, []byte) {
	e.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, b
}

func decode(t *testing.T, b []byte) obj {
	t.Helper()
	var m obj
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return m
}

func (e *env) auth(v url.Values) url.Values {
	if v == nil {
		v = url.Values{}
	}
	if _, ok := v["appid"]; !ok {
		v.Set("appid", "demo-appid")
	}
	if _, ok := v["signature"]; !ok {
		v.Set("signature", "demo-signature")
	}
	return v
}

// get calls a surface A endpoint with GET, credentials in the query string.
func (e *env) get(endpoint string, v url.Values) obj {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.url+"/api/icall/5/task/"+endpoint+"?"+e.auth(v).Encode(), nil)
	code, b := e.do(req)
	if code != 200 {
		e.t.Fatalf("%s: HTTP %d %s", endpoint, code, b)
	}
	return decode(e.t, b)
}

// post calls a surface A endpoint with a form-encoded body, as the vendor's Java demo does.
func (e *env) post(endpoint string, v url.Values) obj {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.url+"/api/icall/5/task/"+endpoint, strings.NewReader(e.auth(v).Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	code, b := e.do(req)
	if code != 200 {
		e.t.Fatalf("%s: HTTP %d %s", endpoint, code, b)
	}
	return decode(e.t, b)
}

// postJSON calls a surface A endpoint with a JSON body, as the vendor's docs show.
func (e *env) postJSON(endpoint string, body obj) obj {
	e.t.Helper()
	if _, ok := body["appid"]; !ok {
		body["appid"] = "demo-appid"
	}
	if _, ok := body["signature"]; !ok {
		body["signature"] = "demo-signature"
	}
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", e.url+"/api/icall/5/task/"+endpoint, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	code, rb := e.do(req)
	if code != 200 {
		e.t.Fatalf("%s: HTTP %d %s", endpoint, code, rb)
	}
	return decode(e.t, rb)
}

func retCode(m obj) string { s, _ := m["ret_code"].(string); return s }

func wantCode(t *testing.T, m obj, code string) {
	t.Helper()
	if got := retCode(m); got != code {
		t.Fatalf("ret_code = %q, want %q (%v)", got, code, m)
	}
}

// firstTemplate returns a template id of the catalogue.
func (e *env) firstTemplate() string {
	m := e.get("query_template", nil)
	return m["data"].([]any)[0].(obj)["templateid"].(string)
}

func (e *env) addTask(extra url.Values) string {
	e.t.Helper()
	v := url.Values{
		"templateid": {e.firstTemplate()}, "task_name": {"测试任务"}, "line_type": {"1"},
		"telephone": {"02180344315"}, "robot_num": {"2"}, "time_type": {"2"},
		"call_time_slot": {"09:00-12:00,13:30-18:00"}, "task_status": {"0"},
	}
	for k, vs := range extra {
		v[k] = vs
	}
	m := e.post("add_task", v)
	wantCode(e.t, m, "000000")
	return m["data"].(obj)["taskid"].(string)
}

func (e *env) addNumbers(taskid string, n int, prefix string) {
	e.t.Helper()
	var rows []obj
	for i := range n {
		rows = append(rows, obj{"telephone": fmt.Sprintf("138%08d", i+1), "outid": fmt.Sprintf("%s%d", prefix, i+1), "variable": "参会人称呼^王先生|会议地点^银海大厦"})
	}
	b, _ := json.Marshal(rows)
	m := e.post("add_task_data", url.Values{"taskid": {taskid}, "data": {string(b)}})
	wantCode(e.t, m, "000000")
}

func (e *env) info(taskid string) obj {
	e.t.Helper()
	m := e.get("query_task_info", url.Values{"taskid": {taskid}})
	wantCode(e.t, m, "000000")
	data := m["data"].([]any)
	if len(data) != 1 {
		e.t.Fatalf("query_task_info: %v", m)
	}
	return data[0].(obj)
}

func num(v any) int64 {
	switch x := v.(type) {
	case json.Number:
		n, _ := x.Int64()
		return n
	case string:
		var n int64
		fmt.Sscan(x, &n)
		return n
	}
	return -999
}

func TestAuthSurfaceA(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	wantCode(t, e.get("query_robot_num", url.Values{"signature": {"wrong"}}), "320001")
	wantCode(t, e.get("query_robot_num", url.Values{"appid": {""}}), "320001")
	wantCode(t, e.post("add_task", url.Values{"signature": {"wrong"}}), "320001")
	wantCode(t, e.postJSON("add_task", obj{"appid": "nope"}), "320001")
	wantCode(t, e.get("query_robot_num", nil), "000000")
	// JSON bodies carry credentials too.
	wantCode(t, e.postJSON("query_task", obj{}), "000000")
}

func TestLifecycle(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	id := e.addTask(nil)
	if st := num(e.info(id)["task_status"]); st != 0 {
		t.Fatalf("new task status %d, want 0 (not started until it has numbers)", st)
	}
	e.Advance(time.Minute)
	if st := num(e.info(id)["task_status"]); st != 0 {
		t.Fatalf("task without numbers: status %d, want 0", st)
	}
	e.addNumbers(id, 20, "o")
	if st := num(e.info(id)["task_status"]); st != 4 && st != 1 {
		t.Fatalf("after add_task_data status %d, want 4 or 1", st)
	}
	e.Advance(2 * time.Second)
	inf := e.info(id)
	if st := num(inf["task_status"]); st != 1 {
		t.Fatalf("status %d, want 1", st)
	}
	if num(inf["call_total_data"]) != 20 {
		t.Fatalf("call_total_data %v", inf["call_total_data"])
	}
	e.Advance(3 * time.Minute)
	inf = e.info(id)
	called := num(inf["call_times"])
	if called < 3 || called >= 20 {
		t.Fatalf("after 3 minutes with 2 robots call_times = %d", called)
	}

	wantCode(t, e.get("pause_task", url.Values{"taskid": {id}}), "000000")
	if st := num(e.info(id)["task_status"]); st != 5 {
		t.Fatalf("paused status %d", st)
	}
	wantCode(t, e.get("pause_task", url.Values{"taskid": {id}}), "320023")
	e.Advance(10 * time.Minute)
	if c := num(e.info(id)["call_times"]); c > called+2 {
		t.Fatalf("paused task kept dialing: %d -> %d", called, c)
	}
	wantCode(t, e.get("resume_task", url.Values{"taskid": {id}}), "000000")
	if st := num(e.info(id)["task_status"]); st != 1 && st != 4 {
		t.Fatalf("resumed status %d", st)
	}
	wantCode(t, e.get("resume_task", url.Values{"taskid": {id}}), "320024")
	e.Advance(time.Hour)
	inf = e.info(id)
	if st := num(inf["task_status"]); st != 2 {
		t.Fatalf("all numbers dialed: status %d, want 2 (%v)", st, inf)
	}
	if num(inf["call_times"]) != 20 || num(inf["call_connected_times"]) == 0 {
		t.Fatalf("counts after finishing: %v", inf)
	}
	wantCode(t, e.get("end_task", url.Values{"taskid": {id}}), "320023")
	wantCode(t, e.get("resume_task", url.Values{"taskid": {id}}), "320024")
	wantCode(t, e.get("delete_task", url.Values{"taskid": {id}}), "000000")
	if st := num(e.info(id)["task_status"]); st != -1 {
		t.Fatalf("deleted status %d", st)
	}
	wantCode(t, e.get("delete_task", url.Values{"taskid": {id}}), "320020")
	wantCode(t, e.get("end_task", url.Values{"taskid": {id}}), "320023")
	wantCode(t, e.get("pause_task", url.Values{"taskid": {id}}), "320020")
}

func (e *env) Advance(d time.Duration) { e.sb.Advance(d) }

func TestCallTimeSlotAndValidity(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	// 10:00 in Shanghai is outside 14:00-15:00: status 3 until the slot opens.
	id := e.addTask(url.Values{"call_time_slot": {"14:00-15:00"}})
	e.addNumbers(id, 5, "s")
	if st := num(e.info(id)["task_status"]); st != 3 {
		t.Fatalf("outside hours: status %d, want 3", st)
	}
	e.Advance(3*time.Hour + time.Minute) // 13:01
	if st := num(e.info(id)["task_status"]); st != 3 {
		t.Fatalf("13:01: status %d, want 3", st)
	}
	e.Advance(time.Hour) // 14:01
	if st := num(e.info(id)["task_status"]); st != 1 && st != 2 {
		t.Fatalf("14:01: status %d, want 1", st)
	}
	// Custom validity that has not begun: stays 0; once it ends: 2.
	start := t0.Add(24 * time.Hour).UnixMilli()
	id2 := e.addTask(url.Values{"time_type": {"1"}, "start_time": {fmt.Sprint(start)}, "end_time": {fmt.Sprint(start + 3600_000)}, "call_time_slot": {"00:00-23:59"}})
	e.addNumbers(id2, 3, "v")
	if st := num(e.info(id2)["task_status"]); st != 0 {
		t.Fatalf("validity not begun: status %d, want 0", st)
	}
	e.Advance(48 * time.Hour)
	if st := num(e.info(id2)["task_status"]); st != 2 {
		t.Fatalf("validity ended: status %d, want 2", st)
	}
}

func TestErrorCodes(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	tpl := e.firstTemplate()
	full := func(drop string, set ...string) url.Values {
		v := url.Values{"templateid": {tpl}, "task_name": {"x"}, "line_type": {"1"}, "telephone": {"02180344315"},
			"robot_num": {"1"}, "time_type": {"2"}, "call_time_slot": {"09:00-18:00"}, "task_status": {"0"}}
		v.Del(drop)
		for i := 0; i+1 < len(set); i += 2 {
			v.Set(set[i], set[i+1])
		}
		return v
	}
	id := e.addTask(nil)
	e.addNumbers(id, 3, "dup")
	many := strings.TrimSuffix(strings.Repeat(id+",", 16), ",")
	var outids []string
	for i := range 101 {
		outids = append(outids, fmt.Sprint("x", i))
	}
	cases := []struct {
		name string
		got  func() obj
		code string
	}{
		{"add_task no templateid", func() obj { return e.post("add_task", full("templateid")) }, "320011"},
		{"add_task no name", func() obj { return e.post("add_task", full("task_name")) }, "320012"},
		{"add_task robots 0", func() obj { return e.post("add_task", full("", "robot_num", "0")) }, "320013"},
		{"add_task robots huge", func() obj { return e.post("add_task", full("", "robot_num", "500")) }, "320013"},
		{"add_task no telephone", func() obj { return e.post("add_task", full("telephone")) }, "320014"},
		{"add_task no time_type", func() obj { return e.post("add_task", full("time_type")) }, "320015"},
		{"add_task custom without times", func() obj { return e.post("add_task", full("", "time_type", "1")) }, "320016"},
		{"add_task no slot", func() obj { return e.post("add_task", full("call_time_slot")) }, "320017"},
		{"add_task bad slot", func() obj { return e.post("add_task", full("", "call_time_slot", "nine to five")) }, "320017"},
		{"add_task unknown template", func() obj { return e.post("add_task", full("", "templateid", "nope")) }, "320019"},
		{"add_task_data bad json", func() obj { return e.post("add_task_data", url.Values{"taskid": {id}, "data": {"[{"}}) }, "320018"},
		{"add_task_data no outid", func() obj {
			return e.post("add_task_data", url.Values{"taskid": {id}, "data": {`[{"telephone":"13800000001"}]`}})
		}, "320032"},
		{"add_task_data duplicate outid", func() obj {
			return e.post("add_task_data", url.Values{"taskid": {id}, "data": {`[{"telephone":"13900000001","outid":"dup1"}]`}})
		}, "320030"},
		{"add_task_data no taskid", func() obj { return e.post("add_task_data", url.Values{"data": {`[]`}}) }, "320021"},
		{"pause unknown task", func() obj { return e.get("pause_task", url.Values{"taskid": {"10001nope"}}) }, "320022"},
		{"query_task_info > 15 ids", func() obj { return e.get("query_task_info", url.Values{"taskid": {many}}) }, "320022"},
		{"calls_count > 15 ids", func() obj {
			return e.get("calls_count", url.Values{"taskid": {many}, "begin_time": {"0"}, "end_time": {"1"}})
		}, "320022"},
		{"calls_count no begin", func() obj { return e.get("calls_count", url.Values{"taskid": {id}, "end_time": {"1"}}) }, "320026"},
		{"calls_count no end", func() obj { return e.get("calls_count", url.Values{"taskid": {id}, "begin_time": {"1"}}) }, "320027"},
		{"query_time_task_data page_size 16", func() obj {
			return e.get("query_time_task_data", url.Values{"taskid": {id}, "begin_time": {"0"}, "end_time": {"1"}, "page_size": {"16"}, "page_num": {"1"}})
		}, "320018"},
		{"delete_task_data no outid", func() obj { return e.post("delete_task_data", url.Values{"taskid": {id}}) }, "320032"},
		{"delete_task_data > 100 outids", func() obj {
			return e.post("delete_task_data", url.Values{"taskid": {id}, "outid": {strings.Join(outids, ",")}})
		}, "320033"},
		{"query_task_data no outid", func() obj { return e.get("query_task_data", url.Values{"taskid": {id}}) }, "320032"},
		{"check_login_name no email", func() obj { return e.get("check_login_name", nil) }, "320025"},
		{"resume not paused", func() obj { return e.get("resume_task", url.Values{"taskid": {id}}) }, "320024"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := c.got()
			wantCode(t, m, c.code)
			if m["ret_msg"] == "" || m["ret_msg"] == nil {
				t.Errorf("no ret_msg: %v", m)
			}
		})
	}
}

func TestRunDrivesTheClock(t *testing.T) {
	e := newEnv(t, sandbox.Options{Now: time.Now, Speed: 300})
	id := e.addTask(url.Values{"call_time_slot": {"00:00-23:59"}})
	e.addNumbers(id, 50, "r")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- e.sb.Run(ctx) }()
	for range 15 { // requests while the clock runs: the race detector watches
		time.Sleep(100 * time.Millisecond)
		e.info(id)
		e.v1OK("POST", "/v1/task/query_done_task_phones", obj{"task_id": id, "page": 1})
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("Run returned %v", err)
	}
	inf := e.info(id)
	if c := num(inf["call_times"]); c < 5 {
		t.Fatalf("after 1.5 s at speed 300, only %d calls", c)
	}
	// Timestamps follow the wall clock: never in the future.
	m := e.get("query_time_task_data", url.Values{"taskid": {id}, "begin_time": {"0"}, "end_time": {fmt.Sprint(time.Now().Add(time.Hour).UnixMilli())}, "page_size": {"15"}, "page_num": {"1"}})
	now := time.Now().UnixMilli()
	for _, x := range m["data"].([]any) {
		d := x.(obj)["detail"].(obj)
		if end := num(d["end_time"]); end > now || end < now-10_000 {
			t.Errorf("end_time %d vs now %d", end, now)
		}
	}
}

// 320030 is a generic refusal: a batch holding an outid the task already has,
// a repeated outid or a malformed row is answered 320030 as a whole, and its
// other rows are kept all the same (the worst case the vendor's table
// allows); the refused rows are not on the task.
func TestAddTaskDataRefusalKeepsTheOtherRows(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	id := e.addTask(nil)
	e.addNumbers(id, 1, "k") // k1
	rows := []obj{
		{"telephone": "13900000001", "outid": "k1"}, // the task has k1
		{"telephone": "13900000002", "outid": "k2"},
		{"telephone": "13900000003", "outid": "k3", "variable": "称呼王先生"}, // no ^
		{"telephone": "", "outid": "k4"},
		{"telephone": "13900000005", "outid": "k2"}, // k2 again
		{"telephone": "13900000006", "outid": "k6"},
	}
	b, _ := json.Marshal(rows)
	wantCode(t, e.post("add_task_data", url.Values{"taskid": {id}, "data": {string(b)}}), "320030")
	for outid, held := range map[string]bool{"k2": true, "k6": true, "k3": false, "k4": false} {
		m := e.get("query_task_data", url.Values{"taskid": {id}, "outid": {outid}})
		if got := m["ret_code"] == "000000"; got != held {
			t.Errorf("%s held = %v, want %v (%v)", outid, got, held, m)
		}
	}
	if n := num(e.info(id)["call_total_data"]); n != 3 {
		t.Errorf("the task has %d numbers, want 3 (k1, k2, k6)", n)
	}
}
