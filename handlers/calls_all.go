package handlers

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"dialdesk/client"
	"dialdesk/store"
	"dialdesk/views"
)

// The calls across tasks (GET /calls): every call dialdesk holds from the
// platform's pushes and the sync, filtered in the store.

// allCallsPageSize is the rows of one page of GET /calls.
const allCallsPageSize = 20

// allCallsForm is the filter of GET /calls as typed: task, from/to (days in
// the display zone, both included), level, answered ("1"), q (part of the
// number), page.
type allCallsForm struct {
	Task, From, To, Level, Answered, Q, Page, Rule string
	Review, Human                                  string // review state (none, todo, done, disputed), human level
}

// levelChoice is one intent level the filter offers: the platform's level
// (surface B) or a first intention value seen in the stored calls (surface
// A only). Words are the intention values that mean it.
type levelChoice struct {
	Value string
	Chip  views.Chip
	Words []string
}

// allCallsChoices bounds the filter.
type allCallsChoices struct {
	Tasks  []store.KnownTask
	Levels []levelChoice
	Rules  []store.KeywordRule
	Human  []string // the levels a reviewer may give
	Loc    *time.Location
	Now    time.Time
}

func readAllCallsForm(q url.Values) allCallsForm {
	g := func(k string, n int) string { return trimTo(strings.TrimSpace(q.Get(k)), n) }
	return allCallsForm{Task: g("task", 100), From: g("from", 30), To: g("to", 30), Level: g("level", 100),
		Answered: g("answered", 5), Q: g("q", 40), Page: g("page", 10), Rule: g("rule", 20),
		Review: g("review", 10), Human: g("human", 100)}
}

// Validate returns the store's filter (without limit and offset), the page,
// and per field (task, time, level, q) a message in the language of ctx.
func (f *allCallsForm) Validate(ctx context.Context, c allCallsChoices) (store.CallFilter, int, map[string]string) {
	sf := store.CallFilter{AllTasks: true, AnsweredOnly: f.Answered == "1"}
	errs := map[string]string{}
	if f.Task != "" {
		if slices.ContainsFunc(c.Tasks, func(t store.KnownTask) bool { return t.ID == f.Task }) {
			sf.AllTasks, sf.TaskID = false, f.Task
		} else {
			errs["task"] = views.T(ctx, "calls.all.err.task")
		}
	}
	from, badFrom := parseDay(f.From, c.Loc, c.Now)
	to, badTo := parseDay(f.To, c.Loc, c.Now)
	switch {
	case badFrom || badTo:
		errs["time"] = views.T(ctx, "calls.all.err.day")
	case !from.IsZero() && !to.IsZero() && from.After(to):
		errs["time"] = views.T(ctx, "calls.err.range")
	default:
		sf.From = from
		if !to.IsZero() {
			sf.To = to.AddDate(0, 0, 1).Add(-time.Millisecond) // the whole last day
		}
	}
	if f.Level != "" {
		i := slices.IndexFunc(c.Levels, func(l levelChoice) bool { return l.Value == f.Level })
		if i < 0 {
			errs["level"] = views.T(ctx, "calls.all.err.level")
		} else {
			sf.Levels = c.Levels[i].Words
		}
	}
	if f.Rule != "" {
		id, _ := strconv.ParseInt(f.Rule, 10, 64)
		if id > 0 && slices.ContainsFunc(c.Rules, func(r store.KeywordRule) bool { return r.ID == id }) {
			sf.RuleID = id
		} else {
			errs["rule"] = views.T(ctx, "calls.err.rule")
		}
	}
	switch f.Review {
	case "", "none", store.ReviewTodo, store.ReviewDone, store.ReviewDisputed:
		sf.ReviewState = f.Review
	default:
		errs["review"] = views.T(ctx, "calls.err.review")
	}
	if f.Human != "" {
		if slices.Contains(c.Human, f.Human) {
			sf.HumanLevel = f.Human
		} else {
			errs["human"] = views.T(ctx, "calls.all.err.level")
		}
	}
	if f.Q != "" {
		if keywordRe.MatchString(f.Q) {
			sf.Keyword = f.Q
		} else {
			errs["q"] = views.T(ctx, "calls.err.q")
		}
	}
	page := 1
	if n, err := strconv.Atoi(f.Page); err == nil && n > 0 && n < 100000 {
		page = n
	}
	return sf, page, errs
}

