package handlers

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"dialdesk/client"
	"dialdesk/store"
	"dialdesk/views"
)

// The call pages' view mapping: platform records and stored calls as rows,
// chips and facts of the views.

// levelChip is a record's intent level as a chip (nil when it has none):
// the level object with its color, else the bare level name.
func levelChip(rec *client.Record) *views.Chip {
	var c views.Chip
	switch {
	case rec.Level != nil && rec.Level.Name != "":
		c = views.NewChip(levelLabel(*rec.Level), rec.Level.Color)
	case rec.LevelName != "":
		c = views.NewChip(rec.LevelName, "")
	default:
		return nil
	}
	return &c
}

func levelLabel(l client.Level) string {
	if l.Alias != "" {
		return l.Name + "(" + l.Alias + ")"
	}
	return l.Name
}

// callRows builds the list's rows, with dialdesk's marks: reviewed (by
// anyone), and unread (an answered call username has not opened).
func (s *Server) callRows(ctx context.Context, taskID, username string, f callFilter, p callPage, cs store.TaskCallSettings) ([]views.CallRowVM, error) {
	keys := make([]string, len(p.Items))
	for i, it := range p.Items {
		keys[i] = it.Key
	}
	marks, err := s.store.CallMarks(ctx, taskID, keys)
	if err != nil {
		return nil, err
	}
	read, err := s.store.ReadCalls(ctx, taskID, username, keys)
	if err != nil {
		return nil, err
	}
	reviews, err := s.store.ReviewsOfCalls(ctx, taskID, keys)
	if err != nil {
		return nil, err
	}
	q := f.query(false)
	if p.Page > 1 {
		q.Set("page", strconv.Itoa(p.Page))
	}
	lang := views.LangOf(ctx)
	var levels []levelChoice // a stored call's intention in the platform's level words
	if s.client.HasV1() && slices.ContainsFunc(p.Items, func(it callItem) bool { return it.A != nil }) {
		levels, _ = s.levelChoices(ctx)
	}
	// Keyword rules' hits, by the platform's call id.
	callIDs := make([]string, 0, len(p.Items))
	for _, it := range p.Items {
		callIDs = append(callIDs, it.callID())
	}
	hits, err := s.store.RuleHitsOf(ctx, callIDs)
	if err != nil {
		return nil, err
	}
	var rules map[int64]store.KeywordRule
	if len(hits) > 0 {
		if rules, err = s.rulesByID(ctx); err != nil {
			return nil, err
		}
	}
	rows := make([]views.CallRowVM, 0, len(p.Items))
	for _, it := range p.Items {
		m := marks[it.Key]
		row := views.CallRowVM{Key: it.Key, Reviewed: m.Reviewed(), Unread: it.answered() && !read[it.Key],
			URL: callURL(taskID, it.Key) + encodeQuery(q)}
		if rv, ok := reviews[it.Key]; ok && rv.Submitted() {
			row.HumanLevel, row.Verdict = humanOf(rv), rv.Verdict
		}
		if b := it.B; b != nil {
			row.Callee = phoneFor(ctx, string(b.Callee), cs.NumberHide)
			row.Time = views.When(ctx, b.CallDate.In(s.client.Location()))
			row.TalkTime = views.Duration(ctx, time.Duration(b.Bill)*time.Millisecond)
			row.Rounds = strconv.Itoa(int(b.Rounds))
			row.Score = strconv.Itoa(int(b.Score))
			row.Level = levelChip(b)
			row.Tags = tagChips(b.Tags)
			row.HangupBy = hangupName(lang, int(b.HangupDisposition))
		} else {
			a := it.A
			row.PushOnly = s.client.HasV1()
			row.Callee = phoneFor(ctx, a.Tel, cs.NumberHide)
			row.Time = views.When(ctx, a.StartAt)
			row.TalkTime = views.Duration(ctx, time.Duration(a.FeeMS)*time.Millisecond)
			row.Rounds = strconv.Itoa(a.UserMsgs)
			row.Status = views.CallStatusName(views.LangOf(ctx), int(a.Status))
			row.Intentions = client.SplitIntentions(a.Intention)
			if row.PushOnly {
				row.Level, row.Tags = intentionChips(row.Intentions, levels)
			}
		}
		row.Rules = ruleChips(hits[it.callID()], rules)
		rows = append(rows, row)
	}
	return rows, nil
}

