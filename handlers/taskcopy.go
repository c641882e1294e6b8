package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"dialdesk/client"
	"dialdesk/store"
	"dialdesk/views"
)

// taskCopy serves GET /tasks/{id}/copy: the new-task form filled in with
// this task's settings (template, caller numbers, robots, calling hours,
// validity moved to start today, masking, export), named "<name> 副本".
// Nothing is created until the form is submitted (POST /tasks, with its own
// one-time token); the original is not touched.
func (s *Server) taskCopy(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := TaskID(r)
	info, err := s.freshInfo(ctx, id)
	if err != nil {
		return err
	}
	c, loadErr := s.formChoices(ctx, false)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	vals := s.infoValues(info)
	vals.TaskName = views.Tf(ctx, "task.copy.name", info.Name)
	vals.NumberHide, vals.ExportStatus = "0", "0"
	cs, err := s.store.GetTaskCallSettings(ctx, id)
	switch {
	case err == nil:
		vals.TemplateID = cs.TemplateID
		vals.NumberHide = strconv.Itoa(cs.NumberHide)
		vals.ExportStatus = strconv.Itoa(cs.ExportStatus)
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	s.copyValidity(&vals, info)
	v := s.formView(r, c, loadErr, vals, nil)
	v.FormToken = newFormToken()
	v.CopyOf = views.TaskRefVM{ID: id, Name: info.Name}
	return s.renderTaskForm(w, r, http.StatusOK, v)
}

// copyValidity moves a copied task's custom validity to start today at the
// same time of day, keeping its length; a permanent task gets the new-task
// form's defaults, in case the user switches to custom.
func (s *Server) copyValidity(vals *views.TaskFormValues, info client.TaskInfo) {
	now := s.now().In(s.loc)
	start, end := info.StartTime.Time().In(s.loc), info.EndTime.Time().In(s.loc)
	if int(info.TimeType) != client.TimeTypeCustom || start.IsZero() || !end.After(start) {
		next := now.Truncate(time.Hour).Add(time.Hour)
		vals.StartTime = next.Format(datetimeLocal)
		vals.EndTime = next.AddDate(0, 0, 7).Format(datetimeLocal)
		return
	}
	y, m, d := now.Date()
	moved := time.Date(y, m, d, start.Hour(), start.Minute(), 0, 0, s.loc)
	vals.StartTime = moved.Format(datetimeLocal)
	vals.EndTime = moved.Add(end.Sub(start)).Format(datetimeLocal)
}
