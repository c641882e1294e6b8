package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"dialdesk/client"
	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// seedPush is the vendor manual's push body exactly as printed
// (client/testdata/a_push.json, docs/platform.md §A.push): not strict JSON
// ("ret_code":000000, "caller":02180344315).
func seedPush(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile("../client/testdata/a_push.json")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func postPush(t *testing.T, app *testapp.App, path, body string) *http.Response {
	t.Helper()
	res, _ := app.Do(t, app.NewClient(), http.MethodPost, path, strings.NewReader(body),
		http.Header{"Content-Type": {"application/json;charset=UTF-8"}})
	return res
}

func TestPushSeedBodyStoredOnce(t *testing.T) {
	app := testapp.New(t, testapp.Options{NoSeedData: true})
	body := seedPush(t)
	if !strings.Contains(body, `"caller":02180344315`) {
		t.Fatal("test data is not the manual's non-strict body")
	}
	ctx := context.Background()
	for i := range 2 { // the platform retries: two pushes, one row
		if res := postPush(t, app, "/hooks/icall/test-push-token?task=100017", body); res.StatusCode != 200 {
			t.Fatalf("push %d: status %d, want 200", i, res.StatusCode)
		}
		// Stored before the answer: no waiting here.
		if n, _ := app.Store.CountCalls(ctx); n != 1 {
			t.Fatalf("after push %d: %d calls stored, want 1", i, n)
		}
	}
	c, err := app.Store.Call(ctx, "100017", "soboticallbcf37279feb441ee99f33a9814d26b00")
	if err != nil {
		t.Fatal(err)
	}
	if c.Caller != "02180344315" {
		t.Errorf("caller = %q, want the leading zero kept", c.Caller)
	}
	if c.Tel != "18207736077" || c.OutID != "1234554321123666" || c.Status != 2 || c.FeeMS != 29460 ||
		c.Intention != "有意向购买\u0001满意" || c.TaskID != "100017" || c.AnswerAt.UnixMilli() != 1576551759848 {
		t.Errorf("stored call = %+v", c)
	}
	if len(c.Messages) != 3 || c.Messages[1].Sender != 0 || c.Messages[1].Remark != "匹配到:【开场白#肯定】" ||
		c.Messages[0].At.UnixMilli() != 1576551750959 {
		t.Errorf("messages = %+v", c.Messages)
	}
	// By outid too.
	if _, err := app.Store.Call(ctx, "100017", "1234554321123666"); err != nil {
		t.Errorf("by outid: %v", err)
	}
}

func TestPushRefusals(t *testing.T) {
	app := testapp.New(t, testapp.Options{NoSeedData: true})
	ctx := context.Background()
	body := seedPush(t)
	for _, tc := range []struct {
		name, path, body string
		want             int
		dead             int // dead letters after
	}{
		{"wrong token", "/hooks/icall/nope", body, 404, 0},
		{"token prefix", "/hooks/icall/test-push", body, 404, 0},
		{"no token", "/hooks/icall/", body, 404, 0},
		{"empty body", "/hooks/icall/test-push-token", "", 400, 1},
		{"garbage", "/hooks/icall/test-push-token", "<html>not a push</html>", 400, 2},
		{"no callid", "/hooks/icall/test-push-token", `{"result":{"data":{"msg":[],"detail":{"tel":"1"}}}}`, 400, 3},
		{"too large", "/hooks/icall/test-push-token", `{"result":"` + strings.Repeat("x", 1<<20+10) + `"}`, 413, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if res := postPush(t, app, tc.path, tc.body); res.StatusCode != tc.want {
				t.Errorf("status %d, want %d", res.StatusCode, tc.want)
			}
			d, err := app.Store.DeadLetters(ctx, 10)
			if err != nil || len(d) != tc.dead {
				t.Errorf("dead letters = %d (%v), want %d", len(d), err, tc.dead)
			}
		})
	}
	d, _ := app.Store.DeadLetters(ctx, 10)
	if len(d) > 1 && string(d[len(d)-2].Body) != "<html>not a push</html>" {
		t.Errorf("dead letter body = %q, want the raw body kept", d[len(d)-2].Body)
	}
	if n, _ := app.Store.CountCalls(ctx); n != 0 {
		t.Errorf("%d calls stored from refused pushes", n)
	}
	// The push hook is the only route without CSRF: a POST elsewhere without a token is refused.
	if res := postPush(t, app, "/hooks/other", body); res.StatusCode != http.StatusForbidden {
		t.Errorf("POST /hooks/other: %d, want 403 (CSRF)", res.StatusCode)
	}
}

