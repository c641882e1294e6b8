package handlers

// SetExportPageCap makes s's call exports stop after pages list pages (15
// calls each) instead of maxExportPages, so a test reaches the cut with a
// few pages (tests only; set it before the first export).
func SetExportPageCap(s *Server, pages int) { s.exportPages = pages }
