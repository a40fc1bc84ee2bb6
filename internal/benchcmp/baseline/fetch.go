package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/tidwall/gjson"
)

// source pages through the fake Snyk API with one keep-alive client.
type source struct {
	api, token string
	hc         http.Client
}

// issue is the part of an issue the baseline stores.
type issue struct {
	id, typ, key, title, kind, severity, status, created, updated, org string
	raw                                                                string
}

// each calls fn for every issue of every org, page by page.
func (s *source) each(ctx context.Context, fn func(*issue) error) error {
	var orgs []string
	err := s.pages(ctx, "/orgs?version=2024-10-15&limit=100", func(data gjson.Result) error {
		for _, o := range data.Array() {
			orgs = append(orgs, o.Get("id").Str)
		}
		return nil
	})
	if err != nil {
		return err
	}
	var is issue
	for _, org := range orgs {
		err := s.pages(ctx, "/orgs/"+org+"/issues?version=2024-10-15&limit=100", func(data gjson.Result) error {
			for _, r := range data.Array() {
				a := r.Get("attributes")
				is = issue{
					id: r.Get("id").Str, typ: r.Get("type").Str,
					key: a.Get("key").Str, title: a.Get("title").Str, kind: a.Get("type").Str,
					severity: a.Get("effective_severity_level").Str, status: a.Get("status").Str,
					created: a.Get("created_at").Str, updated: a.Get("updated_at").Str,
					org: org, raw: r.Raw,
				}
				if err := fn(&is); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// pages GETs path under /rest and follows links.next, calling fn with
// each page's data array.
func (s *source) pages(ctx context.Context, path string, fn func(gjson.Result) error) error {
	for path != "" {
		body, err := s.get(ctx, s.api+"/rest"+path)
		if err != nil {
			return err
		}
		doc := gjson.ParseBytes(body)
		if err := fn(doc.Get("data")); err != nil {
			return err
		}
		path = doc.Get("links.next").Str
	}
	return nil
}

func (s *source) get(ctx context.Context, u string) ([]byte, error) {
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
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", redact(u), resp.Status)
	}
	return body, nil
}

func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "?"
	}
	return p.Path
}
