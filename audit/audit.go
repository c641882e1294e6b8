// Package audit names what dialdesk's audit log records: an action code and
// its arguments, as data. Nothing here is a sentence: the audit page words
// each entry in the reader's language from the views' catalog
// (views/i18n_audit.go, one sentence per action code), so a record written
// today reads in either language tomorrow, and a new language needs no
// change to the records.
//
//	s.auditLog(r, taskID, audit.NumbersImportDone, audit.Args{
//		"import": imp.ID, "file": imp.FileName, "numbers": n, "batches": b}, "000000")
package audit

// Args are an entry's arguments by name. Values are strings, integers,
// lists of strings, or (for a task edit) a list of Change. Names are short
// lowercase words the catalog's sentences use as {placeholders}.
type Args map[string]any

// Change is one setting a task edit changed, with its value before and
// after as the form shows them. Field is the form field's name (robot_num,
// call_time_slot, …), which the views word with the form's own label.
type Change struct {
	Field string `json:"field"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// The action codes. Each is one kind of entry with its own sentence; the
// arguments each records are listed beside it.
const (
	TaskCreate = "task.create" // name, template, template_name, telephones, robots, time_type, start, end, slots, number_hide, export_status
	TaskEdit   = "task.edit"   // name, changes ([]Change)
	TaskPause  = "task.pause"  // name, status (the task's status before, when known)
	TaskResume = "task.resume" // name, status
	TaskEnd    = "task.end"    // name, status
	TaskDelete = "task.delete" // name, status

	NumbersUpload        = "numbers.upload"         // file, rows, valid, invalid, duplicate, existing, filtered
	NumbersUploadRefused = "numbers.upload.refused" // file, problem (numbers' file problem code), limit, header
	NumbersImport        = "numbers.import"         // import, file, numbers, existing, filtered (the last two: dropped since the preview)
	NumbersImportResume  = "numbers.import.resume"  // import, file, left, total
	NumbersImportDone    = "numbers.import.done"    // import, file, numbers, batches, late, refused (rows dropped while sending, when any)
	NumbersImportFailed  = "numbers.import.failed"  // import, batch, numbers
	NumbersCancel        = "numbers.cancel"         // import, file
	NumbersAbandon       = "numbers.abandon"        // import, file, unsent, sent, unsure
	NumbersDelete        = "numbers.delete"         // count, phones (as shown to the user: masked stays masked)

	// RedialCreate: a redial's preview made on the destination task (the
	// entry's task): import, from (the source task's id), from_name,
	// outcomes (surface B number statuses), numbers (to send), filtered
	// (on the do-not-call list), existing (already on the task).
	RedialCreate = "redial.create"

	DNCAdd    = "dnc.add"    // phone, new
	DNCUpload = "dnc.upload" // file, numbers, invalid, new
	DNCRemove = "dnc.remove" // phone

	CallReview = "call.review" // call, phone (as shown to the reviewer)

	QAScorecardCreate = "qa.scorecard.create" // scorecard, name, criteria
	QAScorecardEdit   = "qa.scorecard.edit"   // scorecard, name, version (the version now current)
	QAPlanCreate      = "qa.plan.create"      // plan, name
	QAPlanEdit        = "qa.plan.edit"        // plan, name
	QAReviewSubmit    = "qa.review.submit"    // call, phone, total, verdict (pass, fail or none), level (human; "" same as robot)
	QAReviewClaim     = "qa.review.claim"     // call
	QAReviewHandBack  = "qa.review.handback"  // call
	QADispute         = "qa.dispute"          // call, review, reason
	QARule            = "qa.rule"             // call, review, outcome (upheld, overturned)
	QAExport          = "qa.export"           // rows, from, to

	CallsExport            = "calls.export"             // rows
	CallsExportInterrupted = "calls.export.interrupted" // rows
	CallsExportCut         = "calls.export.cut"         // rows

	LeadsExport = "leads.export" // rows, from, to (days), tasks (ids; none: every task)

	UserCreate   = "user.create"   // user, role
	UserRole     = "user.role"     // user, from, to
	UserPassword = "user.password" // user
	UserDisable  = "user.disable"  // user
	UserEnable   = "user.enable"   // user

	AccountPassword = "account.password" // (none: the entry's user changed their own password)

	RuleCreate = "rule.create" // rule, name, words (a list)
	RuleEdit   = "rule.edit"   // rule, name, words (a list)
	RuleDelete = "rule.delete" // rule, name

	SettingsIntent        = "settings.intent"         // levels (a list)
	SettingsIntentDefault = "settings.intent.default" // (none)

	Login       = "auth.login"        // addr (the address the user came from)
	LoginFailed = "auth.login.failed" // addr; the entry's user is the name that was tried
	Logout      = "auth.logout"       // (none)
)

// Actions lists every action code, for the tests that check each one is
// worded in both languages.
var Actions = []string{
	TaskCreate, TaskEdit, TaskPause, TaskResume, TaskEnd, TaskDelete,
	NumbersUpload, NumbersUploadRefused, NumbersImport, NumbersImportResume, NumbersImportDone,
	NumbersImportFailed, NumbersCancel, NumbersAbandon, NumbersDelete, RedialCreate,
	DNCAdd, DNCUpload, DNCRemove,
	CallReview,
	QAScorecardCreate, QAScorecardEdit, QAPlanCreate, QAPlanEdit, QAReviewSubmit, QAReviewClaim, QAReviewHandBack,
	QADispute, QARule, QAExport,
	CallsExport, CallsExportInterrupted, CallsExportCut,
	LeadsExport,
	UserCreate, UserRole, UserPassword, UserDisable, UserEnable,
	AccountPassword,
	RuleCreate, RuleEdit, RuleDelete,
	SettingsIntent, SettingsIntentDefault,
	Login, LoginFailed, Logout,
}
