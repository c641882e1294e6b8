// Package metrics holds dialdesk's Prometheus metrics: HTTP requests by
// route and status, calls to the platform by endpoint and ret_code, the push
// receiver's outcomes, import sending, and, read from the database at each
// scrape, the warehouse sync's lag per task. Go runtime and process metrics
// come with them.
//
// One *Metrics is built by main and handed to the handlers, the client (as
// an observer function, so that package client stays free of Prometheus)
// and the jobs. Every method is safe on a nil *Metrics and does nothing, so
// tests and tools that want no metrics pass none. The metrics are served by
// Handler on a listener of their own (DIALDESK_METRICS_ADDR), never on the
// public one.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Push outcomes (dialdesk_pushes_total{outcome}).
const (
	PushReceived   = "received"   // a push with the right token reached the receiver
	PushStored     = "stored"     // a new call stored
	PushDuplicate  = "duplicate"  // a call id already stored: the row updated, no new call
	PushDeadLetter = "deadletter" // refused and kept aside (unreadable, bad call id, another task's call)
	PushFailed     = "failed"     // not stored (database error): the platform retries
	PushRefused    = "refused"    // wrong token or body too large: nothing kept
)

// SyncState is one task's warehouse sync position, for the lag gauges.
type SyncState struct {
	TaskID    string
	Watermark time.Time // start time up to which every call record was read
	LastRun   time.Time
}

// SyncSource lists the tasks' sync states at scrape time (the store).
type SyncSource func(ctx context.Context) ([]SyncState, error)

// Metrics is dialdesk's set of metrics in a registry of its own.
type Metrics struct {
	reg        *prometheus.Registry
	now        func() time.Time
	httpReqs   *prometheus.CounterVec
	httpDur    *prometheus.HistogramVec
	upReqs     *prometheus.CounterVec
	upDur      *prometheus.HistogramVec
	pushes     *prometheus.CounterVec
	pushBatch  prometheus.Histogram
	importRows *prometheus.CounterVec
	importFail prometheus.Counter
	leases     *prometheus.GaugeVec
	searchQ    prometheus.Gauge
}

