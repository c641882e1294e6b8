package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"dialdesk/audit"
	"dialdesk/client"
	"dialdesk/internal/xlsxstream"
	"dialdesk/views"
)

// maxExportPages bounds an export (15 calls a page): 60,000 calls. A longer
// list is cut there, with a last row that says so (Server.exportPages is
// this, smaller in tests).
const maxExportPages = 4000

// exportWriteWindow is how long one page's rows may take to reach the
// browser. The server's WriteTimeout counts from the request and would cut
// a long export, so the connection's write deadline (this response's only)
// moves this far ahead as each page arrives.
const exportWriteWindow = time.Minute

var exportTokenRe = regexp.MustCompile(`^[0-9a-z]{1,24}$`)

// callExport serves GET /tasks/{id}/calls/export.xlsx: every page of the
// filtered call list (same query as the list) as an .xlsx streamed to the
// browser as the pages come from the platform (or the store), in bounded
// memory whatever the number of calls (internal/xlsxstream). Refused (403,
// in plain words) when the task's export_status forbids export.
//
// The first page is fetched before anything is sent, so a platform failure
// then is a normal error page. A failure later cannot change the status
// any more: the response is aborted (the browser shows a failed download,
// not a valid-looking file missing calls) and logged.
//
// The query parameter t names the download: the page asks how far it is
// (callExportProgress, rows written so far) and the answer sets the cookie
// export_done=t; static/call.js shows the progress.
func (s *Server) callExport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := TaskID(r)
	settings, _ := s.store.GetTaskCallSettings(ctx, id)
	if settings.ExportStatus == client.ExportForbidden {
		return httpError(http.StatusForbidden, "calls.export.forbidden", nil)
	}
	done, ok := s.startExport(w) // at most maxConcurrentExports at once (exportlimit.go)
	if !ok {
		return errExportBusy
	}
	defer done()
	f, fvm := s.parseCallFilter(ctx, r.URL.Query(), s.callMeta(ctx))
	if fvm.Invalid() { // the page offers no export then: the file would hold the wrong calls
		return httpError(http.StatusBadRequest, "calls.filter.invalid", nil)
	}
	prog := s.exportProgress(id, r.URL.Query().Get("t"))
	defer prog.finish()
	f.Page = 1
	first, err := s.callItems(ctx, id, f)
	if err != nil {
		return err
	}
	prog.set(0, first.Total)

	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Now().Add(exportWriteWindow)) // unsupported writers (tests) keep theirs
	s.exportHeaders(w, r, id)
	rows, cut, err := s.streamCalls(w, r, rc, f, first, settings.NumberHide, prog)
	if err != nil {
		level := slog.LevelWarn
		if ctx.Err() != nil { // the browser went away (cancelled download, closed tab)
			level = slog.LevelInfo
		}
		s.log.Log(context.WithoutCancel(ctx), level, "export interrupted", "task", id, "rows", rows, "err", err)
		s.auditLog(r, id, audit.CallsExportInterrupted, audit.Args{"rows": rows}, client.ErrorCode(err))
		panic(http.ErrAbortHandler) // no end of file: the download fails visibly
	}
	action := audit.CallsExport
	if cut {
		action = audit.CallsExportCut
	}
	s.log.Info("calls exported", "task", id, "rows", rows, "cut", cut)
	s.auditLog(r, id, action, audit.Args{"rows": rows}, "")
	return nil
}

// streamCalls writes the export's workbook to w: the header row, the rows
// of page first, then those of each next page as it arrives, flushed to the
// browser page by page. It returns the number of calls written and whether
// the list was cut at s.exportPages pages: the response is streaming by
// then, so the cut is said in a last row (calls.export.cut), not a status.
func (s *Server) streamCalls(w http.ResponseWriter, r *http.Request, rc *http.ResponseController, f callFilter, first callPage, hide int, prog *exportState) (rows int, cut bool, err error) {
	ctx := r.Context()
	id := TaskID(r)
	lang := views.LangOf(ctx)
	xw, err := xlsxstream.New(w, xlsxstream.Options{SheetName: views.Msg(lang, "calls.records"), ColWidths: []float64{18, 18}, FreezeHeader: true})
	if err != nil {
		return 0, false, err
	}
	// The columns the numbers were imported with (姓名 …) follow the call's.
	varNames, err := s.store.TaskVariableNames(ctx, id)
	if err != nil {
		return 0, false, err
	}
	header := s.exportHeader(lang)
	for _, n := range varNames {
		header = append(header, n)
	}
	if err := xw.WriteRow(header...); err != nil {
		return 0, false, err
	}
	total, p := first.Total, first
	for page := 1; ; page++ {
		if page > 1 {
			f.Page = page
			if p, err = s.callItems(ctx, id, f); err != nil {
				return rows, false, err
			}
			_ = rc.SetWriteDeadline(time.Now().Add(exportWriteWindow))
		}
		keys := make([]string, len(p.Items))
		for i, it := range p.Items {
			keys[i] = it.Key
		}
		marks, err := s.store.CallMarks(ctx, id, keys)
		if err != nil {
			return rows, false, err
		}
		vars, err := s.callVariables(ctx, id, p.Items, varNames)
		if err != nil {
			return rows, false, err
		}
		for _, it := range p.Items {
			row := s.exportRow(ctx, lang, it, hide, marks[it.Key].Reviewed())
			for _, v := range vars[it.Key] {
				row = append(row, v)
			}
			if err := xw.WriteRow(row...); err != nil {
				return rows, false, err
			}
		}
		rows += len(p.Items)
		if err := xw.Flush(); err != nil {
			return rows, false, err
		}
		if err := rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return rows, false, err
		}
		prog.set(rows, total)
		if page >= p.LastPage || len(p.Items) == 0 {
			break
		}
		if page >= s.exportPages {
			cut = true
			limit := s.exportPages * client.PageSize
			s.log.Warn("export cut", "task", id, "rows", rows, "total", p.Total, "pages", page, "limit", limit)
			if err := xw.WriteRow(fmt.Sprintf(views.Msg(lang, "calls.export.cut"), rows, max(p.Total, rows), limit)); err != nil {
				return rows, true, err
			}
			break
		}
	}
	if err := xw.Close(); err != nil {
		return rows, cut, err
	}
	if err := rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return rows, cut, err
	}
	prog.set(rows, rows)
	return rows, cut, nil
}

