package engine_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
)

const (
	nc2OsUser     = "etl-reader"
	nc2OsPassword = "v8#Lq2!pZ7@xN4"
	nc2OsPit      = "o463QQEPbXktaWR4BXV1aWQxAgZub2RlXzEAAAAAAAAAAAEBYQADaWR5BXV1aWQyKgZub2RlXzIAAAAAAAAAAAwBYgACBXV1aWQyAAAFdXVpZDEAAQltYXRjaF9hbGw_gAAAAA=="
)

// nc2OpenSearch serves OpenSearch's point in time and search as
// https://docs.opensearch.org/docs/latest/search-plugins/searching-data/point-in-time/
// and https://docs.opensearch.org/docs/latest/search-plugins/searching-data/paginate/
// describe them: HTTP basic (the security plugin; else 401); POST
// /logs-auth/_search/point_in_time?keep_alive=… answers {"pit_id",
// "_shards", "creation_time"}; POST /_search with {"pit": {"id",
// "keep_alive"}, "size", "sort", "search_after"?} (a PIT search names no
// index: 400 otherwise) answers {"pit_id", "took", "timed_out",
// "_shards", "hits": {"total": {"value", "relation": "eq"}, "hits":
// [{"_index", "_id", "_score": null, "_source", "sort"}]}}, the hits
// strictly after search_after in the order of the sort; each hit's sort
// holds one value per sort field (@timestamp as epoch milliseconds, as
// OpenSearch returns a date sort value). A pit id that is not the one
// created is 404 search_context_missing_exception.
type nc2OpenSearch struct {
	docs        [][3]any // @timestamp ms, event.id, message
	expireAfter int      // when > 0, searches after that many answer 404: the PIT expired

	mu     sync.Mutex
	bodies []string
}

func newNc2OpenSearch() *nc2OpenSearch {
	return &nc2OpenSearch{docs: [][3]any{
		{int64(1704103200000), "evt-1", "login ok alice"},
		{int64(1704103260000), "evt-2", "login failed bob"},
		{int64(1704103260000), "evt-3", "login failed bob"},
		{int64(1704103320000), "evt-4", "logout alice"},
		{int64(1704103380000), "evt-5", "login ok carol"},
	}}
}

func (s *nc2OpenSearch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Header.Get("Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte(nc2OsUser+":"+nc2OsPassword)) {
		curWrite(w, 401, `{"error": {"type": "security_exception", "reason": "missing authentication credentials"}, "status": 401}`)
		return
	}
	switch {
	case r.Method == "POST" && r.URL.Path == "/logs-auth/_search/point_in_time" && r.URL.Query().Get("keep_alive") != "":
		curWrite(w, 200, curJSON(map[string]any{"pit_id": nc2OsPit, "_shards": map[string]int{"total": 1, "successful": 1, "skipped": 0, "failed": 0}, "creation_time": 1704110000000}))
	case r.Method == "POST" && r.URL.Path == "/_search":
		s.bodies = append(s.bodies, string(body))
		var req struct {
			Size        int                 `json:"size"`
			Pit         struct{ ID string } `json:"pit"`
			Sort        []map[string]any    `json:"sort"`
			SearchAfter []any               `json:"search_after"`
		}
		if err := json.Unmarshal(body, &req); err != nil || req.Size < 1 || len(req.Sort) == 0 {
			curWrite(w, 400, `{"error": {"type": "parsing_exception", "reason": "bad request"}, "status": 400}`)
			return
		}
		if req.Pit.ID != nc2OsPit || (s.expireAfter > 0 && len(s.bodies) > s.expireAfter) {
			curWrite(w, 404, `{"error": {"type": "search_context_missing_exception", "reason": "No search context found"}, "status": 404}`)
			return
		}
		keys := len(req.Sort) // sort values per hit: @timestamp, then event.id when sorted on
		after := func(d [3]any) bool {
			if req.SearchAfter == nil {
				return true
			}
			ts, _ := req.SearchAfter[0].(float64)
			if d[0].(int64) != int64(ts) {
				return d[0].(int64) > int64(ts)
			}
			if keys < 2 || len(req.SearchAfter) < 2 {
				return false
			}
			return d[1].(string) > req.SearchAfter[1].(string)
		}
		hits := []map[string]any{}
		for _, d := range s.docs {
			if after(d) && len(hits) < req.Size {
				sortVals := []any{d[0]}
				if keys >= 2 {
					sortVals = append(sortVals, d[1])
				}
				hits = append(hits, map[string]any{"_index": "logs-auth", "_id": "id-" + d[1].(string), "_score": nil, "sort": sortVals,
					"_source": map[string]any{"@timestamp": fmt.Sprint(d[0]), "event": map[string]any{"id": d[1]}, "message": d[2]}})
			}
		}
		curWrite(w, 200, curJSON(map[string]any{"pit_id": nc2OsPit, "took": 3, "timed_out": false,
			"_shards": map[string]int{"total": 1, "successful": 1, "skipped": 0, "failed": 0},
			"hits":    map[string]any{"total": map[string]any{"value": len(s.docs), "relation": "eq"}, "max_score": nil, "hits": hits}}))
	default:
		curWrite(w, 400, `{"error": {"type": "illegal_argument_exception", "reason": "no handler"}, "status": 400}`)
	}
}

