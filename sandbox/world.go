package sandbox

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// Task statuses of surface A (task_status).
const (
	taskDeleted    = -1
	taskNotStarted = 0
	taskRunning    = 1
	taskFinished   = 2
	taskOutside    = 3
	taskQueued     = 4
	taskPaused     = 5
)

// world is the platform's state. Every method runs under Sandbox.mu.
type world struct {
	s    *Sandbox
	rng  *rand.Rand // ids and seed data, in creation order
	src  *rand.PCG  // rng's source, whose state Save keeps
	seed uint64

	now  time.Time     // timestamp clock
	work time.Duration // call-progress clock

	templates []*template
	tplByID   map[string]*template
	lines     []callerLine
	levels    []*level
	groups    []*tagGroup
	tagByName map[string]*tag

	tasks    []*task
	taskByID map[string]*task
	calls    map[string]*call // by callid
	records  map[string]*call // by v1 record id
	inflight []*call
	nextNum  int64
	nextHist int64

	pushes []pushJob
	readAt map[*call]time.Time // v1 read_at: when record_info first showed the call
}

type callerLine struct {
	telephone string
	count     int
}

type slot struct{ from, to int } // minutes of the day, both inclusive

type task struct {
	id, name   string
	tpl        *template
	lineType   int
	telephones []string
	robotNum   int
	timeType   int
	startMs    int64 // validity, 0 = none
	endMs      int64
	slotText   string
	slots      []slot
	status     int
	pushURL    string
	pushType   int
	numberHide int
	exportStat int
	created    time.Time
	updated    time.Time

	numbers []*number
	byOutID map[string][]*number
	phones  map[string]bool
	next    int       // index of the first number that may still be waiting
	retries []*number // unanswered numbers waiting for their second attempt, by time due
	active  int       // calls in flight

	// Progress counters, kept up to date so query_task_info stays O(1) per task.
	total, called, connected, intent int
}

type number struct {
	id      int64
	task    *task
	phone   string
	outid   string
	vars    map[string]string
	added   time.Time
	deleted bool
	calls   []*call
	retryAt time.Duration // work time of the next attempt, when queued in task.retries
}

// Unanswered calls (no answer, busy, line fault, call lost) are dialed once more,
// retryDelay later, as the platform's recycle_limit 1 does.
const (
	maxAttempts = 2
	retryDelay  = 10 * time.Minute
)

func (o outcome) retryable() bool {
	return o == outNoAnswer || o == outBusy || o == outLineFault || o == outCallLost
}

// lastDone is n's latest finished call, or nil.
func (n *number) lastDone() *call {
	for i := len(n.calls) - 1; i >= 0; i-- {
		if n.calls[i].done {
			return n.calls[i]
		}
	}
	return nil
}

func (n *number) last() *call {
	if len(n.calls) == 0 {
		return nil
	}
	return n.calls[len(n.calls)-1]
}

type call struct {
	callid   string
	recordID string
	histID   int64
	task     *task
	num      *number
	caller   string
	out      outcome
	done     bool
	endW     time.Duration
	ringMs   int64     // dialing until answer (or until given up)
	billMs   int64     // answered part
	dialed   time.Time // when dial planned it: its outcome depends on the hour and the caller
	start    time.Time
	answer   time.Time // zero when never answered
	end      time.Time
	turns    []turn
	score    int
	level    *level
	tags     []*tag
	intents  []string
	gender   int
	hangupBy int
	cause    string
	bridged  bool
	file     string // recordfile path on the "platform's disk"
}

func (c *call) durationMs() int64 { return c.ringMs + c.billMs }

// newWorld makes an empty world with the fixed catalogue (levels, tags, caller lines, templates).
func newWorld(s *Sandbox, now time.Time) *world {
	src := rand.NewPCG(uint64(s.opts.Seed), 0x5eed)
	w := &world{
		s:        s,
		seed:     uint64(s.opts.Seed),
		rng:      rand.New(src),
		src:      src,
		now:      now.Truncate(time.Millisecond),
		taskByID: map[string]*task{},
		calls:    map[string]*call{},
		records:  map[string]*call{},
		readAt:   map[*call]time.Time{},
		nextNum:  1001,
		nextHist: 350001,
	}
	w.catalogue()
	return w
}

func (w *world) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[w.rng.IntN(16)]
	}
	return string(b)
}

func (w *world) uuid() string {
	h := w.hex(32)
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-" + "89ab"[w.rng.IntN(4):][:1] + h[17:20] + "-" + h[20:]
}

// newTaskID is a seeded task's id: "10001" + 32 hex digits from the world's
// random stream, so the same seed gives the same world.
func (w *world) newTaskID() string { return "10001" + w.hex(32) }

// createdTaskID is the id of a task made through add_task: its first 12 hex
// digits are the creation time in milliseconds, so a demo restarted with the
// same seed (and so the same random stream) never hands out an id that an
// earlier run already gave a task dialdesk still remembers.
func (w *world) createdTaskID() string {
	return fmt.Sprintf("10001%012x", w.now.UnixMilli()&0xffffffffffff) + w.hex(20)
}

func (w *world) newCallID() string { return "soboticall" + w.hex(32) }