// callURL is a call's page.
func callURL(taskID, key string) string {
	return "/tasks/" + url.PathEscape(taskID) + "/calls/" + url.PathEscape(key)
}

func tagChips(tags []client.Tag) []views.Chip {
	out := make([]views.Chip, 0, len(tags))
	for _, t := range tags {
		c := views.NewChip(t.Name, t.Color)
		var groups []string
		for _, g := range t.TagGroups {
			groups = append(groups, g.Name)
		}
		c.Title = strings.Join(groups, "、")
		out = append(out, c)
	}
	return out
}

func hangupName(lang views.Lang, d int) string {
	switch d {
	case client.HangupRobot, client.HangupCustomer:
		return views.Msg(lang, "calls.hangup."+strconv.Itoa(d))
	}
	return "—"
}

// phoneFor is a number as the user of ctx may see it: managers and admins
// whole, everyone else (supervisors) masked as the task's number_hide says.
// It is the one rule: every page, export and search result that shows a
// customer's number goes through it (README, users and roles).
func phoneFor(ctx context.Context, p string, hide int) string {
	if u, ok := ctx.Value(userKey{}).(store.User); ok && (u.Role == store.RoleAdmin || u.Role == store.RoleManager) {
		return p
	}
	return maskPhone(p, hide)
}

// hideOf is a lookup of each task's number masking as phoneFor takes it,
// read once per task: the task's number_hide, and the middle four for calls
// not filed under a task (yet), whose masking is unknown.
func (s *Server) hideOf(ctx context.Context) func(taskID string) int {
	hide := map[string]int{}
	return func(taskID string) int {
		h, ok := hide[taskID]
		if !ok {
			cs, _ := s.store.GetTaskCallSettings(ctx, taskID)
			h = cs.NumberHide
			if !validTaskID(taskID) {
				h = client.NumberHideMiddle4
			}
			hide[taskID] = h
		}
		return h
	}
}

// maskPhone applies number_hide to a number the platform gave in full (a
// number it already masked stays as it is).
func maskPhone(p string, hide int) string {
	if strings.Contains(p, "*") || len(p) < 8 {
		return p
	}
	switch hide {
	case client.NumberHideLast4:
		return p[:len(p)-4] + "****"
	case client.NumberHideMiddle4:
		return p[:3] + "****" + p[7:]
	}
	return p
}

// storedCallView is a surface A call: msg[] turns, offsets from
// date_time − answer_time.
func (s *Server) storedCallView(ctx context.Context, taskID string, c store.Call, cs store.TaskCallSettings) views.CallDetailVM {
	lang := views.LangOf(ctx)
	msg := func(k string) string { return views.Msg(lang, k) }
	v := views.CallDetailVM{Title: phoneFor(ctx, c.Tel, cs.NumberHide), Intentions: client.SplitIntentions(c.Intention), LevelKey: c.LevelKey}
	if c.LevelName != "" {
		c := views.NewChip(c.LevelName, c.LevelColor)
		v.Level = &c
	}
	for _, t := range c.Tags {
		v.Tags = append(v.Tags, views.NewChip(t.Name, t.Color))
	}
	msgs := slices.Clone(c.Messages)
	slices.SortStableFunc(msgs, func(a, b store.CallMessage) int { return a.At.Compare(b.At) })
	for _, m := range msgs {
		t := views.CallTurnVM{Robot: m.Sender == client.SenderRobot, Text: m.Content, OffsetMS: -1}
		if !m.At.IsZero() {
			t.At = m.At.In(s.loc).Format("15:04:05")
			if !c.AnswerAt.IsZero() {
				t.OffsetMS = max(m.At.Sub(c.AnswerAt).Milliseconds(), 0)
			}
		}
		if !t.Robot {
			t.Node = nodeOfRemark(m.Remark)
		}
		v.Turns = append(v.Turns, t)
	}
	fact := func(k, label, value string) {
		v.Facts = append(v.Facts, views.CallFact{Key: k, Label: msg(label), Value: value})
	}
	fact("callee", "calls.fact.callee", v.Title)
	fact("caller", "calls.fact.caller", c.Caller)
	fact("status", "calls.fact.status", views.CallStatusName(views.LangOf(ctx), int(c.Status)))
	fact("start", "calls.fact.start", views.When(ctx, c.StartAt))
	fact("answer", "calls.fact.answer", views.When(ctx, c.AnswerAt))
	fact("hangup", "calls.fact.hangup", views.When(ctx, c.EndAt))
	fact("talk", "calls.fact.talk", views.Duration(ctx, time.Duration(c.FeeMS)*time.Millisecond))
	fact("calltime", "calls.fact.calltime", views.Duration(ctx, time.Duration(c.CallMS)*time.Millisecond))
	fact("rounds", "calls.fact.rounds", strconv.Itoa(c.UserMsgs))
	if c.OutID != "" {
		fact("outid", "calls.fact.outid", c.OutID)
	}
	fact("task", "calls.fact.task", taskID)
	fact("source", "calls.fact.source", msg("calls.source."+c.Source))
	return v
}

