package handlers_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"dialdesk/client"
	"dialdesk/handlers"
	"dialdesk/internal/testapp"
	"dialdesk/jobs"
	"dialdesk/sandbox"
	"dialdesk/store"
)

// TestOverviewEqualsSandboxTruth: after the warehouse sync has read a
// platform with a history of calls, the KPI cards of a task over a range
// equal the sandbox's own figures of that task and range (computed from its
// records, not through dialdesk), with surface B configured and with
// surface A alone.
//
// Surface A alone: its results list each number once, with its latest
// attempt, so earlier unanswered attempts reach dialdesk only by push; the
// answered figures (connected, intent, talk, billed) are whole, calls is at
// most the truth. Its intention_name carries the level's alias (有意向 for
// A级, 一般意向 for B级), which the default intent rule counts as the
// sandbox counts the levels themselves: no setting is needed.
func TestOverviewEqualsSandboxTruth(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 19, 30, 0, 0, cst)
	for _, tc := range []struct {
		name     string
		surfaceB bool
	}{{"surfaces A and B", true}, {"surface A alone", false}} {
		t.Run(tc.name, func(t *testing.T) {
			sb := sandbox.New(sandbox.Options{Seed: 11, Location: cst, Now: func() time.Time { return t0 },
				History: sandbox.History{Tasks: 3, Calls: 900, Days: 12}})
			mux := http.NewServeMux()
			mux.Handle("/p/", http.StripPrefix("/p", sb))
			srv := httptest.NewServer(mux)
			t.Cleanup(srv.Close)
			opts := []client.Option{client.WithICall(srv.URL+"/p/api/icall/5/task/", "demo-appid", "demo-signature"), client.WithLocation(cst)}
			if tc.surfaceB {
				opts = append(opts, client.WithV1(srv.URL+"/p/", "demo-token"))
			}
			cl := client.New(opts...)
			app := testapp.New(t, testapp.Options{NoSeedData: true, Now: func() time.Time { return t0 },
				Configure: func(cfg *handlers.Config) { cfg.Client = cl }})
			ctx := context.Background()
			var known []store.KnownTask
			for _, id := range sb.TaskIDs() {
				known = append(known, store.KnownTask{ID: id, SeenAt: t0})
			}
			if err := app.Store.RememberTasks(ctx, known); err != nil {
				t.Fatal(err)
			}
			w := jobs.NewWarehouse(jobs.WarehouseConfig{Client: cl, Store: app.Store, Now: func() time.Time { return t0 }})
			for i := 0; ; i++ {
				err := w.SyncRound(ctx)
				if err == nil {
					break
				}
				if !errors.Is(err, jobs.ErrMore) || i > 50 {
					t.Fatalf("sync: %v", err)
				}
			}
			c := app.Login(t, store.RoleManager)
			from, to := time.Date(2026, 11, 26, 0, 0, 0, 0, cst), time.Date(2026, 12, 2, 0, 0, 0, 0, cst)
			checked := 0
			for _, id := range sb.TaskIDs() {
				want := sb.TrueFigures(id, from, to.AddDate(0, 0, 1))
				if want.Calls == 0 {
					continue
				}
				checked++
				_, body := app.Get(t, c, "/overview?"+url.Values{"task": {id}, "from": {"2026-11-26"}, "to": {"2026-12-02"}}.Encode())
				got := kpis(t, body)
				for k, v := range map[string]int64{"calls": int64(want.Calls), "connected": int64(want.Connected), "intent": int64(want.Intent),
					"talk_seconds": want.TalkSeconds, "billed_minutes": want.BilledMinutes} {
					if k == "calls" && !tc.surfaceB {
						if got[k] > v || got[k] < int64(want.Connected) {
							t.Errorf("task %s: calls = %d, want between the connected %d and the attempts %d", id, got[k], want.Connected, v)
						}
						continue
					}
					if got[k] != v {
						t.Errorf("task %s, 2026-11-26 – 2026-12-02: %s = %d, the sandbox says %d", id, k, got[k], v)
					}
				}
			}
			if checked == 0 {
				t.Fatal("no task had calls in the range")
			}
		})
	}
}
