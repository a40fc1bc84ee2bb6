package secrets

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// vaultError is an error whose text is msg and which matches kind.
type vaultError struct {
	msg  string
	kind error
}

func (e *vaultError) Error() string { return e.msg }
func (e *vaultError) Unwrap() error { return e.kind }

// read fetches the latest version of secret p and remembers it.
func (v *Vault) read(ctx context.Context, p string) (kvVersion, error) {
	body, err := v.do(ctx, http.MethodGet, v.dataPath(p), nil)
	if err != nil {
		return kvVersion{}, err
	}
	var resp struct {
		Data struct {
			Data     map[string]any `json:"data"`
			Metadata struct {
				Version int `json:"version"`
			} `json:"metadata"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return kvVersion{}, fmt.Errorf("vault at %s: GET %s: decode response: %w", v.cfg.Addr, v.dataPath(p), err)
	}
	if resp.Data.Data == nil {
		// A deleted or destroyed version reads as null data.
		return kvVersion{}, fmt.Errorf("vault at %s: %s: %w", v.cfg.Addr, v.dataPath(p), ErrNotFound)
	}
	kv := kvVersion{version: resp.Data.Metadata.Version, data: resp.Data.Data}
	v.remember(p, &kv)
	return kv, nil
}

// write stores data as the next version of p with check-and-set on cas.
// value is the secret being written, kept out of any error text.
func (v *Vault) write(ctx context.Context, p string, cas int, data map[string]any, value string) error {
	req := map[string]any{"data": data, "options": map[string]any{"cas": cas}}
	body, err := v.do(ctx, http.MethodPost, v.dataPath(p), req, value)
	if err != nil {
		if errors.Is(err, ErrConflict) {
			v.remember(p, nil) // re-read before the next write
		}
		return err
	}
	var resp struct {
		Data struct {
			Version int `json:"version"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &resp); err != nil || resp.Data.Version == 0 {
		// Written, but the new version is unknown: read it next time.
		v.remember(p, nil)
		return nil
	}
	v.remember(p, &kvVersion{version: resp.Data.Version, data: data})
	return nil
}

// Sealed reports whether the server is sealed, from GET /v1/sys/seal-status
// (which answers 200 even when sealed). A reply without "sealed" counts
// as sealed.
func (v *Vault) Sealed(ctx context.Context) (bool, error) {
	body, err := v.do(ctx, http.MethodGet, "sys/seal-status", nil)
	if err != nil {
		return false, err
	}
	var resp struct {
		Sealed *bool `json:"sealed"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return false, fmt.Errorf("vault at %s: seal status: %w", v.cfg.Addr, err)
	}
	return resp.Sealed == nil || *resp.Sealed, nil
}

// do sends one request to /v1/<path> and classifies the reply. hide lists
// values (besides the token) that must not appear in error text.
func (v *Vault) do(ctx context.Context, method, path string, in any, hide ...string) ([]byte, error) {
	var rd io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("vault at %s: %s %s: %w", v.cfg.Addr, method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, v.url(path), rd)
	if err != nil {
		return nil, fmt.Errorf("vault at %s: %s %s: %w", v.cfg.Addr, method, path, err)
	}
	req.Header.Set("X-Vault-Token", v.cfg.Token)
	req.Header.Set("Accept", "application/json")
	if v.cfg.Namespace != "" {
		req.Header.Set("X-Vault-Namespace", v.cfg.Namespace)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := v.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("vault at %s: %s %s: %s", v.cfg.Addr, method, path, v.redact(err.Error(), hide))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("vault at %s: %s %s: read response: %w", v.cfg.Addr, method, path, err)
	}
	if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusNoContent {
		return body, nil
	}
	msg := v.redact(vaultMessages(body), hide)
	switch {
	case resp.StatusCode == http.StatusServiceUnavailable:
		return nil, &vaultError{msg: fmt.Sprintf("vault at %s is sealed", v.cfg.Addr) + suffix(msg), kind: ErrSealed}
	case resp.StatusCode == http.StatusForbidden:
		return nil, &vaultError{msg: fmt.Sprintf("vault at %s: %s %s: permission denied (check the token and its policy)", v.cfg.Addr, method, path) + suffix(msg), kind: ErrForbidden}
	case resp.StatusCode == http.StatusNotFound:
		return nil, &vaultError{msg: fmt.Sprintf("vault at %s: %s: secret not found", v.cfg.Addr, path), kind: ErrNotFound}
	case resp.StatusCode == http.StatusBadRequest && strings.Contains(msg, "check-and-set"):
		// The server's words are the only signal that CAS failed.
		return nil, &vaultError{msg: fmt.Sprintf("vault at %s: %s %s: secret changed since it was read (check-and-set)", v.cfg.Addr, method, path) + suffix(msg), kind: ErrConflict}
	}
	return nil, fmt.Errorf("vault at %s: %s %s: %s", v.cfg.Addr, method, path, resp.Status+suffix(msg))
}

// vaultMessages joins the "errors" of a Vault error body, or returns a
// short snippet of a body that is not one.
func vaultMessages(body []byte) string {
	var e struct {
		Errors []string `json:"errors"`
	}
	if err := json.Unmarshal(body, &e); err == nil && e.Errors != nil {
		return strings.Join(e.Errors, "; ")
	}
	s := strings.TrimSpace(string(body))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// redact removes the token and hidden values from s.
func (v *Vault) redact(s string, hide []string) string {
	for _, h := range append([]string{v.cfg.Token}, hide...) {
		if len(h) >= 4 {
			s = strings.ReplaceAll(s, h, "***")
		}
	}
	return s
}

// suffix formats an optional message after ": ".
func suffix(msg string) string {
	if msg == "" {
		return ""
	}
	return ": " + msg
}
