package metrics

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// The sync lag is read at each scrape: now minus each recently synced
// task's watermark; a task not synced for over a day is left out, and a
// store that cannot be read says so in dialdesk_sync_state_read_ok.
func TestSyncLag(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	var fail bool
	m := New(func(context.Context) ([]SyncState, error) {
		if fail {
			return nil, errors.New("database down")
		}
		return []SyncState{
			{TaskID: "100017", Watermark: now.Add(-90 * time.Second), LastRun: now.Add(-10 * time.Second)},
			{TaskID: "100018", Watermark: now.Add(-30 * 24 * time.Hour), LastRun: now.Add(-25 * time.Hour)},
		}, nil
	})
	m.now = func() time.Time { return now }
	got := gauges(t, m)
	if got[`dialdesk_sync_lag_seconds{task="100017"}`] != 90 || got["dialdesk_sync_state_read_ok"] != 1 {
		t.Errorf("gauges = %v", got)
	}
	if _, ok := got[`dialdesk_sync_lag_seconds{task="100018"}`]; ok {
		t.Error("a task not synced for a day has a lag")
	}
	if got[`dialdesk_sync_last_run_timestamp_seconds{task="100017"}`] != float64(now.Add(-10*time.Second).Unix()) {
		t.Errorf("last run = %v", got[`dialdesk_sync_last_run_timestamp_seconds{task="100017"}`])
	}
	fail = true
	got = gauges(t, m)
	if got["dialdesk_sync_state_read_ok"] != 0 || len(got) != 1 {
		t.Errorf("store failing: gauges = %v", got)
	}
}

// gauges returns the dialdesk_sync_* gauges gathered from m's registry by
// name{label="value"}.
func gauges(t *testing.T, m *Metrics) map[string]float64 {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range fams {
		if !strings.HasPrefix(f.GetName(), "dialdesk_sync_") {
			continue
		}
		for _, mt := range f.GetMetric() {
			key := f.GetName()
			for _, l := range mt.GetLabel() {
				key += "{" + l.GetName() + "=\"" + l.GetValue() + "\"}"
			}
			out[key] = mt.GetGauge().GetValue()
		}
	}
	return out
}

// A nil *Metrics counts nothing and does not fail: tests and tools pass none.
func TestNilMetrics(t *testing.T) {
	var m *Metrics
	m.HTTP("/tasks", "GET", 200, time.Millisecond)
	m.Upstream("add_task", "000000", time.Millisecond)
	m.Push(PushStored)
	m.PushBatch(3)
	m.ImportRows(1, 0)
	m.ImportBatchFailed()
	m.Lease("import-sender", true)
}

// A method outside the usual ones is one label value, not whatever a
// client sent.
func TestHTTPLabelsBounded(t *testing.T) {
	m := New(nil)
	m.HTTP("", "BREW", 404, time.Millisecond)
	var got dto.Metric
	if err := m.httpReqs.WithLabelValues("unmatched", "other", "404").Write(&got); err != nil || got.GetCounter().GetValue() != 1 {
		t.Errorf("unmatched/other/404 = %v (%v), want 1", got.GetCounter().GetValue(), err)
	}
}
