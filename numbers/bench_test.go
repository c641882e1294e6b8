package numbers

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/xuri/excelize/v2"

	"dialdesk/internal/xlsxread"
)

// The benchmark files: 100,000 data rows each, generated once per run.
//
//	inline: written by excelize's StreamWriter (inline strings, <c t="inlineStr">)
//	shared: written as Excel and LibreOffice write (xl/sharedStrings.xml and <c t="s">)
var (
	benchOnce  sync.Once
	benchDir   string
	benchFiles map[string]string
	benchErr   error
)

const benchRows = MaxRows

func benchFile(tb testing.TB, kind string) []byte {
	tb.Helper()
	benchOnce.Do(func() {
		benchDir, benchErr = os.MkdirTemp("", "numbers-bench-")
		if benchErr != nil {
			return
		}
		benchFiles = map[string]string{
			"inline": filepath.Join(benchDir, "inline.xlsx"),
			"shared": filepath.Join(benchDir, "shared.xlsx"),
		}
		if benchErr = writeInlineBook(benchFiles["inline"]); benchErr == nil {
			benchErr = writeSharedBook(benchFiles["shared"])
		}
	})
	if benchErr != nil {
		tb.Fatal(benchErr)
	}
	data, err := os.ReadFile(benchFiles[kind])
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

var benchHeader = []string{"号码", "姓名", "产品", "城市", "备注", "地址", "邮箱"}

// benchRow makes row i's cells: mostly clean mobiles, some with +86,
// dashes or spaces, 1% invalid and 1% repeated.
func benchRow(rng *rand.Rand, i int) []string {
	phone := fmt.Sprintf("1%d%09d", 3+i%7, i)
	switch {
	case i%100 == 7:
		phone = "12345"
	case i%100 == 9 && i > 100:
		phone = fmt.Sprintf("1%d%09d", 3+(i-50)%7, i-50)
	case i%10 == 3:
		phone = "+86 " + phone[:3] + "-" + phone[3:7] + "-" + phone[7:]
	case i%10 == 5:
		phone = phone[:3] + " " + phone[3:7] + " " + phone[7:]
	}
	names := []string{"张三", "李四", "王五", "赵六", "钱七", "孙八"}
	products := []string{"贷款", "信用卡", "保险", "理财"}
	cities := []string{"上海", "北京", "深圳", "广州", "杭州"}
	return []string{phone, names[rng.Intn(len(names))] + strconv.Itoa(i%1000), products[i%4], cities[rng.Intn(5)],
		fmt.Sprintf("客户编号 C%06d", i),
		fmt.Sprintf("%s市某某区幸福路%d号%d室(工作日九点至十八点联系)", cities[i%5], i%997, i%1000),
		fmt.Sprintf("user%06d@example.com", i)}
}

func writeInlineBook(path string) error {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return err
	}
	row := make([]any, len(benchHeader))
	for i, h := range benchHeader {
		row[i] = h
	}
	if err := sw.SetRow("A1", row); err != nil {
		return err
	}
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < benchRows; i++ {
		for j, v := range benchRow(rng, i) {
			row[j] = v
		}
		cellName, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cellName, row); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.SaveAs(path)
}

