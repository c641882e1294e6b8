package views

// What can be wrong with a number list, in words: a file refused as a
// whole (numbers' file problem codes), a row not sent (numbers' reason
// codes), the rejected-rows report's columns, and why an import stopped.
func init() {
	Register(map[string]string{
		"numbers.file.notworkbook":               "文件不是有效的 Excel 工作簿（.xlsx），可能已损坏或只是改了扩展名。请用 Excel 打开后另存为 .xlsx 再上传",
		"numbers.file.notworkbook.text":          "文件是文本文件，不是 Excel 工作簿（.xlsx）。请另存为 .xlsx，或把 CSV 文件命名为 .csv",
		"numbers.file.notworkbook.html":          "文件是网页（HTML）格式，不是 Excel 工作簿。请用 Excel 打开后另存为 .xlsx",
		"numbers.file.xls":                       "这是旧版 .xls 文件（或加了密码的工作簿），暂不支持。请在 Excel 中“另存为” .xlsx 后再上传",
		"numbers.file.nophone":                   "找不到号码列：第一行须有一列的标题为 {headers}",
		"numbers.file.toomanyrows":               "数据超过 {limit} 行，请拆分成多个文件",
		"numbers.file.toolarge":                  "文件超过 {limit}，请拆分成几个较小的文件后再上传",
		"numbers.file.zipbomb":                   "文件解压后超过 {limit}，已拒绝",
		"numbers.file.empty":                     "文件是空的",
		"numbers.file.nodata":                    "文件只有标题行，没有号码",
		"numbers.file.badheader":                 "第一行的列标题“{header}”重复或含有 ^ 或 |，请修改",
		"numbers.file.unreadable":                "无法读取文件",
		"numbers.imports.reason.file.unreadable": "无法读取文件",

		"numbers.reason.ok":            "有效",
		"numbers.reason.empty":         "号码为空",
		"numbers.reason.bad_chars":     "号码含有数字以外的字符",
		"numbers.reason.too_short":     "号码位数太少",
		"numbers.reason.too_long":      "号码位数太多",
		"numbers.reason.not_mainland":  "不是中国大陆手机号或带区号的固话（如 13800138000、010-12345678）",
		"numbers.reason.bad_variable":  "变量[“{name}”的]值含有 ^ 或 |",
		"numbers.reason.duplicate":     "文件内重复[（首次出现在第 {first} 行）]",
		"numbers.reason.existing":      "任务中已有该号码",
		"numbers.reason.filtered":      "在免打扰名单中",
		"numbers.reason.filtered_late": "免打扰过滤（导入期间新增）",
		"numbers.reason.refused":       "平台拒收[：{platform}]",
		"numbers.reason.unknown":       "未知原因",

		"numbers.report.sheet":  "未导入",
		"numbers.report.row":    "行号",
		"numbers.report.number": "号码",
		"numbers.report.reason": "原因",

		"numbers.imports.error.interrupted": "dialdesk 重启时文件尚未读完，请重新上传。",
		"numbers.imports.error.internal":    "读取文件时出现内部错误，请重试。",
		"numbers.imports.error.batch":       "发送号码时出错：{problem}",
	}, map[string]string{
		"numbers.file.notworkbook":               "the file is not a valid Excel workbook (.xlsx): it may be damaged or only renamed. Open it in Excel, save it as .xlsx and upload it again",
		"numbers.file.notworkbook.text":          "the file is plain text, not an Excel workbook (.xlsx). Save it as .xlsx, or name a CSV file .csv",
		"numbers.file.notworkbook.html":          "the file is a web page (HTML), not an Excel workbook. Open it in Excel and save it as .xlsx",
		"numbers.file.xls":                       "this is an old .xls file (or a password-protected workbook), which is not supported. Save it as .xlsx in Excel and upload it again",
		"numbers.file.nophone":                   "no phone column: the first row must have a column headed {headers}",
		"numbers.file.toomanyrows":               "more than {limit} data rows: split the file",
		"numbers.file.toolarge":                  "the file is larger than {limit}: split it into smaller files and upload them one by one",
		"numbers.file.zipbomb":                   "the file unpacks to more than {limit} and was refused",
		"numbers.file.empty":                     "the file is empty",
		"numbers.file.nodata":                    "the file has a header row but no numbers",
		"numbers.file.badheader":                 "the header “{header}” appears twice or contains ^ or |: please rename it",
		"numbers.file.unreadable":                "the file cannot be read",
		"numbers.imports.reason.file.unreadable": "the file cannot be read",

		"numbers.reason.ok":            "valid",
		"numbers.reason.empty":         "the number is empty",
		"numbers.reason.bad_chars":     "the number contains characters other than digits",
		"numbers.reason.too_short":     "the number has too few digits",
		"numbers.reason.too_long":      "the number has too many digits",
		"numbers.reason.not_mainland":  "not a mainland mobile or a landline with its area code (e.g. 13800138000, 010-12345678)",
		"numbers.reason.bad_variable":  "[the value of variable “{name}”|a variable value] contains ^ or |",
		"numbers.reason.duplicate":     "duplicate within the file[ (first seen in row {first})]",
		"numbers.reason.existing":      "already on the task",
		"numbers.reason.filtered":      "on the do-not-call list",
		"numbers.reason.filtered_late": "filtered: added to do-not-call during the import",
		"numbers.reason.refused":       "refused by the platform[: {platform}]",
		"numbers.reason.unknown":       "unknown reason",

		"numbers.report.sheet":  "Rejected",
		"numbers.report.row":    "Row",
		"numbers.report.number": "Number",
		"numbers.report.reason": "Reason",

		"numbers.imports.error.interrupted": "dialdesk restarted before the file was read. Please upload it again.",
		"numbers.imports.error.internal":    "An internal error occurred while reading the file. Please try again.",
		"numbers.imports.error.batch":       "sending the numbers failed: {problem}",
	})
}
