// Package sources holds the specs shipped with pipe, one directory per API
// (sources/<name>/<name>.yml), embedded so that `pipe run snyk` works
// without a file on disk. The specs are data the engine interprets; no Go
// code here knows about any API.
package sources

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// FS holds every shipped spec as <name>/<name>.yml (plus any other .yml
// file one level down, which Names ignores).
//
//go:embed */*.yml
var FS embed.FS

// Names returns the names of the shipped specs, sorted: each directory
// that holds a spec named after it.
func Names() []string {
	dirs, err := fs.ReadDir(FS, ".")
	if err != nil {
		return nil
	}
	var names []string
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		if _, err := fs.Stat(FS, specPath(d.Name())); err == nil {
			names = append(names, d.Name())
		}
	}
	sort.Strings(names)
	return names
}

// Open returns the shipped spec called name: file is its path inside FS
// (e.g. "snyk/snyk.yml", for error messages) and data its bytes. An
// unknown name gives an error wrapping fs.ErrNotExist that lists the
// known names.
func Open(name string) (file string, data []byte, err error) {
	if !fs.ValidPath(name) || strings.Contains(name, "/") || name == "." {
		return "", nil, fmt.Errorf("shipped spec %q: %w (have %s)", name, fs.ErrNotExist, strings.Join(Names(), ", "))
	}
	file = specPath(name)
	data, err = fs.ReadFile(FS, file)
	if err != nil {
		return "", nil, fmt.Errorf("shipped spec %q: %w (have %s)", name, fs.ErrNotExist, strings.Join(Names(), ", "))
	}
	return file, data, nil
}

func specPath(name string) string { return path.Join(name, name+".yml") }
