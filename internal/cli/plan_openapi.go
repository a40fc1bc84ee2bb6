package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/internal/openapi"
)

// openAPIBeside finds openapi.yaml, openapi.yml or openapi.json in the
// spec file's folder; "" for none.
func openAPIBeside(specFile string) string {
	for _, n := range []string{"openapi.yaml", "openapi.yml", "openapi.json"} {
		p := filepath.Join(filepath.Dir(specFile), n)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	return ""
}

// describeOpenAPI prints, for each needed resource, the tables and
// columns its operation's response schema promises.
func describeOpenAPI(w io.Writer, p *plan.Plan, file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return usagef("--openapi: %w", err)
	}
	doc, err := openapi.Parse(data)
	if err != nil {
		return usagef("--openapi %s: %w", file, err)
	}
	fmt.Fprintf(w, "\ntables promised by %s (response schemas):\n", file)
	for _, r := range p.Resources {
		if !r.Needed {
			continue
		}
		op := doc.FindOperation(r.Path.String())
		if op == nil {
			fmt.Fprintf(w, "  %s: no GET operation matches %s\n", r.Name, r.Path.String())
			continue
		}
		rec := op.Records(r.DataSelector)
		if rec == nil {
			fmt.Fprintf(w, "  %s: GET %s documents no JSON response schema\n", r.Name, op.Path)
			continue
		}
		for _, t := range openapi.Tables(r.Table, rec, r.MaxTableNesting) {
			head := fmt.Sprintf("  %s (GET %s)", t.Name, op.Path)
			if t.Parent != "" {
				head = fmt.Sprintf("  %s (child of %s)", t.Name, t.Parent)
			}
			fmt.Fprintln(w, head)
			for _, c := range t.Columns {
				fmt.Fprintf(w, "    %-40s %s\n", c.Name, c.Type)
			}
		}
	}
	return nil
}
