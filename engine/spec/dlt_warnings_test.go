package spec

import (
	"strings"
	"testing"
)

// TestDltResourceSettingsWarn checks dlt's resource settings load, and
// that those pipe ignores are warned about, positioned.
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
		`dlt.yml:8:16: resources[0].merge_key: warning: merge_key is ignored: pipe's merge upserts on primary_key (dlt's merge_key replaces the rows that share the key)`,
		`dlt.yml:9:19: resources[0].table_format: warning: table_format "iceberg" is ignored: SQLite and Postgres tables have one format`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
