package spec

import (
	"strings"
	"testing"
)

// TestDltResourceSettingsWarn checks dlt's resource settings load, and
// that those pipe ignores are warned about, positioned (merge_key is
// not one of them: see plan, MergeKey).
func TestDltResourceSettingsWarn(t *testing.T) {
	src := `client:
  base_url: https://api.example.com/
resources:
  - name: issues
    primary_key: id
    write_disposition: merge
    parallelized: true
    merge_key: created_date
    table_format: iceberg
    columns:
      created_at: {name: created_at, data_type: timestamp}
`
	s, err := Load("dlt.yml", []byte(src))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if r := s.Resources[0]; !r.Parallelized || r.Columns["created_at"].Name != "created_at" {
		t.Errorf("resource = %+v", r)
	}
	var got []string
	for _, w := range Warnings(s) {
		got = append(got, w.Error())
	}
	want := []string{
		`dlt.yml:9:19: resources[0].table_format: warning: table_format "iceberg" is ignored: SQLite and Postgres tables have one format`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestEndValueWarnsOfDltDifference: where pipe is deliberately safer than
// dlt (an inclusive end_value), validate says what dlt does and how to get
// its result, in both of dlt's spellings of incremental.
func TestEndValueWarnsOfDltDifference(t *testing.T) {
	src := `client:
  base_url: https://api.example.com/
resources:
  - name: events
    endpoint:
      path: events
      incremental: {cursor_path: id, initial_value: 1, end_value: 100, start_param: since}
  - name: posts
    endpoint:
      path: posts
      params:
        since: {type: incremental, cursor_path: updated_at, initial_value: "2024-01-01T00:00:00Z", end_value: "2024-02-01T00:00:00Z"}
  - name: users
    endpoint:
      path: users
      incremental: {cursor_path: id, initial_value: 1, start_param: since}
  - name: logs
    endpoint:
      path: logs
      incremental: {cursor_path: at, initial_value: "2024-01-01", end_value: "2024-02-01", range_end: open, row_order: asc}
  - name: audits
    endpoint:
      path: audits
      incremental: {cursor_path: at, initial_value: "2024-01-01", end_value: "2024-02-01", range_end: closed}
`
	s, err := Load("dlt.yml", []byte(src))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	var got []string
	for _, w := range Warnings(s) {
		got = append(got, w.Error())
	}
	const msg = "warning: end_value is inclusive in pipe (a record whose cursor equals it is loaded, so none at the edge is lost); dlt excludes it by default: write range_end: open for dlt's result, or range_end: closed to keep pipe's"
	want := []string{
		"dlt.yml:7:67: resources[0].endpoint.incremental.end_value: " + msg,
		"dlt.yml:12:111: resources[1].endpoint.params.since.end_value: " + msg,
		"dlt.yml:20:120: resources[3].endpoint.incremental.row_order: warning: row_order does nothing in pipe: it reads every page, where dlt stops at the first record out of range (the records loaded are the same while the API keeps that order)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
