// Package qa is the pure logic of quality review (质检): scorecards and the
// verdict they give, the reproducible sampling of a plan's calls, the
// balanced assignment of picks, and the agreement between the robot's
// intent levels and the reviewers'. It does no I/O: the store keeps what
// these functions decide, and the tests here pin the numbers.
package qa

import (
	"slices"
	"strings"
)

// Criterion kinds: points (a score from 0 to Points) or pass/fail (Points
// when it passes, 0 when it fails).
const (
	KindPoints = "points"
	KindPass   = "pass"
)

// Criterion is one line of a scorecard.
type Criterion struct {
	Key      string `json:"key"`   // stable within a scorecard's versions: scores are stored by it
	Group    string `json:"group"` // criteria of one group are shown together
	Name     string `json:"name"`
	Desc     string `json:"desc"`
	Kind     string `json:"kind"`   // KindPoints or KindPass
	Points   int    `json:"points"` // the most it earns
	Critical bool   `json:"critical"`
}

// Scorecard is one version of a scorecard (评分表): its criteria in order
// and the pass mark (the least total that passes).
type Scorecard struct {
	Criteria []Criterion `json:"criteria"`
	PassMark int         `json:"pass_mark"`
}

// Total is the most a call can score.
func (s Scorecard) Total() int {
	t := 0
	for _, c := range s.Criteria {
		t += c.Points
	}
	return t
}

// Groups lists the criteria's groups in the order they first appear.
func (s Scorecard) Groups() []string {
	var out []string
	for _, c := range s.Criteria {
		if !slices.Contains(out, c.Group) {
			out = append(out, c.Group)
		}
	}
	return out
}

// Score is a reviewer's mark on one criterion: points earned (a points
// criterion) or passed (a pass/fail one), and an optional comment.
type Score struct {
	Points  int    `json:"points"`
	Pass    bool   `json:"pass"`
	Comment string `json:"comment,omitempty"`
}

// Earned is what a criterion's score adds to the total, clamped to 0…Points.
func (c Criterion) Earned(s Score) int {
	if c.Kind == KindPass {
		if s.Pass {
			return c.Points
		}
		return 0
	}
	return min(max(s.Points, 0), c.Points)
}

// Failed reports whether a criterion was failed: a pass/fail one not
// passed, a points one scored below its full points.
func (c Criterion) Failed(s Score) bool {
	if c.Kind == KindPass {
		return !s.Pass
	}
	return c.Earned(s) < c.Points
}

// Result is a scored review: its total, whether it passed, the criteria it
// failed, and whether a critical one was among them.
type Result struct {
	Total          int
	Pass           bool
	Failed         []string // criterion keys, in scorecard order
	CriticalFailed bool
}

// Evaluate scores a review on a scorecard: the total of what each criterion
// earned; the call passes when the total reaches the pass mark and no
// critical criterion failed (a critical failure fails the call whatever
// its total). A criterion without a score counts as failed with 0 points.
func (s Scorecard) Evaluate(scores map[string]Score) Result {
	var r Result
	for _, c := range s.Criteria {
		sc := scores[c.Key]
		r.Total += c.Earned(sc)
		if c.Failed(sc) {
			r.Failed = append(r.Failed, c.Key)
			if c.Critical {
				r.CriticalFailed = true
			}
		}
	}
	r.Pass = r.Total >= s.PassMark && !r.CriticalFailed
	return r
}

// Problem codes of a scorecard that cannot be saved.
const (
	ProblemNoCriteria = "qa.card.err.nocriteria"
	ProblemName       = "qa.card.err.critname"
	ProblemPoints     = "qa.card.err.points"
	ProblemPassMark   = "qa.card.err.passmark"
)

// Check returns what is wrong with a scorecard ("" when nothing): at least
// one criterion, each named with 1…100 points, and a pass mark within the
// total.
func (s Scorecard) Check() string {
	if len(s.Criteria) == 0 {
		return ProblemNoCriteria
	}
	for _, c := range s.Criteria {
		if strings.TrimSpace(c.Name) == "" {
			return ProblemName
		}
		if c.Points < 1 || c.Points > 100 {
			return ProblemPoints
		}
	}
	if s.PassMark < 0 || s.PassMark > s.Total() {
		return ProblemPassMark
	}
	return ""
}
