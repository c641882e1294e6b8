package handlers

import (
	"context"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"dialdesk/client"
	"dialdesk/views"
)

// The filter of a task's call records: the form as typed, its validation and
// its view.

// callFilter is a validated filter of a task's call records.
type callFilter struct {
	LevelIDs []string
	Levels   [][2]int // score ranges of LevelIDs
	Tags     []string
	Bill     *[2]int // talk seconds
	Rounds   *[2]int
	From, To time.Time
	Q        string
	Intent   string              // surface A
	Statuses []client.CallStatus // surface A
	Page     int
}

// query is the filter as URL parameters (only what is valid and set), so
// that links carry exactly the filters that were applied.
func (f callFilter) query(withPage bool) url.Values {
	v := url.Values{}
	for _, id := range f.LevelIDs {
		v.Add("level", id)
	}
	for _, id := range f.Tags {
		v.Add("tag", id)
	}
	if f.Bill != nil {
		v.Set("bill_min", strconv.Itoa(f.Bill[0]))
		if f.Bill[1] != openMax {
			v.Set("bill_max", strconv.Itoa(f.Bill[1]))
		}
	}
	if f.Rounds != nil {
		v.Set("rounds_min", strconv.Itoa(f.Rounds[0]))
		if f.Rounds[1] != openMax {
			v.Set("rounds_max", strconv.Itoa(f.Rounds[1]))
		}
	}
	if !f.From.IsZero() {
		v.Set("from", f.From.Format(datetimeLocal))
	}
	if !f.To.IsZero() {
		v.Set("to", f.To.Format(datetimeLocal))
	}
	if f.Q != "" {
		v.Set("q", f.Q)
	}
	if f.Intent != "" {
		v.Set("intent", f.Intent)
	}
	for _, st := range f.Statuses {
		v.Add("status", strconv.Itoa(int(st)))
	}
	if withPage && f.Page > 1 {
		v.Set("page", strconv.Itoa(f.Page))
	}
	return v
}

// needsPlatform reports whether the filter uses what only surface B knows
// (levels, tags, rounds): stored calls cannot be matched against it.
func (f callFilter) needsPlatform() bool {
	return len(f.Levels) > 0 || len(f.Tags) > 0 || f.Rounds != nil
}

// openMax is the upper bound sent for a range given only its lower bound.
const openMax = 999999

var (
	keywordRe = regexp.MustCompile(`^[0-9*]{1,20}$`)
	metaIDRe  = regexp.MustCompile(`^[0-9A-Za-z_-]{1,64}$`)
)

// callStatuses are surface A's call statuses, for the filter: the ended
// ones first.
var callStatuses = []client.CallStatus{client.CallConnected, client.CallNoAnswer, client.CallPoweredOff,
	client.CallSuspended, client.CallVacant, client.CallRejected, client.CallBusy, client.CallNotDialed, client.CallDialing}

// callFilterForm is the call list's filter as typed: its URL query
// (level, tag, bill_min/max, rounds_min/max, from/to, q, and on surface A
// status and intent; page). Validate checks it and returns the filter to
// apply; view maps both back to the form a person sees.
type callFilterForm struct {
	Levels    []string // level ids (surface B)
	Tags      []string // tag ids (surface B)
	Statuses  []string // call statuses (surface A)
	BillMin   string   // talk time, whole seconds
	BillMax   string
	RoundsMin string
	RoundsMax string
	From      string // datetime-local, "2006-01-02 15:04[:05]" or a date
	To        string
	Q         string // callee keyword
	Intent    string // surface A: intention contains
	Page      string

	// Parsed by Validate.
	from, to       time.Time
	badFrom, badTo bool
}

// callFilterChoices is what bounds the filter: the platform's levels and
// tags (surface B), the display zone and the server's clock.
type callFilterChoices struct {
	SurfaceB bool
	Meta     callMetaData
	Loc      *time.Location
	Now      time.Time
}

// readCallFilterForm reads the filter from a list's (or a call's) query,
// each value bounded in length.
func readCallFilterForm(q url.Values) callFilterForm {
	return callFilterForm{Levels: q["level"], Tags: q["tag"], Statuses: q["status"],
		BillMin: trimTo(q.Get("bill_min"), 20), BillMax: trimTo(q.Get("bill_max"), 20),
		RoundsMin: trimTo(q.Get("rounds_min"), 20), RoundsMax: trimTo(q.Get("rounds_max"), 20),
		From: trimTo(q.Get("from"), 30), To: trimTo(q.Get("to"), 30),
		Q: trimTo(strings.TrimSpace(q.Get("q")), 40), Intent: trimTo(strings.TrimSpace(q.Get("intent")), 50),
		Page: q.Get("page")}
}

