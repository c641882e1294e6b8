package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
)

// Surface A, "icall v5": docs/platform.md §A. Every method names its endpoint under
// .../api/icall/5/task/.

func getA(endpoint string, q url.Values) *request {
	return &request{method: http.MethodGet, endpoint: endpoint, path: endpoint, query: q, idempotent: true}
}

// writeA is a GET that changes state (the vendor's lifecycle calls): never
// retried blindly.
func writeA(endpoint string, q url.Values) *request {
	return &request{method: http.MethodGet, endpoint: endpoint, path: endpoint, query: q}
}

func postA(endpoint string, form url.Values) *request {
	return &request{method: http.MethodPost, endpoint: endpoint, path: endpoint, form: form}
}

// CheckLoginName asks whether a login e-mail belongs to the appid's account.
// Endpoint: GET check_login_name.
func (c *Client) CheckLoginName(ctx context.Context, email string) (LoginCheck, error) {
	var out struct {
		CheckResult FlexInt    `json:"check_result"`
		Reason      FlexString `json:"reason"`
	}
	err := c.callA(ctx, getA("check_login_name", url.Values{"email": {email}}), &out)
	if err != nil {
		return LoginCheck{}, err
	}
	return LoginCheck{OK: out.CheckResult == 1, Reason: string(out.Reason)}, nil
}

// QueryTemplates lists the script templates usable for new tasks.
// Endpoint: GET query_template.
func (c *Client) QueryTemplates(ctx context.Context) ([]Template, error) {
	var out struct {
		Data []Template `json:"data"`
	}
	if err := c.callA(ctx, getA("query_template", nil), &out); err != nil {
		return nil, err
	}
	return out.Data, nil
}

// QueryRobotNum returns how many robots are available.
// Endpoint: GET query_robot_num.
func (c *Client) QueryRobotNum(ctx context.Context) (int, error) {
	var out struct {
		RobotNum FlexInt `json:"robot_num"`
	}
	if err := c.callA(ctx, getA("query_robot_num", nil), &out); err != nil {
		return 0, err
	}
	return int(out.RobotNum), nil
}

// QueryNumbers lists the caller-ID numbers with their concurrency, and the
// total concurrency. Endpoint: GET query_number.
func (c *Client) QueryNumbers(ctx context.Context) (numbers []CallerNumber, totalCount int, err error) {
	var out struct {
		Data       []CallerNumber `json:"data"`
		TotalCount FlexInt        `json:"total_count"`
	}
	if err := c.callA(ctx, getA("query_number", nil), &out); err != nil {
		return nil, 0, err
	}
	return out.Data, int(out.TotalCount), nil
}

// AddTask creates a task and returns its id. The task starts by itself once
// it has numbers and its validity has begun. Endpoint: POST add_task.
func (c *Client) AddTask(ctx context.Context, r AddTaskRequest) (taskID string, err error) {
	lineType := r.LineType
	if lineType == 0 {
		lineType = LineTypeLandline
	}
	f := url.Values{
		"templateid":     {r.TemplateID},
		"task_name":      {r.TaskName},
		"line_type":      {strconv.Itoa(lineType)},
		"telephone":      {strings.Join(r.Telephones, ",")},
		"robot_num":      {strconv.Itoa(r.RobotNum)},
		"time_type":      {strconv.Itoa(r.TimeType)},
		"call_time_slot": {strings.Join(r.CallTimeSlots, ",")},
		"task_status":    {"0"},
		"number_hide":    {strconv.Itoa(r.NumberHide)},
		"export_status":  {strconv.Itoa(r.ExportStatus)},
	}
	if !r.StartTime.IsZero() {
		f.Set("start_time", strconv.FormatInt(ToMillis(r.StartTime), 10))
	}
	if !r.EndTime.IsZero() {
		f.Set("end_time", strconv.FormatInt(ToMillis(r.EndTime), 10))
	}
	if r.PushURL != "" {
		f.Set("push_url", r.PushURL)
	}
	if r.PushType != 0 {
		f.Set("push_type", strconv.Itoa(r.PushType))
	}
	var out struct {
		Data struct {
			TaskID FlexString `json:"taskid"`
		} `json:"data"`
	}
	if err := c.callA(ctx, postA("add_task", f), &out); err != nil {
		return "", err
	}
	if out.Data.TaskID == "" {
		return "", &UpstreamError{Kind: KindBadResponse, Endpoint: "add_task", Attempts: 1, Err: fmt.Errorf("no data.taskid in answer")}
	}
	return string(out.Data.TaskID), nil
}

