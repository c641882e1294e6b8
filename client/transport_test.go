package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func okJSON(w http.ResponseWriter, v map[string]any) {
	if v == nil {
		v = map[string]any{}
	}
	if _, ok := v["ret_code"]; !ok {
		v["ret_code"] = "000000"
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// TestQueryTaskInfoBatching: 40 ids go out as calls of ≤ 15, at most
// WithConcurrency at once, and come back in the order asked even though
// the fake answers each call's tasks reversed.
func TestQueryTaskInfoBatching(t *testing.T) {
	var inFlight, peak, calls atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/icall/5/task/query_task_info" {
			t.Errorf("path %s", r.URL.Path)
		}
		calls.Add(1)
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		ids := strings.Split(r.URL.Query().Get("taskid"), ",")
		if len(ids) > MaxTaskIDsPerCall {
			t.Errorf("query_task_info with %d ids (> 15)", len(ids))
		}
		time.Sleep(20 * time.Millisecond)
		var data []map[string]any
		for i := len(ids) - 1; i >= 0; i-- {
			if ids[i] == "t07" {
				continue // the platform does not know this one
			}
			data = append(data, map[string]any{"taskid": ids[i], "task_name": "n" + ids[i], "task_status": "1", "call_times": "3"})
		}
		okJSON(w, map[string]any{"data": data})
	})
	c := newTestClient(t, h, WithConcurrency(2))
	var ids []string
	for i := 40; i >= 1; i-- {
		ids = append(ids, fmt.Sprintf("t%02d", i))
	}
	ids = append(ids, "t40") // a repeat is asked once
	got, err := c.QueryTaskInfo(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	var gotIDs []string
	for _, ti := range got {
		gotIDs = append(gotIDs, ti.ID)
		if ti.CallTimes != 3 || ti.Status != TaskRunning {
			t.Errorf("%s decoded as %+v", ti.ID, ti)
		}
	}
	var wantIDs []string
	for i := 40; i >= 1; i-- {
		if i != 7 {
			wantIDs = append(wantIDs, fmt.Sprintf("t%02d", i))
		}
	}
	if diff := cmp.Diff(wantIDs, gotIDs); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	if calls.Load() != 3 {
		t.Errorf("calls = %d, want 3 (15+15+10)", calls.Load())
	}
	if peak.Load() > 2 {
		t.Errorf("peak concurrency %d > 2", peak.Load())
	}
	if got, err := c.QueryTaskInfo(context.Background(), nil); err != nil || len(got) != 0 || calls.Load() != 3 {
		t.Errorf("no ids: %v %v (calls %d)", got, err, calls.Load())
	}
}

func TestCallsCountBatching(t *testing.T) {
	var calls atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		q := r.URL.Query()
		ids := strings.Split(q.Get("taskid"), ",")
		if len(ids) > MaxTaskIDsPerCall {
			t.Errorf("calls_count with %d ids", len(ids))
		}
		if q.Get("begin_time") != "1577436030000" || q.Get("end_time") != "1579086041000" {
			t.Errorf("window %s–%s", q.Get("begin_time"), q.Get("end_time"))
		}
		var data []map[string]any
		for _, id := range ids {
			n, _ := strconv.Atoi(strings.TrimPrefix(id, "t"))
			data = append(data, map[string]any{"taskid": id, "task_name": id, "count": strconv.Itoa(n)})
		}
		okJSON(w, map[string]any{"data": data})
	})
	c := newTestClient(t, h)
	var ids []string
	for i := range 31 {
		ids = append(ids, fmt.Sprintf("t%d", i))
	}
	got, err := c.CallsCount(context.Background(), ids, time.UnixMilli(1577436030000), time.UnixMilli(1579086041000))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 31 || calls.Load() != 3 {
		t.Fatalf("got %d results in %d calls", len(got), calls.Load())
	}
	for i, r := range got {
		if r.TaskID != ids[i] || int(r.Count) != i {
			t.Errorf("result %d = %+v", i, r)
		}
	}
}

