package engine

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tidwall/gjson"
	"golang.org/x/time/rate"

	"github.com/pipe-etl/pipe/engine/extract"
	"github.com/pipe-etl/pipe/engine/normalize"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/rest"
	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/pipe-etl/pipe/engine/spec"
	"github.com/pipe-etl/pipe/engine/state"
)

// runner extracts a plan's resources and sends normalized pages to the writer.
type runner struct {
	plan      *plan.Plan
	x         *extract.Extractor
	opts      Options
	committed map[state.Key]string
	out       chan msg
	loadID    string
	stats     map[string]*ResourceStats
	progress  *progress
	done      *completion
	mu        sync.Mutex // guards stats and done
}

func newRunner(ctx context.Context, p *plan.Plan, o Options) (*runner, error) {
	red := rest.NewRedactor()
	o.Logger = slog.New(rest.NewRedactingHandler(o.Logger.Handler(), red)) // no secret in any log line
	var limiter *rate.Limiter
	if p.RateLimit != nil {
		limiter = newLimiter(p.RateLimit)
	}
	scope, err := newScope(p, (&extract.Extractor{Plan: p, Secrets: o.Secrets, Redactor: red}).Lookup(ctx, extract.Chain{}))
	if err != nil {
		return nil, err
	}
	client := rest.NewClient(rest.Options{
		HTTPClient:       o.HTTPClient,
		Limiter:          limiter,
		MaxAttempts:      p.Retry.MaxAttempts,
		InitialBackoff:   durationOf(p.Retry.InitialBackoff),
		MaxBackoff:       durationOf(p.Retry.MaxBackoff),
		Timeout:          durationOf(p.Retry.Timeout),
		Redactor:         red,
		Logger:           o.Logger,
		UserAgent:        "pipe",
		Sleep:            o.Sleep,
		MaxInFlight:      p.Concurrency,
		Scope:            scope,
		MaxResponseBytes: p.MaxResponseBytes,
	})
	x := &extract.Extractor{
		Plan: p, Client: client, Secrets: o.Secrets, Redactor: red, Logger: o.Logger,
		Auth:      map[string]rest.Authenticator{},
		Limiter:   map[string]*rate.Limiter{},
		Selectors: map[string]*rest.Selector{},
	}
	r := &runner{plan: p, x: x, opts: o, out: make(chan msg, 4), stats: map[string]*ResourceStats{}, progress: &progress{}, done: newCompletion(p)}
	x.OnRateWait = func(resource string, d time.Duration) {
		r.count(func() { r.stats[resource].RateWait += d })
	}
	auths := map[*rest.AuthConfig]rest.Authenticator{} // one per auth block, so tokens are shared
	for _, res := range p.Resources {
		if !res.Needed {
			continue
		}
		r.stats[res.Name] = &ResourceStats{}
		x.Selectors[res.Name] = rest.NewSelector(res.DataSelector, o.Logger.With("resource", res.Name))
		if res.RateLimit != nil {
			x.Limiter[res.Name] = newLimiter(res.RateLimit)
		}
		if res.Auth == nil {
			continue
		}
		a, ok := auths[res.Auth]
		if !ok {
			var err error
			a, err = r.authenticator(ctx, res.Auth, red)
			if err != nil {
				return nil, fmt.Errorf("resource %q: %w", res.Name, err)
			}
			auths[res.Auth] = a
		}
		x.Auth[res.Name] = a
	}
	return r, nil
}

// authenticator builds one auth block's authenticator with the
// constructor the Options' table has for its type.
func (r *runner) authenticator(ctx context.Context, a *rest.AuthConfig, red *rest.Redactor) (rest.Authenticator, error) {
	lookup := r.x.Lookup(ctx, extract.Chain{})
	expand := func(s string) (string, error) {
		t, err := spec.ParseTemplate(s)
		if err != nil {
			return "", err
		}
		return t.Expand(lookup)
	}
	kinds := r.opts.Auth
	if kinds == nil {
		kinds = rest.BuiltinAuthKinds()
	}
	allowAuthEndpoints(r.x.Client.Scope(), a, expand)
	return kinds.New(ctx, a, rest.AuthEnv{Expand: expand, HTTPClient: r.opts.HTTPClient, Redactor: red, Logger: r.opts.Logger})
}