// AddTaskDataBatch sends rows to a task in one call, as given (no
// splitting), so an importer can track each batch itself.
// Endpoint: POST add_task_data.
func (c *Client) AddTaskDataBatch(ctx context.Context, taskID string, rows []DataRow) error {
	if err := checkID(taskID); err != nil {
		return err
	}
	if len(rows) == 0 {
		return nil
	}
	data, err := json.Marshal(rows)
	if err != nil {
		return err
	}
	return c.callA(ctx, postA("add_task_data", url.Values{"taskid": {taskID}, "data": {string(data)}}), nil)
}

// AddTaskData sends rows to a task in batches of the configured size
// (WithDataBatchSize, default 500), one after the other. On failure it
// returns what was accepted so far and a *BatchError naming the batch.
// Endpoint: POST add_task_data.
func (c *Client) AddTaskData(ctx context.Context, taskID string, rows []DataRow) (AddDataResult, error) {
	var res AddDataResult
	if err := checkID(taskID); err != nil {
		return res, err
	}
	for i, start := 0, 0; start < len(rows); i, start = i+1, start+c.batchSize {
		end := min(start+c.batchSize, len(rows))
		if err := c.AddTaskDataBatch(ctx, taskID, rows[start:end]); err != nil {
			return res, &BatchError{Batch: i, Start: start, End: end, Err: err}
		}
		res.Rows += end - start
		res.Batches++
	}
	return res, nil
}

