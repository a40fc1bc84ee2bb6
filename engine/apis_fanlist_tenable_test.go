package engine_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pipe-etl/pipe/engine"
)

// fanTenable serves Tenable's vulnerability export as
// https://developer.tenable.com/docs/retrieve-vulnerability-data-from-tenableio,
// https://developer.tenable.com/reference/exports-vulns-export-status and
// https://developer.tenable.com/reference/exports-vulns-download-chunk
// describe it: X-ApiKeys: accessKey=…;secretKey=… (else 401
// {"statusCode": 401, "error": "Unauthorized", "message": "Invalid
// Credentials"}); POST /vulns/export {"num_assets", "filters"} answers
// {"export_uuid"}; GET …/status answers {"uuid", "status",
// "chunks_available", "chunks_failed", "chunks_cancelled",
// "total_chunks", "chunks_available_count", "empty_export", …}, FINISHED
// once every chunk is ready (PROCESSING before, with the chunks ready so
// far); GET …/chunks/{chunk_id} answers that chunk's findings as a JSON
// array labelled application/octet-stream (as the endpoint's reference
// declares it), 404 {"statusCode": 404, "error": "Not Found", …} for a
// chunk not available.
//
// Its hostile settings: available replaces the status's chunks_available
// with other JSON text (a string, a list of objects, a list that changes
// type, duplicates, null); omit leaves the key out; gone chunks are
// listed yet answer 404; gen serves chunks 1..gen of one finding each
// without keeping them (10,000 chunks).
type fanTenable struct {
	mu        sync.Mutex
	polls     int                         // PROCESSING answers before FINISHED
	ids       []string                    // the chunk ids, in the order listed
	chunks    map[string][]map[string]any // findings by chunk id
	gen       int
	available string // raw JSON for chunks_available; "" lists ids
	omit      bool
	gone      map[string]bool

	requests     []string // method and escaped path of each request
	inFlight     int
	maxInFlight  int
	chunkAnswers int
}

// newFanTenable serves an export of the chunks ids, each with n findings.
func newFanTenable(n int, ids ...string) *fanTenable {
	a := &fanTenable{ids: ids, chunks: map[string][]map[string]any{}, gone: map[string]bool{}}
	for _, id := range ids {
		for i := 1; i <= n; i++ {
			a.chunks[id] = append(a.chunks[id], fanTenableFinding(id, i))
		}
	}
	return a
}

func fanTenableFinding(chunk string, i int) map[string]any {
	return map[string]any{
		"asset":       map[string]any{"uuid": "cf165808-6a31-48e1-9cf3-c6c3174df51" + strconv.Itoa(i), "hostname": fmt.Sprintf("host%d.example.com", i)},
		"plugin":      map[string]any{"id": 19506 + i, "name": fmt.Sprintf("Plugin %d", i)},
		"port":        map[string]any{"port": 443, "protocol": "TCP"},
		"severity":    "high",
		"state":       "OPEN",
		"first_found": "2024-01-02T03:04:05.678Z",
		"last_found":  "2024-03-02T03:04:05.678Z",
		"finding_id":  fmt.Sprintf("finding %s #%d", chunk, i),
	}
}

func (a *fanTenable) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.requests = append(a.requests, r.Method+" "+r.URL.EscapedPath())
	a.inFlight++
	a.maxInFlight = max(a.maxInFlight, a.inFlight)
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		a.inFlight--
		a.mu.Unlock()
	}()
	if r.Header.Get("X-ApiKeys") != "accessKey="+newcomerTioAccess+";secretKey="+newcomerTioSecret {
		curWrite(w, 401, `{"statusCode": 401, "error": "Unauthorized", "message": "Invalid Credentials"}`)
		return
	}
	prefix := "/vulns/export/" + newcomerTioUUID
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/vulns/export":
		raw, _ := io.ReadAll(r.Body)
		var body map[string]any
		if json.Unmarshal(raw, &body) != nil || body["num_assets"] == nil {
			curWrite(w, 400, `{"statusCode": 400, "error": "Bad Request", "message": "num_assets is required"}`)
			return
		}
		curWrite(w, 200, `{"export_uuid": "`+newcomerTioUUID+`"}`)
	case r.Method == http.MethodGet && r.URL.Path == prefix+"/status":
		curWrite(w, 200, a.status())
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.EscapedPath(), prefix+"/chunks/"):
		id, err := url.PathUnescape(strings.TrimPrefix(r.URL.EscapedPath(), prefix+"/chunks/"))
		findings := a.chunk(id)
		if err != nil || findings == nil {
			curWrite(w, 404, `{"statusCode": 404, "error": "Not Found", "message": "Chunk not found"}`)
			return
		}
		a.mu.Lock()
		a.chunkAnswers++
		a.mu.Unlock()
		w.Header().Set("Content-Type", "application/octet-stream")
		w.WriteHeader(200)
		fmt.Fprint(w, curJSON(findings))
	default:
		curWrite(w, 404, `{"statusCode": 404, "error": "Not Found", "message": "Not Found"}`)
	}
}

