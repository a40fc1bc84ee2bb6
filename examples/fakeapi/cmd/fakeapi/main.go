// Command fakeapi serves the offline Snyk and Checkmarx SCA fakes of
// package fakeapi until killed. It prints the base URL on stdout once it
// listens, so scripts can wait for that line.
//
//	go run ./examples/fakeapi/cmd/fakeapi -addr 127.0.0.1:8765 -orgs 3 -issues 1000
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run parses args, listens and serves until ctx ends; it returns the
// exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	demo := fakeapi.DemoConfig()
	fs := flag.NewFlagSet("fakeapi", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8765", "listen address (port 0 picks a free one)")
	c := demo
	fs.IntVar(&c.Orgs, "orgs", demo.Orgs, "number of Snyk orgs")
	fs.IntVar(&c.ProjectsPerOrg, "projects", demo.ProjectsPerOrg, "projects per org (also the number of Checkmarx projects)")
	fs.IntVar(&c.IssuesPerOrg, "issues", demo.IssuesPerOrg, "issues per org")
	fs.IntVar(&c.ScansPerProject, "scans", demo.ScansPerProject, "Checkmarx scans per project")
	fs.Int64Var(&c.Seed, "seed", demo.Seed, "data seed")
	fs.DurationVar(&c.Latency, "latency", 0, "latency added to every request")
	fs.IntVar(&c.RateLimit, "rate-limit", 0, "requests per minute per credential before 429 (0 = off)")
	fs.IntVar(&c.FailEvery, "fail-every", 0, "answer every Nth API request with 500/503 (0 = off)")
	fs.StringVar(&c.Token, "token", demo.Token, "Snyk API token accepted")
	fs.StringVar(&c.CxUsername, "cx-username", demo.CxUsername, "Checkmarx user")
	fs.StringVar(&c.CxPassword, "cx-password", demo.CxPassword, "Checkmarx password")
	fs.StringVar(&c.CxTenant, "cx-tenant", demo.CxTenant, "Checkmarx tenant")
	fs.DurationVar(&c.CxTokenTTL, "cx-token-ttl", time.Hour, "Checkmarx access token lifetime")
	clientID := fs.String("oauth-client-id", "demo-client", "Snyk OAuth2 client id to register")
	clientSecret := fs.String("oauth-client-secret", "demo-secret", "its secret")
	redirect := fs.String("oauth-redirect-uri", "http://127.0.0.1:8080/callback", "its redirect URI")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	srv := fakeapi.New(c)
	srv.AddOAuthClient(*clientID, *clientSecret, *redirect)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "fakeapi: listen: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "http://%s\n", ln.Addr())
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err := <-done:
		fmt.Fprintf(stderr, "fakeapi: serve: %v\n", err)
		return 1
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		log.Warn("shutdown", "err", err)
	}
	log.Info("stopped", "requests", srv.Requests())
	return 0
}
