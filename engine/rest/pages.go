package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"

	"github.com/tidwall/gjson"
	"golang.org/x/sync/errgroup"
)

// Page is one response of a request chain and the records in it.
type Page struct {
	Number   int      // 1-based position in the chain
	Request  *Request // as the paginator built it, before authentication
	Response *Response
	Records  []gjson.Result
}

// Pages walks a request chain: it sends first (after p.Init), selects the
// records of each response with sel (nil means detect) and asks p for the
// next request, yielding one Page per response in order.
//
// While the consumer handles a page, the next one is already being
// fetched (prefetch depth 1). When p implements PageCounter with a
// Parallelism above 1, the requests Remaining computes are fetched up to
// that many at once and still yielded in order; p.Next is consulted on
// every page all the same, and must ask for the page fetched ahead, so the
// pages and records equal those of the sequential walk.
//
// The walk ends after the last page, when the consumer stops, or at the
// first error, which is yielded (resource "x": page 3: GET ...: ...). A
// page whose paginator fails (a loop, max_pages, a sign of more pages it
// cannot follow) is not yielded: its error is, in its place. A
// response ignored by response_actions ends the walk quietly. A response
// identical to the previous one is an error wrapping ErrLoop. A body that
// is empty (except on a 204), not JSON, or without the data_selector path
// is an error: response_actions decide whether such a body is ignored. With
// call.StopAfter set, the walk requests no page past that number.
func (c *Client) Pages(ctx context.Context, first *Request, p Paginator, sel *Selector, call Call) iter.Seq2[*Page, error] {
	if sel == nil {
		sel = NewSelector("", c.logger)
	}
	return func(yield func(*Page, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		w := &walk{c: c, p: p, sel: sel, call: call, yield: yield, cancel: cancel}
		req := first.Clone()
		req.capture()
		if err := p.Init(req); err != nil {
			w.fail(fmt.Errorf("paginator: %w", err))
			return
		}
		if err := req.fill(); err != nil {
			w.fail(fmt.Errorf("paginator: %w", err))
			return
		}
		page, err := w.fetch(ctx, 1, req)
		if err != nil {
			w.failPage(1, err)
			return
		}
		if w.parallel(ctx, page) {
			return
		}
		w.sequential(ctx, page)
	}
}

type walk struct {
	c      *Client
	p      Paginator
	sel    *Selector
	call   Call
	yield  func(*Page, error) bool
	cancel context.CancelFunc
}

type fetched struct {
	page *Page
	err  error
}

func (w *walk) sequential(ctx context.Context, page *Page) {
	for {
		next := page.Request.Clone()
		more, perr := w.p.Next(next, page.Response, page.Records)
		if perr == nil && more && w.call.Poll != nil {
			perr = pollMore(w.where(next))
		}
		if perr == nil && more {
			perr = next.fill()
		}
		if perr != nil {
			w.failPaginator(page, perr)
			return
		}
		more = more && !w.last(page)
		var pending chan fetched
		if more {
			pending = make(chan fetched, 1)
			go func(n int, r *Request) {
				pg, err := w.fetch(ctx, n, r)
				pending <- fetched{pg, err}
			}(page.Number+1, next)
		}
		if !w.yield(page, nil) {
			if pending != nil { // stop the prefetch and wait for it to end
				w.cancel()
				<-pending
			}
			return
		}
		if !more {
			return
		}
		f := <-pending
		if !w.accept(page, f) {
			return
		}
		page = f.page
	}
}

// parallel walks the chain with several pages in flight when p can count
// them; it reports false, having yielded nothing, when it cannot.
func (w *walk) parallel(ctx context.Context, page *Page) bool {
	pc, ok := w.p.(PageCounter)
	if !ok || pc.Parallelism() <= 1 || w.call.Poll != nil {
		return false
	}
	reqs, ok, err := pc.Remaining(page.Request, page.Response, len(page.Records))
	if err != nil || !ok {
		return false // Next reports the same error in the sequential walk
	}
	for _, r := range reqs {
		if r.fill() != nil {
			return false // Next reports the same error in the sequential walk
		}
	}
	if m := w.call.StopAfter; m > 0 && len(reqs) > m-1 {
		reqs = reqs[:m-1]
	}
	ctx, cancel := context.WithCancel(ctx)
	var g errgroup.Group
	defer func() {
		cancel()
		_ = g.Wait() // the goroutines never return an error
	}()
	results := make([]chan fetched, len(reqs))
	launch := func(i int) {
		ch := make(chan fetched, 1)
		results[i] = ch
		g.Go(func() error {
			pg, err := w.fetch(ctx, i+2, reqs[i])
			ch <- fetched{pg, err}
			return nil
		})
	}
	n := pc.Parallelism()
	for i := 0; i < min(n, len(reqs)); i++ {
		launch(i)
	}
	for i := 0; ; i++ {
		// The paginator's stop rules still decide, page by page, and the
		// request it makes must be the one fetched ahead.
		next := page.Request.Clone()
		more, perr := w.p.Next(next, page.Response, page.Records)
		if perr == nil && more {
			perr = next.fill()
		}
		if perr == nil && more && i < len(reqs) && !sameRequest(next, reqs[i]) {
			perr = fmt.Errorf("paginator: the next page is %s, not the %s fetched ahead (set parallel: 1)", w.where(next), w.where(reqs[i]))
		}
		if perr != nil {
			w.failPaginator(page, perr)
			return true
		}
		if !w.yield(page, nil) {
			return true
		}
		if !more || w.last(page) {
			return true
		}
		if i >= len(reqs) {
			// More pages than the first page's count announced (more: true
			// past the total): the rest, one at a time, from the request
			// Next made.
			var f fetched
			f.page, f.err = w.fetch(ctx, page.Number+1, next)
			if w.accept(page, f) {
				w.sequential(ctx, f.page)
			}
			return true
		}
		f := <-results[i]
		if i+n < len(reqs) {
			launch(i + n)
		}
		if !w.accept(page, f) {
			return true
		}
		page = f.page
	}
}

// last reports whether page is the last that Call.StopAfter allows.
func (w *walk) last(page *Page) bool {
	return w.call.StopAfter > 0 && page.Number >= w.call.StopAfter
}

// accept checks a fetched page that follows prev, yielding the error and
// reporting false when the walk must end.
func (w *walk) accept(prev *Page, f fetched) bool {
	n := prev.Number + 1
	if f.err != nil {
		w.failPage(n, f.err)
		return false
	}
	if bytes.Equal(f.page.Response.Body, prev.Response.Body) {
		why := ""
		if s, ok := w.p.(sender); ok && s.sentIn() != "" {
			why = " (the API ignores " + s.sentIn() + ": check the name it reads)"
			if _, ok := w.p.(*PageNumber); ok {
				// A 1-based API asked for page 0 answers page 1, then page 1 again.
				why = " (the API ignores " + s.sentIn() + ", or reads two of its page numbers as one page, as a 1-based API reads page 0 as page 1: check the name it reads and base_page)"
			}
		}
		w.failPage(n, fmt.Errorf("%s: response identical to page %d: %w%s", w.where(f.page.Request), prev.Number, ErrLoop, why))
		return false
	}
	return true
}

// sender is a paginator that sends its position (a page, an offset, a
// cursor) in a request parameter: sentIn names the setting, as in
// `page_param "page"`.
type sender interface{ sentIn() string }

func (w *walk) fetch(ctx context.Context, n int, req *Request) (*Page, error) {
	var resp *Response
	var err error
	if w.call.Poll != nil && n == 1 {
		resp, err = w.c.poll(ctx, req, w.call)
	} else {
		resp, err = w.c.do(ctx, req, w.call)
	}
	if err != nil {
		return nil, err
	}
	if err := w.accepted(req, resp); err != nil {
		return nil, fmt.Errorf("%s: %w", w.where(req), err)
	}
	if resp.StatusCode == http.StatusNoContent && len(bytes.TrimSpace(resp.Body)) == 0 {
		return &Page{Number: n, Request: req, Response: resp}, nil
	}
	recs, err := w.sel.Select(resp.Body)
	switch {
	case errors.Is(err, errNotJSON) && jsonLines(resp.Body):
		// Mixpanel's export: ignoring such a body would load nothing and
		// exit 0, so no response_action is offered.
		err = fmt.Errorf("%w but JSON lines, one value per line (status %d, Content-Type %q): pipe reads a body as one JSON document and does not read JSON lines; use the API's JSON endpoint if it has one", err, resp.StatusCode, resp.Header.Get("Content-Type"))
	case errors.Is(err, errNotJSON) && bytes.HasPrefix(resp.Body, []byte{0x1f, 0x8b}):
		err = fmt.Errorf("response body is gzip-compressed (it starts 1f 8b) after what Content-Encoding announced was undone: the server or a proxy compressed it without saying so, or twice (status %d, Content-Type %q)", resp.StatusCode, resp.Header.Get("Content-Type"))
	case errors.Is(err, errNotJSON):
		err = fmt.Errorf("%w (status %d, Content-Type %q, starts %q; a response_action can ignore it)", err, resp.StatusCode,
			resp.Header.Get("Content-Type"), w.c.redactor.String(snippet(resp.Body, 64)))
	case errors.Is(err, errNotUTF8):
		var e *notUTF8Error
		errors.As(err, &e)
		err = fmt.Errorf("%w at byte %d (%q; status %d, Content-Type %q): JSON is UTF-8 (RFC 8259), and text in another charset would be stored altered; a server that sends another charset must name it in Content-Type (charset=…), which pipe decodes; a response_action can ignore the body",
			err, e.at, w.c.redactor.String(string(resp.Body[max(0, e.at-24):min(len(resp.Body), e.at+24)])), resp.StatusCode, resp.Header.Get("Content-Type"))
	case errors.Is(err, errEmptyBody):
		err = fmt.Errorf("%w (status %d, Content-Type %q; a response_action can ignore it)", err, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if err == nil && w.sel.Path() != "" {
		if k, ok := dupTopKey(resp.Body, recs); ok {
			// gjson reads the first, JSON parsers the last: the paginator
			// and the selector could read another page than the API meant.
			err = fmt.Errorf("response body holds %q twice at its top level: which of the two the API means is ambiguous (RFC 8259 §4), so the page is not read", k)
		}
	}
	if err == nil && len(recs) == 0 && w.sel.Path() != "" {
		v := gjson.GetBytes(resp.Body, w.sel.Path())
		resp.emptyAtPath = v.IsObject() && emptyObject([]byte(v.Raw))
	}
	if err == nil && len(recs) > 0 && !resp.Loaded {
		err = partial(resp.Body, recs, w.sel.Path())
	}
	if err == nil && !resp.Loaded {
		err = incomplete(resp.Body, recs, w.sel.Path())
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", w.where(req), err)
	}
	return &Page{Number: n, Request: req, Response: resp, Records: recs}, nil
}

// jsonLines reports whether body is JSON lines (NDJSON): two or more
// lines, each of them a JSON document on its own, looking at the first
// two.
func jsonLines(body []byte) bool {
	lines := bytes.SplitN(bytes.TrimSpace(body), []byte("\n"), 3)
	if len(lines) < 2 {
		return false
	}
	for _, l := range lines[:2] {
		if l = bytes.TrimSpace(l); len(l) == 0 || !gjson.ValidBytes(l) {
			return false
		}
	}
	return true
}

// sameRequest reports whether a and b ask for the same page: URL and
// JSON body.
func sameRequest(a, b *Request) bool {
	if canonicalURL(a.URL) != canonicalURL(b.URL) {
		return false
	}
	ja, _ := json.Marshal(a.JSON)
	jb, _ := json.Marshal(b.JSON)
	return bytes.Equal(ja, jb)
}

func (w *walk) where(req *Request) string {
	m := req.Method
	if m == "" {
		m = http.MethodGet
	}
	return m + " " + w.c.redactor.URL(req.URL)
}

// failPaginator yields a paginator's error on page with the page's
// request, secrets removed.
func (w *walk) failPaginator(page *Page, err error) {
	w.failPage(page.Number, w.redact(fmt.Errorf("%s: %w", w.where(page.Request), err)))
}

func (w *walk) failPage(n int, err error) {
	if n > 1 && errors.Is(err, ErrIgnored) {
		// The page before promised this one: ignoring it would end the
		// walk short of every page after it.
		err = fmt.Errorf("%s: the page before it led here, so the walk cannot end quietly on it: %w (narrow the response_actions condition to the responses that mean no data)", err.Error(), ErrMorePages)
	}
	w.fail(fmt.Errorf("page %d: %w", n, err))
}

// fail yields err with the resource prefix; ignored responses end quietly.
func (w *walk) fail(err error) {
	if errors.Is(err, ErrIgnored) {
		return
	}
	w.yield(nil, w.call.wrap(err))
}

func (w *walk) redact(err error) error {
	return &redactedError{msg: w.c.redactor.String(err.Error()), err: err}
}

// redactedError shows err's text with registered secrets removed.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
