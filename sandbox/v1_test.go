package sandbox_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"dialdesk/sandbox"
)

// v1 calls a surface B endpoint; body nil means GET.
func (e *env) v1(method, path string, body any, token string) (int, []byte) {
	e.t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, e.url+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.do(req)
}

func (e *env) v1OK(method, path string, body any) []byte {
	e.t.Helper()
	code, b := e.v1(method, path, body, "demo-token")
	if code != 200 {
		e.t.Fatalf("%s %s: HTTP %d %s", method, path, code, b)
	}
	return b
}

// v1JSON calls surface B like v1OK and decodes the answer into v.
func (e *env) v1JSON(method, path string, body, v any) {
	e.t.Helper()
	b := e.v1OK(method, path, body)
	if err := json.Unmarshal(b, v); err != nil {
		e.t.Fatalf("%s %s: %v: %s", method, path, err, b)
	}
}

func TestAuthSurfaceB(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	for _, tok := range []string{"", "wrong"} {
		code, b := e.v1("GET", "/v1/levels", nil, tok)
		if code != 401 || !strings.Contains(string(b), "Unauthenticated") {
			t.Errorf("token %q: HTTP %d %s", tok, code, b)
		}
	}
	var levels []obj
	if err := json.Unmarshal(e.v1OK("GET", "/v1/levels", nil), &levels); err != nil || len(levels) != 4 {
		t.Fatalf("levels %v %v", levels, err)
	}
	if levels[0]["name"] != "A级" || levels[0]["color"] != "#e53935" || levels[0]["min_score"] == nil {
		t.Errorf("level A: %v", levels[0])
	}
	var groups []obj
	e.v1JSON("GET", "/v1/tags", nil, &groups)
	if len(groups) < 2 || len(groups[0]["tags"].([]any)) == 0 {
		t.Errorf("tags: %v", groups)
	}
	code, _ := e.v1("GET", "/v1/task/number?task_id=nope&page=1", nil, "demo-token")
	if code != 404 {
		t.Errorf("unknown task: HTTP %d", code)
	}
}

// runCampaign makes a task with n numbers and lets it run to the end.
func (e *env) runCampaign(n int, extra url.Values) string {
	id := e.addTask(extra)
	e.addNumbers(id, n, "c")
	e.Advance(2 * time.Hour)
	return id
}

