package views

import (
	"encoding/json"
	"testing"
)

// TestSay: placeholders, counts with their unit in one and other forms,
// catalog words for values, optional parts and missing arguments.
func TestSay(t *testing.T) {
	catalogs[ZH]["test.say"] = "{who}把{n#batch}交给{role@role}[（备注：{note}）]，{missing}"
	catalogs[EN]["test.say"] = "{who} gave {n#batch} to the {role@role}[ (note: {note})|, no note], {missing}"
	defer func() { delete(catalogs[ZH], "test.say"); delete(catalogs[EN], "test.say") }()
	for _, tc := range []struct {
		lang Lang
		args map[string]any
		want string
	}{
		{ZH, map[string]any{"who": "ann", "n": 1, "role": "manager"}, "ann把1 批交给经理，—"},
		{EN, map[string]any{"who": "ann", "n": json.Number("1"), "role": "manager"}, "ann gave 1 batch to the manager, no note, —"},
		{EN, map[string]any{"who": "ann", "n": 2, "role": "admin", "note": "ok"}, "ann gave 2 batches to the admin (note: ok), —"},
		{EN, map[string]any{"who": []any{"ann", "bob"}, "n": float64(0), "role": "supervisor", "note": ""}, "ann, bob gave 0 batches to the supervisor, no note, —"},
		{ZH, map[string]any{"who": []string{"ann", "bob"}, "n": 3, "role": "supervisor", "missing": "x"}, "ann、bob把3 批交给质检员，x"},
	} {
		if got := Say(tc.lang, "test.say", tc.args); got != tc.want {
			t.Errorf("%s %v:\n got %q\nwant %q", tc.lang, tc.args, got, tc.want)
		}
	}
}