func TestBatchingFailsFast(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Query().Get("taskid"), "t15") {
			okJSON(w, map[string]any{"ret_code": "320022", "ret_msg": "任务id有误"})
			return
		}
		okJSON(w, map[string]any{"data": []any{}})
	})
	c := newTestClient(t, h)
	var ids []string
	for i := range 30 {
		ids = append(ids, fmt.Sprintf("t%d", i))
	}
	_, err := c.QueryTaskInfo(context.Background(), ids)
	if !IsCode(err, "320022") || !IsNotFound(err) {
		t.Errorf("err = %v, want 320022", err)
	}
	if _, err := c.QueryTaskInfo(context.Background(), []string{"a,b"}); !errors.Is(err, ErrInvalidID) {
		t.Errorf("id with comma: %v", err)
	}
}

func TestDeleteTaskDataBatching(t *testing.T) {
	rec := &recorder{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.add(r, "")
		if r.Method != http.MethodPost {
			t.Errorf("method %s", r.Method)
		}
		outids := strings.Split(r.PostForm.Get("outid"), ",")
		if len(outids) > MaxOutIDsPerCall {
			t.Errorf("delete_task_data with %d outids (> 100)", len(outids))
		}
		if r.PostForm.Get("taskid") != "task-1" || r.PostForm.Get("appid") != testAppID || r.PostForm.Get("signature") != testSig {
			t.Errorf("form %v", r.PostForm)
		}
		if r.URL.RawQuery != "" {
			t.Errorf("POST with a query string %q", r.URL.RawQuery)
		}
		okJSON(w, map[string]any{"del_counts": len(outids) - 1}) // the platform found all but one
	})
	c := newTestClient(t, h)
	var outids []string
	for i := range 250 {
		outids = append(outids, fmt.Sprintf("o%d", i))
	}
	n, err := c.DeleteTaskData(context.Background(), "task-1", outids)
	if err != nil {
		t.Fatal(err)
	}
	if n != 247 {
		t.Errorf("deleted = %d, want 247", n)
	}
	var sent []string
	for _, r := range rec.all() {
		sent = append(sent, strings.Split(r.Form["outid"][0], ",")...)
	}
	if diff := cmp.Diff(outids, sent); diff != "" {
		t.Errorf("outids sent (-want +got):\n%s", diff)
	}
}

func TestAddTaskDataBatches(t *testing.T) {
	var batches atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		var rows []map[string]string
		if err := json.Unmarshal([]byte(r.PostForm.Get("data")), &rows); err != nil {
			t.Errorf("data is not a JSON array: %v", err)
		}
		if len(rows) > 4 {
			t.Errorf("batch of %d rows > 4", len(rows))
		}
		if n := batches.Add(1); n == 3 {
			okJSON(w, map[string]any{"ret_code": "320018", "ret_msg": "data格式错误"})
			return
		}
		if rows[0]["variable"] != "姓名^张三|性别^先生" || rows[0]["telephone"] == "" || rows[0]["outid"] == "" {
			t.Errorf("row = %v", rows[0])
		}
		okJSON(w, nil)
	})
	c := newTestClient(t, h, WithDataBatchSize(4))
	var rows []DataRow
	for i := range 10 {
		rows = append(rows, DataRow{Telephone: fmt.Sprintf("1380013800%d", i), OutID: fmt.Sprint(i), Variables: "姓名^张三|性别^先生"})
	}
	res, err := c.AddTaskData(context.Background(), "task", rows)
	var be *BatchError
	if !errors.As(err, &be) || be.Batch != 2 || be.Start != 8 || be.End != 10 || !IsCode(err, "320018") {
		t.Fatalf("err = %v", err)
	}
	if res != (AddDataResult{Rows: 8, Batches: 2}) {
		t.Errorf("result = %+v", res)
	}
}

