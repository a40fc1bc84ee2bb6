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
			err := incomplete([]byte(tt.body), tt.path)
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
