package engine_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/destinations/sqlite"
	"github.com/pipe-etl/pipe/engine/state"
)

// oktaLogs serves Okta's System Log as its reference documents it
// (https://developer.okta.com/docs/api/openapi/okta-management/management/tag/SystemLog/,
// "List all System Log events" and "Request types"; the polling end from
// okta/okta-sdk-python#231): GET /api/v1/logs with since (inclusive) and
// until (exclusive), ISO 8601; events oldest first by published (then
// uuid), limit at a time; Link rel="self" and, while more events follow,
// rel="next" with an opaque after. A request without until polls: its
// last page links to itself as next. A since or until that is no ISO
// 8601 time is a 400 E0000001, as Okta answers.
type oktaLogs struct {
	mu     sync.Mutex
	events map[string]time.Time // uuid -> published
	// fail, when set, answers request n (counted from 1) with a 500.
	fail     func(n int) bool
	requests int
	sent     []string // since and until of each first request of a window
	// desc and untilInclusive make a hostile variant: events newest
	// first, and until inclusive, so that the events at a window's end
	// come again, after newer ones, in the next window.
	desc, untilInclusive bool
}

func newOktaLogs() *oktaLogs { return &oktaLogs{events: map[string]time.Time{}} }

// add publishes an event at t.
func (o *oktaLogs) add(uuid string, t time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.events[uuid] = t
}

type oktaEvent struct {
	uuid string
	at   time.Time
}

