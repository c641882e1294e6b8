package numbers

import (
	"errors"
	"fmt"
	"strings"
)

// Limits of an upload, from the platform's own add_task_file_data limits.
const (
	// MaxFileSize is the largest upload accepted, in bytes.
	MaxFileSize = 5 << 20
	// MaxRows is the largest number of data rows (header excluded) in one file.
	MaxRows = 100_000
	// UnzipSizeLimit caps what a workbook may inflate to. excelize's default
	// is 16 GB; a real 100,000-row workbook inflates to about 50 MB.
	UnzipSizeLimit = 128 << 20
)

// PhoneHeaders are the header names that mark the phone column, in lower case
// (docs/platform.md §decisions 3). 手机号码 is the commonest in Chinese
// spreadsheets; CRM exports say 联系电话 or 客户电话, English ones phone or mobile.
var PhoneHeaders = []string{"telephone", "phone", "mobile", "电话", "电话号码", "手机", "手机号", "手机号码", "联系电话", "客户电话", "号码"}

// Kind is the class of a file-level problem.
type Kind uint8

// The kinds of file-level problems. Each gets its own words for the user.
const (
	KindNotWorkbook   Kind = iota + 1 // not an .xlsx (or .csv) at all, or damaged
	KindXLS                           // an old binary .xls (or an encrypted workbook)
	KindNoPhoneColumn                 // no header from PhoneHeaders
	KindTooManyRows                   // more than the row limit
	KindTooLarge                      // more bytes than the size limit
	KindZipBomb                       // inflates beyond UnzipSizeLimit
	KindEmptyFile                     // nothing at all in the file
	KindNoData                        // a header row but no data rows
	KindBadHeader                     // a header repeated, or holding ^ or |
)

// Error is a file-level problem: the file is refused as a whole and nothing
// from it may be imported. Its Message is safe to show to the user.
type Error struct {
	Kind   Kind
	Limit  int64  // the limit that was exceeded, for KindTooManyRows, KindTooLarge, KindZipBomb
	Detail string // the offending header, for KindBadHeader
	Hint   string // a short note on what the file looked like, for KindNotWorkbook
	err    error  // the underlying library error, for logs only
}

// Sentinel errors to compare with errors.Is; any *Error of the same Kind matches.
var (
	ErrNotWorkbook   = &Error{Kind: KindNotWorkbook}
	ErrXLS           = &Error{Kind: KindXLS}
	ErrNoPhoneColumn = &Error{Kind: KindNoPhoneColumn}
	ErrTooManyRows   = &Error{Kind: KindTooManyRows}
	ErrTooLarge      = &Error{Kind: KindTooLarge}
	ErrZipBomb       = &Error{Kind: KindZipBomb}
	ErrEmptyFile     = &Error{Kind: KindEmptyFile}
	ErrNoData        = &Error{Kind: KindNoData}
	ErrBadHeader     = &Error{Kind: KindBadHeader}
)

// Is makes errors.Is(err, ErrXLS) and the like work.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind
}

// Unwrap returns the library error behind the problem, if any.
func (e *Error) Unwrap() error { return e.err }

// Error returns an English text for logs; users see Message.
func (e *Error) Error() string {
	msg := e.Message("en")
	if e.err != nil {
		msg += " (" + e.err.Error() + ")"
	}
	return "numbers: " + msg
}

// Message returns the problem in words for a person, Chinese for "zh" and
// English for "en". It never contains a raw library error text.
func (e *Error) Message(lang string) string {
	switch e.Kind {
	case KindNotWorkbook:
		zh := "文件不是有效的 Excel 工作簿（.xlsx），可能已损坏或只是改了扩展名。请用 Excel 打开后另存为 .xlsx 再上传"
		en := "the file is not a valid Excel workbook (.xlsx): it may be damaged or only renamed. Open it in Excel, save it as .xlsx and upload it again"
		switch e.Hint {
		case "text":
			zh = "文件是文本文件，不是 Excel 工作簿（.xlsx）。请另存为 .xlsx，或把 CSV 文件命名为 .csv"
			en = "the file is plain text, not an Excel workbook (.xlsx). Save it as .xlsx, or name a CSV file .csv"
		case "html":
			zh = "文件是网页（HTML）格式，不是 Excel 工作簿。请用 Excel 打开后另存为 .xlsx"
			en = "the file is a web page (HTML), not an Excel workbook. Open it in Excel and save it as .xlsx"
		}
		return pick(lang, zh, en)
	case KindXLS:
		return pick(lang,
			"这是旧版 .xls 文件（或加了密码的工作簿），暂不支持。请在 Excel 中“另存为” .xlsx 后再上传",
			"this is an old .xls file (or a password-protected workbook), which is not supported. Save it as .xlsx in Excel and upload it again")
	case KindNoPhoneColumn:
		return pick(lang,
			"找不到号码列：第一行须有一列的标题为 "+strings.Join(PhoneHeaders, "、"),
			"no phone column: the first row must have a column headed "+strings.Join(PhoneHeaders, ", "))
	case KindTooManyRows:
		return pick(lang,
			fmt.Sprintf("数据超过 %d 行，请拆分成多个文件", e.limit(MaxRows)),
			fmt.Sprintf("more than %s data rows: split the file", thousands(e.limit(MaxRows))))
	case KindTooLarge:
		return pick(lang,
			fmt.Sprintf("文件超过 %s，请拆分成几个较小的文件后再上传", megabytes(e.limit(MaxFileSize))),
			fmt.Sprintf("the file is larger than %s: split it into smaller files and upload them one by one", megabytes(e.limit(MaxFileSize))))
	case KindZipBomb:
		return pick(lang,
			fmt.Sprintf("文件解压后超过 %s，已拒绝", megabytes(e.limit(UnzipSizeLimit))),
			fmt.Sprintf("the file unpacks to more than %s and was refused", megabytes(e.limit(UnzipSizeLimit))))
	case KindEmptyFile:
		return pick(lang, "文件是空的", "the file is empty")
	case KindNoData:
		return pick(lang, "文件只有标题行，没有号码", "the file has a header row but no numbers")
	case KindBadHeader:
		return pick(lang,
			fmt.Sprintf("第一行的列标题“%s”重复或含有 ^ 或 |，请修改", e.Detail),
			fmt.Sprintf("the header %q appears twice or contains ^ or |: please rename it", e.Detail))
	}
	return pick(lang, "无法读取文件", "the file cannot be read")
}

func (e *Error) limit(def int64) int64 {
	if e.Limit > 0 {
		return e.Limit
	}
	return def
}

func megabytes(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}

func thousands(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// AsError returns the *Error in err's chain, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
