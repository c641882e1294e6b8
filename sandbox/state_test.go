package sandbox_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"dialdesk/sandbox"
)

// TestSaveRestore: a restored world answers every read exactly as the saved
// one did (the seeded tasks, a task made through the API, its numbers, calls
// and transcripts), and both go on identically: calls in flight finish, new
// calls are dialed, new ids follow where the saved world stopped.
func TestSaveRestore(t *testing.T) {
	opts := sandbox.Options{Seed: 9, SeedData: true, BaseURL: "http://sandbox.test/platform"}
	a := newEnv(t, opts)
	id := a.addTask(url.Values{"task_name": {"新手建的任务"}, "robot_num": {"5"}, "call_time_slot": {"00:00-23:59"}})
	a.addNumbers(id, 40, "r")
	a.Advance(3 * time.Minute) // some calls done, some in flight
	var saved bytes.Buffer
	if err := a.sb.Save(&saved); err != nil {
		t.Fatal(err)
	}
	b := newEnvOf(t, opts, func(o sandbox.Options) *sandbox.Sandbox {
		sb, err := sandbox.Restore(o, bytes.NewReader(saved.Bytes()))
		if err != nil {
			t.Fatalf("Restore: %v", err)
		}
		return sb
	})

	same := func(when string) {
		t.Helper()
		ids := a.sb.TaskIDs()
		if got := b.sb.TaskIDs(); strings.Join(got, ",") != strings.Join(ids, ",") {
			t.Fatalf("%s: tasks %d, want %d", when, len(got), len(ids))
		}
		paths := []string{"/api/icall/5/task/query_task?" + a.auth(nil).Encode()}
		for start := 0; start < len(ids); start += 15 {
			q := a.auth(url.Values{"taskid": {strings.Join(ids[start:min(start+15, len(ids))], ",")}})
			paths = append(paths, "/api/icall/5/task/query_task_info?"+q.Encode())
		}
		window := url.Values{"taskid": {id}, "begin_time": {"0"}, "end_time": {fmt.Sprint(t0.Add(48 * time.Hour).UnixMilli())},
			"page_size": {"15"}, "page_num": {"1"}}
		paths = append(paths, "/api/icall/5/task/query_time_task_data?"+a.auth(window).Encode(),
			"/api/icall/5/task/query_task_data?"+a.auth(url.Values{"taskid": {id}, "outid": {"r1"}}).Encode())
		for _, p := range paths {
			if x, y := a.raw(p), b.raw(p); !bytes.Equal(x, y) {
				t.Errorf("%s: GET %s differs:\nsaved    %.400s\nrestored %.400s", when, p[:strings.IndexByte(p, '?')], x, y)
			}
		}
		var list struct {
			Data []obj `json:"data"`
		}
		a.v1JSON("POST", "/v1/task/query_done_task_phones", obj{"task_id": id, "page": 1}, &list)
		if x, y := a.v1OK("POST", "/v1/task/query_done_task_phones", obj{"task_id": id, "page": 1}),
			b.v1OK("POST", "/v1/task/query_done_task_phones", obj{"task_id": id, "page": 1}); !bytes.Equal(x, y) {
			t.Errorf("%s: call records differ:\nsaved    %.400s\nrestored %.400s", when, x, y)
		}
		if len(list.Data) == 0 {
			t.Fatalf("%s: no call record yet", when)
		}
		rec := fmt.Sprint(list.Data[0]["id"])
		p := "/v1/task/record_info/" + id + "/" + rec
		if x, y := a.v1OK("GET", p, nil), b.v1OK("GET", p, nil); !bytes.Equal(x, y) {
			t.Errorf("%s: record_info differs:\nsaved    %.400s\nrestored %.400s", when, x, y)
		}
	}
	same("restored")
	a.Advance(20 * time.Minute)
	b.Advance(20 * time.Minute)
	same("20 minutes on")
	if x, y := a.addTask(nil), b.addTask(nil); x != y {
		t.Errorf("next task id: saved world %s, restored %s", x, y)
	}

	if _, err := sandbox.Restore(sandbox.Options{Seed: 10}, bytes.NewReader(saved.Bytes())); !errors.Is(err, sandbox.ErrStateMismatch) {
		t.Errorf("restore with another seed: %v, want ErrStateMismatch", err)
	}
	if _, err := sandbox.Restore(opts, strings.NewReader("{")); err == nil {
		t.Error("restore of a cut file: no error")
	}
}

// raw GETs path (under the sandbox's base) and returns the body; 200 expected.
func (e *env) raw(path string) []byte {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.url+path, nil)
	code, b := e.do(req)
	if code != 200 {
		e.t.Fatalf("GET %s: HTTP %d %s", path, code, b)
	}
	return b
}
