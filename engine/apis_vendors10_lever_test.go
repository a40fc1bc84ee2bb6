package engine_test

import (
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/engine/rest"
)

const leverKey = "Lv3rK3y/abc+def=="

// leverAPI serves GET /v1/opportunities as Lever documents it
// (https://hire.lever.co/developer/documentation#authentication,
// #pagination, #list-all-opportunities): HTTP Basic with the key and a
// blank password, else 401 {"code": "UnauthorizedError", "message":
// "Invalid API key"}; limit (1-100) and offset, the "next" token of the
// page before (a URL-encoded JSON array, as Lever's look); {"data":
// [...], "hasNext": true, "next": …} while more pages follow, {"data":
// [...], "hasNext": false} on the last.
//
// mode: "nonext" (page 2 says hasNext true without a next), "repeat"
// (page 2's next is page 1's), "donenext" (the last page says hasNext
// false but still holds a next: the flag settles it).
type leverAPI struct {
	mode     string
	mu       sync.Mutex
	requests int
	badAuth  int
	opps     []map[string]any
}

func newLeverAPI(mode string) *leverAPI {
	a := &leverAPI{mode: mode}
	for i := 1; i <= 5; i++ {
		var archived any
		if i == 2 {
			archived = map[string]any{"reason": "63dd55b2-a99f-4e7b-985f-22c7bf80ab42", "archivedAt": int64(1417588008379)}
		}
		a.opps = append(a.opps, map[string]any{
			"id": fmt.Sprintf("250d8f03-738a-4bba-a671-8a3d73477145-%d", i), "name": fmt.Sprintf("Shane Smith %d", i),
			"headline": "Brickly LLC", "contact": fmt.Sprintf("7f23e772-ba3c-4e7b-a6b8-0a4b1a5cbc1%d", i),
			"emails": []string{fmt.Sprintf("shane%d@example.com", i)}, "tags": []string{"Customer Success", "Reno"}[:i%3],
			"stage": map[string]any{"id": "lead-new", "text": "New lead"}, "archived": archived,
			"createdAt": int64(1407460071043) + int64(i)*86400000, "updatedAt": int64(1417588008379) + int64(i),
			"confidentiality": "non-confidential", "isAnonymized": false,
		})
	}
	return a
}

// leverNext is the next token of the page that ends before item i.
func leverNext(i int) string {
	return url.QueryEscape(fmt.Sprintf(`[%d,"250d8f03-738a-4bba-a671-8a3d73477145-%d"]`, 1407460071043+i, i))
}

func (a *leverAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	if u, p, ok := r.BasicAuth(); !ok || u != leverKey || p != "" {
		a.badAuth++
		curWrite(w, 401, `{"code": "UnauthorizedError", "message": "Invalid API key"}`)
		return
	}
	if r.URL.Path != "/v1/opportunities" {
		curWrite(w, 404, `{"code": "ResourceNotFound", "message": "Not found"}`)
		return
	}
	q := r.URL.Query()
	limit := curQueryInt(q, "limit", 100)
	if limit < 1 || limit > 100 || q.Get("expand") != "stage" {
		curWrite(w, 400, `{"code": "BadRequestError", "message": "Invalid limit or expand"}`)
		return
	}
	from := 0
	if off := q.Get("offset"); off != "" {
		from = -1
		for i := 0; i <= len(a.opps); i++ {
			if off == leverNext(i) {
				from = i
			}
		}
		if from < 0 {
			curWrite(w, 400, `{"code": "BadRequestError", "message": "Invalid offset token"}`)
			return
		}
	}
	to := min(from+limit, len(a.opps))
	body := map[string]any{"data": a.opps[from:to], "hasNext": to < len(a.opps)}
	if to < len(a.opps) {
		body["next"] = leverNext(to)
	}
	switch {
	case a.mode == "nonext" && from == 2:
		delete(body, "next")
	case a.mode == "repeat" && from == 2:
		body["next"] = leverNext(2)
	case a.mode == "donenext" && to == len(a.opps):
		body["next"] = leverNext(to)
	}
	curWrite(w, 200, curJSON(body))
}

func leverEnv() map[string]string { return map[string]string{"LEVER_API_KEY": leverKey} }

const leverQuery = `SELECT id, name, stage__text, archived__reason, archived__archived_at, created_at, updated_at FROM opportunities ORDER BY id`

// check compares the table with what the fake served.
func (a *leverAPI) check(t *testing.T, r curRun) {
	t.Helper()
	var want []string
	for _, o := range a.opps {
		reason, at := "<nil>", "<nil>"
		if ar, ok := o["archived"].(map[string]any); ok {
			reason, at = fmt.Sprint(ar["reason"]), fmt.Sprint(ar["archivedAt"])
		}
		want = append(want, fmt.Sprintf("%v|%v|New lead|%s|%s|%v|%v", o["id"], o["name"], reason, at,
			time.UnixMilli(o["createdAt"].(int64)).UTC(), time.UnixMilli(o["updatedAt"].(int64)).UTC()))
	}
	r.checkTable(t, leverQuery, want)
	r.noSecret(t, leverKey)
}

// TestLeverOpportunities: five opportunities in pages of two, each next
// token (a URL-encoded JSON array) sent back byte for byte as offset,
// until hasNext is false; the key as the basic user name with a blank
// password; createdAt and updatedAt, milliseconds, read as instants by
// the timestamp hints, archived null or an object.
func TestLeverOpportunities(t *testing.T) {
	for _, mode := range []string{"", "donenext"} {
		t.Run("mode="+mode, func(t *testing.T) {
			api := newLeverAPI(mode)
			r, _ := curServe(t, api, "lever", "", leverEnv())
			r.mustLoad(t)
			api.check(t, r)
			if api.requests != 3 || api.badAuth != 0 {
				t.Errorf("%d requests (%d without the key), want 3 (0)", api.requests, api.badAuth)
			}
		})
	}
}

// TestLeverHostile: hasNext true without a next token, and a token that
// repeats, fail with nothing loaded.
func TestLeverHostile(t *testing.T) {
	for _, c := range []struct {
		mode     string
		sentinel error
		parts    []string
	}{
		{"nonext", rest.ErrMorePages, []string{`resource "opportunities": page 2`, `"hasNext"`}},
		{"repeat", rest.ErrLoop, []string{`resource "opportunities": page 2`, `cursor_param "offset"`}},
	} {
		t.Run(c.mode, func(t *testing.T) {
			api := newLeverAPI(c.mode)
			r, srvURL := curServe(t, api, "lever", "", leverEnv())
			r.failedClean(t, srvURL, c.sentinel, leverKey, []string{"opportunities"}, c.parts...)
			t.Log(r.err)
		})
	}
}
