package sandbox_test

import (
	"regexp"
	"testing"
	"time"

	"dialdesk/sandbox"
)

// TestCreatedTaskIDsSurviveRestart: the demo keeps its seed across restarts
// (so the seeded world and the tasks dialdesk remembers stay the same), and a
// sandbox restarted with the same seed replays the same random stream. A task
// made through add_task after the restart must still get a new id, never one
// an earlier run already gave a task dialdesk remembers.
func TestCreatedTaskIDsSurviveRestart(t *testing.T) {
	first := newEnv(t, sandbox.Options{Seed: 7, SeedData: true, Now: func() time.Time { return t0 }})
	again := newEnv(t, sandbox.Options{Seed: 7, SeedData: true, Now: func() time.Time { return t0.Add(time.Hour) }})

	if a, b := first.sb.TaskIDs(), again.sb.TaskIDs(); len(a) == 0 || a[0] != b[0] {
		t.Fatalf("the seeded world differs between runs with one seed: %v vs %v", a[:1], b[:1])
	}
	idFirst, idAgain := first.addTask(nil), again.addTask(nil)
	if idFirst == idAgain {
		t.Fatalf("a restarted sandbox reused task id %s", idFirst)
	}
	format := regexp.MustCompile(`^10001[0-9a-f]{32}$`)
	for _, id := range []string{idFirst, idAgain} {
		if !format.MatchString(id) {
			t.Errorf("task id %q is not 10001 + 32 hex digits", id)
		}
	}
}
