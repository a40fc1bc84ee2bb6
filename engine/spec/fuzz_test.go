package spec

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzLoad loads any bytes as a spec: no panic, no hang (the loader's
// bounds keep every input fast), and a failure is an Errors of *Error,
// each naming the file. Seeds: every spec under testdata and
// testdata/fuzz/FuzzLoad.
func FuzzLoad(f *testing.F) {
	for _, glob := range []string{"testdata/ok/*.yml", "testdata/errors/*.yml"} {
		files, _ := filepath.Glob(glob)
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := loadWithin(t, data, hangAfter)
		if err == nil {
			if s == nil || s.Source == nil {
				t.Fatal("Load returned no spec and no error")
			}
			return
		}
		var errs Errors
		if !errors.As(err, &errs) || len(errs) == 0 {
			t.Fatalf("error is %T, want Errors: %v", err, err)
		}
		for _, e := range errs {
			if e.File != "f.yml" || !strings.HasPrefix(e.Error(), "f.yml") {
				t.Fatalf("error does not name the file: %q", e.Error())
			}
		}
	})
}

// hangAfter is far beyond what any input takes (milliseconds, or a few
// hundred under the race detector's and the fuzzer's instrumentation): it
// tells a hang, which the fuzzer would otherwise only show as a stall,
// from slowness. It is not a performance assertion.
const hangAfter = time.Minute

// loadWithin loads data, failing the test with the input if Load has not
// returned after limit.
func loadWithin(t *testing.T, data []byte, limit time.Duration) (*Spec, error) {
	type result struct {
		s   *Spec
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := Load("f.yml", data)
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		return r.s, r.err
	case <-time.After(limit):
		t.Fatalf("Load has not returned after %s on %d bytes: a hang", limit, len(data))
		return nil, nil
	}
}
