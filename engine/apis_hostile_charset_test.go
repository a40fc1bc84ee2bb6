package engine_test

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// Text that is not UTF-8, or that UTF-8 cannot hold. JSON is UTF-8 (RFC
// 8259 §8.1), but:
//   - REST frameworks answer application/json;charset=ISO-8859-1 and write
//     their text in it (metamug/mason#161; JAX-RS and Spring servers whose
//     default charset is Latin-1), and Japanese APIs Shift_JIS;
//   - a server that writes Latin-1 and says nothing leaves bytes in the
//     JSON that are not UTF-8;
//   - Node servers cut strings by UTF-16 length (text.slice(0, 140)) and
//     JSON.stringify writes a cut emoji's half as "\ud83d" (ECMAScript
//     2019, "well-formed JSON.stringify"), which UTF-8 text cannot hold.
//
// pipe reads a declared charset where the body is not UTF-8 already
// (Java servers also name ISO-8859-1 and write UTF-8), and fails the run,
// naming the resource, the URL and the field, where the text would be
// stored altered.

// charsetSpec is one resource of one page; {vars.api_url} is the fake.
const charsetSpec = `
name: charsets
vars: {api_url: {default: "http://unused.invalid"}}
client: {base_url: "{vars.api_url}/api/"}
resources:
  - name: items
    primary_key: id
    endpoint: {path: items, data_selector: items, paginator: single_page}
`

// charsetAPI serves body with Content-Type ctype at /api/items.
func charsetAPI(ctype, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/items" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", ctype)
		w.Write([]byte(body))
	})
}

func TestDeclaredCharsetsDecoded(t *testing.T) {
	cases := []struct{ name, ctype, body, want string }{
		{"mason's ISO-8859-1", "application/json;charset=ISO-8859-1",
			"{\"items\":[{\"id\":1,\"title\":\"Caf\xe9 \xfcber\"}]}", "1|Café über|436166C3A920C3BC626572"},
		{"windows-1252", "application/json; charset=windows-1252",
			"{\"items\":[{\"id\":1,\"title\":\"\x80 5 \x93ok\x94\"}]}", "1|€ 5 “ok”|E282AC203520E2809C6F6BE2809D"},
		{"Shift_JIS", "application/json; charset=Shift_JIS",
			"{\"items\":[{\"id\":1,\"title\":\"\x93\xfa\x96\x7b\"}]}", "1|日本|E697A5E69CAC"},
		{"ISO-8859-1 named, UTF-8 written", "application/json;charset=ISO-8859-1",
			`{"items":[{"id":1,"title":"Café über"}]}`, "1|Café über|436166C3A920C3BC626572"},
		{"UTF-16 with its byte order mark", "application/json; charset=UTF-16",
			"\xff\xfe" + utf16le(`{"items":[{"id":1,"title":"né"}]}`), "1|né|6EC3A9"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			run, _ := curServe(t, charsetAPI(c.ctype, c.body), "zendesk_export", charsetSpec, nil)
			run.mustLoad(t)
			run.checkTable(t, `SELECT id, title, hex(title) FROM items`, []string{c.want})
		})
	}
}

func TestTextNotStorableFails(t *testing.T) {
	cases := []struct {
		name, ctype, body string
		parts             []string
	}{
		{"Latin-1 without a charset", "application/json",
			"{\"items\":[{\"id\":1,\"title\":\"ok\"},{\"id\":2,\"title\":\"Caf\xe9\"}]}",
			[]string{`resource "items"`, "GET http://api.test/api/items", "not valid UTF-8 at byte 52", `Caf\xe9`, "charset="}},
		{"a byte Shift_JIS does not define", "application/json; charset=Shift_JIS",
			"{\"items\":[{\"id\":1,\"title\":\"\x85\x40\"}]}",
			[]string{`resource "items"`, "http://api.test/api/items", "bytes that shift_jis", "does not define"}},
		{"a charset pipe cannot decode", "application/json; charset=x-user-defined-7",
			"{\"items\":[{\"id\":1,\"title\":\"\xe9\"}]}",
			[]string{`resource "items"`, "http://api.test/api/items", `charset "x-user-defined-7"`}},
		{"Node's cut emoji", "application/json; charset=utf-8",
			`{"items":[{"id":1,"title":"fine \ud83d\ude00"},{"id":2,"title":"cut \ud83d"}]}`,
			[]string{`resource "items"`, "http://api.test/api/items", `field "title"`, "lone UTF-16 surrogate", "columns: {title: {data_type: json}}"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			run, srv := curServe(t, charsetAPI(c.ctype, c.body), "zendesk_export", charsetSpec, nil)
			run.mustFail(t, srv, c.parts...)
			run.noRows(t, "items")
		})
	}

	// The hint the error names keeps the cut emoji's JSON text as sent.
	hinted := strings.Replace(charsetSpec, "    primary_key: id\n", "    primary_key: id\n    columns: {title: {data_type: json}}\n", 1)
	run, _ := curServe(t, charsetAPI("application/json", `{"items":[{"id":2,"title":"cut \ud83d"}]}`), "zendesk_export", hinted, nil)
	run.mustLoad(t)
	run.checkTable(t, `SELECT id, title FROM items`, []string{`2|"cut \ud83d"`})
}

// utf16le writes s, which must be ASCII or Latin-1 text, as UTF-16LE.
func utf16le(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteByte(byte(r))
		b.WriteByte(byte(r >> 8))
	}
	return b.String()
}

// TestErrorPageCharsetRetried: a proxy's 503 page in a charset pipe cannot
// decode is still a 503, retried as one; only a success must be read
// exactly.
func TestErrorPageCharsetRetried(t *testing.T) {
	var calls atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Content-Type", "text/html; charset=x-proxy-8")
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("<h1>Service indisponible \xe9</h1>"))
			return
		}
		charsetAPI("application/json", `{"items":[{"id":1,"title":"ok"}]}`).ServeHTTP(w, r)
	})
	run, _ := curServe(t, h, "zendesk_export", charsetSpec, nil)
	run.mustLoad(t)
	run.checkTable(t, `SELECT id, title FROM items`, []string{"1|ok"})
	if n := calls.Load(); n != 2 {
		t.Errorf("%d requests, want the 503 and its retry", n)
	}
}
