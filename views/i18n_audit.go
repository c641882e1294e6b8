package views

// The audit log's details, as the handlers record them, in the reader's
// language (handlers/auditdetail.go reads the recorded form).
func init() {
	Register(map[string]string{
		"audit.detail.rows":       "%d 条",
		"audit.detail.upload":     "%s：共 %d 行，有效 %d，无效 %d，重复 %d，任务中已有 %d，免打扰过滤 %d",
		"audit.detail.importdone": "导入 %d（%s）完成：已发送 %d 个号码，共 %d 批",
		"audit.detail.importsend": "导入 %d（%s）已确认：发送 %d 个号码",
		"audit.detail.withrole":   "%s（%s）",
		"audit.detail.withstatus": "%s（%s）",
	}, map[string]string{
		"audit.detail.rows":       "%d rows",
		"audit.detail.upload":     "%s: %d rows, valid %d, invalid %d, duplicate %d, already on the task %d, filtered %d",
		"audit.detail.importdone": "import %d (%s) done: %d numbers sent in %d batches",
		"audit.detail.importsend": "import %d (%s) confirmed: send %d numbers",
		"audit.detail.withrole":   "%s (%s)",
		"audit.detail.withstatus": "%s (%s)",
	})
	// Imports resumed, canceled, abandoned or stopped by a batch, numbers
	// deleted, the do-not-call list, role changes, exports cut short.
	Register(map[string]string{
		"audit.detail.rowsinterrupted": "已写入 %d 条后中断",
		"audit.detail.rowscut":         "%d 条，已达导出上限，其余未导出",
		"audit.detail.importdropped":   "；预览之后任务中已有 %d 个、免打扰 %d 个：未发送",
		"audit.detail.importresume":    "导入 %d（%s）继续：%[4]d 个号码中还有 %[3]d 个待发送",
		"audit.detail.batchfailed":     "导入 %d 的批次 %d（%d 个号码）发送失败",
		"audit.detail.importcancel":    "导入 %d（%s）已取消",
		"audit.detail.importabandon":   "导入 %d（%s）已放弃：%d 个未发送的号码已移除；%d 个已发送的留在任务中；%d 个可能已发送（结果未知）保留，不再发送",
		"audit.detail.delete":          "删除 %d 个号码：%s",
		"audit.detail.dncadd":          "加入 %s（新增 %d 个）",
		"audit.detail.dncupload":       "上传 %s：%d 个号码，无效 %d（新增 %d 个）",
		"audit.detail.dncremove":       "移出 %s",
		"audit.detail.rolechange":      "%s：%s → %s",
	}, map[string]string{
		"audit.detail.rowsinterrupted": "%d rows, interrupted",
		"audit.detail.rowscut":         "%d rows, cut at the export's limit",
		"audit.detail.importdropped":   "; since the preview %d already on the task, %d on the do-not-call list: not sent",
		"audit.detail.importresume":    "import %d (%s) resumed: %d of %d numbers left to send",
		"audit.detail.batchfailed":     "import %d batch %d (%d numbers) failed",
		"audit.detail.importcancel":    "import %d (%s) canceled",
		"audit.detail.importabandon":   "import %d (%s) abandoned: %d numbers not sent, removed; %d sent stay on the task; %d possibly sent (outcome unknown) kept, not sent again",
		"audit.detail.delete":          "delete %d numbers: %s",
		"audit.detail.dncadd":          "add %s (%d new)",
		"audit.detail.dncupload":       "upload %s: %d numbers, %d invalid (%d new)",
		"audit.detail.dncremove":       "remove %s",
		"audit.detail.rolechange":      "%s: %s → %s",
	})
}