// oktaPublished writes a published time as Okta does: UTC, milliseconds.
func oktaPublished(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func (o *oktaLogs) event(e oktaEvent) string {
	return fmt.Sprintf(`{"version":"0","severity":"INFO","actor":{"id":"00u1qw1mqitPHM8AJ0g7","type":"User","alternateId":"admin@example.com","displayName":"John Fung"},"outcome":{"result":"SUCCESS"},"uuid":%q,"published":%q,"eventType":"user.session.start","displayMessage":"User login to Okta","transaction":{"type":"WEB","id":"V04Oy4ubUOc5UuG6s9DyNQAABtc"}}`,
		e.uuid, oktaPublished(e.at))
}

func (o *oktaLogs) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "SSWS "+oktaToken {
		oktaError(w, http.StatusUnauthorized, "E0000011", "Invalid token provided")
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.requests++
	if o.fail != nil && o.fail(o.requests) {
		oktaError(w, http.StatusInternalServerError, "E0000009", "Internal Server Error")
		return
	}
	q := r.URL.Query()
	since, err := time.Parse(time.RFC3339Nano, q.Get("since"))
	if err != nil {
		oktaError(w, http.StatusBadRequest, "E0000001", "Api validation failed: since")
		return
	}
	until := time.Time{}
	if u := q.Get("until"); u != "" {
		if until, err = time.Parse(time.RFC3339Nano, u); err != nil {
			oktaError(w, http.StatusBadRequest, "E0000001", "Api validation failed: until")
			return
		}
	}
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit < 1 || limit > 1000 {
		limit = 100
	}
	if q.Get("after") == "" {
		o.sent = append(o.sent, q.Get("since")+" "+q.Get("until"))
	}
	var all []oktaEvent
	for id, at := range o.events {
		if !at.Before(since) && (until.IsZero() || at.Before(until) || o.untilInclusive && at.Equal(until)) {
			all = append(all, oktaEvent{id, at})
		}
	}
	slices.SortFunc(all, func(a, b oktaEvent) int {
		c := a.at.Compare(b.at)
		if c == 0 {
			c = strings.Compare(a.uuid, b.uuid)
		}
		if o.desc {
			return -c
		}
		return c
	})
	from := 0
	if a := q.Get("after"); a != "" {
		raw, _ := base64.RawURLEncoding.DecodeString(a)
		ms, id, _ := strings.Cut(string(raw), "_")
		n, _ := strconv.ParseInt(ms, 10, 64)
		for from < len(all) && !(all[from].at.UnixMilli() == n && all[from].uuid == id) {
			from++
		}
		from++
	}
	page := all[from:min(len(all), from+limit)]
	var recs []string
	for _, e := range page {
		recs = append(recs, o.event(e))
	}
	self := "http://" + r.Host + r.URL.String()
	w.Header().Add("Link", "<"+self+`>; rel="self"`)
	switch {
	case from+limit < len(all):
		last := page[len(page)-1]
		next := q
		next.Set("after", base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%d_%s", last.at.UnixMilli(), last.uuid))))
		w.Header().Add("Link", "<http://"+r.Host+r.URL.Path+"?"+next.Encode()+`>; rel="next"`)
	case until.IsZero() && len(page) > 0:
		last := page[len(page)-1]
		next := q
		next.Set("after", base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%d_%s", last.at.UnixMilli(), last.uuid))))
		w.Header().Add("Link", "<http://"+r.Host+r.URL.Path+"?"+next.Encode()+`>; rel="next"`)
	case until.IsZero():
		w.Header().Add("Link", "<"+self+`>; rel="next"`) // polling: nothing more yet
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, "["+strings.Join(recs, ",")+"]")
}

// rows returns the fake's events as oktaLogsQuery reads them.
func (o *oktaLogs) rows() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for id, at := range o.events {
		out = append(out, id+"|"+at.UTC().Format(sqlite.TimeFormat)+"|SUCCESS|John Fung")
	}
	slices.Sort(out)
	return out
}

const oktaLogsQuery = `SELECT uuid, CAST(published AS TEXT), outcome__result, actor__display_name FROM logs ORDER BY uuid, _pipe_id`

// oktaLogsRun runs the okta_logs spec (or text) against srv into db,
// its initial value at since.
func oktaLogsRun(t *testing.T, text, srvURL, db string, since time.Time) curRun {
	t.Helper()
	if text == "" {
		text = curTestdata(t, "okta_logs")
	}
	text = strings.Replace(text, `initial_value: "2024-05-01T00:00:00.000Z"`, fmt.Sprintf("initial_value: %q", oktaPublished(since)), 1)
	r := curRunText(t, "okta_logs", text, srvURL, db, map[string]string{"OKTA_API_TOKEN": oktaToken})
	r.noSecret(t, oktaToken)
	return r
}

// oktaCursor returns the logs resource's saved cursor text.
func oktaCursor(t *testing.T, db string) string {
	t.Helper()
	got := queryStrings(t, openDB(t, db), `SELECT cursor FROM _pipe_state WHERE resource = 'logs'`)
	if len(got) != 1 {
		t.Fatalf("_pipe_state rows for logs: %q, want one", got)
	}
	return got[0]
}

// TestOktaLogsIncremental: three runs over a System Log that grows
// between them, some events sharing a millisecond with the cursor of the
// run before. The first run reads day windows from the initial value,
// each request bounded by since and until; each later run starts at the
// largest published time loaded, as written (milliseconds kept), and
// appends only the events it has not: after every run the table holds
// each event once, and _pipe_state the largest published time.
func TestOktaLogsIncremental(t *testing.T) {
	// The log lives in the last two days, so the day windows up to now
	// are few; nothing below depends on the wall clock beyond that.
	base := time.Now().UTC().Truncate(time.Hour).Add(-40 * time.Hour)
	at := func(d time.Duration) time.Time { return base.Add(d) }
	o := newOktaLogs()
	o.add("e1", at(time.Hour+123*time.Millisecond))
	o.add("e2", at(time.Hour+123*time.Millisecond)) // the same millisecond
	o.add("e3", at(25*time.Hour))                   // the second window
	o.add("e4", at(26*time.Hour+7*time.Millisecond))
	o.add("e5", at(26*time.Hour+7*time.Millisecond))
	o.add("e0", at(26*time.Hour+3*time.Millisecond)) // the cursor's second, before it
	srv := newVendorOrigin(t, o)
	db := filepath.Join(t.TempDir(), "okta_logs.db")

	r := oktaLogsRun(t, "", srv.srv.URL, db, base)
	r.mustLoad(t)
	r.checkTable(t, oktaLogsQuery, o.rows())
	last := oktaPublished(at(26*time.Hour + 7*time.Millisecond))
	if c := state.ParseCursor(oktaCursor(t, db)); c.Value != last || len(c.Boundary) != 2 {
		t.Errorf("cursor after the first run = %+v, want %s with the two events there", c, last)
	}
	if len(o.sent) < 2 || !strings.HasPrefix(o.sent[0], oktaPublished(base)+" ") {
		t.Errorf("windows requested = %q, want day windows from %s", o.sent, oktaPublished(base))
	}

	// A third event in the cursor's millisecond, and a later one.
	o.add("e6", at(26*time.Hour+7*time.Millisecond))
	o.add("e7", at(27*time.Hour+999*time.Millisecond))
	o.sent = nil
	r = oktaLogsRun(t, "", srv.srv.URL, db, base)
	r.mustLoad(t)
	r.checkTable(t, oktaLogsQuery, o.rows())
	if len(o.sent) != 1 || !strings.HasPrefix(o.sent[0], last+" ") {
		t.Errorf("the second run asked for %q, want one window from %s (as loaded, milliseconds kept)", o.sent, last)
	}

	// Nothing new: nothing appended, the cursor as it was.
	before := oktaCursor(t, db)
	r = oktaLogsRun(t, "", srv.srv.URL, db, base)
	r.mustLoad(t)
	r.checkTable(t, oktaLogsQuery, o.rows())
	if after := oktaCursor(t, db); after != before {
		t.Errorf("a run with nothing new moved the cursor from %s to %s", before, after)
	}
	if n := srv.carrying(oktaToken); n != srv.requests() {
		t.Errorf("%d of %d requests carried the token", n, srv.requests())
	}
}

// TestOktaLogsFailedRunResumes: the second run fails on its second page
// (a 500 after the retries), so that it commits nothing; the third run
// starts again from the first run's cursor and appends every event once.
func TestOktaLogsFailedRunResumes(t *testing.T) {
	base := time.Now().UTC().Truncate(time.Hour).Add(-10 * time.Hour)
	at := func(d time.Duration) time.Time { return base.Add(d) }
	o := newOktaLogs()
	o.add("e1", at(time.Hour))
	o.add("e2", at(2*time.Hour+500*time.Millisecond))
	srv := newVendorOrigin(t, o)
	db := filepath.Join(t.TempDir(), "okta_logs.db")
	oktaLogsRun(t, "", srv.srv.URL, db, base).mustLoad(t)
	first := o.rows()
	cursor := oktaCursor(t, db)

	o.add("e3", at(2*time.Hour+500*time.Millisecond))
	o.add("e4", at(3*time.Hour))
	o.add("e5", at(4*time.Hour))
	o.mu.Lock()
	start := o.requests
	o.fail = func(n int) bool { return n > start+1 }
	o.mu.Unlock()
	r := oktaLogsRun(t, "", srv.srv.URL, db, base)
	r.mustFail(t, srv.srv.URL, `resource "logs"`, "http://api.test/api/v1/logs?", "500")
	r.checkTable(t, oktaLogsQuery, first)
	if c := oktaCursor(t, db); c != cursor {
		t.Errorf("a failed run moved the cursor from %s to %s", cursor, c)
	}

	o.mu.Lock()
	o.fail = nil
	o.mu.Unlock()
	r = oktaLogsRun(t, "", srv.srv.URL, db, base)
	r.mustLoad(t)
	r.checkTable(t, oktaLogsQuery, o.rows())
}

// TestOktaLogsPolling: the same spec without until, as a newcomer may
// first write it: Okta then polls, and its last page links to itself as
// next. The walk ends there, every event loaded once, and the next run
// (a new event in the cursor's millisecond) appends only that one.
func TestOktaLogsPolling(t *testing.T) {
	base := time.Now().UTC().Truncate(time.Hour).Add(-5 * time.Hour)
	at := func(d time.Duration) time.Time { return base.Add(d) }
	o := newOktaLogs()
	for i := range 5 {
		o.add(fmt.Sprintf("e%d", i+1), at(time.Duration(i)*time.Hour+250*time.Millisecond))
	}
	text := strings.Replace(curTestdata(t, "okta_logs"), `        until: "{incremental.end_value}"`+"\n", "", 1)
	text = strings.Replace(text, ", window: 24h}", "}", 1)
	srv := newVendorOrigin(t, o)
	db := filepath.Join(t.TempDir(), "okta_logs.db")
	r := oktaLogsRun(t, text, srv.srv.URL, db, base)
	r.mustLoad(t)
	r.checkTable(t, oktaLogsQuery, o.rows())

	o.add("e6", at(4*time.Hour+250*time.Millisecond))
	r = oktaLogsRun(t, text, srv.srv.URL, db, base)
	r.mustLoad(t)
	r.checkTable(t, oktaLogsQuery, o.rows())
}

// TestOktaLogsInitialValueFromVar: an initial value taken from a spec
// variable, as a newcomer writes it to start the log at a date of the
// run's choosing (initial_value: "{vars.since}"). pipe validate accepts
// the placeholder there (engine/spec checks the templates of
// initial_value and end_value), but nothing binds it: the first request
// sends since={vars.since} literally, and Okta answers 400.
func TestOktaLogsInitialValueFromVar(t *testing.T) {
	base := time.Now().UTC().Truncate(time.Hour).Add(-5 * time.Hour)
	o := newOktaLogs()
	o.add("e1", base.Add(time.Hour))
	text := strings.Replace(curTestdata(t, "okta_logs"), `initial_value: "2024-05-01T00:00:00.000Z"`, `initial_value: "{vars.since}"`, 1)
	text = strings.Replace(text, "vars:\n", fmt.Sprintf("vars:\n  since: {default: %q}\n", oktaPublished(base)), 1)
	srv := newVendorOrigin(t, o)
	r := curRunText(t, "okta_logs", text, srv.srv.URL, filepath.Join(t.TempDir(), "okta_logs.db"), map[string]string{"OKTA_API_TOKEN": oktaToken})
	r.mustLoad(t)
	r.checkTable(t, oktaLogsQuery, o.rows())
}

// TestOktaLogsWindowEndNewestFirst: a hostile variant of the log: until
// inclusive and events newest first. The events at the end of the first
// day window come again at the start of the second, after the newer
// ones; appended without a key, they must not be appended twice.
func TestOktaLogsWindowEndNewestFirst(t *testing.T) {
	base := time.Now().UTC().Truncate(time.Hour).Add(-40 * time.Hour)
	o := newOktaLogs()
	o.desc, o.untilInclusive = true, true
	o.add("e1", base.Add(time.Hour))
	o.add("e2", base.Add(24*time.Hour)) // the first window's end
	o.add("e3", base.Add(30*time.Hour))
	srv := newVendorOrigin(t, o)
	text := strings.Replace(curTestdata(t, "okta_logs"), "sortOrder: ASCENDING", "sortOrder: DESCENDING", 1)
	r := oktaLogsRun(t, text, srv.srv.URL, filepath.Join(t.TempDir(), "okta_logs.db"), base)
	r.mustLoad(t)
	r.checkTable(t, oktaLogsQuery, o.rows())
}

// TestOktaLogsEndValue: a backfill bounded by end_value, which the last
// window sends as until, as written (milliseconds kept). Events after it
// stay out, and a rerun, starting at the cursor and ending there again,
// adds nothing.
func TestOktaLogsEndValue(t *testing.T) {
	base := time.Now().UTC().Truncate(time.Hour).Add(-40 * time.Hour)
	end := base.Add(30*time.Hour + 500*time.Millisecond)
	o := newOktaLogs()
	o.add("e1", base.Add(time.Hour))
	o.add("e2", base.Add(29*time.Hour))
	o.add("e3", end.Add(time.Millisecond)) // after the end
	o.add("e4", end.Add(time.Hour))
	text := strings.Replace(curTestdata(t, "okta_logs"), ", window: 24h}", fmt.Sprintf(", end_value: %q, range_end: closed, window: 24h}", oktaPublished(end)), 1)
	srv := newVendorOrigin(t, o)
	db := filepath.Join(t.TempDir(), "okta_logs.db")
	want := []string{
		"e1|" + base.Add(time.Hour).Format(sqlite.TimeFormat) + "|SUCCESS|John Fung",
		"e2|" + base.Add(29*time.Hour).Format(sqlite.TimeFormat) + "|SUCCESS|John Fung",
	}
	for range 2 {
		r := oktaLogsRun(t, text, srv.srv.URL, db, base)
		r.mustLoad(t)
		r.checkTable(t, oktaLogsQuery, want)
	}
	if last := o.sent[len(o.sent)-1]; !strings.HasSuffix(last, " "+oktaPublished(end)) {
		t.Errorf("the last window asked for %q, want it to end at %s as written", last, oktaPublished(end))
	}
}
