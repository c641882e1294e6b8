package views

import "time"

// AllCallsVM is GET /calls: the calls dialdesk holds (pushes and the sync),
// every task, newest first, filtered and paged.
type AllCallsVM struct {
	Filter   AllCallsFilterVM
	Rows     []AllCallRowVM
	Total    int
	Pager    PagerVM
	Invalid  bool // the filter has a mistake: no list is shown
	LevelCol bool // levels are known: the column shows them
}

// AllCallsFilterVM is the filter form of GET /calls, holding the input as
// typed.
type AllCallsFilterVM struct {
	Task        string
	Tasks       []Option
	From, To    string // days, 2006-01-02
	Level       string
	Levels      []Option
	Answered    bool
	Q           string
	Rule        string
	Rules       []Option // keyword rules
	Review      string   // review state: none, todo, done, disputed
	Human       string   // the human level a review gave
	HumanLevels []Option
	Errors      map[string]string
	Active      bool
}

// Err returns the message for field, "" if it is fine.
func (f AllCallsFilterVM) Err(field string) string { return f.Errors[field] }

// Option is one choice of a select.
type Option struct {
	Value, Label string
}

// AllCallRowVM is one row of GET /calls.
type AllCallRowVM struct {
	Key        string
	URL        string // "" when the call is not filed under a task yet
	TaskURL    string
	TaskName   string
	Callee     string
	Time       string
	TalkTime   string
	Status     string
	Level      *Chip  // the intent level, in the task pages' words
	Others     []Chip // the other intention values
	Rules      []Chip // keyword rules the call hits
	Reviewed   bool
	HumanLevel string // a submitted review's level ("" none)
	Verdict    string // pass, fail, "" (no scorecard)
	Unread     bool
}

// dayInputType is the type of a day input holding v: a value a date input
// cannot hold is shown in a text input, as typed.
func dayInputType(v string) string {
	if v == "" {
		return "date"
	}
	if _, err := time.Parse(time.DateOnly, v); err == nil {
		return "date"
	}
	return "text"
}
