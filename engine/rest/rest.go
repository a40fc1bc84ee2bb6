package rest

import (
	"context"
	"github.com/tidwall/gjson"
	"net/http"
	"net/url"
)

// Request is one request being built. Paginators and authenticators
// mutate a copy of it before each page; Clone gives an independent copy.
type Request struct {
	Method string
	URL    *url.URL // absolute; query parameters live here
	Header http.Header
	// JSON is the decoded JSON body (nil for none); paginators that move a
	// cursor or page in the body set fields in it.
	JSON any
	// Form is a form-encoded body (nil for none).
	Form url.Values
	// Raw is a body sent as written, with no default Content-Type ("" for
	// none). JSON, Form and Raw are exclusive.
	Raw string
	// Parent names the query parameters that carry a value of the parent
	// record ({resources.*}): every page of the walk must carry them, or
	// its records would be another parent's.
	Parent []string

	// slots and values: the paginator values written as {paginator.NAME}
	// (paginate_values.go).
	slots  *pagerValues
	values map[string]any
}

// Response is a whole HTTP response, body read.
type Response struct {
	Request    *Request
	StatusCode int
	Header     http.Header
	Body       []byte
	// Loaded is set when a response_actions rule says load: the records
	// load although the body also reports an error.
	Loaded bool
	// Final is the URL that answered when the request was redirected,
	// else nil.
	Final *url.URL
	// emptyAtPath is set when the body holds {} at the data_selector
	// path: no records, as a body that is {} holds none.
	emptyAtPath bool
}

// Authenticator adds credentials to requests.
//
// The client calls Authenticate before every attempt of every request,
// from many goroutines at once; implementations must be safe for
// concurrent use and cheap when their credentials are cached. An error
// stops the request and is returned to the caller wrapped.
type Authenticator interface {
	Authenticate(ctx context.Context, req *Request) error
}

// Refresher is implemented by authenticators whose credentials can be
// renewed. After a 401 the client calls Refresh once with stale, the
// authenticated request that got the 401 (its credentials as last
// applied), and retries the request once; a second 401 is returned as
// ErrUnauthorized. A Refresher compares the credentials stale carries
// with the ones it holds now: when they differ another goroutine has
// already renewed them and Refresh has nothing to do, so concurrent 401s
// for the same credentials cause one renewal, not many. stale may be nil
// (a caller outside the client): then Refresh renews unconditionally.
type Refresher interface {
	Refresh(ctx context.Context, stale *Request) error
}

// Paginator walks the pages of one request chain. A Paginator is stateful
// and serves a single chain; make a new one per chain.
//
// The client calls Init once on the first request, then after each
// response calls Next with the request that produced it (to be mutated
// into the next page's request) and the records that page held. Next
// returns false when there are no more pages. Next returns an error when
// the API misbehaves (a next link or cursor seen twice, a total that
// cannot be read: ErrLoop), when max_pages is reached (ErrMaxPages), or
// when it would stop while the response says more pages follow
// (ErrMorePages); it never loops forever and never stops silently short
// of the data.
type Paginator interface {
	Init(req *Request) error
	Next(req *Request, resp *Response, records []gjson.Result) (bool, error)
}

// PageCounter is implemented by paginators that can fetch several pages
// at once (offset and page_number with a known total and
// paginator.parallel). When Parallelism is above 1, Pages calls Remaining
// once after the first page: it returns every request after the first
// page in order, or ok=false when they cannot be computed (then, and
// when Parallelism is 1 or less, the walk is sequential). Next is still
// called on every page, so the pages equal those of the sequential walk.
type PageCounter interface {
	Paginator
	Parallelism() int
	Remaining(first *Request, resp *Response, records int) (reqs []*Request, ok bool, err error)
}
