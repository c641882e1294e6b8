package handlers

// SetImportCrashAfterSend makes s's import sender leave an import right
// after a batch's platform call, before the batch is marked, whenever crash
// says so, and never touch it again: what a crash or a kill at the worst
// moment leaves behind (tests only).
func SetImportCrashAfterSend(s *Server, crash func(importID int64, batch int) bool) {
	s.sender.CrashAfterSend = crash
}

// WaitImports waits until the files being read are read and the imports
// confirmed so far are sent, or paused (tests). It returns at once for the
// sending when the jobs do not run (not started, or stopped).
func (s *Server) WaitImports() {
	s.imports.wg.Wait()
	s.sender.WaitIdle(s.wakeSender, s.jobsRunning)
}
