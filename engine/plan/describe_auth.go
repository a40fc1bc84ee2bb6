package plan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pipe-etl/pipe/engine/rest"
)

// authText renders a compiled auth block with its defaults: its type and
// every field that is set. Credentials show as the {secrets.*} templates
// they are written as; a credential written literally in the spec shows
// as ***, never its value.
func authText(a *rest.AuthConfig) string {
	if a == nil {
		return "none"
	}
	var opts []string
	add := func(name, v string) {
		if v != "" {
			opts = append(opts, name+" "+v)
		}
	}
	quoted := func(name, v string) {
		if v != "" {
			opts = append(opts, fmt.Sprintf("%s %q", name, v))
		}
	}
	cred := func(name, v string) {
		if v != "" {
			opts = append(opts, fmt.Sprintf("%s %q", name, hideLiteral(name, v)))
		}
	}
	strMap := func(name string, m map[string]string) {
		if len(m) == 0 {
			return
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s: %q", k, hideLiteral(k, m[k]))
		}
		opts = append(opts, name+" {"+strings.Join(parts, ", ")+"}")
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
			add("scopes", strings.Join(a.Scopes, " "))
		}
		strMap("token_data", a.TokenData)
		if a.DefaultTokenExpiration > 0 {
			add("default_token_expiration", a.DefaultTokenExpiration.String())
		}
		add("authorize_url", a.AuthorizeURL)
		add("revoke_url", a.RevokeURL)
		add("redirect_uri", a.RedirectURI)
		quoted("credential", a.Credential)
	case rest.AuthLogin:
		add("token_url", a.TokenURL)
		strMap("form", a.Form)
		if a.JSON != nil {
			add("json", "{...}")
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
	if len(opts) == 0 {
		return a.Type
	}
	return a.Type + " (" + strings.Join(opts, ", ") + ")"
}

// hideLiteral returns v, or *** when the field holds a credential written
// in the spec itself rather than through a {secrets.*} placeholder.
func hideLiteral(name, v string) string {
	n := strings.ToLower(name)
	credential := false
	for _, s := range []string{"password", "secret", "token", "key"} {
		if strings.Contains(n, s) {
			credential = true
		}
	}
	if credential && !strings.Contains(v, "{secrets.") {
		return rest.Redacted
	}
	return v
}
