package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"time"

	"dialdesk/client"
	"dialdesk/internal/qa"
	"dialdesk/internal/testapp"
	"dialdesk/jobs"
	"dialdesk/platform"
	"dialdesk/store"
)

// qaWorld is an app with stored, answered calls of one task (each with a
// five-turn transcript), a scorecard, and a plan whose picks are assigned.
type qaWorld struct {
	app   *testapp.App
	task  string
	card  int64
	plan  store.Plan
	calls []string
}

var qaCard = qa.Scorecard{PassMark: 60, Criteria: []qa.Criterion{
	{Key: "greet", Group: "开场", Name: "开场白", Kind: qa.KindPoints, Points: 40},
	{Key: "script", Group: "话术", Name: "按话术介绍", Kind: qa.KindPoints, Points: 40},
	{Key: "legal", Group: "合规", Name: "不承诺收益", Kind: qa.KindPass, Points: 20, Critical: true},
}}

func newQAWorld(t *testing.T, n int) qaWorld {
	t.Helper()
	app := testapp.New(t, testapp.Options{SurfaceAOnly: true})
	app.RememberSandboxTasks(t)
	ctx := context.Background()
	w := qaWorld{app: app, task: app.Sandbox.TaskIDs()[0]}
	at := time.Now().Add(-time.Hour)
	for i := range n {
		id := fmt.Sprintf("qa%03d", i)
		c := store.Call{CallID: id, TaskID: w.task, Tel: fmt.Sprintf("1381234%04d", i), Status: 2,
			Intention: []string{"有意向", "无意向"}[i%2], StartAt: at.Add(time.Duration(i) * time.Minute), FeeMS: 40_000}
		c.AnswerAt = c.StartAt.Add(3 * time.Second)
		for j := range 5 {
			c.Messages = append(c.Messages, store.CallMessage{Sender: platform.Sender(1 - j%2), Content: fmt.Sprintf("第%d句", j+1),
				At: c.AnswerAt.Add(time.Duration(j*5) * time.Second)})
		}
		if _, err := app.Store.SaveCall(ctx, c, false); err != nil {
			t.Fatal(err)
		}
		w.calls = append(w.calls, id)
	}
	if _, err := app.Store.CreateUser(ctx, "sup2", "sup2-password-x", store.RoleSupervisor); err != nil {
		t.Fatal(err)
	}
	var err error
	if w.card, err = app.Store.CreateScorecard(ctx, "外呼质检", qaCard, "admin"); err != nil {
		t.Fatal(err)
	}
	w.plan = store.Plan{Name: "每日抽检", ScorecardID: w.card, Tasks: []string{w.task}, Rules: qa.Rules{Percent: 100},
		Reviewers: []string{"supervisor"}} // not active: the tests pick by hand
	if w.plan.ID, err = app.Store.SavePlan(ctx, w.plan, "manager"); err != nil {
		t.Fatal(err)
	}
	return w
}

// pick assigns calls to reviewer through the plan, as sampling does.
func (w qaWorld) pick(t *testing.T, reviewer string, keys ...string) {
	t.Helper()
	var picks []store.NewPick
	for _, k := range keys {
		picks = append(picks, store.NewPick{Key: k, Reason: qa.ReasonRandom, Assignee: reviewer})
	}
	if _, err := w.app.Store.AddPicks(context.Background(), w.plan, "2026-12-03", w.task, len(keys), picks); err != nil {
		t.Fatal(err)
	}
}

func (w qaWorld) callPath(key string) string { return "/tasks/" + w.task + "/calls/" + key }

func loginAs(t *testing.T, app *testapp.App, user, pw string) *http.Client {
	t.Helper()
	c := app.NewClient()
	if res := app.LoginAs(t, c, user, pw); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login %s: %d", user, res.StatusCode)
	}
	return c
}

func fullMarks() url.Values {
	return url.Values{"crit_greet_points": {"40"}, "crit_script_points": {"30"}, "crit_legal_pass": {"1"}}
}

