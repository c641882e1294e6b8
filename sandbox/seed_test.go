package sandbox_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"dialdesk/sandbox"
)

func (e *env) allInfo() []obj {
	e.t.Helper()
	ids := e.sb.TaskIDs()
	var out []obj
	for i := 0; i < len(ids); i += 15 {
		m := e.get("query_task_info", url.Values{"taskid": {strings.Join(ids[i:min(i+15, len(ids))], ",")}})
		wantCode(e.t, m, "000000")
		for _, x := range m["data"].([]any) {
			out = append(out, x.(obj))
		}
	}
	return out
}

func TestSeedData(t *testing.T) {
	e := newEnv(t, sandbox.Options{SeedData: true})
	tasks := e.allInfo()
	if len(tasks) < 18 {
		t.Fatalf("%d seeded tasks", len(tasks))
	}
	statuses := map[int64]int{}
	var total, called, connected int64
	escaped := false
	for _, x := range tasks {
		statuses[num(x["task_status"])]++
		total += num(x["call_total_data"])
		called += num(x["call_times"])
		connected += num(x["call_connected_times"])
		if x["task_name"] == "促销<b>回访</b> & 测试" {
			escaped = true
		}
	}
	for _, st := range []int64{-1, 0, 1, 2, 3, 4, 5} {
		if statuses[st] == 0 {
			t.Errorf("no seeded task in status %d (%v)", st, statuses)
		}
	}
	if !escaped {
		t.Error("the task named with <b> and & is missing or its name was escaped")
	}
	if total < 2000 || connected < 200 {
		t.Errorf("seed: %d numbers, %d called, %d connected", total, called, connected)
	}
	// Templates with first-node audio, one with two files.
	tpls := e.get("query_template", nil)["data"].([]any)
	two := false
	for _, x := range tpls {
		rec := x.(obj)["record"].(string)
		if strings.Contains(rec, ",") {
			two = true
			for _, u := range strings.Split(rec, ",") {
				if !strings.HasPrefix(u, e.url+"/audio/") {
					t.Errorf("template audio %q", u)
				}
			}
		}
	}
	if len(tpls) < 4 || !two {
		t.Errorf("templates: %v", tpls)
	}
	if n := num(e.get("query_robot_num", nil)["robot_num"]); n < 10 || n > 30 {
		t.Errorf("robots available %d", n)
	}
	// The demo keeps moving: running tasks call more as time passes.
	before := called
	e.Advance(2 * time.Minute)
	var after int64
	for _, x := range e.allInfo() {
		after += num(x["call_times"])
	}
	if after <= before {
		t.Errorf("no progress: %d -> %d", before, after)
	}
}

func TestDeterminism(t *testing.T) {
	snapshot := func(seed int64) string {
		e := newEnv(t, sandbox.Options{SeedData: true, Seed: seed, BaseURL: "http://sandbox.test"})
		e.Advance(5 * time.Minute)
		var b strings.Builder
		for _, id := range e.sb.TaskIDs() {
			_, body := e.v1("POST", "/v1/task/query_done_task_phones", obj{"task_id": id, "page": 1}, "demo-token")
			b.Write(body)
		}
		for _, x := range e.allInfo() {
			b.WriteString(x["taskid"].(string))
			b.WriteString(x["call_times"].(interface{ String() string }).String())
		}
		return b.String()
	}
	a, b := snapshot(7), snapshot(7)
	if a != b {
		t.Fatal("same seed, different worlds")
	}
	if c := snapshot(8); c == a {
		t.Fatal("different seeds, same world")
	}
}
