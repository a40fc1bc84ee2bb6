// Package extract walks a plan's request chains over HTTP: it builds each
// chain's first request from the plan (parent record fields, secrets,
// incremental window), pages through it with engine/rest, and keeps the
// records that pass the filter processing steps and the incremental
// window (start inclusive, records loaded at the committed cursor
// skipped), following the chain's cursor with engine/state. It yields
// kept records and child chains' parent data through Walk; it starts no
// goroutines itself (engine/rest fetches a page ahead, and parallel
// pages, on goroutines of its own).
package extract

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/tidwall/gjson"
	"golang.org/x/time/rate"

	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/rest"
	"github.com/pipe-etl/pipe/engine/spec"
	"github.com/pipe-etl/pipe/engine/state"
)

// Extractor fetches records for the chains of a plan. It is safe for
// concurrent use once built.
type Extractor struct {
	Plan     *plan.Plan
	Client   *rest.Client
	Secrets  secrets.Store
	Redactor *rest.Redactor
	Logger   *slog.Logger
	// Auth and Limiter hold each resource's authenticator and endpoint
	// rate limit, built once by the engine; missing entries mean none.
	Auth    map[string]rest.Authenticator
	Limiter map[string]*rate.Limiter
	// Selectors hold one data selector per resource, so a detected path
	// is logged once.
	Selectors map[string]*rest.Selector

	// OnRateWait, if set, is called when a request of resource starts
	// waiting for a rate limit, and the func it returns when it stops.
	OnRateWait func(resource string) (done func())
	// OnAttempt, if set, is told of every HTTP attempt of a resource's
	// requests (see rest.Call.Observed).
	OnAttempt func(resource string, a rest.Attempt)
	// StopAfter, if above 0, ends each window of a chain after that many
	// pages (pipe run --sample).
	StopAfter int

	pagLogs sync.Map // resource name -> *slog.Logger that logs each message once
}

// paginatorLogger returns the resource's paginator logger: what auto
// detection chose is logged once per resource, not once per chain.
func (x *Extractor) paginatorLogger(resource string) *slog.Logger {
	if l, ok := x.pagLogs.Load(resource); ok {
		return l.(*slog.Logger)
	}
	base := x.Logger
	if base == nil {
		base = slog.New(slog.DiscardHandler)
	}
	l, _ := x.pagLogs.LoadOrStore(resource, logOnce(base.With("resource", resource)))
	return l.(*slog.Logger)
}

// Parent is a record of a parent resource that a child chain runs for.
type Parent struct {
	Resource string
	Record   gjson.Result
	// Extra holds the extra columns of the parent record by name (the
	// include_from_parent values it carries from its own parent, as
	// gjson values, and add_field values), so grandchildren can use them.
	Extra map[string]any
	Up    *Parent
}

// Field returns a field of the parent record: a gjson path on the
// record, or a carried include_from_parent column such as _orgs_id.
func (p *Parent) Field(path string) (gjson.Result, bool) {
	if v, ok := p.Extra[path]; ok {
		if r, ok := v.(gjson.Result); ok {
			return r, true
		}
		return gjson.Parse(jsonText(v)), true
	}
	r := p.Record.Get(path)
	return r, r.Exists()
}

// Chain is one request chain: a resource, for one parent record and,
// when the resource uses a list variable, one item of it.
type Chain struct {
	Resource *plan.Resource
	Parent   *Parent // nil for root resources
	Item     string  // the value of Resource.EachVar for this chain
	Window   state.Window
	// Element is the item of the parent record's list Resource.EachList
	// that this chain runs for (see Items); zero when it fans out over none.
	Element gjson.Result
}

// pages yields the pages of one window of a chain in order. An ignored
// response (a response_action "ignore") ends the chain without an error.
func (x *Extractor) pages(ctx context.Context, c Chain) iter.Seq2[*rest.Page, error] {
	return func(yield func(*rest.Page, error) bool) {
		r := c.Resource
		req, err := x.firstRequest(ctx, c)
		if err != nil {
			yield(nil, fmt.Errorf("resource %q: %w", r.Name, err))
			return
		}
		base, err := x.Plan.Base(x.Lookup(ctx, c))
		if err != nil {
			yield(nil, fmt.Errorf("resource %q: %w", r.Name, err))
			return
		}
		baseURL, err := url.Parse(base)
		if err != nil {
			yield(nil, fmt.Errorf("resource %q: base_url: %w", r.Name, err))
			return
		}
		pg, err := rest.NewPaginator(r.Paginator, baseURL, x.paginatorLogger(r.Name))
		if err != nil {
			yield(nil, fmt.Errorf("resource %q: paginator: %w", r.Name, err))
			return
		}
		call := rest.Call{
			Resource:  r.Name,
			Auth:      x.Auth[r.Name],
			Limiter:   x.Limiter[r.Name],
			Actions:   r.ResponseActions,
			StopAfter: x.StopAfter,
			Poll:      r.Poll,
		}
		if x.OnAttempt != nil {
			call.Observed = func(a rest.Attempt) { x.OnAttempt(r.Name, a) }
		}
		if x.OnRateWait != nil {
			call.Waiting = func() func() { return x.OnRateWait(r.Name) }
		}
		sel := x.Selectors[r.Name]
		if sel == nil {
			sel = rest.NewSelector(r.DataSelector, x.Logger)
			sel.EmptyListOmitted = r.EmptyListOmitted
		}
		for page, err := range x.Client.Pages(ctx, req, pg, sel, call) {
			if errors.Is(err, rest.ErrIgnored) {
				return
			}
			if !yield(page, err) || err != nil {
				return
			}
		}
	}
}

