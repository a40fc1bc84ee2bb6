package openapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi/datamodel"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	"github.com/pb33f/libopenapi/orderedmap"
)

// maxDocument bounds a document read from a URL.
const maxDocument = 64 << 20

// Read reads a document from a file path or an http(s) URL.
func Read(ctx context.Context, client *http.Client, src string) ([]byte, error) {
	if !strings.HasPrefix(src, "http://") && !strings.HasPrefix(src, "https://") {
		return os.ReadFile(src)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", src, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, maxDocument))
}

// Parse reads a Swagger 2.0, OpenAPI 3.0 or 3.1 document (YAML or JSON).
// References to other files or URLs are not followed.
func Parse(data []byte) (*Doc, error) {
	cfg := datamodel.NewDocumentConfiguration()
	cfg.SkipExternalRefResolution = true
	cfg.IgnorePolymorphicCircularReferences = true
	cfg.IgnoreArrayCircularReferences = true
	d, err := libopenapi.NewDocumentWithConfiguration(data, cfg)
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	info := d.GetSpecInfo()
	if info.SpecType == "openapi" {
		m, err := d.BuildV3Model()
		if m == nil {
			return nil, fmt.Errorf("openapi %s: %w", info.Version, err)
		}
		return fromV3(&m.Model, info.Version), nil
	}
	m, err := d.BuildV2Model()
	if m == nil {
		if err == nil {
			err = errors.New("not a Swagger 2.0 or OpenAPI 3 document")
		}
		return nil, fmt.Errorf("swagger %s: %w", info.Version, err)
	}
	return fromV2(&m.Model, info.Version), nil
}

// jsonMedia picks the JSON media type of a content map's keys, preferring
// application/json, then any +json or json type.
func jsonMedia(keys iter.Seq[string]) string {
	best := ""
	for k := range keys {
		switch {
		case k == "application/json":
			return k
		case best == "" && strings.Contains(k, "json"):
			best = k
		}
	}
	return best
}

// successResponse returns the response of the lowest 2xx code (200
// first) that use accepts, and false when there is none.
func successResponse[R any](codes *orderedmap.Map[string, R], use func(R) bool) (R, bool) {
	var ok []string
	for c := range codes.KeysFromOldest() {
		if strings.HasPrefix(c, "2") {
			ok = append(ok, c)
		}
	}
	sort.Strings(ok)
	for _, c := range ok {
		if r := codes.GetOrZero(c); use(r) {
			return r, true
		}
	}
	var none R
	return none, false
}

// operationParams returns an operation's parameters, then those of its
// path item that it does not redefine: each (in, name) once, the
// operation's winning, nil entries left out.
func operationParams[P any](op, item []*P, key func(*P) (in, name string)) []*P {
	var out []*P
	seen := map[[2]string]bool{}
	for _, list := range [][]*P{op, item} {
		for _, p := range list {
			if p == nil {
				continue
			}
			in, name := key(p)
			if seen[[2]string{in, name}] {
				continue
			}
			seen[[2]string{in, name}] = true
			out = append(out, p)
		}
	}
	return out
}

// requirementNames returns the scheme names of the first security requirement.
func requirementNames(reqs []*base.SecurityRequirement) []string {
	for _, r := range reqs {
		if r == nil || r.Requirements == nil {
			continue
		}
		var names []string
		for k := range r.Requirements.KeysFromOldest() {
			names = append(names, k)
		}
		if len(names) > 0 {
			return names
		}
	}
	return nil
}

// paramExample finds a documented example for a parameter: its example,
// its schema's, then any x-…example extension (Snyk's x-konfig-original-example).
func paramExample(example string, s *Schema, ext func() (string, string)) (string, string) {
	if v := example; v != "" {
		return v, "example"
	}
	if s != nil {
		if v := scalarString(s.Example); v != "" {
			return v, "schema example"
		}
	}
	if ext != nil {
		return ext()
	}
	return "", ""
}

// scalarString renders a scalar value; "" for none or a collection.
func scalarString(v any) string {
	switch t := v.(type) {
	case nil, map[string]any, []any:
		return ""
	case time.Time:
		if t.Equal(t.Truncate(24 * time.Hour)) {
			return t.Format(time.DateOnly)
		}
		return t.Format(time.RFC3339)
	}
	return fmt.Sprint(v)
}
