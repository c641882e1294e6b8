package main

import (
	"slices"
	"testing"

	"dialdesk/sandbox"
)

// TestDemoSeedKept: the demo's seed survives a restart, and the same seed
// gives the same tasks, so the store's remembered tasks stay the platform's.
func TestDemoSeedKept(t *testing.T) {
	dir := t.TempDir()
	a, err := demoSeed(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := demoSeed(dir)
	if err != nil || a != b {
		t.Fatalf("seed changed across starts: %d, %d (%v)", a, b, err)
	}
	ids := func() []string {
		return sandbox.New(sandbox.Options{SeedData: true, Seed: a}).TaskIDs()
	}
	if x, y := ids(), ids(); len(x) == 0 || !slices.Equal(x, y) {
		t.Errorf("same seed, different tasks: %v / %v", x, y)
	}
}