// status answers the export's status: PROCESSING with the first chunk
// while polls last, then FINISHED with every chunk.
func (a *fanTenable) status() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	status, ids := "FINISHED", a.ids
	if a.polls > 0 {
		a.polls--
		status, ids = "PROCESSING", a.ids[:min(1, len(a.ids))]
	}
	var avail []any
	for _, id := range ids {
		if n, err := strconv.Atoi(id); err == nil {
			avail = append(avail, n) // Tenable's chunk ids are integers
		} else {
			avail = append(avail, id)
		}
	}
	if a.gen > 0 {
		avail = nil
		for n := 1; n <= a.gen; n++ {
			avail = append(avail, n)
		}
	}
	total := len(avail)
	body := map[string]any{"uuid": newcomerTioUUID, "status": status, "chunks_available": avail,
		"chunks_failed": []int{}, "chunks_cancelled": []int{}, "total_chunks": total, "chunks_available_count": len(avail),
		"empty_export": total == 0, "num_assets_per_chunk": 50, "created": 1704164645678}
	if avail == nil {
		body["chunks_available"] = []int{}
	}
	if a.available != "" && status == "FINISHED" {
		body["chunks_available"] = json.RawMessage(a.available)
	}
	if a.omit {
		delete(body, "chunks_available")
	}
	return curJSON(body)
}

// chunk returns the findings of chunk id, nil for none (a 404).
func (a *fanTenable) chunk(id string) []map[string]any {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.gone[id] {
		return nil
	}
	if a.gen > 0 {
		if n, err := strconv.Atoi(id); err == nil && n >= 1 && n <= a.gen {
			return []map[string]any{fanTenableFinding(id, 1)}
		}
		return nil
	}
	return a.chunks[id]
}

