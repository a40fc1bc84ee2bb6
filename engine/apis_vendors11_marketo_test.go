package engine_test

import (
	"encoding/base32"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

const (
	marketoClientID     = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
	marketoClientSecret = "Qm9vX2pLk7RtZwYc8NbVd1Hf6JsGe0Ta"
)

func marketoEnv() map[string]string {
	return map[string]string{"MARKETO_CLIENT_ID": marketoClientID, "MARKETO_CLIENT_SECRET": marketoClientSecret}
}

// marketoAPI serves Marketo's identity service, static lists and list
// leads as Marketo documents them:
//   - https://developers.marketo.com/rest-api/authentication/: the
//     identity service's /identity/oauth/token with
//     grant_type=client_credentials, client_id and client_secret (as
//     query parameters in the docs' GET; the form of a POST is read the
//     same here), answered {"access_token": "…:ab", "token_type":
//     "bearer", "expires_in": 3599, "scope"}; the API takes the token as
//     Authorization: Bearer;
//   - https://developers.marketo.com/rest-api/paging-tokens/: batch calls
//     (batchSize, default and most 300) answer {"requestId", "result":
//     [...], "success": true, "moreResult": true, "nextPageToken"} while
//     more records follow, the token sent back as nextPageToken;
//   - https://developers.marketo.com/rest-api/error-codes/: errors come in
//     a 200 body, {"requestId", "success": false, "errors": [{"code":
//     "602", "message": "Access token expired"}]}; 606 is the rate limit
//     ("Max rate limit '100' exceeded with in '20' secs").
//
// mode: "keeptoken" (a last page still holds a nextPageToken beside
// moreResult false, as date-based tokens do), "expire" (the fourth API
// call answers 602), "limit" (the first lists call answers 606),
// "notoken" (list 1002's first page says moreResult true without a
// nextPageToken).
type marketoAPI struct {
	mode       string
	mu         sync.Mutex
	tokens     []string
	tokenCalls int
	requests   int
	limited    bool
	lists      []map[string]any
	leads      map[int][]map[string]any
}

func newMarketoAPI(mode string) *marketoAPI {
	a := &marketoAPI{mode: mode, leads: map[int][]map[string]any{}}
	for i, n := range []int{3, 4, 0} {
		id := 1001 + i
		a.lists = append(a.lists, map[string]any{
			"id": id, "name": fmt.Sprintf("Webinar %d attendees", i+1), "description": "static list",
			"programName": "Webinars 2024", "workspaceName": "Default",
			"createdAt": fmt.Sprintf("2024-0%d-02T08:00:00Z", i+1), "updatedAt": fmt.Sprintf("2024-0%d-03T08:00:00Z", i+1),
		})
		for l := 0; l < n; l++ {
			lid := 318580 + 10*i + l
			a.leads[id] = append(a.leads[id], map[string]any{
				"id": lid, "firstName": fmt.Sprintf("Lead%d", lid), "lastName": "Doe", "email": fmt.Sprintf("lead%d@example.com", lid),
				"updatedAt": fmt.Sprintf("2024-05-0%dT10:00:00Z", l+1), "createdAt": "2024-04-01T10:00:00Z",
			})
		}
	}
	// lead 318581 is on lists 1001 and 1002 alike
	a.leads[1002] = append(a.leads[1002], a.leads[1001][1])
	return a
}

// marketoToken encodes a position as Marketo's base32 paging tokens look.
func marketoToken(scope string, at int) string {
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte(fmt.Sprintf("%s|%d|2024-05-01T00:00:00", scope, at)))
}

func (a *marketoAPI) fail(w http.ResponseWriter, code, msg string) {
	curWrite(w, 200, fmt.Sprintf(`{"requestId": "e42b#14272d07d78", "success": false, "errors": [{"code": %q, "message": %q}]}`, code, msg))
}

