package handlers

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"slices"
	"time"

	"dialdesk/client"
	"dialdesk/store"
	"dialdesk/views"
)

// Needs-attention thresholds. A rate is "far below" when it is under half
// of the comparison, and only with enough calls to mean something.
const (
	stalledAfter   = 15 * time.Minute
	attentionWait  = 3 * time.Second // the platform's answer is awaited this long, then the page goes without
	minTodayCalls  = 20
	minWeekCalls   = 50
	farBelowFactor = 0.5
)

// attention is 今日提醒: stalled tasks, tasks out of numbers, tasks outside
// their calling hours while others call, caller numbers and tasks whose
// connect rate today is far below their last seven days. The task states
// come from the platform (cached); when it cannot be asked, the store's
// comparisons still show and stale says so.
func (s *Server) attention(ctx context.Context, lang views.Lang, q overviewQuery, names map[string]string) (out []views.AttentionVM, stale string) {
	taskURL := func(id string) string { return "/tasks/" + url.PathEscape(id) }
	name := func(id string) string { return cmp.Or(names[id], id) }
	inScope := func(id string) bool { return len(q.Tasks) == 0 || slices.Contains(q.Tasks, id) }

	infos, err := s.runningInfos(ctx, inScope)
	if err != nil {
		s.log.Warn("overview: task states", "err", err)
		stale = views.Msg(lang, "overview.stale")
	}
	var running, outside []client.TaskInfo
	for _, t := range infos {
		switch t.Status {
		case client.TaskRunning:
			running = append(running, t)
		case client.TaskOutsideHours:
			outside = append(outside, t)
		}
	}
	if len(running) > 0 {
		ids := make([]string, len(running))
		for i, t := range running {
			ids[i] = t.ID
		}
		now := s.now()
		last, err := s.store.LastCallEnds(ctx, ids, now.Add(-24*time.Hour))
		if err != nil {
			s.log.Warn("overview: last calls", "err", err)
		}
		for _, t := range running {
			if at, ok := last[t.ID]; err == nil && (!ok || now.Sub(at) > stalledAfter) {
				out = append(out, views.AttentionVM{Kind: "stalled", TaskURL: taskURL(t.ID),
					Text: fmt.Sprintf(views.Msg(lang, "overview.att.stalled"), name(t.ID))})
			}
		}
	}
	for _, t := range infos {
		if (t.Status == client.TaskRunning || t.Status == client.TaskOutsideHours) && t.CallTotalData > 0 && t.CallTimes >= t.CallTotalData {
			out = append(out, views.AttentionVM{Kind: "nonumbers", TaskURL: taskURL(t.ID),
				Text:   fmt.Sprintf(views.Msg(lang, "overview.att.nonumbers"), name(t.ID)),
				Action: views.Msg(lang, "overview.att.upload"), ActURL: taskURL(t.ID) + "/numbers"})
		}
	}
	if len(running) > 0 {
		for _, t := range outside {
			out = append(out, views.AttentionVM{Kind: "outside", TaskURL: taskURL(t.ID),
				Text: fmt.Sprintf(views.Msg(lang, "overview.att.outside"), name(t.ID))})
		}
	}

	today := s.today()
	callers, err := s.store.TodayVsWeek(ctx, q.Tasks, store.DimCaller, today)
	if err != nil {
		s.log.Warn("overview: caller rates", "err", err)
	}
	for _, c := range callers {
		if farBelow(c) {
			out = append(out, views.AttentionVM{Kind: "caller",
				Text: fmt.Sprintf(views.Msg(lang, "overview.att.caller"), c.Key, pct(c.Today.ConnectRate()), pct(c.Week.ConnectRate()))})
		}
	}
	tasks, err := s.store.TodayVsWeek(ctx, q.Tasks, store.DimAll, today)
	if err != nil {
		s.log.Warn("overview: task rates", "err", err)
	}
	for _, c := range tasks {
		if farBelow(c) {
			out = append(out, views.AttentionVM{Kind: "drop", TaskURL: taskURL(c.Key),
				Text: fmt.Sprintf(views.Msg(lang, "overview.att.drop"), name(c.Key), pct(c.Today.ConnectRate()), pct(c.Week.ConnectRate()))})
		}
	}
	return out, stale
}

// farBelow reports whether today's connect rate is far below the week's.
func farBelow(c store.RateCompare) bool {
	if c.Today.Calls < minTodayCalls || c.Week.Calls < minWeekCalls {
		return false
	}
	return c.Today.ConnectRate() < farBelowFactor*c.Week.ConnectRate()
}

// runningInfos returns the platform's state of the unfinished tasks in
// scope (query_task, then query_task_info, both cached and shared),
// waiting at most attentionWait.
func (s *Server) runningInfos(ctx context.Context, inScope func(string) bool) ([]client.TaskInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, attentionWait)
	defer cancel()
	list, err := s.tasks.unfinished(ctx)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, t := range list {
		if inScope(t.ID) && (t.Status == client.TaskRunning || t.Status == client.TaskOutsideHours) {
			ids = append(ids, t.ID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	m, err := s.tasks.infos(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]client.TaskInfo, 0, len(ids))
	for _, id := range ids {
		if t, ok := m[id]; ok {
			out = append(out, t)
		}
	}
	return out, nil
}
