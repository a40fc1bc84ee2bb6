package engine_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestWireProxyEchoesCredential: proxies' and frameworks' debug pages
// echo the request, Authorization header included (a Django or Express
// error page in debug mode, a misconfigured proxy's 400). Whatever part
// of such a page the error shows, no form of the token is in it, in the
// logs or in the database (wireRun's noSecretLeft checks raw, URL- and
// JSON-escaped and base64 forms).
func TestWireProxyEchoesCredential(t *testing.T) {
	echo := "Authorization: Bearer " + bodiesToken + " q=" + url.QueryEscape(bodiesToken) + " b64=" + base64.StdEncoding.EncodeToString([]byte(bodiesToken))
	for _, c := range []struct {
		name   string
		status int
		ctype  string
		err    string
	}{
		{"a 400 debug page", http.StatusBadRequest, "text/html", "400 Bad Request: "},
		{"a 502 that is retried", http.StatusBadGateway, "text/plain", "502 Bad Gateway: "},
		{"a 200 that is not JSON", http.StatusOK, "text/html", `response body is not JSON (status 200, Content-Type "text/html", starts "`},
	} {
		t.Run(c.name, func(t *testing.T) {
			run, o := wirePage2(t, "", func(w http.ResponseWriter, r *http.Request, _ int) {
				w.Header().Set("Content-Type", c.ctype)
				w.WriteHeader(c.status)
				w.Write([]byte(echo + "\n<pre>" + strings.Repeat("trace ", 20) + "</pre>"))
			})
			// the page is shown, each form of the token masked
			run.failedAsWas(t, o.srv.URL, wirePage2Prefix+c.err+"Authorization: *** q=***")
		})
	}
}
