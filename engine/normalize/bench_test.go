package normalize

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/tidwall/gjson"
)

// benchPage returns a page of Snyk-issue-shaped records (compact JSON),
// each with its own id, from testdata/snyk_issues.json.
func benchPage(b testing.TB, size int) []gjson.Result {
	data, err := os.ReadFile("testdata/snyk_issues.json")
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(gjson.GetBytes(data, "records.0").Raw)); err != nil {
		b.Fatal(err)
	}
	rec := buf.String()
	if bb, ok := b.(*testing.B); ok {
		bb.SetBytes(int64(len(rec)))
	}
	page := make([]gjson.Result, size)
	for i := range page {
		page[i] = gjson.Parse(fmt.Sprintf(`{"id":"issue-%06d",%s`, i, rec[len(`{"id":"d5b640e5-d88c-4c17-9bf0-93597b7a1ce2",`):]))
	}
	return page
}

// BenchmarkNormalize measures one Snyk issue record (~1.5 KB, 7 tables,
// 10 rows) per op, in pages of 100 records with Rows reused; "secrets"
// keeps credentials out as a run does (the benchmark spec's token and
// header registered with a rest.Redactor); "fingerprint" adds the
// _pipe_hash of a merge resource, as the shipped snyk spec's issues get.
func BenchmarkNormalize(b *testing.B) {
	red := rest.NewRedactor()
	red.Add("demo-token")
	red.Add("token demo-token")
	for _, bc := range []struct {
		name        string
		secrets     Secrets
		fingerprint bool
	}{{"plain", nil, false}, {"secrets", red, false}, {"fingerprint", red, true}} {
		b.Run(bc.name, func(b *testing.B) {
			page := benchPage(b, 100)
			n := New(Config{MaxNesting: 10, Table: "issues", PrimaryKey: []string{"id"}, MaxIdentLen: 63, Secrets: bc.secrets, Fingerprint: bc.fingerprint})
			extra := []Field{{Name: "_orgs_id", Value: "a3952187-0d8e-45d8-9aa2-036a2ac6ea5b"}}
			var rows Rows
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if i%len(page) == 0 {
					rows.Reset()
				}
				if err := n.Normalize(page[i%len(page)], extra, &rows); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkNormalizeFit adds Rows.Fit against existing tables, per page
// of 100 records; reported per record.
func BenchmarkNormalizeFit(b *testing.B) {
	page := benchPage(b, 100)
	n := New(Config{MaxNesting: 10, Table: "issues", PrimaryKey: []string{"id"}, MaxIdentLen: 63})
	var rows Rows
	for _, rec := range page {
		if err := n.Normalize(rec, nil, &rows); err != nil {
			b.Fatal(err)
		}
	}
	existing := map[string]*schema.Table{}
	res, err := rows.Fit(nil, schema.Evolver{})
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range res {
		existing[r.Name] = r.Table
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%len(page) == 0 {
			if _, err := rows.Fit(existing, schema.Evolver{}); err != nil {
				b.Fatal(err)
			}
			rows.Reset()
		}
		if err := n.Normalize(page[i%len(page)], nil, &rows); err != nil {
			b.Fatal(err)
		}
	}
}
