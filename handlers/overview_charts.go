package handlers

import (
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"dialdesk/client"
	"dialdesk/internal/chart"
	"dialdesk/store"
	"dialdesk/views"
)

// kpiCards are the overview's KPI cards: each figure, its rate or unit, and
// its change against the previous period of the same length.
func kpiCards(lang views.Lang, cur, prev store.Figures) []views.KPIVM {
	m := func(k string) string { return views.Msg(lang, k) }
	num := func(n int64) string { return formatInt(n) }
	cards := []views.KPIVM{
		{Key: "calls", Label: m("overview.kpi.calls"), Value: num(cur.Calls), Exact: cur.Calls,
			Definition: m("overview.def.calls")},
		{Key: "connected", Label: m("overview.kpi.connected"), Value: num(cur.Connected), Exact: cur.Connected,
			Sub: m("overview.kpi.connectrate") + " " + pct(cur.ConnectRate()), Definition: m("overview.def.connected")},
		{Key: "intent", Label: m("overview.kpi.intent"), Value: num(cur.Intent), Exact: cur.Intent,
			Sub: m("overview.kpi.intentrate") + " " + pct(cur.IntentRate()), Definition: m("overview.def.intent")},
		{Key: "talk_seconds", Label: m("overview.kpi.avgtalk"), Value: avgDuration(lang, cur.AvgTalkSeconds()), Exact: cur.TalkSeconds(),
			Sub:        views.Msg(lang, "overview.kpi.talktotal") + " " + views.FormatDuration(lang, time.Duration(cur.TalkSeconds())*time.Second),
			Definition: m("overview.def.talk")},
		{Key: "rounds", Label: m("overview.kpi.avgrounds"), Value: decimal(cur.AvgRounds()), Exact: cur.Rounds,
			Definition: m("overview.def.rounds")},
		{Key: "billed_minutes", Label: m("overview.kpi.billed"), Value: num(cur.BilledMin), Exact: cur.BilledMin,
			Definition: m("overview.def.billed")},
	}
	changes := []struct{ now, before float64 }{
		{float64(cur.Calls), float64(prev.Calls)},
		{float64(cur.Connected), float64(prev.Connected)},
		{float64(cur.Intent), float64(prev.Intent)},
		{cur.AvgTalkSeconds(), prev.AvgTalkSeconds()},
		{cur.AvgRounds(), prev.AvgRounds()},
		{float64(cur.BilledMin), float64(prev.BilledMin)},
	}
	for i, c := range changes {
		cards[i].Change, cards[i].ChangeUp = change(c.now, c.before)
	}
	return cards
}

// change is "▲ 12.5%" or "▼ 3.0%" against the previous period; "" when the
// previous period had nothing to compare with.
func change(now, before float64) (string, bool) {
	if math.IsNaN(now) || math.IsNaN(before) || before == 0 {
		return "", false
	}
	d := (now - before) / before
	if d >= 0 {
		return "▲ " + strconv.FormatFloat(d*100, 'f', 1, 64) + "%", true
	}
	return "▼ " + strconv.FormatFloat(-d*100, 'f', 1, 64) + "%", false
}

// pct formats a rate 0…1 as 45.2%; "—" when there is no rate.
func pct(r float64) string {
	if math.IsNaN(r) {
		return "—"
	}
	return strconv.FormatFloat(r*100, 'f', 1, 64) + "%"
}

func decimal(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func avgDuration(lang views.Lang, sec float64) string {
	if math.IsNaN(sec) {
		return "—"
	}
	return views.FormatDuration(lang, time.Duration(sec*float64(time.Second)))
}

// formatInt writes n with thousands separators (1,234,567).
func formatInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}

// chartTable is a chart's numbers before formatting: the page shows them as
// text, the .xlsx export keeps numbers as numbers.
type chartTable struct {
	Name, Title string
	Head        []string
	Rows        [][]any // string, int64 or rate (a ratio 0…1, NaN for none)
}

// rate is a ratio shown as a percentage.
type rate float64

func (t chartTable) view() views.TableVM {
	v := views.TableVM{Head: t.Head}
	for _, row := range t.Rows {
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = cellText(c)
		}
		v.Rows = append(v.Rows, cells)
	}
	return v
}

