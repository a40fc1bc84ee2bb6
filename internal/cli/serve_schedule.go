package cli

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pipe-etl/pipe/engine/spec"
	"github.com/pipe-etl/pipe/internal/jobs"
)

// scheduleSource reads pipe serve's schedule file and tells when it or
// a spec file it names changed.
type scheduleSource struct {
	e    *env
	file string

	// hup receives SIGHUP from watch until its stop.
	hup chan os.Signal

	mu    sync.Mutex
	files []string // the schedule file and the spec files it names
	sum   [32]byte // their contents when last read
}

// read parses the schedule file, loads each entry's spec and builds its
// plan, as pipe run would: every problem is a spec.Errors, positioned in
// the schedule file (or in the spec file, for the spec's own errors).
func (s *scheduleSource) read() ([]jobs.Schedule, error) {
	files := []string{s.file}
	defer func() { s.remember(files) }()
	data, err := os.ReadFile(s.file)
	if err != nil {
		return nil, usagef("--schedule: %w", err)
	}
	entries, err := jobs.ParseScheduleFile(s.file, data)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(s.file)
	var errs spec.Errors
	// fail places err at line:col of the schedule file, but for the
	// errors of a spec file at their own positions.
	fail := func(e jobs.ScheduleEntry, line, col int, path string, err error) {
		var se spec.Errors
		if !errors.As(err, &se) {
			errs = append(errs, &spec.Error{File: s.file, Line: line, Col: col, Path: path, Msg: err.Error()})
			return
		}
		for _, x := range se {
			if x.Line > 0 {
				errs = append(errs, x)
				continue
			}
			msg := strings.TrimPrefix(x.Error(), x.File+": ")
			errs = append(errs, &spec.Error{File: s.file, Line: line, Col: col, Path: path, Msg: fmt.Sprintf("spec %s: %s", e.Spec, msg)})
		}
	}
	var out []jobs.Schedule
	for i := range entries {
		en := &entries[i]
		sp := specPath(dir, en.Spec)
		file, data, err := readSpec(sp)
		if err != nil {
			fail(*en, en.SpecLine, en.SpecCol, en.Path("spec"), unwrapUsage(err))
			continue
		}
		if fileExists(sp) {
			files = append(files, sp)
		}
		t := jobs.Target{Spec: file, YAML: string(data), Vars: en.Vars, Resources: en.Resources}
		p, err := s.e.jobsEnv("", 0).Plan(t)
		if err != nil {
			fail(*en, en.Line, en.Col, fmt.Sprintf("[%d]", en.Index), unwrapUsage(err))
			continue
		}
		if !en.NameGiven {
			en.Name = p.Name
		}
		dest := en.Dest
		if !en.HasDest {
			dest = p.Name + ".db"
		}
		path, ok := sqlitePath(dest)
		if !ok {
			fail(*en, en.Line, en.Col, en.Path("dest"), fmt.Errorf("%q: want a SQLite file (sqlite:///path or a path); to load into Postgres use pipe worker and pipe submit", redactDSN(dest)))
			continue
		}
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		t.Dest = path
		out = append(out, jobs.Schedule{Name: en.Name, Every: en.Every, Cron: en.Cron, Args: jobs.RunArgs{Target: t, Schedule: en.Name}})
	}
	if len(errs) == 0 {
		if err := jobs.CheckNames(s.file, entries); err != nil {
			return nil, err
		}
		return out, nil
	}
	errs.Sort()
	return nil, errs
}

// specPath resolves an entry's spec: a file relative to the schedule
// file's directory, else the name of a shipped spec.
func specPath(dir, name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	if p := filepath.Join(dir, name); fileExists(p) || strings.ContainsAny(name, `/\`) || strings.HasSuffix(name, ".yml") || strings.HasSuffix(name, ".yaml") {
		return p
	}
	return name
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// unwrapUsage drops the usage mark of an error placed in the file.
func unwrapUsage(err error) error {
	var ue usageError
	if errors.As(err, &ue) {
		return ue.err
	}
	return err
}

// remember notes files and their contents, to tell a change.
func (s *scheduleSource) remember(files []string) {
	sum := contentsSum(files)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files, s.sum = files, sum
}

func contentsSum(files []string) [32]byte {
	h := sha256.New()
	for _, f := range files {
		b, _ := os.ReadFile(f)
		fmt.Fprintf(h, "%s\x00%d\x00", f, len(b))
		h.Write(b)
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

// watch makes SIGHUP a reason to read the file again, instead of
// ending the process, until stop is called.
func (s *scheduleSource) watch() (stop func()) {
	s.hup = make(chan os.Signal, 1)
	signal.Notify(s.hup, syscall.SIGHUP)
	return func() { signal.Stop(s.hup) }
}

// wait returns when the schedule file or one of its spec files changed
// (looked at every poll), on SIGHUP (see watch), or when ctx ends.
func (s *scheduleSource) wait(ctx context.Context, poll time.Duration) error {
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.hup:
			return nil
		case <-tick.C:
			s.mu.Lock()
			files, sum := s.files, s.sum
			s.mu.Unlock()
			if contentsSum(files) != sum {
				return nil
			}
		}
	}
}
