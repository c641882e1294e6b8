package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"dialdesk/internal/qa"
	"dialdesk/internal/testapp"
	"dialdesk/platform"
	"dialdesk/store"
)

// TestQAReviewWithKeys: a supervisor opens 我的质检 and reviews the two
// calls assigned to them with the keyboard alone: digits score the focused
// criterion, arrows move between criteria, the human level and the note's
// turn (the third) are chosen with the keys, Enter submits and opens the
// next call. The report's agreement goes from none to 0% to 50%.
func TestQAReviewWithKeys(t *testing.T) {
	app := testapp.New(t, testapp.Options{SurfaceAOnly: true})
	app.RememberSandboxTasks(t)
	ctx := context.Background()
	task := app.Sandbox.TaskIDs()[0]
	at := time.Now().Add(-time.Hour)
	var keys []string
	for i, level := range []string{"有意向", "无意向"} {
		c := store.Call{CallID: fmt.Sprintf("kb%d", i), TaskID: task, Tel: fmt.Sprintf("1390000000%d", i), Status: 2,
			Intention: level, StartAt: at.Add(time.Duration(i) * time.Minute), FeeMS: 40_000}
		c.AnswerAt = c.StartAt.Add(2 * time.Second)
		for j := range 5 {
			c.Messages = append(c.Messages, store.CallMessage{Sender: platform.Sender(1 - j%2), Content: fmt.Sprintf("第%d句话", j+1),
				At: c.AnswerAt.Add(time.Duration(j*4) * time.Second)})
		}
		if _, err := app.Store.SaveCall(ctx, c, false); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, c.CallID)
	}
	card, err := app.Store.CreateScorecard(ctx, "外呼质检", qa.Scorecard{PassMark: 60, Criteria: []qa.Criterion{
		{Key: "greet", Group: "开场", Name: "开场白", Kind: qa.KindPoints, Points: 40},
		{Key: "script", Group: "话术", Name: "按话术介绍", Kind: qa.KindPoints, Points: 40},
		{Key: "legal", Group: "合规", Name: "不承诺收益", Kind: qa.KindPass, Points: 20, Critical: true},
	}}, "admin")
	if err != nil {
		t.Fatal(err)
	}
	plan := store.Plan{Name: "抽检", ScorecardID: card, Tasks: []string{task}, Reviewers: []string{"supervisor"}}
	if plan.ID, err = app.Store.SavePlan(ctx, plan, "manager"); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Store.AddPicks(ctx, plan, "2026-12-03", task, 2, []store.NewPick{
		{Key: keys[0], Reason: qa.ReasonRandom, Assignee: "supervisor", RobotLevel: "有意向"},
		{Key: keys[1], Reason: qa.ReasonRandom, Assignee: "supervisor", RobotLevel: "无意向"},
	}); err != nil {
		t.Fatal(err)
	}

	b := NewBrowser(t)
	b.Login(app, store.RoleSupervisor)
	agreement := func() string {
		b.Do(chromedp.Navigate(app.URL + "/qa/reports"))
		return eval[string](t, b, `document.querySelector("[data-kpi=agreement]").dataset.value`)
	}
	if got := agreement(); got != "—" {
		t.Errorf("agreement before any review: %q", got)
	}
	b.Do(chromedp.Navigate(app.URL+"/qa/queue"), chromedp.WaitVisible(chromedp.CSS(`#queue-start`)))
	if got := eval[string](t, b, `document.querySelector("[data-testid=count-todo]").dataset.value`); got != "2" {
		t.Fatalf("待检 %s, want 2", got)
	}
	b.Do(chromedp.Focus(chromedp.CSS(`#queue-start`)), chromedp.KeyEvent(kb.Enter))
	onCall := func(key string) {
		t.Helper()
		waitFor(t, b, "the call "+key+" in review mode", func() bool {
			return strings.HasSuffix(eval[string](t, b, `location.pathname`), "/calls/"+key) &&
				eval[bool](t, b, `!!document.activeElement && document.activeElement.matches("[data-criterion]")`)
		})
	}
	onCall(keys[0])
	b.Screenshot("qa-review")
	// 35 and 20 points, the critical one passed (1), then Tab to the human
	// level (无意向, one down), the note's turn (the third: three down) and
	// its text; Enter submits.
	b.Do(chromedp.KeyEvent("35"), chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent("20"),
		chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent("1"),
		chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.ArrowDown),
		chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.ArrowDown+kb.ArrowDown+kb.ArrowDown),
		chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent("refused here"))
	if got := eval[string](t, b, `document.getElementById("human-level").value + "|" + document.getElementById("note-turn").value`); got != "无意向|2" {
		t.Fatalf("human level and note turn %q, want 无意向|2", got)
	}
	b.Do(chromedp.KeyEvent(kb.Enter))
	onCall(keys[1])
	// The second call: full marks but for the opening (30), the robot's level kept.
	b.Do(chromedp.KeyEvent("30"), chromedp.KeyEvent(kb.Enter))
	waitFor(t, b, "the queue once both are done", func() bool {
		return eval[string](t, b, `location.pathname`) == "/qa/queue"
	})
	if got := eval[string](t, b, `document.querySelector("[data-testid=count-done]").dataset.value`); got != "2" {
		t.Errorf("已检 %s, want 2", got)
	}
	first, err := app.Store.ReviewOfCall(ctx, task, keys[0])
	if err != nil || first.Total != 75 || first.HumanLevel != "无意向" || len(first.Notes) != 1 || first.Notes[0].Turn != 2 ||
		first.Notes[0].Text != "refused here" || first.Verdict != store.VerdictPass {
		t.Errorf("first review %+v %v", first, err)
	}
	second, _ := app.Store.ReviewOfCall(ctx, task, keys[1])
	if second.Total != 90 || second.HumanLevel != "" {
		t.Errorf("second review: total %d, human level %q", second.Total, second.HumanLevel)
	}
	if got := agreement(); got != "50.0%" {
		t.Errorf("agreement after the two reviews: %q, want 50.0%%", got)
	}
	// The note seeks to its turn from the call's page.
	b.Do(chromedp.Navigate(app.URL+"/tasks/"+task+"/calls/"+keys[0]), chromedp.WaitVisible(chromedp.CSS(`[data-testid=note-seek]`)),
		chromedp.Focus(chromedp.CSS(`[data-testid=note-seek]`)), chromedp.KeyEvent(kb.Enter))
	waitFor(t, b, "the third turn focused by the note", func() bool {
		return eval[string](t, b, `document.activeElement && document.activeElement.dataset.index || ""`) == "2"
	})
	for _, p := range b.ConsoleProblems() {
		if strings.Contains(p, "Content Security Policy") || strings.Contains(p, "Uncaught") {
			t.Errorf("browser console: %s", p)
		}
	}
}
