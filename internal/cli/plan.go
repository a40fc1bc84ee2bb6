package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/spec"
)

func (e *env) planCommand() *cobra.Command {
	var f planFlags
	var format, openAPI string
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "plan SPEC",
		Short: "Print the resolved resource graph and first requests, without network",
		Long: `Plan prints what run would do: each resource with its inherited settings
(resource_defaults and client applied), its parent, paginator, auth kind and
first request. Secrets are never resolved or printed. --format json prints
the resource graph as JSON; mermaid and dot draw it. With an OpenAPI
document (--openapi, or openapi.yaml|yml|json beside SPEC) the text also
shows the tables and columns its response schemas promise.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if jsonOut {
				format = "json"
			}
			if format != "text" && format != "json" && format != "mermaid" && format != "dot" {
				return usagef("--format %q: want text, json, mermaid or dot", format)
			}
			p, err := e.buildPlan(args[0], f)
			if err != nil {
				return err
			}
			switch format {
			case "json":
				return e.writeJSON(planJSON(p))
			case "mermaid":
				return planMermaid(e.stdout, p)
			case "dot":
				return planDot(e.stdout, p)
			}
			if err := p.Describe(e.stdout); err != nil {
				return err
			}
			if openAPI == "" {
				openAPI = openAPIBeside(p.File)
			}
			if openAPI == "" {
				return nil
			}
			return describeOpenAPI(e.stdout, p, openAPI)
		},
	}
	addPlanFlags(cmd, &f)
	cmd.Flags().StringVar(&openAPI, "openapi", "", "also print the tables and columns the response schemas of this OpenAPI document promise (default: openapi.yaml|yml|json beside SPEC)")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print JSON (same as --format json)")
	cmd.Flags().StringVar(&format, "format", "text", "text, json, mermaid or dot")
	return cmd
}

// planDoc is the JSON of pipe plan. Paginator, auth and incremental are
// compiled with every default applied (plan.PaginatorSettings,
// plan.AuthSettings, plan.IncrementalSettings); credentials appear only
// as their {secrets.*} placeholders, a value written in the spec as ***.
type planDoc struct {
	Name        string            `json:"name"`
	File        string            `json:"file"`
	BaseURL     string            `json:"base_url"`
	Concurrency int               `json:"concurrency"`
	Vars        map[string]string `json:"vars"`
	Resources   []planResource    `json:"resources"`
}

type planResource struct {
	Name             string          `json:"name"`
	Table            string          `json:"table"`
	Parent           string          `json:"parent"`
	Loaded           bool            `json:"loaded"`    // selected: its rows are loaded
	Extracted        bool            `json:"extracted"` // needed: requested, for itself or its children
	Method           string          `json:"method"`
	Path             string          `json:"path"`
	Paginator        plan.Settings   `json:"paginator"` // type auto: detected from the first response
	Auth             plan.Settings   `json:"auth"`      // null without
	ResponseActions  []plan.Settings `json:"response_actions"`
	DataSelector     string          `json:"data_selector"` // "": detected from the first response
	WriteDisposition string          `json:"write_disposition"`
	PrimaryKey       []string        `json:"primary_key"`
	MergeKey         []string        `json:"merge_key"`
	Incremental      plan.Settings   `json:"incremental"` // null without
	// Poll is left out for a resource without endpoint.poll.
	Poll plan.Settings `json:"poll,omitempty"`
	// Each is F[*] for a resource that runs one request chain per item
	// of its parent records' list F.
	Each string `json:"each,omitempty"`
}

func planJSON(p *plan.Plan) planDoc {
	d := planDoc{Name: p.Name, File: p.File, BaseURL: p.BaseURL, Concurrency: p.Concurrency, Vars: p.Vars, Resources: []planResource{}}
	if d.Vars == nil {
		d.Vars = map[string]string{}
	}
	for _, r := range p.Resources {
		pk, mk := r.PrimaryKey, r.MergeKey
		if pk == nil {
			pk = []string{}
		}
		if mk == nil {
			mk = []string{}
		}
		d.Resources = append(d.Resources, planResource{Name: r.Name, Table: r.Table, Parent: r.Parent,
			Loaded: r.Selected, Extracted: r.Needed, Method: r.Method, Path: r.Path.String(),
			Paginator: plan.PaginatorSettings(r.Paginator), Auth: plan.AuthSettings(r.Auth),
			ResponseActions: plan.ActionSettings(r.ResponseActions), DataSelector: r.DataSelector,
			WriteDisposition: r.WriteDisposition, PrimaryKey: pk, MergeKey: mk, Incremental: plan.IncrementalSettings(r),
			Poll: plan.PollSettings(r.Poll)})
		if r.EachList != "" {
			d.Resources[len(d.Resources)-1].Each = r.EachList + spec.EachMark
		}
	}
	return d
}

// planMermaid draws the resource graph as a Mermaid flowchart: an edge
// from each parent resource to each child, unloaded resources dashed.
func planMermaid(w io.Writer, p *plan.Plan) error {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	id := map[string]string{}
	for i, r := range p.Resources {
		id[r.Name] = fmt.Sprintf("r%d", i)
		fmt.Fprintf(&b, "  r%d[\"%s<br/>%s %s\"]\n", i, mermaidText(r.Name), r.Method, mermaidText(r.Path.String()))
	}
	for _, r := range p.Resources {
		switch {
		case r.EachList != "":
			fmt.Fprintf(&b, "  %s -->|\"each %s\"| %s\n", id[r.Parent], mermaidText(r.EachList+spec.EachMark), id[r.Name])
		case r.Parent != "":
			fmt.Fprintf(&b, "  %s --> %s\n", id[r.Parent], id[r.Name])
		}
	}
	for _, r := range p.Resources {
		if !r.Selected {
			fmt.Fprintf(&b, "  style %s stroke-dasharray: 5 5\n", id[r.Name])
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// planDot draws the resource graph in Graphviz's dot language.
func planDot(w io.Writer, p *plan.Plan) error {
	var b strings.Builder
	b.WriteString("digraph plan {\n  rankdir=LR;\n  node [shape=box];\n")
	for _, r := range p.Resources {
		style := ""
		if !r.Selected {
			style = ", style=dashed"
		}
		fmt.Fprintf(&b, "  %s [label=%s%s];\n", dotID(r.Name), dotID(r.Name+"\n"+r.Method+" "+r.Path.String()), style)
	}
	for _, r := range p.Resources {
		switch {
		case r.EachList != "":
			fmt.Fprintf(&b, "  %s -> %s [label=%s];\n", dotID(r.Parent), dotID(r.Name), dotID("each "+r.EachList+spec.EachMark))
		case r.Parent != "":
			fmt.Fprintf(&b, "  %s -> %s;\n", dotID(r.Parent), dotID(r.Name))
		}
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}
