package views

// Call review words (UI.md): call records, call detail, push, recordings,
// export.
func init() {
	Register(map[string]string{
		"calls.audio.unavailable": "录音暂时无法获取,请稍后重试。",
		"calls.audio.missing":     "这通电话没有录音。",
	}, map[string]string{
		"calls.audio.unavailable": "The recording cannot be fetched right now; please try again later.",
		"calls.audio.missing":     "This call has no recording.",
	})
}
