package handlers

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync/atomic"

	"dialdesk/numbers"
)

// Request body limits. An upload (multipart/form-data) may carry a number
// list of numbers.MaxFileSize plus the form around it; every other body is
// a small form. The push hook keeps its own limit (maxPushBody, push.go) and
// its own way of answering the platform.
const (
	maxFormBody   = 1 << 20
	maxUploadBody = numbers.MaxFileSize + 1<<20
)

// Errors of bodyLimit, shown by the funnel: an upload names the file limit
// in the words the upload form uses, anything else says the request is too
// large.
var (
	errUploadTooLarge = &appError{status: http.StatusRequestEntityTooLarge, key: "numbers.err.toolarge"}
	errBodyTooLarge   = &appError{status: http.StatusRequestEntityTooLarge, key: "err.toolarge"}
)

// bodyLimit caps every request body before anything reads it. It sits
// before the CSRF check because nosurf, looking for the token in a form,
// parses the whole body (up to 32 MB in memory, the rest in temp files) and
// ignores a read error: an oversized upload would first be buffered, then
// refused as a misleading CSRF 403. So:
//   - a Content-Length above the limit is refused at once with 413, nothing read;
//   - the body is wrapped in http.MaxBytesReader, so a chunked body stops at the limit;
//   - a form POST is parsed here, under that cap, so a body that turns out too
//     large is a 413 and a malformed one a 400, through the funnel; nosurf and
//     the handlers then use the parsed form.
func (s *Server) bodyLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isPushHook(r) {
			// push.go answers the platform itself (413 "body too large").
			r.Body = http.MaxBytesReader(w, r.Body, maxPushBody)
			next.ServeHTTP(w, r)
			return
		}
		multipart := isUpload(r)
		upload := multipart && isUploadRoute(r) // the larger allowance only where a file is expected
		limit, tooLarge := int64(maxFormBody), errBodyTooLarge
		if upload {
			limit, tooLarge = maxUploadBody, errUploadTooLarge
		}
		if r.ContentLength > limit {
			s.refuseBody(w, r, tooLarge)
			return
		}
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		body := &cappedBody{ReadCloser: http.MaxBytesReader(w, r.Body, limit)}
		r.Body = body
		if unsafeMethod(r.Method) && (multipart || isURLEncoded(r)) {
			var err error
			if multipart {
				// maxMemory above the cap: a file within the limit stays in
				// memory (the upload handler reads it whole anyway), nothing
				// spills to disk.
				err = r.ParseMultipartForm(limit + 1)
			} else {
				err = r.ParseForm()
			}
			if body.exceeded() || isMaxBytes(err) {
				s.refuseBody(w, r, tooLarge)
				return
			}
			if err != nil {
				// A malformed form is refused here: Go parses a request's form
				// once, so a handler calling ParseForm again would get no error
				// and go on with whatever was half parsed.
				s.log.Info("malformed form", "method", r.Method, "path", r.URL.Path)
				s.fail(w, r, errBadRequest)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// refuseBody answers 413 for a body left (partly) unread; the connection is
// closed after the answer rather than drained.
func (s *Server) refuseBody(w http.ResponseWriter, r *http.Request, err error) {
	w.Header().Set("Connection", "close")
	s.log.Info("request body too large", "method", r.Method, "path", r.URL.Path, "content_length", r.ContentLength)
	s.fail(w, r, err)
}

// cappedBody is a body under http.MaxBytesReader that remembers whether the
// cap was hit, whatever a reader in between did with the error.
type cappedBody struct {
	io.ReadCloser
	hit atomic.Bool
}

func (b *cappedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if isMaxBytes(err) {
		b.hit.Store(true)
	}
	return n, err
}

func (b *cappedBody) exceeded() bool { return b.hit.Load() }

func isMaxBytes(err error) bool {
	var mbe *http.MaxBytesError
	return err != nil && errors.As(err, &mbe)
}

// isPushHook reports whether r is the platform's result push.
func isPushHook(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/hooks/")
}

func unsafeMethod(m string) bool {
	return m == http.MethodPost || m == http.MethodPut || m == http.MethodPatch || m == http.MethodDelete
}

func mediaType(r *http.Request) string {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt
}

// isUpload reports whether r carries a file upload (multipart/form-data).
func isUpload(r *http.Request) bool { return mediaType(r) == "multipart/form-data" }

// isUploadRoute reports whether r is a POST to one of the two routes that
// take a number list: /tasks/{id}/numbers and /dnc/upload. Elsewhere a
// multipart body gets the small form limit (anonymous requests can reach
// this middleware).
func isUploadRoute(r *http.Request) bool {
	p := r.URL.Path
	return r.Method == http.MethodPost && (p == "/dnc/upload" ||
		(strings.HasPrefix(p, "/tasks/") && strings.HasSuffix(p, "/numbers") && strings.Count(p, "/") == 3))
}

func isURLEncoded(r *http.Request) bool { return mediaType(r) == "application/x-www-form-urlencoded" }
