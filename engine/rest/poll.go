package rest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// Poll asks a request again until its answer is ready: the status of a
// job the API runs in the background (Tenable's vulnerability export,
// QUEUED and PROCESSING until FINISHED) or an answer the API is still
// computing (GitHub's repository statistics, 202 Accepted with {} until
// they are cached). Only the ready answer is a page of the walk.
//
// A 202 Accepted is never ready: RFC 9110 §15.3.3 says the request "has
// been accepted for processing, but the processing has not been
// completed". Any other 2xx is ready when Until holds on its body (or
// when Until is empty). Statuses of 300 and above are the client's as
// for any request: a 429 or a 5xx is retried under client.retry, a 404
// fails the run.
type Poll struct {
	// Until is a condition read as a response_actions condition is
	// (see Condition) that holds on the body of the ready answer, such
	// as status=="FINISHED"; "" means any answer but a 202.
	Until string
	// FailIf are conditions any of which, holding on an answer, fails
	// the run: the job failed (status=="ERROR") and will not be ready.
	FailIf []string
	// Interval is the wait between two requests when the not-ready
	// answer sends no Retry-After; 0 means DefaultPollInterval.
	Interval time.Duration
	// Timeout bounds the time from the first request until the answer is
	// ready, waits and requests included; 0 means DefaultPollTimeout.
	Timeout time.Duration
}

// Poll defaults: a status request every 5 s costs 12 requests a minute,
// well within the rate limits of the APIs that answer "not yet" (GitHub
// allows 5,000 an hour, Tenable's exports are meant to be polled), and
// sees a job done within 5 s of the API; 30 minutes lets a large Tenable
// export finish (tens of chunks) and fails a job stuck in QUEUED before
// a nightly schedule's next run.
const (
	DefaultPollInterval = 5 * time.Second
	DefaultPollTimeout  = 30 * time.Minute
)

// minPollWait is the shortest wait between two polls a Retry-After may
// ask for: Retry-After: 0.001 on every answer would make a poll of 30
// minutes a million requests.
const minPollWait = time.Second

// PollSetting names endpoint.poll in error messages.
const PollSetting = "endpoint.poll"

var (
	// ErrNotReady reports an answer that was not ready within
	// poll.timeout, or whose Retry-After asks to wait past it.
	ErrNotReady = errors.New("not ready")
	// ErrJobFailed reports an answer on which a poll.fail_if condition
	// holds: the job the API runs failed.
	ErrJobFailed = errors.New("job failed")
)

// withDefaults returns p with its zero durations set to the defaults.
func (p Poll) withDefaults() Poll {
	if p.Interval <= 0 {
		p.Interval = DefaultPollInterval
	}
	if p.Timeout <= 0 {
		p.Timeout = DefaultPollTimeout
	}
	return p
}