func (a *marketoAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if r.URL.Path == "/identity/oauth/token" {
		a.tokenCalls++
		r.ParseForm()
		if r.Form.Get("grant_type") != "client_credentials" || r.Form.Get("client_id") != marketoClientID || r.Form.Get("client_secret") != marketoClientSecret {
			curWrite(w, 401, `{"error": "unauthorized", "error_description": "Bad client credentials"}`)
			return
		}
		tok := fmt.Sprintf("cdf01657-110d-4155-99a7-f986b2ff13a%d:ab", len(a.tokens)+1)
		a.tokens = append(a.tokens, tok)
		curWrite(w, 200, fmt.Sprintf(`{"access_token": %q, "token_type": "bearer", "expires_in": 3599, "scope": "apis@acmeinc.com"}`, tok))
		return
	}
	a.requests++
	if len(a.tokens) == 0 || !curBearer(r, a.tokens[len(a.tokens)-1]) {
		a.fail(w, "601", "Access token invalid")
		return
	}
	if a.mode == "expire" && a.requests == 4 {
		a.fail(w, "602", "Access token expired")
		return
	}
	if a.mode == "limit" && !a.limited {
		a.limited = true
		a.fail(w, "606", "Max rate limit '100' exceeded with in '20' secs")
		return
	}
	q := r.URL.Query()
	size := curQueryInt(q, "batchSize", 300)
	scope, list := "lists", a.lists
	if id, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/rest/v1/lists/"), "/leads.json"); ok {
		n, _ := strconv.Atoi(id)
		scope, list = "list"+id, a.leads[n]
	} else if r.URL.Path != "/rest/v1/lists.json" {
		curWrite(w, 404, `{"requestId": "e42b#14272d07d79", "success": false, "errors": [{"code": "404", "message": "Not Found"}]}`)
		return
	}
	at := 0
	if tok := q.Get("nextPageToken"); tok != "" {
		raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(tok)
		parts := strings.Split(string(raw), "|")
		if err != nil || len(parts) != 3 || parts[0] != scope {
			a.fail(w, "611", "System error")
			return
		}
		at, _ = strconv.Atoi(parts[1])
	}
	from := min(at, len(list))
	to := min(from+size, len(list))
	body := map[string]any{"requestId": fmt.Sprintf("%x#%x", a.requests, 0x14272d07d78+a.requests), "success": true, "result": list[from:to]}
	if list[from:to] == nil {
		body["result"] = []any{}
	}
	switch {
	case a.mode == "notoken" && scope == "list1002" && at == 0:
		body["moreResult"] = true
	case to < len(list):
		body["moreResult"], body["nextPageToken"] = true, marketoToken(scope, to)
	default:
		body["moreResult"] = false
		if a.mode == "keeptoken" {
			body["nextPageToken"] = marketoToken(scope, to)
		}
	}
	curWrite(w, 200, curJSON(body))
}

const (
	marketoListQuery = `SELECT id, name, program_name, created_at FROM lists ORDER BY id`
	marketoLeadQuery = `SELECT _lists_id, id, first_name, email, updated_at FROM leads ORDER BY _lists_id, id`
)

func (a *marketoAPI) check(t *testing.T, r curRun) {
	t.Helper()
	var lists, leads []string
	for _, l := range a.lists {
		lists = append(lists, fmt.Sprintf("%v|%v|Webinars 2024|%s +0000 UTC", l["id"], l["name"], strings.Replace(strings.TrimSuffix(l["createdAt"].(string), "Z"), "T", " ", 1)))
		for _, d := range a.leads[l["id"].(int)] {
			leads = append(leads, fmt.Sprintf("%v|%v|%v|%v|%s +0000 UTC", l["id"], d["id"], d["firstName"], d["email"], strings.Replace(strings.TrimSuffix(d["updatedAt"].(string), "Z"), "T", " ", 1)))
		}
	}
	sort.Strings(leads)
	r.checkTable(t, marketoListQuery, lists)
	r.checkTable(t, marketoLeadQuery, leads)
	r.noSecret(t, marketoClientSecret)
	for _, tok := range a.tokens {
		r.noSecret(t, tok)
	}
}

