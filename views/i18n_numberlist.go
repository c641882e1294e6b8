package views

// The task's number list: why numbers cannot be selected, select all; the
// rejected-rows report's reason column (its header is one of
// numbers.ReasonHeaders, which reading a report uploaded again skips).
func init() {
	Register(map[string]string{
		"numbers.list.noselect":      "这些号码不是通过本系统导入的（例如在平台上直接添加），本系统不知道它们的号码编号（outid），所以不能在这里选择和删除。",
		"numbers.list.someselect":    "标着“非本系统导入”的号码不是通过本系统导入的，不能在这里选择和删除。",
		"numbers.list.notours.short": "非本系统导入",
		"numbers.list.selectall":     "全选本页号码",
		"numbers.report.reasoncol":   "未导入原因",
		"numbers.report.linereason":  "第 %d 行：%s",
	}, map[string]string{
		"numbers.list.noselect":      "These numbers were not imported through dialdesk (added on the platform directly, for example): dialdesk does not know the outids they were sent with, so they cannot be selected and deleted here.",
		"numbers.list.someselect":    "Numbers marked “not imported here” were not imported through dialdesk and cannot be selected and deleted here.",
		"numbers.list.notours.short": "not imported here",
		"numbers.list.selectall":     "Select every number on this page",
		"numbers.report.reasoncol":   "Why not imported",
		"numbers.report.linereason":  "Row %d: %s",
	})
}
