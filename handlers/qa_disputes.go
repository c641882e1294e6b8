package handlers

import (
	"errors"
	"net/http"
	"strings"

	"dialdesk/audit"
	"dialdesk/store"
	"dialdesk/views"
)

// Disputes (申诉 / 复核): a manager disputes a submitted review with a
// reason; another supervisor than its reviewer, or an admin, rules on it,
// once and for good.

// canRule reports whether u may rule on a dispute of rv: a supervisor who
// did not review it, or an admin.
func canRule(u store.User, rv store.Review) bool {
	switch u.Role {
	case store.RoleAdmin:
		return true
	case store.RoleSupervisor:
		return rv.Reviewer != u.Username
	}
	return false
}

// canDispute reports whether u may dispute rv: managers and admins, a
// submitted review not disputed before.
func canDispute(u store.User, rv store.Review) bool {
	return (u.Role == store.RoleManager || u.Role == store.RoleAdmin) && rv.State == store.ReviewDone
}

// reviewDispute serves POST /qa/reviews/{rid}/dispute: field reason.
func (s *Server) reviewDispute(w http.ResponseWriter, r *http.Request) error {
	id, err := reviewID(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	u, _ := currentUser(r)
	rv, err := s.store.GetReview(ctx, id)
	if err != nil {
		return err
	}
	if !canDispute(u, rv) {
		return errForbidden
	}
	back := callURL(rv.TaskID, rv.CallKey)
	reason := trimTo(strings.TrimSpace(r.PostForm.Get("reason")), 1000)
	if reason == "" {
		s.setFlash(w, r, views.T(ctx, "qa.dispute.err.reason"), true)
		return redirect(w, r, back)
	}
	if err := s.store.OpenDispute(ctx, id, u.Username, reason); err != nil {
		if errors.Is(err, store.ErrReviewState) {
			return errForbidden
		}
		return err
	}
	s.auditLog(r, rv.TaskID, audit.QADispute, audit.Args{"call": rv.CallKey, "review": id, "reason": reason}, "")
	s.setFlash(w, r, views.T(ctx, "qa.dispute.opened"), false)
	return redirect(w, r, back)
}

// reviewRule serves POST /qa/reviews/{rid}/rule: fields outcome (upheld,
// overturned) and ruling.
func (s *Server) reviewRule(w http.ResponseWriter, r *http.Request) error {
	id, err := reviewID(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	u, _ := currentUser(r)
	rv, err := s.store.GetReview(ctx, id)
	if err != nil {
		return err
	}
	if !canRule(u, rv) || rv.State != store.ReviewDisputed {
		return errForbidden // the reviewer never rules on their own review
	}
	back := callURL(rv.TaskID, rv.CallKey)
	outcome := r.PostForm.Get("outcome")
	if outcome != store.DisputeUpheld && outcome != store.DisputeOverturned {
		s.setFlash(w, r, views.T(ctx, "qa.dispute.err.outcome"), true)
		return redirect(w, r, back)
	}
	ruling := trimTo(strings.TrimSpace(r.PostForm.Get("ruling")), 1000)
	if err := s.store.RuleDispute(ctx, id, u.Username, outcome, ruling); err != nil {
		if errors.Is(err, store.ErrReviewState) {
			return errForbidden
		}
		return err
	}
	s.auditLog(r, rv.TaskID, audit.QARule, audit.Args{"call": rv.CallKey, "review": id, "outcome": outcome}, "")
	s.setFlash(w, r, views.T(ctx, "qa.dispute.ruled"), false)
	return redirect(w, r, back)
}
