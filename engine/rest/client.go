package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tidwall/gjson"
	"golang.org/x/time/rate"
)

// Options configures a Client. Zero values take the defaults named.
type Options struct {
	// HTTPClient sends requests; nil means a tuned default (keep-alive,
	// MaxIdleConnsPerHost 16, gzip negotiated by net/http). Its own Timeout
	// should be zero: the client bounds each attempt with Timeout.
	HTTPClient *http.Client
	// Limiter is the client-wide request budget (client.rate_limit); the
	// client waits on it before every attempt, retries included. Nil means
	// unlimited.
	Limiter        *rate.Limiter
	MaxAttempts    int           // tries per request, default 5
	InitialBackoff time.Duration // ceiling of the first retry's wait, default 1s
	MaxBackoff     time.Duration // ceiling of any computed wait, default 60s
	Timeout        time.Duration // per attempt, headers and body, default 60s
	// Redactor receives every secret authenticators apply and cleans URLs
	// and bodies in errors and logs; nil means a new empty one.
	Redactor  *Redactor
	Logger    *slog.Logger // nil discards
	UserAgent string       // default "pipe"
	// Sleep waits between attempts; nil means a timer that returns early
	// with ctx.Err() when ctx is done. Tests inject one that records.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock used to read Retry-After dates and rate limit
	// resets; nil means time.Now.
	Now func() time.Time
	// MaxInFlight bounds the HTTP requests in flight at once across every
	// chain sharing the client (client.concurrency); 0 means no bound.
	MaxInFlight int
	// Scope is the set of origins requests and redirects may go to; a
	// request elsewhere fails before it is authenticated or sent. Nil
	// allows every origin (callers that build requests themselves only).
	Scope *Scope
	// MaxResponseBytes bounds a response body after decompression
	// (client.max_response_bytes); 0 means DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// Shared is a request budget shared with other processes, waited on
	// after Limiter before every attempt; nil means none.
	Shared SharedBudget
}

// SharedBudget is a request budget that several processes share, such
// as the workers of a partitioned run (internal/jobs keeps one in
// Postgres). The Client calls Wait before every attempt and SlowDown
// after each 429, from many goroutines at once.
type SharedBudget interface {
	// Wait blocks until the budget allows one more request to host, or
	// ctx is done (then it returns ctx's error).
	Wait(ctx context.Context, host string) error
	// SlowDown tells the budget that host answered 429 despite it, so
	// that every process sharing it slows down.
	SlowDown(ctx context.Context, host string)
}

// DefaultMaxResponseBytes is the largest response body read when
// Options.MaxResponseBytes is 0: 100 MiB.
const DefaultMaxResponseBytes = 100 << 20

// Client sends requests with retries, backoff, rate limits, credentials
// and response actions. It is safe for concurrent use; share one per spec.
type Client struct {
	hc             *http.Client
	limiter        *rate.Limiter
	maxAttempts    int
	initialBackoff time.Duration
	maxBackoff     time.Duration
	timeout        time.Duration
	redactor       *Redactor
	logger         *slog.Logger
	userAgent      string
	sleep          func(context.Context, time.Duration) error
	now            func() time.Time
	jitter         func(time.Duration) time.Duration
	inFlight       chan struct{} // nil: unbounded
	scope          *Scope
	maxBody        int64
	shared         SharedBudget
}

// Call is what one request chain adds to a request: where errors come
// from, how to authenticate, an extra rate limit, response actions.
type Call struct {
	Resource string        // prefixes errors: resource "issues": ...
	Auth     Authenticator // may be nil
	Limiter  *rate.Limiter // endpoint-level budget (endpoint.rate_limit), may be nil
	Actions  []ResponseAction
	// Waiting, if set, is called when an attempt must wait for a rate
	// limiter, and the func it returns when that wait ends: progress shows
	// the wall time during which some request of a resource waited.
	Waiting func() (done func())
	// Observed, if set, is told of every attempt once it got a response
	// or failed to; it is called from the goroutine that sent it.
	Observed func(Attempt)
	// StopAfter, if above 0, ends a page walk after that many pages
	// without requesting the next (pipe run --sample).
	StopAfter int
	// Poll, if set, asks a walk's first request again until its answer
	// is ready (endpoint.poll); the walk then reads that answer alone.
	Poll *Poll
}

