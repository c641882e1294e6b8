package numbers

import (
	"io"

	"github.com/xuri/excelize/v2"
)

// TemplateHeaders are the headers of the downloadable template: the phone
// column and two example template variables.
var TemplateHeaders = []string{"号码", "姓名", "产品"}

// WriteTemplate writes an .xlsx with the expected headers and an example
// row, for people to fill in. The phone column is formatted as text, the
// rows people add included, so Excel keeps leading zeros and full digits.
func WriteTemplate(w io.Writer) error {
	return writeSheet(w, "号码", []float64{18, 14, 14}, 1, func(sw *excelize.StreamWriter, text int) error {
		header := make([]any, len(TemplateHeaders))
		for i, h := range TemplateHeaders {
			header[i] = excelize.Cell{Value: h, StyleID: text}
		}
		if err := sw.SetRow("A1", header); err != nil {
			return err
		}
		if err := sw.SetRow("A2", []any{excelize.Cell{Value: "13800138000", StyleID: text}, "张三", "贷款"}); err != nil {
			return err
		}
		return sw.SetRow("A3", []any{excelize.Cell{Value: "010-12345678", StyleID: text}, "李四", "信用卡"})
	})
}

// RejectWords are the words of the rejected-rows report in the reader's
// language: the sheet's name, the three column headers, and each row's
// reason (with its row number, for the report that keeps the file's
// columns); ReasonColumn is that report's last header, one of
// ReasonHeaders.
type RejectWords struct {
	Sheet        string
	Header       [3]string // row, number, reason
	Reason       func(Rejected) string
	ReasonColumn string
	LineReason   func(Rejected) string
}

// WriteRejectReport writes an .xlsx of the rows that were not sent. Given
// the file's header (phoneCol its phone column), it is the file again with
// only those rows, every cell as the file had it and the reason in a last
// column: fix the rows and upload it again (the reason column is skipped on
// reading). Rows stored without their cells get their phone cell alone.
// Without a header (imports stored before cells were kept), it lists the
// row number, the phone cell and the reason.
func WriteRejectReport(w io.Writer, header []string, phoneCol int, rows []Rejected, words RejectWords) error {
	if len(header) > 0 && phoneCol >= 0 && phoneCol < len(header) {
		widths := make([]float64, len(header)+1)
		for i := range header {
			widths[i] = 14
		}
		widths[phoneCol], widths[len(header)] = 18, 50
		return writeSheet(w, words.Sheet, widths, phoneCol+1, func(sw *excelize.StreamWriter, text int) error {
			head := make([]any, 0, len(header)+1)
			for _, h := range header {
				head = append(head, h)
			}
			if err := sw.SetRow("A1", append(head, words.ReasonColumn)); err != nil {
				return err
			}
			for i, r := range rows {
				cells := r.Cells
				if len(cells) == 0 {
					cells = make([]string, phoneCol+1)
					cells[phoneCol] = r.Raw
				}
				row := make([]any, len(header)+1)
				for c := range header {
					if c == phoneCol {
						row[c] = excelize.Cell{Value: cell(cells, c), StyleID: text}
					} else {
						row[c] = cell(cells, c)
					}
				}
				row[len(header)] = words.LineReason(r)
				cellName, err := excelize.CoordinatesToCellName(1, i+2)
				if err != nil {
					return err
				}
				if err := sw.SetRow(cellName, row); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return writeSheet(w, words.Sheet, []float64{10, 20, 50}, 2, func(sw *excelize.StreamWriter, text int) error {
		header := []any{words.Header[0], words.Header[1], words.Header[2]}
		if err := sw.SetRow("A1", header); err != nil {
			return err
		}
		for i, r := range rows {
			cellName, err := excelize.CoordinatesToCellName(1, i+2)
			if err != nil {
				return err
			}
			if err := sw.SetRow(cellName, []any{r.Line, excelize.Cell{Value: r.Raw, StyleID: text}, words.Reason(r)}); err != nil {
				return err
			}
		}
		return nil
	})
}

// writeSheet writes a one-sheet workbook; column textCol (1-based) is
// formatted as text as a whole, so a number typed into it later (a landline
// 010…) keeps its leading zero.
func writeSheet(w io.Writer, sheet string, widths []float64, textCol int, fill func(sw *excelize.StreamWriter, textStyle int) error) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": text
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	for i, wd := range widths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return err
		}
	}
	if err := sw.SetColStyle(textCol, textCol, text); err != nil {
		return err
	}
	if err := fill(sw, text); err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}
