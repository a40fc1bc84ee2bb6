package engine_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
)

// gitlabAPI serves three lists as GitLab documents them ("Pagination" in
// https://docs.gitlab.com/ee/api/rest/, "List project issues",
// "List project merge requests", "List all projects"):
//   - /api/v4/projects/42/issues and /merge_requests: offset pagination,
//     page and per_page (default 20, max 100); a Link header with prev,
//     next, first and last; X-Page, X-Per-Page, X-Prev-Page, X-Next-Page
//     (empty on the last page), X-Total and X-Total-Pages.
//   - /api/v4/projects?pagination=keyset&order_by=id&sort=asc: keyset
//     pagination, a Link header with rel="next" only (id_after=<last id>),
//     no totals; the end is an empty array without a Link header.
//
// The token goes in PRIVATE-TOKEN; a bad one is a 401
// {"message": "401 Unauthorized"}.
type gitlabAPI struct {
	issues, mrs, projects int
	mode                  atomic.Value // string: "" or a hostile variant
	foreign               string
}

const gitlabToken = "glpat-S3CRETxxxxxxxxxxxx"

func gitlabIssue(n int) string {
	labels := `[]`
	if n%2 == 1 {
		labels = `["bug","critical"]`
	}
	return fmt.Sprintf(`{"id":%d,"iid":%d,"project_id":42,"title":"Issue %d","description":null,"state":"opened","created_at":"2024-01-%02dT15:31:51.081Z","updated_at":"2024-02-%02dT15:31:51.081Z","closed_at":null,"closed_by":null,"labels":%s,"milestone":null,"assignees":[],"author":{"id":1,"username":"root","name":"Administrator","state":"active","web_url":"https://gitlab.example.com/root"},"type":"ISSUE","user_notes_count":%d,"upvotes":%d,"downvotes":0,"due_date":null,"confidential":%t,"web_url":"https://gitlab.example.com/g/p/-/issues/%d","time_stats":{"time_estimate":0,"total_time_spent":%d,"human_time_estimate":null,"human_total_time_spent":null},"references":{"short":"#%d","full":"g/p#%d"}}`,
		700+n, n, n, n, n, labels, n%4, n%3, n%5 == 0, n, 60*n, n, n)
}

func gitlabMR(n int) string {
	return fmt.Sprintf(`{"id":%d,"iid":%d,"project_id":42,"title":"MR %d","state":"merged","merged_at":"2024-03-%02dT08:00:00.000Z","source_branch":"feature-%d","target_branch":"main","draft":false,"sha":"%040x","author":{"id":2,"username":"dev"}}`,
		900+n, n, n, n, n, n)
}

func gitlabProject(n int) string {
	return fmt.Sprintf(`{"id":%d,"name":"Project %d","path_with_namespace":"g/project-%d","default_branch":"main","visibility":"private","star_count":%d,"last_activity_at":"2024-03-%02dT10:00:00.000Z","namespace":{"id":7,"name":"g","kind":"group"}}`,
		1000+n*3, n, n, n%3, n)
}

