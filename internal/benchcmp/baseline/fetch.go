package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"unsafe"

	"github.com/tidwall/gjson"
	"golang.org/x/sync/errgroup"
)

// source pages through the fake Snyk API with one keep-alive client,
// fetching the issues of up to conc orgs at once.
type source struct {
	api, token string
	conc       int
	hc         http.Client
	bufs       sync.Pool // *bytes.Buffer, response bodies
}

// issue is the part of an issue the baseline stores. Its strings point
// into the page's body.
type issue struct {
	id, typ, key, title, kind, severity, status, created, updated, org string
	raw                                                                string
}

// page is one page of issues and the buffer their strings point into;
// the consumer hands it back with done.
type page struct {
	issues []issue
	body   *bytes.Buffer
}

// newSource returns a source whose transport keeps a connection per
// concurrent fetch alive.
func newSource(api, token string, conc int) *source {
	s := &source{api: api, token: token, conc: conc}
	s.hc.Transport = &http.Transport{MaxIdleConnsPerHost: conc, DisableCompression: true}
	return s
}

// stream sends every page of issues of every org on out, fetching up to
// s.conc orgs at once, and closes out when done.
func (s *source) stream(ctx context.Context, out chan<- *page) error {
	defer close(out)
	var orgs []string
	err := s.pages(ctx, "/orgs?version=2024-10-15&limit=100", func(data gjson.Result, _ *bytes.Buffer) error {
		data.ForEach(func(_, o gjson.Result) bool {
			orgs = append(orgs, strings.Clone(o.Get("id").String()))
			return true
		})
		return nil
	}, true)
	if err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(s.conc)
	for _, org := range orgs {
		g.Go(func() error {
			return s.pages(ctx, "/orgs/"+org+"/issues?version=2024-10-15&limit=100", func(data gjson.Result, body *bytes.Buffer) error {
				p := &page{issues: make([]issue, 0, 100), body: body}
				data.ForEach(func(_, r gjson.Result) bool {
					f := r.Get("id").Str
					a := r.Get("attributes")
					vs := gjson.GetMany(a.Raw, "key", "title", "type", "effective_severity_level", "status", "created_at", "updated_at")
					p.issues = append(p.issues, issue{
						id: f, typ: r.Get("type").Str,
						key: vs[0].Str, title: vs[1].Str, kind: vs[2].Str, severity: vs[3].Str,
						status: vs[4].Str, created: vs[5].Str, updated: vs[6].Str,
						org: org, raw: r.Raw,
					})
					return true
				})
				select {
				case out <- p:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			}, false)
		})
	}
	return g.Wait()
}

// done returns a consumed page's buffer for reuse.
func (s *source) done(p *page) {
	p.body.Reset()
	s.bufs.Put(p.body)
}

// pages GETs path under /rest and follows links.next, calling fn with
// each page's data array and the buffer it points into; fn owns the
// buffer unless recycle is true.
func (s *source) pages(ctx context.Context, path string, fn func(gjson.Result, *bytes.Buffer) error, recycle bool) error {
	for path != "" {
		body, err := s.get(ctx, s.api+"/rest"+path)
		if err != nil {
			return err
		}
		b := body.Bytes()
		doc := gjson.Parse(unsafe.String(unsafe.SliceData(b), len(b))) // no copy: the page's strings point into body
		next := strings.Clone(doc.Get("links.next").String())
		if err := fn(doc.Get("data"), body); err != nil {
			return err
		}
		if recycle {
			body.Reset()
			s.bufs.Put(body)
		}
		path = next
	}
	return nil
}

// get returns the body of a GET of u, read into a pooled buffer of the
// announced length.
func (s *source) get(ctx context.Context, u string) (*bytes.Buffer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "token "+s.token)
	resp, err := s.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", redact(u), resp.Status)
	}
	buf, _ := s.bufs.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	if resp.ContentLength > 0 {
		buf.Grow(int(resp.ContentLength))
	}
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return nil, err
	}
	return buf, nil
}

func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "?"
	}
	return p.Path
}
