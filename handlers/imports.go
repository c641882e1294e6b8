package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/justinas/nosurf"

	"dialdesk/audit"
	"dialdesk/numbers"
	"dialdesk/store"
	"dialdesk/views"
)

// How long an upload waits for its file to be read before it answers: a
// small file's preview (or its error) comes back on the answer itself, a big
// one's on the page the answer leads to, with a live progress bar.
const uploadWait = 2 * time.Second

// Limits of the import page.
const (
	previewRows  = 20
	previewRejts = 100
)

var errNoFile = errors.New("no file in the upload")

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
		s.auditLog(r, TaskID(r), audit.NumbersUploadRefused, refusedArgs(name, err), "")
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
		return s.renderNumbersPage(w, r, http.StatusUnprocessableEntity, sentence(importError(imp, views.Lang(lang))))
	}
	return redirect(w, r, importURL(imp.TaskID, imp.ID))
}

// uploadRefused answers an upload refused before any reading: the numbers
// page again, with the message above the form and a 4xx status.
func (s *Server) uploadRefused(w http.ResponseWriter, r *http.Request, err error) error {
	var mbe *http.MaxBytesError
	switch {
	case errors.Is(err, numbers.ErrTooLarge), errors.As(err, &mbe):
		return s.renderNumbersPage(w, r, http.StatusRequestEntityTooLarge, views.T(r.Context(), "numbers.err.toolarge"))
	case errors.Is(err, errNoFile):
		return s.renderNumbersPage(w, r, http.StatusBadRequest, views.T(r.Context(), "numbers.err.nofile"))
	}
	var fe *numbers.Error
	if errors.As(err, &fe) {
		return s.renderNumbersPage(w, r, http.StatusUnprocessableEntity, sentence(fileProblem(r.Context(), fe)))
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

// refusedArgs are the audit log's record of an upload refused for err: the
// file and the problem's code.
func refusedArgs(file string, err error) audit.Args {
	problem := "internal"
	if fe, ok := numbers.AsError(err); ok {
		problem = fileErrorCode(fe)
	}
	return audit.Args{"file": file, "problem": problem}
}

// fileErrorCode is the stored error code of an import refused for fe:
// "file." and the problem's code, so that the import list can word it
// shortly in the reader's language (views "numbers.imports.reason.<code>").
func fileErrorCode(fe *numbers.Error) string { return "file." + fe.Code() }

// importReason is why a refused import was refused, shortly, in lang.
// Imports that stopped before codes had arguments keep their recorded
// words.
func importReason(im store.Import, lang views.Lang) string {
	if im.ErrorZH != "" || im.ErrorEN != "" {
		return im.Error(string(lang))
	}
	code := im.ErrorCode
	if code == "interrupted" || code == "internal" ||
		(strings.HasPrefix(code, "file.") && slices.Contains(numbers.Codes(), strings.TrimPrefix(code, "file."))) {
		return views.Msg(lang, "numbers.imports.reason."+code)
	}
	return importError(im, lang)
}

// importError is why an import failed or paused, in lang: its code and
// arguments in words; an import that stopped before codes had arguments
// shows its recorded words.
func importError(im store.Import, lang views.Lang) string {
	if im.ErrorZH != "" || im.ErrorEN != "" {
		return im.Error(string(lang))
	}
	if im.ErrorCode == "" {
		return ""
	}
	return views.ImportError(lang, im.ErrorCode, im.ErrorArgs)
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

type importKey struct{}

// loadImport is the middleware of the routes under
// /tasks/{id}/numbers/imports/{iid}: it reads the import, 404 for a bad id,
// an unknown import or another task's; the handlers get it with
// currentImport. It runs after loadTask.
func (s *Server) loadImport(next http.Handler) http.Handler {
	return s.h(func(w http.ResponseWriter, r *http.Request) error {
		id, err := strconv.ParseInt(chi.URLParam(r, "iid"), 10, 64)
		if err != nil || id <= 0 {
			return errNotFound
		}
		imp, err := s.store.Import(r.Context(), id)
		if err != nil {
			return err
		}
		if imp.TaskID != TaskID(r) {
			return errNotFound
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), importKey{}, imp)))
		return nil
	})
}

// currentImport is the import loadImport read for this request.
func currentImport(r *http.Request) store.Import {
	imp, _ := r.Context().Value(importKey{}).(store.Import)
	return imp
}

