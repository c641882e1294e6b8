// Package client is dialdesk's client for the AI outbound-calling platform.
//
// It speaks both of the platform's API surfaces: surface A, the open API
// "icall v5" (base .../api/icall/5/task/, appid + signature on every call),
// and surface B, the record API "v1" (Bearer token). It owns the platform's
// types, the lenient decoding its bodies need, the limits it imposes (15 task
// ids a call, 100 outids a call, pages of 15), typed errors with messages for
// people, and retries for idempotent reads.
//
// The shape follows go-github: one Client built with options, one place that
// builds requests and decodes responses, methods shaped (ctx, …) (T, error),
// each naming the vendor endpoint it calls.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults of a Client built without options.
const (
	DefaultTimeout       = 15 * time.Second
	DefaultRetries       = 2
	DefaultConcurrency   = 4
	DefaultDataBatchSize = 500

	// MaxTaskIDsPerCall is the platform's limit for query_task_info and
	// calls_count.
	MaxTaskIDsPerCall = 15
	// MaxOutIDsPerCall is the platform's limit for delete_task_data.
	MaxOutIDsPerCall = 100
	// PageSize is the platform's page size: query_time_task_data's maximum
	// page_size and surface B's fixed page.
	PageSize = 15
	// MaxFileSize is the platform's limit for add_task_file_data.
	MaxFileSize = 5 << 20

	maxBodySize = 32 << 20
	userAgent   = "dialdesk-client/1"
)

// Client calls the platform. It is safe for concurrent use.
type Client struct {
	http        *http.Client
	timeout     time.Duration
	retries     int
	concurrency int
	batchSize   int
	loc         *time.Location

	icallBase string // ends in "/"
	appID     string
	signature string

	v1Base  string // ends in "/", the part before "v1/"
	v1Token string

	backoffBase time.Duration
	backoffMax  time.Duration
	maxBody     int // bytes of a response body read at most
	observe     Observer

	err error // a bad option, returned by every call
}

// Option configures a Client.
type Option func(*Client)

// New returns a Client configured by opts.
func New(opts ...Option) *Client {
	c := &Client{
		http:        &http.Client{},
		timeout:     DefaultTimeout,
		retries:     DefaultRetries,
		concurrency: DefaultConcurrency,
		batchSize:   DefaultDataBatchSize,
		loc:         shanghai(),
		backoffBase: 200 * time.Millisecond,
		backoffMax:  3 * time.Second,
		maxBody:     maxBodySize,
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// WithICall configures surface A. baseURL includes the path up to the
// endpoint names, e.g. "https://icall.example.com/api/icall/5/task/".
func WithICall(baseURL, appid, signature string) Option {
	return func(c *Client) {
		base, err := normalizeBase(baseURL)
		if err != nil {
			c.err = fmt.Errorf("client: icall base URL: %w", err)
			return
		}
		c.icallBase, c.appID, c.signature = base, appid, signature
	}
}

// WithV1 configures surface B. baseURL is the part before "v1/", e.g.
// "https://console.example.com/" for https://console.example.com/v1/...;
// token is sent as "Authorization: Bearer <token>".
func WithV1(baseURL, token string) Option {
	return func(c *Client) {
		if strings.TrimSpace(baseURL) == "" {
			return
		}
		base, err := normalizeBase(baseURL)
		if err != nil {
			c.err = fmt.Errorf("client: v1 base URL: %w", err)
			return
		}
		base = strings.TrimSuffix(base, "v1/") // tolerate a base that includes v1/
		c.v1Base, c.v1Token = base, token
	}
}

// WithHTTPClient sets the http.Client used for every request.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.http = hc
		}
	}
}

// WithTimeout sets the time one request may take (each retry gets its own).
func WithTimeout(d time.Duration) Option {
	return func(c *Client) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithRetries sets how many times an idempotent read is retried after a
// network error or a 5xx (0 disables retries).
func WithRetries(n int) Option {
	return func(c *Client) {
		if n >= 0 {
			c.retries = n
		}
	}
}

// WithConcurrency sets how many calls a split read (query_task_info,
// calls_count) runs at once.
func WithConcurrency(n int) Option {
	return func(c *Client) {
		if n > 0 {
			c.concurrency = n
		}
	}
}

// WithDataBatchSize sets how many rows AddTaskData sends per add_task_data
// call.
func WithDataBatchSize(n int) Option {
	return func(c *Client) {
		if n > 0 {
			c.batchSize = n
		}
	}
}

// WithLocation sets the platform's time zone, used for surface B's
// "YYYY-MM-DD HH:MM:SS" times (default Asia/Shanghai).
func WithLocation(loc *time.Location) Option {
	return func(c *Client) {
		if loc != nil {
			c.loc = loc
		}
	}
}

// Observer is told of every call to the platform once it is over: the
// vendor's endpoint name, ErrorCode's code of the outcome (CodeOK for
// success) and the time it took, retries included. dialdesk's metrics
// count them (package metrics).
type Observer func(endpoint, code string, d time.Duration)

// WithObserver sets the function told of every call to the platform.
func WithObserver(o Observer) Option {
	return func(c *Client) { c.observe = o }
}

// observed runs call, one call to endpoint, and tells the observer.
func (c *Client) observed(endpoint string, call func() error) error {
	if c.observe == nil {
		return call()
	}
	start := time.Now()
	err := call()
	c.observe(endpoint, ErrorCode(err), time.Since(start))
	return err
}

// HasICall reports whether surface A is configured.
func (c *Client) HasICall() bool { return c.icallBase != "" }

// HasV1 reports whether surface B is configured.
func (c *Client) HasV1() bool { return c.v1Base != "" }

// Location returns the platform's time zone.
func (c *Client) Location() *time.Location { return c.loc }

func shanghai() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}

