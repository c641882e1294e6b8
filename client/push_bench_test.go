package client

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// strictPush returns a_push.json with its two almost-JSON numbers quoted,
// so the body is strict JSON that means the same push.
func strictPush(t testing.TB) []byte {
	t.Helper()
	b := readTestdata(t, "a_push.json")
	b = bytes.Replace(b, []byte(`"caller":02180344315`), []byte(`"caller":"02180344315"`), 1)
	b = bytes.Replace(b, []byte(`"ret_code":000000`), []byte(`"ret_code":"000000"`), 1)
	if !json.Valid(b) {
		t.Fatal("strict push is not valid JSON")
	}
	return b
}

// TestParsePushStrictEqualsQuirky checks the benchmark's two bodies are the
// same push.
func TestParsePushStrictEqualsQuirky(t *testing.T) {
	quirky, err := ParsePush(readTestdata(t, "a_push.json"))
	if err != nil {
		t.Fatal(err)
	}
	strict, err := ParsePush(strictPush(t))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(quirky, strict) {
		t.Errorf("quirky %+v\nstrict %+v", quirky, strict)
	}
	if quirky.Detail.Caller != "02180344315" || quirky.RetCode != "000000" || len(quirky.Messages) != 3 {
		t.Errorf("push = %+v", quirky)
	}
}

// BenchmarkParsePush measures ParsePush on the platform's real push
// (almost-JSON) and on the same push as strict JSON.
func BenchmarkParsePush(b *testing.B) {
	for _, bc := range []struct {
		name string
		body []byte
	}{
		{"quirky", readTestdata(b, "a_push.json")},
		{"strict", strictPush(b)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.body)))
			for b.Loop() {
				if _, err := ParsePush(bc.body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
