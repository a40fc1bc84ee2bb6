package cli

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/internal/dbcheck"
)

// The hostile-machine tests (hostile_env_*_test.go) attack pipe through
// its database and its process, not its API: the API here is a plain,
// well-behaved one (projects and their items, paged by a next link, with
// an inclusive updated_after filter), so that whatever goes wrong is the
// machine's doing.

// envToken is the only credential the fake accepts; no test output,
// error or table may hold it.
const envToken = "envtok-5ecret-9a8b7c"

// envPageSize is the number of items per page.
const envPageSize = 20

// envSpec is what a user would write for the fake: merge by id, items
// incremental per project on updated_at (so a failed run must not
// advance a cursor past rows it did not commit), tags a child table.
const envSpec = `name: envload
client:
  base_url: "http://placeholder.invalid/"
  auth: {type: bearer, token: "{secrets.envload_token}"}
  paginator: {type: json_link, next_url_path: next}
  retry: {max_attempts: 2, initial_backoff: 10ms, max_backoff: 50ms}
resource_defaults:
  primary_key: id
  write_disposition: merge
resources:
  - name: projects
    endpoint: {path: projects, data_selector: projects}
  - name: items
    endpoint:
      path: "projects/{resources.projects.id}/items"
      data_selector: items
      params: {updated_after: "{incremental.start_value}"}
      incremental: {cursor_path: updated_at, initial_value: "2020-01-01T00:00:00Z"}
`

// envItem is one item as the fake serves it.
type envItem struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	UpdatedAt string   `json:"updated_at"`
	Score     float64  `json:"score"`
	Tags      []string `json:"tags"`
}

// envAPI is the fake: GET /projects (one page), GET
// /projects/{id}/items?updated_after=T&page=N (envPageSize items a page,
// oldest first, a "next" link while more remain).
type envAPI struct {
	*httptest.Server
	mu       sync.Mutex
	projects []string
	items    map[string][]envItem
	served   atomic.Int64
	badAuth  atomic.Int64
	holdAt   atomic.Int64  // the request number to hold (0: none)
	reached  chan struct{} // closed when request holdAt arrives
	release  chan struct{} // closed to let a held request be served
	hOnce    sync.Once
	relOnce  sync.Once
	tick     int
	clockDay time.Time
}

// newEnvAPI serves projects projects of perProject items each.
func newEnvAPI(t *testing.T, projects, perProject int) *envAPI {
	t.Helper()
	a := &envAPI{items: map[string][]envItem{}, reached: make(chan struct{}), release: make(chan struct{}),
		clockDay: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)}
	for p := range projects {
		id := fmt.Sprintf("p%d", p+1)
		a.projects = append(a.projects, id)
		for range perProject {
			a.addItemLocked(id)
		}
	}
	a.Server = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(func() {
		a.Release()
		a.Close()
	})
	return a
}

// addItemLocked adds an item, newer than any before it, to project p.
func (a *envAPI) addItemLocked(p string) {
	a.tick++
	n := len(a.items[p]) + 1
	a.items[p] = append(a.items[p], envItem{
		ID: fmt.Sprintf("%s-i%03d", p, n), Name: fmt.Sprintf("item %d of %s", n, p),
		UpdatedAt: a.clockDay.Add(time.Duration(a.tick) * time.Minute).Format(time.RFC3339),
		Score:     float64(n) + 0.25, Tags: []string{"t" + strconv.Itoa(n%3), "shared"}[:1+n%2],
	})
}

// Change renames every third item of every project (moving its
// updated_at forward) and adds two items per project: the API moved on
// between runs.
func (a *envAPI) Change() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, p := range a.projects {
		for i := 0; i < len(a.items[p]); i += 3 {
			a.tick++
			it := &a.items[p][i]
			it.Name += " (renamed)"
			it.Tags = append(it.Tags, "changed")
			it.UpdatedAt = a.clockDay.Add(time.Duration(a.tick) * time.Minute).Format(time.RFC3339)
		}
		a.addItemLocked(p)
		a.addItemLocked(p)
	}
	for _, p := range a.projects {
		sort.SliceStable(a.items[p], func(i, j int) bool { return a.items[p][i].UpdatedAt < a.items[p][j].UpdatedAt })
	}
}