// TestQAReviewFromTheQueue: a supervisor's queue counts and lists the calls
// assigned to them oldest first; the call page in review mode shows the
// scorecard; submitting scores it (verdict derived), keeps a note pinned to
// a turn, the human level beside the robot's, history and audit, and goes
// on to the next call of the queue.
func TestQAReviewFromTheQueue(t *testing.T) {
	w := newQAWorld(t, 3)
	w.pick(t, "supervisor", w.calls[0], w.calls[1])
	c := w.app.Login(t, store.RoleSupervisor)

	_, body := w.app.Get(t, c, "/qa/queue")
	d := doc(t, body)
	if got := d.Find("[data-testid=count-todo]").AttrOr("data-value", ""); got != "2" {
		t.Errorf("to do %q, want 2", got)
	}
	if n := d.Find("[data-testid=queue-row]").Length(); n != 2 {
		t.Fatalf("%d rows, want 2", n)
	}
	first, _ := d.Find("[data-testid=queue-open]").First().Attr("href")
	if !strings.Contains(first, w.calls[0]) || !strings.Contains(first, "from=queue") {
		t.Errorf("first row opens %q, want the oldest call in review mode", first)
	}

	_, body = w.app.Get(t, c, first)
	d = doc(t, body)
	if n := d.Find("[data-testid=review-form] [data-testid=criterion]").Length(); n != 3 {
		t.Fatalf("%d criteria on the review form, want 3", n)
	}
	if next, _ := d.Find("#call-next").Attr("href"); !strings.Contains(next, w.calls[1]) {
		t.Errorf("j goes to %q, want the queue's next call", next)
	}
	form := fullMarks()
	form.Set("crit_legal_pass", "") // a critical failure: 70 points, but not passed
	form.Set("from", "queue")
	form.Set("human_level", "无意向")
	form.Set("note_turn", "2")
	form.Set("note_text", "客户在这里已经拒绝")
	form.Set("comment", "承诺收益")
	res := w.app.PostForm(t, c, w.callPath(w.calls[0])+"/qa", form)
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), w.calls[1]) {
		t.Fatalf("submit: %d → %q, want 303 to the next call", res.StatusCode, res.Header.Get("Location"))
	}
	rv, err := w.app.Store.ReviewOfCall(context.Background(), w.task, w.calls[0])
	if err != nil || rv.State != store.ReviewDone || rv.Total != 70 || rv.Verdict != store.VerdictFail ||
		rv.HumanLevel != "无意向" || rv.RobotLevel != "有意向" || len(rv.Notes) != 1 || rv.Notes[0].Turn != 2 || rv.VersionID == 0 {
		t.Fatalf("review %+v %v", rv, err)
	}

	_, body = w.app.Get(t, c, w.callPath(w.calls[0]))
	d = doc(t, body)
	if got := d.Find("[data-testid=fact-human-level]").Text(); got != "无意向" {
		t.Errorf("human level %q beside the robot's", got)
	}
	if got := d.Find("[data-testid=review-verdict]").AttrOr("data-verdict", ""); got != "fail" {
		t.Errorf("verdict %q, want fail", got)
	}
	note := d.Find("[data-testid=note-seek]")
	if note.AttrOr("data-seek-turn", "") != "2" || note.AttrOr("data-seek-ms", "") != "10000" {
		t.Errorf("note seeks turn %q at %q ms, want turn 2 at 10000", note.AttrOr("data-seek-turn", ""), note.AttrOr("data-seek-ms", ""))
	}
	if d.Find("[data-testid=history-entry][data-what=submit]").Length() != 1 {
		t.Error("no history entry for the submission")
	}
	// The reviewer edits it: a second history entry names what changed.
	form = fullMarks()
	form.Set("human_level", "无意向")
	form.Set("comment", "承诺收益")
	if res := w.app.PostForm(t, c, w.callPath(w.calls[0])+"/qa", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d", res.StatusCode)
	}
	hist, _ := w.app.Store.ReviewHistory(context.Background(), rv.ID)
	if len(hist) != 3 || hist[2].What != store.HistEdit || hist[2].Args["verdict"] == nil || hist[2].By != "supervisor" {
		t.Errorf("history %+v, want picked, submit, edit (verdict changed)", hist)
	}
	entries, _ := w.app.Store.Audit(context.Background(), store.AuditFilter{Username: "supervisor"})
	if len(entries) == 0 || entries[0].Action != "qa.review.submit" || entries[0].TaskID != w.task {
		t.Errorf("audit %+v", entries)
	}

	_, body = w.app.Get(t, c, "/qa/queue")
	d = doc(t, body)
	if d.Find("[data-testid=count-todo]").AttrOr("data-value", "") != "1" || d.Find("[data-testid=count-done]").AttrOr("data-value", "") != "1" {
		t.Errorf("counts after one review: %s", d.Find("[data-testid=queue-counts]").Text())
	}
}