// extract runs every needed root resource; children are submitted by
// their parents' chains as parent records arrive.
func (r *runner) extract(ctx context.Context) error {
	pl := newPool(ctx, r.plan.Concurrency)
	var first error
	for _, res := range r.plan.Resources {
		if !res.Needed || res.Parent != "" {
			continue
		}
		if err := r.submit(ctx, pl, res, nil); err != nil {
			first = err
			break
		}
	}
	if first == nil {
		var done []*plan.Resource
		r.count(func() { done = r.done.rootsSubmitted() })
		first = r.completed(ctx, done)
	}
	if err := pl.wait(); err != nil && first == nil {
		first = err
	}
	return first
}

// chain extracts one request chain: pages, records, child chains, and
// finally the chain's cursor. With incremental windows, the chain walks
// them one after the other, so its cursor covers a contiguous range.
func (r *runner) chain(ctx context.Context, pl *pool, c extract.Chain) error {
	res := c.Resource
	key := state.Key{Resource: res.Name, ParentKey: parentKey(c)}
	var cursor *extract.Cursor
	windows := []extract.Window{{}}
	if inc := res.Incremental; inc != nil {
		cursor = &extract.Cursor{Path: inc.CursorPath}
		var err error
		if windows, err = extract.Windows(inc, extract.StartValue(inc, r.committed[key]), time.Now()); err != nil {
			return fmt.Errorf("resource %q: %w", res.Name, err)
		}
	}
	r.count(func() { r.stats[res.Name].Chains++ })
	w := &chainWalk{r: r, pl: pl, norm: r.normalizer(res), children: r.neededChildren(res.Name), extra: extraFields(c), cursor: cursor}
	for _, win := range windows {
		c.Window = win
		if err := w.pages(ctx, c); err != nil {
			return err
		}
	}
	if cursor != nil && cursor.Max != "" && res.Selected {
		if prev := r.committed[key]; prev == "" || extract.Compare(cursor.Max, prev) > 0 {
			return r.send(ctx, msg{res: res, cursor: &state.Entry{Key: key, Cursor: cursor.Max}})
		}
	}
	return nil
}

// chainWalk is what one chain keeps across its pages and windows.
type chainWalk struct {
	r        *runner
	pl       *pool
	norm     *normalize.Normalizer
	children []*plan.Resource
	extra    []normalize.Field // the same for every record of the chain
	cursor   *extract.Cursor
}

