package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"
)

// The sandbox's world can be saved and restored, so that the demo keeps the
// tasks, numbers and calls a newcomer made across a restart. What is saved is
// the state that choices and requests produced: tasks with their settings and
// status, numbers, and for each call its id, its place on the two clocks and
// the ids it was given. A call's course (outcome, transcript, level, tags) is
// not saved: dial derives it from the call's own random stream (the world's
// seed and the callid), so Restore derives it again, identically. The fixed
// catalogue (templates, levels, tags, caller lines) comes from the seed too.
// Pushes not yet delivered when the world was saved are not sent again.

// stateVersion changes when the saved form does; an older file is refused.
const stateVersion = 1

// ErrStateMismatch is returned by Restore for a saved world it cannot use: a
// different seed (whose catalogue would not match) or another version.
var ErrStateMismatch = errors.New("sandbox: saved world does not fit these options")

type savedWorld struct {
	Version  int                  `json:"version"`
	Seed     int64                `json:"seed"`
	Rng      []byte               `json:"rng"` // the PCG state: ids go on where they stopped
	Now      time.Time            `json:"now"`
	Work     time.Duration        `json:"work"`
	NextNum  int64                `json:"next_num"`
	NextHist int64                `json:"next_hist"`
	Tasks    []savedTask          `json:"tasks"`
	Inflight []string             `json:"inflight"` // callids, in order
	ReadAt   map[string]time.Time `json:"read_at"`  // callid → first shown by record_info
}

type savedTask struct {
	ID, Name   string
	Template   string
	LineType   int
	Telephones []string
	RobotNum   int
	TimeType   int
	StartMs    int64
	EndMs      int64
	Slots      string
	Status     int
	PushURL    string
	PushType   int
	NumberHide int
	ExportStat int
	Created    time.Time
	Updated    time.Time
	Numbers    []savedNumber
	Retries    []int64 // number ids waiting for their second attempt, in order

	Total, Called, Connected, Intent int
}

type savedNumber struct {
	ID      int64
	Phone   string
	OutID   string
	Vars    map[string]string `json:",omitempty"`
	Added   time.Time
	Deleted bool          `json:",omitempty"`
	RetryAt time.Duration `json:",omitempty"`
	Calls   []savedCall   `json:",omitempty"`
}

type savedCall struct {
	CallID   string
	RecordID string `json:",omitempty"`
	HistID   int64
	Caller   string
	Done     bool
	EndW     time.Duration
	Start    time.Time
	Answer   time.Time
	End      time.Time
	File     string    `json:",omitempty"`
	Dialed   time.Time `json:",omitempty"` // when dial planned it (its outcome depends on the hour)
}

// Save writes the world's state to out as JSON, for Restore.
func (s *Sandbox) Save(out io.Writer) error {
	s.mu.Lock()
	sw, err := s.w.save()
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return json.NewEncoder(out).Encode(sw)
}

// Restore builds a Sandbox from opts with the world Save wrote to in, in place
// of a new one: opts.SeedData is ignored, the saved world holds the seeded
// tasks too. opts.Seed must be the seed the world was saved with, else
// ErrStateMismatch. The clock resumes where it was saved; under Run the
// timestamps catch up with the wall clock and calls in flight go on.
func Restore(opts Options, in io.Reader) (*Sandbox, error) {
	var sw savedWorld
	if err := json.NewDecoder(in).Decode(&sw); err != nil {
		return nil, fmt.Errorf("sandbox: read saved world: %w", err)
	}
	if sw.Version != stateVersion || sw.Seed != opts.Seed {
		return nil, fmt.Errorf("%w (version %d, seed %d)", ErrStateMismatch, sw.Version, sw.Seed)
	}
	opts.SeedData = false
	s := New(opts)
	if err := s.w.restore(&sw); err != nil {
		return nil, err
	}
	return s, nil
}