func normalizeBase(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", err
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("%q is not an http(s) URL", raw)
	}
	u.RawQuery, u.Fragment = "", ""
	s := u.String()
	if !strings.HasSuffix(s, "/") {
		s += "/"
	}
	return s, nil
}

// pathID checks an id that goes into a URL path and escapes it.
func pathID(id string) (string, error) {
	if id == "" || id == "." || id == ".." || len(id) > 256 {
		return "", fmt.Errorf("%w: %q", ErrInvalidID, id)
	}
	return url.PathEscape(id), nil
}

// checkID checks an id that goes into a query or form.
func checkID(id string) error {
	if strings.TrimSpace(id) == "" || len(id) > 256 {
		return fmt.Errorf("%w: %q", ErrInvalidID, id)
	}
	return nil
}

// request is one call to the platform, built by the endpoint methods and
// executed by do.
type request struct {
	v1         bool   // surface B
	method     string // GET or POST
	endpoint   string // the vendor's name, for errors
	path       string // relative to the surface base, already escaped
	query      url.Values
	form       url.Values // surface A POST body (form-encoded)
	jsonBody   any        // surface B POST body
	body       []byte     // prepared body (multipart)
	bodyType   string
	idempotent bool // a read: may be retried
}

type response struct {
	status int
	body   []byte
}

// do executes r with retries and returns the raw answer. It returns an
// *UpstreamError for transport failures and 5xx; other statuses are left to
// the caller.
func (c *Client) do(ctx context.Context, r *request) (*response, error) {
	if c.err != nil {
		return nil, c.err
	}
	base := c.icallBase
	if r.v1 {
		if c.v1Base == "" {
			return nil, fmt.Errorf("%w: surface B (v1) is not configured", ErrNotAvailable)
		}
		base = c.v1Base
	} else {
		if base == "" {
			return nil, ErrNotConfigured
		}
		// appid and signature: query string on GET, body on POST.
		if r.method == http.MethodGet {
			if r.query == nil {
				r.query = url.Values{}
			}
			r.query.Set("appid", c.appID)
			r.query.Set("signature", c.signature)
		} else if r.form != nil {
			r.form.Set("appid", c.appID)
			r.form.Set("signature", c.signature)
		}
	}
	u := base + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	var body []byte
	contentType := r.bodyType
	switch {
	case r.form != nil:
		body = []byte(r.form.Encode())
		contentType = "application/x-www-form-urlencoded"
	case r.jsonBody != nil:
		b, err := json.Marshal(r.jsonBody)
		if err != nil {
			return nil, fmt.Errorf("client: encode %s: %w", r.endpoint, err)
		}
		body, contentType = b, "application/json"
	case r.body != nil:
		body = r.body
	}

	var last error
	var lastStatus int
	attempts := 0
	for {
		attempts++
		resp, err := c.once(ctx, r, u, body, contentType)
		if err == nil && resp.status < 500 {
			return resp, nil
		}
		if errors.Is(err, errBodyTooLarge) {
			return nil, &UpstreamError{Kind: KindBadResponse, Endpoint: r.endpoint, StatusCode: resp.status, Attempts: attempts, Err: err}
		}
		if ctx.Err() != nil { // the caller gave up: stop here
			return nil, ctxError(ctx, r.endpoint, attempts)
		}
		last, lastStatus = err, 0
		if err == nil {
			lastStatus = resp.status
			last = fmt.Errorf("HTTP %d: %s", resp.status, snippet(resp.body))
		}
		retryable := r.idempotent || (err != nil && notSent(err))
		if !retryable || attempts > c.retries {
			break
		}
		if !sleep(ctx, c.backoff(attempts)) {
			return nil, ctxError(ctx, r.endpoint, attempts)
		}
	}
	kind := KindUnavailable
	if isTimeout(last) {
		kind = KindTimeout
	}
	return nil, &UpstreamError{Kind: kind, Endpoint: r.endpoint, StatusCode: lastStatus, Attempts: attempts, Err: last}
}

