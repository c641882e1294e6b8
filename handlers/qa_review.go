package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"dialdesk/audit"
	"dialdesk/internal/qa"
	"dialdesk/store"
	"dialdesk/views"
)

// A call's review on its page: the scorecard beside the transcript and the
// audio, the human level and tags beside the robot's, notes pinned to a
// turn or a time, the history of changes.

// reviewAccess is what a user may do with a call's review.
type reviewAccess struct {
	exists    bool
	review    store.Review
	canSubmit bool
	hidden    bool // assigned to another reviewer and not done: its form is theirs
}

// accessOf decides: managers never submit (they dispute); a supervisor
// submits a review assigned to them, one in the shared pool (claiming it),
// or an ad-hoc review of a call no plan picked, and edits only their own
// until it is disputed; admins may do all of it.
func accessOf(u store.User, rv store.Review, exists bool) reviewAccess {
	a := reviewAccess{exists: exists, review: rv}
	admin := u.Role == store.RoleAdmin
	reviewer := admin || u.Role == store.RoleSupervisor
	switch {
	case !exists:
		a.canSubmit = reviewer
	case rv.State == store.ReviewDisputed || rv.State == store.ReviewRuled:
		a.canSubmit = false
	case rv.Submitted():
		a.canSubmit = reviewer && (admin || rv.Reviewer == u.Username)
	default:
		a.canSubmit = reviewer && (admin || rv.Assignee == "" || rv.Assignee == u.Username)
		a.hidden = !admin && rv.Assignee != "" && rv.Assignee != u.Username
	}
	return a
}

// reviewOf loads a call's review and what u may do with it.
func (s *Server) reviewOf(ctx context.Context, u store.User, taskID, key string) (string, reviewAccess, error) {
	rk, err := s.store.CallReviewKey(ctx, taskID, key)
	if err != nil {
		return "", reviewAccess{}, err
	}
	rv, err := s.store.ReviewOfCall(ctx, taskID, rk)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", reviewAccess{}, err
	}
	return rk, accessOf(u, rv, err == nil), nil
}

