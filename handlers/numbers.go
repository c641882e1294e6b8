package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/justinas/nosurf"
	"golang.org/x/text/width"

	"dialdesk/client"
	"dialdesk/numbers"
	"dialdesk/store"
	"dialdesk/views"
)

// How long an upload waits for its file to be read before it answers: a
// small file's preview (or its error) comes back on the answer itself, a big
// one's on the page the answer leads to, with a live progress bar.
const uploadWait = 2 * time.Second

// Limits of the pages.
const (
	previewRows  = 20
	previewRejts = 100
	listPageSize = client.PageSize // 15, as the platform pages
)

var errNoFile = errors.New("no file in the upload")

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
			Counts: views.ImportCountsVM{Rows: im.Counts.Rows, Valid: im.Counts.Valid, Invalid: im.Counts.Invalid, Duplicate: im.Counts.Duplicate,
				Existing: im.Counts.Existing, Filtered: im.Counts.Filtered, Empty: im.Counts.Empty},
			Reason: importReason(im, views.LangOf(ctx)), Error: im.Error(string(views.LangOf(ctx)))})
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

// numbersUpload serves POST /tasks/{id}/numbers (multipart field "file",
// at most 5 MB). It checks the file's kind at once, starts reading it in the
// background, and waits a moment: a problem with the file is answered with
// a 4xx and its message; else it redirects to the import's page (preview,
// or progress while a big file is read).
func (s *Server) numbersUpload(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	lang := string(views.LangOf(ctx))
	data, name, err := readUploadFile(w, r)
	if err != nil {
		return s.uploadRefused(w, r, err)
	}
	// Refuse at once what is not a workbook at all (.xls, a renamed text file, nothing).
	if f := numbers.Format(data, name); f == "" || f == "xls" || len(bytes.TrimSpace(data)) == 0 {
		_, err := numbers.ParseBytes(ctx, data, name, numbers.ParseOptions{})
		s.audit(r, TaskID(r), "numbers.upload", name+": "+fileErrorText(err, "zh"), "")
		return s.uploadRefused(w, r, err)
	}
	u, _ := currentUser(r)
	imp, err := s.store.CreateImport(ctx, TaskID(r), name, u.Username)
	if err != nil {
		return err
	}
	select {
	case <-s.parseImport(imp, data):
	case <-time.After(uploadWait):
	case <-ctx.Done():
		return ctx.Err()
	}
	if imp, err = s.store.Import(ctx, imp.ID); err != nil {
		return err
	}
	if imp.State == store.ImportFailed {
		return s.renderNumbersPage(w, r, http.StatusUnprocessableEntity, sentence(imp.Error(lang)))
	}
	return redirect(w, r, importURL(imp.TaskID, imp.ID))
}

// uploadRefused answers an upload refused before any reading: the numbers
// page again, with the message above the form and a 4xx status.
func (s *Server) uploadRefused(w http.ResponseWriter, r *http.Request, err error) error {
	lang := string(views.LangOf(r.Context()))
	var mbe *http.MaxBytesError
	switch {
	case errors.Is(err, numbers.ErrTooLarge), errors.As(err, &mbe):
		return s.renderNumbersPage(w, r, http.StatusRequestEntityTooLarge, views.T(r.Context(), "numbers.err.toolarge"))
	case errors.Is(err, errNoFile):
		return s.renderNumbersPage(w, r, http.StatusBadRequest, views.T(r.Context(), "numbers.err.nofile"))
	}
	var fe *numbers.Error
	if errors.As(err, &fe) {
		return s.renderNumbersPage(w, r, http.StatusUnprocessableEntity, sentence(fe.Message(lang)))
	}
	return err
}

// sentence makes a file problem's message (worded by package numbers to
// follow "…: ") stand alone in an alert: "the file is empty" → "The file is
// empty".
func sentence(msg string) string {
	if msg != "" && msg[0] >= 'a' && msg[0] <= 'z' {
		return string(msg[0]-'a'+'A') + msg[1:]
	}
	return msg
}

