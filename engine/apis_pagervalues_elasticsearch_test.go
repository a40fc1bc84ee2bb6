package engine_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/engine/rest"
)

const pvESKey = "bm90LWEtcmVhbC1pZDpub3QtYS1yZWFsLWtleQ=="

// pvES serves POST /logs-auth/_search as Elasticsearch documents it
// (https://www.elastic.co/guide/en/elasticsearch/reference/current/paginate-search-results.html,
// https://www.elastic.co/guide/en/elasticsearch/reference/current/search-search.html)
// and OpenSearch the same (https://opensearch.org/docs/latest/search-plugins/searching-data/paginate/,
// basic auth as its security plugin has it): size, sort and search_after
// in a JSON body; search_after must hold as many values as the sort, else
// 400 illegal_argument_exception; hits.total {"value", "relation"}: "eq"
// unless track_total_hits (a number) is below the hits, then that number
// and "gte".
//
// mode: "" as documented; "repeat" (search_after ignored from the third
// request: the second page again); "typechange" (the second page's sort
// values written as one string); "lost" (hits.total counts two hits no
// page holds, relation "eq").
type pvES struct {
	mode     string
	basic    [2]string // OpenSearch's user and password, "" for an API key
	mu       sync.Mutex
	afters   []string
	events   []map[string]any
	requests int
}

func newPVES(mode string, n int) *pvES {
	a := &pvES{mode: mode}
	base := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := 1; i <= n; i++ {
		at := base.Add(time.Duration(i/2) * time.Minute) // two events share a time: the tiebreaker orders them
		a.events = append(a.events, map[string]any{
			"_index": "logs-auth", "_id": fmt.Sprintf("Yq%02dZo0BWn8sQk", i), "_score": nil,
			"_source": map[string]any{"@timestamp": at.Format("2006-01-02T15:04:05.000Z"), "event": map[string]any{"id": fmt.Sprintf("evt-%d", i)}, "user": map[string]any{"name": fmt.Sprintf("user%d", i)}},
			"sort":    []any{at.UnixMilli(), fmt.Sprintf("evt-%d", i)},
		})
	}
	return a
}

func (a *pvES) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	user, pass, basic := r.BasicAuth()
	if a.basic[0] != "" && (!basic || user != a.basic[0] || pass != a.basic[1]) || a.basic[0] == "" && r.Header.Get("Authorization") != "ApiKey "+pvESKey {
		curWrite(w, 401, `{"error": {"type": "security_exception", "reason": "missing authentication credentials for REST request [/logs-auth/_search]"}, "status": 401}`)
		return
	}
	raw, _ := io.ReadAll(r.Body)
	var body struct {
		Size           int               `json:"size"`
		Sort           []json.RawMessage `json:"sort"`
		SearchAfter    []any             `json:"search_after"`
		TrackTotalHits *int              `json:"track_total_hits"`
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if r.Method != http.MethodPost || r.URL.Path != "/logs-auth/_search" || d.Decode(&body) != nil || len(body.Sort) != 2 || body.Size < 1 {
		curWrite(w, 400, `{"error": {"type": "parsing_exception", "reason": "Expected [START_ARRAY] in [search_after]"}, "status": 400}`)
		return
	}
	a.afters = append(a.afters, curJSON(body.SearchAfter))
	if a.mode == "repeat" && a.requests >= 3 {
		s := a.events[1]["sort"].([]any)
		body.SearchAfter = []any{json.Number(fmt.Sprint(s[0])), s[1]}
	}
	from := 0
	if body.SearchAfter != nil {
		if len(body.SearchAfter) != 2 {
			curWrite(w, 400, fmt.Sprintf(`{"error": {"type": "illegal_argument_exception", "reason": "search_after has %d value(s) but sort has 2."}, "status": 400}`, len(body.SearchAfter)))
			return
		}
		at, err := body.SearchAfter[0].(json.Number).Int64()
		id, ok := body.SearchAfter[1].(string)
		if err != nil || !ok {
			curWrite(w, 400, `{"error": {"type": "illegal_argument_exception", "reason": "Failed to parse search_after value for field [@timestamp]."}, "status": 400}`)
			return
		}
		for from < len(a.events) {
			s := a.events[from]["sort"].([]any)
			if s[0].(int64) > at || s[0].(int64) == at && s[1].(string) > id {
				break
			}
			from++
		}
	}
	to := min(from+body.Size, len(a.events))
	hits := []map[string]any{}
	for _, e := range a.events[from:to] {
		if a.mode == "typechange" && len(a.afters) == 2 {
			c := map[string]any{}
			for k, v := range e {
				c[k] = v
			}
			s := e["sort"].([]any)
			c["sort"] = fmt.Sprintf("%d|%s", s[0], s[1])
			e = c
		}
		hits = append(hits, e)
	}
	total := map[string]any{"value": len(a.events), "relation": "eq"}
	if a.mode == "lost" {
		total["value"] = len(a.events) + 2
	}
	if t := body.TrackTotalHits; t != nil && *t < len(a.events) {
		total = map[string]any{"value": *t, "relation": "gte"}
	}
	curWrite(w, 200, curJSON(map[string]any{"took": 2 + a.requests, "timed_out": false,
		"_shards": map[string]any{"total": 1, "successful": 1, "skipped": 0, "failed": 0},
		"hits":    map[string]any{"total": total, "max_score": nil, "hits": hits}}))
}