// NewClient returns a Client with o's settings and defaults.
func NewClient(o Options) *Client {
	c := &Client{
		hc:             o.HTTPClient,
		limiter:        o.Limiter,
		maxAttempts:    o.MaxAttempts,
		initialBackoff: o.InitialBackoff,
		maxBackoff:     o.MaxBackoff,
		timeout:        o.Timeout,
		redactor:       o.Redactor,
		logger:         o.Logger,
		userAgent:      o.UserAgent,
		sleep:          o.Sleep,
		now:            o.Now,
		jitter:         fullJitter,
		shared:         o.Shared,
		scope:          o.Scope,
		maxBody:        o.MaxResponseBytes,
	}
	if c.maxBody <= 0 {
		c.maxBody = DefaultMaxResponseBytes
	}
	if o.MaxInFlight > 0 {
		c.inFlight = make(chan struct{}, o.MaxInFlight)
	}
	if c.hc == nil {
		c.hc = DefaultHTTPClient()
		t := c.hc.Transport.(*http.Transport)
		t.DialContext = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: c.scope.checkDial}).DialContext
	}
	hc := *c.hc // a copy: the redirect policy is the client's own
	hc.CheckRedirect = c.checkRedirect
	c.hc = &hc
	if c.maxAttempts <= 0 {
		c.maxAttempts = 5
	}
	if c.initialBackoff <= 0 {
		c.initialBackoff = time.Second
	}
	if c.maxBackoff <= 0 {
		c.maxBackoff = 60 * time.Second
	}
	if c.timeout <= 0 {
		c.timeout = 60 * time.Second
	}
	if c.redactor == nil {
		c.redactor = NewRedactor()
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	if c.userAgent == "" {
		c.userAgent = "pipe"
	}
	if c.sleep == nil {
		c.sleep = sleepCtx
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// DefaultHTTPClient returns the HTTP client used when Options.HTTPClient is
// nil: keep-alive connections, up to 16 idle per host, no overall timeout.
func DefaultHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 128
	t.MaxIdleConnsPerHost = 16
	return &http.Client{Transport: t}
}

// Scope returns the client's Scope (nil: every origin is allowed).
func (c *Client) Scope() *Scope { return c.scope }

// Redactor returns the client's Redactor.
func (c *Client) Redactor() *Redactor { return c.redactor }

// Do sends req until it succeeds, fails for good or runs out of attempts.
//
// Before every attempt it waits on the client and call rate limiters and
// authenticates a copy of req. Connection errors, attempt timeouts, 429,
// a 403 that says it is a rate limit (see rateLimited), 500, 502, 503,
// 504 and a response_action "retry" are retried after a backoff with
// full jitter, or after the wait the server asks for (Retry-After; the
// reset headers on a rate limit) up to five minutes. A 401 makes a Refresher refresh once and the request go once
// more. Other statuses of 300 and above fail at once with an *HTTPError.
// A response_action "ignore" returns an error wrapping ErrIgnored.
func (c *Client) Do(ctx context.Context, req *Request, call Call) (*Response, error) {
	resp, err := c.do(ctx, req, call)
	return resp, call.wrap(err)
}

func (call Call) wrap(err error) error {
	if err == nil || call.Resource == "" {
		return err
	}
	return fmt.Errorf("resource %q: %w", call.Resource, err)
}

func (c *Client) do(ctx context.Context, req *Request, call Call) (*Response, error) {
	if req == nil || req.URL == nil {
		return nil, errors.New("request without a URL")
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	where := method + " " + c.redactor.URL(req.URL)
	if err := c.scope.Check(req.URL); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	refreshed := false
	for attempt := 1; ; attempt++ {
		if err := c.waitLimiters(ctx, req.URL.Host, call); err != nil {
			return nil, fmt.Errorf("%s: rate limit: %w", where, err)
		}
		r, creds, err := c.prepare(ctx, req, method, call.Auth)
		var busy *busyError
		if errors.As(err, &busy) && attempt < c.maxAttempts {
			wait := busy.wait
			if limit := max(maxServerWait, c.maxBackoff); wait > limit {
				return nil, fmt.Errorf("%s: %w: %s asks to wait %s, more than the %s limit (%s raises it)", where, err, busy.from, wait, limit, MaxBackoffSetting)
			}
			if wait == 0 {
				wait = c.backoff(attempt)
			}
			c.logger.Info("retrying request: its token endpoint is busy", "request", where, "error", busy.Error(), "attempt", attempt, "wait", wait)
			if err := c.sleep(ctx, wait); err != nil {
				return nil, fmt.Errorf("%s: %w: %w", where, busy, err)
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		start := time.Now()
		resp, err := c.send(ctx, r, creds)
		c.logRequest(where, attempt, start, resp, err)
		a := Attempt{Method: method, URL: c.redactor.URL(req.URL), Number: attempt, Duration: time.Since(start)}
		if resp != nil {
			a.Status = resp.StatusCode
		}
		call.observe(ctx, a)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("%s: %w", where, context.Cause(ctx))
			}
			var terr *transportError
			if !errors.As(err, &terr) {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			terr.method, terr.url, terr.attempts = method, c.redactor.URL(req.URL), attempt
			if attempt >= c.maxAttempts || terr.final {
				return nil, terr
			}
			wait := c.backoff(attempt)
			c.logger.Info("retrying request", "request", where, "error", terr.msg, "attempt", attempt, "wait", wait)
			if err := c.sleep(ctx, wait); err != nil {
				return nil, fmt.Errorf("%w: %w", terr, err)
			}
			continue
		}
		resp.Request = req
		rule, err := matchRule(call.Actions, resp)
		if err != nil {
			return nil, err
		}
		action := rule.Action
		switch {
		case action == ActionIgnore:
			c.logger.Debug("response ignored by response_actions", "request", where, "status", resp.StatusCode)
			return nil, fmt.Errorf("%s: %d: %w", where, resp.StatusCode, ErrIgnored)
		case action == ActionFail:
			return nil, c.httpError(method, req, resp, attempt)
		case action == ActionLoad && resp.StatusCode < 300:
			resp.Loaded = true
			return resp, nil
		case action == ActionRetry:
		case resp.StatusCode == http.StatusUnauthorized:
			ref, ok := call.Auth.(Refresher)
			if !ok || refreshed {
				return nil, c.httpError(method, req, resp, attempt)
			}
			refreshed = true
			c.logger.Info("refreshing credentials after 401", "request", where)
			if err := ref.Refresh(ctx, r); err != nil {
				return nil, fmt.Errorf("%w: refresh: %w", c.httpError(method, req, resp, attempt), err)
			}
			continue
		case resp.StatusCode < 300:
			return resp, nil
		case challenged(resp):
			return nil, c.httpError(method, req, resp, attempt) // no retry passes a browser check
		case !retryableStatus(resp.StatusCode) && !rateLimited(resp):
			return nil, c.httpError(method, req, resp, attempt)
		}
		herr := c.httpError(method, req, resp, attempt)
		if action == ActionRetry {
			herr.Rule = rule.String()
		}
		if attempt >= c.maxAttempts {
			return nil, herr
		}
		if rateLimited(resp) {
			c.slowDown(ctx, req.URL.Host, call.Limiter, where)
		}
		wait, from := serverWait(resp, c.now())
		if limit := max(maxServerWait, c.maxBackoff); wait > limit {
			return nil, fmt.Errorf("%w: %s asks to wait %s, more than the %s limit (%s raises it)", herr, from, wait, limit, MaxBackoffSetting)
		}
		if from == "" {
			wait = c.backoff(attempt)
		}
		c.logger.Info("retrying request", "request", where, "status", resp.StatusCode, "attempt", attempt, "wait", wait)
		if err := c.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("%w: %w", herr, err)
		}
	}
}

func (c *Client) waitLimiters(ctx context.Context, host string, call Call) error {
	for _, l := range []*rate.Limiter{c.limiter, call.Limiter} {
		if l == nil {
			continue
		}
		r := l.Reserve()
		if !r.OK() {
			return fmt.Errorf("burst %d admits no request", l.Burst())
		}
		d := r.Delay()
		if d <= 0 {
			continue
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
			r.Cancel()
			return fmt.Errorf("a wait of %s would pass the deadline", d.Round(time.Millisecond))
		}
		var done func()
		if call.Waiting != nil {
			done = call.Waiting()
		}
		err := sleepCtx(ctx, d)
		if done != nil {
			done()
		}
		if err != nil {
			r.Cancel()
			return err
		}
	}
	if c.shared != nil {
		var done func()
		if call.Waiting != nil {
			done = call.Waiting()
		}
		err := c.shared.Wait(ctx, host)
		if done != nil {
			done()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// slowDownFactor is how much a 429 cuts the rate budgets: a server that
// answers 429 although pipe paced itself has a smaller budget than the
// spec says (another client shares it, or the limit changed), so pipe
// slows further for the rest of the run instead of meeting 429s again.
const slowDownFactor = 0.7

// slowDown lowers the client-wide, the endpoint and the shared budgets
// after a 429.
func (c *Client) slowDown(ctx context.Context, host string, call *rate.Limiter, where string) {
	if c.shared != nil {
		c.shared.SlowDown(ctx, host)
	}
	for _, l := range []*rate.Limiter{c.limiter, call} {
		if l == nil || l.Limit() == rate.Inf {
			continue
		}
		next := l.Limit() * slowDownFactor
		l.SetLimit(next)
		c.logger.Warn("429 despite the rate limit: slowing down", "request", where, "requests_per_minute", float64(next)*60)
	}
}

// prepare copies req for one attempt and authenticates the copy. It
// returns the names of the headers and query parameters the
// authenticator set, which a redirect to another origin drops.
func (c *Client) prepare(ctx context.Context, req *Request, method string, auth Authenticator) (*Request, *credentials, error) {
	r := req.Clone()
	r.Method = method
	if r.Header == nil {
		r.Header = http.Header{}
	}
	if r.Header.Get("User-Agent") == "" {
		r.Header.Set("User-Agent", c.userAgent)
	}
	if auth == nil {
		return r, nil, nil
	}
	header, query := r.Header.Clone(), r.URL.Query()
	if err := auth.Authenticate(ctx, r); err != nil {
		return nil, nil, fmt.Errorf("auth: %w", err)
	}
	return r, c.registerApplied(header, query, r), nil
}

// minAppliedSecret is the shortest header or query value an authenticator
// sets that the client registers as a secret on its own; shorter values
// are flags or versions, not credentials.
const minAppliedSecret = 6

// registerApplied adds to the redactor every header and query value the
// authenticator set or changed, and the credential part of each, and
// returns their names.
func (c *Client) registerApplied(header http.Header, query url.Values, r *Request) *credentials {
	creds := &credentials{}
	add := func(v string) {
		if len(v) >= minAppliedSecret {
			c.redactor.Add(v)
		}
	}
	for k, vs := range r.Header {
		if slices.Equal(header[k], vs) {
			continue
		}
		creds.headers = append(creds.headers, k)
		for _, v := range vs {
			add(v)
			if _, cred, ok := strings.Cut(v, " "); ok { // "Bearer xyz", "token xyz"
				add(strings.TrimSpace(cred))
			}
			if k == "Cookie" {
				for _, ck := range strings.Split(v, ";") {
					if _, val, ok := strings.Cut(ck, "="); ok {
						add(strings.TrimSpace(val))
					}
				}
			}
		}
	}
	for k, vs := range r.URL.Query() {
		if !slices.Equal(query[k], vs) {
			creds.query = append(creds.query, k)
			for _, v := range vs {
				add(v)
			}
		}
	}
	return creds
}

// send makes one attempt. A failure to get a response is a *transportError;
// any other error (an unencodable body) is final.
func (c *Client) send(ctx context.Context, r *Request, creds *credentials) (*Response, error) {
	body, ctype, err := encodeBody(r)
	if err != nil {
		return nil, err
	}
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(withScope(withCredentials(actx, creds), c.scope), r.Method, r.URL.String(), body)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	hreq.Header = r.Header
	if err := sendableHeader(r.Header); err != nil {
		return nil, err // net/http would refuse every attempt
	}
	if ctype != "" && hreq.Header.Get("Content-Type") == "" {
		hreq.Header.Set("Content-Type", ctype)
	}
	if c.inFlight != nil {
		select {
		case c.inFlight <- struct{}{}:
			defer func() { <-c.inFlight }()
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
	}
	hresp, err := c.hc.Do(hreq)
	if errors.Is(err, ErrOutOfScope) || errors.Is(err, errResendsCredential) {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // its text repeats the unredacted URL
		}
		return nil, err // a refused redirect is final
	}
	if err != nil {
		return nil, c.transportError(ctx, actx, err)
	}
	defer hresp.Body.Close()
	body, size, err := decoded(hresp)
	if errors.Is(err, errEncoding) {
		return nil, fmt.Errorf("%s: %w", hresp.Status, err)
	}
	if err != nil {
		return nil, c.transportError(ctx, actx, err)
	}
	b, err := readBody(body, size, c.maxBody)
	if errors.Is(err, errTooLarge) {
		return nil, fmt.Errorf("%s: response body is larger than %s (%d bytes); raise it if the API really sends that much", hresp.Status, MaxResponseBytesSetting, c.maxBody)
	}
	if err != nil {
		return nil, c.transportError(ctx, actx, fmt.Errorf("read body: %w", err))
	}
	// An error page's status decides what happens, retries included,
	// whatever its charset: only a success's body must be read exactly.
	if u, err := utf8Body(b, hresp.Header.Get("Content-Type")); err == nil {
		b = u
	} else if hresp.StatusCode < 300 {
		return nil, fmt.Errorf("%s: %w", hresp.Status, err)
	}
	// A UTF-8 byte order mark, which RFC 8259 lets a parser ignore and
	// .NET servers send, is no part of the JSON that selectors, paginators
	// and the checks for repeated pages read.
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	// gjson validates and walks JSON recursively: a body nested millions
	// deep would overflow the goroutine stack, a crash no recover stops.
	if tooDeep(b, MaxJSONDepth) {
		return nil, fmt.Errorf("%s: response body nests deeper than %d levels, which no API's records do (a server's serializer caught in a loop): pipe does not read it", hresp.Status, MaxJSONDepth)
	}
	// A body without Content-Length or chunked framing ends where the
	// connection does, so a connection lost mid-body reads as complete:
	// only the JSON shows the cut, which is retried like any cut body.
	if hresp.StatusCode < 300 && hresp.ProtoMajor == 1 && hresp.ContentLength < 0 && len(hresp.TransferEncoding) == 0 && !hresp.Uncompressed &&
		hresp.Header.Get("Content-Encoding") == "" && !gjson.ValidBytes(b) && cutJSON(b) {
		return nil, c.transportError(ctx, actx, errors.New("read body: the connection closed before the end of the JSON document (the response had no Content-Length and was not chunked)"))
	}
	resp := &Response{StatusCode: hresp.StatusCode, Header: hresp.Header, Body: b}
	if hresp.Request != nil && hresp.Request.URL.String() != hreq.URL.String() {
		resp.Final = hresp.Request.URL
	}
	return resp, nil
}

// maxPresize is the largest announced Content-Length read into a buffer
// allocated up front; longer or unknown lengths grow as io.ReadAll does.
// It is small enough that a server announcing far more than it sends
// cannot make each request in flight hold a large buffer for nothing.
const maxPresize = 8 << 20

// TimeoutSetting names the setting that bounds one attempt.
const TimeoutSetting = "client.retry.timeout"

// MaxBackoffSetting names the setting that bounds computed waits and,
// above five minutes, the waits a server may ask for.
const MaxBackoffSetting = "client.retry.max_backoff"

// MaxResponseBytesSetting names the setting that bounds response bodies,
// for error messages.
const MaxResponseBytesSetting = "client.max_response_bytes"

// errTooLarge reports a body longer than the client's limit.
var errTooLarge = errors.New("response body too large")

// readBody reads r to EOF, or fails with errTooLarge past limit bytes
// (counted as read, so after decompression: a gzip bomb stops there).
// With the length the server announced it allocates the buffer once:
// io.ReadAll's doubling allocates about twice the body for a page of
// 150 KB.
func readBody(r io.Reader, size, limit int64) ([]byte, error) {
	if size > limit {
		return nil, errTooLarge
	}
	if size <= 0 || size > maxPresize {
		b, err := io.ReadAll(io.LimitReader(r, limit+1))
		if int64(len(b)) > limit {
			return nil, errTooLarge
		}
		return b, err
	}
	b := make([]byte, 0, size+1) // +1: the read that meets EOF needs room
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if int64(len(b)) > limit {
			return nil, errTooLarge
		}
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) { // longer than announced
			b = append(b, 0)[:len(b)]
		}
	}
}

func (c *Client) transportError(ctx, actx context.Context, err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err // its text repeats the unredacted URL
	}
	if cause, ok := finalCause(err); ok {
		return &transportError{msg: c.redactor.String(cause) + "; not retried", err: err, final: true}
	}
	msg := c.redactor.String(err.Error())
	var nerr net.Error
	if ctx.Err() == nil && (errors.Is(actx.Err(), context.DeadlineExceeded) || errors.As(err, &nerr) && nerr.Timeout()) {
		msg = fmt.Sprintf("attempt timed out after %s (%s)", c.timeout, TimeoutSetting)
	}
	return &transportError{msg: msg, err: err}
}

// encodeBody returns r's body and its default Content-Type.
func encodeBody(r *Request) (io.Reader, string, error) {
	switch {
	case r.JSON != nil && r.Form != nil, r.Raw != "" && (r.JSON != nil || r.Form != nil):
		return nil, "", errors.New("request has more than one of a JSON, form and raw body")
	case r.Raw != "":
		return strings.NewReader(r.Raw), "", nil
	case r.JSON != nil:
		b, err := json.Marshal(r.JSON)
		if err != nil {
			return nil, "", fmt.Errorf("encode JSON body: %w", err)
		}
		return bytes.NewReader(b), "application/json", nil
	case r.Form != nil:
		return strings.NewReader(r.Form.Encode()), "application/x-www-form-urlencoded", nil
	}
	return nil, "", nil
}

func (c *Client) httpError(method string, req *Request, resp *Response, attempts int) *HTTPError {
	e := &HTTPError{
		Method:     method,
		URL:        c.redactor.URL(req.URL),
		StatusCode: resp.StatusCode,
		Status:     statusText(resp.StatusCode),
		Body:       snippet([]byte(c.redactor.String(string(resp.Body[:min(len(resp.Body), 8*maxBodySnippet)]))), maxBodySnippet),
		Attempts:   attempts,
	}
	if challenged(resp) {
		e.Body = "Cloudflare answered with a challenge page (cf-mitigated: challenge), a check for browsers that no retry passes: ask the API's owner to exempt API clients from it, or use the API's own host"
	}
	if resp.Final != nil {
		e.RedirectedTo = c.redactor.URL(resp.Final)
		e.Foreign = !SameOrigin(resp.Final, req.URL)
	}
	return e
}

// challenged reports a Cloudflare challenge page: "the cf-mitigated
// header present and set to challenge" (developers.cloudflare.com/
// cloudflare-challenges/challenge-types/challenge-pages/detect-response/).
func challenged(resp *Response) bool {
	return resp.StatusCode >= 400 && strings.EqualFold(resp.Header.Get("Cf-Mitigated"), "challenge")
}
