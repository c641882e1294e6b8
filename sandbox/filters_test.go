package sandbox_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"dialdesk/sandbox"
)

type recordList struct {
	Data     []obj `json:"data"`
	Total    int   `json:"total"`
	LastPage int   `json:"last_page"`
}

func (e *env) records(body obj) recordList {
	e.t.Helper()
	var l recordList
	if err := json.Unmarshal(e.v1OK("POST", "/v1/task/query_done_task_phones", body), &l); err != nil {
		e.t.Fatal(err)
	}
	return l
}

func TestV1Filters(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	id := e.runCampaign(120, nil)
	all := e.records(obj{"task_id": id, "page": 1})
	if all.Total < 30 || len(all.Data) != 15 || all.LastPage != (all.Total+14)/15 {
		t.Fatalf("total %d, page of %d, last_page %d", all.Total, len(all.Data), all.LastPage)
	}
	var every []obj
	for p := 1; p <= all.LastPage; p++ {
		every = append(every, e.records(obj{"task_id": id, "page": p}).Data...)
	}
	if len(every) != all.Total {
		t.Fatalf("paging gave %d of %d", len(every), all.Total)
	}
	count := func(pred func(obj) bool) int {
		n := 0
		for _, r := range every {
			if pred(r) {
				n++
			}
		}
		return n
	}
	f := func(v any) float64 { x, _ := v.(float64); return x }
	// Each filter agrees with the same predicate applied to the unfiltered list.
	tagID := ""
	for _, r := range every {
		if tags := r["tags"].([]any); len(tags) > 0 {
			tagID = tags[0].(obj)["id"].(string)
			break
		}
	}
	first := every[len(every)-1]
	keyword := first["callee"].(string)[3:8]
	cases := []struct {
		name string
		body obj
		want int
	}{
		{"levels", obj{"levels": [][]int{{0, 49}, {150, 9999}}}, count(func(r obj) bool { s := f(r["score"]); return s <= 49 || s >= 150 })},
		{"bills", obj{"bills": []int{0, 20}}, count(func(r obj) bool { return f(r["bill"]) < 21000 })},
		{"rounds", obj{"rounds": []int{2, 3}}, count(func(r obj) bool { return f(r["rounds"]) >= 2 && f(r["rounds"]) <= 3 })},
		{"tags", obj{"tags": []string{tagID}}, count(func(r obj) bool {
			for _, x := range r["tags"].([]any) {
				if x.(obj)["id"] == tagID {
					return true
				}
			}
			return false
		})},
		{"keyword", obj{"keyword": keyword}, count(func(r obj) bool { return strings.Contains(r["callee"].(string), keyword) })},
		{"id", obj{"id": first["id"]}, 1},
		{"start_at", obj{"start_at": first["calldate"], "end_at": first["calldate"]}, count(func(r obj) bool { return r["calldate"] == first["calldate"] })},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.body["task_id"], c.body["page"] = id, 1
			got := e.records(c.body)
			if got.Total != c.want || c.want == 0 {
				t.Errorf("total %d, want %d (nonzero)", got.Total, c.want)
			}
		})
	}
	// Form-encoded bodies with arrays as JSON text work too.
	req, _ := http.NewRequest("POST", e.url+"/v1/task/query_done_task_phones",
		strings.NewReader(url.Values{"task_id": {id}, "page": {"1"}, "rounds": {"[2,3]"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer demo-token")
	_, b := e.do(req)
	var l recordList
	if err := json.Unmarshal(b, &l); err != nil {
		t.Fatalf("form rounds: %v: %s", err, b)
	}
	if l.Total != cases[2].want {
		t.Errorf("form rounds: %d, want %d", l.Total, cases[2].want)
	}

	// v1 numbers: status (in each encoding), operator type, keyword.
	type numbersResp struct {
		Data struct {
			Data  []obj `json:"data"`
			Total int   `json:"total"`
		} `json:"data"`
	}
	numbers := func(q string) numbersResp {
		var n numbersResp
		if !strings.Contains(q, "page=") {
			q += "&page=1"
		}
		e.v1JSON("GET", "/v1/task/number?task_id="+id+q, nil, &n)
		return n
	}
	if n := numbers(""); n.Data.Total != 120 {
		t.Errorf("numbers total %d", n.Data.Total)
	}
	connected := numbers("&status=1").Data.Total
	if connected != all.Total {
		t.Errorf("status=1: %d, want %d", connected, all.Total)
	}
	for _, q := range []string{"&status[]=1&status[]=4", "&status=[1,4]", "&status=1,4", "&status=1&status=4"} {
		if n := numbers(q).Data.Total; n <= connected || n >= 120 {
			t.Errorf("%s: %d", q, n)
		}
	}
	yd, lt, dx := numbers("&type[]=yd").Data.Total, numbers("&type=['lt']").Data.Total, numbers("&type=dx").Data.Total
	if yd+lt+dx != 120 || yd == 0 {
		t.Errorf("operators yd %d lt %d dx %d", yd, lt, dx)
	}
	// Unanswered numbers are dialed a second time; call_history lists both attempts, newest first.
	redialed := 0
	for p := 1; p <= 8; p++ {
		for _, n := range numbers(fmt.Sprintf("&call_history=1&page=%d", p)).Data.Data {
			h := n["call_history"].([]any)
			if len(h) == 2 {
				redialed++
				if h[0].(obj)["call_id"] != n["callid"] || h[0].(obj)["call_time"].(string) < h[1].(obj)["call_time"].(string) {
					t.Errorf("history order: %v", h)
				}
			}
		}
	}
	if redialed == 0 {
		t.Error("no number was dialed twice")
	}
	if n := numbers("&keyword=13800000077"); n.Data.Total != 1 || n.Data.Data[0]["call_history"] != nil {
		t.Errorf("keyword: %+v", n.Data)
	}
}

func TestPushType1OnlyTransferred(t *testing.T) {
	rc := &receiver{}
	hook := newHook(t, rc)
	e := newEnv(t, sandbox.Options{})
	id := e.addTask(url.Values{"push_url": {hook}, "push_type": {"1"}})
	e.addNumbers(id, 150, "t")
	e.Advance(3 * time.Hour)
	e.sb.Wait()
	connected := num(e.info(id)["call_connected_times"])
	rc.mu.Lock()
	pushed := len(rc.bodies)
	rc.mu.Unlock()
	if pushed == 0 || int64(pushed) >= connected/2 {
		t.Errorf("push_type 1: %d pushes for %d connected calls; want only the transferred few", pushed, connected)
	}
}

func TestJSONBodiesAndTemplateAudio(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	tpl := e.get("query_template", nil)["data"].([]any)
	m := e.postJSON("add_task", obj{"templateid": tpl[2].(obj)["templateid"], "task_name": "JSON", "line_type": 1,
		"telephone": "02180344315,02566781234", "robot_num": "3", "time_type": 2, "call_time_slot": "8:00-19:00", "task_status": "0"})
	wantCode(t, m, "000000")
	id := m["data"].(obj)["taskid"].(string)
	m = e.postJSON("add_task_data", obj{"taskid": id, "data": []obj{
		{"telephone": "15988888888", "outid": "j1", "variable": "会议地点^银海大厦|参会人称呼^王先生"},
		{"telephone": 15988888889, "outid": 2},
		{"telephone": "12345", "outid": "bad"},
	}})
	wantCode(t, m, "000000")
	inf := e.info(id)
	if num(inf["call_total_data"]) != 2 || inf["telephone"] != "02180344315,02566781234" || inf["start_time"] != nil {
		t.Errorf("info: %v", inf)
	}
	// editor_task changes what it is given.
	wantCode(t, e.get("editor_task", url.Values{"taskid": {id}, "task_name": {"改名"}, "robot_num": {"1"}}), "000000")
	if inf = e.info(id); inf["task_name"] != "改名" || num(inf["robot_num"]) != 1 || inf["call_time_slot"] != "8:00-19:00" {
		t.Errorf("after editor_task: %v", inf)
	}
	// delete_task_data removes numbers and reports how many.
	m = e.post("delete_task_data", url.Values{"taskid": {id}, "outid": {"j1,nope"}})
	if retCode(m) != "000000" || num(m["del_counts"]) != 1 || num(e.info(id)["call_total_data"]) != 1 {
		t.Errorf("delete_task_data: %v", m)
	}
	// Variables are filled into the robot's lines.
	e.addNumbers(id, 40, "v")
	e.Advance(2 * time.Hour)
	found := false
	for i := 1; i <= 40 && !found; i++ {
		d := e.get("query_task_data", url.Values{"taskid": {id}, "outid": {fmt.Sprint("v", i)}})["data"].(obj)
		for _, x := range d["msg"].([]any) {
			if strings.Contains(x.(obj)["msg"].(string), "王先生您好,诚邀您参加在银海大厦") {
				found = true
			}
		}
	}
	if !found {
		t.Error("no transcript with the variables filled in")
	}
	// Template first-node audio is real WAV.
	for _, x := range tpl {
		for _, u := range strings.Split(x.(obj)["record"].(string), ",") {
			if u == "" {
				continue
			}
			resp, err := http.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "audio/wav" || resp.ContentLength < 1000 {
				t.Errorf("%s: %d %s %d", u, resp.StatusCode, resp.Header.Get("Content-Type"), resp.ContentLength)
			}
		}
	}
	// check_login_name.
	if m := e.get("check_login_name", url.Values{"email": {"ops@example.com"}}); num(m["check_result"]) != 1 {
		t.Errorf("check_login_name: %v", m)
	}
	if m := e.get("check_login_name", url.Values{"email": {"who@elsewhere.cn"}}); num(m["check_result"]) != 0 || m["reason"] == "" {
		t.Errorf("check_login_name: %v", m)
	}
}
