package qa

import (
	"cmp"
	"hash/fnv"
	"math"
	"slices"
	"strconv"
)

// Rules are a plan's choices of which calls of a task and day to review.
// Only answered calls are candidates; calls shorter than ExcludeUnderS are
// never picked, not even by an "always" rule.
type Rules struct {
	Percent       float64  // a share of the day's candidates (0: none); wins over Count
	Count         int      // else this many a day (0: none)
	AlwaysLevels  []string // every call of these robot levels
	LongerThanS   int      // every call talking longer than this (0: off)
	EarlyHangupS  int      // every call the customer hung up within this (0: off)
	ExcludeUnderS int      // no call talking less than this (0: off)
	AlwaysRules   []string // every call a keyword rule hit (rule ids)
}

// Candidate is a call as sampling sees it.
type Candidate struct {
	Key        string // the call's key: what a pick records
	Level      string // the robot's level
	TalkMS     int64
	Answered   bool
	HangupSide int      // 2: the customer hung up
	RuleHits   []string // ids of the keyword rules the call hit
}

// Pick reasons.
const (
	ReasonRandom = "random"
	ReasonLevel  = "level"
	ReasonLong   = "long"
	ReasonHangup = "hangup"
	ReasonRule   = "rule"
)

// Pick is a call sampling chose, and why.
type Pick struct {
	Key    string
	Reason string
}

// HangupCustomer is the hangup side of a call the customer ended.
const HangupCustomer = 2

func (r Rules) eligible(c Candidate) bool {
	return c.Answered && (r.ExcludeUnderS <= 0 || c.TalkMS >= int64(r.ExcludeUnderS)*1000)
}

func (r Rules) always(c Candidate) string {
	switch {
	case len(r.AlwaysLevels) > 0 && c.Level != "" && slices.Contains(r.AlwaysLevels, c.Level):
		return ReasonLevel
	case r.LongerThanS > 0 && c.TalkMS > int64(r.LongerThanS)*1000:
		return ReasonLong
	case r.EarlyHangupS > 0 && c.HangupSide == HangupCustomer && c.TalkMS < int64(r.EarlyHangupS)*1000:
		return ReasonHangup
	}
	for _, id := range c.RuleHits {
		if slices.Contains(r.AlwaysRules, id) {
			return ReasonRule
		}
	}
	return ""
}

// Quota is how many random picks a day of n candidates gets: the percent
// of n rounded to the nearest call, or the count (at most n).
func (r Rules) Quota(n int) int {
	switch {
	case r.Percent > 0:
		return min(int(math.Round(r.Percent*float64(n)/100)), n)
	case r.Count > 0:
		return min(r.Count, n)
	}
	return 0
}

// Rank is a call's place in a plan-day's random order: a hash of the seed
// (the plan and the day) and the call's key. The same plan, day and call
// always rank the same, so a re-run picks the same calls, and calls that
// arrive later slot into the order without moving the others.
func Rank(seed, key string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(seed))
	h.Write([]byte{0})
	h.Write([]byte(key))
	return h.Sum64()
}

// Seed is the random order's seed of a plan and a day (YYYY-MM-DD).
func Seed(planID int64, day string) string { return strconv.FormatInt(planID, 10) + "/" + day }

// Sample decides which of a task-day's calls to add to a plan: every
// candidate an "always" rule names, and random picks in Rank order until
// the day's random picks reach the quota (randomSoFar counts those already
// made on earlier runs). A call taken (picked before, by this plan or
// another, or reviewed) is never picked again but counts as a candidate.
// The answer depends only on its inputs: a re-run over the same calls picks
// nothing new, and a run over more calls adds only what the larger day
// needs.
func Sample(seed string, r Rules, calls []Candidate, taken func(key string) bool, randomSoFar int) []Pick {
	var picks []Pick
	var pool []Candidate
	n := 0
	for _, c := range calls {
		if !r.eligible(c) {
			continue
		}
		n++
		if taken(c.Key) {
			continue
		}
		if why := r.always(c); why != "" {
			picks = append(picks, Pick{Key: c.Key, Reason: why})
			continue
		}
		pool = append(pool, c)
	}
	need := r.Quota(n) - randomSoFar
	if need <= 0 {
		return picks
	}
	slices.SortFunc(pool, func(a, b Candidate) int {
		return cmp.Or(cmp.Compare(Rank(seed, a.Key), Rank(seed, b.Key)), cmp.Compare(a.Key, b.Key))
	})
	for _, c := range pool[:min(need, len(pool))] {
		picks = append(picks, Pick{Key: c.Key, Reason: ReasonRandom})
	}
	return picks
}

// Assign gives each of n new picks to a reviewer, balancing the load: each
// goes to the one with the fewest items so far (load, updated in place),
// ties to the earlier in the list. No reviewers: every pick goes to the
// shared pool ("").
func Assign(n int, reviewers []string, load map[string]int) []string {
	out := make([]string, n)
	if len(reviewers) == 0 {
		return out
	}
	for i := range out {
		best := reviewers[0]
		for _, r := range reviewers[1:] {
			if load[r] < load[best] {
				best = r
			}
		}
		load[best]++
		out[i] = best
	}
	return out
}