// Validate checks the form and returns the filter to apply and, per field
// (level, tag, bill, rounds, time, q), a message in the language of ctx. A
// bad value is left out of the filter.
func (f *callFilterForm) Validate(ctx context.Context, c callFilterChoices) (callFilter, map[string]string) {
	var cf callFilter
	errs := map[string]string{}
	lang := views.LangOf(ctx)
	msg := func(key string) string { return views.Msg(lang, key) }

	if n, err := strconv.Atoi(f.Page); err == nil && n > 0 && n < 100000 {
		cf.Page = n
	} else {
		cf.Page = 1
	}
	if c.SurfaceB {
		if len(f.Levels) > 50 {
			errs["level"], f.Levels = msg("calls.err.toomany"), nil
		}
		for _, l := range c.Meta.levels {
			if id := string(l.ID); slices.Contains(f.Levels, id) {
				cf.LevelIDs = append(cf.LevelIDs, id)
				cf.Levels = append(cf.Levels, [2]int{int(l.MinScore), int(l.MaxScore)})
			}
		}
		if len(f.Tags) > 100 {
			errs["tag"], f.Tags = msg("calls.err.toomany"), nil
		}
		known := map[string]bool{}
		for _, g := range c.Meta.tagGroups {
			for _, t := range g.Tags {
				known[string(t.ID)] = true
			}
		}
		for _, id := range f.Tags {
			// Without the platform's tag list, any well-formed id is passed on.
			if (known[id] || (c.Meta.tagsErr != nil && metaIDRe.MatchString(id))) && !slices.Contains(cf.Tags, id) {
				cf.Tags = append(cf.Tags, id)
			}
		}
	} else {
		for _, st := range callStatuses {
			if slices.Contains(f.Statuses, strconv.Itoa(int(st))) {
				cf.Statuses = append(cf.Statuses, st)
			}
		}
		cf.Intent = f.Intent
	}
	var bad bool
	if cf.Bill, bad = parseRange(f.BillMin, f.BillMax); bad {
		errs["bill"] = rangeMsg(lang, f.BillMin, f.BillMax)
	}
	if cf.Rounds, bad = parseRange(f.RoundsMin, f.RoundsMax); bad {
		errs["rounds"] = rangeMsg(lang, f.RoundsMin, f.RoundsMax)
	}
	f.from, f.badFrom = parseFormTime(f.From, c.Loc, c.Now)
	f.to, f.badTo = parseFormTime(f.To, c.Loc, c.Now)
	switch {
	case f.badFrom || f.badTo:
		errs["time"] = msg("calls.err.date")
	case !f.from.IsZero() && !f.to.IsZero() && f.from.After(f.to):
		errs["time"] = msg("calls.err.range")
	default:
		cf.From, cf.To = f.from, f.to
		if !f.to.IsZero() && f.to.Second() == 0 && !strings.Contains(f.To, ":00:") {
			cf.To = f.to.Add(59 * time.Second) // "to 23:04" includes the whole minute
		}
	}
	if f.Q != "" {
		if keywordRe.MatchString(f.Q) {
			cf.Q = f.Q
		} else {
			errs["q"] = msg("calls.err.q")
		}
	}
	return cf, errs
}

