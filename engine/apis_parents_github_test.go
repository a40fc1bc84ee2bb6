package engine_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// githubToken is the personal access token the GitHub fake expects.
const githubToken = "ghp_parentsFakeToken0123456789abcdef"

// githubCollabFake serves docs.github.com's "List organization
// repositories" and "List repository collaborators": arrays paged by a
// Link header rel="next" (per_page, page), each collaborator a user with
// the permissions and role_name it has on that repository.
type githubCollabFake struct {
	repos  []string
	collab map[string][]githubCollab // by repository name
}

type githubCollab struct {
	login string
	id    int
	role  string // read, write or admin
}

func (c githubCollab) json() string {
	admin, push := c.role == "admin", c.role != "read"
	return fmt.Sprintf(`{"login": %q, "id": %d, "node_id": "MDQ6VXNlcj%d", "type": "User", "site_admin": false,
"permissions": {"pull": true, "triage": %t, "push": %t, "maintain": %t, "admin": %t}, "role_name": %q}`,
		c.login, c.id, c.id, push, push, admin, admin, c.role)
}

func (f *githubCollabFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+githubToken {
		curWrite(w, http.StatusUnauthorized, `{"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}`)
		return
	}
	var items []string
	switch {
	case r.URL.Path == "/orgs/acme/repos":
		for i, name := range f.repos {
			items = append(items, fmt.Sprintf(`{"id": %d, "name": %q, "full_name": "acme/%s", "private": true}`, 100+i, name, name))
		}
	case strings.HasPrefix(r.URL.Path, "/repos/acme/") && strings.HasSuffix(r.URL.Path, "/collaborators"):
		repo := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/repos/acme/"), "/collaborators")
		for _, c := range f.collab[repo] {
			items = append(items, c.json())
		}
	default:
		curWrite(w, http.StatusNotFound, `{"message": "Not Found"}`)
		return
	}
	per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	lo, hi := min((page-1)*per, len(items)), min(page*per, len(items))
	if hi < len(items) {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(page+1))
		w.Header().Set("Link", fmt.Sprintf(`<http://%s%s?%s>; rel="next"`, r.Host, r.URL.Path, q.Encode()))
	}
	curWrite(w, http.StatusOK, "["+strings.Join(items[lo:hi], ",")+"]")
}

func newGithubCollabFake() *githubCollabFake {
	return &githubCollabFake{
		repos: []string{"api", "web", "infra"},
		collab: map[string][]githubCollab{
			"api":   {{"octocat", 1, "admin"}, {"hubot", 2, "write"}, {"monalisa", 3, "read"}},
			"web":   {{"octocat", 1, "read"}, {"hubot", 2, "write"}},
			"infra": {{"monalisa", 3, "admin"}},
		},
	}
}

// TestGithubCollaboratorsAcrossRepos: a collaborator is a user with the
// permissions of one repository, and a user collaborates on several. With
// the spec keyed by the user's id alone and nothing of the repository in
// the rows, one row per user could hold only one repository's
// permissions: octocat is admin of api and reader of web. The run must
// fail naming the resource, both repositories and the settings that
// keep them apart, and leave no collaborator behind; hubot, the same
// record on two repositories, is not a conflict on its own.
func TestGithubCollaboratorsAcrossRepos(t *testing.T) {
	for _, disp := range []string{"merge", "append", "replace"} {
		t.Run(disp, func(t *testing.T) {
			fake := newGithubCollabFake()
			fake.collab["infra"] = []githubCollab{{"monalisa", 3, "read"}} // as on api: octocat alone differs
			api := newVendorOrigin(t, fake)
			text := strings.Replace(vendorSpec(t, "github_collaborators"), "write_disposition: merge", "write_disposition: "+disp, 1)
			run := runVendorSpec(t, "github_collaborators", text, map[string]string{"api_url": api.srv.URL}, map[string]string{"GITHUB_TOKEN": githubToken}, "")
			if run.err == nil {
				t.Fatalf("run exited 0 with collaborators %v", rowsOf(t, run.db, `SELECT login || ' ' || role_name FROM collaborators ORDER BY id`))
			}
			msg := run.err.Error()
			for _, want := range []string{`resource "collaborators"`, "the record id=1 ", "name=api", "name=web", "include_from_parent: [name]", "primary_key: [id, _repos_name]"} {
				if !strings.Contains(msg, want) {
					t.Errorf("err = %v\nwant it to say %s", run.err, want)
				}
			}
			if got := rowsOf(t, run.db, `SELECT count(*) FROM sqlite_master WHERE name = 'collaborators'`); got[0] == "1" {
				if n := rowsOf(t, run.db, `SELECT count(*) FROM collaborators`); n[0] != "0" {
					t.Errorf("the failed run left %s collaborators", n[0])
				}
			}
			run.noSecretLeft(t, githubToken)
		})
	}
}

