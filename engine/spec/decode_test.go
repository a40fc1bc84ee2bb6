package spec

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"
	"time"
)

func loadFile(t *testing.T, path string) *Spec {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Load(path, data)
	if err != nil {
		t.Fatalf("Load:\n%v", err)
	}
	return s
}

// TestLoadShortForms checks the short forms decode to what they stand for,
// and nothing more: Load applies no defaults.
func TestLoadShortForms(t *testing.T) {
	s := loadFile(t, "testdata/ok/short_forms.yml")
	if got := s.Client.Paginator; !reflect.DeepEqual(got, &Paginator{Type: "single_page"}) {
		t.Errorf("client.paginator = %+v, want bare single_page", got)
	}
	if got := s.Resources[0]; !reflect.DeepEqual(got, Resource{Name: "users", Endpoint: &Endpoint{Path: "users"}}) {
		t.Errorf("string resource = %+v", got)
	}
	ep := s.Resources[2].Endpoint
	want := map[string]Param{
		"group_id": {Resolve: &Resolve{Type: "resolve", Resource: "groups", Field: "id"}},
		"per_page": {Value: "{vars.page_size}"},
		"active":   {Value: "true"},
	}
	if !reflect.DeepEqual(ep.Params, want) {
		t.Errorf("params = %+v, want %+v", ep.Params, want)
	}
	if got := ep.Paginator; !reflect.DeepEqual(got, &Paginator{Type: "header_link"}) {
		t.Errorf("endpoint paginator = %+v", got)
	}
	if got := s.Vars["page_size"].Default; got == nil || *got != "50" {
		t.Errorf("scalar var default = %v, want 50", got)
	}
	c := s.Resources[2].SchemaContract
	if !reflect.DeepEqual(c, &SchemaContract{Tables: "freeze", Columns: "freeze", DataType: "freeze"}) {
		t.Errorf("schema_contract = %+v", c)
	}
}

func TestLoadValues(t *testing.T) {
	s := loadFile(t, "testdata/ok/anchors.yml")
	users, admins := s.Resources[0], s.Resources[1]
	inc := users.Endpoint.Incremental
	if inc == nil || time.Duration(inc.Lag) != time.Hour || inc.Filter == nil || !*inc.Filter || inc.InitialValue != "0" {
		t.Errorf("incremental = %+v", inc)
	}
	body, _ := json.Marshal(users.Endpoint.JSON)
	if string(body) != `{"filters":[{"since":"{incremental.start_value}"}],"limit":10,"query":"{vars.q}"}` {
		t.Errorf("json body = %s", body)
	}
	if admins.Name != "admins" || admins.TableName != "admin_users" || admins.Endpoint.Path != "users" || admins.WriteDisposition != "merge" {
		t.Errorf("merged resource = %+v", admins)
	}
	if !reflect.DeepEqual(admins.Endpoint.Paginator, s.Client.Paginator) || s.Client.Paginator.CursorParam != "after" {
		t.Errorf("aliased paginator = %+v, want %+v", admins.Endpoint.Paginator, s.Client.Paginator)
	}
	if rl := s.Client.RateLimit; rl.RequestsPerSecond != 10 || rl.Burst != 5 {
		t.Errorf("rate_limit = %+v", rl)
	}
}

func TestPaginatorUnmarshal(t *testing.T) {
	tests := []struct {
		in      string
		want    Paginator
		wantErr bool
	}{
		{`"auto"`, Paginator{Type: "auto"}, false},
		{`{"type":"offset","limit":100,"total_path":"total"}`, Paginator{Type: "offset", Limit: 100, TotalPath: "total"}, false},
		{`{"type":"offset","limt":100}`, Paginator{}, true},
		{`[1]`, Paginator{}, true},
	}
	for _, tt := range tests {
		var p Paginator
		err := json.Unmarshal([]byte(tt.in), &p)
		if (err != nil) != tt.wantErr || !tt.wantErr && !reflect.DeepEqual(p, tt.want) {
			t.Errorf("Unmarshal(%s) = %+v, %v; want %+v, error %v", tt.in, p, err, tt.want, tt.wantErr)
		}
	}
}

