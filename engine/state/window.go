package state

import (
	"fmt"
	"strconv"
	"time"
)

// StartValue returns where an incremental chain starts: the committed
// cursor value moved back by lag, or initial when nothing is committed.
// lag moves timestamps by its duration, written in the committed value's
// layout and zone, and integers by its seconds.
func StartValue(initial, committed string, lag time.Duration) string {
	if committed == "" {
		return initial
	}
	if lag == 0 {
		return committed
	}
	if t, ok := parseInstant(committed); ok {
		return t.format(t.t.Add(-lag))
	}
	if n, err := strconv.ParseInt(committed, 10, 64); err == nil {
		return strconv.FormatInt(n-int64(lag.Seconds()), 10)
	}
	return committed
}

// Compare orders cursor values: numerically when both are numbers, by
// instant when both are ISO 8601 date-times (any zone offset, "+hh:mm" or
// "+hhmm", or none for UTC: 2024-01-01T10:00:00+02:00 is before
// 2024-01-01T09:00:00Z), else as strings.
func Compare(a, b string) int {
	return parseValue(a).compare(parseValue(b))
}

// Window is an incremental cursor window; empty values are unbounded.
type Window struct {
	Start, End string
}

// Filter returns the window's record filter, its bounds read once.
func (w Window) Filter() Filter {
	var f Filter
	if w.Start != "" {
		v := parseValue(w.Start)
		f.start = &v
	}
	if w.End != "" {
		v := parseValue(w.End)
		f.end = &v
	}
	return f
}

// Filter keeps the records whose cursor value lies in a window.
type Filter struct {
	start, end *value // nil: unbounded
}

// Keep reports whether a cursor value lies in the window: at or after
// its start and at or before its end. Records without a cursor value
// ("") are kept; records at the start that were loaded already are the
// Tracker's to tell. A value that cannot be ordered with a bound fails:
// compared as text, Xero's "/Date(1709283660000+0000)/" sorts before
// "2024-01-01T00:00:00" and every record would be filtered out. A bound
// written as text (an initial_value in param_format's layout, Jira's
// "2024-10-26 00:00") says nothing of the kind, and a date-time is
// ordered against a numeric bound in param_format's form (HubSpot's
// initial_value 0 in unix_ms) as before.
func (f Filter) Keep(v string) (bool, error) {
	if v == "" {
		return true, nil
	}
	pv := parseValue(v)
	if !pv.isAt && pv.num == nil {
		for _, b := range []*value{f.start, f.end} {
			if b != nil && (b.isAt || b.num != nil) {
				return false, fmt.Errorf("incremental.cursor_path: value %q is %s, but the window bound %q is %s: a cursor of two kinds has no order, and the filter would keep or drop records by their text (point cursor_path at a field written like initial_value, or write initial_value as the API writes the field)", v, pv.kind(), b.text, b.kind())
			}
		}
	}
	if f.start != nil && pv.compare(*f.start) < 0 {
		return false, nil
	}
	return f.end == nil || pv.compare(*f.end) <= 0, nil
}

// Windows returns the windows an incremental chain requests, in order:
// one from start to end, or, with a size, consecutive windows of that
// length from start to end (now when end is empty), each starting where
// the previous one ended. The first window starts at start as written
// and the last ends at end as written; the bounds between are written in
// start's layout and zone (its fraction digits included, so that no
// window starts before the cursor it resumes from).
func Windows(start, end string, size time.Duration, now time.Time) ([]Window, error) {
	if size <= 0 {
		return []Window{{Start: start, End: end}}, nil
	}
	from, ok := parseInstant(start)
	if !ok {
		return nil, fmt.Errorf("incremental.window needs a timestamp cursor; start value %q is not an ISO 8601 date-time", start)
	}
	to := now.UTC()
	if end != "" {
		e, ok := parseInstant(end)
		if !ok {
			return nil, fmt.Errorf("incremental.end_value %q is not an ISO 8601 date-time", end)
		}
		to = e.t
	}
	var out []Window
	for at := from.t; at.Before(to); at = at.Add(size) {
		w := Window{Start: from.format(at), End: from.format(at.Add(size))}
		if at.Equal(from.t) {
			w.Start = start
		}
		if !at.Add(size).Before(to) {
			w.End = from.format(to)
			if end != "" {
				w.End = end
			}
		}
		out = append(out, w)
	}
	return out, nil
}
