package extract

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/pipe-etl/pipe/engine/spec"
)

// StartValue returns where an incremental chain starts: the committed
// cursor moved back by lag, or initial_value when nothing is committed.
func StartValue(inc *spec.Incremental, committed string) string {
	if committed == "" {
		return inc.InitialValue
	}
	if inc.Lag == 0 {
		return committed
	}
	lag := time.Duration(inc.Lag)
	if t, err := time.Parse(time.RFC3339Nano, committed); err == nil {
		return t.Add(-lag).Format(time.RFC3339Nano)
	}
	if n, err := strconv.ParseInt(committed, 10, 64); err == nil {
		return strconv.FormatInt(n-int64(lag.Seconds()), 10)
	}
	return committed
}

// Cursor tracks the largest cursor value seen in a chain's records.
type Cursor struct {
	Path string
	Max  string
}

// Observe reads the record's cursor and keeps it if it is the largest.
// It returns the record's value (empty when absent).
func (c *Cursor) Observe(rec gjson.Result) string {
	v := rec.Get(c.Path)
	if !v.Exists() || v.Type == gjson.Null {
		return ""
	}
	s := v.String()
	if c.Max == "" || Compare(s, c.Max) > 0 {
		c.Max = s
	}
	return s
}

// InWindow reports whether a cursor value lies after start and at or
// before end (empty bounds are open). Records without a cursor are kept.
func InWindow(v string, w Window) bool {
	if v == "" {
		return true
	}
	if w.Start != "" && Compare(v, w.Start) <= 0 {
		return false
	}
	if w.End != "" && Compare(v, w.End) > 0 {
		return false
	}
	return true
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

// Windows returns the windows an incremental chain requests, in order:
// one from start to end_value, or, with incremental.window, consecutive
// windows of that length from start to end_value (now when empty).
func Windows(inc *spec.Incremental, start string, now time.Time) ([]Window, error) {
	if inc.Window <= 0 {
		return []Window{{Start: start, End: inc.EndValue}}, nil
	}
	from, err := time.Parse(time.RFC3339Nano, start)
	if err != nil {
		return nil, fmt.Errorf("incremental.window needs a timestamp cursor; start value %q: %w", start, err)
	}
	to := now.UTC()
	if inc.EndValue != "" {
		if to, err = time.Parse(time.RFC3339Nano, inc.EndValue); err != nil {
			return nil, fmt.Errorf("incremental.end_value %q: %w", inc.EndValue, err)
		}
	}
	var out []Window
	for size := time.Duration(inc.Window); from.Before(to); from = from.Add(size) {
		end := from.Add(size)
		if end.After(to) {
			end = to
		}
		out = append(out, Window{Start: from.Format(time.RFC3339), End: end.Format(time.RFC3339)})
	}
	return out, nil
}
