package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestPushesConcurrentlyStoredOnce: 20 senders push at once, a fifth of the
// pushes repeating a call id already pushed (the platform's retries) and
// some naming a call another task holds. Every push is answered only once
// written (200), each call is stored exactly once, the conflicting ones are
// 409 and kept aside, and the metrics count each outcome; the group commit
// wrote every push that reached it.
func TestPushesConcurrentlyStoredOnce(t *testing.T) {
	app, _, murl := metricsApp(t, nil)
	seed := seedPush(t)
	const seedID = "soboticallbcf37279feb441ee99f33a9814d26b00"
	body := func(id string) string { return strings.ReplaceAll(seed, seedID, id) }
	if res := postPush(t, app, "/hooks/icall/test-push-token?task=100018", body("held-by-100018")); res.StatusCode != 200 {
		t.Fatal(res.StatusCode)
	}
	before := scrape(t, murl)
	const senders, each = 20, 20
	var mu sync.Mutex
	statuses := map[int]int{}
	unique := map[string]bool{}
	var wg sync.WaitGroup
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc := app.NewClient()
			for i := range each {
				id := fmt.Sprintf("call-%02d-%02d", s, i)
				switch {
				case i%5 == 4:
					id = fmt.Sprintf("call-%02d-%02d", s, i-1) // pushed again
				case s%10 == 0 && i == 0:
					id = "held-by-100018" // another task's call
				}
				req, _ := http.NewRequest(http.MethodPost, app.URL+"/hooks/icall/test-push-token?task=100017", strings.NewReader(body(id)))
				res, err := hc.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				res.Body.Close()
				mu.Lock()
				statuses[res.StatusCode]++
				if res.StatusCode == 200 {
					unique[id] = true
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	conflicts := senders / 10
	total := senders * each
	dups := senders * (each / 5)
	if statuses[200] != total-conflicts || statuses[409] != conflicts {
		t.Fatalf("answers %v, want %d × 200 and %d × 409", statuses, total-conflicts, conflicts)
	}
	if n, _ := app.Store.CountCalls(context.Background()); n != len(unique)+1 || len(unique) != total-conflicts-dups {
		t.Errorf("%d calls stored, %d distinct call ids answered 200; want %d + the held one", n, len(unique), total-conflicts-dups)
	}
	after := scrape(t, murl)
	for key, want := range map[string]float64{
		`dialdesk_pushes_total{outcome="stored"}`:     float64(total - conflicts - dups),
		`dialdesk_pushes_total{outcome="duplicate"}`:  float64(dups),
		`dialdesk_pushes_total{outcome="deadletter"}`: float64(conflicts),
		`dialdesk_push_commit_batch_size_sum`:         float64(total),
	} {
		if got := after[key] - before[key]; got != want {
			t.Errorf("%s moved by %v, want %v", key, got, want)
		}
	}
	if n := after["dialdesk_push_commit_batch_size_count"] - before["dialdesk_push_commit_batch_size_count"]; n < 1 || n > float64(total) {
		t.Errorf("%v transactions for %d pushes", n, total)
	}
}
