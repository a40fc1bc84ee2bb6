package sqlite

import (
	"fmt"
	"os"

	"github.com/mattn/go-sqlite3"
)

// newFilePageSize is the page size of a database file that Open creates:
// SQLite's largest. A first load appends rows and index entries in
// order, so larger pages mean fewer pages to allocate, write to the WAL,
// checksum and copy back at checkpoints: in BenchmarkRunSQLite (50k
// issues, side by side on the shared machine) the writer goroutine took
// 2.1–2.3 CPU s with 64 KiB pages against 3.1–3.9 s with the default
// 4 KiB (16 KiB: 2.4–2.7 s), system time fell by 40%, and a re-merge into
// the same tables was no slower (benchcmp (f), 40k issues: 1.09× the
// first load against 1.31×). The page cache is sized in KiB (cacheKiB),
// so memory is the same. A file that exists keeps its page size: SQLite
// cannot change it under WAL.
const newFilePageSize = 65536

// createFile makes the database file at path with newFilePageSize pages
// and in WAL mode if it does not exist or is empty, so that the settings
// are in place before the first table is written. A file another process
// created meanwhile keeps its own settings: page_size is a no-op on a
// database that has any content.
func createFile(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
		return nil
	}
	c, err := (&sqlite3.SQLiteDriver{}).Open(fmt.Sprintf("%s?_busy_timeout=%d", path, busyTimeoutMS))
	if err != nil {
		return err
	}
	conn := c.(*sqlite3.SQLiteConn)
	_, err = conn.Exec(fmt.Sprintf("PRAGMA page_size = %d; PRAGMA journal_mode = WAL", newFilePageSize), nil)
	if cerr := conn.Close(); err == nil {
		err = cerr
	}
	return err
}
