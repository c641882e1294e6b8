package handlers

import "time"

// SetPushBatchLimit bounds the pushes one transaction of the push
// receiver's group commit writes (1: one transaction a push, as before the
// group commit), for the push benchmark's comparison.
func SetPushBatchLimit(s *Server, n int) {
	for _, l := range s.pushes {
		l.limit = n
	}
}

// PushWriterBusy is the time the push receiver's writers have spent inside
// the store's SavePushes so far, summed over the lanes.
func PushWriterBusy(s *Server) time.Duration {
	var d time.Duration
	for _, l := range s.pushes {
		d += time.Duration(l.busyNS.Load())
	}
	return d
}
