package qa

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestEvaluate(t *testing.T) {
	card := Scorecard{PassMark: 60, Criteria: []Criterion{
		{Key: "greet", Name: "开场白", Kind: KindPoints, Points: 40},
		{Key: "script", Name: "话术", Kind: KindPoints, Points: 40},
		{Key: "legal", Name: "合规", Kind: KindPass, Points: 20, Critical: true},
	}}
	for _, tc := range []struct {
		name   string
		scores map[string]Score
		want   Result
	}{
		{"full marks", map[string]Score{"greet": {Points: 40}, "script": {Points: 40}, "legal": {Pass: true}},
			Result{Total: 100, Pass: true}},
		{"above the mark, a point lost", map[string]Score{"greet": {Points: 30}, "script": {Points: 40}, "legal": {Pass: true}},
			Result{Total: 90, Pass: true, Failed: []string{"greet"}}},
		{"a critical failure fails whatever the total", map[string]Score{"greet": {Points: 40}, "script": {Points: 40}},
			Result{Total: 80, Pass: false, Failed: []string{"legal"}, CriticalFailed: true}},
		{"below the mark", map[string]Score{"greet": {Points: 10}, "script": {Points: 20}, "legal": {Pass: true}},
			Result{Total: 50, Failed: []string{"greet", "script"}}},
		{"points clamped", map[string]Score{"greet": {Points: 99}, "script": {Points: -5}, "legal": {Pass: true}},
			Result{Total: 60, Pass: true, Failed: []string{"script"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, card.Evaluate(tc.scores)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
	if card.Total() != 100 || card.Check() != "" {
		t.Errorf("total %d, check %q", card.Total(), card.Check())
	}
	bad := card
	bad.PassMark = 101
	if bad.Check() != ProblemPassMark {
		t.Errorf("pass mark above the total: %q", bad.Check())
	}
}

// day makes n answered calls of 30 s, keys prefixed.
func day(prefix string, n int) []Candidate {
	out := make([]Candidate, n)
	for i := range out {
		out[i] = Candidate{Key: fmt.Sprintf("%s-%03d", prefix, i), Answered: true, TalkMS: 30_000, Level: "C"}
	}
	return out
}

func keys(p []Pick) []string {
	var out []string
	for _, x := range p {
		out = append(out, x.Key)
	}
	slices.Sort(out)
	return out
}

func none(string) bool { return false }

func TestSampleReproducible(t *testing.T) {
	calls := day("t1", 200)
	r := Rules{Percent: 10}
	a := Sample(Seed(7, "2026-12-01"), r, calls, none, 0)
	shuffled := slices.Clone(calls)
	slices.Reverse(shuffled)
	b := Sample(Seed(7, "2026-12-01"), r, shuffled, none, 0)
	if diff := cmp.Diff(keys(a), keys(b)); diff != "" {
		t.Errorf("same plan and day, calls in another order: (-first +second)\n%s", diff)
	}
	c := Sample(Seed(7, "2026-12-02"), r, calls, none, 0)
	if slices.Equal(keys(a), keys(c)) {
		t.Error("another day picks the very same calls: the seed is not per day")
	}
	d := Sample(Seed(8, "2026-12-01"), r, calls, none, 0)
	if slices.Equal(keys(a), keys(d)) {
		t.Error("another plan picks the very same calls: the seed is not per plan")
	}
}

// TestSamplePercentAsCallsArrive runs a plan the way the job does, after
// each batch of arriving calls, and checks that each task-day's random
// picks stay within ±1 of the percent, and no call is picked twice.
func TestSamplePercentAsCallsArrive(t *testing.T) {
	for _, pct := range []float64{1, 5, 12.5, 33, 50, 100} {
		for _, n := range []int{0, 1, 7, 40, 333} {
			all := day("c", n)
			seed := Seed(3, "2026-12-01")
			picked := map[string]bool{}
			random := 0
			for end := 0; end <= n; end += 13 {
				for _, p := range Sample(seed, Rules{Percent: pct}, all[:end], func(k string) bool { return picked[k] }, random) {
					if picked[p.Key] {
						t.Fatalf("%v%% of %d: %s picked twice", pct, n, p.Key)
					}
					picked[p.Key] = true
					random++
				}
			}
			for _, p := range Sample(seed, Rules{Percent: pct}, all, func(k string) bool { return picked[k] }, random) {
				picked[p.Key] = true
				random++
			}
			if want := pct * float64(n) / 100; math.Abs(float64(random)-want) > 1 {
				t.Errorf("%v%% of %d: %d picked, want %.1f ±1", pct, n, random, want)
			}
			// A re-run over the same day picks nothing more.
			if again := Sample(seed, Rules{Percent: pct}, all, func(k string) bool { return picked[k] }, random); len(again) != 0 {
				t.Errorf("%v%% of %d: a re-run picked %d more", pct, n, len(again))
			}
		}
	}
}

func TestSampleAlwaysRules(t *testing.T) {
	calls := day("x", 50)
	calls[3].Level = "A"
	calls[4].TalkMS = 200_000
	calls[5].HangupSide, calls[5].TalkMS = HangupCustomer, 4_000
	calls[6].Level, calls[6].TalkMS = "A", 2_000 // excluded: too short, even though A
	calls[7].Answered = false
	calls[7].Level = "A" // never answered: no call to review
	calls[8].RuleHits = []string{"r9"}
	calls[9].Level = "A" // taken already
	r := Rules{Count: 0, AlwaysLevels: []string{"A"}, LongerThanS: 120, EarlyHangupS: 5, ExcludeUnderS: 3, AlwaysRules: []string{"r9"}}
	got := Sample(Seed(1, "2026-12-01"), r, calls, func(k string) bool { return k == "x-009" }, 0)
	want := []Pick{{"x-003", ReasonLevel}, {"x-004", ReasonLong}, {"x-005", ReasonHangup}, {"x-008", ReasonRule}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	// With a count as well, the always picks come on top of the random ones.
	r.Count = 10
	got = Sample(Seed(1, "2026-12-01"), r, calls, func(k string) bool { return k == "x-009" }, 0)
	random := 0
	for _, p := range got {
		if p.Reason == ReasonRandom {
			random++
		}
	}
	if random != 10 || len(got) != 14 {
		t.Errorf("count 10 and 4 always: %d random of %d", random, len(got))
	}
}

func TestAssignBalances(t *testing.T) {
	load := map[string]int{"b": 2}
	got := Assign(7, []string{"a", "b", "c"}, load)
	want := []string{"a", "c", "a", "c", "a", "b", "c"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	if load["a"] != 3 || load["b"] != 3 || load["c"] != 3 {
		t.Errorf("load %v, want 3 each", load)
	}
	if got := Assign(2, nil, map[string]int{}); !slices.Equal(got, []string{"", ""}) {
		t.Errorf("no reviewers: %q, want the pool", got)
	}
}

func TestKappa(t *testing.T) {
	pairs := func(counts [][]int, labels []string) [][2]string {
		var out [][2]string
		for i, row := range counts {
			for j, n := range row {
				for range n {
					out = append(out, [2]string{labels[i], labels[j]})
				}
			}
		}
		return out
	}
	for _, tc := range []struct {
		name      string
		counts    [][]int
		agreement float64
		kappa     float64
		ok        bool
	}{
		// Textbook 2×2: po = 0.70, pe = 0.5·0.6 + 0.5·0.4 = 0.50, κ = 0.40.
		{"two levels", [][]int{{20, 5}, {10, 15}}, 0.70, 0.40, true},
		// po = 0.60, pe = 0.6·0.7 + 0.4·0.3 = 0.54, κ = 0.06/0.46.
		{"skewed", [][]int{{45, 15}, {25, 15}}, 0.60, 0.06 / 0.46, true},
		{"perfect, three levels", [][]int{{3, 0, 0}, {0, 4, 0}, {0, 0, 5}}, 1, 1, true},
		// Chance alone: po = pe = 0.5.
		{"chance", [][]int{{25, 25}, {25, 25}}, 0.5, 0, true},
		{"one level on both sides", [][]int{{9, 0}, {0, 0}}, 1, 0, false},
		{"nothing", [][]int{{0, 0}, {0, 0}}, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			labels := []string{"A", "B", "C"}[:len(tc.counts)]
			m := NewMatrix(pairs(tc.counts, labels), labels)
			if diff := cmp.Diff(tc.counts, m.Counts); diff != "" {
				t.Errorf("matrix (-want +got)\n%s", diff)
			}
			if a := m.Agreement(); math.Abs(a-tc.agreement) > 1e-9 {
				t.Errorf("agreement %v, want %v", a, tc.agreement)
			}
			k, ok := m.Kappa()
			if ok != tc.ok || math.Abs(k-tc.kappa) > 1e-9 {
				t.Errorf("kappa %v %v, want %v %v", k, ok, tc.kappa, tc.ok)
			}
		})
	}
}
