package views

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// isHan reports whether r is a Chinese character.
func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// isCJK reports whether r is a Chinese character or full-width punctuation
// (。、【】，：；（）！？): what a half-width mark must not touch.
func isCJK(r rune) bool {
	return isHan(r) ||
		(r >= 0x3000 && r <= 0x303f) || // CJK symbols and punctuation
		(r >= 0xff00 && r <= 0xffef) // full-width forms
}

// fmtVerb matches the fmt verbs of a message (%s, %d, %[3]d, %.1f).
var fmtVerb = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z]`)

// isChinese reports whether s is Chinese text: it has Chinese characters and
// at most four Latin letters per Chinese character (fmt verbs not counted),
// so "凭证(appid 或 signature)有误" is Chinese while an English sentence
// that names a Chinese word (headed 电话 / 手机 or 号码) is English.
func isChinese(s string) bool {
	han, latin := 0, 0
	for _, r := range fmtVerb.ReplaceAllString(s, "") {
		switch {
		case isHan(r):
			han++
		case r < 0x80 && unicode.IsLetter(r):
			latin++
		}
	}
	return han > 0 && 4*han >= latin
}

// halfWidthInChinese lists the half-width , : ; ? ! ( ) of Chinese text s.
// A comma, colon, semicolon, question or exclamation mark is wrong next to a Chinese character or
// full-width mark, and anywhere else too ("上传 %s:%d 个") except between two
// ASCII letters or digits (1,234, 09:00, a code) or before a space (English
// inside the text). A pair of parentheses is wrong when either one touches
// Chinese or the pair holds Chinese; an unpaired one is always wrong (its
// partner is full-width). English text (see isChinese) is not checked.
func halfWidthInChinese(s string) []string {
	if !isChinese(s) {
		return nil
	}
	rs := []rune(s)
	at := func(i int, f func(rune) bool) bool { return i >= 0 && i < len(rs) && f(rs[i]) }
	alnum := func(r rune) bool { return r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)) }
	space := func(r rune) bool { return r == ' ' }
	bad := map[int]bool{}
	var open []int
	for i, r := range rs {
		switch r {
		case ',', ':', ';', '?', '!':
			if at(i-1, isCJK) || at(i+1, isCJK) || !(at(i-1, alnum) && at(i+1, alnum)) && !at(i+1, space) {
				bad[i] = true
			}
		case '(':
			open = append(open, i)
		case ')':
			if len(open) == 0 {
				bad[i] = true
				continue
			}
			o := open[len(open)-1]
			open = open[:len(open)-1]
			inner := strings.IndexFunc(string(rs[o+1:i]), isHan) >= 0
			if inner || at(o-1, isCJK) || at(o+1, isCJK) || at(i-1, isCJK) || at(i+1, isCJK) {
				bad[o], bad[i] = true, true
			}
		}
	}
	for _, o := range open {
		bad[o] = true
	}
	var out []string
	for i := range rs {
		if bad[i] {
			lo, hi := max(0, i-6), min(len(rs), i+7)
			out = append(out, string(rs[i])+" in …"+string(rs[lo:hi])+"…")
		}
	}
	return out
}

func TestHalfWidthInChinese(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want int
	}{
		{"演示模式:" + "当前数据来自内置的模拟外呼平台," + "并非真实通话。", 2}, // the old banner, split so that only this test holds it
		{"演示模式：当前数据来自内置的模拟外呼平台，并非真实通话。", 0},
		{"拨打时间段 09:00-12:00, 14:00-18:00", 0},
		{"共 1,234 条", 0},
		{"外呼平台返回错误(HTTP %d)。", 2},
		{"凭证(appid 或 signature)有误", 2},
		{"（如 13800138000、010-12345678)", 1},
		{"A级(有意向)", 2},
		{"Status (deleted): see logs", 0},
		{"%s: %s", 0},
		{"请选择:", 1},
		{"确定要完结任务“%s”吗?", 1},
		{"上传 %s:%d 个号码", 1},
		{"the phone column is headed telephone, " + "电话, " + "手机 or 号码; optional", 0},
		{"they stay in the list (marked “maybe sent”) and", 0},
	} {
		if got := halfWidthInChinese(tc.s); len(got) != tc.want {
			t.Errorf("halfWidthInChinese(%q) = %q, want %d problems", tc.s, got, tc.want)
		}
	}
}

// TestCatalogChinesePunctuation checks every message of the catalog as
// registered at run time (so keys built from codes are covered too), in both
// languages: Chinese text takes full-width ，：；（）.
func TestCatalogChinesePunctuation(t *testing.T) {
	for _, lang := range Langs {
		keys := make([]string, 0, len(catalogs[lang]))
		for k := range catalogs[lang] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, p := range halfWidthInChinese(catalogs[lang][k]) {
				t.Errorf("%s %q: half-width %s", lang, k, p)
			}
		}
	}
}

// sourceExempt are string literals that must keep a half-width mark next to
// Chinese: they match text the platform sends, which is not ours to word.
var sourceExempt = map[string]bool{
	"匹配到:": true, // surface A remark prefix, as the platform writes it
}

// TestSourceChinesePunctuation checks the words that live outside the
// catalog: every string literal in the module's Go code (the client's and
// the number reader's messages, the generated templ code, so every .templ's
// text); regexp patterns are not words. The sandbox is left out: it imitates the platform's own messages
// word for word, half-width marks included.
func TestSourceChinesePunctuation(t *testing.T) {
	root := ".."
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "sandbox", "testdata", "node_modules":
				return filepath.SkipDir
			}
			if strings.HasPrefix(d.Name(), ".") && path != root {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
					if x, ok := sel.X.(*ast.Ident); ok && x.Name == "regexp" {
						return false // a pattern, not words
					}
				}
			}
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil || sourceExempt[s] {
				return true
			}
			for _, p := range halfWidthInChinese(s) {
				t.Errorf("%s: half-width %s", fset.Position(lit.Pos()), p)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestTemplLabelPunctuation: a template never writes a half-width , : ; right
// after a catalog message ("{ T(ctx, "calls.keyword") }: …" shows 关键词: in
// Chinese); it writes { T(ctx, "common.colon") } (：or ": ") instead.
func TestTemplLabelPunctuation(t *testing.T) {
	re := regexp.MustCompile(`\{ Tf?\(ctx, "([a-z0-9_.-]+)"[^}]*\) \}(?:</[a-z]+>)?[,:;]`)
	files, err := filepath.Glob("*.templ")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			for _, m := range re.FindAllStringSubmatch(line, -1) {
				if isChinese(catalogs[ZH][m[1]]) {
					t.Errorf("%s:%d: half-width mark after %q: %s", f, i+1, m[1], strings.TrimSpace(line))
				}
			}
		}
	}
}
