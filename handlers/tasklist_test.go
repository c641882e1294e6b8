package handlers_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// TestTaskListSortSelect: the filter bar's sort select (the only way to sort
// on a tablet, where the header row is hidden) offers every order, shows the
// current one, and sort=key.dir orders the list as sort=key&dir=dir does.
func TestTaskListSortSelect(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	c := app.Login(t, store.RoleSupervisor)

	_, body := app.Get(t, c, "/tasks")
	d := doc(t, body)
	sel := d.Find(`[data-testid=task-filters] select[name=sort]`)
	if sel.Length() != 1 {
		t.Fatalf("no sort select in the filter form")
	}
	if got := sel.Find("option[selected]").AttrOr("value", ""); got != "created.desc" {
		t.Errorf("default selected = %q, want created.desc", got)
	}
	if n := sel.Find("option").Length(); n != 12 {
		t.Errorf("options = %d, want 12 (six columns, two directions)", n)
	}
	if d.Find(`[data-testid=task-filters] input[name=dir]`).Length() != 0 {
		t.Errorf("a dir input would override the select's direction")
	}

	for _, c2 := range [][2]string{{"progress.desc", "sort=progress&dir=desc"}, {"name.asc", "sort=name&dir=asc"}, {"intent.asc", "sort=intent&dir=asc"}} {
		_, viaSelect := app.Get(t, c, "/tasks?sort="+c2[0])
		_, viaHeader := app.Get(t, c, "/tasks?"+c2[1])
		_, _, a := rowsOf(t, viaSelect)
		_, _, b := rowsOf(t, viaHeader)
		if diff := cmp.Diff(b, a); diff != "" {
			t.Errorf("sort=%s differs from %s (-want +got):\n%s", c2[0], c2[1], diff)
		}
		if got := doc(t, viaHeader).Find(`select[name=sort] option[selected]`).AttrOr("value", ""); got != c2[0] {
			t.Errorf("%s: selected option %q, want %q", c2[1], got, c2[0])
		}
	}
}
