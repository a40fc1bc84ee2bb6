package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/cespare/xxhash/v2"
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
	// encode encodes a page's rows for the destination before they go
	// to the writer (writer.preEncode); nil before the writer exists.
	encode    func(*plan.Resource, *normalize.Rows) map[string]preEncoded
	plan      *plan.Plan
	x         *extract.Extractor
	opts      Options
	committed map[state.Key]state.Cursor
	out       chan msg
	loadID    string
	stats     map[string]*ResourceStats
	progress  *progress
	done      *completion
	sampled   map[string]int // chains started per resource in a sample run
	mu        sync.Mutex     // guards stats, done, tallies and sampled
	tallies   map[string]*normalize.HintTally
	names     *normalize.Names // the run's column and child table names, shared by its chains
}

func newRunner(ctx context.Context, p *plan.Plan, o Options) (*runner, error) {
	r := &runner{plan: p, opts: o, out: make(chan msg, 4), stats: map[string]*ResourceStats{}, progress: &progress{}, done: newCompletion(p)}
	concurrency := p.Concurrency
	if o.SamplePages > 0 {
		// One chain at a time: the sample lists requests in a stable order.
		concurrency = 1
		r.sampled = map[string]int{}
		o.Logger = slog.New(&noteHandler{next: o.Logger.Handler(), note: r.note})
		r.opts = o
	}
	red := o.Redactor
	if red == nil {
		red = rest.NewRedactor()
	}
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
		MaxInFlight:      concurrency,
		Scope:            scope,
		MaxResponseBytes: p.MaxResponseBytes,
		Shared:           o.SharedBudget,
	})
	x := &extract.Extractor{
		Plan: p, Client: client, Secrets: o.Secrets, Redactor: red, Logger: o.Logger,
		Auth:      map[string]rest.Authenticator{},
		Limiter:   map[string]*rate.Limiter{},
		Selectors: map[string]*rest.Selector{},
		StopAfter: o.SamplePages,
	}
	r.x = x
	x.OnRateWait = func(resource string) func() {
		s := r.stats[resource]
		r.count(func() { s.startWait(time.Now()) })
		return func() { r.count(func() { s.endWait(time.Now()) }) }
	}
	x.OnAttempt = func(resource string, a rest.Attempt) {
		r.count(func() { r.stats[resource].attempt(a) })
	}
	auths := map[*rest.AuthConfig]rest.Authenticator{} // one per auth block, so tokens are shared
	for _, res := range p.Resources {
		if !res.Needed {
			continue
		}
		r.stats[res.Name] = &ResourceStats{}
		if o.SamplePages > 0 {
			r.stats[res.Name].Sample = &Sample{}
		}
		sel := rest.NewSelector(res.DataSelector, o.Logger.With("resource", res.Name))
		sel.EmptyListOmitted = res.EmptyListOmitted
		x.Selectors[res.Name] = sel
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
	return kinds.New(ctx, a, rest.AuthEnv{Expand: expand, HTTPClient: r.opts.HTTPClient, Redactor: red, Logger: r.opts.Logger})
}

// extract runs every needed root resource; children are submitted by
// their parents' chains as parent records arrive.
func (r *runner) extract(ctx context.Context) error {
	n := r.plan.Concurrency
	if r.opts.SamplePages > 0 {
		n = 1
	}
	pl := newPool(ctx, n)
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
		r.count(func() {
			for _, res := range r.plan.Resources {
				if res.Needed && res.Parent == "" {
					r.stats[res.Name].AllSubmitted = true
				}
			}
			done = r.done.rootsSubmitted()
		})
		first = r.completed(ctx, done)
	}
	if err := pl.wait(); err != nil && first == nil {
		first = err
	}
	return first
}

