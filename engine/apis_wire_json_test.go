package engine_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// JSON text at its limits (RFC 8259): what is not JSON must fail the run
// naming the page, what is JSON must be stored exactly, however long or
// deep, and no body may crash pipe or exhaust its memory.

// TestWireNotJSON: texts that are almost JSON fail the run at page 2,
// the earlier load kept.
func TestWireNotJSON(t *testing.T) {
	notJSON := wirePage2Prefix + `response body is not JSON (status 200, Content-Type "application/json", starts `
	for _, c := range []struct{ name, body, err string }{
		{"two documents back to back", bodiesPage2 + bodiesPage2, notJSON},
		{"trailing garbage after the document", bodiesPage2 + ` <!-- 3ms -->`, notJSON},
		{"a PHP warning after the document", bodiesPage2 + "\n<br />\n<b>Warning</b>:  Undefined index", notJSON},
		{"NaN", `{"items": [{"id": 3, "name": "three", "score": NaN}], "next": null}`, notJSON},
		{"-Infinity", `{"items": [{"id": 3, "name": "three", "score": -Infinity}], "next": null}`, notJSON},
		{"a single-quoted string", `{"items": [{"id": 3, "name": 'three'}], "next": null}`, notJSON},
		{"a trailing comma", `{"items": [{"id": 3, "name": "three"},], "next": null}`, notJSON},
		{"two documents on two lines", bodiesPage2 + "\n" + bodiesPage2, wirePage2Prefix + "response body is not JSON but JSON lines"},
	} {
		t.Run(c.name, func(t *testing.T) {
			run, o := wirePage2(t, "", servePage(c.body))
			run.failedAsWas(t, o.srv.URL, c.err)
		})
	}
}

// TestWireLongValues: numbers of 5,000 digits, a key of 100,000
// characters and a value nested 990 levels below the deepest column are
// stored as sent.
func TestWireLongValues(t *testing.T) {
	digits := strings.Repeat("9", 5000)
	frac := "0." + strings.Repeat("1234567890", 500)
	key := strings.Repeat("k", 100000)
	deep := strings.Repeat(`{"a":`, 1000) + "1" + strings.Repeat("}", 1000)
	page2 := `{"items": [{"id": 3, "name": "three", "big": ` + digits + `, "frac": ` + frac + `, "exp": 1e5000, "` + key + `": true, "deep": ` + deep + `}, {"id": 4, "name": "four"}], "next": null}`
	run, _ := wirePage2(t, "", servePage(page2))
	run.loaded(t, wireExact)
	// max_table_nesting 10: ten levels of "a" make the column, the rest is its JSON
	col := "deep" + strings.Repeat("__a", 10)
	rest := strings.Repeat(`{"a":`, 990) + "1" + strings.Repeat("}", 990)
	// SQLite names stop at 1024 characters: the key's column is its
	// first 1015 and a stable hash, and _pipe_schema maps the key to it
	var keyCol string
	for _, c := range rowsOf(t, run.db, `SELECT name FROM pragma_table_info('items') WHERE name LIKE 'kkk%'`) {
		keyCol = c
	}
	if len(keyCol) != 1024 || !strings.HasPrefix(keyCol, strings.Repeat("k", 1015)+"_") {
		t.Fatalf("the key's column is %.40q… (%d characters)", keyCol, len(keyCol))
	}
	got := rowsOf(t, run.db, `SELECT big = '`+digits+`', frac = '`+frac+`', exp, "`+keyCol+`", `+col+` = '`+rest+`' FROM items WHERE id = 3`)
	sameRows(t, "id 3", got, []string{"1 1 1e5000 true 1"})
	if len(got) == 1 && got[0] != "1 1 1e5000 true 1" {
		t.Logf("stored: %s", rowsOf(t, run.db, `SELECT length(big), substr(big, 1, 20), length(frac), length(`+col+`) FROM items WHERE id = 3`))
	}
	if n := count(t, openDB(t, run.db), `SELECT count(*) FROM _pipe_schema WHERE table_name = 'items' AND instr(columns_json, ?) > 0 AND instr(columns_json, ?) > 0`, `"`+key+`"`, `"`+keyCol+`"`); n == 0 {
		t.Errorf("_pipe_schema does not map the 100,000-character key to %.20q…", keyCol)
	}
}

