package rest

// DefaultMaxPages bounds every request chain whose paginator sets no
// max_pages: a next link that changes on every page (a nonce, a
// timestamp) would otherwise be followed forever. Reaching it is an error
// wrapping ErrMaxPages, never a silent stop.
const DefaultMaxPages = 100000

// PaginatorConfig is a paginator as plan compiles it: one kind, every
// default applied. NewPaginator reads it as is and applies no default of
// its own, so what `pipe plan` prints is what runs. Start from
// DefaultPaginator(kind) and set the fields the spec writes.
type PaginatorConfig struct {
	// Type is one of the Kind constants; json_response is read as json_link.
	Type string

	// json_link
	NextURLPath string // gjson path of the next link
	RelativeTo  string // "url" or "base_url"

	// header_link
	LinksNextKey string // rel of the Link header followed

	// offset
	Limit, Offset, MaximumOffset  int
	OffsetParam, LimitParam       string
	OffsetBodyPath, LimitBodyPath string // in the JSON request body instead of the query
	TotalIsUpperBound             bool   // total_path bounds the offsets; records may be fewer

	// page_number
	BasePage, Page, MaximumPage int
	PageParam, PageBodyPath     string

	// offset and page_number
	TotalPath          string
	StopAfterEmptyPage bool
	Parallel           int

	// offset, page_number, json_link, cursor and last_id: gjson path of a
	// boolean that is false on the last page.
	HasMorePath string

	// cursor, header_cursor and last_id
	CursorPath     string // cursor: gjson path of the next cursor
	CursorParam    string // query parameter the cursor is sent in
	CursorBodyPath string // cursor: path in the JSON request body instead
	CursorKey      string // header_cursor: response header
	IDPath         string // last_id: gjson path of a record's id

	// Placed names the values the spec writes as {paginator.NAME} in the
	// text of parameters, headers or bodies (ValueOffset, ValueLimit,
	// ValuePage): the paginator fills them and does not also send its own
	// parameter or body path for them.
	Placed []string

	// MaxPages bounds the pages of one request chain; every kind has it.
	MaxPages int
}

// DefaultPaginator returns the configuration of kind with every default
// applied: what a bare `paginator: <kind>` means. Limit (offset) has no
// default. Unknown kinds get only MaxPages.
func DefaultPaginator(kind string) PaginatorConfig {
	if kind == KindJSONResponse {
		kind = KindJSONLink
	}
	c := PaginatorConfig{Type: kind, MaxPages: DefaultMaxPages}
	switch kind {
	case KindJSONLink:
		c.NextURLPath, c.RelativeTo = "next", "url"
	case KindHeaderLink:
		c.LinksNextKey = "next"
	case KindOffset:
		c.OffsetParam, c.LimitParam, c.StopAfterEmptyPage = "offset", "limit", true
	case KindPageNumber:
		c.PageParam, c.StopAfterEmptyPage = "page", true
	case KindCursor:
		c.CursorPath, c.CursorParam = "cursors.next", "cursor"
	case KindHeaderCursor:
		c.CursorKey, c.CursorParam = "next", "cursor"
	case KindLastID:
		c.IDPath, c.CursorParam, c.HasMorePath = "id", "starting_after", "has_more"
	}
	return c
}