func fileErrorText(err error, lang string) string {
	if fe, ok := numbers.AsError(err); ok {
		return fe.Message(lang)
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// fileErrorCodes are the stored error codes of imports refused for each
// kind of file problem, so that the import list can word the problem
// shortly in the reader's language (views "numbers.imports.reason.<code>").
var fileErrorCodes = map[numbers.Kind]string{
	numbers.KindNotWorkbook:   "file.notworkbook",
	numbers.KindXLS:           "file.xls",
	numbers.KindNoPhoneColumn: "file.nophone",
	numbers.KindTooManyRows:   "file.toomanyrows",
	numbers.KindTooLarge:      "file.toolarge",
	numbers.KindZipBomb:       "file.zipbomb",
	numbers.KindEmptyFile:     "file.empty",
	numbers.KindNoData:        "file.nodata",
	numbers.KindBadHeader:     "file.badheader",
}

// fileErrorCode is the stored error code of an import refused for fe.
func fileErrorCode(fe *numbers.Error) string {
	if code, ok := fileErrorCodes[fe.Kind]; ok {
		return code
	}
	return "file"
}

// importReason is why a refused import was refused, shortly, in lang.
// Imports refused before the code named the problem (code "file") keep
// their stored message, in lang.
func importReason(im store.Import, lang views.Lang) string {
	switch code := im.ErrorCode; {
	case code == "interrupted", code == "internal", slices.Contains(slices.Collect(maps.Values(fileErrorCodes)), code):
		return views.Msg(lang, "numbers.imports.reason."+code)
	}
	return im.Error(string(lang))
}

// readUploadFile reads the multipart field "file" of at most
// numbers.MaxFileSize bytes and returns its bytes and file name.
func readUploadFile(w http.ResponseWriter, r *http.Request) ([]byte, string, error) {
	if r.MultipartForm == nil {
		// bodyLimit (bodylimit.go) parses upload forms under its cap before
		// the CSRF check; this is the fallback for a body still unread.
		r.Body = http.MaxBytesReader(w, r.Body, numbers.MaxFileSize+1<<20)
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, "", numbers.ErrTooLarge
			}
			return nil, "", errNoFile
		}
	}
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 {
		return nil, "", errNoFile
	}
	fh := r.MultipartForm.File["file"][0]
	if fh.Size > numbers.MaxFileSize {
		return nil, "", numbers.ErrTooLarge
	}
	f, err := fh.Open()
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	data, err := numbers.ReadUpload(f, numbers.MaxFileSize)
	name := fh.Filename
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	if len(name) > 200 {
		name = name[len(name)-200:]
	}
	return data, strings.ToValidUTF8(name, ""), err
}

// numbersTemplate serves GET /tasks/{id}/numbers/template.xlsx.
func (s *Server) numbersTemplate(w http.ResponseWriter, r *http.Request) error {
	var buf bytes.Buffer
	if err := numbers.WriteTemplate(&buf); err != nil {
		return err
	}
	return sendXLSX(w, "numbers-template.xlsx", buf.Bytes())
}

func sendXLSX(w http.ResponseWriter, name string, data []byte) error {
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("Cache-Control", "no-store")
	_, err := w.Write(data)
	return err
}

func importURL(taskID string, id int64) string {
	return views.TaskURL(taskID, "numbers", "imports", strconv.FormatInt(id, 10))
}

// loadImport reads {iid} of the current task; another task's import is 404.
func (s *Server) loadImport(r *http.Request) (store.Import, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "iid"), 10, 64)
	if err != nil || id <= 0 {
		return store.Import{}, errNotFound
	}
	imp, err := s.store.Import(r.Context(), id)
	if err != nil {
		return imp, err
	}
	if imp.TaskID != TaskID(r) {
		return imp, errNotFound
	}
	return imp, nil
}

// importState is the state as the user sees it: an import whose file was
// being read when dialdesk restarted is lost.
func (s *Server) importState(imp store.Import) string {
	return string(imp.State)
}

