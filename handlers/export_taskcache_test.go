package handlers

// DropTaskCache forgets every cached platform answer about tasks, so the next
// reads go upstream (benchmarks of the cold path; tests only).
func (s *Server) DropTaskCache() {
	c := s.tasks
	c.mu.Lock()
	clear(c.info)
	c.listValid = false
	c.mu.Unlock()
}
