//go:build race

package handlers_test

// raceDetector reports whether the tests run with -race, whose shadow memory
// multiplies the process's RSS: memory bounds are not measured then.
const raceDetector = true
