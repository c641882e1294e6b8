package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"dialdesk/client"
	"dialdesk/sandbox"
)

// TestDemoSeedKept: the demo's seed survives a restart, and the same seed
// gives the same tasks, so the store's remembered tasks stay the platform's.
func TestDemoSeedKept(t *testing.T) {
	dir := t.TempDir()
	a, err := demoSeed(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := demoSeed(dir)
	if err != nil || a != b {
		t.Fatalf("seed changed across starts: %d, %d (%v)", a, b, err)
	}
	ids := func() []string {
		return sandbox.New(sandbox.Options{SeedData: true, Seed: a}).TaskIDs()
	}
	if x, y := ids(), ids(); len(x) == 0 || !slices.Equal(x, y) {
		t.Errorf("same seed, different tasks: %v / %v", x, y)
	}
}

// TestDemoWorldKept: a task made in the demo, with its numbers, is still on
// the simulated platform after a restart, and the seeded tasks are the same.
func TestDemoWorldKept(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	start := func() (*sandbox.Sandbox, *client.Client, func()) {
		t.Helper()
		sb, base, stop, err := startDemoSandbox(ctx, dir, 5, 10, time.UTC, log)
		if err != nil {
			t.Fatal(err)
		}
		return sb, client.New(client.WithICall(base+"/api/icall/5/task/", "demo-appid", "demo-signature")), stop
	}

	sb, cl, stop := start()
	tpls, err := cl.QueryTemplates(ctx)
	if err != nil || len(tpls) == 0 {
		t.Fatalf("templates: %v %v", tpls, err)
	}
	id, err := cl.AddTask(ctx, client.AddTaskRequest{TemplateID: tpls[0].ID, TaskName: "新手的第一个任务",
		Telephones: []string{"02180344315"}, RobotNum: 1, TimeType: client.TimeTypePermanent, CallTimeSlots: []string{"00:00-00:01"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.AddTaskData(ctx, id, []client.DataRow{{Telephone: "13800138000", OutID: "n1"}, {Telephone: "13900139000", OutID: "n2"}}); err != nil {
		t.Fatal(err)
	}
	before := sb.TaskIDs()
	stop()
	if _, err := os.Stat(filepath.Join(dir, demoWorldFile)); err != nil {
		t.Fatalf("the world was not saved: %v", err)
	}

	sb, cl, stop = start()
	defer stop()
	if after := sb.TaskIDs(); !slices.Equal(before, after) {
		t.Errorf("tasks after the restart: %d, want the %d before", len(after), len(before))
	}
	infos, err := cl.QueryTaskInfo(ctx, []string{id})
	if err != nil || len(infos) != 1 {
		t.Fatalf("the task made before the restart: %v %v", infos, err)
	}
	if got := infos[0]; got.Name != "新手的第一个任务" || got.CallTotalData != 2 {
		t.Errorf("after the restart: %q with %d numbers, want 新手的第一个任务 with 2", got.Name, got.CallTotalData)
	}
}
