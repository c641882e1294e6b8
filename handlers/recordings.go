package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"dialdesk/store"
)

// The recording proxy. The browser never hands dialdesk a URL: it asks for a
// call's recording by the call's id, and dialdesk resolves the URL itself
// (voice_url on surface A, RecordingsURL + recordfile on surface B), refuses
// any host not in Config.RecordingHosts (no open proxy) and any URL not
// shaped like a recording (notRecordingShaped), passes on only answers that
// are audio (audioType), and streams the bytes through without holding whole
// files in memory, Range requests passed on so that seeking works
// (docs/platform.md §decisions 5).

// recordingTransport is shared by every recording stream: its connections to
// the recording hosts are reused. No compression: a gzip-decoded body would
// not match the Content-Range the upstream sends.
var recordingTransport = func() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DisableCompression = true
	t.MaxIdleConnsPerHost = 64
	t.ResponseHeaderTimeout = 20 * time.Second
	t.Proxy = nil // recordings come from configured hosts, directly
	return t
}()

// streamWriteWindow is how long one write to the browser may take before the
// stream is given up; each write moves the deadline (the server's own
// WriteTimeout would cut long recordings short).
const streamWriteWindow = time.Minute

// errRecordingHost is returned for an upstream URL whose host is not allowed.
var errRecordingHost = errors.New("recording host not allowed")

