package normalize

import (
	"time"
	"unsafe"
)

// Row values are interface values (schema.Row is map[string]any), and
// putting a string, a time or a large integer into one allocates a box
// for it: two thirds of normalize's allocations, about 45 per Snyk issue.
// boxes hands out those interface values from blocks instead, one
// allocation per block of values. A block is never written again once a
// value of it was handed out, so every value stays as immutable as one
// the compiler boxed; a block lives as long as any of its values is
// referenced (by a row, or by a destination until Commit), as a box of
// its own would.

// slabLen is the number of values per block: a block of strings is 2 KiB.
const slabLen = 128

// idBlock is the size of a block of id texts (128 ids of 32 hex digits).
const idBlock = 128 * 32

// boxes holds the blocks of one Normalizer; it is used by one goroutine
// at a time, as the Normalizer is. A nil *boxes boxes as the compiler
// does.
type boxes struct {
	strs  slab[string]
	times slab[time.Time]
	ints  slab[int64]
	flts  slab[float64]
	ids   []byte // free space for id texts
}

// eface is the layout of an interface value of type any.
type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

// slab is a block of values of type T not yet handed out.
type slab[T any] struct {
	free []T
	typ  unsafe.Pointer // T's type descriptor, as in an any holding a T
}

// box returns v as an interface value whose data is v's copy in the
// block.
func (s *slab[T]) box(v T) any {
	if len(s.free) == 0 {
		s.free = make([]T, slabLen)
		if s.typ == nil {
			var zero any = *new(T)
			s.typ = (*eface)(unsafe.Pointer(&zero)).typ
		}
	}
	p := &s.free[0]
	*p = v
	s.free = s.free[1:]
	var x any
	e := (*eface)(unsafe.Pointer(&x))
	e.typ, e.data = s.typ, unsafe.Pointer(p)
	return x
}

// str returns s as an interface value.
func (b *boxes) str(s string) any {
	if b == nil || s == "" { // the empty string boxes without allocating
		return s
	}
	return b.strs.box(s)
}

// time returns t as an interface value.
func (b *boxes) time(t time.Time) any {
	if b == nil {
		return t
	}
	return b.times.box(t)
}

// int returns i as an interface value.
func (b *boxes) int(i int64) any {
	if b == nil || 0 <= i && i < 256 { // small integers box without allocating
		return i
	}
	return b.ints.box(i)
}

// float returns f as an interface value.
func (b *boxes) float(f float64) any {
	if b == nil {
		return f
	}
	return b.flts.box(f)
}

// hashID returns hashID(msg), its text in a block of id texts.
func (b *boxes) hashID(msg []byte) string {
	if b == nil {
		return hashID(msg)
	}
	if len(b.ids) < 32 {
		b.ids = make([]byte, idBlock)
	}
	text := putHashID(b.ids[:32], msg)
	b.ids = b.ids[32:]
	return unsafe.String(unsafe.SliceData(text), len(text))
}
