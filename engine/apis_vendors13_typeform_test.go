package engine_test

import (
	"fmt"
	"net/http"
	"sort"
	"sync"
	"testing"
)

const typeformToken = "tfp_9xXg3ptcNgkSduA7x3bZ3hT4pLx2wd5Ekf8r3KcY2Fps_3mBD8JvE9hK2aw"

func typeformEnv() map[string]string { return map[string]string{"TYPEFORM_TOKEN": typeformToken} }

// typeformAPI serves GET /forms/u6nXL7/responses as Typeform documents it
// (https://typeform.com/developers/responses/reference/retrieve-responses,
// https://www.typeform.com/developers/responses/walkthroughs/): "Authorization:
// Bearer <token>" (401 {"code": "AUTHENTICATION_FAILED", "description":
// ...} otherwise); page_size (default 25, at most 1000); newest first by
// submitted_at; before=<token> (exclusive) for older ones; since
// (inclusive); {"total_items", "page_count", "items": [...]}, each item
// with its token, response_id, landed_at, submitted_at, metadata, answers
// (a list of typed answers: text, boolean, number, choices.labels) and
// hidden fields; an empty items list past the oldest.
//
// mode: "ignorebefore" (before is not read: every page is the first).
type typeformAPI struct {
	mode     string
	mu       sync.Mutex
	items    []map[string]any // newest first
	requests []string
}

func typeformItem(i int, submitted string) map[string]any {
	token := fmt.Sprintf("a3a12ec67a1365927098a606107fac%02d", i)
	return map[string]any{
		"landing_id": token, "token": token, "response_id": token, "landed_at": fmt.Sprintf("2024-05-0%dT09:59:0%dZ", i, i), "submitted_at": submitted,
		"metadata": map[string]any{"user_agent": "Mozilla/5.0", "platform": "other", "referer": "https://user_id.typeform.com/to/lR6F4j", "network_id": "responsdent_network_id", "browser": "default"},
		"answers": []map[string]any{
			{"field": map[string]any{"id": "hVONkQcnSNRj", "type": "dropdown", "ref": "my_custom_dropdown_reference"}, "type": "text", "text": fmt.Sprintf("Job opportunities %d", i)},
			{"field": map[string]any{"id": "RUqkXSeXBXSd", "type": "yes_no", "ref": "my_custom_yes_no_reference"}, "type": "boolean", "boolean": i%2 == 0},
			{"field": map[string]any{"id": "NRsxU591jIW9", "type": "opinion_scale", "ref": "my_custom_opinion_scale_reference"}, "type": "number", "number": i},
			{"field": map[string]any{"id": "PNe8ZKBK8C2Q", "type": "picture_choice", "ref": "my_custom_picture_choice_reference"}, "type": "choices", "choices": map[string]any{"labels": []string{"London", "Sydney"}[:1+i%2]}},
		},
		"hidden": map[string]any{"utm_source": "newsletter"}, "calculated": map[string]any{"score": 2 * i},
	}
}

func newTypeformAPI(mode string) *typeformAPI {
	a := &typeformAPI{mode: mode}
	for i := 5; i >= 1; i-- {
		a.items = append(a.items, typeformItem(i, fmt.Sprintf("2024-05-0%dT10:00:00Z", i)))
	}
	return a
}

func (a *typeformAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests = append(a.requests, r.URL.RawQuery)
	if !curBearer(r, typeformToken) {
		curWrite(w, 401, `{"code": "AUTHENTICATION_FAILED", "description": "Authentication credentials not found on the Request Headers"}`)
		return
	}
	if r.URL.Path != "/forms/u6nXL7/responses" {
		curWrite(w, 404, `{"code": "FORM_NOT_FOUND", "description": "Non existing form with uid abc"}`)
		return
	}
	q := r.URL.Query()
	var list []map[string]any
	for _, it := range a.items {
		if s := q.Get("since"); s != "" && it["submitted_at"].(string) < s {
			continue
		}
		list = append(list, it)
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i]["submitted_at"].(string) > list[j]["submitted_at"].(string) })
	from := 0
	if b := q.Get("before"); b != "" && a.mode != "ignorebefore" {
		from = len(list)
		for i, it := range list {
			if it["token"] == b {
				from = i + 1
			}
		}
	}
	size := min(curQueryInt(q, "page_size", 25), 1000)
	to := min(from+size, len(list))
	items := list[min(from, len(list)):to]
	if items == nil {
		items = []map[string]any{}
	}
	rest := len(list) - from
	curWrite(w, 200, curJSON(map[string]any{"total_items": rest, "page_count": max((rest+size-1)/size, 1), "items": items}))
}