func TestAddTaskRequestEncoding(t *testing.T) {
	rec := &recorder{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.add(r, "")
		okJSON(w, map[string]any{"data": map[string]any{"taskid": 100012345}})
	})
	c := newTestClient(t, h)
	start := time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)
	id, err := c.AddTask(context.Background(), AddTaskRequest{
		TemplateID: "tpl", TaskName: "任务 <b>&", Telephones: []string{"02180344315", "02180344316"}, RobotNum: 3,
		TimeType: TimeTypeCustom, CallTimeSlots: []string{"09:00-12:00", "13:30-18:00"}, StartTime: start, EndTime: start.Add(time.Hour),
		PushURL: "https://dd.example/push?k=1&x=2", PushType: PushAfterCall, NumberHide: NumberHideMiddle4, ExportStatus: ExportForbidden,
	})
	if err != nil || id != "100012345" {
		t.Fatalf("AddTask = %q, %v", id, err)
	}
	r := rec.all()[0]
	if r.Method != "POST" || r.Path != "/api/icall/5/task/add_task" || !strings.HasPrefix(r.ContentType, "application/x-www-form-urlencoded") {
		t.Errorf("request %s %s %s", r.Method, r.Path, r.ContentType)
	}
	want := map[string][]string{
		"appid": {testAppID}, "signature": {testSig}, "templateid": {"tpl"}, "task_name": {"任务 <b>&"}, "line_type": {"1"},
		"telephone": {"02180344315,02180344316"}, "robot_num": {"3"}, "time_type": {"1"},
		"call_time_slot": {"09:00-12:00,13:30-18:00"}, "task_status": {"0"},
		"start_time": {strconv.FormatInt(start.UnixMilli(), 10)}, "end_time": {strconv.FormatInt(start.Add(time.Hour).UnixMilli(), 10)},
		"push_url": {"https://dd.example/push?k=1&x=2"}, "push_type": {"2"}, "number_hide": {"2"}, "export_status": {"1"},
	}
	if diff := cmp.Diff(want, r.Form); diff != "" {
		t.Errorf("form (-want +got):\n%s", diff)
	}
	if len(r.Query) != 0 {
		t.Errorf("POST carries a query: %v", r.Query)
	}
}

func TestEditTaskSendsOnlySetFields(t *testing.T) {
	rec := &recorder{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.add(r, "")
		okJSON(w, nil)
	})
	c := newTestClient(t, h)
	robots := 2
	if err := c.EditTask(context.Background(), EditTaskRequest{TaskID: "t1", RobotNum: &robots, CallTimeSlots: []string{"10:00-19:00"}}); err != nil {
		t.Fatal(err)
	}
	r := rec.all()[0]
	want := map[string][]string{"appid": {testAppID}, "signature": {testSig}, "taskid": {"t1"}, "robot_num": {"2"}, "call_time_slot": {"10:00-19:00"}}
	if diff := cmp.Diff(want, r.Query); diff != "" || r.Method != "GET" || r.Path != "/api/icall/5/task/editor_task" {
		t.Errorf("%s %s (-want +got):\n%s", r.Method, r.Path, diff)
	}
}

