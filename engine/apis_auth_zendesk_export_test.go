package engine_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// exportFake serves Zendesk's Incremental Ticket Export, cursor based
// (developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/,
// .../documentation/ticketing/managing-tickets/using-the-incremental-export-api/):
// start_time (unix seconds) on the first request, cursor on the next
// ones; the tickets whose generated_timestamp is at or after the start,
// oldest first, pageSize at a time; after_cursor (the exportPos after the
// last ticket returned, never null: on the last page it is where the next
// export starts), after_url, before_cursor, before_url and end_of_stream;
// 422 for a start_time that is no number.
type exportFake struct {
	mu       sync.Mutex
	tickets  map[int]map[string]any
	pageSize int
	starts   []string // start_time of each request without a cursor
	requests int
	// onRequest, when set, runs (with mu held) before request n is
	// answered: a ticket changed during the walk.
	onRequest func(n int)
	// stuck makes every page say end_of_stream false, so that the last
	// page's after_url leads to itself while the API still says more.
	stuck bool
}

func newExportFake() *exportFake {
	f := &exportFake{tickets: map[int]map[string]any{}, pageSize: 2}
	for i, ts := range []int{1700000000, 1700000100, 1700000100, 1700000200, 1700000300} {
		f.put(35436+i, "open", ts)
	}
	return f
}

// put stores ticket id as updated at ts.
func (f *exportFake) put(id int, status string, ts int) {
	f.tickets[id] = map[string]any{
		"id": id, "url": fmt.Sprintf("https://example.zendesk.com/api/v2/tickets/%d.json", id),
		"subject": fmt.Sprintf("Help, my printer %d is on fire!", id), "status": status,
		"custom_fields":       []map[string]any{{"id": 27642, "value": "745"}},
		"generated_timestamp": ts, "updated_at": fmt.Sprintf("@%d", ts),
	}
}

// exportPos is where a ticket sits in the export: by generated_timestamp,
// then id.
type exportPos struct{ ts, id int }

func (p exportPos) cursor() string {
	return base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("%d.0||%d|", p.ts, p.id)))
}

func (f *exportFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if u, p, ok := r.BasicAuth(); !ok || u != zendeskEmail+"/token" || p != zendeskToken {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error": "Couldn't authenticate you"}`)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	if f.onRequest != nil {
		f.onRequest(f.requests)
	}
	q := r.URL.Query()
	var after exportPos // the tickets strictly after this exportPos
	if c := q.Get("cursor"); c != "" {
		raw, err := base64.StdEncoding.DecodeString(c)
		if _, err2 := fmt.Sscanf(strings.ReplaceAll(string(raw), "|", " "), "%d.0 %d", &after.ts, &after.id); err != nil || err2 != nil {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error": "InvalidCursor"}`)
			return
		}
	} else {
		start, err := strconv.Atoi(q.Get("start_time"))
		if err != nil {
			w.WriteHeader(http.StatusUnprocessableEntity)
			fmt.Fprintf(w, `{"error": "InvalidValue", "description": "Invalid start_time %q"}`, q.Get("start_time"))
			return
		}
		f.starts = append(f.starts, q.Get("start_time"))
		after = exportPos{start, -1} // at or after start_time
	}
	var all []exportPos
	for id, t := range f.tickets {
		all = append(all, exportPos{t["generated_timestamp"].(int), id})
	}
	slices.SortFunc(all, func(a, b exportPos) int {
		if a.ts != b.ts {
			return a.ts - b.ts
		}
		return a.id - b.id
	})
	var page []map[string]any
	last, more := after, false
	for _, p := range all {
		if p.ts < after.ts || p.ts == after.ts && p.id <= after.id {
			continue
		}
		if len(page) == f.pageSize {
			more = true
			break
		}
		page, last = append(page, f.tickets[p.id]), p
	}
	if last.id == -1 {
		last.id = 0
	}
	base := "http://" + r.Host + "/api/v2/incremental/tickets/cursor.json?cursor="
	json.NewEncoder(w).Encode(map[string]any{
		"tickets": page, "after_cursor": last.cursor(), "after_url": base + last.cursor(),
		"before_cursor": nil, "before_url": nil, "end_of_stream": !more && !f.stuck,
	})
}

const exportQuery = `SELECT t.id, t.status, t.generated_timestamp, typeof(t.generated_timestamp), group_concat(c.id || '=' || c.value) FROM tickets t LEFT JOIN tickets__custom_fields c ON c._pipe_parent_id = t._pipe_id GROUP BY t.id ORDER BY t.id`

// exportRows is the fake's tickets as exportQuery reads them.
func (f *exportFake) rows() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []int
	for id := range f.tickets {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var out []string
	for _, id := range ids {
		t := f.tickets[id]
		out = append(out, fmtRow(id, t["status"], t["generated_timestamp"], "integer", "27642=745"))
	}
	return out
}

func runExport(t *testing.T, f *exportFake, db string) *vendorRun {
	t.Helper()
	srv := newVendorOrigin(t, f)
	run := runVendor(t, "zendesk_export", map[string]string{"api_url": srv.srv.URL}, map[string]string{"ZENDESK_API_TOKEN": zendeskToken}, db)
	run.noSecretLeft(t, zendeskToken)
	return run
}

