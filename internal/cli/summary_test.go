package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// eventsAPI serves events updated after ?since (exclusive), as GitHub's
// and Snyk's "updated since" filters do; n sets how many exist.
func eventsAPI(t *testing.T, n *int) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		since, err := time.Parse(time.RFC3339, r.URL.Query().Get("since"))
		if err != nil {
			http.Error(w, `{"message":"bad since"}`, http.StatusBadRequest)
			return
		}
		base := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
		events := []map[string]any{}
		for i := range *n {
			at := base.Add(time.Duration(i) * time.Hour)
			if at.After(since) {
				events = append(events, map[string]any{"id": i, "updated_at": at.Format(time.RFC3339)})
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"events": events})
	}))
	t.Cleanup(srv.Close)
	return srv
}

var summaryMasks = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`load \S+ (completed|failed)(.*) in \S+ into \S+`), "load ID $1$2 in T into DB"},
	{regexp.MustCompile(`"(load_id|destination)": "[^"]*"`), `"$1": "X"`},
	{regexp.MustCompile(`"(elapsed_ms|rate_limit_wait_ms)": \d+`), `"$1": 0`},
}

func maskSummary(s string) string {
	for _, m := range summaryMasks {
		s = m.re.ReplaceAllString(s, m.with)
	}
	return s
}

// TestRunSummaryShowsIncrementalCursors: the summary says where an
// incremental resource started (initial value, then the saved cursor)
// and where its cursor is now, as text and as JSON; --full-refresh says so.
func TestRunSummaryShowsIncrementalCursors(t *testing.T) {
	n := 3
	srv := eventsAPI(t, &n)
	db := filepath.Join(t.TempDir(), "events.db")
	args := []string{"run", "testdata/events.yml", "--base-url", srv.URL + "/", "--dest", db, "-q"}
	var out string
	for _, step := range []struct {
		events int
		extra  []string
	}{{3, nil}, {5, nil}, {5, []string{"--json"}}, {4, []string{"--full-refresh"}}} {
		n = step.events
		code, stdout, stderr := run(t, nil, append(args, step.extra...)...)
		if code != ExitOK {
			t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
		}
		out += "$ pipe run " + strings.Join(step.extra, " ") + "\n" + maskSummary(stdout)
	}
	golden(t, "run_summary.txt", out)
}

// TestRunSummaryCountsChanges: a merge run again over the same API finds
// every row unchanged, and the summary says so, as text and as JSON.
func TestRunSummaryCountsChanges(t *testing.T) {
	srv := usersAPI(t)
	db := filepath.Join(t.TempDir(), "users.db")
	env := map[string]string{"USERS_TOKEN": "tok-123456"}
	args := []string{"run", "testdata/users.yml", "--base-url", srv.URL + "/", "--dest", db, "-q"}
	for _, step := range []struct {
		extra []string
		want  string
	}{
		{nil, "users          5 rows (5 inserted, 0 updated, 0 unchanged)"},
		{nil, "users          5 rows (0 inserted, 0 updated, 5 unchanged)"},
		{[]string{"--json"}, `"users": {
      "inserted": 0,
      "updated": 0,
      "unchanged": 5,
      "deleted": 0
    }`},
	} {
		code, stdout, stderr := run(t, env, append(args, step.extra...)...)
		if code != ExitOK {
			t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
		}
		if !strings.Contains(stdout, step.want) {
			t.Errorf("pipe run %v: summary lacks %q:\n%s", step.extra, step.want, stdout)
		}
	}
}
