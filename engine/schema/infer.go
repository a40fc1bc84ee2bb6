package schema

import (
	"encoding/json"
	"time"
)

// Infer returns the Type of a row value: bool is Boolean, int64 Bigint,
// float64 Double, json.Number Decimal, string Text, time.Time Timestamp and json.RawMessage
// JSON. Other integer and float kinds map like int64 and float64 so that
// callers building rows by hand are not punished, but rows handed to a
// destination should hold the canonical kinds (see Row). It returns "" for
// nil and for any other kind.
func Infer(v any) Type {
	switch v.(type) {
	case bool:
		return Boolean
	case int64, int, int32, int16, int8, uint32, uint16, uint8:
		return Bigint
	case float64, float32:
		return Double
	case json.Number:
		return Decimal
	case string:
		return Text
	case time.Time:
		return Timestamp
	case json.RawMessage:
		return JSON
	}
	return ""
}

// Valid reports whether t is one of the logical types.
func (t Type) Valid() bool {
	switch t {
	case Boolean, Bigint, Double, Decimal, Text, Timestamp, JSON:
		return true
	}
	return false
}
