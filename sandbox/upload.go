package sandbox

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"dialdesk/numbers"
)

// doNotCall is the account's do-not-call list: numbers the platform filters out.
var doNotCall = map[string]bool{"13800138000": true, "13900139000": true, "18888888888": true}

// addTaskFileData serves add_task_file_data. The workbook is parsed (by the same
// reader dialdesk uses, docs/platform.md §decisions 3) before taking the sandbox's lock,
// since a 100,000-row file takes seconds.
func (s *Sandbox) addTaskFileData(p *params) (any, error) {
	s.mu.Lock()
	_, err := s.w.task(p, false)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if !p.hasFile || len(p.file) == 0 {
		return nil, errCode("320031")
	}
	if p.fileSize > maxUpload {
		return nil, fail("320029", "文件大小超过5MB")
	}
	res, err := numbers.ParseBytes(context.Background(), p.file, "data.xlsx", numbers.ParseOptions{})
	if err != nil {
		var ne *numbers.Error
		if errors.As(err, &ne) {
			switch ne.Kind {
			case numbers.KindTooManyRows:
				return nil, fail("320029", "数据条数超过100000条")
			case numbers.KindTooLarge:
				return nil, fail("320029", "文件大小超过5MB")
			case numbers.KindNoData:
				return nil, errCode("320030")
			}
			return nil, errCode("320028")
		}
		return nil, errCode("320028")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.w
	t, err := w.task(p, false)
	if err != nil {
		return nil, err
	}
	if t.status == taskFinished {
		return nil, errCode("320023")
	}
	var defeat, repeat, filter, success int
	errRows := []int{}
	for _, r := range res.Rejected {
		switch r.Reason {
		case numbers.ReasonDuplicate, numbers.ReasonExisting:
			repeat++
		case numbers.ReasonFiltered:
			filter++
		default:
			defeat++
			errRows = append(errRows, r.Line)
		}
	}
	for _, row := range res.ValidRows {
		switch {
		case doNotCall[row.Phone]:
			filter++
			continue
		case t.phones[row.Phone]:
			repeat++
			continue
		}
		outid := strings.TrimSpace(row.OutID)
		if outid == "" {
			outid = fmt.Sprintf("F%d", w.nextNum)
		} else if liveOutID(t, outid) {
			defeat++
			errRows = append(errRows, row.Line)
			continue
		}
		w.addNumber(t, row.Phone, outid, parseVariables(row.Variables(res.Variables)))
		success++
	}
	w.settle(t)
	counts := res.Counts.Rows
	return struct {
		Counts        int    `json:"counts"`
		DefeatCounts  int    `json:"defeat_counts"`
		RepeatCounts  int    `json:"repeat_counts"`
		SuccessCounts int    `json:"success_counts"`
		RetMsg        string `json:"ret_msg"`
		FilterCount   int    `json:"filter_count"`
		RetCode       string `json:"ret_code"`
		ErrorData     []int  `json:"error_data"`
	}{counts, defeat, repeat, success,
		fmt.Sprintf("本次导入数据%d条,成功%d条,过滤免打扰客户数据%d条,失败%d条", counts, success, filter, defeat),
		filter, "000000", errRows}, nil
}
