package search

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in      string
		terms   []Term
		dropped []string
	}{
		{"12315", []Term{{Text: "12315"}}, nil},
		{"  退订   骗子 ", []Term{{Text: "退订"}, {Text: "骗子"}}, nil},
		{"VIP客户", []Term{{Text: "vip客户"}}, nil},
		{"ＶＩＰ　１２３１５", []Term{{Text: "vip"}, {Text: "12315"}}, nil},
		{`"不要 再打" -滚`, []Term{{Text: "不要 再打"}, {Text: "滚", Exclude: true}}, nil},
		{`“免费送”`, []Term{{Text: "免费送"}}, nil},
		{`-"你好 吗"`, []Term{{Text: "你好 吗", Exclude: true}}, nil},
		{"滚 滚 - 。", []Term{{Text: "滚"}, {Text: "。"}}, []string{"-"}},
		{"a, ?? ok", []Term{{Text: "ok"}}, []string{"a,", "??"}},
		{`"unclosed phrase`, []Term{{Text: "unclosed phrase"}}, nil},
	} {
		q := Parse(tc.in)
		if diff := cmp.Diff(tc.terms, q.Terms); diff != "" {
			t.Errorf("Parse(%q) terms (-want +got)\n%s", tc.in, diff)
		}
		if diff := cmp.Diff(tc.dropped, q.Dropped); diff != "" {
			t.Errorf("Parse(%q) dropped (-want +got)\n%s", tc.in, diff)
		}
	}
}

func TestHighlight(t *testing.T) {
	for _, tc := range []struct {
		text  string
		terms []string
		want  []Segment
	}{
		{"我要打12315投诉", []string{"12315"}, []Segment{{"我要打", false}, {"12315", true}, {"投诉", false}}},
		{"<b>VIP客户</b>", []string{"vip客户"}, []Segment{{"<b>", false}, {"VIP客户", true}, {"</b>", false}}},
		{"骗子骗子", []string{"骗子"}, []Segment{{"骗子骗子", true}}},
		{"abcd", []string{"bc", "cd"}, []Segment{{"a", false}, {"bcd", true}}},
		{"１２３", []string{"23"}, []Segment{{"１", false}, {"２３", true}}},
		{"没有", []string{"投诉"}, []Segment{{"没有", false}}},
	} {
		if diff := cmp.Diff(tc.want, Highlight(tc.text, tc.terms)); diff != "" {
			t.Errorf("Highlight(%q, %q) (-want +got)\n%s", tc.text, tc.terms, diff)
		}
	}
}

func TestGrams(t *testing.T) {
	got := Grams([]string{"骗子A", "骗子 b,c"})
	if want := "骗 骗子 子 子a a b c"; got != want {
		t.Errorf("Grams = %q, want %q", got, want)
	}
}