// nodeOfRemark is the node a surface A remark names: "匹配到:【开场白#肯定】"
// is shown as "【开场白#肯定】" next to the label 匹配节点.
func nodeOfRemark(r string) string {
	r = strings.TrimSpace(r)
	for _, p := range []string{"匹配到:", "匹配到：", "匹配到"} {
		if rest, ok := strings.CutPrefix(r, p); ok {
			return strings.TrimSpace(rest)
		}
	}
	return r
}

// recordView is a surface B call: record_info's turns without the
// asrprogress rows; offsets from the cumulative play_ms/speak_ms.
func (s *Server) recordView(ctx context.Context, taskID string, ri *client.RecordInfo, cs store.TaskCallSettings) views.CallDetailVM {
	lang := views.LangOf(ctx)
	msg := func(k string) string { return views.Msg(lang, k) }
	rec := ri.Info.Record
	loc := s.client.Location()
	v := views.CallDetailVM{Title: phoneFor(ctx, string(rec.Callee), cs.NumberHide), Score: strconv.Itoa(int(rec.Score))}
	v.Level = levelChip(&rec)
	v.LevelKey = rec.LevelName
	if rec.Level != nil && rec.Level.Name != "" {
		v.LevelKey = rec.Level.Name
	}
	// The call's tags and parent tags; record_info's info.record often has
	// none (docs/platform.md §B.record_info), so the turns' tags count too.
	tags, groups := slices.Clone(rec.Tags), slices.Clone(rec.TagGroups)
	for _, t := range ri.Turns() {
		for _, tg := range t.Tags {
			if !slices.ContainsFunc(tags, func(x client.Tag) bool { return x.ID == tg.ID && x.Name == tg.Name }) {
				tags = append(tags, tg)
			}
		}
	}
	for _, tg := range tags {
		groups = append(groups, tg.TagGroups...)
	}
	v.Tags = tagChips(tags)
	seenGroup := map[string]bool{}
	for _, g := range groups {
		if g.Name != "" && !seenGroup[g.Name] {
			seenGroup[g.Name] = true
			v.TagGroups = append(v.TagGroups, g.Name)
		}
	}
	offs := turnOffsets(ri, loc)
	for i, t := range ri.Turns() {
		bridged := int(t.BridgeStatus) == 1
		if q := strings.TrimSpace(t.Question); q != "" {
			ct := views.CallTurnVM{Text: t.Question, Keyword: strings.TrimSpace(t.Keyword), Node: strings.TrimSpace(t.AnswerText),
				Score: int(t.Score), HasScore: int(t.Score) != 0, Tags: tagChips(t.Tags), Bridged: bridged, OffsetMS: offs[i][0]}
			v.Turns = append(v.Turns, ct)
			t.Tags = nil
			t.Score = 0
		}
		if a := strings.TrimSpace(t.AnswerContent); a != "" {
			rt := views.CallTurnVM{Robot: true, Text: t.AnswerContent, Tags: tagChips(t.Tags), Bridged: bridged, OffsetMS: offs[i][1],
				Score: int(t.Score), HasScore: int(t.Score) != 0}
			v.Turns = append(v.Turns, rt)
		}
	}
	fact := func(k, label, value string) {
		v.Facts = append(v.Facts, views.CallFact{Key: k, Label: msg(label), Value: value})
	}
	fact("callee", "calls.fact.callee", v.Title)
	var place []string
	for _, p := range []string{ri.MobileInfo.Province, ri.MobileInfo.City, ri.MobileInfo.MobileType} {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(place, p) {
			place = append(place, p)
		}
	}
	if len(place) == 0 && rec.OperatorName != "" {
		place = append(place, rec.OperatorName)
	}
	fact("location", "calls.fact.location", orDash(strings.Join(place, " · ")))
	fact("caller", "calls.fact.caller", orDash(string(rec.CallerNumber)))
	fact("start", "calls.fact.start", views.When(ctx, rec.CallDate.In(loc)))
	fact("answer", "calls.fact.answer", views.When(ctx, rec.AnswerDate.In(loc)))
	fact("hangup", "calls.fact.hangup", views.When(ctx, rec.HangupDate.In(loc)))
	fact("talk", "calls.fact.talk", views.Duration(ctx, time.Duration(rec.Bill)*time.Millisecond))
	fact("hangupby", "calls.fact.hangupby", hangupName(lang, int(rec.HangupDisposition)))
	g := int(rec.Gender)
	if g < 0 || g > 4 {
		g = 0
	}
	fact("gender", "calls.fact.gender", msg("calls.gender."+strconv.Itoa(g)))
	fact("rounds", "calls.fact.rounds", strconv.Itoa(int(rec.Rounds)))
	fact("score", "calls.fact.score", strconv.Itoa(int(rec.Score)))
	group := ri.Info.Task.GroupStr
	if ri.Info.Task.Group != nil && ri.Info.Task.Group.Name != "" {
		group = ri.Info.Task.Group.Name
	}
	fact("group", "calls.fact.group", orDash(group))
	task := taskID
	if ri.Info.Task.Name != "" {
		task = ri.Info.Task.Name
	}
	fact("task", "calls.fact.task", task)
	return v
}