// poll sends req until its answer is ready (see Poll), and returns that
// answer. Every request goes through do: rate limits, credentials,
// retries and response_actions apply to each. The time waited and the
// time requests took count against Timeout (so a test's Sleep that
// returns at once still times out after Timeout/Interval requests).
func (c *Client) poll(ctx context.Context, req *Request, call Call) (*Response, error) {
	p := call.Poll.withDefaults()
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	where := method + " " + c.redactor.URL(req.URL)
	var elapsed time.Duration
	for n := 1; ; n++ {
		start := time.Now()
		resp, err := c.do(ctx, req, call)
		elapsed += time.Since(start)
		if err != nil {
			return nil, err
		}
		ready, state, err := p.answer(resp)
		if err != nil {
			return nil, &pollError{err: err, msg: c.redactor.String(where + ": " + err.Error())}
		}
		if ready {
			if n > 1 {
				c.logger.Info("poll: answer ready", "request", where, "requests", n, "elapsed", elapsed.Round(time.Millisecond))
			}
			return resp, nil
		}
		state = c.redactor.String(state)
		wait, from := p.Interval, "poll.interval"
		if v := resp.Header.Get("Retry-After"); v != "" {
			if d, ok := parseRetryAfter(v, c.now()); ok && d > 0 {
				wait, from = max(d, minPollWait), "Retry-After"
			} else if !ok {
				c.logger.Warn("poll: Retry-After not understood, waiting poll.interval", "request", where, "retry_after", v, "wait", wait)
			}
		}
		if elapsed+wait > p.Timeout {
			if from == "Retry-After" {
				return nil, &pollError{err: ErrNotReady, msg: fmt.Sprintf("%s: not ready after %d request(s) in %s (the last answered %s), and its Retry-After asks to wait %s, past %s.timeout %s: raise poll.timeout if the job takes that long",
					where, n, elapsed.Round(time.Second), state, wait, PollSetting, p.Timeout)}
			}
			return nil, &pollError{err: ErrNotReady, msg: fmt.Sprintf("%s: not ready within %s.timeout %s: %d request(s) %s apart (the last answered %s); raise poll.timeout if the job takes longer",
				where, PollSetting, p.Timeout, n, wait, state)}
		}
		c.logger.Info("poll: not ready, asking again", "request", where, "answer", state, "request_number", n, "wait", wait, "wait_from", from)
		if err := c.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("%s: waiting for the answer to be ready (%s): %w", where, PollSetting, err)
		}
		elapsed += wait
	}
}

// answer reads one response of a poll: whether it is ready, what it
// said when it is not ("202 Accepted", `200 with status "PROCESSING"`),
// or an error when a fail_if condition holds or a condition cannot be
// read on it.
func (p Poll) answer(resp *Response) (bool, string, error) {
	body := bytes.TrimSpace(resp.Body)
	isJSON := len(body) > 0 && gjson.ValidBytes(body)
	for _, f := range p.FailIf {
		if !isJSON {
			continue
		}
		if err := checkCondition(body, f, "fail_if", false); err != nil {
			return false, "", err
		}
		if Condition(body, f) {
			return false, "", &pollError{err: ErrJobFailed, msg: fmt.Sprintf("%s.fail_if %s holds on the answer (%d): %s: the job failed",
				PollSetting, yamlQuote(f), resp.StatusCode, fieldText(body, f))}
		}
	}
	if resp.StatusCode == http.StatusAccepted {
		return false, "202 Accepted", nil
	}
	if p.Until == "" {
		return true, "", nil
	}
	if !isJSON {
		what := "is not JSON"
		if len(body) == 0 {
			what = "is empty"
		}
		return false, "", &pollError{err: ErrNotReady, msg: fmt.Sprintf("the answer (%d, Content-Type %q) %s, so %s.until %s cannot be read on it",
			resp.StatusCode, resp.Header.Get("Content-Type"), what, PollSetting, yamlQuote(p.Until))}
	}
	if err := checkCondition(body, p.Until, "until", true); err != nil {
		return false, "", err
	}
	if Condition(body, p.Until) {
		return true, "", nil
	}
	return false, fmt.Sprintf("%d with %s", resp.StatusCode, fieldText(body, p.Until)), nil
}

// pollError is an error of a poll whose text is complete, wrapping a
// sentinel.
type pollError struct {
	err error
	msg string
}

func (e *pollError) Error() string { return e.msg }
func (e *pollError) Unwrap() error { return e.err }

// cond is a condition split into its path, operator and literal:
// status=="FINISHED" is {status, ==, "FINISHED"}; a bare path has no
// operator.
type cond struct {
	path, op, lit string
}

// parseCondition splits a gjson condition at its first operator.
func parseCondition(c string) cond {
	i := strings.IndexAny(c, "=!<>%")
	if i < 0 {
		return cond{path: strings.TrimSpace(c)}
	}
	j := i
	for j < len(c) && strings.ContainsRune("=!<>%", rune(c[j])) {
		j++
	}
	return cond{path: strings.TrimSpace(c[:i]), op: c[i:j], lit: strings.TrimSpace(c[j:])}
}

