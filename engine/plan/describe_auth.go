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
	add := func(name, v string) {
		if v != "" {
			s = append(s, Setting{Name: name, Value: v})
		}
	}
	quoted := func(name, v string) {
		if v != "" {
			s = append(s, Setting{Name: name, Value: v, quote: true})
		}
	}
	cred := func(name, v string) {
		if v != "" {
			s = append(s, Setting{Name: name, Value: hideCredential(v), quote: true})
		}
	}
	fields := func(name string, m map[string]string) {
		if len(m) == 0 {
			return
		}
		var f Settings
		for _, k := range sortedKeys(m) {
			f = append(f, Setting{Name: k, Value: fieldValue(k, m[k]), quote: true})
		}
		s = append(s, Setting{Name: name, Value: f})
	}
	switch a.Type {
	case rest.AuthAPIKey:
		add("location", a.Location)
		add("name", a.Name)
		cred("api_key", a.APIKey)
	case rest.AuthBearer:
		cred("token", a.Token)
	case rest.AuthHTTPBasic:
		quoted("username", a.Username)
		cred("password", a.Password)
	case rest.AuthOAuth2ClientCredentials, rest.AuthOAuth2RefreshToken:
		add("token_url", a.TokenURL)
		quoted("client_id", a.ClientID)
		cred("client_secret", a.ClientSecret)
		add("client_auth", a.ClientAuth)
		if len(a.Scopes) > 0 {
			s = append(s, Setting{Name: "scopes", Value: a.Scopes})
		}
		fields("token_data", a.TokenData)
		if a.DefaultTokenExpiration > 0 {
			add("default_token_expiration", a.DefaultTokenExpiration.String())
		}
		add("authorize_url", a.AuthorizeURL)
		add("revoke_url", a.RevokeURL)
		add("redirect_uri", a.RedirectURI)
		quoted("credential", a.Credential)
	case rest.AuthLogin:
		add("token_url", a.TokenURL)
		fields("form", a.Form)
		if a.JSON != nil {
			s = append(s, Setting{Name: "json", Value: bodySettings(a.JSON)})
		}
		add("token_path", a.TokenPath)
		add("expires_in_path", a.ExpiresInPath)
		add("header_name", a.HeaderName)
		quoted("header_prefix", a.HeaderPrefix)
	case rest.AuthTokenBroker:
		add("broker_url", a.BrokerURL)
		cred("broker_api_key", a.BrokerAPIKey)
		quoted("org_id", a.OrgID)
		quoted("client_id", a.ClientID)
		cred("client_secret", a.ClientSecret)
	}
	return s
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
