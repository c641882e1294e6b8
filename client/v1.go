package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
)

// Surface B, "v1": docs/platform.md §B and §decisions 1–2. Paths are relative
// to the base given to WithV1.

// v1Page is the paging envelope of surface B. query_done_task_phones
// answers {"data":[…],"total":…,"last_page":…}; v1/task/number wraps the same
// in {"code":200,…,"data":{…}}. Both are read.
type v1Page[T any] struct {
	Data     json.RawMessage `json:"data"`
	Total    FlexInt         `json:"total"`
	LastPage FlexInt         `json:"last_page"`
	PerPage  FlexInt         `json:"per_page"`
}

func (p *v1Page[T]) items() ([]T, int, int, error) {
	data := bytes.TrimSpace(p.Data)
	if len(data) > 0 && data[0] == '{' {
		var inner v1Page[T]
		if err := decodeLenient(data, &inner); err != nil {
			return nil, 0, 0, err
		}
		return inner.items()
	}
	var items []T
	if len(data) > 0 && string(data) != "null" {
		if err := decodeLenient(data, &items); err != nil {
			return nil, 0, 0, err
		}
	}
	return items, int(p.Total), int(p.LastPage), nil
}

func badResponse(endpoint string, err error) error {
	return &UpstreamError{Kind: KindBadResponse, Endpoint: endpoint, Attempts: 1, Err: err}
}

// QueryDoneTaskPhones returns one page (of 15) of a task's call records,
// filtered by q. Endpoint: POST v1/task/query_done_task_phones (JSON body).
func (c *Client) QueryDoneTaskPhones(ctx context.Context, q RecordQuery) (*RecordPage, error) {
	if err := checkID(q.TaskID); err != nil {
		return nil, err
	}
	page := max(q.Page, 1)
	body := map[string]any{"task_id": q.TaskID, "page": page}
	if q.ID != "" {
		body["id"] = q.ID
	}
	if len(q.Levels) > 0 {
		body["levels"] = q.Levels
	}
	if q.Keyword != "" {
		body["keyword"] = q.Keyword
	}
	if q.Bills != nil {
		body["bills"] = *q.Bills
	}
	if q.Rounds != nil {
		body["rounds"] = *q.Rounds
	}
	if len(q.Tags) > 0 {
		body["tags"] = q.Tags
	}
	if !q.StartAt.IsZero() {
		body["start_at"] = q.StartAt.In(c.loc).Format(DateTimeLayout)
	}
	if !q.EndAt.IsZero() {
		body["end_at"] = q.EndAt.In(c.loc).Format(DateTimeLayout)
	}
	const ep = "v1/task/query_done_task_phones"
	r := &request{method: http.MethodPost, endpoint: ep, path: ep, jsonBody: body, idempotent: true}
	var out v1Page[Record]
	if err := c.callB(ctx, r, &out); err != nil {
		return nil, err
	}
	recs, total, last, err := out.items()
	if err != nil {
		return nil, badResponse(ep, err)
	}
	return &RecordPage{Total: total, LastPage: last, Page: page, PerPage: PageSize, Records: recs}, nil
}

// TaskNumbers returns one page (of 15) of a task's numbers, filtered by q.
// Arrays go in the query string PHP-style: status[]=0&status[]=1&type[]=lt.
// Endpoint: GET v1/task/number.
func (c *Client) TaskNumbers(ctx context.Context, q NumberQuery) (*NumberPage, error) {
	if err := checkID(q.TaskID); err != nil {
		return nil, err
	}
	page := max(q.Page, 1)
	v := url.Values{"task_id": {q.TaskID}, "page": {strconv.Itoa(page)}}
	for _, s := range q.Status {
		v.Add("status[]", strconv.Itoa(s))
	}
	if q.Keyword != "" {
		v.Set("keyword", q.Keyword)
	}
	for _, t := range q.Types {
		v.Add("type[]", t)
	}
	if q.CallHistory {
		v.Set("call_history", "1")
	}
	const ep = "v1/task/number"
	r := &request{method: http.MethodGet, endpoint: ep, path: ep, query: v, idempotent: true}
	var out v1Page[Number]
	if err := c.callB(ctx, r, &out); err != nil {
		return nil, err
	}
	nums, total, last, err := out.items()
	if err != nil {
		return nil, badResponse(ep, err)
	}
	return &NumberPage{Total: total, LastPage: last, Page: page, PerPage: PageSize, Numbers: nums}, nil
}

