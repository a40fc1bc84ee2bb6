package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pipe-etl/pipe/internal/dbview"
)

func (e *env) schemaCommand() *cobra.Command {
	var f viewFlags
	var format string
	cmd := &cobra.Command{
		Use:   "schema [SPEC]",
		Short: "Print the tables loaded in a destination: columns, keys, row counts, parent tables",
		Long: `Schema prints every data table of the destination of SPEC (as run picks
it: --dest, $PIPE_DEST, ./<name>.db) or of --dest: its columns with type and
nullability, its primary key, its exact row count and its parent table.
--format json prints the same as JSON; mermaid and dot draw the table tree.`,
		Example: `  pipe schema snyk
  pipe schema --dest postgres://localhost/db?schema=snyk --json
  pipe schema snyk --format mermaid`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.jsonOut {
				format = "json"
			}
			draw, ok := tableFormats[format]
			if !ok {
				return usagef("--format %q: want text, json, mermaid or dot", format)
			}
			v, err := e.openView(cmd.Context(), cmd, args, f)
			if err != nil {
				return err
			}
			defer v.Close()
			tables, err := v.Tables(cmd.Context())
			if err != nil {
				return err
			}
			if err := v.Count(cmd.Context(), tables); err != nil {
				return err
			}
			if tables == nil {
				tables = []dbview.Table{}
			}
			return draw(e, tables)
		},
	}
	addDestFlag(cmd, &f.dest)
	cmd.Flags().BoolVar(&f.jsonOut, "json", false, "print JSON (same as --format json)")
	cmd.Flags().StringVar(&format, "format", "text", "text, json, mermaid or dot")
	return cmd
}

// tableFormats print the tables of pipe schema.
var tableFormats = map[string]func(*env, []dbview.Table) error{
	"text":    func(e *env, ts []dbview.Table) error { return schemaText(e.stdout, ts) },
	"json":    func(e *env, ts []dbview.Table) error { return e.writeJSON(ts) },
	"mermaid": func(e *env, ts []dbview.Table) error { return schemaMermaid(e.stdout, ts) },
	"dot":     func(e *env, ts []dbview.Table) error { return schemaDot(e.stdout, ts) },
}

// schemaText prints each table with its row count, key and parent, then
// its columns.
func schemaText(w io.Writer, tables []dbview.Table) error {
	if len(tables) == 0 {
		_, err := fmt.Fprintln(w, "no tables (nothing loaded yet)")
		return err
	}
	for _, t := range tables {
		var about []string
		about = append(about, fmt.Sprintf("%d rows", t.Rows))
		if len(t.Key) > 0 {
			about = append(about, "primary key "+strings.Join(t.Key, ", "))
		}
		if t.Parent != "" {
			about = append(about, "child of "+t.Parent)
		}
		fmt.Fprintf(w, "%s (%s)\n", t.Name, strings.Join(about, "; "))
		width := 0
		for _, c := range t.Columns {
			width = max(width, len(c.Name))
		}
		for _, c := range t.Columns {
			null := "null"
			if !c.Nullable {
				null = "not null"
			}
			if c.Name == "_pipe_id" {
				null += ", unique"
			}
			if _, err := fmt.Fprintf(w, "  %-*s  %-9s  %s\n", width, c.Name, c.Type, null); err != nil {
				return err
			}
		}
	}
	return nil
}

// schemaMermaid draws the table tree as a Mermaid flowchart: an edge from
// each parent table to each child table.
func schemaMermaid(w io.Writer, tables []dbview.Table) error {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	id := map[string]string{}
	for i, t := range tables {
		id[t.Name] = fmt.Sprintf("t%d", i)
		fmt.Fprintf(&b, "  t%d[\"%s<br/>%d rows\"]\n", i, mermaidText(t.Name), t.Rows)
	}
	for _, t := range tables {
		if p, ok := id[t.Parent]; ok {
			fmt.Fprintf(&b, "  %s --> %s\n", p, id[t.Name])
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// schemaDot draws the table tree in Graphviz's dot language.
func schemaDot(w io.Writer, tables []dbview.Table) error {
	var b strings.Builder
	b.WriteString("digraph schema {\n  rankdir=LR;\n  node [shape=box];\n")
	for _, t := range tables {
		fmt.Fprintf(&b, "  %s [label=%s];\n", dotID(t.Name), dotID(fmt.Sprintf("%s\n%d rows", t.Name, t.Rows)))
	}
	for _, t := range tables {
		if t.Parent != "" {
			fmt.Fprintf(&b, "  %s -> %s;\n", dotID(t.Parent), dotID(t.Name))
		}
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// mermaidText escapes text for a quoted Mermaid label.
func mermaidText(s string) string {
	return strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;").Replace(s)
}

// dotID quotes s as a dot ID.
func dotID(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}
