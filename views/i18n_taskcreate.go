package views

// What the create-task form says when the platform's answer to add_task was
// lost (timeout, connection reset after sending): the task is looked for by
// name before any new attempt.
func init() {
	Register(map[string]string{
		"taskform.lost.found":    "外呼平台没有回复创建结果，但平台上已有刚创建的任务“%s”，已为您打开，没有重复创建。",
		"taskform.lost.notfound": "外呼平台没有回复，无法确认任务是否已创建：平台上暂时没有名为“%s”的任务。可以再次提交：提交前会先查找这个任务，找到就直接打开，不会重复创建。",
		"taskform.lost.unknown":  "外呼平台没有回复，暂时也无法查询任务列表，无法确认任务“%s”是否已创建。请稍后再次提交：提交前会先查找这个任务，不会重复创建。",
		"taskform.lost.several":  "外呼平台没有回复；平台上有 %d 个名为“%s”的任务，无法确定哪个是刚创建的。请先在任务列表中查看；如果都不是，请换一个名称再提交。",
	}, map[string]string{
		"taskform.lost.found":    "The calling platform's answer was lost, but it holds the task “%s” you just created: here it is. No second task was created.",
		"taskform.lost.notfound": "The calling platform did not answer, so whether the task was created is not known: it holds no task named “%s” yet. You may submit again: the task is looked for first and opened if found, so no second one is created.",
		"taskform.lost.unknown":  "The calling platform did not answer and its task list cannot be read right now, so whether the task “%s” was created is not known. Please submit again later: the task is looked for first, so no second one is created.",
		"taskform.lost.several":  "The calling platform did not answer, and it holds %d tasks named “%s”: which one you just created cannot be told. Check the task list; if none is yours, submit again under another name.",
	})
}
