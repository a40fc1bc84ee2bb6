package sqlite

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/destinations/desttest"
)

func BenchmarkSQLiteWrite(b *testing.B) {
	dir := b.TempDir()
	n := 0
	desttest.BenchmarkWrite(b, func(b *testing.B) destinations.Destination {
		n++
		d, err := Open(b.Context(), filepath.Join(dir, "bench"+strconv.Itoa(n)+".db"))
		if err != nil {
			b.Fatal(err)
		}
		return d
	})
}
