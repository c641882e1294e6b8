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
	"dialdesk/internal/search"
	"dialdesk/store"
	"dialdesk/views"
)

// Transcript search (GET /search): every stored turn, Chinese substring
// search (internal/search says what a query means), newest first, with
// filters; each hit links to the call page at its turn.

// searchPageSize is the calls of one page of results.
const searchPageSize = 20

// searchTurnsShown is how many matching turns a result shows.
const searchTurnsShown = 3

// searchForm is GET /search's query as typed.
type searchForm struct {
	Q, From, To, Speaker, Level, Tag, Reviewed, Page string
	Tasks                                            []string
}

func readSearchForm(q url.Values) searchForm {
	g := func(k string, n int) string { return trimTo(strings.TrimSpace(q.Get(k)), n) }
	f := searchForm{Q: g("q", 400), From: g("from", 30), To: g("to", 30), Speaker: g("speaker", 10),
		Level: g("level", 100), Tag: g("tag", 100), Reviewed: g("reviewed", 5), Page: g("page", 10)}
	for _, t := range q["task"] {
		if t = strings.TrimSpace(t); t != "" && len(f.Tasks) < 50 && !slices.Contains(f.Tasks, t) {
			f.Tasks = append(f.Tasks, trimTo(t, 100))
		}
	}
	return f
}

// searchChoices bounds the filters.
type searchChoices struct {
	Tasks  []store.KnownTask
	Levels []levelChoice
	Tags   []string
	Loc    *time.Location
	Now    time.Time
}

// Validate returns the store's search (without page) and the page, and per
// field a message in the language of ctx.
func (f *searchForm) Validate(ctx context.Context, c searchChoices) (store.SearchFilter, int, map[string]string) {
	sf := store.SearchFilter{Query: search.Parse(f.Q)}
	errs := map[string]string{}
	for _, t := range f.Tasks {
		if !slices.ContainsFunc(c.Tasks, func(k store.KnownTask) bool { return k.ID == t }) {
			errs["task"] = views.T(ctx, "calls.all.err.task")
			break
		}
	}
	sf.TaskIDs = f.Tasks
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
			sf.To = to.AddDate(0, 0, 1).Add(-time.Millisecond)
		}
	}
	switch f.Speaker {
	case "":
	case "robot":
		sf.Speaker = store.SpeakerRobot
	case "customer":
		sf.Speaker = store.SpeakerCustomer
	default:
		errs["speaker"] = views.T(ctx, "search.err.speaker")
	}
	if f.Level != "" {
		i := slices.IndexFunc(c.Levels, func(l levelChoice) bool { return l.Value == f.Level })
		if i < 0 {
			errs["level"] = views.T(ctx, "calls.all.err.level")
		} else {
			sf.Levels = c.Levels[i].Words
		}
	}
	if f.Tag != "" {
		sf.Tags = []string{f.Tag}
	}
	switch f.Reviewed {
	case "":
	case "1":
		sf.Reviewed = 1
	case "0":
		sf.Reviewed = 2
	default:
		errs["reviewed"] = views.T(ctx, "search.err.reviewed")
	}
	page := 1
	if n, err := strconv.Atoi(f.Page); err == nil && n > 0 && n <= 500 {
		page = n
	}
	return sf, page, errs
}

// query is the search as URL parameters, only what is set.
func (f searchForm) query() url.Values {
	v := url.Values{}
	for k, x := range map[string]string{"q": f.Q, "from": f.From, "to": f.To, "speaker": f.Speaker,
		"level": f.Level, "tag": f.Tag, "reviewed": f.Reviewed} {
		if x != "" {
			v.Set(k, x)
		}
	}
	for _, t := range f.Tasks {
		v.Add("task", t)
	}
	return v
}

