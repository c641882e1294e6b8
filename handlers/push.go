package handlers

import (
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"dialdesk/client"
	"dialdesk/store"
)

// maxPushBody bounds a push body; a call's detail and transcript are a few
// kilobytes.
const maxPushBody = 1 << 20

// PushURL is a push_url for the platform: the public URL, the secret token,
// and, when known, the task id in the query so that a pushed call is filed
// under its task at once. Without it the receiver finds the task from the
// outid dialdesk gave the number, else the background sync names it.
func (s *Server) PushURL(taskID string) string {
	u := strings.TrimRight(s.cfg.PublicURL, "/") + "/hooks/icall/" + url.PathEscape(s.cfg.PushToken)
	if taskID != "" {
		u += "?" + url.Values{"task": {taskID}}.Encode()
	}
	return u
}

// pushReceive serves POST /hooks/icall/{token}: the platform's result push
// (seed 002 §2.6). No session, no CSRF: the token in the path is the secret,
// compared in constant time; a wrong one is 404 and a log line. The body,
// up to 1 MB (else 413), is read leniently (client.ParsePush: leading-zero
// numbers keep their digits) and the call is stored before the answer, so
// a 200 means it is kept. The same callid pushed again updates the one row.
// An empty or unreadable body is 400 and kept raw as a dead letter.
func (s *Server) pushReceive(w http.ResponseWriter, r *http.Request) error {
	tok := chi.URLParam(r, "token")
	if s.cfg.PushToken == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.PushToken)) != 1 {
		s.log.Warn("push refused: wrong token", "addr", clientIP(r))
		pushAnswer(w, http.StatusNotFound, "not found")
		return nil
	}
	// The call is stored even if the platform hangs up right after sending.
	ctx := context.WithoutCancel(r.Context())
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPushBody))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		s.log.Warn("push refused: body too large", "addr", clientIP(r), "limit", maxPushBody)
		pushAnswer(w, http.StatusRequestEntityTooLarge, "body too large")
		return nil
	case err != nil:
		s.deadLetter(ctx, r, "read: "+err.Error(), body)
		pushAnswer(w, http.StatusBadRequest, "unreadable body")
		return nil
	}
	p, err := client.ParsePush(body)
	if err == nil && strings.TrimSpace(string(p.Detail.CallID)) == "" {
		err = errors.New("push without callid")
	}
	if err != nil {
		s.deadLetter(ctx, r, err.Error(), body)
		pushAnswer(w, http.StatusBadRequest, "unreadable body")
		return nil
	}
	task := r.URL.Query().Get("task")
	if !validTaskID(task) {
		task = ""
	}
	c := storedCall(p.CallResult, task, store.SourcePush)
	if c.TaskID == "" && c.OutID != "" {
		// The push names no task, but dialdesk gave the number its outid.
		if t, err := s.store.TaskOfOutID(ctx, c.OutID); err == nil {
			c.TaskID = t
		}
	}
	created, err := s.store.SaveCall(ctx, c, false)
	if err != nil {
		// 500: the platform retries the push later.
		s.log.Error("push: store", "callid", c.CallID, "err", err)
		pushAnswer(w, http.StatusInternalServerError, "not stored")
		return nil
	}
	s.log.Info("push stored", "callid", c.CallID, "task", task, "new", created, "ret_code", p.RetCode)
	pushAnswer(w, http.StatusOK, "ok")
	return nil
}

// deadLetter keeps an unreadable push body for inspection.
func (s *Server) deadLetter(ctx context.Context, r *http.Request, reason string, body []byte) {
	s.log.Warn("push refused: unreadable body, kept as a dead letter", "addr", clientIP(r), "reason", reason, "bytes", len(body))
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

// storedCall converts a surface A call result (push, query_task_data,
// query_time_task_data) to the store's form.
func storedCall(cr client.CallResult, taskID, source string) store.Call {
	d := cr.Detail
	c := store.Call{
		CallID:    strings.TrimSpace(string(d.CallID)),
		TaskID:    taskID,
		OutID:     strings.TrimSpace(string(d.OutID)),
		Tel:       string(d.Tel),
		Caller:    string(d.Caller),
		Status:    int(d.Status),
		Intention: strings.Join(d.IntentionName, "\u0001"),
		StartAt:   millisTime(d.StartTime),
		AnswerAt:  millisTime(d.AnswerTime),
		EndAt:     millisTime(d.EndTime),
		CallMS:    int64(d.CallDuration),
		FeeMS:     int64(d.FeeDuration),
		UserMsgs:  int(d.UserMsgCount),
		VoiceURL:  strings.TrimSpace(string(d.VoiceURL)),
		DelFlag:   int(d.DelFlag),
		Source:    source,
	}
	for _, m := range cr.Messages {
		c.Messages = append(c.Messages, store.CallMessage{Sender: int(m.SenderType), Content: string(m.Content),
			At: millisTime(m.DateTime), Remark: string(m.Remark)})
	}
	return c
}

func millisTime(m client.Millis) time.Time {
	if m.IsZero() {
		return time.Time{}
	}
	return m.Time()
}