// streamUpstreamAudio streams the audio at rawURL to w. rawURL must come from
// the platform (or our own configuration), never from the browser; its host
// must be one of Config.RecordingHosts, else the answer is 404 (and a log
// line), redirects included. The request's Range, If-Range and validators go
// upstream; the status (200, 206, 304, 416) and Content-Length, Content-Range,
// Accept-Ranges, ETag and Last-Modified come back as the upstream gives them.
// The body is copied as it arrives (io.Copy), never buffered whole.
//
// It returns nil once the response has started (a broken stream is only
// logged), and an error for the funnel when nothing was written yet.
func (s *Server) streamUpstreamAudio(w http.ResponseWriter, r *http.Request, rawURL string) error {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || !s.RecordingHostAllowed(u) {
		s.log.Warn("recording refused", "reason", "host not allowed", "url", redactURL(u, rawURL))
		return httpError(http.StatusNotFound, "err.notfound", errRecordingHost)
	}
	if why := notRecordingShaped(u); why != "" {
		s.log.Warn("recording refused", "reason", why, "url", redactURL(u, rawURL))
		return httpError(http.StatusNotFound, "err.notfound", errRecordingShape)
	}
	method := http.MethodGet
	if r.Method == http.MethodHead {
		method = http.MethodHead
	}
	req, err := http.NewRequestWithContext(r.Context(), method, u.String(), nil)
	if err != nil {
		return httpError(http.StatusNotFound, "err.notfound", err)
	}
	for _, h := range []string{"Range", "If-Range", "If-None-Match", "If-Modified-Since"} {
		if v := r.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	req.Header.Set("Accept", "audio/*, */*;q=0.5")
	hc := &http.Client{
		Transport: recordingTransport,
		CheckRedirect: func(next *http.Request, via []*http.Request) error {
			if len(via) >= 3 || !s.RecordingHostAllowed(next.URL) {
				return errRecordingHost
			}
			if notRecordingShaped(next.URL) != "" {
				return errRecordingShape
			}
			return nil
		},
	}
	res, err := hc.Do(req)
	if err == nil && method == http.MethodHead && (res.StatusCode == http.StatusMethodNotAllowed || res.StatusCode == http.StatusNotImplemented) {
		// A recording host without HEAD: ask with GET and send the headers only.
		res.Body.Close()
		req.Method = http.MethodGet
		res, err = hc.Do(req)
	}
	if err != nil {
		if r.Context().Err() != nil {
			return r.Context().Err()
		}
		if errors.Is(err, errRecordingHost) || errors.Is(err, errRecordingShape) {
			s.log.Warn("recording refused", "reason", "redirect to a host or path not allowed", "url", redactURL(u, rawURL))
			return httpError(http.StatusNotFound, "err.notfound", err)
		}
		return httpError(http.StatusBadGateway, "calls.audio.unavailable", err)
	}
	defer res.Body.Close()

	switch res.StatusCode {
	case http.StatusOK, http.StatusPartialContent, http.StatusNotModified, http.StatusRequestedRangeNotSatisfiable:
	case http.StatusNotFound, http.StatusGone, http.StatusForbidden:
		return httpError(http.StatusNotFound, "calls.audio.missing", fmt.Errorf("upstream %d", res.StatusCode))
	default:
		return httpError(http.StatusBadGateway, "calls.audio.unavailable", fmt.Errorf("upstream %d", res.StatusCode))
	}

	ctype := res.Header.Get("Content-Type")
	if (res.StatusCode == http.StatusOK || res.StatusCode == http.StatusPartialContent) && !audioType(ctype) {
		// An answer that is not audio (a page, JSON of an API) is not passed on.
		s.log.Warn("recording refused", "reason", "not audio", "content_type", ctype, "url", redactURL(u, rawURL))
		return httpError(http.StatusBadGateway, "calls.audio.unavailable", fmt.Errorf("upstream content type %q", ctype))
	}
	h := w.Header()
	for _, k := range []string{"Content-Length", "Content-Range", "Accept-Ranges", "ETag", "Last-Modified"} {
		if v := res.Header.Get(k); v != "" {
			h.Set(k, v)
		}
	}
	h.Set("Content-Type", audioContentType(ctype, u.Path))
	// A recording is a customer's voice: no shared cache and no copy kept
	// on the user's disk.
	h.Set("Cache-Control", "private, no-store")
	// Whatever the upstream sent, it is never a document of ours.
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.WriteHeader(res.StatusCode)
	if method == http.MethodHead || res.StatusCode == http.StatusNotModified {
		return nil
	}
	n, err := io.Copy(&deadlineWriter{w: w, rc: http.NewResponseController(w)}, res.Body)
	if err != nil && r.Context().Err() == nil {
		s.log.Info("recording stream ended early", "url", redactURL(u, rawURL), "bytes", n, "err", err)
	}
	return nil
}

// errRecordingShape is returned for an upstream URL that is not shaped like
// a recording (see notRecordingShaped).
var errRecordingShape = errors.New("not a recording URL")

// notRecordingShaped says why u, on an allowed host, is still not fetched as
// a recording, or "". Recording URLs come from the platform (voice_url, a
// template's record) or are RecordingsURL + a recordfile path; none of them
// carries the platform's credentials or points at its API, so a URL that
// does (a voice_url crafted to read the task list with dialdesk's appid) is
// refused before any request: a query with appid or signature, a path
// on either surface's API (/api/icall/…, v1/task/…, v1/record…, v1/levels,
// v1/tags), and paths with dot segments or encoded slashes, which a server
// could resolve to such a path.
func notRecordingShaped(u *url.URL) string {
	if u.User != nil {
		return "credentials in the URL"
	}
	for k := range u.Query() {
		// The platform's own parameter names: appid in any case, signature
		// as surface A spells it (a storage service's signed URL, with its
		// own Signature or OSSAccessKeyId, is a recording like any other).
		if strings.EqualFold(k, "appid") || k == "signature" {
			return "the platform's credentials in the query"
		}
	}
	raw := strings.ToLower(u.EscapedPath())
	if strings.Contains(raw, "%2f") || strings.Contains(raw, "%5c") || strings.Contains(u.Path, "\\") {
		return "encoded slash in the path"
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if seg == "." || seg == ".." {
			return "dot segment in the path"
		}
	}
	p := strings.ToLower(u.Path)
	for _, api := range []string{"/api/icall/", "/v1/task/", "/v1/record/", "/v1/record_info", "/v1/levels", "/v1/tags"} {
		if strings.Contains(p+"/", api) {
			return "the platform's API path"
		}
	}
	return ""
}

// audioType reports whether an upstream Content-Type is one a recording is
// served with: audio/*, application/ogg, or the generic binary
// application/octet-stream (file servers that do not know .wav). Anything
// else, or none, is not a recording.
func audioType(ctype string) bool {
	mt, _, err := mime.ParseMediaType(ctype)
	return err == nil && (strings.HasPrefix(mt, "audio/") || mt == "application/ogg" || mt == "application/octet-stream")
}

// audioContentType keeps the upstream's type when it is audio, else (the
// generic binary type) names the type from the file's extension.
func audioContentType(upstream, p string) string {
	if mt, _, err := mime.ParseMediaType(upstream); err == nil {
		if strings.HasPrefix(mt, "audio/") || mt == "application/ogg" {
			return upstream
		}
	}
	switch strings.ToLower(p[strings.LastIndexByte(p, '.')+1:]) {
	case "wav":
		return "audio/wav"
	case "mp3":
		return "audio/mpeg"
	case "ogg", "oga":
		return "audio/ogg"
	case "m4a", "mp4":
		return "audio/mp4"
	}
	return "application/octet-stream"
}

// deadlineWriter moves the connection's write deadline before each write, so
// a long recording streams as long as the browser keeps reading.
type deadlineWriter struct {
	w  io.Writer
	rc *http.ResponseController
}

func (d *deadlineWriter) Write(p []byte) (int, error) {
	_ = d.rc.SetWriteDeadline(time.Now().Add(streamWriteWindow)) // unsupported writers (tests) just don't move it
	return d.w.Write(p)
}

// redactURL is a URL for the logs: scheme, host and path, no query (signed
// URLs carry credentials there).
func redactURL(u *url.URL, raw string) string {
	if u == nil {
		if len(raw) > 80 {
			raw = raw[:80]
		}
		return raw
	}
	host := u.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h + ":" + u.Port()
	}
	return u.Scheme + "://" + host + u.EscapedPath()
}

