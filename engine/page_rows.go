package engine

import (
	"sync"

	"github.com/pipe-etl/pipe/engine/normalize"
)

// pageRows holds the normalize.Rows of pages the writer has written, so
// that the next page reuses their row maps and slices: a Snyk issue is
// 7.3 rows, each a map, and a fresh Rows per page doubled normalize's CPU
// time in BenchmarkNormalize (allocation and the garbage collector). A
// chain takes a Rows per page (getRows) and sends it to the writer, which
// gives it back once the destination has written it (putRows):
// destinations.Tx.Write keeps no row map once it returns. A sync.Pool
// lets the garbage collector reclaim them between runs.
var pageRows sync.Pool

// getRows returns an empty Rows, reused when one was given back.
func getRows() *normalize.Rows {
	if r, ok := pageRows.Get().(*normalize.Rows); ok {
		return r
	}
	return &normalize.Rows{}
}

// putRows empties r and keeps it for a later page. The caller must be
// done with r and with every row of it.
func putRows(r *normalize.Rows) {
	if r == nil {
		return
	}
	r.Reset()
	pageRows.Put(r)
}
