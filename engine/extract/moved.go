package extract

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/cespare/xxhash/v2"
	"github.com/tidwall/gjson"

	"github.com/pipe-etl/pipe/engine/rest"
)

// movedRecords finds, in one window of an incremental walk that pages by
// position, a record that comes twice with different contents. An API
// listing by a field that changes (GitHub's sort=updated) moves a record
// updated during the walk to a later page, and every record after its
// old place one place up: the one that crosses the boundary of a page
// pipe already read is on no page at all, and the cursor, at the moved
// record's new value, passes it for good. The same record twice with the
// same text (a page repeated, an insertion shifting the list the other
// way) loses nothing and is not reported; nor is a record sent again by
// an API that pages by a token (Zendesk's cursor export sends an updated
// ticket again at its new place and skips nothing).
//
// A walk pages by position when its paginator is offset or page_number,
// or when a link it follows differs from the request before it in one
// integer query parameter alone, by 1 (a page number) or by the number of
// records the page before held (an offset): GitHub's Link header carries
// page=N.
type movedRecords struct {
	pk   []string
	seen map[string]uint64 // primary key text → xxHash of the record's text

	positional int // 1 by position, -1 by token, 0 not known yet
	prev       *url.URL
	prevCount  int
}

// movedCheck returns the check of a window of a walk whose records have a
// primary key and a cursor, nil otherwise.
func (w *Walk) movedCheck() *movedRecords {
	res := w.c.Resource
	if w.tracker == nil || len(res.PrimaryKey) == 0 {
		return nil
	}
	m := &movedRecords{pk: res.PrimaryKey, seen: map[string]uint64{}}
	if t := res.Paginator.Type; t == rest.KindOffset || t == rest.KindPageNumber {
		m.positional = 1
	}
	return m
}

// page notes the request of the next page and the records of the last.
func (m *movedRecords) page(u *url.URL, records int) {
	if m.positional == 0 && m.prev != nil && u != nil {
		m.positional = -1
		if stepsByPosition(m.prev, u, m.prevCount) {
			m.positional = 1
		}
	}
	m.prev, m.prevCount = u, records
}

// stepsByPosition reports whether next differs from prev in one integer
// query parameter alone, by 1 or by n.
func stepsByPosition(prev, next *url.URL, n int) bool {
	if prev.Path != next.Path {
		return false
	}
	a, b := prev.Query(), next.Query()
	var changed []string
	for k := range b {
		if a.Get(k) != b.Get(k) {
			changed = append(changed, k)
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			changed = append(changed, k)
		}
	}
	if len(changed) != 1 {
		return false
	}
	to, err := strconv.Atoi(b.Get(changed[0]))
	if err != nil {
		return false
	}
	from := 1 // a first request without the parameter: page 1 or offset 0
	if s := a.Get(changed[0]); s != "" {
		if from, err = strconv.Atoi(s); err != nil {
			return false
		}
	} else if to == n {
		from = 0
	}
	return to-from == 1 || (n > 0 && to-from == n)
}

// check records rec and fails when its key came before with other text
// in a walk by position.
func (m *movedRecords) check(rec gjson.Result) error {
	parts := make([]string, len(m.pk))
	for i, p := range m.pk {
		parts[i] = p + "=" + rec.Get(p).Raw
	}
	key := strings.Join(parts, ", ")
	h := xxhash.Sum64String(rec.Raw)
	was, ok := m.seen[key]
	if ok && was != h && m.positional == 1 {
		return fmt.Errorf("the record %s came twice in this walk with different contents: %w (it was changed and moved to a later page, and a record after its old place may be on no page; the cursor would pass it for good), so the run stops before saving the cursor: run again, or have the API list by a field that does not change (such as the creation time) or page by a cursor token", key, rest.ErrShifted)
	}
	m.seen[key] = h
	return nil
}
