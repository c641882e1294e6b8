package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"golang.org/x/sync/errgroup"

	"dialdesk/audit"
	"dialdesk/client"
	"dialdesk/store"
	"dialdesk/views"
)

// Bulk actions: pause, resume or end many tasks at once from the task list.
// GET /tasks/bulk names every selected task and says which of them cannot
// take the action and why; its form (with a one-time token) POSTs to
// /tasks/bulk, which reads the tasks' statuses afresh, calls the platform
// only for those that can take the action (a few at a time), records each
// change in the audit log, and shows the outcome per task at
// /tasks/bulk/{run}. A second submit of the same form acts on nothing
// again and shows the first one's outcome.

// bulkActions are the actions a selection can take; delete stays one task at
// a time.
var bulkActions = map[string]func(client.TaskStatus) bool{
	views.ActionPause:  client.TaskStatus.CanPause,
	views.ActionResume: client.TaskStatus.CanResume,
	views.ActionEnd:    client.TaskStatus.CanEnd,
}

const (
	bulkMaxTasks    = 200 // tasks one bulk action may touch
	bulkConcurrency = 4   // platform calls at once
)

// bulkForm is the selection: an action and task ids, from the list's bar
// (GET) or the confirmation's form (POST).
type bulkForm struct {
	Action string
	IDs    []string
}

func parseBulkForm(v url.Values) bulkForm {
	f := bulkForm{Action: v.Get("action")}
	seen := map[string]bool{}
	for _, id := range v["id"] {
		if validTaskID(id) && !seen[id] && len(f.IDs) < bulkMaxTasks {
			seen[id] = true
			f.IDs = append(f.IDs, id)
		}
	}
	return f
}

// Validate returns the message key of what is wrong with the selection.
func (f bulkForm) Validate() string {
	if _, ok := bulkActions[f.Action]; !ok {
		return "bulk.err.action"
	}
	if len(f.IDs) == 0 {
		return "bulk.err.none"
	}
	return ""
}

