package state

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// StartValue returns where an incremental chain starts: the committed
// cursor value moved back by lag, or initial when nothing is committed.
// lag moves timestamps by its duration and integers by its seconds.
func StartValue(initial, committed string, lag time.Duration) string {
	if committed == "" {
		return initial
	}
	if lag == 0 {
		return committed
	}
	if t, err := time.Parse(time.RFC3339Nano, committed); err == nil {
		return t.Add(-lag).Format(time.RFC3339Nano)
	}
	if n, err := strconv.ParseInt(committed, 10, 64); err == nil {
		return strconv.FormatInt(n-int64(lag.Seconds()), 10)
	}
	return committed
}

// Compare orders cursor values: numerically when both are numbers, by
// instant when both are RFC 3339 timestamps, else as strings.
func Compare(a, b string) int {
	if x, ok := new(big.Float).SetString(a); ok {
		if y, ok := new(big.Float).SetString(b); ok {
			return x.Cmp(y)
		}
	}
	if x, err := time.Parse(time.RFC3339Nano, a); err == nil {
		if y, err := time.Parse(time.RFC3339Nano, b); err == nil {
			return x.Compare(y)
		}
	}
	return strings.Compare(a, b)
}

// Window is an incremental cursor window; empty values are unbounded.
type Window struct {
	Start, End string
}

// Contains reports whether a cursor value lies in the window: at or
// after its start and at or before its end. Records without a cursor
// value ("") are kept. Records at the start that were loaded already are
// the Tracker's to tell.
func (w Window) Contains(v string) bool {
	if v == "" {
		return true
	}
	if w.Start != "" && Compare(v, w.Start) < 0 {
		return false
	}
	return w.End == "" || Compare(v, w.End) <= 0
}

// Windows returns the windows an incremental chain requests, in order:
// one from start to end, or, with a size, consecutive windows of that
// length from start to end (now when end is empty), each starting where
// the previous one ended.
func Windows(start, end string, size time.Duration, now time.Time) ([]Window, error) {
	if size <= 0 {
		return []Window{{Start: start, End: end}}, nil
	}
	from, err := time.Parse(time.RFC3339Nano, start)
	if err != nil {
		return nil, fmt.Errorf("incremental.window needs a timestamp cursor; start value %q: %w", start, err)
	}
	to := now.UTC()
	if end != "" {
		if to, err = time.Parse(time.RFC3339Nano, end); err != nil {
			return nil, fmt.Errorf("incremental.end_value %q: %w", end, err)
		}
	}
	var out []Window
	for ; from.Before(to); from = from.Add(size) {
		e := from.Add(size)
		if e.After(to) {
			e = to
		}
		out = append(out, Window{Start: from.Format(time.RFC3339), End: e.Format(time.RFC3339)})
	}
	return out, nil
}
