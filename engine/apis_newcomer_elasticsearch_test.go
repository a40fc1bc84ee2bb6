package engine_test

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"sync"
	"testing"
	"time"
)

// newcomerESKey is an API key as Elasticsearch's create API key answers
// its "encoded" field: base64 of id:api_key.
const newcomerESKey = "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="

// newcomerES serves POST /{index}/_search as Elasticsearch documents it
// (https://www.elastic.co/guide/en/elasticsearch/reference/current/paginate-search-results.html,
// https://www.elastic.co/guide/en/elasticsearch/reference/current/search-search.html):
// Authorization: ApiKey KEY, else 401 {"error": {"type":
// "security_exception", …}, "status": 401}; a JSON body with size, query,
// sort and, after the first page, search_after: the sort values (an array
// of a millisecond time and the tiebreaker) of the last hit before; a
// search_after that is not an array of as many values as the sort is a
// 400 {"error": {"type": "illegal_argument_exception", "reason": …}};
// {"took", "timed_out", "_shards", "hits": {"total": {"value",
// "relation": "eq"}, "max_score": null, "hits": [{"_index", "_id",
// "_score": null, "_source", "sort"}]}}.
//
// mode: "" as documented; "shardfail" (page 2 says _shards.failed 1 and
// holds one hit fewer: a shard did not answer).
type newcomerES struct {
	mode   string
	mu     sync.Mutex
	afters []string
	events []map[string]any // in sort order
}

func newNewcomerES(mode string) *newcomerES {
	a := &newcomerES{mode: mode}
	base := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := 1; i <= 5; i++ {
		at := base.Add(time.Duration(i/2) * time.Minute) // two events share a time: the tiebreaker decides
		a.events = append(a.events, map[string]any{
			"_index": "logs-auth", "_id": fmt.Sprintf("Xk3%dYo0BWn8sQk", i), "_score": nil,
			"_source": map[string]any{"@timestamp": at.Format("2006-01-02T15:04:05.000Z"), "event": map[string]any{"id": fmt.Sprintf("evt-%d", i), "action": "user_login", "outcome": []string{"success", "failure"}[i%2]},
				"user": map[string]any{"name": fmt.Sprintf("user%d", i)}, "source": map[string]any{"ip": fmt.Sprintf("198.51.100.%d", i)}},
			"sort": []any{at.UnixMilli(), fmt.Sprintf("evt-%d", i)},
		})
	}
	return a
}

func (a *newcomerES) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if r.Header.Get("Authorization") != "ApiKey "+newcomerESKey {
		curWrite(w, 401, `{"error": {"root_cause": [{"type": "security_exception", "reason": "unable to authenticate with provided credentials and anonymous access is not allowed for this request"}], "type": "security_exception", "reason": "unable to authenticate with provided credentials and anonymous access is not allowed for this request"}, "status": 401}`)
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/logs-auth/_search" {
		curWrite(w, 404, `{"error": {"type": "index_not_found_exception", "reason": "no such index"}, "status": 404}`)
		return
	}
	raw, _ := io.ReadAll(r.Body)
	var body struct {
		Size        int               `json:"size"`
		From        int               `json:"from"`
		Sort        []json.RawMessage `json:"sort"`
		SearchAfter json.RawMessage   `json:"search_after"`
	}
	if err := json.Unmarshal(raw, &body); err != nil || len(body.Sort) < 1 || len(body.Sort) > 2 || body.Size < 1 || body.From < 0 {
		curWrite(w, 400, `{"error": {"type": "parsing_exception", "reason": "bad search body"}, "status": 400}`)
		return
	}
	a.afters = append(a.afters, string(body.SearchAfter))
	// one sort field is event.id (unique, in the events' order): its sort
	// value is the id alone.
	one := len(body.Sort) == 1
	from := body.From
	if body.SearchAfter != nil && body.From != 0 {
		curWrite(w, 400, `{"error": {"type": "illegal_argument_exception", "reason": "[from] parameter must be set to 0 when [search_after] is used"}, "status": 400}`)
		return
	}
	if body.SearchAfter != nil {
		var after []any
		if err := json.Unmarshal(body.SearchAfter, &after); err != nil {
			curWrite(w, 400, `{"error": {"root_cause": [{"type": "parsing_exception", "reason": "Expected [START_ARRAY] in [search_after] but found [START_OBJECT]"}], "type": "parsing_exception", "reason": "Expected [START_ARRAY] in [search_after] but found [START_OBJECT]"}, "status": 400}`)
			return
		}
		if len(after) != len(body.Sort) {
			curWrite(w, 400, `{"error": {"root_cause": [{"type": "illegal_argument_exception", "reason": "search_after has 1 value(s) but sort has 2."}], "type": "illegal_argument_exception", "reason": "search_after has 1 value(s) but sort has 2."}, "status": 400}`)
			return
		}
		for from < len(a.events) {
			s := a.events[from]["sort"].([]any)
			if one {
				if id, _ := after[0].(string); s[1].(string) > id {
					break
				}
			} else {
				at, _ := after[0].(float64)
				id, _ := after[1].(string)
				if float64(s[0].(int64)) > at || (float64(s[0].(int64)) == at && s[1].(string) > id) {
					break
				}
			}
			from++
		}
	}
	to := min(from+body.Size, len(a.events))
	from = min(from, len(a.events))
	to = min(from+body.Size, len(a.events))
	var hits []map[string]any
	for _, e := range a.events[from:to] {
		if one {
			e = maps.Clone(e)
			e["sort"] = e["sort"].([]any)[1:]
		}
		hits = append(hits, e)
	}
	hits = append([]map[string]any{}, hits...)
	failed := 0
	if a.mode == "shardfail" && len(a.afters) == 2 {
		failed, hits = 1, hits[:1]
	}
	curWrite(w, 200, curJSON(map[string]any{"took": 3, "timed_out": false,
		"_shards": map[string]any{"total": 2, "successful": 2 - failed, "skipped": 0, "failed": failed},
		"hits":    map[string]any{"total": map[string]any{"value": len(a.events), "relation": "eq"}, "max_score": nil, "hits": hits}}))
}

