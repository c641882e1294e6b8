// Package handlers is dialdesk's web layer: one chi route table (routes.go),
// handlers as methods on one *Server, one error funnel (errors.go), sessions,
// CSRF and roles (auth.go, middleware.go). A handler reads input, calls the
// platform client or the store, and hands a view model to a templ component.
package handlers

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/sessions"

	"dialdesk/client"
	"dialdesk/jobs"
	"dialdesk/metrics"
	"dialdesk/store"
)

// Config is everything the handlers need, built by main (or testapp).
type Config struct {
	Store  *store.Store
	Client *client.Client
	// Location is the zone in which times are shown (DIALDESK_TZ).
	Location *time.Location
	// Demo shows the "simulated data" banner.
	Demo bool
	// PublicURL is how the platform reaches dialdesk; push_url is built from
	// it (never from a request's Host, which a client can forge). Required.
	PublicURL string
	// TrustProxy makes dialdesk believe X-Forwarded-Proto: https (set it only
	// behind a reverse proxy that sets or strips that header). It decides the
	// cookies' Secure flag, HSTS and the scheme of the CSRF origin check.
	TrustProxy bool
	// PushToken is the secret path segment of POST /hooks/icall/{token}.
	PushToken string
	// SessionKeys are securecookie key pairs (hash key 64 bytes, block key 32
	// bytes), newest first; older pairs still decode cookies during a rotation.
	SessionKeys [][]byte
	// RecordingsURL is the base URL under which v1 recordfile paths are served.
	RecordingsURL string
	// RecordingHosts are the hosts the recording proxy may fetch from (the
	// hosts of the icall URL and of RecordingsURL are included by main).
	RecordingHosts []string
	// Logger receives the handlers' logs (default slog.Default()).
	Logger *slog.Logger
	// Warehouse, when set, runs the call warehouse's jobs (sync from the
	// platform, transcripts, retention) with StartJobs; Client, Store and
	// Log are filled in. nil: off (tests that do not want the traffic).
	Warehouse *jobs.WarehouseConfig

	// SessionIdle logs a user out after this long without a request (default 2 h).
	SessionIdle time.Duration
	// SessionMax logs a user out this long after login, active or not (default 12 h).
	SessionMax time.Duration
	// RefreshInterval is how often the task list's counts refresh (default 5 s, at most 10 s).
	RefreshInterval time.Duration
	// ImportBatchSize is how many numbers one add_task_data call of an import
	// carries (default and most: 500, docs/platform.md §decisions 8).
	ImportBatchSize int
	// Now is the clock (default time.Now); tests move it to expire sessions.
	Now func() time.Time
	// Jobs runs the background jobs (StartJobs); default: a Runner whose
	// leases are in Store (handlers/jobs.go).
	Jobs *jobs.Runner
	// Metrics counts requests, pushes, import sending and the jobs' leases
	// (package metrics; main serves them on their own listener). nil: none.
	Metrics *metrics.Metrics
	// PushLanes is how many transactions of pushes may be written at once
	// (pushcommit.go; default 1). SQLite has one writer, so more gain
	// nothing there; a database with concurrent writers (PostgreSQL) may
	// take a few. A call id always goes to the same lane.
	PushLanes int
	// CallSync runs the background call sync (jobs.CallSync) among the jobs.
	// main sets it; tests leave it off and run rounds themselves, so that
	// the platform sees only the calls they make.
	CallSync bool
}

// Server holds the handlers' dependencies. Build it with New; it is safe for
// concurrent use.
type Server struct {
	cfg      Config
	store    *store.Store
	client   *client.Client
	log      *slog.Logger
	metrics  *metrics.Metrics // nil: not counted
	loc      *time.Location
	now      func() time.Time
	sessions *sessions.CookieStore
	limiter  *loginLimiter
	recHosts map[string]bool
	tasks    *taskCache
	calls    *callMetaCache // levels, tags, list pages, recording URLs (calls.go)
	imports  importer       // uploaded files being read (numbers_jobs.go)
	jobs     *jobs.Runner   // the background jobs (jobs.go)
	sender   *jobs.ImportSender
	resolver *jobs.PushResolver // files pushed calls under their task
	pushes   pushLanes          // the push receiver's group commit (pushcommit.go)
	sampler  *jobs.QASampler    // the review plans' daily picks
	callSync *jobs.CallSync     // nil unless Config.CallSync
	// warehouse runs the call warehouse's jobs; nil when Config.Warehouse
	// is (handlers/jobs.go).
	warehouse *jobs.Warehouse
	// jobMu guards jobsStarted and jobsStopped (StartJobs, StopJobs).
	jobMu       sync.Mutex
	jobsStarted bool
	jobsStopped bool
	exports     chan struct{} // one slot per call export running (export.go)
	// exportStates is each export's progress, by task + "/" + t (export.go).
	exportStates *sync.Map
	// exportPages is how many list pages one export writes at most
	// (maxExportPages; tests set fewer).
	exportPages int
}

