package handlers

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"dialdesk/audit"
	"dialdesk/client"
	"dialdesk/numbers"
	"dialdesk/store"
	"dialdesk/views"
)

// Numbers of the do-not-call list that unfinished tasks still hold undialed
// (sent before they were put on the list) can be taken off those tasks
// (delete_task_data), after a confirmation: GET, POST /dnc/purge. Adding a
// number, a list, or a call's customer leads there when it finds any.

// maxPhonesAsked is the most just-added phones asked about by name; a longer
// list asks about the whole do-not-call list (the same numbers and more).
const maxPhonesAsked = 1000

// waitingTask is one unfinished task's undialed do-not-call numbers.
type waitingTask struct {
	ID, Name       string
	OutIDs, Phones []string
}

// dncWaiting returns, task by task, the do-not-call numbers (of phones; all
// of them when phones is nil) that unfinished tasks still hold undialed.
func (s *Server) dncWaiting(ctx context.Context, phones []string) ([]waitingTask, error) {
	tasks, err := s.tasks.unfinished(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(tasks))
	names := map[string]string{}
	for _, t := range tasks {
		ids = append(ids, t.ID)
		names[t.ID] = cmp.Or(t.Name, t.ID)
	}
	if len(phones) > maxPhonesAsked {
		phones = nil
	}
	rows, err := s.store.DoNotCallWaiting(ctx, ids, phones)
	if err != nil {
		return nil, err
	}
	var out []waitingTask
	for _, w := range rows {
		if len(out) == 0 || out[len(out)-1].ID != w.TaskID {
			out = append(out, waitingTask{ID: w.TaskID, Name: names[w.TaskID]})
		}
		last := &out[len(out)-1]
		last.OutIDs = append(last.OutIDs, w.OutID)
		last.Phones = append(last.Phones, w.Phone)
	}
	return out, nil
}

// afterDNCAdd is where adding phones to the list leads: the purge question
// when unfinished tasks still hold some of them undialed, else back.
func (s *Server) afterDNCAdd(ctx context.Context, phones []string, back string) string {
	waiting, err := s.dncWaiting(ctx, phones)
	if err != nil {
		s.log.Warn("do-not-call: tasks holding the numbers", "err", err)
		return back
	}
	if len(waiting) > 0 {
		return "/dnc/purge?back=" + url.QueryEscape(back)
	}
	return back
}

// dncPurgePage serves GET /dnc/purge: which unfinished tasks still hold
// numbers of the do-not-call list undialed, how many each, and the button
// that removes them.
func (s *Server) dncPurgePage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v := views.DNCPurgeVM{Back: localPath(cmp.Or(r.URL.Query().Get("back"), "/dnc"))}
	waiting, err := s.dncWaiting(ctx, nil)
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		v.Error = platformText(ctx, err)
	}
	for _, t := range waiting {
		v.Tasks = append(v.Tasks, views.DNCPurgeTaskVM{Name: t.Name, URL: views.TaskURL(t.ID, "numbers"), Count: len(t.OutIDs)})
		v.Total += len(t.OutIDs)
	}
	return s.render(w, r, http.StatusOK, views.DNCPurgePage(s.page(w, r, "dnc", "dnc.purge.title"), v))
}

// dncPurge serves POST /dnc/purge: removes from every unfinished task the
// numbers of the do-not-call list it holds undialed (found again now, not
// taken from the form), in delete_task_data calls of ≤ 100, and says how
// many of how many tasks. Each task's removal is audited as a deletion.
func (s *Server) dncPurge(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	back := localPath(cmp.Or(r.PostForm.Get("back"), "/dnc"))
	waiting, err := s.dncWaiting(ctx, nil)
	if err != nil {
		return err
	}
	var removed, tasks, failed int
	for _, t := range waiting {
		n, err := s.client.DeleteTaskData(ctx, t.ID, t.OutIDs)
		var be *client.BatchError
		done := t.OutIDs
		if errors.As(err, &be) {
			done = t.OutIDs[:be.Start]
		} else if err != nil {
			done = nil
		}
		if len(done) > 0 {
			if err := s.store.MarkNumbersDeleted(ctx, t.ID, done); err != nil {
				return err
			}
		}
		s.auditLog(r, t.ID, audit.NumbersDelete, audit.Args{"count": len(t.OutIDs), "phones": t.Phones}, client.ErrorCode(err))
		s.tasks.forget(t.ID)
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			s.log.Warn("do-not-call: remove from task", "task", t.ID, "err", err)
			failed++
			continue
		}
		removed += n
		tasks++
	}
	msg := views.Tf(ctx, "dnc.purge.done", removed, tasks)
	if failed > 0 {
		msg += " " + views.Tf(ctx, "dnc.purge.failed", failed)
	}
	s.setFlash(w, r, msg, failed > 0)
	return redirect(w, r, back)
}

// callDNC serves POST /tasks/{id}/calls/{call}/dnc: puts the call's customer
// on the do-not-call list (managers, admins), then asks about the tasks
// that still hold the number, or goes back to the call.
func (s *Server) callDNC(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	id, key := TaskID(r), chi.URLParam(r, "call")
	if !validCallKey(key) {
		return errNotFound
	}
	back := callURL(id, key)
	if ret, err := url.ParseQuery(r.PostForm.Get("return")); err == nil {
		f, _ := s.parseCallFilter(ctx, ret, s.callMeta(ctx))
		back += encodeQuery(f.query(true))
	}
	raw, err := s.callPhone(ctx, id, key)
	if err != nil {
		return err
	}
	phone, reason := numbers.Normalize(raw)
	if strings.Contains(raw, "*") || reason != numbers.ReasonOK { // masked by the platform: the number is not known
		s.setFlash(w, r, views.T(ctx, "dnc.call.masked"), true)
		return redirect(w, r, back)
	}
	u, _ := currentUser(r)
	added, err := s.store.AddDoNotCall(ctx, []string{phone}, u.Username, "")
	if err != nil {
		return err
	}
	s.auditLog(r, "", audit.DNCAdd, audit.Args{"phone": phone, "new": added}, "")
	s.setFlash(w, r, views.T(ctx, "dnc.call.added"), false)
	return redirect(w, r, s.afterDNCAdd(ctx, []string{phone}, back))
}

// callPhone is the number a call went to, as the platform gave it (the
// stored call's, else the record's on surface B); "" when unknown.
func (s *Server) callPhone(ctx context.Context, taskID, key string) (string, error) {
	c, err := s.store.Call(ctx, taskID, key)
	if err == nil {
		return c.Tel, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	if s.client.HasV1() {
		ri, err := s.client.RecordInfo(ctx, taskID, key)
		if err != nil {
			return "", err
		}
		return string(ri.Info.Record.Callee), nil
	}
	return "", errNotFound
}
