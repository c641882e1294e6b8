package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
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
func (s *Server) auditView(r *http.Request, f store.AuditFilter, before, base string) (views.AuditView, error) {
	ctx := r.Context()
	if n, err := strconv.ParseInt(before, 10, 64); err == nil && n > 0 {
		f.BeforeID = n
	}
	entries, err := s.store.Audit(ctx, f)
	if err != nil {
		return views.AuditView{}, err
	}
	v := views.AuditView{User: f.Username, Task: f.TaskID, Paged: f.BeforeID > 0}
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
		row := views.AuditRow{At: views.When(ctx, e.At), User: e.Username, TaskID: e.TaskID,
			Action: e.Action, Args: e.Args, OK: e.Answer == client.CodeOK}
		if e.Args == nil {
			row.Detail = e.Detail
		}
		if !row.OK {
			row.Answer = auditAnswerText(e.Answer, string(views.LangOf(ctx)))
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

// answerCodeRe reads a recorded platform refusal: "320024 message", or as
// older entries were recorded, "platform resume_task: 320024 message";
// answerHTTPRe a surface-B one, "HTTP 404 message".
var (
	answerCodeRe = regexp.MustCompile(`^(?:platform [^:]*: )?([0-9]{3,6}) `)
	answerHTTPRe = regexp.MustCompile(`^HTTP ([0-9]{3})\b`)
)

// auditAnswerText is a recorded answer in words for lang: the code's
// explanation with the code itself, or what kind of failure it was; never
// the recorded text of an internal error.
func auditAnswerText(answer, lang string) string {
	if answer == "" {
		return ""
	}
	if m := answerCodeRe.FindStringSubmatch(answer + " "); m != nil {
		return client.HumanMessage(m[1], lang) + " (" + m[1] + ")"
	}
	if m := answerHTTPRe.FindStringSubmatch(answer); m != nil { // a surface-B refusal: "HTTP 404 message"
		n, _ := strconv.Atoi(m[1])
		return (&client.Error{HTTPStatus: n}).Human(lang) + " (HTTP " + m[1] + ")"
	}
	for _, k := range []client.UpstreamKind{client.KindTimeout, client.KindUnavailable, client.KindBadResponse} {
		if strings.HasPrefix(answer, string(k)) || strings.Contains(answer, ": "+string(k)) {
			return (&client.UpstreamError{Kind: k}).Human(lang)
		}
	}
	return client.HumanError(errors.New(answer), lang)
}
