package sandbox

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// The shapes the demo's overview shows, and a history of finished tasks.
//
// A call connects more often in the morning and the early evening than at
// lunch or at night, and by caller number: one line (blockedLine) has been
// marked as a nuisance caller by the carriers and is mostly blocked. Levels
// and tags follow each template's script (script.go); customers hang up at
// different turns; provinces and operators follow the callee's number.

// blockedLine is the caller number the carriers block most of the time.
const blockedLine = "01085123456"

// connectShare is how many calls in 1000 connect when dialed at t from
// caller: about half on a good line at a good hour.
func (w *world) connectShare(caller string, t time.Time) int {
	h := t.In(w.s.opts.Location).Hour()
	var f float64
	switch {
	case h >= 9 && h < 12:
		f = 1.1
	case h >= 12 && h < 14:
		f = 0.75
	case h >= 14 && h < 18:
		f = 0.95
	case h >= 18 && h < 21:
		f = 1.2
	case h >= 21 || h < 7:
		f = 0.45
	default:
		f = 0.85
	}
	switch caller {
	case blockedLine:
		f *= 0.12
	case "17361984317": // a mobile line: people pick up a mobile number more often
		f *= 1.1
	}
	return min(int(500*f), 900)
}

// History asks New for finished tasks in the past: Tasks tasks with about
// Calls finished calls (attempts) in all, spread over the last Days days
// within their calling hours.
type History struct {
	Tasks int
	Calls int
	Days  int // default 14
}

var historyNames = []string{"老客户回访", "新品推广", "会员续费提醒", "活动邀约", "满意度调查", "试听课推广", "保险到期提醒", "门店促销通知"}

// seedHistory adds h's finished tasks, their numbers and calls. Calls are
// planned as dial does, at their own past times, so that they have the same
// shapes as live ones; an unanswered call is dialed once more 10–40 minutes
// later, as live numbers are.
func (w *world) seedHistory(h History) {
	if h.Tasks <= 0 || h.Calls <= 0 {
		return
	}
	if h.Days <= 0 {
		h.Days = 14
	}
	r := rand.New(rand.NewPCG(w.seed, 0x415))
	end := w.now
	loc := w.s.opts.Location
	perTask := max(h.Calls/h.Tasks, 1)
	made := 0
	for i := range h.Tasks {
		t := w.newTask(w.newTaskID())
		t.name = fmt.Sprintf("%s-%02d", historyNames[i%len(historyNames)], i+1)
		t.tpl = w.templates[i%len(w.templates)]
		t.robotNum, t.timeType, t.slotText = 2+i%3, 2, "09:00-20:59"
		t.slots, _ = parseSlots(t.slotText)
		t.telephones = []string{w.lines[i%len(w.lines)].telephone, w.lines[(i+1)%len(w.lines)].telephone}
		// Each task ran over a few days of the period.
		span := min(h.Days, 2+r.IntN(5))
		firstDay := r.IntN(max(h.Days-span, 1)) + span
		day0 := time.Date(end.In(loc).Year(), end.In(loc).Month(), end.In(loc).Day()-firstDay, 0, 0, 0, 0, loc)
		t.created = day0.Add(8 * time.Hour)
		t.updated = day0.Add(time.Duration(span) * 24 * time.Hour)
		want := perTask
		if i == h.Tasks-1 {
			want = h.Calls - made
		}
		for k := 0; want > 0; k++ {
			phone := mobilePrefixes[r.IntN(len(mobilePrefixes))] + fmt.Sprintf("%08d", r.IntN(100000000))
			if r.IntN(20) == 0 {
				ac := areaCodes[r.IntN(len(areaCodes))]
				phone = ac + fmt.Sprintf("%d", 60000000+r.IntN(39999999))[:11-len(ac)]
			}
			if t.phones[phone] {
				continue
			}
			n := w.addNumber(t, phone, fmt.Sprintf("H%02d%06d", i+1, k+1), nil)
			n.added = t.created
			at := day0.Add(time.Duration(r.IntN(span))*24*time.Hour + 9*time.Hour + time.Duration(r.IntN(12*3600))*time.Second)
			if at.After(end) {
				at = end.Add(-time.Duration(1+r.IntN(3600)) * time.Second)
			}
			c := w.pastCall(n, at)
			want--
			if c.out.retryable() && want > 0 {
				w.pastCall(n, c.end.Add(time.Duration(10+r.IntN(30))*time.Minute))
				want--
			}
		}
		made += perTask
		t.next = len(t.numbers)
		w.setStatus(t, taskFinished)
		t.updated = day0.Add(time.Duration(span) * 24 * time.Hour)
	}
}

