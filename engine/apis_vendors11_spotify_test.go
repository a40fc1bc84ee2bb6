package engine_test

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
)

const spotifyToken = "BQDcIH8gZfJrX1k9sCqQ-5y9nW0e2vY7mB3tR4uI6oP8aS0dF2gH4jK6lZ8xC0vB2nM4"

func spotifyEnv() map[string]string { return map[string]string{"SPOTIFY_ACCESS_TOKEN": spotifyToken} }

// spotifyAPI serves GET /v1/me/playlists and /v1/playlists/{id}/tracks
// as Spotify documents them (https://developer.spotify.com/documentation/web-api/concepts/api-calls,
// https://developer.spotify.com/documentation/web-api/reference/get-a-list-of-current-users-playlists,
// https://developer.spotify.com/documentation/web-api/reference/get-playlists-tracks,
// https://developer.spotify.com/documentation/web-api/concepts/rate-limits):
// a bearer token (401 {"error": {"status": 401, "message": "The access
// token expired"}} otherwise); limit and offset; a paging object
// {"href", "items", "limit", "next", "offset", "previous", "total"}
// whose next is the full URL of the next page (offset and limit in it)
// or null; 429 with Retry-After (seconds) past the rolling 30 s limit.
//
// mode: "limit" (the first request for a playlist's tracks is answered
// 429, Retry-After: 3), "elsewhere" (the playlists' next names another
// host), "removed" (a playlist is removed before page 2: total 5 then 4,
// a playlist on no page), "object" (page 2 of the playlists holds its
// items as an object keyed by position, as a proxy that re-encodes
// arrays may send).
type spotifyAPI struct {
	mode      string
	other     string
	mu        sync.Mutex
	requests  int
	limited   bool
	removed   bool
	playlists []map[string]any
	tracks    map[string][]map[string]any
}

func newSpotifyAPI(mode string) *spotifyAPI {
	a := &spotifyAPI{mode: mode, tracks: map[string][]map[string]any{}}
	for i := 1; i <= 5; i++ {
		id := fmt.Sprintf("37i9dQZF1DXcBWIGoYBM%d%d", i, i)
		a.playlists = append(a.playlists, map[string]any{
			"id": id, "name": fmt.Sprintf("Mix %d", i), "collaborative": false, "public": i%2 == 0, "snapshot_id": fmt.Sprintf("MTY4NzI%d", i),
			"owner":  map[string]any{"id": "spotify", "display_name": "Spotify", "type": "user"},
			"tracks": map[string]any{"href": "https://api.spotify.com/v1/playlists/" + id + "/tracks", "total": i % 4}, "type": "playlist",
			"uri": "spotify:playlist:" + id,
		})
		for n := 1; n <= i%4; n++ {
			a.tracks[id] = append(a.tracks[id], map[string]any{
				"added_at": fmt.Sprintf("2024-06-0%dT12:00:0%dZ", i, n), "is_local": false,
				"track": map[string]any{"id": fmt.Sprintf("4iV5W9uYEdYUVa79Axb7R%d", n), "name": fmt.Sprintf("Song %d", n), "duration_ms": 200000 + n,
					"explicit": false, "popularity": 50 + n, "artists": []map[string]any{{"id": "0TnOYISbd1XYRBk9myaseg", "name": "Pitbull"}}},
			})
		}
	}
	return a
}

