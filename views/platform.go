package views

import (
	"fmt"
	"strconv"
	"strings"
)

// PlatformError words what went wrong talking to the platform, from the
// code client.ErrorCode gives ("320024", "http.404", "timeout" …): our own
// words for every documented ret_code and failure, a generic sentence that
// names any other code.
func PlatformError(lang Lang, code string) string {
	if m, ok := catalogs[lang]["platform.err."+code]; ok {
		return m
	}
	if s, ok := strings.CutPrefix(code, "http."); ok {
		n, _ := strconv.Atoi(s)
		if n >= 400 && n < 500 {
			return fmtMsg(lang, "platform.err.http.4xx", n)
		}
		return fmtMsg(lang, "platform.err.http", n)
	}
	return fmtMsg(lang, "platform.err.code", code)
}

// PlatformAnswer is a recorded platform answer in words, with the code
// itself when it is the platform's ("… (320024)", "… (HTTP 404)"), as the
// audit log shows it.
func PlatformAnswer(lang Lang, code string) string {
	msg := PlatformError(lang, code)
	if s, ok := strings.CutPrefix(code, "http."); ok {
		return msg + " (HTTP " + s + ")"
	}
	if isDigits(code) {
		return msg + " (" + code + ")"
	}
	return msg
}

// CallStatusName is a surface-A call status in words (状态 n for one the
// platform's table does not list).
func CallStatusName(lang Lang, n int) string { return statusWord(lang, "callstatus.", n) }

// NumberStatusName is a surface-B number status in words.
func NumberStatusName(lang Lang, n int) string { return statusWord(lang, "numberstatus.", n) }

func statusWord(lang Lang, prefix string, n int) string {
	if m, ok := catalogs[lang][prefix+strconv.Itoa(n)]; ok {
		return m
	}
	return fmtMsg(lang, "status.other", n)
}

func fmtMsg(lang Lang, key string, args ...any) string { return fmt.Sprintf(Msg(lang, key), args...) }

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