// parseDay reads a day (2006-01-02) in loc: its midnight. bad: unreadable,
// or before 2000 or more than a year after now.
func parseDay(v string, loc *time.Location, now time.Time) (time.Time, bool) {
	if v == "" {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation(time.DateOnly, v, loc)
	if err != nil || t.Year() < 2000 || t.After(now.AddDate(1, 0, 0)) {
		return time.Time{}, true
	}
	return t, false
}

// query is the filter as URL parameters, only what is set, so that links
// carry exactly the filter shown.
func (f allCallsForm) query() url.Values {
	v := url.Values{}
	for k, x := range map[string]string{"task": f.Task, "from": f.From, "to": f.To, "level": f.Level, "q": f.Q, "rule": f.Rule,
		"review": f.Review, "human": f.Human} {
		if x != "" {
			v.Set(k, x)
		}
	}
	if f.Answered == "1" {
		v.Set("answered", "1")
	}
	return v
}

// levelChoices is what the level filter offers: the platform's levels, in
// the task pages' words ("A级(有意向)"), each meaning its name and its alias;
// without them (surface A only), the levels the stored calls carry.
func (s *Server) levelChoices(ctx context.Context) ([]levelChoice, error) {
	if m := s.callMeta(ctx); len(m.levels) > 0 {
		out := make([]levelChoice, 0, len(m.levels))
		for _, l := range m.levels {
			c := levelChoice{Value: string(l.ID), Chip: views.NewChip(levelLabel(l), l.Color)}
			for _, w := range []string{l.Name, l.Alias} {
				if w = strings.TrimSpace(w); w != "" && !slices.Contains(c.Words, w) {
					c.Words = append(c.Words, w)
				}
			}
			out = append(out, c)
		}
		return out, nil
	}
	seen, err := s.store.IntentionLevels(ctx, 50)
	if err != nil {
		return nil, err
	}
	out := make([]levelChoice, 0, len(seen))
	for _, w := range seen {
		out = append(out, levelChoice{Value: w, Chip: views.NewChip(w, ""), Words: []string{w}})
	}
	return out, nil
}

// allCalls serves GET /calls: every task's calls, newest first, with the
// filters of allCallsForm and pages; a filter with a mistake shows its
// messages and no list.
func (s *Server) allCalls(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	known, err := s.store.KnownTasks(ctx)
	if err != nil {
		return err
	}
	levels, err := s.levelChoices(ctx)
	if err != nil {
		return err
	}
	rules, err := s.store.Rules(ctx)
	if err != nil {
		return err
	}
	c := allCallsChoices{Tasks: known, Levels: levels, Rules: rules, Human: s.humanLevels(ctx), Loc: s.loc, Now: s.now()}
	form := readAllCallsForm(r.URL.Query())
	sf, page, errs := form.Validate(ctx, c)
	v := views.AllCallsVM{Filter: allCallsFilterView(form, c, errs), Invalid: len(errs) > 0}
	if !v.Invalid {
		sf.Limit, sf.Offset = allCallsPageSize, (page-1)*allCallsPageSize
		calls, total, err := s.store.ListCalls(ctx, sf)
		if err != nil {
			return err
		}
		u, _ := currentUser(r)
		if v.Rows, err = s.allCallRows(ctx, u.Username, calls, known, levels, rules); err != nil {
			return err
		}
		v.Total = total
		last := max((total+allCallsPageSize-1)/allCallsPageSize, 1)
		v.Pager = views.PagerVM{Page: page, Last: last}
		if page > 1 {
			v.Pager.PrevURL = pageURL("/calls", form.query(), min(page-1, last))
		}
		if page < last {
			v.Pager.NextURL = pageURL("/calls", form.query(), page+1)
		}
	}
	return s.render(w, r, http.StatusOK, views.AllCallsPage(s.page(w, r, "calls", "calls.all"), v))
}

func allCallsFilterView(f allCallsForm, c allCallsChoices, errs map[string]string) views.AllCallsFilterVM {
	vm := views.AllCallsFilterVM{Task: f.Task, From: f.From, To: f.To, Level: f.Level, Answered: f.Answered == "1",
		Q: f.Q, Rule: f.Rule, Review: f.Review, Human: f.Human, Errors: errs, Active: len(f.query()) > 0}
	for _, l := range c.Human {
		vm.HumanLevels = append(vm.HumanLevels, views.Option{Value: l, Label: l})
	}
	for _, r := range c.Rules {
		vm.Rules = append(vm.Rules, views.Option{Value: strconv.FormatInt(r.ID, 10), Label: r.Name})
	}
	for _, t := range c.Tasks {
		vm.Tasks = append(vm.Tasks, views.Option{Value: t.ID, Label: cmp.Or(t.Name, t.ID)})
	}
	for _, l := range c.Levels {
		vm.Levels = append(vm.Levels, views.Option{Value: l.Value, Label: l.Chip.Name})
	}
	return vm
}

// allCallRows builds the rows of GET /calls: each number masked as its
// task says (a call not filed under a task has its middle four hidden), the
// level in the task pages' words, reviewed by anyone, unread for username.
func (s *Server) allCallRows(ctx context.Context, username string, calls []store.Call, known []store.KnownTask, levels []levelChoice, rules []store.KeywordRule) ([]views.AllCallRowVM, error) {
	ids := make([]string, len(calls))
	for i, c := range calls {
		ids[i] = c.CallID
	}
	hits, err := s.store.RuleHitsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]store.KeywordRule, len(rules))
	for _, r := range rules {
		byID[r.ID] = r
	}
	names := make(map[string]string, len(known))
	for _, k := range known {
		names[k.ID] = cmp.Or(k.Name, k.ID)
	}
	byTask := map[string][]string{}
	for _, c := range calls {
		byTask[c.TaskID] = append(byTask[c.TaskID], c.CallID)
	}
	type taskMarks struct {
		marks   map[string]store.CallMark
		reviews map[string]store.Review
		read    map[string]bool
		hide    int
	}
	per := map[string]taskMarks{}
	hideOf := s.hideOf(ctx)
	for task, keys := range byTask {
		var tm taskMarks
		var err error
		if tm.marks, err = s.store.CallMarks(ctx, task, keys); err != nil {
			return nil, err
		}
		if tm.read, err = s.store.ReadCalls(ctx, task, username, keys); err != nil {
			return nil, err
		}
		if tm.reviews, err = s.store.ReviewsOfCalls(ctx, task, keys); err != nil {
			return nil, err
		}
		tm.hide = hideOf(task)
		per[task] = tm
	}
	rows := make([]views.AllCallRowVM, 0, len(calls))
	for _, c := range calls {
		tm := per[c.TaskID]
		row := views.AllCallRowVM{Key: c.CallID, Callee: phoneFor(ctx, c.Tel, tm.hide), Time: views.When(ctx, c.StartAt),
			TalkTime: views.Duration(ctx, time.Duration(c.FeeMS)*time.Millisecond),
			Status:   views.CallStatusName(views.LangOf(ctx), int(c.Status)),
			Reviewed: tm.marks[c.CallID].Reviewed(), Unread: !c.AnswerAt.IsZero() && !tm.read[c.CallID]}
		row.Level, row.Others = intentionChips(client.SplitIntentions(c.Intention), levels)
		row.Rules = ruleChips(hits[c.CallID], byID)
		if rv, ok := tm.reviews[c.CallID]; ok && rv.Submitted() {
			row.HumanLevel, row.Verdict = humanOf(rv), rv.Verdict
		}
		if validTaskID(c.TaskID) {
			row.URL, row.TaskURL, row.TaskName = callURL(c.TaskID, c.CallID), "/tasks/"+url.PathEscape(c.TaskID), cmp.Or(names[c.TaskID], c.TaskID)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// intentionChips shows a stored call's intention values: the first is its
// level, named as the task pages name it when it is one of the platform's
// levels ("有意向" is shown as "A级(有意向)"); the others follow as they are.
func intentionChips(vals []string, levels []levelChoice) (*views.Chip, []views.Chip) {
	if len(vals) == 0 {
		return nil, nil
	}
	var level views.Chip
	if i := slices.IndexFunc(levels, func(l levelChoice) bool { return slices.Contains(l.Words, vals[0]) }); i >= 0 {
		level = levels[i].Chip
	} else {
		level = views.NewChip(vals[0], "")
	}
	others := make([]views.Chip, 0, len(vals)-1)
	for _, v := range vals[1:] {
		others = append(others, views.NewChip(v, ""))
	}
	return &level, others
}
