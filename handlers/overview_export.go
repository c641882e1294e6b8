package handlers

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"dialdesk/audit"
	"dialdesk/internal/xlsxstream"
	"dialdesk/store"
	"dialdesk/views"
)

// overviewExport answers GET /overview/export.xlsx (same query as the
// page): every chart's table of the view, one after another on one sheet,
// each under its title. Small, so it is built whole before it is sent.
func (s *Server) overviewExport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	lang := views.LangOf(ctx)
	q, errKey := s.parseOverviewQuery(r.URL.Query())
	if errKey != "" {
		return httpError(http.StatusBadRequest, errKey, nil)
	}
	ov, err := s.readOverview(ctx, q)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	xw, err := xlsxstream.New(&buf, xlsxstream.Options{SheetName: views.Msg(lang, "overview.sheet"), ColWidths: []float64{28, 14, 14, 14, 14}})
	if err != nil {
		return err
	}
	rangeRow := []any{views.Msg(lang, "overview.range"), q.From.Format(dayLayout), q.To.Format(dayLayout)}
	if err := xw.WriteRow(rangeRow...); err != nil {
		return err
	}
	k := kpiCards(lang, ov.Total, ov.Prev)
	for _, c := range k {
		if err := xw.WriteRow(c.Label, c.Exact); err != nil {
			return err
		}
	}
	for _, t := range overviewTables(lang, ov) {
		if err := xw.WriteRow(); err != nil {
			return err
		}
		if err := xw.WriteRow(t.Title); err != nil {
			return err
		}
		head := make([]any, len(t.Head))
		for i, h := range t.Head {
			head[i] = h
		}
		if err := xw.WriteRow(head...); err != nil {
			return err
		}
		for _, row := range t.Rows {
			cells := make([]any, len(row))
			for i, c := range row {
				cells[i] = xlsxCell(c)
			}
			if err := xw.WriteRow(cells...); err != nil {
				return err
			}
		}
	}
	if err := xw.Close(); err != nil {
		return err
	}
	stamp := q.From.Format("20060102") + "-" + q.To.Format("20060102")
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", attachment("overview-"+stamp+".xlsx", views.Msg(lang, "overview.sheet")+"-"+stamp+".xlsx"))
	h.Set("Cache-Control", "no-store")
	_, err = buf.WriteTo(w)
	if err != nil {
		s.log.Debug("write overview export", "err", err)
	}
	return nil
}

// xlsxCell is a table cell for the workbook: numbers stay numbers, a rate
// is a ratio rounded to 4 places (formatted as a percentage by the reader).
func xlsxCell(c any) any {
	switch c := c.(type) {
	case rate:
		if math.IsNaN(float64(c)) {
			return nil
		}
		return math.Round(float64(c)*10000) / 10000
	}
	return c
}

