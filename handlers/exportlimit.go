package handlers

import "net/http"

// maxConcurrentExports bounds the call exports running at once, whoever
// starts them: each one pages through the platform (up to maxExportPages
// calls), so many at once would use up its rate limits for everyone.
const maxConcurrentExports = 2

// errExportBusy answers an export asked for while maxConcurrentExports run.
var errExportBusy = &appError{status: http.StatusTooManyRequests, key: "calls.export.busy"}

// startExport takes one of the export slots. It returns false when all are
// taken (the caller answers errExportBusy, and the browser may retry); else
// the caller must call done when the export has finished.
func (s *Server) startExport(w http.ResponseWriter) (done func(), ok bool) {
	select {
	case s.exports <- struct{}{}:
		return func() { <-s.exports }, true
	default:
		w.Header().Set("Retry-After", "30")
		return nil, false
	}
}
