package dltconf

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestDltMockReplica checks dltMock against what dlt's own tests assert
// of its mock API: testdata/mock/test_mock_api_server.json holds the cases of
// tests/sources/helpers/rest_client/test_mock_api_server.py
// (test_paginate_success), each a URL and the status and JSON dlt's mock
// answers, transcribed as data.
func TestDltMockReplica(t *testing.T) {
	data, err := os.ReadFile("testdata/mock/test_mock_api_server.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		URL          string `json:"url"`
		StatusCode   int    `json:"status_code"`
		ExpectedJSON any    `json:"expected_json"`
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 18 {
		t.Fatalf("%d cases, want 18", len(cases))
	}
	m := newDltMock(t)
	for _, c := range cases {
		resp, err := http.Get(m.srv.URL + c.URL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var got any
		if err := json.Unmarshal([]byte(strings.ReplaceAll(string(body), m.srv.URL, "https://api.example.com")), &got); err != nil {
			t.Fatalf("%s: %v", c.URL, err)
		}
		if resp.StatusCode != c.StatusCode || !reflect.DeepEqual(got, c.ExpectedJSON) {
			t.Errorf("%s: %d %v\nwant %d %v", c.URL, resp.StatusCode, got, c.StatusCode, c.ExpectedJSON)
		}
	}
}