func (a *typeformAPI) check(t *testing.T, r curRun) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	var rows, answers, labels []string
	for _, it := range a.items {
		rows = append(rows, fmt.Sprintf("%v|%v|%v|%v", it["response_id"], it["metadata"].(map[string]any)["browser"], it["hidden"].(map[string]any)["utm_source"], it["calculated"].(map[string]any)["score"]))
		for k, an := range it["answers"].([]map[string]any) {
			answers = append(answers, fmt.Sprintf("%v|%d|%v|%v|%v|%v|%v", it["response_id"], k, an["field"].(map[string]any)["ref"], an["type"], curNullable(an["text"]), curNullable(an["boolean"]), curNullable(an["number"])))
			if c, ok := an["choices"].(map[string]any); ok {
				for _, l := range c["labels"].([]string) {
					labels = append(labels, fmt.Sprintf("%v|%v", it["response_id"], l))
				}
			}
		}
	}
	sort.Strings(rows)
	sort.Strings(answers)
	sort.Strings(labels)
	r.checkTable(t, `SELECT response_id, metadata__browser, hidden__utm_source, calculated__score FROM responses ORDER BY response_id`, rows)
	r.checkTable(t, `SELECT r.response_id, a._pipe_list_idx, a.field__ref, a.type, a.text, CASE WHEN a.boolean IS NULL THEN NULL WHEN a.boolean THEN 'true' ELSE 'false' END, a.number FROM responses r JOIN responses__answers a ON a._pipe_parent_id = r._pipe_id ORDER BY r.response_id, a._pipe_list_idx`, answers)
	r.checkTable(t, `SELECT r.response_id, l.value FROM responses r JOIN responses__answers a ON a._pipe_parent_id = r._pipe_id JOIN responses__answers__choices__labels l ON l._pipe_parent_id = a._pipe_id ORDER BY r.response_id, l.value`, labels)
	r.noSecret(t, typeformToken)
}

// TestTypeformResponses: five responses newest first two a page, each
// next page asked before the token of the page's last item (JSONPath
// [-1]), the walk ending on the empty page; typed answers in one child
// table, text, boolean and number columns side by side.
func TestTypeformResponses(t *testing.T) {
	api := newTypeformAPI("")
	r, _ := v13Serve(t, api, "typeform", "", typeformEnv())
	r.mustLoad(t)
	api.check(t, r)
	curSameRows(t, "requests", v13Locked(&api.mu, func() []string { return api.requests }), []string{
		"page_size=2&since=2024-01-01T00%3A00%3A00Z",
		"before=" + api.items[1]["token"].(string) + "&page_size=2&since=2024-01-01T00%3A00%3A00Z",
		"before=" + api.items[3]["token"].(string) + "&page_size=2&since=2024-01-01T00%3A00%3A00Z",
		"before=" + api.items[4]["token"].(string) + "&page_size=2&since=2024-01-01T00%3A00%3A00Z",
	})
}

// TestTypeformResponsesSecondRun: since is inclusive, so the second run
// gets the newest response of the first again with the one submitted
// since; the first is skipped as loaded.
func TestTypeformResponsesSecondRun(t *testing.T) {
	api := newTypeformAPI("")
	r, srvURL := v13Serve(t, api, "typeform", "", typeformEnv())
	r.mustLoad(t)
	api.mu.Lock()
	api.items = append([]map[string]any{typeformItem(6, "2024-05-07T08:00:00Z")}, api.items...)
	api.requests = nil
	api.mu.Unlock()
	r2 := v13Run(t, "typeform", "", srvURL, r.db, typeformEnv())
	r2.mustLoad(t)
	api.check(t, r2)
	curSameRows(t, "second run requests", v13Locked(&api.mu, func() []string { return api.requests }), []string{
		"page_size=2&since=2024-05-05T10%3A00%3A00Z",
		"before=" + api.items[1]["token"].(string) + "&page_size=2&since=2024-05-05T10%3A00%3A00Z",
	})
	if c := r2.rep.Changes["responses"]; c.Inserted != 1 || c.Updated != 0 {
		t.Errorf("second run responses %+v, want 1 inserted", c)
	}
}

// TestTypeformBeforeIgnored: an API that does not read before answers the
// first page again, whose last token is the one just sent: the run fails
// naming the cursor settings, nothing loaded.
func TestTypeformBeforeIgnored(t *testing.T) {
	api := newTypeformAPI("ignorebefore")
	r, srvURL := v13Serve(t, api, "typeform", "", typeformEnv())
	r.failedClean(t, srvURL, nil, typeformToken, []string{"responses", "responses__answers"}, `resource "responses"`, `"before"`)
	t.Log(r.err)
}
