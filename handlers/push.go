package handlers

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"dialdesk/client"
	"dialdesk/jobs"
	"dialdesk/metrics"
	"dialdesk/store"
)

// maxPushBody bounds a push body; a call's detail and transcript are a few
// kilobytes.
const maxPushBody = 1 << 20

// PushURLWithRef is the push_url dialdesk gives add_task: the public URL,
// the secret token, and ref, the create-task form's one-time token, which
// names the task in form_tokens once add_task has answered
// (SetFormTokenTask), so each pushed call is filed under its task the moment
// it arrives, with no platform call (docs/platform.md §decisions 11). Without
// a token (ref "") the receiver finds the task from the outid dialdesk gave
// the number, else the push resolver asks the platform.
func (s *Server) PushURLWithRef(ref string) string {
	u := strings.TrimRight(s.cfg.PublicURL, "/") + "/hooks/icall/" + url.PathEscape(s.cfg.PushToken)
	if ref != "" {
		u += "?" + url.Values{"ref": {ref}}.Encode()
	}
	return u
}

// pushReceive serves POST /hooks/icall/{token}: the platform's result push
// (docs/platform.md §A.push). No session, no CSRF: the token in the path is the secret,
// compared in constant time; a wrong one is 404 and a log line. The body,
// up to 1 MB (else 413), is read leniently (client.ParsePush: leading-zero
// numbers keep their digits) and the call is stored before the answer, so
// a 200 means it is kept; its task comes from ?task=, ?ref= (a create-task
// form token) or the outid, else is looked up right after the answer. The
// same callid pushed again updates the one row, but never moves it to
// another task: such a push is 409 and kept as a dead letter. An empty or
// unreadable body, or a callid that is empty, over 100 characters or holds
// control characters, is 400 and kept raw as a dead letter.
func (s *Server) pushReceive(w http.ResponseWriter, r *http.Request) error {
	tok := chi.URLParam(r, "token")
	if s.cfg.PushToken == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.PushToken)) != 1 {
		s.log.Warn("push refused: wrong token", "addr", clientIP(r))
		s.metrics.Push(metrics.PushRefused)
		pushAnswer(w, http.StatusNotFound, "not found")
		return nil
	}
	s.metrics.Push(metrics.PushReceived)
	// On its way to the group commit, whose writer waits for it (arrivals).
	arr := s.pushes.arrive()
	defer arr.settle()
	// The call is stored even if the platform hangs up right after sending.
	ctx := context.WithoutCancel(r.Context())
	body, err := readPushBody(w, r)
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		s.log.Warn("push refused: body too large", "addr", clientIP(r), "limit", maxPushBody)
		s.metrics.Push(metrics.PushRefused)
		pushAnswer(w, http.StatusRequestEntityTooLarge, "body too large")
		return nil
	case err != nil:
		s.deadLetter(ctx, r, "read: "+err.Error(), body)
		pushAnswer(w, http.StatusBadRequest, "unreadable body")
		return nil
	}
	p, err := client.ParsePush(body)
	if err == nil {
		err = checkPushCallID(strings.TrimSpace(string(p.Detail.CallID)))
	}
	if err != nil {
		s.deadLetter(ctx, r, err.Error(), body)
		pushAnswer(w, http.StatusBadRequest, "unreadable body")
		return nil
	}
	query := r.URL.Query()
	task := query.Get("task")
	if !validTaskID(task) {
		task = ""
	}
	c := jobs.CallFromResult(p.CallResult, task, store.SourcePush)
	if ref := query.Get("ref"); c.TaskID == "" && formTokenRe.MatchString(ref) {
		// push_url named the form that created the task (PushURLWithRef).
		if t, err := s.store.TaskOfPushRef(ctx, ref); err == nil && validTaskID(t) {
			c.TaskID = t
		}
	}
	if c.TaskID == "" && c.OutID != "" {
		// The push names no task, but dialdesk gave the number its outid.
		if t, err := s.store.TaskOfOutID(ctx, c.OutID); err == nil {
			c.TaskID = t
		}
	}
	// Written with the pushes arriving alongside, in one transaction, and
	// answered once it has committed (pushcommit.go).
	saved := s.pushes.store(c, arr)
	created, err := saved.Created, saved.Err
	var conflict *store.CallTaskConflict
	if errors.As(err, &conflict) {
		// A stored call's task never changes by push: this one is kept aside.
		s.deadLetter(ctx, r, err.Error(), body)
		pushAnswer(w, http.StatusConflict, "callid belongs to another task")
		return nil
	}
	if err != nil {
		// 500: the platform retries the push later.
		s.log.Error("push: store", "callid", c.CallID, "err", err)
		s.metrics.Push(metrics.PushFailed)
		pushAnswer(w, http.StatusInternalServerError, "not stored")
		return nil
	}
	// The request's one log line says what was stored (observe.go).
	logAttrs(r.Context(), "callid", c.CallID, "task", c.TaskID, "new", created, "ret_code", p.RetCode)
	if created {
		s.metrics.Push(metrics.PushStored)
	} else {
		s.metrics.Push(metrics.PushDuplicate)
	}
	pushAnswer(w, http.StatusOK, "ok")
	if c.TaskID == "" && (created || s.stillWithoutTask(ctx, c.CallID)) {
		// Stored and answered; the push resolver looks up its task
		// (jobs.PushResolver).
		s.jobs.Wake(jobs.PushResolverName)
	}
	return nil
}