// searchPage serves GET /search: the search box, its filters and, once a
// query is typed, the calls whose turns contain it.
func (s *Server) searchPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	known, err := s.store.KnownTasks(ctx)
	if err != nil {
		return err
	}
	levels, err := s.levelChoices(ctx)
	if err != nil {
		return err
	}
	tags, err := s.store.TagNames(ctx, 200)
	if err != nil {
		return err
	}
	c := searchChoices{Tasks: known, Levels: levels, Tags: tags, Loc: s.loc, Now: s.now()}
	form := readSearchForm(r.URL.Query())
	sf, page, errs := form.Validate(ctx, c)
	v := views.SearchVM{Form: searchFormView(form, c, errs), Dropped: sf.Query.Dropped}
	switch {
	case len(errs) > 0:
		v.Invalid = true
	case len(sf.Query.Include()) > 0:
		sf.Offset, sf.Limit = (page-1)*searchPageSize, searchPageSize
		res, err := s.store.SearchCalls(ctx, sf)
		if err != nil {
			return err
		}
		v.Searched = true
		v.Total, v.More, v.Partial, v.Behind = res.Total, res.More, res.Partial, res.Behind
		if res.Partial {
			v.SearchedTo = views.When(ctx, res.SearchedTo)
		}
		if v.Rows, err = s.searchRows(ctx, res.Calls, sf, known, levels); err != nil {
			return err
		}
		last := max((res.Total+searchPageSize-1)/searchPageSize, 1)
		v.Pager = views.PagerVM{Page: page, Last: last}
		if page > 1 {
			v.Pager.PrevURL = pageURL("/search", form.query(), min(page-1, last))
		}
		if page < last {
			v.Pager.NextURL = pageURL("/search", form.query(), page+1)
		}
	case strings.TrimSpace(form.Q) != "":
		v.NoTerms = true
	}
	return s.render(w, r, http.StatusOK, views.SearchPage(s.page(w, r, "search", "search.title"), v))
}

func searchFormView(f searchForm, c searchChoices, errs map[string]string) views.SearchFormVM {
	vm := views.SearchFormVM{Q: f.Q, From: f.From, To: f.To, Speaker: f.Speaker, Level: f.Level, Tag: f.Tag,
		Reviewed: f.Reviewed, Errors: errs}
	vm.Open = len(f.Tasks) > 0 || f.From != "" || f.To != "" || f.Speaker != "" || f.Level != "" || f.Tag != "" || f.Reviewed != "" || len(errs) > 0
	for _, t := range c.Tasks {
		vm.Tasks = append(vm.Tasks, views.SearchOptionVM{Value: t.ID, Label: cmp.Or(t.Name, t.ID), Selected: slices.Contains(f.Tasks, t.ID)})
	}
	for _, l := range c.Levels {
		vm.Levels = append(vm.Levels, views.Option{Value: l.Value, Label: l.Chip.Name})
	}
	for _, t := range c.Tags {
		vm.Tags = append(vm.Tags, views.Option{Value: t, Label: t})
	}
	return vm
}

// searchRows builds the result rows: the callee masked as the call's task
// says (as GET /calls does), the task, time and level, and the turns that
// match with the hits marked, each linking to the call page at that turn.
func (s *Server) searchRows(ctx context.Context, calls []store.Call, sf store.SearchFilter, known []store.KnownTask, levels []levelChoice) ([]views.SearchRowVM, error) {
	names := make(map[string]string, len(known))
	for _, k := range known {
		names[k.ID] = cmp.Or(k.Name, k.ID)
	}
	hideOf := s.hideOf(ctx)
	var terms []string
	for _, t := range sf.Query.Include() {
		terms = append(terms, t.Text)
	}
	rows := make([]views.SearchRowVM, 0, len(calls))
	for _, c := range calls {
		row := views.SearchRowVM{Key: c.CallID, Callee: phoneFor(ctx, c.Tel, hideOf(c.TaskID)), Time: views.When(ctx, c.StartAt)}
		row.Level, _ = intentionChips(client.SplitIntentions(c.Intention), levels)
		if c.LevelName != "" {
			chip := views.NewChip(c.LevelName, c.LevelColor)
			row.Level = &chip
		}
		if validTaskID(c.TaskID) {
			row.URL, row.TaskURL, row.TaskName = callURL(c.TaskID, c.CallID), "/tasks/"+url.PathEscape(c.TaskID), cmp.Or(names[c.TaskID], c.TaskID)
		}
		// The call page shows the turns in time order (storedCallView):
		// the same order numbers the turns here.
		msgs := slices.Clone(c.Messages)
		slices.SortStableFunc(msgs, func(a, b store.CallMessage) int { return a.At.Compare(b.At) })
		for i, m := range msgs {
			robot := m.Sender == client.SenderRobot
			if sf.Speaker == store.SpeakerRobot && !robot || sf.Speaker == store.SpeakerCustomer && robot {
				continue
			}
			if !slices.ContainsFunc(terms, func(t string) bool { return search.Contains(m.Content, t) }) {
				continue
			}
			if len(row.Turns) == searchTurnsShown {
				row.MoreTurns++
				continue
			}
			turn := views.SearchTurnVM{Index: i, Robot: robot}
			for _, g := range search.Highlight(m.Content, terms) {
				turn.Segments = append(turn.Segments, views.SegmentVM{Text: g.Text, Hit: g.Hit})
			}
			if row.URL != "" {
				turn.URL = row.URL + "?t=" + strconv.Itoa(i) + "#turn-" + strconv.Itoa(i)
			}
			row.Turns = append(row.Turns, turn)
		}
		rows = append(rows, row)
	}
	return rows, nil
}