// recording serves GET and HEAD /recordings/{task}/{call} (logged in): the
// call's recording, streamed through dialdesk; ?download=1 makes it an
// attachment. HEAD answers the same headers (length, ranges) without a body.
// {call} is the id in the call's page URL (v1 record id, callid or outid);
// a malformed or unknown id is 404.
func (s *Server) recording(w http.ResponseWriter, r *http.Request) error {
	task, key := chi.URLParam(r, "task"), chi.URLParam(r, "call")
	if !validTaskID(task) || !validCallKey(key) {
		return errNotFound
	}
	src, err := s.recordingSource(r.Context(), task, key)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("download") != "" {
		ext := path.Ext(strings.SplitN(src, "?", 2)[0])
		if len(ext) > 5 || ext == "" {
			ext = ".wav"
		}
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "call-" + key + ext}))
	}
	return s.streamUpstreamAudio(w, r, src)
}

// recordingSource resolves a call's recording URL on the server: voice_url
// of a stored call (surface A), else RecordingsURL + recordfile of the v1
// record (surface B, which must belong to task), else query_task_data's
// voice_url (surface A, key as outid). Answers are remembered a few minutes:
// a player asks many times while seeking.
func (s *Server) recordingSource(ctx context.Context, task, key string) (string, error) {
	return s.calls.audioURL(task+"/"+key, func() (string, error) { return s.resolveRecording(ctx, task, key) })
}

// audioURL returns the upstream URL remembered under k for recURLTTL, else
// the one resolve finds (remembered when found). Recordings and template
// audio share it: a player asks many times with Range while seeking, and
// each ask would otherwise cost the platform a lookup.
func (c *callMetaCache) audioURL(k string, resolve func() (string, error)) (string, error) {
	if src, ok := c.recs.get(k); ok {
		return src, nil
	}
	src, err := resolve()
	if err != nil {
		return "", err
	}
	c.recs.put(k, src)
	return src, nil
}

func (s *Server) resolveRecording(ctx context.Context, task, key string) (string, error) {
	sc, err := s.store.Call(ctx, task, key)
	switch {
	case err == nil && sc.VoiceURL != "":
		return sc.VoiceURL, nil
	case err == nil:
		return "", httpError(http.StatusNotFound, "calls.audio.missing", nil)
	case !errors.Is(err, store.ErrNotFound):
		return "", err
	}
	if err := s.notOtherTasksCall(ctx, task, key); err != nil {
		return "", err
	}
	if s.client.HasV1() {
		rec, err := s.client.Record(ctx, key)
		if err != nil {
			return "", err
		}
		if string(rec.TaskID) != task {
			return "", errNotFound
		}
		return s.recordFileURL(rec.RecordFile)
	}
	cr, err := s.client.QueryTaskData(ctx, task, key)
	if err != nil {
		return "", err
	}
	if cr.Detail.VoiceURL == "" {
		return "", httpError(http.StatusNotFound, "calls.audio.missing", nil)
	}
	return string(cr.Detail.VoiceURL), nil
}

// notOtherTasksCall answers 404 (errNotFound) when key is the callid of a
// stored call filed under another task than taskID, or under none yet: such a
// call is not opened under taskID's URL (nor shown with its masking), whatever
// the platform would say. Call pages and recordings use it once the store has
// no call of taskID by that key.
func (s *Server) notOtherTasksCall(ctx context.Context, taskID, key string) error {
	switch t, err := s.store.CallTask(ctx, key); {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return err
	case t != taskID:
		return errNotFound
	}
	return nil
}

// recordFileURL is RecordingsURL + a v1 recordfile path, each segment
// escaped; a path that tries to climb out ("..") is refused.
func (s *Server) recordFileURL(file string) (string, error) {
	file = strings.TrimSpace(file)
	if file == "" || s.cfg.RecordingsURL == "" {
		return "", httpError(http.StatusNotFound, "calls.audio.missing", nil)
	}
	segs := strings.Split(strings.Trim(file, "/"), "/")
	for i, seg := range segs {
		if seg == "" || seg == "." || seg == ".." {
			return "", errNotFound
		}
		segs[i] = url.PathEscape(seg)
	}
	return strings.TrimRight(s.cfg.RecordingsURL, "/") + "/" + strings.Join(segs, "/"), nil
}