func newcomerESEnv() map[string]string { return map[string]string{"ES_API_KEY": newcomerESKey} }

const newcomerESQuery = `SELECT _id, _source__event__id, _source___timestamp, _source__user__name FROM events ORDER BY _source__event__id`

func (a *newcomerES) want() []string {
	var want []string
	for _, e := range a.events {
		s := e["_source"].(map[string]any)
		at, _ := time.Parse(time.RFC3339, s["@timestamp"].(string))
		want = append(want, fmt.Sprintf("%v|%v|%v|%v", e["_id"], s["event"].(map[string]any)["id"], at.UTC(), s["user"].(map[string]any)["name"]))
	}
	return want
}

// TestNewcomerElasticsearchSearchAfter: Elasticsearch's search_after is
// the last hit's sort values, an array ([1704164705000, "evt-2"]), sent
// back as an array under cursor_body_path (numbers as written), until a
// page with no hits.
func TestNewcomerElasticsearchSearchAfter(t *testing.T) {
	api := newNewcomerES("")
	r, _ := curServe(t, api, "newcomer_elasticsearch", "", newcomerESEnv())
	r.mustLoad(t)
	r.checkTable(t, newcomerESQuery, api.want())
	// pages of 2: after the 2nd, 4th and 5th (last) event; the 4th page is empty
	if want := []string{"", curJSON(api.events[1]["sort"]), curJSON(api.events[3]["sort"]), curJSON(api.events[4]["sort"])}; fmt.Sprint(api.afters) != fmt.Sprint(want) {
		t.Errorf("search_after sent %q, want %q", api.afters, want)
	}
}

// TestNewcomerElasticsearchOneSortValue: a newcomer's next try, one
// unique sort field and cursor_body_path "search_after.0", as the gjson
// path "hits.hits.@reverse.0.sort.0" reads the value: pipe writes the
// numeric segment as gjson reads it, an array index, so search_after is
// ["evt-2"] and the walk completes.
func TestNewcomerElasticsearchOneSortValue(t *testing.T) {
	api := newNewcomerES("")
	text := curEdited(t, "newcomer_elasticsearch",
		`sort: [{"@timestamp": asc}, {"event.id": asc}]`, `sort: [{"event.id": asc}]`,
		`cursor_path: "hits.hits.@reverse.0.sort"`, `cursor_path: "hits.hits.@reverse.0.sort.0"`,
		"cursor_body_path: search_after\n", "cursor_body_path: search_after.0\n")
	r, _ := curServe(t, api, "newcomer_elasticsearch", text, newcomerESEnv())
	r.mustLoad(t)
	r.checkTable(t, newcomerESQuery, api.want())
	if len(api.afters) != 4 || api.afters[1] != `["evt-2"]` {
		t.Errorf("search_after sent %q", api.afters)
	}
}

// TestNewcomerElasticsearchFromSize: the other workaround, from and size
// in the body with hits.total.value as the total (up to Elasticsearch's
// 10,000-hit window); a shard failing on page 2 fails the run.
func TestNewcomerElasticsearchFromSize(t *testing.T) {
	text := curEdited(t, "newcomer_elasticsearch", `      paginator:
        type: cursor
        cursor_path: "hits.hits.@reverse.0.sort"
        cursor_body_path: search_after
`, `      paginator: {type: offset, limit: 2, offset_body_path: from, limit_body_path: size, total_path: hits.total.value}
`)
	t.Run("ok", func(t *testing.T) {
		api := newNewcomerES("")
		r, _ := curServe(t, api, "newcomer_elasticsearch", text, newcomerESEnv())
		r.mustLoad(t)
		r.checkTable(t, newcomerESQuery, api.want())
	})
	t.Run("shardfail", func(t *testing.T) {
		api := newNewcomerES("shardfail")
		r, srvURL := curServe(t, api, "newcomer_elasticsearch", text, newcomerESEnv())
		r.failedClean(t, srvURL, nil, newcomerESKey, []string{"events"}, `resource "events": page 2`, "_shards.failed")
		t.Log(r.err)
	})
}