// chain extracts one request chain: extract walks its pages and keeps
// records; the chain normalizes them, submits the child chains of each
// kept record and finally sends the chain's cursor.
func (r *runner) chain(ctx context.Context, pl *pool, c extract.Chain) error {
	res := c.Resource
	walk, err := r.x.Walk(c, r.committed[c.Key()], time.Now())
	if err != nil {
		return err
	}
	stats := r.stats[res.Name]
	r.count(func() {
		stats.Chains++
		if stats.Started.IsZero() {
			stats.Started = time.Now()
		}
	})
	norm := r.normalizer(res)
	var lookup func(string) (gjson.Result, bool)
	if c.Parent != nil {
		lookup = c.ParentField // a fan-out chain's item included as F[*]
	}
	extra := norm.Extras(lookup, c.Item) // the same for every record of the chain
	children := r.neededChildren(res.Name)
	var carried map[string]any // extra values the children's parent records carry
	if len(children) > 0 && len(extra) > 0 {
		carried = make(map[string]any, len(extra))
		for _, f := range extra {
			carried[f.Name] = f.Value
		}
	}
	// A child whose rows carry nothing of their parent is checked by the
	// writer for keys met under two parents (parents.go).
	var parent string
	if c.Parent != nil && res.Selected && !slices.ContainsFunc(extra, func(f normalize.Field) bool { return f.Origin }) {
		parent = string(c.Key().ParentKey)
	}
	pageSeq := walk.Pages(ctx)
	if given, ok := r.opts.Records[res.Name]; ok && c.Parent == nil {
		pageSeq = givenPages(res.Name, given)
	}
	var inPage map[string]bool // the root ids of the page so far, when keyed
	if len(res.PrimaryKey) > 0 {
		inPage = map[string]bool{}
	}
	pages := 0
	for page, err := range pageSeq {
		if err != nil {
			return err
		}
		pages++
		if pages == 1 && c.Parent == nil && res.EachVar == "" && (res.Incremental == nil || res.Incremental.Window == 0) {
			if n := expectedPages(res, page.Source); n > 0 {
				r.count(func() { stats.ExpectedPages = n })
			}
		}
		rows := getRows()
		var keyed []keyedRecord
		var sent int64
		// flush sends the rows so far as one batch.
		flush := func() error {
			n := int64(rows.Len())
			sent += n
			if n == 0 {
				putRows(rows)
				return nil
			}
			return r.send(ctx, msg{res: res, rows: rows, url: page.URL(), origin: norm.OriginColumns(extra), parent: parent, keyed: keyed})
		}
		clear(inPage)
		for i, rec := range page.Records {
			if res.Selected {
				if err := norm.Normalize(rec, extra, rows); err != nil {
					return fmt.Errorf("resource %q: %s: %w", res.Name, page.URL(), err)
				}
				if inPage != nil && inPage[norm.RootID()] {
					// A key met again in the page: the batch ends before
					// it, so that each holds one version of a record
					// (rows by id would mix the two versions' child rows)
					// and the writer merges or appends the next as usual.
					norm.Drop(rows)
					if err := flush(); err != nil {
						return err
					}
					rows, keyed = getRows(), nil
					clear(inPage)
					if err := norm.Normalize(rec, extra, rows); err != nil {
						return fmt.Errorf("resource %q: %s: %w", res.Name, page.URL(), err)
					}
				}
				if inPage != nil {
					inPage[norm.RootID()] = true
				}
				if parent != "" {
					keyed = append(keyed, keyedRecord{id: norm.RootID(), key: recordKey(res, rec), text: xxhash.Sum64String(rec.Raw)})
				}
			}
			if len(children) == 0 {
				continue
			}
			parent := walk.Child(rec, carried)
			for _, child := range children {
				if err := r.submit(ctx, pl, child, parent); err != nil {
					if ee := (*extract.EachError)(nil); errors.As(err, &ee) {
						return fmt.Errorf("resource %q: %s: %s record %d: %w", child.Name, page.URL(), res.Name, i+1, err)
					}
					return err
				}
			}
		}
		if err := flush(); err != nil {
			return err
		}
		kept := int64(len(page.Records))
		r.count(func() {
			stats.Pages++
			stats.Records += kept
			stats.Rows += sent
			if stats.Sample != nil {
				stats.Sample.Pages = append(stats.Sample.Pages, SamplePage{Received: len(page.Source.Records), Kept: len(page.Records)})
			}
		})
		if r.opts.SamplePages > 0 && pages >= r.opts.SamplePages {
			break // windows of an incremental chain each stop at SamplePages
		}
	}
	cur, changed := walk.Cursor()
	if inc := res.Incremental; inc != nil {
		committed := r.committed[c.Key()]
		start := state.StartValue(string(inc.InitialValue), committed.Value, time.Duration(inc.Lag))
		end := committed.Value
		if changed {
			end = state.ParseCursor(cur.Cursor).Value
		}
		r.count(func() {
			if stats.Incremental == nil {
				stats.Incremental = &IncrementalStats{}
			}
			stats.Incremental.chain(committed.Value != "", start, end)
		})
	}
	if changed && res.Selected {
		return r.send(ctx, msg{res: res, cursor: &cur})
	}
	return nil
}