// bulkStatuses reads the tasks' settings afresh (query_task_info, 15 ids a
// call) and their names, the platform's or else the store's.
func (s *Server) bulkStatuses(ctx context.Context, ids []string) (map[string]client.TaskInfo, map[string]string, error) {
	infos, err := s.client.QueryTaskInfo(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	byID := make(map[string]client.TaskInfo, len(infos))
	names := make(map[string]string, len(ids))
	for _, info := range infos {
		byID[info.ID] = info
		names[info.ID] = info.Name
	}
	for _, id := range ids {
		if names[id] == "" {
			if k, err := s.store.KnownTask(ctx, id); err == nil {
				names[id] = k.Name
			}
		}
	}
	return byID, names, nil
}

// bulkConfirm serves GET /tasks/bulk?action=…&id=…: the confirmation page.
func (s *Server) bulkConfirm(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f := parseBulkForm(r.URL.Query())
	if key := f.Validate(); key != "" {
		s.setFlash(w, r, views.T(ctx, key), true)
		return redirect(w, r, "/tasks")
	}
	infos, names, err := s.bulkStatuses(ctx, f.IDs)
	if err != nil {
		return err
	}
	can := bulkActions[f.Action]
	v := views.BulkConfirmVM{Action: f.Action, FormToken: newFormToken()}
	for _, id := range f.IDs {
		row := views.BulkTaskRowVM{ID: id, Name: names[id]}
		if info, ok := infos[id]; ok {
			row.Status, row.StatusKnown = int(info.Status), true
			row.Applicable = can(info.Status)
		}
		if row.Applicable {
			v.Applicable++
		}
		v.Rows = append(v.Rows, row)
	}
	p := s.page(w, r, "tasks", "bulk.title."+f.Action)
	return s.render(w, r, http.StatusOK, views.BulkConfirmPage(p, v))
}

// bulkRun serves POST /tasks/bulk: do the action on every selected task that
// can take it now.
func (s *Server) bulkRun(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	f := parseBulkForm(r.PostForm)
	token := r.PostForm.Get("form_token")
	if key := f.Validate(); key != "" || !formTokenRe.MatchString(token) {
		return errBadRequest
	}
	u, _ := currentUser(r)
	first, err := s.store.ClaimBulkRun(ctx, token, u.Username, f.Action)
	if err != nil {
		return err
	}
	if !first {
		// The same form again (a double click, a reload): wait for the first
		// submit's outcome and show it.
		s.waitBulkRun(ctx, token)
		return redirect(w, r, "/tasks/bulk/"+token)
	}
	// The actions go through even if the browser goes away meanwhile.
	results := s.bulkDo(context.WithoutCancel(ctx), r, f)
	if err := s.store.FinishBulkRun(context.WithoutCancel(ctx), token, results); err != nil {
		return err
	}
	return redirect(w, r, "/tasks/bulk/"+token)
}

// bulkDo reads the tasks' statuses and calls the platform for those that can
// take the action, bulkConcurrency at a time; one task's failure does not
// stop the others. The results keep the selection's order.
func (s *Server) bulkDo(ctx context.Context, r *http.Request, f bulkForm) []store.BulkResult {
	results := make([]store.BulkResult, len(f.IDs))
	infos, names, err := s.bulkStatuses(ctx, f.IDs)
	if err != nil {
		for i, id := range f.IDs {
			results[i] = store.BulkResult{TaskID: id, Name: names[id], Outcome: "failed", Code: client.ErrorCode(err)}
		}
		return results
	}
	can := bulkActions[f.Action]
	call := lifecycleActions[f.Action].call
	var g errgroup.Group
	g.SetLimit(bulkConcurrency)
	for i, id := range f.IDs {
		info, ok := infos[id]
		res := store.BulkResult{TaskID: id, Name: names[id]}
		switch {
		case !ok:
			res.Outcome, res.Code = "skipped", "missing"
		case !can(info.Status):
			res.Outcome, res.Code = "skipped", strconv.Itoa(int(info.Status))
		}
		if res.Outcome != "" {
			results[i] = res
			continue
		}
		g.Go(func() error {
			err := call(ctx, s.client, id)
			s.tasks.forget(id)
			s.auditLog(r, id, "task."+f.Action, audit.Args{"name": res.Name, "status": int(info.Status)}, client.ErrorCode(err))
			var pe *client.Error
			switch {
			case err == nil:
				res.Outcome = "done"
			case errors.As(err, &pe) && pe.HTTPStatus == 0:
				res.Outcome, res.Code = "refused", pe.Code
			default:
				res.Outcome, res.Code = "failed", client.ErrorCode(err)
				s.log.Warn("bulk: task action failed", "action", f.Action, "task", id, "err", err)
			}
			results[i] = res
			return nil
		})
	}
	g.Wait()
	return results
}

// waitBulkRun waits (at most formTokenWait) for the bulk run of token to
// finish.
func (s *Server) waitBulkRun(ctx context.Context, token string) {
	deadline := time.Now().Add(formTokenWait)
	for time.Now().Before(deadline) {
		run, err := s.store.BulkRunByToken(ctx, token)
		if err != nil || !run.Done.IsZero() {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// bulkResult serves GET /tasks/bulk/{run}: what a bulk action did, task
// by task, with the failed ones offered again.
func (s *Server) bulkResult(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	token := chi.URLParam(r, "run")
	if !formTokenRe.MatchString(token) {
		return errNotFound
	}
	run, err := s.store.BulkRunByToken(ctx, token)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	v := views.BulkResultVM{Action: run.Action, Running: run.Done.IsZero(), By: run.Username,
		At: views.When(ctx, run.Created)}
	retry := url.Values{"action": {run.Action}}
	for _, res := range run.Results {
		row := views.BulkResultRowVM{ID: res.TaskID, Name: res.Name, Outcome: res.Outcome, Code: res.Code}
		v.Rows = append(v.Rows, row)
		v.Counts[outcomeIndex(res.Outcome)]++
		if res.Outcome == "failed" {
			retry.Add("id", res.TaskID)
		}
	}
	if len(retry["id"]) > 0 {
		v.RetryURL = "/tasks/bulk?" + retry.Encode()
	}
	p := s.page(w, r, "tasks", "bulk.result.title."+run.Action)
	return s.render(w, r, http.StatusOK, views.BulkResultPage(p, v))
}

// outcomeIndex places an outcome in BulkResultVM.Counts.
func outcomeIndex(outcome string) int {
	switch outcome {
	case "done":
		return 0
	case "skipped":
		return 1
	case "refused":
		return 2
	}
	return 3
}
