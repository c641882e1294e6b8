package client

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// MaxPushSize bounds the push bodies ParsePush accepts.
const MaxPushSize = 4 << 20

// ParsePush parses a call result the platform posted to a task's push_url.
//
// The platform's push is not strict JSON (docs/platform.md §A.push; the manual prints
// `"ret_code":000000` and `"caller":02180344315`); ParsePush accepts it and
// keeps such numbers as their exact digits. The body is
// {"result":{"data":{"msg":[…],"detail":{…}},"ret_code":…}}; a body without
// the "result" wrapper, or with ret_code at the top, is accepted too.
func ParsePush(body []byte) (*Push, error) {
	if len(body) > MaxPushSize {
		return nil, fmt.Errorf("client: push body larger than %d bytes", MaxPushSize)
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, errors.New("client: empty push body")
	}
	type inner struct {
		Data    *CallResult `json:"data"`
		RetCode FlexString  `json:"ret_code"`
		// a flat body: {"msg":[…],"detail":{…}}
		Detail   *CallDetail `json:"detail"`
		Messages []Message   `json:"msg"`
	}
	var raw struct {
		Result *inner `json:"result"`
		inner
	}
	if err := decodeLenient(body, &raw); err != nil {
		return nil, fmt.Errorf("client: push: %w", err)
	}
	in := raw.inner
	if raw.Result != nil {
		in = *raw.Result
		if in.RetCode == "" {
			in.RetCode = raw.RetCode
		}
	}
	p := &Push{RetCode: strings.TrimSpace(string(in.RetCode))}
	switch {
	case in.Data != nil:
		p.CallResult = *in.Data
	case in.Detail != nil:
		p.Detail, p.Messages = *in.Detail, in.Messages
	default:
		return nil, errors.New("client: push has no call detail")
	}
	return p, nil
}

// OK reports whether the push carries ret_code 000000 (or none).
func (p *Push) OK() bool { return p.RetCode == "" || p.RetCode == CodeOK }
