package sandbox

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"time"
)

// pushJob is one result push waiting to be sent.
type pushJob struct {
	url    string
	body   []byte
	callid string
}

// sendPushes delivers each push on its own goroutine, so the clock never waits for
// a slow receiver. A failed push (network error or non-2xx) is retried with
// exponential backoff, at most PushAttempts times in all.
func (s *Sandbox) sendPushes(jobs []pushJob) {
	for _, j := range jobs {
		s.pushWG.Add(1)
		go func() {
			defer s.pushWG.Done()
			s.deliver(j)
		}()
	}
}

func (s *Sandbox) deliver(j pushJob) {
	delay := s.opts.PushBackoff
	for attempt := 1; ; attempt++ {
		err := s.postOnce(j)
		if err == nil {
			s.count("push")
			return
		}
		if attempt >= s.opts.PushAttempts {
			s.log.Warn("sandbox: push given up", "url", j.url, "callid", j.callid, "attempts", attempt, "err", err)
			s.count("push_failed")
			return
		}
		s.log.Info("sandbox: push failed, retrying", "url", j.url, "callid", j.callid, "attempt", attempt, "err", err)
		time.Sleep(delay)
		delay *= 2
	}
}

type pushStatusError int

func (e pushStatusError) Error() string { return "push answered " + http.StatusText(int(e)) }

func (s *Sandbox) postOnce(j pushJob) error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.url, bytes.NewReader(j.body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	resp, err := s.opts.PushClient.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return pushStatusError(resp.StatusCode)
	}
	return nil
}