// reviewCard is the scorecard a review is scored on: the version it was
// scored on, else its scorecard's current version; nil for none (ad hoc).
func (s *Server) reviewCard(ctx context.Context, rv store.Review) (*store.Scorecard, error) {
	var c store.Scorecard
	var err error
	switch {
	case rv.VersionID > 0:
		c, err = s.store.ScorecardVersion(ctx, rv.VersionID)
	case rv.ScorecardID > 0:
		c, err = s.store.GetScorecard(ctx, rv.ScorecardID)
	default:
		return nil, nil
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return &c, err
}

// humanLevels are the levels a reviewer may choose: the platform's level
// names (or, surface A only, the levels seen on stored calls).
func (s *Server) humanLevels(ctx context.Context) []string {
	choices, _ := s.levelChoices(ctx)
	var out []string
	for _, c := range choices {
		if len(c.Words) > 0 && !slices.Contains(out, c.Words[0]) {
			out = append(out, c.Words[0])
		}
	}
	return out
}

// tagChoices are the tags a reviewer may give: the platform's tags and the
// robot's own.
func (s *Server) tagChoices(ctx context.Context, robot []string) []string {
	out := slices.Clone(robot)
	for _, g := range s.callMeta(ctx).tagGroups {
		for _, t := range g.Tags {
			if t.Name != "" && !slices.Contains(out, t.Name) {
				out = append(out, t.Name)
			}
		}
	}
	return out
}

func chipNames(cs []views.Chip) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

// reviewPanel builds the review part of a call's page for u.
func (s *Server) reviewPanel(ctx context.Context, u store.User, taskID, key string, v views.CallDetailVM, fromQueue bool) (*views.ReviewPanelVM, error) {
	_, a, err := s.reviewOf(ctx, u, taskID, key)
	if err != nil {
		return nil, err
	}
	rv := a.review
	p := &views.ReviewPanelVM{Action: callURL(taskID, key) + "/qa", Exists: a.exists, State: rv.State,
		CanSubmit: a.canSubmit, RobotLevel: v.LevelKey, Reviewer: rv.Reviewer, FromQueue: fromQueue}
	if a.exists && rv.Submitted() {
		p.ReviewedAt = views.When(ctx, rv.ReviewedAt)
	}
	if a.hidden {
		p.AssignedTo = rv.Assignee
		return p, nil
	}
	if !a.exists && !a.canSubmit {
		return p, nil
	}
	card, err := s.reviewCard(ctx, rv)
	if err != nil {
		return nil, err
	}
	if card != nil {
		p.Card = scorecardVM(*card, rv.Scores, rv.Submitted())
	}
	p.Verdict, p.Total = rv.Verdict, rv.Total
	p.HumanLevel, p.Comment = rv.HumanLevel, rv.Comment
	p.Levels = s.humanLevels(ctx)
	robotTags := chipNames(v.Tags)
	given := robotTags
	if rv.TagsSet {
		given = rv.HumanTags
	}
	for _, t := range s.tagChoices(ctx, robotTags) {
		p.Tags = append(p.Tags, views.TagChoiceVM{Name: t, Checked: slices.Contains(given, t), Robot: slices.Contains(robotTags, t)})
	}
	p.HumanTags = rv.HumanTags
	p.TagsSet = rv.TagsSet
	for i, t := range v.Turns {
		p.Turns = append(p.Turns, views.TurnChoiceVM{Index: i, OffsetMS: t.OffsetMS, Robot: t.Robot, Text: t.Text})
	}
	for _, n := range rv.Notes {
		nv := views.NoteVM{Turn: n.Turn, MS: n.MS, Text: n.Text, By: n.By, At: views.When(ctx, fromMSTime(n.At))}
		if n.Turn >= 0 && n.Turn < len(v.Turns) && nv.MS < 0 {
			nv.MS = v.Turns[n.Turn].OffsetMS
		}
		p.Notes = append(p.Notes, nv)
	}
	if a.exists {
		id := strconv.FormatInt(rv.ID, 10)
		p.DisputeURL, p.RuleURL = "/qa/reviews/"+id+"/dispute", "/qa/reviews/"+id+"/rule"
		p.CanDispute = canDispute(u, rv)
		p.CanRule = rv.State == store.ReviewDisputed && canRule(u, rv)
		ds, err := s.store.DisputesOf(ctx, rv.ID)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			dv := views.DisputeVM{By: d.OpenedBy, Reason: d.Reason, At: views.When(ctx, d.OpenedAt), Outcome: d.Outcome,
				RuledBy: d.RuledBy, Ruling: d.Ruling}
			if d.Outcome != "" {
				dv.RAt = views.When(ctx, d.RuledAt)
			}
			p.Disputes = append(p.Disputes, dv)
		}
		hist, err := s.store.ReviewHistory(ctx, rv.ID)
		if err != nil {
			return nil, err
		}
		for _, h := range hist {
			p.History = append(p.History, views.HistoryVM{At: views.When(ctx, h.At), By: h.By, What: h.What, Args: h.Args})
		}
	}
	return p, nil
}

func scorecardVM(c store.Scorecard, scores map[string]qa.Score, scored bool) *views.ReviewCardVM {
	vm := &views.ReviewCardVM{Name: c.Name, Version: c.Version, PassMark: c.Card.PassMark, Total: c.Card.Total()}
	for _, g := range c.Card.Groups() {
		grp := views.CriteriaGroupVM{Name: g}
		for _, cr := range c.Card.Criteria {
			if cr.Group != g {
				continue
			}
			sc, ok := scores[cr.Key]
			cv := views.CriterionVM{Key: cr.Key, Name: cr.Name, Desc: cr.Desc, Pass: cr.Kind == qa.KindPass, Points: cr.Points,
				Critical: cr.Critical, Comment: sc.Comment}
			if ok {
				cv.Score, cv.Passed = strconv.Itoa(sc.Points), sc.Pass
				cv.Failed = scored && cr.Failed(sc)
			} else if !scored {
				cv.Score, cv.Passed = strconv.Itoa(cr.Points), true // start from full marks
			}
			grp.Criteria = append(grp.Criteria, cv)
		}
		vm.Groups = append(vm.Groups, grp)
	}
	return vm
}

