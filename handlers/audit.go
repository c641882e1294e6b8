package handlers

import (
	"context"
	"net/http"

	"dialdesk/audit"
	"dialdesk/store"
)

// auditLog records who did what to which task: an action code (package
// audit) with its arguments, and what the platform answered (client.ErrorCode(err);
// "" for local actions). taskID is "" for actions not about a task. The
// audit page words the entry in its reader's language; the record holds no
// sentence. Failures to write are logged, not returned: the action itself
// already happened.
//
//	err := s.client.PauseTask(ctx, id)
//	s.auditLog(r, id, audit.TaskPause, audit.Args{"name": h.Name}, client.ErrorCode(err))
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
