package handlers_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"dialdesk/handlers"
	"dialdesk/internal/testapp"
	"dialdesk/sandbox"
	"dialdesk/store"
)

// restarted is the same dialdesk started again: the old one's jobs stopped
// (its process is gone), a new Server (nothing in memory) on the same store,
// platform and sessions, its jobs started as main starts them.
func restarted(t *testing.T, app *testapp.App) *testapp.App {
	t.Helper()
	if err := app.Server.StopJobs(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	srv, err := handlers.New(app.Config)
	if err != nil {
		t.Fatal(err)
	}
	srv.StartJobs(context.Background())
	t.Cleanup(func() { srv.StopJobs(10 * time.Second) })
	hs := httptest.NewServer(srv.Routes())
	t.Cleanup(hs.Close)
	again := *app
	again.URL, again.HTTP, again.Server = hs.URL, hs, srv
	return &again
}

// previewImport uploads count numbers (137000000xx) and returns the
// import's path and id once its preview is ready.
func previewImport(t *testing.T, app *testapp.App, taskID string, count int) (string, int64, []string) {
	t.Helper()
	c := app.Login(t, store.RoleManager)
	rows := [][]any{{"号码"}}
	var want []string
	for i := range count {
		p := fmt.Sprintf("137000000%02d", i)
		want = append(want, p)
		rows = append(rows, []any{p})
	}
	path := uploadImport(t, app, c, "/tasks/"+taskID+"/numbers", "a.xlsx", workbook(t, rows))
	app.Server.WaitImports()
	return path, importID(t, path), want
}

// A crash between a batch's platform call and its mark leaves the batch
// unmarked; after a restart the import goes on by itself (nobody presses
// resume), re-sends that batch, learns that the platform holds its rows, and
// every number ends up on the task exactly once.
func TestImportCrashBetweenSendAndMark(t *testing.T) {
	app := testapp.New(t, testapp.Options{Configure: func(c *handlers.Config) { c.ImportBatchSize = 2 }})
	taskID := numbersTask(t, app)
	path, iid, want := previewImport(t, app, taskID, 5) // batches 0, 1, 2
	var crashed atomic.Bool
	handlers.SetImportCrashAfterSend(app.Server, func(_ int64, batch int) bool {
		return batch == 1 && crashed.CompareAndSwap(false, true)
	})
	c := app.Login(t, store.RoleManager)
	app.PostForm(t, c, path+"/confirm", nil)
	app.Server.WaitImports()
	ctx := context.Background()
	im, _ := app.Store.Import(ctx, iid)
	if !crashed.Load() || im.State != store.ImportImporting || im.BatchesSent != 1 {
		t.Fatalf("after the crash: state %s, %d batches marked sent", im.State, im.BatchesSent)
	}
	if n := len(sandboxNumbers(t, app, taskID)); n != 4 {
		t.Fatalf("the platform holds %d numbers, want 4 (batch 1 sent, not marked)", n)
	}

	app2 := restarted(t, app)
	app2.Server.WaitImports()
	im, _ = app.Store.Import(ctx, iid)
	if im.State != store.ImportDone || im.RowsSent != 5 {
		t.Fatalf("after resume: state %s, %d sent (%s)", im.State, im.RowsSent, im.ErrorEN)
	}
	if diff := cmp.Diff(want, sandboxNumbers(t, app, taskID)); diff != "" {
		t.Errorf("platform numbers (-want +got):\n%s", diff)
	}
}

// StopJobs (SIGTERM) lets the batch in flight finish and be marked, starts
// no other, and the rest is resumed after a restart: nothing lost, nothing
// twice.
func TestStopJobsWaitsForBatchInFlight(t *testing.T) {
	app := testapp.New(t, testapp.Options{Configure: func(c *handlers.Config) { c.ImportBatchSize = 2 }})
	taskID := numbersTask(t, app)
	path, iid, want := previewImport(t, app, taskID, 6) // batches 0, 1, 2
	app.Sandbox.SetFaults(sandbox.Faults{Latency: 300 * time.Millisecond, Endpoints: []string{"add_task_data"}})
	c := app.Login(t, store.RoleManager)
	before := app.Sandbox.Count("add_task_data")
	app.PostForm(t, c, path+"/confirm", nil)
	deadline := time.Now().Add(5 * time.Second)
	for app.Sandbox.Count("add_task_data") == before {
		if time.Now().After(deadline) {
			t.Fatal("no batch sent")
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := app.Server.StopJobs(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	im, _ := app.Store.Import(ctx, iid)
	if im.State != store.ImportImporting || im.BatchesSent == 0 || im.BatchesSent == 3 {
		t.Fatalf("after stop: state %s, %d of 3 batches sent", im.State, im.BatchesSent)
	}
	if n := len(sandboxNumbers(t, app, taskID)); n != im.RowsSent {
		t.Fatalf("the platform holds %d numbers, the store marked %d sent: a batch was cut", n, im.RowsSent)
	}
	// A stopping dialdesk starts no job.
	app.PostForm(t, c, path+"/resume", nil)
	app.Server.WaitImports()
	if again, _ := app.Store.Import(ctx, iid); again.BatchesSent != im.BatchesSent {
		t.Fatalf("a batch was sent after StopJobs")
	}

	app.Sandbox.SetFaults(sandbox.Faults{})
	app2 := restarted(t, app)
	c2 := app2.Login(t, store.RoleManager)
	app2.PostForm(t, c2, path+"/resume", nil)
	app2.Server.WaitImports()
	im, _ = app.Store.Import(ctx, iid)
	if im.State != store.ImportDone || im.RowsSent != 6 {
		t.Fatalf("after resume: state %s, %d sent", im.State, im.RowsSent)
	}
	if diff := cmp.Diff(want, sandboxNumbers(t, app, taskID)); diff != "" {
		t.Errorf("platform numbers (-want +got):\n%s", diff)
	}
}

// StopJobs is bounded: a batch stuck longer than the timeout is reported.
func TestStopJobsTimeout(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	taskID := numbersTask(t, app)
	path, _, _ := previewImport(t, app, taskID, 2)
	app.Sandbox.SetFaults(sandbox.Faults{Latency: time.Second, Endpoints: []string{"add_task_data"}})
	c := app.Login(t, store.RoleManager)
	before := app.Sandbox.Count("add_task_data")
	app.PostForm(t, c, path+"/confirm", nil)
	for deadline := time.Now().Add(5 * time.Second); app.Sandbox.Count("add_task_data") == before; {
		if time.Now().After(deadline) {
			t.Fatal("no batch sent")
		}
		time.Sleep(2 * time.Millisecond)
	}
	start := time.Now()
	if err := app.Server.StopJobs(50 * time.Millisecond); err == nil {
		t.Error("StopJobs returned nil while a batch was in flight")
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("StopJobs took %v with a 50 ms bound", d)
	}
	app.Server.WaitImports()
}