// chunkRequests returns the escaped paths of the chunk requests, sorted.
func (a *fanTenable) chunkRequests() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, r := range a.requests {
		if _, p, ok := strings.Cut(r, "/chunks/"); ok {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// want returns the rows of fanTenableQuery for the findings of chunks ids.
func (a *fanTenable) want(ids ...string) []string {
	var out []string
	for _, id := range ids {
		for _, f := range a.chunks[id] {
			out = append(out, fmt.Sprintf("%v|%v|%v", f["finding_id"], f["plugin"].(map[string]any)["id"], id))
		}
	}
	sort.Strings(out)
	return out
}

const fanTenableQuery = `SELECT finding_id, plugin__id, _export_status_chunks_available FROM findings ORDER BY finding_id`

// fanTenableRun runs the spec against api, its poll's waits recorded,
// not slept.
func fanTenableRun(t *testing.T, api *fanTenable) (curRun, string) {
	t.Helper()
	var sleeps curSleeps
	return curServe(t, api, "fanlist_tenable", "", newcomerTioEnv(), sleeps.tune)
}

// TestFanlistTenableChunks: the status, PROCESSING once with chunk 1
// ready, is polled until FINISHED with chunks [1, 2, 3]; each chunk
// is requested once and its findings carry the chunk id in
// _export_status_chunks_available.
func TestFanlistTenableChunks(t *testing.T) {
	api := newFanTenable(2, "1", "2", "3")
	api.polls = 1
	r, _ := fanTenableRun(t, api)
	r.mustLoad(t)
	r.checkTable(t, fanTenableQuery, api.want("1", "2", "3"))
	if got := api.chunkRequests(); !slices.Equal(got, []string{"1", "2", "3"}) {
		t.Errorf("chunk requests %q, want 1, 2 and 3 once each (none while PROCESSING)", got)
	}
	api.mu.Lock()
	statuses := 0
	for _, q := range api.requests {
		if strings.HasSuffix(q, "/status") {
			statuses++
		}
	}
	api.mu.Unlock()
	if statuses != 2 {
		t.Errorf("%d status requests, want 2 (PROCESSING, then FINISHED)", statuses)
	}
	r.checkTable(t, `SELECT status, _exports_export_uuid FROM export_status`, []string{"FINISHED|" + newcomerTioUUID})
	r.checkTable(t, `SELECT typeof(_export_status_chunks_available) FROM findings GROUP BY 1`, []string{"integer"})
	r.noSecret(t, newcomerTioAccess)
	r.noSecret(t, newcomerTioSecret)
	if s := r.rep.Resources["findings"]; s == nil || s.Chains != 3 {
		t.Errorf("findings stats %+v, want 3 request chains", s)
	}
}

// TestFanlistTenableEmptyExport: an export with no findings lists no
// chunks (chunks_available [], empty_export true): no chunk is asked for
// and the run completes with the status alone. null reads the same.
func TestFanlistTenableEmptyExport(t *testing.T) {
	for _, avail := range []string{`[]`, `null`} {
		t.Run(avail, func(t *testing.T) {
			api := newFanTenable(1)
			api.available = avail
			r, _ := fanTenableRun(t, api)
			r.mustLoad(t)
			if got := api.chunkRequests(); len(got) != 0 {
				t.Errorf("chunk requests %q, want none", got)
			}
			r.checkTable(t, `SELECT status FROM export_status`, []string{"FINISHED"})
			r.noRows(t, "findings")
		})
	}
}

// TestFanlistTenableDuplicateChunk: a chunk listed twice is requested
// once, and its findings are loaded once.
func TestFanlistTenableDuplicateChunk(t *testing.T) {
	api := newFanTenable(2, "1", "2")
	api.available = `[1, 2, 2, 1]`
	r, _ := fanTenableRun(t, api)
	r.mustLoad(t)
	r.checkTable(t, fanTenableQuery, api.want("1", "2"))
	if got := api.chunkRequests(); !slices.Equal(got, []string{"1", "2"}) {
		t.Errorf("chunk requests %q, want 1 and 2 once each", got)
	}
}

// TestFanlistTenableEscapedChunkIDs: chunk ids that are strings with a
// slash, a space, a question mark, a hash and a percent sign are each
// sent as one escaped path segment, and the findings carry the ids as
// they were listed.
func TestFanlistTenableEscapedChunkIDs(t *testing.T) {
	ids := []string{"a/b", "c d", "e?f#g", "100%", "..", "é"}
	api := newFanTenable(1, ids...)
	r, _ := fanTenableRun(t, api)
	r.mustLoad(t)
	sorted := slices.Clone(ids)
	sort.Strings(sorted)
	r.checkTable(t, fanTenableQuery, api.want(sorted...))
	var want []string
	for _, id := range ids {
		want = append(want, url.PathEscape(id))
	}
	sort.Strings(want)
	if got := api.chunkRequests(); !slices.Equal(got, want) {
		t.Errorf("chunk requests %q, want %q", got, want)
	}
}

// TestFanlistTenableHostileLists: a status whose chunks_available is no
// list of ids fails the run before any chunk is asked for, naming the
// resource, the status URL, the field and the item, and loads nothing.
func TestFanlistTenableHostileLists(t *testing.T) {
	cases := []struct {
		name, available string
		omit            bool
		parts           []string
	}{
		{"missing", "", true, []string{"has no field \"chunks_available\"", "keys chunks_available_count, chunks_cancelled"}},
		{"string", `"1,2"`, false, []string{`is a string ("1,2"), not a list`, "{resources.export_status.chunks_available}"}},
		{"object", `{"1": true}`, false, []string{"is an object, not a list"}},
		{"changes type", `[1, 2, "3"]`, false, []string{`item 3 of "chunks_available"`, `a string ("3") where item 1 is a number`}},
		{"objects", `[{"id": 1}]`, false, []string{"item 1", "is an object", "{resources.export_status.chunks_available[*].FIELD}"}},
		{"lists", `[[1, 2]]`, false, []string{"item 1", "is a list"}},
		{"null item", `[1, null]`, false, []string{"item 2", "is null"}},
		{"boolean", `[true]`, false, []string{"item 1", "a boolean"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			api := newFanTenable(1, "1", "2", "3")
			api.available, api.omit = c.available, c.omit
			r, srvURL := fanTenableRun(t, api)
			parts := append([]string{`resource "findings"`, "http://api.test/vulns/export/" + newcomerTioUUID + "/status", "export_status record 1", "{resources.export_status.chunks_available[*]"}, c.parts...)
			r.failedClean(t, srvURL, nil, newcomerTioSecret, []string{"findings"}, parts...)
			if got := api.chunkRequests(); len(got) != 0 {
				t.Errorf("chunk requests %q, want none", got)
			}
			t.Log(r.err)
		})
	}
}

// TestFanlistTenableChunkGone: a chunk the status lists that answers 404
// (expired, or listed before it was written) fails the run naming its
// URL; no finding of any chunk is loaded.
func TestFanlistTenableChunkGone(t *testing.T) {
	api := newFanTenable(2, "1", "2", "3")
	api.gone["2"] = true
	r, srvURL := fanTenableRun(t, api)
	r.failedClean(t, srvURL, nil, newcomerTioSecret, []string{"findings"}, `resource "findings"`, "/chunks/2", "404", "Chunk not found")
}

// TestFanlistTenableTenThousandChunks: a status listing 10,000 chunks
// runs 10,000 chains, never more requests at once than
// client.concurrency allows, and loads every finding once.
func TestFanlistTenableTenThousandChunks(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 requests")
	}
	api := newFanTenable(1)
	api.gen = 10000
	r, _ := fanTenableRun(t, api)
	r.mustLoad(t)
	db := openDB(t, r.db)
	if n := count(t, db, `SELECT count(DISTINCT _export_status_chunks_available) FROM findings`); n != 10000 {
		t.Errorf("findings from %d chunks, want 10000", n)
	}
	if n := count(t, db, `SELECT count(*) FROM findings`); n != 10000 {
		t.Errorf("%d findings, want 10000", n)
	}
	if n := count(t, db, `SELECT min(_export_status_chunks_available) + max(_export_status_chunks_available) FROM findings`); n != 10001 {
		t.Errorf("chunk ids from min to max sum to %d, want 1 + 10000", n)
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	if api.chunkAnswers != 10000 {
		t.Errorf("%d chunks answered, want 10000", api.chunkAnswers)
	}
	if api.maxInFlight > 8 {
		t.Errorf("%d requests in flight at once, want at most client.concurrency's default 8", api.maxInFlight)
	}
}

// TestFanlistTenableSample: pipe run --sample 2 runs the chains of the
// first two chunks only, as it runs a child for its first two parents.
func TestFanlistTenableSample(t *testing.T) {
	api := newFanTenable(1, "1", "2", "3", "4")
	r, _ := curServe(t, api, "fanlist_tenable", "", newcomerTioEnv(), func(o *engine.Options) { o.SamplePages = 2 })
	if r.err != nil {
		t.Fatalf("sample: %v", r.err)
	}
	if got := api.chunkRequests(); !slices.Equal(got, []string{"1", "2"}) {
		t.Errorf("chunk requests %q, want the first two chunks", got)
	}
	if s := r.rep.Resources["findings"]; s == nil || s.Submitted != 2 {
		t.Errorf("findings stats %+v, want 2 chains submitted", s)
	}
}

// TestFanlistTenableListWithoutEach: the newcomer's spelling, the list in
// the path without [*], fails before any chunk request, naming the field
// and the [*] spelling that runs one chain per chunk.
func TestFanlistTenableListWithoutEach(t *testing.T) {
	api := newFanTenable(1, "1", "2")
	text := curEdited(t, "fanlist_tenable", "chunks/{resources.export_status.chunks_available[*]}", "chunks/{resources.export_status.chunks_available}",
		`include_from_parent: ["chunks_available[*]"]`, `include_from_parent: []`)
	r, srvURL := curServe(t, api, "fanlist_tenable", text, newcomerTioEnv())
	r.failedClean(t, srvURL, nil, newcomerTioSecret, []string{"findings"}, `resource "findings"`, `field "chunks_available" of the "export_status" record is an array`, "write {resources.export_status.chunks_available[*]} for one request chain per item")
	if got := api.chunkRequests(); len(got) != 0 {
		t.Errorf("chunk requests %q, want none", got)
	}
}
