package handlers

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"dialdesk/store"
)

// The pushes that arrive while a transaction is being written are written
// together by the next one, each answered with its own result; a lone push
// is written at once; a failing batch fails its own pushes only, and the
// committer goes on.
func TestPushCommitterGathers(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var batches [][]string
	pc := &pushCommitter{save: func(_ context.Context, calls []store.Call) []store.PushResult {
		ids := make([]string, len(calls))
		res := make([]store.PushResult, len(calls))
		for i, c := range calls {
			ids[i] = c.CallID
			res[i].Created = c.CallID != "dup"
			if c.CallID == "bad" {
				res[i].Err = errors.New("refused")
			}
			if c.CallID == "boom" {
				panic("disk on fire")
			}
		}
		mu.Lock()
		batches = append(batches, ids)
		first := len(batches) == 1
		mu.Unlock()
		if first {
			<-release // the first transaction commits slowly
		}
		return res
	}}
	results := make(map[string]store.PushResult)
	var rmu sync.Mutex
	var wg sync.WaitGroup
	push := func(id string) {
		defer wg.Done()
		r := pc.store(store.Call{CallID: id}, nil)
		rmu.Lock()
		results[id] = r
		rmu.Unlock()
	}
	wg.Add(1)
	go push("first")
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(batches) == 1 })
	ids := []string{"dup", "bad"}
	for i := range 8 {
		ids = append(ids, fmt.Sprintf("c%d", i))
	}
	for _, id := range ids {
		wg.Add(1)
		go push(id)
	}
	waitFor(t, func() bool { pc.mu.Lock(); defer pc.mu.Unlock(); return len(pc.queue) == len(ids) })
	close(release)
	wg.Wait()
	if len(batches) != 2 || len(batches[0]) != 1 || len(batches[1]) != len(ids) {
		t.Fatalf("batches = %v, want [first] then the %d that waited", batches, len(ids))
	}
	for _, id := range append(ids, "first") {
		r := results[id]
		if (r.Err != nil) != (id == "bad") || r.Created != (id != "dup") {
			t.Errorf("%s: %+v", id, r)
		}
	}

	// A panicking write fails its batch; the next push is written.
	if r := pc.store(store.Call{CallID: "boom"}, nil); r.Err == nil {
		t.Error("a panicking batch answered no error")
	}
	if r := pc.store(store.Call{CallID: "after"}, nil); r.Err != nil || !r.Created {
		t.Errorf("after a panic: %+v", r)
	}
	waitFor(t, func() bool {
		pc.mu.Lock()
		defer pc.mu.Unlock()
		return !pc.writing && len(pc.queue) == 0
	})
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition never met")
		}
		time.Sleep(time.Millisecond)
	}
}

// With several lanes, every push of one call id takes the same lane (its
// pushes are never in two transactions at once), and different calls
// spread over the lanes.
func TestPushLanes(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]map[int]bool{} // call id → lanes that wrote it
	lanes := make(pushLanes, 4)
	for i := range lanes {
		lanes[i] = &pushCommitter{save: func(_ context.Context, calls []store.Call) []store.PushResult {
			mu.Lock()
			defer mu.Unlock()
			for _, c := range calls {
				if seen[c.CallID] == nil {
					seen[c.CallID] = map[int]bool{}
				}
				seen[c.CallID][i] = true
			}
			return make([]store.PushResult, len(calls))
		}}
	}
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lanes.store(store.Call{CallID: fmt.Sprintf("call-%d", i%50)}, nil)
		}()
	}
	wg.Wait()
	used := map[int]bool{}
	for id, ls := range seen {
		if len(ls) != 1 {
			t.Errorf("%s written by lanes %v", id, ls)
		}
		for l := range ls {
			used[l] = true
		}
	}
	if len(seen) != 50 || len(used) < 2 {
		t.Errorf("%d calls over %d lanes", len(seen), len(used))
	}
	if l := newPushLanes(0, nil, nil); len(l) != 1 {
		t.Errorf("default lanes = %d, want 1", len(l))
	}
}