func (s *Server) importVM(r *http.Request, imp store.Import) (views.ImportVM, error) {
	ctx := r.Context()
	lang := string(views.LangOf(ctx))
	v := views.ImportVM{
		TaskID: imp.TaskID, ID: imp.ID, URL: importURL(imp.TaskID, imp.ID), FileName: imp.FileName, By: imp.Username,
		At: views.When(ctx, imp.Created), State: string(imp.State), Running: s.imports.isRunning(imp.ID),
		Error: imp.Error(lang), RowsRead: imp.RowsRead, RowsExpect: imp.RowsExpect, Batches: imp.Batches,
		Sent: imp.BatchesSent, RowsSent: imp.RowsSent, RowsUnsure: imp.RowsUnsure, RowsUnsent: imp.RowsUnsent, Variables: imp.Variables, CanManage: canManage(r), CSRFToken: nosurf.Token(r),
		Counts: views.ImportCountsVM{Rows: imp.Counts.Rows, Valid: imp.Counts.Valid, Invalid: imp.Counts.Invalid,
			Duplicate: imp.Counts.Duplicate, Existing: imp.Counts.Existing, Filtered: imp.Counts.Filtered, Empty: imp.Counts.Empty},
	}
	switch imp.State {
	case store.ImportParsing, store.ImportFailed:
		return v, nil
	case store.ImportPreview:
		rows, err := s.store.ImportRows(ctx, imp.ID, previewRows)
		if err != nil {
			return v, err
		}
		for _, row := range rows {
			v.Preview = append(v.Preview, views.PreviewRowVM{Line: row.Line, Phone: row.Phone, Values: variableValues(row.Variables, len(imp.Variables))})
		}
	}
	rejects, err := s.store.ImportRejects(ctx, imp.ID, previewRejts)
	if err != nil {
		return v, err
	}
	for _, rj := range rejects {
		v.Rejects = append(v.Rejects, views.RejectRowVM{Line: rj.Line, Raw: rj.Raw, Reason: rejectOf(rj).Message(lang)})
	}
	return v, nil
}

func rejectOf(rj store.ImportReject) numbers.Rejected {
	reason, _ := numbers.ParseReason(rj.Reason)
	return numbers.Rejected{Line: rj.Line, Raw: rj.Raw, Phone: rj.Phone, Reason: reason, Detail: rj.Detail, First: rj.First}
}

// variableValues splits "name^value|name^value" into its n values.
func variableValues(encoded string, n int) []string {
	out := make([]string, 0, n)
	if encoded != "" {
		for _, pair := range strings.Split(encoded, "|") {
			_, v, _ := strings.Cut(pair, "^")
			out = append(out, v)
		}
	}
	for len(out) < n {
		out = append(out, "")
	}
	return out
}

// importPage serves GET /tasks/{id}/numbers/imports/{iid}: progress, preview,
// result or error of one import. A refused file answers 422.
func (s *Server) importPage(w http.ResponseWriter, r *http.Request) error {
	imp, err := s.loadImport(r)
	if err != nil {
		return err
	}
	v, err := s.importVM(r, imp)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if imp.State == store.ImportFailed || (imp.State == store.ImportParsing && !v.Running) {
		status = http.StatusUnprocessableEntity
	}
	p := s.page(w, r, "tasks", v.TitleKey())
	return s.render(w, r, status, views.ImportPage(p, views.ImportPageVM{Header: s.taskHeader(r, views.TabNumbers), Import: v}))
}

// importLive serves GET /tasks/{id}/numbers/imports/{iid}/live: the import's
// region alone, for htmx polling (always 200 so that htmx swaps it).
func (s *Server) importLive(w http.ResponseWriter, r *http.Request) error {
	imp, err := s.loadImport(r)
	if err != nil {
		return err
	}
	v, err := s.importVM(r, imp)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, views.ImportRegion(v))
}

// importRejects serves GET /tasks/{id}/numbers/imports/{iid}/rejects.xlsx:
// every row not imported, with its reason.
func (s *Server) importRejects(w http.ResponseWriter, r *http.Request) error {
	imp, err := s.loadImport(r)
	if err != nil {
		return err
	}
	rejects, err := s.store.ImportRejects(r.Context(), imp.ID, 0)
	if err != nil {
		return err
	}
	rows := make([]numbers.Rejected, len(rejects))
	for i, rj := range rejects {
		rows[i] = rejectOf(rj)
	}
	var buf bytes.Buffer
	if err := numbers.WriteRejectReport(&buf, rows, string(views.LangOf(r.Context()))); err != nil {
		return err
	}
	return sendXLSX(w, fmt.Sprintf("rejected-%d.xlsx", imp.ID), buf.Bytes())
}

