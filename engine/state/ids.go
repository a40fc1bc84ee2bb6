package state

import (
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strings"
	"time"
)

// NewLoadID returns a new load id: the UTC start time and 8 random hex
// digits, e.g. 20240102T030405Z-1a2b3c4d, so ids sort by start.
func NewLoadID(start time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return start.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// ParentKey identifies a child chain among its resource's chains from
// its name=value pairs (the parent fields its requests use, the list
// item), in sorted order joined by "&", e.g. "id=7f3c…".
func ParentKey(pairs []string) string {
	pairs = slices.Clone(pairs)
	slices.Sort(pairs)
	return strings.Join(pairs, "&")
}
