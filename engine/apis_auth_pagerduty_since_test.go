package engine_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// pdWindowsFake serves PagerDuty's List Incidents filtered by creation
// time (developer.pagerduty.com/api-reference/9d0b4b12e36f9-list-incidents):
// since and until, both inclusive here so that an incident at a window's
// edge comes in both windows; a range longer than six months
// (community.pagerduty.com: "The since and until options allow a maximum
// of 6 months of range") is a 400 Invalid Input Provided; offset, limit,
// more and total as in developer.pagerduty.com/docs/pagination.
type pdWindowsFake struct {
	mu        sync.Mutex
	incidents map[string]string // id: created_at
	status    map[string]string // id: status
	windows   []string          // since..until of each request at offset 0
}

func newPDWindowsFake() *pdWindowsFake {
	f := &pdWindowsFake{incidents: map[string]string{}, status: map[string]string{}}
	for i, at := range []string{
		"2024-01-01T00:00:00Z", // at the initial value
		"2024-02-10T08:00:00Z",
		"2024-03-31T00:00:00Z", // at the edge of the first two 90-day windows
		"2024-03-31T00:00:00Z",
		"2024-07-04T12:30:00Z",
		"2025-01-15T09:15:00Z",
	} {
		f.add(fmt.Sprintf("PT4KHLK%02d", i), at)
	}
	return f
}

func (f *pdWindowsFake) add(id, at string) {
	f.incidents[id], f.status[id] = at, "triggered"
}

func (f *pdWindowsFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("Authorization") != "Token token="+pagerdutyKey {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error": {"message": "Authentication failed", "code": 2006}}`)
		return
	}
	q := r.URL.Query()
	since, err1 := time.Parse(time.RFC3339Nano, q.Get("since"))
	until, err2 := time.Parse(time.RFC3339Nano, q.Get("until"))
	offset, _ := strconv.Atoi(q.Get("offset"))
	limit, _ := strconv.Atoi(q.Get("limit"))
	if r.URL.Path != "/incidents" || err1 != nil || err2 != nil || limit < 1 || until.Before(since) || until.Sub(since) > 183*24*time.Hour {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error": {"message": "Invalid Input Provided", "code": 2001, "errors": ["since and until must be at most 6 months apart"]}}`)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if offset == 0 {
		f.windows = append(f.windows, q.Get("since")+".."+q.Get("until"))
	}
	var ids []string
	for id, at := range f.incidents {
		t, _ := time.Parse(time.RFC3339, at)
		if !t.Before(since) && !t.After(until) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	to := min(offset+limit, len(ids))
	from := min(offset, to)
	var items []string
	for _, id := range ids[from:to] {
		items = append(items, fmt.Sprintf(`{"id": %q, "type": "incident", "incident_number": %d, "status": %q, "created_at": %q, "urgency": "high"}`, id, len(id), f.status[id], f.incidents[id]))
	}
	fmt.Fprintf(w, `{"incidents": [%s], "limit": %d, "offset": %d, "total": %d, "more": %t}`, strings.Join(items, ", "), limit, offset, len(ids), to < len(ids))
}

func (f *pdWindowsFake) rows() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for id, at := range f.incidents {
		t, _ := time.Parse(time.RFC3339, at)
		out = append(out, fmtRow(id, f.status[id], t.UTC()))
	}
	slices.Sort(out)
	return out
}

const pdWindowsQuery = `SELECT id, status, created_at FROM incidents ORDER BY id`

func runPDWindows(t *testing.T, f *pdWindowsFake, text, db string) *vendorRun {
	t.Helper()
	srv := newVendorOrigin(t, f)
	if text == "" {
		text = vendorSpec(t, "pagerduty_windows")
	}
	run := runVendorSpec(t, "pagerduty_windows", text, map[string]string{"api_url": srv.srv.URL}, map[string]string{"PAGERDUTY_TOKEN": pagerdutyKey}, db)
	run.noSecretLeft(t, pagerdutyKey)
	return run
}

