package handlers

import (
	"bytes"
	"cmp"
	"context"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"dialdesk/audit"
	"dialdesk/internal/chart"
	"dialdesk/internal/qa"
	"dialdesk/internal/xlsxstream"
	"dialdesk/store"
	"dialdesk/views"
)

// Review reports (质检报表): for a range of days and a choice of tasks, a
// plan or a reviewer: calls reviewed, pass rate, average score, the
// criteria failed most, each reviewer's throughput and disputes, and how
// often the robot's level agrees with the human one (a confusion matrix,
// percent agreement and Cohen's kappa, per task and per script template).

// reportQuery is a report's choice, from the URL.
type reportQuery struct {
	From, To string // days
	Tasks    []string
	Plan     string
	Reviewer string
	filter   store.ReportFilter
}

func (s *Server) parseReportQuery(q url.Values) reportQuery {
	rq := reportQuery{From: trimTo(q.Get("from"), 10), To: trimTo(q.Get("to"), 10), Plan: trimTo(q.Get("plan"), 20),
		Reviewer: trimTo(q.Get("reviewer"), 100)}
	today := s.now().In(s.loc)
	from, bad1 := parseDay(rq.From, s.loc, s.now())
	to, bad2 := parseDay(rq.To, s.loc, s.now())
	if rq.From == "" || bad1 {
		from = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, s.loc).AddDate(0, 0, -6)
	}
	if rq.To == "" || bad2 || to.Before(from) {
		to = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, s.loc)
	}
	rq.From, rq.To = from.Format(time.DateOnly), to.Format(time.DateOnly)
	for _, t := range q["task"] {
		if validTaskID(t) && !slices.Contains(rq.Tasks, t) && len(rq.Tasks) < 100 {
			rq.Tasks = append(rq.Tasks, t)
		}
	}
	plan, _ := strconv.ParseInt(rq.Plan, 10, 64)
	rq.filter = store.ReportFilter{From: from, To: to.AddDate(0, 0, 1), Tasks: rq.Tasks, PlanID: plan, Reviewer: rq.Reviewer}
	return rq
}

func (rq reportQuery) values() url.Values {
	v := url.Values{"from": {rq.From}, "to": {rq.To}}
	for _, t := range rq.Tasks {
		v.Add("task", t)
	}
	if rq.Plan != "" {
		v.Set("plan", rq.Plan)
	}
	if rq.Reviewer != "" {
		v.Set("reviewer", rq.Reviewer)
	}
	return v
}

// humanOf is the level a review gives: the robot's when "same as robot".
func humanOf(rv store.Review) string { return cmp.Or(rv.HumanLevel, rv.RobotLevel) }

// agreementVM is a matrix's figures as shown.
func agreementVM(name string, m qa.Matrix) views.AgreementVM {
	v := views.AgreementVM{Name: name, N: m.N, Agreement: m.Agreement()}
	v.Kappa, v.KappaOK = m.Kappa()
	return v
}