// leadsExport answers GET /overview/leads.xlsx (same query as the page):
// the intent calls of the selected tasks and range (线索导出), streamed as
// they are read from the store: number (masked as each task's number
// masking says), task, time, level, tags, talk time, the template variables
// imported with the number, and the conversation as text.
func (s *Server) leadsExport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	lang := views.LangOf(ctx)
	q, errKey := s.parseOverviewQuery(r.URL.Query())
	if errKey != "" {
		return httpError(http.StatusBadRequest, errKey, nil)
	}
	done, ok := s.startExport(w)
	if !ok {
		return errExportBusy
	}
	defer done()
	ov, err := s.readOverview(ctx, q)
	if err != nil {
		return err
	}
	levels, tags := leadChoice(r.URL.Query())
	if len(levels) == 0 && len(tags) == 0 {
		for _, l := range ov.Levels {
			if l.Intent > 0 {
				levels = append(levels, l.Val)
			}
		}
	}
	vars, err := s.store.ImportVariableNames(ctx, q.Tasks)
	if err != nil {
		return err
	}
	known, err := s.store.KnownTasks(ctx)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, t := range known {
		names[t.ID] = t.Name
	}
	hideOf := s.hideOf(ctx)

	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Now().Add(exportWriteWindow))
	stamp := q.From.Format("20060102") + "-" + q.To.Format("20060102")
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", attachment("leads-"+stamp+".xlsx", views.Msg(lang, "overview.leads.sheet")+"-"+stamp+".xlsx"))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	xw, err := xlsxstream.New(w, xlsxstream.Options{SheetName: views.Msg(lang, "overview.leads.sheet"),
		ColWidths: []float64{16, 20, 18, 12, 20, 10}, FreezeHeader: true})
	if err != nil {
		return err
	}
	m := func(k string) string { return views.Msg(lang, k) }
	head := []any{m("overview.leads.number"), m("overview.leads.task"), m("overview.leads.time"), m("overview.leads.level"),
		m("overview.leads.tags"), m("overview.leads.talk")}
	for _, v := range vars {
		head = append(head, v)
	}
	head = append(head, m("overview.leads.transcript"))
	if err := xw.WriteRow(head...); err != nil {
		return err
	}
	rows := 0
	err = s.store.Leads(ctx, store.LeadQuery{Tasks: q.Tasks, From: q.Start(), To: q.End(), Levels: levels, Tags: tags}, func(l store.Lead) error {
		row := []any{phoneFor(ctx, l.Tel, hideOf(l.TaskID)), names[l.TaskID], views.When(ctx, l.StartAt), l.Level,
			strings.Join(l.Tags, "、"), l.TalkMS / 1000}
		values := decodeVariables(l.Variables)
		for _, v := range vars {
			row = append(row, values[v])
		}
		row = append(row, transcriptText(lang, l.Turns))
		rows++
		if err := xw.WriteRow(row...); err != nil {
			return err
		}
		if rows%leadFlushEvery == 0 {
			if err := xw.Flush(); err != nil {
				return err
			}
			_ = rc.SetWriteDeadline(time.Now().Add(exportWriteWindow))
			if err := rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = xw.Close()
	}
	if err != nil {
		level := slog.LevelWarn
		if ctx.Err() != nil {
			level = slog.LevelInfo
		}
		s.log.Log(context.WithoutCancel(ctx), level, "leads export interrupted", "rows", rows, "err", err)
		panic(http.ErrAbortHandler) // no end of file: the download fails visibly
	}
	s.auditLog(r, "", audit.LeadsExport, audit.Args{"rows": rows, "from": q.From.Format(dayLayout), "to": q.To.Format(dayLayout),
		"tasks": q.Tasks}, "")
	return nil
}

// leadChoice reads the levels and tags a leads export was asked for
// (?level=…&tag=…, each at most maxLeadChoice values of at most 100
// characters); none means the intent levels.
func leadChoice(v url.Values) (levels, tags []string) {
	pick := func(vals []string) []string {
		var out []string
		for _, x := range vals {
			if x != "" && len(x) <= 100 && utf8.ValidString(x) && len(out) < maxLeadChoice && !slices.Contains(out, x) {
				out = append(out, x)
			}
		}
		return out
	}
	return pick(v["level"]), pick(v["tag"])
}

const maxLeadChoice = 50

// leadFlushEvery is how many lead rows go out per flush.
const leadFlushEvery = 200

// decodeVariables reads "name^value|name^value" (as imported) into a map.
func decodeVariables(enc string) map[string]string {
	out := map[string]string{}
	if enc == "" {
		return out
	}
	for _, pair := range strings.Split(enc, "|") {
		name, val, _ := strings.Cut(pair, "^")
		out[name] = val
	}
	return out
}

// transcriptText is a conversation as text, a line per turn: "机器人：…".
func transcriptText(lang views.Lang, turns []store.CallMessage) string {
	var b strings.Builder
	for i, t := range turns {
		if i > 0 {
			b.WriteByte('\n')
		}
		who := "overview.leads.customer"
		if t.Sender == 1 {
			who = "overview.leads.robot"
		}
		b.WriteString(views.Msg(lang, who))
		if lang == views.EN {
			b.WriteString(": ")
		} else {
			b.WriteString("：")
		}
		b.WriteString(t.Content)
	}
	return b.String()
}
