package views

// The audit log's details, as the handlers record them, in the reader's
// language (handlers/auditdetail.go reads the recorded form).
func init() {
	Register(map[string]string{
		"audit.detail.rows":       "%d 条",
		"audit.detail.upload":     "%s:共 %d 行,有效 %d,无效 %d,重复 %d,任务中已有 %d,免打扰过滤 %d",
		"audit.detail.importdone": "导入 %d(%s)完成:已发送 %d 个号码,共 %d 批",
		"audit.detail.importsend": "导入 %d(%s)已确认:发送 %d 个号码",
		"audit.detail.withrole":   "%s (%s)",
		"audit.detail.withstatus": "%s (%s)",
	}, map[string]string{
		"audit.detail.rows":       "%d rows",
		"audit.detail.upload":     "%s: %d rows, valid %d, invalid %d, duplicate %d, already on the task %d, filtered %d",
		"audit.detail.importdone": "import %d (%s) done: %d numbers sent in %d batches",
		"audit.detail.importsend": "import %d (%s) confirmed: send %d numbers",
		"audit.detail.withrole":   "%s (%s)",
		"audit.detail.withstatus": "%s (%s)",
	})
}