// New checks cfg, fills in defaults and builds the Server.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("handlers: Config.Store is required")
	}
	if cfg.Client == nil {
		return nil, errors.New("handlers: Config.Client is required")
	}
	if u, err := url.Parse(cfg.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("handlers: Config.PublicURL must be an http(s) URL")
	}
	if len(cfg.SessionKeys) == 0 || len(cfg.SessionKeys)%2 != 0 {
		return nil, errors.New("handlers: Config.SessionKeys must hold hash/block key pairs")
	}
	if cfg.Location == nil {
		cfg.Location = time.FixedZone("CST", 8*3600)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = 2 * time.Hour
	}
	if cfg.SessionMax <= 0 {
		cfg.SessionMax = 12 * time.Hour
	}
	if cfg.RefreshInterval <= 0 {
		cfg.RefreshInterval = 5 * time.Second
	}
	if cfg.RefreshInterval > 10*time.Second {
		cfg.RefreshInterval = 10 * time.Second
	}
	cs := sessions.NewCookieStore(cfg.SessionKeys...)
	cs.Options = &sessions.Options{
		Path:     "/",
		MaxAge:   int(cfg.SessionMax / time.Second),
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
	cs.MaxAge(cs.Options.MaxAge)
	s := &Server{
		cfg:      cfg,
		store:    cfg.Store,
		client:   cfg.Client,
		log:      cfg.Logger,
		metrics:  cfg.Metrics,
		loc:      cfg.Location,
		now:      cfg.Now,
		sessions: cs,
		limiter:  newLoginLimiter(cfg.Store, cfg.Now),
		recHosts: map[string]bool{},
		calls:    newCallMetaCache(cfg.Now),
		exports:  make(chan struct{}, maxConcurrentExports),

		exportStates: &sync.Map{},
		exportPages:  maxExportPages,
	}
	s.tasks = newTaskCache(s, cfg.RefreshInterval)
	s.pushes = newPushLanes(cfg.PushLanes, cfg.Store.SavePushes, s.metrics.PushBatch)
	if s.jobs = cfg.Jobs; s.jobs == nil {
		s.jobs = newRunner(cfg)
	}
	if cfg.Metrics != nil {
		s.jobs.SetLeaseObserver(cfg.Metrics.Lease)
	}
	s.sender = s.newImportSender()
	s.resolver = &jobs.PushResolver{Store: s.store, Client: s.client, Log: s.log, Now: s.now}
	s.sampler = &jobs.QASampler{Store: s.store, Loc: s.loc, Now: s.now, Log: s.log}
	if cfg.CallSync {
		s.callSync = &jobs.CallSync{Store: s.store, Client: s.client, Log: s.log, Now: s.now}
	}
	if cfg.Warehouse != nil {
		wc := *cfg.Warehouse
		wc.Client, wc.Store, wc.Log = cfg.Client, cfg.Store, cfg.Logger.With("component", "warehouse")
		s.warehouse = jobs.NewWarehouse(wc)
	}
	for _, h := range cfg.RecordingHosts {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			s.recHosts[h] = true
		}
	}
	return s, nil
}

// RecordingHostAllowed reports whether the recording proxy may fetch u: its
// host must be one of Config.RecordingHosts and its scheme http or https.
func (s *Server) RecordingHostAllowed(u *url.URL) bool {
	if u == nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	return s.recHosts[strings.ToLower(u.Host)] || s.recHosts[strings.ToLower(u.Hostname())]
}
