package rest

import (
	"errors"
	"strings"
	"testing"
)

// TestPageNumberTotalMustHold: a total number of pages that changes
// between pages (records added or removed while the walk paged, so every
// later page holds other records) wraps ErrShifted, on the last page too.
func TestPageNumberTotalMustHold(t *testing.T) {
	tests := []struct {
		name  string
		pages []string
		err   error
		msg   string
	}{
		{"steady", []string{`{"more":true,"pages":2}`, `{"more":false,"pages":2}`}, nil, ""},
		{"shrinks", []string{`{"more":true,"pages":3}`, `{"more":true,"pages":2}`}, ErrShifted, `total_path "pages" was 3 pages and is 2 at page 2`},
		{"grows on the last page", []string{`{"more":true,"pages":2}`, `{"more":false,"pages":3}`}, ErrShifted, `was 2 pages and is 3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pg, err := NewPaginator(pcfg("page_number", func(c *PaginatorConfig) { c.BasePage = 1; c.Page = 1; c.HasMorePath = "more"; c.TotalPath = "pages" }), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			req := get(t, "https://api.test/items")
			pg.Init(req)
			more := true
			for i := 0; more && i < len(tt.pages); i++ {
				more, err = pg.Next(req, &Response{Body: []byte(tt.pages[i])}, recs(2))
			}
			if tt.err == nil && err != nil || tt.err != nil && (!errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.msg)) {
				t.Errorf("err = %v, want %v %q", err, tt.err, tt.msg)
			}
		})
	}
}
