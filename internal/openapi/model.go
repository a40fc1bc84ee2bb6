package openapi

import "strings"

// Doc is the part of an OpenAPI document that a spec is generated from.
type Doc struct {
	Title   string
	Version string // "2.0", "3.0.3", "3.1.0"
	Servers []Server
	// Ops are the GET operations, in document order.
	Ops []*Operation
	// Security are the security schemes by name, in document order.
	Security []SecurityScheme
	// DefaultSecurity names the schemes of the document's first security
	// requirement, if any.
	DefaultSecurity []string
}

// Server is a base URL with its variables.
type Server struct {
	URL  string
	Vars []ServerVar
}

// ServerVar is a variable of a server URL.
type ServerVar struct {
	Name, Default, Description string
	Enum                       []string
	// Placeholder marks a host label the document wrote as a placeholder
	// (Jira's your-domain): the spec var gets no default, so a run must
	// set it before anything is sent.
	Placeholder bool
}

// Operation is one GET operation.
type Operation struct {
	Path        string // as in the document: /orgs/{org_id}/projects
	OperationID string
	Summary     string
	Tags        []string
	Params      []Param
	// Response is the schema of the first 2xx JSON response; nil if none.
	Response *Schema
	// MediaType is the response's media type (application/json, application/vnd.api+json).
	MediaType string
	// Example is the response example (decoded JSON-like value), if any.
	Example any
	// Headers are the response headers the document names (Link, X-Next-Cursor).
	Headers []string
	// Security names the operation's own first requirement's schemes.
	Security []string
	// Server is the URL of the operation's own first server, else its
	// path item's (Google Maps' maps.googleapis.com under a document
	// server www.googleapis.com); "" when it names none.
	Server string
}

// Param is a query, path or header parameter.
type Param struct {
	Name, In    string
	Required    bool
	Type        string
	Enum        []string
	Default     string
	Example     string
	ExampleFrom string // where Example came from (example, x-…-example)
	Minimum     *float64
	Maximum     *float64
	Description string
}

// SecurityScheme is an entry of securitySchemes (3.x) or securityDefinitions (2.0).
type SecurityScheme struct {
	Name        string
	Type        string // apiKey, http, oauth2, openIdConnect, basic (2.0)
	In          string // apiKey: header, query, cookie
	ParamName   string // apiKey: header or query parameter name
	Scheme      string // http: bearer, basic
	Flow        string // oauth2: clientCredentials, authorizationCode, … (2.0: application, accessCode)
	TokenURL    string
	Scopes      []string
	Description string
}

// param returns the operation's parameter named name in in, or nil.
func (o *Operation) param(in, name string) *Param {
	for i := range o.Params {
		if o.Params[i].In == in && o.Params[i].Name == name {
			return &o.Params[i]
		}
	}
	return nil
}

// queryParam returns the operation's query parameter named name in any
// case (Twilio's PageSize for pageSize), or nil.
func (o *Operation) queryParam(name string) *Param {
	if p := o.param("query", name); p != nil {
		return p
	}
	for i := range o.Params {
		if o.Params[i].In == "query" && strings.EqualFold(o.Params[i].Name, name) {
			return &o.Params[i]
		}
	}
	return nil
}
