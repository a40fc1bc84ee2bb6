package engine_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// ytSearch serves GET /youtube/v3/search as YouTube documents it
// (https://developers.google.com/youtube/v3/docs/search/list,
// https://developers.google.com/youtube/v3/guides/implementation/pagination):
// an API key in the key query parameter, else 403 {"error": {"code",
// "message", "errors": [{"reason": "forbidden"}]}}; maxResults 0..50;
// {"kind", "etag", "nextPageToken", "prevPageToken", "regionCode",
// "pageInfo": {"totalResults", "resultsPerPage"}, "items": [{"kind",
// "etag", "id": {"kind", "videoId"}, "snippet": {...}}]}, nextPageToken
// left out on the last page. search.list documents totalResults as an
// approximation (at most 1,000,000), and a search serves a few hundred
// results at most whatever it says: mode "estimate" reports 1,000,000.
type ytSearch struct {
	total    int
	mode     string
	requests atomic.Int32
}

const ytKey = "AIzaSyD-youtubeDataApiKey0123456789abcd"

func ytVideoID(n int) string { return fmt.Sprintf("dQw4w9WgX%02d", n) }

func (y *ytSearch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	y.requests.Add(1)
	q := r.URL.Query()
	if q.Get("key") != ytKey {
		curWrite(w, http.StatusForbidden, `{"error":{"code":403,"message":"The request is missing a valid API key.","errors":[{"message":"The request is missing a valid API key.","domain":"global","reason":"forbidden"}],"status":"PERMISSION_DENIED"}}`)
		return
	}
	size, err := strconv.Atoi(q.Get("maxResults"))
	if r.URL.Path != "/youtube/v3/search" || q.Get("part") != "snippet" || err != nil || size < 0 || size > 50 {
		curWrite(w, http.StatusBadRequest, `{"error":{"code":400,"message":"Invalid value","errors":[{"reason":"invalidParameter"}]}}`)
		return
	}
	start := 0
	if tok := q.Get("pageToken"); tok != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(tok, "CAIQAA"))
		if err != nil || !strings.HasPrefix(tok, "CAIQAA") {
			curWrite(w, http.StatusBadRequest, `{"error":{"code":400,"message":"Invalid page token.","errors":[{"reason":"invalidPageToken"}]}}`)
			return
		}
		start = n
	}
	end := min(start+size, y.total)
	var items []string
	for n := start; n < end; n++ {
		items = append(items, fmt.Sprintf(`{"kind":"youtube#searchResult","etag":"e%d","id":{"kind":"youtube#video","videoId":"%s"},"snippet":{"publishedAt":"2024-06-%02dT15:00:07Z","channelId":"UC_x5XG1OV2P6uZZ5FSM9Ttw","title":"Video %d","liveBroadcastContent":"none"}}`,
			n+1, ytVideoID(n+1), n+1, n+1))
	}
	total := y.total
	if y.mode == "estimate" {
		total = 1000000
	}
	body := fmt.Sprintf(`{"kind":"youtube#searchListResponse","etag":"x","regionCode":"US","pageInfo":{"totalResults":%d,"resultsPerPage":%d},"items":[%s]`, total, size, strings.Join(items, ","))
	if end < y.total {
		body += fmt.Sprintf(`,"nextPageToken":"CAIQAA%d"`, end)
	}
	if start > 0 {
		body += fmt.Sprintf(`,"prevPageToken":"CAIQAQ%d"`, start)
	}
	curWrite(w, http.StatusOK, body+"}")
}

func ytRun(t *testing.T, api *ytSearch) (curRun, string) {
	t.Helper()
	return curServe(t, api, "youtube", "", map[string]string{"YOUTUBE_API_KEY": ytKey})
}

// TestYouTubeSearchLoadsExactly: every video of the search through
// nextPageToken, a nested id as the primary key, the key (a query
// parameter) in no error, log or table.
func TestYouTubeSearchLoadsExactly(t *testing.T) {
	api := &ytSearch{total: 5}
	r, _ := ytRun(t, api)
	r.mustLoad(t)
	var want []string
	for n := 1; n <= 5; n++ {
		want = append(want, fmt.Sprintf("%s|Video %d|2024-06-%02dT15:00:07Z", ytVideoID(n), n, n))
	}
	r.checkTable(t, `SELECT id__video_id, snippet__title, strftime('%Y-%m-%dT%H:%M:%SZ', snippet__published_at) FROM videos ORDER BY id__video_id`, want)
	if n := api.requests.Load(); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
	r.noSecret(t, ytKey)
}

// TestYouTubeSearchTotalEstimate: search.list's totalResults is an
// approximation the docs call normal; a search that ends (no
// nextPageToken) below it loads what it served: the end check holds no
// walk to pageInfo.totalResults.
func TestYouTubeSearchTotalEstimate(t *testing.T) {
	r, _ := ytRun(t, &ytSearch{total: 5, mode: "estimate"})
	r.mustLoad(t)
	r.checkTable(t, `SELECT count(*) FROM videos`, []string{"5"})
}
