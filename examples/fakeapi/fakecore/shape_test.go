package fakecore

import (
	"slices"
	"testing"
)

func TestMissingKeys(t *testing.T) {
	type rec struct {
		ID   string         `json:"id"`
		Tags []string       `json:"tags"`
		Meta map[string]int `json:"meta"`
	}
	fake := [][]rec{{{ID: "1", Meta: map[string]int{"n": 1}}}} // two list levels deep
	cases := []struct {
		name, sample, at string
		want             []string
	}{
		{"all present", `{"data":[{"id":"x","meta":{"n":2}}]}`, "data", nil},
		{"bare list", `[{"id":"x","tags":["a"]}]`, "", nil},
		{"missing nested and top keys", `{"data":[{"id":"x","meta":{"n":1,"m":2},"links":{"self":"/x"}}]}`, "data",
			[]string{"links", "links.self", "meta.m"}},
	}
	for _, c := range cases {
		got, err := MissingKeys([]byte(c.sample), c.at, fake)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%s: MissingKeys = %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	if _, err := MissingKeys([]byte(`{`), "", fake); err == nil {
		t.Error("a malformed sample: no error")
	}
}
