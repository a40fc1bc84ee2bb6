package spec

import (
	"reflect"
	"sort"
	"strings"
	"testing"
)

// TestSchemaMatchesStructs walks every struct reachable from Spec and checks
// that its json tags and the properties the schema declares at the same
// place are the same names, both ways.
func TestSchemaMatchesStructs(t *testing.T) {
	_, raw := specSchema()
	w := &schemaWalker{t: t, root: raw, seen: map[reflect.Type]bool{}}
	w.check("spec", reflect.TypeOf(Spec{}), []any{raw})
	if len(w.seen) < 15 {
		t.Errorf("walked %d struct types, want all of them (at least 15)", len(w.seen))
	}
}

type schemaWalker struct {
	t    *testing.T
	root any
	seen map[reflect.Type]bool
}

// check compares the fields of struct type typ with the properties of the
// object schemas nodes may be.
func (w *schemaWalker) check(where string, typ reflect.Type, nodes []any) {
	if w.seen[typ] {
		return
	}
	w.seen[typ] = true
	props := map[string][]any{}
	for _, o := range w.objects(nodes) {
		p, _ := o["properties"].(map[string]any)
		for name, n := range p {
			props[name] = append(props[name], n)
		}
	}
	if len(props) == 0 {
		w.t.Errorf("%s (%s): no object schema with properties", where, typ)
		return
	}
	tags := map[string]bool{}
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "-" || tag == "" {
			continue
		}
		tags[tag] = true
		sub, ok := props[tag]
		if !ok {
			w.t.Errorf("%s: field %s.%s (json %q) is not a schema property", where, typ.Name(), f.Name, tag)
			continue
		}
		ft, subNodes := w.descend(f.Type, sub)
		if ft.Kind() == reflect.Struct {
			w.check(where+"."+tag, ft, subNodes)
		}
	}
	for name := range props {
		if !tags[name] {
			w.t.Errorf("%s: schema property %q has no field in %s", where, name, typ.Name())
		}
	}
}

// descend follows pointers, slices and maps of a field type into the
// schema's items and additionalProperties.
func (w *schemaWalker) descend(typ reflect.Type, nodes []any) (reflect.Type, []any) {
	for {
		switch typ.Kind() {
		case reflect.Pointer:
			typ = typ.Elem()
			continue
		case reflect.Slice:
			nodes = w.keyword(nodes, "items")
			typ = typ.Elem()
			continue
		case reflect.Map:
			nodes = w.keyword(nodes, "additionalProperties")
			typ = typ.Elem()
			continue
		}
		if typ == reflect.TypeOf(Param{}) {
			// A param's mapping form is a Resolve or an incremental param.
			typ = reflect.TypeOf(paramMapping{})
		}
		return typ, nodes
	}
}

func (w *schemaWalker) keyword(nodes []any, kw string) []any {
	var out []any
	for _, o := range w.objects(nodes) {
		if n, ok := o[kw]; ok {
			out = append(out, n)
		}
	}
	return out
}

// objects expands $ref, oneOf, anyOf and allOf into the schema objects a
// node may be.
func (w *schemaWalker) objects(nodes []any) []map[string]any {
	var out []map[string]any
	for _, n := range nodes {
		m, ok := n.(map[string]any)
		if !ok {
			continue
		}
		out = append(out, m)
		if ref, ok := m["$ref"].(string); ok {
			target, _, found := lookup(w.root, strings.TrimPrefix(ref, "#"))
			if !found {
				w.t.Errorf("dangling $ref %s", ref)
			}
			out = append(out, w.objects([]any{target})...)
		}
		for _, kw := range []string{"oneOf", "anyOf", "allOf"} {
			if alts, ok := m[kw].([]any); ok {
				out = append(out, w.objects(alts)...)
			}
		}
	}
	return out
}

