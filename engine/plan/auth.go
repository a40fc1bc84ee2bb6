package plan

import (
	"strconv"
	"time"

	"github.com/pipe-etl/pipe/engine/rest"
	"github.com/pipe-etl/pipe/engine/spec"
)

// authCache compiles each auth block once, so resources that share a
// block share its compiled config (and, at run time, its tokens).
type authCache map[*spec.Auth]*rest.AuthConfig

// compileAuth maps an auth block, in pipe's or dlt's spelling, onto
// rest.AuthConfig with variables bound and every default applied.
// Secrets stay placeholders.
func (c authCache) compile(errs *errorList, path, pipeline string, a *spec.Auth, vars map[string]string) *rest.AuthConfig {
	if a == nil {
		return nil
	}
	if cfg, ok := c[a]; ok {
		return cfg
	}
	str := func(field, v string) string {
		if v == "" {
			return ""
		}
		return compile(errs, path+"."+field, v, vars).String()
	}
	strMap := func(field string, m map[string]string) map[string]string {
		if m == nil {
			return nil
		}
		out := make(map[string]string, len(m))
		for k, v := range m {
			out[k] = str(field+"."+k, v)
		}
		return out
	}
	cfg := &rest.AuthConfig{
		Type: a.Type,
		Name: str("name", a.Name), Location: a.Location, APIKey: str("api_key", a.APIKey),
		Token:    str("token", a.Token),
		Username: str("username", a.Username), Password: str("password", a.Password),
		TokenURL: str("token_url", a.TokenURL), ClientID: str("client_id", a.ClientID), ClientSecret: str("client_secret", a.ClientSecret),
		ClientAuth:   a.ClientAuth,
		TokenData:    strMap("token_data", a.TokenData),
		AuthorizeURL: str("authorize_url", a.AuthorizeURL), RevokeURL: str("revoke_url", a.RevokeURL),
		RedirectURI: str("redirect_uri", a.RedirectURI), Credential: str("credential", a.Credential),
		Form:      strMap("form", a.Form),
		TokenPath: a.TokenPath, ExpiresInPath: a.ExpiresInPath, HeaderName: a.HeaderName,
		HeaderPrefix: rest.DefaultHeaderPrefix,
		BrokerURL:    str("broker_url", a.BrokerURL), BrokerAPIKey: str("broker_api_key", a.BrokerAPIKey), OrgID: str("org_id", a.OrgID),
	}
	for i, s := range a.Scopes {
		cfg.Scopes = append(cfg.Scopes, str("scopes["+strconv.Itoa(i)+"]", s))
	}
	if a.JSON != nil {
		cfg.JSON = bindJSONText(errs, path+".json", a.JSON, vars).(map[string]any)
	}
	if a.HeaderPrefix != nil {
		cfg.HeaderPrefix = *a.HeaderPrefix
	}
	cfg.ExpiresAtPath = a.ExpiresAtPath
	if b := a.Basic; b != nil { // login: HTTP Basic on the token request
		cfg.Username, cfg.Password = str("basic.username", b.Username), str("basic.password", b.Password)
	}
	if cfg.Type == "" && a.Token != "" {
		cfg.Type = rest.AuthBearer // dlt: a block with only a token is bearer
	}
	if cfg.Credential == "" && cfg.Type == rest.AuthOAuth2RefreshToken {
		cfg.Credential = pipeline
	}
	// dlt's spelling of oauth2_client_credentials.
	if a.AccessTokenURL != "" {
		if a.TokenURL != "" {
			errs.add(path+".access_token_url", "give token_url or access_token_url, not both")
		}
		cfg.TokenURL = str("access_token_url", a.AccessTokenURL)
		if cfg.ClientAuth == "" {
			cfg.ClientAuth = "body" // dlt sends client_id and client_secret in the form
		}
		cfg.DefaultTokenExpiration = rest.DefaultDltTokenExpiration
	}
	if len(a.AccessTokenRequestData) > 0 {
		if cfg.TokenData == nil {
			cfg.TokenData = map[string]string{}
		}
		for k, v := range strMap("access_token_request_data", a.AccessTokenRequestData) {
			cfg.TokenData[k] = v
		}
	}
	if a.DefaultTokenExpiration != nil {
		cfg.DefaultTokenExpiration = time.Duration(*a.DefaultTokenExpiration) * time.Second
	}
	cfg.ApplyDefaults()
	c[a] = cfg
	return cfg
}

// bindJSON binds variables in the string leaves of a JSON body.
func bindJSONText(errs *errorList, path string, v any, vars map[string]string) any {
	switch t := v.(type) {
	case string:
		return compile(errs, path, t, vars).String()
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = bindJSONText(errs, path+"."+k, e, vars)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = bindJSONText(errs, path+"["+strconv.Itoa(i)+"]", e, vars)
		}
		return out
	}
	return v
}

// compileActions maps response_actions onto rest's rules.
func compileActions(in []spec.ResponseAction) []rest.ResponseAction {
	if in == nil {
		return nil
	}
	out := make([]rest.ResponseAction, len(in))
	for i, a := range in {
		out[i] = rest.ResponseAction{StatusCode: a.StatusCode, Content: a.Content, Condition: a.Condition, Action: a.Action}
	}
	return out
}

// CompileAuth compiles one auth block of s outside a resource (pipe auth
// login picks a block from auths by type), with vars bound.
func CompileAuth(s *spec.Spec, a *spec.Auth, vars map[string]string) (*rest.AuthConfig, error) {
	errs := &errorList{s: s}
	cfg := authCache{}.compile(errs, "auths", s.Name, a, vars)
	return cfg, errs.err()
}
