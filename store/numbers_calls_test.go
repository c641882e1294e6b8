package store

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLatestCallsByOutID(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	at := time.UnixMilli(1700000000000)
	for _, c := range []Call{
		{CallID: "a1", TaskID: "t1", OutID: "1-2", Status: 3, StartAt: at},
		{CallID: "a2", TaskID: "t1", OutID: "1-2", Status: 2, StartAt: at.Add(time.Hour), FeeMS: 29000}, // latest of 1-2
		{CallID: "b1", TaskID: "", OutID: "1-3", Status: 7, StartAt: at},                                // task not known yet
		{CallID: "c1", TaskID: "t2", OutID: "1-4", Status: 2, StartAt: at},                              // another task
		{CallID: "d1", TaskID: "t1", OutID: "", Status: 2, StartAt: at},                                 // no outid
	} {
		if _, err := s.SaveCall(ctx, c, false); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.LatestCallsByOutID(ctx, "t1", []string{"1-2", "1-3", "1-4", "1-5", ""})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for o, c := range got {
		ids[o] = c.CallID
	}
	if diff := cmp.Diff(map[string]string{"1-2": "a2", "1-3": "b1"}, ids); diff != "" {
		t.Errorf("latest calls (-want +got):\n%s", diff)
	}
	if got["1-2"].FeeMS != 29000 || got["1-2"].Status != 2 {
		t.Errorf("1-2: %+v", got["1-2"])
	}
	if got, err := s.LatestCallsByOutID(ctx, "t1", nil); err != nil || len(got) != 0 {
		t.Errorf("no outids: %v, %v", got, err)
	}
}
