package rest

import (
	"context"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxServerWait is how long the client honours a server's request to wait
// (Retry-After, rate limit reset) even beyond MaxBackoff; a longer request
// fails the call rather than stalling a run for hours.
const maxServerWait = 5 * time.Minute

// backoff returns the wait before retry number attempt (1-based): full
// jitter over an exponential ceiling, capped at MaxBackoff.
func (c *Client) backoff(attempt int) time.Duration {
	ceil := c.initialBackoff
	for i := 1; i < attempt && ceil < c.maxBackoff; i++ {
		ceil *= 2
	}
	ceil = min(ceil, c.maxBackoff)
	return c.jitter(ceil)
}

// fullJitter returns a uniformly random duration in [0, ceil].
func fullJitter(ceil time.Duration) time.Duration {
	if ceil <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(ceil) + 1))
}

// rateLimited reports a rate limit answer: a 429, or a 403 that says it
// is one, as GitHub's do (docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api:
// "403 or 429" with x-ratelimit-remaining 0, or with Retry-After for a
// secondary limit). Any other 403 is a refusal, not retried.
func rateLimited(resp *Response) bool {
	switch resp.StatusCode {
	case http.StatusTooManyRequests, statusEnhanceYourCalm:
		return true
	case http.StatusForbidden:
		h := resp.Header
		return h.Get("Retry-After") != "" || strings.TrimSpace(h.Get("X-RateLimit-Remaining")) == "0" ||
			strings.TrimSpace(h.Get("X-Rate-Limit-Remaining")) == "0" || strings.TrimSpace(h.Get("RateLimit-Remaining")) == "0"
	}
	return false
}

// remainingZero reports a rate limit header saying no request is left.
// On an answer pipe retries whatever its status (a response_actions retry
// of GitHub GraphQL's 200 with x-ratelimit-remaining 0 and an error of
// type RATE_LIMITED), the reset beside it says when to ask again.
func remainingZero(h http.Header) bool {
	for _, k := range []string{"X-RateLimit-Remaining", "X-Rate-Limit-Remaining", "RateLimit-Remaining"} {
		if strings.TrimSpace(h.Get(k)) == "0" {
			return true
		}
	}
	return false
}

// serverWait reads how long the server asks the client to wait:
// Retry-After (seconds, an HTTP-date or an RFC 3339 time) on any
// response; X-RateLimit-Reset, X-Rate-Limit-Reset (Okta's spelling) and
// RateLimit-Reset (seconds to wait, or a Unix time when above 1e9) and
// X-RateLimit-Reset-After (Discord's seconds) on a rate limit answer
// (see rateLimited), and when none of them says when, Opsgenie's
// X-RateLimit-Period-In-Sec. It returns the longest wait asked and the header
// that asked it. A wait too long for a time.Duration is the longest one,
// so that the caller refuses it.
func serverWait(resp *Response, now time.Time) (time.Duration, string) {
	var wait time.Duration
	var from string
	consider := func(name string, d time.Duration, ok bool) {
		if ok && d > wait {
			wait, from = d, name
		}
	}
	if v := resp.Header.Get("Retry-After"); v != "" {
		d, ok := parseRetryAfter(v, now)
		consider("Retry-After", d, ok)
	}
	if rateLimited(resp) || remainingZero(resp.Header) {
		for _, h := range []string{"X-RateLimit-Reset", "X-Rate-Limit-Reset", "RateLimit-Reset"} {
			if v := resp.Header.Get(h); v != "" {
				d, ok := parseReset(v, now)
				consider(h, d, ok)
			}
		}
		// BigCommerce's milliseconds to wait, with no Retry-After.
		if v := resp.Header.Get("X-Rate-Limit-Time-Reset-Ms"); v != "" {
			ms, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			consider("X-Rate-Limit-Time-Reset-Ms", seconds(ms/1000), err == nil && ms >= 0)
		}
		// Discord's seconds to wait, a float, beside its reset time.
		if v := resp.Header.Get("X-RateLimit-Reset-After"); v != "" {
			secs, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			consider("X-RateLimit-Reset-After", seconds(secs), err == nil && secs >= 0)
		}
		// Opsgenie's throttled answer names only the length of its
		// window, which ends within that many seconds: waited out when
		// nothing else says when.
		if v := resp.Header.Get("X-RateLimit-Period-In-Sec"); v != "" && wait == 0 {
			secs, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			consider("X-RateLimit-Period-In-Sec", seconds(secs), err == nil && secs >= 0)
		}
	}
	return wait, from
}

func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		return seconds(secs), secs >= 0
	}
	t, err := http.ParseTime(v)
	if err != nil {
		// Not RFC 9110's HTTP date, but a date all the same: Zoom's daily
		// limit sends the next midnight in RFC 3339.
		if t, err = time.Parse(time.RFC3339, v); err != nil {
			return 0, false
		}
	}
	return max(t.Sub(now), 0), true
}

func parseReset(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if at, err := time.Parse(time.RFC3339, v); err == nil {
		// Atlassian's "next period reset time (ISO 8601)"
		return max(at.Sub(now), 0), true
	}
	secs, err := strconv.ParseFloat(v, 64)
	if err != nil || secs < 0 {
		return 0, false
	}
	if secs > 1e9 {
		sec, frac := math.Modf(min(secs, math.MaxInt64/2))
		return max(time.Unix(int64(sec), int64(frac*1e9)).Sub(now), 0), true
	}
	return seconds(secs), true
}

// seconds converts s seconds to a Duration, the longest one when s is
// beyond it (a float conversion past int64 would wrap to a negative wait).
func seconds(s float64) time.Duration {
	if s >= float64(math.MaxInt64)/float64(time.Second) {
		return math.MaxInt64
	}
	return time.Duration(s * float64(time.Second))
}

// sleepCtx waits d or until ctx is done, whichever comes first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
