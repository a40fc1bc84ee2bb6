// Package plan turns a validated Spec into a Plan: variables resolved,
// resource_defaults and client settings merged into each resource,
// placeholders compiled, and resources ordered parents first. A Plan is
// plain data with no secret values; printing it is safe.
package plan

import (
	"github.com/pipe-etl/pipe/engine/rest"
	"github.com/pipe-etl/pipe/engine/spec"
)

// Plan is what a run executes.
type Plan struct {
	Name        string
	File        string
	BaseURL     string // resolved; may still hold {secrets.*}
	Headers     map[string]spec.Template
	Vars        map[string]string // resolved variable values
	Concurrency int
	RateLimit   *spec.RateLimit
	Retry       spec.Retry
	// AllowedHosts are client.allowed_hosts, variables bound: origins
	// besides base_url's and the auths' token URLs' that requests may go to.
	AllowedHosts []string
	// MaxResponseBytes is client.max_response_bytes (0: the default).
	MaxResponseBytes int64
	// Resources are ordered so that every parent comes before its children.
	Resources []*Resource
}

// Resource is one resource with every inherited setting applied.
type Resource struct {
	Name  string
	Table string
	// Selected resources are loaded. Unselected parents of selected
	// resources are still extracted, for their records, but not loaded.
	Selected bool
	// Needed is true when the resource is extracted: it is selected or an
	// ancestor of a selected resource.
	Needed bool

	Parent string // parent resource, "" for a root resource
	// EachVar is the list variable the resource's requests use, if any:
	// one request chain per item of Each (per parent record for a child).
	EachVar           string
	Each              []string
	ParentFields      []string // gjson paths of parent records that the requests use
	IncludeFromParent []string
	// EachList is the gjson path of the parent records' list that the
	// requests fan out over ({resources.PARENT.F[*]} or F[*].G, whose
	// ParentFields keep the "[*]"): one request chain per distinct item
	// of it in each parent record. "" when they use one value per record.
	EachList string

	Method       string
	Path         spec.Template
	Params       []Param // sorted by name
	Headers      map[string]spec.Template
	JSON         any // body with string leaves as spec text; see Body
	Data         map[string]spec.Template
	RawData      spec.Template // data written as a string: sent as is
	DataSelector string
	// EmptyListOmitted: a page without data_selector holds no records
	// (endpoint.empty_list_omitted).
	EmptyListOmitted bool
	Paginator        rest.PaginatorConfig // every default applied; type auto detects
	Auth             *rest.AuthConfig     // compiled, defaults applied; nil means none
	Incremental      *spec.Incremental
	ResponseActions  []rest.ResponseAction
	RateLimit        *spec.RateLimit
	ProcessingSteps  []spec.ProcessingStep

	PrimaryKey []string
	// MergeKey are the gjson paths (or extra columns, such as _repos_id)
	// whose values a merge load replaces whole (dlt's delete-insert with a
	// merge_key): rows of earlier loads with a value the load meets are
	// deleted, child rows with them, before the load's rows are written.
	MergeKey []string
	// Required are root-table columns that columns hints mark nullable:
	// false; a record without a value for one fails the load.
	Required         []string
	WriteDisposition string
	IDFromContent    bool
	Columns          map[string]spec.ColumnHint
	SchemaContract   spec.SchemaContract
	MaxTableNesting  int

	// Poll asks the first request of each chain again until its answer
	// is ready (endpoint.poll), defaults applied; nil means none.
	Poll *rest.Poll
}

// Param is one query parameter.
type Param struct {
	Name  string
	Value spec.Template
	// Empty is a value written as "" in the spec: sent as NAME=, as dlt
	// sends it. A value whose placeholders expand to "" is left out.
	Empty bool
}

// Resource returns the named resource, or nil.
func (p *Plan) Resource(name string) *Resource {
	for _, r := range p.Resources {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// Children returns the resources whose parent is name, in plan order.
func (p *Plan) Children(name string) []*Resource {
	var out []*Resource
	for _, r := range p.Resources {
		if r.Parent == name {
			out = append(out, r)
		}
	}
	return out
}
