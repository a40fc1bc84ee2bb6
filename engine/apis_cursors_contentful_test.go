package engine_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
)

const contentfulToken = "b4c0n73n7fu1_d3l1v3ry_70k3n_0123456789abcdef"

// contentfulAPI serves GET /spaces/{space}/environments/master/entries as
// the Content Delivery API documents it
// (https://www.contentful.com/developers/docs/references/content-delivery-api/):
// the delivery token in access_token (or as Bearer), skip (default 0) and
// limit (default 100, at most 1000), {"sys": {"type": "Array"}, "total",
// "skip", "limit", "items": [{"sys": {...}, "fields": {...}}], "includes"}
// ordered by the order parameter; a bad token is a 401 {"sys": {"type":
// "Error", "id": "AccessTokenInvalid"}, "message": …}.
//
// mode: "unpublish" (once the first page is served, its first entry is
// unpublished: the total shrinks and later skips shift), "truncated"
// (page 2 cut short).
type contentfulAPI struct {
	mode     string
	mu       sync.Mutex
	requests int
	badAuth  int
	entries  []map[string]any
	changed  bool
}

func newContentfulAPI(mode string) *contentfulAPI {
	a := &contentfulAPI{mode: mode}
	for i := 1; i <= 7; i++ {
		fields := map[string]any{"title": fmt.Sprintf("Post %d", i), "slug": fmt.Sprintf("post-%d", i), "rating": 4.5}
		if i%3 == 0 {
			fields["tags"] = []string{"go", "etl"}
		}
		a.entries = append(a.entries, map[string]any{
			"sys": map[string]any{
				"id": fmt.Sprintf("5KsDBWseXY6QegucYAoacS%d", i), "type": "Entry", "revision": i,
				"createdAt": fmt.Sprintf("2024-01-0%dT10:00:00.000Z", i), "updatedAt": "2024-02-01T10:00:00.000Z", "locale": "en-US",
				"contentType": map[string]any{"sys": map[string]any{"type": "Link", "linkType": "ContentType", "id": "post"}},
			},
			"fields": fields,
		})
	}
	return a
}

func (a *contentfulAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	q := r.URL.Query()
	if q.Get("access_token") != contentfulToken && r.Header.Get("Authorization") != "Bearer "+contentfulToken {
		a.badAuth++
		curWrite(w, 401, `{"sys":{"type":"Error","id":"AccessTokenInvalid"},"message":"The access token you sent could not be found or is invalid.","requestId":"8c9a7f8e"}`)
		return
	}
	skip, _ := strconv.Atoi(q.Get("skip"))
	limit := 100
	limit = curQueryInt(q, "limit", limit)
	if limit > 1000 || q.Get("content_type") != "post" {
		curWrite(w, 400, `{"sys":{"type":"Error","id":"BadRequest"},"message":"The query you sent was invalid."}`)
		return
	}
	end := min(skip+limit, len(a.entries))
	body := curJSON(map[string]any{"sys": map[string]any{"type": "Array"}, "total": len(a.entries), "skip": skip, "limit": limit,
		"items": a.entries[min(skip, len(a.entries)):end], "includes": map[string]any{"Asset": []any{}}})
	if a.mode == "truncated" && skip > 0 {
		body = body[:len(body)/2]
	}
	curWrite(w, 200, body)
	if a.mode == "unpublish" && !a.changed {
		a.changed = true
		a.entries = a.entries[1:]
	}
}

// TestContentfulSkipLimitTotal: seven entries in pages of three, the
// token in the query string; nested sys and fields columns as served, and
// the token in no URL pipe prints, no log line and no table.
func TestContentfulSkipLimitTotal(t *testing.T) {
	api := newContentfulAPI("")
	srv := httptest.NewServer(api)
	defer srv.Close()
	r := curRunSpec(t, "contentful", srv.URL, filepath.Join(t.TempDir(), "contentful.db"), map[string]string{"CONTENTFUL_DELIVERY_TOKEN": contentfulToken})
	r.mustLoad(t)
	var want, tags []string
	for _, e := range api.entries {
		sys, f := e["sys"].(map[string]any), e["fields"].(map[string]any)
		want = append(want, fmt.Sprintf("%s|%d|%s|%s|%v", sys["id"], sys["revision"], f["title"], sys["contentType"].(map[string]any)["sys"].(map[string]any)["id"], f["rating"]))
		if tg, ok := f["tags"].([]string); ok {
			for _, g := range tg {
				tags = append(tags, fmt.Sprintf("%s|%s", sys["id"], g))
			}
		}
	}
	r.checkTable(t, `SELECT sys__id, sys__revision, fields__title, sys__content_type__sys__id, fields__rating FROM entries ORDER BY sys__id`, want)
	r.checkTable(t, `SELECT e.sys__id, t.value FROM entries__fields__tags t JOIN entries e ON t._pipe_parent_id = e._pipe_id ORDER BY e.sys__id, t._pipe_list_idx`, tags)
	if api.requests != 3 || api.badAuth != 0 {
		t.Errorf("requests = %d (%d without the token), want 3", api.requests, api.badAuth)
	}
	r.noSecret(t, contentfulToken)
}

// TestContentfulHostile: an entry unpublished while the entries are
// paged (total 7, then 6: every later skip points one entry further, so
// one would be missed) and a truncated page fail the run; the token, sent
// in the query string, is in neither the error nor the logs.
func TestContentfulHostile(t *testing.T) {
	for _, tt := range []struct {
		mode  string
		err   error
		parts []string
	}{
		{"unpublish", rest.ErrShifted, []string{`resource "entries": page 2: GET http://api.test/spaces/cfexampleapi/environments/master/entries?`, `skip=3`, `total_path "total" was 7 and is 6`}},
		{"truncated", nil, []string{`resource "entries": page 2: GET http://api.test/spaces/cfexampleapi/environments/master/entries?`, "not JSON"}},
	} {
		t.Run(tt.mode, func(t *testing.T) {
			api := newContentfulAPI(tt.mode)
			srv := httptest.NewServer(api)
			defer srv.Close()
			r := curRunSpec(t, "contentful", srv.URL, filepath.Join(t.TempDir(), "contentful.db"), map[string]string{"CONTENTFUL_DELIVERY_TOKEN": contentfulToken})
			r.failedClean(t, srv.URL, tt.err, contentfulToken, []string{"entries"}, tt.parts...)
		})
	}
}

// TestContentfulWithoutPaginator: the spec without a paginator is not
// read as one page: the first response's total above its items fails the
// run, naming the field and the paginator to set.
func TestContentfulWithoutPaginator(t *testing.T) {
	api := newContentfulAPI("")
	srv := httptest.NewServer(api)
	defer srv.Close()
	text := strings.Replace(curTestdata(t, "contentful"), "      paginator: {type: offset, limit: 3, offset_param: skip, limit_param: limit, total_path: total}\n", "", 1)
	text = strings.Replace(text, "order: sys.createdAt}", "order: sys.createdAt, limit: 3}", 1)
	r := curRunText(t, "contentful", text, srv.URL, filepath.Join(t.TempDir(), "contentful.db"), map[string]string{"CONTENTFUL_DELIVERY_TOKEN": contentfulToken})
	r.mustFail(t, srv.URL, `resource "entries": page 1:`, `body "total" is 7 and the page held 3 records`, "offset with limit and total_path")
	if !errors.Is(r.err, rest.ErrMorePages) {
		t.Errorf("err = %v, want ErrMorePages", r.err)
	}
	r.noSecret(t, contentfulToken)
}
