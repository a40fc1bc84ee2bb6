package rest

import (
	"time"
)

// Auth kinds, the values of AuthConfig.Type.
const (
	AuthAPIKey                  = "api_key"
	AuthBearer                  = "bearer"
	AuthHTTPBasic               = "http_basic"
	AuthOAuth2ClientCredentials = "oauth2_client_credentials"
	AuthLogin                   = "login"
	AuthOAuth2RefreshToken      = "oauth2_refresh_token"
	AuthTokenBroker             = "token_broker"
)

// Defaults of auth fields, applied by AuthConfig.ApplyDefaults.
const (
	DefaultAuthHeader     = "Authorization"
	DefaultAPIKeyLocation = "header"
	DefaultTokenPath      = "access_token"
	DefaultExpiresInPath  = "expires_in"
	DefaultHeaderPrefix   = "Bearer "
	DefaultClientAuth     = "basic"
	// DefaultDltTokenExpiration is dlt's default_token_expiration: the
	// lifetime assumed for a token whose reply has no expires_in, when the
	// block uses dlt's spelling (access_token_url).
	DefaultDltTokenExpiration = time.Hour
)

// AuthConfig is one compiled auth block: what the spec wrote, in dlt's
// spelling or pipe's, mapped onto one set of fields with every default
// applied. engine/plan builds it; this package never sees the spec.
//
// String fields are templates: they may still hold {secrets.*} (and, in
// login bodies, other) placeholders, which constructors resolve through
// AuthEnv.Expand. An AuthConfig therefore holds no secret value and is
// safe to print.
type AuthConfig struct {
	Type string

	// api_key: Name (default Authorization), Location (header, the
	// default; query; cookie), APIKey sent verbatim.
	Name, Location, APIKey string

	// bearer
	Token string

	// http_basic; login: the HTTP Basic credentials of the token request
	// (spec: login's basic block), sent to TokenURL only.
	Username, Password string

	// oauth2_client_credentials, oauth2_refresh_token, login
	TokenURL, ClientID, ClientSecret string
	Scopes                           []string
	// ClientAuth is how oauth2 clients authenticate at the token URL:
	// "basic" (HTTP basic, pipe's default) or "body" (form fields, dlt's
	// behaviour and the default when access_token_url is used).
	ClientAuth string
	// TokenData are extra form fields of the token request (pipe's
	// token_data, dlt's access_token_request_data); they may override
	// grant_type.
	TokenData map[string]string
	// DefaultTokenExpiration is the lifetime of a token whose reply has no
	// expires_in; 0 keeps it until a 401.
	DefaultTokenExpiration time.Duration

	// oauth2_refresh_token
	AuthorizeURL, RevokeURL, RedirectURI string
	Credential                           string // default: the spec name

	// login: exactly one of Form and JSON; values are templates expanded
	// at each login.
	Form                     map[string]string
	JSON                     map[string]any
	TokenPath                string // gjson, default access_token
	ExpiresInPath            string // gjson, seconds; default expires_in unless ExpiresAtPath is set
	ExpiresAtPath            string // gjson, an absolute expiry (RFC 3339, epoch seconds or milliseconds)
	HeaderName, HeaderPrefix string // default Authorization; "Bearer " (set by plan: "" is a valid prefix)

	// token_broker
	BrokerURL, BrokerAPIKey, OrgID string
}

// ApplyDefaults fills the unset fields that have a default for c's type.
func (c *AuthConfig) ApplyDefaults() {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	switch c.Type {
	case AuthAPIKey:
		def(&c.Name, DefaultAuthHeader)
		def(&c.Location, DefaultAPIKeyLocation)
	case AuthOAuth2ClientCredentials, AuthOAuth2RefreshToken:
		def(&c.ClientAuth, DefaultClientAuth)
	case AuthLogin:
		def(&c.TokenPath, DefaultTokenPath)
		if c.ExpiresAtPath == "" {
			def(&c.ExpiresInPath, DefaultExpiresInPath)
		}
		def(&c.HeaderName, DefaultAuthHeader)
	}
}