// Many senders at once: each push is answered with its own call's result,
// after the transaction that holds it, whose context no sender can cancel;
// once the queue is empty the writer ends, and no goroutine is left.
func TestPushCommitterOwnResults(t *testing.T) {
	before := runtime.NumGoroutine()
	var mu sync.Mutex
	written := map[string]bool{}
	pc := &pushCommitter{limit: 7, save: func(ctx context.Context, calls []store.Call) []store.PushResult {
		res := make([]store.PushResult, len(calls))
		mu.Lock()
		defer mu.Unlock()
		for i, c := range calls {
			if written[c.CallID] {
				res[i].Err = fmt.Errorf("%s written twice", c.CallID)
				continue
			}
			written[c.CallID] = true
			res[i] = store.PushResult{Created: len(c.CallID)%2 == 0, Err: errors.New(c.CallID)}
			if ctx.Err() != nil {
				res[i].Err = ctx.Err()
			}
		}
		return res
	}}
	const senders, each = 40, 25
	var wg sync.WaitGroup
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				id := fmt.Sprintf("c-%d-%d", s, i*(s+1))
				r := pc.store(store.Call{CallID: id}, nil)
				mu.Lock()
				ok := written[id]
				mu.Unlock()
				if !ok || r.Err == nil || r.Err.Error() != id || r.Created != (len(id)%2 == 0) {
					t.Errorf("%s answered %+v (written %v)", id, r, ok)
				}
			}
		}()
	}
	wg.Wait()
	if len(written) != senders*each {
		t.Errorf("%d calls written, want %d", len(written), senders*each)
	}
	waitFor(t, func() bool {
		pc.mu.Lock()
		defer pc.mu.Unlock()
		return !pc.writing && len(pc.queue) == 0
	})
	waitFor(t, func() bool { return runtime.NumGoroutine() <= before })
}

// A lane writes its pushes in the order they arrived, batch after batch,
// each with the pushes that arrived meanwhile (up to the limit), and a lone
// push on an idle lane is written by itself, at once.
func TestPushCommitterOrder(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var batches [][]string
	pc := &pushCommitter{limit: 4, save: func(_ context.Context, calls []store.Call) []store.PushResult {
		ids := make([]string, len(calls))
		for i, c := range calls {
			ids[i] = c.CallID
		}
		mu.Lock()
		batches = append(batches, ids)
		first := len(batches) == 1
		mu.Unlock()
		if first {
			<-release
		}
		return make([]store.PushResult, len(calls))
	}}
	var wg sync.WaitGroup
	push := func(id string) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pc.store(store.Call{CallID: id}, nil)
		}()
	}
	push("a")
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(batches) == 1 })
	var want []string
	for i := range 10 {
		id := fmt.Sprintf("q%d", i)
		want = append(want, id)
		push(id)
		// The next push arrives only once this one is queued.
		waitFor(t, func() bool { pc.mu.Lock(); defer pc.mu.Unlock(); return len(pc.queue) == i+1 })
	}
	close(release)
	wg.Wait()
	got := fmt.Sprint(batches)
	if w := fmt.Sprint([][]string{{"a"}, want[0:4], want[4:8], want[8:10]}); got != w {
		t.Errorf("batches %s, want %s", got, w)
	}

	// Idle again: a lone push is a transaction of its own.
	pc.store(store.Call{CallID: "lone"}, nil)
	if last := batches[len(batches)-1]; len(batches) != 5 || fmt.Sprint(last) != "[lone]" {
		t.Errorf("lone push: batches %v", batches)
	}
}

