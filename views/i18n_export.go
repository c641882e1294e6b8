package views

// The call export's own words, beyond those of the call pages (i18n_calls.go).
func init() {
	Register(map[string]string{
		"calls.export.cut": "导出已截断：只导出了前 %d 条通话记录（共 %d 条）。一次导出最多 %d 条，请缩小筛选范围（例如时间段）后分批导出。",
	}, map[string]string{
		"calls.export.cut": "Export cut: only the first %d call records are here (of %d). One export holds at most %d; narrow the filter (for example the time range) and export in parts.",
	})
}
