package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"

	"github.com/go-chi/chi/v5"
	"golang.org/x/sync/errgroup"

	"dialdesk/audit"
	"dialdesk/jobs"
	"dialdesk/store"
	"dialdesk/views"
)

// callKeyRe is what a call's id in a URL may look like: a v1 record id
// (UUID), an icall callid, or an outid.
var callKeyRe = regexp.MustCompile(`^[0-9A-Za-z_.:-]{1,100}$`)

func validCallKey(k string) bool { return callKeyRe.MatchString(k) && k != "." && k != ".." }

// callDetail serves GET /tasks/{id}/calls/{call}: one call's conversation,
// facts, recording, previous/next within the filtered list (the query
// string carries the list's filters and page). Opening it marks it read.
func (s *Server) callDetail(w http.ResponseWriter, r *http.Request) error {
	return s.renderCallDetail(w, r, http.StatusOK, r.URL.Query().Get("from") == "queue", nil)
}

// renderCallDetail answers with a call's page; fromQueue: in review mode,
// j/k walking the reviewer's queue. edit, when not nil, changes the review
// panel before it is drawn (a refused review: what was typed, the messages).
func (s *Server) renderCallDetail(w http.ResponseWriter, r *http.Request, status int, fromQueue bool, edit func(*views.ReviewPanelVM)) error {
	ctx := r.Context()
	id, key := TaskID(r), chi.URLParam(r, "call")
	if !validCallKey(key) {
		return errNotFound
	}
	f, _ := s.parseCallFilter(ctx, r.URL.Query(), s.callMeta(ctx))
	settings, _ := s.store.GetTaskCallSettings(ctx, id)

	var v views.CallDetailVM
	var prev, next string
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		prev, next = s.neighbours(gctx, id, key, f)
		return nil
	})
	g.Go(func() error {
		var err error
		v, err = s.callView(gctx, id, key, settings)
		return err
	})
	if err := g.Wait(); err != nil {
		return err
	}
	marks, err := s.store.CallMarks(ctx, id, []string{key})
	if err != nil {
		return err
	}
	// Read for this user only: the others still see it unread.
	u, _ := currentUser(r)
	if err := s.store.MarkRead(context.WithoutCancel(ctx), id, key, u.Username); err != nil {
		s.log.Error("call: mark read", "err", err)
	}
	if m := marks[key]; m.Reviewed() {
		v.Reviewed, v.ReviewedBy, v.ReviewedAt = true, m.ReviewedBy, views.When(ctx, m.ReviewedAt)
	}
	q := f.query(true)
	v.Key = key
	v.PrevURL, v.NextURL = prev, next
	v.BackURL = "/tasks/" + url.PathEscape(id) + "/calls" + encodeQuery(q)
	v.AudioURL = recordingURL(id, key)
	v.DownloadURL = v.AudioURL + "?download=1"
	v.ReviewURL = callURL(id, key) + "/review"
	v.CanReview = true // every role reviews: it is the supervisors' job
	v.CanDNC = u.Role == store.RoleAdmin || u.Role == store.RoleManager
	v.DNCURL = callURL(id, key) + "/dnc"
	v.Return = q.Encode()
	if v.Review, err = s.reviewPanel(ctx, u, id, key, v, fromQueue); err != nil {
		return err
	}
	if edit != nil {
		edit(v.Review)
	}
	if fromQueue { // j/k walk the reviewer's queue
		if v.PrevURL, v.NextURL, err = s.queueNeighbours(ctx, u.Username, id, key); err != nil {
			return err
		}
		v.BackURL = "/qa/queue"
	}
	p := s.page(w, r, "tasks", "calls.detail")
	v.CSRFToken = p.CSRFToken
	v.Header = s.taskHeader(r, views.TabCalls)
	for i, f := range v.Facts {
		if f.Key == "task" && f.Value == id && v.Header.Name != "" {
			v.Facts[i].Value = v.Header.Name // surface A names no task in the call: the task's own name
		}
	}
	return s.render(w, r, status, views.CallDetailPage(p, v))
}

// recordingURL is dialdesk's own address of a call's recording.
func recordingURL(taskID, key string) string {
	return "/recordings/" + url.PathEscape(taskID) + "/" + url.PathEscape(key)
}

// callView builds a call's page from the store (pushed/synced calls) or the
// platform (surface B record_info; surface A query_task_data by outid).
func (s *Server) callView(ctx context.Context, taskID, key string, cs store.TaskCallSettings) (views.CallDetailVM, error) {
	c, err := s.store.Call(ctx, taskID, key)
	if err == nil {
		v := s.storedCallView(ctx, taskID, c, cs)
		return v, s.addRuleHits(ctx, &v, c)
	}
	if !errors.Is(err, store.ErrNotFound) {
		return views.CallDetailVM{}, err
	}
	if err := s.notOtherTasksCall(ctx, taskID, key); err != nil {
		return views.CallDetailVM{}, err
	}
	if s.client.HasV1() {
		ri, err := s.client.RecordInfo(ctx, taskID, key)
		if err != nil {
			return views.CallDetailVM{}, err
		}
		return s.recordView(ctx, taskID, ri, cs), nil
	}
	cr, err := s.client.QueryTaskData(ctx, taskID, key)
	if err != nil {
		return views.CallDetailVM{}, err
	}
	sc := jobs.CallFromResult(*cr, taskID, store.SourceSync)
	if sc.CallID == "" {
		return views.CallDetailVM{}, errNotFound
	}
	if sc.OutID == "" {
		sc.OutID = key
	}
	if _, err := s.store.SaveCall(ctx, sc, true); err != nil {
		s.log.Warn("call: keep queried call", "err", err)
	}
	return s.storedCallView(ctx, taskID, sc, cs), nil
}

// callReview serves POST /tasks/{id}/calls/{call}/review: marks the call
// reviewed (who, when) and goes back to it. Supervisors may: it is their job.
func (s *Server) callReview(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, key := TaskID(r), chi.URLParam(r, "call")
	if !validCallKey(key) {
		return errNotFound
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	// Only a call of this task is marked (404 otherwise), found as its page finds it.
	settings, _ := s.store.GetTaskCallSettings(ctx, id)
	if _, err := s.callView(ctx, id, key, settings); err != nil {
		return err
	}
	u, _ := currentUser(r)
	if err := s.store.MarkReviewed(ctx, id, key, u.Username); err != nil {
		return err
	}
	s.auditLog(r, id, audit.CallReview, audit.Args{"call": key, "phone": s.shownPhone(ctx, id, key)}, "")
	s.setFlash(w, r, views.T(ctx, "calls.markedreviewed"), false)
	// Back to the call, with the list's filters (re-validated, re-encoded).
	back, _ := url.ParseQuery(r.PostForm.Get("return"))
	f, _ := s.parseCallFilter(ctx, back, s.callMeta(ctx))
	return redirect(w, r, callURL(id, key)+encodeQuery(f.query(true)))
}

// shownPhone is the number of a stored call as its pages show it (masked as
// the task says), or "" for a call dialdesk has not stored.
func (s *Server) shownPhone(ctx context.Context, taskID, key string) string {
	c, err := s.store.Call(ctx, taskID, key)
	if err != nil {
		return ""
	}
	cs, _ := s.store.GetTaskCallSettings(ctx, taskID)
	return phoneFor(ctx, c.Tel, cs.NumberHide)
}