func (w *world) save() (*savedWorld, error) {
	rng, err := w.src.MarshalBinary()
	if err != nil {
		return nil, err
	}
	sw := &savedWorld{Version: stateVersion, Seed: int64(w.seed), Rng: rng, Now: w.now, Work: w.work,
		NextNum: w.nextNum, NextHist: w.nextHist, ReadAt: map[string]time.Time{}}
	for _, t := range w.tasks {
		st := savedTask{ID: t.id, Name: t.name, Template: t.tpl.id, LineType: t.lineType, Telephones: t.telephones,
			RobotNum: t.robotNum, TimeType: t.timeType, StartMs: t.startMs, EndMs: t.endMs, Slots: t.slotText,
			Status: t.status, PushURL: t.pushURL, PushType: t.pushType, NumberHide: t.numberHide, ExportStat: t.exportStat,
			Created: t.created, Updated: t.updated, Total: t.total, Called: t.called, Connected: t.connected, Intent: t.intent}
		for _, n := range t.numbers {
			sn := savedNumber{ID: n.id, Phone: n.phone, OutID: n.outid, Vars: n.vars, Added: n.added, Deleted: n.deleted, RetryAt: n.retryAt}
			for _, c := range n.calls {
				sn.Calls = append(sn.Calls, savedCall{CallID: c.callid, RecordID: c.recordID, HistID: c.histID, Caller: c.caller,
					Done: c.done, EndW: c.endW, Start: c.start, Answer: c.answer, End: c.end, File: c.file, Dialed: c.dialed})
			}
			st.Numbers = append(st.Numbers, sn)
		}
		for _, n := range t.retries {
			st.Retries = append(st.Retries, n.id)
		}
		sw.Tasks = append(sw.Tasks, st)
	}
	for _, c := range w.inflight {
		sw.Inflight = append(sw.Inflight, c.callid)
	}
	for c, at := range w.readAt {
		sw.ReadAt[c.callid] = at
	}
	return sw, nil
}

// restore replaces w's tasks, numbers, calls and clocks with sw's. w is a
// new world of the same seed: its catalogue is the one sw's tasks refer to.
func (w *world) restore(sw *savedWorld) error {
	if err := w.src.UnmarshalBinary(sw.Rng); err != nil {
		return fmt.Errorf("sandbox: saved world: %w", err)
	}
	w.now, w.work, w.nextNum, w.nextHist = sw.Now, sw.Work, sw.NextNum, sw.NextHist
	w.tasks, w.taskByID = nil, map[string]*task{}
	clear(w.calls)
	clear(w.records)
	clear(w.readAt)
	w.inflight = nil
	for _, st := range sw.Tasks {
		tpl := w.tplByID[st.Template]
		slots, ok := parseSlots(st.Slots)
		if tpl == nil || !ok {
			return fmt.Errorf("%w: task %s (template %q, slots %q)", ErrStateMismatch, st.ID, st.Template, st.Slots)
		}
		t := w.newTask(st.ID)
		t.name, t.tpl, t.lineType, t.telephones, t.robotNum = st.Name, tpl, st.LineType, st.Telephones, st.RobotNum
		t.timeType, t.startMs, t.endMs, t.slotText, t.slots = st.TimeType, st.StartMs, st.EndMs, st.Slots, slots
		t.status, t.pushURL, t.pushType, t.numberHide, t.exportStat = st.Status, st.PushURL, st.PushType, st.NumberHide, st.ExportStat
		t.created, t.updated = st.Created, st.Updated
		byID := make(map[int64]*number, len(st.Numbers))
		for _, sn := range st.Numbers {
			n := &number{id: sn.ID, task: t, phone: sn.Phone, outid: sn.OutID, vars: sn.Vars, added: sn.Added,
				deleted: sn.Deleted, retryAt: sn.RetryAt}
			t.numbers = append(t.numbers, n)
			t.byOutID[n.outid] = append(t.byOutID[n.outid], n)
			if !n.deleted {
				t.phones[n.phone] = true
			}
			byID[n.id] = n
			for _, sc := range sn.Calls {
				c := &call{callid: sc.CallID, task: t, num: n, caller: sc.Caller, dialed: sc.Dialed}
				if c.dialed.IsZero() {
					c.dialed = sc.Start
				}
				// The call's course, as dial planned it: from its own stream.
				w.plan(c, rand.New(rand.NewPCG(w.seed, hashString(c.callid))))
				c.recordID, c.histID, c.caller, c.done, c.endW = sc.RecordID, sc.HistID, sc.Caller, sc.Done, sc.EndW
				c.start, c.answer, c.end, c.file = sc.Start, sc.Answer, sc.End, sc.File
				n.calls = append(n.calls, c)
				w.calls[c.callid] = c
				if c.recordID != "" {
					w.records[c.recordID] = c
				}
				if !c.done {
					t.active++
				}
			}
		}
		for _, id := range st.Retries {
			if n := byID[id]; n != nil {
				t.retries = append(t.retries, n)
			}
		}
		t.total, t.called, t.connected, t.intent = st.Total, st.Called, st.Connected, st.Intent
	}
	for _, id := range sw.Inflight {
		if c := w.calls[id]; c != nil && !c.done {
			w.inflight = append(w.inflight, c)
		}
	}
	for id, at := range sw.ReadAt {
		if c := w.calls[id]; c != nil {
			w.readAt[c] = at
		}
	}
	return nil
}
