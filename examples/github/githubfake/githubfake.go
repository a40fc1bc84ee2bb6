// Package githubfake serves a small GitHub-shaped REST API offline:
// organization repositories, issues and issue comments, paged with RFC
// 8288 Link headers (per_page, page), issues filtered by since, and a
// bearer token checked on every request. It backs examples/github.
package githubfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Repo, Issue and Comment are the records served, as GitHub shapes them (trimmed).
type (
	Repo struct {
		ID       int64    `json:"id"`
		Name     string   `json:"name"`
		FullName string   `json:"full_name"`
		Owner    Owner    `json:"owner"`
		Private  bool     `json:"private"`
		Topics   []string `json:"topics"`
		License  *License `json:"license"`
		Stars    int      `json:"stargazers_count"`
	}
	Owner struct {
		Login string `json:"login"`
	}
	License struct {
		Key string `json:"key"`
	}
	Issue struct {
		ID          int64     `json:"id"`
		Number      int       `json:"number"`
		Title       string    `json:"title"`
		State       string    `json:"state"`
		Labels      []Label   `json:"labels"`
		UpdatedAt   time.Time `json:"updated_at"`
		CommentsURL string    `json:"comments_url"`
	}
	Label struct {
		Name string `json:"name"`
	}
	Comment struct {
		ID   int64  `json:"id"`
		Body string `json:"body"`
		User Owner  `json:"user"`
	}
)

// Server is the fake; its methods are safe for concurrent use.
type Server struct {
	Token string
	mu    sync.Mutex
	org   string
	repos []Repo
	// issues and comments by repo name / issue id.
	issues   map[string][]Issue
	comments map[int64][]Comment
}

// New makes an organization with repos repositories, each with issues
// issues, each with comments comments. Deterministic.
func New(org string, repos, issues, comments int) *Server {
	s := &Server{Token: "ghp_fake", org: org, issues: map[string][]Issue{}, comments: map[int64][]Comment{}}
	base := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	for r := 0; r < repos; r++ {
		name := fmt.Sprintf("repo-%d", r)
		repo := Repo{ID: int64(1000 + r), Name: name, FullName: org + "/" + name, Owner: Owner{org}, Topics: []string{"go", fmt.Sprintf("t%d", r%3)}, Stars: r * 7}
		if r%2 == 0 {
			repo.License = &License{Key: "mit"}
		}
		s.repos = append(s.repos, repo)
		for i := 0; i < issues; i++ {
			is := Issue{ID: int64(r*10000 + i + 1), Number: i + 1, Title: fmt.Sprintf("issue %d of %s", i+1, name), State: "open",
				Labels: []Label{{"bug"}}, UpdatedAt: base.Add(time.Duration(r*100+i) * time.Minute)}
			s.issues[name] = append(s.issues[name], is)
			for c := 0; c < comments; c++ {
				s.comments[is.ID] = append(s.comments[is.ID], Comment{ID: is.ID*100 + int64(c), Body: fmt.Sprintf("comment %d", c), User: Owner{"octocat"}})
			}
		}
	}
	return s
}

// Repos, Issues and Comments return what the fake serves, for tests.
func (s *Server) Repos() []Repo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Repo(nil), s.repos...)
}

// Issues returns the issues of a repository, in creation order.
func (s *Server) Issues(repo string) []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Issue(nil), s.issues[repo]...)
}

// Comments returns the comments of an issue.
func (s *Server) Comments(issueID int64) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Comment(nil), s.comments[issueID]...)
}

// Touch retitles issue i of repo and moves its updated_at to at.
func (s *Server) Touch(repo string, i int, at time.Time, title string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.issues[repo][i].UpdatedAt, s.issues[repo][i].Title = at, title
}

// Handler serves the API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orgs/{org}/repos", s.listRepos)
	mux.HandleFunc("GET /repos/{owner}/{repo}/issues", s.listIssues)
	mux.HandleFunc("GET /repos/{owner}/{repo}/issues/{number}/comments", s.listComments)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+s.Token {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials"})
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func (s *Server) listRepos(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("org") != s.org {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	page(w, r, s.Repos())
}

func (s *Server) listIssues(w http.ResponseWriter, r *http.Request) {
	since, err := time.Parse(time.RFC3339, r.URL.Query().Get("since"))
	if err != nil {
		since = time.Time{}
	}
	scheme := "http"
	var out []Issue
	for _, is := range s.Issues(r.PathValue("repo")) {
		if is.UpdatedAt.Before(since) {
			continue // GitHub's since is inclusive
		}
		is.CommentsURL = fmt.Sprintf("%s://%s/repos/%s/%s/issues/%d/comments", scheme, r.Host, r.PathValue("owner"), r.PathValue("repo"), is.Number)
		out = append(out, is)
	}
	page(w, r, out)
}

func (s *Server) listComments(w http.ResponseWriter, r *http.Request) {
	n, _ := strconv.Atoi(r.PathValue("number"))
	for _, is := range s.Issues(r.PathValue("repo")) {
		if is.Number == n {
			page(w, r, s.Comments(is.ID))
			return
		}
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
}

// page writes one page of items (per_page default 30, page from 1) with a
// Link header naming the next and last pages, as GitHub does.
func page[T any](w http.ResponseWriter, r *http.Request, items []T) {
	q := r.URL.Query()
	per, _ := strconv.Atoi(q.Get("per_page"))
	if per <= 0 || per > 100 {
		per = 30
	}
	p, _ := strconv.Atoi(q.Get("page"))
	if p < 1 {
		p = 1
	}
	from, to := min((p-1)*per, len(items)), min(p*per, len(items))
	last := max(1, (len(items)+per-1)/per)
	if p < last {
		link := func(n int) string {
			u := *r.URL
			q := u.Query()
			q.Set("page", strconv.Itoa(n))
			u.RawQuery = q.Encode()
			return "<http://" + r.Host + u.RequestURI() + ">"
		}
		w.Header().Set("Link", link(p+1)+`; rel="next", `+link(last)+`; rel="last"`)
	}
	writeJSON(w, http.StatusOK, items[from:to])
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