// view is the filter form as shown: the user's input as typed, the choices
// with what is selected, the messages, and notes on what the platform could
// not list. Call it after Validate.
func (f *callFilterForm) view(ctx context.Context, c callFilterChoices, cf callFilter, errs map[string]string) views.CallFilterVM {
	lang := views.LangOf(ctx)
	vm := views.CallFilterVM{SurfaceB: c.SurfaceB, Errors: errs,
		BillMin: f.BillMin, BillMax: f.BillMax, RoundsMin: f.RoundsMin, RoundsMax: f.RoundsMax,
		From: dateTimeValue(f.From, f.from, f.badFrom), To: dateTimeValue(f.To, f.to, f.badTo),
		Q: f.Q, Intent: f.Intent}
	if c.SurfaceB {
		for _, l := range c.Meta.levels {
			id := string(l.ID)
			opt := views.CallLevelOptionVM{ID: id, Chip: views.NewChip(levelLabel(l), l.Color),
				Range:    strconv.Itoa(int(l.MinScore)) + "–" + strconv.Itoa(int(l.MaxScore)),
				Selected: slices.Contains(cf.LevelIDs, id)}
			opt.Chip.Title = opt.Range
			vm.Levels = append(vm.Levels, opt)
		}
		if c.Meta.levelsErr != nil {
			vm.Notes = append(vm.Notes, views.Msg(lang, "calls.note.nolevels"))
		}
		for _, g := range c.Meta.tagGroups {
			og := views.CallTagGroupOptionVM{Name: g.Name}
			for _, t := range g.Tags {
				id := string(t.ID)
				ch := views.NewChip(t.Name, t.Color)
				ch.Title = g.Name
				og.Tags = append(og.Tags, views.CallTagOptionVM{ID: id, Chip: ch, Selected: slices.Contains(f.Tags, id)})
			}
			vm.TagGroups = append(vm.TagGroups, og)
		}
		if c.Meta.tagsErr != nil {
			vm.Notes = append(vm.Notes, views.Msg(lang, "calls.note.notags"))
		}
	} else {
		for _, st := range callStatuses {
			vm.Statuses = append(vm.Statuses, views.CallStatusOptionVM{Value: int(st), Label: views.CallStatusName(views.LangOf(ctx), int(st)),
				Selected: slices.Contains(cf.Statuses, st)})
		}
	}
	vm.Active = len(cf.LevelIDs)+len(cf.Tags)+len(cf.Statuses) > 0 || cf.Bill != nil || cf.Rounds != nil ||
		!cf.From.IsZero() || !cf.To.IsZero() || cf.Q != "" || cf.Intent != "" || len(errs) > 0
	return vm
}

// parseCallFilter reads, validates and maps the list's URL state. A bad
// value gets a message for its field and is left out of the filter.
func (s *Server) parseCallFilter(ctx context.Context, q url.Values, m callMetaData) (callFilter, views.CallFilterVM) {
	c := callFilterChoices{SurfaceB: s.client.HasV1(), Meta: m, Loc: s.loc, Now: s.now()}
	form := readCallFilterForm(q)
	f, errs := form.Validate(ctx, c)
	return f, form.view(ctx, c, f, errs)
}

// parseRange reads a [min, max] pair of whole numbers; one bound alone is
// fine. bad reports a value that is not a number, or min > max.
func parseRange(lo, hi string) (r *[2]int, bad bool) {
	lo, hi = strings.TrimSpace(lo), strings.TrimSpace(hi)
	if lo == "" && hi == "" {
		return nil, false
	}
	a, b := 0, openMax
	var err error
	if lo != "" {
		if a, err = strconv.Atoi(lo); err != nil || a < 0 || a > openMax {
			return nil, true
		}
	}
	if hi != "" {
		if b, err = strconv.Atoi(hi); err != nil || b < 0 || b > openMax {
			return nil, true
		}
	}
	if a > b {
		return nil, true
	}
	return &[2]int{a, b}, false
}

func rangeMsg(lang views.Lang, lo, hi string) string {
	if _, e1 := strconv.Atoi(strings.TrimSpace(lo)); (lo == "" || e1 == nil) && lo != "-" {
		if _, e2 := strconv.Atoi(strings.TrimSpace(hi)); hi == "" || e2 == nil {
			a, _ := strconv.Atoi(lo)
			b, _ := strconv.Atoi(hi)
			if a >= 0 && b >= 0 {
				return views.Msg(lang, "calls.err.range")
			}
		}
	}
	return views.Msg(lang, "calls.err.number")
}

// parseFormTime reads a datetime-local value (or "2006-01-02 15:04[:05]",
// or a date) in zone loc. bad: unreadable, or before 2000 or more than a
// year after now.
func parseFormTime(v string, loc *time.Location, now time.Time) (t time.Time, bad bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	t, err := parseLocal(v, loc)
	if err != nil {
		t, err = time.ParseInLocation(time.DateOnly, v, loc) // a date alone: from its midnight
	}
	if err != nil || t.Year() < 2000 || t.After(now.AddDate(1, 0, 0)) {
		return time.Time{}, true
	}
	return t, false
}

// dateTimeValue is what the filter's time input shows of raw: the time in
// a datetime-local input's own format (a link may say "2026-03-06 23:04" or
// a date), else raw as typed; the view makes the input a text input for a
// value a datetime-local input cannot hold (the browser would drop it), so
// the user sees what they typed next to the message. The range numbers are
// text inputs for the same reason.
func dateTimeValue(raw string, t time.Time, bad bool) string {
	if !bad && !t.IsZero() {
		return t.Format(datetimeLocal)
	}
	return strings.TrimSpace(raw)
}

func trimTo(s string, n int) string {
	if len(s) > n {
		s = s[:n]
		for !utf8.ValidString(s) && len(s) > 0 {
			s = s[:len(s)-1]
		}
	}
	return s
}
