package xlsxread

import (
	"bytes"
	"testing"
)

// TestQuickCell checks which cells the quick path reads (the shapes Excel,
// LibreOffice and excelize write) and what it reads from them, and that it
// leaves everything else to the token path untouched.
func TestQuickCell(t *testing.T) {
	quick := []struct {
		xml        string
		col, style int
		typ, v, is string
		hasIS      bool
	}{
		{xml: `<c r="B7" s="3" t="s"><v>12</v></c>`, col: 2, style: 3, typ: "s", v: "12"},
		{xml: `<c r="A1" t="inlineStr"><is><t>号码</t></is></c>`, col: 1, typ: "inlineStr", is: "号码", hasIS: true},
		{xml: `<c t="inlineStr" r="C1"><is><t xml:space="preserve"> a&amp;b_x0041_ </t></is></c>`, col: 3, typ: "inlineStr", is: " a&bA ", hasIS: true},
		{xml: `<c r="AA3"><v>1.5E+3</v></c>`, col: 27, v: "1.5E+3"},
		{xml: `<c r="D2" s="1"/>`, col: 4, style: 1},
		{xml: `<c r="D2"></c>`, col: 4},
		{xml: `<c><v>7</v></c>`, v: "7"},
	}
	for _, c := range quick {
		r := &Rows{sc: newScanner(bytes.NewReader([]byte(c.xml + "<next/>")))}
		var rc rawCell
		if !r.quickCell(&rc) {
			t.Errorf("%s: not read quickly", c.xml)
			continue
		}
		if rc.col != c.col || rc.style != c.style || rc.typ != c.typ || string(rc.v) != c.v || string(rc.is) != c.is || rc.hasIS != c.hasIS {
			t.Errorf("%s: read %+v", c.xml, rc)
		}
		if rest := string(r.sc.buf[r.sc.pos:r.sc.end]); rest != "<next/>" {
			t.Errorf("%s: left %q", c.xml, rest)
		}
	}
	slow := []string{
		`<c r="A1" t="str"><f>1+1</f><v>2</v></c>`,
		`<c r="A1" t="inlineStr"><is><r><t>a</t></r></is></c>`,
		`<c r="A1" t="inlineStr"><is><t>a</t><rPh><t>b</t></rPh></is></c>`,
		`<c r='A1'><v>1</v></c>`,
		`<c  r="A1"><v>1</v></c>`,
		`<c r="A1" cm="1"><v>1</v></c>`,
		`<c r="A1" r="B1"><v>1</v></c>`,
		`<c r="1A"><v>1</v></c>`,
		`<c r="A1"><v>1</v> </c>`,
		`<c r="A1"><v>a` + "\x01" + `</v></c>`,
		`<c r="A1"><v>a` + "\xff" + `</v></c>`,
		`<c r="A1"><v>a&bogus;</v></c>`,
		`<x:c r="A1"><x:v>1</x:v></x:c>`,
		`<col min="1"/>`,
		`<c r="A1"><v>1</v>`, // cut short
	}
	for _, x := range slow {
		r := &Rows{sc: newScanner(bytes.NewReader([]byte(x)))}
		var rc rawCell
		if r.quickCell(&rc) {
			t.Errorf("%s: read quickly as %+v", x, rc)
		}
		if r.sc.pos != 0 {
			t.Errorf("%s: consumed %d bytes", x, r.sc.pos)
		}
	}
}

// TestQuickSharedString checks the quick path of a shared string: a lone
// <t>, decoded as the token path decodes it; anything else declines.
func TestQuickSharedString(t *testing.T) {
	for xml, want := range map[string]string{
		`<si><t>手机号码</t></si>`:                                    "手机号码",
		`<si><t xml:space="preserve"> a </t></si>`:                " a ",
		`<si><t>&#x4E2D;&lt;_x005F_x0041_` + "\r\n" + `</t></si>`: "中<_x0041_\n",
		`<si><t></t></si>`:                                        "",
	} {
		got, n, ok := quickT([]byte("prev"), []byte(xml), len("<si>"), "</si>")
		if !ok || string(got) != "prev"+want || len("<si>")+n != len(xml) {
			t.Errorf("%s: %q, %d bytes, %v", xml, got, n, ok)
		}
	}
	for _, xml := range []string{
		`<si><r><t>a</t></r></si>`, `<si><t>a</t><rPh><t>b</t></rPh></si>`, `<si><t/></si>`,
		`<si> <t>a</t></si>`, `<si><t>a&amp</t></si>`, `<si><t>a</t>`,
	} {
		if got, _, ok := quickT(nil, []byte(xml), len("<si>"), "</si>"); ok {
			t.Errorf("%s: read quickly as %q", xml, got)
		}
	}
}
