package engine_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pipe-etl/pipe/engine"
	"github.com/pipe-etl/pipe/engine/rest"
)

// notionQuery serves POST /v1/databases/{id}/query as Notion documents it
// (https://developers.notion.com/reference/post-database-query,
// https://developers.notion.com/reference/intro#pagination,
// https://developers.notion.com/reference/request-limits and
// https://developers.notion.com/reference/status-codes): an integration
// token as Bearer and a Notion-Version header, else 401 unauthorized or 400
// missing_version; start_cursor and page_size (1..100) in the JSON body;
// {"object": "list", "results": [...], "next_cursor", "has_more", "type":
// "page_or_database", "page_or_database": {}}, next_cursor null and
// has_more false on the last page; the cursor is the id of the next page's
// first record, an unknown one a 400 validation_error; a 429 rate_limited
// with Retry-After in seconds. Errors are {"object": "error", "status",
// "code", "message"}.
//
// mode makes page 2 hostile: "ratelimit" (a 429 with Retry-After: 2
// before it is served), "nocursor" (has_more true, next_cursor null),
// "repeat" (the cursor that asked for it again), "object" (next_cursor an object),
// "error200" (a validation_error body with 200).
type notionQuery struct {
	total    int
	mode     string
	limited  atomic.Bool
	requests atomic.Int32
}

const (
	notionToken = "secret_notionIntegrationToken0123456789abcdefXYZ"
	notionDB    = "897e5a76ae524b489fdfe71f5945d1af"
)

func notionID(n int) string { return fmt.Sprintf("59833787-2cf9-4fdf-8782-e53db20768%02d", n) }

func notionPage(n int) map[string]any {
	return map[string]any{
		"object": "page", "id": notionID(n),
		"created_time": fmt.Sprintf("2024-02-%02dT09:%02d:00.000Z", n, n), "last_edited_time": "2024-03-01T12:00:00.000Z",
		"archived": false, "url": "https://www.notion.so/Task-" + strings.ReplaceAll(notionID(n), "-", ""),
		"parent": map[string]any{"type": "database_id", "database_id": "897e5a76-ae52-4b48-9fdf-e71f5945d1af"},
		"properties": map[string]any{
			"Name":     map[string]any{"id": "title", "type": "title", "title": []any{map[string]any{"type": "text", "text": map[string]any{"content": fmt.Sprintf("Task %d", n), "link": nil}, "plain_text": fmt.Sprintf("Task %d", n)}}},
			"Done":     map[string]any{"id": "%3DdA", "type": "checkbox", "checkbox": n%3 == 0},
			"Estimate": map[string]any{"id": "k%3Bq", "type": "number", "number": float64(n) + 0.5},
		},
	}
}

func notionError(w http.ResponseWriter, status int, code, msg string) {
	curWrite(w, status, fmt.Sprintf(`{"object":"error","status":%d,"code":%q,"message":%q}`, status, code, msg))
}

func (n *notionQuery) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n.requests.Add(1)
	if !curBearer(r, notionToken) {
		notionError(w, http.StatusUnauthorized, "unauthorized", "API token is invalid.")
		return
	}
	if r.Header.Get("Notion-Version") != "2022-06-28" {
		notionError(w, http.StatusBadRequest, "missing_version", "Notion-Version header failed validation.")
		return
	}
	var in struct {
		StartCursor *string `json:"start_cursor"`
		PageSize    int     `json:"page_size"`
		Sorts       []any   `json:"sorts"`
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v1/databases/"+notionDB+"/query" || json.NewDecoder(r.Body).Decode(&in) != nil || len(in.Sorts) != 1 {
		notionError(w, http.StatusBadRequest, "validation_error", "body failed validation.")
		return
	}
	start := 0
	if in.StartCursor != nil {
		start = -1
		for i := 1; i <= n.total; i++ {
			if notionID(i) == *in.StartCursor {
				start = i - 1
			}
		}
		if start < 0 {
			notionError(w, http.StatusBadRequest, "validation_error", "body failed validation: body.start_cursor should be a valid uuid.")
			return
		}
	}
	page2 := start > 0 && start <= in.PageSize
	if page2 && n.mode == "ratelimit" && !n.limited.Swap(true) {
		w.Header().Set("Retry-After", "2")
		notionError(w, http.StatusTooManyRequests, "rate_limited", "You have been rate limited. Please try again in a few minutes.")
		return
	}
	if page2 && n.mode == "error200" {
		notionError(w, http.StatusOK, "validation_error", "body failed validation.")
		return
	}
	size := min(max(in.PageSize, 1), 100)
	end := min(start+size, n.total)
	var results []any
	for i := start; i < end; i++ {
		results = append(results, notionPage(i+1))
	}
	var next any
	if end < n.total {
		next = notionID(end + 1)
	}
	more := next != nil
	if page2 {
		switch n.mode {
		case "nocursor":
			next = nil
		case "repeat":
			next = notionID(start + 1)
		case "object":
			next = map[string]any{"id": next}
		}
	}
	curWrite(w, http.StatusOK, curJSON(map[string]any{"object": "list", "results": results, "next_cursor": next, "has_more": more,
		"type": "page_or_database", "page_or_database": map[string]any{}}))
}

