//go:build race

package jobs_test

// raceEnabled makes the tests build pipe with -race too.
const raceEnabled = true