func TestCallTranscriptAndRecording(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	id := e.runCampaign(30, nil)
	inf := e.info(id)
	if num(inf["call_times"]) != 30 || num(inf["task_status"]) != 2 {
		t.Fatalf("campaign did not finish: %v", inf)
	}
	connected := num(inf["call_connected_times"])
	if connected < 6 || connected > 24 {
		t.Errorf("connected %d of 30: want about half", connected)
	}

	// Surface A: every number has a result; answered ones a transcript and a recording.
	var answered, unanswered obj
	var answeredMsgs []any
	for i := 1; i <= 30 && (answered == nil || unanswered == nil); i++ {
		m := e.get("query_task_data", url.Values{"taskid": {id}, "outid": {fmt.Sprint("c", i)}})
		wantCode(t, m, "000000")
		d := m["data"].(obj)
		det := d["detail"].(obj)
		if num(det["status"]) == 2 {
			answered, answeredMsgs = det, d["msg"].([]any)
		} else if unanswered == nil {
			unanswered = det
		}
	}
	if answered == nil || unanswered == nil {
		t.Fatal("want both answered and unanswered calls")
	}
	if unanswered["answer_time"] != "0" || num(unanswered["fee_duration"]) != 0 {
		t.Errorf("unanswered detail: %v", unanswered)
	}
	if len(answeredMsgs) < 2 {
		t.Fatalf("transcript: %v", answeredMsgs)
	}
	first := answeredMsgs[0].(obj)
	if first["sender_type"] != "1" || first["date_time"] == nil {
		t.Errorf("first line should be the robot's, date_time a string: %v", first)
	}
	sawCustomer := false
	for _, x := range answeredMsgs {
		m := x.(obj)
		if m["sender_type"] == "0" {
			sawCustomer = true
			if r, _ := m["remark"].(string); !strings.HasPrefix(r, "匹配到:【") {
				t.Errorf("customer line remark %q", r)
			}
		}
	}
	if !sawCustomer {
		t.Error("no customer line in the transcript")
	}
	voice := answered["voice_url"].(string)
	if !strings.HasPrefix(voice, e.url+"/recordings/mnt/") {
		t.Fatalf("voice_url %q not absolute under %s", voice, e.url)
	}

	// The recording: a real WAV, and Range requests are honoured.
	resp, err := http.Get(voice)
	if err != nil {
		t.Fatal(err)
	}
	var full bytes.Buffer
	full.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "audio/wav" || !bytes.HasPrefix(full.Bytes(), []byte("RIFF")) {
		t.Fatalf("recording: %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), full.Bytes()[:min(full.Len(), 12)])
	}
	wantBytes := 44 + 2*8*num(answered["fee_duration"])
	if d := int64(full.Len()) - wantBytes; d < -16 || d > 16 {
		t.Errorf("recording is %d bytes, want ~%d (8 kHz 16-bit for fee_duration)", full.Len(), wantBytes)
	}
	req, _ := http.NewRequest("GET", voice, nil)
	req.Header.Set("Range", "bytes=1000-1999")
	rr, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var part bytes.Buffer
	part.ReadFrom(rr.Body)
	rr.Body.Close()
	if rr.StatusCode != 206 || rr.Header.Get("Content-Range") != fmt.Sprintf("bytes 1000-1999/%d", full.Len()) ||
		!bytes.Equal(part.Bytes(), full.Bytes()[1000:2000]) {
		t.Errorf("range: %d %q %d bytes", rr.StatusCode, rr.Header.Get("Content-Range"), part.Len())
	}

	// Surface B: the same call, by the same callid, with the same task id.
	var list struct {
		Data []obj `json:"data"`
		Total,
		LastPage int
	}
	e.v1JSON("POST", "/v1/task/query_done_task_phones", obj{"task_id": id, "page": 1}, &list)
	if int64(list.Total) != connected || len(list.Data) == 0 {
		t.Fatalf("query_done_task_phones total %d, want %d", list.Total, connected)
	}
	e.v1JSON("POST", "/v1/task/query_done_task_phones", obj{"task_id": id, "page": 1, "keyword": answered["tel"]}, &list)
	var rec obj
	for _, r := range list.Data {
		if r["callid"] == answered["callid"] {
			rec = r
		}
	}
	if rec == nil {
		t.Fatalf("callid %v not among v1 records", answered["callid"])
	}
	if !strings.HasSuffix(voice, rec["recordfile"].(string)) || rec["task_id"] != id {
		t.Errorf("recordfile %v vs voice_url %s", rec["recordfile"], voice)
	}
	if rec["level"].(obj)["color"] == "" || rec["level_name"] == "" {
		t.Errorf("level: %v", rec["level"])
	}
	recID := rec["id"].(string)
	var brief obj
	e.v1JSON("GET", "/v1/record/"+recID, nil, &brief)
	if brief["code"] != float64(200) || brief["data"].(obj)["task_id"] != id {
		t.Errorf("record brief: %v", brief)
	}
	var info struct {
		Records []obj `json:"records"`
		Info    struct {
			Record obj `json:"record"`
			Task   obj `json:"task"`
		} `json:"info"`
		Utterances []obj `json:"utterances"`
	}
	e.v1JSON("GET", "/v1/task/record_info/"+id+"/"+recID, nil, &info)
	if len(info.Records) < 3 || info.Records[0]["notify"] != "enter" || len(info.Utterances) == 0 {
		t.Fatalf("record_info: %+v", info)
	}
	progress, questions := 0, 0
	for i, r := range info.Records {
		if r["sequence"] != float64(i+1) {
			t.Errorf("row %d has sequence %v", i, r["sequence"])
		}
		switch r["notify"] {
		case "asrprogress_notify":
			progress++
		case "asrmessage_notify":
			questions++
			if r["question"] == "" {
				t.Errorf("asrmessage row without question: %v", r)
			}
		}
	}
	if progress == 0 || progress != questions || int64(questions) != num(answered["user_msg_count"]) {
		t.Errorf("rows: %d progress, %d messages, user_msg_count %v", progress, questions, answered["user_msg_count"])
	}
	if info.Info.Record["read_at"] == nil || info.Info.Task["uuid"] != id {
		t.Errorf("info: %v", info.Info)
	}

	// v1 numbers: the v1 enum, with call history on request.
	var nums struct {
		Code int `json:"code"`
		Data struct {
			Data  []obj `json:"data"`
			Total int   `json:"total"`
		} `json:"data"`
	}
	e.v1JSON("GET", "/v1/task/number?task_id="+id+"&page=1&status[]=1&call_history=1", nil, &nums)
	if int64(nums.Data.Total) != connected || nums.Data.Data[0]["status_str"] != "呼叫成功" || nums.Data.Data[0]["call_history"] == nil {
		t.Errorf("numbers with status 1: total %d, first %v", nums.Data.Total, nums.Data.Data[0])
	}
}