var nc2OsEnv = map[string]string{"OS_USER": nc2OsUser, "OS_PASSWORD": nc2OsPassword}

// TestNewcomer2OpenSearchPit: the PIT's id, from the parent resource, goes
// into the JSON body's pit.id; the last hit's sort values (a number and a
// string) go back as search_after with their JSON types; 5 events in
// pages of 2, 2, 1 and an empty page.
func TestNewcomer2OpenSearchPit(t *testing.T) {
	api := newNc2OpenSearch()
	r, _ := curServe(t, api, "newcomer2_opensearch", "", nc2OsEnv)
	r.mustLoad(t)
	r.checkTable(t, `SELECT _id, _source__event__id, _source__message FROM events ORDER BY _id`, []string{
		"id-evt-1|evt-1|login ok alice", "id-evt-2|evt-2|login failed bob", "id-evt-3|evt-3|login failed bob",
		"id-evt-4|evt-4|logout alice", "id-evt-5|evt-5|login ok carol"})
	r.checkTable(t, `SELECT pit_id FROM pits`, []string{nc2OsPit})
	r.noSecret(t, nc2OsPassword)
	var afters []string
	for _, b := range api.bodies {
		var v struct {
			SearchAfter json.RawMessage `json:"search_after"`
		}
		_ = json.Unmarshal([]byte(b), &v)
		afters = append(afters, string(v.SearchAfter))
	}
	if got, want := fmt.Sprint(afters), `[ [1704103260000,"evt-2"] [1704103320000,"evt-4"] [1704103380000,"evt-5"]]`; got != want {
		t.Errorf("search_after sent %s, want %s", got, want)
	}
}

// TestNewcomer2OpenSearchNoTiebreaker: OpenSearch's own PIT example sorts
// on @timestamp alone. Two events share a timestamp across a page
// boundary (evt-2 ends page 1, evt-3 has its timestamp), so search_after
// skips evt-3: 4 hits read under hits.total 5 "eq". The run fails naming
// the total, as the README says, and loads nothing.
func TestNewcomer2OpenSearchNoTiebreaker(t *testing.T) {
	text := curEdited(t, "newcomer2_opensearch", `sort: [{"@timestamp": asc}, {"event.id": asc}]`, `sort: [{"@timestamp": asc}]`)
	api := newNc2OpenSearch()
	r, srv := curServe(t, api, "newcomer2_opensearch", text, nc2OsEnv)
	r.failedClean(t, srv, nil, nc2OsPassword, []string{"events"},
		`cursor: no cursor at cursor_path "hits.hits.@reverse.0.sort", but body "hits.total.value" is 5 with relation "eq" (an exact count) and 4 records were read`,
		"sort on a unique tiebreaker")
}

// TestNewcomer2OpenSearchPitExpired: a PIT that expires between pages
// (keep_alive passed, or a node restarted: "all PIT data is lost") is
// OpenSearch's 404 search_context_missing_exception on page 2: the run
// fails naming the URL, the status and the error type, and loads nothing.
func TestNewcomer2OpenSearchPitExpired(t *testing.T) {
	api := newNc2OpenSearch()
	api.expireAfter = 1
	r, srv := curServe(t, api, "newcomer2_opensearch", "", nc2OsEnv)
	r.failedClean(t, srv, nil, nc2OsPassword, []string{"events"}, "http://api.test/_search", "404", "search_context_missing_exception")
}