// writeSharedBook writes the XML parts of a workbook as Excel does: every
// string cell is an index into xl/sharedStrings.xml.
func writeSharedBook(path string) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	defer out.Close()
	zw := zip.NewWriter(out)
	part := func(name, body string) error {
		w, err := zw.Create(name)
		if err == nil {
			_, err = w.Write([]byte(body))
		}
		return err
	}
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	parts := [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook ` + ns + ` xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="客户名单" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`},
		{"xl/styles.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet ` + ns + `><fonts count="1"><font><sz val="11"/><name val="等线"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>`},
	}
	for _, p := range parts {
		if err := part(p[0], p[1]); err != nil {
			return err
		}
	}
	// Collect the strings first, as Excel does when it saves.
	index := map[string]int{}
	var sst []string
	intern := func(s string) int {
		if i, ok := index[s]; ok {
			return i
		}
		index[s] = len(sst)
		sst = append(sst, s)
		return len(sst) - 1
	}
	rng := rand.New(rand.NewSource(1))
	w, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+`<worksheet %s xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"><dimension ref="A1:G%d"/><sheetViews><sheetView workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15"/><sheetData>`, ns, benchRows+1)
	writeRow := func(r int, cells []string) {
		fmt.Fprintf(bw, `<row r="%d" spans="1:7" x14ac:dyDescent="0.25">`, r)
		for j, v := range cells {
			col := string(rune('A' + j))
			fmt.Fprintf(bw, `<c r="%s%d" s="1" t="s"><v>%d</v></c>`, col, r, intern(v))
		}
		bw.WriteString(`</row>`)
	}
	writeRow(1, benchHeader)
	for i := 0; i < benchRows; i++ {
		writeRow(i+2, benchRow(rng, i))
	}
	bw.WriteString(`</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>`)
	if err := bw.Flush(); err != nil {
		return err
	}
	w, err = zw.Create("xl/sharedStrings.xml")
	if err != nil {
		return err
	}
	bw = bufio.NewWriter(w)
	fmt.Fprintf(bw, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+`<sst %s count="%d" uniqueCount="%d">`, ns, (benchRows+1)*len(benchHeader), len(sst))
	for _, s := range sst {
		bw.WriteString(`<si><t>`)
		bw.WriteString(s) // no characters needing escapes
		bw.WriteString(`</t></si>`)
	}
	bw.WriteString(`</sst>`)
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return out.Close()
}

// bareRows iterates the rows as excelize alone would, with the same
// options Parse uses: the baseline Parse is measured against.
func bareRows(data []byte) (int, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: UnzipSizeLimit})
	if err != nil {
		return 0, err
	}
	defer f.Close()
	rows, err := f.Rows(f.GetSheetName(0))
	if err != nil {
		return 0, err
	}
	n := 0
	for rows.Next() {
		cells, err := rows.Columns()
		if err != nil {
			return n, err
		}
		n += len(cells)
	}
	return n, rows.Close()
}

// fastScan iterates the rows with the fast reader alone, keeping none:
// the floor of Parse's reading.
func fastScan(data []byte) (int, error) {
	b, err := xlsxread.Open(data, xlsxread.Options{MaxUnzipSize: UnzipSizeLimit})
	if err != nil {
		return 0, err
	}
	rows, err := b.Rows()
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	return n, rows.Err()
}

func benchParse(data []byte) (*Result, error) {
	return ParseBytes(context.Background(), data, "bench.xlsx", ParseOptions{
		Existing:  func(p string) bool { return false },
		DoNotCall: func(p string) bool { return false },
	})
}

func checkBenchResult(tb testing.TB, res *Result) {
	tb.Helper()
	c := res.Counts
	if c.Rows != benchRows || c.Invalid != 1000 || c.Duplicate == 0 || c.Valid+c.Duplicate != benchRows-1000 {
		tb.Fatalf("unexpected counts %+v", c)
	}
}

// BenchmarkRows measures, per file kind, in one process: excelize's bare
// Rows() (the old reader's floor), the fast reader's floors (inflating the
// parts alone; scanning the rows without the parser), and Parse (parse +
// validate + de-duplicate). Each reports its CPU time too (cpu-s/op, all
// threads), which a busy machine disturbs less than wall time; the parse
// reports its ratio to the bare excelize run of the same kind.
func BenchmarkRows(b *testing.B) {
	for _, kind := range []string{"inline", "shared"} {
		data := benchFile(b, kind)
		var bareCPU float64
		run := func(name string, f func(b *testing.B) float64) {
			b.Run(kind+"/"+name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(data)))
				start := cpuTime()
				for b.Loop() {
					f(b)
				}
				cpu := (cpuTime() - start) / float64(b.N)
				b.ReportMetric(cpu, "cpu-s/op")
				switch name {
				case "bare":
					bareCPU = cpu
				case "parse":
					if bareCPU > 0 {
						b.ReportMetric(cpu/bareCPU, "x-bare-cpu")
					}
				}
			})
		}
		run("bare", func(b *testing.B) float64 {
			if n, err := bareRows(data); err != nil || n < benchRows*len(benchHeader) {
				b.Fatal(n, err)
			}
			return 0
		})
		run("inflate", func(b *testing.B) float64 {
			zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				b.Fatal(err)
			}
			for _, f := range zr.File {
				rc, err := f.Open()
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, rc)
				rc.Close()
			}
			return 0
		})
		run("scan", func(b *testing.B) float64 {
			if n, err := fastScan(data); err != nil || n != benchRows+1 {
				b.Fatal(n, err)
			}
			return 0
		})
		run("parse", func(b *testing.B) float64 {
			res, err := benchParse(data)
			if err != nil {
				b.Fatal(err)
			}
			checkBenchResult(b, res)
			return 0
		})
	}
}

