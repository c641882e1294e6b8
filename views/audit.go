package views

import (
	"context"
	"maps"
	"net/url"
)

// auditActionName is an action code's name ("task.pause" → 暂停); codes
// the catalog does not know are shown as recorded.
func auditActionName(ctx context.Context, action string) string {
	if m, ok := catalogs[LangOf(ctx)]["audit.action."+action]; ok {
		return m
	}
	return action
}

// auditDetail words an entry in the reader's language: the action's
// sentence ("audit.say.<action>") filled with its arguments. Entries
// recorded before arguments existed show their detail as recorded.
func auditDetail(ctx context.Context, e AuditRowVM) string {
	if e.Args == nil {
		return e.Detail
	}
	lang := LangOf(ctx)
	key := "audit.say." + e.Action
	if _, ok := catalogs[lang][key]; !ok {
		return auditActionName(ctx, e.Action)
	}
	args := e.Args
	switch e.Action {
	case "task.edit":
		args = maps.Clone(args)
		args["changes"] = auditChanges(lang, args["changes"])
	case "task.create":
		if argText(lang, args["template_name"]) == "" { // a template the platform no longer lists
			args = maps.Clone(args)
			args["template_name"] = "#" + argText(lang, args["template"])
		}
	}
	return Say(lang, key, args)
}

// auditChanges words a task edit's changes, each as its form label with
// the values before and after ("机器人数从 3 改为 2").
func auditChanges(lang Lang, v any) string {
	list, _ := v.([]any)
	out := ""
	for i, c := range list {
		m, _ := c.(map[string]any)
		field := argText(lang, m["field"])
		word := func(k string) string {
			s := argText(lang, m[k])
			switch {
			case s == "":
				return Msg(lang, "common.none")
			case field == "time_type":
				return Msg(lang, "taskform.time_type."+s)
			}
			return s
		}
		if i > 0 {
			out += Msg(lang, "audit.change.sep")
		}
		label := "taskform." + field
		if field == "time_type" {
			label = "taskform.validity"
		}
		out += Say(lang, "audit.change", map[string]any{"field": Msg(lang, label), "from": word("from"), "to": word("to")})
	}
	return out
}

// auditLink is the page an entry's detail leads to: the call reviewed, the
// import confirmed, resumed, canceled… "" for the others.
func auditLink(e AuditRowVM) string {
	if e.Args == nil || e.TaskID == "" {
		return ""
	}
	switch e.Action {
	case "call.review", "qa.review.submit", "qa.dispute", "qa.rule":
		if call := argText(ZH, e.Args["call"]); call != "" {
			return TaskURL(url.PathEscape(e.TaskID), "calls", url.PathEscape(call))
		}
	case "numbers.import", "numbers.import.resume", "numbers.import.done", "numbers.import.failed",
		"numbers.cancel", "numbers.abandon", "redial.create":
		if imp := argText(ZH, e.Args["import"]); imp != "" {
			return TaskURL(url.PathEscape(e.TaskID), "numbers", "imports", url.PathEscape(imp))
		}
	}
	return ""
}
