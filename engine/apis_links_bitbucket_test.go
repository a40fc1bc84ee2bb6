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

// bitbucketRepos serves GET /2.0/repositories/{workspace} as Bitbucket
// Cloud documents it ("List repositories in a workspace",
// https://developer.atlassian.com/cloud/bitbucket/rest/api-group-repositories/,
// and "Pagination" in https://developer.atlassian.com/cloud/bitbucket/rest/intro/):
// {"size", "page", "pagelen", "next", "previous", "values"}; pagelen
// (default 10, max 100) and page; next is the next page's whole URL,
// absent on the last page. Basic auth with an app password; errors are
// {"type": "error", "error": {"message"}}.
type bitbucketRepos struct {
	total   int
	mode    atomic.Value // string: "" or a hostile variant
	foreign string
}

const (
	bitbucketUser     = "acme-bot"
	bitbucketPassword = "ATBB-S3CRETapppassword"
)

func bitbucketUUID(n int) string { return fmt.Sprintf("{5c8f3a2e-0000-4000-8000-%012d}", n) }

func bitbucketRepo(n int) string {
	lang := `"go"`
	if n%3 == 0 {
		lang = `""`
	}
	return fmt.Sprintf(`{"type":"repository","uuid":%q,"full_name":"acme/repo-%d","name":"repo-%d","slug":"repo-%d","is_private":%t,"created_on":"2024-01-%02dT10:00:00.123456+00:00","updated_on":"2024-02-%02dT11:30:00.5+00:00","size":%d,"language":%s,"has_issues":false,"mainbranch":{"type":"branch","name":"main"},"owner":{"display_name":"Acme","type":"team","uuid":"{0a0a0a0a-0000-4000-8000-000000000001}"},"links":{"html":{"href":"https://bitbucket.org/acme/repo-%d"},"clone":[{"name":"https","href":"https://bitbucket.org/acme/repo-%d.git"},{"name":"ssh","href":"git@bitbucket.org:acme/repo-%d.git"}]}}`,
		bitbucketUUID(n), n, n, n, n%2 == 0, n, n, 1000*n+7, lang, n, n, n)
}

