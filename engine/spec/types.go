package spec

// The types below are exactly what a user writes in a spec file. They carry
// no defaults and no runtime state; engine/plan applies defaults and
// inheritance. Field names follow dlt's rest_api source where one exists.
// Every json tag must match a property in schemas/spec.schema.json (a test
// checks this both ways).

// Spec is one parsed spec file.
type Spec struct {
	Name             string            `json:"name"`
	Description      string            `json:"description,omitempty"`
	Vars             map[string]Var    `json:"vars,omitempty"`
	Client           Client            `json:"client"`
	ResourceDefaults *ResourceDefaults `json:"resource_defaults,omitempty"`
	Resources        []Resource        `json:"resources"`
	// Auths are named auth blocks that client.auth or endpoint.auth may
	// select by name, e.g. auth: "{vars.auth}", so users switch the auth
	// kind with --var auth=oauth instead of editing the spec.
	Auths map[string]*Auth `json:"auths,omitempty"`

	// File is the name the spec was loaded from, used in error messages.
	File string `json:"-"`
	// Source maps field paths to positions in File; nil for specs built in code.
	Source *Source `json:"-"`
}

// Var is a spec variable. In YAML it may be written as a scalar (the default)
// or as a mapping.
type Var struct {
	Default     *string  `json:"default,omitempty"`
	Enum        []string `json:"enum,omitempty"`
	Description string   `json:"description,omitempty"`
	// DefaultFrom names another variable whose value picks this one's
	// default from Defaults (e.g. environment: eu picks the EU token URL);
	// Default applies when Defaults has no entry for that value.
	DefaultFrom string            `json:"default_from,omitempty"`
	Defaults    map[string]string `json:"defaults,omitempty"`
	// List makes the value a comma-separated list. A resource that uses
	// {vars.NAME} runs one request chain per item (per parent record and
	// item for a child) and gets the item in a column _NAME.
	List bool `json:"list,omitempty"`
}

// Client holds what every request of the spec shares.
type Client struct {
	BaseURL     string            `json:"base_url"`
	Headers     map[string]string `json:"headers,omitempty"`
	Auth        *Auth             `json:"auth,omitempty"`
	Paginator   *Paginator        `json:"paginator,omitempty"`
	RateLimit   *RateLimit        `json:"rate_limit,omitempty"`
	Retry       *Retry            `json:"retry,omitempty"`
	Concurrency int               `json:"concurrency,omitempty"`
	// AllowedHosts are origins, besides base_url's and the auth's token
	// URL's, that requests (next links, cursor URLs, redirects) may go to
	// and carry credentials to: "host", "host:port" or "scheme://host:port".
	AllowedHosts []string `json:"allowed_hosts,omitempty"`
	// MaxResponseBytes bounds a response body after decompression
	// (default 100 MiB).
	MaxResponseBytes int64 `json:"max_response_bytes,omitempty"`
}

// RateLimit is a client-side request budget. Exactly one of the two rates is set.
type RateLimit struct {
	RequestsPerSecond float64 `json:"requests_per_second,omitempty"`
	RequestsPerMinute float64 `json:"requests_per_minute,omitempty"`
	Burst             int     `json:"burst,omitempty"`
}

// Retry configures retries of connection errors, timeouts, 429 and 5xx.
type Retry struct {
	MaxAttempts    int      `json:"max_attempts,omitempty"`
	InitialBackoff Duration `json:"initial_backoff,omitempty"`
	MaxBackoff     Duration `json:"max_backoff,omitempty"`
	// Timeout bounds one HTTP attempt, headers and body.
	Timeout Duration `json:"timeout,omitempty"`
}

