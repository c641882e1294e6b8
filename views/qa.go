package views

import (
	"context"
	"strconv"
	"strings"
)

// Quality review (质检) view models: scorecards, the review panel of a
// call's page, the queue.

// CriterionRowVM is one criterion row of the scorecard form, as typed.
type CriterionRowVM struct {
	Key, Group, Name, Desc, Kind, Points string
	Critical                             bool
}

// ScorecardFormVM is the scorecard form.
type ScorecardFormVM struct {
	Action   string
	Name     string
	PassMark string
	Rows     []CriterionRowVM
	Errors   map[string]string
}

// Err returns the message of a field.
func (f ScorecardFormVM) Err(field string) string { return f.Errors[field] }

// ScorecardRowVM is a scorecard in the list.
type ScorecardRowVM struct {
	ID        int64
	URL, Name string
	Version   int
	Criteria  int
	Total     int
	PassMark  int
	Updated   string
}

// ScorecardsVM is GET /qa/scorecards.
type ScorecardsVM struct {
	Cards []ScorecardRowVM
	New   ScorecardFormVM
}

// ScorecardEditVM is GET /qa/scorecards/{sc}.
type ScorecardEditVM struct {
	Card ScorecardRowVM
	Form ScorecardFormVM
}

// CriterionVM is one criterion on the review panel with its score.
type CriterionVM struct {
	Key, Name, Desc string
	Pass            bool // a pass/fail criterion
	Points          int
	Critical        bool
	Score           string // points given ("" none yet)
	Passed          bool
	Failed          bool
	Comment         string
}

// CriteriaGroupVM is a group of criteria.
type CriteriaGroupVM struct {
	Name     string
	Criteria []CriterionVM
}

// ReviewCardVM is the scorecard on the review panel.
type ReviewCardVM struct {
	Name     string
	Version  int
	PassMark int
	Total    int
	Groups   []CriteriaGroupVM
}

// TagChoiceVM is a tag the reviewer may give.
type TagChoiceVM struct {
	Name    string
	Checked bool
	Robot   bool // the robot gave it
}

// TurnChoiceVM is a transcript turn a note can be pinned to.
type TurnChoiceVM struct {
	Index    int
	OffsetMS int64
	Robot    bool
	Text     string
}

// Label is the turn's choice label: its number and first words.
func (t TurnChoiceVM) Label() string {
	r := []rune(t.Text)
	if len(r) > 16 {
		r = append(r[:16], '…')
	}
	return strconv.Itoa(t.Index+1) + ". " + string(r)
}

// NoteVM is a note on the review.
type NoteVM struct {
	Turn int   // -1: none
	MS   int64 // where it seeks, -1: nowhere
	Text string
	By   string
	At   string
}

// Seek is the note's data-seek-ms value ("" when it has no place).
func (n NoteVM) Seek() string {
	if n.MS < 0 {
		return ""
	}
	return strconv.FormatInt(n.MS, 10)
}

// HistoryVM is one change to a review.
type HistoryVM struct {
	At, By, What string
	Args         map[string]any
}

// DisputeVM is a dispute of a review.
type DisputeVM struct {
	By, Reason, At       string
	Outcome              string
	RuledBy, Ruling, RAt string
}

// ReviewPanelVM is the review part of a call's page.
type ReviewPanelVM struct {
	Action     string
	Exists     bool
	State      string
	CanSubmit  bool
	AssignedTo string // held by another reviewer: nothing else is shown
	FromQueue  bool
	Card       *ReviewCardVM
	Total      int
	Verdict    string // pass, fail, ""
	RobotLevel string
	HumanLevel string
	Levels     []string
	Tags       []TagChoiceVM
	HumanTags  []string
	TagsSet    bool
	Comment    string
	Notes      []NoteVM
	Turns      []TurnChoiceVM
	History    []HistoryVM
	Reviewer   string
	ReviewedAt string

	Disputes    []DisputeVM
	CanDispute  bool
	CanRule     bool
	DisputeURL  string
	RuleURL     string
	ReviewState string

	// A refused submission: each bad field's message by its input's name
	// ("crit_<key>_points", human_level, tag, note_turn, note_at), and
	// the new note as typed.
	Errors                     map[string]string
	NoteTurn, NoteAt, NoteText string
}

// Invalid is a field's aria-invalid: "true" when it has a message.
func (p ReviewPanelVM) Invalid(field string) string {
	if p.Errors[field] != "" {
		return "true"
	}
	return "false"
}

// Submitted reports whether the review has been scored.
func (p ReviewPanelVM) Submitted() bool { return p.Exists && p.State != "todo" }

// ShownLevel is the human level as shown: the robot's when "same as robot".
func (p ReviewPanelVM) ShownLevel() string {
	if p.HumanLevel == "" {
		return p.RobotLevel
	}
	return p.HumanLevel
}

// QueueRowVM is one review in the queue.
type QueueRowVM struct {
	ID       int64
	URL      string
	Task     string
	Callee   string
	Picked   string
	Reason   string
	Robot    string
	Human    string
	Verdict  string
	Assignee string
	Claim    string // POST: claim it from the pool
	HandBack string // POST: give it back to the pool
}

// QueueVM is GET /qa/queue.
type QueueVM struct {
	Which                string
	Todo, Done, Disputed int
	Pool                 int
	Rows                 []QueueRowVM
	FirstURL             string
}

func criterionKind(c CriterionVM) string {
	if c.Pass {
		return "pass"
	}
	return "points"
}

// clock is a time in the recording, m:ss.
func clock(ms int64) string {
	s := ms / 1000
	return strconv.FormatInt(s/60, 10) + ":" + pad2(s%60)
}

