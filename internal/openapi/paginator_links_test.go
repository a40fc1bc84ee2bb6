package openapi

import "testing"

func obj(props ...Property) *Schema { return &Schema{Type: "object", Props: props} }

func prop(name string, s *Schema) Property { return Property{name, s} }

var (
	sString = &Schema{Type: "string"}
	sURI    = &Schema{Type: "string", Format: "uri"}
	sInt    = &Schema{Type: "integer"}
)

func TestNextLinkPath(t *testing.T) {
	cases := []struct {
		name string
		resp *Schema
		want string
	}{
		{"Twilio meta.next_page_url", obj(prop("flows", &Schema{Type: "array"}), prop("meta", obj(prop("url", sURI), prop("next_page_url", sURI)))), "meta.next_page_url"},
		{"Asana next_page.uri", obj(prop("next_page", obj(prop("offset", sString), prop("path", sString), prop("uri", sURI)))), "next_page.uri"},
		{"Jira nextPage of format uri", obj(prop("self", sURI), prop("nextPage", sURI), prop("isLast", &Schema{Type: "boolean"})), "nextPage"},
		{"Intercom pages.next of format uri", obj(prop("pages", obj(prop("next", sURI), prop("page", sInt)))), "pages.next"},
		{"a next page number is no link", obj(prop("nextPage", sInt)), ""},
		{"a next date is no link", obj(prop("next_run", sString)), ""},
		{"a URL that is not the next page", obj(prop("meta", obj(prop("url", sURI), prop("previous_page_url", sURI)))), ""},
		{"deeper than three objects", obj(prop("a", obj(prop("b", obj(prop("c", obj(prop("next_url", sString)))))))), ""},
		{"no schema", nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := nextLinkPath(c.resp, 3); got != c.want {
				t.Errorf("nextLinkPath = %q, want %q", got, c.want)
			}
		})
	}
}

func TestNextCursorPath(t *testing.T) {
	cases := []struct {
		name, param string
		resp        *Schema
		want        string
	}{
		{"Box next_marker", "marker", obj(prop("limit", sInt), prop("next_marker", sString)), "next_marker"},
		{"camel case", "pageToken", obj(prop("nextPageToken", sString)), "nextPageToken"},
		{"Asana next_page.offset", "offset", obj(prop("next_page", obj(prop("offset", sString)))), "next_page.offset"},
		{"Intercom pages.next.starting_after", "starting_after", obj(prop("pages", obj(prop("next", obj(prop("page", sInt), prop("starting_after", sString)))))), "pages.next.starting_after"},
		{"a param of the same name outside a next object", "offset", obj(prop("meta", obj(prop("offset", sInt)))), ""},
		{"none", "cursor", obj(prop("data", &Schema{Type: "array"})), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := nextCursorPath(c.resp, c.param); got != c.want {
				t.Errorf("nextCursorPath(%s) = %q, want %q", c.param, got, c.want)
			}
		})
	}
}

func TestPlaceholderHost(t *testing.T) {
	cases := []struct{ url, want, label string }{
		{"https://your-domain.atlassian.net", "https://{vars.your_domain}.atlassian.net", "your-domain"},
		{"https://yourcompany.zendesk.com/api/v2", "https://{vars.yourcompany}.zendesk.com/api/v2", "yourcompany"},
		{"https://<tenant>.example.com", "https://{vars.tenant}.example.com", "<tenant>"},
		{"https://{vars.your_okta_domain}", "https://{vars.your_okta_domain}", ""}, // a server variable already
		{"https://api.box.com/2.0", "https://api.box.com/2.0", ""},
		{"/api/v3", "/api/v3", ""},
	}
	for _, c := range cases {
		got, label := placeholderHost(c.url)
		if got != c.want || label != c.label {
			t.Errorf("placeholderHost(%q) = %q, %q, want %q, %q", c.url, got, label, c.want, c.label)
		}
	}
}
