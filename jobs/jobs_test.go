package jobs

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// memLease is a lease table in memory with the store's semantics.
type memLease struct {
	mu   sync.Mutex
	held map[string]string
}

func (m *memLease) ClaimLease(_ context.Context, name, holder string, _ time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if h, ok := m.held[name]; ok && h != holder {
		return false, nil
	}
	m.held[name] = holder
	return true, nil
}

func (m *memLease) ReleaseLease(_ context.Context, name, holder string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.held[name] == holder {
		delete(m.held, name)
	}
	return nil
}

func TestRunnerOneHolderRunsAJob(t *testing.T) {
	lease := &memLease{held: map[string]string{}}
	var rounds [2]atomic.Int32
	var running atomic.Int32
	var overlap atomic.Bool
	runners := []*Runner{NewRunner(lease, "one", nil), NewRunner(lease, "two", nil)}
	start := func(i int) {
		runners[i].Start(context.Background(), Func("sync", 5*time.Millisecond, func(ctx context.Context) error {
			if running.Add(1) > 1 {
				overlap.Store(true)
			}
			defer running.Add(-1)
			rounds[i].Add(1)
			return nil
		}))
	}
	start(0)
	time.Sleep(30 * time.Millisecond)
	start(1)
	time.Sleep(100 * time.Millisecond)
	if rounds[1].Load() != 0 {
		t.Fatal("the second runner ran a job the first holds")
	}
	runners[0].Stop()
	n0 := rounds[0].Load()
	time.Sleep(100 * time.Millisecond)
	runners[1].Stop()
	if overlap.Load() {
		t.Fatal("two runners ran the job at once")
	}
	if n0 == 0 {
		t.Fatal("the first runner never ran the job")
	}
	if rounds[1].Load() == 0 {
		t.Fatal("the second runner did not take over after the first stopped")
	}
}

func TestRunnerWakeAndMore(t *testing.T) {
	r := NewRunner(nil, "solo", nil)
	var n atomic.Int32
	done := make(chan struct{})
	r.Start(context.Background(), Func("import", time.Hour, func(ctx context.Context) error {
		switch n.Add(1) {
		case 1:
			return nil // first round at start, then wait for a wake
		case 2:
			return ErrMore // woken: asks for another round at once
		case 3:
			close(done)
		}
		return nil
	}))
	time.Sleep(20 * time.Millisecond)
	if got := n.Load(); got != 1 {
		t.Fatalf("rounds before wake = %d, want 1", got)
	}
	r.Wake("import")
	r.Wake("nobody") // ignored
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("ErrMore did not bring another round (rounds %d)", n.Load())
	}
	r.Stop()
}

func TestRunnerStopWaitsForRound(t *testing.T) {
	r := NewRunner(nil, "solo", nil)
	started := make(chan struct{})
	var finished atomic.Bool
	r.Start(context.Background(), Func("slow", time.Hour, func(ctx context.Context) error {
		close(started)
		<-ctx.Done()
		time.Sleep(10 * time.Millisecond)
		finished.Store(true)
		return ctx.Err()
	}))
	<-started
	r.Stop()
	if !finished.Load() {
		t.Fatal("Stop returned before the round did")
	}
}

// A local job (a cache of the instance's own) runs on every runner, with no
// lease claimed or held, while a leased one runs on one.
func TestRunnerLocalJobsRunEverywhere(t *testing.T) {
	lease := &memLease{held: map[string]string{}}
	var local, leased [2]atomic.Int32
	runners := []*Runner{NewRunner(lease, "one", nil), NewRunner(lease, "two", nil)}
	for i, r := range runners {
		r.Start(context.Background(),
			LocalFunc("refresh", time.Millisecond, func(context.Context) error { local[i].Add(1); return nil }),
			Func("sync", time.Millisecond, func(context.Context) error { leased[i].Add(1); return nil }))
	}
	for deadline := time.Now().Add(10 * time.Second); local[0].Load() == 0 || local[1].Load() == 0; {
		if time.Now().After(deadline) {
			t.Fatalf("local rounds: %d and %d, want both runners to run it", local[0].Load(), local[1].Load())
		}
		time.Sleep(time.Millisecond)
	}
	lease.mu.Lock()
	_, claimed := lease.held["refresh"]
	lease.mu.Unlock()
	// Before any Stop gives a lease back, the first to claim "sync" kept it.
	both := leased[0].Load() > 0 && leased[1].Load() > 0
	for _, r := range runners {
		r.Stop()
	}
	if claimed {
		t.Error("a lease was claimed for a local job")
	}
	if both {
		t.Errorf("the leased job ran on both runners: %d and %d", leased[0].Load(), leased[1].Load())
	}
}
