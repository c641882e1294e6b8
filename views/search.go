package views

// SearchVM is GET /search: the search box, its filters and a page of calls
// whose turns contain the query.
type SearchVM struct {
	Form       SearchFormVM
	Searched   bool     // a query with a term was run: the results show
	NoTerms    bool     // something was typed, but nothing that can be searched
	Dropped    []string // terms left out (too short to search), as typed
	Invalid    bool     // a filter has a mistake: no results are shown
	Rows       []SearchRowVM
	Total      int
	More       bool   // more calls than Total match (counting stopped)
	Partial    bool   // calls before SearchedTo were not searched
	SearchedTo string // when Partial: the oldest call searched
	Behind     int    // newest calls still being indexed and not searched
	Pager      PagerVM
}

// SearchFormVM is the search form, holding the input as typed.
type SearchFormVM struct {
	Q        string
	Tasks    []SearchOptionVM
	From, To string
	Speaker  string // "", "robot", "customer"
	Level    string
	Levels   []Option
	Tag      string
	Tags     []Option
	Reviewed string // "", "1", "0"
	Errors   map[string]string
	Open     bool // a filter is set: the filters are shown unfolded
}

// Err returns the message for field, "" if it is fine.
func (f SearchFormVM) Err(field string) string { return f.Errors[field] }

// SearchOptionVM is a choice of a multiple select.
type SearchOptionVM struct {
	Value, Label string
	Selected     bool
}

// SearchRowVM is one call found.
type SearchRowVM struct {
	Key       string // the platform's call id
	URL       string // the call page; "" when the call is not filed under a task yet
	TaskURL   string
	TaskName  string
	Callee    string // masked as the task says
	Time      string
	Level     *Chip
	Turns     []SearchTurnVM
	MoreTurns int // matching turns not shown
}

// SearchTurnVM is a matching turn: who said it and its text cut into
// segments, the hits marked.
type SearchTurnVM struct {
	Index    int // the turn's place on the call page
	Robot    bool
	Segments []SegmentVM
	URL      string // the call page at this turn
}

// SegmentVM is a run of a turn's text; Hit runs are highlighted. The text is
// the platform's, escaped like any text.
type SegmentVM struct {
	Text string
	Hit  bool
}