// TestSyncFillsMissingPushes: calls the platform never pushed are stored by
// the sync under their task; a pushed call is kept as pushed and gets its
// task id; a second round stores nothing new.
func TestSyncFillsMissingPushes(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	ctx := context.Background()
	tasks, err := app.Client.QueryTasks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var taskID string
	var first client.CallResult
	var begin, end time.Time
	for _, tk := range tasks {
		if tk.Status != client.TaskRunning {
			continue
		}
		if page, ok := firstCallPage(t, app, tk.ID); ok {
			// The sync walks the span of the task's first page of calls
			// (every running task's calls in it), not the seeded world's
			// two months: one round is then a few hundred calls, not two
			// thousand, and the same things are asserted of it.
			taskID, first = tk.ID, page[0]
			begin, end = callSpan(page)
			break
		}
	}
	if taskID == "" {
		t.Fatal("the seeded world has no running task with two calls")
	}
	// One call arrives by push without a task in the URL.
	b, _ := json.Marshal(map[string]any{"result": map[string]any{"data": first, "ret_code": "000000"}})
	if res := postPush(t, app, "/hooks/icall/test-push-token", string(b)); res.StatusCode != 200 {
		t.Fatalf("push: %d", res.StatusCode)
	}
	st, err := app.Server.SyncCalls(ctx, begin, end)
	if err != nil {
		t.Fatal(err)
	}
	if st.Stored == 0 {
		t.Fatalf("sync stored nothing: %+v", st)
	}
	pushed, err := app.Store.Call(ctx, taskID, string(first.Detail.CallID))
	if err != nil {
		t.Fatal(err)
	}
	if pushed.Source != store.SourcePush || pushed.TaskID != taskID {
		t.Errorf("pushed call after sync: source %q task %q", pushed.Source, pushed.TaskID)
	}
	_, n, err := app.Store.ListCalls(ctx, store.CallFilter{TaskID: taskID})
	if err != nil || n < 2 {
		t.Errorf("task %s has %d stored calls (%v), want the sync's too", taskID, n, err)
	}
	total, _ := app.Store.CountCalls(ctx)
	if total != st.Stored+1 {
		t.Errorf("calls stored = %d, want %d synced + 1 pushed", total, st.Stored)
	}
	again, err := app.Server.SyncCalls(ctx, begin, end)
	if err != nil || again.Stored != 0 {
		t.Errorf("second round stored %d (%v), want 0", again.Stored, err)
	}
	if total2, _ := app.Store.CountCalls(ctx); total2 != total {
		t.Errorf("second round changed the count: %d → %d", total, total2)
	}
}

// TestPushTaskFromOutID: a push without a task in its URL is filed under the
// task dialdesk imported the number into (by its outid).
func TestPushTaskFromOutID(t *testing.T) {
	app := testapp.New(t, testapp.Options{NoSeedData: true})
	ctx := context.Background()
	imp, err := app.Store.CreateImport(ctx, "100077", "list.xlsx", "manager")
	if err != nil {
		t.Fatal(err)
	}
	row := store.ImportRow{ImportID: imp.ID, Line: 2, TaskID: "100077", Phone: "18207736077"}
	if err := app.Store.SaveParsedImport(ctx, imp.ID, nil, store.ImportCounts{}, []store.ImportRow{row}, nil, 500); err != nil {
		t.Fatal(err)
	}
	body := strings.Replace(seedPush(t), "1234554321123666", `"`+store.OutID(imp.ID, 2)+`"`, 1)
	if res := postPush(t, app, "/hooks/icall/test-push-token", body); res.StatusCode != 200 {
		t.Fatalf("push: %d", res.StatusCode)
	}
	c, err := app.Store.Call(ctx, "100077", "soboticallbcf37279feb441ee99f33a9814d26b00")
	if err != nil || c.TaskID != "100077" {
		t.Errorf("call filed under %q (%v), want the import's task", c.TaskID, err)
	}
}