func pad2(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

func orNone(ctx context.Context, s string) string {
	if s == "" {
		return T(ctx, "qa.none")
	}
	return s
}

func joinOrNone(ctx context.Context, list []string) string {
	if len(list) == 0 {
		return T(ctx, "qa.none")
	}
	return strings.Join(list, "、")
}

// historyDetail words a history entry's arguments: the total and verdict of
// a submission, the fields an edit changed, a dispute's outcome.
func historyDetail(ctx context.Context, h HistoryVM) string {
	var parts []string
	switch h.What {
	case "submit":
		if v, ok := h.Args["verdict"].(string); ok && v != "" {
			parts = append(parts, Tf(ctx, "qa.hist.scored", fmtNum(h.Args["total"]), T(ctx, "qa.verdict."+v)))
		}
	case "edit":
		var fields []string
		for _, f := range []string{"total", "verdict", "level", "tags", "comment", "criteria"} {
			if _, ok := h.Args[f]; ok {
				fields = append(fields, T(ctx, "qa.field."+f))
			}
		}
		if len(fields) > 0 {
			parts = append(parts, Tf(ctx, "qa.hist.changed", strings.Join(fields, T(ctx, "qa.list.sep"))))
		}
	case "rule":
		if o, ok := h.Args["outcome"].(string); ok {
			parts = append(parts, T(ctx, "qa.dispute."+o))
		}
	}
	if n, ok := h.Args["notes"]; ok {
		parts = append(parts, Tf(ctx, "qa.hist.notes", fmtNum(n)))
	}
	return strings.Join(parts, T(ctx, "qa.list.sep"))
}

func fmtNum(v any) string {
	switch n := v.(type) {
	case float64:
		return strconv.FormatFloat(n, 'f', -1, 64)
	case int:
		return strconv.Itoa(n)
	}
	return ""
}

// reasonName words why a plan picked a call ("" is an ad-hoc review).
func reasonName(ctx context.Context, reason string) string {
	if reason == "" {
		return T(ctx, "qa.reason.adhoc")
	}
	return T(ctx, "qa.reason."+reason)
}

// CheckVM is one checkbox of a list.
type CheckVM struct {
	Value, Label string
	Checked      bool
}

// PlanFormVM is the plan form.
type PlanFormVM struct {
	Action                                string
	Name, Scorecard, Mode, Amount         string
	Cards                                 []Option
	Tasks, Levels, Reviewers, KWRules     []CheckVM
	LongerThan, EarlyHangup, ExcludeUnder string
	Active                                bool
	Errors                                map[string]string
}

// Err returns the message of a field.
func (f PlanFormVM) Err(field string) string { return f.Errors[field] }

// PlanRowVM is a plan in the list.
type PlanRowVM struct {
	URL, Name, Scorecard, Rule string
	Tasks, Reviewers           []string
	Active                     bool
}

// PlansVM is GET /qa/plans.
type PlansVM struct {
	Plans   []PlanRowVM
	New     PlanFormVM
	NoCards bool
}

// PlanEditVM is GET /qa/plans/{plan}.
type PlanEditVM struct {
	Name string
	Form PlanFormVM
}

// AgreementVM is robot-vs-human agreement over a set of reviews.
type AgreementVM struct {
	Name      string
	N         int
	Agreement float64
	Kappa     float64
	KappaOK   bool
}

// AgreementText is the percent agreement, "—" without reviews.
func (a AgreementVM) AgreementText() string {
	if a.N == 0 {
		return "—"
	}
	return strconv.FormatFloat(a.Agreement*100, 'f', 1, 64) + "%"
}

// KappaText is Cohen's kappa to two places, "—" when undefined.
func (a AgreementVM) KappaText() string {
	if !a.KappaOK {
		return "—"
	}
	return strconv.FormatFloat(a.Kappa, 'f', 2, 64)
}

// MatrixCellVM is one cell of the confusion matrix's SVG.
type MatrixCellVM struct {
	X, Y, W, H, TX, TY string
	Class              string
	Count              int
	Dark               bool
	Robot, Human       string
}

// AxisLabelVM is a label of the matrix's SVG.
type AxisLabelVM struct {
	Text, X, Y string
}

// MatrixVM is the confusion matrix: robot levels down, human levels across.
type MatrixVM struct {
	Labels               []string
	Counts               [][]int
	W, H                 float64
	Cells                []MatrixCellVM
	RowLabels, ColLabels []AxisLabelVM
}

// ViewBox is the SVG's viewBox.
func (m MatrixVM) ViewBox() string {
	return "0 0 " + strconv.FormatFloat(m.W, 'f', 0, 64) + " " + strconv.FormatFloat(m.H, 'f', 0, 64)
}

// CountVM is a name and a count.
type CountVM struct {
	Name string
	N    int
}

// ReviewerVM is a reviewer's line of the report.
type ReviewerVM struct {
	Name                                   string
	Reviewed, Disputed, Upheld, Overturned int
}

// QAReportVM is GET /qa/reports.
type QAReportVM struct {
	From, To, Plan, Reviewer string
	Tasks                    []string
	TaskChoices              []CheckVM
	PlanChoices              []Option
	ReviewerChoices          []Option
	ExportURL                string

	Reviewed, Scored, Passed     int
	AvgScore                     float64
	Disputes, Upheld, Overturned int
	Overall                      AgreementVM
	Matrix                       MatrixVM
	PerTask, PerTemplate         []AgreementVM
	Failed                       []CountVM
	Reviewers                    []ReviewerVM
}

// PassRate is the share of scored reviews that passed, as a percentage.
func (v QAReportVM) PassRate() string { return Percent(v.Passed, v.Scored) }

// AvgText is the average score.
func (v QAReportVM) AvgText() string {
	if v.Scored == 0 {
		return "—"
	}
	return strconv.FormatFloat(v.AvgScore, 'f', 1, 64)
}