// TestSchemaUnionKinds pins the fields each auth and paginator kind accepts.
func TestSchemaUnionKinds(t *testing.T) {
	tests := []struct {
		def    string
		fields string
	}{
		{"auth_api_key", "api_key location name type"},
		{"auth_bearer", "token type"},
		{"auth_http_basic", "password type username"},
		{"auth_oauth2_client_credentials", "access_token_request_data access_token_url client_auth client_id client_secret default_token_expiration scopes token_data token_url type"},
		{"auth_oauth2_refresh_token", "authorize_url client_auth client_id client_secret credential redirect_uri revoke_url scopes token_data token_url type"},
		{"auth_login", "basic expires_at_path expires_in_path form header_name header_prefix json token_path token_url type"},
		{"auth_token_broker", "broker_api_key broker_url client_id client_secret org_id type"},
		{"paginator_json_link", "has_more_path max_pages next_url_path relative_to stop_after_empty_page total_path type"},
		{"paginator_json_response", "has_more_path max_pages next_url_path relative_to stop_after_empty_page total_path type"},
		{"paginator_header_link", "links_next_key max_pages stop_after_empty_page type"},
		{"paginator_offset", "has_more_path limit limit_body_path limit_param max_pages maximum_offset offset offset_body_path offset_param parallel stop_after_empty_page total_is_upper_bound total_path type"},
		{"paginator_page_number", "base_page has_more_path max_pages maximum_page page page_body_path page_param parallel stop_after_empty_page total_path type"},
		{"paginator_cursor", "cursor_body_path cursor_param cursor_path has_more_path max_pages type"},
		{"paginator_header_cursor", "cursor_key cursor_param max_pages type"},
		{"paginator_last_id", "cursor_param has_more_path id_path max_pages type"},
		{"paginator_single_page", "type"},
		{"paginator_auto", "max_pages type"},
	}
	_, raw := specSchema()
	for _, tt := range tests {
		def, _, ok := lookup(raw, "/definitions/"+tt.def)
		if !ok {
			t.Errorf("no definition %s", tt.def)
			continue
		}
		m := def.(map[string]any)
		got := strings.Join(propertyNames(m), " ")
		if got != tt.fields {
			t.Errorf("%s fields = %s, want %s", tt.def, got, tt.fields)
		}
		if m["additionalProperties"] != false {
			t.Errorf("%s: additionalProperties is not false", tt.def)
		}
		kind := strings.TrimPrefix(strings.TrimPrefix(tt.def, "auth_"), "paginator_")
		if d := discriminator(m); d != kind {
			t.Errorf("%s: type const = %q, want %q", tt.def, d, kind)
		}
	}
}

// TestSchemaClosed checks every object schema with properties refuses
// unknown keys, so a typo is always an error.
func TestSchemaClosed(t *testing.T) {
	_, raw := specSchema()
	var open []string
	var walk func(path string, n any)
	walk = func(path string, n any) {
		switch n := n.(type) {
		case map[string]any:
			// An if and its then are conditions on a closed schema, not
			// shapes.
			if _, ok := n["properties"]; ok && n["additionalProperties"] != false && !strings.HasSuffix(path, "/if") && !strings.HasSuffix(path, "/then") {
				open = append(open, path)
			}
			for k, v := range n {
				walk(path+"/"+k, v)
			}
		case []any:
			for _, v := range n {
				walk(path+"/[]", v)
			}
		}
	}
	walk("", raw)
	sort.Strings(open)
	if len(open) > 0 {
		t.Errorf("object schemas without additionalProperties: false:\n%s", strings.Join(open, "\n"))
	}
}

// paramMapping holds every field of a param's mapping forms: Resolve's,
// and incrementalParam's (Incremental's without start_param, which is the
// param's name).
type paramMapping struct {
	Type         string   `json:"type"`
	Resource     string   `json:"resource"`
	Field        string   `json:"field"`
	CursorPath   string   `json:"cursor_path"`
	InitialValue string   `json:"initial_value"`
	EndValue     string   `json:"end_value"`
	EndParam     string   `json:"end_param"`
	Lag          Duration `json:"lag"`
	Filter       *bool    `json:"filter"`
	Window       Duration `json:"window"`
	RangeStart   string   `json:"range_start"`
	RangeEnd     string   `json:"range_end"`
	Missing      string   `json:"on_cursor_value_missing"`
	RowOrder     string   `json:"row_order"`
	ParamFormat  string   `json:"param_format"`
	ParamTZ      string   `json:"param_timezone"`
}
