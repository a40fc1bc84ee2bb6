package engine_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
)

const digitaloceanToken = "dop_v1_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// digitaloceanAPI serves GET /v2/droplets and /v2/droplets/{id}/snapshots
// as DigitalOcean documents them (https://docs.digitalocean.com/reference/api/intro/,
// https://docs.digitalocean.com/reference/api/digitalocean/#tag/Droplets):
// a bearer token, else 401 {"id": "unauthorized", "message": "Unable to
// authenticate you."}; page (from 1) and per_page (20, at most 200);
// {"droplets" | "snapshots": [...], "links": {"pages": {"first", "prev",
// "next", "last"}}, "meta": {"total"}}, the links absolute URLs with every
// parameter of the request, next and last absent on the last page.
//
// mode: "elsewhere" (the droplets' next link names other, another host),
// "self" (the second droplets page links to itself as next), "grown" (a
// droplet is created before the second page: meta.total 5 then 6).
type digitaloceanAPI struct {
	mode      string
	other     string
	mu        sync.Mutex
	requests  int
	badAuth   int
	grown     bool
	droplets  []map[string]any
	snapshots map[int][]map[string]any
}

func newDigitalOceanAPI(mode string) *digitaloceanAPI {
	a := &digitaloceanAPI{mode: mode, snapshots: map[int][]map[string]any{}}
	for i := 1; i <= 5; i++ {
		id := 3164440 + i
		a.droplets = append(a.droplets, map[string]any{
			"id": id, "name": fmt.Sprintf("web-%d", i), "memory": 1024 * i, "vcpus": i, "disk": 25, "locked": false,
			"status": []string{"active", "off"}[i%2], "created_at": fmt.Sprintf("2024-07-0%dT20:54:38Z", i),
			"features": []string{"backups", "ipv6"}[:i%3], "backup_ids": []int{}, "snapshot_ids": []int{},
			"image":     map[string]any{"id": 7555620, "name": "24.04 x64", "distribution": "Ubuntu", "slug": "ubuntu-24-04-x64", "public": true},
			"size_slug": "s-1vcpu-1gb", "region": map[string]any{"name": "New York 3", "slug": "nyc3"},
			"networks": map[string]any{"v4": []map[string]any{{"ip_address": fmt.Sprintf("104.236.32.%d", i), "netmask": "255.255.192.0", "gateway": "104.236.0.1", "type": "public"}}, "v6": []any{}},
			"tags":     []string{"env:prod", fmt.Sprintf("web%d", i)}, "vpc_uuid": "760e09ef-dc84-11e8-981e-3cfdfeaae000",
		})
		for s := 1; s <= i%3; s++ {
			a.snapshots[id] = append(a.snapshots[id], map[string]any{
				"id": strconv.Itoa(6372000 + 10*i + s), "name": fmt.Sprintf("web-%d-%d", i, s), "regions": []string{"nyc3"},
				"created_at": "2024-08-01T00:00:00Z", "resource_id": strconv.Itoa(id), "resource_type": "droplet",
				"min_disk_size": 25, "size_gigabytes": 2.34, "tags": []string{},
			})
		}
	}
	return a
}