// TestGithubCollaboratorsSameEverywhere: users whose records are the same
// on every repository (hubot writes to api and web) load once, exit 0: a
// table of distinct users is what a key on the user's id asks for.
func TestGithubCollaboratorsSameEverywhere(t *testing.T) {
	fake := newGithubCollabFake()
	fake.collab["web"] = []githubCollab{{"hubot", 2, "write"}}
	fake.collab["infra"] = []githubCollab{{"monalisa", 3, "read"}, {"hubot", 2, "write"}}
	api := newVendorOrigin(t, fake)
	run := runVendorSpec(t, "github_collaborators", vendorSpec(t, "github_collaborators"), map[string]string{"api_url": api.srv.URL}, map[string]string{"GITHUB_TOKEN": githubToken}, "")
	if run.err != nil {
		t.Fatal(run.err)
	}
	sameRows(t, "collaborators", rowsOf(t, run.db, `SELECT login || ' ' || role_name FROM collaborators ORDER BY id`),
		[]string{"octocat admin", "hubot write", "monalisa read"})
}

// TestGithubCollaboratorsPerRepo: the spec the error asks for loads one
// row per repository and user, with each one's own permissions.
func TestGithubCollaboratorsPerRepo(t *testing.T) {
	api := newVendorOrigin(t, newGithubCollabFake())
	text := strings.Replace(vendorSpec(t, "github_collaborators"), `/collaborators"}`, "/collaborators\"}\n    include_from_parent: [name]\n    primary_key: [id, _repos_name]", 1)
	run := runVendorSpec(t, "github_collaborators", text, map[string]string{"api_url": api.srv.URL}, map[string]string{"GITHUB_TOKEN": githubToken}, "")
	if run.err != nil {
		t.Fatal(run.err)
	}
	sameRows(t, "collaborators", rowsOf(t, run.db, `SELECT _repos_name || ' ' || login || ' ' || role_name || ' ' || permissions__admin FROM collaborators ORDER BY _repos_name, id`),
		[]string{"api octocat admin 1", "api hubot write 0", "api monalisa read 0", "infra monalisa admin 1", "web octocat read 0", "web hubot write 0"})
}

// TestGithubCollaboratorsMergeKey: with merge_key on the repository's
// column, each run replaces the collaborators of every repository it
// lists: one removed from a repository goes, a changed role changes, the
// other repositories' rows stay. Without it, a merge keeps the removed
// collaborator. A repository that lists nobody any more keeps its rows
// (no record of it arrives to say which rows to replace), as in dlt.
func TestGithubCollaboratorsMergeKey(t *testing.T) {
	for _, byRepo := range []bool{true, false} {
		t.Run(fmt.Sprintf("merge_key=%v", byRepo), func(t *testing.T) {
			fake := newGithubCollabFake()
			api := newVendorOrigin(t, fake)
			extra := "\n    include_from_parent: [name]\n    primary_key: [id, _repos_name]"
			if byRepo {
				extra += "\n    merge_key: _repos_name"
			}
			text := strings.Replace(vendorSpec(t, "github_collaborators"), `/collaborators"}`, "/collaborators\"}"+extra, 1)
			db := filepath.Join(t.TempDir(), "github.db")
			load := func() {
				t.Helper()
				run := runVendorSpec(t, "github_collaborators", text, map[string]string{"api_url": api.srv.URL}, map[string]string{"GITHUB_TOKEN": githubToken}, db)
				if run.err != nil {
					t.Fatal(run.err)
				}
			}
			rows := func() []string {
				return rowsOf(t, db, `SELECT _repos_name || ' ' || login || ' ' || role_name FROM collaborators ORDER BY _repos_name, id`)
			}
			load()
			fake.collab["api"] = []githubCollab{{"octocat", 1, "admin"}, {"hubot", 2, "write"}} // monalisa leaves api
			fake.collab["web"] = []githubCollab{{"octocat", 1, "write"}, {"hubot", 2, "write"}}
			load()
			want := []string{"api octocat admin", "api hubot write", "infra monalisa admin", "web octocat write", "web hubot write"}
			if !byRepo {
				want = []string{"api octocat admin", "api hubot write", "api monalisa read", "infra monalisa admin", "web octocat write", "web hubot write"}
			}
			sameRows(t, "collaborators", rows(), want)
			if !byRepo {
				return
			}
			if n := rowsOf(t, db, `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = '_pipe_mkey__collaborators'`); n[0] != "1" {
				t.Errorf("the second run left %s indexes on the merge_key's column, want 1", n[0])
			}
			fake.collab["infra"] = nil
			load()
			sameRows(t, "collaborators after infra lists nobody", rows(), want)
		})
	}
}