// Auth is the union of all auth kinds, discriminated by Type. The JSON
// Schema (oneOf on type) decides which fields each kind accepts; engine/rest
// turns it into an Authenticator. String fields may hold placeholders.
type Auth struct {
	// Use, set when the YAML value is a string instead of a block, names
	// an entry of Spec.Auths; it may hold {vars.*} placeholders.
	Use string `json:"-"`

	Type string `json:"type"`

	// api_key
	Name     string `json:"name,omitempty"`
	APIKey   string `json:"api_key,omitempty"`
	Location string `json:"location,omitempty"` // header (default), query, cookie

	// bearer
	Token string `json:"token,omitempty"`

	// http_basic
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`

	// oauth2_client_credentials, oauth2_refresh_token, login
	TokenURL     string            `json:"token_url,omitempty"`
	ClientID     string            `json:"client_id,omitempty"`
	ClientSecret string            `json:"client_secret,omitempty"`
	Scopes       []string          `json:"scopes,omitempty"`
	ClientAuth   string            `json:"client_auth,omitempty"` // oauth2: basic (default) or body
	TokenData    map[string]string `json:"token_data,omitempty"`  // extra form fields for the token request

	// oauth2_client_credentials in dlt's spelling: access_token_url is
	// token_url, access_token_request_data is token_data, and the client
	// credentials go in the form body unless client_auth says otherwise.
	AccessTokenURL         string            `json:"access_token_url,omitempty"`
	AccessTokenRequestData map[string]string `json:"access_token_request_data,omitempty"`
	// DefaultTokenExpiration is the lifetime in seconds of a token whose
	// reply has no expires_in (dlt's default: 3600 with access_token_url).
	DefaultTokenExpiration *int `json:"default_token_expiration,omitempty"`

	// oauth2_refresh_token
	AuthorizeURL string `json:"authorize_url,omitempty"`
	RevokeURL    string `json:"revoke_url,omitempty"`
	RedirectURI  string `json:"redirect_uri,omitempty"`
	// Credential names the stored credential (refresh token, cached access
	// token) in the secret store; defaults to the spec name.
	Credential string `json:"credential,omitempty"`

	// login: POST credentials to token_url, read the token from the reply.
	Form          map[string]string `json:"form,omitempty"`
	JSON          map[string]any    `json:"json,omitempty"`
	TokenPath     string            `json:"token_path,omitempty"`      // gjson, default access_token
	ExpiresInPath string            `json:"expires_in_path,omitempty"` // gjson, default expires_in
	HeaderName    string            `json:"header_name,omitempty"`     // default Authorization
	HeaderPrefix  *string           `json:"header_prefix,omitempty"`   // default "Bearer "

	// login: ExpiresAtPath (instead of expires_in_path) reads an absolute
	// expiry: an RFC 3339 date-time (Jamf Pro's "expires") or epoch
	// seconds or milliseconds. Basic sends HTTP Basic credentials with the
	// token request, and with nothing else (Jamf Pro, Cisco Catalyst
	// Center).
	ExpiresAtPath string      `json:"expires_at_path,omitempty"`
	Basic         *LoginBasic `json:"basic,omitempty"`

	// token_broker (snykey-compatible)
	BrokerURL    string `json:"broker_url,omitempty"`
	BrokerAPIKey string `json:"broker_api_key,omitempty"`
	OrgID        string `json:"org_id,omitempty"`
}

// LoginBasic is the HTTP Basic credentials of a login's token request;
// as in http_basic, either may be empty (""), not both.
type LoginBasic struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// Paginator is the union of all paginator kinds, discriminated by Type.
type Paginator struct {
	Type string `json:"type"`

	// json_link (json_response is dlt's old name of it)
	NextURLPath string `json:"next_url_path,omitempty"`
	// RelativeTo says how a relative next link is joined: "url" (RFC 3986
	// against the request URL, the default) or "base_url" (appended to
	// client.base_url's path, for APIs such as Snyk whose links omit the
	// API root's path prefix).
	RelativeTo string `json:"relative_to,omitempty"`

	// header_link
	LinksNextKey string `json:"links_next_key,omitempty"`

	// offset
	Limit         int    `json:"limit,omitempty"`
	Offset        int    `json:"offset,omitempty"`
	OffsetParam   string `json:"offset_param,omitempty"`
	LimitParam    string `json:"limit_param,omitempty"`
	MaximumOffset int    `json:"maximum_offset,omitempty"`
	// TotalIsUpperBound (offset, with total_path) reads the total as an
	// upper bound of the offsets, not a count of the records served: Box
	// counts entries the user cannot see in total_count.
	TotalIsUpperBound bool `json:"total_is_upper_bound,omitempty"`
	// OffsetBodyPath and LimitBodyPath put the offset and the limit in the
	// JSON request body instead of the query (Jira's startAt, maxResults).
	OffsetBodyPath string `json:"offset_body_path,omitempty"`
	LimitBodyPath  string `json:"limit_body_path,omitempty"`

	// page_number
	BasePage    *int   `json:"base_page,omitempty"`
	Page        *int   `json:"page,omitempty"`
	PageParam   string `json:"page_param,omitempty"`
	MaximumPage int    `json:"maximum_page,omitempty"`
	// PageBodyPath puts the page number in the JSON request body.
	PageBodyPath string `json:"page_body_path,omitempty"`

	// offset and page_number
	TotalPath string `json:"total_path,omitempty"`
	// HasMorePath (offset, page_number, json_link, cursor, last_id) is a
	// boolean false on the last page.
	HasMorePath        string `json:"has_more_path,omitempty"`
	StopAfterEmptyPage *bool  `json:"stop_after_empty_page,omitempty"`
	// Parallel is the number of pages fetched at once when the total is known.
	Parallel int `json:"parallel,omitempty"`

	// cursor and header_cursor
	CursorPath     string `json:"cursor_path,omitempty"`
	CursorParam    string `json:"cursor_param,omitempty"`
	CursorBodyPath string `json:"cursor_body_path,omitempty"`
	CursorKey      string `json:"cursor_key,omitempty"` // header_cursor: response header name

	// last_id: the path of a record's id, sent from the last record.
	IDPath string `json:"id_path,omitempty"`

	// MaxPages bounds the pages of one request chain (every kind).
	MaxPages int `json:"max_pages,omitempty"`
}

// ResourceDefaults is merged into every resource; see plan for the rule.
type ResourceDefaults struct {
	Endpoint         *Endpoint             `json:"endpoint,omitempty"`
	PrimaryKey       StringList            `json:"primary_key,omitempty"`
	WriteDisposition Disposition           `json:"write_disposition,omitempty"`
	MaxTableNesting  *int                  `json:"max_table_nesting,omitempty"`
	SchemaContract   *SchemaContract       `json:"schema_contract,omitempty"`
	Columns          map[string]ColumnHint `json:"columns,omitempty"`
	Selected         *bool                 `json:"selected,omitempty"`
}

// Resource is one API collection loaded into one root table. In YAML a
// plain string "users" means {name: users, endpoint: {path: users}}.
type Resource struct {
	Name              string                `json:"name"`
	Endpoint          *Endpoint             `json:"endpoint,omitempty"`
	PrimaryKey        StringList            `json:"primary_key,omitempty"`
	WriteDisposition  Disposition           `json:"write_disposition,omitempty"`
	Selected          *bool                 `json:"selected,omitempty"`
	IncludeFromParent []string              `json:"include_from_parent,omitempty"`
	TableName         string                `json:"table_name,omitempty"`
	MaxTableNesting   *int                  `json:"max_table_nesting,omitempty"`
	Columns           map[string]ColumnHint `json:"columns,omitempty"`
	SchemaContract    *SchemaContract       `json:"schema_contract,omitempty"`
	ProcessingSteps   []ProcessingStep      `json:"processing_steps,omitempty"`
	// IDFromContent derives _pipe_id from the record's content when the
	// resource has no primary key, making append reruns idempotent.
	IDFromContent bool `json:"id_from_content,omitempty"`

	// MergeKey, under merge, names the fields whose values each load
	// replaces whole, as dlt's delete-insert does: the rows earlier loads
	// wrote with a value the load meets are deleted before its rows of
	// that value are written.
	MergeKey StringList `json:"merge_key,omitempty"`

	// dlt's resource settings, accepted so dlt configs load: pipe runs
	// chains concurrently anyway (Parallelized has no effect); TableFormat
	// is ignored with a validate warning.
	Parallelized bool   `json:"parallelized,omitempty"`
	TableFormat  string `json:"table_format,omitempty"`
}

// Endpoint describes the request of a resource.
type Endpoint struct {
	Path    string            `json:"path,omitempty"`
	Method  string            `json:"method,omitempty"`
	Params  map[string]Param  `json:"params,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	JSON    any               `json:"json,omitempty"`
	Data    map[string]string `json:"data,omitempty"` // form body
	// RawData is data written as a string: a raw body sent as written.
	RawData      string `json:"-"`
	DataSelector string `json:"data_selector,omitempty"`
	// EmptyListOmitted says the API leaves an empty list out of a page
	// (Google's JSON): a body without data_selector is a page with no
	// records rather than an error.
	EmptyListOmitted *bool            `json:"empty_list_omitted,omitempty"`
	Paginator        *Paginator       `json:"paginator,omitempty"`
	Auth             *Auth            `json:"auth,omitempty"`
	Incremental      *Incremental     `json:"incremental,omitempty"`
	ResponseActions  []ResponseAction `json:"response_actions,omitempty"`
	RateLimit        *RateLimit       `json:"rate_limit,omitempty"`
	// Poll asks the request again until its answer is ready: a job the
	// API runs in the background (Tenable's export status, GitHub's
	// statistics answering 202 Accepted). See Poll.
	Poll *Poll `json:"poll,omitempty"`
}

