//go:build !race

package handlers_test

// raceDetector reports whether the tests run with -race (see calls_race_test.go).
const raceDetector = false
