//go:build !race

package jobs

const raceOn = false