func cellText(c any) string {
	switch c := c.(type) {
	case string:
		return c
	case int64:
		return formatInt(c)
	case rate:
		return pct(float64(c))
	case float64:
		return decimal(c)
	}
	return fmt.Sprint(c)
}

// Chart geometry, in viewBox units: a half-width card's chart is chartW
// wide, the wide charts (by day, heatmap) wideW; CSS scales them to their
// card (text is 15 units: about 15 px on a laptop, 10 px on a phone).
const (
	chartW    = 520.0
	wideW     = 760.0
	padLeft   = 52.0
	padRight  = 48.0
	padTop    = 14.0
	plotH     = 200.0
	axisBelow = 30.0
	rowH      = 30.0
	labelW    = 140.0
	valueW    = 110.0
)

// overviewCharts builds every chart of the overview in the order a manager
// asks: by day → levels → outcomes → when people answer → talk time and
// rounds → caller numbers → regions and operators → hang-up and tags → the
// script funnel. needsB charts say so when surface B is not configured.
func overviewCharts(lang views.Lang, loc *time.Location, ov store.Overview, colors map[string]string, surfaceB bool) []views.ChartVM {
	tables := overviewTables(lang, ov)
	var out []views.ChartVM
	for _, t := range tables {
		c := views.ChartVM{Name: t.Name, Title: t.Title, Table: t.view()}
		switch {
		case needsSurfaceB[t.Name] && !surfaceB:
			c.Note = views.Msg(lang, "overview.note.needsb")
		case len(t.Rows) == 0 || allZero(t):
			c.Note = views.Msg(lang, "overview.note.nodata")
		}
		if c.Note == "" {
			drawChart(&c, lang, t, ov, colors)
		}
		out = append(out, c)
	}
	return out
}

// needsSurfaceB are the charts only surface B's call records can feed.
var needsSurfaceB = map[string]bool{"rounds": true, "provinces": true, "operators": true, "hangup": true, "tags": true, "lastnode": true}

func allZero(t chartTable) bool {
	for _, row := range t.Rows {
		for _, c := range row[1:] {
			if n, ok := c.(int64); ok && n != 0 {
				return false
			}
		}
	}
	return true
}

