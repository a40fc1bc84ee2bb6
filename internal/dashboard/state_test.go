package dashboard_test

import (
	"database/sql"
	"fmt"
	"html"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/pipe-etl/pipe/internal/dashboard"
	"github.com/pipe-etl/pipe/internal/dbview"
)

// TestStatePaged: the state page shows a page of cursors at a time (a
// child resource has one per parent record, which may be millions), and
// its next links reach every cursor exactly once.
func TestStatePaged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE _pipe_state (pipeline TEXT, resource TEXT, parent_key TEXT, cursor TEXT, load_id TEXT, updated_at TIMESTAMP, PRIMARY KEY (pipeline, resource, parent_key))`); err != nil {
		t.Fatal(err)
	}
	const n = 250
	for i := range n {
		// Keys with & and = travel through the next link's query string.
		if _, err := db.Exec(`INSERT INTO _pipe_state VALUES ('shop', 'orders', ?, '2024-01-01', 'L1', '2024-01-02T00:00:00.000000000Z')`, fmt.Sprintf("id=c&%03d", i)); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	srv := serve(t, dbview.Target{Kind: dbview.SQLite, Addr: path}, dashboard.Options{})

	parents := regexp.MustCompile(`<td>(id=c&amp;\d+)</td>`)
	next := regexp.MustCompile(`<a href="([^"]+)" class="next">`)
	seen := map[string]int{}
	page, pages := "/state", 0
	for page != "" {
		pages++
		if pages > 10 {
			t.Fatal("more pages than cursors")
		}
		_, body := get(t, srv.URL+page)
		ms := parents.FindAllStringSubmatch(body, -1)
		if len(ms) > 100 {
			t.Errorf("%s shows %d cursors, want a page of 100", page, len(ms))
		}
		for _, m := range ms {
			seen[m[1]]++
		}
		page = ""
		if m := next.FindStringSubmatch(body); m != nil {
			page = html.UnescapeString(m[1])
		}
	}
	if pages != 3 || len(seen) != n {
		t.Errorf("%d pages showed %d cursors, want 3 pages and %d", pages, len(seen), n)
	}
	for k, c := range seen {
		if c != 1 {
			t.Errorf("%s shown %d times", k, c)
		}
	}
}
