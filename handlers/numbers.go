package handlers

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/justinas/nosurf"
	"golang.org/x/text/width"

	"dialdesk/audit"
	"dialdesk/client"
	"dialdesk/store"
	"dialdesk/views"
)

// listPageSize is the number list's page: 15, as the platform pages.
const listPageSize = client.PageSize

// numbersPage serves GET /tasks/{id}/numbers: upload (managers), the task's
// imports and its numbers.
func (s *Server) numbersPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderNumbersPage(w, r, http.StatusOK, "")
}

func (s *Server) renderNumbersPage(w http.ResponseWriter, r *http.Request, status int, uploadErr string) error {
	ctx := r.Context()
	id := TaskID(r)
	v := views.NumbersPageVM{
		Header:      s.taskHeader(r, views.TabNumbers),
		TaskID:      id,
		CanManage:   canManage(r),
		CSRFToken:   nosurf.Token(r),
		UploadError: uploadErr,
	}
	imps, err := s.store.Imports(ctx, id, 10)
	if err != nil {
		return err
	}
	for _, im := range imps {
		v.Imports = append(v.Imports, views.ImportSummaryVM{ID: im.ID, URL: importURL(id, im.ID), FileName: im.FileName,
			By: im.Username, At: views.When(ctx, im.Created), State: s.importState(im), Valid: im.Counts.Valid, RowsSent: im.RowsSent,
			Counts: countsVM(im.Counts),
			Reason: importReason(im, views.LangOf(ctx)), Error: importError(im, views.LangOf(ctx))})
	}
	list, err := s.numberList(r, id, v.CanManage)
	if err != nil {
		return err
	}
	v.List = list
	p := s.page(w, r, "tasks", "numbers.title")
	p.Title = v.Header.Name + " · " + p.Title
	return s.render(w, r, status, views.NumbersPage(p, v))
}

