package secrets

import (
	"fmt"
	"net/url"
	"strings"
)

// parseName splits a secret name into its secret path (with the prefix)
// and field, rejecting paths that could escape the mount.
func (v *Vault) parseName(name string) (path, field string, err error) {
	path, field, _ = strings.Cut(name, "#")
	if field == "" {
		field = v.cfg.DefaultField
	}
	path = strings.Trim(path, "/")
	if path == "" {
		return "", "", fmt.Errorf("vault at %s: secret name %q: empty path", v.cfg.Addr, name)
	}
	for _, seg := range strings.Split(path, "/") {
		if seg == "" || seg == "." || seg == ".." || strings.ContainsFunc(seg, isControl) {
			return "", "", fmt.Errorf("vault at %s: secret name %q: bad path segment %q", v.cfg.Addr, name, seg)
		}
	}
	if strings.ContainsFunc(field, isControl) {
		return "", "", fmt.Errorf("vault at %s: secret name %q: bad field", v.cfg.Addr, name)
	}
	if v.cfg.Prefix != "" {
		path = v.cfg.Prefix + "/" + path
	}
	return path, field, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// dataPath is the API path of a secret's versions: <mount>/data/<path>.
func (v *Vault) dataPath(p string) string { return v.cfg.Mount + "/data/" + p }

// metadataPath is the API path of a secret's metadata: <mount>/metadata/<path>.
func (v *Vault) metadataPath(p string) string { return v.cfg.Mount + "/metadata/" + p }

// url builds the address of API path p, escaping each segment.
func (v *Vault) url(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return v.cfg.Addr + "/v1/" + strings.Join(segs, "/")
}