// firstRequest builds the first request of a chain.
func (x *Extractor) firstRequest(ctx context.Context, c Chain) (*rest.Request, error) {
	r := c.Resource
	lookup := x.Lookup(ctx, c)
	u, err := x.Plan.RequestURL(r, lookup)
	if err != nil {
		return nil, err
	}
	req := &rest.Request{Method: r.Method, URL: u, Header: make(map[string][]string)}
	for _, prm := range r.Params {
		if slices.ContainsFunc(prm.Value.Placeholders(), func(p spec.Part) bool { return p.Namespace == spec.NSResources }) {
			req.Parent = append(req.Parent, prm.Name)
		}
	}
	if inc := r.Incremental; inc != nil {
		q := u.Query()
		if inc.StartParam != "" && c.Window.Start != "" {
			q.Set(inc.StartParam, c.Window.Start)
		}
		if inc.EndParam != "" && c.Window.End != "" {
			q.Set(inc.EndParam, c.Window.End)
		}
		u.RawQuery = q.Encode()
	}
	for _, hs := range []map[string]spec.Template{x.Plan.Headers, r.Headers} {
		for k, t := range hs {
			v, err := t.Expand(lookup)
			if err != nil {
				return nil, fmt.Errorf("header %s: %w", k, err)
			}
			req.Header.Set(k, v)
		}
	}
	if len(r.Data) > 0 {
		req.Form = url.Values{}
		for k, t := range r.Data {
			v, err := t.Expand(lookup)
			if err != nil {
				return nil, fmt.Errorf("data %s: %w", k, err)
			}
			req.Form.Set(k, v)
		}
	}
	if len(r.RawData) > 0 {
		raw, err := r.RawData.Expand(lookup)
		if err != nil {
			return nil, fmt.Errorf("data: %w", err)
		}
		req.Raw = raw
	}
	if r.JSON != nil {
		body, err := expandJSON(r.JSON, lookup, x.typedLookup(c))
		if err != nil {
			return nil, fmt.Errorf("json body: %w", err)
		}
		req.JSON = body
	}
	return req, nil
}

// Lookup resolves the placeholders a plan leaves: secrets, parent fields
// and the incremental window. Secret values are registered for redaction.
func (x *Extractor) Lookup(ctx context.Context, c Chain) plan.Lookup {
	return func(p spec.Part) (string, error) {
		switch p.Namespace {
		case spec.NSSecrets:
			v, err := x.Secrets.Get(ctx, p.Name)
			if err != nil {
				return "", err
			}
			if x.Redactor != nil {
				x.Redactor.Add(v)
			}
			return v, nil
		case spec.NSResources:
			f, err := parentField(c, p)
			if err != nil {
				return "", err
			}
			if f.IsArray() || f.IsObject() {
				kind := "an object"
				if f.IsArray() {
					kind = "an array"
				}
				hint := "name one of its fields"
				if f.IsArray() {
					hint = fmt.Sprintf("write {resources.%s.%s[*]} for one request chain per item", p.Name, p.Field)
				}
				return "", fmt.Errorf("placeholder %s: field %q of the %q record is %s, not one value: a placeholder in a path, parameter, header or text takes a string or a number (%s)", p, p.Field, p.Name, kind, hint)
			}
			return f.String(), nil
		case spec.NSIncremental:
			if v, ok, err := cursorText(c, p.Name); ok || err != nil {
				return v, err
			}
		case spec.NSPaginator:
			// Filled by the paginator before each page is sent.
			return rest.Slot(p.Name), nil
		case spec.NSVars:
			if c.Resource != nil && p.Name == c.Resource.EachVar {
				return c.Item, nil
			}
			if v, ok := x.Plan.Vars[p.Name]; ok {
				return v, nil
			}
		}
		return "", fmt.Errorf("unknown placeholder %s", p)
	}
}

// typedLookup returns a parent field with its JSON type, for JSON bodies
// whose value is exactly one placeholder.
func (x *Extractor) typedLookup(c Chain) func(spec.Part) (any, bool, error) {
	return func(p spec.Part) (any, bool, error) {
		if p.Namespace == spec.NSIncremental {
			return typedCursor(c, p)
		}
		if p.Namespace != spec.NSResources {
			return nil, false, nil
		}
		f, err := parentField(c, p)
		if err != nil {
			return nil, false, err
		}
		return f.Value(), true, nil
	}
}

func parentField(c Chain, p spec.Part) (gjson.Result, error) {
	f, err := parentValue(c, p)
	if err == nil && f.Type == gjson.String && strings.ContainsRune(f.Str, 0) {
		// A NUL byte marks the slots of {paginator.*} in a request
		// (rest.Slot): a record's text must not forge one, and no API
		// reads a NUL in a path or a parameter.
		return gjson.Result{}, fmt.Errorf("placeholder %s: the %q record's value holds a NUL byte (\u0000), which pipe does not send", p, p.Name)
	}
	return f, err
}

func parentValue(c Chain, p spec.Part) (gjson.Result, error) {
	if _, _, each := spec.EachItem(p.Field); each && c.Parent != nil && c.Parent.Resource == p.Name {
		f, ok := c.ParentField(p.Field)
		if !ok || f.Type == gjson.Null {
			return gjson.Result{}, fmt.Errorf("placeholder %s: the item has no value there", p) // Items checked it
		}
		return f, nil
	}
	for up := c.Parent; up != nil; up = up.Up {
		if up.Resource != p.Name {
			continue
		}
		f, ok := up.Field(p.Field)
		if !ok || f.Type == gjson.Null {
			return gjson.Result{}, fmt.Errorf("parent %q record has no field %q", p.Name, p.Field)
		}
		return f, nil
	}
	return gjson.Result{}, fmt.Errorf("placeholder %s: no %q parent record in this chain", p, p.Name)
}