// New returns the metrics, registered with the Go runtime and process
// collectors in a new registry. sync, when not nil, is read at each scrape
// for the sync lag gauges.
func New(sync SyncSource) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), now: time.Now}
	m.httpReqs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "dialdesk_http_requests_total",
		Help: "HTTP requests answered, by route pattern, method and status.",
	}, []string{"route", "method", "status"})
	m.httpDur = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "dialdesk_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by route pattern and method.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 120},
	}, []string{"route", "method"})
	m.upReqs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "dialdesk_upstream_requests_total",
		Help: "Calls to the calling platform, by endpoint and ret_code (000000: success; timeout, unavailable, bad_response: no usable answer).",
	}, []string{"endpoint", "ret_code"})
	m.upDur = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "dialdesk_upstream_request_duration_seconds",
		Help:    "Time of a call to the calling platform, retries included, by endpoint.",
		Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 15, 30},
	}, []string{"endpoint"})
	m.pushes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "dialdesk_pushes_total",
		Help: "Result pushes from the platform, by outcome: received (right token), stored (new call), duplicate (call id already stored), deadletter, failed (not stored, the platform retries), refused (wrong token, too large).",
	}, []string{"outcome"})
	m.pushBatch = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "dialdesk_push_commit_batch_size",
		Help:    "Pushes written by one database transaction of the push receiver's group commit.",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
	})
	m.importRows = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "dialdesk_import_rows_total",
		Help: "Rows of number imports, by result: sent (the platform holds them), refused (the platform refused them).",
	}, []string{"result"})
	m.importFail = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "dialdesk_import_batches_failed_total",
		Help: "add_task_data batches of imports that failed (not answered, or refused whole); they are retried or learnt row by row.",
	})
	m.leases = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "dialdesk_job_lease_held",
		Help: "1 when this instance holds the named background job's lease (runs its rounds), else 0.",
	}, []string{"job"})
	m.searchQ = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "dialdesk_search_queue_calls",
		Help: "Calls whose turns wait for the search indexer, as its last round on this instance left them (searches read them meanwhile, slower).",
	})
	for _, o := range []string{PushReceived, PushStored, PushDuplicate, PushDeadLetter, PushFailed, PushRefused} {
		m.pushes.WithLabelValues(o) // present at 0 from the start: rate() needs the first sample
	}
	m.importRows.WithLabelValues("sent")
	m.importRows.WithLabelValues("refused")
	m.reg.MustRegister(m.httpReqs, m.httpDur, m.upReqs, m.upDur, m.pushes, m.pushBatch,
		m.importRows, m.importFail, m.leases, m.searchQ,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if sync != nil {
		m.reg.MustRegister(&syncCollector{m: m, src: sync})
	}
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Registry is the registry the metrics are in (tests gather from it).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// HTTP counts one answered request: route is chi's route pattern ("" when
// no route matched: counted as "unmatched", so that scanners' paths do not
// become labels).
func (m *Metrics) HTTP(route, method string, status int, d time.Duration) {
	if m == nil {
		return
	}
	if route == "" {
		route = "unmatched"
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
	default:
		method = "other"
	}
	m.httpReqs.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.httpDur.WithLabelValues(route, method).Observe(d.Seconds())
}

// Upstream counts one call to the platform: endpoint is the vendor's name
// (e.g. "add_task_data"), code client.ErrorCode's code of its outcome. Its
// signature is client.Observer's.
func (m *Metrics) Upstream(endpoint, code string, d time.Duration) {
	if m == nil {
		return
	}
	m.upReqs.WithLabelValues(endpoint, code).Inc()
	m.upDur.WithLabelValues(endpoint).Observe(d.Seconds())
}

// Push counts one push outcome (PushReceived, PushStored…).
func (m *Metrics) Push(outcome string) {
	if m == nil {
		return
	}
	m.pushes.WithLabelValues(outcome).Inc()
}

// PushBatch records the size of one group-commit transaction of pushes.
func (m *Metrics) PushBatch(n int) {
	if m == nil {
		return
	}
	m.pushBatch.Observe(float64(n))
}

// ImportRows counts rows of an import the platform took (sent) or refused.
func (m *Metrics) ImportRows(sent, refused int) {
	if m == nil {
		return
	}
	m.importRows.WithLabelValues("sent").Add(float64(sent))
	m.importRows.WithLabelValues("refused").Add(float64(refused))
}

// ImportBatchFailed counts one failed add_task_data batch of an import.
func (m *Metrics) ImportBatchFailed() {
	if m == nil {
		return
	}
	m.importFail.Inc()
}

// Lease records whether this instance holds the named job's lease. Its
// signature is jobs.Runner's OnLease.
func (m *Metrics) Lease(job string, held bool) {
	if m == nil {
		return
	}
	v := 0.0
	if held {
		v = 1
	}
	m.leases.WithLabelValues(job).Set(v)
}

// syncCollector reads the warehouse sync's states at each scrape.
type syncCollector struct {
	m   *Metrics
	src SyncSource
}

var (
	syncLagDesc = prometheus.NewDesc("dialdesk_sync_lag_seconds",
		"Seconds between now and the task's warehouse watermark (every call that started before it is stored), for tasks synced within the last day.",
		[]string{"task"}, nil)
	syncWatermarkDesc = prometheus.NewDesc("dialdesk_sync_watermark_timestamp_seconds",
		"The task's warehouse watermark as a Unix time, for tasks synced within the last day.",
		[]string{"task"}, nil)
	syncLastRunDesc = prometheus.NewDesc("dialdesk_sync_last_run_timestamp_seconds",
		"When the task was last synced, as a Unix time, for tasks synced within the last day.",
		[]string{"task"}, nil)
	syncUpDesc = prometheus.NewDesc("dialdesk_sync_state_read_ok",
		"1 when the sync states could be read from the database at this scrape, else 0.", nil, nil)
)

// syncRecent is how recently a task must have been synced for its lag to be
// exported: a finished task's watermark stops moving, and its ever-growing
// lag would only be noise.
const syncRecent = 24 * time.Hour

func (c *syncCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- syncLagDesc
	ch <- syncWatermarkDesc
	ch <- syncLastRunDesc
	ch <- syncUpDesc
}

func (c *syncCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	states, err := c.src(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(syncUpDesc, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(syncUpDesc, prometheus.GaugeValue, 1)
	now := c.m.now()
	for _, st := range states {
		if st.LastRun.IsZero() || now.Sub(st.LastRun) > syncRecent {
			continue
		}
		if !st.Watermark.IsZero() {
			ch <- prometheus.MustNewConstMetric(syncLagDesc, prometheus.GaugeValue, now.Sub(st.Watermark).Seconds(), st.TaskID)
			ch <- prometheus.MustNewConstMetric(syncWatermarkDesc, prometheus.GaugeValue, float64(st.Watermark.UnixMilli())/1000, st.TaskID)
		}
		ch <- prometheus.MustNewConstMetric(syncLastRunDesc, prometheus.GaugeValue, float64(st.LastRun.UnixMilli())/1000, st.TaskID)
	}
}

// SearchQueue records how many calls wait for the search indexer.
func (m *Metrics) SearchQueue(n int) {
	if m == nil {
		return
	}
	m.searchQ.Set(float64(n))
}