func TestVarUnmarshal(t *testing.T) {
	str := func(s string) *string { return &s }
	tests := []struct {
		in      string
		want    Var
		wantErr bool
	}{
		{`"eu"`, Var{Default: str("eu")}, false},
		{`100`, Var{Default: str("100")}, false},
		{`{"default":100,"enum":[50,100],"description":"page size"}`, Var{Default: str("100"), Enum: []string{"50", "100"}, Description: "page size"}, false},
		{`{"default":true}`, Var{Default: str("true")}, false},
		{`{"default":null,"description":"no default"}`, Var{Description: "no default"}, false},
		{`{"default":[1]}`, Var{}, true},
		{`{"defualt":"x"}`, Var{}, true},
	}
	for _, tt := range tests {
		var v Var
		err := json.Unmarshal([]byte(tt.in), &v)
		if (err != nil) != tt.wantErr || !tt.wantErr && !reflect.DeepEqual(v, tt.want) {
			t.Errorf("Unmarshal(%s) = %+v, %v; want %+v, error %v", tt.in, v, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseTemplateNamespaceHint(t *testing.T) {
	tests := []struct{ in, want string }{
		{"{var.region}", `unknown placeholder namespace "var" in {var.region} (did you mean "vars"?)`},
		{"{secret.token}", `unknown placeholder namespace "secret" in {secret.token} (did you mean "secrets"?)`},
		{"{env.HOME}", `unknown placeholder namespace "env" in {env.HOME} (want one of vars, secrets, resources, incremental, paginator)`},
	}
	for _, tt := range tests {
		_, err := ParseTemplate(tt.in)
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseTemplate(%q) error = %v, want %s", tt.in, err, tt.want)
		}
	}
}

// TestLoadDltForms checks dlt's spellings decode to pipe's meaning: the
// name from the file, a string endpoint as its path, an incremental param
// as the endpoint's cursor with start_param, numbers as numeric cursors.
func TestLoadDltForms(t *testing.T) {
	s := loadFile(t, "testdata/ok/dlt_forms.yml")
	if s.Name != "dlt_forms" {
		t.Errorf("name = %q, want dlt_forms (from the file name)", s.Name)
	}
	if got := s.Resources[1].Endpoint; !reflect.DeepEqual(got, &Endpoint{Path: "posts/{resources.posts.id}/comments"}) {
		t.Errorf("string endpoint = %+v", got)
	}
	for _, c := range []struct {
		resource int
		want     Incremental
	}{
		{0, Incremental{CursorPath: "updated_at", InitialValue: "2024-01-01T00:00:00Z", StartParam: "since"}},
		{3, Incremental{CursorPath: "id", InitialValue: "10", StartParam: "since_id", Numeric: true}},
	} {
		got := s.Resources[c.resource].Endpoint.Cursor()
		if got == nil || !reflect.DeepEqual(*got, c.want) {
			t.Errorf("resources[%d] cursor = %+v, want %+v", c.resource, got, c.want)
		}
	}
	if got := s.Resources[0].Endpoint.Params["since"].Incremental.StartParam; got != "" {
		t.Errorf("the param itself got start_param %q; Cursor sets it", got)
	}
}

// TestParseTemplateInsideBraces checks a placeholder inside literal
// braces, as in a raw JSON or GraphQL body, is found.
func TestParseTemplateInsideBraces(t *testing.T) {
	tmpl, err := ParseTemplate(`{"q": "{ a(since: {vars.since}) { id } }"}`)
	if err != nil {
		t.Fatal(err)
	}
	got := tmpl.Placeholders()
	if len(got) != 1 || got[0].String() != "{vars.since}" {
		t.Errorf("placeholders = %v, want {vars.since}", got)
	}
	if s := tmpl.String(); s != `{"q": "{ a(since: {vars.since}) { id } }"}` {
		t.Errorf("String = %s", s)
	}
}
