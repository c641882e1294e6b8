package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// ErrNotAvailable reports that an optional part of the platform is missing:
// surface B is not configured, or the platform answers 404 for v1/levels or
// v1/tags. Callers degrade (show what surface A gives) instead of failing.
var ErrNotAvailable = errors.New("client: not available on this platform")

// ErrNotConfigured reports a call to surface A on a Client built without
// WithICall.
var ErrNotConfigured = errors.New("client: surface A (icall) is not configured")

// ErrInvalidID reports an id that cannot be sent (empty, "." or "..", or
// too long); it is returned before any request is made.
var ErrInvalidID = errors.New("client: invalid id")

// ErrFileTooLarge reports a number file over the platform's 5 MB limit; it is
// returned before the upload starts.
var ErrFileTooLarge = errors.New("client: file larger than 5 MB")

// CodeOK is the ret_code of a successful surface-A call.
const CodeOK = "000000"

// Error is an answer from the platform that says "no": a surface-A ret_code
// other than 000000, or a surface-B error status or code.
type Error struct {
	// Code is the platform's code: ret_code for surface A (e.g. "320024"),
	// the body's code or the HTTP status for surface B (e.g. "404").
	Code string
	// Msg is the platform's own message (ret_msg or message), for logs.
	Msg string
	// Endpoint names the vendor endpoint, e.g. "resume_task" or
	// "v1/task/number".
	Endpoint string
	// HTTPStatus is the HTTP status of a surface-B error, 0 for surface A.
	HTTPStatus int
}

// Error implements error; it is for logs, Human is for people.
func (e *Error) Error() string {
	return fmt.Sprintf("platform %s: %s %s", e.Endpoint, e.Code, e.Msg)
}

// Human returns a message for a person using the dashboard, in lang ("zh"
// or "en"; anything else is Chinese).
func (e *Error) Human(lang string) string {
	if e.HTTPStatus != 0 {
		return httpHuman(e.HTTPStatus, lang)
	}
	return HumanMessage(e.Code, lang)
}

// UpstreamKind says how a call to the platform failed in transport.
type UpstreamKind string

// The kinds of UpstreamError.
const (
	// KindTimeout: no answer within the timeout (or the caller's deadline).
	KindTimeout UpstreamKind = "timeout"
	// KindUnavailable: connection failed or the platform answered 5xx,
	// after the retries allowed for the call.
	KindUnavailable UpstreamKind = "unavailable"
	// KindBadResponse: an answer that cannot be read (not JSON even
	// leniently, wrong shape, too large, unexpected status).
	KindBadResponse UpstreamKind = "bad response"
)

// UpstreamError is a failure to get a usable answer from the platform, as
// opposed to an *Error, where the platform answered and said no.
type UpstreamError struct {
	Kind       UpstreamKind
	Endpoint   string
	StatusCode int   // HTTP status when there was one
	Attempts   int   // requests made
	Err        error // the underlying cause
}

// Error implements error; it is for logs, Human is for people.
func (e *UpstreamError) Error() string {
	s := fmt.Sprintf("platform %s: %s", e.Endpoint, e.Kind)
	if e.StatusCode != 0 {
		s += fmt.Sprintf(" (HTTP %d)", e.StatusCode)
	}
	if e.Attempts > 1 {
		s += fmt.Sprintf(" after %d attempts", e.Attempts)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying cause.
func (e *UpstreamError) Unwrap() error { return e.Err }

// Human returns a message for a person, in lang ("zh" or "en").
func (e *UpstreamError) Human(lang string) string {
	en := isEnglish(lang)
	switch e.Kind {
	case KindTimeout:
		if en {
			return "The calling platform did not answer in time. Please try again."
		}
		return "外呼平台响应超时，请稍后重试。"
	case KindUnavailable:
		if en {
			return "The calling platform cannot be reached right now. Please try again later."
		}
		return "暂时无法连接外呼平台，请稍后重试。"
	default:
		if en {
			return "The calling platform sent an answer we could not read. Please try again later."
		}
		return "外呼平台返回了无法识别的数据，请稍后重试。"
	}
}

// BatchError reports which batch of a split write failed. Batches before it
// were accepted by the platform.
type BatchError struct {
	Batch      int // 0-based index of the failed batch
	Start, End int // the failed batch's rows: input[Start:End]
	Err        error
}

// Error implements error.
func (e *BatchError) Error() string {
	return fmt.Sprintf("batch %d (rows %d–%d): %v", e.Batch+1, e.Start+1, e.End, e.Err)
}

// Unwrap returns the batch's error.
func (e *BatchError) Unwrap() error { return e.Err }

// IsNotFound reports whether err says the task, number or call does not
// exist: ret_code 320022 (wrong task id), 320020 (task deleted), or HTTP 404
// from surface B.
func IsNotFound(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code == "320022" || e.Code == "320020" || e.HTTPStatus == http.StatusNotFound
}

// IsCode reports whether err is an *Error with the given code.
func IsCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// HumanError returns a message for a person for any error this package
// returns (and a generic one for anything else), in lang ("zh" or "en").
func HumanError(err error, lang string) string {
	en := isEnglish(lang)
	var pe *Error
	var ue *UpstreamError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &pe):
		return pe.Human(lang)
	case errors.As(err, &ue):
		return ue.Human(lang)
	case errors.Is(err, ErrNotAvailable):
		if en {
			return "This information is not available from the calling platform."
		}
		return "外呼平台未提供此项信息。"
	case errors.Is(err, ErrNotConfigured):
		if en {
			return "The calling platform is not configured."
		}
		return "尚未配置外呼平台。"
	case errors.Is(err, ErrFileTooLarge):
		if en {
			return "The file is larger than 5 MB."
		}
		return "文件超过 5 MB。"
	case errors.Is(err, ErrInvalidID):
		if en {
			return "The ID is not valid."
		}
		return "编号无效。"
	case errors.Is(err, context.DeadlineExceeded):
		return (&UpstreamError{Kind: KindTimeout}).Human(lang)
	case errors.Is(err, context.Canceled):
		if en {
			return "The request was cancelled."
		}
		return "请求已取消。"
	}
	if en {
		return "Something went wrong talking to the calling platform."
	}
	return "与外呼平台通信时出错。"
}

