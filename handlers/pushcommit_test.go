package handlers

import (
	"context"
	"errors"
	"fmt"
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
	ctx := context.Background()
	results := make(map[string]store.PushResult)
	var rmu sync.Mutex
	var wg sync.WaitGroup
	push := func(id string) {
		defer wg.Done()
		r := pc.store(ctx, store.Call{CallID: id})
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
	if r := pc.store(ctx, store.Call{CallID: "boom"}); r.Err == nil {
		t.Error("a panicking batch answered no error")
	}
	if r := pc.store(ctx, store.Call{CallID: "after"}); r.Err != nil || !r.Created {
		t.Errorf("after a panic: %+v", r)
	}
	if pc.leading || len(pc.queue) != 0 {
		t.Errorf("idle committer: leading %v, %d queued", pc.leading, len(pc.queue))
	}
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
			lanes.store(context.Background(), store.Call{CallID: fmt.Sprintf("call-%d", i%50)})
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
