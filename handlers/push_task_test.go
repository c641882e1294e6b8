package handlers_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"dialdesk/internal/testapp"
	"dialdesk/store"
)

const seedCallID = "soboticallbcf37279feb441ee99f33a9814d26b00"

// TestPushNeverMovesACall: a stored call's task never changes by push; a
// push of the same callid naming another task (?ref= or ?task=) is a 409,
// kept as a dead letter, and the call stays as it was.
func TestPushNeverMovesACall(t *testing.T) {
	app := testapp.New(t, testapp.Options{NoSeedData: true})
	ctx := context.Background()
	if res := postPush(t, app, "/hooks/icall/test-push-token?task=100017", seedPush(t)); res.StatusCode != 200 {
		t.Fatalf("first push: %d", res.StatusCode)
	}
	const ref = "0123456789abcdef0123456789abcdef"
	app.Store.ClaimFormToken(ctx, ref)
	app.Store.SetFormTokenTask(ctx, ref, "100088")
	other := strings.Replace(seedPush(t), `"tel":18207736077`, `"tel":13900000000`, 1)
	if other == seedPush(t) {
		t.Fatal("the seed's tel was not replaced")
	}
	for i, q := range []string{"?ref=" + ref, "?task=100088"} {
		if res := postPush(t, app, "/hooks/icall/test-push-token"+q, other); res.StatusCode != http.StatusConflict {
			t.Errorf("push %s: %d, want 409", q, res.StatusCode)
		}
		if d, _ := app.Store.DeadLetters(ctx, 10); len(d) != i+1 || !strings.Contains(d[0].Reason, "100017") {
			t.Errorf("after push %s: %d dead letters (%+v), want %d naming the stored task", q, len(d), d, i+1)
		}
	}
	c, err := app.Store.Call(ctx, "100017", seedCallID)
	if err != nil || c.TaskID != "100017" || c.Tel != "18207736077" {
		t.Errorf("call after conflicting pushes: task %q tel %q (%v), want it unchanged under 100017", c.TaskID, c.Tel, err)
	}
	if _, err := app.Store.Call(ctx, "100088", seedCallID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the call is found under 100088: %v", err)
	}
	// The same task again, or none, updates the one row as before.
	if res := postPush(t, app, "/hooks/icall/test-push-token", other); res.StatusCode != 200 {
		t.Errorf("push naming no task: %d, want 200", res.StatusCode)
	}
	if c, _ := app.Store.Call(ctx, "100017", seedCallID); c.Tel != "13900000000" {
		t.Errorf("push naming no task did not update the call: tel %q", c.Tel)
	}
}

// TestCallOpensOnlyUnderItsTask: a call not yet filed under a task, or filed
// under another, is 404 under a task's URL (page, review, recording); it
// used to open under any task, with that task's masking.
func TestCallOpensOnlyUnderItsTask(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	ids := app.Sandbox.TaskIDs()
	taskA, taskB := ids[0], ids[1]
	// No task named, an outid dialdesk never gave: stored under no task.
	loose := strings.Replace(seedPush(t), seedCallID, "sobotloosecall0001", -1)
	if res := postPush(t, app, "/hooks/icall/test-push-token", loose); res.StatusCode != 200 {
		t.Fatalf("push: %d", res.StatusCode)
	}
	if res := postPush(t, app, "/hooks/icall/test-push-token?task="+taskB, seedPush(t)); res.StatusCode != 200 {
		t.Fatalf("push: %d", res.StatusCode)
	}
	c := app.Login(t, store.RoleSupervisor)
	for _, p := range []string{
		"/tasks/" + taskA + "/calls/sobotloosecall0001",
		"/tasks/" + taskA + "/calls/" + seedCallID,
		"/recordings/" + taskA + "/sobotloosecall0001",
	} {
		if res, _ := app.Get(t, c, p); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, res.StatusCode)
		}
	}
	if res, _ := app.Get(t, c, "/tasks/"+taskB+"/calls/"+seedCallID); res.StatusCode != http.StatusOK {
		t.Errorf("the call under its own task: %d, want 200", res.StatusCode)
	}
	// Marking reviewed: only a call of the task.
	for _, key := range []string{"sobotloosecall0001", "no-such-call-123"} {
		if res := app.PostForm(t, c, "/tasks/"+taskA+"/calls/"+key+"/review", url.Values{}); res.StatusCode != http.StatusNotFound {
			t.Errorf("review %s under %s: %d, want 404", key, taskA, res.StatusCode)
		}
	}
	if marks, _ := app.Store.CallMarks(context.Background(), taskA, []string{"sobotloosecall0001", "no-such-call-123"}); len(marks) != 0 {
		t.Errorf("marks were stored for calls that are not the task's: %v", marks)
	}
	if res := app.PostForm(t, c, "/tasks/"+taskB+"/calls/"+seedCallID+"/review", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("review of the task's own call: %d, want 303", res.StatusCode)
	}
}

// TestPushCallIDShape: a pushed callid over 100 characters or holding
// control characters is refused (400) and kept as a dead letter.
func TestPushCallIDShape(t *testing.T) {
	app := testapp.New(t, testapp.Options{NoSeedData: true})
	ctx := context.Background()
	for i, tc := range []struct {
		id   string
		want int
	}{
		{strings.Repeat("a", 101), 400},
		{"sobot\\u0007bell", 400},
		{"sobot\\ttab", 400},
		{strings.Repeat("b", 100), 200},
	} {
		body := strings.Replace(seedPush(t), seedCallID, tc.id, -1)
		if res := postPush(t, app, "/hooks/icall/test-push-token?task=100017", body); res.StatusCode != tc.want {
			t.Errorf("callid %q: %d, want %d", tc.id, res.StatusCode, tc.want)
		}
		if d, _ := app.Store.DeadLetters(ctx, 10); len(d) != min(i+1, 3) {
			t.Errorf("callid %q: %d dead letters, want %d", tc.id, len(d), min(i+1, 3))
		}
	}
	if n, _ := app.Store.CountCalls(ctx); n != 1 {
		t.Errorf("%d calls stored, want only the 100-character one", n)
	}
}
