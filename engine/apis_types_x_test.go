package engine_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// The X API v2 fake follows testdata/apis/x_tweets.yml's pages (recent
// search; "X IDs"): ids are 64-bit unsigned snowflakes, strings in v2,
// numbers in v1.1 payloads (10765432100123456789 is the docs' own example,
// beyond int64).

const xToken = "AAAAAAAAAAAAAAAAAAAAAx-bearer-token-for-tests"

// xAPI is the recent search endpoint: page n of a run is served to the
// request that carries the next_token of page n-1.
func xAPI(t *testing.T) (*pagesAPI, string) {
	a := &pagesAPI{token: xToken}
	a.want = func(r *http.Request, n int) string {
		q := r.URL.Query()
		if r.URL.Path != "/2/tweets/search/recent" || q.Get("query") != "from:XDevelopers" || q.Get("max_results") != "10" {
			return "wrong request: " + r.URL.String()
		}
		if want := xNextToken(n); q.Get("pagination_token") != want {
			return fmt.Sprintf("request %d: pagination_token %q, want %q", n, q.Get("pagination_token"), want)
		}
		return ""
	}
	o := newVendorOrigin(t, a)
	return a, o.srv.URL
}

// xNextToken is the next_token of page n (1-based) of a run; "" before
// page 1.
func xNextToken(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("b26v89c19zqg8o3fo7gghep0wmpt92c0wn0jiqwtc40m%d", n)
}

// xPage is a search page holding tweets, with a next_token unless last.
func xPage(n int, last bool, tweets ...string) string {
	meta := fmt.Sprintf(`"result_count": %d`, len(tweets))
	if !last {
		meta += fmt.Sprintf(`, "next_token": %q`, xNextToken(n))
	}
	return `{"data": [` + strings.Join(tweets, ", ") + `], "meta": {` + meta + `}}`
}

// xTweet is a tweet whose id (and in_reply_to_user_id) is written as
// given: quoted (v2) or bare (v1.1).
func xTweet(id, inReplyTo string, likes, impressions string) string {
	return fmt.Sprintf(`{"id": %s, "text": "hello %s", "author_id": "2244994945", "in_reply_to_user_id": %s,
		"created_at": "2021-11-15T19:08:05.000Z", "edit_history_tweet_ids": [%s],
		"public_metrics": {"retweet_count": 0, "like_count": %s, "impression_count": %s}}`,
		id, strings.Trim(id, `"`), inReplyTo, `"`+strings.Trim(id, `"`)+`"`, likes, impressions)
}

// TestXSnowflakeIDs: tweets keyed by snowflake ids, sent as strings (v2)
// in one run and as numbers (v1.1, one beyond int64) in the next, or the
// other way round, land in one row per tweet with every id's digits as
// served, and integers above 2^53 in counters stay exact.
func TestXSnowflakeIDs(t *testing.T) {
	for _, c := range []struct {
		name       string
		run1, run2 []string
		idType     string // the id column's type after run 1
	}{
		{
			name: "strings, then numbers",
			run1: []string{
				xPage(1, false,
					xTweet(`"1460323737035677698"`, `"2244994945"`, "2", "9007199254740993"),
					xTweet(`"1460323737035677699"`, `null`, "0", "12")),
				xPage(2, true, xTweet(`"1460323737035677700"`, `"1460323737035677698"`, "1", "7")),
			},
			run2: []string{
				xPage(1, false, xTweet(`1460323737035677698`, `2244994945`, "3", "9007199254740995")),
				xPage(2, true, xTweet(`10765432100123456789`, `null`, "0", "1")),
			},
			idType: "text",
		},
		{
			name: "numbers (one beyond int64), then strings",
			run1: []string{
				xPage(1, false,
					xTweet(`1460323737035677698`, `2244994945`, "2", "9007199254740993"),
					xTweet(`1460323737035677699`, `null`, "0", "12")),
				xPage(2, true, xTweet(`1460323737035677700`, `1460323737035677698`, "1", "7")),
			},
			run2: []string{
				xPage(1, false, xTweet(`"1460323737035677698"`, `"2244994945"`, "3", "9007199254740995")),
				xPage(2, true, xTweet(`"10765432100123456789"`, `null`, "0", "1")),
			},
			idType: "bigint",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			forEachDest(t, func(t *testing.T, d *typesDest) {
				api, base := xAPI(t)
				vars := map[string]string{"api_url": base}
				env := map[string]string{"X_BEARER_TOKEN": xToken}
				text := vendorSpec(t, "x_tweets")

				api.serve(c.run1...)
				run := d.run(t, "x_tweets", text, vars, env)
				run.mustLoad(t)
				api.checkRequests(t)
				d.checkTypes(t, "tweets", "id", "id "+c.idType)
				d.check(t, `SELECT id, in_reply_to_user_id, public_metrics__impression_count FROM tweets ORDER BY id`,
					"1460323737035677698|2244994945|9007199254740993",
					"1460323737035677699|NULL|12",
					"1460323737035677700|1460323737035677698|7")

				api.serve(c.run2...)
				run = d.run(t, "x_tweets", text, vars, env)
				run.mustLoad(t)
				api.checkRequests(t)
				run.noSecretLeft(t, xToken)
				d.checkTypes(t, "tweets", "", []string{
					"_pipe_hash text", "_pipe_id text", "_pipe_load_id text",
					"author_id text", "created_at timestamp", "id " + "text",
					"in_reply_to_user_id " + "text",
					"public_metrics__impression_count bigint", "public_metrics__like_count bigint",
					"public_metrics__retweet_count bigint", "text text",
				}...)
				d.check(t, `SELECT id, in_reply_to_user_id, public_metrics__like_count, public_metrics__impression_count, created_at FROM tweets ORDER BY length(id), id`,
					"1460323737035677698|2244994945|3|9007199254740995|2021-11-15T19:08:05Z",
					"1460323737035677699|NULL|0|12|2021-11-15T19:08:05Z",
					"1460323737035677700|1460323737035677698|1|7|2021-11-15T19:08:05Z",
					"10765432100123456789|NULL|0|1|2021-11-15T19:08:05Z")
				d.check(t, `SELECT t.id, e.value FROM tweets__edit_history_tweet_ids e JOIN tweets t ON t._pipe_id = e._pipe_parent_id ORDER BY length(e.value), e.value`,
					"1460323737035677698|1460323737035677698",
					"1460323737035677699|1460323737035677699",
					"1460323737035677700|1460323737035677700",
					"10765432100123456789|10765432100123456789")
			})
		})
	}
}