// submit starts the request chains of res for one parent record (nil for
// a root resource): one, or one per item of its list variable, times one
// per distinct item of the parent record's list it fans out over
// (extract.Items; none for an empty list).
func (r *runner) submit(ctx context.Context, pl *pool, res *plan.Resource, parent *extract.Parent) error {
	items := []string{""}
	if _, given := r.opts.Records[res.Name]; res.EachVar != "" && (parent != nil || !given) {
		items = res.Each
	}
	elems := []gjson.Result{{}}
	if res.EachList != "" && parent != nil {
		var err error
		if elems, err = r.x.Items(res, parent); err != nil {
			return err
		}
	}
	chains := make([]extract.Chain, 0, len(items)*len(elems))
	for _, item := range items {
		for _, e := range elems {
			chains = append(chains, extract.Chain{Resource: res, Parent: parent, Item: item, Element: e})
		}
	}
	r.count(func() {
		if r.sampled != nil {
			chains = chains[:min(len(chains), max(0, r.opts.SamplePages-r.sampled[res.Name]))]
			r.sampled[res.Name] += len(chains)
		}
		r.done.add(res.Name, len(chains))
		r.stats[res.Name].Submitted += int64(len(chains))
	})
	for _, c := range chains {
		run := func(ctx context.Context) error {
			if err := r.chain(ctx, pl, c); err != nil {
				return err
			}
			var done []*plan.Resource
			r.count(func() {
				r.stats[res.Name].Ended++
				done = r.done.finish(res)
			})
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

// normalizer returns a Normalizer for the records of one chain of res,
// with the resource's shaping: extra columns, processing steps, hints.
func (r *runner) normalizer(res *plan.Resource) *normalize.Normalizer {
	hints := hintTypes(res)
	c := normalize.Config{
		Table:             res.Table,
		PrimaryKey:        res.PrimaryKey,
		MaxNesting:        res.MaxTableNesting,
		LoadID:            r.loadID,
		Hints:             hints,
		Tally:             r.hintTally(res.Name, hints),
		IDFromContent:     res.IDFromContent,
		MaxIdentLen:       r.opts.MaxIdentLen,
		Parent:            res.Parent,
		IncludeFromParent: res.IncludeFromParent,
		ListVar:           res.EachVar,
		Required:          res.Required,
		Secrets:           r.x.Redactor,
		Names:             r.names,
		Steps:             res.ProcessingSteps,
		Fingerprint:       fingerprinted(res),
	}
	return normalize.New(c)
}

// fingerprinted reports whether res's root rows get a _pipe_hash, by
// which a merge leaves unchanged records out: merge resources whose
// schema contract drops nothing. Under discard_row or discard_value the
// rows stored depend on the tables' schema as well as on the record, so
// a record equal to the stored one may still need writing.
func fingerprinted(res *plan.Resource) bool {
	c := contractOf(res)
	for _, m := range []schema.Mode{c.Tables, c.Columns, c.DataType} {
		if m == schema.ModeDiscardRow || m == schema.ModeDiscardValue {
			return false
		}
	}
	return res.WriteDisposition == "merge"
}

func (r *runner) send(ctx context.Context, m msg) error {
	if m.rows != nil && r.encode != nil {
		m.enc = r.encode(m.res, m.rows) // on this goroutine, not the writer's
	}
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