func pvESEnv() map[string]string { return map[string]string{"ES_API_KEY": pvESKey} }

const pvESQuery = `SELECT _id, _source__event__id, _source__user__name FROM events ORDER BY _id`

func (a *pvES) want() []string {
	var out []string
	for _, e := range a.events {
		s := e["_source"].(map[string]any)
		out = append(out, fmt.Sprintf("%v|%v|%v", e["_id"], s["event"].(map[string]any)["id"], s["user"].(map[string]any)["name"]))
	}
	return out
}

// sorts returns the search_after values pipe should send: none, then the
// sort of every size-th event and of the last.
func (a *pvES) sorts(size int) []string {
	out := []string{"null"}
	for i := size - 1; i < len(a.events); i += size {
		out = append(out, curJSON(a.events[i]["sort"]))
	}
	if len(a.events)%size != 0 {
		out = append(out, curJSON(a.events[len(a.events)-1]["sort"]))
	}
	return out
}

// TestPagerValuesElasticsearch: five events by two, search_after sent
// back as the last hit's sort array (the millisecond time a number, as
// written), the walk ending on the empty page after the short one; the
// same with track_total_hits 3 (hits.total 3 "gte", a lower bound, not
// read as a total); with six events (the last page full) the empty page
// ends it too.
func TestPagerValuesElasticsearch(t *testing.T) {
	for _, c := range []struct {
		name  string
		n     int
		edits []string
	}{
		{"five", 5, nil},
		{"gte", 5, []string{"size: 2\n", "size: 2\n        track_total_hits: 3\n"}},
		{"six", 6, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			api := newPVES("", c.n)
			text := ""
			if c.edits != nil {
				text = curEdited(t, "pagervalues_elasticsearch", c.edits...)
			}
			r, _ := curServe(t, api, "pagervalues_elasticsearch", text, pvESEnv())
			r.mustLoad(t)
			r.checkTable(t, pvESQuery, api.want())
			r.noSecret(t, pvESKey)
			if got, want := fmt.Sprint(api.afters), fmt.Sprint(api.sorts(2)); got != want {
				t.Errorf("search_after sent %s, want %s", got, want)
			}
		})
	}
}

// TestPagerValuesOpenSearch: OpenSearch pages the same way, with basic
// auth; a 64-bit sort value above 2^53 goes back with every digit.
func TestPagerValuesOpenSearch(t *testing.T) {
	api := newPVES("", 3)
	api.basic = [2]string{"admin", "Adm1n!pass"}
	for i, e := range api.events {
		e["sort"] = []any{int64(9007199254740993 + i), e["sort"].([]any)[1]}
	}
	text := curEdited(t, "pagervalues_elasticsearch", `auth: {type: api_key, api_key: "ApiKey {secrets.es_api_key}"}`, `auth: {type: http_basic, username: admin, password: "{secrets.os_password}"}`)
	r, _ := curServe(t, api, "pagervalues_elasticsearch", text, map[string]string{"OS_PASSWORD": "Adm1n!pass"})
	r.mustLoad(t)
	r.checkTable(t, pvESQuery, api.want())
	r.noSecret(t, "Adm1n!pass")
	if want := `[null [9007199254740994,"evt-2"] [9007199254740995,"evt-3"]]`; fmt.Sprint(api.afters) != want {
		t.Errorf("search_after sent %s, want %s", api.afters, want)
	}
}

// TestPagerValuesElasticsearchHostile: a search_after the server ignores
// (the second page again, took changed) is a loop: its last sort array
// was sent before; sort values that turn into a string
// on page 2 fail naming cursor_path; hits.total with relation "eq" above
// the hits read when the empty page comes fails (ErrMorePages); the
// cursor in a query parameter fails on page 1 naming cursor_body_path.
// Each loads nothing.
func TestPagerValuesElasticsearchHostile(t *testing.T) {
	for _, c := range []struct {
		mode, text string
		sentinel   error
		parts      []string
	}{
		{"repeat", "", rest.ErrLoop, []string{`resource "events": page 3`, `cursor "[1704164765000,\"evt-4\"]" seen before: pagination loop`}},
		{"typechange", "", nil, []string{`resource "events": page 2`, `cursor_path "hits.hits.@reverse.0.sort" is string "1704164765000|evt-4", want an array, as on the first page: the API changed the cursor's type on page 2`}},
		{"lost", "", rest.ErrMorePages, []string{`resource "events": page 4`, `body "hits.total.value" is 7 with relation "eq" (an exact count) and 5 records were read`}},
		{"", "cursor_body_path: search_after\n", nil, []string{`resource "events": page 1`, `set cursor_body_path instead of cursor_param "search_after"`}},
	} {
		t.Run(c.mode+c.text, func(t *testing.T) {
			api := newPVES(c.mode, 5)
			text := ""
			if c.text != "" {
				text = curEdited(t, "pagervalues_elasticsearch", c.text, "cursor_param: search_after\n")
			}
			r, srvURL := curServe(t, api, "pagervalues_elasticsearch", text, pvESEnv())
			r.failedClean(t, srvURL, c.sentinel, pvESKey, []string{"events"}, c.parts...)
			t.Log(r.err)
		})
	}
}
