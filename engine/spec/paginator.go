package spec

import "encoding/json"

// UnmarshalJSON accepts a bare type ("single_page") or a mapping.
func (p *Paginator) UnmarshalJSON(b []byte) error {
	var kind string
	if err := json.Unmarshal(b, &kind); err == nil {
		*p = Paginator{Type: kind}
		return nil
	}
	type plain Paginator
	return strictDecode(b, (*plain)(p))
}
