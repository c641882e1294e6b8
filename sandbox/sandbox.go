// Package sandbox is a working fake of the vendor's outbound-calling platform.
//
// A *Sandbox is a stateful http.Handler that speaks the real wire format of both
// API surfaces described in docs/platform.md: surface A ("icall v5", under
// /api/icall/5/task/) and surface B ("v1", under /v1/). Tasks, numbers and calls share
// their ids across the two surfaces. A simulated clock moves the world: running tasks
// dial their numbers, calls end with transcripts and recordings, results are pushed.
//
// The sandbox writes its JSON from its own types, shaped after the vendor's example
// bodies, and deliberately never imports the client package: the two are independent
// witnesses of the wire format.
//
// Routes (all relative to the sandbox's base URL):
//
//	/api/icall/5/task/{endpoint}                 surface A, every endpoint of docs/platform.md §A.endpoints (GET or POST;
//	                                             query string, form-encoded or JSON body); appid/signature else 320001
//	POST /v1/task/query_done_task_phones         surface B, Authorization: Bearer <token> else 401
//	GET  /v1/task/number
//	GET  /v1/record/{record_id}
//	GET  /v1/task/record_info/{task_id}/{record_id}
//	GET  /v1/levels, /v1/tags                    docs/platform.md §decisions 2 (bare JSON arrays)
//	GET  /recordings/{recordfile path}           WAV recordings, Range requests honoured
//	GET  /audio/templates/{templateid}-{n}.wav   templates' first-node audio (query_template's record)
//
// Ids: task "10001" + 32 hex digits (also v1's task_id); template 32 hex digits;
// callid "soboticall" + 32 hex digits (also v1's callid); v1 record id, level, tag and
// tag group ids are UUIDs; v1 number ids are integers from 1001; outids are the
// caller's. recordfile is /mnt/smartivr/recordings/<date>/<callee>.<group>.<hh-mm-ss>.<callid>.wav
// and icall's voice_url is <base>/recordings + recordfile.
//
// The clock: the world keeps a timestamp clock (what the platform writes in its
// bodies) and a work clock (how far calls have progressed). Advance(d) moves both by
// d, deterministically, for tests. Run moves the timestamp clock with the wall clock
// and the work clock Speed times faster, so a demo progresses visibly while every
// timestamp stays in the past: a call's times are laid out backwards from the moment
// it ends.
package sandbox

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures a Sandbox. The zero value is usable.
type Options struct {
	// AppID and Signature are the surface A credentials (default "demo-appid", "demo-signature").
	AppID, Signature string
	// Token is the surface B bearer token (default "demo-token").
	Token string
	// Seed makes the world deterministic: the same seed (and the same Now) gives the same world.
	Seed int64
	// SeedData populates the demo world: templates, tasks in every status, numbers and calls.
	SeedData bool
	// BaseURL is the absolute URL under which the sandbox is reachable (used for voice_url,
	// template audio and pushes). Empty: derived from each request's Host.
	BaseURL string
	// Location is the platform's zone; call_time_slot is interpreted in it (default Asia/Shanghai).
	Location *time.Location
	// Now gives the wall clock (default time.Now). The simulated clock starts at Now().
	Now func() time.Time
	// Speed is how much faster than real time calls progress under Run (default 1).
	Speed float64
	// PushClient sends result pushes (default: a client with a 10 s timeout).
	PushClient *http.Client
	// Logger receives the sandbox's own log lines (default: discard).
	Logger *slog.Logger
	// Faults are injected from the start; see SetFaults.
	Faults Faults
	// Robots is the size of the account's robot pool (default 30). Running tasks hold
	// robot_num robots each; a task that does not fit waits in status 4 (queued).
	Robots int
	// PushBackoff is the first retry delay of a failed push, doubled each time (default 1 s).
	PushBackoff time.Duration
	// PushAttempts bounds the attempts of one push (default 5).
	PushAttempts int
	// History adds finished tasks with calls in the past days (the demo's
	// overview; a big world for tests: 40 tasks, 5,000 calls).
	History History
}

// FaultKind is one way an injected failure looks on the wire.
type FaultKind int

const (
	// Fault502 answers 502 Bad Gateway with an HTML body, as a broken proxy would.
	Fault502 FaultKind = iota + 1
	// FaultMalformedJSON answers 200 with a truncated JSON body.
	FaultMalformedJSON
	// FaultRetCode answers 200 with ret_code 329999 (surface B: a 500 JSON error).
	FaultRetCode
	// FaultLostAnswer carries the request out (a task is created, numbers
	// added …), then drops the connection without a byte of answer, as a
	// timeout or a connection reset after sending looks to the client. It is
	// never picked when Kinds is empty. Surface A only.
	FaultLostAnswer
)

// Faults describes injected failures: every request to a matching endpoint waits
// Latency, then fails with probability FailRate in one of Kinds.
type Faults struct {
	Latency  time.Duration
	FailRate float64
	// Kinds to choose from (uniformly); empty means the first three (not
	// FaultLostAnswer).
	Kinds []FaultKind
	// Endpoints limits the faults to these endpoint names (as counted by Count); empty = all.
	Endpoints []string
	// Times, when > 0, is how many requests fail at most (counted from
	// SetFaults); later ones proceed, with the Latency still.
	Times int
}

// Sandbox is the simulated platform. It implements http.Handler.
type Sandbox struct {
	opts Options
	log  *slog.Logger
	mux  *http.ServeMux

	mu    sync.Mutex
	w     *world
	wall  time.Time // last wall-clock reading taken by Run
	base  string    // last base URL seen (for pushes when BaseURL is empty)
	audio audioCache

	faultMu  sync.Mutex
	faults   Faults
	failed   int // requests failed since the faults were set (Faults.Times)
	faultRng *rand.Rand

	counts sync.Map // endpoint name → *atomic.Int64

	pushWG sync.WaitGroup
}

