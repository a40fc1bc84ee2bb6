package rest

import (
	"crypto/sha256"

	"github.com/tidwall/gjson"
)

// samePage tells when a page holds the very records of the page before
// it. An API that ignores the paging parameter (a wrong offset_param or
// page_param, a 1-based API asked for page 0) answers the same page
// again; when its bodies differ only in a request id or a timestamp
// (CrowdStrike's meta.trace_id), the walk's check for identical bodies
// does not see it, and offset or page_number would load the same records
// once per page until the total is reached.
type samePage struct {
	prev [sha256.Size]byte
	seen bool
}

func (s *samePage) reset() { s.seen = false }

// repeats notes page and reports whether it holds records and they are
// those of the page noted before.
func (s *samePage) repeats(page []gjson.Result) bool {
	if len(page) == 0 {
		s.seen = false
		return false
	}
	h := sha256.New()
	for _, r := range page {
		h.Write([]byte(r.Raw))
		h.Write([]byte{0})
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	same := s.seen && sum == s.prev
	s.prev, s.seen = sum, true
	return same
}
