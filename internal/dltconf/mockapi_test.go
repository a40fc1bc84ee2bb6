package dltconf

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// dltMock replays the mock API that dlt's rest_api integration tests run
// against, transcribed from dlt's tests/sources/rest_api/conftest.py
// (mock_api_server) and tests/sources/helpers/rest_client/paginators.py
// and api_router.py: the same routes, page sizes, totals, links, status
// codes and bodies. Where dlt's mock is served at https://api.example.com
// this one is an httptest server; its links name the server's origin.
type dltMock struct {
	mu   sync.Mutex
	reqs []mockRequest
	srv  *httptest.Server
}

// mockRequest is one request the mock served.
type mockRequest struct {
	Method, Path string
	Query        url.Values
	Header       http.Header
	Body         string
}

// The sizes of dlt's conftest.py.
const (
	mockPageSize      = 5  // DEFAULT_PAGE_SIZE
	mockTotalPages    = 5  // DEFAULT_TOTAL_PAGES
	mockLimit         = 10 // DEFAULT_LIMIT
	mockReactions     = 5  // DEFAULT_REACTIONS_COUNT
	mockCommentsCount = 50 // DEFAULT_COMMENTS_COUNT
	mockPosts         = mockPageSize * mockTotalPages
)

func newDltMock(t *testing.T) *dltMock {
	m := &dltMock{}
	m.srv = httptest.NewServer(http.HandlerFunc(m.serve))
	t.Cleanup(m.srv.Close)
	return m
}

// requests returns the requests served whose path matches pattern, in the
// order they arrived.
func (m *dltMock) requests(pattern string) []mockRequest {
	re := regexp.MustCompile(pattern)
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []mockRequest
	for _, r := range m.reqs {
		if re.MatchString(r.Path) {
			out = append(out, r)
		}
	}
	return out
}

// generate_posts, generate_posts_with_reactions and generate_comments.
func mockPostList(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = map[string]any{"id": i, "title": fmt.Sprintf("Post %d", i)}
	}
	return out
}

func mockPostsWithReactions() []any {
	out := mockPostList(mockPosts)
	for i, p := range out {
		var rs []any
		for j := 0; j < mockReactions; j++ {
			rs = append(rs, map[string]any{"id": j, "title": fmt.Sprintf("Reaction %d for post %d", j, i)})
		}
		p.(map[string]any)["reactions"] = rs
	}
	return out
}

func mockComments(postID int) []any {
	out := make([]any, mockCommentsCount)
	for i := range out {
		out[i] = map[string]any{"id": i, "post_id": postID, "body": fmt.Sprintf("Comment %d for post %d", i, postID)}
	}
	return out
}

// pageNumberPage is PageNumberPaginator: page records, metadata and the
// next page number (0 when there is none).
func pageNumberPage(records []any, page, base int) (recs []any, meta map[string]any, next int) {
	total := (len(records) + mockPageSize - 1) / mockPageSize
	start := (page - base) * mockPageSize
	recs = []any{}
	if start >= 0 && start < len(records) {
		recs = records[start:min(start+mockPageSize, len(records))]
	}
	if page+1 < total+base {
		next = page + 1
	}
	return recs, map[string]any{"page": page, "total_pages": total}, next
}

// paginateByPageNumber is conftest.py's paginate_by_page_number: records
// under key ("null" for records_key=None, as dlt's json.dumps writes a
// None key), page and total_pages, and next_page, a URL whose query is
// the next page alone (the request's other parameters are dropped, as in
// dlt's create_next_page_url).
func paginateByPageNumber(r *http.Request, records []any, key string, absolute bool, base int) map[string]any {
	page := queryInt(r, "page", base)
	recs, body, next := pageNumberPage(records, page, base)
	body[key] = recs
	if next != 0 {
		body["next_page"] = nextPageURL(r, url.Values{"page": {strconv.Itoa(next)}}, absolute)
	}
	return body
}

func nextPageURL(r *http.Request, q url.Values, absolute bool) string {
	if absolute {
		return "http://" + r.Host + r.URL.Path + "?" + q.Encode()
	}
	return r.URL.Path + "?" + q.Encode()
}

func queryInt(r *http.Request, key string, def int) int {
	if v := r.URL.Query().Get(key); v != "" {
		n, err := strconv.Atoi(v)
		if err == nil {
			return n
		}
	}
	return def
}