func TestTimeTaskDataPaging(t *testing.T) {
	const total = 40 // 3 pages of 15
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		size, _ := strconv.Atoi(q.Get("page_size"))
		if size < 1 || size > PageSize {
			t.Errorf("page_size %d", size)
		}
		page, _ := strconv.Atoi(q.Get("page_num"))
		var data []map[string]any
		for i := (page - 1) * size; i < min(page*size, total); i++ {
			data = append(data, map[string]any{"detail": map[string]any{"callid": fmt.Sprint("c", i), "status": "2"}, "msg": []any{}})
		}
		pages := (total + size - 1) / size
		okJSON(w, map[string]any{"data": data, "page_count": pages, "total_count": total})
	})
	c := newTestClient(t, h)
	q := TimeTaskQuery{TaskID: "t", Begin: time.UnixMilli(1), End: time.UnixMilli(2)}
	var got []string
	if err := c.EachTimeTaskData(context.Background(), q, func(r CallResult) error {
		got = append(got, r.Detail.CallID.String())
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != total || got[0] != "c0" || got[total-1] != "c39" {
		t.Errorf("walked %d: %v", len(got), got)
	}
	// fn's error stops the walk at once, and is returned.
	stop := errors.New("stop")
	n := 0
	if err := c.EachTimeTaskData(context.Background(), q, func(CallResult) error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("fn error = %v after %d results, want stop after 1", err, n)
	}
	p, err := c.QueryTimeTaskData(context.Background(), TimeTaskQuery{TaskID: "t", PageNum: 3})
	if err != nil || p.PageNum != 3 || len(p.Data) != 10 || p.PageCount != 3 || p.TotalCount != total {
		t.Errorf("page 3 = %+v, %v", p, err)
	}
}

func TestRetries(t *testing.T) {
	t.Run("GET 5xx then success", func(t *testing.T) {
		var n atomic.Int32
		c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) <= 2 {
				http.Error(w, "bad gateway", http.StatusBadGateway)
				return
			}
			okJSON(w, map[string]any{"robot_num": "7"})
		}))
		got, err := c.QueryRobotNum(context.Background())
		if err != nil || got != 7 || n.Load() != 3 {
			t.Errorf("got %d, %v after %d requests", got, err, n.Load())
		}
	})
	t.Run("GET gives up after the retries", func(t *testing.T) {
		var n atomic.Int32
		c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			w.WriteHeader(http.StatusServiceUnavailable)
		}), WithRetries(1))
		_, err := c.QueryTemplates(context.Background())
		var ue *UpstreamError
		if !errors.As(err, &ue) || ue.Kind != KindUnavailable || ue.StatusCode != 503 || ue.Attempts != 2 || n.Load() != 2 {
			t.Errorf("err = %v, requests %d", err, n.Load())
		}
	})
	t.Run("POST 5xx not retried", func(t *testing.T) {
		var n atomic.Int32
		c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			w.WriteHeader(http.StatusBadGateway)
		}))
		_, err := c.AddTask(context.Background(), AddTaskRequest{TaskName: "x"})
		var ue *UpstreamError
		if !errors.As(err, &ue) || ue.Kind != KindUnavailable || n.Load() != 1 {
			t.Errorf("err = %v, requests %d (want 1)", err, n.Load())
		}
	})
	t.Run("lifecycle GET not retried", func(t *testing.T) {
		var n atomic.Int32
		c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			w.WriteHeader(http.StatusBadGateway)
		}))
		if err := c.ResumeTask(context.Background(), "t"); err == nil || n.Load() != 1 {
			t.Errorf("err = %v, requests %d (want 1)", err, n.Load())
		}
	})
	t.Run("surface B query retried", func(t *testing.T) {
		var n atomic.Int32
		c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == 1 {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			w.Write([]byte(`{"data":[],"total":0,"last_page":1}`))
		}))
		if _, err := c.QueryDoneTaskPhones(context.Background(), RecordQuery{TaskID: "t"}); err != nil || n.Load() != 2 {
			t.Errorf("err = %v, requests %d", err, n.Load())
		}
	})
	t.Run("timeout", func(t *testing.T) {
		var n atomic.Int32
		c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		}), WithTimeout(30*time.Millisecond), WithRetries(1))
		_, err := c.QueryTasks(context.Background())
		var ue *UpstreamError
		if !errors.As(err, &ue) || ue.Kind != KindTimeout || n.Load() != 2 {
			t.Errorf("err = %v, requests %d", err, n.Load())
		}
	})
	t.Run("caller cancels", func(t *testing.T) {
		c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadGateway)
		}))
		c.backoffBase, c.backoffMax = 20*time.Second, 20*time.Second
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(30*time.Millisecond, cancel)
		start := time.Now()
		_, err := c.QueryTasks(ctx)
		// Far below the 20 s backoff: the wait ended with the caller's context.
		if !errors.Is(err, context.Canceled) || time.Since(start) > 10*time.Second {
			t.Errorf("err = %v after %v", err, time.Since(start))
		}
	})
	t.Run("connection refused: write retried, it was never sent", func(t *testing.T) {
		c := New(WithICall("http://127.0.0.1:1/api/icall/5/task/", "a", "s"), WithRetries(2))
		c.backoffBase, c.backoffMax = time.Millisecond, time.Millisecond
		err := c.PauseTask(context.Background(), "t")
		var ue *UpstreamError
		if !errors.As(err, &ue) || ue.Kind != KindUnavailable || ue.Attempts != 3 {
			t.Errorf("err = %v", err)
		}
	})
}