// overviewTables is every chart's numbers (the charts draw them; the
// export writes them).
func overviewTables(lang views.Lang, ov store.Overview) []chartTable {
	m := func(k string) string { return views.Msg(lang, k) }
	var ts []chartTable

	// By day (by hour for one day).
	series := chartTable{Name: "daily", Title: m("overview.chart.daily"),
		Head: []string{m("overview.col.day"), m("overview.col.calls"), m("overview.col.connected"), m("overview.col.connectrate")}}
	if ov.ByHour {
		series.Title, series.Head[0] = m("overview.chart.hourly"), m("overview.col.hour")
	}
	for _, b := range ov.Series {
		label := b.Start.Format("01-02")
		if ov.ByHour {
			label = b.Start.Format("15:00")
		}
		series.Rows = append(series.Rows, []any{label, b.Calls, b.Connected, rate(b.ConnectRate())})
	}
	ts = append(ts, series)

	levels := chartTable{Name: "levels", Title: m("overview.chart.levels"),
		Head: []string{m("overview.col.level"), m("overview.col.calls"), m("overview.col.connected"), m("overview.col.intentlevel")}}
	for _, d := range ov.Levels {
		intent := m("overview.no")
		if d.Intent > 0 {
			intent = m("overview.yes")
		}
		levels.Rows = append(levels.Rows, []any{levelName(lang, d.Val), d.Calls, d.Connected, intent})
	}
	ts = append(ts, levels)

	outcomes := chartTable{Name: "outcomes", Title: m("overview.chart.outcomes"),
		Head: []string{m("overview.col.outcome"), m("overview.col.calls"), m("overview.col.share")}}
	for _, d := range ov.Outcomes {
		outcomes.Rows = append(outcomes.Rows, []any{outcomeName(lang, d.Val), d.Calls, rate(chart.Rate(d.Calls, ov.Total.Calls))})
	}
	ts = append(ts, outcomes)

	heat := chartTable{Name: "heatmap", Title: m("overview.chart.heatmap"),
		Head: []string{m("overview.col.weekday"), m("overview.col.hour"), m("overview.col.calls"), m("overview.col.connected"), m("overview.col.connectrate")}}
	for _, wd := range weekdays {
		for h := range 24 {
			f := ov.Heat[wd][h]
			if f.Calls > 0 {
				heat.Rows = append(heat.Rows, []any{weekdayName(lang, wd), fmt.Sprintf("%02d:00", h), f.Calls, f.Connected, rate(f.ConnectRate())})
			}
		}
	}
	ts = append(ts, heat)

	talk := chartTable{Name: "talk", Title: m("overview.chart.talk"),
		Head: []string{m("overview.col.talk"), m("overview.col.connected")}}
	for _, d := range ov.Talk {
		talk.Rows = append(talk.Rows, []any{d.Val, d.Connected})
	}
	ts = append(ts, talk)
	rounds := chartTable{Name: "rounds", Title: m("overview.chart.rounds"),
		Head: []string{m("overview.col.rounds"), m("overview.col.connected")}}
	for _, d := range ov.RoundsHist {
		rounds.Rows = append(rounds.Rows, []any{d.Val, d.Connected})
	}
	ts = append(ts, rounds)

	rateTable := func(name, title, col string, ds []store.DimValue, label func(string) string) chartTable {
		t := chartTable{Name: name, Title: title,
			Head: []string{col, m("overview.col.calls"), m("overview.col.connected"), m("overview.col.connectrate")}}
		for _, d := range ds {
			t.Rows = append(t.Rows, []any{label(d.Val), d.Calls, d.Connected, rate(d.ConnectRate())})
		}
		return t
	}
	orUnknown := func(v string) string {
		if v == "" {
			return m("overview.unknown")
		}
		return v
	}
	ts = append(ts, rateTable("callers", m("overview.chart.callers"), m("overview.col.caller"), ov.Callers, orUnknown))
	ts = append(ts, rateTable("provinces", m("overview.chart.provinces"), m("overview.col.province"), ov.Provinces, orUnknown))
	ts = append(ts, rateTable("operators", m("overview.chart.operators"), m("overview.col.operator"), ov.Operators,
		func(v string) string { return operatorName(lang, v) }))

	hang := chartTable{Name: "hangup", Title: m("overview.chart.hangup"),
		Head: []string{m("overview.col.hangup"), m("overview.col.connected"), m("overview.col.share")}}
	for _, d := range ov.Hangup {
		hang.Rows = append(hang.Rows, []any{hangupSide(lang, d.Val), d.Connected, rate(chart.Rate(d.Connected, ov.Total.Connected))})
	}
	ts = append(ts, hang)

	tags := chartTable{Name: "tags", Title: m("overview.chart.tags"),
		Head: []string{m("overview.col.tag"), m("overview.col.calls"), m("overview.col.connected")}}
	for _, d := range ov.Tags {
		tags.Rows = append(tags.Rows, []any{d.Val, d.Calls, d.Connected})
	}
	ts = append(ts, tags)

	fun := chartTable{Name: "funnel", Title: m("overview.chart.funnel"),
		Head: []string{m("overview.col.turn"), m("overview.col.reached"), m("overview.col.ofconnected")}}
	for _, st := range ov.Funnel {
		fun.Rows = append(fun.Rows, []any{fmt.Sprintf(views.Msg(lang, "overview.turn"), st.Turn), st.Reached, rate(chart.Rate(st.Reached, ov.Total.Connected))})
	}
	ts = append(ts, fun)

	last := chartTable{Name: "lastnode", Title: m("overview.chart.lastnode"),
		Head: []string{m("overview.col.node"), m("overview.col.hungup")}}
	for _, d := range ov.LastNodes {
		last.Rows = append(last.Rows, []any{orUnknown(d.Val), d.Connected})
	}
	ts = append(ts, last)
	return ts
}

// weekdays in the order the heatmap shows them: Monday first.
var weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

func weekdayName(lang views.Lang, wd time.Weekday) string {
	return views.Msg(lang, "overview.weekday."+strconv.Itoa(int(wd)))
}

func levelName(lang views.Lang, v string) string {
	if v == "" {
		return views.Msg(lang, "overview.nolevel")
	}
	return v
}

func outcomeName(lang views.Lang, v string) string {
	n, err := strconv.Atoi(v)
	if err != nil {
		return v
	}
	return views.CallStatusName(lang, n)
}

func operatorName(lang views.Lang, v string) string {
	switch v {
	case "yd", "lt", "dx":
		return views.Msg(lang, "overview.operator."+v)
	case "":
		return views.Msg(lang, "overview.unknown")
	}
	return v
}

