// Package cassette records a run's HTTP requests and responses to a file
// and replays them offline, on gopkg.in/dnaeon/go-vcr.v4. A cassette is
// safe to commit: headers that carry credentials are removed, the auth's
// query parameters dropped, and every secret value (raw, URL-encoded,
// base64) and OAuth token in URLs, bodies and headers replaced with
// REDACTED before the file is written. Requests are matched by method,
// URL and body with the same redaction applied, so a replay needs no
// credentials; a request the cassette does not hold fails with 501 and is
// listed by Misses.
package cassette