// matrixVM lays out the confusion matrix as an SVG heatmap and a table.
func matrixVM(m qa.Matrix) views.MatrixVM {
	v := views.MatrixVM{Labels: m.Labels, Counts: m.Counts}
	n := len(m.Labels)
	const cell, left, top = 44.0, 90.0, 30.0
	v.W, v.H = left+cell*float64(n)+10, top+cell*float64(n)+10
	max := 0
	for _, row := range m.Counts {
		for _, c := range row {
			max = maxInt(max, c)
		}
	}
	for _, c := range chart.Grid(n, n, left, top, cell, cell, 2) {
		count := m.Counts[c.Row][c.Col]
		shade, ok := chart.Shade(float64(count), float64(max), count > 0)
		class := "heat-none"
		if ok {
			class = "heat-" + strconv.Itoa(shade)
		}
		v.Cells = append(v.Cells, views.MatrixCellVM{X: chart.F(c.X), Y: chart.F(c.Y), W: chart.F(c.W), H: chart.F(c.H),
			TX: chart.F(c.X + c.W/2), TY: chart.F(c.Y + c.H/2 + 4), Class: class, Count: count, Dark: shade >= 3 && ok,
			Robot: m.Labels[c.Row], Human: m.Labels[c.Col]})
	}
	for i, l := range m.Labels {
		v.RowLabels = append(v.RowLabels, views.AxisLabelVM{Text: l, X: chart.F(left - 6), Y: chart.F(top + cell*float64(i) + cell/2 + 4)})
		v.ColLabels = append(v.ColLabels, views.AxisLabelVM{Text: l, X: chart.F(left + cell*float64(i) + cell/2), Y: chart.F(top - 8)})
	}
	return v
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// report computes a report's figures.
func (s *Server) report(ctx context.Context, rq reportQuery) (views.QAReportVM, []store.Review, map[int64][]store.Dispute, error) {
	v := views.QAReportVM{From: rq.From, To: rq.To, Tasks: rq.Tasks, Plan: rq.Plan, Reviewer: rq.Reviewer,
		ExportURL: "/qa/reports/export.xlsx?" + rq.values().Encode()}
	reviews, disputes, err := s.store.ReportReviews(ctx, rq.filter)
	if err != nil {
		return v, nil, nil, err
	}
	known, _ := s.store.KnownTasks(ctx)
	names := map[string]string{}
	for _, k := range known {
		names[k.ID] = cmp.Or(k.Name, k.ID)
		v.TaskChoices = append(v.TaskChoices, views.CheckVM{Value: k.ID, Label: cmp.Or(k.Name, k.ID), Checked: slices.Contains(rq.Tasks, k.ID)})
	}
	plans, _ := s.store.Plans(ctx)
	for _, p := range plans {
		v.PlanChoices = append(v.PlanChoices, views.Option{Value: strconv.FormatInt(p.ID, 10), Label: p.Name})
	}
	var taskIDs []string
	for _, rv := range reviews {
		if !slices.Contains(taskIDs, rv.TaskID) {
			taskIDs = append(taskIDs, rv.TaskID)
		}
	}
	templates, err := s.store.TaskTemplates(ctx, taskIDs)
	if err != nil {
		return v, nil, nil, err
	}
	cards := map[int64]*store.Scorecard{}
	var all [][2]string
	byTask, byTemplate := map[string][][2]string{}, map[string][][2]string{}
	failed := map[string]int{}
	type who struct{ reviewed, disputed, upheld, overturned int }
	reviewers := map[string]*who{}
	scored, passed, points := 0, 0, 0
	for _, rv := range reviews {
		v.Reviewed++
		w := reviewers[rv.Reviewer]
		if w == nil {
			w = &who{}
			reviewers[rv.Reviewer] = w
		}
		w.reviewed++
		for _, d := range disputes[rv.ID] {
			v.Disputes++
			w.disputed++
			switch d.Outcome {
			case store.DisputeUpheld:
				v.Upheld++
				w.upheld++
			case store.DisputeOverturned:
				v.Overturned++
				w.overturned++
			}
		}
		if rv.Verdict != "" {
			scored++
			points += rv.Total
			if rv.Verdict == store.VerdictPass {
				passed++
			}
		}
		if rv.VersionID > 0 {
			c, ok := cards[rv.VersionID]
			if !ok {
				if card, err := s.store.ScorecardVersion(ctx, rv.VersionID); err == nil {
					c = &card
				}
				cards[rv.VersionID] = c
			}
			if c != nil {
				res := c.Card.Evaluate(rv.Scores)
				for _, k := range res.Failed {
					i := slices.IndexFunc(c.Card.Criteria, func(x qa.Criterion) bool { return x.Key == k })
					failed[c.Name+" · "+c.Card.Criteria[i].Name]++
				}
			}
		}
		if rv.RobotLevel != "" {
			pair := [2]string{rv.RobotLevel, humanOf(rv)}
			all = append(all, pair)
			byTask[rv.TaskID] = append(byTask[rv.TaskID], pair)
			tpl := cmp.Or(templates[rv.TaskID], "—")
			byTemplate[tpl] = append(byTemplate[tpl], pair)
		}
	}
	v.Scored, v.Passed = scored, passed
	if scored > 0 {
		v.AvgScore = math.Round(float64(points)/float64(scored)*10) / 10
	}
	order := s.humanLevels(ctx)
	m := qa.NewMatrix(all, order)
	v.Overall = agreementVM("", m)
	v.Matrix = matrixVM(m)
	for _, t := range sortedKeys(byTask) {
		v.PerTask = append(v.PerTask, agreementVM(names[t], qa.NewMatrix(byTask[t], order)))
	}
	for _, t := range sortedKeys(byTemplate) {
		v.PerTemplate = append(v.PerTemplate, agreementVM(t, qa.NewMatrix(byTemplate[t], order)))
	}
	for name, n := range failed {
		v.Failed = append(v.Failed, views.CountVM{Name: name, N: n})
	}
	slices.SortFunc(v.Failed, func(a, b views.CountVM) int { return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Name, b.Name)) })
	v.Failed = v.Failed[:min(len(v.Failed), 10)]
	for _, name := range sortedKeys(reviewers) {
		w := reviewers[name]
		v.Reviewers = append(v.Reviewers, views.ReviewerVM{Name: name, Reviewed: w.reviewed, Disputed: w.disputed, Upheld: w.upheld, Overturned: w.overturned})
		v.ReviewerChoices = append(v.ReviewerChoices, views.Option{Value: name, Label: name})
	}
	if rq.Reviewer != "" && !slices.ContainsFunc(v.ReviewerChoices, func(o views.Option) bool { return o.Value == rq.Reviewer }) {
		v.ReviewerChoices = append(v.ReviewerChoices, views.Option{Value: rq.Reviewer, Label: rq.Reviewer})
	}
	return v, reviews, disputes, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// reportsPage serves GET /qa/reports?from&to&task…&plan&reviewer.
