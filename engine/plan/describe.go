package plan

import (
	"fmt"
	"io"
	"strings"

	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/pipe-etl/pipe/engine/spec"
)

// Describe prints the resolved plan: every resource with its inherited
// settings and its first request. Placeholders that need the network or a
// secret ({secrets.*}, {resources.*}) are printed as written, never
// resolved, so the output is safe to share.
func (p *Plan) Describe(w io.Writer) error {
	pr := &printer{w: w}
	pr.line(0, "plan %s (%s)", p.Name, p.File)
	pr.line(1, "base_url: %s", p.BaseURL)
	pr.line(1, "concurrency: %d", p.Concurrency)
	if rl := p.RateLimit; rl != nil {
		pr.line(1, "rate_limit: %s", rateText(rl))
	}
	for _, k := range sortedKeys(p.Vars) {
		pr.line(1, "var %s = %q", k, p.Vars[k])
	}
	pr.line(0, "resources (parents first):")
	for _, r := range p.Resources {
		p.describeResource(pr, r)
	}
	return pr.err
}

func (p *Plan) describeResource(pr *printer, r *Resource) {
	load := "loaded"
	switch {
	case !r.Needed:
		load = "not selected"
	case !r.Selected:
		load = "extracted for its children, not loaded"
	}
	pr.line(1, "%s -> table %s (%s)", r.Name, r.Table, load)
	switch {
	case r.EachList != "":
		pr.line(2, "parent: %s (one request chain per distinct item of %s%s in each %s record; uses %s)", r.Parent, r.EachList, spec.EachMark, r.Parent, strings.Join(r.ParentFields, ", "))
	case r.Parent != "":
		pr.line(2, "parent: %s (one request chain per %s record; uses %s)", r.Parent, r.Parent, strings.Join(r.ParentFields, ", "))
	}
	if r.EachVar != "" {
		pr.line(2, "each: one request chain per item of vars.%s (%d: %s), in column _%s", r.EachVar, len(r.Each), strings.Join(r.Each, ", "), r.EachVar)
	}
	if len(r.IncludeFromParent) > 0 {
		pr.line(2, "include_from_parent: %s%s", strings.Join(r.IncludeFromParent, ", "), itemColumns(r))
	}
	pr.line(2, "request: %s %s", r.Method, p.describeURL(r))
	if r.JSON != nil || len(r.Data) > 0 || len(r.RawData) > 0 {
		pr.line(2, "body: %s", describeBody(r))
	}
	if r.Poll != nil {
		pr.line(2, "poll: %s", pollText(r.Poll))
	}
	pr.line(2, "paginator: %s", paginatorText(r.Paginator))
	pr.line(2, "auth: %s", authText(r.Auth))
	for i, a := range ActionSettings(r.ResponseActions) {
		pr.line(2, "response_actions[%d]: %s", i, a.text())
	}
	sel := r.DataSelector
	if sel == "" {
		sel = "(detected from the first response)"
	}
	if r.EmptyListOmitted {
		sel += " (absent: no records)"
	}
	pr.line(2, "data_selector: %s", sel)
	wd := r.WriteDisposition
	if len(r.PrimaryKey) > 0 {
		wd += " on " + strings.Join(r.PrimaryKey, ", ")
	}
	if len(r.MergeKey) > 0 {
		wd += "; each load replaces the rows of every " + strings.Join(r.MergeKey, ", ") + " it meets (merge_key)"
	}
	pr.line(2, "write_disposition: %s", wd)
	if inc := r.Incremental; inc != nil {
		pr.line(2, "incremental: cursor %s from %q%s", inc.CursorPath, inc.InitialValue, perParent(r))
	}
	if r.RateLimit != nil {
		pr.line(2, "rate_limit: %s", rateText(r.RateLimit))
	}
}

// describeURL renders the first request's URL with remaining placeholders
// as written. For root resources with an incremental cursor, the start
// value is the initial value.
func (p *Plan) describeURL(r *Resource) string {
	render := func(t spec.Template) string {
		var b strings.Builder
		for _, part := range t {
			if part.Namespace == spec.NSIncremental && r.Incremental != nil {
				switch part.Name {
				case "start_value", "initial_value":
					b.WriteString(string(r.Incremental.InitialValue))
					continue
				case "end_value":
					b.WriteString(string(r.Incremental.EndValue))
					continue
				}
			}
			b.WriteString(part.String())
		}
		return b.String()
	}
	path := render(r.Path)
	u := path
	if !isAbsolute(path) {
		u = strings.TrimRight(p.BaseURL, "/") + "/" + strings.TrimLeft(path, "/")
	}
	var q []string
	for _, prm := range r.Params {
		v := render(prm.Value)
		if v == "" && !prm.Empty {
			continue // left out, as RequestURL leaves it out
		}
		q = append(q, prm.Name+"="+v)
	}
	if inc := r.Incremental; inc != nil && inc.StartParam != "" {
		q = append(q, inc.StartParam+"="+string(inc.InitialValue))
	}
	if len(q) > 0 {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + strings.Join(q, "&")
	}
	return u
}

func describeBody(r *Resource) string {
	if len(r.RawData) > 0 {
		return "raw " + r.RawData.String()
	}
	if len(r.Data) > 0 {
		var kv []string
		for _, k := range sortedKeys(r.Data) {
			kv = append(kv, k+"="+r.Data[k].String())
		}
		return "form " + strings.Join(kv, "&")
	}
	var b strings.Builder
	writeJSON(&b, r.JSON)
	return "json " + b.String()
}

func writeJSON(b *strings.Builder, v any) {
	switch x := v.(type) {
	case map[string]any:
		b.WriteString("{")
		for i, k := range sortedKeys(x) {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(b, "%q: ", k)
			writeJSON(b, x[k])
		}
		b.WriteString("}")
	case []any:
		b.WriteString("[")
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeJSON(b, e)
		}
		b.WriteString("]")
	case spec.Template:
		fmt.Fprintf(b, "%q", x.String())
	default:
		fmt.Fprintf(b, "%v", x)
	}
}

func perParent(r *Resource) string {
	switch {
	case r.Parent == "":
		return ""
	case r.EachList != "":
		return fmt.Sprintf(", one cursor per item of %s%s of each %s record", r.EachList, spec.EachMark, r.Parent)
	}
	return fmt.Sprintf(", one cursor per %s record", r.Parent)
}

func rateText(rl *spec.RateLimit) string {
	if rl.RequestsPerMinute > 0 {
		return fmt.Sprintf("%g requests/minute", rl.RequestsPerMinute)
	}
	return fmt.Sprintf("%g requests/second", rl.RequestsPerSecond)
}

type printer struct {
	w   io.Writer
	err error
}

func (p *printer) line(indent int, format string, args ...any) {
	if p.err != nil {
		return
	}
	_, p.err = fmt.Fprintf(p.w, "%s%s\n", strings.Repeat("  ", indent), fmt.Sprintf(format, args...))
}

// itemColumns names the columns that include_from_parent entries of
// items (F[*], F[*].G) fill: " (the item in column _P_F)", or "".
func itemColumns(r *Resource) string {
	var cols []string
	for _, f := range r.IncludeFromParent {
		if _, _, ok := spec.EachItem(f); ok {
			cols = append(cols, "_"+schema.SnakeCase(r.Parent)+"_"+schema.SnakeCase(spec.EachColumn(f)))
		}
	}
	if len(cols) == 0 {
		return ""
	}
	return " (the item in column " + strings.Join(cols, ", ") + ")"
}
