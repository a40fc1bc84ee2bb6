package main

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// sample is one measured load: what it cost and what it loaded.
type sample struct {
	usage
	Records int64 // issues (records of the measured resource)
	Rows    int64 // rows written, every table
}

func (s sample) recordsPerSec() float64 { return float64(s.Records) / s.Wall.Seconds() }
func (s sample) rowsPerSec() float64    { return float64(s.Rows) / s.Wall.Seconds() }

var summaryLine = regexp.MustCompile(`(?m)^\s+(\S+)\s+(\d+) rows\b`)

// runPipe runs `pipe run spec` into dest and reads the rows per table
// from its summary; records counts the rows of table resource.
func runPipe(ctx context.Context, c *config, spec, apiURL, dest, resource string, extra ...string) (sample, error) {
	args := append([]string{"run", spec, "--var", "api_url=" + apiURL, "--dest", dest, "-q"}, extra...)
	u, err := measure(ctx, []string{"SNYK_TOKEN=demo-token"}, c.pipe, args...)
	if err != nil {
		return sample{}, err
	}
	s := sample{usage: u}
	var ok bool
	s.Records, s.Rows, ok = parseSummary(u.Stdout, resource)
	if !ok {
		return s, fmt.Errorf("pipe run %s: load not completed: %s", spec, tail(u.Stdout, 300))
	}
	return s, nil
}

// parseSummary reads the rows of table and the total from the summary
// `pipe run` prints; ok is false unless the load completed.
func parseSummary(stdout, table string) (rows, total int64, ok bool) {
	for _, m := range summaryLine.FindAllStringSubmatch(stdout, -1) {
		n, _ := strconv.ParseInt(m[2], 10, 64)
		switch m[1] {
		case "total":
			total = n
		case table:
			rows = n
		}
	}
	return rows, total, strings.Contains(stdout, " completed in ")
}

// runBaseline runs the hand-written baseline into dest.
func runBaseline(ctx context.Context, c *config, apiURL, dest string) (sample, error) {
	u, err := measure(ctx, nil, c.baseline, "-api", apiURL, "-dest", dest)
	if err != nil {
		return sample{}, err
	}
	var n int64
	if _, err := fmt.Sscanf(u.Stdout, "issues %d", &n); err != nil {
		return sample{}, fmt.Errorf("baseline: unexpected output %q", tail(u.Stdout, 100))
	}
	return sample{usage: u, Records: n, Rows: n}, nil
}

// checkCount fails a sample that did not load want records.
func checkCount(who string, s sample, want int64) error {
	if s.Records != want {
		return fmt.Errorf("%s loaded %d issues, want %d", who, s.Records, want)
	}
	return nil
}