// TestWireDeepNestingFails: JSON nested deeper than any API's records
// (a broken serializer's cycle, a hostile server). gjson.Valid recurses
// once per level, so 10,000,000 nested arrays (20 MB, well within
// client.max_response_bytes) overflow Go's 1 GB stack: "fatal error:
// stack overflow", exit 2 and a goroutine dump, no error naming anything
// and no _pipe_loads row. 100,000 nested objects (600 KB) take 65 s of
// CPU (normalize.repeatsKey walks each level's rest again: quadratic)
// and load. Either must fail at once, naming the page and the depth.
func TestWireDeepNestingFails(t *testing.T) {
	for _, c := range []struct {
		name, value string
	}{
		{"10,000,000 arrays", strings.Repeat("[", 10_000_000) + strings.Repeat("]", 10_000_000)},
		{"100,000 objects", strings.Repeat(`{"a":`, 100_000) + "1" + strings.Repeat("}", 100_000)},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			run, o := wirePage2(t, "", servePage(`{"items": [{"id": 3, "name": "three", "deep": `+c.value+`}], "next": null}`))
			run.failedAsWas(t, o.srv.URL, wirePage2Prefix+"200 OK: response body nests deeper than 10000 levels")
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %s", d)
			}
		})
	}
}

// TestWireHugeBodies: a page far larger than client.max_response_bytes
// fails naming the setting without reading (or holding) more than it: a
// Content-Length of 1 GB announced, or a single string of 200 MB sent in
// chunks.
func TestWireHugeBodies(t *testing.T) {
	const limitErr = "200 OK: response body is larger than client.max_response_bytes (104857600 bytes)"
	t.Run("1 GB announced", func(t *testing.T) {
		run, o := wirePage2(t, "", func(w http.ResponseWriter, r *http.Request, _ int) {
			conn, rw, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			defer conn.Close()
			rw.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(1<<30) + "\r\n\r\n" + `{"items": [{"id": 3, "name": "`)
			rw.Flush()
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			conn.Read(make([]byte, 1)) // until pipe closes the connection
		})
		run.failedAsWas(t, o.srv.URL, wirePage2Prefix+limitErr)
		if o.requests() != 2 {
			t.Errorf("%d requests, want 2 (no retry)", o.requests())
		}
	})
	t.Run("a 200 MB string", func(t *testing.T) {
		var sent atomic.Int64
		run, o := wirePage2(t, "", func(w http.ResponseWriter, r *http.Request, _ int) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"items": [{"id": 3, "name": "`)
			chunk := []byte(strings.Repeat("x", 1<<20))
			for range 200 {
				n, err := w.Write(chunk)
				sent.Add(int64(n))
				if err != nil {
					return
				}
			}
			fmt.Fprint(w, `"}], "next": null}`)
		})
		run.failedAsWas(t, o.srv.URL, wirePage2Prefix+limitErr)
		if o.requests() != 2 {
			t.Errorf("%d requests, want 2 (no retry)", o.requests())
		}
		if s := sent.Load(); s >= 200<<20 {
			t.Errorf("the server wrote all %d bytes: pipe read past its limit", s)
		}
	})
}

// TestWireMillionRecordsOnePage: one page of 1,000,000 small records
// (12 MB; 100,000 under the race detector) loads every one of them.
func TestWireMillionRecordsOnePage(t *testing.T) {
	if testing.Short() {
		t.Skip("a million rows")
	}
	n := 1_000_000
	if wireRace {
		n = 100_000
	}
	var b strings.Builder
	b.WriteString(`{"items": [`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d}`, i+3)
	}
	b.WriteString(`], "next": null}`)
	run, _ := wirePage2(t, "", servePage(b.String()))
	if run.err != nil {
		t.Fatalf("run: %v", run.err)
	}
	got := rowsOf(t, run.db, `SELECT count(*), min(id), max(id), count(DISTINCT id), sum(name IS NULL) FROM items`)
	sameRows(t, "items", got, []string{fmt.Sprintf("%d 1 %d %d %d", n+2, n+2, n+2, n)})
}
