package views

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"dialdesk/audit"
	"dialdesk/client"
	"dialdesk/numbers"
)

// runtimeKeys lists, prefix by prefix, every catalog key the code builds at
// run time ("status." + n, "platform.err." + code, a sentence's
// {status@status} …), so TestRuntimeKeysExist sees them: a literal key is
// checked by TestUsedKeysExist, a built one only here.
var runtimeKeys = map[string][]string{
	"bulk.title.":             {"pause", "resume", "end"},
	"bulk.result.title.":      {"pause", "resume", "end"},
	"bulk.question.":          {"pause", "resume", "end"},
	"bulk.none.":              {"pause", "resume", "end"},
	"bulk.will.":              {"pause", "resume", "end"},
	"bulk.cannot.":            {"pause", "resume", "end"},
	"bulk.submit.":            {"pause", "resume", "end"},
	"bulk.outcome.":           {"done", "skipped", "refused", "failed"},
	"status.":                 {"-1", "0", "1", "2", "3", "4", "5"},
	"task.how.":               {"-1", "0", "1", "2", "3", "4", "5"},
	"task.action.":            {"edit", "copy", "redial", "pause", "resume", "end", "delete"},
	"task.done.":              {"pause", "resume", "end", "delete"},
	"task.confirm.":           {"end", "end.why", "delete", "delete.why"},
	"task.set.export.":        {"0", "1"},
	"role.":                   {"admin", "manager", "supervisor"},
	"taskform.":               {"task_name", "telephone", "robot_num", "call_time_slot", "validity", "start_time", "end_time"},
	"taskform.time_type.":     {"1", "2"},
	"taskform.number_hide.":   {"0", "1", "2"},
	"taskform.export_status.": {"0", "1"},
	"callstatus.":             {"0", "1", "2", "3", "4", "5", "6", "7", "9"},
	"numberstatus.":           {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"},
	"calls.hangup.":           {"1", "2"},
	"calls.source.":           {"push", "sync"},
	"calls.gender.":           {"0", "1", "2", "3", "4"},
	"op.":                     {"yd", "lt", "dx"},
	"overview.operator.":      {"yd", "lt", "dx"},
	"overview.preset.":        {"today", "yesterday", "7d", "30d"},
	"overview.weekday.":       {"0", "1", "2", "3", "4", "5", "6"},
	"numbers.state.":          {"parsing", "preview", "importing", "paused", "done", "failed", "canceled", "abandoned"},
	"platform.err.": {"000000", "320001", "329999", "320011", "320012", "320013", "320014", "320015", "320016",
		"320017", "320018", "320019", "320020", "320021", "320022", "320023", "320024", "320025", "320026", "320027",
		"320028", "320029", "320030", "320031", "320032", "320033", "code", "http.401", "http.403", "http.404",
		"http.429", "http.4xx", "http", "timeout", "unavailable", "bad_response", "not_available", "not_configured",
		"file_too_large", "invalid_id", "cancelled", "error"},
	"numbers.file.": {"notworkbook", "notworkbook.text", "notworkbook.html", "xls", "nophone", "toomanyrows",
		"toolarge", "zipbomb", "empty", "nodata", "badheader", "unreadable"},
	"numbers.reason.": {"ok", "empty", "bad_chars", "too_short", "too_long", "not_mainland", "bad_variable",
		"duplicate", "existing", "filtered", "filtered_late", "refused", "unknown"},
	"numbers.imports.reason.": {"interrupted", "internal", "file.notworkbook", "file.xls", "file.nophone",
		"file.toomanyrows", "file.toolarge", "file.zipbomb", "file.empty", "file.nodata", "file.badheader", "file.unreadable"},
	"numbers.imports.error.": {"interrupted", "internal", "batch"},
	"unit.":                  {"row", "number", "batch", "call", "robot"},
	"audit.action.": {"task.create", "task.edit", "task.pause", "task.resume", "task.end", "task.delete",
		"numbers.upload", "numbers.upload.refused", "numbers.import", "numbers.import.resume", "numbers.import.done",
		"numbers.import.failed", "numbers.cancel", "numbers.abandon", "numbers.delete", "dnc.add", "dnc.upload",
		"dnc.remove", "call.review", "calls.export", "calls.export.interrupted", "calls.export.cut", "user.create",
		"user.role", "user.password", "user.disable", "user.enable", "auth.login", "auth.login.failed", "auth.logout",
		"leads.export", "settings.intent", "settings.intent.default", "account.password", "redial.create",
		"rule.create", "rule.edit", "rule.delete",
		"qa.scorecard.create", "qa.scorecard.edit", "qa.plan.create", "qa.plan.edit", "qa.review.submit",
		"qa.review.claim", "qa.review.handback", "qa.dispute", "qa.rule", "qa.export"},
	"qa.verdict.":     {"pass", "fail"},
	"qa.state.":       {"todo", "done", "disputed", "ruled"},
	"qa.hist.":        {"picked", "submit", "edit", "claim", "handback", "dispute", "rule", "assign"},
	"qa.dispute.":     {"upheld", "overturned"},
	"qa.field.":       {"total", "verdict", "level", "tags", "comment", "criteria"},
	"qa.reason.":      {"random", "level", "long", "hangup", "rule"},
	"rules.severity.": {"1", "2", "3"},
	"alerts.failed.":  {"status", "timeout", "connect", "url", "encode"},
	"rules.color.":    {"red", "orange", "yellow", "green", "blue", "purple", "grey"},
}

func init() {
	// Every action that has a name has a sentence.
	runtimeKeys["audit.say."] = runtimeKeys["audit.action."]
}

// TestRuntimeKeysExist: every key built at run time is in both languages.
func TestRuntimeKeysExist(t *testing.T) {
	for prefix, rests := range runtimeKeys {
		for _, rest := range rests {
			for _, lang := range Langs {
				if catalogs[lang][prefix+rest] == "" {
					t.Errorf("%s: run-time key %q is not in the catalog", lang, prefix+rest)
				}
			}
		}
	}
}

// TestRuntimeKeysListed: the lists above hold every code the packages that
// produce them define (audit actions, the platform's documented codes,
// numbers' file problems and row reasons), and every place in views/ and
// handlers/ that builds a key from a prefix uses a prefix listed above, so
// a new one cannot escape TestRuntimeKeysExist.
func TestRuntimeKeysListed(t *testing.T) {
	for prefix, codes := range map[string][]string{
		"audit.action.": audit.Actions,
		"platform.err.": client.DocumentedCodes,
		"numbers.file.": numbers.Codes(),
	} {
		for _, c := range codes {
			if !slices.Contains(runtimeKeys[prefix], c) {
				t.Errorf("%s%s is not listed", prefix, c)
			}
		}
	}
	for r := numbers.ReasonOK; r.String() != "unknown"; r++ {
		if !slices.Contains(runtimeKeys["numbers.reason."], r.String()) {
			t.Errorf("numbers.reason.%s is not listed", r)
		}
	}
	for n := range 13 {
		if !slices.Contains(runtimeKeys["numberstatus."], strconv.Itoa(n)) {
			t.Errorf("numberstatus.%d is not listed", n)
		}
	}

	built := []*regexp.Regexp{
		regexp.MustCompile(`"([a-z_]+(?:\.[a-z0-9_-]+)*\.)"\s*\+`),            // "status." + n
		regexp.MustCompile(`Sprintf\("([a-z_]+(?:\.[a-z0-9_-]+)*\.)%`),        // Sprintf("task.how.%d", …)
		regexp.MustCompile(`statusWord\([^,]+,\s*"([a-z_.]+\.)"`),             // statusWord(lang, "callstatus.", n)
		regexp.MustCompile(`\{[a-z_]+@([a-z_]+(?:\.[a-z0-9_-]+)*)\}`),         // a sentence's {status@status}
		regexp.MustCompile(`key\s*\+?=\s*"([a-z_]+(?:\.[a-z0-9_-]+)*\.)"\s*`), // key := "audit.say." + …
	}
	// Prefixes that build something other than a catalog key (an import's
	// error code, a platform answer's code, an audit action code, a form
	// field's name), and Say's own documentation of {name@prefix}.
	notKeys := []string{"file.", "http.", "task.", "call_time_slot.", "prefix."}
	var files []string
	for _, pattern := range []string{"*.templ", "*.go", "../handlers/*.go"} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_templ.go") || strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range built {
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				prefix := m[1]
				if !strings.HasSuffix(prefix, ".") {
					prefix += "."
				}
				if _, ok := runtimeKeys[prefix]; !ok && !slices.Contains(notKeys, prefix) {
					t.Errorf("%s builds keys from %q, which runtimeKeys does not list", f, prefix)
				}
			}
		}
	}
	for k, v := range catalogs[ZH] {
		for _, re := range built[3:4] {
			for _, m := range re.FindAllStringSubmatch(v, -1) {
				if _, ok := runtimeKeys[m[1]+"."]; !ok {
					t.Errorf("%s: {…@%s} builds keys runtimeKeys does not list", k, m[1])
				}
			}
		}
	}
}
