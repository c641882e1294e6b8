package views

// Words of the call lists beyond i18n_calls.go: a filter that cannot be
// applied, the calls across tasks (/calls).
func init() {
	Register(map[string]string{
		"calls.filter.invalid": "筛选条件有误，未显示通话记录。请按提示修改后再筛选。",
	}, map[string]string{
		"calls.filter.invalid": "The filter has a mistake, so no call records are shown. Correct it as noted and filter again.",
	})
}
