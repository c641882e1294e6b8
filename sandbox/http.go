package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

func (s *Sandbox) routes() {
	m := http.NewServeMux()
	m.HandleFunc("/api/icall/5/task/{endpoint}", s.icall)
	m.HandleFunc("POST /v1/task/query_done_task_phones", s.v1(s.v1DoneTaskPhones, "query_done_task_phones"))
	m.HandleFunc("GET /v1/task/number", s.v1(s.v1Numbers, "number"))
	m.HandleFunc("GET /v1/record/{id}", s.v1(s.v1Record, "record"))
	m.HandleFunc("GET /v1/task/record_info/{task}/{record}", s.v1(s.v1RecordInfo, "record_info"))
	m.HandleFunc("GET /v1/levels", s.v1(s.v1Levels, "levels"))
	m.HandleFunc("GET /v1/tags", s.v1(s.v1Tags, "tags"))
	m.HandleFunc("GET /recordings/{path...}", s.serveRecording)
	m.HandleFunc("GET /audio/templates/{file}", s.serveTemplateAudio)
	m.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "dialdesk sandbox platform: surface A under /api/icall/5/task/, surface B under /v1/\n")
	})
	s.mux = m
}

// writeJSON writes v as JSON the way the vendor does: no HTML escaping, so that a
// task named `<b>` arrives as `<b>` and the dashboard has to escape it itself.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// writeFault answers with an injected failure.
func writeFault(w http.ResponseWriter, k FaultKind, icall bool) {
	switch k {
	case Fault502:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n")
	case FaultMalformedJSON:
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		io.WriteString(w, `{"ret_code":"000000","data":[{"taskid":"10001`)
	default:
		if icall {
			writeJSON(w, http.StatusOK, retOnly{RetCode: "329999", RetMsg: "系统未知异常"})
		} else {
			writeJSON(w, http.StatusInternalServerError, v1Error{Code: 500, Status: "error", Message: "系统未知异常"})
		}
	}
}

// params are the arguments of a surface A call, wherever they came from: the query
// string, a form-encoded body (with data as a JSON string), or a JSON body.
type params struct {
	v        map[string]string
	file     []byte
	hasFile  bool
	fileSize int64
}

func (p *params) get(k string) string { return strings.TrimSpace(p.v[k]) }

func (p *params) has(k string) bool { _, ok := p.v[k]; return ok && p.get(k) != "" }

// int reads an integer parameter; ok is false when it is absent or not a number.
func (p *params) int(k string) (int64, bool) {
	s := p.get(k)
	if s == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, false
		}
		n = int64(f)
	}
	return n, true
}

const maxUpload = 5 << 20

func readParams(r *http.Request) (*params, error) {
	p := &params{v: map[string]string{}}
	for k, vs := range r.URL.Query() {
		if len(vs) > 0 {
			p.v[k] = vs[0]
		}
	}
	if r.Method != http.MethodPost && r.Method != http.MethodPut {
		return p, nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case ct == "multipart/form-data":
		r.Body = http.MaxBytesReader(nil, r.Body, 64<<20)
		mr, err := r.MultipartReader()
		if err != nil {
			return nil, err
		}
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, err
			}
			if part.FileName() != "" || part.FormName() == "data_file" {
				b, err := io.ReadAll(io.LimitReader(part, maxUpload+1))
				if err != nil {
					return nil, err
				}
				n, _ := io.Copy(io.Discard, part)
				p.file, p.hasFile, p.fileSize = b, true, int64(len(b))+n
				continue
			}
			b, err := io.ReadAll(io.LimitReader(part, 1<<20))
			if err != nil {
				return nil, err
			}
			p.v[part.FormName()] = string(b)
		}
	case ct == "application/json" || ct == "text/json":
		body, err := io.ReadAll(io.LimitReader(r.Body, 32<<20))
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(body)) == 0 {
			return p, nil
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			return nil, err
		}
		for k, v := range m {
			switch x := v.(type) {
			case nil:
			case string:
				p.v[k] = x
			case json.Number:
				p.v[k] = x.String()
			case bool:
				p.v[k] = strconv.FormatBool(x)
			default:
				b, _ := json.Marshal(x)
				p.v[k] = string(b)
			}
		}
	default:
		body, err := io.ReadAll(io.LimitReader(r.Body, 32<<20))
		if err != nil {
			return nil, err
		}
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, err
		}
		for k, vs := range vals {
			if len(vs) > 0 {
				p.v[k] = vs[0]
			}
		}
	}
	return p, nil
}

// apiError is a surface A business error: a vendor ret_code and its message.
type apiError struct{ code, msg string }

func (e *apiError) Error() string { return e.code + " " + e.msg }

func fail(code, msg string) error { return &apiError{code, msg} }

// The vendor's error messages (docs/platform.md §A.errors).
var retMsgs = map[string]string{
	"320001": "appid或者signature有误",
	"329999": "系统未知异常",
	"320011": "模板id为空",
	"320012": "任务名称为空",
	"320013": "机器人数量有误",
	"320014": "外显号码为空",
	"320015": "有效期类型为空",
	"320016": "自定义有效期开始或结束时间为空",
	"320017": "拨打时间段为空",
	"320018": "data格式错误",
	"320019": "任务或者模板有误",
	"320020": "任务已经被删除",
	"320021": "任务id为空",
	"320022": "任务id有误",
	"320023": "任务未开始或已完结",
	"320024": "只有暂停中的任务可以继续操作",
	"320025": "验证邮箱为空",
	"320026": "开始时间为空",
	"320027": "结束时间为空",
	"320028": "文件格式不正确",
	"320029": "大于最大上传条数",
	"320030": "上传的数据有误",
	"320031": "上传文件不存在",
	"320032": "outid为空",
	"320033": "outid数量超出限制",
}

func errCode(code string) error { return &apiError{code, retMsgs[code]} }

type retOnly struct {
	RetCode string `json:"ret_code"`
	RetMsg  string `json:"ret_msg"`
}

type v1Error struct {
	Code    int    `json:"code"`
	Status  string `json:"status"`
	Message string `json:"message"`
}