// AddTaskFileData uploads an Excel number list (part data_file, at most
// 5 MB and 100,000 rows) to a task. Endpoint: POST add_task_file_data
// (multipart).
func (c *Client) AddTaskFileData(ctx context.Context, taskID, filename string, file io.Reader) (*FileImportResult, error) {
	if err := checkID(taskID); err != nil {
		return nil, err
	}
	content, err := io.ReadAll(io.LimitReader(file, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(content) > MaxFileSize {
		return nil, ErrFileTooLarge
	}
	if filename == "" {
		filename = "numbers.xlsx"
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, kv := range [][2]string{{"appid", c.appID}, {"signature", c.signature}, {"taskid", taskID}} {
		if err := mw.WriteField(kv[0], kv[1]); err != nil {
			return nil, err
		}
	}
	part, err := mw.CreateFormFile("data_file", filename)
	if err != nil {
		return nil, err
	}
	if _, err := part.Write(content); err != nil {
		return nil, err
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	r := &request{method: http.MethodPost, endpoint: "add_task_file_data", path: "add_task_file_data",
		body: buf.Bytes(), bodyType: mw.FormDataContentType()}
	var out FileImportResult
	if err := c.callA(ctx, r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// QueryTaskData returns one number's call result: its detail and its
// conversation. Endpoint: GET query_task_data.
func (c *Client) QueryTaskData(ctx context.Context, taskID, outID string) (*CallResult, error) {
	if err := checkID(taskID); err != nil {
		return nil, err
	}
	if err := checkID(outID); err != nil {
		return nil, err
	}
	var out struct {
		Data CallResult `json:"data"`
	}
	if err := c.callA(ctx, getA("query_task_data", url.Values{"taskid": {taskID}, "outid": {outID}}), &out); err != nil {
		return nil, err
	}
	return &out.Data, nil
}

// QueryTasks lists every unfinished task. Endpoint: GET query_task.
func (c *Client) QueryTasks(ctx context.Context) ([]Task, error) {
	var out struct {
		Data []Task `json:"data"`
	}
	if err := c.callA(ctx, getA("query_task", nil), &out); err != nil {
		return nil, err
	}
	return out.Data, nil
}

// EditTask changes a task's settings; only the fields set in r are sent.
// Endpoint: GET editor_task (sic: a GET that writes, never retried).
func (c *Client) EditTask(ctx context.Context, r EditTaskRequest) error {
	if err := checkID(r.TaskID); err != nil {
		return err
	}
	q := url.Values{"taskid": {r.TaskID}}
	if r.TaskName != nil {
		q.Set("task_name", *r.TaskName)
	}
	if r.Telephones != nil {
		q.Set("telephone", strings.Join(r.Telephones, ","))
	}
	if r.StartTime != nil {
		q.Set("start_time", strconv.FormatInt(ToMillis(*r.StartTime), 10))
	}
	if r.EndTime != nil {
		q.Set("end_time", strconv.FormatInt(ToMillis(*r.EndTime), 10))
	}
	if r.RobotNum != nil {
		q.Set("robot_num", strconv.Itoa(*r.RobotNum))
	}
	if r.TimeType != nil {
		q.Set("time_type", strconv.Itoa(*r.TimeType))
	}
	if r.CallTimeSlots != nil {
		q.Set("call_time_slot", strings.Join(r.CallTimeSlots, ","))
	}
	return c.callA(ctx, writeA("editor_task", q), nil)
}

func (c *Client) lifecycle(ctx context.Context, endpoint, taskID string) error {
	if err := checkID(taskID); err != nil {
		return err
	}
	return c.callA(ctx, writeA(endpoint, url.Values{"taskid": {taskID}}), nil)
}

// PauseTask pauses a running, queued or outside-hours task.
// Endpoint: GET pause_task.
func (c *Client) PauseTask(ctx context.Context, taskID string) error {
	return c.lifecycle(ctx, "pause_task", taskID)
}

// ResumeTask resumes a paused task (else 320024). Endpoint: GET resume_task.
func (c *Client) ResumeTask(ctx context.Context, taskID string) error {
	return c.lifecycle(ctx, "resume_task", taskID)
}

// EndTask finishes a task for good (320023 if it is already finished).
// Endpoint: GET end_task.
func (c *Client) EndTask(ctx context.Context, taskID string) error {
	return c.lifecycle(ctx, "end_task", taskID)
}

// DeleteTask deletes a task. Endpoint: GET delete_task.
func (c *Client) DeleteTask(ctx context.Context, taskID string) error {
	return c.lifecycle(ctx, "delete_task", taskID)
}

// QueryTaskInfo returns the settings and progress of any number of tasks.
// It splits ids into calls of at most 15, runs them concurrently (bounded
// by WithConcurrency) and returns the tasks in the order of ids (duplicates
// once; ids the platform does not return are left out).
// Endpoint: GET query_task_info.
func (c *Client) QueryTaskInfo(ctx context.Context, ids []string) ([]TaskInfo, error) {
	ids, err := uniqueIDs(ids)
	if err != nil {
		return nil, err
	}
	parts, err := fanOut(ctx, c.concurrency, slices.Collect(slices.Chunk(ids, MaxTaskIDsPerCall)), func(ctx context.Context, part []string) ([]TaskInfo, error) {
		var out struct {
			Data []TaskInfo `json:"data"`
		}
		err := c.callA(ctx, getA("query_task_info", url.Values{"taskid": {strings.Join(part, ",")}}), &out)
		return out.Data, err
	})
	if err != nil {
		return nil, err
	}
	return inOrder(ids, parts, func(t TaskInfo) string { return t.ID }), nil
}

// CallsCount returns, for any number of tasks, how many calls finished
// between begin and end, split into calls of at most 15 ids and returned in
// the order of ids. Endpoint: GET calls_count.
func (c *Client) CallsCount(ctx context.Context, ids []string, begin, end time.Time) ([]TaskCallCount, error) {
	ids, err := uniqueIDs(ids)
	if err != nil {
		return nil, err
	}
	b, e := strconv.FormatInt(ToMillis(begin), 10), strconv.FormatInt(ToMillis(end), 10)
	parts, err := fanOut(ctx, c.concurrency, slices.Collect(slices.Chunk(ids, MaxTaskIDsPerCall)), func(ctx context.Context, part []string) ([]TaskCallCount, error) {
		var out struct {
			Data []TaskCallCount `json:"data"`
		}
		q := url.Values{"taskid": {strings.Join(part, ",")}, "begin_time": {b}, "end_time": {e}}
		err := c.callA(ctx, getA("calls_count", q), &out)
		return out.Data, err
	})
	if err != nil {
		return nil, err
	}
	return inOrder(ids, parts, func(t TaskCallCount) string { return t.TaskID }), nil
}

// DeleteTaskData deletes numbers from a task by outid, in calls of at most
// 100, and returns the sum of del_counts. On failure it returns the count so
// far and a *BatchError. Endpoint: POST delete_task_data.
func (c *Client) DeleteTaskData(ctx context.Context, taskID string, outIDs []string) (deleted int, err error) {
	if err := checkID(taskID); err != nil {
		return 0, err
	}
	for i, start := 0, 0; start < len(outIDs); i, start = i+1, start+MaxOutIDsPerCall {
		end := min(start+MaxOutIDsPerCall, len(outIDs))
		var out struct {
			DelCounts FlexInt `json:"del_counts"`
		}
		f := url.Values{"taskid": {taskID}, "outid": {strings.Join(outIDs[start:end], ",")}}
		if err := c.callA(ctx, postA("delete_task_data", f), &out); err != nil {
			return deleted, &BatchError{Batch: i, Start: start, End: end, Err: err}
		}
		deleted += int(out.DelCounts)
	}
	return deleted, nil
}

// QueryTimeTaskData returns one page (of 15) of a task's call results in a
// time window. Endpoint: GET query_time_task_data.
func (c *Client) QueryTimeTaskData(ctx context.Context, q TimeTaskQuery) (*TimeTaskPage, error) {
	if err := checkID(q.TaskID); err != nil {
		return nil, err
	}
	page := max(q.PageNum, 1)
	v := url.Values{
		"taskid":     {q.TaskID},
		"begin_time": {strconv.FormatInt(ToMillis(q.Begin), 10)},
		"end_time":   {strconv.FormatInt(ToMillis(q.End), 10)},
		"page_size":  {strconv.Itoa(PageSize)},
		"page_num":   {strconv.Itoa(page)},
	}
	var out TimeTaskPage
	if err := c.callA(ctx, getA("query_time_task_data", v), &out); err != nil {
		return nil, err
	}
	out.PageNum = page
	return &out, nil
}

// EachTimeTaskData walks every page of query_time_task_data from
// q.PageNum (default 1) and calls fn for each call result, stopping at the
// first error (fn's error is returned as is).
func (c *Client) EachTimeTaskData(ctx context.Context, q TimeTaskQuery, fn func(CallResult) error) error {
	q.PageNum = max(q.PageNum, 1)
	for {
		p, err := c.QueryTimeTaskData(ctx, q)
		if err != nil {
			return err
		}
		for _, r := range p.Data {
			if err := fn(r); err != nil {
				return err
			}
		}
		switch {
		case len(p.Data) == 0 || q.PageNum >= maxPages:
			return nil
		case p.PageCount > 0 && q.PageNum >= int(p.PageCount):
			return nil
		case p.PageCount <= 0 && len(p.Data) < PageSize: // no page_count: a short page is the last
			return nil
		}
		q.PageNum++
	}
}

// maxPages bounds a walk over query_time_task_data, whatever page_count says.
const maxPages = 100000

// uniqueIDs validates ids and drops repeats, keeping the first.
func uniqueIDs(ids []string) ([]string, error) {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if err := checkID(id); err != nil {
			return nil, err
		}
		if strings.Contains(id, ",") {
			return nil, fmt.Errorf("%w: %q contains a comma", ErrInvalidID, id)
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}

// fanOut runs fn on each part, at most limit at once, and returns the
// results in the order of parts. The first error cancels the rest.
func fanOut[T any](ctx context.Context, limit int, parts [][]string, fn func(context.Context, []string) ([]T, error)) ([][]T, error) {
	out := make([][]T, len(parts))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(limit)
	for i, p := range parts {
		g.Go(func() error {
			r, err := fn(ctx, p)
			out[i] = r
			return err
		})
	}
	return out, g.Wait()
}

// inOrder merges parts and orders the items as ids lists them.
func inOrder[T any](ids []string, parts [][]T, key func(T) string) []T {
	byID := make(map[string]T)
	for _, p := range parts {
		for _, it := range p {
			if _, dup := byID[key(it)]; !dup {
				byID[key(it)] = it
			}
		}
	}
	out := make([]T, 0, len(ids))
	for _, id := range ids {
		if it, ok := byID[id]; ok {
			out = append(out, it)
		}
	}
	return out
}
