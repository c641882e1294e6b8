//go:build race

package jobs

// raceOn: the race detector makes the big world's catch-up ten times slower.
const raceOn = true