func (w *world) ms(t time.Time) int64 { return t.UnixMilli() }

// advance moves the world: work is how far calls progress, stamp how far timestamps move.
func (w *world) advance(work, stamp time.Duration) {
	for work > 0 {
		step := time.Second
		if !w.busy() {
			step = time.Minute
		}
		if step > work {
			step = work
		}
		st := step
		if stamp != work {
			st = time.Duration(float64(stamp) * float64(step) / float64(work))
		}
		work -= step
		stamp -= st
		w.work += step
		w.now = w.now.Add(st)
		w.step()
	}
	if stamp > 0 {
		w.now = w.now.Add(stamp)
	}
}

// busy says whether anything needs second-by-second simulation.
func (w *world) busy() bool {
	if len(w.inflight) > 0 {
		return true
	}
	for _, t := range w.tasks {
		if t.status == taskRunning || t.status == taskQueued {
			return true
		}
	}
	return false
}

// step finishes due calls, applies the task lifecycle, and starts new calls.
func (w *world) step() {
	if len(w.inflight) > 0 {
		keep := w.inflight[:0]
		for _, c := range w.inflight {
			if c.endW <= w.work {
				w.finish(c)
			} else {
				keep = append(keep, c)
			}
		}
		clear(w.inflight[len(keep):])
		w.inflight = keep
	}
	for _, t := range w.tasks {
		w.settle(t)
	}
	for _, t := range w.tasks {
		if t.status != taskRunning {
			continue
		}
		for t.active < t.robotNum {
			n := t.nextDue(w.work)
			if n == nil {
				break
			}
			w.dial(n)
		}
		w.settle(t)
	}
}

// nextWaiting returns the first number of t that has not been dialed, or nil.
func (t *task) nextWaiting() *number {
	for t.next < len(t.numbers) {
		n := t.numbers[t.next]
		if !n.deleted && len(n.calls) == 0 {
			return n
		}
		t.next++
	}
	return nil
}

// nextDue returns the next number to dial: a due redial first, else a fresh number.
func (t *task) nextDue(now time.Duration) *number {
	for len(t.retries) > 0 {
		n := t.retries[0]
		if n.deleted {
			t.retries = t.retries[1:]
			continue
		}
		if n.retryAt > now {
			break
		}
		t.retries = t.retries[1:]
		return n
	}
	return t.nextWaiting()
}

func (t *task) hasWaiting() bool {
	for _, n := range t.retries {
		if !n.deleted {
			return true
		}
	}
	for i := t.next; i < len(t.numbers); i++ {
		n := t.numbers[i]
		if !n.deleted && len(n.calls) == 0 {
			return true
		}
	}
	return false
}

func (w *world) robotsInUse() int {
	used := 0
	for _, t := range w.tasks {
		if t.status == taskRunning {
			used += t.robotNum
		}
	}
	return used
}

// validity reports whether t's validity has begun and whether it has ended.
func (w *world) validity(t *task) (begun, ended bool) {
	if t.timeType != 1 {
		return true, false
	}
	now := w.ms(w.now)
	return t.startMs == 0 || now >= t.startMs, t.endMs != 0 && now > t.endMs
}

func (w *world) inSlot(t *task) bool {
	local := w.now.In(w.s.opts.Location)
	m := local.Hour()*60 + local.Minute()
	for _, sl := range t.slots {
		if sl.from <= sl.to && m >= sl.from && m <= sl.to {
			return true
		}
		if sl.from > sl.to && (m >= sl.from || m <= sl.to) { // crosses midnight
			return true
		}
	}
	return false
}

// settle applies docs/platform.md §decisions 7 (how a task starts and ends by
// itself) to t at the current time.
func (w *world) settle(t *task) {
	begun, ended := w.validity(t)
	switch t.status {
	case taskDeleted, taskFinished:
		return
	case taskNotStarted:
		if ended {
			w.setStatus(t, taskFinished)
			return
		}
		if begun && t.hasWaiting() {
			w.setStatus(t, taskQueued)
			w.settle(t)
		}
	case taskQueued:
		if ended {
			w.setStatus(t, taskFinished)
			return
		}
		if !w.inSlot(t) {
			w.setStatus(t, taskOutside)
			return
		}
		if w.robotsInUse()+t.robotNum <= w.s.opts.Robots {
			w.setStatus(t, taskRunning)
		}
	case taskRunning:
		switch {
		case ended:
			w.setStatus(t, taskFinished)
		case t.active == 0 && !t.hasWaiting():
			w.setStatus(t, taskFinished)
		case !w.inSlot(t):
			w.setStatus(t, taskOutside)
		}
	case taskOutside:
		switch {
		case ended:
			w.setStatus(t, taskFinished)
		case t.active == 0 && !t.hasWaiting():
			w.setStatus(t, taskFinished)
		case w.inSlot(t):
			w.setStatus(t, taskQueued)
			w.settle(t)
		}
	case taskPaused:
		if ended {
			w.setStatus(t, taskFinished)
		}
	}
}

func (w *world) setStatus(t *task, st int) {
	t.status = st
	t.updated = w.now
}

