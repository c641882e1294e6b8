package client_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"dialdesk/client"
	"dialdesk/sandbox"
)

// These tests drive the sandbox (a working fake of the platform, written
// independently from the same documents) through the real client over real
// HTTP, mounted under a path prefix.

var (
	shanghai = time.FixedZone("CST", 8*3600)
	// t0 is a Friday morning in Shanghai, inside 09:00-18:00.
	t0 = time.Date(2026, 3, 6, 10, 0, 0, 0, shanghai)
)

const (
	sbAppID = "app-e2e"
	sbSig   = "sig-e2e"
	sbToken = "token-e2e"
)

type sbEnv struct {
	sb     *sandbox.Sandbox
	url    string // the platform's base, prefix included
	c      *client.Client
	pushMu sync.Mutex
	pushes [][]byte
}

func newSandboxEnv(t *testing.T, opts ...client.Option) *sbEnv {
	t.Helper()
	e := &sbEnv{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /push", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		e.pushMu.Lock()
		e.pushes = append(e.pushes, b)
		e.pushMu.Unlock()
		io.WriteString(w, "ok")
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e.url = srv.URL + "/platform"
	e.sb = sandbox.New(sandbox.Options{
		AppID: sbAppID, Signature: sbSig, Token: sbToken, Seed: 7,
		BaseURL: e.url, Location: shanghai, Now: func() time.Time { return t0 },
		PushBackoff: time.Millisecond,
	})
	mux.Handle("/platform/", http.StripPrefix("/platform", e.sb))
	base := []client.Option{
		client.WithICall(e.url+"/api/icall/5/task/", sbAppID, sbSig),
		client.WithV1(e.url+"/", sbToken),
		client.WithTimeout(10 * time.Second),
		client.WithLocation(shanghai),
	}
	e.c = client.New(append(base, opts...)...)
	return e
}

func (e *sbEnv) info(t *testing.T, id string) client.TaskInfo {
	t.Helper()
	infos, err := e.c.QueryTaskInfo(context.Background(), []string{id})
	if err != nil {
		t.Fatalf("query_task_info: %v", err)
	}
	if len(infos) != 1 {
		t.Fatalf("query_task_info: %d tasks", len(infos))
	}
	return infos[0]
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	var pe *client.Error
	if !errors.As(err, &pe) || pe.Code != code {
		t.Errorf("%s: err = %v, want ret_code %s", what, err, code)
		return
	}
	if got := client.ErrorCode(err); got != code {
		t.Errorf("%s: ErrorCode = %q, want %s", what, got, code)
	}
}

func TestSandboxCampaign(t *testing.T) {
	e := newSandboxEnv(t, client.WithDataBatchSize(7))
	ctx := context.Background()
	c := e.c

	// What a new task is made from.
	tpls, err := c.QueryTemplates(ctx)
	if err != nil || len(tpls) == 0 {
		t.Fatalf("query_template: %v, %d", err, len(tpls))
	}
	nums, total, err := c.QueryNumbers(ctx)
	if err != nil || len(nums) == 0 || total <= 0 {
		t.Fatalf("query_number: %v %v %d", err, nums, total)
	}
	if robots, err := c.QueryRobotNum(ctx); err != nil || robots < 2 {
		t.Fatalf("query_robot_num: %d, %v", robots, err)
	}
	if chk, err := c.CheckLoginName(ctx, "ops@example.com"); err != nil {
		t.Fatalf("check_login_name: %v", err)
	} else {
		t.Logf("check_login_name: %+v", chk)
	}
	caller := nums[0].Telephone.String()

	// add_task
	id, err := c.AddTask(ctx, client.AddTaskRequest{
		TemplateID: tpls[0].ID, TaskName: "春季回访 <b>&", Telephones: []string{caller}, RobotNum: 2,
		TimeType: client.TimeTypePermanent, CallTimeSlots: []string{"09:00-18:00"},
		PushURL: strings.TrimSuffix(e.url, "/platform") + "/push", PushType: client.PushAfterCall,
	})
	if err != nil {
		t.Fatalf("add_task: %v", err)
	}
	if ti := e.info(t, id); ti.Status != client.TaskNotStarted || ti.Name != "春季回访 <b>&" || ti.CallTotalData != 0 || ti.RobotNum != 2 {
		t.Errorf("new task: %+v", ti)
	}

	// add_task_data, in batches of 7.
	const n = 20
	var rows []client.DataRow
	var outids []string
	for i := range n {
		o := fmt.Sprintf("o-%02d", i)
		outids = append(outids, o)
		rows = append(rows, client.DataRow{Telephone: fmt.Sprintf("138%08d", 10013800+i), OutID: o, Variables: "姓名^张三|性别^先生"})
	}
	res, err := c.AddTaskData(ctx, id, rows)
	if err != nil || res != (client.AddDataResult{Rows: n, Batches: 3}) {
		t.Fatalf("add_task_data: %+v, %v", res, err)
	}

	// The task starts by itself: no start call exists.
	e.sb.Advance(time.Second)
	ti := e.info(t, id)
	if ti.CallTotalData != n || (ti.Status != client.TaskRunning && ti.Status != client.TaskQueued) {
		t.Fatalf("after numbers: %+v", ti)
	}
	if err := c.ResumeTask(ctx, id); err != nil {
		wantCode(t, "resume of a running task", err, "320024")
	} else {
		t.Error("resume of a running task succeeded")
	}

	// The clock moves; counts rise.
	e.sb.Advance(3 * time.Minute)
	mid := e.info(t, id)
	if mid.CallTimes <= 0 || mid.CallTimes > n {
		t.Fatalf("after 3 min: %+v", mid)
	}
	t.Logf("after 3 min: status %d, %d/%d dialed, %d connected, %d intent (progress %.2f, connect %.2f)",
		mid.Status, mid.CallTimes, mid.CallTotalData, mid.CallConnectedTimes, mid.CallIntentTimes, mid.Progress(), mid.ConnectRate())

	// pause → paused; time does not move it; resume → runs again.
	if err := c.PauseTask(ctx, id); err != nil {
		t.Fatalf("pause: %v", err)
	}
	if s := e.info(t, id).Status; s != client.TaskPaused {
		t.Errorf("after pause: status %d", s)
	}
	before := e.info(t, id).CallTimes
	e.sb.Advance(10 * time.Minute)
	if after := e.info(t, id); after.Status != client.TaskPaused || after.CallTimes < before {
		t.Errorf("paused task moved: %+v", after)
	}
	if err := c.ResumeTask(ctx, id); err != nil {
		t.Fatalf("resume: %v", err)
	}
	if s := e.info(t, id).Status; s != client.TaskRunning && s != client.TaskQueued {
		t.Errorf("after resume: status %d", s)
	}

	// Edit: only the name.
	name := "春季回访(二)"
	if err := c.EditTask(ctx, client.EditTaskRequest{TaskID: id, TaskName: &name}); err != nil {
		t.Fatalf("editor_task: %v", err)
	}
	if got := e.info(t, id); got.Name != name || got.RobotNum != 2 || got.CallTimeSlot != "09:00-18:00" {
		t.Errorf("after edit: %+v", got)
	}

	// Run until every number is dialed: the task finishes by itself.
	for i := 0; i < 120 && e.info(t, id).Status != client.TaskFinished; i++ {
		e.sb.Advance(time.Minute)
	}
	done := e.info(t, id)
	if done.Status != client.TaskFinished || done.CallTimes != n || done.CallConnectedTimes <= 0 {
		t.Fatalf("at the end: %+v", done)
	}
	t.Logf("finished: %d dialed, %d connected, %d intent", done.CallTimes, done.CallConnectedTimes, done.CallIntentTimes)

	// query_task_data: every number has a result; connected ones have a transcript.
	var connected *client.CallResult
	var connectedOutID string
	for _, o := range outids {
		r, err := c.QueryTaskData(ctx, id, o)
		if err != nil {
			t.Fatalf("query_task_data %s: %v", o, err)
		}
		if r.Detail.Status == client.CallNotDialed || r.Detail.Status == client.CallDialing {
			t.Errorf("%s still %d after the task finished", o, r.Detail.Status)
		}
		if r.Detail.Caller.String() != caller {
			t.Errorf("%s: caller %q, want %q (leading zero kept)", o, r.Detail.Caller, caller)
		}
		if r.Detail.Status == client.CallConnected && connected == nil {
			connected, connectedOutID = r, o
		}
		if r.Detail.Status != client.CallConnected && r.Detail.Answered() {
			t.Errorf("%s: status %d but answered at %v", o, r.Detail.Status, r.Detail.AnswerTime.Time())
		}
	}
	if connected == nil {
		t.Fatal("no connected call among 20")
	}
	if !connected.Detail.Answered() || len(connected.Messages) < 2 || connected.Detail.FeeDuration <= 0 || connected.Detail.VoiceURL == "" {
		t.Errorf("connected call %s: %+v", connectedOutID, connected)
	}
	senders := map[client.SenderType]bool{}
	for _, m := range connected.Messages {
		senders[m.SenderType] = true
		if m.Content == "" || m.DateTime.IsZero() {
			t.Errorf("empty message %+v", m)
		}
	}
	if !senders[client.SenderRobot] || !senders[client.SenderCustomer] {
		t.Errorf("transcript lacks a side: %+v", connected.Messages)
	}

	// query_time_task_data walks pages of 15 over the whole window.
	var walked int
	err = c.EachTimeTaskData(ctx, client.TimeTaskQuery{TaskID: id, Begin: t0.Add(-time.Hour), End: e.sb.Now().Add(time.Hour)},
		func(r client.CallResult) error { walked++; return nil })
	if err != nil || walked != n {
		t.Errorf("query_time_task_data: walked %d, want %d (%v)", walked, n, err)
	}
	counts, err := c.CallsCount(ctx, []string{id}, t0.Add(-time.Hour), e.sb.Now().Add(time.Hour))
	if err != nil || len(counts) != 1 || counts[0].Count != n {
		t.Errorf("calls_count: %+v, %v", counts, err)
	}

	// Surface B: the same task's call records and a full transcript.
	page, err := c.QueryDoneTaskPhones(ctx, client.RecordQuery{TaskID: id, Page: 1})
	if err != nil {
		t.Fatalf("query_done_task_phones: %v", err)
	}
	// The sandbox lists records of answered calls only; the manual does not say
	// whether unanswered attempts appear, so only bounds are checked.
	if page.Total <= 0 || page.Total > n || len(page.Records) != min(page.Total, client.PageSize) || page.LastPage != (page.Total+14)/15 {
		t.Errorf("records page: total %d, %d rows, last page %d", page.Total, len(page.Records), page.LastPage)
	}
	i := slices.IndexFunc(page.Records, func(r client.Record) bool { return r.Answered() && r.Rounds > 0 })
	if i < 0 {
		page2, err := c.QueryDoneTaskPhones(ctx, client.RecordQuery{TaskID: id, Page: 2})
		if err != nil {
			t.Fatal(err)
		}
		page.Records = page2.Records
		i = slices.IndexFunc(page.Records, func(r client.Record) bool { return r.Answered() && r.Rounds > 0 })
	}
	if i < 0 {
		t.Fatal("no answered record with rounds")
	}
	rec := page.Records[i]
	if rec.TaskID.String() != id || rec.Level == nil || rec.Level.Color == "" || rec.RecordFile == "" {
		t.Errorf("record: %+v", rec)
	}
	ri, err := c.RecordInfo(ctx, id, rec.ID.String())
	if err != nil {
		t.Fatalf("record_info: %v", err)
	}
	turns := ri.Turns()
	if len(turns) == 0 || len(turns) >= len(ri.Records) {
		t.Errorf("record_info: %d turns of %d rows (want asrprogress rows dropped)", len(turns), len(ri.Records))
	}
	for _, tr := range turns {
		if tr.Notify == client.NotifyASRProgress {
			t.Errorf("Turns() kept %+v", tr)
		}
	}
	if !slices.ContainsFunc(turns, func(tr client.Turn) bool { return tr.AnswerContent != "" }) ||
		!slices.ContainsFunc(turns, func(tr client.Turn) bool { return tr.Question != "" }) {
		t.Errorf("turns lack a side: %+v", turns)
	}
	if ri.Info.Record.ID != rec.ID {
		t.Errorf("info.record.id %q, want %q", ri.Info.Record.ID, rec.ID)
	}
	brief, err := c.Record(ctx, rec.ID.String())
	if err != nil || brief.TaskID.String() != id {
		t.Errorf("v1/record: %+v, %v", brief, err)
	}
	if _, err := c.Record(ctx, "no-such-record"); !client.IsNotFound(err) {
		t.Errorf("unknown record: %v", err)
	}
	numbers, err := c.TaskNumbers(ctx, client.NumberQuery{TaskID: id, CallHistory: true})
	if err != nil || numbers.Total != n || len(numbers.Numbers) != client.PageSize {
		t.Fatalf("v1/task/number: %+v, %v", numbers, err)
	}
	if nb := numbers.Numbers[0]; nb.Status == client.NumberWaiting || len(nb.CallHistory) == 0 {
		t.Errorf("number after the task: %+v", nb)
	}
	conn, err := c.TaskNumbers(ctx, client.NumberQuery{TaskID: id, Status: []int{int(client.NumberConnected)}})
	if err != nil || conn.Total != int(done.CallConnectedTimes) {
		t.Errorf("connected numbers: %d, want %d (%v)", conn.Total, done.CallConnectedTimes, err)
	}
	levels, err := c.Levels(ctx)
	if err != nil || len(levels) == 0 || levels[0].Color == "" {
		t.Errorf("levels: %+v, %v", levels, err)
	}
	groups, err := c.Tags(ctx)
	if err != nil || len(groups) == 0 || len(groups[0].Tags) == 0 {
		t.Errorf("tags: %+v, %v", groups, err)
	}
	if len(levels) > 0 {
		lv := levels[len(levels)-1]
		filtered, err := c.QueryDoneTaskPhones(ctx, client.RecordQuery{TaskID: id, Levels: [][2]int{{int(lv.MinScore), int(lv.MaxScore)}}})
		if err != nil || filtered.Total > n {
			t.Errorf("levels filter: %+v, %v", filtered, err)
		}
		for _, r := range filtered.Records {
			if int(r.Score) < int(lv.MinScore) || int(r.Score) > int(lv.MaxScore) {
				t.Errorf("levels filter let score %d through [%d,%d]", r.Score, lv.MinScore, lv.MaxScore)
			}
		}
	}

	// Pushes: the sandbox's non-strict bodies parse, digits intact.
	e.sb.Wait()
	e.pushMu.Lock()
	pushes := slices.Clone(e.pushes)
	e.pushMu.Unlock()
	if len(pushes) == 0 {
		t.Error("no push received")
	}
	for _, b := range pushes {
		p, err := client.ParsePush(b)
		if err != nil {
			t.Errorf("ParsePush(%.200s): %v", b, err)
			continue
		}
		if !p.OK() || p.Detail.Caller.String() != caller || !slices.Contains(outids, p.Detail.OutID.String()) {
			t.Errorf("push: ret %q caller %q outid %q", p.RetCode, p.Detail.Caller, p.Detail.OutID)
		}
	}

	// delete_task_data on two numbers.
	if del, err := c.DeleteTaskData(ctx, id, outids[:2]); err != nil || del != 2 {
		t.Errorf("delete_task_data: %d, %v", del, err)
	}

	// Lifecycle errors on a finished task, then delete.
	wantCode(t, "end of a finished task", c.EndTask(ctx, id), "320023")
	wantCode(t, "resume of a finished task", c.ResumeTask(ctx, id), "320024")
	if err := c.DeleteTask(ctx, id); err != nil {
		t.Fatalf("delete_task: %v", err)
	}
	tasks, err := c.QueryTasks(ctx)
	if err != nil || slices.ContainsFunc(tasks, func(x client.Task) bool { return x.ID == id }) {
		t.Errorf("query_task still lists the deleted task: %v", err)
	}
	err = c.PauseTask(ctx, id)
	wantCode(t, "pause of a deleted task", err, "320020")
	if !client.IsNotFound(err) {
		t.Errorf("IsNotFound(320020) = false")
	}
}

func TestSandboxLifecycleErrors(t *testing.T) {
	e := newSandboxEnv(t)
	ctx := context.Background()
	c := e.c
	tpls, err := c.QueryTemplates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	nums, _, err := c.QueryNumbers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	newTask := func() string {
		id, err := c.AddTask(ctx, client.AddTaskRequest{TemplateID: tpls[0].ID, TaskName: "t", Telephones: []string{nums[0].Telephone.String()},
			RobotNum: 1, TimeType: client.TimeTypePermanent, CallTimeSlots: []string{"09:00-18:00"}})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}

	id := newTask()
	wantCode(t, "resume of a not-started task", c.ResumeTask(ctx, id), "320024")
	if err := c.EndTask(ctx, id); err != nil {
		t.Fatalf("end of a not-started task: %v", err)
	}
	wantCode(t, "end of a finished task", c.EndTask(ctx, id), "320023")

	err = c.PauseTask(ctx, "no-such-task")
	wantCode(t, "unknown task", err, "320022")
	if !client.IsNotFound(err) {
		t.Error("IsNotFound(unknown task) = false")
	}
	if _, err := c.QueryTaskData(ctx, "no-such-task", "o1"); !client.IsNotFound(err) {
		t.Errorf("query_task_data on an unknown task: %v", err)
	}

	// Validation codes from add_task.
	_, err = c.AddTask(ctx, client.AddTaskRequest{TaskName: "x", Telephones: []string{nums[0].Telephone.String()}, RobotNum: 1,
		TimeType: client.TimeTypePermanent, CallTimeSlots: []string{"09:00-18:00"}})
	wantCode(t, "add_task without template", err, "320011")
	_, err = c.AddTask(ctx, client.AddTaskRequest{TemplateID: tpls[0].ID, TaskName: "x", Telephones: []string{nums[0].Telephone.String()},
		RobotNum: 1, TimeType: client.TimeTypeCustom, CallTimeSlots: []string{"09:00-18:00"}})
	wantCode(t, "custom validity without times", err, "320016")

	// Bad credentials.
	bad := client.New(client.WithICall(e.url+"/api/icall/5/task/", sbAppID, "wrong"), client.WithV1(e.url, "wrong"))
	_, err = bad.QueryTemplates(ctx)
	wantCode(t, "bad signature", err, "320001")
	_, err = bad.QueryDoneTaskPhones(ctx, client.RecordQuery{TaskID: id})
	var pe *client.Error
	if !errors.As(err, &pe) || (pe.HTTPStatus != http.StatusUnauthorized && pe.HTTPStatus != http.StatusForbidden) {
		t.Errorf("bad token: %v", err)
	}

	// More than 100 outids are split by the client, never refused (320033).
	var outids []string
	for i := range 250 {
		outids = append(outids, fmt.Sprintf("x%d", i))
	}
	id2 := newTask()
	if _, err := c.DeleteTaskData(ctx, id2, outids); err != nil && client.IsCode(err, "320033") {
		t.Errorf("delete_task_data sent more than 100: %v", err)
	}
	// More than 15 task ids are split by the client.
	var ids []string
	for range 17 {
		ids = append(ids, newTask())
	}
	infos, err := c.QueryTaskInfo(ctx, ids)
	if err != nil || len(infos) != 17 {
		t.Errorf("query_task_info with 17 ids: %d, %v", len(infos), err)
	}
}

func TestSandboxFaults(t *testing.T) {
	e := newSandboxEnv(t, client.WithRetries(2), client.WithTimeout(2*time.Second))
	ctx := context.Background()
	tests := []struct {
		kind sandbox.FaultKind
		want func(error) bool
	}{
		{sandbox.Fault502, func(err error) bool {
			var ue *client.UpstreamError
			return errors.As(err, &ue) && ue.Kind == client.KindUnavailable && ue.Attempts == 3 && ue.StatusCode == 502
		}},
		{sandbox.FaultMalformedJSON, func(err error) bool {
			var ue *client.UpstreamError
			return errors.As(err, &ue) && ue.Kind == client.KindBadResponse
		}},
		{sandbox.FaultRetCode, func(err error) bool { return client.IsCode(err, "329999") }},
	}
	for _, tt := range tests {
		e.sb.SetFaults(sandbox.Faults{FailRate: 1, Kinds: []sandbox.FaultKind{tt.kind}, Endpoints: []string{"query_template"}})
		e.sb.ResetCounts()
		_, err := e.c.QueryTemplates(ctx)
		if !tt.want(err) {
			t.Errorf("fault %d: err = %v (requests %d)", tt.kind, err, e.sb.Count("query_template"))
		}
		if code := client.ErrorCode(err); code == "error" || code == client.CodeOK {
			t.Errorf("fault %d: ErrorCode %q", tt.kind, code)
		}
	}
	// A flaky read succeeds through the retries.
	e.sb.SetFaults(sandbox.Faults{FailRate: 0.5, Kinds: []sandbox.FaultKind{sandbox.Fault502}, Endpoints: []string{"query_robot_num"}})
	okCount := 0
	for range 10 {
		if _, err := e.c.QueryRobotNum(ctx); err == nil {
			okCount++
		}
	}
	if okCount < 7 {
		t.Errorf("only %d of 10 flaky reads succeeded with 2 retries", okCount)
	}
	// A write is not retried.
	e.sb.SetFaults(sandbox.Faults{FailRate: 1, Kinds: []sandbox.FaultKind{sandbox.Fault502}, Endpoints: []string{"add_task"}})
	e.sb.ResetCounts()
	if _, err := e.c.AddTask(ctx, client.AddTaskRequest{TaskName: "x"}); err == nil || e.sb.Count("add_task") != 1 {
		t.Errorf("add_task under 502: err %v, %d requests (want 1)", err, e.sb.Count("add_task"))
	}
}

func TestSandboxFileData(t *testing.T) {
	e := newSandboxEnv(t)
	ctx := context.Background()
	tpls, err := e.c.QueryTemplates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	nums, _, err := e.c.QueryNumbers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id, err := e.c.AddTask(ctx, client.AddTaskRequest{TemplateID: tpls[0].ID, TaskName: "file", Telephones: []string{nums[0].Telephone.String()},
		RobotNum: 1, TimeType: client.TimeTypePermanent, CallTimeSlots: []string{"09:00-18:00"}})
	if err != nil {
		t.Fatal(err)
	}
	f := excelize.NewFile()
	rows := [][]any{
		{"电话", "outid", "称呼"},
		{"13800000001", "f1", "王先生"},
		{"not a phone", "f2", "李女士"},
		{"13800000001", "f3", "张先生"}, // repeat
		{"139 0000 0002", "f5", "刘女士"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	res, err := e.c.AddTaskFileData(ctx, id, "名单.xlsx", &buf)
	if err != nil {
		t.Fatalf("add_task_file_data: %v", err)
	}
	got := fmt.Sprint(res.Counts, res.SuccessCounts, res.DefeatCounts, res.RepeatCounts, res.FilterCount, res.ErrorData)
	if got != "4 2 1 1 0 [3]" {
		t.Errorf("counts success defeat repeat filter error_data = %s (%s)", got, res.Message)
	}
	if ti := e.info(t, id); ti.CallTotalData != 2 {
		t.Errorf("call_total_data = %d", ti.CallTotalData)
	}
	_, err = e.c.AddTaskFileData(ctx, id, "x.xlsx", strings.NewReader("telephone\n13800000009\n"))
	wantCode(t, "not an Excel file", err, "320028")
}