func (s *Server) reportsPage(w http.ResponseWriter, r *http.Request) error {
	v, _, _, err := s.report(r.Context(), s.parseReportQuery(r.URL.Query()))
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, views.QAReportPage(s.page(w, r, "qa", "qa.reports"), v))
}

// reportExport serves GET /qa/reports/export.xlsx: every review of the
// report with its details; numbers masked for supervisors as each task says.
func (s *Server) reportExport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	lang := views.LangOf(ctx)
	msg := func(k string) string { return views.Msg(lang, k) }
	rq := s.parseReportQuery(r.URL.Query())
	_, reviews, disputes, err := s.report(ctx, rq)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	xw, err := xlsxstream.New(&buf, xlsxstream.Options{SheetName: msg("qa.export.sheet"),
		ColWidths: []float64{18, 22, 16, 16, 12, 18, 12, 12, 8, 8, 10, 40, 30, 40, 16}})
	if err != nil {
		return err
	}
	head := []any{}
	for _, k := range []string{"qa.col.task", "qa.export.call", "calls.col.callee", "qa.plan.name", "qa.export.reviewer",
		"qa.export.reviewedat", "qa.col.robot", "qa.col.human", "qa.export.agree", "qa.export.total", "qa.export.verdict",
		"qa.export.criteria", "qa.review.comment", "qa.review.notes", "qa.dispute"} {
		head = append(head, msg(k))
	}
	if err := xw.WriteRow(head...); err != nil {
		return err
	}
	planNames := map[int64]string{}
	plans, _ := s.store.Plans(ctx)
	for _, p := range plans {
		planNames[p.ID] = p.Name
	}
	hideOf := s.hideOf(ctx)
	cards := map[int64]*store.Scorecard{}
	for _, rv := range reviews {
		phone := ""
		if c, err := s.store.Call(ctx, rv.TaskID, rv.CallKey); err == nil {
			phone = phoneFor(ctx, c.Tel, hideOf(rv.TaskID))
		}
		plan := planNames[rv.PlanID]
		if rv.PlanID == 0 {
			plan = msg("qa.reason.adhoc")
		}
		agree := ""
		if rv.RobotLevel != "" {
			agree = msg("qa.export.no")
			if humanOf(rv) == rv.RobotLevel {
				agree = msg("qa.export.yes")
			}
		}
		var crit []string
		if rv.VersionID > 0 {
			c, ok := cards[rv.VersionID]
			if !ok {
				if card, err := s.store.ScorecardVersion(ctx, rv.VersionID); err == nil {
					c = &card
				}
				cards[rv.VersionID] = c
			}
			if c != nil {
				for _, cr := range c.Card.Criteria {
					crit = append(crit, cr.Name+" "+strconv.Itoa(cr.Earned(rv.Scores[cr.Key]))+"/"+strconv.Itoa(cr.Points))
				}
			}
		}
		var notes []string
		for _, n := range rv.Notes {
			notes = append(notes, n.Text)
		}
		var ds []string
		for _, d := range disputes[rv.ID] {
			out := d.Reason
			if d.Outcome != "" {
				out += " → " + msg("qa.dispute."+d.Outcome)
			}
			ds = append(ds, out)
		}
		verdict := ""
		if rv.Verdict != "" {
			verdict = msg("qa.verdict." + rv.Verdict)
		}
		var total any
		if rv.Verdict != "" {
			total = rv.Total
		}
		if err := xw.WriteRow(s.taskName(ctx, rv.TaskID), rv.CallKey, phone, plan, rv.Reviewer,
			views.When(ctx, rv.ReviewedAt), rv.RobotLevel, humanOf(rv), agree, total, verdict,
			strings.Join(crit, "；"), rv.Comment, strings.Join(notes, "；"), strings.Join(ds, "；")); err != nil {
			return err
		}
	}
	if err := xw.Close(); err != nil {
		return err
	}
	s.auditLog(r, "", audit.QAExport, audit.Args{"rows": len(reviews), "from": rq.From, "to": rq.To}, "")
	stamp := strings.ReplaceAll(rq.From, "-", "") + "-" + strings.ReplaceAll(rq.To, "-", "")
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", attachment("reviews-"+stamp+".xlsx", msg("qa.export.sheet")+"-"+stamp+".xlsx"))
	h.Set("Cache-Control", "no-store")
	if _, err := buf.WriteTo(w); err != nil {
		s.log.Debug("write review export", "err", err)
	}
	return nil
}
