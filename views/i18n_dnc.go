package views

// The do-not-call list's words beyond i18n_numbers.go: removing its numbers
// from unfinished tasks, and adding a call's customer.
func init() {
	Register(map[string]string{
		"nav.dnc":            "免打扰",
		"dnc.purge.title":    "从未完成的任务中移除免打扰号码",
		"dnc.purge.question": "免打扰名单中有 %d 个号码仍在 %d 个未完成的任务中等待拨打。要把它们从这些任务中移除吗？",
		"dnc.purge.count":    "待拨打的免打扰号码",
		"dnc.purge.hint":     "只移除尚未拨打的号码；已拨打过的号码和它们的通话记录保留。移除后不能撤销，如需再拨打，请重新导入。",
		"dnc.purge.submit":   "移除这 %d 个号码",
		"dnc.purge.skip":     "暂不移除",
		"dnc.purge.none":     "未完成的任务中没有等待拨打的免打扰号码。",
		"dnc.purge.back":     "返回",
		"dnc.purge.done":     "已移除 %d 个号码（%d 个任务）。",
		"dnc.purge.failed":   "另有 %d 个任务移除失败，请稍后再试。",
		"dnc.waiting":        "名单中有 %d 个号码仍在 %d 个未完成的任务中等待拨打。",
		"dnc.waiting.action": "从任务中移除…",
		"dnc.call.add":       "加入免打扰",
		"dnc.call.add.hint":  "客户要求不再来电时使用：以后的导入会过滤这个号码。",
		"dnc.call.added":     "已加入免打扰名单。",
		"dnc.call.masked":    "平台隐藏了这个号码，无法加入免打扰名单。",
		"dnc.err.empty":      "请输入号码。",
	}, map[string]string{
		"nav.dnc":            "Do-not-call",
		"dnc.purge.title":    "Remove do-not-call numbers from unfinished tasks",
		"dnc.purge.question": "%d numbers of the do-not-call list are still waiting to be called in %d unfinished tasks. Remove them from those tasks?",
		"dnc.purge.count":    "Do-not-call numbers waiting",
		"dnc.purge.hint":     "Only numbers not called yet are removed; numbers already called and their call records stay. This cannot be undone: to call one again, import it again.",
		"dnc.purge.submit":   "Remove these %d numbers",
		"dnc.purge.skip":     "Not now",
		"dnc.purge.none":     "No unfinished task holds a do-not-call number waiting to be called.",
		"dnc.purge.back":     "Back",
		"dnc.purge.done":     "%d numbers removed (%d tasks).",
		"dnc.purge.failed":   "Removing failed for %d more tasks; try again later.",
		"dnc.waiting":        "%d numbers of the list are still waiting to be called in %d unfinished tasks.",
		"dnc.waiting.action": "Remove from the tasks…",
		"dnc.call.add":       "Add to do-not-call",
		"dnc.call.add.hint":  "When the customer asked not to be called again: later imports filter this number out.",
		"dnc.call.added":     "Added to the do-not-call list.",
		"dnc.call.masked":    "The platform hides this number, so it cannot be put on the do-not-call list.",
		"dnc.err.empty":      "Enter a number.",
	})
}
