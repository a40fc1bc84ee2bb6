package openapi

import (
	"net/url"
	"slices"
	"strings"
)

// server is the chosen base URL as a spec template, with its variables.
type server struct {
	baseURL string // with {vars.NAME} for server variables, ending in /
	path    string // the URL's path below the host (/rest), "" for none
	vars    []ServerVar
	comment string
}

// chooseServer takes the first server; variables become spec vars.
func chooseServer(d *Doc, res *Result) server {
	if len(d.Servers) == 0 {
		// No default: a default host (api.example.com) would get the
		// credentials of a run that forgot to set it.
		res.Notes = append(res.Notes, "no server in the document: set api_url")
		return server{baseURL: "{vars.api_url}/", vars: []ServerVar{{Name: "api_url", Description: "the document names no server", Placeholder: true}},
			comment: "guess: the document names no server; set api_url"}
	}
	s := d.Servers[0]
	u := strings.TrimSuffix(s.URL, "/")
	var vars []ServerVar
	for _, v := range s.Vars {
		v.Name = snake(v.Name)
		u = strings.ReplaceAll(u, "{"+s.varName(v.Name)+"}", "{vars."+v.Name+"}")
		vars = append(vars, v)
	}
	srv := server{vars: vars}
	if !strings.Contains(u, "://") {
		// A relative server ("/api/v3") is relative to where the document is served.
		vars = append(vars, ServerVar{Name: "api_host", Description: "the document's server " + s.URL + " is relative", Placeholder: true})
		srv.vars = vars
		srv.comment = "guess: the server URL " + s.URL + " is relative; set api_host"
		u = "{vars.api_host}" + u
	} else {
		srv.comment = "servers[0]"
		if len(d.Servers) > 1 {
			srv.comment += " (" + itoa(len(d.Servers)-1) + " more in the document)"
		}
		if alts := serverChoices(d); len(s.Vars) == 0 && len(alts) > 1 && alts[0] == u {
			// Intercom's US, EU and AU hosts: the account decides which.
			srv.vars = append(srv.vars, ServerVar{Name: "server", Default: u, Enum: alts, Description: "the document's servers"})
			srv.comment = "guess: servers[0] of the document's " + itoa(len(alts)) + ": pick another with --var server=…"
			srv.path = serverPath(u)
			srv.baseURL = "{vars.server}/"
			res.Notes = append(res.Notes, "base_url "+s.URL+" from "+srv.comment)
			return srv
		}
		var label string
		if u, label = placeholderHost(u); label != "" {
			srv.vars = append(srv.vars, ServerVar{Name: snake(label), Description: "the document's host names a placeholder, " + label, Placeholder: true})
			srv.comment += "; guess: " + label + " is a placeholder: set --var " + snake(label) + "=…"
		}
	}
	srv.baseURL = u + "/"
	srv.path = serverPath(u)
	res.Notes = append(res.Notes, "base_url "+s.URL+" from "+srv.comment)
	return srv
}

// varName finds the original spelling of a server variable named snake.
func (s Server) varName(snakeName string) string {
	for _, v := range s.Vars {
		if snake(v.Name) == snakeName {
			return v.Name
		}
	}
	return snakeName
}

// placeholderHost replaces the label of u's host that the document wrote
// as a placeholder (https://your-domain.atlassian.net) with a spec var,
// and returns that label; "" when there is none.
func placeholderHost(u string) (string, string) {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return u, ""
	}
	host, path, _ := strings.Cut(rest, "/")
	labels := strings.Split(host, ".")
	for i, l := range labels {
		low := strings.ToLower(l)
		if !strings.ContainsAny(host, "{}") && (strings.HasPrefix(low, "your") || strings.HasPrefix(low, "<")) {
			labels[i] = "{vars." + snake(l) + "}"
			out := scheme + "://" + strings.Join(labels, ".")
			if path != "" {
				out += "/" + path
			}
			return out, l
		}
	}
	return u, ""
}

// serverPath returns a server URL's path below the host, without its
// slashes ("rest"); braces of variables are read as plain text.
func serverPath(u string) string {
	pu, err := url.Parse(strings.NewReplacer("{", "", "}", "").Replace(u))
	if err != nil {
		return ""
	}
	return strings.Trim(pu.Path, "/")
}

// serverChoices returns the document's absolute servers without
// variables, without a trailing slash, each once, in document order.
func serverChoices(d *Doc) []string {
	var out []string
	for _, s := range d.Servers {
		u := strings.TrimSuffix(s.URL, "/")
		if strings.Contains(u, "://") && !strings.ContainsAny(u, "{}") && !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return out
}
