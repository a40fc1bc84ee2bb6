package rest

var _ Paginator = SinglePage{}

// SinglePage is a request chain of one page (single_page). It has no
// fields and always stops after the first response.
type SinglePage struct{}

// Init does nothing.
func (SinglePage) Init(*Request) error { return nil }

// Next reports no more pages.
func (SinglePage) Next(*Request, *Response, int) (bool, error) { return false, nil }