// jsonInt reads an integer field of a JSON body as Python's int() would:
// a number or a string of digits.
func jsonInt(body map[string]any, key string, def int) int {
	switch v := body[key].(type) {
	case float64:
		return int(v)
	case string:
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
		return -1
	}
	return def
}

var (
	rePostComments = regexp.MustCompile(`^/posts/(\d+)/comments$`)
	rePostDetail   = regexp.MustCompile(`^/posts/(\d+)$`)
	reDetails      = regexp.MustCompile(`^/posts/(\d+)/(some_details_404|some_details_404_others_422|some_details_204)$`)
	reSearchByID   = regexp.MustCompile(`^/posts/search_by_id/(\d+)$`)
)

func (m *dltMock) serve(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	m.mu.Lock()
	m.reqs = append(m.reqs, mockRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: string(b)})
	m.mu.Unlock()
	var body map[string]any
	if r.Header.Get("Content-Type") == "application/json" {
		_ = json.Unmarshal(b, &body)
	}
	p := r.URL.Path
	get, post := r.Method == http.MethodGet, r.Method == http.MethodPost
	switch {
	case get && p == "/posts_no_key":
		writeJSON(w, paginateByPageNumber(r, mockPostList(mockPosts), "null", true, 1))
	case get && p == "/posts":
		writeJSON(w, paginateByPageNumber(r, mockPostList(mockPosts), "data", true, 1))
	case get && p == "/posts_zero_based":
		writeJSON(w, paginateByPageNumber(r, mockPostList(mockPosts), "data", true, 0))
	case get && p == "/posts_header_link":
		page := queryInt(r, "page", 1)
		recs, _, next := pageNumberPage(mockPostList(mockPosts), page, 1)
		if next != 0 {
			w.Header().Set("Link", fmt.Sprintf(`<%s>; rel="next"`, nextPageURL(r, url.Values{"page": {strconv.Itoa(next)}}, true)))
		}
		writeJSON(w, recs)
	case get && p == "/posts_header_cursor":
		page := queryInt(r, "page", 1)
		recs, _, next := pageNumberPage(mockPostList(mockPosts), page, 1)
		if next != 0 {
			w.Header().Set("cursor", strconv.Itoa(page+1))
		}
		writeJSON(w, recs)
	case get && p == "/posts_relative_next_url":
		writeJSON(w, paginateByPageNumber(r, mockPostList(mockPosts), "data", false, 1))
	case get && p == "/posts_offset_limit":
		writeJSON(w, offsetPage(mockPostList(mockPosts), queryInt(r, "offset", 0), queryInt(r, "limit", mockLimit)))
	case post && p == "/posts_offset_limit_via_json_body":
		writeJSON(w, offsetPage(mockPostList(mockPosts), jsonInt(body, "offset", 0), jsonInt(body, "limit", mockLimit)))
	case get && p == "/posts_cursor":
		// CursorPaginator: the cursor is the index of the page's first
		// record, five a page.
		recs := mockPostList(mockPosts)
		cur := queryInt(r, "cursor", 0)
		var next any
		if cur+5 < len(recs) {
			next = cur + 5
		}
		writeJSON(w, map[string]any{"data": recs[min(cur, len(recs)):min(cur+5, len(recs))], "next_cursor": next})
	case get && rePostComments.MatchString(p):
		id, _ := strconv.Atoi(rePostComments.FindStringSubmatch(p)[1])
		writeJSON(w, paginateByPageNumber(r, mockComments(id), "data", true, 1))
	case get && p == "/post_comments":
		writeJSON(w, paginateByPageNumber(r, mockComments(queryInt(r, "post_id", 0)), "data", true, 1))
	case get && p == "/post_comments_via_headers":
		id, err := strconv.Atoi(r.Header.Get("post_id"))
		if err != nil {
			http.Error(w, "Internal Server Error", http.StatusInternalServerError) // int(None) raises in dlt's mock
			return
		}
		writeJSON(w, paginateByPageNumber(r, mockComments(id), "data", true, 1))
	case post && p == "/post_comments":
		writeJSON(w, paginateByPageNumber(r, mockComments(jsonInt(body, "post_id", 0)), "data", true, 1))
	case post && p == "/post_comments_via_form_data":
		ct := r.Header.Get("Content-Type")
		var id int
		var err error
		switch {
		case strings.EqualFold(ct, "application/x-www-form-urlencoded"):
			q, _ := url.ParseQuery(string(b))
			id, err = strconv.Atoi(q.Get("post_id"))
			if len(b) == 0 {
				id, err = 0, nil
			}
		case ct == "":
			id, err = strconv.Atoi(string(b)) // the raw "data" case
		default:
			err = fmt.Errorf("unsupported content type: %s", ct)
		}
		if err != nil {
			http.Error(w, "Internal Server Error", http.StatusInternalServerError)
			return
		}
		writeJSON(w, paginateByPageNumber(r, mockComments(id), "data", true, 1))
	case get && rePostDetail.MatchString(p):
		id, _ := strconv.Atoi(rePostDetail.FindStringSubmatch(p)[1])
		writeJSON(w, map[string]any{"id": id, "body": fmt.Sprintf("Post body %d", id)})
	case get && p == "/post_detail":
		id := queryInt(r, "post_id", 0)
		writeJSON(w, map[string]any{"id": id, "body": fmt.Sprintf("Post body %d", id)})
	case get && p == "/post_detail_via_headers":
		id, err := strconv.Atoi(r.Header.Get("post_id"))
		if err != nil {
			http.Error(w, "Internal Server Error", http.StatusInternalServerError)
			return
		}
		writeJSON(w, map[string]any{"id": id, "body": fmt.Sprintf("Post body %d", id)})
	case post && p == "/post_detail":
		id := jsonInt(body, "post_id", 0)
		writeJSON(w, map[string]any{"id": id, "body": fmt.Sprintf("Post body %d", id)})
	case get && reDetails.MatchString(p):
		sm := reDetails.FindStringSubmatch(p)
		id, _ := strconv.Atoi(sm[1])
		switch {
		case id < 1:
			writeJSON(w, map[string]any{"id": id, "body": fmt.Sprintf("Post body %d", id)})
		case sm[2] == "some_details_204":
			w.WriteHeader(http.StatusNoContent) // requests_mock sends "null" as the text; a 204 has no body
		case sm[2] == "some_details_404" || id == 1:
			writeStatus(w, http.StatusNotFound, map[string]any{"error": fmt.Sprintf("Post with id %d not found", id)})
		default:
			writeStatus(w, http.StatusUnprocessableEntity, nil)
		}
	case get && p == "/posts_under_a_different_key":
		writeJSON(w, paginateByPageNumber(r, mockPostList(mockPosts), "many-results", true, 1))
	case post && p == "/posts/search":
		m.search(w, body)
	case post && reSearchByID.MatchString(p):
		more, _ := body["more"].(map[string]any)
		arr, _ := body["more_array"].([]any)
		var first any
		if len(arr) > 0 {
			first = arr[0]
		}
		writeJSON(w, map[string]any{
			"id":    jsonInt(body, "post_id", 0),
			"title": more["title"],
			"body":  fmt.Sprintf("Post body %v", body["post_id"]),
			"more":  fmt.Sprintf("More is equale to id: %v", first),
		})
	case get && p == "/protected/posts/basic-auth":
		if r.Header.Get("Authorization") == "Basic "+base64.StdEncoding.EncodeToString([]byte("user:password")) {
			writeJSON(w, paginateByPageNumber(r, mockPostList(mockPosts), "data", true, 1))
			return
		}
		writeStatus(w, http.StatusUnauthorized, map[string]any{"error": "Unauthorized"})
	case get && p == "/protected/posts/bearer-token":
		if r.Header.Get("Authorization") == "Bearer test-token" {
			writeJSON(w, paginateByPageNumber(r, mockPostList(mockPosts), "data", true, 1))
			return
		}
		writeStatus(w, http.StatusUnauthorized, map[string]any{"error": "Unauthorized"})
	case get && p == "/protected/posts/bearer-token-plain-text-error":
		if r.Header.Get("Authorization") == "Bearer test-token" {
			writeJSON(w, paginateByPageNumber(r, mockPostList(mockPosts), "data", true, 1))
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, "Unauthorized")
	case get && p == "/protected/posts/api-key":
		if r.Header.Get("x-api-key") == "test-api-key" {
			writeJSON(w, paginateByPageNumber(r, mockPostList(mockPosts), "data", true, 1))
			return
		}
		writeStatus(w, http.StatusUnauthorized, map[string]any{"error": "Unauthorized"})
	case post && (p == "/oauth/token" || p == "/oauth/token-expires-now"):
		q, _ := url.ParseQuery(string(b))
		grant := q.Get("grant_type")
		ok := strings.Contains(grant, "jwt-bearer") ||
			strings.Contains(grant, "client_credentials") && q.Get("client_secret") == "test-client-secret" && q.Get("client_id") == "test-client-id"
		if !ok {
			writeStatus(w, http.StatusUnauthorized, map[string]any{"error": "Unauthorized"})
			return
		}
		exp := 3600
		if p == "/oauth/token-expires-now" {
			exp = 0
		}
		writeJSON(w, map[string]any{"access_token": "test-token", "expires_in": exp})
	case post && p == "/custom-oauth/token":
		// Zoom's account_credentials grant, the client's credentials in
		// basic auth.
		q, _ := url.ParseQuery(string(b))
		if q.Get("grant_type") == "account_credentials" && q.Get("account_id") == "test-account-id" &&
			r.Header.Get("Authorization") == "Basic dGVzdC1hY2NvdW50LWlkOnRlc3QtY2xpZW50LXNlY3JldA==" {
			writeJSON(w, map[string]any{"access_token": "test-token", "expires_in": 3600})
			return
		}
		writeStatus(w, http.StatusUnauthorized, map[string]any{"error": "Unauthorized"})
	case get && p == "/posts_cursor_null_terminated":
		// dlt issue 2932: the last page holds null data and a null cursor.
		var users []any
		page := map[string]any{}
		switch r.URL.Query().Get("cursor") {
		case "":
			for i := 0; i < 10; i++ {
				users = append(users, map[string]any{"id": i, "name": fmt.Sprintf("User %d", i)})
			}
			page = map[string]any{"users": users, "next_token": "cursor_page_2"}
		case "cursor_page_2":
			for i := 10; i < 14; i++ {
				users = append(users, map[string]any{"id": i, "name": fmt.Sprintf("User %d", i)})
			}
			page = map[string]any{"users": users, "next_token": "cursor_final"}
		case "cursor_final":
			page = map[string]any{"users": nil, "next_token": nil}
		default:
			w.WriteHeader(http.StatusInternalServerError) // dlt's route returns None
			return
		}
		writeJSON(w, page)
	case post && p == "/post_form_data":
		if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
			writeJSON(w, map[string]any{"error": "Unsupported content type: " + ct, "data": string(b)})
			return
		}
		q, _ := url.ParseQuery(string(b))
		writeJSON(w, map[string]any{"data": q})
	case post && p == "/post_raw_data":
		writeJSON(w, map[string]any{"data": string(b)})
	case post && p == "/posts_form_data_incremental":
		writeJSON(w, paginateByPageNumber(r, mockPostList(mockPosts), "data", true, 1))
	case get && p == "/missing":
		// test_secret_redaction_in_http_errors adds this route.
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, "Resource not found")
	case get && p == "/posts_with_reactions":
		writeJSON(w, paginateByPageNumber(r, mockPostsWithReactions(), "data", true, 1))
	default:
		http.NotFound(w, r)
	}
}

