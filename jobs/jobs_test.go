package jobs

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dialdesk/store"
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

// TestRunnersOnOneDatabaseNeverOverlap: two runners, each on its own store
// of one database (two instances; PostgreSQL in its pass of the tests), run
// one leased job: its rounds never overlap, and when the holder dies (its
// rounds stop, its lease is not given back) the other takes the job over
// once the lease has run out.
func TestRunnersOnOneDatabaseNeverOverlap(t *testing.T) {
	target := migratedTarget(t, "leases.db")
	var running atomic.Int32
	var overlap atomic.Bool
	var rounds [2]atomic.Int32
	var runners [2]*Runner
	for i := range runners {
		st, err := store.Open(target)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		runners[i] = NewRunner(st, fmt.Sprintf("instance-%d", i), nil)
		runners[i].ttl = 600 * time.Millisecond
	}
	job := func(i int) Job {
		return Func("sync", 10*time.Millisecond, func(ctx context.Context) error {
			if running.Add(1) > 1 {
				overlap.Store(true)
			}
			defer running.Add(-1)
			rounds[i].Add(1)
			select { // a round takes a while, as a sync's does
			case <-time.After(15 * time.Millisecond):
			case <-ctx.Done():
			}
			return nil
		})
	}
	ctxs := [2]context.Context{}
	cancels := [2]context.CancelFunc{}
	for i := range runners {
		ctxs[i], cancels[i] = context.WithCancel(context.Background())
		runners[i].Start(ctxs[i], job(i))
	}
	t.Cleanup(func() {
		for i := range runners {
			cancels[i]()
			runners[i].Stop()
		}
	})
	waitUntil := func(what string, cond func() bool) {
		t.Helper()
		for end := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(end) {
				t.Fatalf("waited 10 s for %s (rounds %d and %d)", what, rounds[0].Load(), rounds[1].Load())
			}
		}
	}
	waitUntil("twenty rounds", func() bool { return rounds[0].Load()+rounds[1].Load() >= 20 })
	holder := 0
	if rounds[1].Load() > rounds[0].Load() {
		holder = 1
	}
	if other := rounds[1-holder].Load(); other != 0 {
		t.Errorf("both instances ran rounds while both were alive (%d and %d)", rounds[holder].Load(), other)
	}
	cancels[holder]() // dies: no round any more, the lease not given back
	before := rounds[1-holder].Load()
	waitUntil("the other instance to take the job over", func() bool { return rounds[1-holder].Load() > before+5 })
	if overlap.Load() {
		t.Error("two rounds of the job ran at once")
	}
}
