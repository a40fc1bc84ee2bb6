package engine_test

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin on any machine

	"github.com/pipe-etl/pipe/engine/state"
)

// jiraUpdated serves Jira Cloud's JQL search
// (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/)
// for one query form, project = PROJ AND updated >= "<date>" ORDER BY
// updated ASC: the date in one of the JQL date-time formats
// (confluence.atlassian.com "__JQL Date Time Formats"), read in the
// user's zone (Europe/Berlin here), or a number of epoch milliseconds;
// any other value is a 400 naming the valid formats, as Jira answers.
// fields.updated is written in the user's zone, so that its offset
// changes when summer time ends. nextPageToken pages, maxResults at
// most 2.
type jiraUpdated struct {
	mu     sync.Mutex
	zone   *time.Location
	issues map[int]time.Time // id -> updated
	jql    []string          // the jql of each first page
}

var jiraJQL = regexp.MustCompile(`^project = PROJ AND updated >= ("([^"]*)"|(\d+)) ORDER BY updated ASC$`)

func (j *jiraUpdated) since(v, ms string) (time.Time, bool) {
	if ms != "" {
		n, err := strconv.ParseInt(ms, 10, 64)
		return time.UnixMilli(n), err == nil
	}
	for _, layout := range []string{"2006/01/02 15:04", "2006-01-02 15:04", "2006/01/02", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, v, j.zone); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func (j *jiraUpdated) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if u, p, ok := r.BasicAuth(); !ok || u != jiraEmail || p != jiraToken {
		curWrite(w, http.StatusUnauthorized, `{"errorMessages":["You are not authenticated. Authentication required to perform this operation."],"errors":{}}`)
		return
	}
	q := r.URL.Query()
	m := jiraJQL.FindStringSubmatch(q.Get("jql"))
	if m == nil {
		curWrite(w, http.StatusBadRequest, `{"errorMessages":["the fake reads one JQL form only"],"errors":{}}`)
		return
	}
	since, ok := j.since(m[2], m[3])
	if !ok {
		curWrite(w, http.StatusBadRequest, fmt.Sprintf(`{"errorMessages":["Date value '%s' for field 'updated' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."],"errors":{}}`, m[2]))
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	start := 0
	if tok := q.Get("nextPageToken"); tok != "" {
		start, _ = strconv.Atoi(strings.TrimPrefix(tok, "CAEaAggD"))
	} else {
		j.jql = append(j.jql, q.Get("jql"))
	}
	var ids []int
	for id, at := range j.issues {
		if !at.Before(since) {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b int) int {
		if c := j.issues[a].Compare(j.issues[b]); c != 0 {
			return c
		}
		return a - b
	})
	size, _ := strconv.Atoi(q.Get("maxResults"))
	end := min(start+min(max(size, 1), 2), len(ids))
	var items []string
	for _, id := range ids[start:end] {
		items = append(items, fmt.Sprintf(`{"expand":"names","id":"%d","self":"https://acme.atlassian.net/rest/api/3/issue/%d","key":"PROJ-%d","fields":{"summary":"Issue %d","updated":%q}}`,
			id, id, id-10000, id, j.issues[id].In(j.zone).Format("2006-01-02T15:04:05.000-0700")))
	}
	body := `{"issues":[` + strings.Join(items, ",") + `]`
	if end < len(ids) {
		body += fmt.Sprintf(`,"nextPageToken":"CAEaAggD%d","isLast":false}`, end)
	} else {
		body += `,"isLast":true}`
	}
	curWrite(w, http.StatusOK, body)
}

// TestJiraUpdatedAcrossSummerTimeEnd: issues updated around the night
// summer time ends in Berlin, where fields.updated goes from +0200 to
// +0100 and the text goes back while time goes on: the cursor saved is
// the latest instant (02:10+0100, after 02:30+0200). The second run then
// sends that value in the JQL, which Jira refuses (its date formats have
// minutes and no zone): the run fails naming the resource, the URL and
// Jira's message, and changes nothing; incremental.param_format writes it
// as JQL reads it (TestJiraUpdatedParamFormat).
func TestJiraUpdatedAcrossSummerTimeEnd(t *testing.T) {
	zone, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	j := &jiraUpdated{zone: zone, issues: map[int]time.Time{
		10001: time.Date(2024, 10, 26, 10, 0, 0, 0, time.UTC),
		10002: time.Date(2024, 10, 27, 0, 30, 0, 0, time.UTC), // 02:30+0200
		10003: time.Date(2024, 10, 27, 1, 10, 0, 0, time.UTC), // 02:10+0100
		10004: time.Date(2024, 10, 27, 1, 10, 0, 0, time.UTC),
	}}
	srv := newVendorOrigin(t, j)
	db := t.TempDir() + "/jira.db"
	env := map[string]string{"JIRA_EMAIL": jiraEmail, "JIRA_API_TOKEN": jiraToken}
	r := curRunText(t, "jira_incremental", "", srv.srv.URL, db, env)
	r.mustLoad(t)
	r.noSecret(t, jiraToken)
	const q = `SELECT id, key, fields__summary, CAST(fields__updated AS TEXT) FROM issues ORDER BY id`
	want := []string{
		"10001|PROJ-1|Issue 10001|2024-10-26T10:00:00.000000000Z",
		"10002|PROJ-2|Issue 10002|2024-10-27T00:30:00.000000000Z",
		"10003|PROJ-3|Issue 10003|2024-10-27T01:10:00.000000000Z",
		"10004|PROJ-4|Issue 10004|2024-10-27T01:10:00.000000000Z",
	}
	r.checkTable(t, q, want)
	c := state.ParseCursor(queryStrings(t, openDB(t, db), `SELECT cursor FROM _pipe_state WHERE resource = 'issues'`)[0])
	if c.Value != "2024-10-27T02:10:00.000+0100" || len(c.Boundary) != 2 {
		t.Errorf("cursor = %+v, want 2024-10-27T02:10:00.000+0100 (the latest instant) with two issues", c)
	}

	r = curRunText(t, "jira_incremental", "", srv.srv.URL, db, env)
	r.mustFail(t, srv.srv.URL, `resource "issues"`, "http://api.test/rest/api/3/search/jql?", "400", "Date value '2024-10-27T02:10:00.000+0100' for field 'updated' is invalid")
	r.checkTable(t, q, want)
	r.noSecret(t, jiraToken)
	if len(j.jql) != 1 || !strings.Contains(j.jql[0], `"2024-10-26 00:00"`) {
		t.Errorf("jql answered = %q, want the first run's, from the initial value", j.jql)
	}
}

// TestJiraUpdatedParamFormat: with param_format "2006-01-02 15:04" and
// param_timezone Europe/Berlin the saved cursor (02:10+0100, the latest
// instant) goes into the JQL as Jira reads it, to the minute in the
// user's zone: the second run asks from "2024-10-27 02:10", gets the
// issues of that minute again (skipped or merged once) and the one
// changed since, and completes.
func TestJiraUpdatedParamFormat(t *testing.T) {
	zone, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	j := &jiraUpdated{zone: zone, issues: map[int]time.Time{
		10001: time.Date(2024, 10, 26, 10, 0, 0, 0, time.UTC),
		10002: time.Date(2024, 10, 27, 0, 30, 0, 0, time.UTC), // 02:30+0200
		10003: time.Date(2024, 10, 27, 1, 10, 0, 0, time.UTC), // 02:10+0100
	}}
	srv := newVendorOrigin(t, j)
	db := t.TempDir() + "/jira.db"
	env := map[string]string{"JIRA_EMAIL": jiraEmail, "JIRA_API_TOKEN": jiraToken}
	text := strings.Replace(curTestdata(t, "jira_incremental"), `initial_value: "2024-10-26 00:00"}`, `initial_value: "2024-10-26 00:00", param_format: "2006-01-02 15:04", param_timezone: Europe/Berlin}`, 1)
	const q = `SELECT id, CAST(fields__updated AS TEXT) FROM issues ORDER BY id`
	r := curRunText(t, "jira_incremental", text, srv.srv.URL, db, env)
	r.mustLoad(t)
	j.mu.Lock()
	j.issues[10001] = time.Date(2024, 10, 27, 3, 0, 0, 0, time.UTC) // 04:00+0100
	j.mu.Unlock()
	r = curRunText(t, "jira_incremental", text, srv.srv.URL, db, env)
	r.mustLoad(t)
	r.noSecret(t, jiraToken)
	r.checkTable(t, q, []string{
		"10001|2024-10-27T03:00:00.000000000Z",
		"10002|2024-10-27T00:30:00.000000000Z",
		"10003|2024-10-27T01:10:00.000000000Z",
	})
	if len(j.jql) != 2 || !strings.Contains(j.jql[1], `"2024-10-27 02:10"`) {
		t.Errorf("jql answered = %q, want the second from \"2024-10-27 02:10\"", j.jql)
	}
}
