package engine_test

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// numberKeysSpec merges items keyed by a number, with a child table.
const numberKeysSpec = `name: numkeys
vars:
  api_url: {default: "https://api.example.com"}
client:
  base_url: "{vars.api_url}/"
  auth: {type: bearer, token: "{secrets.numkeys_token}"}
  paginator: {type: json_link, next_url_path: next}
resources:
  - name: items
    primary_key: id
    write_disposition: merge
    endpoint: {path: items, data_selector: items}
`

const numberKeysToken = "numk3ys-T0KEN"

// numberKeysAPI serves the pages of its current version. A Python
// service writes a key read into a float as 7.0 (json.dumps(7.0); pandas
// turns a column of ids into floats once one is missing), and the same
// record from another code path as 7.
type numberKeysAPI struct{ pages atomic.Pointer[[]string] }

func (a *numberKeysAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+numberKeysToken {
		http.Error(w, `{"detail": "unauthorized"}`, http.StatusUnauthorized)
		return
	}
	pages := *a.pages.Load()
	n := 0
	fmt.Sscan(r.URL.Query().Get("page"), &n)
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, pages[n])
}

func (a *numberKeysAPI) serve(pages ...string) { a.pages.Store(&pages) }

// TestNumberKeySpellings: one record whose key is written 7 in one
// answer and 7.0 (or 7e0, 70E-1) in another is one row: pipe hashed the
// key's text as written, so a merge kept two rows for one key, exit 0.
// A row stored under the id earlier versions gave a key written 7.0 is
// replaced by the next merge, child rows included, not kept beside it.
func TestNumberKeySpellings(t *testing.T) {
	api := &numberKeysAPI{}
	o := newVendorOrigin(t, api)
	vars := map[string]string{"api_url": o.srv.URL}
	env := map[string]string{"NUMKEYS_TOKEN": numberKeysToken}

	t.Run("two spellings in one load", func(t *testing.T) {
		api.serve(`{"items": [{"id": 7, "name": "seven", "tags": ["a", "b"]}, {"id": -0, "name": "zero"}], "next": "/items?page=1"}`,
			`{"items": [{"id": 7.0, "name": "seven v2", "tags": ["c"]}, {"id": 8, "name": "eight"}], "next": "/items?page=2"}`,
			`{"items": [{"id": 80E-1, "name": "eight v2"}, {"id": 0.0, "name": "zero v2"}], "next": null}`)
		run := runVendorSpec(t, "numkeys", numberKeysSpec, vars, env, "")
		if run.err != nil {
			t.Fatalf("run: %v", run.err)
		}
		sameRows(t, "items", rowsOf(t, run.db, `SELECT id, name FROM items ORDER BY id`), []string{"0 zero v2", "7 seven v2", "8 eight v2"})
		sameRows(t, "tags", rowsOf(t, run.db, `SELECT value FROM items__tags ORDER BY value`), []string{"c"})
	})

	t.Run("stored under the former id", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "numkeys.db")
		api.serve(`{"items": [{"id": 7.0, "name": "seven", "tags": ["a", "b"]}, {"id": 8, "name": "eight", "tags": ["x"]}], "next": null}`)
		if run := runVendorSpec(t, "numkeys", numberKeysSpec, vars, env, db); run.err != nil {
			t.Fatalf("run 1: %v", run.err)
		}
		// What earlier versions stored: 7.0's rows under the hash of "7.0".
		former := formerKeyID("items", "7.0")
		d := openDB(t, db)
		var now string
		if err := d.QueryRow(`SELECT _pipe_id FROM items WHERE name = 'seven'`).Scan(&now); err != nil {
			t.Fatal(err)
		}
		if now == former {
			t.Fatal("7.0 still hashes as written")
		}
		for _, q := range []string{`UPDATE items SET _pipe_id = ? WHERE _pipe_id = ?`,
			`UPDATE items__tags SET _pipe_root_id = ?, _pipe_parent_id = ? WHERE _pipe_root_id = ?`} {
			args := []any{former, now}
			if q[7:18] == "items__tags" {
				args = []any{former, former, now}
			}
			if _, err := d.Exec(q, args...); err != nil {
				t.Fatal(err)
			}
		}
		d.Close()

		api.serve(`{"items": [{"id": 7.0, "name": "seven v2", "tags": ["c"]}, {"id": 8, "name": "eight", "tags": ["x"]}], "next": null}`)
		run := runVendorSpec(t, "numkeys", numberKeysSpec, vars, env, db)
		if run.err != nil {
			t.Fatalf("run 2: %v", run.err)
		}
		sameRows(t, "items", rowsOf(t, db, `SELECT id, name, _pipe_id = '`+now+`' FROM items ORDER BY id`), []string{"7 seven v2 1", "8 eight 0"})
		sameRows(t, "tags", rowsOf(t, db, `SELECT value FROM items__tags ORDER BY value`), []string{"c", "x"})
	})
}

// formerKeyID is the _pipe_id pipe gave a record of table keyed by one
// value whose text is text, before numbers in keys counted by value.
func formerKeyID(table, text string) string {
	b := append([]byte(table), 0)
	b = binary.AppendUvarint(b, uint64(len(text)))
	sum := sha256.Sum256(append(b, text...))
	return hex.EncodeToString(sum[:16])
}