// when it is configured, else from what dialdesk sent, each number with the
// latest call the pushes and the sync stored for it (未拨打 without one).
func (s *Server) numberList(r *http.Request, taskID string, canDelete bool) (views.NumberListVM, error) {
	ctx := r.Context()
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	l := views.NumberListVM{Action: views.TaskURL(taskID, "numbers"), Keyword: phoneKeyword(q.Get("q")), Page: page,
		History: q.Get("history") == "1", CanDelete: canDelete, FromStore: !s.client.HasV1()}
	cs, _ := s.store.GetTaskCallSettings(ctx, taskID)
	if l.FromStore {
		// Status: the latest stored call's (surface A's call statuses).
		status, callStatus := q.Get("status"), -1
		for _, st := range []client.CallStatus{client.CallNotDialed, 1, 2, 3, 4, 5, 6, 7, 9} {
			v := strconv.Itoa(int(st))
			l.Statuses = append(l.Statuses, views.OptionVM{Value: v, Label: views.CallStatusName(views.LangOf(ctx), int(st)), Selected: v == status})
			if v == status {
				callStatus = int(st)
			}
		}
		rows, total, err := s.store.TaskNumbersByStatus(ctx, taskID, l.Keyword, callStatus, (page-1)*listPageSize, listPageSize)
		if last := lastPage(total, listPageSize); err == nil && page > last && last > 0 {
			// Past the end (an old link, fewer numbers now): the last page.
			page, l.Page = last, last
			rows, total, err = s.store.TaskNumbersByStatus(ctx, taskID, l.Keyword, callStatus, (page-1)*listPageSize, listPageSize)
		}
		if err != nil {
			return l, err
		}
		// Each number's latest call, as the push receiver and the sync stored it.
		outIDs := make([]string, len(rows))
		for i, row := range rows {
			outIDs[i] = row.OutID
		}
		calls, err := s.store.LatestCallsByOutID(ctx, taskID, outIDs)
		if err != nil {
			return l, err
		}
		vars := map[string]string{}
		for _, row := range rows {
			n := views.NumberRowVM{Phone: phoneFor(ctx, row.Phone, cs.NumberHide), OutID: row.OutID, Status: views.CallStatusName(views.LangOf(ctx), int(client.CallNotDialed)), Unsure: !row.Sent}
			vars[row.OutID] = row.Variables
			if c, ok := calls[row.OutID]; ok {
				n.CallURL = finishedCallURL(taskID, c)
				n.Status = views.CallStatusName(views.LangOf(ctx), int(c.Status))
				if !c.StartAt.IsZero() {
					n.CallDate = views.When(ctx, c.StartAt)
				}
				if c.FeeMS > 0 {
					n.TalkTime = views.Duration(ctx, time.Duration(c.FeeMS)*time.Millisecond)
				}
			}
			l.Rows = append(l.Rows, n)
		}
		addVariableColumns(&l, vars)
		l.Total, l.LastPage = total, lastPage(total, listPageSize)
	} else {
		nq := client.NumberQuery{TaskID: taskID, Page: page, Keyword: l.Keyword, CallHistory: l.History}
		status := q.Get("status")
		for st := 0; st <= 12; st++ {
			v := strconv.Itoa(st)
			l.Statuses = append(l.Statuses, views.OptionVM{Value: v, Label: views.NumberStatusName(views.LangOf(ctx), st), Selected: v == status})
			if v == status {
				nq.Status = []int{st}
			}
		}
		op := q.Get("op")
		for _, o := range []string{client.OperatorMobile, client.OperatorUnicom, client.OperatorTelecom} {
			l.Operators = append(l.Operators, views.OptionVM{Value: o, Label: views.T(ctx, "op."+o), Selected: o == op})
			if o == op {
				nq.Types = []string{o}
			}
		}
		res, err := s.client.TaskNumbers(ctx, nq)
		if err == nil && len(res.Numbers) == 0 && page > res.LastPage && res.LastPage > 0 {
			// Past the end (an old link, fewer numbers now): the last page.
			l.Page, nq.Page = res.LastPage, res.LastPage
			res, err = s.client.TaskNumbers(ctx, nq)
		}
		if err != nil {
			if ctx.Err() != nil {
				return l, err
			}
			s.log.Warn("numbers list: platform", "task", taskID, "err", err)
			l.Error, l.RetryURL = platformText(ctx, err), r.URL.RequestURI()
			return l, nil
		}
		phones := make([]string, len(res.Numbers))
		for i, n := range res.Numbers {
			phones[i] = n.Number.String()
		}
		outids, err := s.store.OutIDsOf(ctx, taskID, phones)
		if err != nil {
			return l, err
		}
		known := slices.Collect(maps.Values(outids))
		vars, err := s.store.VariablesOf(ctx, taskID, known)
		if err != nil {
			return l, err
		}
		calls, err := s.store.LatestCallsByOutID(ctx, taskID, known)
		if err != nil {
			return l, err
		}
		for _, n := range res.Numbers {
			row := views.NumberRowVM{Phone: phoneFor(ctx, n.Number.String(), cs.NumberHide), OutID: outids[n.Number.String()], Status: views.NumberStatusName(views.LangOf(ctx), int(n.Status)),
				Operator: operatorLabel(ctx, n.MobileType), Location: strings.TrimSpace(n.Province + " " + n.City), CallDate: views.When(ctx, n.CallDate.In(s.client.Location()))}
			if c, ok := calls[row.OutID]; ok {
				row.CallURL = finishedCallURL(taskID, c)
			}
			for _, a := range n.CallHistory {
				row.History = append(row.History, views.When(ctx, a.CallTime.In(s.client.Location()))+" "+views.NumberStatusName(views.LangOf(ctx), int(a.Status)))
			}
			l.Rows = append(l.Rows, row)
		}
		addVariableColumns(&l, vars)
		l.Total, l.LastPage = res.Total, res.LastPage
	}
	if l.Page > 1 {
		l.PrevURL = pageURL(r.URL.Path, r.URL.Query(), l.Page-1)
	}
	if l.Page < l.LastPage {
		l.NextURL = pageURL(r.URL.Path, r.URL.Query(), l.Page+1)
	}
	return l, nil
}

// finishedCallURL is the page of a number's latest stored call, "" while
// it has not ended (not dialed, or dialing).
func finishedCallURL(taskID string, c store.Call) string {
	if c.CallID == "" || c.Status == client.CallNotDialed || c.Status == client.CallDialing {
		return ""
	}
	return callURL(taskID, c.CallID)
}

// addVariableColumns adds to the list the template variables its numbers
// were imported with (vars: outid → name^value|name^value): a column per
// name, in the order first met, and each row's values.
func addVariableColumns(l *views.NumberListVM, vars map[string]string) {
	values := make([]map[string]string, len(l.Rows))
	for i, row := range l.Rows {
		values[i] = map[string]string{}
		enc := vars[row.OutID]
		if enc == "" {
			continue
		}
		for pair := range strings.SplitSeq(enc, "|") {
			name, v, _ := strings.Cut(pair, "^")
			if name == "" {
				continue
			}
			if !slices.Contains(l.Variables, name) {
				l.Variables = append(l.Variables, name)
			}
			values[i][name] = v
		}
	}
	for i := range l.Rows {
		for _, name := range l.Variables {
			l.Rows[i].Variables = append(l.Rows[i].Variables, values[i][name])
		}
	}
}

