package handlers_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"dialdesk/client"
	"dialdesk/handlers"
	"dialdesk/jobs"
	"dialdesk/metrics"
	"dialdesk/store"
)

// BenchmarkPushReceiver measures the push receiver as a new user would
// run it: one dialdesk instance (its real route table, a log file, metrics
// on) and 50 concurrent senders on the same machine, over loopback HTTP with
// keep-alive. Two phases of the same run, each DIALDESK_BENCH_PUSH_SECONDS
// (default 30):
//
//   - refused: pushes with a wrong token (404, nothing stored): the
//     receiver's ceiling, HTTP and routing alone;
//   - stored: pushes of new calls, each answered 200 only once its
//     transaction has committed (group commit, pushcommit.go). Afterwards
//     the store must hold exactly the calls answered 200: 0 lost.
//
// It reports pushes/s, p50 and p99 latency of each phase, stored/refused,
// the mean transaction size, how busy the writer was (the share of the
// stored phase spent inside the store's SavePushes), the process's CPU time
// a stored push (senders and the search indexer included: on a shared
// machine a steadier figure than the rate), and the load average before and after (the
// machine may be shared).
//
//	make bench-push                                     # SQLite in a temp dir
//	DIALDESK_BENCH_PUSH_DSN=postgres://… make bench-push # the store at that URL (store.Open)
//	DIALDESK_BENCH_PUSH_BATCH=1 make bench-push         # one transaction a push, for comparison
//	DIALDESK_BENCH_PUSH_PROFILE=stored.prof make bench-push  # a CPU profile of the stored phase
//	DIALDESK_BENCH_PUSH_LANES=4 make bench-push         # 4 transactions at once (Config.PushLanes; for PostgreSQL)
func BenchmarkPushReceiver(b *testing.B) {
	if os.Getenv("DIALDESK_BENCH_PUSH") == "" {
		b.Skip("make bench-push runs it (a minute of load)")
	}
	secs := 30
	if v, err := strconv.Atoi(os.Getenv("DIALDESK_BENCH_PUSH_SECONDS")); err == nil && v > 0 {
		secs = v
	}
	senders := 50
	if v, err := strconv.Atoi(os.Getenv("DIALDESK_BENCH_PUSH_SENDERS")); err == nil && v > 0 {
		senders = v
	}
	dir := b.TempDir()
	target := os.Getenv("DIALDESK_BENCH_PUSH_DSN")
	kind := "PostgreSQL"
	if target == "" {
		target, kind = filepath.Join(dir, "dialdesk.db"), "SQLite"
	}
	st, err := store.Open(target)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	logf, err := os.Create(filepath.Join(dir, "dialdesk.log"))
	if err != nil {
		b.Fatal(err)
	}
	defer logf.Close()
	m := metrics.New(nil)
	lanes, _ := strconv.Atoi(os.Getenv("DIALDESK_BENCH_PUSH_LANES"))
	srv, err := handlers.New(handlers.Config{
		Store:     st,
		PushLanes: lanes,
		// Pushes naming their task never reach the platform.
		Client:      client.New(client.WithICall("http://127.0.0.1:9/api/icall/5/task/", "bench", "bench"), client.WithObserver(m.Upstream)),
		PublicURL:   "http://127.0.0.1",
		PushToken:   "bench-push-token",
		SessionKeys: [][]byte{[]byte(strings.Repeat("k", 64)), []byte(strings.Repeat("b", 32))},
		Logger:      slog.New(slog.NewTextHandler(logf, nil)),
		Metrics:     m,
	})
	if err != nil {
		b.Fatal(err)
	}
	if n, err := strconv.Atoi(os.Getenv("DIALDESK_BENCH_PUSH_BATCH")); err == nil && n > 0 {
		handlers.SetPushBatchLimit(srv, n)
	}
	// The search indexer runs as on an instance (the other jobs would only
	// call the platform): it takes the stored pushes' turns off the search
	// queue while the pushes come.
	runner := jobs.NewRunner(st, "bench", slog.New(slog.NewTextHandler(logf, nil)))
	runner.Start(context.Background(), &jobs.SearchIndex{Store: st})
	defer runner.Stop()
	hs := httptest.NewServer(srv.Routes())
	defer hs.Close()
	tr := &http.Transport{MaxIdleConns: senders * 2, MaxIdleConnsPerHost: senders * 2}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	seed := seedPush(b)
	const seedID = "soboticallbcf37279feb441ee99f33a9814d26b00"
	run := fmt.Sprintf("bench-%x", rand.Uint32())
	phase := func(name, path string, want int) phaseResult {
		var mu sync.Mutex
		res := phaseResult{name: name, statuses: map[int]int{}}
		deadline := time.Now().Add(time.Duration(secs) * time.Second)
		start := time.Now()
		var wg sync.WaitGroup
		for s := range senders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var lat []time.Duration
				statuses := map[int]int{}
				for i := 0; time.Now().Before(deadline); i++ {
					id := fmt.Sprintf("%s-%s-%03d-%07d", run, name, s, i)
					// Each push its own call and number, as a task's calls are.
					body := strings.Replace(strings.Replace(seed, seedID, id, -1),
						"18207736077", fmt.Sprintf("13%03d%06d", s, i%1_000_000), 1)
					t0 := time.Now()
					r, err := hc.Post(hs.URL+path, "application/json;charset=UTF-8", strings.NewReader(body))
					if err != nil {
						statuses[-1]++
						continue
					}
					io.Copy(io.Discard, r.Body) // read to the end, or the connection is not reused
					r.Body.Close()
					lat = append(lat, time.Since(t0))
					statuses[r.StatusCode]++
				}
				mu.Lock()
				res.lat = append(res.lat, lat...)
				for k, v := range statuses {
					res.statuses[k] += v
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
		res.elapsed = time.Since(start)
		res.ok = res.statuses[want]
		slices.Sort(res.lat)
		return res
	}

	load0 := loadAvg()
	b.ResetTimer()
	refused := phase("refused", "/hooks/icall/wrong-token?task=100017", http.StatusNotFound)
	batches0, busy0, cpu0 := gatherHist(b, m), handlers.PushWriterBusy(srv), cpuTime()
	stopProfile := profileStored(b)
	stored := phase("stored", "/hooks/icall/bench-push-token?task=100017", http.StatusOK)
	stopProfile()
	batches1, busy1, cpu1 := gatherHist(b, m), handlers.PushWriterBusy(srv), cpuTime()
	b.StopTimer()
	load1 := loadAvg()
	// How far the search index trails at the end, and how long it takes to
	// catch up once the pushes stop.
	queued, err := st.SearchQueued(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	drain := time.Now()
	for left := queued; left > 0 && time.Since(drain) < 10*time.Minute; {
		time.Sleep(100 * time.Millisecond)
		if left, err = st.SearchQueued(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	drained := time.Since(drain)

	var n int
	if err := st.DB().QueryRowContext(context.Background(),
		`SELECT COUNT(*) FROM calls WHERE call_id LIKE '`+run+`-stored-%'`).Scan(&n); err != nil {
		b.Fatal(err)
	}
	lost := stored.ok - n
	for _, r := range []phaseResult{refused, stored} {
		b.Logf("%-8s %7.0f pushes/s  p50 %6.1f ms  p99 %6.1f ms  (%d answered %v in %.1f s, %d senders)",
			r.name, r.rate(), r.pct(0.50), r.pct(0.99), len(r.lat), r.statuses, r.elapsed.Seconds(), senders)
	}
	meanBatch := 0.0
	if c := batches1.count - batches0.count; c > 0 {
		meanBatch = (batches1.sum - batches0.sum) / c
	}
	b.Logf("%s: stored/refused %.2f; %d calls in the store for %d answered 200 (lost %d); mean transaction %.1f pushes; load average %s before, %s after",
		kind, stored.rate()/refused.rate(), n, stored.ok, lost, meanBatch, load0, load1)
	// How busy the writers were: the share of the stored phase each lane
	// spent inside SavePushes (100 %: a lane never idles while pushes wait).
	busy := 100 * (busy1 - busy0).Seconds() / stored.elapsed.Seconds() / float64(max(lanes, 1))
	cpuPush := 1000 * (cpu1 - cpu0).Seconds() / float64(stored.ok)
	b.Logf("writer busy %.0f %% of the stored phase (time in SavePushes a lane); %.3f ms of CPU a stored push (senders included)", busy, cpuPush)
	b.Logf("push lanes %d (DIALDESK_BENCH_PUSH_LANES); search queue %d calls when the pushes stopped, indexed %.1f s later",
		max(lanes, 1), queued, drained.Seconds())
	if lost != 0 || n != stored.ok || stored.ok != len(stored.lat) {
		b.Errorf("lost pushes or failed answers: %d stored for %d answered 200 of %d (%v)", n, stored.ok, len(stored.lat), stored.statuses)
	}
	b.ReportMetric(stored.rate(), "stored/s")
	b.ReportMetric(refused.rate(), "refused/s")
	b.ReportMetric(stored.rate()/refused.rate(), "stored/refused")
	b.ReportMetric(stored.pct(0.99), "p99-stored-ms")
	b.ReportMetric(refused.pct(0.99), "p99-refused-ms")
	b.ReportMetric(meanBatch, "pushes/tx")
	b.ReportMetric(busy, "writer-busy-%")
	b.ReportMetric(cpuPush, "cpu-ms/push")
	b.ReportMetric(float64(queued), "queued-at-end")
	b.ReportMetric(drained.Seconds(), "index-catch-up-s")
}

// profileStored writes a CPU profile of the stored phase alone to the file
// DIALDESK_BENCH_PUSH_PROFILE names, if any, and returns its stop.
func profileStored(b *testing.B) func() {
	name := os.Getenv("DIALDESK_BENCH_PUSH_PROFILE")
	if name == "" {
		return func() {}
	}
	f, err := os.Create(name)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

type phaseResult struct {
	name     string
	lat      []time.Duration // sorted
	statuses map[int]int     // -1: transport error
	ok       int
	elapsed  time.Duration
}

func (r phaseResult) rate() float64 { return float64(r.ok) / r.elapsed.Seconds() }

func (r phaseResult) pct(p float64) float64 {
	if len(r.lat) == 0 {
		return 0
	}
	return float64(r.lat[int(p*float64(len(r.lat)-1))].Microseconds()) / 1000
}

type hist struct{ count, sum float64 }

// gatherHist reads the group commit's transaction-size histogram.
func gatherHist(b *testing.B, m *metrics.Metrics) hist {
	fams, err := m.Registry().Gather()
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == "dialdesk_push_commit_batch_size" {
			h := f.GetMetric()[0].GetHistogram()
			return hist{float64(h.GetSampleCount()), h.GetSampleSum()}
		}
	}
	return hist{}
}

// loadAvg is the machine's 1, 5 and 15 minute load averages.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