// importConfirm serves POST /tasks/{id}/numbers/imports/{iid}/confirm: the
// preview's 确认导入. It starts sending in the background; repeating it does
// nothing more.
func (s *Server) importConfirm(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	imp, err := s.loadImport(r)
	if err != nil {
		return err
	}
	if imp.State == store.ImportImporting || imp.State == store.ImportDone {
		return redirect(w, r, importURL(imp.TaskID, imp.ID)) // a second click: already on it
	}
	// Numbers put on the task by another import, or on the do-not-call list,
	// since the preview are taken out here (store.ConfirmImport).
	ok, existing, filtered, err := s.store.ConfirmImport(ctx, imp.ID)
	if err != nil {
		return err
	}
	if !ok {
		s.setFlash(w, r, views.T(ctx, "numbers.import.notnow"), true)
		return redirect(w, r, importURL(imp.TaskID, imp.ID))
	}
	if imp, err = s.store.Import(ctx, imp.ID); err != nil {
		return err
	}
	detail := fmt.Sprintf("import %d (%s) confirmed: send %d numbers", imp.ID, imp.FileName, imp.Counts.Valid)
	msg := views.T(ctx, "numbers.import.confirmed")
	if existing+filtered > 0 {
		detail += fmt.Sprintf("; since the preview %d already on the task, %d on the do-not-call list: not sent", existing, filtered)
		msg += " " + views.Tf(ctx, "numbers.import.dropped", existing, filtered)
	}
	s.audit(r, imp.TaskID, "numbers.import", detail, "")
	s.sendImport(imp)
	s.setFlash(w, r, msg, false)
	return redirect(w, r, importURL(imp.TaskID, imp.ID))
}

// importResume serves POST /tasks/{id}/numbers/imports/{iid}/resume: send
// the batches not yet sent of a paused or interrupted import.
func (s *Server) importResume(w http.ResponseWriter, r *http.Request) error {
	return s.importTransition(w, r, store.ImportImporting, []store.ImportState{store.ImportPaused, store.ImportImporting}, "numbers.import.resumed")
}

// importCancel serves POST /tasks/{id}/numbers/imports/{iid}/cancel: the
// preview's 取消. Nothing is sent.
func (s *Server) importCancel(w http.ResponseWriter, r *http.Request) error {
	return s.importTransition(w, r, store.ImportCanceled, []store.ImportState{store.ImportPreview}, "numbers.import.wascanceled")
}

func (s *Server) importTransition(w http.ResponseWriter, r *http.Request, to store.ImportState, from []store.ImportState, okKey string) error {
	ctx := r.Context()
	imp, err := s.loadImport(r)
	if err != nil {
		return err
	}
	if to == store.ImportImporting && imp.State == store.ImportImporting && s.imports.isRunning(imp.ID) {
		return redirect(w, r, importURL(imp.TaskID, imp.ID)) // already on it
	}
	ok, err := s.store.SetImportState(ctx, imp.ID, to, from...)
	if err != nil {
		return err
	}
	if !ok {
		if now, err := s.store.Import(ctx, imp.ID); err == nil && to == store.ImportImporting && now.State == store.ImportAbandoned {
			return httpError(http.StatusConflict, "numbers.import.noresume", nil)
		}
		s.setFlash(w, r, views.T(ctx, "numbers.import.notnow"), true)
		return redirect(w, r, importURL(imp.TaskID, imp.ID))
	}
	switch to {
	case store.ImportImporting:
		s.audit(r, imp.TaskID, "numbers.import", fmt.Sprintf("import %d (%s) resumed: %d of %d numbers left to send",
			imp.ID, imp.FileName, imp.Counts.Valid-imp.RowsSent, imp.Counts.Valid), "")
		s.sendImport(imp)
	case store.ImportCanceled:
		if err := s.store.DiscardImportRows(ctx, imp.ID); err != nil {
			return err
		}
		s.audit(r, imp.TaskID, "numbers.cancel", fmt.Sprintf("import %d (%s) canceled", imp.ID, imp.FileName), "")
	}
	s.setFlash(w, r, views.T(ctx, okKey), false)
	return redirect(w, r, importURL(imp.TaskID, imp.ID))
}

