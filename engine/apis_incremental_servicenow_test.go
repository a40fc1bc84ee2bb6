package engine_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// snowTable serves ServiceNow's Table API for incidents (docs.servicenow.com,
// "Table API": GET /api/now/table/incident with sysparm_query,
// sysparm_fields, sysparm_limit and sysparm_offset; {"result": [...]};
// Link rel="first", "prev", "next", "last" and X-Total-Count; basic auth;
// a 400 {"error": {"message", "detail"}, "status": "failure"}). The query
// read is sys_updated_on>=<yyyy-MM-dd HH:mm:ss>^ORDERBYsys_updated_on,
// values in UTC without a zone, as the API writes them.
type snowTable struct {
	mu      sync.Mutex
	rows    map[string]snowRow // sys_id -> row
	queries []string           // sysparm_query of each first page
}

type snowRow struct {
	number, state string
	updated       time.Time
}

const (
	snowUser     = "pipe.integration"
	snowPassword = "Sn0w-pa55/word"
	snowLayout   = "2006-01-02 15:04:05"
)

var snowQuery = regexp.MustCompile(`^sys_updated_on>=(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\^ORDERBYsys_updated_on$`)

func (s *snowTable) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if u, p, ok := r.BasicAuth(); !ok || u != snowUser || p != snowPassword {
		curWrite(w, http.StatusUnauthorized, `{"error":{"message":"User Not Authenticated","detail":"Required to provide Auth information"},"status":"failure"}`)
		return
	}
	q := r.URL.Query()
	m := snowQuery.FindStringSubmatch(q.Get("sysparm_query"))
	if m == nil {
		curWrite(w, http.StatusBadRequest, fmt.Sprintf(`{"error":{"message":"Invalid query","detail":%q},"status":"failure"}`, q.Get("sysparm_query")))
		return
	}
	since, _ := time.Parse(snowLayout, m[1])
	limit, _ := strconv.Atoi(q.Get("sysparm_limit"))
	offset, _ := strconv.Atoi(q.Get("sysparm_offset"))
	s.mu.Lock()
	defer s.mu.Unlock()
	if offset == 0 {
		s.queries = append(s.queries, q.Get("sysparm_query"))
	}
	var ids []string
	for id, row := range s.rows {
		if !row.updated.Before(since) {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b string) int {
		if c := s.rows[a].updated.Compare(s.rows[b].updated); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	var out []string
	for _, id := range ids[min(offset, len(ids)):min(offset+limit, len(ids))] {
		row := s.rows[id]
		out = append(out, fmt.Sprintf(`{"sys_id":%q,"number":%q,"state":%q,"sys_updated_on":%q}`, id, row.number, row.state, row.updated.Format(snowLayout)))
	}
	link := func(off int, rel string) string {
		v := r.URL.Query()
		v.Set("sysparm_offset", strconv.Itoa(off))
		return fmt.Sprintf(`<http://%s%s?%s>;rel=%q`, r.Host, r.URL.Path, v.Encode(), rel)
	}
	lastOff := max(0, (len(ids)-1)/limit*limit)
	links := []string{link(0, "first")}
	if offset > 0 {
		links = append(links, link(max(0, offset-limit), "prev"))
	}
	if offset+limit < len(ids) {
		links = append(links, link(offset+limit, "next"))
	}
	links = append(links, link(lastOff, "last"))
	w.Header().Set("Link", strings.Join(links, ","))
	w.Header().Set("X-Total-Count", strconv.Itoa(len(ids)))
	curWrite(w, http.StatusOK, `{"result":[`+strings.Join(out, ",")+`]}`)
}

func (s *snowTable) put(id, number, state string, at string) {
	t, err := time.Parse(snowLayout, at)
	if err != nil {
		panic(err)
	}
	s.rows[id] = snowRow{number, state, t}
}

func (s *snowTable) want() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for id, row := range s.rows {
		out = append(out, fmt.Sprintf("%s|%s|%s|%s", id, row.number, row.state, row.updated.Format("2006-01-02T15:04:05.000000000Z")))
	}
	slices.Sort(out)
	return out
}

// TestServiceNowLagInItsOwnLayout: sys_updated_on has no zone and a
// space, as ServiceNow writes it. The cursor is ordered as a time (UTC),
// and lag: 1m moves it back a minute in that same layout, so the second
// run's query reads as ServiceNow reads it (sys_updated_on>=2024-01-02
// 09:59:30) and gets the incident a node with a slow clock wrote 20
// seconds before the cursor, and the one updated in the cursor's second.
// Before, lag was dropped for a cursor that was not RFC 3339, and that
// incident stayed as it was with the run completing.
func TestServiceNowLagInItsOwnLayout(t *testing.T) {
	s := &snowTable{rows: map[string]snowRow{}}
	s.put("9c573169c611228700193229fff72400", "INC0000001", "1", "2024-01-02 08:00:00")
	s.put("9d385017c611228701d22104cc95c371", "INC0000002", "2", "2024-01-02 09:00:00")
	s.put("e8caedcbc0a80164017df472f39eaed1", "INC0000003", "1", "2024-01-02 10:00:30")
	srv := newVendorOrigin(t, s)
	db := filepath.Join(t.TempDir(), "servicenow.db")
	env := map[string]string{"SERVICENOW_USER": snowUser, "SERVICENOW_PASSWORD": snowPassword}
	const q = `SELECT sys_id, number, state, CAST(sys_updated_on AS TEXT) FROM incidents ORDER BY sys_id`
	run := func() {
		t.Helper()
		r := curRunText(t, "servicenow", "", srv.srv.URL, db, env)
		r.mustLoad(t)
		r.noSecret(t, snowPassword)
		r.checkTable(t, q, s.want())
	}
	run()
	s.mu.Lock()
	s.put("9d385017c611228701d22104cc95c371", "INC0000002", "6", "2024-01-02 10:00:10") // a slow clock
	s.put("e8caedcbc0a80164017df472f39eaed1", "INC0000003", "2", "2024-01-02 10:00:30") // the cursor's second
	s.mu.Unlock()
	run()
	want := []string{"sys_updated_on>=2024-01-01 00:00:00^ORDERBYsys_updated_on", "sys_updated_on>=2024-01-02 09:59:30^ORDERBYsys_updated_on"}
	if !slices.Equal(s.queries, want) {
		t.Errorf("queries = %q, want %q", s.queries, want)
	}
}