// TestQAReviewFieldErrors: a refused review is not saved; the call's page
// comes back (422) with a message beside each bad field, as the task form
// has them, and everything the reviewer typed still in the form.
func TestQAReviewFieldErrors(t *testing.T) {
	w := newQAWorld(t, 1)
	w.pick(t, "supervisor", w.calls[0])
	c := w.app.Login(t, store.RoleSupervisor)
	form := url.Values{"crit_greet_points": {"45"}, "crit_greet_comment": {"开场太快"}, "crit_script_points": {""},
		"crit_legal_pass": {"1"}, "human_level": {"没有这个等级"}, "comment": {"总评还在"},
		"note_turn": {"9"}, "note_at": {"1:75"}, "note_text": {"客户在这里拒绝"}, "from": {"queue"}}
	res, body := w.app.PostFormBody(t, c, w.callPath(w.calls[0])+"/qa", form)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad review: %d, want 422", res.StatusCode)
	}
	d := doc(t, body)
	f := d.Find("[data-testid=review-form]")
	for field, want := range map[string]string{
		"crit_greet_points":  "0 到 40",            // out of range
		"crit_script_points": "请给这一项打分（0 到 40 分）", // missing
		"human_level":        "人工意向",
		"note_turn":          "一句",
		"note_at":            "1:15",
	} {
		if got := f.Find("[data-testid=error-" + field + "]").Text(); !strings.Contains(got, want) {
			t.Errorf("%s: message %q, want one with %q", field, got, want)
		}
	}
	if n := f.Find(".field-error").Length(); n != 5 {
		t.Errorf("%d messages, want 5 (none for the tags)", n)
	}
	if got := f.Find("[data-testid=form-errors]").Text(); !strings.Contains(got, "5") {
		t.Errorf("summary %q, want it to count 5", got)
	}
	// The message is beside its criterion, and the input points at it.
	greet := f.Find("[data-testid=criterion][data-key=greet]")
	if greet.Find("[data-testid=error-crit_greet_points]").Length() != 1 ||
		greet.Find("input[name=crit_greet_points]").AttrOr("aria-invalid", "") != "true" ||
		greet.Find("input[name=crit_greet_points]").AttrOr("aria-describedby", "") != "err-crit_greet_points" {
		t.Error("the score's message is not beside its criterion")
	}
	for sel, want := range map[string]string{
		"input[name=crit_greet_points]":  "45",
		"input[name=crit_greet_comment]": "开场太快",
		"input[name=crit_script_points]": "",
		"input[name=note_at]":            "1:75",
		"input[name=note_text]":          "客户在这里拒绝",
		"input[name=from]":               "queue",
	} {
		if got, ok := f.Find(sel).Attr("value"); !ok || got != want {
			t.Errorf("%s: value %q, want %q kept", sel, got, want)
		}
	}
	if _, ok := f.Find("input[name=crit_legal_pass]").Attr("checked"); !ok {
		t.Error("the pass criterion was unticked")
	}
	if got := f.Find("textarea[name=comment]").Text(); got != "总评还在" {
		t.Errorf("comment %q, want it kept", got)
	}
	if rv, err := w.app.Store.ReviewOfCall(context.Background(), w.task, w.calls[0]); err != nil || rv.Submitted() {
		t.Errorf("a refused review was saved: %+v %v", rv, err)
	}

	// A tag not offered: its message alone; then a good review is saved.
	form = fullMarks()
	form.Add("tag", "乱写的标签")
	res, body = w.app.PostFormBody(t, c, w.callPath(w.calls[0])+"/qa", form)
	f = doc(t, body).Find("[data-testid=review-form]")
	if res.StatusCode != http.StatusUnprocessableEntity || f.Find(".field-error").Length() != 1 ||
		!strings.Contains(f.Find("[data-testid=error-tag]").Text(), "乱写的标签") {
		t.Errorf("unknown tag: %d, messages %q", res.StatusCode, f.Find(".field-error").Text())
	}
	if res := w.app.PostForm(t, c, w.callPath(w.calls[0])+"/qa", fullMarks()); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("good review: %d", res.StatusCode)
	}
}

