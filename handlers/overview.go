package handlers

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"slices"
	"time"

	"dialdesk/store"
	"dialdesk/views"
)

// overviewQuery is the overview's view: a range of whole days in the
// display zone (both ends inclusive) and the tasks (none: every task).
type overviewQuery struct {
	From, To time.Time // midnight of the first and of the last day, in s.loc
	Tasks    []string
}

// maxOverviewDays bounds a range (a year and a day: a leap year's 366 days).
const maxOverviewDays = 367

const dayLayout = "2006-01-02"

// Start and End bound the calls' start times: [Start, End).
func (q overviewQuery) Start() time.Time { return q.From }
func (q overviewQuery) End() time.Time   { return q.To.AddDate(0, 0, 1) }

// Days is the number of days in the range.
func (q overviewQuery) Days() int { return int(q.End().Sub(q.From).Hours()/24 + 0.5) }

// values is the query string of q (what a link to this view carries).
func (q overviewQuery) values() url.Values {
	v := url.Values{}
	v.Set("from", q.From.Format(dayLayout))
	v.Set("to", q.To.Format(dayLayout))
	for _, t := range q.Tasks {
		v.Add("task", t)
	}
	return v
}

// today is midnight of the current day in the display zone.
func (s *Server) today() time.Time {
	y, m, d := s.now().In(s.loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, s.loc)
}

// parseOverviewQuery reads ?from=&to=&task=…; a missing range is today. A
// range it cannot use gives the default range and the i18n key of what is
// wrong (the page shows it; never an error page).
func (s *Server) parseOverviewQuery(v url.Values) (overviewQuery, string) {
	today := s.today()
	q := overviewQuery{From: today, To: today}
	for _, t := range v["task"] {
		if validTaskID(t) && !slices.Contains(q.Tasks, t) {
			q.Tasks = append(q.Tasks, t)
		}
	}
	fs, ts := v.Get("from"), v.Get("to")
	if fs == "" && ts == "" {
		return q, ""
	}
	from, err1 := time.ParseInLocation(dayLayout, cmp.Or(fs, ts), s.loc)
	to, err2 := time.ParseInLocation(dayLayout, cmp.Or(ts, fs), s.loc)
	switch {
	case err1 != nil || err2 != nil:
		return q, "overview.err.date"
	case to.Before(from):
		return q, "overview.err.order"
	case to.Sub(from) > maxOverviewDays*24*time.Hour:
		return q, "overview.err.long"
	}
	q.From, q.To = from, to
	return q, ""
}

// overviewPage answers GET /overview: figures and charts of a range and a
// set of tasks, drawn from the store's rollups (so it works while the
// platform is down). An htmx request gets the region alone.
func (s *Server) overviewPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q, errKey := s.parseOverviewQuery(r.URL.Query())
	v, err := s.overview(ctx, q)
	if err != nil {
		return err
	}
	if errKey != "" {
		v.Error = views.T(ctx, errKey)
		// The fields keep what was typed when it is a date (a reversed or
		// too long range); a date input cannot hold anything else.
		for field, in := range map[*string]string{&v.Filter.From: r.URL.Query().Get("from"), &v.Filter.To: r.URL.Query().Get("to")} {
			if _, err := time.Parse(dayLayout, in); err == nil {
				*field = in
			}
		}
	}
	if isHTMX(r) {
		return s.render(w, r, http.StatusOK, views.OverviewRegion(v))
	}
	return s.render(w, r, http.StatusOK, views.OverviewPage(s.page(w, r, "overview", "overview.title"), v))
}

// intentTest returns whether a level counts as intent, per the settings.
func (s *Server) intentTest(ctx context.Context) (func(string) bool, error) {
	levels, isDefault, err := s.store.IntentLevels(ctx)
	if err != nil {
		return nil, err
	}
	if isDefault {
		return store.IsDefaultIntent, nil
	}
	set := map[string]bool{}
	for _, l := range levels {
		set[l] = true
	}
	return func(l string) bool { return set[l] }, nil
}

// readOverview reads the store's figures for q.
func (s *Server) readOverview(ctx context.Context, q overviewQuery) (store.Overview, error) {
	isIntent, err := s.intentTest(ctx)
	if err != nil {
		return store.Overview{}, err
	}
	return s.store.Overview(ctx, store.OverviewQuery{Tasks: q.Tasks, From: q.Start(), To: q.End(), Loc: s.loc, IsIntent: isIntent})
}

