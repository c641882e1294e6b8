package handlers

import (
	"context"
	"time"

	"dialdesk/jobs"
)

// SyncCalls runs one round of the call sync over the calls that ended
// between begin and end, on s's own CallSync (made on first use when
// Config.CallSync is off, as in tests), so that rounds remember what the
// previous one walked (tests only; main runs the sync as a job).
func (s *Server) SyncCalls(ctx context.Context, begin, end time.Time) (jobs.CallSyncStats, error) {
	if s.callSync == nil {
		s.callSync = &jobs.CallSync{Store: s.store, Client: s.client, Log: s.log, Now: s.now}
	}
	return s.callSync.Sync(ctx, begin, end)
}