// A write that panics, or answers the wrong number of results, fails that
// batch's pushes, which are all answered; the writer goes on to the
// pushes queued behind them, and those are written.
func TestPushCommitterPanicFailsOnlyItsBatch(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	calls := 0
	pc := &pushCommitter{save: func(_ context.Context, cs []store.Call) []store.PushResult {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		switch {
		case n == 1:
			<-release
			panic("disk on fire")
		case cs[0].CallID == "short":
			return nil
		}
		res := make([]store.PushResult, len(cs))
		for i := range res {
			res[i].Created = true
		}
		return res
	}}
	var wg sync.WaitGroup
	results := map[string]store.PushResult{}
	var rmu sync.Mutex
	push := func(id string) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := pc.store(store.Call{CallID: id}, nil)
			rmu.Lock()
			results[id] = r
			rmu.Unlock()
		}()
	}
	push("burning")
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return calls == 1 })
	push("queued-1")
	push("queued-2")
	waitFor(t, func() bool { pc.mu.Lock(); defer pc.mu.Unlock(); return len(pc.queue) == 2 })
	close(release)
	wg.Wait()
	push("short")
	wg.Wait()
	if r := results["burning"]; r.Err == nil || !strings.Contains(r.Err.Error(), "disk on fire") {
		t.Errorf("panicking batch: %+v", r)
	}
	if r := results["short"]; r.Err == nil || r.Created {
		t.Errorf("batch without its results: %+v", r)
	}
	for _, id := range []string{"queued-1", "queued-2"} {
		if r := results[id]; r.Err != nil || !r.Created {
			t.Errorf("%s after a panic: %+v", id, r)
		}
	}
	if calls != 3 {
		t.Errorf("%d transactions, want 3 (the panic, the two queued, the short one)", calls)
	}
}

// The writer waits for the pushes on their way (past the token check, not
// yet queued) and writes them in the same transaction; a push refused on
// its way, or none on its way at all, does not hold the writer.
func TestPushCommitterWaitsForArrivals(t *testing.T) {
	defer func(d time.Duration) { gatherWait = d }(gatherWait)
	gatherWait = time.Minute // only an arrival's settling can end the wait
	var mu sync.Mutex
	var batches [][]string
	lanes := newPushLanes(1, func(_ context.Context, calls []store.Call) []store.PushResult {
		ids := make([]string, len(calls))
		for i, c := range calls {
			ids[i] = c.CallID
		}
		mu.Lock()
		batches = append(batches, ids)
		mu.Unlock()
		return make([]store.PushResult, len(calls))
	}, nil)
	got := func() [][]string { mu.Lock(); defer mu.Unlock(); return slices.Clone(batches) }

	// Nothing else on its way: written at once.
	lanes.store(store.Call{CallID: "lone"}, lanes.arrive())

	// A push still being parsed when the writer starts is waited for.
	slow, fast := lanes.arrive(), lanes.arrive()
	done := make(chan struct{})
	go func() { lanes.store(store.Call{CallID: "fast"}, fast); close(done) }()
	waitFor(t, func() bool { return lanes[0].waiting.Load() })
	select {
	case <-done:
		t.Fatal("the writer did not wait for the push on its way")
	default:
	}
	lanes.store(store.Call{CallID: "slow"}, slow)
	<-done

	// A push refused on its way releases the writer too.
	refused, next := lanes.arrive(), lanes.arrive()
	done = make(chan struct{})
	go func() { lanes.store(store.Call{CallID: "next"}, next); close(done) }()
	waitFor(t, func() bool { return lanes[0].waiting.Load() })
	refused.settle()
	refused.settle() // twice counts once
	<-done

	want := [][]string{{"lone"}, {"fast", "slow"}, {"next"}}
	if b := got(); !slices.EqualFunc(b, want, slices.Equal) {
		t.Errorf("batches %q, want %q", b, want)
	}
	if a := lanes[0].arr; a.started.Load() != a.settled.Load() {
		t.Errorf("%d arrivals started, %d settled", a.started.Load(), a.settled.Load())
	}
}
