package handlers

import (
	"context"
	"math"

	"dialdesk/internal/chart"
	"dialdesk/store"
	"dialdesk/views"
)

// The overview's "rule hits" chart: per day of the range, the calls each
// keyword rule flagged, as stacked columns in the rules' colors, with the
// numbers in its table (a row per day, a column per rule).

// ruleHitsTable is the chart's numbers: a row per day of q, a column per
// rule (the rules with no hit in the range left out).
func ruleHitsTable(lang views.Lang, q overviewQuery, rules []store.KeywordRule, days []store.RuleDay) (chartTable, []store.KeywordRule) {
	t := chartTable{Name: "rulehits", Title: views.Msg(lang, "overview.chart.rulehits"), Head: []string{views.Msg(lang, "overview.col.day")}}
	hit := map[int64]bool{}
	for _, d := range days {
		hit[d.RuleID] = true
	}
	var shown []store.KeywordRule
	col := map[int64]int{}
	for _, r := range rules {
		if hit[r.ID] {
			col[r.ID] = len(shown) + 1
			shown = append(shown, r)
			t.Head = append(t.Head, r.Name)
		}
	}
	row := map[string]int{}
	for d := q.From; d.Before(q.End()); d = d.AddDate(0, 0, 1) {
		cells := make([]any, len(shown)+1)
		cells[0] = d.Format(dayLayout)
		for i := range shown {
			cells[i+1] = int64(0)
		}
		row[d.Format(dayLayout)] = len(t.Rows)
		t.Rows = append(t.Rows, cells)
	}
	for _, d := range days {
		i, ok := row[d.Day.Format(dayLayout)]
		if c := col[d.RuleID]; ok && c > 0 {
			t.Rows[i][c] = t.Rows[i][c].(int64) + int64(d.Calls)
		}
	}
	return t, shown
}

// ruleHitsChart is the chart of the rules' hits in q's range; nil when no
// rule exists.
func (s *Server) ruleHitsChart(ctx context.Context, lang views.Lang, q overviewQuery) (*views.ChartVM, error) {
	rules, err := s.store.Rules(ctx)
	if err != nil || len(rules) == 0 {
		return nil, err
	}
	days, err := s.store.RuleHitsByDay(ctx, q.Tasks, q.Start(), q.End(), s.loc)
	if err != nil {
		return nil, err
	}
	t, shown := ruleHitsTable(lang, q, rules, days)
	c := &views.ChartVM{Name: t.Name, Title: t.Title, Table: t.view(), Wide: true, Label: chartLabel(lang, t)}
	if len(shown) == 0 {
		c.Note = views.Msg(lang, "overview.note.nodata")
		return c, nil
	}
	drawStacked(c, t, shown)
	return c, nil
}

// drawStacked draws a column per row of t, stacked from its figures, each
// rule in its own color, and a legend under the axis.
func drawStacked(c *views.ChartVM, t chartTable, rules []store.KeywordRule) {
	n := len(t.Rows)
	totals := make([]float64, n)
	var top float64
	for i, r := range t.Rows {
		for _, v := range r[1:] {
			totals[i] += float64(cellInt(v))
		}
		top = math.Max(top, totals[i])
	}
	const left = 76.0
	plotW := wideW - left - padRight - 20
	sc := chart.NewCountScale(top, plotH, 4)
	legendY := padTop + plotH + axisBelow + 18
	c.W, c.H = chart.F(wideW), chart.F(legendY+10)
	yAxis(c, sc, left, plotW, func(v float64) string { return formatInt(int64(v)) })
	band := chart.NewBand(n, plotW, 0.2)
	every := max(1, (n+9)/10)
	for i, r := range t.Rows {
		day := cellText(r[0])
		x, w := left+band.Start(i), band.Width
		var below float64
		for k, rule := range rules {
			v := float64(cellInt(r[k+1]))
			if v == 0 {
				continue
			}
			y0, y1 := padTop+plotH-sc.At(below), padTop+plotH-sc.At(below+v)
			m := views.SVGMark{X: chart.F(x), Y: chart.F(y1), W: chart.F(w), H: chart.F(y0 - y1), Class: "bar-plain",
				Title: day + " " + rule.Name + ": " + formatInt(int64(v))}
			if col, ok := chart.Color(rule.Color); ok {
				m.Fill, m.Class = col, "bar-own"
			}
			c.Marks = append(c.Marks, m)
			below += v
		}
		if i%every == 0 {
			c.Texts = append(c.Texts, views.SVGText{X: chart.F(left + band.Center(i)), Y: chart.F(padTop + plotH + 26),
				Anchor: "middle", Class: "lbl", Text: day[5:]})
		}
	}
	x := left
	for _, rule := range rules {
		m := views.SVGMark{X: chart.F(x), Y: chart.F(legendY - 10), W: "12", H: "12", Class: "bar-plain", Title: rule.Name}
		if col, ok := chart.Color(rule.Color); ok {
			m.Fill, m.Class = col, "bar-own"
		}
		c.Marks = append(c.Marks, m)
		c.Texts = append(c.Texts, views.SVGText{X: chart.F(x + 16), Y: chart.F(legendY), Anchor: "start", Class: "lbl", Text: rule.Name})
		x += 30 + float64(len([]rune(rule.Name)))*15
	}
}
