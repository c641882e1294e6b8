package handlers

// SetPushBatchLimit bounds the pushes one transaction of the push
// receiver's group commit writes (1: one transaction a push, as before the
// group commit), for the push benchmark's comparison.
func SetPushBatchLimit(s *Server, n int) {
	for _, l := range s.pushes {
		l.limit = n
	}
}