// exportHeader is the export's first row, in the user's language. Talk time
// is in whole seconds, a number: a spreadsheet sorts and sums it.
func (s *Server) exportHeader(lang views.Lang) []any {
	keys := []string{"calls.col.callee", "calls.col.time", "calls.filter.bill"}
	if s.client.HasV1() {
		keys = append(keys, "calls.col.rounds", "calls.col.score", "calls.col.level", "calls.col.tags", "calls.col.hangup")
	} else {
		keys = append(keys, "calls.col.status", "calls.col.intent", "calls.col.rounds")
	}
	keys = append(keys, "calls.fact.caller", "calls.reviewed")
	row := make([]any, len(keys))
	for i, k := range keys {
		row[i] = views.Msg(lang, k)
	}
	return row
}

// exportHeaders sets the export's response headers: an attachment named in
// ASCII (calls-<task>-<time>.xlsx) and, for browsers that read it, in UTF-8
// with the task's name; no caching, no proxy buffering (nginx would
// otherwise hold the stream back); the export_done cookie for call.js.
func (s *Server) exportHeaders(w http.ResponseWriter, r *http.Request, id string) {
	stamp := s.now().In(s.loc).Format("20060102-1504")
	name := id
	if k, ok := knownTask(r); ok && k.Name != "" {
		name = k.Name
	}
	if info, ok := taskInfo(r); ok && info.Name != "" {
		name = info.Name
	}
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", attachment("calls-"+id+"-"+stamp+".xlsx",
		name+"-"+views.Msg(views.LangOf(r.Context()), "calls.records")+"-"+stamp+".xlsx"))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	if t := r.URL.Query().Get("t"); exportTokenRe.MatchString(t) {
		http.SetCookie(w, &http.Cookie{Name: "export_done", Value: t, Path: "/", MaxAge: 120, SameSite: http.SameSiteLaxMode, Secure: isHTTPS(r)})
	}
}

// attachment is a Content-Disposition naming a download: filename in ASCII
// (other characters become _) for every browser, filename* in UTF-8
// (RFC 6266, RFC 8187) for those that read it.
func attachment(ascii, utf8Name string) string {
	clean := func(r rune) rune {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`"\/:*?<>|`, r) {
			return '_'
		}
		return r
	}
	ascii = strings.Map(func(r rune) rune {
		if r > 0x7e {
			return '_'
		}
		return clean(r)
	}, ascii)
	utf8Name = strings.ToValidUTF8(strings.Map(clean, utf8Name), "_")
	if r := []rune(utf8Name); len(r) > 120 {
		utf8Name = string(r[:115]) + ".xlsx"
	}
	var enc strings.Builder
	for _, b := range []byte(utf8Name) {
		if 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || strings.IndexByte("!#$&+-.^_`|~", b) >= 0 {
			enc.WriteByte(b)
		} else {
			fmt.Fprintf(&enc, "%%%02X", b)
		}
	}
	return `attachment; filename="` + ascii + `"; filename*=UTF-8''` + enc.String()
}

