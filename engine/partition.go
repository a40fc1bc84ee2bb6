package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"log/slog"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/pipe-etl/pipe/engine/extract"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/state"
)

// RootRecords requests every record of the root resource name as a run
// would (each item of its list variable, processing filters applied, no
// incremental cursor) and returns the records raw, writing nothing. A
// partitioned run splits them into partitions, each loaded by Run with
// Options.Records. Only o's request settings are used.
func RootRecords(ctx context.Context, p *plan.Plan, o Options, name string) ([]json.RawMessage, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	res := p.Resource(name)
	if res == nil || res.Parent != "" {
		return nil, fmt.Errorf("resource %q: not a root resource of the plan", name)
	}
	r, err := newRunner(ctx, p, o)
	if err != nil {
		return nil, err
	}
	items := []string{""}
	if res.EachVar != "" {
		items = res.Each
	}
	var out []json.RawMessage
	for _, item := range items {
		walk, err := r.x.Walk(extract.Chain{Resource: res, Item: item}, state.Cursor{}, time.Now())
		if err != nil {
			return nil, err
		}
		for page, err := range walk.Pages(ctx) {
			if err != nil {
				return nil, err
			}
			for _, rec := range page.Records {
				out = append(out, json.RawMessage(strings.Clone(rec.Raw)))
			}
		}
	}
	return out, nil
}

// givenPages yields the records of Options.Records as one page.
func givenPages(resource string, records []json.RawMessage) iter.Seq2[extract.Page, error] {
	return func(yield func(extract.Page, error) bool) {
		recs := make([]gjson.Result, len(records))
		for i, raw := range records {
			recs[i] = gjson.ParseBytes(raw)
		}
		yield(extract.GivenPage(recs, "records of "+resource+" given to the run"), nil)
	}
}