func (a *spotifyAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	if !curBearer(r, spotifyToken) {
		curWrite(w, 401, `{"error": {"status": 401, "message": "Invalid access token"}}`)
		return
	}
	q := r.URL.Query()
	offset, limit := curQueryInt(q, "offset", 0), curQueryInt(q, "limit", 20)
	if limit < 1 || limit > 50 {
		curWrite(w, 400, `{"error": {"status": 400, "message": "Invalid limit"}}`)
		return
	}
	var list []map[string]any
	switch {
	case r.URL.Path == "/v1/me/playlists":
		if a.mode == "removed" && offset > 0 && !a.removed {
			a.removed = true
			a.playlists = a.playlists[1:]
		}
		list = a.playlists
	case strings.HasPrefix(r.URL.Path, "/v1/playlists/") && strings.HasSuffix(r.URL.Path, "/tracks"):
		if a.mode == "limit" && !a.limited {
			a.limited = true
			w.Header().Set("Retry-After", "3")
			curWrite(w, 429, `{"error": {"status": 429, "message": "API rate limit exceeded"}}`)
			return
		}
		list = a.tracks[strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v1/playlists/"), "/tracks")]
	default:
		curWrite(w, 404, `{"error": {"status": 404, "message": "Service not found"}}`)
		return
	}
	page := func(o int) any {
		if o < 0 || o >= len(list) {
			return nil
		}
		return "http://" + r.Host + r.URL.Path + "?" + url.Values{"offset": {strconv.Itoa(o)}, "limit": {strconv.Itoa(limit)}}.Encode()
	}
	next := page(offset + limit)
	if next != nil && a.mode == "elsewhere" && r.URL.Path == "/v1/me/playlists" {
		next = a.other + "/v1/me/playlists?offset=2&limit=2"
	}
	var prev any
	if offset > 0 {
		prev = page(max(offset-limit, 0))
	}
	from := min(offset, len(list))
	items := list[from:min(from+limit, len(list))]
	if items == nil {
		items = []map[string]any{}
	}
	var itemsOut any = items
	if a.mode == "object" && r.URL.Path == "/v1/me/playlists" && offset > 0 {
		byPos := map[string]any{}
		for i, it := range items {
			byPos[strconv.Itoa(i)] = it
		}
		itemsOut = byPos
	}
	curWrite(w, 200, curJSON(map[string]any{"href": "http://" + r.Host + r.URL.RequestURI(), "items": itemsOut, "limit": limit,
		"next": next, "offset": offset, "previous": prev, "total": len(list)}))
}

const (
	spotifyPlaylistQuery = `SELECT id, name, public, owner__id, tracks__total FROM playlists ORDER BY id`
	spotifyTrackQuery    = `SELECT _playlists_id, track__id, track__name, track__duration_ms, added_at FROM playlist_tracks ORDER BY _playlists_id, track__id`
	spotifyArtistQuery   = `SELECT t._playlists_id, t.track__id, a.name FROM playlist_tracks t JOIN playlist_tracks__track__artists a ON a._pipe_parent_id = t._pipe_id ORDER BY 1, 2`
)

func (a *spotifyAPI) check(t *testing.T, r curRun) {
	t.Helper()
	var playlists, tracks, artists []string
	for _, p := range a.playlists {
		playlists = append(playlists, fmt.Sprintf("%v|%v|%v|spotify|%v", p["id"], p["name"], p["public"], p["tracks"].(map[string]any)["total"]))
		for _, it := range a.tracks[p["id"].(string)] {
			tr := it["track"].(map[string]any)
			added := strings.Replace(strings.TrimSuffix(it["added_at"].(string), "Z"), "T", " ", 1)
			tracks = append(tracks, fmt.Sprintf("%v|%v|%v|%v|%s +0000 UTC", p["id"], tr["id"], tr["name"], tr["duration_ms"], added))
			artists = append(artists, fmt.Sprintf("%v|%v|Pitbull", p["id"], tr["id"]))
		}
	}
	sort.Strings(tracks)
	sort.Strings(artists)
	r.checkTable(t, spotifyPlaylistQuery, playlists)
	r.checkTable(t, spotifyTrackQuery, tracks)
	r.checkTable(t, spotifyArtistQuery, artists)
	r.noSecret(t, spotifyToken)
}

// TestSpotifyPlaylists: five playlists two a page by the paging object's
// next URL until null, and each playlist's 0 to 3 tracks (one track id
// on several playlists, keyed within its playlist); artists as a child
// table.
func TestSpotifyPlaylists(t *testing.T) {
	api := newSpotifyAPI("")
	r, _ := curServe(t, api, "spotify", "", spotifyEnv())
	r.mustLoad(t)
	api.check(t, r)
	// playlists: 3 pages; tracks of 1, 2, 3, 0 and 1 tracks: 1+1+2+1+1 pages
	if api.requests != 3+6 {
		t.Errorf("%d requests, want 9", api.requests)
	}
}

// TestSpotifyRetryAfter: a 429 with Retry-After: 3 is waited out once.
func TestSpotifyRetryAfter(t *testing.T) {
	api := newSpotifyAPI("limit")
	var sleeps curSleeps
	r, _ := curServe(t, api, "spotify", "", spotifyEnv(), sleeps.tune)
	r.mustLoad(t)
	api.check(t, r)
	sleeps.check(t, int32(api.requests), 10, "[3s]")
}

// TestSpotifyHostile: a next URL on another host fails naming it, the
// other host getting nothing; a playlist removed mid-walk (total 5 then
// 4, the offsets shifted) fails; a page 2 whose items are an object
// where page 1's were an array fails rather than load it as one record;
// each with nothing loaded.
func TestSpotifyHostile(t *testing.T) {
	other := newVendorOrigin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		curWrite(w, 200, `{"items": [], "next": null, "total": 5}`)
	}))
	for _, c := range []struct {
		mode     string
		sentinel error
		parts    []string
	}{
		{"elsewhere", rest.ErrOutOfScope, []string{`resource "playlists"`, strings.TrimPrefix(other.srv.URL, "http://"), "client.allowed_hosts"}},
		{"removed", rest.ErrShifted, []string{`resource "playlists"`, "offset=2", `"total" was 5 and is 4`}},
		{"object", nil, []string{`resource "playlists"`, "offset=2", `data_selector "items" selects an object, but earlier pages held an array`}},
	} {
		t.Run(c.mode, func(t *testing.T) {
			api := newSpotifyAPI(c.mode)
			api.other = other.srv.URL
			r, srvURL := curServe(t, api, "spotify", "", spotifyEnv())
			r.failedClean(t, srvURL, c.sentinel, spotifyToken, []string{"playlists", "playlist_tracks"}, c.parts...)
			t.Log(r.err)
		})
	}
	if n := other.requests(); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
}