func notionRun(t *testing.T, api *notionQuery, text string, tune ...func(*engine.Options)) (curRun, string) {
	t.Helper()
	return curServe(t, api, "notion", text, map[string]string{"NOTION_TOKEN": notionToken}, tune...)
}

// TestNotionQueryLoadsExactly: every page of the database, the cursor sent
// back in the POST body, a 429 on the way waited out as Retry-After asks.
func TestNotionQueryLoadsExactly(t *testing.T) {
	for _, mode := range []string{"", "ratelimit"} {
		t.Run("mode="+mode, func(t *testing.T) {
			api := &notionQuery{total: 5, mode: mode}
			var sleeps curSleeps
			r, _ := notionRun(t, api, "", sleeps.tune)
			r.mustLoad(t)
			var want, titles []string
			for n := 1; n <= 5; n++ {
				want = append(want, fmt.Sprintf("%s|2024-02-%02dT09:%02d:00Z|%v|%v|Task %d|false", notionID(n), n, n, n%3 == 0, float64(n)+0.5, n))
				titles = append(titles, fmt.Sprintf("%s|0|Task %d|text", notionID(n), n))
			}
			r.checkTable(t, `SELECT id, strftime('%Y-%m-%dT%H:%M:%SZ', created_time), properties__done__checkbox, properties__estimate__number, (SELECT plain_text FROM tasks__properties__name__title c WHERE c._pipe_parent_id = tasks._pipe_id), archived FROM tasks ORDER BY id`, want)
			r.checkTable(t, `SELECT p.id, c._pipe_list_idx, c.text__content, c.type FROM tasks__properties__name__title c JOIN tasks p ON p._pipe_id = c._pipe_parent_id ORDER BY p.id`, titles)
			r.checkTable(t, `SELECT name, type FROM pragma_table_info('tasks') WHERE name IN ('created_time', 'properties__done__checkbox', 'properties__estimate__number', 'archived') ORDER BY name`,
				[]string{"archived|BOOLEAN", "created_time|TIMESTAMP", "properties__done__checkbox|BOOLEAN", "properties__estimate__number|DOUBLE"})
			wantReq, wantWaits := int32(3), "[]"
			if mode == "ratelimit" {
				wantReq, wantWaits = 4, "[2s]"
			}
			sleeps.check(t, api.requests.Load(), wantReq, wantWaits)
			r.noSecret(t, notionToken)
		})
	}
}

// TestNotionQueryHostile: has_more true without a cursor, a cursor handed
// out twice, a cursor that is an object and an error body on a 200 each
// fail the run, naming the resource, the URL and the field, with nothing
// loaded; a spec without has_more_path fails the same page on the flag.
func TestNotionQueryHostile(t *testing.T) {
	page2 := `resource "tasks": page 2: POST http://api.test/v1/databases/` + notionDB + `/query`
	for _, c := range []struct {
		mode, text string
		sentinel   error
		parts      []string
	}{
		{mode: "nocursor", sentinel: rest.ErrMorePages, parts: []string{page2, `cursor: no cursor at cursor_path "next_cursor", but has_more_path "has_more" is true`}},
		{mode: "nocursor", text: "no has_more_path", sentinel: rest.ErrMorePages, parts: []string{page2, `cursor: no cursor at cursor_path "next_cursor", but body "has_more" is true`}},
		{mode: "repeat", sentinel: rest.ErrLoop, parts: []string{page2, `cursor "` + notionID(3) + `" seen before`, `cursor_body_path "start_cursor"`}},
		{mode: "object", parts: []string{page2, `cursor_path "next_cursor" is object {"id":"59833787-`, `want a string or a number`}},
		{mode: "error200", parts: []string{page2, `data_selector "results" not found in the response (it holds keys "object", "status", "code", "message")`}},
	} {
		t.Run(c.mode+" "+c.text, func(t *testing.T) {
			text := ""
			if c.text != "" {
				text = strings.Replace(curTestdata(t, "notion"), ", has_more_path: has_more}", "}", 1)
			}
			r, url := notionRun(t, &notionQuery{total: 5, mode: c.mode}, text)
			r.failedClean(t, url, c.sentinel, notionToken, []string{"tasks", "tasks__properties__name__title"}, c.parts...)
		})
	}
}