func (a *digitaloceanAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	if !curBearer(r, digitaloceanToken) {
		a.badAuth++
		curWrite(w, 401, `{"id": "unauthorized", "message": "Unable to authenticate you."}`)
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/v2/")
	q := r.URL.Query()
	page, perPage := curQueryInt(q, "page", 1), min(curQueryInt(q, "per_page", 20), 200)
	key, list := "droplets", a.droplets
	if id, ok := strings.CutSuffix(strings.TrimPrefix(path, "droplets/"), "/snapshots"); ok {
		n, _ := strconv.Atoi(id)
		key, list = "snapshots", a.snapshots[n]
	} else if path != "droplets" {
		curWrite(w, 404, `{"id": "not_found", "message": "The resource you were accessing could not be found."}`)
		return
	}
	if a.mode == "grown" && key == "droplets" && page == 2 && !a.grown {
		a.grown = true
		a.droplets = append([]map[string]any{{"id": 3164440, "name": "new", "status": "new"}}, a.droplets...)
		list = a.droplets
	}
	from := min((page-1)*perPage, len(list))
	to := min(from+perPage, len(list))
	last := max((len(list)+perPage-1)/perPage, 1)
	link := func(p int) string {
		q.Set("page", strconv.Itoa(p))
		return "http://" + r.Host + r.URL.Path + "?" + q.Encode()
	}
	pages := map[string]any{}
	if page > 1 {
		pages["first"], pages["prev"] = link(1), link(page-1)
	}
	if page < last {
		pages["next"], pages["last"] = link(page+1), link(last)
		if a.mode == "elsewhere" && key == "droplets" {
			pages["next"] = a.other + "/v2/droplets?page=2&per_page=2"
		}
		if a.mode == "self" && key == "droplets" && page == 2 {
			pages["next"] = link(2)
		}
	}
	items := list[from:to]
	if items == nil {
		items = []map[string]any{}
	}
	curWrite(w, 200, curJSON(map[string]any{key: items, "links": map[string]any{"pages": pages}, "meta": map[string]any{"total": len(list)}}))
}

func digitaloceanEnv() map[string]string {
	return map[string]string{"DIGITALOCEAN_TOKEN": digitaloceanToken}
}

const (
	doDropletQuery  = `SELECT id, name, memory, status, created_at, image__slug, region__slug FROM droplets ORDER BY id`
	doNetworkQuery  = `SELECT d.id, n.ip_address, n.type FROM droplets d JOIN droplets__networks__v4 n ON n._pipe_parent_id = d._pipe_id ORDER BY d.id`
	doSnapshotQuery = `SELECT _droplets_id, id, typeof(id), name, size_gigabytes, resource_id FROM snapshots ORDER BY id`
)

// check compares the tables with what the fake served.
func (a *digitaloceanAPI) check(t *testing.T, r curRun) {
	t.Helper()
	var droplets, networks, snapshots []string
	for _, d := range a.droplets {
		droplets = append(droplets, fmt.Sprintf("%v|%v|%v|%v|%s +0000 UTC|ubuntu-24-04-x64|nyc3", d["id"], d["name"], d["memory"], d["status"],
			strings.Replace(strings.TrimSuffix(d["created_at"].(string), "Z"), "T", " ", 1)))
		n := d["networks"].(map[string]any)["v4"].([]map[string]any)[0]
		networks = append(networks, fmt.Sprintf("%v|%v|public", d["id"], n["ip_address"]))
		for _, s := range a.snapshots[d["id"].(int)] {
			snapshots = append(snapshots, fmt.Sprintf("%v|%v|text|%v|2.34|%v", d["id"], s["id"], s["name"], s["resource_id"]))
		}
	}
	r.checkTable(t, doDropletQuery, droplets)
	r.checkTable(t, doNetworkQuery, networks)
	r.checkTable(t, doSnapshotQuery, snapshots)
	r.noSecret(t, digitaloceanToken)
}

// TestDigitalOceanDroplets: five droplets in pages of two by the absolute
// links.pages.next, meta.total 5; each droplet's 0 to 2 snapshots (ids as
// strings, resource_id the droplet's id as a string); networks.v4 as a
// child table.
func TestDigitalOceanDroplets(t *testing.T) {
	api := newDigitalOceanAPI("")
	r, _ := curServe(t, api, "digitalocean", "", digitaloceanEnv())
	r.mustLoad(t)
	api.check(t, r)
	// droplets: 3 pages; snapshots: one page per droplet (2 at most)
	if api.requests != 3+5 || api.badAuth != 0 {
		t.Errorf("%d requests (%d without the token), want 8 (0)", api.requests, api.badAuth)
	}
}

// TestDigitalOceanHostile: a next link to another host fails naming it
// and client.allowed_hosts, the other host getting nothing; a page that
// links to itself ends the links below meta.total, and a total that
// grows mid-walk, each fail with nothing loaded.
func TestDigitalOceanHostile(t *testing.T) {
	t.Run("elsewhere", func(t *testing.T) {
		other := newVendorOrigin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			curWrite(w, 200, `{"droplets": [], "links": {}, "meta": {"total": 5}}`)
		}))
		api := newDigitalOceanAPI("elsewhere")
		api.other = other.srv.URL
		r, srvURL := curServe(t, api, "digitalocean", "", digitaloceanEnv())
		r.failedClean(t, srvURL, rest.ErrOutOfScope, digitaloceanToken, []string{"droplets", "snapshots"},
			`resource "droplets"`, strings.TrimPrefix(other.srv.URL, "http://"), "client.allowed_hosts")
		if n := other.requests(); n != 0 {
			t.Errorf("the other host got %d requests (%d with the token)", n, other.carrying(digitaloceanToken))
		}
	})
	for _, c := range []struct {
		mode     string
		sentinel error
		parts    []string
	}{
		{"self", rest.ErrMorePages, []string{`resource "droplets"`, "page=2&per_page=2", "meta.total"}},
		{"grown", rest.ErrShifted, []string{`resource "droplets"`, "page=2&per_page=2", "meta.total"}},
	} {
		t.Run(c.mode, func(t *testing.T) {
			api := newDigitalOceanAPI(c.mode)
			r, srvURL := curServe(t, api, "digitalocean", "", digitaloceanEnv())
			r.failedClean(t, srvURL, c.sentinel, digitaloceanToken, []string{"droplets", "snapshots"}, c.parts...)
			t.Log(r.err)
		})
	}
}

// TestDigitalOceanWithoutTotalPath: the same spec without total_path, as
// a newcomer may write it: the end check reads meta.total by itself, so a
// page linking to itself below the total fails the run. A droplet created
// before the second page (meta.total 5 then 6, web-2 read twice, the new
// one on no page) must fail it too, as it does for offset and
// page_number walks, which hold the walk to the first page's total the
// end check finds without total_path.
func TestDigitalOceanWithoutTotalPath(t *testing.T) {
	text := curEdited(t, "digitalocean", ", total_path: meta.total", "")
	for _, mode := range []string{"self", "grown"} {
		t.Run(mode, func(t *testing.T) {
			api := newDigitalOceanAPI(mode)
			r, srvURL := curServe(t, api, "digitalocean", text, digitaloceanEnv())
			r.failedClean(t, srvURL, nil, digitaloceanToken, []string{"droplets", "snapshots"}, `resource "droplets"`, "meta.total")
			t.Log(r.err)
		})
	}
}
