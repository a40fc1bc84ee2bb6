package rest

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

// TestParseExpiresAt: the values expires_at_path reads, and those it
// refuses with the reason it gives.
func TestParseExpiresAt(t *testing.T) {
	for _, c := range []struct {
		raw  string // JSON value
		want string // RFC 3339 in UTC, or "!" + the reason ("!" alone: none beyond the wanted forms)
	}{
		{`"2024-02-29T18:54:05.123Z"`, "2024-02-29T18:54:05.123Z"},         // Jamf Pro
		{`"2024-02-29T18:54:05Z"`, "2024-02-29T18:54:05Z"},                 // no fraction
		{`"2024-02-29T19:54:05.5+01:00"`, "2024-02-29T18:54:05.5Z"},        // an offset
		{`"2019-04-23T22:25:18.1234567Z"`, "2019-04-23T22:25:18.1234567Z"}, // .NET's seven digits
		{`" 2024-02-29T18:54:05Z "`, "2024-02-29T18:54:05Z"},               // spaces around
		{`1709232845`, "2024-02-29T18:54:05Z"},                             // epoch seconds
		{`1709232845.25`, "2024-02-29T18:54:05.25Z"},                       // with a fraction
		{`"1709232845"`, "2024-02-29T18:54:05Z"},                           // as digits
		{`1709232845123`, "2024-02-29T18:54:05.123Z"},                      // epoch milliseconds (Jamf's old /uapi)
		{`"1709232845123"`, "2024-02-29T18:54:05.123Z"},                    // as digits
		{`99999999999`, "5138-11-16T09:46:39Z"},                            // the largest seconds
		{`100000000000`, "1973-03-03T09:46:40Z"},                           // the smallest milliseconds
		{`1709232845123456`, "!a number too large for epoch milliseconds"}, // microseconds (F5's expirationMicros)
		{`"2024-02-29T18:54:05.123"`, "!a date-time without a UTC offset"},
		{`"2024-02-29T18:54:05"`, "!a date-time without a UTC offset"},
		{`"2024-02-29 18:54:05Z"`, "!"},
		{`"2024-02-29T18:54:05+0000"`, "!"}, // ISO 8601's basic offset
		{`"Thu, 29 Feb 2024 18:54:05 GMT"`, "!"},
		{`"soon"`, "!"},
		{`""`, "!"},
		{`"1e12"`, "!"},
		{`-5`, "!"},
		{`true`, "!"},
		{`{"at": 1}`, "!"},
		{`[1709232845]`, "!"},
	} {
		at, why, ok := parseExpiresAt(gjson.Parse(c.raw))
		got := "!" + why
		if ok {
			got = at.UTC().Format(time.RFC3339Nano)
		}
		if !strings.HasPrefix(got, c.want) || (c.want == "!" && got != "!") {
			t.Errorf("%s: got %q, want %q", c.raw, got, c.want)
		}
	}
}

// expiryLogin is a login whose token endpoint answers reply (with %d
// replaced by the login's number) and whose clocks read *now.
func expiryLogin(t *testing.T, cfg AuthConfig, reply func(n int32) string, now *time.Time) (*Login, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, reply(n.Add(1)))
	})
	cfg.Type, cfg.TokenURL, cfg.HeaderPrefix, cfg.Username, cfg.Password = AuthLogin, srv.URL+"/api/v1/auth/token", DefaultHeaderPrefix, "{secrets.user}", "{secrets.pw}"
	a, err := newAuthenticator(&cfg, basicSecrets(), NewRedactor())
	if err != nil {
		t.Fatal(err)
	}
	l := a.(*Login)
	clock := func() time.Time { return *now }
	l.now = clock
	l.cache.WithClock(clock, renewSkew)
	return l, &n
}

func authz(t *testing.T, a Authenticator) (string, error) {
	t.Helper()
	req := get(t, "https://api.test/")
	err := a.Authenticate(context.Background(), req)
	return req.Header.Get("Authorization"), err
}

// TestLoginExpiresAtRenews: a token whose reply says it expires at an
// instant 20 minutes ahead (Jamf Pro's lifetime) is used until 30 s
// before then and renewed after; one in epoch milliseconds likewise.
func TestLoginExpiresAtRenews(t *testing.T) {
	start := time.Date(2024, 2, 29, 18, 34, 5, 0, time.UTC)
	for _, c := range []struct {
		name  string
		reply func(n int32, at time.Time) string
	}{
		{"rfc3339", func(n int32, at time.Time) string {
			return `{"token": "tok-` + string(rune('0'+n)) + `", "expires": "` + at.Format("2006-01-02T15:04:05.000Z") + `"}`
		}},
		{"epoch ms", func(n int32, at time.Time) string {
			return `{"token": "tok-` + string(rune('0'+n)) + `", "expires": ` + strconv.FormatInt(at.UnixMilli(), 10) + `}`
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			now := start
			l, logins := expiryLogin(t, AuthConfig{TokenPath: "token", ExpiresAtPath: "expires"}, func(n int32) string { return c.reply(n, now.Add(20*time.Minute)) }, &now)
			for _, step := range []struct {
				after time.Duration
				want  string
			}{{0, "Bearer tok-1"}, {19*time.Minute + 29*time.Second, "Bearer tok-1"}, {19*time.Minute + 31*time.Second, "Bearer tok-2"}, {20 * time.Minute, "Bearer tok-2"}} {
				now = start.Add(step.after)
				got, err := authz(t, l)
				if err != nil || got != step.want {
					t.Errorf("at +%s: %q, %v; want %q", step.after, got, err, step.want)
				}
			}
			if logins.Load() != 2 {
				t.Errorf("%d logins, want 2", logins.Load())
			}
		})
	}
}

