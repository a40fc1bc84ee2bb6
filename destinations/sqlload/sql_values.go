package sqlload

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

// coerce returns v as the Go type of a column of type t (see schema.Row),
// converting only where no information is lost: integers into double
// columns, anything scalar into text columns, RFC 3339 text into
// timestamp columns, any value into json columns. Errors name the types,
// never the value, which may be sensitive.
func coerce(t schema.Type, v any) (any, error) {
	// A value already of the column's Go type is returned as the same
	// interface value: re-boxing it would allocate once per value.
	switch t {
	case schema.Boolean:
		if _, ok := v.(bool); ok {
			return v, nil
		}
	case schema.Bigint:
		if _, ok := v.(int64); ok {
			return v, nil
		}
		if i, ok := asInt64(v); ok {
			return i, nil
		}
	case schema.Double:
		switch x := v.(type) {
		case float64:
			return v, nil
		case float32:
			return float64(x), nil
		}
		if i, ok := asInt64(v); ok {
			return float64(i), nil
		}
	case schema.Decimal:
		switch x := v.(type) {
		case json.Number:
			return v, nil
		case float64:
			return json.Number(schema.FormatDouble(x)), nil
		}
		if i, ok := asInt64(v); ok {
			return json.Number(strconv.FormatInt(i, 10)), nil
		}
	case schema.Text:
		if _, ok := v.(string); ok {
			return v, nil
		}
		return asText(v)
	case schema.Timestamp:
		switch x := v.(type) {
		case time.Time:
			if x.Location() == time.UTC {
				return v, nil
			}
			return x.UTC(), nil
		case string:
			ts, err := time.Parse(time.RFC3339Nano, x)
			if err != nil {
				return nil, fmt.Errorf("%w: text that is not RFC 3339 in a timestamp column", destinations.ErrTypeChange)
			}
			return ts.UTC(), nil
		}
	case schema.JSON:
		switch x := v.(type) {
		case json.RawMessage:
			return v, nil
		case []byte:
			return json.RawMessage(x), nil
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("%w: %T value in a json column: %v", destinations.ErrTypeChange, v, err)
		}
		return json.RawMessage(b), nil
	default:
		return nil, fmt.Errorf("%w: unknown column type %q", destinations.ErrTypeChange, t)
	}
	return nil, fmt.Errorf("%w: %T value in a %s column", destinations.ErrTypeChange, v, t)
}

func asInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case int32:
		return int64(x), true
	}
	return 0, false
}

// asText is the text form of a scalar written into a text column: the
// shortest decimal that round-trips for numbers (schema.FormatDouble), RFC 3339 with
// nanoseconds for timestamps, the JSON text for json.
func asText(v any) (any, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case float64:
		return schema.FormatDouble(x), nil
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano), nil
	case json.RawMessage:
		return string(x), nil
	case json.Number:
		return string(x), nil
	case []byte:
		return string(x), nil
	}
	if i, ok := asInt64(v); ok {
		return strconv.FormatInt(i, 10), nil
	}
	return nil, fmt.Errorf("%w: %T value in a text column", destinations.ErrTypeChange, v)
}

// widenable reports whether a column of type from may become type to
// along the lattice bigint -> double -> decimal -> text.
func widenable(from, to schema.Type) bool {
	switch {
	case from == schema.Bigint && (to == schema.Double || to == schema.Decimal || to == schema.Text):
		return true
	case from == schema.Double && (to == schema.Decimal || to == schema.Text):
		return true
	case from == schema.Decimal && to == schema.Text:
		return true
	}
	return false
}