// HoldAt makes the n-th request from now wait, unanswered, until Release
// or until the client gives up; Reached is closed when it arrives.
func (a *envAPI) HoldAt(n int64) { a.holdAt.Store(a.served.Load() + n) }

// Reached is closed once the held request has arrived.
func (a *envAPI) Reached() <-chan struct{} { return a.reached }

// Release lets the held request, and every later one, be served.
func (a *envAPI) Release() { a.relOnce.Do(func() { close(a.release) }) }

func (a *envAPI) serve(w http.ResponseWriter, r *http.Request) {
	n := a.served.Add(1)
	if r.Header.Get("Authorization") != "Bearer "+envToken {
		a.badAuth.Add(1)
		http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
		return
	}
	if h := a.holdAt.Load(); h != 0 && n == h {
		a.hOnce.Do(func() { close(a.reached) })
		select {
		case <-a.release:
		case <-r.Context().Done():
			return
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(parts) == 1 && parts[0] == "projects":
		var ps []map[string]any
		for _, p := range a.projects {
			ps = append(ps, map[string]any{"id": p, "name": "project " + p})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"projects": ps, "next": nil})
	case len(parts) == 3 && parts[0] == "projects" && parts[2] == "items":
		after := r.URL.Query().Get("updated_after")
		var match []envItem
		for _, it := range a.items[parts[1]] {
			if it.UpdatedAt >= after {
				match = append(match, it)
			}
		}
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		lo, hi := min(page*envPageSize, len(match)), min((page+1)*envPageSize, len(match))
		body := map[string]any{"items": match[lo:hi], "next": nil}
		if hi < len(match) {
			q := r.URL.Query()
			q.Set("page", strconv.Itoa(page+1))
			body["next"] = a.URL + r.URL.Path + "?" + q.Encode()
		}
		_ = json.NewEncoder(w).Encode(body)
	default:
		http.NotFound(w, r)
	}
}

// envTables is what the database must hold after a complete load: every
// project, every item with its values, every tag.
func (a *envAPI) envTables() []dbcheck.Table {
	a.mu.Lock()
	defer a.mu.Unlock()
	projects, items := map[string][]any{}, map[string][]any{}
	tags := dbcheck.NewChild([]string{"value"}, "items", "items__tags")
	for _, p := range a.projects {
		projects[p] = []any{"project " + p}
		for _, it := range a.items[p] {
			items[it.ID] = []any{it.Name, it.UpdatedAt, it.Score}
			for i, tg := range it.Tags {
				tags.Add(dbcheck.Key(it.ID, i), tg)
			}
		}
	}
	return []dbcheck.Table{
		{Name: "projects", Query: `SELECT id, name FROM projects`, Rows: projects},
		{Name: "items", Query: `SELECT id, name, updated_at, score FROM items`, Rows: items},
		tags.Table("t0.id"),
	}
}

// checkEnvTables checks that db holds exactly what the API holds.
func checkEnvTables(t *testing.T, db *sql.DB, a *envAPI) {
	t.Helper()
	for _, tw := range a.envTables() {
		dbcheck.CheckTable(t, db, tw)
	}
}

// writeEnvSpec writes envSpec into dir and returns its path.
func writeEnvSpec(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "envload.yml")
	if err := os.WriteFile(path, []byte(envSpec), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// envArgs is the command line of a run of spec against a into dest.
func envArgs(spec string, a *envAPI, dest string, extra ...string) []string {
	return append([]string{"run", spec, "--base-url", a.URL + "/", "--dest", dest, "-q"}, extra...)
}

// envVars is the environment of a run: the token and nothing else.
var envVars = map[string]string{"ENVLOAD_TOKEN": envToken}

// noEnvSecret fails the test if the token appears in text.
func noEnvSecret(t *testing.T, what, text string) {
	t.Helper()
	if strings.Contains(text, envToken) {
		t.Errorf("%s holds the token:\n%s", what, text)
	}
}

// dumpDB renders every table of db whose name query lists (one name a
// row), each row's columns rendered by dbcheck.Norm, rows sorted: two
// dumps are equal when the tables hold the same rows.
func dumpDB(t *testing.T, db *sql.DB, tablesQuery string, quote func(string) string) string {
	t.Helper()
	rows, err := db.Query(tablesQuery)
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	rows.Close()
	sort.Strings(names)
	var out strings.Builder
	for _, n := range names {
		r, err := db.Query(`SELECT * FROM ` + quote(n))
		if err != nil {
			t.Fatalf("dump %s: %v", n, err)
		}
		cols, _ := r.Columns()
		var lines []string
		for r.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := r.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var cells []string
			for i, v := range vals {
				cells = append(cells, cols[i]+"="+dbcheck.Norm(v))
			}
			lines = append(lines, strings.Join(cells, " "))
		}
		if err := r.Err(); err != nil {
			t.Fatalf("dump %s: %v", n, err)
		}
		r.Close()
		sort.Strings(lines)
		fmt.Fprintf(&out, "== %s (%d rows)\n%s\n", n, len(lines), strings.Join(lines, "\n"))
	}
	return out.String()
}

