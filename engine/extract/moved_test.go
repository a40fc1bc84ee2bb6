package extract

import (
	"net/url"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
)

// TestStepsByPosition: which next links page by position (a page number
// or an offset) and which by a token or a time.
func TestStepsByPosition(t *testing.T) {
	for _, c := range []struct {
		prev, next string
		n          int
		want       bool
	}{
		{"/issues?per_page=2&sort=updated", "/issues?page=2&per_page=2&sort=updated", 2, true}, // GitHub: page 1 implied
		{"/issues?page=2&per_page=2", "/issues?page=3&per_page=2", 2, true},
		{"/items?limit=100", "/items?limit=100&offset=100", 100, true},
		{"/items?limit=100&offset=100", "/items?limit=100&offset=200", 100, true},
		{"/items?limit=100&offset=100", "/items?limit=100&offset=200", 37, false}, // a jump, not a page
		{"/export.json?cursor=MTcw", "/export.json?cursor=MTcx", 100, false},      // Zendesk: a token
		{"/v1/events?limit=10", "/v1/events?limit=10&starting_after=evt_9", 10, false},
		{"/export.json?start_time=1700000000", "/export.json?start_time=1700000381", 100, false}, // a time
		{"/issues?page=2&state=open", "/issues?page=3&state=closed", 2, false},                   // two changes
		{"/a?page=1", "/b?page=2", 2, false},
	} {
		prev, _ := url.Parse(c.prev)
		next, _ := url.Parse(c.next)
		a, b := newPageRequest(&rest.Request{URL: prev}), newPageRequest(&rest.Request{URL: next})
		if got := a.path == b.path && rest.StepsByPosition(a.params, b.params, c.n); got != c.want {
			t.Errorf("%s → %s (%d records): %v, want %v", c.prev, c.next, c.n, got, c.want)
		}
	}
}

// TestStepsByPositionInBody: an offset in a JSON body (HubSpot's search
// "after") pages by position; a token there does not.
func TestStepsByPositionInBody(t *testing.T) {
	u, _ := url.Parse("/crm/v3/objects/contacts/search")
	body := func(after any) any {
		b := map[string]any{"limit": 2.0, "filterGroups": []any{map[string]any{"filters": []any{map[string]any{"value": "0"}}}}}
		if after != nil {
			b["after"] = after
		}
		return b
	}
	for _, c := range []struct {
		prev, next any
		want       bool
	}{
		{nil, "2", true},
		{"2", "4", true},
		{"2", "NTI1Cg==", false},
	} {
		a, b := newPageRequest(&rest.Request{URL: u, JSON: body(c.prev)}), newPageRequest(&rest.Request{URL: u, JSON: body(c.next)})
		if got := rest.StepsByPosition(a.params, b.params, 2); got != c.want {
			t.Errorf("after %v → %v: %v, want %v", c.prev, c.next, got, c.want)
		}
	}
}
