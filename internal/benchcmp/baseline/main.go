// Command baseline is the hand-written program that `make bench`
// (internal/benchcmp) measures pipe against: it fetches the issues of
// every org of the fake Snyk API page by page, as pipe's bench spec does,
// and inserts one row per issue (the id, a few flattened fields and the
// raw JSON) in one transaction, with a prepared statement into SQLite or
// a COPY into Postgres. It is as fast as a plain program knows how to be:
// one keep-alive connection per org, up to -concurrency orgs fetched at
// once while earlier pages are written, bodies read into pooled buffers
// of the announced length and parsed by gjson without a copy, rows bound
// on the driver connection itself (no database/sql per row), and for
// SQLite a rollback journal with synchronous=NORMAL (see loadSQLite). It
// has no retries, no schema inference and no child tables.
//
//	baseline -api http://127.0.0.1:8765 -dest sqlite:/tmp/b.db
//	baseline -api http://127.0.0.1:8765 -dest 'postgres://u@host/db?search_path=bench'
//
// It prints the number of issues loaded on stdout.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("baseline", flag.ContinueOnError)
	fs.SetOutput(stderr)
	api := fs.String("api", "http://127.0.0.1:8765", "scheme and host of the fake Snyk API")
	token := fs.String("token", "demo-token", "Snyk API token")
	dest := fs.String("dest", "", "sqlite:PATH or a postgres:// URL")
	conc := fs.Int("concurrency", 8, "orgs fetched at once")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	src := newSource(strings.TrimSuffix(*api, "/"), *token, max(*conc, 1))
	var n int
	var err error
	switch {
	case strings.HasPrefix(*dest, "sqlite:"):
		n, err = loadSQLite(ctx, strings.TrimPrefix(*dest, "sqlite:"), src)
	case strings.HasPrefix(*dest, "postgres://"), strings.HasPrefix(*dest, "postgresql://"):
		n, err = loadPostgres(ctx, *dest, src)
	default:
		fmt.Fprintln(stderr, "baseline: -dest must be sqlite:PATH or a postgres:// URL")
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "baseline: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "issues %d\n", n)
	return 0
}
