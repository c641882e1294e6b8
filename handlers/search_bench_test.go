package handlers_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"dialdesk/handlers"
	"dialdesk/internal/testapp"
	"dialdesk/internal/whgen"
	"dialdesk/store"
)

// BenchmarkSearch measures GET /search's server time on the search
// benchmark's store (internal/whgen's SearchSpec: 1,000,000 calls, the
// answered 41 % with about 25 turns of generated Chinese dialogue, about
// 10,300,000 turns; built once into the temp dir, long the first time).
// DIALDESK_BENCH_SEARCH_CALLS=N builds a smaller one (the same shape). Each
// query's first page is asked 10 times after a warm-up, through the real
// router and session; reported per class of query (one, two, three
// characters, and longer or several words): p50 and p95 in ms (goals: p95 ≤
// 1 s, ≤ 300 ms, ≤ 100 ms), p95 of the CPU time the process spent per
// request (on a shared machine the first grows with the load, the second
// does not), and the index's bytes per million turns.
//
//	make bench-search
func BenchmarkSearch(b *testing.B) {
	if os.Getenv("DIALDESK_BENCH_SEARCH") == "" {
		b.Skip("make bench-search runs it (it builds a store of 1,000,000 calls with transcripts the first time)")
	}
	spec := whgen.SearchSpec()
	if n, err := strconv.Atoi(os.Getenv("DIALDESK_BENCH_SEARCH_CALLS")); err == nil && n > 0 {
		spec.Calls = n
	}
	t0 := time.Now()
	path, err := whgen.Cached(spec)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("store %s (ready in %s)", path, time.Since(t0).Round(time.Second))
	st, err := store.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	var turns int64
	if err := st.DB().QueryRow(`SELECT COUNT(*) FROM call_messages`).Scan(&turns); err != nil {
		b.Fatal(err)
	}
	var indexBytes int64
	if err := st.DB().QueryRow(`SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'search%'`).Scan(&indexBytes); err != nil {
		b.Logf("index size: %v", err)
	}
	// On stderr: a benchmark's own log is shown only when it fails or runs
	// no sub-benchmark, and this one runs four.
	fmt.Fprintf(os.Stderr, "search bench: %d calls, %d turns; index %.0f MiB = %.0f MiB per million turns\n", spec.Calls, turns,
		float64(indexBytes)/(1<<20), float64(indexBytes)/(1<<20)/float64(turns)*1e6)
	b.ReportMetric(float64(indexBytes)/float64(turns)*1e6/(1<<20), "index-MiB/Mturns")

	loc := spec.End.Location()
	now := spec.End.Add(-9 * time.Hour)
	app := testapp.New(b, testapp.Options{NoSeedData: true, Now: func() time.Time { return now },
		Configure: func(cfg *handlers.Config) { cfg.Store, cfg.Location = st, loc }})
	ctx := context.Background()
	users, err := st.Users(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for role, name := range app.Users {
		if !slices.ContainsFunc(users, func(u store.User) bool { return u.Username == name }) {
			if _, err := st.CreateUser(ctx, name, app.Passwords[role], role); err != nil {
				b.Fatal(err)
			}
		}
	}
	c := app.Login(b, store.RoleSupervisor)
	for _, sc := range []struct {
		name    string
		queries []string
		goal    time.Duration
	}{
		{"one-char", []string{"滚", "贵", "钱", "王", "x"}, time.Second},
		{"two-chars", []string{"退订", "骗子", "微信", "开车", "举报"}, 300 * time.Millisecond},
		{"three-chars", []string{"不需要", "信用卡", "投诉你", "加微信", "百分百"}, 100 * time.Millisecond},
		{"longer", []string{"12315", "VIP客户", "不要再打", "投诉 12315", "信用卡 -不需要", `"下个月再说"`}, 100 * time.Millisecond},
	} {
		b.Run(sc.name, func(b *testing.B) {
			const warm, n = 1, 10
			var times, cpus []time.Duration
			var totals []string
			for _, q := range sc.queries {
				var own []time.Duration
				for i := range warm + n {
					c0, t0 := cpuTime(), time.Now()
					res, body := app.Get(b, c, "/search?q="+url.QueryEscape(q))
					d, cpu := time.Since(t0), cpuTime()-c0
					if res.StatusCode != 200 {
						b.Fatalf("GET /search?q=%s: %d", q, res.StatusCode)
					}
					if i == 0 {
						doc, _ := goquery.NewDocumentFromReader(strings.NewReader(body))
						r := doc.Find("[data-testid=search-results]")
						more := ""
						if r.AttrOr("data-more", "") == "true" {
							more = "+"
						}
						totals = append(totals, q+"="+r.AttrOr("data-total", "?")+more)
					}
					if i >= warm {
						times, own, cpus = append(times, d), append(own, d), append(cpus, cpu)
					}
				}
				slices.Sort(own)
				totals[len(totals)-1] += " (p95 " + own[len(own)*95/100].Round(time.Millisecond).String() + ")"
			}
			slices.Sort(times)
			slices.Sort(cpus)
			p50, p95, cpu95 := times[len(times)/2], times[len(times)*95/100], cpus[len(cpus)*95/100]
			b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(p95.Microseconds())/1000, "p95-ms")
			b.ReportMetric(float64(cpu95.Microseconds())/1000, "p95-cpu-ms")
			b.Logf("%s: p50 %s, p95 %s, p95 CPU %s (goal ≤ %s); totals %s", sc.name, p50.Round(100*time.Microsecond),
				p95.Round(100*time.Microsecond), cpu95.Round(100*time.Microsecond), sc.goal, strings.Join(totals, ", "))
		})
	}
}
