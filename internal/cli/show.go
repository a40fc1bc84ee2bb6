package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/pipe-etl/pipe/internal/dashboard"
)

func (e *env) showCommand() *cobra.Command {
	var f viewFlags
	var addr string
	var open bool
	cmd := &cobra.Command{
		Use:   "show [SPEC]",
		Short: "Serve a read-only dashboard of a destination on loopback",
		Long: `Show serves a dashboard of the destination of SPEC (as run picks it:
--dest, $PIPE_DEST, ./<name>.db) or of --dest on a loopback address (a free
port unless --addr), prints its URL and serves until interrupted: the load
history, each load's tables and error, the tables with their columns, keys
and tree, the incremental state, a table browser and a SQL box. It opens
the database read-only: the database refuses any write a statement asks for.`,
		Example: `  pipe show snyk
  pipe show --dest postgres://localhost/db?schema=snyk --addr 127.0.0.1:8080 --open`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return usagef("--addr %q: want HOST:PORT", addr)
			}
			if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
				return usagef("--addr %q: want a loopback address (127.0.0.1, ::1, localhost)", addr)
			}
			ctx, stop := interruptible(cmd.Context())
			defer stop()
			v, err := e.openView(ctx, cmd, args, f)
			if err != nil {
				return err
			}
			defer v.Close()
			srv, err := dashboard.New(v.View, dashboard.Options{Where: v.where, Log: e.logger()})
			if err != nil {
				return err
			}
			return e.serve(ctx, addr, srv, open)
		},
	}
	addDestFlag(cmd, &f.dest)
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:0", "loopback address to listen on (port 0: a free one)")
	cmd.Flags().BoolVar(&open, "open", false, "open the dashboard in a browser")
	return cmd
}

// serve serves h on addr until ctx ends, printing the URL first.
func (e *env) serve(ctx context.Context, addr string, h http.Handler, open bool) error {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("show: %w", err)
	}
	url := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(e.stdout, "pipe show: %s (Ctrl-C to stop)\n", url)
	if open {
		if err := openBrowser(url); err != nil {
			e.logger().Warn("show: cannot open a browser", "err", err)
		}
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("show: %w", err)
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shut); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("show: %w", err)
	}
	return nil
}
