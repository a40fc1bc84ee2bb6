package plan

import (
	"strings"

	"github.com/pipe-etl/pipe/engine/rest"
)

// AuthSettings returns a compiled auth block as pipe plan prints it: its
// type, then every field that is set, defaults included. Credentials
// show as the {secrets.*} placeholders they are written as (see
// hideCredential), never a value; nil (no auth) gives nil.
func AuthSettings(a *rest.AuthConfig) Settings {
	if a == nil {
		return nil
	}
	s := Settings{{Name: "type", Value: a.Type}}
	switch a.Type {
	case rest.AuthAPIKey:
		s.opt("location", a.Location)
		s.opt("name", a.Name)
		s.cred("api_key", a.APIKey)
	case rest.AuthBearer:
		s.cred("token", a.Token)
	case rest.AuthHTTPBasic:
		s.optQuoted("username", a.Username)
		s.cred("password", a.Password)
	case rest.AuthOAuth2ClientCredentials, rest.AuthOAuth2RefreshToken:
		s.opt("token_url", a.TokenURL)
		s.optQuoted("client_id", a.ClientID)
		s.cred("client_secret", a.ClientSecret)
		s.opt("client_auth", a.ClientAuth)
		if len(a.Scopes) > 0 {
			s.add("scopes", a.Scopes)
		}
		s.fields("token_data", a.TokenData)
		if a.DefaultTokenExpiration > 0 {
			s.add("default_token_expiration", a.DefaultTokenExpiration.String())
		}
		s.opt("authorize_url", a.AuthorizeURL)
		s.opt("revoke_url", a.RevokeURL)
		s.opt("redirect_uri", a.RedirectURI)
		s.optQuoted("credential", a.Credential)
	case rest.AuthLogin:
		s.opt("token_url", a.TokenURL)
		if a.Username != "" || a.Password != "" {
			b := Settings{{Name: "username", Value: a.Username, quote: true}}
			b.cred("password", a.Password)
			s.add("basic", b)
		}
		s.fields("form", a.Form)
		if a.JSON != nil {
			s.add("json", bodySettings(a.JSON))
		}
		s.opt("token_path", a.TokenPath)
		s.opt("expires_in_path", a.ExpiresInPath)
		s.opt("expires_at_path", a.ExpiresAtPath)
		s.opt("header_name", a.HeaderName)
		s.optQuoted("header_prefix", a.HeaderPrefix)
	case rest.AuthTokenBroker:
		s.opt("broker_url", a.BrokerURL)
		s.cred("broker_api_key", a.BrokerAPIKey)
		s.optQuoted("org_id", a.OrgID)
		s.optQuoted("client_id", a.ClientID)
		s.cred("client_secret", a.ClientSecret)
	}
	return s
}

// fields appends a form or token request body, each field as
// fieldValue shows it, unless it has none.
func (s *Settings) fields(name string, m map[string]string) {
	if len(m) == 0 {
		return
	}
	var f Settings
	for _, k := range sortedKeys(m) {
		f = append(f, Setting{Name: k, Value: fieldValue(k, m[k]), quote: true})
	}
	s.add(name, f)
}

// bodySettings is a login JSON body as pipe plan may print it: every
// leaf through fieldValue under the name of the field that holds it.
func bodySettings(m map[string]any) Settings {
	keys := sortedKeys(m)
	out := make(Settings, len(keys))
	for i, k := range keys {
		out[i] = Setting{Name: k, Value: bodyValue(k, m[k]), quote: true}
	}
	return out
}

func bodyValue(name string, v any) any {
	switch x := v.(type) {
	case map[string]any:
		return bodySettings(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = bodyValue(name, e)
		}
		return out
	case string:
		return fieldValue(name, x)
	case nil:
		return nil
	}
	if plainFields[strings.ToLower(name)] {
		return v
	}
	return redacted
}

// authText renders a compiled auth block with its defaults for pipe
// plan's text: "none", or its type and settings.
func authText(a *rest.AuthConfig) string {
	s := AuthSettings(a)
	if s == nil {
		return "none"
	}
	if len(s) == 1 {
		return a.Type
	}
	return a.Type + " (" + s[1:].text() + ")"
}