func TestResponseErrors(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		code  int
		check func(t *testing.T, err error)
	}{
		{"ret_code", `{"ret_code":"320024","ret_msg":"只有暂停中的任务可以继续操作"}`, 200, func(t *testing.T, err error) {
			var e *Error
			if !errors.As(err, &e) || e.Code != "320024" || e.Msg != "只有暂停中的任务可以继续操作" || e.Endpoint != "query_task" {
				t.Errorf("err = %#v", err)
			}
		}},
		{"numeric ret_code", `{"ret_code":320001,"ret_msg":"appid或者signature有误"}`, 200, func(t *testing.T, err error) {
			if !IsCode(err, "320001") {
				t.Errorf("err = %v", err)
			}
		}},
		{"not JSON", `<html>oops</html>`, 200, func(t *testing.T, err error) {
			var ue *UpstreamError
			if !errors.As(err, &ue) || ue.Kind != KindBadResponse {
				t.Errorf("err = %v", err)
			}
		}},
		{"no ret_code", `{"data":[]}`, 200, func(t *testing.T, err error) {
			var ue *UpstreamError
			if !errors.As(err, &ue) || ue.Kind != KindBadResponse {
				t.Errorf("err = %v", err)
			}
		}},
		{"wrong shape", `{"ret_code":"000000","data":{"x":1}}`, 200, func(t *testing.T, err error) {
			var ue *UpstreamError
			if !errors.As(err, &ue) || ue.Kind != KindBadResponse {
				t.Errorf("err = %v", err)
			}
		}},
		{"404 with a ret_code body", `{"ret_code":"329999","ret_msg":"x"}`, 404, func(t *testing.T, err error) {
			if !IsCode(err, "329999") {
				t.Errorf("err = %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.code)
				io.WriteString(w, tt.body)
			}))
			_, err := c.QueryTasks(context.Background())
			tt.check(t, err)
		})
	}
}

