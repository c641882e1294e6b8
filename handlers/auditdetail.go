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
// user.password, user.disable and user.enable record the user's name alone:
// nothing to translate.
var (
	auditRowsRe       = regexp.MustCompile(`^([0-9]+) rows$`)
	auditUploadRe     = regexp.MustCompile(`^(.*): rows ([0-9]+), valid ([0-9]+), invalid ([0-9]+), duplicate ([0-9]+), existing ([0-9]+), filtered ([0-9]+)$`)
	auditImportDoneRe = regexp.MustCompile(`^import ([0-9]+) \((.*)\) done: ([0-9]+) numbers in ([0-9]+) batches$`)
	auditImportSendRe = regexp.MustCompile(`^import ([0-9]+) \((.*)\) confirmed: send ([0-9]+) numbers$`)
	auditParenRe      = regexp.MustCompile(`^(.*) \(([^()]+)\)$`)

	auditRowsEndRe      = regexp.MustCompile(`^([0-9]+) rows, (interrupted|cut at the export's limit)$`)
	auditImportResumeRe = regexp.MustCompile(`^import ([0-9]+) \((.*)\) resumed: ([0-9]+) of ([0-9]+) numbers left to send$`)
	auditImportDropRe   = regexp.MustCompile(`^import ([0-9]+) \((.*)\) confirmed: send ([0-9]+) numbers; since the preview ([0-9]+) already on the task, ([0-9]+) on the do-not-call list: not sent$`)
	auditBatchFailedRe  = regexp.MustCompile(`^import ([0-9]+) batch ([0-9]+) \(([0-9]+) numbers\) failed$`)
	auditCancelRe       = regexp.MustCompile(`^import ([0-9]+) \((.*)\) canceled$`)
	auditAbandonRe      = regexp.MustCompile(`^import ([0-9]+) \((.*)\) abandoned: ([0-9]+) numbers not sent, removed; ([0-9]+) sent stay on the task; ([0-9]+) possibly sent \(outcome unknown\) kept, not sent again$`)
	auditDeleteRe       = regexp.MustCompile(`^delete ([0-9]+) numbers: (.*)$`)
	auditDNCAddRe       = regexp.MustCompile(`^add (\S+) \(([0-9]+) new\)$`)
	auditDNCUploadRe    = regexp.MustCompile(`^upload (.*): ([0-9]+) numbers, ([0-9]+) invalid \(([0-9]+) new\)$`)
	auditDNCRemoveRe    = regexp.MustCompile(`^remove (\S+)$`)
	auditRoleRe         = regexp.MustCompile(`^(.*): (admin|manager|supervisor) → (admin|manager|supervisor)$`)
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
		if m := auditRowsEndRe.FindStringSubmatch(detail); m != nil {
			if m[2] == "interrupted" {
				return f("audit.detail.rowsinterrupted", n(m[1]))
			}
			return f("audit.detail.rowscut", n(m[1]))
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
		if m := auditImportDropRe.FindStringSubmatch(detail); m != nil {
			return f("audit.detail.importsend", n(m[1]), m[2], n(m[3])) + f("audit.detail.importdropped", n(m[4]), n(m[5]))
		}
		if m := auditImportResumeRe.FindStringSubmatch(detail); m != nil {
			return f("audit.detail.importresume", n(m[1]), m[2], n(m[3]), n(m[4]))
		}
		if m := auditBatchFailedRe.FindStringSubmatch(detail); m != nil {
			return f("audit.detail.batchfailed", n(m[1]), n(m[2]), n(m[3]))
		}
	case action == "numbers.cancel":
		if m := auditCancelRe.FindStringSubmatch(detail); m != nil {
			return f("audit.detail.importcancel", n(m[1]), m[2])
		}
	case action == "numbers.abandon":
		if m := auditAbandonRe.FindStringSubmatch(detail); m != nil {
			return f("audit.detail.importabandon", n(m[1]), m[2], n(m[3]), n(m[4]), n(m[5]))
		}
	case action == "numbers.delete":
		// The numbers as they were named (masked stays masked), as recorded.
		if m := auditDeleteRe.FindStringSubmatch(detail); m != nil {
			return f("audit.detail.delete", n(m[1]), m[2])
		}
	case action == "dnc.add":
		if m := auditDNCAddRe.FindStringSubmatch(detail); m != nil {
			return f("audit.detail.dncadd", m[1], n(m[2]))
		}
		if m := auditDNCUploadRe.FindStringSubmatch(detail); m != nil {
			return f("audit.detail.dncupload", m[1], n(m[2]), n(m[3]), n(m[4]))
		}
	case action == "dnc.remove":
		if m := auditDNCRemoveRe.FindStringSubmatch(detail); m != nil {
			return f("audit.detail.dncremove", m[1])
		}
	case action == "user.role":
		if m := auditRoleRe.FindStringSubmatch(detail); m != nil {
			return f("audit.detail.rolechange", m[1], views.Msg(lang, "role."+m[2]), views.Msg(lang, "role."+m[3]))
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