// importRunning reports whether background work goes on with imp here: its
// file is being read, or it is importing and the import sender runs (it
// sends every importing import, whoever confirmed it).
func (s *Server) importRunning(imp store.Import) bool {
	switch imp.State {
	case store.ImportParsing:
		return s.imports.isRunning(imp.ID)
	case store.ImportImporting:
		return s.jobsRunning()
	}
	return false
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
		At: views.When(ctx, imp.Created), State: string(imp.State), Running: s.importRunning(imp),
		Error: importError(imp, views.LangOf(ctx)), RowsRead: imp.RowsRead, RowsExpect: imp.RowsExpect, Batches: imp.Batches,
		Sent: imp.BatchesSent, RowsSent: imp.RowsSent, RowsUnsure: imp.RowsUnsure, RowsUnsent: imp.RowsUnsent, Variables: imp.Variables, CanManage: canManage(r), CSRFToken: nosurf.Token(r),
		Counts: countsVM(imp.Counts),
	}
	rd, err := s.redialVM(ctx, imp)
	if err != nil {
		return v, err
	}
	v.Redial = rd
	cs, _ := s.store.GetTaskCallSettings(ctx, imp.TaskID)
	switch imp.State {
	case store.ImportParsing, store.ImportFailed:
		return v, nil
	case store.ImportPreview:
		rows, err := s.store.ImportRows(ctx, imp.ID, previewRows)
		if err != nil {
			return v, err
		}
		for _, row := range rows {
			v.Preview = append(v.Preview, views.PreviewRowVM{Line: row.Line, Phone: phoneFor(ctx, row.Phone, cs.NumberHide), Values: variableValues(row.Variables, imp.Variables)})
		}
	}
	rejects, err := s.store.ImportRejects(ctx, imp.ID, previewRejts)
	if err != nil {
		return v, err
	}
	for _, rj := range rejects {
		v.Rejects = append(v.Rejects, views.RejectRowVM{Line: rj.Line, Raw: rejectPhone(ctx, rj.Raw, rj.Phone, cs.NumberHide), Reason: rejectText(views.Lang(lang), rejectOf(rj))})
	}
	return v, nil
}

// countsVM is what happened to an import's rows, for the views.
func countsVM(c store.ImportCounts) views.ImportCountsVM {
	return views.ImportCountsVM{Rows: c.Rows, Valid: c.Valid, Invalid: c.Invalid, Duplicate: c.Duplicate,
		Existing: c.Existing, Filtered: c.Filtered, Empty: c.Empty, FilteredLate: c.FilteredLate, Refused: c.Refused}
}

// rejectText is why a row was not sent, in lang.
func rejectText(lang views.Lang, r numbers.Rejected) string {
	return views.RejectReason(lang, r.Reason.String(), r.Args())
}

// fileProblem is why a number file was refused, in the request's language.
func fileProblem(ctx context.Context, fe *numbers.Error) string {
	return views.FileProblem(views.LangOf(ctx), fe.Code(), fe.Args())
}

func rejectOf(rj store.ImportReject) numbers.Rejected {
	reason, _ := numbers.ParseReason(rj.Reason)
	return numbers.Rejected{Line: rj.Line, Raw: rj.Raw, Phone: rj.Phone, Reason: reason, Detail: rj.Detail, First: rj.First, Cells: rj.Cells}
}

// variableValues gives the values of an encoded row ("name^value|…") in
// the order of names, "" for a name the row lacks: a file's rows hold
// every name in that order; a redial's keep the variables each number had
// in its own import.
func variableValues(encoded string, names []string) []string {
	byName := map[string]string{}
	if encoded != "" {
		for _, pair := range strings.Split(encoded, "|") {
			n, v, _ := strings.Cut(pair, "^")
			byName[n] = v
		}
	}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = byName[n]
	}
	return out
}

// importPage serves GET /tasks/{id}/numbers/imports/{iid}: progress, preview,
// result or error of one import. A refused file answers 422.
func (s *Server) importPage(w http.ResponseWriter, r *http.Request) error {
	imp := currentImport(r)
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
	imp := currentImport(r)
	v, err := s.importVM(r, imp)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, views.ImportRegion(v))
}

// rejectPhone is a rejected row's phone cell as the user of ctx may see it
// (phoneFor): managers and admins the cell as the file had it; a supervisor
// the valid number it holds masked, even when the file wrote it with spaces
// or dashes, which masking the cell itself would leave mostly readable.
func rejectPhone(ctx context.Context, cell, phone string, hide int) string {
	if shown := phoneFor(ctx, phone, hide); phone != "" && shown != phone {
		return shown
	}
	return phoneFor(ctx, cell, hide)
}

