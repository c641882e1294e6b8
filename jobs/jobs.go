// Package jobs runs dialdesk's background work: the platform sync, the
// warehouse sync, transcript fetching, import sending, push resolution, rule
// re-checks, retention. Each kind of work is one Job with the same shape: a
// name, how often it runs, and one round of work. A Runner starts them, runs
// each round under a lease held in the database (so that with several
// instances one of them runs a given job at a time, and another takes over
// within a lease's length when its holder dies), wakes a job early when asked,
// and stops them all, waiting for rounds in progress.
//
// A round should do a bounded amount of work and return; a job with more to do
// asks to be run again soon by returning ErrMore.
package jobs

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// ErrMore, returned by a round, asks the runner to run the job again at once
// (after a short pause) instead of waiting for its next tick.
var ErrMore = errors.New("jobs: more work to do")

// Job is one kind of background work.
type Job interface {
	// Name identifies the job in logs and in the lease table; stable.
	Name() string
	// Every is the time between two rounds when nothing wakes the job.
	Every() time.Duration
	// Round does one bounded round of work. ctx is cancelled when the runner
	// stops or the lease is lost.
	Round(ctx context.Context) error
}

// Func adapts a function to a Job.
func Func(name string, every time.Duration, round func(ctx context.Context) error) Job {
	return funcJob{name: name, every: every, round: round}
}

type funcJob struct {
	name  string
	every time.Duration
	round func(context.Context) error
}

func (f funcJob) Name() string                    { return f.name }
func (f funcJob) Every() time.Duration            { return f.every }
func (f funcJob) Round(ctx context.Context) error { return f.round(ctx) }

// Local is implemented by a job whose work concerns this instance only, such
// as renewing a cache of its own: its rounds run on every instance, never
// under a lease.
type Local interface {
	Job
	Local() bool
}

// LocalFunc adapts a function to a Local job.
func LocalFunc(name string, every time.Duration, round func(ctx context.Context) error) Job {
	return localFunc{funcJob{name: name, every: every, round: round}}
}

type localFunc struct{ funcJob }

func (localFunc) Local() bool { return true }

// leased reports whether j's rounds are claimed under a lease.
func (r *Runner) leased(j Job) bool {
	l, ok := j.(Local)
	return r.lease != nil && !(ok && l.Local())
}

// Lease is where the runner claims the right to run a job. The store
// implements it with a row per job (store.Store.ClaimLease).
type Lease interface {
	// ClaimLease takes the lease on name for holder until now+ttl, or renews
	// it when holder already holds it; it reports whether holder holds it now.
	ClaimLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	// ReleaseLease gives the lease back if holder holds it.
	ReleaseLease(ctx context.Context, name, holder string) error
}

// Runner runs jobs until stopped.
type Runner struct {
	lease  Lease  // nil: no lease (one instance, tests)
	holder string // this instance's name in the lease table
	ttl    time.Duration
	log    *slog.Logger

	// onLease, when set, is told after each claim whether this instance
	// holds a job's lease (SetLeaseObserver).
	onLease func(job string, held bool)

	mu     sync.Mutex
	wake   map[string]chan struct{}
	leases []string // names of the leased jobs, given back by Stop
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// LeaseTTL is how long a claimed lease lasts without renewal: the time another
// instance waits before taking over the job of one that died (renewed every
// third of it). An instance that finds a job's lease held asks again after a
// quarter of it when the job's rounds are closer than the TTL (the holder
// then never lets it lapse): the import sender of a dead instance is taken
// over within 25 s.
const LeaseTTL = 20 * time.Second

// NewRunner returns a runner whose rounds are claimed in lease under the name
// holder (unique per instance; e.g. host name and process id). lease may be
// nil, then every round runs (one instance).
func NewRunner(lease Lease, holder string, log *slog.Logger) *Runner {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Runner{lease: lease, holder: holder, ttl: LeaseTTL, log: log, wake: map[string]chan struct{}{}}
}

// SetLeaseObserver sets the function told, after each claim, renewal or
// release, whether this instance holds a leased job's lease (the metrics'
// dialdesk_job_lease_held). Call it before Start.
func (r *Runner) SetLeaseObserver(fn func(job string, held bool)) { r.onLease = fn }

func (r *Runner) told(job string, held bool) {
	if r.onLease != nil {
		r.onLease(job, held)
	}
}

// Start starts each job in its own goroutine; the first round runs at once.
// Start may be called more than once, with other jobs.
func (r *Runner) Start(ctx context.Context, jobs ...Job) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cancel == nil {
		ctx, r.cancel = context.WithCancel(ctx)
	} else {
		// Later jobs stop with the first Start's context too.
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		prev := r.cancel
		r.cancel = func() { cancel(); prev() }
	}
	for _, j := range jobs {
		ch := make(chan struct{}, 1)
		r.wake[j.Name()] = ch
		if r.leased(j) {
			r.leases = append(r.leases, j.Name())
		}
		r.wg.Add(1)
		go r.loop(ctx, j, ch)
	}
}

