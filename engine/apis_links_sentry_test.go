package engine_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
)

// sentryIssues serves GET /api/0/projects/{org}/{project}/issues/ as
// Sentry documents it ("List a Project's Issues",
// https://docs.sentry.io/api/events/list-a-projects-issues/, and
// "Paginating Results", https://docs.sentry.io/api/pagination/): a JSON
// array of issues; a Link header that always holds rel="previous" and
// rel="next", each with results="true|false" and cursor="<id>:<offset>:
// <is_prev>". The last page still has a rel="next" link, with
// results="false"; that link serves an empty array. A bad token is a 401
// {"detail": "Invalid token"}. Pages hold perPage issues (Sentry: 100).
type sentryIssues struct {
	total, perPage int
	mode           atomic.Value // string: "" (as documented) or a hostile variant
	foreign        string       // another host's URL, for mode "foreign"
}

const sentryToken = "sntrys_S3CRETxyz"

func (s *sentryIssues) issue(n int) string {
	return fmt.Sprintf(`{"annotations":[],"assignedTo":null,"count":"%d","culprit":"app.main in run","firstSeen":"2024-03-0%dT10:00:00Z","hasSeen":false,"id":"%d","isBookmarked":false,"isPublic":false,"isSubscribed":true,"lastSeen":"2024-03-0%dT12:30:00Z","level":"error","logger":null,"metadata":{"title":"ZeroDivisionError %d"},"numComments":%d,"permalink":"https://sentry.io/acme/backend/issues/%d/","project":{"id":"2","name":"Backend","slug":"backend"},"shareId":null,"shortId":"BACKEND-%d","status":"unresolved","statusDetails":{},"subscriptionDetails":null,"title":"ZeroDivisionError %d","type":"error","userCount":%d}`,
		n*10, 1+n%9, 4000+n, 1+n%9, n, n%3, 4000+n, n, n, n%4)
}

