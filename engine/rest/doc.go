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
//     default 60s), 429, a 403 with Retry-After or a rate limit
//     remaining of 0 (GitHub's), 500, 502, 503 and 504 are retried up to
//     MaxAttempts (default 5) tries in all, waiting a random time between
//     0 and min(MaxBackoff, InitialBackoff·2^(n-1)) (full jitter; defaults
//     1s and 60s). A server's Retry-After (seconds or HTTP-date), and on a
//     rate limit X-RateLimit-Reset, X-Rate-Limit-Reset (Okta) or
//     RateLimit-Reset (seconds, or a Unix time when above 1e9), replaces
//     that wait, the longest one winning, even beyond MaxBackoff; a wait above five minutes (or MaxBackoff if
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
// NewPaginator builds one from a PaginatorConfig, taken as is: plan
// compiles the spec's paginator into it with every default applied
// (DefaultPaginator gives them), so `pipe plan` prints what runs. Every
// kind's Doc comment (JSONLink, HeaderLink, Offset, PageNumber, Cursor,
// HeaderCursor, LastID, SinglePage, Auto) lists its fields and stop rule.
// What all of them share:
//
//   - a next link or cursor seen before, or a response byte for byte the
//     previous one, is an error wrapping ErrLoop;
//   - max_pages (DefaultMaxPages, 100000, unless set) bounds a chain:
//     reaching it while the response points to another page is an error
//     wrapping ErrMaxPages, so a link that changes on every page
//     (?page=1&nonce=…) is never followed forever;
//   - a paginator that would stop while the response says there is more
//     fails with an error wrapping ErrMorePages that names the field that
//     shows it and the setting that follows it: a has_more-style flag
//     (has_more, hasMore, more, has_next, hasNextPage, … at the top level
//     or under meta, pagination, paging, page_info, response_metadata,
//     page) that is true; a total (total, total_count, totalCount,
//     totalResults, totalElements, …) above the records read; a key
//     containing "next" that still holds a link or a cursor; a Link
//     header rel="next". A flag that says the end (has_more false,
//     end_of_stream or last true) settles it. Links and cursors count only
//     on a page with records; single_page reads nothing;
//   - the page whose paginator fails is not yielded: its error is.
//
// auto (also a missing paginator) decides on the first response and logs
// "paginator: detected <kind> (<why>)"; see Auto for the order. It never
// guesses offset or page_number, and a first response that shows more
// pages it cannot follow is an error naming them.
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
// (an object is one record, null none). A path the body does not hold is
// an error naming the keys it does hold, so {"error": "quota exceeded"}
// on a 200 is not taken for an empty page; so are an empty body (except
// on a 204) and a body that is not JSON. response_actions decide whether
// such a response is ignored. Empty means detect: a top-level array; else
// the one array-valued top-level key; else the one array one level down;
// else, with no array at all, the object is one record, unless it holds
// an error key (error, errors, fault). Several candidates are an error
// naming them. The detected path is logged once ("data_selector:
// detected \"data\"") and kept.
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
//   - login: token_url (required), form or json (values are templates
//     expanded at each login), basic (username and password sent as HTTP
//     Basic with the token request only; without form or json the POST
//     has no body), at least one of the three; token_path (default
//     access_token), expires_in_path (default expires_in, seconds) or
//     expires_at_path (an RFC 3339 date-time, epoch seconds or
//     milliseconds), either absent from the reply meaning no expiry;
//     header_name (default Authorization), header_prefix (default
//     "Bearer "). Logs in again 30 s before expiry and after a 401, once
//     for concurrent requests. A failed login names the token URL and
//     status, never the credentials.
package rest