// ctxError reports the caller's context ending: context.Canceled as is, a
// deadline as a timeout.
func ctxError(ctx context.Context, endpoint string, attempts int) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return ctx.Err()
	}
	return &UpstreamError{Kind: KindTimeout, Endpoint: endpoint, Attempts: attempts, Err: ctx.Err()}
}

// once makes one request, within its own timeout.
func (c *Client) once(ctx context.Context, r *request, u string, body []byte, contentType string) (*response, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if r.v1 && c.v1Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.v1Token)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, redactURLError(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, int64(c.maxBody)+1))
	if err != nil {
		return nil, err
	}
	if len(b) > c.maxBody {
		return &response{status: res.StatusCode}, errBodyTooLarge
	}
	return &response{status: res.StatusCode, body: b}, nil
}

var errBodyTooLarge = errors.New("response body too large")

// redactURLError drops the query string from the URL that net/http quotes in
// a transport error: surface A's GETs carry appid and signature there, and
// error texts end up in logs and the audit log.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.RawQuery, u.User = "", nil
			ue.URL = u.String()
		} else {
			ue.URL = "(url withheld)"
		}
	}
	return err
}

// backoff returns the wait before retry n (1-based): exponential with full
// jitter, bounded.
func (c *Client) backoff(n int) time.Duration {
	d := c.backoffBase << (n - 1)
	if d > c.backoffMax || d <= 0 {
		d = c.backoffMax
	}
	if d <= 0 {
		return 0
	}
	return d/2 + rand.N(d/2+1)
}

func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// notSent reports whether err happened before the request reached the
// platform (connection refused, DNS), so even a write may be retried.
func notSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

func isTimeout(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func snippet(b []byte) string {
	const n = 200
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

// callA runs a surface-A request and decodes a successful answer into out
// (which may be nil). A ret_code other than 000000 becomes an *Error.
func (c *Client) callA(ctx context.Context, r *request, out any) error {
	return c.observed(r.endpoint, func() error { return c.callAOnce(ctx, r, out) })
}

func (c *Client) callAOnce(ctx context.Context, r *request, out any) error {
	resp, err := c.do(ctx, r)
	if err != nil {
		return err
	}
	var env struct {
		RetCode *FlexString `json:"ret_code"`
		RetMsg  FlexString  `json:"ret_msg"`
	}
	if err := decodeLenient(resp.body, &env); err != nil || env.RetCode == nil {
		if err == nil {
			err = errors.New("no ret_code in answer")
		}
		return &UpstreamError{Kind: KindBadResponse, Endpoint: r.endpoint, StatusCode: resp.status,
			Attempts: 1, Err: fmt.Errorf("%w: %s", err, snippet(resp.body))}
	}
	if code := strings.TrimSpace(string(*env.RetCode)); code != CodeOK {
		return &Error{Code: code, Msg: string(env.RetMsg), Endpoint: r.endpoint}
	}
	if out == nil {
		return nil
	}
	if err := decodeLenient(resp.body, out); err != nil {
		return &UpstreamError{Kind: KindBadResponse, Endpoint: r.endpoint, StatusCode: resp.status, Attempts: 1, Err: err}
	}
	return nil
}

// callB runs a surface-B request and decodes a successful answer into out.
// Error statuses and a body code other than 200 become an *Error.
func (c *Client) callB(ctx context.Context, r *request, out any) error {
	return c.observed(r.endpoint, func() error { return c.callBOnce(ctx, r, out) })
}

func (c *Client) callBOnce(ctx context.Context, r *request, out any) error {
	r.v1 = true
	resp, err := c.do(ctx, r)
	if err != nil {
		return err
	}
	var env struct {
		Code    *FlexInt   `json:"code"`
		Message FlexString `json:"message"`
		Msg     FlexString `json:"msg"`
	}
	envErr := decodeLenient(resp.body, &env)
	msg := string(env.Message)
	if msg == "" {
		msg = string(env.Msg)
	}
	if resp.status >= 300 {
		if msg == "" {
			msg = snippet(resp.body)
		}
		code := fmt.Sprint(resp.status)
		if env.Code != nil && *env.Code != 0 {
			code = fmt.Sprint(int(*env.Code))
		}
		return &Error{Code: code, Msg: msg, Endpoint: r.endpoint, HTTPStatus: resp.status}
	}
	if envErr == nil && env.Code != nil && *env.Code != 0 && *env.Code != 200 {
		status := int(*env.Code)
		if status < 400 || status > 599 {
			status = http.StatusBadRequest
		}
		return &Error{Code: fmt.Sprint(int(*env.Code)), Msg: msg, Endpoint: r.endpoint, HTTPStatus: status}
	}
	if err := decodeLenient(resp.body, out); err != nil {
		return &UpstreamError{Kind: KindBadResponse, Endpoint: r.endpoint, StatusCode: resp.status, Attempts: 1, Err: err}
	}
	return nil
}