func (b *bitbucketRepos) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	mode, _ := b.mode.Load().(string)
	w.Header().Set("Content-Type", "application/json")
	if u, p, ok := r.BasicAuth(); !ok || u != bitbucketUser || p != bitbucketPassword {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"type":"error","error":{"message":"Unauthorized"}}`)
		return
	}
	if r.URL.Path != "/2.0/repositories/acme" {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"type":"error","error":{"message":"Resource not found"}}`)
		return
	}
	q := r.URL.Query()
	pagelen, err := strconv.Atoi(q.Get("pagelen"))
	if err != nil || pagelen < 1 {
		pagelen = 10
	}
	if pagelen > 100 {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"type":"error","error":{"message":"Invalid pagelen"}}`)
		return
	}
	page, err := strconv.Atoi(q.Get("page"))
	if err != nil || page < 1 {
		page = 1
	}
	var items []string
	to := min(page*pagelen, b.total)
	for n := (page-1)*pagelen + 1; n <= to; n++ {
		items = append(items, bitbucketRepo(n))
	}
	body := fmt.Sprintf(`{"pagelen":%d,"size":%d,"page":%d,"values":[%s]`, pagelen, b.total, page, strings.Join(items, ","))
	if page > 1 {
		q.Set("page", strconv.Itoa(page-1))
		body += fmt.Sprintf(`,"previous":"http://%s%s?%s"`, r.Host, r.URL.Path, q.Encode())
	}
	if to < b.total && !(mode == "nonext" && page == 1) {
		q.Set("page", strconv.Itoa(page+1))
		host := "http://" + r.Host
		if mode == "foreign" {
			host = b.foreign
		}
		body += fmt.Sprintf(`,"next":"%s%s?%s"`, host, r.URL.Path, q.Encode())
	}
	fmt.Fprint(w, body+"}")
}

var bitbucketCols = []string{"type", "uuid", "full_name", "name", "slug", "is_private", "created_on", "updated_on", "size", "language", "has_issues", "mainbranch__type", "mainbranch__name", "owner__display_name", "owner__type", "owner__uuid", "links__html__href"}

func bitbucketWant(total int) (repos, clones []string) {
	for n := 1; n <= total; n++ {
		lang, priv := "'go'", 0
		if n%3 == 0 {
			lang = "''"
		}
		if n%2 == 0 {
			priv = 1
		}
		repos = append(repos, fmt.Sprintf("'repository'|'%s'|'acme/repo-%d'|'repo-%d'|'repo-%d'|%d|'2024-01-%02dT10:00:00.123456000Z'|'2024-02-%02dT11:30:00.500000000Z'|%d|%s|0|'branch'|'main'|'Acme'|'team'|'{0a0a0a0a-0000-4000-8000-000000000001}'|'https://bitbucket.org/acme/repo-%d'",
			bitbucketUUID(n), n, n, n, priv, n, n, 1000*n+7, lang, n))
		clones = append(clones, fmt.Sprintf("'%s'|'https'|'https://bitbucket.org/acme/repo-%d.git'", bitbucketUUID(n), n), fmt.Sprintf("'%s'|'ssh'|'git@bitbucket.org:acme/repo-%d.git'", bitbucketUUID(n), n))
	}
	return repos, clones
}

func bitbucketEnv(password string) map[string]string {
	return map[string]string{"BITBUCKET_USER": bitbucketUser, "BITBUCKET_APP_PASSWORD": password}
}

// TestBitbucketReposLoadExactly follows Bitbucket's absolute "next" URLs
// to the page without one: every repository once, its clone links as
// child rows, timestamps with microseconds and offsets as instants.
func TestBitbucketReposLoadExactly(t *testing.T) {
	for _, total := range []int{7, 6, 1, 0} {
		t.Run(strconv.Itoa(total), func(t *testing.T) {
			api := &bitbucketRepos{total: total}
			srv := newLinksServer(t, bitbucketPassword, api)
			db := filepath.Join(t.TempDir(), "bitbucket.db")
			if _, err := linksLoad(t, "bitbucket", srv.URL, db, bitbucketEnv(bitbucketPassword)); err != nil {
				t.Fatal(err)
			}
			repos, clones := bitbucketWant(total)
			if total == 0 {
				if d := openDB(t, db); linksTableExists(t, d, "repositories") && count(t, d, `SELECT count(*) FROM repositories`) != 0 {
					t.Error("rows loaded from an empty list")
				}
				return
			}
			linksCompare(t, "repositories", linksTable(t, db, "repositories", "uuid", bitbucketCols...), repos)
			linksCompare(t, "repositories__links__clone", linksRows(t, db, `SELECT quote(r.uuid)||'|'||quote(c.name)||'|'||quote(c.href) FROM repositories__links__clone c JOIN repositories r ON c._pipe_parent_id = r._pipe_id ORDER BY r.uuid, c._pipe_list_idx`), clones)
		})
	}
}

// TestBitbucketHostileLinks: a next URL on another host fails before
// anything is sent there; a bad app password fails naming the resource
// and the URL, never the password.
func TestBitbucketHostileLinks(t *testing.T) {
	runHostileLinks(t, linksVendor{name: "bitbucket", table: "repositories", cred: bitbucketPassword, empty: `{"values":[]}`,
		env: func(cred string) map[string]string { return bitbucketEnv(cred) },
		api: func(foreign, mode string) http.Handler {
			a := &bitbucketRepos{total: 7, foreign: foreign}
			a.mode.Store(mode)
			return a
		},
	}, []linksHostile{
		{mode: "foreign", sentinel: rest.ErrOutOfScope, msgs: []string{`resource "repositories": page 2: GET http://127.0.0.1:`, "/2.0/repositories/acme?page=2&pagelen=3&role=member: origin not allowed"}},
		{cred: "wrong", sentinel: rest.ErrUnauthorized, msgs: []string{`resource "repositories": page 1: GET http://api.test/2.0/repositories/acme?pagelen=3&role=member`, "401"}},
	})
}

// TestBitbucketSizeAboveRecordsWithoutNext: Bitbucket has served a page
// whose "size" (the total) is above the records while "next" is missing
// (atlassian-python-api issue 652: pipelines, size 21, 10 values, no
// next). The run must fail naming "size" (it once exited 0 with 3 of 7
// repositories, "size" not being among the totals the end check read).
func TestBitbucketSizeAboveRecordsWithoutNext(t *testing.T) {
	api := &bitbucketRepos{total: 7}
	api.mode.Store("nonext")
	srv := newLinksServer(t, bitbucketPassword, api)
	db := filepath.Join(t.TempDir(), "bitbucket.db")
	rep, err := linksLoad(t, "bitbucket", srv.URL, db, bitbucketEnv(bitbucketPassword))
	linksFailed(t, rep, err, rest.ErrMorePages, srv.URL, bitbucketPassword, db, "repositories", `resource "repositories": page 1`, `body "size" is 7 and 3 records were read`)
}
