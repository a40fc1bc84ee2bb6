package postgres

import (
	"testing"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/destinations/desttest"
)

func BenchmarkPostgresWrite(b *testing.B) {
	desttest.BenchmarkWrite(b, func(b *testing.B) destinations.Destination {
		d, err := Open(b.Context(), testDSN(), WithDataset(freshDataset(b)))
		if err != nil {
			b.Fatal(err)
		}
		return d
	})
}
