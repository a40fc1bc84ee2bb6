package sqlload

import (
	"fmt"
	"hash/fnv"
	"unicode/utf8"

	"github.com/pipe-etl/pipe/destinations"
)

// Suffixes of the tables and indexes SQL makes beside a data table.
const (
	stagingSuffix   = "__pipe_staging"
	rootIndexPrefix = "_pipe_idx__"
	keyIndexPrefix  = "_pipe_key__"
)

// CheckIdentifier returns an error wrapping ErrIdentifierTooLong if name
// has more than max bytes, and an error for an empty name.
func CheckIdentifier(name string, max int) error {
	switch {
	case name == "":
		return fmt.Errorf("empty identifier")
	case len(name) > max:
		return fmt.Errorf("%q: %w (%d bytes, at most %d)", name, destinations.ErrIdentifierTooLong, len(name), max)
	}
	return nil
}

// ShortName returns name if it fits in max bytes, else a prefix of it
// followed by "_" and 8 hex digits of its hash, max bytes long at most.
// Equal names give equal results; the prefix never splits a UTF-8
// character.
func ShortName(name string, max int) string {
	if len(name) <= max {
		return name
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	suffix := fmt.Sprintf("_%08x", h.Sum32())
	cut := max - len(suffix)
	if cut < 0 {
		cut = 0
	}
	for cut > 0 && !utf8.RuneStart(name[cut]) {
		cut--
	}
	return name[:cut] + suffix
}

// StagingName returns the staging table of a replace load for table:
// TABLE__pipe_staging, shortened to max bytes.
func StagingName(table string, max int) string {
	return ShortName(table+stagingSuffix, max)
}

// KeyIndexName returns the name of the unique index on _pipe_id that a
// KeyDeferrer without ALTER TABLE ... ADD PRIMARY KEY (SQLite) gives a
// table: _pipe_key__TABLE, shortened to max bytes.
func KeyIndexName(table string, max int) string {
	return ShortName(keyIndexPrefix+table, max)
}

// RootIndexName returns the name of the index on _pipe_root_id of a
// child table: _pipe_idx__TABLE, shortened to max bytes.
func RootIndexName(table string, max int) string {
	return ShortName(rootIndexPrefix+table, max)
}
