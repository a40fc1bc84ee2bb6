package engine_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// Numbers land exactly across runs: a column of small integers and
// doubles widens to decimal when later values need more than int64 or a
// double holds, and earlier values keep their exact value. Date-times
// with +0000 zones and unix times under a timestamp hint are timestamps.
func TestExactNumbersAcrossRuns(t *testing.T) {
	var body atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(body.Load().(string)))
	}))
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "exact.db")

	body.Store(`{"items": [{"id": 1, "n": 5, "f": 0.5, "created": 1704164645, "seen": "2024-01-02T03:04:05+0000"}]}`)
	if _, err := runSpec(t, "exact.yml", srv.URL, path, ""); err != nil {
		t.Fatal(err)
	}
	body.Store(`{"items": [{"id": 2, "n": 12345678901234567890123, "f": 0.1000000000000000055511151231257827, "created": 1704164645123, "seen": "2024-01-02 03:04:05+01"},
	{"id": 3, "n": -9223372036854775808, "f": 1e400, "created": "2024-01-02T03:04:05.5+0000"}]}`)
	if _, err := runSpec(t, "exact.yml", srv.URL, path, ""); err != nil {
		t.Fatal(err)
	}
	db := openDB(t, path)
	rows, err := db.Query(`SELECT id, typeof(n), n, typeof(f), f, created, seen FROM items ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var id int
		var tn, tf string
		var n, f, created, seen any
		if err := rows.Scan(&id, &tn, &n, &tf, &f, &created, &seen); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmtRow(id, tn, n, tf, f, created, seen))
	}
	want := []string{
		"1 text 5 text 0.5 2024-01-02 03:04:05 +0000 UTC 2024-01-02 03:04:05 +0000 UTC",
		"2 text 12345678901234567890123 text 0.1000000000000000055511151231257827 2024-01-02 03:04:05.123 +0000 UTC 2024-01-02 02:04:05 +0000 UTC",
		"3 text -9223372036854775808 text 1e400 2024-01-02 03:04:05.5 +0000 UTC <nil>",
	}
	if len(got) != len(want) {
		t.Fatalf("rows:\n%v\nwant:\n%v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d = %s\nwant    %s", i, got[i], want[i])
		}
	}
	cols := map[string]string{}
	crows, err := db.Query(`SELECT name, type FROM pragma_table_info('items')`)
	if err != nil {
		t.Fatal(err)
	}
	defer crows.Close()
	for crows.Next() {
		var name, typ string
		crows.Scan(&name, &typ)
		cols[name] = typ
	}
	for _, c := range []string{"n__v_text", "f__v_text", "created__v_bigint", "seen__v_text"} {
		if _, ok := cols[c]; ok {
			t.Errorf("variant column %s: a value did not land in its column", c)
		}
	}
}

func fmtRow(vals ...any) string {
	s := ""
	for i, v := range vals {
		if i > 0 {
			s += " "
		}
		switch x := v.(type) {
		case []byte:
			s += string(x)
		case nil:
			s += "<nil>"
		default:
			s += fmt.Sprint(x)
		}
	}
	return s
}