func (s *sentryIssues) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+sentryToken {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"detail": "Invalid token"}`)
		return
	}
	if r.URL.Path != "/api/0/projects/acme/backend/issues/" {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"detail": "The requested resource does not exist"}`)
		return
	}
	offset := 0
	if c := r.URL.Query().Get("cursor"); c != "" {
		parts := strings.Split(c, ":")
		n, err := strconv.Atoi(parts[min(1, len(parts)-1)])
		if len(parts) != 3 || err != nil {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"detail": "Invalid cursor parameter."}`)
			return
		}
		offset = n
	}
	mode, _ := s.mode.Load().(string)
	var items []string
	for n := offset + 1; n <= min(offset+s.perPage, s.total); n++ {
		items = append(items, s.issue(n))
	}
	self := "http://" + r.Host + r.URL.Path + "?statsPeriod=14d&"
	link := func(rel string, off int, prev, results bool) string {
		p := 0
		if prev {
			p = 1
		}
		c := fmt.Sprintf("0:%d:%d", off, p)
		return fmt.Sprintf(`<%scursor=%s>; rel="%s"; results="%t"; cursor="%s"`, self, c, rel, results, c)
	}
	next := offset + s.perPage
	prevLink := link("previous", offset, true, offset > 0)
	nextLink := link("next", next, false, next < s.total)
	switch {
	case mode == "foreign" && offset > 0:
		// Page 2 points to another host, same path and cursor.
		nextLink = strings.Replace(nextLink, "http://"+r.Host, s.foreign, 1)
	case mode == "loop" && offset > 0:
		// Page 2 points back to page 1's cursor, results="true".
		nextLink = link("next", 0, false, true)
	case mode == "odd":
		// The same links written as RFC 8288 allows: two header fields,
		// next first, odd spacing and case, a quoted comma and semicolon,
		// a relative target.
		c := fmt.Sprintf("0:%d:0", next)
		w.Header().Add("Link", fmt.Sprintf(`</api/0/projects/acme/backend/issues/?statsPeriod=14d&cursor=%s> ;REL = NEXT;title="a, b; c";  results = "%t" ; cursor=%s`, c, next < s.total, c))
		w.Header().Add("Link", prevLink)
		prevLink, nextLink = "", ""
	}
	if prevLink != "" {
		w.Header().Set("Link", prevLink+", "+nextLink)
	}
	w.Header().Set("Content-Type", "application/json")
	body := "[" + strings.Join(items, ",") + "]"
	switch {
	case mode == "truncated" && offset == s.perPage:
		body = body[:len(body)/2]
	case mode == "error200first" && offset == 0, mode == "error200" && offset == s.perPage:
		body = `{"detail": "Internal Error", "errorId": "b2d1c9"}`
	}
	fmt.Fprint(w, body)
}

// sentryCols are the columns of issues: every member of an issue that
// is not null or empty, nested objects flattened.
var sentryCols = []string{"id", "count", "culprit", "first_seen", "has_seen", "is_bookmarked", "is_public", "is_subscribed", "last_seen", "level", "metadata__title", "num_comments", "permalink", "project__id", "project__name", "project__slug", "short_id", "status", "title", "type", "user_count"}

// sentryWant is the issues table as the fake served issues 1..total:
// ids and count kept as the text Sentry sends, booleans as 0/1,
// timestamps as RFC 3339 text.
func sentryWant(total int) []string {
	var want []string
	for n := 1; n <= total; n++ {
		day := 1 + n%9
		want = append(want, fmt.Sprintf("'%d'|'%d'|'app.main in run'|'2024-03-0%dT10:00:00.000000000Z'|0|0|0|1|'2024-03-0%dT12:30:00.000000000Z'|'error'|'ZeroDivisionError %d'|%d|'https://sentry.io/acme/backend/issues/%d/'|'2'|'Backend'|'backend'|'BACKEND-%d'|'unresolved'|'ZeroDivisionError %d'|'error'|%d",
			4000+n, n*10, day, day, n, n%3, 4000+n, n, n, n%4))
	}
	return want
}

// TestSentryIssuesLoadExactly follows Sentry's Link header to the page
// whose rel="next" says results="false", and stops there without
// requesting it: every issue once, each value with its type.
func TestSentryIssuesLoadExactly(t *testing.T) {
	for _, tt := range []struct {
		mode  string
		total int
	}{{"", 7}, {"odd", 7}, {"", 6}, {"odd", 6}, {"", 1}, {"", 0}} {
		t.Run(fmt.Sprintf("mode=%s,total=%d", tt.mode, tt.total), func(t *testing.T) {
			api := &sentryIssues{total: tt.total, perPage: 3}
			api.mode.Store(tt.mode)
			srv := newLinksServer(t, sentryToken, api)
			db := filepath.Join(t.TempDir(), "sentry.db")
			rep, err := linksLoad(t, "sentry", srv.URL, db, map[string]string{"SENTRY_AUTH_TOKEN": sentryToken})
			if err != nil {
				t.Fatal(err)
			}
			if tt.total > 0 {
				linksCompare(t, "issues", linksTable(t, db, "issues", "CAST(id AS INTEGER)", sentryCols...), sentryWant(tt.total))
			} else if d := openDB(t, db); linksTableExists(t, d, "issues") && count(t, d, `SELECT count(*) FROM issues`) != 0 {
				t.Error("rows loaded from an empty project")
			}
			if got := rep.Tables["issues"]; got != int64(tt.total) {
				t.Errorf("report: issues %d rows, want %d", got, tt.total)
			}
			// The pages of records (one for an empty project); the
			// results="false" link is not requested.
			if got, want := int(srv.requests.Load()), max(1, (tt.total+2)/3); got != want {
				t.Errorf("requests = %d, want %d", got, want)
			}
		})
	}
}

// TestSentryHostileLinks: a rel="next" link to another host fails before
// anything is sent there; one back to the first page's cursor is a loop;
// a truncated page and an error body on a 200 fail the run; a bad token
// fails naming the resource and the URL, never the token. Nothing is
// loaded by any of them.
func TestSentryHostileLinks(t *testing.T) {
	runHostileLinks(t, linksVendor{name: "sentry", table: "issues", cred: sentryToken, empty: "[]",
		env: func(cred string) map[string]string { return map[string]string{"SENTRY_AUTH_TOKEN": cred} },
		api: func(foreign, mode string) http.Handler {
			a := &sentryIssues{total: 7, perPage: 3, foreign: foreign}
			a.mode.Store(mode)
			return a
		},
	}, []linksHostile{
		{mode: "foreign", sentinel: rest.ErrOutOfScope, msgs: []string{`resource "issues": page 3: GET http://127.0.0.1:`, `/api/0/projects/acme/backend/issues/?statsPeriod=14d&cursor=0:6:0: origin not allowed: host 127.0.0.1:`, "list it in client.allowed_hosts"}},
		{mode: "loop", sentinel: rest.ErrLoop, msgs: []string{`resource "issues"`, "cursor=0:0:0", "seen before"}},
		{mode: "truncated", msgs: []string{`resource "issues": page 2: GET http://api.test/api/0/projects/acme/backend/issues/?statsPeriod=14d&cursor=0:3:0`}},
		// With primary_key id, the error object fails as a record without
		// an id (today), or as a body that is not the records' array.
		{mode: "error200", msgs: []string{`resource "issues": `, `http://api.test/api/0/projects/acme/backend/issues/?statsPeriod=14d&cursor=0:3:0: `}},
		{mode: "", cred: "wrong-token", sentinel: rest.ErrUnauthorized, msgs: []string{`resource "issues": page 1: GET http://api.test/api/0/projects/acme/backend/issues/?statsPeriod=14d`, "401"}},
	})
}

// TestSentryErrorBodyOn200IsNotARecord: Sentry's error bodies are
// objects ({"detail": "..."}, Django REST framework's shape). Served with
// a 200 where the issues array belongs, on the first page or in the
// middle of the walk, by a spec without a primary key (append), the run
// must fail, naming the object's keys (it once loaded the error object
// as one more issue and exited 0, page 2's issues missing).
func TestSentryErrorBodyOn200IsNotARecord(t *testing.T) {
	for _, first := range []bool{true, false} {
		t.Run(fmt.Sprintf("first=%t", first), func(t *testing.T) {
			api := &sentryIssues{total: 7, perPage: 3}
			api.mode.Store("error200")
			if first {
				api.mode.Store("error200first")
			}
			srv := newLinksServer(t, sentryToken, api)
			data, err := os.ReadFile(filepath.Join("testdata", "apis", "sentry.yml"))
			if err != nil {
				t.Fatal(err)
			}
			spec := strings.Replace(strings.Replace(string(data), "    primary_key: id\n", "", 1), "write_disposition: merge", "write_disposition: append", 1)
			db := filepath.Join(t.TempDir(), "sentry.db")
			rep, err := runInto(t, specPlan(t, "sentry.yml", []byte(spec), srv.URL), db, linksOpts(map[string]string{"SENTRY_AUTH_TOKEN": sentryToken}))
			linksFailed(t, rep, err, nil, srv.URL, sentryToken, db, "issues", `resource "issues"`, `"detail"`)
		})
	}
}
