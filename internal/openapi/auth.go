package openapi

import (
	"fmt"
	"strings"
)

// auth is the chosen security scheme as a spec auth block.
type auth struct {
	fields  []field
	comment string
	// Names are the header and query parameter names that carry secrets.
	names []string
	// tokenURL is an OAuth2 token URL, made a spec var (a proxy, a fake).
	tokenURL string
}

// chooseAuth takes the first supported scheme of the document's security
// requirement, else of its schemes.
func chooseAuth(d *Doc, spec string, res *Result) *auth {
	order := append([]string(nil), d.DefaultSecurity...)
	for _, s := range d.Security {
		order = append(order, s.Name)
	}
	for _, n := range order {
		for _, s := range d.Security {
			if s.Name != n {
				continue
			}
			if a := authFor(s, spec); a != nil {
				res.Notes = append(res.Notes, "auth "+a.fields[0].value+" from securitySchemes."+s.Name)
				return a
			}
		}
	}
	if len(d.Security) > 0 {
		res.Notes = append(res.Notes, "no supported security scheme; auth left out")
	}
	return nil
}

func authFor(s SecurityScheme, spec string) *auth {
	secret := func(what string) string { return "{secrets." + spec + "_" + what + "}" }
	from := "securitySchemes." + s.Name
	switch {
	case s.Type == "apiKey":
		loc := s.In
		if loc == "" {
			loc = "header"
		}
		a := &auth{fields: []field{{"type", "api_key"}, {"name", s.ParamName}, {"location", loc}, {"api_key", secret("api_key")}},
			comment: fmt.Sprintf("%s: apiKey in %s %s", from, loc, s.ParamName), names: []string{s.ParamName}}
		if strings.EqualFold(s.ParamName, "Authorization") {
			a.comment += "; guess: check whether the value needs a prefix (\"token \", \"Bearer \")"
			if p := prefixIn(s.Description); p != "" {
				a.fields[3].value = p + " " + secret("api_key")
				a.comment = fmt.Sprintf("%s: apiKey in header Authorization, prefixed with %q as its description says", from, p)
			}
		}
		return a
	case s.Type == "http" && s.Scheme == "bearer":
		return &auth{fields: []field{{"type", "bearer"}, {"token", secret("token")}}, comment: from + ": http bearer", names: []string{"Authorization"}}
	case s.Type == "http" && s.Scheme == "basic":
		return &auth{fields: []field{{"type", "http_basic"}, {"username", secret("username")}, {"password", secret("password")}}, comment: from + ": http basic", names: []string{"Authorization"}}
	case s.Type == "oauth2" && s.Flow == "clientCredentials" && s.TokenURL != "":
		f := []field{{"type", "oauth2_client_credentials"}, {"token_url", "{vars.token_url}"}, {"client_id", secret("client_id")}, {"client_secret", secret("client_secret")}}
		return &auth{fields: f, comment: from + ": oauth2 client credentials", names: []string{"Authorization"}, tokenURL: s.TokenURL}
	case s.Type == "oauth2" || s.Type == "openIdConnect":
		return &auth{fields: []field{{"type", "bearer"}, {"token", secret("access_token")}},
			comment: fmt.Sprintf("guess: %s is %s (%s flow): pass an access token obtained elsewhere", from, s.Type, s.Flow), names: []string{"Authorization"}}
	}
	return nil
}

// prefixIn finds a documented prefix: `must be prefixed with "Token "`.
func prefixIn(desc string) string {
	l := strings.ToLower(desc)
	i := strings.Index(l, "prefixed with")
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(desc[i+len("prefixed with"):], ` \"'`+"`")
	end := strings.IndexAny(rest, ` \"'`+"`.")
	if end <= 0 {
		return ""
	}
	return strings.TrimRight(rest[:end], ":,;")
}