// TestMarketoListLeads: three static lists in pages of two by
// nextPageToken while moreResult is true; the leads of each (3, 5 and
// none; one lead on two lists, keyed within its list).
func TestMarketoListLeads(t *testing.T) {
	api := newMarketoAPI("")
	r, _ := curServe(t, api, "marketo", "", marketoEnv())
	r.mustLoad(t)
	api.check(t, r)
	// lists: 2 pages; leads: 2 + 3 + 1 pages
	if api.requests != 2+6 || api.tokenCalls != 1 {
		t.Errorf("%d requests, %d token requests; want 8, 1", api.requests, api.tokenCalls)
	}
}

// TestMarketoLastPageKeepsToken: a last page that still holds a
// nextPageToken beside moreResult false ends the walk there
// (has_more_path), every record loaded once.
func TestMarketoLastPageKeepsToken(t *testing.T) {
	api := newMarketoAPI("keeptoken")
	r, _ := curServe(t, api, "marketo", "", marketoEnv())
	r.mustLoad(t)
	api.check(t, r)
	if api.requests != 2+6 {
		t.Errorf("%d requests, want 8", api.requests)
	}
}

// TestMarketoErrorsIn200: Marketo's errors come in a 200 body with
// "success": false. A token that expires mid-walk (602) and a rate limit
// (606) each fail the run naming the code, nothing loaded, no credential
// anywhere; a moreResult true without a nextPageToken fails too.
func TestMarketoErrorsIn200(t *testing.T) {
	for _, c := range []struct{ mode, part string }{
		{"expire", "602"}, {"limit", "606"}, {"notoken", "moreResult"},
	} {
		t.Run(c.mode, func(t *testing.T) {
			api := newMarketoAPI(c.mode)
			r, srvURL := curServe(t, api, "marketo", "", marketoEnv())
			r.failedClean(t, srvURL, nil, marketoClientSecret, []string{"lists", "leads"}, c.part)
			for _, tok := range api.tokens {
				r.noSecret(t, tok)
			}
			t.Log(r.err)
		})
	}
}

// TestMarketoRateLimitRetried: with the rule a reader of Marketo's error
// codes writes, {content: '"606"', action: retry}, the 606 is asked again
// and the load is complete.
func TestMarketoRateLimitRetried(t *testing.T) {
	text := curEdited(t, "marketo", "params: {batchSize: 2}}", "params: {batchSize: 2}, response_actions: [{content: '\"code\": \"606\"', action: retry}]}")
	api := newMarketoAPI("limit")
	r, _ := curServe(t, api, "marketo", text, marketoEnv())
	r.mustLoad(t)
	api.check(t, r)
	if api.requests != 2+6+1 {
		t.Errorf("%d requests, want 9", api.requests)
	}
}

// TestMarketoWithoutHasMorePath: the spec without has_more_path, as a
// newcomer who reads only nextPageToken writes it. Marketo's moreResult
// is one of the flags pipe knows, so a last page that keeps its token
// beside moreResult false ends the walk, every lead loaded; and a page
// whose moreResult is true without a token still fails.
func TestMarketoWithoutHasMorePath(t *testing.T) {
	text := curEdited(t, "marketo", ", has_more_path: moreResult", "")
	api := newMarketoAPI("keeptoken")
	r, _ := curServe(t, api, "marketo", text, marketoEnv())
	r.mustLoad(t)
	api.check(t, r)
	if api.requests != 2+6 {
		t.Errorf("%d requests, want 8", api.requests)
	}
	notoken := newMarketoAPI("notoken")
	r, srvURL := curServe(t, notoken, "marketo", text, marketoEnv())
	r.failedClean(t, srvURL, nil, marketoClientSecret, []string{"lists", "leads"}, "moreResult")
}
