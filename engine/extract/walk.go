package extract

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/pipe-etl/pipe/engine/rest"
	"github.com/pipe-etl/pipe/engine/spec"
	"github.com/pipe-etl/pipe/engine/state"
)

// Page is what a chain's walk yields for one response: the records kept
// (filters passed, inside the incremental window, not loaded before).
type Page struct {
	Records []gjson.Result
	// Source is the response the records were kept from, with every
	// record it held (progress reads totals from it, --sample counts).
	Source *rest.Page
	url    func() string
}

// URL returns the page's request URL with secrets redacted, for errors.
func (p Page) URL() string { return p.url() }

// Walk is one request chain's walk over its pages and windows. It
// decides which records are kept and follows the chain's cursor; the
// caller consumes Pages and then asks for Cursor. A Walk is used by one
// goroutine.
type Walk struct {
	x       *Extractor
	c       Chain
	key     state.Key
	windows []state.Window
	tracker *state.Tracker // nil without incremental
	filter  bool           // client-side window filtering and boundary dedup
	// openStart and openEnd are the run's start and end values when
	// range_start or range_end is open (records at them are dropped), ""
	// otherwise.
	openStart, openEnd string
	missing            string // on_cursor_value_missing
}

// Walk starts the walk of chain c from its committed cursor (zero when
// none). now ends open incremental windows.
func (x *Extractor) Walk(c Chain, committed state.Cursor, now time.Time) (*Walk, error) {
	w := &Walk{x: x, c: c, key: c.Key(), windows: []state.Window{{}}}
	if inc := c.Resource.Incremental; inc != nil {
		w.filter = inc.ClientFilter()
		start := state.StartValue(string(inc.InitialValue), committed.Value, time.Duration(inc.Lag))
		var err error
		if w.windows, err = state.Windows(start, string(inc.EndValue), time.Duration(inc.Window), now); err != nil {
			return nil, fmt.Errorf("resource %q: %w", c.Resource.Name, err)
		}
		w.tracker = state.NewTracker(committed, w.filter)
		w.missing = inc.MissingCursor()
		if w.filter && inc.RangeStart == "open" {
			w.openStart = start
		}
		if w.filter && inc.RangeEnd == "open" {
			w.openEnd = string(inc.EndValue)
		}
	}
	return w, nil
}

// Pages yields the pages of every window of the chain in order, each
// with its kept records. With incremental windows the chain walks them
// one after the other, so its cursor covers a contiguous range.
func (w *Walk) Pages(ctx context.Context) iter.Seq2[Page, error] {
	return func(yield func(Page, error) bool) {
		res := w.c.Resource
		for i, win := range w.windows {
			if i > 0 && w.tracker != nil {
				// The window starts where the last one ended, and an API
				// that includes its bounds sends the records at it again,
				// in whatever order: they stay skipped (state.Tracker.Fence).
				w.tracker.Fence()
			}
			c := w.c
			c.Window = win
			moved := w.movedCheck()
			filter := win.Filter()
			for page, err := range w.x.pages(ctx, c) {
				if err != nil {
					yield(Page{}, err)
					return
				}
				u := page.Request.URL
				out := Page{Source: page, url: func() string { return w.x.Redactor.URL(u) }}
				if moved != nil {
					moved.page(page)
				}
				for i, rec := range page.Records {
					if !Keep(res.ProcessingSteps, rec) {
						continue
					}
					keep, err := w.cursor(rec, filter)
					if err != nil {
						yield(Page{}, fmt.Errorf("resource %q: %s: record %d: %w", res.Name, out.URL(), i+1, err))
						return
					}
					if keep && moved != nil {
						err = moved.check(rec)
					}
					if err != nil {
						yield(Page{}, fmt.Errorf("resource %q: %s: record %d: %w", res.Name, out.URL(), i+1, err))
						return
					}
					if keep {
						out.Records = append(out.Records, rec)
					}
				}
				if !yield(out, nil) {
					return
				}
			}
		}
	}
}

// cursor applies the incremental window and range to a record and
// observes its cursor; it reports whether the record is kept, and fails
// for a record without a cursor when on_cursor_value_missing is raise.
func (w *Walk) cursor(rec gjson.Result, filter state.Filter) (bool, error) {
	if w.tracker == nil {
		return true, nil
	}
	path := w.c.Resource.Incremental.CursorPath
	v := rec.Get(path)
	if !v.Exists() || v.Type == gjson.Null {
		// no cursor: it moves nothing
		switch w.missing {
		case spec.MissingExclude:
			return false, nil
		case spec.MissingRaise:
			return false, fmt.Errorf("no cursor value at %q (incremental.cursor_path) and on_cursor_value_missing is raise: set it to include or exclude to load or skip such records", path)
		}
		return true, nil
	}
	s := v.String()
	if w.filter {
		in, err := filter.Keep(s)
		if err != nil {
			return false, fmt.Errorf("cursor %q: %w", path, err)
		}
		if !in {
			return false, nil
		}
	}
	if (w.openStart != "" && state.Compare(s, w.openStart) == 0) || (w.openEnd != "" && state.Compare(s, w.openEnd) == 0) {
		return false, nil // range_start or range_end open
	}
	keep := w.tracker.Take(s, rec.Raw)
	if err := w.tracker.Err(); err != nil {
		return false, fmt.Errorf("cursor %q: %w", path, err)
	}
	return keep, nil
}

// Cursor returns the chain's cursor to save once every page was
// consumed, and false when there is none or it did not change.
func (w *Walk) Cursor() (state.Entry, bool) {
	if w.tracker == nil {
		return state.Entry{}, false
	}
	c, changed := w.tracker.Cursor()
	return state.Entry{Key: w.key, Cursor: c.String()}, changed
}

// Child returns the parent data that child chains of a kept record
// need. extra holds the record's extra root-row columns by name (its
// include_from_parent values), which grandchildren may use. The record
// is copied, so the page it came from can be freed.
func (w *Walk) Child(rec gjson.Result, extra map[string]any) *Parent {
	return &Parent{Resource: w.c.Resource.Name, Record: gjson.Parse(strings.Clone(rec.Raw)), Extra: extra, Up: w.c.Parent}
}

// Key identifies a chain for its cursor: its resource, and the parent
// fields its requests use and the list item as name=value pairs, e.g.
// "id=7f3c…".
func (c Chain) Key() state.Key {
	var parts []string
	if c.Parent != nil {
		for _, f := range c.Resource.ParentFields {
			v, _ := c.ParentField(f)
			parts = append(parts, f+"="+v.String())
		}
	}
	if c.Resource.EachVar != "" {
		parts = append(parts, "vars."+c.Resource.EachVar+"="+c.Item)
	}
	return state.Key{Resource: c.Resource.Name, ParentKey: state.ParentKey(parts)}
}

// GivenPage returns a page of records that were handed to the run rather
// than requested (a partition's share of its parent records); source
// stands for the page's URL in errors.
func GivenPage(records []gjson.Result, source string) Page {
	return Page{Records: records, url: func() string { return source }}
}
