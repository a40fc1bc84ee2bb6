package engine_test

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
)

const (
	trelloKey   = "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d"
	trelloToken = "ATTA9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6b5a49382716f5e4d3c2b1aTrell0"
)

func trelloEnv() map[string]string {
	return map[string]string{"TRELLO_API_KEY": trelloKey, "TRELLO_TOKEN": trelloToken}
}

// trelloAPI serves GET /1/boards/{id}/cards and /1/boards/{id}/actions as
// Trello documents them (https://developer.atlassian.com/cloud/trello/rest/api-group-boards/,
// https://developer.atlassian.com/cloud/trello/guides/rest-api/api-introduction/,
// https://developer.atlassian.com/cloud/trello/guides/rest-api/rate-limits/):
// key and token query parameters (401 "invalid key" / "unauthorized
// permission requested" as text/plain otherwise); a bare JSON array;
// actions newest first, limit (50, at most 1000), before and since an
// action id (a 24-hex Mongo id whose first 8 hex digits are its creation
// time); 429 {"error": "API_TOKEN_LIMIT_EXCEEDED", "message": "..."}.
type trelloAPI struct {
	mu       sync.Mutex
	requests []string
	cards    []map[string]any
	actions  []map[string]any // newest first
}

func newTrelloAPI() *trelloAPI {
	a := &trelloAPI{}
	for i := 1; i <= 3; i++ {
		a.cards = append(a.cards, map[string]any{
			"id": fmt.Sprintf("5abbe4b7ddc1b351ef9614%02d", 20+i), "name": fmt.Sprintf("Card %d", i), "closed": false, "idList": "5abbe4b7ddc1b351ef961415",
			"pos": 16384 * i, "due": nil, "labels": []map[string]any{{"id": "5abbe4b7ddc1b351ef961499", "name": "bug", "color": "red"}},
			"dateLastActivity": fmt.Sprintf("2024-05-0%dT10:00:00.000Z", i),
		})
	}
	for i := 5; i >= 1; i-- {
		a.actions = append(a.actions, map[string]any{
			"id": fmt.Sprintf("6650%04x%016x", i, i), "type": "updateCard", "date": fmt.Sprintf("2024-05-2%dT12:00:00.000Z", i),
			"idMemberCreator": "5abbe4b7ddc1b351ef961401", "data": map[string]any{"card": map[string]any{"id": "5abbe4b7ddc1b351ef961421", "name": "Card 1"}, "old": map[string]any{"pos": i}},
		})
	}
	return a
}

func (a *trelloAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests = append(a.requests, r.URL.String())
	q := r.URL.Query()
	if q.Get("key") != trelloKey {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(401)
		fmt.Fprint(w, "invalid key")
		return
	}
	if q.Get("token") != trelloToken {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(401)
		fmt.Fprint(w, "unauthorized permission requested")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	switch r.URL.Path {
	case "/1/boards/5abbe4b7ddc1b351ef961414/cards":
		curWrite(w, 200, curJSON(a.cards))
	case "/1/boards/5abbe4b7ddc1b351ef961414/actions":
		limit := min(curQueryInt(q, "limit", 50), 1000)
		out := []map[string]any{}
		for _, act := range a.actions {
			if b := q.Get("before"); b != "" && act["id"].(string) >= b {
				continue
			}
			if s := q.Get("since"); s != "" && act["id"].(string) <= s {
				continue
			}
			if len(out) < limit {
				out = append(out, act)
			}
		}
		curWrite(w, 200, curJSON(out))
	default:
		w.WriteHeader(404)
		fmt.Fprint(w, "The requested resource was not found.")
	}
}

func (a *trelloAPI) check(t *testing.T, r curRun) {
	t.Helper()
	var cards, actions []string
	for _, c := range a.cards {
		cards = append(cards, fmt.Sprintf("%v|%v|%v|%v", c["id"], c["name"], c["idList"], c["pos"]))
	}
	for _, act := range a.actions {
		actions = append(actions, fmt.Sprintf("%v|%v|%v", act["id"], act["type"], act["data"].(map[string]any)["old"].(map[string]any)["pos"]))
	}
	sort.Strings(actions)
	r.checkTable(t, `SELECT id, name, id_list, pos FROM cards ORDER BY id`, cards)
	r.checkTable(t, `SELECT id, type, data__old__pos FROM actions ORDER BY id`, actions)
	r.noSecret(t, trelloKey)
	r.noSecret(t, trelloToken)
}

// TestTrelloBeforeNeedsHasMore: the newcomer's last_id paginator with
// before as its cursor_param fails on the first page, naming has_more,
// since Trello's bare array holds no flag; nothing is loaded and neither
// credential is written anywhere.
func TestTrelloBeforeNeedsHasMore(t *testing.T) {
	api := newTrelloAPI()
	r, srvURL := curServe(t, api, "trello", "", trelloEnv())
	r.failedClean(t, srvURL, nil, trelloToken, []string{"cards", "actions"}, `resource "actions"`, `has_more_path "has_more"`)
	r.noSecret(t, trelloKey)
}

// TestTrelloAutoFullPage: with paginator auto, a first page of actions
// that is a bare array holding exactly the limit the request asked for
// (2 of 5) was read as the only page: exit 0 with 2 of 5 actions. A page
// as full as its limit is a sign of more pages that auto cannot follow:
// the run fails naming limit, with nothing loaded.
func TestTrelloAutoFullPage(t *testing.T) {
	api := newTrelloAPI()
	text := curEdited(t, "trello", "paginator: {type: last_id, cursor_param: before}", "paginator: auto")
	r, srvURL := curServe(t, api, "trello", text, trelloEnv())
	r.failedClean(t, srvURL, rest.ErrMorePages, trelloToken, []string{"cards", "actions"}, `resource "actions"`, `"limit"`)
	r.noSecret(t, trelloKey)
}

// TestTrelloCardsOnePage: cards, one bare array with no limit asked, load
// whole under auto with both credentials nowhere; actions under
// single_page with limit 1000 (more than the board holds) load whole too.
func TestTrelloCardsOnePage(t *testing.T) {
	api := newTrelloAPI()
	text := curEdited(t, "trello", "params: {limit: 2}", "params: {limit: 1000}", "paginator: {type: last_id, cursor_param: before}", "paginator: single_page",
		"paginator: single_page}", "paginator: auto}")
	r, _ := curServe(t, api, "trello", text, trelloEnv())
	r.mustLoad(t)
	api.check(t, r)
	for _, u := range api.requests {
		if !strings.Contains(u, "key="+trelloKey) || !strings.Contains(u, "token="+trelloToken) {
			t.Errorf("request %s lacks key or token", u)
		}
	}
}
