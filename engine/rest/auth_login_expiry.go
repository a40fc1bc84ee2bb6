package rest

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// Epoch numbers at expires_at_path are seconds below epochMillisFrom and
// milliseconds from it up to epochMillisTo. 1e11 seconds is the year 5138,
// so no expiry written in seconds is that large, while 1e11 milliseconds is
// 1973, so none written in milliseconds (Jamf's old /uapi/auth/tokens
// answered "expires" so) is smaller; 1e14 milliseconds is the year 5138
// again: a larger number is in micro- or nanoseconds, which pipe does not
// guess.
const (
	epochMillisFrom = 1e11
	epochMillisTo   = 1e14
)

// expiresAtWant says what expires_at_path reads, for its errors.
const expiresAtWant = "want an RFC 3339 date-time (2024-02-29T18:54:05.123Z, or with an offset such as +01:00) or epoch seconds or milliseconds"

// expiresAtKeep is the advice of every expires_at_path error: the
// setting that would run without the value.
const expiresAtKeep = "leave expires_at_path out to keep the token until a 401"

// zonelessLayout is a date-time without a UTC offset, which names no
// instant; RFC 3339 requires the offset.
const zonelessLayout = "2006-01-02T15:04:05"

// parseExpiresAt reads an absolute expiry: a string holding an RFC 3339
// date-time (fraction and offset as RFC 3339 allows: Z or ±hh:mm), or a
// number or string of digits holding epoch seconds (below 1e11, fraction
// allowed) or milliseconds (from 1e11 to 1e14). ok is false, with why
// saying what the value is instead, for any other value.
func parseExpiresAt(v gjson.Result) (at time.Time, why string, ok bool) {
	switch v.Type {
	case gjson.Number:
		return epochAt(v.Num)
	case gjson.String:
		s := strings.TrimSpace(v.Str)
		if n, err := strconv.ParseFloat(s, 64); err == nil && isDecimal(s) {
			return epochAt(n)
		}
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t, "", true
		}
		if _, err := time.Parse(zonelessLayout, trimFraction(s)); err == nil {
			return time.Time{}, "a date-time without a UTC offset (Z or ±hh:mm), which names no instant", false
		}
	}
	return time.Time{}, "", false
}

// epochAt reads n as epoch seconds or milliseconds (see epochMillisFrom).
func epochAt(n float64) (time.Time, string, bool) {
	switch {
	case math.IsNaN(n) || math.IsInf(n, 0) || n < 0:
		return time.Time{}, "", false
	case n < epochMillisFrom:
		sec, frac := math.Modf(n)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), "", true
	case n < epochMillisTo:
		return time.UnixMilli(int64(n)).UTC(), "", true
	}
	return time.Time{}, "a number too large for epoch milliseconds (micro- or nanoseconds are not read)", false
}

// isDecimal reports whether s is digits with at most one decimal point,
// so that "1e3", "Inf" or "0x1p3", which ParseFloat reads, are not epochs.
func isDecimal(s string) bool {
	if s == "" || s == "." {
		return false
	}
	dot := false
	for _, c := range s {
		switch {
		case c == '.' && !dot:
			dot = true
		case c < '0' || c > '9':
			return false
		}
	}
	return true
}

// trimFraction drops a fraction of a second after a zoneless date-time.
func trimFraction(s string) string {
	if i := strings.LastIndexByte(s, '.'); i >= len(zonelessLayout) {
		return s[:i]
	}
	return s
}

// isDateTime reports whether v is a string holding a date-time, zoned or
// not: what expires_at_path reads.
func isDateTime(v gjson.Result) bool {
	if v.Type != gjson.String {
		return false
	}
	_, why, ok := parseExpiresAt(v)
	return (ok || why != "") && !isDecimal(strings.TrimSpace(v.Str))
}

// expiresAtLifetime is how long a token whose reply holds v at
// expires_at_path (path) lives from now. A value it cannot read, or a time
// not after now, is an error naming path, the value (an expiry, not a
// credential) and the setting; red hides anything registered as a secret
// in case the path points at one.
func expiresAtLifetime(red *Redactor, path string, v gjson.Result, now time.Time) (time.Duration, error) {
	at, why, ok := parseExpiresAt(v)
	if !ok {
		if why == "" {
			why = expiresAtWant
		} else {
			why += "; " + expiresAtWant
		}
		return 0, fmt.Errorf("expires_at_path %q is %s: %s; %s", path, redactedKindText(red, v), why, expiresAtKeep)
	}
	left := at.Sub(now)
	if left <= 0 {
		return 0, fmt.Errorf("expires_at_path %q is %s, %s in the past by this machine's clock (%s): the token would be expired before its first use; check the clock, or %s",
			path, redactedKindText(red, v), roundAgo(-left), now.UTC().Format(time.RFC3339), expiresAtKeep)
	}
	return left, nil
}

// redactedKindText is kindText with any registered secret in the value
// hidden: an expiry path written on the token's own path must not show it.
func redactedKindText(red *Redactor, v gjson.Result) string {
	return kind(v) + " " + red.String(strings.TrimPrefix(kindText(v), kind(v)+" "))
}

// roundAgo rounds how long ago an expiry was to the second, or to the
// millisecond below a second.
func roundAgo(d time.Duration) time.Duration {
	if d >= time.Second {
		return d.Round(time.Second)
	}
	return d.Round(time.Millisecond)
}
