package rest

import (
	"errors"
	"strings"
	"testing"
)

// TestIncomplete: the members by which APIs say an answer may lack
// records fail the page; the same names inside records, false or zero
// values, and a body that is itself the record do not.
func TestIncomplete(t *testing.T) {
	for _, tt := range []struct {
		name, path, body, want string
	}{
		{"github search timed out", "items", `{"total_count":9,"incomplete_results":true,"items":[{"id":1}]}`, `body "incomplete_results" is true`},
		{"flag after the records", "items", `{"items":[{"id":1},{"id":2}],"incomplete_results":true}`, `body "incomplete_results" is true`},
		{"github search complete", "items", `{"total_count":9,"incomplete_results":false,"items":[{"id":1}]}`, ""},
		{"drive search incomplete", "files", `{"files":[],"incompleteSearch":true,"nextPageToken":"x"}`, `body "incompleteSearch" is true`},
		{"elasticsearch timed out", "hits.hits", `{"took":30001,"timed_out":true,"_shards":{"total":5,"successful":5,"failed":0},"hits":{"hits":[]}}`, `body "timed_out" is true`},
		{"elasticsearch failed shards", "hits.hits", `{"took":5,"timed_out":false,"_shards":{"total":5,"successful":3,"skipped":0,"failed":2},"hits":{"hits":[{"_id":"a"}]}}`, `body "_shards.failed" is 2`},
		{"elasticsearch whole", "hits.hits", `{"took":5,"timed_out":false,"_shards":{"total":5,"successful":5,"skipped":0,"failed":0},"hits":{"hits":[{"_id":"a"}]}}`, ""},
		{"in a record", "data", `{"data":[{"id":1,"timed_out":true,"incomplete_results":true}]}`, ""},
		{"the body is the record", "@this", `{"id":7,"timed_out":true}`, ""},
		{"detected path", "", `{"timed_out":true,"data":[]}`, ""},
		{"task completed", "data", `{"data":[{"completed":true}],"completed":true}`, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(tt.body)
			recs, _ := NewSelector(tt.path, nil).Select(body)
			err := incomplete(body, recs, tt.path)
			if errNil := incomplete(body, nil, tt.path); (errNil == nil) != (err == nil) {
				t.Fatalf("with the records %v, with the whole body %v", err, errNil)
			}
			if tt.want == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrPartial) {
				t.Fatalf("err = %v, want %q and ErrPartial", err, tt.want)
			}
		})
	}
}

// TestFrame: the text around a page's records is what is searched for
// top-level flags; records that are not text of the body leave it whole.
func TestFrame(t *testing.T) {
	body := []byte(`{"a":1,"data":[{"id":1},{"id":2}],"z":2}`)
	recs, err := NewSelector("data", nil).Select(body)
	if err != nil {
		t.Fatal(err)
	}
	before, after := frame(body, recs)
	if string(before) != `{"a":1,"data":[` || string(after) != `],"z":2}` {
		t.Fatalf("frame = %q, %q", before, after)
	}
	other, _ := NewSelector("data", nil).Select([]byte(string(body)))
	if before, after := frame(body, other); string(before) != string(body) || after != nil {
		t.Fatalf("records of another body: frame = %q, %q", before, after)
	}
}

// TestDupTopKey: a key written twice at the body's top level is found
// before or after the records, spelled with an escape too; a key
// repeated inside records or one level down is not the envelope's.
func TestDupTopKey(t *testing.T) {
	for _, tt := range []struct {
		body, path, want string
	}{
		{`{"next":null,"data":[{"id":1}],"next":"/p2"}`, "data", "next"},
		{`{"data":[{"id":1},{"id":2}],"links":{},"links":{"next":"/p2"}}`, "data", "links"},
		{`{"n\u0065xt":"/p2","data":[{"id":1}],"next":null}`, "data", "next"},
		{`{"data":[{"id":1,"id":2}],"meta":{"a":1,"a":2}}`, "data", ""},
		{`{"result":{"items":[{"id":1}],"next":1,"next":2}}`, "result.items", ""},
		{`{"result":{"items":[{"id":1}]},"result":{"items":[]}}`, "result.items", "result"},
	} {
		body := []byte(tt.body)
		recs, _ := NewSelector(tt.path, nil).Select(body)
		k, ok := dupTopKey(body, recs)
		if k != tt.want || ok != (tt.want != "") {
			t.Errorf("dupTopKey(%s) = %q, %v; want %q", tt.body, k, ok, tt.want)
		}
	}
}
