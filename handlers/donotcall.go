package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"dialdesk/audit"
	"dialdesk/numbers"
	"dialdesk/views"
)

// dncPage serves GET /dnc: the do-not-call list (managers, admins).
func (s *Server) dncPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderDNC(w, r, http.StatusOK, "", "")
}

func (s *Server) renderDNC(w http.ResponseWriter, r *http.Request, status int, formErr, phone string) error {
	ctx := r.Context()
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	v := views.DNCPageVM{Keyword: strings.TrimSpace(q.Get("q")), Page: page, FormError: formErr, Phone: phone}
	rows, total, err := s.store.DoNotCallList(ctx, v.Keyword, (page-1)*50, 50)
	if err != nil {
		return err
	}
	for _, e := range rows {
		v.Rows = append(v.Rows, views.DNCRowVM{Phone: e.Phone, By: e.AddedBy, At: views.When(ctx, e.AddedAt)})
	}
	v.Total, v.LastPage = total, lastPage(total, 50)
	if page > 1 {
		v.PrevURL = pageURL(r.URL.Path, r.URL.Query(), page-1)
	}
	if page < v.LastPage {
		v.NextURL = pageURL(r.URL.Path, r.URL.Query(), page+1)
	}
	if waiting, err := s.dncWaiting(ctx, nil); err != nil {
		s.log.Warn("do-not-call: tasks holding its numbers", "err", err)
	} else {
		v.WaitingTasks = len(waiting)
		for _, t := range waiting {
			v.Waiting += len(t.OutIDs)
		}
	}
	return s.render(w, r, status, views.DNCPage(s.page(w, r, "dnc", "dnc.title"), v))
}

// dncAdd serves POST /dnc: add one number (form field phone).
func (s *Server) dncAdd(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	raw := r.PostFormValue("phone")
	if strings.TrimSpace(raw) == "" {
		return s.renderDNC(w, r, http.StatusUnprocessableEntity, views.T(ctx, "dnc.err.empty"), raw)
	}
	phone, reason := numbers.Normalize(raw)
	if reason != numbers.ReasonOK {
		msg := views.Tf(ctx, "dnc.invalid", views.RejectReason(views.LangOf(ctx), reason.String(), nil))
		return s.renderDNC(w, r, http.StatusUnprocessableEntity, msg, raw)
	}
	return s.dncAdded(w, r, []string{phone}, 0, audit.DNCAdd, audit.Args{"phone": phone})
}

// dncAdded adds phones and records action with args and the count of new
// numbers.
func (s *Server) dncAdded(w http.ResponseWriter, r *http.Request, phones []string, invalid int, action string, args audit.Args) error {
	ctx := r.Context()
	u, _ := currentUser(r)
	added, err := s.store.AddDoNotCall(ctx, phones, u.Username, "")
	if err != nil {
		return err
	}
	args["new"] = added
	s.auditLog(r, "", action, args, "")
	msg := views.Tf(ctx, "dnc.added", added, len(phones)-added)
	if invalid > 0 {
		msg += " " + views.Tf(ctx, "dnc.skipped", invalid)
	}
	s.setFlash(w, r, msg, false)
	return redirect(w, r, s.afterDNCAdd(ctx, phones, "/dnc"))
}

// dncUpload serves POST /dnc/upload: add every valid number of an .xlsx or
// .csv list (same rules as number lists).
func (s *Server) dncUpload(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	data, name, err := readUploadFile(w, r)
	if err == nil {
		var res *numbers.Result
		res, err = numbers.ParseBytes(ctx, data, name, numbers.ParseOptions{})
		if err == nil {
			phones := make([]string, 0, len(res.ValidRows))
			for _, row := range res.ValidRows {
				phones = append(phones, row.Phone)
			}
			return s.dncAdded(w, r, phones, res.Counts.Invalid, audit.DNCUpload,
				audit.Args{"file": name, "numbers": len(phones), "invalid": res.Counts.Invalid})
		}
	}
	var mbe *http.MaxBytesError
	switch {
	case errors.Is(err, numbers.ErrTooLarge), errors.As(err, &mbe):
		return s.renderDNC(w, r, http.StatusRequestEntityTooLarge, views.T(ctx, "numbers.err.toolarge"), "")
	case errors.Is(err, errNoFile):
		return s.renderDNC(w, r, http.StatusBadRequest, views.T(ctx, "numbers.err.nofile"), "")
	}
	if fe, ok := numbers.AsError(err); ok {
		return s.renderDNC(w, r, http.StatusUnprocessableEntity, sentence(fileProblem(ctx, fe)), "")
	}
	return err
}

// dncRemove serves POST /dnc/remove: take one number (form field phone) off.
func (s *Server) dncRemove(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	phone, reason := numbers.Normalize(r.PostFormValue("phone"))
	if reason != numbers.ReasonOK {
		return errBadRequest
	}
	removed, err := s.store.RemoveDoNotCall(ctx, phone)
	if err != nil {
		return err
	}
	if removed {
		s.auditLog(r, "", audit.DNCRemove, audit.Args{"phone": phone}, "")
	}
	s.setFlash(w, r, views.T(ctx, "dnc.removed"), false)
	return redirect(w, r, "/dnc?"+url.Values{}.Encode())
}