// dial starts a call to n now. Its whole course is decided at once, from a random
// stream of its own, so that a call does not depend on what else happens in the world.
func (w *world) dial(n *number) {
	t := n.task
	c := &call{
		callid: w.newCallID(),
		task:   t,
		num:    n,
		histID: w.nextHist,
	}
	w.nextHist++
	c.caller = t.telephones[int(n.id)%len(t.telephones)]
	c.dialed = w.now
	r := rand.New(rand.NewPCG(w.seed, hashString(c.callid)))
	w.plan(c, r)
	c.start = w.now
	c.endW = w.work + time.Duration(c.durationMs())*time.Millisecond
	n.calls = append(n.calls, c)
	w.calls[c.callid] = c
	w.inflight = append(w.inflight, c)
	t.active++
	if len(n.calls) == 1 {
		t.called++
	}
}

// finish ends c now: its timestamps are laid out backwards from now, so that no
// timestamp is ever in the future even when calls progress faster than real time.
func (w *world) finish(c *call) {
	c.done = true
	c.end = w.now.Truncate(time.Millisecond)
	c.start = c.end.Add(-time.Duration(c.durationMs()) * time.Millisecond)
	if c.out == outConnected {
		c.answer = c.start.Add(time.Duration(c.ringMs) * time.Millisecond)
		c.recordID = w.uuid()
		w.records[c.recordID] = c
	}
	c.file = w.recordFile(c)
	t := c.task
	t.active--
	if n := c.num; c.out.retryable() && len(n.calls) < maxAttempts && !n.deleted {
		n.retryAt = w.work + retryDelay
		t.retries = append(t.retries, n)
	}
	if c.out == outConnected {
		t.connected++
		if c.level != nil && (c.level.name == "A级" || c.level.name == "B级") {
			t.intent++
		}
	}
	if t.pushURL != "" && (t.pushType == 2 || (t.pushType == 1 && c.bridged)) {
		w.pushes = append(w.pushes, pushJob{url: t.pushURL, body: w.pushBody(c), callid: c.callid})
	}
}

func (w *world) recordFile(c *call) string {
	local := c.start.In(w.s.opts.Location)
	if c.out == outConnected {
		local = c.answer.In(w.s.opts.Location)
	}
	who := c.num.phone
	if c.task.numberHide != 0 {
		who = strconv.FormatInt(c.num.id, 10)
	}
	return fmt.Sprintf("/mnt/smartivr/recordings/%s/%s.%d.%s.%s.wav",
		local.Format("2006-01-02"), who, c.task.tpl.groupID, local.Format("15-04-05"), c.callid)
}

func (w *world) takePushes() []pushJob {
	p := w.pushes
	w.pushes = nil
	return p
}

// addNumber appends one valid, de-duplicated number to t.
func (w *world) addNumber(t *task, phone, outid string, vars map[string]string) *number {
	n := &number{id: w.nextNum, task: t, phone: phone, outid: outid, vars: vars, added: w.now}
	w.nextNum++
	t.numbers = append(t.numbers, n)
	t.byOutID[outid] = append(t.byOutID[outid], n)
	t.phones[phone] = true
	t.total++
	return n
}

// deleteNumber marks n deleted: it will not be dialed and its calls get del_flag -1.
func (w *world) deleteNumber(n *number) {
	if n.deleted {
		return
	}
	n.deleted = true
	t := n.task
	t.total--
	if len(n.calls) > 0 {
		t.called--
		if c := n.last(); c.done && c.out == outConnected {
			t.connected--
			if c.level != nil && (c.level.name == "A级" || c.level.name == "B级") {
				t.intent--
			}
		}
	}
	delete(t.phones, n.phone)
}

func (w *world) newTask(id string) *task {
	t := &task{
		id:       id,
		byOutID:  map[string][]*number{},
		phones:   map[string]bool{},
		created:  w.now,
		updated:  w.now,
		lineType: 1,
	}
	w.tasks = append(w.tasks, t)
	w.taskByID[t.id] = t
	return t
}

// parseSlots reads "09:00-12:00,13:30-18:00" (single-digit hours allowed, as the
// vendor's Java demo sends "8:00-19:00").
func parseSlots(s string) ([]slot, bool) {
	var out []slot
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		a, b, ok := strings.Cut(part, "-")
		if !ok {
			return nil, false
		}
		from, ok1 := parseHM(a)
		to, ok2 := parseHM(b)
		if !ok1 || !ok2 || from == to {
			return nil, false
		}
		out = append(out, slot{from, to})
	}
	return out, len(out) > 0
}

func parseHM(s string) (int, bool) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 || len(m) != 2 {
		return 0, false
	}
	if hh == 24 {
		if mm != 0 {
			return 0, false
		}
		return 24*60 - 1, true
	}
	return hh*60 + mm, true
}

func hashString(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// mask applies number_hide: 1 hides the last four digits, 2 the middle four.
func mask(phone string, hide int) string {
	if len(phone) < 8 {
		return phone
	}
	switch hide {
	case 1:
		return phone[:len(phone)-4] + "****"
	case 2:
		return phone[:3] + "****" + phone[7:]
	}
	return phone
}
