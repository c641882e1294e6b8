package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
)

// Every request is observed once (observe): it gets a request id, sent back
// in X-Request-Id and shown on error pages so that a user can quote it; when
// it is answered, one log line says its route, status, duration, user and id,
// and the metrics count it by route pattern and status.

// reqInfo is what the request's handlers tell observe about it: the user
// (loadSession) and attributes for the request's log line (the push
// receiver's call id).
type reqInfo struct {
	id    string
	user  string
	attrs []any
}

type reqInfoKey struct{}

func requestInfo(ctx context.Context) *reqInfo {
	info, _ := ctx.Value(reqInfoKey{}).(*reqInfo)
	return info
}

// RequestID is the id of the request ctx belongs to ("" outside one).
func RequestID(ctx context.Context) string {
	if info := requestInfo(ctx); info != nil {
		return info.id
	}
	return ""
}

// logAttrs adds attributes to the request's log line.
func logAttrs(ctx context.Context, attrs ...any) {
	if info := requestInfo(ctx); info != nil {
		info.attrs = append(info.attrs, attrs...)
	}
}

// requestIDHeader carries the request id: answered on every response, and
// taken from a trusted reverse proxy (Config.TrustProxy) that sets one, so
// that the proxy's log and dialdesk's share it.
const requestIDHeader = "X-Request-Id"

// proxyRequestID is the shape of a request id dialdesk takes from a proxy:
// short, and nothing that could break a log line.
var proxyRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// newRequestID returns 16 hex digits; unique enough to find one request in
// a day's logs of several instances.
func newRequestID() string {
	return fmt.Sprintf("%016x", rand.Uint64())
}

// observe gives the request its id, then logs and counts it once answered.
// It runs first, so that a panic's 500 page (recoverer) is counted too.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &reqInfo{}
		if id := r.Header.Get(requestIDHeader); s.cfg.TrustProxy && proxyRequestID.MatchString(id) {
			info.id = id
		} else {
			info.id = newRequestID()
		}
		w.Header().Set(requestIDHeader, info.id)
		sw := &statusWriter{ResponseWriter: w}
		r = r.WithContext(context.WithValue(r.Context(), reqInfoKey{}, info))
		defer func() {
			// After a panic the recoverer has answered; an http.ErrAbortHandler
			// goes on up, and is logged as what the client got: nothing.
			d := time.Since(start)
			route := ""
			if rc := chi.RouteContext(r.Context()); rc != nil {
				route = rc.RoutePattern()
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			s.metrics.HTTP(route, r.Method, status, d)
			// The push hook's path holds its secret token, and any path the
			// router did not match is whatever a client sent: the route
			// pattern stands for both.
			path := r.URL.Path
			if route == "" || strings.HasPrefix(route, "/hooks/") {
				path = route
			}
			attrs := append([]any{"method", r.Method, "route", route, "path", path, "status", status,
				"duration_ms", float64(d.Microseconds()) / 1000, "bytes", sw.bytes,
				"user", info.user, "request_id", info.id}, info.attrs...)
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelWarn
			}
			s.log.Log(context.WithoutCancel(r.Context()), level, "request", attrs...)
		}()
		next.ServeHTTP(sw, r)
	})
}

// statusWriter remembers the status and counts the bytes written. Unwrap
// lets http.ResponseController reach the connection's own writer (flushes
// and deadlines of the streamed exports and recordings).
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush passes a flush on (htmx's streamed partials, exports).
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		if w.status == 0 {
			w.status = http.StatusOK
		}
		f.Flush()
	}
}