// TestQAReviewRoles: another supervisor sees neither the form nor the
// scores of a call assigned to someone else and cannot submit it; anyone
// reviewing may review a call no plan picked (ad hoc, no scorecard);
// managers never submit; admins may.
func TestQAReviewRoles(t *testing.T) {
	w := newQAWorld(t, 3)
	w.pick(t, "supervisor", w.calls[0])
	other := loginAs(t, w.app, "sup2", "sup2-password-x")

	_, body := w.app.Get(t, other, w.callPath(w.calls[0]))
	d := doc(t, body)
	if d.Find("[data-testid=review-form]").Length() != 0 || d.Find("[data-testid=criterion]").Length() != 0 ||
		d.Find("[data-testid=review-assigned]").Length() != 1 {
		t.Errorf("another's review form shown to sup2: %s", d.Find("[data-testid=review-panel]").Text())
	}
	if res := w.app.PostForm(t, other, w.callPath(w.calls[0])+"/qa", fullMarks()); res.StatusCode != http.StatusForbidden {
		t.Errorf("sup2 submits another's review: %d, want 403", res.StatusCode)
	}
	// Ad hoc: a call no plan picked.
	res := w.app.PostForm(t, other, w.callPath(w.calls[1])+"/qa", url.Values{"human_level": {"有意向"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("ad-hoc review: %d", res.StatusCode)
	}
	rv, err := w.app.Store.ReviewOfCall(context.Background(), w.task, w.calls[1])
	if err != nil || rv.PlanID != 0 || rv.ScorecardID != 0 || rv.Reviewer != "sup2" || rv.State != store.ReviewDone {
		t.Errorf("ad-hoc review %+v %v", rv, err)
	}
	// The call list marks it reviewed as before.
	marks, _ := w.app.Store.CallMarks(context.Background(), w.task, []string{w.calls[1]})
	if !marks[w.calls[1]].Reviewed() {
		t.Error("an ad-hoc review does not mark the call reviewed")
	}

	mgr := w.app.Login(t, store.RoleManager)
	if res := w.app.PostForm(t, mgr, w.callPath(w.calls[2])+"/qa", url.Values{}); res.StatusCode != http.StatusForbidden {
		t.Errorf("manager submits a review: %d, want 403", res.StatusCode)
	}
	_, body = w.app.Get(t, mgr, w.callPath(w.calls[2]))
	if doc(t, body).Find("[data-testid=review-form]").Length() != 0 {
		t.Error("a manager is offered the review form")
	}
	admin := w.app.Login(t, store.RoleAdmin)
	_, body = w.app.Get(t, admin, w.callPath(w.calls[0]))
	if doc(t, body).Find("[data-testid=review-form] [data-testid=criterion]").Length() != 3 {
		t.Error("an admin does not see the assigned call's review form")
	}
}

// TestQAScorecardVersions: an admin creates a scorecard; once a review was
// scored on it, editing it makes version 2, and the old review keeps
// version 1's criteria and total.
func TestQAScorecardVersions(t *testing.T) {
	w := newQAWorld(t, 2)
	admin := w.app.Login(t, store.RoleAdmin)
	w.pick(t, "supervisor", w.calls[0])
	sup := w.app.Login(t, store.RoleSupervisor)
	if res := w.app.PostForm(t, sup, w.callPath(w.calls[0])+"/qa", fullMarks()); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d", res.StatusCode)
	}
	before, _ := w.app.Store.ReviewOfCall(context.Background(), w.task, w.calls[0])

	edit := url.Values{"name": {"外呼质检"}, "pass_mark": {"50"},
		"c0_key": {"greet"}, "c0_name": {"开场白"}, "c0_kind": {"points"}, "c0_points": {"50"},
		"c1_name": {"礼貌用语"}, "c1_kind": {"pass"}, "c1_points": {"50"}, "c1_critical": {"1"}}
	path := fmt.Sprintf("/qa/scorecards/%d", w.card)
	if res := w.app.PostForm(t, admin, path, edit); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit scorecard: %d", res.StatusCode)
	}
	card, _ := w.app.Store.GetScorecard(context.Background(), w.card)
	if card.Version != 2 || len(card.Card.Criteria) != 2 || card.Card.Criteria[1].Key == "greet" {
		t.Errorf("after the edit: version %d, criteria %+v", card.Version, card.Card.Criteria)
	}
	after, _ := w.app.Store.ReviewOfCall(context.Background(), w.task, w.calls[0])
	if after.VersionID != before.VersionID || after.Total != 90 {
		t.Errorf("old review moved: version %d→%d, total %d", before.VersionID, after.VersionID, after.Total)
	}
	_, body := w.app.Get(t, sup, w.callPath(w.calls[0]))
	d := doc(t, body)
	if n := d.Find("[data-testid=criterion]").Length(); n != 3 {
		t.Errorf("old review shows %d criteria, want version 1's 3", n)
	}
	// A second edit before any review on version 2 changes it in place.
	if res := w.app.PostForm(t, admin, path, edit); res.StatusCode != http.StatusSeeOther {
		t.Fatal(res.StatusCode)
	}
	if card, _ := w.app.Store.GetScorecard(context.Background(), w.card); card.Version != 2 {
		t.Errorf("an unused version was copied: version %d", card.Version)
	}
	// A bad form comes back with its message and the input.
	res, body := w.app.PostFormBody(t, admin, "/qa/scorecards", url.Values{"name": {"空表"}, "pass_mark": {"10"}})
	if res.StatusCode != http.StatusUnprocessableEntity || doc(t, body).Find("[data-testid=err-criteria]").Length() != 1 {
		t.Errorf("empty scorecard: %d", res.StatusCode)
	}
	if res, _ := w.app.Get(t, sup, "/qa/scorecards"); res.StatusCode != http.StatusForbidden {
		t.Errorf("supervisor on scorecards: %d, want 403", res.StatusCode)
	}
}

