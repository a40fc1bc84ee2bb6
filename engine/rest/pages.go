package rest

import (
	"bytes"
	"context"
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
// fetched (prefetch depth 1). When p implements PageCounter and
// ParallelPaginator with a Parallelism above 1, the requests Remaining
// computes are fetched up to that many at once and still yielded in order;
// p.Next is consulted on every page all the same, so the pages and records
// equal those of the sequential walk.
//
// The walk ends after the last page, when the consumer stops, or at the
// first error, which is yielded (resource "x": page 3: GET ...: ...). A
// response ignored by response_actions ends the walk quietly. A response
// identical to the previous one is an error wrapping ErrLoop. With
// call.MaxPages set, the walk requests no page past that number.
func (c *Client) Pages(ctx context.Context, first *Request, p Paginator, sel *Selector, call Call) iter.Seq2[*Page, error] {
	if sel == nil {
		sel = NewSelector("", c.logger)
	}
	return func(yield func(*Page, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		w := &walk{c: c, p: p, sel: sel, call: call, yield: yield, cancel: cancel}
		req := first.Clone()
		if err := p.Init(req); err != nil {
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
		more, perr := w.p.Next(next, page.Response, len(page.Records))
		more = more && !w.last(page)
		var pending chan fetched
		if perr == nil && more {
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
		if perr != nil {
			w.failPage(page.Number, w.redact(perr))
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
	pp, ok2 := w.p.(ParallelPaginator)
	if !ok || !ok2 || pp.Parallelism() <= 1 {
		return false
	}
	reqs, ok, err := pc.Remaining(page.Request, page.Response, len(page.Records))
	if err != nil || !ok {
		return false // Next reports the same error in the sequential walk
	}
	if m := w.call.MaxPages; m > 0 && len(reqs) > m-1 {
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
	n := pp.Parallelism()
	for i := 0; i < min(n, len(reqs)); i++ {
		launch(i)
	}
	for i := 0; ; i++ {
		// The paginator's stop rules still decide, page by page.
		more, perr := w.p.Next(page.Request.Clone(), page.Response, len(page.Records))
		if !w.yield(page, nil) {
			return true
		}
		if perr != nil {
			w.failPage(page.Number, w.redact(perr))
			return true
		}
		if !more || i >= len(reqs) {
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

// last reports whether page is the last that Call.MaxPages allows.
func (w *walk) last(page *Page) bool {
	return w.call.MaxPages > 0 && page.Number >= w.call.MaxPages
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
		w.failPage(n, fmt.Errorf("%s: response identical to page %d: %w", w.where(f.page.Request), prev.Number, ErrLoop))
		return false
	}
	return true
}

func (w *walk) fetch(ctx context.Context, n int, req *Request) (*Page, error) {
	resp, err := w.c.do(ctx, req, w.call)
	if err != nil {
		return nil, err
	}
	recs, err := w.sel.Select(resp.Body)
	if errors.Is(err, errNotJSON) {
		err = fmt.Errorf("%w (Content-Type %q, starts %q)", err, resp.Header.Get("Content-Type"),
			w.c.redactor.String(snippet(resp.Body, 64)))
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", w.where(req), err)
	}
	return &Page{Number: n, Request: req, Response: resp, Records: recs}, nil
}

func (w *walk) where(req *Request) string {
	m := req.Method
	if m == "" {
		m = http.MethodGet
	}
	return m + " " + w.c.redactor.URL(req.URL)
}

func (w *walk) failPage(n int, err error) {
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