// Record returns one call in brief; its TaskID finds the call's task.
// Endpoint: GET v1/record/{record_id}.
func (c *Client) Record(ctx context.Context, recordID string) (*Record, error) {
	id, err := pathID(recordID)
	if err != nil {
		return nil, err
	}
	r := &request{method: http.MethodGet, endpoint: "v1/record", path: "v1/record/" + id, idempotent: true}
	var out struct {
		Data *Record    `json:"data"`
		ID   FlexString `json:"id"`
	}
	var raw json.RawMessage
	if err := c.callB(ctx, r, &raw); err != nil {
		return nil, err
	}
	if err := decodeLenient(raw, &out); err != nil {
		return nil, badResponse("v1/record", err)
	}
	if out.Data != nil {
		return out.Data, nil
	}
	if out.ID == "" {
		return nil, badResponse("v1/record", errors.New("no record in answer"))
	}
	var rec Record // a bare record, without the envelope
	if err := decodeLenient(raw, &rec); err != nil {
		return nil, badResponse("v1/record", err)
	}
	return &rec, nil
}

// RecordInfo returns one call in full: its events (use Turns), the call,
// its task, the callee's region and the script's main flow.
// Endpoint: GET v1/task/record_info/{task_id}/{record_id}.
func (c *Client) RecordInfo(ctx context.Context, taskID, recordID string) (*RecordInfo, error) {
	tid, err := pathID(taskID)
	if err != nil {
		return nil, err
	}
	rid, err := pathID(recordID)
	if err != nil {
		return nil, err
	}
	const ep = "v1/task/record_info"
	r := &request{method: http.MethodGet, endpoint: ep, path: ep + "/" + tid + "/" + rid, idempotent: true}
	var raw json.RawMessage
	if err := c.callB(ctx, r, &raw); err != nil {
		return nil, err
	}
	var wrapped struct {
		Records json.RawMessage `json:"records"`
		Data    *RecordInfo     `json:"data"`
	}
	if err := decodeLenient(raw, &wrapped); err != nil {
		return nil, badResponse(ep, err)
	}
	if wrapped.Records == nil && wrapped.Data != nil {
		return wrapped.Data, nil
	}
	var out RecordInfo
	if err := decodeLenient(raw, &out); err != nil {
		return nil, badResponse(ep, err)
	}
	return &out, nil
}

// Levels returns the intent levels with their score ranges. It returns
// ErrNotAvailable when the platform does not have the endpoint (404) or
// surface B is not configured. Endpoint: GET v1/levels (docs/platform.md
// §decisions 2).
func (c *Client) Levels(ctx context.Context) ([]Level, error) {
	var out []Level
	if err := c.optionalList(ctx, "v1/levels", &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Tags returns the tag groups with their tags. It returns ErrNotAvailable
// when the platform does not have the endpoint (404) or surface B is not
// configured. Endpoint: GET v1/tags (docs/platform.md §decisions 2).
func (c *Client) Tags(ctx context.Context) ([]TagGroup, error) {
	var out []TagGroup
	if err := c.optionalList(ctx, "v1/tags", &out); err != nil {
		return nil, err
	}
	return out, nil
}

// optionalList reads a list that may be bare or wrapped in {"data": …}.
func (c *Client) optionalList(ctx context.Context, ep string, out any) error {
	r := &request{method: http.MethodGet, endpoint: ep, path: ep, idempotent: true}
	var raw json.RawMessage
	err := c.callB(ctx, r, &raw)
	var pe *Error
	if errors.As(err, &pe) && pe.HTTPStatus == http.StatusNotFound {
		return ErrNotAvailable
	}
	if err != nil {
		return err
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '{' {
		var w struct {
			Data json.RawMessage `json:"data"`
		}
		if err := decodeLenient(raw, &w); err != nil {
			return badResponse(ep, err)
		}
		raw = w.Data
	}
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if err := decodeLenient(raw, out); err != nil {
		return badResponse(ep, err)
	}
	return nil
}
