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

// Error returns an English text for logs; users see the views' words for
// Code and Args.
func (e *Error) Error() string {
	msg := "numbers: file problem " + e.Code()
	if a := e.Args(); len(a) > 0 {
		msg += fmt.Sprint(" ", a)
	}
	if e.err != nil {
		msg += " (" + e.err.Error() + ")"
	}
	return msg
}

// kindCodes are the stable codes of the kinds of file problems.
var kindCodes = map[Kind]string{
	KindNotWorkbook:   "notworkbook",
	KindXLS:           "xls",
	KindNoPhoneColumn: "nophone",
	KindTooManyRows:   "toomanyrows",
	KindTooLarge:      "toolarge",
	KindZipBomb:       "zipbomb",
	KindEmptyFile:     "empty",
	KindNoData:        "nodata",
	KindBadHeader:     "badheader",
}

// Code is the problem's stable code ("nophone", "toomanyrows" …), which
// the views word for people and an import records.
func (e *Error) Code() string {
	if c, ok := kindCodes[e.Kind]; ok {
		return c
	}
	return "unreadable"
}

// Codes lists every code Code returns, for the tests that check each is
// worded.
func Codes() []string {
	codes := []string{"unreadable"}
	for _, c := range kindCodes {
		codes = append(codes, c)
	}
	return codes
}

// Args are the problem's particulars by name, for the views' sentence:
// "limit" (the limit exceeded, as people write it: "100,000", "5 MB"),
// "header" (the offending column header), "headers" (the phone column
// headers accepted), "hint" ("text" or "html": what a file that is not a
// workbook looked like).
func (e *Error) Args() map[string]any {
	switch e.Kind {
	case KindNotWorkbook:
		if e.Hint != "" {
			return map[string]any{"hint": e.Hint}
		}
	case KindNoPhoneColumn:
		return map[string]any{"headers": PhoneHeaders}
	case KindTooManyRows:
		return map[string]any{"limit": thousands(e.limit(MaxRows))}
	case KindTooLarge:
		return map[string]any{"limit": megabytes(e.limit(MaxFileSize))}
	case KindZipBomb:
		return map[string]any{"limit": megabytes(e.limit(UnzipSizeLimit))}
	case KindBadHeader:
		return map[string]any{"header": e.Detail}
	}
	return nil
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
