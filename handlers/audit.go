package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"dialdesk/audit"
	"dialdesk/client"
	"dialdesk/store"
)

// auditLog records who did what to which task: an action code (package
// audit) with its arguments, and what the platform answered (answerOf(err);
// "" for local actions). taskID is "" for actions not about a task. The
// audit page words the entry in its reader's language; the record holds no
// sentence. Failures to write are logged, not returned: the action itself
// already happened.
//
//	err := s.client.PauseTask(ctx, id)
//	s.auditLog(r, id, audit.TaskPause, audit.Args{"name": h.Name}, answerOf(err))
func (s *Server) auditLog(r *http.Request, taskID, action string, args audit.Args, answer string) {
	u, _ := currentUser(r)
	// The request may be cancelled right after; the audit row must still be written.
	s.addAudit(context.WithoutCancel(r.Context()), store.AuditEntry{Username: u.Username, TaskID: taskID,
		Action: action, Args: args, Answer: answer})
}

// auditLogAs is auditLog for work done without a request (a background job
// on behalf of the user who started it) or before anyone is logged in (a
// login, as the name that was tried).
func (s *Server) auditLogAs(username, taskID, action string, args audit.Args, answer string) {
	s.addAudit(context.Background(), store.AuditEntry{Username: username, TaskID: taskID,
		Action: action, Args: args, Answer: answer})
}

func (s *Server) addAudit(ctx context.Context, e store.AuditEntry) {
	if err := s.store.AddAudit(ctx, e); err != nil {
		s.log.Error("audit", "action", e.Action, "task", e.TaskID, "err", err)
	}
}

// answerOf is the platform's answer to record in the audit log for the error
// a client call returned: "000000" for success, the platform's code and
// message for a refusal, the kind of failure for a transport problem. Never
// the raw error text: transport errors may quote upstream URLs, and the audit
// log is read by every manager.
func answerOf(err error) string {
	var pe *client.Error
	var ue *client.UpstreamError
	switch {
	case err == nil:
		return "000000"
	case errors.As(err, &pe):
		if pe.HTTPStatus != 0 {
			return fmt.Sprintf("HTTP %d %s", pe.HTTPStatus, pe.Msg)
		}
		return strings.TrimSpace(pe.Code + " " + pe.Msg)
	case errors.As(err, &ue):
		if ue.StatusCode != 0 {
			return fmt.Sprintf("%s (HTTP %d)", ue.Kind, ue.StatusCode)
		}
		return string(ue.Kind)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "cancelled"
	default:
		return "error"
	}
}