func (g *gitlabAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	mode, _ := g.mode.Load().(string)
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("PRIVATE-TOKEN") != gitlabToken {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"message":"401 Unauthorized"}`)
		return
	}
	q := r.URL.Query()
	per, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || per < 1 {
		per = 20
	}
	per = min(per, 100)
	base := "http://" + r.Host
	if mode == "foreign" {
		// GitLab behind a proxy whose external_url names another host.
		base = g.foreign
	}
	switch r.URL.Path {
	case "/api/v4/projects/42/issues", "/api/v4/projects/42/merge_requests":
		total, item := g.issues, gitlabIssue
		if strings.HasSuffix(r.URL.Path, "merge_requests") {
			total, item = g.mrs, gitlabMR
		}
		page, err := strconv.Atoi(q.Get("page"))
		if err != nil || page < 1 {
			page = 1
		}
		pages := max((total+per-1)/per, 1)
		var items []string
		for n := (page-1)*per + 1; n <= min(page*per, total); n++ {
			it := item(n)
			if mode == "wrongtype" && n == 5 {
				// One issue's counts as text, its author id a float.
				it = strings.Replace(it, fmt.Sprintf(`"upvotes":%d`, n%3), fmt.Sprintf(`"upvotes":"%d"`, n%3), 1)
				it = strings.Replace(it, `"author":{"id":1,`, `"author":{"id":1.5,`, 1)
			}
			items = append(items, it)
		}
		at := func(p int) string {
			u := *r.URL
			v := u.Query()
			v.Set("page", strconv.Itoa(p))
			u.RawQuery = v.Encode()
			return base + u.RequestURI()
		}
		var links []string
		next := ""
		if page > 1 {
			links = append(links, fmt.Sprintf(`<%s>; rel="prev"`, at(page-1)))
			w.Header().Set("X-Prev-Page", strconv.Itoa(page-1))
		} else {
			w.Header().Set("X-Prev-Page", "")
		}
		if page < pages {
			np := page + 1
			if mode == "repeat" && page == 2 {
				np = 2 // page 2 says page 2 is next
			}
			links = append(links, fmt.Sprintf(`<%s>; rel="next"`, at(np)))
			next = strconv.Itoa(np)
		}
		links = append(links, fmt.Sprintf(`<%s>; rel="first"`, at(1)), fmt.Sprintf(`<%s>; rel="last"`, at(pages)))
		w.Header().Set("Link", strings.Join(links, ", "))
		w.Header().Set("X-Next-Page", next)
		w.Header().Set("X-Page", strconv.Itoa(page))
		w.Header().Set("X-Per-Page", strconv.Itoa(per))
		w.Header().Set("X-Total", strconv.Itoa(total))
		w.Header().Set("X-Total-Pages", strconv.Itoa(pages))
		fmt.Fprint(w, "["+strings.Join(items, ",")+"]")
	case "/api/v4/projects":
		if q.Get("pagination") != "keyset" || q.Get("order_by") != "id" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"this fake serves keyset pagination only"}`)
			return
		}
		after := 0
		if v := q.Get("id_after"); v != "" {
			after, _ = strconv.Atoi(v)
		}
		var items []string
		last := 0
		for n := 1; n <= g.projects && len(items) < per; n++ {
			if id := 1000 + n*3; id > after {
				items = append(items, gitlabProject(n))
				last = id
			}
		}
		if len(items) == per {
			v := r.URL.Query()
			v.Set("id_after", strconv.Itoa(last))
			w.Header().Set("Link", fmt.Sprintf(`<%s/api/v4/projects?%s>; rel="next"`, base, v.Encode()))
		}
		fmt.Fprint(w, "["+strings.Join(items, ",")+"]")
	default:
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"message":"404 Not found"}`)
	}
}

var gitlabIssueCols = []string{"id", "iid", "project_id", "title", "state", "created_at", "updated_at", "author__id", "author__username", "author__name", "author__state", "author__web_url", "type", "user_notes_count", "upvotes", "downvotes", "confidential", "web_url", "time_stats__time_estimate", "time_stats__total_time_spent", "references__short", "references__full"}

var gitlabMRCols = []string{"id", "iid", "project_id", "title", "state", "merged_at", "source_branch", "target_branch", "draft", "sha", "author__id", "author__username"}

var gitlabProjectCols = []string{"id", "name", "path_with_namespace", "default_branch", "visibility", "star_count", "last_activity_at", "namespace__id", "namespace__name", "namespace__kind"}

func gitlabWant(issues, mrs, projects int) (is, labels, ms, ps []string) {
	for n := 1; n <= issues; n++ {
		conf := 0
		if n%5 == 0 {
			conf = 1
		}
		is = append(is, fmt.Sprintf("%d|%d|42|'Issue %d'|'opened'|'2024-01-%02dT15:31:51.081000000Z'|'2024-02-%02dT15:31:51.081000000Z'|1|'root'|'Administrator'|'active'|'https://gitlab.example.com/root'|'ISSUE'|%d|%d|0|%d|'https://gitlab.example.com/g/p/-/issues/%d'|0|%d|'#%d'|'g/p#%d'",
			700+n, n, n, n, n, n%4, n%3, conf, n, 60*n, n, n))
		if n%2 == 1 {
			labels = append(labels, fmt.Sprintf("%d|'bug'", 700+n), fmt.Sprintf("%d|'critical'", 700+n))
		}
	}
	for n := 1; n <= mrs; n++ {
		ms = append(ms, fmt.Sprintf("%d|%d|42|'MR %d'|'merged'|'2024-03-%02dT08:00:00.000000000Z'|'feature-%d'|'main'|0|'%040x'|2|'dev'", 900+n, n, n, n, n, n))
	}
	for n := 1; n <= projects; n++ {
		ps = append(ps, fmt.Sprintf("%d|'Project %d'|'g/project-%d'|'main'|'private'|%d|'2024-03-%02dT10:00:00.000000000Z'|7|'g'|'group'", 1000+n*3, n, n, n%3, n))
	}
	return
}

// TestGitLabLoadsExactly pages issues by the Link header, merge requests
// by X-Next-Page (empty on the last page) and projects by keyset links
// (the end an empty array without a Link header): every record once, the
// labels as child rows, each value with its type.
func TestGitLabLoadsExactly(t *testing.T) {
	for _, sizes := range [][3]int{{8, 7, 7}, {6, 3, 6}, {0, 0, 0}, {1, 1, 1}} {
		t.Run(fmt.Sprint(sizes), func(t *testing.T) {
			api := &gitlabAPI{issues: sizes[0], mrs: sizes[1], projects: sizes[2]}
			srv := newLinksServer(t, gitlabToken, api)
			db := filepath.Join(t.TempDir(), "gitlab.db")
			if _, err := linksLoad(t, "gitlab", srv.URL, db, map[string]string{"GITLAB_TOKEN": gitlabToken}); err != nil {
				t.Fatal(err)
			}
			is, labels, ms, ps := gitlabWant(sizes[0], sizes[1], sizes[2])
			d := openDB(t, db)
			for _, c := range []struct {
				table string
				got   func() []string
				want  []string
			}{
				{"issues", func() []string { return linksTable(t, db, "issues", "id", gitlabIssueCols...) }, is},
				{"issues__labels", func() []string {
					return linksRows(t, db, `SELECT quote(i.id)||'|'||quote(l.value) FROM issues__labels l JOIN issues i ON l._pipe_parent_id = i._pipe_id ORDER BY i.id, l._pipe_list_idx`)
				}, labels},
				{"merge_requests", func() []string { return linksTable(t, db, "merge_requests", "id", gitlabMRCols...) }, ms},
				{"projects", func() []string { return linksTable(t, db, "projects", "id", gitlabProjectCols...) }, ps},
			} {
				if len(c.want) == 0 {
					// An empty list may leave no table; never rows.
					if linksTableExists(t, d, c.table) && count(t, d, `SELECT count(*) FROM "`+c.table+`"`) != 0 {
						t.Errorf("%s: rows loaded from an empty list", c.table)
					}
					continue
				}
				linksCompare(t, c.table, c.got(), c.want)
			}
		})
	}
}

// TestGitLabHostileLinks: Link headers that name another host (GitLab
// behind a proxy whose external_url differs) fail before anything is
// sent there, while X-Next-Page paging, which reads no link, loads
// exactly; a next link that repeats the page it came from, while
// rel="last" points further, fails instead of ending the walk with
// pages missing; X-Next-Page naming the page again is a loop; a bad token
// fails naming the resource and the URL, never the token.
func TestGitLabHostileLinks(t *testing.T) {
	tests := []struct {
		name, mode, resource, token string
		sentinel                    error
		msgs                        []string
	}{
		{name: "foreign issues", mode: "foreign", resource: "issues", sentinel: rest.ErrOutOfScope, msgs: []string{`resource "issues": page 2: GET http://127.0.0.1:`, "/api/v4/projects/42/issues?page=2&per_page=3&scope=all: origin not allowed"}},
		{name: "foreign projects", mode: "foreign", resource: "projects", sentinel: rest.ErrOutOfScope, msgs: []string{`resource "projects": page 2: GET http://127.0.0.1:`, "id_after=1009", "origin not allowed"}},
		{name: "next is self", mode: "repeat", resource: "issues", sentinel: rest.ErrMorePages, msgs: []string{`resource "issues": page 2: GET http://api.test/api/v4/projects/42/issues?page=2&per_page=3&scope=all: header_link: the next link is the page's own URL, but the Link header's rel="last" is http://api.test/api/v4/projects/42/issues?page=3&per_page=3&scope=all`}},
		{name: "X-Next-Page repeats", mode: "repeat", resource: "merge_requests", sentinel: rest.ErrLoop, msgs: []string{`resource "merge_requests": page 2: GET http://api.test/api/v4/projects/42/merge_requests?page=2&per_page=3: header_cursor: cursor "2" seen before`}},
		{name: "bad token", resource: "issues", token: "glpat-wrong", sentinel: rest.ErrUnauthorized, msgs: []string{`resource "issues": page 1: GET http://api.test/api/v4/projects/42/issues?per_page=3&scope=all`, "401"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evil := newLinksServer(t, gitlabToken, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `[]`) }))
			api := &gitlabAPI{issues: 8, mrs: 8, projects: 8, foreign: evil.URL}
			api.mode.Store(tt.mode)
			srv := newLinksServer(t, gitlabToken, api)
			db := filepath.Join(t.TempDir(), "gitlab.db")
			token := gitlabToken
			if tt.token != "" {
				token = tt.token
			}
			rep, err := linksLoad(t, "gitlab", srv.URL, db, map[string]string{"GITLAB_TOKEN": token}, tt.resource)
			linksFailed(t, rep, err, tt.sentinel, srv.URL, token, db, tt.resource, tt.msgs...)
			if n := evil.requests.Load(); n != 0 {
				t.Errorf("the other host got %d requests (%d with the token)", n, evil.withCred.Load())
			}
		})
	}
	t.Run("foreign links, X-Next-Page paging", func(t *testing.T) {
		evil := newLinksServer(t, gitlabToken, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `[]`) }))
		api := &gitlabAPI{issues: 8, mrs: 8, projects: 8, foreign: evil.URL}
		api.mode.Store("foreign")
		srv := newLinksServer(t, gitlabToken, api)
		db := filepath.Join(t.TempDir(), "gitlab.db")
		if _, err := linksLoad(t, "gitlab", srv.URL, db, map[string]string{"GITLAB_TOKEN": gitlabToken}, "merge_requests"); err != nil {
			t.Fatal(err)
		}
		_, _, ms, _ := gitlabWant(0, 8, 0)
		linksCompare(t, "merge_requests", linksTable(t, db, "merge_requests", "id", gitlabMRCols...), ms)
		if n := evil.requests.Load(); n != 0 {
			t.Errorf("the other host got %d requests", n)
		}
	})
}

