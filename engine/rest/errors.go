package rest

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// Sentinel errors, matched with errors.Is.
var (
	// ErrPartial reports a page whose records come beside an error the
	// body reports, or whose body says it may lack records (a search
	// that timed out): the API answered in part.
	ErrPartial = errors.New("partial answer")
	// ErrUnauthorized reports a 401 that a refresh of the credentials did
	// not cure (or that no Refresher could try to cure).
	ErrUnauthorized = errors.New("unauthorized")
	// ErrIgnored reports that a response_action "ignore" matched: the caller
	// skips this request chain quietly. It is not a failure.
	ErrIgnored = errors.New("response ignored by response_actions")
	// ErrLoop reports a paginator going round in circles: the same next
	// link or cursor twice, or a page identical to the previous one.
	ErrLoop = errors.New("pagination loop")
)

// maxBodySnippet bounds the response body quoted in an HTTPError.
const maxBodySnippet = 512

// HTTPError is a response the client gave up on: a status it does not
// retry, a status it retried MaxAttempts times, or a response_action
// "fail". URL and Body are redacted. A 401 unwraps to ErrUnauthorized.
type HTTPError struct {
	Method     string
	URL        string // redacted
	StatusCode int
	Status     string // "429 Too Many Requests"
	Body       string // first 512 bytes, redacted, on one line
	Attempts   int
	// RedirectedTo is the redacted URL that answered, when the request
	// was redirected there; Foreign says it is another origin, to which
	// the client sent no credential.
	RedirectedTo string
	Foreign      bool
	// Rule is the response_actions rule that asked for the retries of an
	// answer pipe would otherwise take (a 200), as the spec writes it.
	Rule string
}

// Error reads `GET https://host/path?q=1: 429 Too Many Requests: {...}
// (after 5 attempts) of client.retry.max_attempts`.
func (e *HTTPError) Error() string {
	var b strings.Builder
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.URL)
	b.WriteString(": ")
	if e.RedirectedTo != "" {
		b.WriteString("redirected to ")
		b.WriteString(e.RedirectedTo)
		if e.Foreign {
			b.WriteString(" (another origin: no credential was sent there; if it is the API's own host, make it client.base_url)")
		}
		b.WriteString(", which answered ")
	}
	b.WriteString(e.Status)
	if e.Body != "" {
		b.WriteString(": ")
		b.WriteString(e.Body)
	}
	if e.Rule != "" {
		b.WriteString(" (retried as response_actions ")
		b.WriteString(e.Rule)
		b.WriteString(" asks)")
	}
	b.WriteString(afterAttempts(e.Attempts))
	return b.String()
}

// Unwrap returns ErrUnauthorized for a 401 and nil otherwise.
func (e *HTTPError) Unwrap() error {
	if e.StatusCode == http.StatusUnauthorized {
		return ErrUnauthorized
	}
	return nil
}

// MaxAttemptsSetting names the setting that bounds the tries of a
// request, for error messages.
const MaxAttemptsSetting = "client.retry.max_attempts"

// afterAttempts is the end of the error of a request tried n times: how
// many, and the setting that allows more.
func afterAttempts(n int) string {
	if n <= 1 {
		return ""
	}
	return fmt.Sprintf(" (after %d attempts) of %s", n, MaxAttemptsSetting)
}

func retryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, statusEnhanceYourCalm, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// statusEnhanceYourCalm is 420, no HTTP status but the rate limit answer
// of Twitter's first API and of Atlassian Statuspage, with Retry-After.
const statusEnhanceYourCalm = 420

// statusText renders "429 Too Many Requests" even for codes net/http does
// not name.
func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return fmt.Sprintf("%d %s", code, t)
	}
	return fmt.Sprintf("%d", code)
}

// snippet returns the start of body on one line, cut at a rune boundary.
func snippet(body []byte, n int) string {
	s := body
	cut := false
	if len(s) > n {
		s, cut = s[:n], true
		for len(s) > 0 && !utf8.Valid(s) {
			s = s[:len(s)-1]
		}
	}
	out := strings.Join(strings.Fields(string(s)), " ")
	if cut {
		out += "…"
	}
	return out
}

// transportError is a request that got no response: connection refused,
// reset, timed out. Its text is redacted; it unwraps to the cause.
type transportError struct {
	method, url string
	msg         string // the redacted cause
	attempts    int
	err         error
	// final is a cause no later attempt can get past (finalCause): the
	// request is not retried.
	final bool
}

func (e *transportError) Error() string {
	s := e.method + " " + e.url + ": " + e.msg
	return s + afterAttempts(e.attempts)
}

func (e *transportError) Unwrap() error { return e.err }

// busyError is a token endpoint's answer that a later attempt may get
// past (429 or a retryable 5xx), with the wait its Retry-After (or
// rate-limit reset) asks for: Client.do retries the request that needed
// the token under client.retry, as it does a busy API.
type busyError struct {
	err  error
	wait time.Duration // 0: the client's backoff
	from string        // the header that set wait
}

func (e *busyError) Error() string { return e.err.Error() }
func (e *busyError) Unwrap() error { return e.err }

// tokenBusy wraps err as a busyError when status and header say a token
// endpoint is busy, else returns it as it is.
func tokenBusy(err error, status int, h http.Header, now time.Time) error {
	r := &Response{StatusCode: status, Header: h}
	if !retryableStatus(status) && !rateLimited(r) {
		return err
	}
	wait, from := serverWait(r, now)
	return &busyError{err: err, wait: wait, from: from}
}
