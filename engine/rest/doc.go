// Package rest is pipe's HTTP layer: requests, authenticators, paginators,
// retries with backoff, client-side rate limits and redaction of secrets.
// It knows nothing of resources, tables or state. This comment is the
// reference the README's paginator and auth sections are written from.
//
// # Client
//
// NewClient(Options) returns a Client shared by every request chain of a
// spec. Client.Do sends one request; Client.Pages walks a chain of pages.
//
//   - Retries: connection errors, attempt timeouts (Options.Timeout,
//     default 60s), 429, 500, 502, 503 and 504 are retried up to
//     MaxAttempts (default 5) tries in all, waiting a random time between
//     0 and min(MaxBackoff, InitialBackoff·2^(n-1)) (full jitter; defaults
//     1s and 60s). A server's Retry-After (seconds or HTTP-date), and on a
//     429 X-RateLimit-Reset or RateLimit-Reset (seconds, or a Unix time
//     when above 1e9), replaces that wait, the longest one winning, even
//     beyond MaxBackoff; a wait above five minutes (or MaxBackoff if
//     larger) fails the request at once, saying which header asked for it.
//     A cancelled context ends any wait immediately.
//   - 401: an Authenticator that is also a Refresher renews its
//     credentials once and the request is sent once more; a second 401,
//     or a 401 without a Refresher, is an *HTTPError wrapping
//     ErrUnauthorized. Other statuses of 300 and above fail at once.
//   - Rate limits: before every attempt, retries included, the client
//     waits on Options.Limiter (client.rate_limit) and then on
//     Call.Limiter (endpoint.rate_limit).
//   - response_actions: rules are tried in order and the first whose set
//     conditions all match wins: status_code equal, content a substring of
//     the body, condition a gjson condition on the body (see Condition).
//     Actions: ignore (Do returns an error wrapping ErrIgnored and Pages
//     ends the chain quietly), retry (retried like a 503, counting
//     attempts), fail (an *HTTPError, even for a 2xx).
//   - Bodies: Request.JSON is sent as JSON (Content-Type application/json
//     unless the request sets one, e.g. application/vnd.api+json),
//     Request.Form form-encoded.
//   - Errors read as breadcrumbs and never hold secrets:
//     resource "issues": page 3: GET https://api.snyk.io/rest/orgs/1/issues?version=2024-10-15: 500 Internal Server Error: {"errors":[...]} (after 5 attempts)
//   - Response size: a body longer than Options.MaxResponseBytes
//     (client.max_response_bytes, default 100 MiB), counted after
//     decompression, fails the request at once, naming the setting.
//   - Logging: every attempt is logged at debug level (pipe -v) with its
//     method, redacted URL, status or error, body bytes, duration and
//     attempt number; retries and refreshes at info level.
//
// # Origins
//
// Options.Scope holds the origins (scheme, host, port) requests may go
// to: base_url's, each auth's token URL's, absolute endpoint paths', and
// client.allowed_hosts ("host", "host:port" or "scheme://host:port").
// Client.Do checks every request against it before authenticating it, so
// a next link, Link header, cursor URL or paginator cannot send a
// credential, or the run, elsewhere: the request fails with an error
// wrapping ErrOutOfScope that names the host and client.allowed_hosts.
// With an https base_url every http request is refused; link-local and
// cloud metadata addresses (169.254.0.0/16, fe80::/10, fd00:ec2::254,
// metadata.google.internal) are refused unless listed, and so is a
// connection of the default transport to such an address that a host
// name resolved to. Redirects are
// checked the same way; one to another allowed origin is followed without
// any credential (the headers and query parameters the authenticator set,
// Authorization, Cookie, anything holding a registered secret), and no
// request carries a Referer. Token, login and broker requests follow
// redirects only on their own origin.
//
// # Redaction
//
// A Redactor replaces registered secret values with "***" in every form
// they take: raw, URL-encoded (query and path escaping), JSON-escaped
// (with or without HTML escaping, "/" as "\/") and base64. Its URL
// method also hides the values of query parameters whose name contains
// token, key, secret, password, signature, auth, code or session.
// IsSecret tells whether a string is exactly a registered secret.
// Authenticators register every credential they expand or obtain (login
// form and json fields named like password, secret, token or key
// included), the engine registers every {secrets.*} value it expands, and
// the client registers every header and query value an Authenticator
// sets, so authenticators built in other packages are covered too.
//
// # Paginators
//
// NewPaginator builds one from the spec; nil means auto. Every paginator
// stops, with an error wrapping ErrLoop, when it would request a page it
// already requested (a next link or cursor seen before), and Pages stops
// the same way when a response is byte for byte the previous one.
//
//   - json_link: next_url_path (gjson, default "next"; a {"href": ...}
//     object is accepted), relative_to ("url", default: RFC 3986
//     resolution against the request URL; "base_url": the link's path is
//     appended to client.base_url's path and its query replaces the
//     request's, so https://api.snyk.io/rest/ + /orgs?version=x&starting_after=a
//     gives https://api.snyk.io/rest/orgs?version=x&starting_after=a and no
//     parameter is sent twice). Stops when the link is missing, null or
//     empty, when it equals the page's own URL (next == self, parameter
//     order ignored), or on a page without records.
//   - header_link: links_next_key (the rel to follow, default "next") in
//     the RFC 8288 Link header; relative links resolve against the request
//     URL. Stops when there is no such link, when it equals the page's own
//     URL, or on a page without records.
//   - offset: limit (required), offset (default 0), offset_param (default
//     "offset"), limit_param (default "limit"), maximum_offset, total_path
//     (total number of items; no default), has_more_path,
//     stop_after_empty_page (default true), parallel. Stops on a page
//     without records (if stop_after_empty_page), on a page with fewer
//     than limit records, when the next offset reaches the total or
//     maximum_offset (exclusive, as in dlt), or when has_more is false.
//   - page_number: base_page (default 0), page (first page, default
//     base_page), page_param (default "page"), total_path (total number of
//     PAGES; no default), maximum_page (exclusive, as in dlt),
//     has_more_path, stop_after_empty_page (default true; when false one
//     of total_path, maximum_page, has_more_path is required), parallel.
//     Stops on a page without records (if stop_after_empty_page), when
//     the next page reaches total + base_page or maximum_page, or when
//     has_more is false.
//   - cursor: cursor_path (gjson, default "cursors.next"), cursor_param
//     (query parameter, default "cursor"), cursor_body_path (dotted path
//     in the JSON request body instead, for POST searches). Stops when the
//     cursor is missing, null or empty. An empty page does not stop it.
//   - header_cursor: cursor_key (response header, default "next"),
//     cursor_param (default "cursor"). Stops when the header is missing
//     or empty.
//   - single_page: one request.
//   - auto (also a missing paginator): decides on the first response and
//     logs "paginator: detected <kind> (<why>)": a Link rel="next" header
//     gives header_link; a URL at next, links.next, next_url or
//     pagination.next gives json_link; a cursor at cursors.next,
//     next_cursor or meta.next_cursor gives cursor (query parameter
//     "cursor"); anything else single_page. It never guesses offset or
//     page_number.
//
// With parallel above 1 and total_path set, offset and page_number
// compute every later request from the first response (PageCounter) and
// Pages fetches up to parallel pages at once, yielding them in order with
// the same records as the sequential walk. Otherwise Pages fetches the
// next page while the consumer handles the current one.
//
// # Data selector
//
// NewSelector(data_selector): a gjson path whose array gives the records
// (an object is one record, null or missing none). Empty means detect:
// a top-level array; else the one array-valued top-level key; else the
// one array one level down; else, with no array at all, the object is
// one record. Several candidates are an error naming them. The detected
// path is logged once ("data_selector: detected \"data\"") and kept.
//
// # Auth
//
// engine/plan compiles each auth block into an AuthConfig with every
// default applied; AuthKinds maps each type to its constructor
// (BuiltinAuthKinds has this package's; the composition root adds
// oauth2_refresh_token and token_broker). String fields may hold
// {secrets.*} placeholders, expanded through AuthEnv.Expand.
//
//   - api_key: api_key (required, verbatim: "token {secrets.snyk_token}"
//     sends exactly that), name (default "Authorization"), location
//     (header, default; query; cookie).
//   - bearer: token (required); sends Authorization: Bearer <token>. A
//     block without type but with token is bearer, as in dlt.
//   - http_basic: username (required), password.
//   - oauth2_client_credentials: token_url, client_id, client_secret
//     (required), scopes, token_data (extra form fields, which may
//     override grant_type), client_auth (basic, default: HTTP basic; body:
//     in the form). dlt's spelling is accepted: access_token_url,
//     access_token_request_data, default_token_expiration; with
//     access_token_url the client credentials go in the form and a reply
//     without expires_in lives 3600 s, as in dlt. The token is cached
//     until 30 s before expiry, fetched once for concurrent requests
//     (TokenCache), and replaced once after a 401 however many requests
//     got it.
//   - login: token_url (required), form or json (one required; values
//     are templates expanded at each login), token_path (default
//     access_token), expires_in_path (default expires_in, seconds; absent
//     means no expiry), header_name (default Authorization), header_prefix
//     (default "Bearer "). Logs in again 30 s before expiry and after a
//     401, once for concurrent requests. A failed login names the token
//     URL and status, never the credentials.
package rest