// New builds a Sandbox from opts, filling in defaults.
func New(opts Options) *Sandbox {
	if opts.AppID == "" {
		opts.AppID = "demo-appid"
	}
	if opts.Signature == "" {
		opts.Signature = "demo-signature"
	}
	if opts.Token == "" {
		opts.Token = "demo-token"
	}
	if opts.Location == nil {
		loc, err := time.LoadLocation("Asia/Shanghai")
		if err != nil {
			loc = time.FixedZone("CST", 8*3600)
		}
		opts.Location = loc
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Speed <= 0 {
		opts.Speed = 1
	}
	if opts.PushClient == nil {
		opts.PushClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Robots <= 0 {
		opts.Robots = 30
	}
	if opts.PushBackoff <= 0 {
		opts.PushBackoff = time.Second
	}
	if opts.PushAttempts <= 0 {
		opts.PushAttempts = 5
	}
	s := &Sandbox{
		opts:     opts,
		log:      opts.Logger,
		faults:   opts.Faults,
		faultRng: rand.New(rand.NewPCG(uint64(opts.Seed), 0xfa17)),
		base:     strings.TrimRight(opts.BaseURL, "/"),
	}
	s.audio.max = 24 << 20
	s.w = newWorld(s, opts.Now())
	if opts.SeedData {
		s.w.seedDemo()
	}
	s.w.seedHistory(opts.History)
	s.routes()
	return s
}

// Advance moves the simulated world forward by d, deterministically and without
// sleeping: both the timestamp clock and the call-progress clock move by d.
func (s *Sandbox) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	s.mu.Lock()
	s.w.advance(d, d)
	pushes := s.w.takePushes()
	s.mu.Unlock()
	s.sendPushes(pushes)
}

// Run drives the clock in real time until ctx is done. Timestamps follow the wall
// clock (so they are never in the future); calls progress Speed times faster.
func (s *Sandbox) Run(ctx context.Context) error {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	s.mu.Lock()
	s.wall = s.opts.Now()
	if d := s.wall.Sub(s.w.now); d > 0 {
		s.w.advance(0, d) // catch the timestamps up with the time spent before Run
	}
	s.mu.Unlock()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			s.tick()
		}
	}
}

func (s *Sandbox) tick() {
	s.mu.Lock()
	now := s.opts.Now()
	e := now.Sub(s.wall)
	s.wall = now
	if e > 0 {
		work := min(e, time.Minute) // after a sleep, don't replay hours of calls at once
		s.w.advance(time.Duration(float64(work)*s.opts.Speed), e)
	}
	pushes := s.w.takePushes()
	s.mu.Unlock()
	s.sendPushes(pushes)
}

// Now returns the sandbox's simulated time.
func (s *Sandbox) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.now
}

// SetFaults replaces the injected faults at runtime.
func (s *Sandbox) SetFaults(f Faults) {
	s.faultMu.Lock()
	s.faults, s.failed = f, 0
	s.faultMu.Unlock()
}

// Count reports how many requests an endpoint has received, e.g. "query_task_info",
// "query_done_task_phones", "number", "record", "record_info", "levels", "tags",
// "recordings", "template_audio".
func (s *Sandbox) Count(endpoint string) int64 {
	if v, ok := s.counts.Load(endpoint); ok {
		return v.(*atomic.Int64).Load()
	}
	return 0
}

// ResetCounts sets every endpoint's request count back to zero.
func (s *Sandbox) ResetCounts() {
	s.counts.Range(func(k, v any) bool {
		v.(*atomic.Int64).Store(0)
		return true
	})
}

func (s *Sandbox) count(endpoint string) {
	v, ok := s.counts.Load(endpoint)
	if !ok {
		v, _ = s.counts.LoadOrStore(endpoint, new(atomic.Int64))
	}
	v.(*atomic.Int64).Add(1)
}

// Wait blocks until every push in flight has been delivered or given up. Tests use it.
func (s *Sandbox) Wait() { s.pushWG.Wait() }

// ServeHTTP implements http.Handler.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// baseURL is the absolute URL of the sandbox for links in responses.
func (s *Sandbox) baseURL(r *http.Request) string {
	if s.opts.BaseURL != "" {
		return strings.TrimRight(s.opts.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	b := scheme + "://" + r.Host
	s.mu.Lock()
	s.base = b
	s.mu.Unlock()
	return b
}

// fault decides whether this request to endpoint fails, after the injected latency.
// It returns 0 when the request proceeds normally.
func (s *Sandbox) fault(ctx context.Context, endpoint string) FaultKind {
	s.faultMu.Lock()
	f := s.faults
	match := len(f.Endpoints) == 0
	for _, e := range f.Endpoints {
		if e == endpoint {
			match = true
		}
	}
	var kind FaultKind
	if match && f.FailRate > 0 && (f.Times == 0 || s.failed < f.Times) && s.faultRng.Float64() < f.FailRate {
		s.failed++
		kinds := f.Kinds
		if len(kinds) == 0 {
			kinds = []FaultKind{Fault502, FaultMalformedJSON, FaultRetCode}
		}
		kind = kinds[s.faultRng.IntN(len(kinds))]
	}
	s.faultMu.Unlock()
	if match && f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	return kind
}

// TaskIDs lists every task the platform knows, oldest first, deleted ones included.
// Surface A only lists unfinished tasks (query_task); the demo uses this to show the
// seeded world's finished and deleted tasks as well.
func (s *Sandbox) TaskIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, len(s.w.tasks))
	for i, t := range s.w.tasks {
		ids[i] = t.id
	}
	return ids
}
