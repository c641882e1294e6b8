package handlers

import (
	"context"
	"net/http"

	"dialdesk/store"
)

// audit records who did what to which task, and what the platform answered
// (e.g. "000000 ok", or the error's code and message; "" for local actions).
// taskID is "" for actions not about a task. action is a short stable word
// such as "task.pause", "numbers.import", "user.create". Failures to write
// are logged, not returned: the action itself already happened.
//
//	err := s.client.PauseTask(ctx, id)
//	s.audit(r, id, "task.pause", "", answerOf(err))
func (s *Server) audit(r *http.Request, taskID, action, detail, answer string) {
	u, _ := currentUser(r)
	// The request may be cancelled right after; the audit row must still be written.
	ctx := context.WithoutCancel(r.Context())
	if err := s.store.AddAudit(ctx, store.AuditEntry{Username: u.Username, TaskID: taskID,
		Action: action, Detail: detail, Answer: answer}); err != nil {
		s.log.Error("audit", "action", action, "task", taskID, "err", err)
	}
}

// answerOf is the platform's answer to record in the audit log for the error
// a client call returned: "000000" for success, else the error's text (code
// and the platform's message; the audit log is for staff, not a user page).
func answerOf(err error) string {
	if err == nil {
		return "000000"
	}
	return err.Error()
}
