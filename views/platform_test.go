package views

import (
	"strings"
	"testing"
	"unicode"

	"dialdesk/client"
	"dialdesk/numbers"
)

// TestPlatformWords: every documented ret_code has its own words in both
// languages (never the generic sentence naming the code); other codes,
// HTTP answers and transport failures read as sentences too.
func TestPlatformWords(t *testing.T) {
	seen := map[Lang]map[string]string{ZH: {}, EN: {}}
	for _, code := range client.DocumentedCodes {
		for _, lang := range Langs {
			m := PlatformError(lang, code)
			if strings.Contains(m, code) || hasHan(m) != (lang == ZH) {
				t.Errorf("%s %s: %q", lang, code, m)
			}
			if other, dup := seen[lang][m]; dup {
				t.Errorf("%s: %s and %s share %q", lang, code, other, m)
			}
			seen[lang][m] = code
		}
	}
	for _, tc := range []struct {
		lang       Lang
		code, want string
	}{
		{ZH, "320024", "只有已暂停的任务才能继续。"},
		{EN, "320024", "Only a paused task can be resumed."},
		{EN, "399999", "The calling platform returned an error (code 399999)."},
		{ZH, "http.404", "外呼平台上找不到该记录。"},
		{EN, "http.418", "The calling platform rejected the request (HTTP 418)."},
		{EN, "http.503", "The calling platform returned an error (HTTP 503)."},
		{ZH, "timeout", "外呼平台响应超时，请稍后重试。"},
		{EN, "error", "Something went wrong talking to the calling platform."},
	} {
		if got := PlatformError(tc.lang, tc.code); got != tc.want {
			t.Errorf("PlatformError(%s, %s) = %q, want %q", tc.lang, tc.code, got, tc.want)
		}
	}
	if got := PlatformAnswer(EN, "320024"); got != "Only a paused task can be resumed. (320024)" {
		t.Errorf("answer %q", got)
	}
	if got := PlatformAnswer(ZH, "http.404"); got != "外呼平台上找不到该记录。 (HTTP 404)" {
		t.Errorf("answer %q", got)
	}
}

// TestProblemWords: numbers' file problems and row reasons, worded from
// their codes and args as numbers gives them.
func TestProblemWords(t *testing.T) {
	for _, tc := range []struct {
		lang Lang
		err  *numbers.Error
		want string
	}{
		{ZH, &numbers.Error{Kind: numbers.KindNoPhoneColumn}, "找不到号码列：第一行须有一列的标题为 " + strings.Join(numbers.PhoneHeaders, "、")},
		{EN, &numbers.Error{Kind: numbers.KindNoPhoneColumn}, "no phone column: the first row must have a column headed " + strings.Join(numbers.PhoneHeaders, ", ")},
		{EN, &numbers.Error{Kind: numbers.KindTooManyRows}, "more than 100,000 data rows: split the file"},
		{ZH, &numbers.Error{Kind: numbers.KindTooLarge}, "文件超过 5 MB，请拆分成几个较小的文件后再上传"},
		{EN, &numbers.Error{Kind: numbers.KindNotWorkbook, Hint: "html"}, "the file is a web page (HTML), not an Excel workbook. Open it in Excel and save it as .xlsx"},
		{ZH, &numbers.Error{Kind: numbers.KindBadHeader, Detail: "姓名"}, "第一行的列标题“姓名”重复或含有 ^ 或 |，请修改"},
		{EN, &numbers.Error{Kind: 99}, "the file cannot be read"},
	} {
		if got := FileProblem(tc.lang, tc.err.Code(), tc.err.Args()); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.lang, tc.err.Code(), got, tc.want)
		}
	}
	for _, tc := range []struct {
		lang Lang
		r    numbers.Rejected
		want string
	}{
		{ZH, numbers.Rejected{Reason: numbers.ReasonDuplicate, First: 2}, "文件内重复（首次出现在第 2 行）"},
		{EN, numbers.Rejected{Reason: numbers.ReasonDuplicate}, "duplicate within the file"},
		{ZH, numbers.Rejected{Reason: numbers.ReasonBadVariable, Detail: "产品"}, "变量“产品”的值含有 ^ 或 |"},
		{EN, numbers.Rejected{Reason: numbers.ReasonBadVariable, Detail: "产品"}, "the value of variable “产品” contains ^ or |"},
		{EN, numbers.Rejected{Reason: numbers.ReasonBadVariable}, "a variable value contains ^ or |"},
		{EN, numbers.Rejected{Reason: 200}, "unknown reason"},
	} {
		if got := RejectReason(tc.lang, tc.r.Reason.String(), tc.r.Args()); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.lang, tc.r.Reason, got, tc.want)
		}
	}
	if got := ImportError(EN, "batch", map[string]any{"answer": "320030"}); got != "sending the numbers failed: The uploaded data has errors. Please check the numbers and variables." {
		t.Errorf("batch: %q", got)
	}
	if got := ImportError(ZH, "file.toomanyrows", map[string]any{"limit": "10"}); got != "数据超过 10 行，请拆分成多个文件" {
		t.Errorf("file: %q", got)
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}
