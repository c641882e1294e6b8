package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/justinas/nosurf"

	"dialdesk/audit"
	"dialdesk/client"
	"dialdesk/store"
	"dialdesk/views"
)

// taskHeader builds the head of a /tasks/{id}/… page (name, status, the
// actions valid for the current status, tabs) from what loadTask found.
// tab is views.TabOverview, TabNumbers, TabCalls or TabAudit; the numbers
// and calls pages use it too:
//
//	h := s.taskHeader(r, views.TabNumbers)
//	… @views.TaskHeader(h) …
func (s *Server) taskHeader(r *http.Request, tab string) views.TaskHeaderVM {
	id := TaskID(r)
	h := views.TaskHeaderVM{ID: id, Name: id, Tab: tab, CanManage: canManage(r), CSRFToken: nosurf.Token(r)}
	if k, ok := knownTask(r); ok && k.Name != "" {
		h.Name = k.Name
	}
	info, ok := taskInfo(r)
	if !ok {
		return h
	}
	if info.Name != "" {
		h.Name = info.Name
	}
	h.Status, h.StatusKnown = int(info.Status), true
	if h.CanManage {
		h.Actions = taskActions(info.Status)
	}
	return h
}

// taskActions lists the actions the platform accepts for a task in status st
// (docs/platform.md §decisions 7). There is no "start": a task starts by itself.
func taskActions(st client.TaskStatus) []string {
	var a []string
	if st != client.TaskFinished && st != client.TaskDeleted {
		a = append(a, views.ActionEdit)
	}
	if st != client.TaskDeleted {
		a = append(a, views.ActionCopy, views.ActionRedial)
	}
	if st.CanPause() {
		a = append(a, views.ActionPause)
	}
	if st.CanResume() {
		a = append(a, views.ActionResume)
	}
	if st.CanEnd() {
		a = append(a, views.ActionEnd)
	}
	if st != client.TaskDeleted {
		a = append(a, views.ActionDelete)
	}
	return a
}

// taskPage serves GET /tasks/{id}: the overview — settings, live progress
// (polling the list's /tasks/live for this one task) and how the task runs.
func (s *Server) taskPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := TaskID(r)
	v := views.TaskOverviewVM{
		Header:   s.taskHeader(r, views.TabOverview),
		Interval: int(s.cfg.RefreshInterval / time.Second),
		LiveURL:  "/tasks/live?" + url.Values{"ids": {id}}.Encode(),
	}
	var err error
	if v.RedialFrom, v.Redials, err = s.redialLinks(ctx, id); err != nil {
		return err
	}
	info, ok := taskInfo(r)
	if !ok {
		// loadTask let the request through: the store knows the task but the
		// platform did not answer (or no longer lists it).
		err := taskInfoErr(r)
		if err != nil && ctx.Err() != nil {
			return err
		}
		v.Error = views.T(ctx, "task.noinfo")
		if err != nil {
			v.Error = platformText(ctx, err)
		}
		v.RetryURL = r.URL.RequestURI()
		return s.render(w, r, http.StatusOK, views.TaskPage(s.page(w, r, "tasks", ""), v))
	}
	v.HasInfo = true
	v.Live = s.taskRow(ctx, id, v.Header.Name, time.Time{}, &info)
	v.Telephones = info.Telephones()
	v.RobotNum = int(info.RobotNum)
	v.TimeSlots = info.CallTimeSlots()
	v.Validity = v.Live.Validity
	v.HowItRuns = views.T(ctx, fmt.Sprintf("task.how.%d", int(info.Status)))
	v.NoNumbers = info.CallTotalData == 0 && info.Status != client.TaskFinished && info.Status != client.TaskDeleted
	// Template, masking and export: recorded when dialdesk created the task.
	switch cs, err := s.store.GetTaskCallSettings(ctx, id); {
	case err == nil:
		v.SettingsKnown = true
		v.NumberHide, v.ExportStatus = strconv.Itoa(cs.NumberHide), strconv.Itoa(cs.ExportStatus)
		if cs.TemplateID != "" {
			v.Template = &views.TemplateOptionVM{ID: cs.TemplateID, Name: cs.TemplateName, Audio: templateAudioURLs(cs.TemplateID, cs.TemplateAudio)}
		}
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	if v.Header.CanManage {
		a, err := s.auditView(r, store.AuditFilter{TaskID: id, Limit: 5}, "", views.TaskURL(id, "audit"))
		if err != nil {
			return err
		}
		v.Audit = &a
	}
	p := s.page(w, r, "tasks", "")
	p.Title = v.Header.Name
	return s.render(w, r, http.StatusOK, views.TaskPage(p, v))
}

