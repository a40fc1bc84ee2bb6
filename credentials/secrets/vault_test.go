package secrets_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/credentials/secrets/secretstest"
)

func newVault(t *testing.T, fake *secretstest.Vault, mod func(*secrets.VaultConfig)) *secrets.Vault {
	t.Helper()
	cfg := secrets.VaultConfig{Addr: fake.URL, Token: fake.Token}
	if mod != nil {
		mod(&cfg)
	}
	v, err := secrets.NewVault(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVaultGetSnykeyLayout(t *testing.T) {
	ctx := context.Background()
	fake := secretstest.NewVault(t)
	fake.Seed("snyk/org1/client1", map[string]any{"refresh_token": "rt-1"})
	v := newVault(t, fake, nil)
	got, err := v.Get(ctx, "snyk/org1/client1#refresh_token")
	if err != nil || got != "rt-1" {
		t.Fatalf("Get = %q, %v", got, err)
	}
	tests := []struct {
		name string
		want error
	}{
		{"snyk/org1/client1#other", secrets.ErrNotFound},
		{"snyk/org1/missing#refresh_token", secrets.ErrNotFound},
		{"snyk/../sys#x", nil},
		{"#x", nil},
	}
	for _, tt := range tests {
		_, err := v.Get(ctx, tt.name)
		if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("Get(%q) = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestVaultPrefixAndDefaultField(t *testing.T) {
	ctx := context.Background()
	fake := secretstest.NewVault(t)
	v := newVault(t, fake, func(c *secrets.VaultConfig) { c.Mount = "secret"; c.Prefix = "pipe" })
	fake.Mount = "secret"
	if err := v.Put(ctx, "snyk_token", "tok"); err != nil {
		t.Fatal(err)
	}
	data, ver := fake.Current("pipe/snyk_token")
	if ver != 1 || data["value"] != "tok" {
		t.Fatalf("stored %v version %d", data, ver)
	}
	if got := v.Describe("snyk_token"); got != "vault at "+fake.URL+" (secret/data/pipe/snyk_token, field value)" {
		t.Errorf("Describe = %q", got)
	}
}

func TestVaultPutKeepsFieldsAndUsesCAS(t *testing.T) {
	ctx := context.Background()
	fake := secretstest.NewVault(t)
	fake.Seed("snyk/o/c", map[string]any{"refresh_token": "rt-1", "note": "keep me"})
	v := newVault(t, fake, nil)
	if _, err := v.Get(ctx, "snyk/o/c#refresh_token"); err != nil {
		t.Fatal(err)
	}
	if err := v.Put(ctx, "snyk/o/c#refresh_token", "rt-2"); err != nil {
		t.Fatal(err)
	}
	data, ver := fake.Current("snyk/o/c")
	if ver != 2 || data["refresh_token"] != "rt-2" || data["note"] != "keep me" {
		t.Fatalf("after Put: %v version %d", data, ver)
	}
	// A second write from this store builds on the version it wrote.
	if err := v.Put(ctx, "snyk/o/c#refresh_token", "rt-3"); err != nil {
		t.Fatal(err)
	}
	// Someone else writes version 4; our next write must not overwrite it.
	fake.Seed("snyk/o/c", map[string]any{"refresh_token": "theirs"})
	err := v.Put(ctx, "snyk/o/c#refresh_token", "rt-mine")
	if !errors.Is(err, secrets.ErrConflict) {
		t.Fatalf("Put over a newer version = %v, want ErrConflict", err)
	}
	if strings.Contains(err.Error(), "rt-mine") || strings.Contains(err.Error(), fake.Token) {
		t.Errorf("error leaks a secret: %v", err)
	}
	if data, _ := fake.Current("snyk/o/c"); data["refresh_token"] != "theirs" {
		t.Errorf("conflicting write overwrote the newer version: %v", data)
	}
	// After a conflict the store re-reads, so a deliberate retry works.
	if err := v.Put(ctx, "snyk/o/c#refresh_token", "rt-mine"); err != nil {
		t.Fatalf("Put after conflict: %v", err)
	}
	// A brand-new secret is written with cas=0.
	if err := v.Put(ctx, "snyk/o/new#refresh_token", "x"); err != nil {
		t.Fatal(err)
	}
	if _, ver := fake.Current("snyk/o/new"); ver != 1 {
		t.Errorf("new secret version = %d", ver)
	}
}

func TestVaultSealed(t *testing.T) {
	ctx := context.Background()
	fake := secretstest.NewVault(t)
	fake.Seed("a", map[string]any{"value": "v"})
	v := newVault(t, fake, nil)
	sealed, err := v.Sealed(ctx)
	if err != nil || sealed {
		t.Fatalf("Sealed = %v, %v", sealed, err)
	}
	fake.Seal(true)
	sealed, err = v.Sealed(ctx)
	if err != nil || !sealed {
		t.Fatalf("Sealed after sealing = %v, %v", sealed, err)
	}
	for name, op := range map[string]func() error{
		"get":    func() error { _, err := v.Get(ctx, "a"); return err },
		"put":    func() error { return v.Put(ctx, "a", "secret-new-value") },
		"delete": func() error { return v.Delete(ctx, "a") },
	} {
		err := op()
		if !errors.Is(err, secrets.ErrSealed) {
			t.Errorf("%s while sealed = %v, want ErrSealed", name, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), "vault at "+fake.URL+" is sealed") {
			t.Errorf("%s error = %q", name, err)
		}
		if strings.Contains(err.Error(), "secret-new-value") {
			t.Errorf("%s error leaks the value", name)
		}
	}
	fake.Seal(false)
	if got, err := v.Get(ctx, "a"); err != nil || got != "v" {
		t.Errorf("after unseal Get = %q, %v", got, err)
	}
}

func TestVaultForbidden(t *testing.T) {
	ctx := context.Background()
	fake := secretstest.NewVault(t)
	fake.Deny("POST", "kv/data/ro")
	v := newVault(t, fake, nil)
	err := v.Put(ctx, "ro", "v")
	if !errors.Is(err, secrets.ErrForbidden) || !strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("Put to a denied path = %v", err)
	}
	bad := newVault(t, fake, func(c *secrets.VaultConfig) { c.Token = "wrong-token-123" })
	_, err = bad.Get(ctx, "x")
	if !errors.Is(err, secrets.ErrForbidden) {
		t.Fatalf("Get with a bad token = %v", err)
	}
	if strings.Contains(err.Error(), "wrong-token-123") {
		t.Errorf("error leaks the token: %v", err)
	}
}

func TestVaultDelete(t *testing.T) {
	ctx := context.Background()
	fake := secretstest.NewVault(t)
	fake.Seed("snyk/o/c", map[string]any{"refresh_token": "rt", "other": "x"})
	fake.Seed("snyk/o/c", map[string]any{"refresh_token": "rt2", "other": "x"})
	v := newVault(t, fake, nil)
	if err := v.Delete(ctx, "snyk/o/c#refresh_token"); err != nil {
		t.Fatal(err)
	}
	if data, _ := fake.Current("snyk/o/c"); data["refresh_token"] != nil || data["other"] != "x" {
		t.Fatalf("after deleting one field: %v", data)
	}
	if err := v.Delete(ctx, "snyk/o/c#other"); err != nil {
		t.Fatal(err)
	}
	if _, ver := fake.Current("snyk/o/c"); ver != 0 {
		t.Fatalf("last field deleted but %d versions remain", ver)
	}
	if err := v.Delete(ctx, "snyk/o/c#other"); err != nil {
		t.Errorf("deleting a missing secret = %v, want nil", err)
	}
}

func TestVaultSoftDeletedReadsAsMissing(t *testing.T) {
	ctx := context.Background()
	fake := secretstest.NewVault(t)
	fake.Seed("a", map[string]any{"value": "v"})
	req, _ := newRequest(ctx, "DELETE", fake.URL+"/v1/kv/data/a", fake.Token)
	if resp, err := req(); err != nil || resp != 204 {
		t.Fatalf("soft delete: %d %v", resp, err)
	}
	v := newVault(t, fake, nil)
	if _, err := v.Get(ctx, "a"); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("Get soft-deleted = %v", err)
	}
}

func TestVaultConfig(t *testing.T) {
	env := map[string]string{"BAO_ADDR": "http://bao:8200", "OPENBAO_TOKEN": "t0k"}
	cfg := secrets.VaultConfigFromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if cfg.Addr != "http://bao:8200" || cfg.Token != "t0k" {
		t.Fatalf("config = %+v", cfg)
	}
	env["VAULT_ADDR"] = "http://vault:8200"
	if cfg := secrets.VaultConfigFromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }); cfg.Addr != "http://vault:8200" {
		t.Errorf("VAULT_ADDR does not win: %q", cfg.Addr)
	}
	if _, err := secrets.NewVault(secrets.VaultConfig{Addr: "http://x"}); err == nil || !strings.Contains(err.Error(), "no token") {
		t.Errorf("missing token = %v", err)
	}
	if _, err := secrets.NewVault(secrets.VaultConfig{Token: "x"}); err == nil {
		t.Errorf("missing address accepted")
	}
}

func TestVaultErrorBodiesRedacted(t *testing.T) {
	// A server that echoes what it was sent in its error, as a proxy or a
	// plugin might: the message is shown, the token and value are not.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "GET" {
			w.WriteHeader(404)
			fmt.Fprint(w, `{"errors":[]}`)
			return
		}
		body, _ := io.ReadAll(r.Body)
		w.WriteHeader(400)
		json.NewEncoder(w).Encode(map[string]any{"errors": []string{"invalid request", "token " + r.Header.Get("X-Vault-Token") + " body " + string(body)}})
	}))
	defer srv.Close()
	v, _ := secrets.NewVault(secrets.VaultConfig{Addr: srv.URL, Token: "s.very-secret-token"})
	err := v.Put(context.Background(), "x", "the-secret-value")
	if err == nil || !strings.Contains(err.Error(), "400 Bad Request: invalid request; token *** body") {
		t.Fatalf("error = %v", err)
	}
	if strings.Contains(err.Error(), "s.very-secret-token") || strings.Contains(err.Error(), "the-secret-value") {
		t.Errorf("error leaks a secret: %v", err)
	}
}