// operatorLabel names the platform's mobile_type in the user's language:
// the vendor's own example is "聯(lián)通", the sandbox says "联通", and the
// codes yd/lt/dx count too (docs/platform.md §quirks 8). Anything else is
// shown as the platform gave it.
func operatorLabel(ctx context.Context, raw string) string {
	v := strings.TrimSpace(raw)
	code := ""
	switch {
	case v == client.OperatorMobile || strings.Contains(v, "移动") || strings.Contains(v, "移動"):
		code = client.OperatorMobile
	case v == client.OperatorUnicom || strings.Contains(v, "联通") || strings.Contains(v, "聯"):
		code = client.OperatorUnicom
	case v == client.OperatorTelecom || strings.Contains(v, "电信") || strings.Contains(v, "電信"):
		code = client.OperatorTelecom
	default:
		return raw
	}
	return views.T(ctx, "op."+code)
}

// phoneKeyword is the number list's search as typed: "138 0013-8000" or
// full-width digits find 13800138000.
func phoneKeyword(q string) string {
	q = width.Narrow.String(strings.TrimSpace(q))
	if strings.ContainsAny(q, "0123456789") {
		q = strings.NewReplacer(" ", "", "-", "", "(", "", ")", "").Replace(q)
	}
	return q
}

// pageURL is the list at path, filtered by q, at page n. Page 1 is the
// list's own URL, without a page parameter.
func pageURL(path string, q url.Values, n int) string {
	q = maps.Clone(q)
	if q == nil {
		q = url.Values{}
	}
	if n > 1 {
		q.Set("page", strconv.Itoa(n))
	} else {
		q.Del("page")
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// lastPage is the number of pages of size that total items fill (0 for none).
func lastPage(total, size int) int { return (total + size - 1) / size }

// numbersDelete serves POST /tasks/{id}/numbers/delete: the selected outids
// (form field outid). Without confirm=1 it asks first; with it, it deletes
// them on the platform (delete_task_data, in calls of ≤ 100) and records it.
func (s *Server) numbersDelete(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	taskID := TaskID(r)
	if err := parseForm(w, r); err != nil {
		return err
	}
	var outIDs []string
	seen := map[string]bool{}
	for _, o := range r.PostForm["outid"] {
		if o = strings.TrimSpace(o); o != "" && !seen[o] && len(o) <= 64 {
			seen[o] = true
			outIDs = append(outIDs, o)
		}
	}
	if len(outIDs) == 0 {
		s.setFlash(w, r, views.T(ctx, "numbers.delete.none"), true)
		return redirect(w, r, views.TaskURL(taskID, "numbers"))
	}
	// The numbers by their phone as well as their outid, for the question
	// and the audit (an outid alone when the store has no row for it).
	named := slices.Clone(outIDs)
	if phones, err := s.store.RowsByOutID(ctx, taskID, outIDs); err == nil {
		for i, o := range outIDs {
			if p, ok := phones[o]; ok {
				named[i] = p + " (" + o + ")"
			}
		}
	}
	if r.PostForm.Get("confirm") != "1" {
		v := views.DeleteConfirmVM{Header: s.taskHeader(r, views.TabNumbers), TaskID: taskID, OutIDs: outIDs, Phones: named}
		p := s.page(w, r, "tasks", "numbers.delete.title")
		return s.render(w, r, http.StatusOK, views.DeleteConfirmPage(p, v))
	}
	deleted, err := s.client.DeleteTaskData(ctx, taskID, outIDs)
	var be *client.BatchError
	done := outIDs
	if errors.As(err, &be) {
		done = outIDs[:be.Start]
	}
	if len(done) > 0 && (err == nil || be != nil) {
		if merr := s.store.MarkNumbersDeleted(ctx, taskID, done); merr != nil {
			return merr
		}
	}
	s.auditLog(r, taskID, audit.NumbersDelete, audit.Args{"count": len(outIDs), "phones": named}, client.ErrorCode(err))
	s.tasks.forget(taskID)
	if err != nil {
		return err
	}
	s.setFlash(w, r, views.Tf(ctx, "numbers.delete.done", deleted), false)
	return redirect(w, r, views.TaskURL(taskID, "numbers"))
}