// Poll is endpoint.poll: the first request of each chain is sent again,
// every Interval (or as a Retry-After asks), until an answer is ready: a
// status other than 202 Accepted on which Until holds. A FailIf condition
// holding on an answer fails the run, and so does an answer not ready
// within Timeout. Conditions are read as response_actions conditions are.
type Poll struct {
	Until    string     `json:"until,omitempty"`
	FailIf   StringList `json:"fail_if,omitempty"`
	Interval Duration   `json:"interval,omitempty"`
	Timeout  Duration   `json:"timeout,omitempty"`
}

// Param is a query parameter value: a scalar template, the long form
// {type: resolve, resource: PARENT, field: PATH}, or dlt's incremental
// param {type: incremental, cursor_path: ...}, which is endpoint.incremental
// with start_param set to the param's name. A path placeholder {NAME}
// takes the value of the param NAME instead of sending it as a query.
type Param struct {
	Value       string       `json:"-"`
	Resolve     *Resolve     `json:"-"`
	Incremental *Incremental `json:"-"`
}

// Resolve is the long form of a {resources.PARENT.FIELD} placeholder.
type Resolve struct {
	Type     string `json:"type"`
	Resource string `json:"resource"`
	Field    string `json:"field"`
}

// Incremental configures a cursor that narrows each run to new data.
type Incremental struct {
	CursorPath   string      `json:"cursor_path"`
	InitialValue CursorValue `json:"initial_value,omitempty"`
	EndValue     CursorValue `json:"end_value,omitempty"`
	StartParam   string      `json:"start_param,omitempty"`
	EndParam     string      `json:"end_param,omitempty"`
	Lag          Duration    `json:"lag,omitempty"`
	// Filter, unless false, drops records before the start value or after
	// the end value client-side and skips records at the start value that
	// an earlier run loaded (dlt's semantics); false trusts the server's
	// filtering. See ClientFilter.
	Filter *bool `json:"filter,omitempty"`
	// Window splits the range from the start value to the end value (now
	// when end_value is empty) into windows of this length, requested one
	// after the other with both bounds, for APIs that need both or cap a
	// range. Timestamp cursors only.
	Window Duration `json:"window,omitempty"`
	// RangeStart "open" drops records whose cursor equals the run's start
	// value; "closed" (the default, as in dlt) keeps them, skipping those
	// an earlier run loaded.
	RangeStart string `json:"range_start,omitempty"`
	// RangeEnd "open" drops records whose cursor equals end_value, as dlt
	// does by default; "closed" (pipe's default) keeps them.
	RangeEnd string `json:"range_end,omitempty"`
	// OnCursorValueMissing is what a record without a cursor value (absent
	// or null) does: "include" (pipe's default) loads it, "exclude" skips
	// it, "raise" (dlt's default) fails the run.
	OnCursorValueMissing string `json:"on_cursor_value_missing,omitempty"`
	// RowOrder is dlt's hint that the API returns records in cursor order
	// ("asc", "desc"), with which dlt stops paging at the first record out
	// of range. pipe reads every page; it is accepted for dlt configs, and
	// pipe validate says it does nothing.
	RowOrder string `json:"row_order,omitempty"`
	// ParamFormat writes the date-time values sent as
	// {incremental.start_value} and {incremental.end_value} (and so
	// start_param and end_param) the way the API reads them when that is
	// not how its records write the cursor: "unix" (seconds), "unix_ms"
	// (milliseconds; a JSON number where a body value is exactly the
	// placeholder), or a Go time layout such as "2006-01-02 15:04" (Jira's
	// JQL). "" sends them as the records wrote them.
	ParamFormat string `json:"param_format,omitempty"`
	// ParamTimezone is the IANA zone a ParamFormat layout writes its
	// values in (Jira reads JQL dates in the user's zone); UTC when "".
	ParamTimezone string `json:"param_timezone,omitempty"`
	// Numeric is set when initial_value or end_value is written as a
	// number (dlt's integer cursors): the cursor is then sent as a JSON
	// number where a body value is exactly {incremental.*}.
	Numeric bool `json:"-"`
}