// TestPagerDutyWindows: the first run requests consecutive 90-day windows
// from the initial value to now, each within PagerDuty's six months; the
// two incidents at the edge of two windows, served by both, load once;
// a second run starts at the last creation time loaded and loads the new
// incidents, one of them created in that same second, and nothing twice.
func TestPagerDutyWindows(t *testing.T) {
	f := newPDWindowsFake()
	db := filepath.Join(t.TempDir(), "pd.db")
	run := runPDWindows(t, f, "", db)
	if run.err != nil {
		t.Fatalf("first run: %v\nlogs:\n%s", run.err, run.logs)
	}
	sameRows(t, "incidents after the first run", rowsOf(t, db, pdWindowsQuery), f.rows())
	if len(f.windows) < 11 || f.windows[0] != "2024-01-01T00:00:00Z..2024-03-31T00:00:00Z" || !strings.HasPrefix(f.windows[1], "2024-03-31T00:00:00Z..") {
		t.Errorf("windows = %q, want 90-day windows from 2024-01-01T00:00:00Z", f.windows)
	}

	f.mu.Lock()
	f.windows = nil
	f.add("PT4KHLK90", "2025-01-15T09:15:00Z") // the second of the last run's cursor
	f.add("PT4KHLK91", "2025-06-01T00:00:00Z")
	f.mu.Unlock()
	run = runPDWindows(t, f, "", db)
	if run.err != nil {
		t.Fatalf("second run: %v\nlogs:\n%s", run.err, run.logs)
	}
	sameRows(t, "incidents after the second run", rowsOf(t, db, pdWindowsQuery), f.rows())
	if len(f.windows) == 0 || !strings.HasPrefix(f.windows[0], "2025-01-15T09:15:00Z..") {
		t.Errorf("second run windows = %q, want the first from 2025-01-15T09:15:00Z", f.windows)
	}
	sameRows(t, "rows written by the second run", rowsOf(t, db, `SELECT count(*) FROM incidents WHERE _pipe_load_id = '`+run.rep.LoadID+`'`), []string{"2"})
}

// TestPagerDutyWindowTooWide: a window wider than the API's six months
// is refused by the API with a 400; the run fails naming the resource,
// the URL and the API's message, and loads nothing.
func TestPagerDutyWindowTooWide(t *testing.T) {
	f := newPDWindowsFake()
	text := strings.Replace(vendorSpec(t, "pagerduty_windows"), "window: 2160h", "window: 4800h", 1)
	run := runPDWindows(t, f, text, filepath.Join(t.TempDir(), "pd.db"))
	if run.err == nil {
		t.Fatal("run completed, want the API's 400")
	}
	for _, want := range []string{`resource "incidents"`, "/incidents?", "400 Bad Request", "6 months"} {
		if !strings.Contains(run.err.Error(), want) {
			t.Errorf("err = %v\nwant it to hold %s", run.err, want)
		}
	}
}

// TestPagerDutyWindowsZoneOffsets: creation times written with a zone
// offset (an account whose time zone is not UTC) order by instant, and the
// next run's since is the last instant loaded, its "+" sent encoded, so
// that the API reads it and the incident at it is not loaded twice.
func TestPagerDutyWindowsZoneOffsets(t *testing.T) {
	f := newPDWindowsFake()
	f.mu.Lock()
	f.add("PT4KHLK80", "2025-01-15T11:15:00+02:00") // the instant of PT4KHLK05, written another way
	f.add("PT4KHLK81", "2025-01-15T10:30:00+02:00") // before it
	f.mu.Unlock()
	db := filepath.Join(t.TempDir(), "pd.db")
	if run := runPDWindows(t, f, "", db); run.err != nil {
		t.Fatalf("first run: %v", run.err)
	}
	sameRows(t, "incidents after the first run", rowsOf(t, db, pdWindowsQuery), f.rows())
	f.mu.Lock()
	f.windows = nil
	f.add("PT4KHLK82", "2025-02-01T00:00:00-05:00")
	f.mu.Unlock()
	run := runPDWindows(t, f, "", db)
	if run.err != nil {
		t.Fatalf("second run: %v", run.err)
	}
	sameRows(t, "incidents after the second run", rowsOf(t, db, pdWindowsQuery), f.rows())
	if len(f.windows) == 0 {
		t.Fatal("the second run requested nothing")
	}
	since, _, _ := strings.Cut(f.windows[0], "..")
	if got, err := time.Parse(time.RFC3339, since); err != nil || !got.Equal(time.Date(2025, 1, 15, 9, 15, 0, 0, time.UTC)) {
		t.Errorf("second run's first since = %q, want the instant 2025-01-15T09:15:00Z", since)
	}
	sameRows(t, "rows written by the second run", rowsOf(t, db, `SELECT count(*) FROM incidents WHERE _pipe_load_id = '`+run.rep.LoadID+`'`), []string{"1"})
}
