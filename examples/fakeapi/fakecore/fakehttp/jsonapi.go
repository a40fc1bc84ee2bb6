package fakehttp

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// JSONAPIDoc is a JSON:API document, as Snyk's REST API answers.
type JSONAPIDoc struct {
	JSONAPI struct {
		Version string `json:"version"`
	} `json:"jsonapi"`
	Data   json.RawMessage   `json:"data"`
	Links  map[string]string `json:"links"`
	Meta   json.RawMessage   `json:"meta"`
	Errors []struct {
		ID     string            `json:"id"`
		Status any               `json:"status"`
		Detail string            `json:"detail"`
		Source map[string]string `json:"source"`
	} `json:"errors"`
}

// WantJSONAPIError checks a JSON:API error document: the status, the
// media type application/vnd.api+json, one error with the status as a
// string, a detail containing detail, and the offending parameter (when
// param is not empty).
func WantJSONAPIError(t testing.TB, resp *http.Response, body []byte, status int, detail, param string) {
	t.Helper()
	WantStatus(t, resp, body, status)
	if ct := resp.Header.Get("Content-Type"); ct != "application/vnd.api+json" {
		t.Errorf("Content-Type %q, want application/vnd.api+json", ct)
	}
	d := Decode[JSONAPIDoc](t, body)
	if d.JSONAPI.Version != "1.0" || len(d.Errors) != 1 {
		t.Fatalf("not a JSON:API error document: %s", body)
	}
	e := d.Errors[0]
	if s, ok := e.Status.(string); !ok || s != strconv.Itoa(status) {
		t.Errorf("errors[0].status = %#v, want the string %q", e.Status, strconv.Itoa(status))
	}
	if !strings.Contains(e.Detail, detail) {
		t.Errorf("errors[0].detail = %q, want it to contain %q", e.Detail, detail)
	}
	if param != "" && e.Source["parameter"] != param {
		t.Errorf("errors[0].source = %v, want parameter %q", e.Source, param)
	}
}
