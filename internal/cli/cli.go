// Package cli is pipe's command line: a function of arguments and
// standard streams returning an exit code, so its output can be tested.
// It is the composition root: it alone picks destinations and secret
// stores, by URL scheme and configuration, with plain switches.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"

	"github.com/spf13/cobra"

	"github.com/pipe-etl/pipe/engine/spec"
)

// Exit codes.
const (
	ExitOK     = 0
	ExitFailed = 1 // the run failed
	ExitUsage  = 2 // bad usage or a bad spec
)

// usageError marks errors that exit with ExitUsage.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// env abstracts the process environment for tests.
type env struct {
	ctx            context.Context // nil means context.Background
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) (string, bool)
	logLevel       *slog.LevelVar
	logJSON        bool // --log-format json
	quiet          bool // -q: warnings and errors only, no progress lines
}

// progress is where a run's progress lines go: stderr, or nowhere with -q.
func (e *env) progress() io.Writer {
	if e.quiet {
		return nil
	}
	return e.stderr
}

// lockedWriter serializes the writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Fd returns the file descriptor of w, when it is a file (a terminal
// gets progress redrawn in place), else an invalid one.
func (l *lockedWriter) Fd() uintptr {
	if f, ok := l.w.(interface{ Fd() uintptr }); ok {
		return f.Fd()
	}
	return ^uintptr(0)
}

// logger logs to stderr as text, or as JSON lines with --log-format json.
func (e *env) logger() *slog.Logger {
	opts := &slog.HandlerOptions{Level: e.logLevel}
	if e.logJSON {
		return slog.New(slog.NewJSONHandler(e.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(e.stderr, opts))
}

// Run runs the pipe command line and returns its exit code.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.LookupEnv, logLevel: new(slog.LevelVar)}
	return e.run(args)
}

func (e *env) run(args []string) int {
	// Loggers (one per e.logger call), progress lines and messages all
	// write to stderr, from several goroutines: one lock for them all, so
	// that no two lines interleave.
	e.stderr = &lockedWriter{w: e.stderr}
	stop, err := e.startCPUProfile()
	if err != nil {
		fmt.Fprintln(e.stderr, "pipe:", err)
		return ExitUsage
	}
	code := e.execute(args)
	if err := stop(); err != nil {
		fmt.Fprintln(e.stderr, "pipe:", err)
		if code == ExitOK {
			code = ExitFailed
		}
	}
	return code
}

func (e *env) execute(args []string) int {
	root := e.rootCommand()
	root.SetArgs(args)
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	ctx := e.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ue usageError
	var se spec.Errors
	switch {
	case errors.As(err, &se):
		fmt.Fprintln(e.stderr, se.Error())
		fmt.Fprintf(e.stderr, "%d error(s) in the spec\n", len(se))
		return ExitUsage
	case errors.As(err, &ue), isCobraUsage(err):
		fmt.Fprintln(e.stderr, "pipe:", err)
		return ExitUsage
	default:
		fmt.Fprintln(e.stderr, "pipe:", err)
		return ExitFailed
	}
}

func (e *env) rootCommand() *cobra.Command {
	var verbose, quiet bool
	var logFormat string
	root := &cobra.Command{
		Use:           "pipe",
		Short:         "Load any REST API into SQLite or Postgres from a YAML spec",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			switch logFormat {
			case "text":
			case "json":
				e.logJSON = true
			default:
				return usagef("--log-format %q: want text or json", logFormat)
			}
			switch {
			case verbose:
				e.logLevel.Set(slog.LevelDebug)
			case quiet:
				e.logLevel.Set(slog.LevelWarn)
				e.quiet = true
			}
			return nil
		},
	}
	root.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			return argsError{fmt.Errorf("unknown command %q (run 'pipe --help')", args[0])}
		}
		return nil
	}
	root.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	root.PersistentFlags().BoolVarP(&verbose, "verbose", "v", false, "log every request and decision")
	root.PersistentFlags().StringVar(&logFormat, "log-format", "text", "log lines as text or json")
	root.PersistentFlags().BoolVarP(&quiet, "quiet", "q", false, "print warnings and errors only (no progress lines)")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(e.runCommand(), e.initCommand(), e.validateCommand(), e.planCommand(), e.sourcesCommand(), e.schemaCommand(), e.loadsCommand(), e.authCommand(),
		e.versionCommand(), e.stateCommand(), e.showCommand(), e.workerCommand(), e.submitCommand(), e.jobsCommand(), e.serveCommand())
	return root
}

// isCobraUsage reports cobra's own argument errors (unknown command,
// wrong number of arguments), which it returns as plain errors.
func isCobraUsage(err error) bool {
	var ae argsError
	return errors.As(err, &ae)
}

// argsError wraps cobra positional-argument validation failures.
type argsError struct{ error }

func (a argsError) Unwrap() error { return a.error }

// exactArgs is cobra.ExactArgs with errors classified as usage errors.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return argsError{fmt.Errorf("%s: %w (usage: %s)", cmd.Name(), err, cmd.UseLine())}
		}
		return nil
	}
}
