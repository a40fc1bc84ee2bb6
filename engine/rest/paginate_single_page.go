package rest

import "github.com/tidwall/gjson"

var _ Paginator = SinglePage{}

// SinglePage is a request chain of one page (single_page). It has no
// fields and always stops after the first response, without reading it:
// it is also the way to silence a sign of more pages that auto detection
// or a stop rule took for one.
type SinglePage struct{}

// Init does nothing.
func (SinglePage) Init(*Request) error { return nil }

// Next reports no more pages.
func (SinglePage) Next(*Request, *Response, []gjson.Result) (bool, error) { return false, nil }