// litKind is the JSON kind the literal of a comparison is: "string",
// "number", "boolean", or "" when it says nothing of the field's kind
// (null, or a literal gjson reads otherwise).
func (c cond) litKind() string {
	switch {
	case c.op == "%" || c.op == "!%":
		return "string" // a pattern matches text only
	case strings.HasPrefix(c.lit, `"`):
		return "string"
	case c.lit == "true" || c.lit == "false":
		return "boolean"
	}
	if _, err := strconv.ParseFloat(c.lit, 64); err == nil {
		return "number"
	}
	return ""
}

// checkCondition fails when cond could never hold, or never stop
// holding, for a reason the answer shows: the field a comparison reads
// holds a value of another JSON kind than its literal (status=="FINISHED"
// on a status 3), or, when needField, is not in the answer at all (a
// misspelled path that would poll until the timeout).
func checkCondition(body []byte, c, setting string, needField bool) error {
	pc := parseCondition(c)
	if pc.op == "" || pc.path == "" {
		return nil // a bare path: missing reads as false
	}
	v := gjson.GetBytes(body, pc.path)
	if !v.Exists() {
		if !needField {
			return nil
		}
		return &pollError{err: ErrNotReady, msg: fmt.Sprintf("%s.%s %s: the answer has no %q (it holds %s), so the condition could never hold: check the path (a bare path, such as %s, reads a missing field as false)",
			PollSetting, setting, yamlQuote(c), pc.path, keysOf(body), pc.path)}
	}
	want := pc.litKind()
	if want == "" || v.Type == gjson.Null {
		return nil
	}
	if got := kind(v); got != want {
		return &pollError{err: ErrNotReady, msg: fmt.Sprintf("%s.%s %s compares %q with a %s, but the answer's %q is %s: the condition could never hold, or never stop holding",
			PollSetting, setting, yamlQuote(c), pc.path, want, pc.path, kindText(v))}
	}
	return nil
}

// fieldText shows the value the condition c reads on body: `status is
// "ERROR"`, or the body's keys when the field is not there.
func fieldText(body []byte, c string) string {
	pc := parseCondition(c)
	v := gjson.GetBytes(body, pc.path)
	if !v.Exists() {
		return fmt.Sprintf("no %q (the answer holds %s)", pc.path, keysOf(body))
	}
	raw := v.Raw
	if len(raw) > 80 {
		raw = raw[:80] + "…"
	}
	return pc.path + " " + raw
}

// pollMore is the error of a polled answer that leads to another page:
// poll reads one answer, so the pages after it would be asked without
// polling, and a walk that stops there would end short.
func pollMore(next string) error {
	return fmt.Errorf("the ready answer leads to another page (%s), and %s reads one answer: load the job's pages from a child resource of this one (its path taken from this answer), or set paginator: single_page if the sign of more pages is false", next, PollSetting)
}

// accepted refuses a 202 Accepted that no poll or response_actions rule
// handled: the API has not finished preparing its answer (GitHub's
// statistics answer 202 with {} while they are computed), and loading
// it as it is would load nothing, or a part, with exit 0. A 202 that
// answers a request other than GET with records (a job a POST started,
// described) is loaded as any answer is; so is one a response_actions
// load rule accepts.
func (w *walk) accepted(req *Request, resp *Response) error {
	if resp.StatusCode != http.StatusAccepted || w.call.Poll != nil || resp.Loaded {
		return nil
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	if method != http.MethodGet && method != http.MethodHead {
		if recs, err := w.sel.Select(resp.Body); err == nil && len(recs) > 0 {
			return nil
		}
	}
	body := strings.TrimSpace(snippet([]byte(w.c.redactor.String(string(resp.Body[:min(len(resp.Body), 1024)]))), 64))
	if body == "" {
		body = "an empty body"
	}
	return fmt.Errorf("202 Accepted (%s): the API accepted the request but has not finished preparing its answer, so there is nothing complete to load: set %s (GitHub's statistics: poll: {interval: 5s, timeout: 10m}) to ask again until it is ready, or a response_actions rule {status_code: 202, action: retry} (or ignore, or load) for an API whose 202 means something else", body, PollSetting)
}
