package rest

import (
	"testing"

	"github.com/tidwall/gjson"
)

// TestLastIDSentByteForByte: the last record's id goes back as the
// record holds it, spaces included; a blank id is no id.
func TestLastIDSentByteForByte(t *testing.T) {
	pg, err := NewPaginator(pcfg("last_id"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	req := get(t, "https://api.test/v1/customers")
	pg.Init(req)
	records := []gjson.Result{gjson.Parse(`{"id":"cus_1"}`), gjson.Parse(`{"id":" cus 2 "}`)}
	if more, err := pg.Next(req, &Response{Body: []byte(`{"has_more":true}`)}, records); !more || err != nil {
		t.Fatalf("more %v, err %v", more, err)
	}
	if got := req.URL.Query().Get("starting_after"); got != " cus 2 " {
		t.Errorf("starting_after %q, want %q", got, " cus 2 ")
	}
	if more, err := pg.Next(req, &Response{Body: []byte(`{"has_more":true}`)}, []gjson.Result{gjson.Parse(`{"id":"  "}`)}); more || err == nil {
		t.Errorf("blank id: more %v, err %v; want ErrMorePages", more, err)
	}
}
