package rest

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestSelector(t *testing.T) {
	tests := []struct {
		name, path, body string
		want             []string // raw records
		err              string
		log              string
	}{
		{name: "path array", path: "data", body: `{"data":[{"id":1},{"id":2}]}`, want: []string{`{"id":1}`, `{"id":2}`}},
		{name: "path object", path: "data", body: `{"data":{"id":1}}`, want: []string{`{"id":1}`}},
		{name: "path null", path: "data", body: `{"data":null}`},
		{name: "path null with errors", path: "data", body: `{"data":null,"errors":[{"message":"timeout"}]}`, err: `data_selector "data" is null and body "errors" is array [{"message":"timeout"}] (response_actions can fail, retry or ignore such a body: {condition: "errors", action: fail})`},
		{name: "path {} with error", path: "data", body: `{"data":{},"error":"quota"}`, err: `data_selector "data" is {} and body "error" is string "quota"`},
		{name: "path null with empty errors", path: "data", body: `{"data":null,"errors":[]}`},
		{name: "path missing", path: "data", body: `{"other":[1]}`, err: `data_selector "data" not found in the response (it holds keys "other")`},
		{name: "quota error instead of data", path: "data", body: `{"error":"quota exceeded"}`, err: `data_selector "data" not found in the response (it holds keys "error")`},
		{name: "error on 200 names response_actions", path: "channels", body: `{"ok":false,"error":"invalid_auth"}`, err: `data_selector "channels" not found in the response (it holds keys "ok", "error"): body "error" is string "invalid_auth" (response_actions can fail, retry or ignore such a body: {condition: "error", action: fail})`},
		{name: "nested path", path: "response.items", body: `{"response":{"items":[1,2]}}`, want: []string{"1", "2"}},
		{name: "path scalar", path: "data", body: `{"data":"x"}`, err: `data_selector "data" selects a string, want an array or an object`},
		{name: "empty body", path: "data", body: ``, err: "response body is empty"},
		{name: "blank body", body: " \n", err: "response body is empty"},
		{name: "detect error object", body: `{"error":{"message":"quota exceeded"},"status":429}`, err: `data_selector: the response holds no records but "error" (it holds keys "error", "status"; set data_selector, or a response_action for this body)`},
		{name: "not json", path: "data", body: `<html>`, err: "response body is not JSON"},
		{name: "detect top array", body: `[{"id":1}]`, want: []string{`{"id":1}`}, log: `data_selector: detected \"\" (response is an array)`},
		{name: "detect one key", body: `{"data":[{"id":1}],"links":{"next":null},"meta":{}}`, want: []string{`{"id":1}`}, log: `data_selector: detected \"data\" (the only array at the top level)`},
		{name: "detect nested", body: `{"page":{"results":[3]},"count":1}`, want: []string{"3"}, log: `data_selector: detected \"page.results\"`},
		{name: "detect object", body: `{"id":7,"name":"x"}`, want: []string{`{"id":7,"name":"x"}`}, log: `response is one object`},
		{name: "detect ambiguous", body: `{"data":[1],"errors":[2]}`, err: `data_selector: several arrays in the response: "data", "errors" (set data_selector)`},
		{name: "detect ambiguous nested", body: `{"a":{"x":[1]},"b":{"y":[2]}}`, err: `several arrays in the response: "a.x", "b.y"`},
		{name: "detect key with dot", body: `{"odd.key":[1]}`, want: []string{"1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			s := NewSelector(tt.path, slog.New(slog.NewTextHandler(&logs, nil)))
			recs, err := s.Select([]byte(tt.body))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range recs {
				got = append(got, r.Raw)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("records = %v, want %v", got, tt.want)
			}
			if !strings.Contains(logs.String(), tt.log) {
				t.Errorf("log %q does not contain %q", logs.String(), tt.log)
			}
		})
	}
}

func TestSelectorDetectsOnceAndLogsOnce(t *testing.T) {
	var logs bytes.Buffer
	s := NewSelector("", slog.New(slog.NewTextHandler(&logs, nil)))
	for _, body := range []string{`{"data":[1,2]}`, `{"data":[3],"extra":[9]}`, `{"data":[]}`} {
		if _, err := s.Select([]byte(body)); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
	}
	// The second body has two arrays, but "data" was detected on the first.
	if n := strings.Count(logs.String(), "data_selector: detected"); n != 1 {
		t.Errorf("logged %d times, want once:\n%s", n, logs.String())
	}
}

// TestSelectorShapeChange: a page whose records are an object where
// earlier pages held an array (and the other way round) is an error, not
// one record made of the whole list.
func TestSelectorShapeChange(t *testing.T) {
	for _, tt := range []struct{ first, second, err string }{
		{`{"records":[{"id":1}]}`, `{"records":{"2":{"id":3},"0":{"id":2}}}`, `data_selector "records" selects an object, but earlier pages held an array there`},
		{`{"records":{"id":1}}`, `{"records":[{"id":2}]}`, `data_selector "records" selects an array, but earlier pages held an object there`},
		{`{"records":[{"id":1}]}`, `{"records":null}`, ""},
		{`{"records":[{"id":1}]}`, `{"records":[]}`, ""},
		{`{"records":[{"id":1}]}`, `{"records":{}}`, ""},
	} {
		s := NewSelector("records", nil)
		if _, err := s.Select([]byte(tt.first)); err != nil {
			t.Fatalf("%s: %v", tt.first, err)
		}
		_, err := s.Select([]byte(tt.second))
		if (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("%s then %s: err = %v, want %q", tt.first, tt.second, err, tt.err)
		}
	}
}

// TestSelectorEmptyObject: {} holds no records, whether the path is set
// or detected; {"errors": …} without the path still fails.
func TestSelectorEmptyObject(t *testing.T) {
	for _, path := range []string{"customers", ""} {
		recs, err := NewSelector(path, nil).Select([]byte(" { } "))
		if err != nil || len(recs) != 0 {
			t.Errorf("path %q: %d records, %v; want none", path, len(recs), err)
		}
	}
	if recs, err := NewSelector("data", nil).Select([]byte(`{"data":{ }}`)); err != nil || len(recs) != 0 {
		t.Errorf(`{"data":{}}: %d records, %v; want none`, len(recs), err)
	}
	if _, err := NewSelector("customers", nil).Select([]byte(`{"errors":[{"code":"UNAUTHORIZED"}]}`)); err == nil {
		t.Errorf("an errors body selected no records without an error")
	}
}
