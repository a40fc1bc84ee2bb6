package rest

import "testing"

// TestJSONLinkLiteralKey: a next_url_path written as the key the docs
// show ("@odata.nextLink", "odata.nextLink") is followed although gjson
// reads "@" as a modifier and "." as a level; a real path still wins
// over a key of the same spelling.
func TestJSONLinkLiteralKey(t *testing.T) {
	tests := []struct {
		name, path, body, want string
	}{
		{"odata v4", "@odata.nextLink", `{"value":[1],"@odata.nextLink":"https://api.test/users?$skiptoken=X1"}`, "https://api.test/users?$skiptoken=X1"},
		{"odata v3", "odata.nextLink", `{"value":[1],"odata.nextLink":"https://api.test/users?$skiptoken=X2"}`, "https://api.test/users?$skiptoken=X2"},
		{"escaped", `@odata\.nextLink`, `{"value":[1],"@odata.nextLink":"https://api.test/users?$skiptoken=X3"}`, "https://api.test/users?$skiptoken=X3"},
		{"path wins", "links.next", `{"value":[1],"links.next":"https://api.test/a","links":{"next":"https://api.test/b"}}`, "https://api.test/b"},
		{"last page", "@odata.nextLink", `{"value":[1]}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pg, err := NewPaginator(pcfg(KindJSONLink, func(c *PaginatorConfig) { c.NextURLPath = tt.path }), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			req := get(t, "https://api.test/users?$top=1")
			if err := pg.Init(req); err != nil {
				t.Fatal(err)
			}
			records, err := NewSelector("value", nil).Select([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			more, err := pg.Next(req, &Response{Body: []byte(tt.body)}, records)
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			got := ""
			if more {
				got = req.URL.String()
			}
			if got != tt.want {
				t.Errorf("next request %q, want %q", got, tt.want)
			}
		})
	}
}