// reviewForm is a submitted review as typed.
type reviewForm struct {
	Scores     map[string]qa.Score
	Points     map[string]string // each points criterion's score as typed
	HumanLevel string
	Tags       []string
	Comment    string
	NoteText   string
	NoteTurnIn string // note_turn as typed
	NoteAtIn   string // note_at as typed
	NoteTurn   int    // -1: none
	NoteMS     int64  // -1: none
}

func readReviewForm(r *http.Request, card *store.Scorecard) reviewForm {
	f := reviewForm{Scores: map[string]qa.Score{}, Points: map[string]string{}, NoteTurn: -1, NoteMS: -1}
	if card != nil {
		for _, c := range card.Card.Criteria {
			p := "crit_" + c.Key + "_"
			sc := qa.Score{Comment: trimTo(strings.TrimSpace(r.PostForm.Get(p+"comment")), 500)}
			if c.Kind == qa.KindPass {
				sc.Pass = r.PostForm.Get(p+"pass") == "1"
			} else {
				f.Points[c.Key] = trimTo(strings.TrimSpace(r.PostForm.Get(p+"points")), 20)
				sc.Points, _ = strconv.Atoi(f.Points[c.Key])
			}
			f.Scores[c.Key] = sc
		}
	}
	f.HumanLevel = trimTo(strings.TrimSpace(r.PostForm.Get("human_level")), 100)
	for _, t := range r.PostForm["tag"] {
		if t = trimTo(strings.TrimSpace(t), 100); t != "" && !slices.Contains(f.Tags, t) {
			f.Tags = append(f.Tags, t)
		}
	}
	f.Comment = trimTo(strings.TrimSpace(r.PostForm.Get("comment")), 2000)
	f.NoteText = trimTo(strings.TrimSpace(r.PostForm.Get("note_text")), 500)
	f.NoteTurnIn = trimTo(strings.TrimSpace(r.PostForm.Get("note_turn")), 20)
	if n, err := strconv.Atoi(f.NoteTurnIn); err == nil && n >= 0 {
		f.NoteTurn = n
	}
	f.NoteAtIn = trimTo(strings.TrimSpace(r.PostForm.Get("note_at")), 20)
	if ms, ok := parseClock(f.NoteAtIn); ok {
		f.NoteMS = ms
	}
	return f
}

// Validate gives each bad field's message, keyed by the input's name
// ("crit_<key>_points", human_level, tag, note_turn, note_at); none when
// the review may be saved. levels and tags are those a reviewer may
// choose, turns the number of the call's turns.
func (f reviewForm) Validate(ctx context.Context, card *store.Scorecard, levels, tags []string, turns int) map[string]string {
	errs := map[string]string{}
	if card != nil {
		for _, c := range card.Card.Criteria {
			if c.Kind == qa.KindPass {
				continue
			}
			field := "crit_" + c.Key + "_points"
			n, err := strconv.Atoi(f.Points[c.Key])
			switch {
			case f.Points[c.Key] == "":
				errs[field] = views.Tf(ctx, "qa.review.err.points.missing", c.Points)
			case err != nil || n < 0 || n > c.Points:
				errs[field] = views.Tf(ctx, "qa.review.err.points.range", c.Points)
			}
		}
	}
	if f.HumanLevel != "" && !slices.Contains(levels, f.HumanLevel) {
		errs["human_level"] = views.T(ctx, "qa.review.err.human_level")
	}
	for _, t := range f.Tags {
		if !slices.Contains(tags, t) {
			errs["tag"] = views.Tf(ctx, "qa.review.err.tag", t)
			break
		}
	}
	if f.NoteTurnIn != "" && (f.NoteTurn < 0 || f.NoteTurn >= turns) {
		errs["note_turn"] = views.T(ctx, "qa.review.err.note_turn")
	}
	if f.NoteAtIn != "" && f.NoteMS < 0 {
		errs["note_at"] = views.T(ctx, "qa.review.err.note_at")
	}
	return errs
}

