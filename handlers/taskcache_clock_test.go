package handlers_test

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dialdesk/client"
	"dialdesk/handlers"
	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// upstreamCount counts the surface-A requests whose path ends in each of
// its keys.
type upstreamCount map[string]*atomic.Int64

func (u upstreamCount) RoundTrip(r *http.Request) (*http.Response, error) {
	for suffix, n := range u {
		if strings.HasSuffix(r.URL.Path, suffix) {
			n.Add(1)
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// The task cache ages on the server's clock: moving Config.Now past the
// cache's age makes the next page read the platform again, while the same
// page a moment later (clock unmoved) is served from the cache.
func TestTaskCacheAgesOnServerClock(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 3, 6, 10, 0, 1, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	calls := upstreamCount{"/query_task": {}, "/query_task_info": {}}
	app := testapp.New(t, testapp.Options{
		Now:           clock,
		ClientOptions: []client.Option{client.WithHTTPClient(&http.Client{Transport: calls, Timeout: 30 * time.Second})},
		// The longest interval (10 s): its real-time ticker stays out of
		// the test's way.
		Configure: func(cfg *handlers.Config) { cfg.RefreshInterval = 10 * time.Second },
	})
	id, _ := busyTask(t, app)
	c := app.Login(t, store.RoleSupervisor)
	get := func(path string) {
		t.Helper()
		if res, _ := app.Get(t, c, path); res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, res.StatusCode)
		}
	}
	count := func() (list, info int64) { return calls["/query_task"].Load(), calls["/query_task_info"].Load() }

	get("/tasks/" + id)
	get("/tasks")
	list0, info0 := count()
	get("/tasks/" + id)
	get("/tasks")
	if list, info := count(); list != list0 || info != info0 {
		t.Fatalf("clock unmoved: query_task %d → %d, query_task_info %d → %d; want both from the cache", list0, list, info0, info)
	}
	advance(time.Minute) // past the list's window and the info's age (2 intervals)
	get("/tasks/" + id)
	get("/tasks")
	if list, info := count(); list == list0 || info == info0 {
		t.Errorf("clock moved a minute: query_task %d → %d, query_task_info %d → %d; want both read again", list0, list, info0, info)
	}
}
