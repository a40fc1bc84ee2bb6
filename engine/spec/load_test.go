package spec

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden .err files in testdata/errors")

// TestLoadErrors loads each bad spec in testdata/errors and compares the
// error text with the golden .err file beside it.
func TestLoadErrors(t *testing.T) {
	files, err := filepath.Glob("testdata/errors/*.yml")
	jsonFiles, _ := filepath.Glob("testdata/errors/*.json")
	files = append(files, jsonFiles...)
	if err != nil || len(files) == 0 {
		t.Fatalf("no test specs: %v", err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			s, err := Load(name, data)
			if err == nil {
				t.Fatalf("Load = %+v, want errors", s)
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error is %T, want Errors: %v", err, err)
			}
			if !sort.SliceIsSorted(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line }) {
				t.Errorf("errors not sorted by line:\n%v", err)
			}
			for _, e := range errs {
				if e.File != name || e.Line == 0 || e.Col == 0 {
					t.Errorf("error not positioned in %s: %#v", name, e)
				}
			}
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(f, filepath.Ext(f)) + ".err"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("golden file (run go test -update): %v", err)
			}
			if got != string(want) {
				t.Errorf("errors differ from %s\ngot:\n%s\nwant:\n%s", golden, got, want)
			}
		})
	}
}

// TestLoadOK loads each good spec in testdata/ok.
func TestLoadOK(t *testing.T) {
	files, err := filepath.Glob("testdata/ok/*.yml")
	jsonFiles, _ := filepath.Glob("testdata/ok/*.json")
	files = append(files, jsonFiles...)
	if err != nil || len(files) == 0 {
		t.Fatalf("no test specs: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			s, err := Load(f, data)
			if err != nil {
				t.Fatalf("Load:\n%v", err)
			}
			if s.File != f || s.Source == nil || s.Name == "" || len(s.Resources) == 0 {
				t.Errorf("Load = %+v, want File, Source, Name and Resources set", s)
			}
		})
	}
}

func TestErrorsAs(t *testing.T) {
	_, err := Load("x.yml", []byte("name: x\nclient: {base_url: \"https://h/\"}\nresources: [a, a]\n"))
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("errors.As(%v, *Error) = false", err)
	}
	if e.Line != 3 || e.Path != "resources[1].name" {
		t.Errorf("first error = %#v, want line 3 at resources[1].name", e)
	}
}

// TestShippedSpecsLoad loads every spec shipped in sources/ and examples/,
// so a spec and the schema cannot drift apart unnoticed.
func TestShippedSpecsLoad(t *testing.T) {
	var files []string
	for _, pattern := range []string{"../../sources/*/*.yml", "../../examples/*.yml", "../../examples/*/*.yml"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 3 {
		t.Fatalf("found only %v: the shipped specs moved?", files)
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Load(f, data); err != nil {
				t.Errorf("Load:\n%v", err)
			}
		})
	}
}

func BenchmarkLoadSnyk(b *testing.B) {
	data, err := os.ReadFile("testdata/ok/snyk.yml")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Load("snyk.yml", data); err != nil {
			b.Fatal(err)
		}
	}
}
