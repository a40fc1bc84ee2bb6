// Command pipe loads any REST API into SQLite or Postgres from a YAML spec.
package main

import (
	"os"

	"github.com/pipe-etl/pipe/internal/cli"
)

func main() {
	tuneGC(os.Getenv)
	os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