// TestGitLabWrongTypeWidens: one issue with its upvotes as text and its
// author id as a float, in the middle of the walk: the columns widen
// (text, double) and every value is kept as sent, the other issues' too.
func TestGitLabWrongTypeWidens(t *testing.T) {
	api := &gitlabAPI{issues: 8}
	api.mode.Store("wrongtype")
	srv := newLinksServer(t, gitlabToken, api)
	db := filepath.Join(t.TempDir(), "gitlab.db")
	if _, err := linksLoad(t, "gitlab", srv.URL, db, map[string]string{"GITLAB_TOKEN": gitlabToken}, "issues"); err != nil {
		t.Fatal(err)
	}
	var want []string
	for n := 1; n <= 8; n++ {
		author := "1.0"
		if n == 5 {
			author = "1.5"
		}
		want = append(want, fmt.Sprintf("%d|'%d'|%s|%d", 700+n, n%3, author, n%4))
	}
	linksCompare(t, "issues", linksRows(t, db, `SELECT id||'|'||quote(upvotes)||'|'||quote(author__id)||'|'||quote(user_notes_count) FROM issues ORDER BY id`), want)
	got := linksRows(t, db, `SELECT type FROM pragma_table_info('issues') WHERE name IN ('upvotes', 'author__id') ORDER BY name`)
	linksCompare(t, "column types", got, []string{"DOUBLE", "TEXT"})
}