// importAbandon serves POST /tasks/{id}/numbers/imports/{iid}/abandon: a
// paused or interrupted import's 放弃未发送的号码. Without confirm=1 it asks
// first, saying how many numbers will not be sent and that those sent stay
// on the task; with it, store.AbandonImport deletes the unsent rows (they no
// longer count as on the task, and no resume sends them) and keeps the sent
// and possibly sent ones. An import being sent now cannot be abandoned
// (409): the import is claimed here as a job claims it, so no job is sending
// it while the store checks its state and deletes, and none can start.
func (s *Server) importAbandon(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	imp, err := s.loadImport(r)
	if err != nil {
		return err
	}
	switch imp.State {
	case store.ImportAbandoned:
		s.setFlash(w, r, views.T(ctx, "numbers.abandon.already"), false) // a second click
		return redirect(w, r, importURL(imp.TaskID, imp.ID))
	case store.ImportPaused, store.ImportImporting:
	default:
		return httpError(http.StatusConflict, "numbers.abandon.notnow", nil)
	}
	if !s.imports.claim(imp.ID) {
		return httpError(http.StatusConflict, "numbers.abandon.sending", nil)
	}
	defer s.imports.release(imp.ID)
	if r.PostFormValue("confirm") != "1" {
		if imp, err = s.store.Import(ctx, imp.ID); err != nil { // counts as of now, the import claimed
			return err
		}
		v := views.AbandonConfirmVM{Header: s.taskHeader(r, views.TabNumbers), URL: importURL(imp.TaskID, imp.ID),
			FileName: imp.FileName, Unsent: imp.RowsUnsent, Sent: imp.RowsSent, Unsure: imp.RowsUnsure}
		return s.render(w, r, http.StatusOK, views.AbandonConfirmPage(s.page(w, r, "tasks", "numbers.abandon.title"), v))
	}
	a, err := s.store.AbandonImport(ctx, imp.ID)
	if err != nil {
		return err
	}
	if !a.OK {
		return httpError(http.StatusConflict, "numbers.abandon.notnow", nil)
	}
	s.audit(r, imp.TaskID, "numbers.abandon", fmt.Sprintf("import %d (%s) abandoned: %d numbers not sent, removed; %d sent stay on the task; %d possibly sent (outcome unknown) kept, not sent again",
		imp.ID, imp.FileName, a.Unsent, a.Sent, a.Unsure), "")
	s.setFlash(w, r, views.Tf(ctx, "numbers.abandon.done", a.Unsent, a.Sent+a.Unsure), false)
	return redirect(w, r, importURL(imp.TaskID, imp.ID))
}

