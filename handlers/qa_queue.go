package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-chi/chi/v5"

	"dialdesk/audit"
	"dialdesk/store"
	"dialdesk/views"
)

// The queue (我的质检 / My reviews): a reviewer's reviews to do, oldest
// first, what they did, disputes; the shared pool to claim from.

// queueLimit bounds one list of the queue page.
const queueLimit = 200

// queueURL is a review's call page in review mode.
func queueURL(rv store.Review) string {
	return callURL(rv.TaskID, rv.CallKey) + "?" + url.Values{"from": {"queue"}}.Encode()
}

// nextInQueue is where a reviewer goes after submitting: the oldest review
// left to do, or the queue page when none is left.
func (s *Server) nextInQueue(ctx context.Context, user string) (string, error) {
	todo, err := s.store.Queue(ctx, user, "todo", 1)
	if err != nil || len(todo) == 0 {
		return "/qa/queue", err
	}
	return queueURL(todo[0]), nil
}

// queueNeighbours are the reviews before and after a call in the reviewer's
// to-do list ("" at either end); a call not in it has the first as next.
func (s *Server) queueNeighbours(ctx context.Context, user, taskID, key string) (prev, next string, err error) {
	todo, err := s.store.Queue(ctx, user, "todo", queueLimit)
	if err != nil {
		return "", "", err
	}
	rk, err := s.store.CallReviewKey(ctx, taskID, key)
	if err != nil {
		return "", "", err
	}
	at := -1
	for i, rv := range todo {
		if rv.TaskID == taskID && rv.CallKey == rk {
			at = i
		}
	}
	if at > 0 {
		prev = queueURL(todo[at-1])
	}
	if at+1 < len(todo) {
		next = queueURL(todo[at+1])
	}
	return prev, next, nil
}

// qaHome serves GET /qa: reviewers' queue; managers, who do not review,
// the reports.
func (s *Server) qaHome(w http.ResponseWriter, r *http.Request) error {
	if u, _ := currentUser(r); u.Role == store.RoleManager {
		return redirect(w, r, "/qa/reports")
	}
	return redirect(w, r, "/qa/queue")
}

// queuePage serves GET /qa/queue?show=todo|done|disputed|pool.
func (s *Server) queuePage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u, _ := currentUser(r)
	which := r.URL.Query().Get("show")
	switch which {
	case "done", "disputed", "pool":
	default:
		which = "todo"
	}
	counts, err := s.store.CountQueue(ctx, u.Username)
	if err != nil {
		return err
	}
	list, err := s.store.Queue(ctx, u.Username, which, queueLimit)
	if err != nil {
		return err
	}
	v := views.QueueVM{Which: which, Todo: counts.Todo, Done: counts.Done, Disputed: counts.Disputed, Pool: counts.Pool}
	hideOf := s.hideOf(ctx)
	for _, rv := range list {
		row := views.QueueRowVM{ID: rv.ID, URL: queueURL(rv), Task: s.taskName(ctx, rv.TaskID), Picked: views.When(ctx, rv.CreatedAt),
			Reason: rv.Reason, Robot: rv.RobotLevel, Human: rv.HumanLevel, Verdict: rv.Verdict, Assignee: rv.Assignee}
		if which != "todo" {
			row.URL = callURL(rv.TaskID, rv.CallKey)
		}
		if c, err := s.store.Call(ctx, rv.TaskID, rv.CallKey); err == nil {
			row.Callee = phoneFor(ctx, c.Tel, hideOf(rv.TaskID))
		}
		id := strconv.FormatInt(rv.ID, 10)
		if which == "pool" && u.Role != store.RoleManager {
			row.Claim = "/qa/reviews/" + id + "/claim"
		}
		if which == "todo" {
			row.HandBack = "/qa/reviews/" + id + "/handback"
		}
		v.Rows = append(v.Rows, row)
	}
	if which == "todo" && len(v.Rows) > 0 {
		v.FirstURL = v.Rows[0].URL
	}
	return s.render(w, r, http.StatusOK, views.QueuePage(s.page(w, r, "qa", "qa.queue"), v))
}

func reviewID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "rid"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}

// reviewClaim serves POST /qa/reviews/{rid}/claim: a review of the shared
// pool becomes the reviewer's; then its call page in review mode.
func (s *Server) reviewClaim(w http.ResponseWriter, r *http.Request) error {
	id, err := reviewID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	u, _ := currentUser(r)
	if u.Role == store.RoleManager {
		return errForbidden
	}
	rv, err := s.store.GetReview(ctx, id)
	if err != nil {
		return err
	}
	if err := s.store.Claim(ctx, id, u.Username); err != nil {
		if errors.Is(err, store.ErrReviewState) {
			s.setFlash(w, r, views.T(ctx, "qa.claim.taken"), true)
			return redirect(w, r, "/qa/queue?show=pool")
		}
		return err
	}
	s.auditLog(r, rv.TaskID, audit.QAReviewClaim, audit.Args{"call": rv.CallKey}, "")
	return redirect(w, r, queueURL(rv))
}

// reviewHandBack serves POST /qa/reviews/{rid}/handback: the reviewer's
// review goes back to the shared pool.
func (s *Server) reviewHandBack(w http.ResponseWriter, r *http.Request) error {
	id, err := reviewID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	u, _ := currentUser(r)
	rv, err := s.store.GetReview(ctx, id)
	if err != nil {
		return err
	}
	if err := s.store.HandBack(ctx, id, u.Username); err != nil {
		if errors.Is(err, store.ErrReviewState) {
			return errForbidden // not theirs, or done already
		}
		return err
	}
	s.auditLog(r, rv.TaskID, audit.QAReviewHandBack, audit.Args{"call": rv.CallKey}, "")
	s.setFlash(w, r, views.T(ctx, "qa.handback.ok"), false)
	return redirect(w, r, "/qa/queue")
}
