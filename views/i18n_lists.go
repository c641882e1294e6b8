package views

// Words of the call lists beyond i18n_calls.go: a filter that cannot be
// applied, the calls across tasks (/calls).
func init() {
	Register(map[string]string{
		"calls.filter.invalid": "筛选条件有误，未显示通话记录。请按提示修改后再筛选。",
		"calls.all":            "全部通话",
		"calls.all.hint":       "所有任务中平台推送或同步到的通话，最新在前。",
		"calls.all.task":       "任务",
		"calls.all.task.any":   "全部任务",
		"calls.all.days":       "呼叫日期",
		"calls.all.level.any":  "全部等级",
		"calls.all.answered":   "只看已接通",
		"calls.all.notask":     "尚未归入任务",
		"calls.all.empty":      "没有符合条件的通话。",
		"calls.all.err.task":   "请从列表中选择任务。",
		"calls.all.err.day":    "请输入有效的日期，例如 2026-03-06。",
		"calls.all.err.level":  "请从列表中选择意向等级。",
	}, map[string]string{
		"calls.filter.invalid": "The filter has a mistake, so no call records are shown. Correct it as noted and filter again.",
		"calls.all":            "All calls",
		"calls.all.hint":       "Calls of every task that the platform pushed or the sync fetched, newest first.",
		"calls.all.task":       "Task",
		"calls.all.task.any":   "All tasks",
		"calls.all.days":       "Call date",
		"calls.all.level.any":  "All levels",
		"calls.all.answered":   "Connected only",
		"calls.all.notask":     "not filed under a task yet",
		"calls.all.empty":      "No call matches.",
		"calls.all.err.task":   "Choose a task from the list.",
		"calls.all.err.day":    "Enter a valid date, e.g. 2026-03-06.",
		"calls.all.err.level":  "Choose an intent level from the list.",
	})
}
