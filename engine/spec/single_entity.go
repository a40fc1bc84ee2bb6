package spec

import (
	"path"
	"regexp"
	"strings"
)

// singleEntityName is dlt's test of a path's last segment
// (rest_client/detector.py, single_entity_path).
var singleEntityName = regexp.MustCompile(`\{([a-zA-Z0-9.\-_]+)\}`)

// SingleEntityPath reports whether an endpoint path names one entity as
// dlt guesses it: its last segment holds a placeholder ("users/{id}",
// "posts/{resources.posts.id}"). dlt then takes the whole body as the
// record ("$") when no data_selector is set, and pages it with
// single_page when neither the resource nor resource_defaults sets a
// paginator.
func SingleEntityPath(p string) bool {
	return singleEntityName.MatchString(path.Base(strings.TrimRight(p, "/")))
}

// endpointPath is the path a resource requests: its endpoint's, else its
// name (resource_defaults' path is not used, as in dlt).
func (r *Resource) endpointPath() string {
	if r.Endpoint != nil && r.Endpoint.Path != "" {
		return r.Endpoint.Path
	}
	return r.Name
}