// TestLoginExpiresAtErrors: an expiry pipe cannot read, or one already
// past, fails the login naming expires_at_path, the value and what would
// run without it; no other value of the reply appears. A null or absent
// expiry means none known, as with expires_in.
func TestLoginExpiresAtErrors(t *testing.T) {
	now := time.Date(2024, 2, 29, 18, 34, 5, 0, time.UTC)
	for _, c := range []struct{ name, expires, err string }{
		{"garbage", `"in twenty minutes"`, `expires_at_path "expires" is string "in twenty minutes": want an RFC 3339 date-time (2024-02-29T18:54:05.123Z, or with an offset such as +01:00) or epoch seconds or milliseconds; leave expires_at_path out to keep the token until a 401`},
		{"past", `"2024-02-29T18:14:05.000Z"`, `expires_at_path "expires" is string "2024-02-29T18:14:05.000Z", 20m0s in the past by this machine's clock (2024-02-29T18:34:05Z): the token would be expired before its first use; check the clock, or leave expires_at_path out to keep the token until a 401`},
		{"now", `1709231645`, `expires_at_path "expires" is number 1709231645, 0s in the past by this machine's clock`},
		{"zoneless", `"2024-02-29T18:54:05.123"`, `expires_at_path "expires" is string "2024-02-29T18:54:05.123": a date-time without a UTC offset (Z or ±hh:mm), which names no instant; want an RFC 3339`},
		{"micros", `1709232845123456`, `expires_at_path "expires" is number 1709232845123456: a number too large for epoch milliseconds (micro- or nanoseconds are not read); want`},
		{"object", `{"at": "2024-02-29T18:54:05Z"}`, `expires_at_path "expires" is object {"at": "2024-02-29T18:54:05Z"}: want`},
		{"null", `null`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, _ := expiryLogin(t, AuthConfig{TokenPath: "token", ExpiresAtPath: "expires"}, func(int32) string {
				return `{"token": "eyJ.SECRET-TOKEN.sig", "user": "HIDDEN-user", "expires": ` + c.expires + `}`
			}, &now)
			got, err := authz(t, l)
			if c.err == "" {
				if err != nil || got != "Bearer eyJ.SECRET-TOKEN.sig" {
					t.Errorf("%q, %v", got, err)
				}
				return
			}
			want := "login POST " + l.tokenURL + ": " + c.err
			if err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Fatalf("err = %v\nwant %s", err, want)
			}
			for _, s := range []string{"SECRET-TOKEN", "HIDDEN-user"} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("the error holds another value of the reply: %v", err)
				}
			}
		})
	}
}

// TestLoginExpiresAtOnToken: expires_at_path written on the token's own
// path fails without showing the token (it is registered as a secret
// before the expiry is read).
func TestLoginExpiresAtOnToken(t *testing.T) {
	now := time.Now()
	l, _ := expiryLogin(t, AuthConfig{TokenPath: "token", ExpiresAtPath: "token"}, func(int32) string { return `{"token": "eyJ.SECRET-TOKEN.sig"}` }, &now)
	_, err := authz(t, l)
	if err == nil || strings.Contains(err.Error(), "SECRET-TOKEN") || !strings.Contains(err.Error(), `expires_at_path "token" is string "***"`) {
		t.Errorf("err = %v", err)
	}
}

// TestLoginExpiresInDateTime: expires_in_path on an instant (Jamf's
// "expires") fails naming expires_at_path, the setting that reads it; a
// value that is no date-time keeps the plain message.
func TestLoginExpiresInDateTime(t *testing.T) {
	now := time.Now()
	for _, c := range []struct{ expires, err string }{
		{`"2026-12-06T16:49:39.626Z"`, `expires_in_path "expires" is string "2026-12-06T16:49:39.626Z", want seconds: it is a date-time, which expires_at_path reads (write expires_at_path: expires instead)`},
		{`"2026-12-06T16:49:39"`, `expires_in_path "expires" is string "2026-12-06T16:49:39", want seconds: it is a date-time, which expires_at_path reads (write expires_at_path: expires instead)`},
		{`"soon"`, `expires_in_path "expires" is string "soon", want seconds`},
	} {
		l, _ := expiryLogin(t, AuthConfig{TokenPath: "token", ExpiresInPath: "expires"}, func(int32) string { return `{"token": "eyJ.tok.sig", "expires": ` + c.expires + `}` }, &now)
		_, err := authz(t, l)
		if want := "login POST " + l.tokenURL + ": " + c.err; err == nil || err.Error() != want {
			t.Errorf("err = %v\nwant %s", err, want)
		}
	}
}