// numberList builds the task's number list from surface B (v1/task/number)
// when it is configured, else from what dialdesk sent, each number with the
// latest call the pushes and the sync stored for it (未拨打 without one).
func (s *Server) numberList(r *http.Request, taskID string, canDelete bool) (views.NumberListVM, error) {
	ctx := r.Context()
	lang := string(views.LangOf(ctx))
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	l := views.NumberListVM{Action: views.TaskURL(taskID, "numbers"), Keyword: phoneKeyword(q.Get("q")), Page: page,
		History: q.Get("history") == "1", CanDelete: canDelete, FromStore: !s.client.HasV1()}
	if l.FromStore {
		// Status: the latest stored call's (surface A's call statuses).
		status, callStatus := q.Get("status"), -1
		for _, st := range []client.CallStatus{client.CallNotDialed, 1, 2, 3, 4, 5, 6, 7, 9} {
			v := strconv.Itoa(int(st))
			l.Statuses = append(l.Statuses, views.OptionVM{Value: v, Label: st.Name(lang), Selected: v == status})
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
		for _, row := range rows {
			n := views.NumberRowVM{Phone: row.Phone, OutID: row.OutID, Status: client.CallNotDialed.Name(lang), Unsure: !row.Sent}
			if c, ok := calls[row.OutID]; ok {
				n.Status = client.CallStatus(c.Status).Name(lang)
				if !c.StartAt.IsZero() {
					n.CallDate = views.When(ctx, c.StartAt)
				}
				if c.FeeMS > 0 {
					n.TalkTime = views.Duration(ctx, time.Duration(c.FeeMS)*time.Millisecond)
				}
			}
			l.Rows = append(l.Rows, n)
		}
		l.Total, l.LastPage = total, lastPage(total, listPageSize)
	} else {
		nq := client.NumberQuery{TaskID: taskID, Page: page, Keyword: l.Keyword, CallHistory: l.History}
		status := q.Get("status")
		for st := 0; st <= 12; st++ {
			v := strconv.Itoa(st)
			l.Statuses = append(l.Statuses, views.OptionVM{Value: v, Label: client.NumberStatus(st).Name(lang), Selected: v == status})
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
			page, l.Page, nq.Page = res.LastPage, res.LastPage, res.LastPage
			res, err = s.client.TaskNumbers(ctx, nq)
		}
		if err != nil {
			if ctx.Err() != nil {
				return l, err
			}
			s.log.Warn("numbers list: platform", "task", taskID, "err", err)
			l.Error, l.RetryURL = client.HumanError(err, lang), r.URL.RequestURI()
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
		for _, n := range res.Numbers {
			row := views.NumberRowVM{Phone: n.Number.String(), OutID: outids[n.Number.String()], Status: n.Status.Name(lang),
				Operator: operatorLabel(ctx, n.MobileType), Location: strings.TrimSpace(n.Province + " " + n.City), CallDate: views.When(ctx, n.CallDate.In(s.client.Location()))}
			for _, a := range n.CallHistory {
				row.History = append(row.History, views.When(ctx, a.CallTime.In(s.client.Location()))+" "+a.Status.Name(lang))
			}
			l.Rows = append(l.Rows, row)
		}
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

// operatorLabel names the platform's mobile_type in the user's language:
// the seed's own example is "聯(lián)通", the sandbox says "联通"; the codes
// yd/lt/dx count too. Anything else is shown as the platform gave it.
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
	s.audit(r, taskID, "numbers.delete", fmt.Sprintf("delete %d numbers: %s", len(outIDs), strings.Join(named, ", ")), answerOf(err))
	s.tasks.forget(taskID)
	if err != nil {
		return err
	}
	s.setFlash(w, r, views.Tf(ctx, "numbers.delete.done", deleted), false)
	return redirect(w, r, views.TaskURL(taskID, "numbers"))
}

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
	return s.render(w, r, status, views.DNCPage(s.page(w, r, "tasks", "dnc.title"), v))
}

// dncAdd serves POST /dnc: add one number (form field phone).
func (s *Server) dncAdd(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	raw := r.PostFormValue("phone")
	phone, reason := numbers.Normalize(raw)
	if reason != numbers.ReasonOK {
		msg := views.Tf(ctx, "dnc.invalid", reason.Message(string(views.LangOf(ctx))))
		return s.renderDNC(w, r, http.StatusUnprocessableEntity, msg, raw)
	}
	return s.dncAdded(w, r, []string{phone}, 0, "add "+phone)
}

func (s *Server) dncAdded(w http.ResponseWriter, r *http.Request, phones []string, invalid int, detail string) error {
	ctx := r.Context()
	u, _ := currentUser(r)
	added, err := s.store.AddDoNotCall(ctx, phones, u.Username, "")
	if err != nil {
		return err
	}
	s.audit(r, "", "dnc.add", fmt.Sprintf("%s (%d new)", detail, added), "")
	msg := views.Tf(ctx, "dnc.added", added, len(phones)-added)
	if invalid > 0 {
		msg += " " + views.Tf(ctx, "dnc.skipped", invalid)
	}
	s.setFlash(w, r, msg, false)
	return redirect(w, r, "/dnc")
}

// dncUpload serves POST /dnc/upload: add every valid number of an .xlsx or
// .csv list (same rules as number lists).
func (s *Server) dncUpload(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	lang := string(views.LangOf(ctx))
	data, name, err := readUploadFile(w, r)
	if err == nil {
		var res *numbers.Result
		res, err = numbers.ParseBytes(ctx, data, name, numbers.ParseOptions{})
		if err == nil {
			phones := make([]string, 0, len(res.ValidRows))
			for _, row := range res.ValidRows {
				phones = append(phones, row.Phone)
			}
			return s.dncAdded(w, r, phones, res.Counts.Invalid, fmt.Sprintf("upload %s: %d numbers, %d invalid", name, len(phones), res.Counts.Invalid))
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
		return s.renderDNC(w, r, http.StatusUnprocessableEntity, sentence(fe.Message(lang)), "")
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
		s.audit(r, "", "dnc.remove", "remove "+phone, "")
	}
	s.setFlash(w, r, views.T(ctx, "dnc.removed"), false)
	return redirect(w, r, "/dnc?"+url.Values{}.Encode())
}
