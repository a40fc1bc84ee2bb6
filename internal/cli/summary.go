package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine"
)

// printSummary writes what a run did: its status, rows per table, and
// where each incremental resource started and ended.
func printSummary(w io.Writer, rep *engine.Report, where string, fullRefresh bool) {
	names := slices.Sorted(maps.Keys(rep.Tables))
	how := ""
	if fullRefresh {
		how = " (full refresh)"
	}
	fmt.Fprintf(w, "load %s %s%s in %s into %s\n", rep.LoadID, rep.Status, how, rep.Elapsed.Round(1e6), where)
	width := len("total")
	for _, n := range names {
		width = max(width, len(n))
	}
	var total int64
	var all destinations.RowCounts
	for _, n := range names {
		c := rep.Changes[n]
		fmt.Fprintf(w, "  %-*s %10d rows%s\n", width, n, rep.Tables[n], changes(rep, c))
		total += rep.Tables[n]
		all.Add(c)
	}
	fmt.Fprintf(w, "  %-*s %10d rows%s\n", width, "total", total, changes(rep, all))
	for _, n := range slices.Sorted(maps.Keys(rep.Resources)) {
		inc := rep.Resources[n].Incremental
		if inc == nil {
			continue
		}
		fmt.Fprintf(w, "  %s: incremental, %s (%d from a saved cursor) from %s", n, plural(inc.Chains, "request chain"), inc.Resumed, orNone(inc.From))
		switch {
		case inc.To == "":
		case rep.Status == destinations.StatusCompleted:
			fmt.Fprintf(w, ", cursor now %s", inc.To)
		default:
			// Rolled back unless a checkpoint committed it.
			fmt.Fprintf(w, ", cursor reached %s but saved only if a checkpoint committed it (pipe state shows the saved ones)", inc.To)
		}
		fmt.Fprintln(w)
	}
}

// changes is what the rows of c did, as the summary appends it to a
// table's rows; empty when the destination does not count.
func changes(rep *engine.Report, c destinations.RowCounts) string {
	if rep.Changes == nil {
		return ""
	}
	s := fmt.Sprintf(" (%d inserted, %d updated, %d unchanged", c.Inserted, c.Updated, c.Unchanged)
	if c.Deleted > 0 {
		s += fmt.Sprintf("; %d deleted", c.Deleted)
	}
	return s + ")"
}

// summaryJSON is the shape of pipe run --json (documented in README).
type summaryJSON struct {
	LoadID      string           `json:"load_id"`
	Status      string           `json:"status"`
	FullRefresh bool             `json:"full_refresh"`
	ElapsedMS   int64            `json:"elapsed_ms"`
	Destination string           `json:"destination"`
	Tables      map[string]int64 `json:"tables"`
	// Changes is empty when the destination does not count.
	Changes   map[string]destinations.RowCounts `json:"changes"`
	Resources []resourceSummary                 `json:"resources"`
}

type resourceSummary struct {
	Name        string              `json:"name"`
	Done        bool                `json:"done"`
	Chains      int64               `json:"request_chains"`
	Pages       int64               `json:"pages"`
	Records     int64               `json:"records"`
	Rows        int64               `json:"rows"`
	Requests    int64               `json:"requests"`
	Retries     int64               `json:"retries"`
	Errors      int64               `json:"errors"`
	RateWaitMS  int64               `json:"rate_limit_wait_ms"`
	Incremental *incrementalSummary `json:"incremental,omitempty"`
}

type incrementalSummary struct {
	Chains  int64  `json:"request_chains"`
	Resumed int64  `json:"resumed"`
	From    string `json:"from"`
	To      string `json:"cursor"`
}

// writeSummaryJSON writes the summary as one JSON object.
func writeSummaryJSON(w io.Writer, rep *engine.Report, where string, fullRefresh bool) error {
	out := summaryJSON{
		LoadID: rep.LoadID, Status: rep.Status, FullRefresh: fullRefresh,
		ElapsedMS: rep.Elapsed.Milliseconds(), Destination: where,
		Tables: rep.Tables, Changes: rep.Changes, Resources: []resourceSummary{},
	}
	if out.Tables == nil {
		out.Tables = map[string]int64{}
	}
	if out.Changes == nil {
		out.Changes = map[string]destinations.RowCounts{}
	}
	for _, n := range slices.Sorted(maps.Keys(rep.Resources)) {
		s := rep.Resources[n]
		r := resourceSummary{Name: n, Done: s.Done, Chains: s.Chains, Pages: s.Pages, Records: s.Records, Rows: s.Rows,
			Requests: s.Requests, Retries: s.Retries, Errors: s.Errors, RateWaitMS: s.RateWait.Milliseconds()}
		if inc := s.Incremental; inc != nil {
			r.Incremental = &incrementalSummary{Chains: inc.Chains, Resumed: inc.Resumed, From: inc.From, To: inc.To}
		}
		out.Resources = append(out.Resources, r)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func orNone(s string) string {
	if s == "" {
		return "the start (no initial value)"
	}
	return s
}

func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