// stampSlack is how early a customer turn is placed before what its row's
// created_at says (the row is written once the words are recognized, a
// moment after they end): created_at and answerdate are whole seconds, so
// their difference is off by up to a second either way, and starting a
// little early beats cutting a turn's first words.
const stampSlack = 500

// turnOffsets places each record_info turn (ri.Turns()) in the recording:
// [0] where the customer's words start, [1] where the robot's answer starts,
// in ms from the answer. Durations alone (play_ms: how much of the robot's
// prompt played before the customer spoke; speak_ms: how long the customer
// spoke) leave out every silence, so a late turn would be placed seconds
// early; each row's created_at (when the platform wrote it: the customer's
// words recognized, the robot about to answer) minus answerdate puts the
// silences back. Each offset is the later of the two estimates, and never
// earlier than the turn before. Rows without created_at (or a call without
// answerdate) fall back to the durations alone.
func turnOffsets(ri *client.RecordInfo, loc *time.Location) [][2]int64 {
	answer := ri.Info.Record.AnswerDate.In(loc)
	stamp := func(t client.Turn) int64 {
		at := t.CreatedAt.In(loc)
		if answer.IsZero() || at.IsZero() || at.Before(answer) {
			return -1
		}
		return at.Sub(answer).Milliseconds()
	}
	turns := ri.Turns()
	out := make([][2]int64, len(turns))
	var cursor int64 // where the robot's last answer started
	var last int64   // the earliest the next turn can start
	for i, t := range turns {
		st := stamp(t)
		if strings.TrimSpace(t.Question) != "" {
			q := max(cursor+max(int64(t.PlayMS), 0), last)
			if st >= 0 {
				q = max(q, st-int64(t.SpeakMS)-stampSlack)
			}
			out[i][0] = q
			last = q + max(int64(t.SpeakMS), 0) // the robot answers once the customer is done
		}
		a := last
		if st >= 0 {
			a = max(a, st) // the robot speaks once its answer is written
		}
		out[i][1] = a
		if strings.TrimSpace(t.AnswerContent) != "" {
			cursor, last = a, a
		}
	}
	return out
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}