func (s *Server) exportRow(ctx context.Context, lang views.Lang, it callItem, hide int, reviewed bool) []any {
	rev := ""
	if reviewed {
		rev = "✓"
	}
	if b := it.B; b != nil {
		level := ""
		if c := levelChip(b); c != nil {
			level = c.Name
		}
		var tags []string
		for _, t := range b.Tags {
			tags = append(tags, t.Name)
		}
		return []any{phoneFor(ctx, string(b.Callee), hide), exportTime(b.CallDate.In(s.client.Location()), s.loc),
			seconds(int64(b.Bill)), int(b.Rounds), int(b.Score), level,
			strings.Join(tags, "、"), hangupName(lang, int(b.HangupDisposition)), string(b.CallerNumber), rev}
	}
	a := it.A
	row := []any{phoneFor(ctx, a.Tel, hide), exportTime(a.StartAt, s.loc), seconds(a.FeeMS)}
	if s.client.HasV1() { // a pushed call merged into surface B's list
		return append(row, a.UserMsgs, "", strings.Join(client.SplitIntentions(a.Intention), "、"), "", "", a.Caller, rev)
	}
	return append(row, views.CallStatusName(views.LangOf(ctx), int(a.Status)), strings.Join(client.SplitIntentions(a.Intention), "、"),
		a.UserMsgs, a.Caller, rev)
}

// callVariables returns, by call key, the values of the template variables
// names that the call's number was imported with: found by the stored
// call's outid, or (a platform record) by its number; calls of numbers
// dialdesk did not import are absent.
func (s *Server) callVariables(ctx context.Context, taskID string, items []callItem, names []string) (map[string][]string, error) {
	if len(names) == 0 {
		return nil, nil
	}
	outOf := map[string]string{} // call key → outid
	var phones []string
	for _, it := range items {
		switch {
		case it.A != nil && it.A.OutID != "":
			outOf[it.Key] = it.A.OutID
		case it.B != nil:
			phones = append(phones, string(it.B.Callee))
		}
	}
	if len(phones) > 0 {
		byPhone, err := s.store.OutIDsOf(ctx, taskID, phones)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			if it.B != nil && byPhone[string(it.B.Callee)] != "" {
				outOf[it.Key] = byPhone[string(it.B.Callee)]
			}
		}
	}
	enc, err := s.store.VariablesOf(ctx, taskID, slices.Collect(maps.Values(outOf)))
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for key, o := range outOf {
		vals := map[string]string{}
		for pair := range strings.SplitSeq(enc[o], "|") {
			if name, v, ok := strings.Cut(pair, "^"); ok {
				vals[name] = v
			}
		}
		row := make([]string, len(names))
		for i, n := range names {
			row[i] = vals[n]
		}
		out[key] = row
	}
	return out, nil
}

// seconds is a duration in ms as whole seconds, rounded as the pages round it.
func seconds(ms int64) int64 {
	return int64((time.Duration(max(ms, 0)) * time.Millisecond).Round(time.Second) / time.Second)
}

func exportTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(views.TimeLayout)
}

// An export's progress, for the page that started it: rows written so far
// and the list's total, by task and the download's token t. Kept a minute
// after the export ends; a bounded number at once.
type exportState struct {
	mu    sync.Mutex
	rows  int
	total int
	done  bool
	ended time.Time
}

const maxExportStates = 200

// exportProgress registers the export of task named t (nil when t is not
// a valid token: then nothing is recorded).
func (s *Server) exportProgress(task, t string) *exportState {
	if !exportTokenRe.MatchString(t) {
		return nil
	}
	states := s.exportStates
	n := 0
	states.Range(func(k, v any) bool { // forget the ones ended a while ago
		st := v.(*exportState)
		st.mu.Lock()
		old := st.done && time.Since(st.ended) > time.Minute
		st.mu.Unlock()
		if old {
			states.Delete(k)
		} else {
			n++
		}
		return true
	})
	if n >= maxExportStates {
		return nil
	}
	st := &exportState{}
	states.Store(task+"/"+t, st)
	return st
}

func (e *exportState) set(rows, total int) {
	if e == nil {
		return
	}
	e.mu.Lock()
	e.rows, e.total = rows, max(total, rows)
	e.mu.Unlock()
}

func (e *exportState) finish() {
	if e == nil {
		return
	}
	e.mu.Lock()
	e.done, e.ended = true, time.Now()
	e.mu.Unlock()
}

// callExportProgress serves GET /tasks/{id}/calls/export-progress?t=…: how
// far the export named t is, as JSON {"rows":…,"total":…,"done":…}. An
// export not started yet (the page asks from the click on) is all zeros, not
// a 404 that would land in the browser's console; a malformed t is 404.
func (s *Server) callExportProgress(w http.ResponseWriter, r *http.Request) error {
	t := r.URL.Query().Get("t")
	if !exportTokenRe.MatchString(t) {
		return errNotFound
	}
	var st exportState
	if v, ok := s.exportStates.Load(TaskID(r) + "/" + t); ok {
		e := v.(*exportState)
		e.mu.Lock()
		st.rows, st.total, st.done = e.rows, e.total, e.done
		e.mu.Unlock()
	}
	body := fmt.Sprintf(`{"rows":%d,"total":%d,"done":%t}`, st.rows, st.total, st.done)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, err := w.Write([]byte(body))
	return err
}