// pushBodyHint bounds the room readPushBody makes ahead from the request's
// Content-Length: a push is a few kilobytes, and a larger claim still reads
// (up to maxPushBody) by growing as it comes.
const pushBodyHint = 64 << 10

// readPushBody reads the body as io.ReadAll does, through the same
// MaxBytesReader, but with room for a declared Content-Length from the
// start rather than growing (and copying) the buffer several times.
func readPushBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	rd := http.MaxBytesReader(w, r.Body, maxPushBody)
	size := 512
	if n := r.ContentLength; n > 0 && n < pushBodyHint {
		size = int(n) + 1 // +1: the read that finds EOF needs room
	}
	b := make([]byte, 0, size)
	for {
		n, err := rd.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = nil
			}
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

// maxPushCallID bounds a pushed callid: the platform's are a few dozen
// characters; anything much longer is not one of its calls.
const maxPushCallID = 100

// checkPushCallID refuses a pushed callid that cannot be one of the
// platform's: empty, over maxPushCallID characters, or holding control
// characters (it becomes part of URLs, file names and logs).
func checkPushCallID(id string) error {
	switch {
	case id == "":
		return errors.New("push without callid")
	case utf8.RuneCountInString(id) > maxPushCallID:
		return fmt.Errorf("callid longer than %d characters", maxPushCallID)
	case strings.IndexFunc(id, unicode.IsControl) >= 0 || !utf8.ValidString(id):
		return errors.New("callid with control characters")
	}
	return nil
}

// deadLetter keeps a refused push body (unreadable, a malformed callid, a
// call of another task) for inspection.
func (s *Server) deadLetter(ctx context.Context, r *http.Request, reason string, body []byte) {
	s.log.Warn("push refused, kept as a dead letter", "addr", clientIP(r), "reason", reason, "bytes", len(body))
	s.metrics.Push(metrics.PushDeadLetter)
	if err := s.store.AddDeadLetter(ctx, clientIP(r), reason, body); err != nil {
		s.log.Error("push: dead letter", "err", err)
	}
}

// pushAnswer answers the platform in its own style: {"ret_code":…,"ret_msg":…}.
func pushAnswer(w http.ResponseWriter, status int, msg string) {
	code := "000000"
	if status != http.StatusOK {
		code = "329999"
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	io.WriteString(w, `{"ret_code":"`+code+`","ret_msg":"`+msg+`"}`)
}

// stillWithoutTask reports whether a stored call has no task yet (a repeated
// push keeps the task the sync gave the first one).
func (s *Server) stillWithoutTask(ctx context.Context, callID string) bool {
	t, err := s.store.CallTask(ctx, callID)
	return err == nil && t == ""
}
