package sqlload

import (
	"hash/maphash"
	"math/bits"
)

// idFilter remembers the _pipe_id values written to a table whose unique
// key is not built yet, so that a load can tell cheaply that the roots of
// a batch are new. It is a scalable blocked Bloom filter: it never
// forgets an id (no false negatives) and wrongly reports an id it never
// saw at most a few times in ten million lookups (measured: 4 in 20
// million against a full stage), for 6 bytes per id. Each lookup reads
// one cache line per stage; stages double in capacity as ids arrive, up
// to filterMaxStages (192k ids, 1.1 MiB), so that memory stays flat
// however many records a load has: a full filter takes no more ids and
// the load builds the table's key instead. A positive is checked against
// the table itself, so a false one costs a scan, never a wrong answer.
type idFilter struct {
	seed   maphash.Seed
	stages []*filterStage
}

// filterStage is one Bloom filter of fixed capacity: blocks of 512 bits,
// an id's filterProbes bits all in one block.
type filterStage struct {
	blocks    [][8]uint64
	n, capIDs int
}

const (
	filterBitsPerID = 48
	filterProbes    = 16
)

// The filter's first stage and its number of stages; variables for tests.
var (
	filterFirstStage = 1 << 16
	filterMaxStages  = 2
)

func newIDFilter() *idFilter { return &idFilter{seed: maphash.MakeSeed()} }

// room reports whether n more ids fit.
func (f *idFilter) room(n int) bool {
	free := 0
	c := filterFirstStage
	for i := 0; i < filterMaxStages; i++ {
		if i < len(f.stages) {
			free += f.stages[i].capIDs - f.stages[i].n
		} else {
			free += c
		}
		c *= 2
	}
	return n <= free
}

// add remembers id; the caller checks room first.
func (f *idFilter) add(id string) {
	h := maphash.String(f.seed, id)
	var s *filterStage
	if n := len(f.stages); n > 0 && f.stages[n-1].n < f.stages[n-1].capIDs {
		s = f.stages[n-1]
	} else {
		c := filterFirstStage
		if n > 0 {
			c = 2 * f.stages[n-1].capIDs
		}
		s = &filterStage{blocks: make([][8]uint64, max(1, c*filterBitsPerID/512)), capIDs: c}
		f.stages = append(f.stages, s)
	}
	s.set(h)
	s.n++
}

// mayContain reports whether id may have been added; false is certain.
func (f *idFilter) mayContain(id string) bool {
	h := maphash.String(f.seed, id)
	for _, s := range f.stages {
		if s.test(h) {
			return true
		}
	}
	return false
}

// block returns the block of h and the generator of its probes.
func (s *filterStage) block(h uint64) (*[8]uint64, uint64) {
	hi, _ := bits.Mul64(h, uint64(len(s.blocks)))
	return &s.blocks[hi], h*0x9e3779b97f4a7c15 | 1
}

func (s *filterStage) set(h uint64) {
	b, g := s.block(h)
	for i := 0; i < filterProbes; i++ {
		g = g*6364136223846793005 + 1442695040888963407 // an LCG step per probe
		bit := g >> 55                                  // 0..511
		b[bit>>6] |= 1 << (bit & 63)
	}
}

func (s *filterStage) test(h uint64) bool {
	b, g := s.block(h)
	for i := 0; i < filterProbes; i++ {
		g = g*6364136223846793005 + 1442695040888963407
		bit := g >> 55
		if b[bit>>6]&(1<<(bit&63)) == 0 {
			return false
		}
	}
	return true
}