// importRejects serves GET /tasks/{id}/numbers/imports/{iid}/rejects.xlsx:
// every row not imported, with its reason. Managers and admins get their
// rows back as the file had them, to correct and upload again; supervisors
// get the phone cell masked as the task says (phoneFor), like every number
// they see.
func (s *Server) importRejects(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	imp := currentImport(r)
	rejects, err := s.store.ImportRejects(ctx, imp.ID, 0)
	if err != nil {
		return err
	}
	header, err := s.store.ImportHeader(ctx, imp.ID)
	if err != nil {
		return err
	}
	phoneCol := numbers.PhoneColumn(header)
	cs, _ := s.store.GetTaskCallSettings(ctx, imp.TaskID)
	rows := make([]numbers.Rejected, len(rejects))
	for i, rj := range rejects {
		rows[i] = rejectOf(rj)
		rows[i].Raw = rejectPhone(ctx, rj.Raw, rj.Phone, cs.NumberHide)
		if phoneCol >= 0 && phoneCol < len(rows[i].Cells) {
			rows[i].Cells[phoneCol] = rejectPhone(ctx, rows[i].Cells[phoneCol], rj.Phone, cs.NumberHide)
		}
	}
	var buf bytes.Buffer
	lang := views.LangOf(ctx)
	words := numbers.RejectWords{Sheet: views.Msg(lang, "numbers.report.sheet"),
		Header:       [3]string{views.Msg(lang, "numbers.report.row"), views.Msg(lang, "numbers.report.number"), views.Msg(lang, "numbers.report.reason")},
		Reason:       func(rj numbers.Rejected) string { return rejectText(lang, rj) },
		ReasonColumn: views.Msg(lang, "numbers.report.reasoncol"),
		LineReason: func(rj numbers.Rejected) string {
			return fmt.Sprintf(views.Msg(lang, "numbers.report.linereason"), rj.Line, rejectText(lang, rj))
		}}
	if err := numbers.WriteRejectReport(&buf, header, phoneCol, rows, words); err != nil {
		return err
	}
	return sendXLSX(w, fmt.Sprintf("rejected-%d.xlsx", imp.ID), buf.Bytes())
}

// importConfirm serves POST /tasks/{id}/numbers/imports/{iid}/confirm: the
// preview's 确认导入. It starts sending in the background; repeating it does
// nothing more.
func (s *Server) importConfirm(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	imp := currentImport(r)
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
	args := audit.Args{"import": imp.ID, "file": imp.FileName, "numbers": imp.Counts.Valid}
	msg := views.T(ctx, "numbers.import.confirmed")
	if existing+filtered > 0 {
		args["existing"], args["filtered"] = existing, filtered
		msg += " " + views.Tf(ctx, "numbers.import.dropped", existing, filtered)
	}
	s.auditLog(r, imp.TaskID, audit.NumbersImport, args, "")
	s.wakeSender()
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
	imp := currentImport(r)
	if to == store.ImportImporting && imp.State == store.ImportImporting && s.importRunning(imp) {
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
		s.auditLog(r, imp.TaskID, audit.NumbersImportResume, audit.Args{"import": imp.ID, "file": imp.FileName,
			"left": imp.Counts.Valid - imp.RowsSent, "total": imp.Counts.Valid}, "")
		s.wakeSender()
	case store.ImportCanceled:
		if err := s.store.DiscardImportRows(ctx, imp.ID); err != nil {
			return err
		}
		s.auditLog(r, imp.TaskID, audit.NumbersCancel, audit.Args{"import": imp.ID, "file": imp.FileName}, "")
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
// (409): the import is held from the import sender here (ImportSender.Hold),
// so the sender does not send it while the store checks its state and
// deletes; and the sender marks a batch sending only while the import is
// importing (store.MarkBatchSending), so none starts after.
func (s *Server) importAbandon(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	imp := currentImport(r)
	switch imp.State {
	case store.ImportAbandoned:
		s.setFlash(w, r, views.T(ctx, "numbers.abandon.already"), false) // a second click
		return redirect(w, r, importURL(imp.TaskID, imp.ID))
	case store.ImportPaused, store.ImportImporting:
	default:
		return httpError(http.StatusConflict, "numbers.abandon.notnow", nil)
	}
	if !s.sender.Hold(imp.ID) {
		return httpError(http.StatusConflict, "numbers.abandon.sending", nil)
	}
	defer s.sender.Release(imp.ID)
	if r.PostFormValue("confirm") != "1" {
		imp, err := s.store.Import(ctx, imp.ID) // counts as of now, the import claimed
		if err != nil {
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
	s.auditLog(r, imp.TaskID, audit.NumbersAbandon, audit.Args{"import": imp.ID, "file": imp.FileName,
		"unsent": a.Unsent, "sent": a.Sent, "unsure": a.Unsure}, "")
	s.setFlash(w, r, views.Tf(ctx, "numbers.abandon.done", a.Unsent, a.Sent+a.Unsure), false)
	return redirect(w, r, importURL(imp.TaskID, imp.ID))
}

// numberList builds the task's number list from surface B (v1/task/number)