// TestZendeskExportIncremental: a first export walks the cursor to
// end_of_stream and loads every ticket; a second run starts at the
// largest generated_timestamp loaded and gets the changed ticket, a new
// ticket at the boundary second and the boundary ticket again (the API
// includes the start), so that the table holds every ticket once, as the
// API has it now.
func TestZendeskExportIncremental(t *testing.T) {
	f := newExportFake()
	db := filepath.Join(t.TempDir(), "zendesk.db")
	run := runExport(t, f, db)
	if run.err != nil {
		t.Fatalf("first run: %v\nlogs:\n%s", run.err, run.logs)
	}
	sameRows(t, "tickets after the first export", rowsOf(t, db, exportQuery), f.rows())

	f.mu.Lock()
	f.put(35437, "solved", 1700000400) // changed since
	f.put(35441, "new", 1700000300)    // new, in the boundary second
	f.mu.Unlock()
	run = runExport(t, f, db)
	if run.err != nil {
		t.Fatalf("second run: %v\nlogs:\n%s", run.err, run.logs)
	}
	sameRows(t, "tickets after the second export", rowsOf(t, db, exportQuery), f.rows())
	if got := f.starts; len(got) != 2 || got[0] != "0" || got[1] != "1700000300" {
		t.Errorf("start_time sent = %q, want [0 1700000300]", got)
	}
}

// TestZendeskExportTicketChangedMidWalk: a ticket updated while the
// export is paged moves to the end of the export and comes twice; the
// table holds it once, as it is now.
func TestZendeskExportTicketChangedMidWalk(t *testing.T) {
	f := newExportFake()
	f.onRequest = func(n int) {
		if n == 2 {
			f.put(35436, "pending", 1700000500)
		}
	}
	db := filepath.Join(t.TempDir(), "zendesk.db")
	run := runExport(t, f, db)
	if run.err != nil {
		t.Fatalf("run: %v\nlogs:\n%s", run.err, run.logs)
	}
	sameRows(t, "tickets", rowsOf(t, db, exportQuery), f.rows())
}

// TestZendeskExportEndOfStreamFalse: a last page whose after_url leads
// back to itself while end_of_stream is still false (a cursor that
// stopped moving) fails the run, naming end_of_stream, instead of
// reading the repeat as the end.
func TestZendeskExportEndOfStreamFalse(t *testing.T) {
	f := newExportFake()
	f.stuck = true
	run := runExport(t, f, filepath.Join(t.TempDir(), "zendesk.db"))
	if run.err == nil || !strings.Contains(run.err.Error(), `resource "tickets"`) || !strings.Contains(run.err.Error(), `"end_of_stream" is false`) {
		t.Fatalf("err = %v, want it to name the resource and end_of_stream false", run.err)
	}
}

// TestZendeskExportCursorParam: the same export with the cursor paginator
// (cursor_path after_cursor, cursor_param cursor), as the docs' "use the
// after_cursor" reads. Zendesk's last page says end_of_stream true and
// still holds an after_cursor, the start of the next export: the cursor
// paginator ends the walk on that flag rather than ask for the cursor,
// get it back on an empty page and fail the run as a loop.
func TestZendeskExportCursorParam(t *testing.T) {
	f := newExportFake()
	text := strings.Replace(vendorSpec(t, "zendesk_export"), "paginator: {type: json_link, next_url_path: after_url}", "paginator: {type: cursor, cursor_path: after_cursor, cursor_param: cursor}", 1)
	srv := newVendorOrigin(t, f)
	run := runVendorSpec(t, "zendesk_export", text, map[string]string{"api_url": srv.srv.URL}, map[string]string{"ZENDESK_API_TOKEN": zendeskToken}, "")
	if run.err != nil {
		t.Fatalf("run: %v", run.err)
	}
	sameRows(t, "tickets", rowsOf(t, run.db, exportQuery), f.rows())
	if n := f.requests; n != 3 {
		t.Errorf("requests = %d, want 3 (the last page says end_of_stream)", n)
	}
}

// TestZendeskExportAppendBoundary: the same export appended without a
// primary key, so that only the boundary bookkeeping keeps the second run
// from adding the ticket of the boundary second again: it adds the new
// version of the changed ticket and the new ticket of that second, and
// nothing else.
func TestZendeskExportAppendBoundary(t *testing.T) {
	f := newExportFake()
	text := strings.Replace(vendorSpec(t, "zendesk_export"), "    primary_key: id\n    write_disposition: merge\n", "    write_disposition: append\n", 1)
	db := filepath.Join(t.TempDir(), "zendesk.db")
	srv := newVendorOrigin(t, f)
	run := func() {
		t.Helper()
		r := runVendorSpec(t, "zendesk_export", text, map[string]string{"api_url": srv.srv.URL}, map[string]string{"ZENDESK_API_TOKEN": zendeskToken}, db)
		if r.err != nil {
			t.Fatalf("run: %v", r.err)
		}
	}
	run()
	first := f.rows()
	f.mu.Lock()
	f.put(35437, "solved", 1700000400)
	f.put(35441, "new", 1700000300)
	f.mu.Unlock()
	run()
	want := append(first, fmtRow(35437, "solved", 1700000400, "integer", "27642=745"), fmtRow(35441, "new", 1700000300, "integer", "27642=745"))
	slices.Sort(want)
	got := rowsOf(t, db, `SELECT t.id, t.status, t.generated_timestamp, typeof(t.generated_timestamp), group_concat(c.id || '=' || c.value) FROM tickets t LEFT JOIN tickets__custom_fields c ON c._pipe_parent_id = t._pipe_id GROUP BY t._pipe_id ORDER BY t.id, t.status`)
	slices.Sort(got)
	sameRows(t, "tickets appended by two exports", got, want)
}
