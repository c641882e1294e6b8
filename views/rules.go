package views

import "strconv"

// RulesVM is GET /rules: the keyword rules and the form of one.
type RulesVM struct {
	List RulesListVM
	Form RuleFormVM
}

// RulesListVM is the list of rules (the region the page refreshes while a
// re-check runs).
type RulesListVM struct {
	Rows       []RuleRowVM
	Rechecking bool // a rule is being checked against the stored calls
}

// RuleRowVM is one rule.
type RuleRowVM struct {
	ID         int64
	Chip       Chip
	Words      []string
	Speaker    int    // 0 anyone, 1 robot, 2 customer
	Task       string // "" every task
	Severity   int    // 1 low, 2 medium, 3 high
	Calls      int    // calls flagged
	EditURL    string
	CallsURL   string // the call list filtered by the rule
	Rechecking bool
	Done       int64
	Total      int64
}

// Percent is the re-check's progress, 0–100.
func (r RuleRowVM) Percent() string {
	if r.Total <= 0 {
		return "0"
	}
	return strconv.FormatInt(min(r.Done*100/r.Total, 100), 10)
}

// RuleFormVM is a rule's form, holding the input as typed.
type RuleFormVM struct {
	Action   string // where it posts
	Editing  bool
	Name     string
	Words    string // one a line
	Speaker  string // "", "robot", "customer"
	Task     string
	Tasks    []Option
	Severity string // "1", "2", "3"
	Color    string // a palette key
	Colors   []RuleColorVM
	Errors   map[string]string
}

// Err returns the message for field, "" if it is fine.
func (f RuleFormVM) Err(field string) string { return f.Errors[field] }

// RuleColorVM is one color of the palette.
type RuleColorVM struct {
	Key  string
	Chip Chip
}

// severityKey is the catalog key of a severity's name.
func severityKey(n int) string { return "rules.severity." + strconv.Itoa(n) }

// speakerKey is the catalog key of a speaker's name.
func speakerKey(n int) string {
	switch n {
	case 1:
		return "calls.robot"
	case 2:
		return "calls.customer"
	}
	return "search.speaker.any"
}
