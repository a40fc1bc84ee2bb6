package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/rest"
	"github.com/pipe-etl/pipe/engine/spec"
	"github.com/pipe-etl/pipe/sources"
)

// planFlags are the flags that shape a plan, shared by run and plan.
type planFlags struct {
	vars      []string
	baseURL   string
	resources []string
}

// readSpec reads SPEC: a file path, or the name of a shipped spec.
func readSpec(arg string) (file string, data []byte, err error) {
	data, err = os.ReadFile(arg)
	if err == nil {
		return arg, data, nil
	}
	if !errors.Is(err, fs.ErrNotExist) || strings.ContainsAny(arg, `/\`) || strings.HasSuffix(arg, ".yml") || strings.HasSuffix(arg, ".yaml") {
		return "", nil, usagef("spec %s: %w", arg, err)
	}
	file, data, err = sources.Open(arg)
	if err != nil {
		return "", nil, usagef("spec %q is neither a file nor a shipped spec (shipped: %s)", arg, strings.Join(sources.Names(), ", "))
	}
	return file, data, nil
}

// loadSpec reads and validates SPEC.
func loadSpec(arg string) (*spec.Spec, error) {
	file, data, err := readSpec(arg)
	if err != nil {
		return nil, err
	}
	return spec.Load(file, data)
}

// buildPlan loads SPEC and resolves it with the flags.
func (e *env) buildPlan(arg string, f planFlags) (*plan.Plan, error) {
	s, err := loadSpec(arg)
	if err != nil {
		return nil, err
	}
	return e.buildPlanFrom(s, f)
}

// options turns the flags into plan options; a bad --var is a spec error
// reported by plan.Build, so it is passed through as written.
func (f planFlags) options(getenv func(string) (string, bool)) (plan.Options, error) {
	vars := map[string]string{}
	for _, kv := range f.vars {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return plan.Options{}, usagef("--var %q: want NAME=VALUE", kv)
		}
		vars[k] = v
	}
	var names []string
	for _, r := range f.resources {
		for _, n := range strings.Split(r, ",") {
			if n = strings.TrimSpace(n); n != "" {
				names = append(names, n)
			}
		}
	}
	return plan.Options{Vars: vars, BaseURL: f.baseURL, Resources: names, LookupEnv: getenv}, nil
}

// missingSecrets lists the {secrets.*} the needed resources use that no
// store holds, with where each is looked up, so a run fails before any request.
func missingSecrets(p *plan.Plan, has func(name string) bool) error {
	seen := map[string]bool{}
	var missing []string
	check := func(t spec.Template) {
		for _, part := range t.Placeholders() {
			if part.Namespace == spec.NSSecrets && !seen[part.Name] {
				seen[part.Name] = true
				if !has(part.Name) {
					missing = append(missing, fmt.Sprintf("%s (set environment variable %s or add it to .pipe/secrets.yml)", part.Name, strings.ToUpper(part.Name)))
				}
			}
		}
	}
	parse := func(s string) {
		if t, err := spec.ParseTemplate(s); err == nil {
			check(t)
		}
	}
	parse(p.BaseURL)
	for _, t := range p.Headers {
		check(t)
	}
	for _, r := range p.Resources {
		if !r.Needed {
			continue
		}
		r.EachTemplate(check)
		if a := r.Auth; a != nil {
			for _, s := range authStrings(a) {
				parse(s)
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return usagef("missing secret(s):\n  %s", strings.Join(missing, "\n  "))
}

// authStrings returns every string field of an auth block that may hold placeholders.
func authStrings(a *rest.AuthConfig) []string {
	out := []string{a.APIKey, a.Token, a.Username, a.Password, a.TokenURL, a.ClientID, a.ClientSecret,
		a.AuthorizeURL, a.RevokeURL, a.RedirectURI, a.BrokerURL, a.BrokerAPIKey, a.OrgID, a.Credential}
	for _, v := range a.TokenData {
		out = append(out, v)
	}
	for _, v := range a.Form {
		out = append(out, v)
	}
	return out
}