func TestSurfaceBRequests(t *testing.T) {
	rec := &recorder{}
	var levels404 atomic.Bool
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rec.add(r, string(b))
		switch {
		case r.URL.Path == "/v1/levels" && levels404.Load():
			http.NotFound(w, r)
		case r.URL.Path == "/v1/levels":
			w.Write([]byte(`[{"id":"l1","name":"A级","alias":"有意向","color":"#f00","min_score":100,"max_score":"500"}]`))
		case r.URL.Path == "/v1/tags":
			w.Write([]byte(`{"code":200,"data":[{"id":"g1","name":"有意向","tag_scene_id":"s","tags":[{"id":"x","name":"价格","description":"问价","color":"#0f0"}]}]}`))
		case r.URL.Path == "/v1/task/number":
			w.Write([]byte(`{"code":200,"status":"ok","data":{"data":[],"total":0,"last_page":0}}`))
		case strings.HasPrefix(r.URL.Path, "/v1/record/"):
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"code":404,"message":"记录不存在"}`))
		case r.URL.Path == "/v1/task/query_done_task_phones":
			w.Write([]byte(`{"code":401,"message":"unauthenticated"}`))
		default:
			w.Write([]byte(`{"records":[]}`))
		}
	})
	c := newTestClient(t, h)
	ctx := context.Background()
	loc := c.Location()

	bills, rounds := [2]int{0, 200}, [2]int{1, 5}
	_, err := c.QueryDoneTaskPhones(ctx, RecordQuery{TaskID: "t1", Page: 2, ID: "r1", Levels: [][2]int{{0, 100}, {100, 500}},
		Keyword: "18651683344", Bills: &bills, Rounds: &rounds, Tags: []string{"1bcecc13-e873-499c-913c-d9246a898180"},
		StartAt: time.Date(2019, 5, 23, 0, 0, 0, 0, loc), EndAt: time.Date(2019, 5, 23, 23, 59, 59, 0, loc)})
	var pe *Error
	if !errors.As(err, &pe) || pe.Code != "401" || pe.HTTPStatus != 401 {
		t.Errorf("code 401 in body: err = %v", err)
	}
	r := rec.all()[0]
	var body map[string]any
	if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
		t.Fatalf("body: %v: %s", err, r.Body)
	}
	wantBody := map[string]any{"task_id": "t1", "page": 2.0, "id": "r1", "levels": []any{[]any{0.0, 100.0}, []any{100.0, 500.0}},
		"keyword": "18651683344", "bills": []any{0.0, 200.0}, "rounds": []any{1.0, 5.0},
		"tags": []any{"1bcecc13-e873-499c-913c-d9246a898180"}, "start_at": "2019-05-23 00:00:00", "end_at": "2019-05-23 23:59:59"}
	if diff := cmp.Diff(wantBody, body); diff != "" {
		t.Errorf("query_done_task_phones body (-want +got):\n%s", diff)
	}
	if r.Method != "POST" || r.ContentType != "application/json" || r.Auth != "Bearer "+testToken {
		t.Errorf("request %s %s %q", r.Method, r.ContentType, r.Auth)
	}

	if _, err := c.TaskNumbers(ctx, NumberQuery{TaskID: "t1", Status: []int{0, 1}, Keyword: "186", Types: []string{"lt", "dx"}, CallHistory: true}); err != nil {
		t.Fatal(err)
	}
	r = rec.all()[1]
	wantQ := map[string][]string{"task_id": {"t1"}, "page": {"1"}, "status[]": {"0", "1"}, "keyword": {"186"}, "type[]": {"lt", "dx"}, "call_history": {"1"}}
	if diff := cmp.Diff(wantQ, r.Query); diff != "" {
		t.Errorf("v1/task/number query (-want +got):\n%s", diff)
	}

	_, err = c.Record(ctx, "a/../b c")
	if !IsNotFound(err) {
		t.Errorf("record 404: %v", err)
	}
	if r := rec.all()[2]; r.RawPath != "/v1/record/a%2F..%2Fb%20c" {
		t.Errorf("record path %q", r.RawPath)
	}
	if _, err := c.RecordInfo(ctx, "..", "r"); !errors.Is(err, ErrInvalidID) {
		t.Errorf("task id '..': %v", err)
	}
	if _, err := c.RecordInfo(ctx, "t 1", "r/2"); err != nil {
		t.Fatal(err)
	}
	if r := rec.all()[3]; r.RawPath != "/v1/task/record_info/t%201/r%2F2" {
		t.Errorf("record_info path %q", r.RawPath)
	}

	lv, err := c.Levels(ctx)
	if err != nil || len(lv) != 1 || lv[0] != (Level{ID: "l1", Name: "A级", Alias: "有意向", Color: "#f00", MinScore: 100, MaxScore: 500}) {
		t.Errorf("levels = %+v, %v", lv, err)
	}
	tags, err := c.Tags(ctx)
	if err != nil || len(tags) != 1 || len(tags[0].Tags) != 1 || tags[0].Tags[0].Color != "#0f0" {
		t.Errorf("tags = %+v, %v", tags, err)
	}
	levels404.Store(true)
	if _, err := c.Levels(ctx); !errors.Is(err, ErrNotAvailable) {
		t.Errorf("levels 404: %v", err)
	}

	noV1 := New(WithICall("http://x/api/icall/5/task/", "a", "s"))
	if noV1.HasV1() || !noV1.HasICall() {
		t.Error("HasV1/HasICall")
	}
	if _, err := noV1.Tags(ctx); !errors.Is(err, ErrNotAvailable) {
		t.Errorf("no v1: %v", err)
	}
	if _, err := noV1.QueryDoneTaskPhones(ctx, RecordQuery{TaskID: "t"}); !errors.Is(err, ErrNotAvailable) {
		t.Errorf("no v1: %v", err)
	}
	if _, err := New().QueryTasks(ctx); !errors.Is(err, ErrNotConfigured) {
		t.Errorf("no icall: %v", err)
	}
	if _, err := New(WithICall("ftp://x", "a", "s")).QueryTasks(ctx); err == nil {
		t.Error("bad base URL accepted")
	}
}

func TestAddTaskFileData(t *testing.T) {
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			t.Fatal(err)
		}
		f, hdr, err := r.FormFile("data_file")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(f)
		if string(b) != "xlsx-bytes" || hdr.Filename != "名单.xlsx" || r.FormValue("taskid") != "t1" || r.FormValue("appid") != testAppID {
			t.Errorf("upload %q %q %v", b, hdr.Filename, r.MultipartForm.Value)
		}
		w.Write(readTestdata(t, "a_add_task_file_data.json"))
	}))
	res, err := c.AddTaskFileData(context.Background(), "t1", "名单.xlsx", strings.NewReader("xlsx-bytes"))
	if err != nil || res.SuccessCounts != 1 || len(res.ErrorData) != 1 || res.ErrorData[0] != 3 {
		t.Errorf("res = %+v, %v", res, err)
	}
	big := io.LimitReader(zeros{}, MaxFileSize+1)
	if _, err := c.AddTaskFileData(context.Background(), "t1", "x.xlsx", big); !errors.Is(err, ErrFileTooLarge) {
		t.Errorf("big file: %v", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestParsePushVariants(t *testing.T) {
	tests := []struct {
		name, body string
		wantErr    bool
		caller     string
	}{
		{"strict", `{"result":{"data":{"msg":[],"detail":{"caller":"02180344315","status":"2"}},"ret_code":"000000"}}`, false, "02180344315"},
		{"flat", `{"detail":{"caller":02180344315},"msg":[],"ret_code":000000}`, false, "02180344315"},
		{"data at top", `{"data":{"detail":{"caller":1},"msg":[]},"ret_code":"000000"}`, false, "1"},
		{"no detail", `{"result":{"ret_code":"000000"}}`, true, ""},
		{"garbage", `not json`, true, ""},
		{"empty", ``, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePush([]byte(tt.body))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if err == nil && (p.Detail.Caller.String() != tt.caller || !p.OK()) {
				t.Errorf("push = %+v", p)
			}
		})
	}
}

func TestResponseSizeLimit(t *testing.T) {
	var n atomic.Int32
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		okJSON(w, map[string]any{"data": []any{}, "pad": strings.Repeat("x", 500)})
	}))
	c.maxBody = 100
	_, err := c.QueryTasks(context.Background())
	var ue *UpstreamError
	if !errors.As(err, &ue) || ue.Kind != KindBadResponse || !errors.Is(err, errBodyTooLarge) || n.Load() != 1 {
		t.Errorf("err = %v after %d requests", err, n.Load())
	}
	c.maxBody = 1000
	if _, err := c.QueryTasks(context.Background()); err != nil {
		t.Errorf("under the limit: %v", err)
	}
}

func TestTimeTaskDataWithoutPageCount(t *testing.T) {
	var calls atomic.Int32
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page_num"))
		calls.Add(1)
		n := PageSize
		if page == 3 {
			n = 4
		}
		data := make([]map[string]any, n)
		for i := range data {
			data[i] = map[string]any{"detail": map[string]any{"status": 3}, "msg": nil}
		}
		okJSON(w, map[string]any{"data": data}) // no page_count, no total_count
	}))
	walked := 0
	err := c.EachTimeTaskData(context.Background(), TimeTaskQuery{TaskID: "t"}, func(CallResult) error { walked++; return nil })
	if err != nil || walked != 2*PageSize+4 || calls.Load() != 3 {
		t.Errorf("walked %d in %d calls: %v", walked, calls.Load(), err)
	}
}