// TestQAPlanPicksAndPool: a manager's plan (every call of one level, the
// shared pool) picks calls once the sampler runs; a supervisor claims one
// from the pool and hands it back; a bad plan form comes back with its
// message.
func TestQAPlanPicksAndPool(t *testing.T) {
	w := newQAWorld(t, 6)
	mgr := w.app.Login(t, store.RoleManager)
	form := url.Values{"name": {"有意向全检"}, "scorecard": {fmt.Sprint(w.card)}, "mode": {"none"},
		"task": {w.task}, "level": {"有意向"}, "active": {"1"}}
	if res := w.app.PostForm(t, mgr, "/qa/plans", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create plan: %d", res.StatusCode)
	}
	bad := url.Values{"name": {""}, "scorecard": {"999"}, "mode": {"percent"}, "amount": {"120"}}
	res, body := w.app.PostFormBody(t, mgr, "/qa/plans", bad)
	d := doc(t, body)
	if res.StatusCode != http.StatusUnprocessableEntity || d.Find("[data-testid=err-name]").Length() != 1 ||
		d.Find("[data-testid=err-amount]").Length() != 1 || d.Find("[data-testid=err-scorecard]").Length() != 1 {
		t.Errorf("bad plan: %d", res.StatusCode)
	}
	plans, _ := w.app.Store.Plans(context.Background())
	var p store.Plan
	for _, x := range plans {
		if x.Name == "有意向全检" {
			p = x
		}
	}
	sampler := &jobs.QASampler{Store: w.app.Store, Loc: w.app.Config.Location}
	if err := sampler.Round(context.Background()); err != nil {
		t.Fatal(err)
	}
	pool, _ := w.app.Store.Queue(context.Background(), "", "pool", 100)
	if len(pool) != 3 || pool[0].PlanID != p.ID || pool[0].Reason != qa.ReasonLevel {
		t.Fatalf("pool %+v, want the 3 有意向 calls", pool)
	}
	sup := w.app.Login(t, store.RoleSupervisor)
	_, body = w.app.Get(t, sup, "/qa/queue?show=pool")
	if n := doc(t, body).Find("[data-testid=queue-claim]").Length(); n != 3 {
		t.Fatalf("%d claim buttons, want 3", n)
	}
	// Before claiming, the form is open to whoever claims it first.
	claim := fmt.Sprintf("/qa/reviews/%d/claim", pool[0].ID)
	res = w.app.PostForm(t, sup, claim, nil)
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), pool[0].CallKey) {
		t.Fatalf("claim: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	other := loginAs(t, w.app, "sup2", "sup2-password-x")
	if res := w.app.PostForm(t, other, claim, nil); res.StatusCode != http.StatusSeeOther ||
		!strings.Contains(res.Header.Get("Location"), "pool") {
		t.Errorf("a second claim: %d %q, want back to the pool", res.StatusCode, res.Header.Get("Location"))
	}
	if res := w.app.PostForm(t, other, w.callPath(pool[0].CallKey)+"/qa", fullMarks()); res.StatusCode != http.StatusForbidden {
		t.Errorf("sup2 reviews sup's claimed call: %d, want 403", res.StatusCode)
	}
	if res := w.app.PostForm(t, other, fmt.Sprintf("/qa/reviews/%d/handback", pool[0].ID), nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("sup2 hands back sup's call: %d, want 403", res.StatusCode)
	}
	if res := w.app.PostForm(t, sup, fmt.Sprintf("/qa/reviews/%d/handback", pool[0].ID), nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("hand back: %d", res.StatusCode)
	}
	if rv, _ := w.app.Store.GetReview(context.Background(), pool[0].ID); rv.Assignee != "" {
		t.Errorf("handed back, still held by %q", rv.Assignee)
	}
	// A second round picks nothing more.
	if err := sampler.Round(context.Background()); err != nil {
		t.Fatal(err)
	}
	if pool, _ := w.app.Store.Queue(context.Background(), "", "pool", 100); len(pool) != 3 {
		t.Errorf("after a second round: %d in the pool, want 3", len(pool))
	}
}

// TestQADispute: a manager disputes a submitted review (supervisors cannot);
// its reviewer cannot rule on it; another supervisor does, once, and the
// ruling is shown and recorded.
func TestQADispute(t *testing.T) {
	w := newQAWorld(t, 2)
	w.pick(t, "supervisor", w.calls[0])
	sup := w.app.Login(t, store.RoleSupervisor)
	if res := w.app.PostForm(t, sup, w.callPath(w.calls[0])+"/qa", fullMarks()); res.StatusCode != http.StatusSeeOther {
		t.Fatal(res.StatusCode)
	}
	rv, _ := w.app.Store.ReviewOfCall(context.Background(), w.task, w.calls[0])
	base := fmt.Sprintf("/qa/reviews/%d", rv.ID)
	if res := w.app.PostForm(t, sup, base+"/dispute", url.Values{"reason": {"不服"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("a supervisor disputes: %d, want 403", res.StatusCode)
	}
	mgr := w.app.Login(t, store.RoleManager)
	_, body := w.app.Get(t, mgr, w.callPath(w.calls[0]))
	if doc(t, body).Find("[data-testid=dispute-form]").Length() != 1 {
		t.Error("the manager is not offered the dispute form")
	}
	if res := w.app.PostForm(t, mgr, base+"/dispute", url.Values{"reason": {"客户明确表示有意向"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("dispute: %d", res.StatusCode)
	}
	if res := w.app.PostForm(t, sup, base+"/rule", url.Values{"outcome": {"upheld"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("the reviewer rules on their own review: %d, want 403", res.StatusCode)
	}
	if res := w.app.PostForm(t, mgr, base+"/rule", url.Values{"outcome": {"upheld"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("the manager rules: %d, want 403", res.StatusCode)
	}
	other := loginAs(t, w.app, "sup2", "sup2-password-x")
	_, body = w.app.Get(t, other, w.callPath(w.calls[0]))
	if doc(t, body).Find("[data-testid=rule-form]").Length() != 1 {
		t.Error("sup2 is not offered the ruling form")
	}
	if res := w.app.PostForm(t, other, base+"/rule", url.Values{"outcome": {"overturned"}, "ruling": {"录音中客户说愿意了解"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("rule: %d", res.StatusCode)
	}
	if res := w.app.PostForm(t, admin(t, w), base+"/rule", url.Values{"outcome": {"upheld"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("a second ruling: %d, want 403 (final)", res.StatusCode)
	}
	ds, _ := w.app.Store.DisputesOf(context.Background(), rv.ID)
	if len(ds) != 1 || ds[0].Outcome != store.DisputeOverturned || ds[0].RuledBy != "sup2" || ds[0].OpenedBy != "manager" {
		t.Errorf("disputes %+v", ds)
	}
	_, body = w.app.Get(t, mgr, w.callPath(w.calls[0]))
	if got := doc(t, body).Find("[data-testid=dispute]").AttrOr("data-outcome", ""); got != "overturned" {
		t.Errorf("the page shows the ruling %q", got)
	}
}

func admin(t *testing.T, w qaWorld) *http.Client { return w.app.Login(t, store.RoleAdmin) }

// TestQAReport: two reviews, one agreeing with the robot and one not, read
// as 50% agreement on the report (overall, per task, per script template)
// with their matrix; the export lists every review, the number masked for
// a supervisor and whole for a manager.
func TestQAReport(t *testing.T) {
	w := newQAWorld(t, 3)
	ctx := context.Background()
	if err := w.app.Store.SetTaskCallSettings(ctx, w.task, store.TaskCallSettings{NumberHide: 2, TemplateName: "回访话术"}); err != nil {
		t.Fatal(err)
	}
	w.pick(t, "supervisor", w.calls[0], w.calls[1])
	sup := w.app.Login(t, store.RoleSupervisor)
	// calls[0]: robot 有意向, human the same; calls[1]: robot 无意向, human 有意向.
	if res := w.app.PostForm(t, sup, w.callPath(w.calls[0])+"/qa", fullMarks()); res.StatusCode != http.StatusSeeOther {
		t.Fatal(res.StatusCode)
	}
	form := fullMarks()
	form.Set("crit_greet_points", "0")
	form.Set("human_level", "有意向")
	if res := w.app.PostForm(t, sup, w.callPath(w.calls[1])+"/qa", form); res.StatusCode != http.StatusSeeOther {
		t.Fatal(res.StatusCode)
	}
	mgr := w.app.Login(t, store.RoleManager)
	_, body := w.app.Get(t, mgr, "/qa/reports")
	d := doc(t, body)
	kpi := func(k string) string { return d.Find("[data-kpi="+k+"]").AttrOr("data-value", "") }
	if kpi("reviewed") != "2" || kpi("agreement") != "50.0%" || kpi("passrate") != "50.0%" || kpi("avgscore") != "70.0" {
		t.Errorf("kpis: reviewed %s, agreement %s, pass rate %s, average %s", kpi("reviewed"), kpi("agreement"), kpi("passrate"), kpi("avgscore"))
	}
	// po = 0.5; robot 有意向 1, 无意向 1; human 有意向 2: pe = 0.5·1 + 0.5·0 = 0.5, κ = 0.
	if kpi("kappa") != "0.00" {
		t.Errorf("kappa %s, want 0.00", kpi("kappa"))
	}
	if d.Find("[data-chart=agreement] svg rect").Length() != 4 || d.Find("[data-testid=matrix-table] td.diag").Length() != 2 {
		t.Error("the matrix is not a 2×2 drawing with its table")
	}
	if got := d.Find("[data-testid=per-template] [data-testid=agreement-row] td").First().Text(); got != "回访话术" {
		t.Errorf("per template: %q", got)
	}
	if got := d.Find("[data-testid=failed] td").First().Text(); !strings.Contains(got, "按话术介绍") {
		t.Errorf("most failed %q, want 按话术介绍 (failed twice)", got)
	}
	for _, tc := range []struct {
		c     *http.Client
		phone string
	}{{sup, "138****0000"}, {mgr, "13812340000"}} {
		res, body := w.app.Get(t, tc.c, "/qa/reports/export.xlsx")
		if res.StatusCode != 200 {
			t.Fatalf("export: %d", res.StatusCode)
		}
		_, rows := xlsxRows(t, body)
		if len(rows) != 3 || rows[1][2] != tc.phone || rows[1][8] != "是" || rows[2][8] != "否" {
			t.Errorf("export rows %q", rows)
		}
	}
}

// TestQACallList: GET /calls shows the human level beside the robot's and
// filters by review state and by human level.
func TestQACallList(t *testing.T) {
	w := newQAWorld(t, 4)
	w.pick(t, "supervisor", w.calls[0], w.calls[1], w.calls[2])
	sup := w.app.Login(t, store.RoleSupervisor)
	form := fullMarks()
	form.Set("human_level", "无意向") // robot: 有意向
	if res := w.app.PostForm(t, sup, w.callPath(w.calls[0])+"/qa", form); res.StatusCode != http.StatusSeeOther {
		t.Fatal(res.StatusCode)
	}
	if res := w.app.PostForm(t, sup, w.callPath(w.calls[1])+"/qa", fullMarks()); res.StatusCode != http.StatusSeeOther { // robot 无意向, same
		t.Fatal(res.StatusCode)
	}
	rows := func(q string) map[string]string {
		t.Helper()
		res, body := w.app.Get(t, sup, "/calls?"+q)
		if res.StatusCode != 200 {
			t.Fatalf("/calls?%s: %d", q, res.StatusCode)
		}
		out := map[string]string{}
		doc(t, body).Find("[data-testid=call-row]").Each(func(_ int, s *goquery.Selection) {
			out[s.AttrOr("data-call", "")] = s.Find("[data-testid=human-level]").Text()
		})
		return out
	}
	// The task's own list too.
	_, body := w.app.Get(t, sup, "/tasks/"+w.task+"/calls")
	if got := doc(t, body).Find("[data-call=" + w.calls[0] + "] [data-testid=human-level]").Text(); !strings.HasSuffix(got, "无意向") {
		t.Errorf("task list: human level %q", got)
	}
	all := rows("")
	if !strings.HasSuffix(all[w.calls[0]], "无意向") || !strings.HasSuffix(all[w.calls[1]], "无意向") || all[w.calls[2]] != "" {
		t.Errorf("human levels in the list: %q", all)
	}
	for q, want := range map[string][]string{
		"review=done":                     {w.calls[0], w.calls[1]},
		"review=todo":                     {w.calls[2]},
		"review=none":                     {w.calls[3]},
		"human=" + url.QueryEscape("无意向"): {w.calls[0], w.calls[1]},
		"human=" + url.QueryEscape("有意向"): {},
	} {
		got := rows(q)
		if len(got) != len(want) {
			t.Errorf("%s: %d rows %v, want %v", q, len(got), got, want)
		}
		for _, k := range want {
			if _, ok := got[k]; !ok {
				t.Errorf("%s: %s missing", q, k)
			}
		}
	}
}

// TestMaskingPerRole: one rule everywhere (phoneFor): a supervisor sees a
// customer's number masked as the task's number_hide says, whole when it is
// off; managers and admins always whole. It holds on the numbers page, the
// import's page and its rejected-rows file, the call lists, the call page,
// the calls export, the overview's leads export, search and the queue.
func TestMaskingPerRole(t *testing.T) {
	w := newQAWorld(t, 2)
	ctx := context.Background()
	whole := "13812340000" // w.calls[0]'s number
	// The number on a running task's list (w.task has ended), twice in the
	// file: the second row, written with spaces, is rejected (a duplicate)
	// and comes back in the rejected-rows file as written, or masked.
	mgr := w.app.Login(t, store.RoleManager)
	numTask := numbersTask(t, w.app)
	spaced := "138 1234 0000"
	imp := uploadImport(t, w.app, mgr, "/tasks/"+numTask+"/numbers", "a.xlsx", workbook(t, [][]any{{"号码"}, {whole}, {spaced}}))
	w.app.Server.WaitImports()
	w.app.PostForm(t, mgr, imp+"/confirm", nil)
	w.app.Server.WaitImports()
	w.pick(t, "supervisor", w.calls[0])
	now := time.Now().In(cst) // the overview's days are in DIALDESK_TZ
	leads := "/overview/leads.xlsx?task=" + w.task + "&from=" + now.AddDate(0, 0, -1).Format("2006-01-02") + "&to=" + now.AddDate(0, 0, 1).Format("2006-01-02")
	// xlsxHas reports whether a row of the file at path has want in column col.
	xlsxHas := func(t *testing.T, c *http.Client, path string, col int, want string) bool {
		t.Helper()
		res, body := w.app.Get(t, c, path)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d", path, res.StatusCode)
		}
		_, rows := xlsxRows(t, body)
		for _, row := range rows[1:] {
			if len(row) > col && row[col] == want {
				return true
			}
		}
		t.Logf("%s: %v", path, rows)
		return false
	}
	for _, hide := range []int{client.NumberHideMiddle4, client.NumberHideLast4, client.NumberHideOff} {
		for _, task := range []string{w.task, numTask} {
			if err := w.app.Store.SetTaskCallSettings(ctx, task, store.TaskCallSettings{NumberHide: hide}); err != nil {
				t.Fatal(err)
			}
		}
		masked := map[int]string{client.NumberHideMiddle4: "138****0000", client.NumberHideLast4: "1381234****", client.NumberHideOff: whole}[hide]
		for _, role := range []store.Role{store.RoleSupervisor, store.RoleManager, store.RoleAdmin} {
			t.Run(fmt.Sprintf("hide%d/%s", hide, role), func(t *testing.T) {
				want, rejected := whole, spaced
				if role == store.RoleSupervisor && hide != client.NumberHideOff {
					want, rejected = masked, masked
				}
				c := w.app.Login(t, role)
				page := func(path string) *goquery.Document {
					t.Helper()
					body := mustGet(t, w.app, c, path)
					if want != whole && strings.Contains(body, whole) {
						t.Errorf("%s shows %s whole", path, whole)
					}
					return doc(t, body)
				}
				d := page("/tasks/" + numTask + "/numbers")
				if got := d.Find("[data-testid=number-row]").AttrOr("data-phone", ""); got != want {
					t.Errorf("numbers page: %q, want %q", got, want)
				}
				if got := d.Find("[data-testid=number-row]").Text(); !strings.Contains(got, want) {
					t.Errorf("numbers page row: %q, want %q", got, want)
				}
				if got := strings.TrimSpace(page(imp).Find("[data-testid=reject-row]").Text()); !strings.Contains(got, rejected) {
					t.Errorf("import's rejected row: %q, want %q", got, rejected)
				}
				if !xlsxHas(t, c, imp+"/rejects.xlsx", 0, rejected) {
					t.Errorf("rejected-rows file: no row with %q", rejected)
				}
				if got := page("/calls?task=" + w.task).Find("[data-call=" + w.calls[0] + "] [data-testid=call-link]").Text(); got != want {
					t.Errorf("/calls: %q, want %q", got, want)
				}
				if got := page("/tasks/" + w.task + "/calls").Find("[data-call=" + w.calls[0] + "]").Text(); !strings.Contains(got, want) {
					t.Errorf("the task's calls: %q, want %q", got, want)
				}
				if got := page(w.callPath(w.calls[0])).Find("[data-testid=call-title]").Text(); got != want {
					t.Errorf("the call page: %q, want %q", got, want)
				}
				if got := page("/search?q=" + url.QueryEscape("第1句")).Find("[data-call=" + w.calls[0] + "] [data-testid=call-link]").Text(); got != want {
					t.Errorf("search: %q, want %q", got, want)
				}
				if !xlsxHas(t, c, "/tasks/"+w.task+"/calls/export.xlsx", 0, want) {
					t.Errorf("calls export: no row with %q", want)
				}
				if !xlsxHas(t, c, leads, 0, want) {
					t.Errorf("leads export: no row with %q", want)
				}
			})
		}
	}
	if err := w.app.Store.SetTaskCallSettings(ctx, w.task, store.TaskCallSettings{NumberHide: client.NumberHideMiddle4}); err != nil {
		t.Fatal(err)
	}
	sup := w.app.Login(t, store.RoleSupervisor)
	_, body := w.app.Get(t, sup, "/qa/queue")
	if got := doc(t, body).Find("[data-testid=queue-open]").Text(); got != "138****0000" {
		t.Errorf("queue: %q, want 138****0000", got)
	}
}

// TestMaskingNumbersFromPlatform: with surface B the numbers page lists the
// platform's numbers, masked by the same rule.
func TestMaskingNumbersFromPlatform(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	taskID := numbersTask(t, app)
	path, _, _ := previewImport(t, app, taskID, 1) // 13700000000
	app.PostForm(t, app.Login(t, store.RoleManager), path+"/confirm", nil)
	app.Server.WaitImports()
	if err := app.Store.SetTaskCallSettings(context.Background(), taskID, store.TaskCallSettings{NumberHide: client.NumberHideMiddle4}); err != nil {
		t.Fatal(err)
	}
	for role, want := range map[store.Role]string{store.RoleSupervisor: "137****0000", store.RoleManager: "13700000000", store.RoleAdmin: "13700000000"} {
		body := mustGet(t, app, app.Login(t, role), "/tasks/"+taskID+"/numbers")
		d := doc(t, body)
		if d.Find(`[data-testid="from-store"]`).Length() != 0 {
			t.Fatal("the list is not the platform's")
		}
		if got := d.Find("[data-testid=number-row]").AttrOr("data-phone", ""); got != want {
			t.Errorf("%s: %q, want %q", role, got, want)
		}
		if want != "13700000000" && strings.Contains(body, "13700000000") {
			t.Errorf("%s: the page shows the number whole", role)
		}
	}
}
