package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pipe-etl/pipe/engine/rest"
	"github.com/pipe-etl/pipe/engine/spec"
	"github.com/pipe-etl/pipe/internal/openapi"
)

func (e *env) initCommand() *cobra.Command {
	var from, out string
	var o openapi.Options
	cmd := &cobra.Command{
		Use:   "init --from-openapi FILE_OR_URL",
		Short: "Write a spec from an OpenAPI document (Swagger 2.0, OpenAPI 3.0, 3.1)",
		Long: `Init writes a spec with one resource per list-returning GET operation of
an OpenAPI document: parents from path parameters, required query params as
vars, data_selector, primary_key, paginator and auth from the document. Every
inferred setting carries a "# guess" comment; a summary goes to stderr.`,
		Example: `  pipe init --from-openapi openapi.yaml -o acme.yml
  pipe init --from-openapi https://api.acme.com/openapi.json --include '/v2/**' --tag Projects`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from == "" {
				return usagef("init: --from-openapi FILE_OR_URL is required")
			}
			data, err := openapi.Read(cmd.Context(), rest.DefaultHTTPClient(), from)
			if err != nil {
				return usagef("openapi document %s: %w", from, err)
			}
			doc, err := openapi.Parse(data)
			if err != nil {
				return usagef("%s: %w", from, err)
			}
			if o.Source == "" {
				o.Source = from
			}
			res, err := openapi.Generate(doc, o)
			if err != nil {
				return usagef("%s: %w", from, err)
			}
			name := out
			if name == "" {
				name = "spec.yml"
			}
			if _, err := spec.Load(name, res.YAML); err != nil {
				return fmt.Errorf("generated spec does not validate (a bug in pipe init): %w", err)
			}
			if out == "" || out == "-" {
				_, err = e.stdout.Write(res.YAML)
			} else {
				err = os.WriteFile(out, res.YAML, 0o644)
			}
			if err != nil {
				return err
			}
			writeInitSummary(e.stderr, out, from, doc, res)
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from-openapi", "", "the OpenAPI document: a file or an http(s) URL")
	cmd.Flags().StringVarP(&out, "output", "o", "", "write the spec to this file (default stdout)")
	cmd.Flags().StringVar(&o.Name, "name", "", "spec name (default: from the document's title)")
	cmd.Flags().StringSliceVar(&o.Include, "include", nil, "keep only paths matching these globs (* within a segment, /** for a subtree)")
	cmd.Flags().StringSliceVar(&o.Exclude, "exclude", nil, "drop paths matching these globs")
	cmd.Flags().StringSliceVar(&o.Tags, "tag", nil, "keep only operations with one of these tags")
	cmd.Flags().StringSliceVar(&o.Resources, "resources", nil, "keep only these resources (and their parents)")
	return cmd
}

// writeInitSummary says what was written, detected, guessed and skipped.
func writeInitSummary(w io.Writer, out, from string, doc *openapi.Doc, res *openapi.Result) {
	if out == "" {
		out = "stdout"
	}
	guesses := 0
	for _, r := range res.Resources {
		guesses += r.Guesses
	}
	fmt.Fprintf(w, "wrote %s: %d resource(s) from %d GET operation(s) of %s (%s, OpenAPI %s); %d guess(es) marked \"# guess\"\n",
		out, len(res.Resources), len(doc.Ops), from, doc.Title, doc.Version, guesses)
	for _, n := range res.Notes {
		fmt.Fprintf(w, "  detected: %s\n", n)
	}
	for _, r := range res.Resources {
		extra := ""
		if r.Parent != "" {
			extra = ", child of " + r.Parent
		}
		if r.Guesses > 0 {
			extra += fmt.Sprintf(", %d guess(es)", r.Guesses)
		}
		fmt.Fprintf(w, "  resource %-28s GET %s (%s%s)\n", r.Name, r.Path, r.Paginator, extra)
	}
	if len(res.Skipped) > 0 {
		fmt.Fprintf(w, "  skipped %d operation(s) (listed at the end of the spec):\n", len(res.Skipped))
		for _, s := range res.Skipped {
			fmt.Fprintf(w, "    %s\n", strings.TrimSpace(s))
		}
	}
}