// Wake asks the named job to run a round now (if this instance holds its
// lease, or can take it). It never blocks; unknown names are ignored.
func (r *Runner) Wake(name string) {
	r.mu.Lock()
	ch := r.wake[name]
	r.mu.Unlock()
	if ch == nil {
		return
	}
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Stop cancels every job and waits for rounds in progress to return, then
// gives back the leases this runner holds.
func (r *Runner) Stop() {
	r.mu.Lock()
	cancel := r.cancel
	names := r.leases
	r.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	r.wg.Wait()
	if r.lease == nil {
		return
	}
	ctx, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	for _, n := range names {
		if err := r.lease.ReleaseLease(ctx, n, r.holder); err != nil {
			r.log.Warn("jobs: release lease", "job", n, "err", err)
		}
		r.told(n, false)
	}
}

func (r *Runner) loop(ctx context.Context, j Job, wake <-chan struct{}) {
	defer r.wg.Done()
	every := j.Every()
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		more, taken := r.round(ctx, j)
		pause := (<-chan time.Time)(nil)
		switch {
		case more:
			pause = time.After(50 * time.Millisecond)
		case taken && every <= r.ttl:
			// Another instance holds the lease, renewing it at every round:
			// ask again well before a lease of a dead holder has expired
			// for long, so that its work goes on within a TTL and a bit.
			pause = time.After(r.ttl / 4)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
		case <-pause:
		}
	}
}

// round runs one round of j if this instance holds (or takes) its lease,
// renewing the lease while the round runs; it reports whether the job asked
// for another round at once, and whether another instance held the lease.
func (r *Runner) round(ctx context.Context, j Job) (more, taken bool) {
	if ctx.Err() != nil {
		return false, false
	}
	rctx := ctx
	if r.leased(j) {
		ok, err := r.lease.ClaimLease(ctx, j.Name(), r.holder, r.ttl)
		if err != nil {
			if ctx.Err() == nil {
				r.log.Warn("jobs: claim lease", "job", j.Name(), "err", err)
			}
			return false, false
		}
		r.told(j.Name(), ok)
		if !ok {
			return false, true
		}
		var cancel context.CancelFunc
		rctx, cancel = context.WithCancel(ctx)
		defer cancel()
		stop := make(chan struct{})
		defer close(stop)
		go r.renew(rctx, cancel, j.Name(), stop)
	}
	err := j.Round(rctx)
	switch {
	case errors.Is(err, ErrMore):
		return true, false
	case err != nil && ctx.Err() == nil:
		r.log.Warn("jobs: round failed", "job", j.Name(), "err", err)
	}
	return false, false
}

// renew keeps the lease of a running round; when it cannot, the round's
// context is cancelled so that two instances never run one job at once.
func (r *Runner) renew(ctx context.Context, cancel context.CancelFunc, name string, stop <-chan struct{}) {
	t := time.NewTicker(r.ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
			ok, err := r.lease.ClaimLease(ctx, name, r.holder, r.ttl)
			if err != nil || !ok {
				if ctx.Err() == nil {
					r.log.Warn("jobs: lease lost; round cancelled", "job", name, "err", err)
				}
				r.told(name, false)
				cancel()
				return
			}
		}
	}
}
