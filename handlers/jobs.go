package handlers

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"time"

	"dialdesk/jobs"
)

// The background jobs (package jobs) run on one Runner per Server: New
// builds it (Config.Jobs, else one whose leases are in the store), StartJobs
// starts every job on it, StopJobs stops them. A new job is added in
// StartJobs' list. The platform's work (sending imports, filing pushed calls,
// the call sync) runs under a lease, on one instance at a time; the task
// refresher renews this instance's own cache, so it is a local job and runs
// on every instance.

// newRunner is the Runner of a Server whose Config gives none: its rounds are
// claimed in the store's job_leases under a name unique to this process.
func newRunner(cfg Config) *jobs.Runner {
	host, _ := os.Hostname()
	return jobs.NewRunner(cfg.Store, fmt.Sprintf("%s-%d-%s", host, os.Getpid(), rand.Text()[:8]), cfg.Logger)
}

// StartJobs starts the background jobs: the import sender (which also picks
// up the imports a restart interrupted), the push resolver, the call sync
// (when Config.CallSync), the task refresher and, when configured, the call
// warehouse's sync, transcripts and retention. main calls it once at start;
// so does testapp.
func (s *Server) StartJobs(ctx context.Context) {
	s.jobMu.Lock()
	defer s.jobMu.Unlock()
	if s.jobsStarted || s.jobsStopped {
		return
	}
	s.jobsStarted = true
	list := []jobs.Job{s.sender, s.resolver, s.tasks.refresher(), jobs.RuleRecheck{Store: s.store}, &jobs.SearchIndex{Store: s.store, Metrics: s.metrics}, s.sampler.Job(),
		jobs.RuleWebhook{Store: s.store, PublicURL: s.cfg.PublicURL, Now: s.now, Log: s.log}}
	if s.callSync != nil {
		list = append(list, s.callSync)
	}
	if s.warehouse != nil {
		list = append(list, s.warehouse.Jobs()...)
	}
	s.jobs.Start(ctx, list...)
}

// jobsRunning reports whether the jobs were started and not stopped.
func (s *Server) jobsRunning() bool {
	s.jobMu.Lock()
	defer s.jobMu.Unlock()
	return s.jobsStarted && !s.jobsStopped
}

// StopJobs is the graceful stop of the background work (main calls it on
// SIGTERM, after the HTTP server has shut down): no job round and no file
// reading starts any more, a file being read is abandoned, and the import
// sender stops after the batch in flight, once that batch is marked sent or
// failed, leaving the rest importing for the next start to go on with. It
// waits at most timeout and reports whether everything stopped. A batch cut
// anyway (timeout, crash) is still safe: the next start re-sends it, and the
// platform's refusal of outids it holds is learnt row by row.
func (s *Server) StopJobs(timeout time.Duration) error {
	s.jobMu.Lock()
	started := s.jobsStarted && !s.jobsStopped
	s.jobsStopped = true
	s.jobMu.Unlock()
	parsed := s.stopParsing()
	stopped := make(chan struct{})
	go func() {
		if started {
			s.jobs.Stop()
		}
		<-parsed
		close(stopped)
	}()
	select {
	case <-stopped:
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("handlers: background jobs still running after %v", timeout)
	}
}