// lifecycleAction is one of POST /tasks/{id}/pause, /resume, /end, /delete.
type lifecycleAction struct {
	name string // views.ActionPause…
	call func(context.Context, *client.Client, string) error
}

var lifecycleActions = map[string]lifecycleAction{
	views.ActionPause: {views.ActionPause, func(ctx context.Context, c *client.Client, id string) error {
		return c.PauseTask(ctx, id)
	}},
	views.ActionResume: {views.ActionResume, func(ctx context.Context, c *client.Client, id string) error {
		return c.ResumeTask(ctx, id)
	}},
	views.ActionEnd: {views.ActionEnd, func(ctx context.Context, c *client.Client, id string) error {
		return c.EndTask(ctx, id)
	}},
	views.ActionDelete: {views.ActionDelete, func(ctx context.Context, c *client.Client, id string) error {
		return c.DeleteTask(ctx, id)
	}},
}

// taskPause serves POST /tasks/{id}/pause (pause_task).
func (s *Server) taskPause(w http.ResponseWriter, r *http.Request) error {
	return s.taskLifecycle(w, r, views.ActionPause)
}

// taskResume serves POST /tasks/{id}/resume (resume_task; only a paused task).
func (s *Server) taskResume(w http.ResponseWriter, r *http.Request) error {
	return s.taskLifecycle(w, r, views.ActionResume)
}

// taskEnd serves POST /tasks/{id}/end (end_task). GET shows the confirmation.
func (s *Server) taskEnd(w http.ResponseWriter, r *http.Request) error {
	return s.taskLifecycle(w, r, views.ActionEnd)
}

// taskDelete serves POST /tasks/{id}/delete (delete_task). GET shows the confirmation.
func (s *Server) taskDelete(w http.ResponseWriter, r *http.Request) error {
	return s.taskLifecycle(w, r, views.ActionDelete)
}

// taskEndConfirm serves GET /tasks/{id}/end: "end task X?", posting to the same URL.
func (s *Server) taskEndConfirm(w http.ResponseWriter, r *http.Request) error {
	return s.taskConfirm(w, r, views.ActionEnd)
}

// taskDeleteConfirm serves GET /tasks/{id}/delete: "delete task X?", posting to the same URL.
func (s *Server) taskDeleteConfirm(w http.ResponseWriter, r *http.Request) error {
	return s.taskConfirm(w, r, views.ActionDelete)
}

func (s *Server) taskConfirm(w http.ResponseWriter, r *http.Request, action string) error {
	v := views.TaskConfirmVM{Header: s.taskHeader(r, views.TabOverview), Action: action}
	p := s.page(w, r, "tasks", "")
	p.Title = v.Header.Name
	return s.render(w, r, http.StatusOK, views.TaskConfirmPage(p, v))
}

// taskLifecycle calls the platform, records the action and its answer in the
// audit log, forgets the cached status so the next page shows the platform's
// new one, and goes back to the task page with the outcome as a flash: a
// refusal (320023, 320024…) in plain words.
func (s *Server) taskLifecycle(w http.ResponseWriter, r *http.Request, action string) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	id := TaskID(r)
	h := s.taskHeader(r, views.TabOverview)
	// The action goes through even if the browser goes away meanwhile.
	err := lifecycleActions[action].call(context.WithoutCancel(ctx), s.client, id)
	s.tasks.forget(id)
	args := audit.Args{"name": h.Name}
	if h.StatusKnown {
		args["status"] = h.Status
	}
	s.auditLog(r, id, "task."+action, args, client.ErrorCode(err))
	if err != nil {
		var ce *client.Error
		var ue *client.UpstreamError
		if !errors.As(err, &ce) && !errors.As(err, &ue) && !errors.Is(err, client.ErrInvalidID) {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		msg := views.Tf(ctx, "task.refused", views.T(ctx, "task.action."+action), platformText(ctx, err))
		s.setFlash(w, r, msg, true)
		return redirect(w, r, views.TaskURL(id))
	}
	s.setFlash(w, r, views.Tf(ctx, "task.done."+action, h.Name), false)
	if action == views.ActionDelete {
		if err := s.store.MarkTasksDeleted(ctx, []string{id}); err != nil {
			return err
		}
		return redirect(w, r, "/tasks")
	}
	return redirect(w, r, views.TaskURL(id))
}
