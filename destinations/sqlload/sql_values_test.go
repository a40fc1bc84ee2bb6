package sqlload

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

func TestCoerce(t *testing.T) {
	ts := time.Date(2024, 1, 2, 3, 4, 5, 6, time.FixedZone("X", 3600))
	for _, c := range []struct {
		typ  schema.Type
		in   any
		want any // nil: an destinations.ErrTypeChange
	}{
		{schema.Boolean, true, true},
		{schema.Boolean, int64(1), nil},
		{schema.Bigint, int64(-5), int64(-5)},
		{schema.Bigint, 7, int64(7)},
		{schema.Bigint, 1.5, nil},
		{schema.Double, 1.5, 1.5},
		{schema.Double, int64(3), 3.0},
		{schema.Double, "1.5", nil},
		{schema.Text, "s", "s"},
		{schema.Text, int64(42), "42"},
		{schema.Text, 42.0, "42"},
		{schema.Text, 0.1, "0.1"},
		{schema.Text, 1e21, "1e+21"},
		{schema.Text, 123456789.0, "123456789"},
		{schema.Text, true, "true"},
		{schema.Text, ts, "2024-01-02T02:04:05.000000006Z"},
		{schema.Text, json.RawMessage(`{"a":1}`), `{"a":1}`},
		{schema.Text, map[string]any{}, nil},
		{schema.Timestamp, ts, ts.UTC()},
		{schema.Timestamp, "2024-01-02T03:04:05+01:00", time.Date(2024, 1, 2, 2, 4, 5, 0, time.UTC)},
		{schema.Timestamp, "yesterday", nil},
		{schema.JSON, json.RawMessage(`[1]`), json.RawMessage(`[1]`)},
		{schema.JSON, "x", json.RawMessage(`"x"`)},
		{schema.JSON, math.Inf(1), nil},
		{"uuid", "x", nil},
	} {
		got, err := coerce(c.typ, c.in)
		if c.want == nil {
			if !errors.Is(err, destinations.ErrTypeChange) {
				t.Errorf("coerce(%s, %#v) = %#v, %v; want destinations.ErrTypeChange", c.typ, c.in, got, err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("coerce(%s, %#v) = %#v, %v; want %#v", c.typ, c.in, got, err, c.want)
		}
	}
}

func TestWidenable(t *testing.T) {
	for _, c := range []struct {
		from, to schema.Type
		want     bool
	}{
		{schema.Bigint, schema.Double, true},
		{schema.Bigint, schema.Text, true},
		{schema.Double, schema.Text, true},
		{schema.Double, schema.Bigint, false},
		{schema.Text, schema.Double, false},
		{schema.Boolean, schema.Text, false},
		{schema.Timestamp, schema.Text, false},
	} {
		if got := widenable(c.from, c.to); got != c.want {
			t.Errorf("widenable(%s, %s) = %v", c.from, c.to, got)
		}
	}
}

// TestCoerceSameTypeNoAlloc checks that a value already of its column's
// Go type passes through coerce without being boxed again.
func TestCoerceSameTypeNoAlloc(t *testing.T) {
	for _, c := range []struct {
		typ schema.Type
		in  any
	}{
		{schema.Boolean, true},
		{schema.Bigint, int64(123456)},
		{schema.Double, 1.5},
		{schema.Text, "some text"},
		{schema.Timestamp, time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)},
		{schema.JSON, json.RawMessage(`[1]`)},
	} {
		if n := testing.AllocsPerRun(100, func() { _, _ = coerce(c.typ, c.in) }); n != 0 {
			t.Errorf("coerce(%s, %T) allocates %v times, want 0", c.typ, c.in, n)
		}
	}
}
