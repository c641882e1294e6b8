package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"dialdesk/client"
	"dialdesk/handlers"
	"dialdesk/internal/testapp"
	"dialdesk/sandbox"
	"dialdesk/store"
)

// addTasks creates n more tasks on the sandbox through the client.
func addTasks(tb testing.TB, app *testapp.App, n int) {
	tb.Helper()
	ctx := context.Background()
	tpls, err := app.Client.QueryTemplates(ctx)
	if err != nil || len(tpls) == 0 {
		tb.Fatalf("templates: %v", err)
	}
	nums, _, err := app.Client.QueryNumbers(ctx)
	if err != nil || len(nums) == 0 {
		tb.Fatalf("caller numbers: %v", err)
	}
	for i := range n {
		_, err := app.Client.AddTask(ctx, client.AddTaskRequest{
			TemplateID: tpls[i%len(tpls)].ID, TaskName: fmt.Sprintf("压测任务-%03d", i),
			Telephones: []string{nums[0].Telephone.String()}, RobotNum: 1,
			TimeType: client.TimeTypePermanent, CallTimeSlots: []string{"00:00-23:59"},
		})
		if err != nil {
			tb.Fatalf("add task %d: %v", i, err)
		}
	}
}

// BenchmarkTaskList150 measures GET /tasks for 150 tasks with a cold cache
// while the platform answers every call after 50 ms, against one upstream
// round trip (a single query_task_info call). The page must take under 3×:
// both the first page in the default order (50 tasks read upstream) and the
// first page ordered by progress (every task's counts read to sort them).
func BenchmarkTaskList150(b *testing.B) {
	const latency = 50 * time.Millisecond
	app := testapp.New(b, testapp.Options{Configure: func(c *handlers.Config) {
		c.RefreshInterval = 10 * time.Second // no background refresh during the measurement
	}})
	app.RememberSandboxTasks(b)
	addTasks(b, app, 150-len(app.Sandbox.TaskIDs()))
	c := app.Login(b, store.RoleManager)
	app.Get(b, c, "/tasks") // the store learns the new tasks (as after any first visit)
	app.Sandbox.SetFaults(sandbox.Faults{Latency: latency})
	ids := app.Sandbox.TaskIDs()
	if len(ids) != 150 {
		b.Fatalf("tasks = %d", len(ids))
	}

	var rt, page, sorted []time.Duration
	cold := func(path string, wantCalls int64) time.Duration {
		app.Sandbox.ResetCounts()
		app.Server.DropTaskCache() // the first page after login: nothing cached
		start := time.Now()
		res, body := app.Get(b, c, path)
		took := time.Since(start)
		if res.StatusCode != 200 || len(body) < 10000 {
			b.Fatalf("%s: %d, %d bytes", path, res.StatusCode, len(body))
		}
		if n := app.Sandbox.Count("query_task_info"); n != wantCalls {
			b.Fatalf("%s: query_task_info calls = %d, want %d (cold cache)", path, n, wantCalls)
		}
		return took
	}
	b.ResetTimer()
	for b.Loop() {
		for range 5 {
			start := time.Now()
			if _, err := app.Client.QueryTaskInfo(context.Background(), ids[:1]); err != nil {
				b.Fatal(err)
			}
			rt = append(rt, time.Since(start))
			time.Sleep(2 * time.Millisecond)
			page = append(page, cold("/tasks", 4))                         // 50 ids of the first page
			sorted = append(sorted, cold("/tasks?sort=progress.desc", 10)) // all 150 ids
		}
	}
	b.StopTimer()
	med := func(d []time.Duration) time.Duration { s := slices.Clone(d); slices.Sort(s); return s[len(s)/2] }
	ratio := float64(med(page)) / float64(med(rt))
	sratio := float64(med(sorted)) / float64(med(rt))
	b.ReportMetric(float64(med(rt).Microseconds())/1000, "ms/roundtrip")
	b.ReportMetric(float64(med(page).Microseconds())/1000, "ms/page")
	b.ReportMetric(ratio, "page/roundtrip")
	b.ReportMetric(sratio, "sorted/roundtrip")
	b.Logf("150 tasks, latency %v: one round trip %v, first page %v (ratio %.2f), first page by progress %v (ratio %.2f); both must be < 3",
		latency, med(rt), med(page), ratio, med(sorted), sratio)
	if ratio >= 3 || sratio >= 3 {
		b.Errorf("the task list took %.2f× (by progress %.2f×) one upstream round trip, want < 3×", ratio, sratio)
	}
}

// viewers has n viewers open /tasks and then poll its counts, each on its
// own session, every refresh interval for d; it returns how many
// query_task_info calls the platform received.
func viewers(b *testing.B, n int, d time.Duration) int64 {
	app := testapp.New(b, testapp.Options{})
	app.RememberSandboxTasks(b)
	addTasks(b, app, 150-len(app.Sandbox.TaskIDs()))
	app.Sandbox.SetFaults(sandbox.Faults{Latency: 50 * time.Millisecond})
	clients := make([]*http.Client, n)
	for i := range clients {
		clients[i] = app.Login(b, store.RoleSupervisor)
		clients[i].Transport = &http.Transport{MaxIdleConnsPerHost: 4}
	}
	ids := app.Sandbox.TaskIDs()
	live := "/tasks/live?ids=" + joinIDs(ids)
	interval := app.Config.RefreshInterval
	if interval == 0 {
		interval = 5 * time.Second
	}
	app.Sandbox.ResetCounts()
	var wg sync.WaitGroup
	deadline := time.Now().Add(d)
	// Count the calls made during exactly d, whoever is still mid-request.
	snap := make(chan int64, 1)
	time.AfterFunc(d, func() { snap <- app.Sandbox.Count("query_task_info") })
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Viewers arrive spread over the first interval, as people do.
			time.Sleep(time.Duration(i) * interval / time.Duration(n))
			if res, _ := app.Get(b, c, "/tasks"); res.StatusCode != 200 {
				b.Errorf("viewer %d: /tasks %d", i, res.StatusCode)
				return
			}
			tick := time.NewTicker(interval)
			defer tick.Stop()
			for range tick.C {
				if time.Now().After(deadline) {
					return
				}
				res, _ := app.Do(b, c, http.MethodGet, live, nil, http.Header{"HX-Request": {"true"}})
				if res.StatusCode != 200 {
					b.Errorf("viewer %d: live %d", i, res.StatusCode)
					return
				}
			}
		}()
	}
	wg.Wait()
	return <-snap
}

func joinIDs(ids []string) string {
	out := ""
	for i, id := range ids {
		if i > 0 {
			out += ","
		}
		out += id
	}
	return out
}

// BenchmarkViewers: 200 viewers refreshing the 150-task list for 30 s cause
// no more query_task_info calls than 2 viewers do. DIALDESK_BENCH_SECONDS
// shortens the run.
func BenchmarkViewers(b *testing.B) {
	d := 30 * time.Second
	if s, err := strconv.Atoi(os.Getenv("DIALDESK_BENCH_SECONDS")); err == nil && s > 0 {
		d = time.Duration(s) * time.Second
	}
	for b.Loop() {
		two := viewers(b, 2, d)
		many := viewers(b, 200, d)
		b.ReportMetric(float64(two), "calls/2viewers")
		b.ReportMetric(float64(many), "calls/200viewers")
		b.Logf("query_task_info calls in %v: 2 viewers %d, 200 viewers %d", d, two, many)
		if many > two {
			b.Errorf("200 viewers made %d calls, 2 viewers %d", many, two)
		}
	}
}