// TestPushTaskResolvedInBackground: a push that names no task, for a number
// dialdesk did not import, is stored and answered at once, and filed under
// its task a moment later by the resolver (one walk of the platform's recent
// calls), without waiting for the two-minute sync.
func TestPushTaskResolvedInBackground(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	ctx := context.Background()
	tasks, err := app.Client.QueryTasks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	begin, end := app.Sandbox.Now().Add(-60*24*time.Hour), app.Sandbox.Now().Add(time.Hour)
	var taskID string
	var pushed client.CallResult
	for _, tk := range tasks {
		if tk.Status != client.TaskRunning {
			continue
		}
		p, err := app.Client.QueryTimeTaskData(ctx, client.TimeTaskQuery{TaskID: tk.ID, Begin: begin, End: end})
		if err == nil && len(p.Data) > 0 {
			taskID, pushed = tk.ID, p.Data[len(p.Data)-1]
			break
		}
	}
	if taskID == "" {
		t.Fatal("the seeded world has no running task with calls")
	}
	callID := string(pushed.Detail.CallID)
	b, _ := json.Marshal(map[string]any{"result": map[string]any{"data": pushed, "ret_code": "000000"}})
	if res := postPush(t, app, "/hooks/icall/test-push-token", string(b)); res.StatusCode != 200 {
		t.Fatalf("push: %d", res.StatusCode)
	}
	// Stored before the answer, without a task yet (or already placed: the
	// push wakes the resolver, which may be done before this reads).
	if c, err := app.Store.Call(ctx, "", callID); err != nil || c.TaskID != "" {
		if c, err := app.Store.Call(ctx, taskID, callID); err != nil || c.TaskID != taskID {
			t.Fatalf("right after the push: task %q, err %v; want stored, without a task or under %s", c.TaskID, err, taskID)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := app.Store.Call(ctx, taskID, callID)
		if err == nil && c.TaskID == taskID {
			if c.Source != store.SourcePush || len(c.Messages) != len(pushed.Messages) {
				t.Errorf("resolved call: source %q, %d messages; want the push's row kept", c.Source, len(c.Messages))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the pushed call was not filed under task %s within 10 s", taskID)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n, _ := app.Store.CountCalls(ctx); n != 1 {
		t.Errorf("%d calls stored, want the pushed one only (the resolver stores no others)", n)
	}
	// A repeated push keeps the task.
	if res := postPush(t, app, "/hooks/icall/test-push-token", string(b)); res.StatusCode != 200 {
		t.Fatalf("second push: %d", res.StatusCode)
	}
	if c, err := app.Store.Call(ctx, taskID, callID); err != nil || c.TaskID != taskID {
		t.Errorf("after a repeated push: task %q (%v)", c.TaskID, err)
	}
}

// TestPushTaskFromRef: a push_url built with PushURLWithRef (the create-task
// form's token) files the call under the task that form created, at once.
func TestPushTaskFromRef(t *testing.T) {
	app := testapp.New(t, testapp.Options{NoSeedData: true})
	ctx := context.Background()
	const ref = "0123456789abcdef0123456789abcdef"
	if _, _, err := app.Store.ClaimFormToken(ctx, ref); err != nil {
		t.Fatal(err)
	}
	if err := app.Store.SetFormTokenTask(ctx, ref, "100088"); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(app.Server.PushURLWithRef(ref))
	if err != nil || u.Query().Get("ref") != ref || !strings.HasSuffix(u.Path, "/hooks/icall/test-push-token") {
		t.Fatalf("PushURLWithRef = %q (%v)", u, err)
	}
	if res := postPush(t, app, u.RequestURI(), seedPush(t)); res.StatusCode != 200 {
		t.Fatalf("push: %d", res.StatusCode)
	}
	c, err := app.Store.Call(ctx, "100088", "soboticallbcf37279feb441ee99f33a9814d26b00")
	if err != nil || c.TaskID != "100088" {
		t.Errorf("call filed under %q (%v), want the form's task", c.TaskID, err)
	}
	// A ref no form recorded (or a malformed one) names no task.
	body := strings.Replace(seedPush(t), "soboticallbcf37279feb441ee99f33a9814d26b00", "soboticallother", -1)
	for _, q := range []string{"?ref=ffffffffffffffffffffffffffffffff", "?ref=%27%20OR%201%3D1"} {
		if res := postPush(t, app, "/hooks/icall/test-push-token"+q, body); res.StatusCode != 200 {
			t.Fatalf("push %s: %d", q, res.StatusCode)
		}
	}
	if c, err := app.Store.Call(ctx, "", "soboticallother"); err != nil || c.TaskID != "" {
		t.Errorf("unknown ref: task %q (%v), want none yet", c.TaskID, err)
	}
}

// TestSyncWalksJustFinishedTask: a task that ran at the last round and has
// finished since (query_task no longer lists it) is walked once more, so
// the pushes its last calls lost are filled in too; then it is left alone.
func TestSyncWalksJustFinishedTask(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	ctx := context.Background()
	tasks, err := app.Client.QueryTasks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var taskID string
	var begin, end time.Time
	for _, tk := range tasks {
		if tk.Status != client.TaskRunning {
			continue
		}
		if page, ok := firstCallPage(t, app, tk.ID); ok {
			taskID = tk.ID
			begin, end = callSpan(page) // as in TestSyncFillsMissingPushes
			break
		}
	}
	if taskID == "" {
		t.Fatal("the seeded world has no running task with two calls")
	}
	// Round 1 sees the task running, over an empty window.
	past := begin.Add(-24 * time.Hour)
	if _, err := app.Server.SyncCalls(ctx, past, past.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := app.Client.EndTask(ctx, taskID); err != nil {
		t.Fatal(err)
	}
	// Round 2: the task is gone from query_task; its calls are still read.
	st2, err := app.Server.SyncCalls(ctx, begin, end)
	if err != nil {
		t.Fatal(err)
	}
	_, n, err := app.Store.ListCalls(ctx, store.CallFilter{TaskID: taskID})
	if err != nil || n == 0 {
		t.Fatalf("the finished task has %d stored calls (%v), want its calls synced once more", n, err)
	}
	// Round 3 does not walk it again.
	st, err := app.Server.SyncCalls(ctx, begin, end)
	if err != nil {
		t.Fatal(err)
	}
	if st.Tasks != st2.Tasks-1 || st.Stored != 0 {
		t.Errorf("third round walked %d tasks (second: %d) and stored %d; want the finished one left alone", st.Tasks, st2.Tasks, st.Stored)
	}
}

// firstCallPage returns the first page of a task's calls over the seeded
// world's last two months (oldest first), and whether it holds two or more.
func firstCallPage(t *testing.T, app *testapp.App, taskID string) ([]client.CallResult, bool) {
	t.Helper()
	begin, end := app.Sandbox.Now().Add(-60*24*time.Hour), app.Sandbox.Now().Add(time.Hour)
	p, err := app.Client.QueryTimeTaskData(t.Context(), client.TimeTaskQuery{TaskID: taskID, Begin: begin, End: end})
	return p.Data, err == nil && len(p.Data) >= 2
}

// callSpan is a sync window holding every call of page (by start time,
// which query_time_task_data selects on), with a minute to spare each side.
func callSpan(page []client.CallResult) (begin, end time.Time) {
	begin, end = page[0].Detail.StartTime.Time(), page[0].Detail.StartTime.Time()
	for _, c := range page[1:] {
		if s := c.Detail.StartTime.Time(); s.Before(begin) {
			begin = s
		} else if s.After(end) {
			end = s
		}
	}
	return begin.Add(-time.Minute), end.Add(time.Minute)
}
