package store

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"dialdesk/audit"
)

// TestAuditArgs: an entry's arguments come back as recorded (numbers as
// json.Number, not floats); an action without arguments is "{}", told
// apart from an entry recorded as a sentence before arguments existed.
func TestAuditArgs(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	for _, e := range []AuditEntry{
		{Action: "calls.export", Detail: "30 rows"}, // as recorded before
		{Action: audit.Logout, Args: audit.Args{}},
		{Action: audit.TaskEdit, Args: audit.Args{"name": "春季", "import": int64(1) << 53, "phones": []string{"138", "139"},
			"changes": []audit.Change{{Field: "robot_num", From: "3", To: "2"}}}},
	} {
		e.Username = "ann"
		if err := s.AddAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Audit(ctx, AuditFilter{})
	if err != nil || len(got) != 3 {
		t.Fatalf("Audit = %+v, %v", got, err)
	}
	want := audit.Args{"name": "春季", "import": json.Number("9007199254740992"), "phones": []any{"138", "139"},
		"changes": []any{map[string]any{"field": "robot_num", "from": "3", "to": "2"}}}
	if diff := cmp.Diff(want, got[0].Args); diff != "" {
		t.Errorf("args (-want +got):\n%s", diff)
	}
	if got[1].Args == nil || len(got[1].Args) != 0 {
		t.Errorf("an action without arguments reads back as %#v", got[1].Args)
	}
	if got[2].Args != nil || got[2].Detail != "30 rows" {
		t.Errorf("an entry from before arguments reads back as %#v, %q", got[2].Args, got[2].Detail)
	}
}

// TestImportErrorArgs: an import records why it stopped as a code with
// arguments; setting it clears the words an import stored before.
func TestImportErrorArgs(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	im, err := s.CreateImport(ctx, "7", "a.xlsx", "ann")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE imports SET error_zh = '旧', error_en = 'old' WHERE id = ?`, im.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.SetImportError(ctx, im.ID, ImportFailed, "file.toomanyrows", map[string]any{"limit": "100,000"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Import(ctx, im.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != ImportFailed || got.ErrorCode != "file.toomanyrows" || got.ErrorArgs["limit"] != "100,000" ||
		got.ErrorZH != "" || got.ErrorEN != "" {
		t.Errorf("import = %+v", got)
	}
}
