package handlers

import (
	"encoding/json"
	"net/http"
	"strings"
)

// readyz answers GET /readyz, public like /healthz, for a load balancer or
// an orchestrator: 200 when this instance can serve — its database answers
// and carries every migration the binary knows (store.Store.Ready, whatever
// the database) — else 503. The body names each part and how it is, one
// "part: detail" line each, or, asked for JSON (?format=json or Accept:
// application/json), {"status": "ok"|"failing", "checks": {part: detail}}.
// The details are short and say nothing of addresses or credentials; the
// causes go to the log.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	checks := s.store.Ready(r.Context())
	status, word := http.StatusOK, "ok"
	for _, c := range checks {
		if !c.OK {
			status, word = http.StatusServiceUnavailable, "failing"
			s.log.Warn("not ready", "part", c.Name, "detail", c.Detail, "err", c.Err, "request_id", RequestID(r.Context()))
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	if r.URL.Query().Get("format") == "json" || strings.Contains(r.Header.Get("Accept"), "application/json") {
		body := struct {
			Status string            `json:"status"`
			Checks map[string]string `json:"checks"`
		}{word, map[string]string{}}
		for _, c := range checks {
			body.Checks[c.Name] = c.Detail
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(body)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	var b strings.Builder
	for _, c := range checks {
		b.WriteString(c.Name + ": " + c.Detail + "\n")
	}
	w.Write([]byte(b.String()))
}
