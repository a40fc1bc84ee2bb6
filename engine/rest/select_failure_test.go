package rest

import (
	"errors"
	"strings"
	"testing"
)

// TestFailureFlags: a top-level "success": false (Cloudflare) or
// "ok": false (Slack) on a 200 is a failed request, not an empty page nor
// a full one, even with "errors" empty; true, and a record's own field
// when the body is the record, are not.
func TestFailureFlags(t *testing.T) {
	for _, tt := range []struct {
		name, path, body string
		want             string // "" for no error
		partial          bool   // the error is ErrPartial
	}{
		{"cloudflare failed, no errors", "result", `{"success":false,"errors":[],"messages":[],"result":[]}`, `body "success" is boolean false`, false},
		{"cloudflare failed, null result", "result", `{"success":false,"errors":[],"messages":[],"result":null}`, `{condition: "success==false", action: fail}`, false},
		{"cloudflare failed beside records", "result", `{"success":false,"errors":[],"result":[{"id":"z1"}]}`, `body "success" is boolean false`, true},
		{"failed after the records", "result", `{"result":[{"id":"z1"},{"id":"z2"}],"errors":[],"success":false}`, `body "success" is boolean false`, true},
		{"cloudflare ok", "result", `{"success":true,"errors":[],"messages":[],"result":[]}`, "", false},
		{"slack failed", "messages", `{"ok":false,"messages":[]}`, `body "ok" is boolean false`, false},
		{"a record's own field", "@this", `{"id":7,"success":false,"ok":false}`, "", false},
		{"an error as the record", "@this", `{"error":"Unsupported content type: None","data":""}`, `body "error" is string`, true},
		{"records' own fields", "data", `{"data":[{"id":7,"success":false}]}`, "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(tt.body)
			recs, err := NewSelector(tt.path, nil).Select(body)
			if err == nil && len(recs) > 0 {
				err = partial(body, recs, tt.path)
			}
			if tt.want == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || errors.Is(err, ErrPartial) != tt.partial {
				t.Fatalf("err = %v, want %q (partial %v)", err, tt.want, tt.partial)
			}
		})
	}
}

// TestPagingObjectsOfVendors: the end check reads Cloudflare's
// result_info.total_count and Pipedrive's
// additional_data.pagination.more_items_in_collection.
func TestPagingObjectsOfVendors(t *testing.T) {
	req := get(t, "https://api.test/items")
	for _, tt := range []struct{ body, field string }{
		{`{"success":true,"result":[{"id":1}],"result_info":{"page":1,"per_page":1,"count":1,"total_count":2,"total_pages":2}}`, "result_info.total_count"},
		{`{"success":true,"data":[{"id":1}],"additional_data":{"pagination":{"start":0,"limit":1,"more_items_in_collection":true,"next_start":1}}}`, "additional_data.pagination.more_items_in_collection"},
	} {
		s := moreSign(req, &Response{Body: []byte(tt.body)}, 1, 1, nil)
		if s == nil || s.field != tt.field {
			t.Errorf("%s: sign %+v, want one at %s", tt.body, s, tt.field)
		}
	}
}
