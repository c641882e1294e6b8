package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"dialdesk/internal/qa"
	"dialdesk/store"
)

// JobQASampling is the name of the review plans' sampling job.
const JobQASampling = "qa-sampling"

// QASampler runs the review plans (质检计划) over the call warehouse: for
// each active plan, each task in its scope and each of the last two days
// (calls of yesterday still arrive after midnight), it picks the day's calls
// by the plan's rules (internal/qa.Sample: seeded by plan and day, so a
// re-run or a second instance picks the same calls and never one twice) and
// assigns them to the plan's reviewers, balancing their load, or leaves them
// in the shared pool.
type QASampler struct {
	Store *store.Store
	Loc   *time.Location
	Now   func() time.Time
	Log   *slog.Logger
	Every time.Duration // default one minute
}

// Job returns the sampler as a job for Runner.Start.
func (q *QASampler) Job() Job {
	every := q.Every
	if every <= 0 {
		every = time.Minute
	}
	return Func(JobQASampling, every, q.Round)
}

// Round runs every active plan over today and yesterday.
func (q *QASampler) Round(ctx context.Context) error {
	plans, err := q.Store.Plans(ctx)
	if err != nil {
		return err
	}
	now := time.Now
	if q.Now != nil {
		now = q.Now
	}
	today := now().In(q.Loc)
	for _, p := range plans {
		if !p.Active {
			continue
		}
		for _, d := range []time.Time{today.AddDate(0, 0, -1), today} {
			if _, err := q.RunDay(ctx, p, d.Format(time.DateOnly)); err != nil {
				return fmt.Errorf("qa sampling: plan %d: %w", p.ID, err)
			}
		}
	}
	return nil
}

// RunDay runs one plan over one day (YYYY-MM-DD in the sampler's zone) and
// returns how many calls it added.
func (q *QASampler) RunDay(ctx context.Context, p store.Plan, day string) (int, error) {
	start, err := time.ParseInLocation(time.DateOnly, day, q.Loc)
	if err != nil {
		return 0, err
	}
	calls, err := q.Store.CallsStarted(ctx, p.Tasks, start, start.AddDate(0, 0, 1))
	if err != nil {
		return 0, err
	}
	byTask := map[string][]store.SampleCall{}
	var tasks []string
	for _, c := range calls {
		if _, ok := byTask[c.TaskID]; !ok {
			tasks = append(tasks, c.TaskID)
		}
		byTask[c.TaskID] = append(byTask[c.TaskID], c)
	}
	load, err := q.Store.PlanLoad(ctx, p.ID)
	if err != nil {
		return 0, err
	}
	seed := qa.Seed(p.ID, day)
	added := 0
	for _, task := range tasks {
		list := byTask[task]
		keys := make([]string, len(list))
		cands := make([]qa.Candidate, len(list))
		level := map[string]string{}
		for i, c := range list {
			keys[i] = c.CallID
			cands[i] = qa.Candidate{Key: c.CallID, Level: c.Level, TalkMS: c.TalkMS, Answered: c.Answered, HangupSide: c.HangupSide}
			level[c.CallID] = c.Level
		}
		if len(p.Rules.AlwaysRules) > 0 {
			for start := 0; start < len(keys); start += 500 {
				hits, err := q.Store.RuleHitsOf(ctx, keys[start:min(start+500, len(keys))])
				if err != nil {
					return added, err
				}
				for i := start; i < min(start+500, len(keys)); i++ {
					for _, h := range hits[keys[i]] {
						id := strconv.FormatInt(h.RuleID, 10)
						if !slices.Contains(cands[i].RuleHits, id) {
							cands[i].RuleHits = append(cands[i].RuleHits, id)
						}
					}
				}
			}
		}
		taken, err := q.Store.ReviewedKeys(ctx, task, keys)
		if err != nil {
			return added, err
		}
		so, err := q.Store.PlanDayPicks(ctx, p.ID, day, task)
		if err != nil {
			return added, err
		}
		picks := qa.Sample(seed, p.Rules, cands, func(k string) bool { return taken[k] }, so)
		who := qa.Assign(len(picks), p.Reviewers, load)
		news := make([]store.NewPick, len(picks))
		for i, pk := range picks {
			news[i] = store.NewPick{Key: pk.Key, Reason: pk.Reason, Assignee: who[i], RobotLevel: level[pk.Key]}
		}
		n, err := q.Store.AddPicks(ctx, p, day, task, len(cands), news)
		if err != nil {
			return added, err
		}
		added += n
	}
	return added, nil
}