// CursorValue is an initial or end value: text, or a number written as
// one (kept as its literal).
type CursorValue string

// ClientFilter reports whether records are filtered by their cursor on
// the client: the default, unless incremental.filter is false.
func (i *Incremental) ClientFilter() bool { return i.Filter == nil || *i.Filter }

// The values of on_cursor_value_missing.
const (
	MissingInclude = "include"
	MissingExclude = "exclude"
	MissingRaise   = "raise"
)

// MissingCursor returns what a record without a cursor value does:
// on_cursor_value_missing, include when unset.
func (i *Incremental) MissingCursor() string {
	if i.OnCursorValueMissing == "" {
		return MissingInclude
	}
	return i.OnCursorValueMissing
}

// ResponseAction matches a response and decides what to do with it.
// Conditions that are set must all match; the first matching action wins.
type ResponseAction struct {
	StatusCode int    `json:"status_code,omitempty"`
	Content    string `json:"content,omitempty"`   // body substring
	Condition  string `json:"condition,omitempty"` // gjson path that must be truthy on the body
	Action     string `json:"action"`              // ignore, retry, fail
}

// ProcessingStep is one record transformation; exactly one field is set.
type ProcessingStep struct {
	Filter         string            `json:"filter,omitempty"` // gjson condition, e.g. attributes.status=="open"
	ExcludeColumns []string          `json:"exclude_columns,omitempty"`
	Rename         map[string]string `json:"rename,omitempty"`
	AddField       *AddField         `json:"add_field,omitempty"`
}

// AddField adds a constant or a parent field to every record.
type AddField struct {
	Name       string `json:"name"`
	Value      any    `json:"value,omitempty"`
	FromParent string `json:"from_parent,omitempty"`
}

// ColumnHint fixes a column's type or constraints instead of inferring them.
type ColumnHint struct {
	DataType   string `json:"data_type,omitempty"` // boolean, bigint, double, decimal, text, timestamp, json
	Nullable   *bool  `json:"nullable,omitempty"`
	PrimaryKey bool   `json:"primary_key,omitempty"`
	// Name is dlt's spelling of the column name; it must equal the key.
	Name string `json:"name,omitempty"`
}

// SchemaContract limits how a resource's tables may change. In YAML it may
// be a single mode applying to all three, or a mapping.
type SchemaContract struct {
	Tables   string `json:"tables,omitempty"`
	Columns  string `json:"columns,omitempty"`
	DataType string `json:"data_type,omitempty"`
}
