package fakeapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/tidwall/gjson"

	"github.com/pipe-etl/pipe/engine/spec"
)

// TestShippedSpecsAgainstFake replays, for every resource of the shipped
// specs, the first request (and the second page, when there is one) that
// the spec describes, against the fake: parameters, versions, paths, auth
// and selectors must all be accepted. It interprets only the spec fields
// the shipped specs use, as the engine is meant to; it is no substitute
// for an end-to-end run of the engine.
func TestShippedSpecsAgainstFake(t *testing.T) {
	s, ts := start(t, smallConfig())
	s.AddOAuthClient("x", "y")
	for _, tt := range []struct {
		file    string
		vars    map[string]string
		secrets map[string]string
	}{
		{"snyk/snyk.yml", map[string]string{"api_url": ts.URL}, map[string]string{"snyk_token": "demo-token"}},
		{"checkmarx_sca/checkmarx_sca.yml", map[string]string{"api_url": ts.URL, "token_url": ts.URL + "/identity/connect/token", "tenant": "demo"},
			map[string]string{"checkmarx_username": "demo", "checkmarx_password": "demo-password"}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("..", "..", "sources", filepath.FromSlash(tt.file)))
			if err != nil {
				t.Fatal(err)
			}
			js, err := yaml.YAMLToJSON(raw)
			if err != nil {
				t.Fatal(err)
			}
			var sp spec.Spec
			dec := json.NewDecoder(bytes.NewReader(js))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&sp); err != nil {
				t.Fatal(err)
			}
			r := &replayer{t: t, sp: &sp, vars: tt.vars, secrets: tt.secrets, first: map[string]gjson.Result{}}
			r.authenticate()
			for _, res := range sp.Resources {
				r.resource(res)
			}
		})
	}
}

type replayer struct {
	t       *testing.T
	sp      *spec.Spec
	vars    map[string]string
	secrets map[string]string
	first   map[string]gjson.Result // first record of each resource
	header  [2]string
}

func (r *replayer) expand(s string) string {
	r.t.Helper()
	tpl, err := spec.ParseTemplate(s)
	if err != nil {
		r.t.Fatalf("%q: %v", s, err)
	}
	out, err := tpl.Expand(func(p spec.Part) (string, error) {
		switch p.Namespace {
		case spec.NSVars:
			if v, ok := r.vars[p.Name]; ok {
				return v, nil
			}
			if v := r.sp.Vars[p.Name]; v.Default != nil {
				return r.expand(*v.Default), nil
			}
		case spec.NSSecrets:
			return r.secrets[p.Name], nil
		case spec.NSResources:
			rec, ok := r.first[p.Name]
			if !ok {
				return "", fmt.Errorf("no record of %s yet", p.Name)
			}
			return rec.Get(p.Field).String(), nil
		}
		return "", fmt.Errorf("cannot resolve %s here", p)
	})
	if err != nil {
		r.t.Fatalf("%q: %v", s, err)
	}
	return out
}

func (r *replayer) authenticate() {
	a := r.sp.Client.Auth
	if a.Use != "" { // a named auth block: the one the variables' defaults pick
		a = r.sp.Auths[r.expand(a.Use)]
	}
	switch a.Type {
	case "api_key":
		r.header = [2]string{a.Name, r.expand(a.APIKey)}
	case "login":
		form := url.Values{}
		for k, v := range a.Form {
			form.Set(k, r.expand(v))
		}
		resp, body := postForm(r.t, r.expand(a.TokenURL), form)
		wantStatus(r.t, resp, body, 200)
		prefix := "Bearer "
		if a.HeaderPrefix != nil {
			prefix = *a.HeaderPrefix
		}
		r.header = [2]string{a.HeaderName, prefix + gjson.GetBytes(body, a.TokenPath).String()}
	default:
		r.t.Fatalf("auth type %s not replayed", a.Type)
	}
}

func (r *replayer) resource(res spec.Resource) {
	t := r.t
	ep := res.Endpoint
	params := url.Values{}
	var defaults spec.Endpoint
	if d := r.sp.ResourceDefaults; d != nil && d.Endpoint != nil {
		defaults = *d.Endpoint
	}
	for k, v := range defaults.Params {
		params.Set(k, r.expand(v.Value))
	}
	for k, v := range ep.Params {
		if ep.Incremental != nil && v.Value == "{incremental.start_value}" {
			params.Set(k, ep.Incremental.InitialValue)
			continue
		}
		params.Set(k, r.expand(v.Value))
	}
	pag := r.sp.Client.Paginator
	if defaults.Paginator != nil {
		pag = defaults.Paginator
	}
	if ep.Paginator != nil {
		pag = ep.Paginator
	}
	switch pag.Type {
	case "offset":
		params.Set(pag.LimitParam, fmt.Sprint(pag.Limit))
		params.Set(pag.OffsetParam, "0")
	case "page_number":
		params.Set(pag.PageParam, fmt.Sprint(*pag.BasePage))
	}
	path := r.expandPath(ep.Path)
	u := path
	if !strings.HasPrefix(path, "http") {
		u = strings.TrimSuffix(r.expand(r.sp.Client.BaseURL), "/") + "/" + path
	}
	u += "?" + params.Encode()
	body := r.get(res.Name, u)
	sel := ep.DataSelector
	if sel == "" {
		sel = defaults.DataSelector
	}
	data := gjson.GetBytes(body, sel)
	rec := data
	if data.IsArray() {
		if len(data.Array()) == 0 {
			t.Fatalf("%s: no records at %q in %.200s", res.Name, sel, body)
		}
		rec = data.Array()[0]
	}
	if !rec.IsObject() {
		t.Fatalf("%s: record at %q is not an object: %.200s", res.Name, sel, body)
	}
	r.first[res.Name] = rec
	if pag.Type == "json_link" {
		if next := gjson.GetBytes(body, pag.NextURLPath).String(); next != "" {
			r.get(res.Name+" page 2", strings.TrimSuffix(r.expand(r.sp.Client.BaseURL), "/")+next)
		}
	}
}

// expandPath expands a path, escaping each placeholder's value as one
// path segment (what the specs rely on for purls).
func (r *replayer) expandPath(p string) string {
	tpl, err := spec.ParseTemplate(p)
	if err != nil {
		r.t.Fatal(err)
	}
	var b strings.Builder
	for i, part := range tpl {
		if !part.IsPlaceholder() {
			b.WriteString(part.Literal)
			continue
		}
		v := r.expand(part.String())
		if i == 0 && strings.HasPrefix(v, "http") {
			b.WriteString(v) // an absolute base, not a segment
			continue
		}
		b.WriteString(url.PathEscape(v))
	}
	return b.String()
}

func (r *replayer) get(what, u string) []byte {
	r.t.Helper()
	resp, body := do(r.t, http.MethodGet, u, "", nil, r.header[0], r.header[1])
	if resp.StatusCode != 200 {
		r.t.Fatalf("%s: GET %s: %d %s", what, u, resp.StatusCode, body)
	}
	return body
}