// sqliteDump dumps every table of the SQLite file but _pipe_loads (which
// a failed run writes to, by design).
func sqliteDump(t *testing.T, path string) string {
	t.Helper()
	db := dbcheck.Open(t, path)
	defer db.Close()
	return dumpDB(t, db, `SELECT name FROM sqlite_master WHERE type = 'table' AND name <> '_pipe_loads'`,
		func(s string) string { return `"` + s + `"` })
}

// loadStatuses returns the status of each load of the SQLite file or
// Postgres db, oldest first, with its error.
func loadStatuses(t *testing.T, db *sql.DB, table string) [][2]string {
	t.Helper()
	rows, err := db.Query(`SELECT status, COALESCE(error, '') FROM ` + table + ` ORDER BY started_at`)
	if err != nil {
		t.Fatalf("read %s: %v", table, err)
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var s, e string
		if err := rows.Scan(&s, &e); err != nil {
			t.Fatal(err)
		}
		out = append(out, [2]string{s, e})
	}
	return out
}

// TestEnvAPILoadsExactly is the baseline the hostile tests stand on: two
// runs with the API changing between them load exactly what it holds,
// the second asking each project for the items since its cursor.
func TestEnvAPILoadsExactly(t *testing.T) {
	dir := t.TempDir()
	a := newEnvAPI(t, 3, 45)
	spec, path := writeEnvSpec(t, dir), filepath.Join(dir, "env.db")
	for i := range 2 {
		code, stdout, stderr := run(t, envVars, envArgs(spec, a, path)...)
		if code != ExitOK {
			t.Fatalf("run %d: exit %d\n%s%s", i, code, stdout, stderr)
		}
		noEnvSecret(t, "the output", stdout+stderr)
		checkEnvTables(t, dbcheck.Open(t, path), a)
		a.Change()
	}
	if n := a.badAuth.Load(); n != 0 {
		t.Errorf("%d requests without the token", n)
	}
}

// AddItems adds n items to every project.
func (a *envAPI) AddItems(n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, p := range a.projects {
		for range n {
			a.addItemLocked(p)
		}
	}
}

// checkLoadsAfterRerun checks the load history after a failed run (whose
// output was failed) and a rerun that completed: no load left running,
// the last completed, the one before it failed or interrupted with an
// error that holds no secret, or, where the failure could not be written
// (the database gone or full), no such load and a failed output that
// says so.
func checkLoadsAfterRerun(t *testing.T, db *sql.DB, table, failed string) {
	t.Helper()
	loads := loadStatuses(t, db, table)
	t.Logf("loads: %q", loads)
	for _, l := range loads {
		if l[0] == "running" {
			t.Errorf("a load is still running after the rerun: %q", loads)
		}
		noEnvSecret(t, "a load's error", l[1])
	}
	n := len(loads)
	if n == 0 || loads[n-1][0] != "completed" {
		t.Errorf("loads %q: want the rerun completed", loads)
		return
	}
	if n >= 2 && (loads[n-2][0] == "failed" || loads[n-2][0] == "interrupted") && loads[n-2][1] != "" {
		return
	}
	if !strings.Contains(failed, "could not be recorded in _pipe_loads") {
		t.Errorf("loads %q: the failed run is not in the history, and its output does not say it could not be recorded:\n%s", loads, failed)
	}
}
