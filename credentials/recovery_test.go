package credentials

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/examples/fakeapi/snykoauth"
)

func TestNewestRecovered(t *testing.T) {
	f := func(name, token, replaces string) recoveryFile {
		return recoveryFile{path: name, token: token, replaces: tokenHash(replaces)}
	}
	tests := []struct {
		name      string
		stored    string
		files     []recoveryFile
		want      string
		wantFiles []string
	}{
		{"nothing recovered", "s0", nil, "s0", nil},
		{"one rotation not stored", "s0", []recoveryFile{f("a", "a1", "s0")}, "a1", []string{"a"}},
		{"a chain of them (the store stayed sealed)", "s0",
			[]recoveryFile{f("b", "b1", "a1"), f("a", "a1", "s0")}, "b1", []string{"a", "b"}},
		{"stale: a login stored a newer token since", "login", []recoveryFile{f("a", "a1", "s0")}, "login", nil},
		{"put back by hand", "a1", []recoveryFile{f("a", "a1", "s0")}, "a1", []string{"a"}},
		{"a login into an empty store whose write failed", "", []recoveryFile{f("l", "l1", "")}, "l1", []string{"l"}},
		{"unknown predecessor does not override a stored token", "s0", []recoveryFile{f("l", "l1", "")}, "s0", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, chain := newestRecovered(tt.files, tt.stored)
			var paths []string
			for _, c := range chain {
				paths = append(paths, c.path)
			}
			if got != tt.want || !slices.Equal(paths, tt.wantFiles) {
				t.Errorf("newestRecovered = %q %v, want %q %v", got, paths, tt.want, tt.wantFiles)
			}
		})
	}
}

// TestRecoveryFallsBackToSecondDir: when the first directory cannot
// take the file, the second does, and both are searched.
func TestRecoveryFallsBackToSecondDir(t *testing.T) {
	base := t.TempDir()
	blocked := filepath.Join(base, "blocked")
	if err := os.WriteFile(blocked, nil, 0o600); err != nil { // a file where a directory should be
		t.Fatal(err)
	}
	second := filepath.Join(base, "second")
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	path, err := writeRecovery([]string{blocked, second}, "snyk", "rt-new", "rt-old", now)
	if err != nil || filepath.Dir(path) != second || filepath.Base(path) != "recovered-snyk-20260102T030405Z.secret" {
		t.Fatalf("writeRecovery = %q, %v", path, err)
	}
	found := findRecovered([]string{blocked, second}, "snyk")
	if len(found) != 1 || found[0].token != "rt-new" || found[0].replaces != tokenHash("rt-old") {
		t.Fatalf("findRecovered = %+v", found)
	}
	// Another credential whose name starts the same is not this one's.
	if got := findRecovered([]string{second}, "sny"); len(got) != 0 {
		t.Errorf("credential sny found %+v", got)
	}
	if _, err := writeRecovery([]string{blocked}, "snyk", "rt", "", now); err == nil {
		t.Error("no writable directory: no error")
	}
}

func TestFallbackRecoveryDir(t *testing.T) {
	env := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"PIPE_RECOVERY_DIR": "/mnt/other", "XDG_STATE_HOME": "/s", "HOME": "/h"}, "/mnt/other"},
		{map[string]string{"XDG_STATE_HOME": "/s", "HOME": "/h"}, "/s/pipe"},
		{map[string]string{"XDG_STATE_HOME": "relative", "HOME": "/h"}, "/h/.local/state/pipe"},
		{map[string]string{}, filepath.Join(os.TempDir(), "pipe-recovery")},
	}
	for _, tt := range tests {
		if got := FallbackRecoveryDir(env(tt.env)); got != tt.want {
			t.Errorf("FallbackRecoveryDir(%v) = %q, want %q", tt.env, got, tt.want)
		}
	}
}

// TestFallbackRecoveryDirOtherFilesystem: the fallback prefers a place on
// another filesystem than the working directory, so a full disk there
// does not stop the recovery file too.
func TestFallbackRecoveryDirOtherFilesystem(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/dev/shm"); err != nil || sameFilesystem(wd, "/dev/shm") {
		t.Skip("no /dev/shm on another filesystem than the working directory")
	}
	t.Setenv("TMPDIR", "/dev/shm")
	env := map[string]string{"XDG_STATE_HOME": wd}
	got := FallbackRecoveryDir(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if want := "/dev/shm/pipe-recovery"; got != want {
		t.Errorf("FallbackRecoveryDir = %q, want %q (the working directory's filesystem is %s's)", got, want, wd)
	}
}

// TestLogoutRevokesRecoveredToken: a recovered token newer than the
// stored one is live at the provider; logout revokes it as well and
// deletes its recovery file.
func TestLogoutRevokesRecoveredToken(t *testing.T) {
	ctx := t.Context()
	p := snykoauth.NewTestServer(t, snykoauth.Config{RevokeGrantOnReuse: true})
	dir := t.TempDir()
	store := secrets.NewFile(filepath.Join(dir, "secrets.yml"))
	stored, recovered := p.IssueRefreshToken(), p.IssueRefreshToken()
	if err := store.Put(ctx, "snyk.refresh_token", stored); err != nil {
		t.Fatal(err)
	}
	path, err := writeRecovery([]string{dir}, "snyk", recovered, stored, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	err = Logout(ctx, LogoutConfig{RevokeURL: p.RevokeURL(), ClientID: p.ClientID, ClientSecret: p.ClientSecret,
		Credential: "snyk", Store: store, RecoveryDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if p.RefreshUsable(recovered) || p.RefreshUsable(stored) {
		t.Errorf("revoked %v, want the stored and the recovered refresh tokens", p.Revoked())
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("recovery file kept: %v", err)
	}
}
