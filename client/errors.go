package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
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

// Error implements error; it is for logs. People read ErrorCode's code,
// worded by the views.
func (e *Error) Error() string {
	return fmt.Sprintf("platform %s: %s %s", e.Endpoint, e.Code, e.Msg)
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

// Error implements error; it is for logs.
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

// ErrorCode names what err says about a call to the platform, as a short
// code the views word for people and the audit log records: "000000" for
// nil; the platform's ret_code for a surface-A refusal ("320024");
// "http.404" for a surface-B one; "timeout", "unavailable" or
// "bad_response" for a transport failure; "not_available",
// "not_configured", "file_too_large", "invalid_id" or "cancelled" for
// this package's own errors; "error" for anything else. Never an error's
// text: it may quote upstream URLs.
func ErrorCode(err error) string {
	var pe *Error
	var ue *UpstreamError
	switch {
	case err == nil:
		return CodeOK
	case errors.As(err, &pe):
		if pe.HTTPStatus != 0 {
			return fmt.Sprintf("http.%d", pe.HTTPStatus)
		}
		return pe.Code
	case errors.As(err, &ue):
		switch ue.Kind {
		case KindTimeout, KindUnavailable:
			return string(ue.Kind)
		}
		return "bad_response"
	case errors.Is(err, ErrNotAvailable):
		return "not_available"
	case errors.Is(err, ErrNotConfigured):
		return "not_configured"
	case errors.Is(err, ErrFileTooLarge):
		return "file_too_large"
	case errors.Is(err, ErrInvalidID):
		return "invalid_id"
	case errors.Is(err, context.DeadlineExceeded):
		return string(KindTimeout)
	case errors.Is(err, context.Canceled):
		return "cancelled"
	}
	return "error"
}

// DocumentedCodes lists every error code of the vendor's documentation, in
// order; the views have words for each.
var DocumentedCodes = []string{
	"320001", "329999",
	"320011", "320012", "320013", "320014", "320015", "320016", "320017", "320018",
	"320019", "320020", "320021", "320022", "320023", "320024", "320025", "320026",
	"320027", "320028", "320029", "320030", "320031", "320032", "320033",
}