// pastCall makes a finished call to n that started at start.
func (w *world) pastCall(n *number, start time.Time) *call {
	t := n.task
	c := &call{callid: w.newCallID(), task: t, num: n, histID: w.nextHist}
	w.nextHist++
	c.caller = t.telephones[(int(n.id)+len(n.calls))%len(t.telephones)]
	c.dialed = start.Truncate(time.Millisecond)
	w.plan(c, rand.New(rand.NewPCG(w.seed, hashString(c.callid))))
	c.done = true
	c.start = start.Truncate(time.Millisecond)
	c.end = c.start.Add(time.Duration(c.durationMs()) * time.Millisecond)
	if c.out == outConnected {
		c.answer = c.start.Add(time.Duration(c.ringMs) * time.Millisecond)
		c.recordID = w.uuid()
		w.records[c.recordID] = c
	}
	c.file = w.recordFile(c)
	n.calls = append(n.calls, c)
	w.calls[c.callid] = c
	if len(n.calls) == 1 {
		t.called++
	}
	if c.out == outConnected {
		t.connected++
		if c.level != nil && (c.level.name == "A级" || c.level.name == "B级") {
			t.intent++
		}
	}
	return c
}

// Figures are a task's true figures over a range, computed from the
// sandbox's own calls (for tests to compare dialdesk's figures with).
type Figures struct {
	Calls         int            // dial attempts that started in the range
	Connected     int            // of those, answered
	TalkSeconds   int64          // sum of the answered calls' talk time in ms, rounded down to seconds
	BilledMinutes int64          // each answered call's talk time rounded up to whole minutes, summed
	ByLevel       map[string]int // answered calls per level name (A级 …)
	Intent        int            // answered calls of levels A级 and B级
}

// TrueFigures reports the figures of task taskID over the calls that
// started in [from, to) and have finished; an empty taskID means every task.
func (s *Sandbox) TrueFigures(taskID string, from, to time.Time) Figures {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := Figures{ByLevel: map[string]int{}}
	var talk int64
	for _, c := range s.w.calls {
		if !c.done || taskID != "" && c.task.id != taskID || c.start.Before(from) || !c.start.Before(to) {
			continue
		}
		f.Calls++
		if c.out != outConnected {
			continue
		}
		f.Connected++
		talk += c.billMs
		f.BilledMinutes += (c.billMs + 59_999) / 60_000
		if c.level != nil {
			f.ByLevel[c.level.name]++
			if c.level.name == "A级" || c.level.name == "B级" {
				f.Intent++
			}
		}
	}
	f.TalkSeconds = talk / 1000
	return f
}

// LateCall adds to task taskID, now, a finished call that started at start:
// what a sync sees when the platform reports a call late. It returns the
// call's id ("" for an unknown task).
func (s *Sandbox) LateCall(taskID string, start time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.w.taskByID[taskID]
	if t == nil {
		return ""
	}
	phone := fmt.Sprintf("1390000%04d", len(t.numbers)%10000)
	n := s.w.addNumber(t, phone, fmt.Sprintf("LATE%06d", len(t.numbers)), nil)
	return s.w.pastCall(n, start).callid
}

// NumberFact is one number of a task as the platform holds it, for tests
// to compare what dialdesk shows and sends with.
type NumberFact struct {
	Phone     string
	OutID     string
	Vars      map[string]string // the template variables it was added with
	Status    int               // surface B number status of its last attempt (0: not dialed yet)
	Connected bool              // some attempt was answered
}

// TrueNumbers lists the numbers of task taskID, deleted ones left out, in
// the order they were added (nil for an unknown task).
func (s *Sandbox) TrueNumbers(taskID string) []NumberFact {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.w.taskByID[taskID]
	if t == nil {
		return nil
	}
	var out []NumberFact
	for _, n := range t.numbers {
		if n.deleted {
			continue
		}
		f := NumberFact{Phone: n.phone, OutID: n.outid, Vars: map[string]string{}, Status: numberStatus(n).v1Status()}
		for k, v := range n.vars {
			f.Vars[k] = v
		}
		for _, c := range n.calls {
			if c.done && c.out == outConnected {
				f.Connected = true
			}
		}
		out = append(out, f)
	}
	return out
}