func hangupSide(lang views.Lang, v string) string {
	switch v {
	case "1", "2":
		return views.Msg(lang, "calls.hangup."+v)
	}
	return views.Msg(lang, "overview.unknown")
}

// short cuts a label drawn in a chart to n characters (the table and the
// mark's tooltip keep the whole name).
func short(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// drawChart lays out chart c from its table t.
func drawChart(c *views.ChartVM, lang views.Lang, t chartTable, ov store.Overview, colors map[string]string) {
	switch t.Name {
	case "daily":
		c.Wide = true
		drawSeries(c, lang, t)
	case "heatmap":
		c.Wide = true
		drawHeatmap(c, lang, ov)
	case "talk", "rounds":
		drawColumns(c, t, 1)
	case "levels":
		fills := make([]string, len(t.Rows))
		for i, d := range ov.Levels {
			if col, ok := chart.Color(colors[d.Val]); ok {
				fills[i] = col
			}
		}
		drawRows(c, lang, t, 1, fills, "bar-level")
		for i := range c.Marks {
			if c.Marks[i].Fill != "" {
				c.Marks[i].Class = "bar-own" // the level's own color: no class may paint over it
			}
		}
	case "outcomes":
		drawRows(c, lang, t, 1, nil, "bar-outcome")
		for i, d := range ov.Outcomes {
			if d.Val == strconv.Itoa(int(client.CallConnected)) {
				c.Marks[i].Class = "bar-good"
			}
		}
	case "callers", "provinces", "operators":
		drawRateRows(c, lang, t, ov.Total.ConnectRate())
	case "hangup", "tags", "funnel", "lastnode":
		drawRows(c, lang, t, 1, nil, "bar-plain")
	}
	c.Label = chartLabel(lang, t)
}

// chartLabel is the SVG's aria-label: the title and where the numbers are.
func chartLabel(lang views.Lang, t chartTable) string {
	return t.Title + views.Msg(lang, "overview.aria.table")
}

// maxRows bounds the rows a bar chart draws (the table lists them all).
const maxRows = 15

func cellInt(c any) int64 {
	if n, ok := c.(int64); ok {
		return n
	}
	return 0
}

// drawRows draws horizontal bars of column col of t, one per row.
func drawRows(c *views.ChartVM, lang views.Lang, t chartTable, col int, fills []string, class string) {
	rows := t.Rows[:min(len(t.Rows), maxRows)]
	vals := make([]float64, len(rows))
	var top float64
	for i, r := range rows {
		vals[i] = float64(cellInt(r[col]))
		top = math.Max(top, vals[i])
	}
	plotW := chartW - labelW - valueW
	sc := chart.NewCountScale(top, plotW, 4)
	bars := chart.Rows(vals, sc, labelW, padTop, rowH, 0.25)
	c.W, c.H = chart.F(chartW), chart.F(padTop*2+rowH*float64(len(rows)))
	for i, b := range bars {
		name := cellText(rows[i][0])
		mk := views.SVGMark{X: chart.F(b.X), Y: chart.F(b.Y), W: chart.F(b.W), H: chart.F(b.H), Class: class,
			Title: name + ": " + rowTitle(t, rows[i])}
		if fills != nil && fills[i] != "" {
			mk.Fill = fills[i]
		}
		c.Marks = append(c.Marks, mk)
		mid := chart.F(b.Y + b.H/2 + 5)
		c.Texts = append(c.Texts,
			views.SVGText{X: chart.F(labelW - 6), Y: mid, Anchor: "end", Class: "lbl", Text: short(name, 9)},
			views.SVGText{X: chart.F(b.X + b.W + 4), Y: mid, Anchor: "start", Class: "val", Text: cellText(rows[i][col])})
	}
}

// rowTitle is a mark's tooltip: every figure of its row with its column name.
func rowTitle(t chartTable, row []any) string {
	s := ""
	for i := 1; i < len(row); i++ {
		if i > 1 {
			s += ", "
		}
		s += t.Head[i] + " " + cellText(row[i])
	}
	return s
}

// drawRateRows draws connect rates as horizontal bars (0…100%); a rate far
// below the overall rate is marked bad.
func drawRateRows(c *views.ChartVM, lang views.Lang, t chartTable, overall float64) {
	rows := t.Rows[:min(len(t.Rows), maxRows)]
	vals := make([]float64, len(rows))
	for i, r := range rows {
		v := float64(r[3].(rate))
		if math.IsNaN(v) {
			v = 0
		}
		vals[i] = v
	}
	plotW := chartW - labelW - valueW
	sc := chart.Scale{Max: 1, Len: plotW}
	bars := chart.Rows(vals, sc, labelW, padTop, rowH, 0.25)
	c.W, c.H = chart.F(chartW), chart.F(padTop*2+rowH*float64(len(rows)))
	for i, b := range bars {
		name := cellText(rows[i][0])
		class := "bar-rate"
		if !math.IsNaN(overall) && vals[i] < overall/2 {
			class = "bar-bad"
		}
		c.Marks = append(c.Marks, views.SVGMark{X: chart.F(b.X), Y: chart.F(b.Y), W: chart.F(b.W), H: chart.F(b.H), Class: class,
			Title: name + ": " + rowTitle(t, rows[i])})
		mid := chart.F(b.Y + b.H/2 + 5)
		c.Texts = append(c.Texts,
			views.SVGText{X: chart.F(labelW - 6), Y: mid, Anchor: "end", Class: "lbl", Text: short(name, 12)},
			views.SVGText{X: chart.F(b.X + b.W + 4), Y: mid, Anchor: "start", Class: "val",
				Text: cellText(rows[i][3]) + " · " + cellText(rows[i][1])})
	}
}

// drawColumns draws a histogram: a column per row of t (column col).
func drawColumns(c *views.ChartVM, t chartTable, col int) {
	vals := make([]float64, len(t.Rows))
	var top float64
	for i, r := range t.Rows {
		vals[i] = float64(cellInt(r[col]))
		top = math.Max(top, vals[i])
	}
	plotW := chartW - padLeft - padRight
	sc := chart.NewCountScale(top, plotH, 4)
	c.W, c.H = chart.F(chartW), chart.F(padTop+plotH+axisBelow)
	yAxis(c, sc, padLeft, plotW, func(v float64) string { return formatInt(int64(v)) })
	band := chart.NewBand(len(vals), plotW, 0.2)
	for i, b := range chart.Columns(vals, sc, padLeft, padTop, plotW, 0.2) {
		name := cellText(t.Rows[i][0])
		c.Marks = append(c.Marks, views.SVGMark{X: chart.F(b.X), Y: chart.F(b.Y), W: chart.F(b.W), H: chart.F(b.H),
			Class: "bar-plain", Title: name + ": " + rowTitle(t, t.Rows[i])})
		c.Texts = append(c.Texts, views.SVGText{X: chart.F(padLeft + band.Center(i)), Y: chart.F(padTop + plotH + 20),
			Anchor: "middle", Class: "lbl", Text: name})
	}
}

// yAxis draws horizontal grid lines at the scale's ticks with their labels.
func yAxis(c *views.ChartVM, sc chart.Scale, x0, w float64, label func(float64) string) {
	for _, tk := range sc.Ticks {
		y := padTop + sc.Len - sc.At(tk)
		c.Grid = append(c.Grid, views.SVGLine{X1: chart.F(x0), Y1: chart.F(y), X2: chart.F(x0 + w), Y2: chart.F(y)})
		c.Texts = append(c.Texts, views.SVGText{X: chart.F(x0 - 6), Y: chart.F(y + 5), Anchor: "end", Class: "tick", Text: label(tk)})
	}
}

// drawSeries draws calls (light) and connected (dark, in front) per day or
// hour, and the connect rate as a line on a 0–100% axis at the right.
func drawSeries(c *views.ChartVM, lang views.Lang, t chartTable) {
	n := len(t.Rows)
	calls, conn, rates := make([]float64, n), make([]float64, n), make([]float64, n)
	var top float64
	for i, r := range t.Rows {
		calls[i], conn[i], rates[i] = float64(cellInt(r[1])), float64(cellInt(r[2])), float64(r[3].(rate))
		top = math.Max(top, calls[i])
	}
	const left = 76.0 // room for the tick labels, which a phone shows larger
	plotW := wideW - left - padRight - 20
	sc := chart.NewCountScale(top, plotH, 4)
	c.W, c.H = chart.F(wideW), chart.F(padTop+plotH+axisBelow+10)
	yAxis(c, sc, left, plotW, func(v float64) string { return formatInt(int64(v)) })
	rs := chart.Scale{Max: 1, Len: plotH}
	for _, tk := range []float64{0, 0.5, 1} {
		c.Texts = append(c.Texts, views.SVGText{X: chart.F(left + plotW + 6), Y: chart.F(padTop + plotH - rs.At(tk) + 5),
			Anchor: "start", Class: "tick rate", Text: strconv.Itoa(int(tk*100)) + "%"})
	}
	band := chart.NewBand(n, plotW, 0.2)
	every := max(1, (n+9)/10)
	for i, b := range chart.Columns(calls, sc, left, padTop, plotW, 0.2) {
		name := cellText(t.Rows[i][0])
		title := name + ": " + rowTitle(t, t.Rows[i])
		c.Marks = append(c.Marks, views.SVGMark{X: chart.F(b.X), Y: chart.F(b.Y), W: chart.F(b.W), H: chart.F(b.H), Class: "bar-calls", Title: title})
		if i%every == 0 {
			c.Texts = append(c.Texts, views.SVGText{X: chart.F(left + band.Center(i)), Y: chart.F(padTop + plotH + 26),
				Anchor: "middle", Class: "lbl", Text: name})
		}
	}
	for i, b := range chart.Columns(conn, sc, left, padTop, plotW, 0.45) {
		c.Marks = append(c.Marks, views.SVGMark{X: chart.F(b.X), Y: chart.F(b.Y), W: chart.F(b.W), H: chart.F(b.H), Class: "bar-connected",
			Title: cellText(t.Rows[i][0]) + ": " + rowTitle(t, t.Rows[i])})
	}
	pts := chart.Line(rates, rs, left, padTop, plotW)
	line := views.SVGPolyline{Points: chart.Points(pts), Class: "rate-line"}
	j := 0
	for i, r := range rates {
		if math.IsNaN(r) {
			continue
		}
		line.Dots = append(line.Dots, views.SVGDot{X: chart.F(pts[j].X), Y: chart.F(pts[j].Y),
			Title: cellText(t.Rows[i][0]) + ": " + t.Head[3] + " " + pct(r)})
		j++
	}
	c.Lines = append(c.Lines, line)
}

// drawHeatmap draws connect rate by weekday (rows, Monday first) × hour.
func drawHeatmap(c *views.ChartVM, lang views.Lang, ov store.Overview) {
	const left, top, cw, ch = 64.0, 30.0, 28.0, 26.0
	var maxRate float64
	for _, wd := range weekdays {
		for h := range 24 {
			if r := ov.Heat[wd][h].ConnectRate(); !math.IsNaN(r) {
				maxRate = math.Max(maxRate, r)
			}
		}
	}
	c.W, c.H = chart.F(left+24*cw+4), chart.F(top+7*ch+4)
	for h := 0; h < 24; h += 3 {
		c.Texts = append(c.Texts, views.SVGText{X: chart.F(left + float64(h)*cw + cw/2), Y: chart.F(top - 5), Anchor: "middle", Class: "tick", Text: fmt.Sprintf("%02d", h)})
	}
	for r, wd := range weekdays {
		c.Texts = append(c.Texts, views.SVGText{X: chart.F(left - 6), Y: chart.F(top + float64(r)*ch + ch/2 + 5), Anchor: "end", Class: "lbl", Text: weekdayName(lang, wd)})
	}
	for _, cell := range chart.Grid(7, 24, left, top, cw, ch, 2) {
		wd := weekdays[cell.Row]
		f := ov.Heat[wd][cell.Col]
		shade, ok := chart.Shade(f.ConnectRate(), maxRate, f.Calls > 0)
		class := "heat-none"
		title := fmt.Sprintf("%s %02d:00: %s", weekdayName(lang, wd), cell.Col, views.Msg(lang, "overview.nocalls"))
		if ok {
			class = "heat-" + strconv.Itoa(shade)
			title = fmt.Sprintf("%s %02d:00: %s %s (%d/%d)", weekdayName(lang, wd), cell.Col,
				views.Msg(lang, "overview.col.connectrate"), pct(f.ConnectRate()), f.Connected, f.Calls)
		}
		c.Marks = append(c.Marks, views.SVGMark{X: chart.F(cell.X), Y: chart.F(cell.Y), W: chart.F(cell.W), H: chart.F(cell.H), Class: class, Title: title})
	}
}