// refill puts what was typed back into the review panel, with the messages
// beside the bad fields.
func (f reviewForm) refill(p *views.ReviewPanelVM, errs map[string]string) {
	p.Errors = errs
	if p.Card != nil {
		for gi := range p.Card.Groups {
			for ci := range p.Card.Groups[gi].Criteria {
				c := &p.Card.Groups[gi].Criteria[ci]
				sc := f.Scores[c.Key]
				c.Score, c.Passed, c.Comment, c.Failed = f.Points[c.Key], sc.Pass, sc.Comment, false
			}
		}
	}
	p.HumanLevel, p.Comment = f.HumanLevel, f.Comment
	for i := range p.Tags {
		p.Tags[i].Checked = slices.Contains(f.Tags, p.Tags[i].Name)
	}
	p.NoteTurn, p.NoteAt, p.NoteText = f.NoteTurnIn, f.NoteAtIn, f.NoteText
}

// parseClock reads a time in the recording: "75" seconds or "1:15".
func parseClock(v string) (int64, bool) {
	m, sec, hasMin := strings.Cut(v, ":")
	if !hasMin {
		m, sec = "0", v
	}
	mi, err1 := strconv.Atoi(m)
	se, err2 := strconv.Atoi(sec)
	if err1 != nil || err2 != nil || mi < 0 || se < 0 || (hasMin && se > 59) || mi > 600 {
		return 0, false
	}
	return int64(mi*60+se) * 1000, true
}

// callQA serves POST /tasks/{id}/calls/{call}/qa: submits the call's review
// (scores, human level and tags, comment, a new note), then goes to the next
// call of the reviewer's queue (from the queue) or back to the call.
func (s *Server) callQA(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, key := TaskID(r), chi.URLParam(r, "call")
	if !validCallKey(key) {
		return errNotFound
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	u, _ := currentUser(r)
	if u.Role == store.RoleManager {
		return errForbidden // managers dispute; they do not review
	}
	settings, _ := s.store.GetTaskCallSettings(ctx, id)
	v, err := s.callView(ctx, id, key, settings)
	if err != nil {
		return err
	}
	rk, a, err := s.reviewOf(ctx, u, id, key)
	if err != nil {
		return err
	}
	if !a.canSubmit {
		return errForbidden
	}
	card, err := s.reviewCard(ctx, a.review)
	if err != nil {
		return err
	}
	f := readReviewForm(r, card)
	robotTags := chipNames(v.Tags)
	if errs := f.Validate(ctx, card, s.humanLevels(ctx), s.tagChoices(ctx, robotTags), len(v.Turns)); len(errs) > 0 {
		return s.renderCallDetail(w, r, http.StatusUnprocessableEntity, r.PostForm.Get("from") == "queue",
			func(p *views.ReviewPanelVM) { f.refill(p, errs) })
	}
	in := store.ReviewInput{TaskID: id, CallKey: rk, RobotLevel: v.LevelKey, Scores: f.Scores,
		HumanLevel: f.HumanLevel, Comment: f.Comment}
	if sameSet(f.Tags, robotTags) {
		in.HumanTags = nil
	} else {
		in.HumanTags, in.TagsSet = f.Tags, true
	}
	if card != nil {
		res := card.Card.Evaluate(f.Scores)
		in.ScorecardID, in.VersionID, in.Total = card.ID, card.VersionID, res.Total
		in.Verdict = store.VerdictFail
		if res.Pass {
			in.Verdict = store.VerdictPass
		}
	}
	if f.NoteText != "" {
		in.NewNotes = []store.Note{{Turn: f.NoteTurn, MS: f.NoteMS, Text: f.NoteText, By: u.Username, At: s.now().UnixMilli()}}
	}
	rv, err := s.store.SubmitReview(ctx, in, u.Username)
	if err != nil {
		return err
	}
	s.auditLog(r, id, audit.QAReviewSubmit, audit.Args{"call": key, "phone": s.shownPhone(ctx, id, key),
		"total": rv.Total, "verdict": rv.Verdict, "level": rv.HumanLevel}, "")
	s.setFlash(w, r, views.T(ctx, "qa.review.saved"), false)
	if r.PostForm.Get("from") == "queue" {
		next, err := s.nextInQueue(ctx, u.Username)
		if err != nil {
			return err
		}
		return redirect(w, r, next)
	}
	return redirect(w, r, callURL(id, key)+reviewReturn(r.PostForm.Get("from")))
}

func reviewReturn(from string) string {
	if from == "queue" {
		return "?" + url.Values{"from": {"queue"}}.Encode()
	}
	return ""
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

func fromMSTime(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v)
}