// offsetPage is OffsetPaginator's page: data, total_records, offset, limit.
func offsetPage(records []any, offset, limit int) map[string]any {
	recs := []any{}
	if offset < len(records) {
		recs = records[offset:min(offset+limit, len(records))]
	}
	return map[string]any{"data": recs, "total_records": len(records), "offset": offset, "limit": limit}
}

// search is the POST /posts/search route: a JSON body with page_size,
// page_count, page and ids_greater_than.
func (m *dltMock) search(w http.ResponseWriter, body map[string]any) {
	size := jsonInt(body, "page_size", mockPageSize)
	count := jsonInt(body, "page_count", mockTotalPages)
	page := jsonInt(body, "page", 1)
	gt := jsonInt(body, "ids_greater_than", 0)
	var recs []any
	for _, p := range mockPostList(size * count) {
		if p.(map[string]any)["id"].(int) > gt {
			recs = append(recs, p)
		}
	}
	pages := (len(recs) + size - 1) / size
	start := (page - 1) * size
	slice := []any{}
	if start >= 0 && start < len(recs) {
		slice = recs[start:min(start+size, len(recs))]
	}
	var next any
	if page < pages {
		next = page + 1
	}
	writeJSON(w, map[string]any{"data": slice, "next_page": next, "total_pages": count})
}

func writeStatus(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
