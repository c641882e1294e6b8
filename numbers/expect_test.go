package numbers

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/xuri/excelize/v2"
)

// A workbook written with excelize's cell API says <dimension ref="A1"/>
// whatever it holds; the progress estimate then comes from the sheet's size,
// within 10% of the real row count (it used to be 1, so the progress bar was
// full from the first rows on).
func TestExpectEstimatedWithoutDimension(t *testing.T) {
	for _, n := range []int{5, 20000} {
		f := excelize.NewFile()
		f.SetSheetRow("Sheet1", "A1", &[]any{"手机号", "姓名"})
		for i := 0; i < n; i++ {
			cell, _ := excelize.CoordinatesToCellName(1, i+2)
			f.SetSheetRow("Sheet1", cell, &[]any{fmt.Sprintf("137%08d", i), fmt.Sprintf("客户%d", i)})
		}
		var buf bytes.Buffer
		if err := f.Write(&buf); err != nil {
			t.Fatal(err)
		}
		got := 0
		if _, err := ParseBytes(context.Background(), buf.Bytes(), "a.xlsx", ParseOptions{Expect: func(r int) { got = r }}); err != nil {
			t.Fatal(err)
		}
		if want := n + 1; got < want*9/10 || got > want*11/10 {
			t.Errorf("%d rows: expected %d, want about %d", n, got, want)
		}
	}
}
