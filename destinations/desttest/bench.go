package desttest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

// Sizes of BenchmarkWrite.
const (
	benchRows  = 100_000
	benchBatch = 1000
)

// snykIssues is a Snyk-issue-shaped table of 20 columns.
var snykIssues = rootTable("issues",
	col("id", schema.Text),
	col("type", schema.Text),
	col("attributes__key", schema.Text),
	col("attributes__title", schema.Text),
	col("attributes__type", schema.Text),
	col("attributes__status", schema.Text),
	col("attributes__effective_severity_level", schema.Text),
	col("attributes__ignored", schema.Boolean),
	col("attributes__created_at", schema.Timestamp),
	col("attributes__updated_at", schema.Timestamp),
	col("attributes__risk__score__value", schema.Bigint),
	col("attributes__cvss_score", schema.Double),
	col("attributes__classes", schema.JSON),
	col("attributes__coordinates", schema.JSON),
	col("relationships__organization__data__id", schema.Text),
	col("relationships__scan_item__data__id", schema.Text),
	col("relationships__scan_item__data__type", schema.Text),
	col("org_id", schema.Text),
)

// snykIssueRows returns rows n to n+count of the benchmark load.
func snykIssueRows(loadID string, n, count int) []schema.Row {
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := make([]schema.Row, count)
	for i := range rows {
		k := n + i
		id := fmt.Sprintf("4a18d42f-0706-4ad0-b127-%012d", k)
		rows[i] = schema.Row{
			schema.ColID:      id,
			schema.ColLoadID:  loadID,
			"id":              id,
			"type":            "issue",
			"attributes__key": fmt.Sprintf("SNYK-JS-LODASH-%d", 500000+k%1000),
			"attributes__title": "Prototype Pollution in lodash when merging " +
				"objects with a crafted __proto__ key",
			"attributes__type":                      "package_vulnerability",
			"attributes__status":                    []string{"open", "resolved"}[k%2],
			"attributes__effective_severity_level":  []string{"low", "medium", "high", "critical"}[k%4],
			"attributes__ignored":                   k%7 == 0,
			"attributes__created_at":                base.Add(time.Duration(k) * time.Minute),
			"attributes__updated_at":                base.Add(time.Duration(k)*time.Minute + 123456*time.Microsecond),
			"attributes__risk__score__value":        int64(k % 1000),
			"attributes__cvss_score":                float64(k%100) / 10,
			"attributes__classes":                   json.RawMessage(`[{"id":"CWE-1321","source":"CWE","type":"weakness"}]`),
			"attributes__coordinates":               json.RawMessage(`[{"remedies":[{"type":"indeterminate","description":"Upgrade lodash to 4.17.21"}],"representations":[{"dependency":{"package_name":"lodash","package_version":"4.17.15"}}]}]`),
			"relationships__organization__data__id": "b5f3c5e9-7a3e-4b8a-9f1e-2d6c1a0e4f11",
			"relationships__scan_item__data__id":    fmt.Sprintf("e0b5a1c2-9d1e-4f3a-8b7c-%012d", k%50),
			"relationships__scan_item__data__type":  "project",
			"org_id":                                "b5f3c5e9-7a3e-4b8a-9f1e-2d6c1a0e4f11",
		}
	}
	return rows
}

// BenchmarkWrite merges 100k Snyk-issue-like rows of 20 columns in
// batches of 1000 into a fresh destination from open, in one transaction
// per iteration, and reports rows/s. Building the rows is not timed.
func BenchmarkWrite(b *testing.B, open func(b *testing.B) destinations.Destination) {
	batches := make([][]schema.Row, benchRows/benchBatch)
	for i := range batches {
		batches[i] = snykIssueRows("bench", i*benchBatch, benchBatch)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		d := open(b)
		b.StartTimer()
		start := time.Now()
		tx, err := d.Begin(b.Context(), destinations.Load{ID: "bench", Pipeline: "bench", Started: time.Now()})
		if err != nil {
			b.Fatal(err)
		}
		if err := tx.EnsureTable(b.Context(), snykIssues, nil); err != nil {
			b.Fatal(err)
		}
		for _, rows := range batches {
			err := tx.Write(b.Context(), &destinations.Batch{Resource: "issues", Disposition: destinations.Merge,
				Tables: []destinations.TableRows{{Table: snykIssues, Rows: rows}}})
			if err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(b.Context(), destinations.LoadStatus{Status: "completed", Finished: time.Now()}); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		b.StopTimer()
		d.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(benchRows*b.N)/elapsed.Seconds(), "rows/s")
}
