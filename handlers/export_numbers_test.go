package handlers

// SetImportCrashAfterSend makes s's import sender leave an import right
// after a batch's platform call, before the batch is marked, whenever crash
// says so, and never touch it again: what a crash or a kill at the worst
// moment leaves behind (tests only).
func SetImportCrashAfterSend(s *Server, crash func(importID int64, batch int) bool) {
	s.sender.CrashAfterSend = crash
}
