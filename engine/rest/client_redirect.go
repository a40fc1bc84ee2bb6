package rest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// credentials names what an authenticator added to one request: the
// headers and query parameters a redirect to another origin drops.
type credentials struct {
	headers []string
	query   []string
}

type credentialsKey struct{}

func withCredentials(ctx context.Context, c *credentials) context.Context {
	if c == nil {
		return ctx
	}
	return context.WithValue(ctx, credentialsKey{}, c)
}

// maxRedirects is how many redirects one attempt follows.
const maxRedirects = 10

// checkRedirect is the redirect policy of the client's HTTP client. A
// redirect to an origin outside the Scope is refused (the request fails
// for good, naming client.allowed_hosts). One to another allowed origin
// is followed without any credential: the headers and query parameters
// the authenticator set, Authorization, Cookie and Proxy-Authorization,
// and any header or parameter holding a registered secret. No request
// carries a Referer.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	req.Header.Del("Referer")
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	if err := c.scope.Check(req.URL); err != nil {
		return fmt.Errorf("redirect to %s: %w", c.redactor.URL(req.URL), err)
	}
	if SameOrigin(req.URL, via[0].URL) {
		return nil
	}
	if err := c.checkResentBody(req); err != nil {
		return err
	}
	creds, _ := req.Context().Value(credentialsKey{}).(*credentials)
	drop := []string{"Authorization", "Cookie", "Proxy-Authorization"}
	if creds != nil {
		drop = append(drop, creds.headers...)
	}
	for _, h := range drop {
		req.Header.Del(h)
	}
	for h, vs := range req.Header {
		for _, v := range vs {
			if c.redactor.Contains(v) {
				req.Header.Del(h)
				break
			}
		}
	}
	q := req.URL.Query()
	changed := false
	for k, vs := range q {
		secret := creds != nil && slices.Contains(creds.query, k)
		for _, v := range vs {
			secret = secret || c.redactor.Contains(v)
		}
		if secret {
			q.Del(k)
			changed = true
		}
	}
	if changed {
		req.URL.RawQuery = q.Encode()
	}
	c.logger.Debug("redirect to another origin: credentials dropped", "to", c.redactor.URL(req.URL))
	return nil
}

// errResendsCredential reports a 307 or 308 to another origin that
// would send the request body again, a credential in it. It is final.
var errResendsCredential = errors.New("the redirect would send the request body, which holds a credential, to another origin")

// checkResentBody refuses a redirect to another origin that keeps the
// method and body (307, 308) when the body holds a registered secret
// (a search whose JSON or form body carries a key): headers and query
// parameters can be dropped, a body cannot.
func (c *Client) checkResentBody(req *http.Request) error {
	if req.GetBody == nil {
		return nil
	}
	body, err := req.GetBody()
	if err != nil {
		return fmt.Errorf("redirect to %s: request body: %w", c.redactor.URL(req.URL), err)
	}
	defer body.Close()
	b, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("redirect to %s: request body: %w", c.redactor.URL(req.URL), err)
	}
	if !c.redactor.Contains(string(b)) {
		return nil
	}
	status := 0
	if req.Response != nil {
		status = req.Response.StatusCode
	}
	return fmt.Errorf("redirect to %s (%d): %w; use that origin in base_url or the endpoint path", c.redactor.URL(req.URL), status, errResendsCredential)
}

// logRequest logs one attempt at debug level (pipe -v): method, redacted
// URL, status, body bytes, duration and attempt number.
func (c *Client) logRequest(where string, attempt int, start time.Time, resp *Response, err error) {
	method, u, _ := strings.Cut(where, " ")
	args := []any{"method", method, "url", u, "attempt", attempt, "duration", time.Since(start).Round(time.Millisecond)}
	if err != nil {
		var terr *transportError
		msg := c.redactor.String(err.Error())
		if errors.As(err, &terr) {
			msg = terr.msg
		}
		c.logger.Debug("request", append(args, "error", msg)...)
		return
	}
	c.logger.Debug("request", append(args, "status", resp.StatusCode, "bytes", len(resp.Body))...)
}

// sameOriginRedirects is the redirect policy of token, login and broker
// requests, which carry client secrets and passwords in their bodies and
// headers: a redirect is followed only on the same origin, without a
// Referer.
func sameOriginRedirects(req *http.Request, via []*http.Request) error {
	req.Header.Del("Referer")
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	if !SameOrigin(req.URL, via[0].URL) {
		return fmt.Errorf("%w: a token request was redirected to %s", ErrOutOfScope, originOf(req.URL).hostPort())
	}
	return nil
}
