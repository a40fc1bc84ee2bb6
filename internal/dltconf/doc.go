// Package dltconf holds the dlt conformance corpus: rest_api configs
// transcribed from dlt's documentation and tests (testdata/*.yml, one as
// JSON), each run by a test against an httptest replica of the API shapes
// it assumes, into a real SQLite file. The golden .want file beside each
// config lists the requests sent and the tables, columns and rows loaded.
package dltconf