// pages walks the pages of one window of a chain.
func (w *chainWalk) pages(ctx context.Context, c extract.Chain) error {
	r, res := w.r, c.Resource
	stats := r.stats[res.Name]
	for page, err := range r.x.Pages(ctx, c) {
		if err != nil {
			return err
		}
		rows := &normalize.Rows{}
		var kept int64
		for _, rec := range page.Records {
			if !extract.Keep(res.ProcessingSteps, rec) {
				continue
			}
			if w.cursor != nil {
				v := rec.Get(w.cursor.Path)
				if res.Incremental.Filter && !extract.InWindow(v.String(), c.Window) {
					continue
				}
				w.cursor.Observe(rec)
			}
			kept++
			if res.Selected {
				if err := w.norm.Normalize(rec, w.extra, rows); err != nil {
					return fmt.Errorf("resource %q: %s: %w", res.Name, r.x.Redactor.URL(page.Request.URL), err)
				}
			}
			if len(w.children) > 0 {
				if err := r.submitChildren(ctx, w.pl, c, rec, w.extra, w.children); err != nil {
					return err
				}
			}
		}
		n := int64(rows.Len())
		r.count(func() { stats.Pages++; stats.Records += kept; stats.Rows += n })
		if n > 0 {
			applySteps(res, rows)
			if err := r.send(ctx, msg{res: res, rows: rows}); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *runner) submitChildren(ctx context.Context, pl *pool, c extract.Chain, rec gjson.Result, extra []normalize.Field, children []*plan.Resource) error {
	// The record outlives its page: copy it so the page body can be freed.
	parent := &extract.Parent{Resource: c.Resource.Name, Record: gjson.Parse(strings.Clone(rec.Raw)), Up: c.Parent}
	if len(extra) > 0 {
		parent.Extra = make(map[string]any, len(extra))
		for _, f := range extra {
			parent.Extra[f.Name] = f.Value
		}
	}
	for _, child := range children {
		if err := r.submit(ctx, pl, child, parent); err != nil {
			return err
		}
	}
	return nil
}

// submit starts the request chains of res for one parent record (nil for
// a root resource): one, or one per item of its list variable.
func (r *runner) submit(ctx context.Context, pl *pool, res *plan.Resource, parent *extract.Parent) error {
	items := []string{""}
	if res.EachVar != "" {
		items = res.Each
	}
	r.count(func() { r.done.add(res.Name, len(items)) })
	for _, item := range items {
		c := extract.Chain{Resource: res, Parent: parent, Item: item}
		run := func(ctx context.Context) error {
			if err := r.chain(ctx, pl, c); err != nil {
				return err
			}
			var done []*plan.Resource
			r.count(func() { done = r.done.finish(res) })
			return r.completed(ctx, done)
		}
		if err := pl.submit(run); err != nil {
			return err
		}
	}
	return nil
}

func (r *runner) neededChildren(name string) []*plan.Resource {
	var out []*plan.Resource
	for _, c := range r.plan.Children(name) {
		if c.Needed {
			out = append(out, c)
		}
	}
	return out
}

func (r *runner) normalizer(res *plan.Resource) *normalize.Normalizer {
	hints := map[string]schema.Type{}
	for col, h := range res.Columns {
		if h.DataType != "" {
			hints[col] = schema.Type(h.DataType)
		}
	}
	nesting := res.MaxTableNesting
	if nesting == 0 {
		nesting = -1 // max_table_nesting: 0 means no child tables; normalize reads 0 as its default
	}
	return normalize.New(normalize.Config{
		Table:         res.Table,
		PrimaryKey:    res.PrimaryKey,
		MaxNesting:    nesting,
		LoadID:        r.loadID,
		Hints:         hints,
		IDFromContent: res.IDFromContent,
		MaxIdentLen:   r.opts.MaxIdentLen,
	})
}

func (r *runner) send(ctx context.Context, m msg) error {
	select {
	case r.out <- m:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

func (r *runner) count(fn func()) {
	r.mu.Lock()
	fn()
	r.mu.Unlock()
}

// parentKey identifies a chain for its cursor: the parent fields the
// requests use and the list item, as name=value pairs, e.g. "id=7f3c…".
func parentKey(c extract.Chain) string {
	var parts []string
	if c.Parent != nil {
		for _, f := range c.Resource.ParentFields {
			v, _ := c.Parent.Field(f)
			parts = append(parts, f+"="+v.String())
		}
	}
	if c.Resource.EachVar != "" {
		parts = append(parts, "vars."+c.Resource.EachVar+"="+c.Item)
	}
	slices.Sort(parts)
	return strings.Join(parts, "&")
}

// extraFields returns the root-row columns a record gets besides its own
// fields: include_from_parent values, named _<parent>_<field> as in dlt,
// the list item as _<variable>, and add_field processing steps.
func extraFields(c extract.Chain) []normalize.Field {
	res, p := c.Resource, c.Parent
	var out []normalize.Field
	if res.EachVar != "" {
		out = append(out, normalize.Field{Name: "_" + schema.SnakeCase(res.EachVar), Value: c.Item})
	}
	if p != nil {
		for _, f := range res.IncludeFromParent {
			if v, ok := p.Field(f); ok {
				out = append(out, normalize.Field{Name: "_" + schema.SnakeCase(p.Resource) + "_" + schema.SnakeCase(f), Value: fieldValue(v)})
			}
		}
	}
	for _, s := range res.ProcessingSteps {
		if s.AddField == nil {
			continue
		}
		f := normalize.Field{Name: schema.SnakeCase(s.AddField.Name), Value: s.AddField.Value}
		if s.AddField.FromParent != "" {
			if p == nil {
				continue
			}
			v, ok := p.Field(s.AddField.FromParent)
			if !ok {
				continue
			}
			f.Value = fieldValue(v)
		}
		out = append(out, f)
	}
	return out
}
