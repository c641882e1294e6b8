package views

// Messages of the security limits (handlers: export.go's bound on exports
// running at once).
func init() {
	Register(map[string]string{
		"calls.export.busy": "已有导出正在进行，请稍后再试。",
	}, map[string]string{
		"calls.export.busy": "An export is already running; try again in a moment.",
	})
}
