//go:build !race

package engine_test

// wireRace: the race detector slows a load of a million rows tenfold.
const wireRace = false
