package engine_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestZendeskExportCursorAcrossRuns: the incremental ticket export read
// the way its docs describe (exportFake: "use the after_cursor" of each
// page, stop at end_of_stream true) with the cursor paginator, over three
// runs: the first walks to end_of_stream; the second starts at the
// largest generated_timestamp loaded and gets a changed ticket, a new one
// in the boundary second and the boundary ticket again; the third finds
// nothing new. After each the table is the API's tickets, each once, and
// no run asks past the page that says end_of_stream.
func TestZendeskExportCursorAcrossRuns(t *testing.T) {
	f := newExportFake()
	text := strings.Replace(vendorSpec(t, "zendesk_export"), "paginator: {type: json_link, next_url_path: after_url}", "paginator: {type: cursor, cursor_path: after_cursor, cursor_param: cursor}", 1)
	srv := newVendorOrigin(t, f)
	db := filepath.Join(t.TempDir(), "zendesk.db")
	run := func(wantRequests int) {
		t.Helper()
		before := f.requests
		r := runVendorSpec(t, "zendesk_export", text, map[string]string{"api_url": srv.srv.URL}, map[string]string{"ZENDESK_API_TOKEN": zendeskToken}, db)
		if r.err != nil {
			t.Fatalf("run: %v\nlogs:\n%s", r.err, r.logs)
		}
		r.noSecretLeft(t, zendeskToken)
		sameRows(t, "tickets", rowsOf(t, db, exportQuery), f.rows())
		if n := f.requests - before; n != wantRequests {
			t.Errorf("requests = %d, want %d", n, wantRequests)
		}
	}
	run(3) // 5 tickets, 2 a page: the third page says end_of_stream
	f.mu.Lock()
	f.put(35437, "solved", 1700000400)
	f.put(35441, "new", 1700000300)
	f.mu.Unlock()
	run(2) // 1700000300 (two tickets) and 1700000400
	run(1) // the boundary ticket alone
	if want := []string{"0", "1700000300", "1700000400"}; !slices.Equal(f.starts, want) {
		t.Errorf("start_time sent = %q, want %q", f.starts, want)
	}
}
