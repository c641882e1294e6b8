package e2e

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"dialdesk/client"
	"dialdesk/internal/testapp"
	"dialdesk/platform"
	"dialdesk/store"
)

// storeSearchCalls stores two answered calls of a seeded task whose
// customer said 12315 in their third turn, each with a recording of the
// seeded world (long enough to seek into); the older one is the second
// hit. It returns the older call's id and its third turn's offset in
// seconds.
func storeSearchCalls(t *testing.T, app *testapp.App) (second string, offset float64) {
	t.Helper()
	ctx := context.Background()
	var task string
	var recs []client.Record
	for _, id := range app.Sandbox.TaskIDs() {
		p, err := app.Client.QueryDoneTaskPhones(ctx, client.RecordQuery{TaskID: id})
		if err != nil {
			continue
		}
		recs = recs[:0]
		for _, r := range p.Records {
			if r.RecordFile != "" && int64(r.Bill) >= 12_000 {
				recs = append(recs, r)
			}
		}
		if len(recs) >= 2 {
			task = id
			break
		}
	}
	if task == "" {
		t.Fatal("no task of the seeded world has two recorded calls of 12 s")
	}
	start := time.Now().Add(-2 * time.Hour)
	for i, r := range recs[:2] {
		answer := start.Add(time.Duration(i) * -time.Hour).Add(5 * time.Second)
		c := store.Call{CallID: fmt.Sprintf("e2e-search-%d", i), TaskID: task, Tel: "13900001234", Status: 2,
			StartAt: answer.Add(-5 * time.Second), AnswerAt: answer, FeeMS: int64(r.Bill),
			VoiceURL: app.SandboxURL + "/recordings" + r.RecordFile}
		for k, text := range []string{"您好，这里是客服中心", "什么事", "想跟您确认一下订单", "再打我就打12315投诉", "好的，不打扰您了"} {
			sender := platform.SenderRobot
			if k%2 == 1 {
				sender = platform.SenderCustomer
			}
			c.Messages = append(c.Messages, store.CallMessage{Sender: sender, Content: text, At: answer.Add(time.Duration(k*2500) * time.Millisecond)})
		}
		if _, err := app.Store.SaveCall(ctx, c, false); err != nil {
			t.Fatal(err)
		}
		second = c.CallID
	}
	return second, 7.5
}

// TestSearchInBrowser: search 12315, open the second hit: the call page
// opens at that turn (marked, in view) with the audio at its time. The
// console stays clean (CSP included).
func TestSearchInBrowser(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	second, offset := storeSearchCalls(t, app)
	b := NewBrowser(t)
	b.Login(app, store.RoleSupervisor)

	// "/" opens the search from any page, and on it puts the cursor in the box.
	b.Do(
		chromedp.Navigate(app.URL+"/tasks"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=nav-search]`)),
		slashKey,
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=search-q]`)),
	)
	if !strings.HasSuffix(eval[string](t, b, `location.pathname`), "/search") {
		t.Fatal(`"/" did not open the search page`)
	}
	eval[bool](t, b, `(document.activeElement.blur(), true)`)
	b.Do(slashKey)
	if id := eval[string](t, b, `document.activeElement.id`); id != "s-q" {
		t.Fatalf(`"/" on the search page focused %q, want the search box`, id)
	}
	if v := eval[string](t, b, `document.activeElement.value`); v != "" {
		t.Fatalf(`the search box holds %q after "/", want nothing`, v)
	}
	b.Do(
		chromedp.SendKeys(chromedp.CSS(`[data-testid=search-q]`), "12315"),
		chromedp.Click(chromedp.CSS(`[data-testid=search-go]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=search-results]`)),
	)
	if got := eval[string](t, b, `document.querySelector("[data-testid=search-results]").dataset.total`); got != "2" {
		t.Fatalf("data-total %s, want 2", got)
	}
	if got := eval[string](t, b, `document.querySelectorAll("[data-testid=search-hit]")[1].dataset.call`); got != second {
		t.Fatalf("second hit %s, want %s", got, second)
	}
	b.Screenshot("search")
	b.Do(chromedp.Click(chromedp.CSS(`[data-call="` + second + `"] [data-testid=hit-link]`)))
	waitFor(t, b, "the call page", func() bool {
		return strings.HasSuffix(eval[string](t, b, `location.pathname`), "/calls/"+url.PathEscape(second))
	})
	if h := eval[string](t, b, `location.hash`); h != "#turn-3" {
		t.Errorf("landed at %q, want #turn-3", h)
	}
	b.Do(chromedp.WaitVisible(chromedp.CSS(`#turn-3.target`)))
	var at float64
	waitFor(t, b, "the audio set to the turn", func() bool {
		at = eval[float64](t, b, `document.getElementById("call-audio").currentTime`)
		return at > 0
	})
	if math.Abs(at-offset) > 0.5 {
		t.Errorf("audio at %.2fs, want %.2fs (the turn's time)", at, offset)
	}
	if in := eval[bool](t, b, `(function(){var r=document.getElementById("turn-3").getBoundingClientRect();return r.top>=0&&r.bottom<=window.innerHeight})()`); !in {
		t.Error("the turn is not in view")
	}
	b.Screenshot("search-call")
	if p := b.ConsoleProblems(); len(p) > 0 {
		t.Errorf("browser console:\n%v", p)
	}
}

// slashKey presses "/" as a keyboard does: one keyDown carrying its text
// (chromedp.KeyEvent sends the text as an event of its own, which a page's
// keydown handler cannot cancel).
var slashKey = chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
	for _, p := range []input.DispatchKeyEventParams{
		{Type: input.DispatchKeyEventTypeKeyDown, Key: "/", Code: "Slash", Text: "/", WindowsVirtualKeyCode: 191, NativeVirtualKeyCode: 191},
		{Type: input.DispatchKeyEventTypeKeyUp, Key: "/", Code: "Slash", WindowsVirtualKeyCode: 191, NativeVirtualKeyCode: 191},
	} {
		if _, err := chromedp.Call(ctx, input.DispatchKeyEvent, p); err != nil {
			return err
		}
	}
	return nil
})