// cpuTime is the CPU time this process has used so far, in seconds.
func cpuTime() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

// BenchmarkPeakRSS runs each case once in a fresh process (this test
// binary, re-run as a helper) and reports its peak resident memory, as
// the kernel counts it (VmHWM), in MB.
func BenchmarkPeakRSS(b *testing.B) {
	for _, kind := range []string{"inline", "shared"} {
		benchFile(b, kind)
		for _, mode := range []string{"bare", "parse"} {
			b.Run(kind+"/"+mode, func(b *testing.B) {
				var peak float64
				for b.Loop() {
					cmd := exec.Command(os.Args[0], "-test.run=^TestPeakRSSHelper$")
					cmd.Env = append(os.Environ(), "NUMBERS_RSS_FILE="+benchFiles[kind], "NUMBERS_RSS_MODE="+mode)
					out, err := cmd.CombinedOutput()
					if err != nil {
						b.Fatalf("%v: %s", err, out)
					}
					var kb float64
					for _, line := range strings.Split(string(out), "\n") {
						if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
							kb, _ = strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
						}
					}
					if kb == 0 {
						b.Fatalf("no VmHWM in %s", out)
					}
					peak = max(peak, kb/1024)
				}
				b.ReportMetric(peak, "peak-MB")
				if peak > 200 {
					b.Errorf("peak RSS %.0f MB is over 200 MB", peak)
				}
			})
		}
	}
}

// TestPeakRSSHelper is the helper process of BenchmarkPeakRSS; on its own
// it does nothing.
func TestPeakRSSHelper(t *testing.T) {
	file, mode := os.Getenv("NUMBERS_RSS_FILE"), os.Getenv("NUMBERS_RSS_MODE")
	if file == "" {
		t.Skip("helper process for BenchmarkPeakRSS")
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if mode == "bare" {
		_, err = bareRows(data)
	} else {
		var res *Result
		res, err = benchParse(data)
		if err == nil {
			checkBenchResult(t, res)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status")
	}
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			fmt.Println(line)
		}
	}
}

// TestBenchFiles checks the generated files have the shape the benchmark
// claims, so the numbers mean what they say.
func TestBenchFiles(t *testing.T) {
	if testing.Short() || os.Getenv("NUMBERS_BENCH_FILES") == "" {
		t.Skip("generates two 100,000-row workbooks; set NUMBERS_BENCH_FILES=1")
	}
	for _, kind := range []string{"inline", "shared"} {
		data := benchFile(t, kind)
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		must(t, err)
		var sheet []byte
		hasSST := false
		var parts []string
		for _, f := range zr.File {
			parts = append(parts, fmt.Sprintf("%s %.1f MB", f.Name, float64(f.UncompressedSize64)/(1<<20)))
			if f.Name == "xl/sharedStrings.xml" {
				hasSST = true
			}
			if f.Name == "xl/worksheets/sheet1.xml" {
				sheet = readPart(zr, f.Name, 1<<20)
			}
		}
		inline := bytes.Contains(sheet, []byte(`t="inlineStr"`))
		shared := bytes.Contains(sheet, []byte(`t="s"`))
		if kind == "inline" && (!inline || shared) || kind == "shared" && (!shared || !hasSST || inline) {
			t.Errorf("%s: inline=%v shared=%v sst=%v", kind, inline, shared, hasSST)
		}
		if len(data) > MaxFileSize {
			t.Errorf("%s: %d bytes, over the upload limit", kind, len(data))
		}
		res, err := benchParse(data)
		must(t, err)
		checkBenchResult(t, res)
		t.Logf("%s: %d bytes (%s), counts %+v", kind, len(data), strings.Join(parts, ", "), res.Counts)
	}
}