// overview builds the page's view model.
func (s *Server) overview(ctx context.Context, q overviewQuery) (views.OverviewVM, error) {
	lang := views.LangOf(ctx)
	ov, err := s.readOverview(ctx, q)
	if err != nil {
		return views.OverviewVM{}, err
	}
	known, err := s.store.KnownTasks(ctx)
	if err != nil {
		return views.OverviewVM{}, err
	}
	names := map[string]string{}
	for _, t := range known {
		names[t.ID] = cmp.Or(t.Name, t.ID)
	}
	v := views.OverviewVM{Filter: s.overviewFilter(lang, q, known)}
	asOf, err := s.store.DataAsOf(ctx)
	if err != nil {
		return v, err
	}
	if asOf.IsZero() {
		v.Freshness = views.Msg(lang, "overview.fresh.never")
	} else {
		v.Freshness = views.Tf(ctx, "overview.fresh", views.When(ctx, asOf))
	}
	v.KPIs = kpiCards(lang, ov.Total, ov.Prev)
	if ov.Total.Calls == 0 {
		switch {
		case len(q.Tasks) == 1:
			v.Empty = views.Tf(ctx, "overview.empty.task", cmp.Or(names[q.Tasks[0]], q.Tasks[0]))
		default:
			v.Empty = views.Msg(lang, "overview.empty")
		}
	} else {
		colors, err := s.store.LevelColors(ctx)
		if err != nil {
			return v, err
		}
		v.Charts = overviewCharts(lang, s.loc, ov, colors, s.client.HasV1())
		rc, err := s.ruleHitsChart(ctx, lang, q)
		if err != nil {
			return v, err
		}
		if rc != nil {
			v.Charts = append(v.Charts, *rc)
		}
		v.ExportURL = "/overview/export.xlsx?" + q.values().Encode()
		if ov.Total.Connected > 0 {
			v.Leads = &views.LeadsVM{From: q.From.Format(dayLayout), To: q.To.Format(dayLayout), Tasks: q.Tasks}
			for _, l := range ov.Levels {
				if l.Val != "" && l.Connected > 0 {
					v.Leads.Levels = append(v.Leads.Levels, l.Val)
				}
			}
			for _, t := range ov.Tags[:min(len(ov.Tags), maxRows)] {
				v.Leads.Tags = append(v.Leads.Tags, t.Val)
			}
		}
	}
	if today := s.today(); !today.Before(q.From) && !today.After(q.To) {
		v.Attention, v.Stale = s.attention(ctx, lang, q, names)
	}
	return v, nil
}

// overviewFilter is the range presets and the task picker of q.
func (s *Server) overviewFilter(lang views.Lang, q overviewQuery, known []store.KnownTask) views.OverviewFilterVM {
	today := s.today()
	f := views.OverviewFilterVM{From: q.From.Format(dayLayout), To: q.To.Format(dayLayout), Picked: len(q.Tasks)}
	for _, p := range []struct {
		key      string
		from, to time.Time
	}{
		{"today", today, today},
		{"yesterday", today.AddDate(0, 0, -1), today.AddDate(0, 0, -1)},
		{"7d", today.AddDate(0, 0, -6), today},
		{"30d", today.AddDate(0, 0, -29), today},
	} {
		pq := overviewQuery{From: p.from, To: p.to, Tasks: q.Tasks}
		f.Presets = append(f.Presets, views.PresetVM{Key: p.key, Label: views.Msg(lang, "overview.preset."+p.key),
			URL: "/overview?" + pq.values().Encode(), Current: p.from.Equal(q.From) && p.to.Equal(q.To)})
	}
	if q.From.Equal(q.To) {
		f.RangeTxt = views.Msg(lang, "overview.range.one") + q.From.Format(dayLayout)
	} else {
		f.RangeTxt = views.Msg(lang, "overview.range.many") + q.From.Format(dayLayout) + " – " + q.To.Format(dayLayout)
	}
	for _, t := range known {
		f.Tasks = append(f.Tasks, views.TaskPickVM{ID: t.ID, Name: cmp.Or(t.Name, t.ID), Picked: slices.Contains(q.Tasks, t.ID)})
	}
	return f
}
