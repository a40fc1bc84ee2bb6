package rest

import (
	"fmt"

	"github.com/tidwall/gjson"
)

// searchTotalPath is where Elasticsearch and OpenSearch count the hits of
// a search: {"value": n, "relation": "eq"} is exact; "gte" says at least
// n (track_total_hits stops counting at 10,000 by default), a lower
// bound, no total.
const searchTotalPath = "hits.total.value"

// searchTotalSign is a sign of more pages in a search response whose
// exact hit count (relation "eq") is above the records read: a
// search_after walk that ends on an empty page before it has skipped
// hits, or the index changed under it.
func searchTotalSign(body []byte, reached int, skip func(string) bool) *sign {
	if reached < 0 || skip(searchTotalPath) {
		return nil
	}
	total := gjson.GetBytes(body, "hits.total")
	if !total.IsObject() || total.Get("relation").String() != "eq" {
		return nil
	}
	v := total.Get("value")
	if v.Type != gjson.Number || v.Num <= float64(reached) {
		return nil
	}
	return &sign{searchTotalPath, fmt.Sprintf("body %q is %s with relation \"eq\" (an exact count) and %d records were read", searchTotalPath, v.Raw, reached),
		"the index changed while the walk paged, or hits share their sort values: sort on a unique tiebreaker as Elasticsearch advises, and run again"}
}
