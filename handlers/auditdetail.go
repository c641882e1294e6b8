package handlers

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"dialdesk/views"
)

// Details as the handlers record them (task.go, export.go, numbers.go,
// numbers_jobs.go, users.go). The record stays as written; the audit page
// shows the known shapes in the reader's language, anything else as is.
var (
	auditRowsRe       = regexp.MustCompile(`^([0-9]+) rows$`)
	auditUploadRe     = regexp.MustCompile(`^(.*): rows ([0-9]+), valid ([0-9]+), invalid ([0-9]+), duplicate ([0-9]+), existing ([0-9]+), filtered ([0-9]+)$`)
	auditImportDoneRe = regexp.MustCompile(`^import ([0-9]+) \((.*)\) done: ([0-9]+) numbers in ([0-9]+) batches$`)
	auditImportSendRe = regexp.MustCompile(`^import ([0-9]+) \((.*)\) confirmed: send ([0-9]+) numbers$`)
	auditParenRe      = regexp.MustCompile(`^(.*) \(([^()]+)\)$`)
)

// auditDetailText is a recorded detail in lang.
func auditDetailText(action, detail string, lang views.Lang) string {
	n := func(s string) int { v, _ := strconv.Atoi(s); return v }
	f := func(key string, args ...any) string { return fmt.Sprintf(views.Msg(lang, key), args...) }
	switch {
	case action == "calls.export":
		if m := auditRowsRe.FindStringSubmatch(detail); m != nil {
			return f("audit.detail.rows", n(m[1]))
		}
	case action == "numbers.upload":
		if m := auditUploadRe.FindStringSubmatch(detail); m != nil {
			return f("audit.detail.upload", m[1], n(m[2]), n(m[3]), n(m[4]), n(m[5]), n(m[6]), n(m[7]))
		}
	case action == "numbers.import":
		if m := auditImportDoneRe.FindStringSubmatch(detail); m != nil {
			return f("audit.detail.importdone", n(m[1]), m[2], n(m[3]), n(m[4]))
		}
		if m := auditImportSendRe.FindStringSubmatch(detail); m != nil {
			return f("audit.detail.importsend", n(m[1]), m[2], n(m[3]))
		}
	case action == "user.create":
		if m := auditParenRe.FindStringSubmatch(detail); m != nil {
			switch m[2] {
			case "admin", "manager", "supervisor":
				return f("audit.detail.withrole", m[1], views.Msg(lang, "role."+m[2]))
			}
		}
	case strings.HasPrefix(action, "task."):
		// task.go records the status the task had, by its Chinese name.
		if m := auditParenRe.FindStringSubmatch(detail); m != nil {
			for st := -1; st <= 5; st++ {
				key := "status." + strconv.Itoa(st)
				if views.Msg(views.ZH, key) == m[2] {
					return f("audit.detail.withstatus", m[1], views.Msg(lang, key))
				}
			}
		}
	}
	return detail
}