// humanMessages holds our own words for every code of docs/platform.md
// §A.errors (zh, en).
var humanMessages = map[string][2]string{
	"000000": {"操作成功。", "Done."},
	"320001": {"外呼平台账号凭证（appid 或 signature）有误，请联系管理员检查配置。", "The calling platform's credentials (appid or signature) are wrong. Ask an administrator to check the settings."},
	"329999": {"外呼平台出现未知错误，请稍后重试。", "The calling platform had an unknown error. Please try again later."},
	"320011": {"请选择话术模板。", "Please choose a script template."},
	"320012": {"请填写任务名称。", "Please enter a task name."},
	"320013": {"机器人数不正确，请填写不超过可用数量的正整数。", "The number of robots is not valid. Enter a whole number no larger than the robots available."},
	"320014": {"请至少选择一个外显号码。", "Please choose at least one caller number."},
	"320015": {"请选择有效期（永久或自定义）。", "Please choose the validity (permanent or custom)."},
	"320016": {"自定义有效期需要填写开始时间和结束时间。", "A custom validity needs both a start and an end time."},
	"320017": {"请至少设置一个拨打时间段。", "Please set at least one range of calling hours."},
	"320018": {"号码数据的格式不正确。", "The number data is not in the expected format."},
	"320019": {"任务或话术模板不存在或不可用。", "The task or the script template does not exist or cannot be used."},
	"320020": {"该任务已被删除。", "This task has been deleted."},
	"320021": {"缺少任务编号。", "The task ID is missing."},
	"320022": {"找不到该任务。", "The task could not be found."},
	"320023": {"任务尚未开始或已经完结，无法执行此操作。", "The task has not started yet or is already finished, so this cannot be done."},
	"320024": {"只有已暂停的任务才能继续。", "Only a paused task can be resumed."},
	"320025": {"请填写要校验的登录邮箱。", "Please enter the login e-mail to check."},
	"320026": {"请填写开始时间。", "Please enter a start time."},
	"320027": {"请填写结束时间。", "Please enter an end time."},
	"320028": {"文件格式不正确，请上传 Excel（.xlsx）文件。", "The file format is not supported. Please upload an Excel (.xlsx) file."},
	"320029": {"文件的号码条数超过上限（每次最多 10 万条）。", "The file has too many rows (at most 100,000 per upload)."},
	"320030": {"上传的数据有误，请检查号码和变量。", "The uploaded data has errors. Please check the numbers and variables."},
	"320031": {"没有收到上传的文件。", "No uploaded file was received."},
	"320032": {"缺少号码编号（outid）。", "The number ID (outid) is missing."},
	"320033": {"一次提交的号码编号（outid）过多。", "Too many number IDs (outid) in one request."},
}

// DocumentedCodes lists every error code of the vendor's documentation
// (docs/platform.md §A.errors), in order.
var DocumentedCodes = []string{
	"320001", "329999",
	"320011", "320012", "320013", "320014", "320015", "320016", "320017", "320018",
	"320019", "320020", "320021", "320022", "320023", "320024", "320025", "320026",
	"320027", "320028", "320029", "320030", "320031", "320032", "320033",
}

// HumanMessage returns our own message for a surface-A ret_code in lang
// ("zh" or "en"; anything else is Chinese). An unknown code gets a generic
// message that names the code.
func HumanMessage(code, lang string) string {
	i := 0
	if isEnglish(lang) {
		i = 1
	}
	if m, ok := humanMessages[code]; ok {
		return m[i]
	}
	if i == 1 {
		return fmt.Sprintf("The calling platform returned an error (code %s).", code)
	}
	return fmt.Sprintf("外呼平台返回错误（代码 %s）。", code)
}

func httpHuman(status int, lang string) string {
	en := isEnglish(lang)
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		if en {
			return "The calling platform refused our token. Ask an administrator to check the settings."
		}
		return "外呼平台拒绝了访问令牌，请联系管理员检查配置。"
	case status == http.StatusNotFound:
		if en {
			return "Not found on the calling platform."
		}
		return "外呼平台上找不到该记录。"
	case status == http.StatusTooManyRequests:
		if en {
			return "The calling platform is busy. Please try again in a moment."
		}
		return "外呼平台繁忙，请稍后重试。"
	case status >= 400 && status < 500:
		if en {
			return fmt.Sprintf("The calling platform rejected the request (HTTP %d).", status)
		}
		return fmt.Sprintf("外呼平台拒绝了请求（HTTP %d）。", status)
	}
	if en {
		return fmt.Sprintf("The calling platform returned an error (HTTP %d).", status)
	}
	return fmt.Sprintf("外呼平台返回错误（HTTP %d）。", status)
}

func isEnglish(lang string) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(lang)), "en")
}
