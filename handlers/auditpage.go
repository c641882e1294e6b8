package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"dialdesk/client"
	"dialdesk/store"
	"dialdesk/views"
)

// auditPageSize is how many audit entries one page shows.
const auditPageSize = 50

// auditPage serves GET /audit (admin, manager): every recorded action,
// newest first, read-only. Query: user, task (exact), before (an entry id:
// the page of older entries).
func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.AuditFilter{Username: strings.TrimSpace(q.Get("user")), Limit: auditPageSize + 1}
	if id := strings.TrimSpace(q.Get("task")); validTaskID(id) {
		f.TaskID = id
	}
	v, err := s.auditView(r, f, q.Get("before"), "/audit")
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, views.AuditPage(s.page(w, r, "audit", "audit.title"), v))
}

// taskAuditPage serves GET /tasks/{id}/audit (admin, manager): the task's
// tab of the audit log.
func (s *Server) taskAuditPage(w http.ResponseWriter, r *http.Request) error {
	id := TaskID(r)
	v, err := s.auditView(r, store.AuditFilter{TaskID: id, Limit: auditPageSize + 1}, r.URL.Query().Get("before"), views.TaskURL(id, "audit"))
	if err != nil {
		return err
	}
	h := s.taskHeader(r, views.TabAudit)
	p := s.page(w, r, "tasks", "")
	p.Title = h.Name + " · " + views.T(r.Context(), "audit.title")
	return s.render(w, r, http.StatusOK, views.TaskAuditPage(p, h, v))
}

// auditView reads one page of entries (f.Limit is one more than a page, to
// know whether older entries exist) and builds the view model.
func (s *Server) auditView(r *http.Request, f store.AuditFilter, before, base string) (views.AuditVM, error) {
	ctx := r.Context()
	if n, err := strconv.ParseInt(before, 10, 64); err == nil && n > 0 {
		f.BeforeID = n
	}
	entries, err := s.store.Audit(ctx, f)
	if err != nil {
		return views.AuditVM{}, err
	}
	v := views.AuditVM{User: f.Username, Task: f.TaskID, Paged: f.BeforeID > 0}
	keep := url.Values{}
	if f.Username != "" && base == "/audit" {
		keep.Set("user", f.Username)
	}
	if f.TaskID != "" && base == "/audit" {
		keep.Set("task", f.TaskID)
	}
	v.NewestURL = base
	if len(keep) > 0 {
		v.NewestURL += "?" + keep.Encode()
	}
	if len(entries) > auditPageSize {
		entries = entries[:auditPageSize]
		keep.Set("before", strconv.FormatInt(entries[len(entries)-1].ID, 10))
		v.OlderURL = base + "?" + keep.Encode()
	}
	names := map[string]string{}
	for _, e := range entries {
		row := views.AuditRowVM{At: views.When(ctx, e.At), User: e.Username, TaskID: e.TaskID,
			Action: e.Action, Args: e.Args, OK: e.Answer == client.CodeOK}
		if e.Args == nil {
			row.Detail = e.Detail
		}
		if !row.OK && e.Answer != "" {
			row.Answer = views.PlatformAnswer(views.LangOf(ctx), answerCode(e.Answer))
		}
		if e.TaskID != "" {
			name, seen := names[e.TaskID]
			if !seen {
				if k, err := s.store.KnownTask(ctx, e.TaskID); err == nil {
					name = k.Name
				}
				names[e.TaskID] = name
			}
			row.TaskName = name
		}
		v.Rows = append(v.Rows, row)
	}
	return v, nil
}

// answerCode reads a recorded answer as client.ErrorCode's code. Answers
// are recorded as that code; entries recorded before were "320024
// message", "platform resume_task: 320024 message", "HTTP 404 message",
// "unavailable (HTTP 502)" or "timeout after 3 attempts: …", and anything
// else is an internal error whose text is never shown.
func answerCode(answer string) string {
	a := strings.TrimSpace(answer)
	if rest, ok := strings.CutPrefix(a, "platform "); ok {
		if _, after, ok := strings.Cut(rest, ": "); ok {
			a = after
		}
	}
	if rest, ok := strings.CutPrefix(a, "HTTP "); ok {
		n, _, _ := strings.Cut(rest, " ")
		return "http." + n
	}
	if strings.HasPrefix(a, string(client.KindBadResponse)) {
		return "bad_response"
	}
	first, _, _ := strings.Cut(a, " ")
	if n, err := strconv.Atoi(first); err == nil && n >= 0 && len(first) >= 3 {
		return first
	}
	switch first = strings.TrimSuffix(first, ":"); first {
	case "timeout", "unavailable", "bad_response", "not_available", "not_configured", "file_too_large", "invalid_id", "cancelled":
		return first
	}
	if strings.HasPrefix(first, "http.") {
		return first
	}
	return "error"
}
