package views

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"time"
)

// View models of the call pages: a task's call records (CallListVM) and one
// call (CallDetailVM).

// Chip is a colored label: a level badge or a tag. The CSP allows no style
// attributes, so the color reaches the page twice: as one of a few tone
// classes (nearest hue, works without script) and as data-color, which
// static/call.js applies exactly through the CSSOM.
type Chip struct {
	Name  string
	Title string // tooltip, e.g. the tag's group
	Color string // a validated CSS hex color, or ""
	Tone  string // tone-… class
}

var hexColorRe = regexp.MustCompile(`^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

// NewChip builds a chip for a platform color such as "#2d8cf0" or "#000";
// anything else (an unknown color) gets the grey tone and no data-color.
func NewChip(name, color string) Chip {
	c := Chip{Name: name, Tone: "tone-grey"}
	if hexColorRe.MatchString(color) {
		c.Color = color
		c.Tone = toneOf(color)
	}
	return c
}

// toneOf maps a hex color to the nearest of the tone classes in calls.css.
func toneOf(hex string) string {
	h := hex[1:]
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	v, err := strconv.ParseUint(h, 16, 32)
	if err != nil {
		return "tone-grey"
	}
	r, g, b := float64(v>>16&0xff)/255, float64(v>>8&0xff)/255, float64(v&0xff)/255
	mx, mn := math.Max(r, math.Max(g, b)), math.Min(r, math.Min(g, b))
	l, d := (mx+mn)/2, mx-mn
	if d < 0.12 {
		if l < 0.3 {
			return "tone-black"
		}
		return "tone-grey"
	}
	var hue float64
	switch mx {
	case r:
		hue = math.Mod((g-b)/d, 6)
	case g:
		hue = (b-r)/d + 2
	default:
		hue = (r-g)/d + 4
	}
	hue *= 60
	if hue < 0 {
		hue += 360
	}
	switch {
	case hue < 15 || hue >= 345:
		return "tone-red"
	case hue < 40:
		return "tone-orange"
	case hue < 65:
		return "tone-yellow"
	case hue < 160:
		return "tone-green"
	case hue < 195:
		return "tone-teal"
	case hue < 255:
		return "tone-blue"
	case hue < 290:
		return "tone-purple"
	}
	return "tone-pink"
}

// CallLevelOptionVM is one intent level in the filter (surface B).
type CallLevelOptionVM struct {
	ID       string
	Chip     Chip
	Range    string // "0–100"
	Selected bool
}

// CallTagOptionVM is one tag in the filter (surface B).
type CallTagOptionVM struct {
	ID       string
	Chip     Chip
	Selected bool
}

// CallTagGroupOptionVM is a parent tag and its tags in the filter.
type CallTagGroupOptionVM struct {
	Name string
	Tags []CallTagOptionVM
}

// CallStatusOptionVM is one call status in the filter (surface A).
type CallStatusOptionVM struct {
	Value    int
	Label    string
	Selected bool
}

// CallFilterVM is the filter form above a task's call records, holding the
// user's input as typed (re-shown with a message next to a bad field).
type CallFilterVM struct {
	Action    string // the list's URL, without query
	SurfaceB  bool
	Levels    []CallLevelOptionVM
	TagGroups []CallTagGroupOptionVM
	Statuses  []CallStatusOptionVM // surface A only
	BillMin   string               // talk time, seconds
	BillMax   string
	RoundsMin string
	RoundsMax string
	From      string // datetime-local values: 2026-03-06T23:04
	To        string
	Q         string // callee keyword
	Intent    string // surface A: intention contains
	Errors    map[string]string
	Notes     []string // e.g. levels or tags not available on this platform
	Active    bool     // some filter is set
}

// Err returns the message for field, "" if it is fine.
func (f CallFilterVM) Err(field string) string { return f.Errors[field] }

// Invalid reports whether some field has a message: the filter cannot be
// applied, and the page shows no list.
func (f CallFilterVM) Invalid() bool { return len(f.Errors) > 0 }

// dateInputType is the type of the filter's time input holding v: a value a
// datetime-local input cannot hold is shown in a text input, as typed.
func dateInputType(v string) string {
	if v == "" {
		return "datetime-local"
	}
	if _, err := time.Parse("2006-01-02T15:04", v); err == nil {
		return "datetime-local"
	}
	return "text"
}

// CallRowVM is one row of a task's call records.
type CallRowVM struct {
	Key        string // the id in the call's URL
	URL        string // the call's page, carrying the list's filters
	Callee     string
	Time       string
	TalkTime   string
	Rounds     string
	Score      string
	Level      *Chip
	Tags       []Chip
	Intentions []string // surface A
	Status     string   // surface A call status
	HangupBy   string
	Reviewed   bool
	HumanLevel string // a submitted review's level, "" none
	Verdict    string
	Unread     bool
	PushOnly   bool   // stored from a push or the sync, not (yet) in the platform's records
	Rules      []Chip // keyword rules the call hits
}

// CallListVM is GET /tasks/{id}/calls.
type CallListVM struct {
	Header          TaskHeaderVM
	Filter          CallFilterVM
	Rows            []CallRowVM
	Total           int
	Page            int
	LastPage        int
	PrevURL         string
	NextURL         string
	ExportURL       string
	ExportForbidden bool
	Error           string // the platform failed: shown where the rows would be
	RetryURL        string
}

// CallFact is one line of a call's facts panel.
type CallFact struct {
	Key   string // data-testid suffix
	Label string
	Value string
}

// CallTurnVM is one turn of a call's conversation.
type CallTurnVM struct {
	Robot    bool
	Text     string
	Keyword  string // customer turns: the keyword hit
	Node     string // customer turns: the matched node (remark on A, answer_text on B)
	Score    int
	HasScore bool
	Tags     []Chip
	Bridged  bool  // after transfer to a person
	OffsetMS int64 // where the turn starts in the recording; -1 unknown
	At       string
	Segments []SegmentVM // the text cut where keyword rules hit ("" none: Text as is)
}

// Offset is the data-offset-ms attribute ("" when unknown).
func (t CallTurnVM) Offset() string {
	if t.OffsetMS < 0 {
		return ""
	}
	return strconv.FormatInt(t.OffsetMS, 10)
}

// OffsetLabel is where the turn starts in the recording, "1:05" ("" when
// unknown).
func (t CallTurnVM) OffsetLabel() string {
	if t.OffsetMS < 0 {
		return ""
	}
	sec := t.OffsetMS / 1000
	return strconv.FormatInt(sec/60, 10) + ":" + fmt.Sprintf("%02d", sec%60)
}

// CallDetailVM is GET /tasks/{id}/calls/{call}.
type CallDetailVM struct {
	Header      TaskHeaderVM
	Key         string
	Title       string // the callee
	BackURL     string
	PrevURL     string
	NextURL     string
	AudioURL    string
	DownloadURL string
	ReviewURL   string
	Facts       []CallFact
	Level       *Chip
	Score       string
	Tags        []Chip
	TagGroups   []string
	Rules       []Chip // keyword rules the call hits
	Intentions  []string
	Turns       []CallTurnVM
	Reviewed    bool
	ReviewedBy  string
	ReviewedAt  string
	CanReview   bool
	CanDNC      bool   // managers and admins may put the customer on the do-not-call list
	DNCURL      string // POST: the customer onto the do-not-call list
	CSRFToken   string
	Return      string // the list's query, carried through the review POST
	LevelKey    string // the robot's level as figures and reviews name it
	Review      *ReviewPanelVM
}

func anyTagSelected(f CallFilterVM) bool {
	for _, g := range f.TagGroups {
		for _, t := range g.Tags {
			if t.Selected {
				return true
			}
		}
	}
	return false
}

// rangeName is the query parameter of a range filter's bound: bill_min,
// rounds_max, and from/to for the time range.
func rangeName(name string, lo bool) string {
	if name == "time" {
		if lo {
			return "from"
		}
		return "to"
	}
	if lo {
		return name + "_min"
	}
	return name + "_max"
}
