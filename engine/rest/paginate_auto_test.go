package rest

import (
	"errors"
	"strings"
	"testing"
)

// TestAutoDetectsBodyOffsetsAndNextObjects: APIs that page with a token
// named offset or starting_after, or with a next object holding a uri,
// were read as single_page: Airtable's top-level "offset", Asana's
// next_page {offset, path, uri}, Intercom's pages.next {page,
// starting_after}. Each loaded its first page and exited 0.
func TestAutoDetectsBodyOffsetsAndNextObjects(t *testing.T) {
	tests := []struct {
		body  string
		log   string
		query string
	}{
		// https://airtable.com/developers/web/api/list-records
		{`{"records":[{"id":"rec1"}],"offset":"itrSJ1l4jlPyxEG6c/rec2"}`, `cursor (body \"offset\" holds a cursor; sent as query parameter \"offset\")`, "offset=itrSJ1l4jlPyxEG6c%2Frec2"},
		// https://developers.asana.com/docs/pagination
		{`{"data":[{"gid":"1"}],"next_page":{"offset":"eyJ0","path":"/tasks?offset=eyJ0","uri":"https://a.test/api/1.0/tasks?offset=eyJ0"}}`, `json_link (body \"next_page.uri\" holds a URL)`, "offset=eyJ0"},
		// https://developers.intercom.com/docs/build-an-integration/learn-more/rest-apis/pagination-cursor
		{`{"type":"list","data":[{"id":"1"}],"total_count":1,"pages":{"type":"pages","next":{"page":2,"starting_after":"WzE3"},"page":1,"per_page":1,"total_pages":2}}`, `cursor (body \"pages.next.starting_after\" holds a cursor; sent as query parameter \"starting_after\")`, "starting_after=WzE3"},
	}
	for _, tt := range tests {
		var logs strings.Builder
		pg, _ := NewPaginator(pcfg("auto"), nil, slogTo(&logs))
		req := get(t, "https://a.test/api/1.0/tasks")
		pg.Init(req)
		more, err := pg.Next(req, &Response{Body: []byte(tt.body)}, recs(1))
		if err != nil {
			t.Errorf("%s: %v", tt.body, err)
			continue
		}
		if !strings.Contains(logs.String(), tt.log) {
			t.Errorf("log %q, want %q", logs.String(), tt.log)
		}
		if !more || req.URL.RawQuery != tt.query {
			t.Errorf("%s: more %v, query %q; want %q", tt.body, more, req.URL.RawQuery, tt.query)
		}
	}
	// An offset that is a number (PagerDuty's echo of the request) is no
	// cursor.
	pg, _ := NewPaginator(pcfg("auto"), nil, nil)
	req := get(t, "https://a.test/incidents")
	pg.Init(req)
	if more, err := pg.Next(req, &Response{Body: []byte(`{"incidents":[1],"offset":0,"limit":25,"more":false,"total":null}`)}, recs(1)); more || err != nil {
		t.Errorf("numeric offset: more %v, err %v; want single_page", more, err)
	}
}

// TestAutoFullFirstPage: a first page that says nothing of a next page
// but holds exactly the page size the request asked for may be the first
// of several (Trello's actions, a bare array paged by before=<id>): auto
// fails naming the parameter. A short page, or one that says it is the
// last (an empty next cursor, a flag, a total), is the only page.
func TestAutoFullFirstPage(t *testing.T) {
	tests := []struct {
		url, body string
		records   int
		fail      string // "" when single_page
	}{
		// https://developer.atlassian.com/cloud/trello/rest/api-group-boards/#api-boards-id-actions-get
		{"https://a.test/1/boards/b1/actions?limit=2", `[{"id":"a5"},{"id":"a4"}]`, 2, `query parameter "limit"`},
		{"https://a.test/items?per_page=3", `{"items":[1,2,3]}`, 3, `query parameter "per_page"`},
		{"https://a.test/items?$top=2", `{"value":[1,2]}`, 2, `query parameter "$top"`},
		{"https://a.test/1/boards/b1/actions?limit=3", `[{"id":"a5"},{"id":"a4"}]`, 2, ""},
		{"https://a.test/1/boards/b1/actions", `[{"id":"a5"},{"id":"a4"}]`, 2, ""},
		// https://api.slack.com/methods/conversations.members: the last
		// page's next_cursor is empty
		{"https://a.test/api/conversations.members?limit=2", `{"ok":true,"members":["U1","U2"],"response_metadata":{"next_cursor":""}}`, 2, ""},
		{"https://a.test/items?limit=2", `{"items":[1,2],"has_more":false}`, 2, ""},
		{"https://a.test/items?limit=2", `{"items":[1,2],"total":2}`, 2, ""},
		{"https://a.test/items?limit=2", `{"items":[1,2],"next":null}`, 2, ""},
	}
	for _, tt := range tests {
		pg, _ := NewPaginator(pcfg("auto"), nil, nil)
		req := get(t, tt.url)
		pg.Init(req)
		more, err := pg.Next(req, &Response{Body: []byte(tt.body)}, recs(tt.records))
		if tt.fail == "" {
			if more || err != nil {
				t.Errorf("%s %s: more %v, err %v; want single_page", tt.url, tt.body, more, err)
			}
			continue
		}
		if err == nil || !errors.Is(err, ErrMorePages) || !strings.Contains(err.Error(), tt.fail) || !strings.Contains(err.Error(), "single_page") {
			t.Errorf("%s %s: err %v; want ErrMorePages naming %s and single_page", tt.url, tt.body, err, tt.fail)
		}
	}
}
