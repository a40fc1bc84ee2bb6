//go:build race

package main_test

// raceEnabled makes the end-to-end test build pipe with -race too, so the
// build reuses the packages this test binary was compiled from.
const raceEnabled = true
