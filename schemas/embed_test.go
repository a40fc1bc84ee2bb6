package schemas_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/pipe-etl/pipe/schemas"
)

const url = "https://github.com/pipe-etl/pipe/schemas/spec.schema.json"

func TestSpecSchemaCompiles(t *testing.T) {
	c := jsonschema.NewCompiler()
	if err := c.AddResource(url, bytes.NewReader(schemas.SpecJSON)); err != nil {
		t.Fatalf("add schema: %v", err)
	}
	if _, err := c.Compile(url); err != nil {
		t.Fatalf("compile schema: %#v", err)
	}
}

func TestSpecSchemaValidates(t *testing.T) {
	c := jsonschema.NewCompiler()
	if err := c.AddResource(url, bytes.NewReader(schemas.SpecJSON)); err != nil {
		t.Fatalf("add schema: %v", err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatalf("compile schema: %v", err)
	}
	tests := []struct {
		name string
		doc  string
		ok   bool
	}{
		{"minimal", `{"name":"x","client":{"base_url":"https://h"},"resources":["users"]}`, true},
		{"no resources", `{"name":"x","client":{"base_url":"https://h"},"resources":[]}`, false},
		{"unknown top-level key", `{"name":"x","nme":"y","client":{"base_url":"https://h"},"resources":["u"]}`, false},
		{"bare paginator", `{"name":"x","client":{"base_url":"h","paginator":"single_page"},"resources":["u"]}`, true},
		{"bad bare paginator", `{"name":"x","client":{"base_url":"h","paginator":"pages"},"resources":["u"]}`, false},
		{"field of other auth kind", `{"name":"x","client":{"base_url":"h","auth":{"type":"api_key","api_key":"k","token":"t"}},"resources":["u"]}`, false},
		{"resolve param", `{"name":"x","client":{"base_url":"h"},"resources":["p",{"name":"c","endpoint":{"params":{"p":{"type":"resolve","resource":"p","field":"id"}}}}]}`, true},
		{"two processing fields", `{"name":"x","client":{"base_url":"h"},"resources":[{"name":"c","processing_steps":[{"filter":"a","rename":{"a":"b"}}]}]}`, false},
		{"duration number", `{"name":"x","client":{"base_url":"h","retry":{"timeout":30}},"resources":["u"]}`, true},
		{"duration text", `{"name":"x","client":{"base_url":"h","retry":{"timeout":"1m30s"}},"resources":["u"]}`, true},
		{"bad duration", `{"name":"x","client":{"base_url":"h","retry":{"timeout":"30 seconds"}},"resources":["u"]}`, false},
		{"contract mode", `{"name":"x","client":{"base_url":"h"},"resources":[{"name":"c","schema_contract":"freeze"}]}`, true},
		{"contract mapping", `{"name":"x","client":{"base_url":"h"},"resources":[{"name":"c","schema_contract":{"columns":"discard_value"}}]}`, true},
		{"bad contract", `{"name":"x","client":{"base_url":"h"},"resources":[{"name":"c","schema_contract":"melt"}]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v any
			dec := json.NewDecoder(bytes.NewReader([]byte(tt.doc)))
			dec.UseNumber()
			if err := dec.Decode(&v); err != nil {
				t.Fatal(err)
			}
			err := s.Validate(v)
			if (err == nil) != tt.ok {
				t.Errorf("valid = %v, want %v (%v)", err == nil, tt.ok, err)
			}
		})
	}
}
