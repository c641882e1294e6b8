package views

// Page navigation words, shared by every paged list (pager.templ).
func init() {
	Register(map[string]string{
		"pager.label": "分页",
		"pager.prev":  "上一页",
		"pager.next":  "下一页",
		"pager.of":    "第 %d / %d 页",
	}, map[string]string{
		"pager.label": "Pages",
		"pager.prev":  "Previous",
		"pager.next":  "Next",
		"pager.of":    "Page %d of %d",
	})
}
