package e2e

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"dialdesk/client"
	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// callPick is a call to review in the browser: its task, a level and a tag
// it has, and the call after it in the list filtered by both.
type callPick struct {
	task, record, level, tag, next string
	offset3                        float64 // seconds: the third turn's earliest place (durations alone)
}

// pickCall finds, in the seeded world, a call with at least three turns
// whose level and first tag filter a list where another call follows it.
func pickCall(t *testing.T, app *testapp.App) callPick {
	t.Helper()
	ctx := context.Background()
	levels, err := app.Client.Levels(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range app.Sandbox.TaskIDs() {
		p, err := app.Client.QueryDoneTaskPhones(ctx, client.RecordQuery{TaskID: task})
		if err != nil || p.Total < 5 {
			continue
		}
		for _, rec := range p.Records {
			if rec.Level == nil || len(rec.Tags) == 0 {
				continue
			}
			li := slices.IndexFunc(levels, func(l client.Level) bool { return l.ID == rec.Level.ID })
			if li < 0 {
				continue
			}
			l := levels[li]
			q := client.RecordQuery{TaskID: task, Levels: [][2]int{{int(l.MinScore), int(l.MaxScore)}}, Tags: []string{string(rec.Tags[0].ID)}}
			fp, err := app.Client.QueryDoneTaskPhones(ctx, q)
			if err != nil {
				continue
			}
			i := slices.IndexFunc(fp.Records, func(r client.Record) bool { return r.ID == rec.ID })
			if i < 0 || i+1 >= len(fp.Records) {
				continue
			}
			ri, err := app.Client.RecordInfo(ctx, task, string(rec.ID))
			if err != nil {
				continue
			}
			// The third turn's earliest offset (play_ms/speak_ms alone; the page
			// also counts the silences from the rows' times).
			var offs []int64
			var cursor int64
			for _, tn := range ri.Turns() {
				if strings.TrimSpace(tn.Question) != "" {
					cursor += int64(tn.PlayMS)
					offs = append(offs, cursor)
					cursor += int64(tn.SpeakMS)
				}
				if strings.TrimSpace(tn.AnswerContent) != "" {
					offs = append(offs, cursor)
				}
			}
			if len(offs) < 3 || offs[2] == 0 {
				continue
			}
			return callPick{task: task, record: string(rec.ID), level: string(l.ID), tag: string(rec.Tags[0].ID),
				next: string(fp.Records[i+1].ID), offset3: float64(offs[2]) / 1000}
		}
	}
	t.Fatal("no call in the seeded world fits the browser test")
	return callPick{}
}

// TestCallReviewFlow: open a task's calls, filter by a level and a tag, open
// a call, click the third turn and see the audio jump there, press j for the
// next call. The console stays clean (CSP included).
func TestCallReviewFlow(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	pick := pickCall(t, app)
	b := NewBrowser(t)
	b.Login(app, store.RoleSupervisor)

	b.Do(
		chromedp.Navigate(app.URL+"/tasks/"+pick.task+"/calls"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=call-row]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=filter-levels] input[value="`+pick.level+`"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=filter-tags] summary`)),
		chromedp.Click(chromedp.CSS(`[data-testid=filter-tags] input[value="`+pick.tag+`"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=filter-apply]`)),
	)
	// htmx swaps the list and pushes the filtered URL.
	waitFor(t, b, "filtered URL", func() bool {
		loc := eval[string](t, b, `location.search`)
		return strings.Contains(loc, "level=") && strings.Contains(loc, "tag=")
	})
	b.Do(chromedp.WaitVisible(chromedp.CSS(`[data-call="` + pick.record + `"]`)))
	b.Screenshot("filtered")
	b.Do(chromedp.Click(chromedp.CSS(`[data-call="` + pick.record + `"] [data-testid=call-link]`)))
	b.Do(chromedp.WaitVisible(chromedp.CSS(`[data-testid=turns] li:nth-child(3)`)))
	if got := eval[string](t, b, `location.pathname`); !strings.HasSuffix(got, "/calls/"+pick.record) {
		t.Fatalf("on %s, want the call %s", got, pick.record)
	}

	// Where the page places the third turn (durations and the rows' times).
	want3 := eval[float64](t, b, `parseInt(document.querySelector("[data-testid=turns] li:nth-child(3)").dataset.offsetMs, 10) / 1000`)
	if want3 < pick.offset3 {
		t.Errorf("third turn placed at %.2fs, before the durations alone allow (%.2fs)", want3, pick.offset3)
	}
	b.Do(chromedp.Click(chromedp.CSS(`[data-testid=turns] li:nth-child(3)`)))
	var at float64
	waitFor(t, b, "audio currentTime to jump", func() bool {
		at = eval[float64](t, b, `document.getElementById("call-audio").currentTime`)
		return at > 0
	})
	if math.Abs(at-want3) > 1.0 {
		t.Errorf("audio at %.2fs after clicking the third turn, want about %.2fs", at, want3)
	}
	if n := eval[int](t, b, `document.querySelectorAll(".turn.playing").length`); n != 1 {
		t.Errorf("%d turns highlighted, want 1", n)
	}
	b.Screenshot("call")

	b.Do(chromedp.KeyEvent("j"))
	waitFor(t, b, "the next call after j", func() bool {
		return strings.HasSuffix(eval[string](t, b, `location.pathname`), "/calls/"+pick.next)
	})
	if s := eval[string](t, b, `location.search`); !strings.Contains(s, "level=") || !strings.Contains(s, "tag=") {
		t.Errorf("the next call's URL lost the filters: %q", s)
	}
	if p := b.ConsoleProblems(); len(p) > 0 {
		t.Errorf("browser console:\n%v", p)
	}
}

func eval[T any](t *testing.T, b *Browser, js string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

func waitFor(t *testing.T, b *Browser, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestCallPagesOnTablet: at 820 px the call records fit without sideways
// scrolling, and on a call the player (with previous/next) stays at the top
// while the transcript scrolls under it.
func TestCallPagesOnTablet(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	pick := pickCall(t, app)
	b := NewBrowser(t)
	b.Login(app, store.RoleSupervisor)
	b.Do(chromedp.EmulateViewport(820, 700),
		chromedp.Navigate(app.URL+"/tasks/"+pick.task+"/calls"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=call-row]`)))
	if w := eval[string](t, b, `(() => { const w = document.querySelector(".table-wrap"); return w.scrollWidth <= w.clientWidth && document.documentElement.scrollWidth <= 820 ? "" : w.scrollWidth + " > " + w.clientWidth })()`); w != "" {
		t.Errorf("the call records scroll sideways at 820 px: %s", w)
	}
	b.Do(chromedp.Navigate(app.URL+"/tasks/"+pick.task+"/calls/"+pick.record),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=turns] li:nth-child(3)`)),
		chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, document.body.scrollHeight)`))
	waitFor(t, b, "the page to scroll", func() bool { return eval[float64](t, b, `window.scrollY`) > 100 })
	if top := eval[float64](t, b, `document.querySelector("[data-testid=player]").getBoundingClientRect().top`); top < -1 || top > 1 {
		t.Errorf("player at %.0f px from the top after scrolling, want it kept at the top", top)
	}
	if n := eval[int](t, b, `document.querySelectorAll("[data-testid=player] #call-next, [data-testid=player] #call-prev").length`); n == 0 {
		t.Error("previous/next are not in the player")
	}
	b.Screenshot("tablet-call")
	if p := b.ConsoleProblems(); len(p) > 0 {
		t.Errorf("browser console:\n%v", p)
	}
}
