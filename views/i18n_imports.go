package views

// Words for the rows an import drops while it is sent (store.DropRows): the
// counts on the import's page and in the task's import list.
func init() {
	Register(map[string]string{
		"numbers.count.filteredlate":              "免打扰过滤（导入期间新增）",
		"numbers.count.refused":                   "平台拒收",
		"numbers.imports.countsline.filteredlate": " · 免打扰过滤（导入期间新增） %d",
		"numbers.imports.countsline.refused":      " · 平台拒收 %d",
	}, map[string]string{
		"numbers.count.filteredlate":              "Filtered: added to do-not-call during the import",
		"numbers.count.refused":                   "Refused by the platform",
		"numbers.imports.countsline.filteredlate": " · filtered: added to do-not-call during the import %d",
		"numbers.imports.countsline.refused":      " · refused by the platform %d",
	})
}
