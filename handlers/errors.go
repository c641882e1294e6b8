package handlers

import (
	"context"
	"errors"
	"net/http"

	"dialdesk/client"
	"dialdesk/store"
	"dialdesk/views"
)

// appError is an error with a status and a message key for the user. Build
// one with httpError or use the common values below; handlers return it.
type appError struct {
	status int
	key    string // i18n key of the message shown to the user
	cause  error  // logged, never shown
}

func (e *appError) Error() string {
	if e.cause != nil {
		return http.StatusText(e.status) + ": " + e.cause.Error()
	}
	return http.StatusText(e.status) + ": " + e.key
}

func (e *appError) Unwrap() error { return e.cause }

// httpError returns an error the funnel shows with status and the message
// of i18n key msgKey; cause (may be nil) is only logged.
func httpError(status int, msgKey string, cause error) error {
	return &appError{status: status, key: msgKey, cause: cause}
}

// Common errors handlers return.
var (
	errNotFound   = &appError{status: http.StatusNotFound, key: "err.notfound"}
	errForbidden  = &appError{status: http.StatusForbidden, key: "err.forbidden"}
	errCSRF       = &appError{status: http.StatusForbidden, key: "err.csrf"}
	errBadRequest = &appError{status: http.StatusBadRequest, key: "err.badrequest"}
	errMethod     = &appError{status: http.StatusMethodNotAllowed, key: "err.badrequest"}
)

// fail is the one error funnel: it maps err to a status and a message in
// the user's language, logs what is not the user's fault, and renders the
// error page with the request id a user can quote — or, for htmx, a small alert swapped into #alerts (with a 200
// status so that htmx swaps it). Users never see err.Error().
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	ctx := r.Context()
	e := views.ErrorVM{Status: http.StatusInternalServerError, RequestID: RequestID(ctx)}
	log := s.log.With("request_id", e.RequestID)
	var ae *appError
	var ce *client.Error
	var ue *client.UpstreamError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &ae):
		e.Status, e.Message = ae.status, views.T(ctx, ae.key)
		if ae.status >= 500 {
			log.Error("request failed", "method", r.Method, "path", r.URL.Path, "status", ae.status, "err", err)
		}
	case errors.Is(err, store.ErrNotFound) || client.IsNotFound(err):
		e.Status, e.Message = http.StatusNotFound, views.T(ctx, "err.notfound")
	case errors.As(err, &ce):
		e.Status, e.Message = http.StatusBadGateway, platformText(ctx, err)
		log.Warn("platform said no", "path", r.URL.Path, "code", ce.Code, "msg", ce.Msg, "endpoint", ce.Endpoint)
	case errors.As(err, &ue), errors.Is(err, context.DeadlineExceeded):
		e.Status, e.Message = http.StatusBadGateway, platformText(ctx, err)
		if errors.Is(err, context.DeadlineExceeded) || (ue != nil && ue.Kind == client.KindTimeout) {
			e.Status = http.StatusGatewayTimeout
		}
		log.Warn("platform unavailable", "path", r.URL.Path, "err", err)
	case errors.As(err, &mbe):
		e.Status, e.Message = http.StatusRequestEntityTooLarge, views.T(ctx, "err.toolarge")
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		return // the browser went away; nobody to answer
	default:
		e.Message = views.T(ctx, "err.internal")
		log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	switch e.Status {
	case http.StatusNotFound:
		e.Title = views.T(ctx, "err.notfound.title")
	case http.StatusForbidden:
		e.Title = views.T(ctx, "err.forbidden.title")
	default:
		e.Title = views.T(ctx, "err.title")
	}
	if e.Status >= 500 && r.Method == http.MethodGet {
		e.RetryURL = r.URL.RequestURI()
	}
	if isHTMX(r) {
		w.Header().Set("HX-Retarget", "#alerts")
		w.Header().Set("HX-Reswap", "innerHTML")
		if err := s.render(w, r, http.StatusOK, views.ErrorAlert(e)); err != nil {
			log.Error("render error alert", "err", err)
		}
		return
	}
	if err := s.render(w, r, e.Status, views.ErrorPage(s.page(w, r, "", ""), e)); err != nil {
		log.Error("render error page", "err", err)
		http.Error(w, http.StatusText(e.Status), e.Status)
	}
}

// h adapts a handler that returns an error to http.HandlerFunc, sending
// errors to the funnel.
func (s *Server) h(fn func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			s.fail(w, r, err)
		}
	}
}

// platformText is what went wrong talking to the platform, in the
// request's language (client.ErrorCode's code, worded by the views).
func platformText(ctx context.Context, err error) string {
	return views.PlatformError(views.LangOf(ctx), client.ErrorCode(err))
}
