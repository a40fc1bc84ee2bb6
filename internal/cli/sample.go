package cli

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/destinations/sqlite"
	"github.com/pipe-etl/pipe/engine"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/rest"
	"github.com/pipe-etl/pipe/engine/schema"
)

// sample runs p as a sample (pipe run --sample N) into a SQLite file in
// a temporary directory, removed afterwards, and prints per resource the
// requests, what was detected, the records per page and the tables pipe
// would create. A failed request fails the command, after the report.
func (e *env) sample(ctx context.Context, p *plan.Plan, store secrets.Store, pages int, hc *http.Client, red *rest.Redactor) error {
	dir, err := os.MkdirTemp("", "pipe-sample-")
	if err != nil {
		return fmt.Errorf("sample: %w", err)
	}
	defer os.RemoveAll(dir)
	dest, err := sqlite.Open(ctx, filepath.Join(dir, "sample.db"))
	if err != nil {
		return fmt.Errorf("sample: %w", err)
	}
	defer dest.Close()
	rep, runErr := engine.Run(ctx, p, engine.Options{
		Dest:        dest,
		Secrets:     store,
		Logger:      e.logger(),
		SamplePages: pages,
		Auth:        e.authKinds(dest),
		HTTPClient:  hc,
		Redactor:    red,
	})
	if rep == nil {
		return runErr
	}
	tables, err := dest.Tables(ctx)
	if err != nil {
		return fmt.Errorf("sample: %w", err)
	}
	printSample(e.stdout, p, rep, tables, pages)
	return runErr
}

// printSample writes the report of a sample run, resources in plan order.
func printSample(w io.Writer, p *plan.Plan, rep *engine.Report, tables []schema.Table, pages int) {
	fmt.Fprintf(w, "sample of %s: at most %d pages per request chain, children of the first %d parent records; nothing kept\n", p.Name, pages, pages)
	byName := map[string]*schema.Table{}
	for i := range tables {
		byName[tables[i].Name] = &tables[i]
	}
	for _, res := range p.Resources {
		s := rep.Resources[res.Name]
		if s == nil || s.Sample == nil {
			continue
		}
		fmt.Fprintf(w, "\n%s", res.Name)
		if !res.Selected {
			fmt.Fprint(w, " (extracted for its children, not loaded)")
		}
		fmt.Fprintln(w)
		for _, line := range choices(res, s.Sample.Detected) {
			fmt.Fprintf(w, "  %s\n", line)
		}
		// Chains may run in any order (the pool queues children); the pages
		// of one chain keep theirs, and chains are listed by path.
		reqs := slices.Clone(s.Sample.Requests)
		slices.SortStableFunc(reqs, func(a, b rest.Attempt) int {
			pa, _, _ := strings.Cut(pathOf(a.URL), "?")
			pb, _, _ := strings.Cut(pathOf(b.URL), "?")
			return strings.Compare(pa, pb)
		})
		width := 0
		for _, a := range reqs {
			width = max(width, len(a.Method)+1+len(pathOf(a.URL)))
		}
		for _, a := range reqs {
			status := fmt.Sprint(a.Status)
			if a.Status == 0 {
				status = "---"
			}
			fmt.Fprintf(w, "  %-*s  %s  %s\n", width, a.Method+" "+pathOf(a.URL), status, a.Duration.Round(100*time.Microsecond))
		}
		if len(s.Sample.Pages) > 0 {
			counts := make([]string, len(s.Sample.Pages))
			for i, pg := range s.Sample.Pages {
				counts[i] = fmt.Sprint(pg.Received)
				if pg.Kept != pg.Received {
					counts[i] += fmt.Sprintf(" (%d kept)", pg.Kept)
				}
			}
			fmt.Fprintf(w, "  records per page: %s\n", strings.Join(counts, ", "))
		}
		if res.Selected {
			printTables(w, byName, res.Table)
		}
	}
}

// choices says which paginator and data selector each resource used:
// the spec's, or what auto-detection chose and why.
func choices(res *plan.Resource, detected []string) []string {
	var out []string
	if t := res.Paginator.Type; t != "" && t != rest.KindAuto {
		out = append(out, fmt.Sprintf("paginator: %s (from the spec)", res.Paginator.Type))
	}
	if res.DataSelector != "" {
		out = append(out, fmt.Sprintf("data_selector: %q (from the spec)", res.DataSelector))
	}
	// The paginator first, as above; detection logs the selector first.
	for _, prefix := range []string{"paginator: ", "data_selector: "} {
		for _, d := range detected {
			if strings.HasPrefix(d, prefix) {
				out = append(out, d)
			}
		}
	}
	return out
}

// pathOf drops the scheme and host of a (redacted) URL: one spec's
// requests go to the same few hosts, and the path is what differs.
func pathOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	return strings.TrimPrefix(raw, u.Scheme+"://"+u.Host)
}

// printTables writes root and its child tables, children after their
// parent, with their columns and types (pipe's own _pipe_ columns left
// out).
func printTables(w io.Writer, tables map[string]*schema.Table, root string) {
	t, ok := tables[root]
	if !ok {
		fmt.Fprintf(w, "  table %s: no rows, not created\n", root)
		return
	}
	var walk func(t *schema.Table, depth int)
	walk = func(t *schema.Table, depth int) {
		indent := strings.Repeat("  ", depth+1)
		head := "table " + t.Name
		if t.Parent != "" {
			head = "child table " + t.Name
		}
		fmt.Fprintf(w, "%s%s\n", indent, head)
		width := 0
		for _, c := range t.Columns {
			if !strings.HasPrefix(c.Name, "_pipe_") {
				width = max(width, len(c.Name))
			}
		}
		for _, c := range t.Columns {
			if strings.HasPrefix(c.Name, "_pipe_") {
				continue
			}
			extra := ""
			if c.PrimaryKey {
				extra = "  primary key"
			}
			fmt.Fprintf(w, "%s  %-*s  %s%s\n", indent, width, c.Name, c.Type, extra)
		}
		for _, name := range slices.Sorted(maps.Keys(tables)) {
			if c := tables[name]; c.Parent == t.Name {
				walk(c, depth+1)
			}
		}
	}
	walk(t, 0)
}
