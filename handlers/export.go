package handlers

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xuri/excelize/v2"

	"dialdesk/client"
	"dialdesk/views"
)

// maxExportPages bounds an export (15 calls a page).
const maxExportPages = 4000

var exportTokenRe = regexp.MustCompile(`^[0-9a-z]{1,24}$`)

// callExport serves GET /tasks/{id}/calls/export.xlsx: every page of the
// filtered call list (same query as the list) as an .xlsx written row by
// row with excelize's StreamWriter and sent as it is zipped. Refused (403,
// in plain words) when the task's export_status forbids export. The query
// parameter t names the download so the page can tell when it is done (the
// answer sets the cookie export_done=t) and ask how far it is
// (callExportProgress); static/call.js shows the progress.
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
	f, _ := s.parseCallFilter(ctx, r.URL.Query(), s.callMeta(ctx))
	lang := views.LangOf(ctx)
	surfaceB := s.client.HasV1()

	xf := excelize.NewFile()
	defer xf.Close()
	sheet := xf.GetSheetName(0)
	sw, err := xf.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	// Talk time in whole seconds, a number: a spreadsheet sorts and sums it.
	header := []string{"calls.col.callee", "calls.col.time", "calls.filter.bill"}
	if surfaceB {
		header = append(header, "calls.col.rounds", "calls.col.score", "calls.col.level", "calls.col.tags", "calls.col.hangup")
	} else {
		header = append(header, "calls.col.status", "calls.col.intent", "calls.col.rounds")
	}
	header = append(header, "calls.fact.caller", "calls.reviewed")
	row := make([]any, len(header))
	for i, k := range header {
		row[i] = views.Msg(lang, k)
	}
	if err := sw.SetRow("A1", row); err != nil {
		return err
	}
	_ = sw.SetColWidth(1, 2, 18)
	prog := s.exportProgress(id, r.URL.Query().Get("t"))
	defer prog.finish()
	n := 1
	for page := 1; page <= maxExportPages; page++ {
		f.Page = page
		p, err := s.callItems(ctx, id, f)
		if err != nil {
			return err
		}
		prog.set(n-1, p.Total)
		keys := make([]string, len(p.Items))
		for i, it := range p.Items {
			keys[i] = it.Key
		}
		marks, err := s.store.CallMarks(ctx, id, keys)
		if err != nil {
			return err
		}
		for _, it := range p.Items {
			n++
			row = s.exportRow(ctx, lang, it, settings.NumberHide, marks[it.Key].Reviewed())
			cell, _ := excelize.CoordinatesToCellName(1, n)
			if err := sw.SetRow(cell, row); err != nil {
				return err
			}
		}
		if page >= p.LastPage || len(p.Items) == 0 {
			break
		}
	}
	prog.set(n-1, n-1)
	if err := sw.Flush(); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{
		"filename": fmt.Sprintf("calls-%s-%s.xlsx", id, s.now().In(s.loc).Format("20060102-1504"))}))
	h.Set("Cache-Control", "no-store")
	if t := r.URL.Query().Get("t"); exportTokenRe.MatchString(t) {
		http.SetCookie(w, &http.Cookie{Name: "export_done", Value: t, Path: "/", MaxAge: 120, SameSite: http.SameSiteLaxMode, Secure: isHTTPS(r)})
	}
	s.log.Info("calls exported", "task", id, "rows", n-1)
	s.audit(r, id, "calls.export", strconv.Itoa(n-1)+" rows", "")
	if err := xf.Write(w); err != nil {
		s.log.Info("export: write", "task", id, "err", err)
	}
	return nil
}

func (s *Server) exportRow(ctx context.Context, lang views.Lang, it callItem, hide int, reviewed bool) []any {
	rev := ""
	if reviewed {
		rev = "✓"
	}
	if b := it.B; b != nil {
		level := b.LevelName
		if b.Level != nil && b.Level.Name != "" {
			level = levelLabel(*b.Level)
		}
		var tags []string
		for _, t := range b.Tags {
			tags = append(tags, t.Name)
		}
		return []any{maskPhone(string(b.Callee), hide), exportTime(b.CallDate.In(s.client.Location()), s.loc),
			seconds(int64(b.Bill)), int(b.Rounds), int(b.Score), level,
			strings.Join(tags, "、"), hangupName(lang, int(b.HangupDisposition)), string(b.CallerNumber), rev}
	}
	a := it.A
	row := []any{maskPhone(a.Tel, hide), exportTime(a.StartAt, s.loc), seconds(a.FeeMS)}
	if s.client.HasV1() { // a pushed call merged into surface B's list
		return append(row, a.UserMsgs, "", strings.Join(client.SplitIntentions(a.Intention), "、"), "", "", a.Caller, rev)
	}
	return append(row, client.CallStatus(a.Status).Name(string(lang)), strings.Join(client.SplitIntentions(a.Intention), "、"),
		a.UserMsgs, a.Caller, rev)
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

var exportStates sync.Map // *Server → *sync.Map (task + "/" + t → *exportState)

// exportProgress registers the export of task named t (nil when t is not
// a valid token: then nothing is recorded).
func (s *Server) exportProgress(task, t string) *exportState {
	if !exportTokenRe.MatchString(t) {
		return nil
	}
	m, _ := exportStates.LoadOrStore(s, &sync.Map{})
	states := m.(*sync.Map)
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
	if m, ok := exportStates.Load(s); ok {
		if v, ok := m.(*sync.Map).Load(TaskID(r) + "/" + t); ok {
			e := v.(*exportState)
			e.mu.Lock()
			st.rows, st.total, st.done = e.rows, e.total, e.done
			e.mu.Unlock()
		}
	}
	body := fmt.Sprintf(`{"rows":%d,"total":%d,"done":%t}`, st.rows, st.total, st.done)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, err := w.Write([]byte(body))
	return err
}
