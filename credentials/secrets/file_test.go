package secrets

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func writeFile(t *testing.T, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), ".pipe", "secrets.yml")
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFileGet(t *testing.T) {
	ctx := context.Background()
	p := writeFile(t, "# my secrets\nsnyk_token: abc123\npin: 0123\nmulti: |\n  line1\n  line2\nquoted: \"a\\tb\"\n", 0o600)
	f := NewFile(p)
	for name, want := range map[string]string{
		"snyk_token": "abc123",
		"pin":        "0123",
		"multi":      "line1\nline2\n",
		"quoted":     "a\tb",
	} {
		got, err := f.Get(ctx, name)
		if err != nil || got != want {
			t.Errorf("Get(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
	_, err := f.Get(ctx, "nope")
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(nope) error = %v, want ErrNotFound", err)
	}
}

func TestFileMissingIsEmpty(t *testing.T) {
	f := NewFile(filepath.Join(t.TempDir(), "none", "secrets.yml"))
	_, err := f.Get(context.Background(), "x")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("error = %v, want ErrNotFound", err)
	}
}

func TestFileRefusesOpenMode(t *testing.T) {
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660} {
		t.Run(fmt.Sprintf("%04o", mode), func(t *testing.T) {
			p := writeFile(t, "a: secretvalue\n", mode)
			f := NewFile(p)
			_, err := f.Get(context.Background(), "a")
			want := fmt.Sprintf("secrets file %s has mode %04o; run chmod 600 %s", p, mode, p)
			if err == nil || err.Error() != want {
				t.Fatalf("error = %v, want %q", err, want)
			}
			if !errors.Is(err, ErrInsecure) {
				t.Errorf("error does not match ErrInsecure")
			}
			if err := f.Put(context.Background(), "b", "v"); !errors.Is(err, ErrInsecure) {
				t.Errorf("Put on an insecure file = %v, want ErrInsecure", err)
			}
		})
	}
	p := writeFile(t, "a: v\n", 0o400)
	if _, err := NewFile(p).Get(context.Background(), "a"); err != nil {
		t.Errorf("mode 0400 refused: %v", err)
	}
}

func TestFileDecodeErrorsHideValues(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"list", "- supersecret\n", "line 1 column 1: want a mapping of secret names to values"},
		{"nested", "a:\n  b: supersecret\n", `line 2 column 4: secret "a": want a string value`},
		{"dup", "a: supersecret\nb: x\na: supersecret2\n", `line 3 column 1: mapping key "a" already defined at [1:1]`},
		{"syntax", "a: \"supersecret\nb: c\n", "invalid YAML"},
		{"null", "a:\n", `secret "a": want a string value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, tt.content, 0o600)
			_, err := NewFile(p).Get(context.Background(), "a")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "supersecret") {
				t.Errorf("error leaks a value: %v", err)
			}
		})
	}
}

func TestFilePutDelete(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), ".pipe", "secrets.yml")
	f := NewFile(p)
	values := map[string]string{
		"plain":        "abc",
		"yes":          "yes",
		"null":         "~",
		"hex":          "0x1f",
		"quotes":       `a"b'c\d`,
		"controls":     "a\x00b\x1bc\r\n\t",
		"unicode":      "héllo\u2028wörld\ufeff",
		"snyk.refresh": "rt-1",
		"with: colon":  "#not a comment",
		"leading":      "  spaces  ",
	}
	for k, v := range values {
		if err := f.Put(ctx, k, v); err != nil {
			t.Fatalf("Put(%q): %v", k, err)
		}
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode = %04o, want 0600", fi.Mode().Perm())
	}
	di, _ := os.Stat(filepath.Dir(p))
	if di.Mode().Perm() != 0o700 {
		t.Errorf("dir mode = %04o, want 0700", di.Mode().Perm())
	}
	fresh := NewFile(p)
	for k, want := range values {
		got, err := fresh.Get(ctx, k)
		if err != nil || got != want {
			t.Errorf("round trip %q = %q, %v; want %q", k, got, err, want)
		}
	}
	if err := f.Delete(ctx, "plain"); err != nil {
		t.Fatal(err)
	}
	if err := f.Delete(ctx, "plain"); err != nil {
		t.Errorf("second Delete: %v", err)
	}
	if _, err := fresh.Get(ctx, "plain"); !errors.Is(err, ErrNotFound) {
		t.Errorf("after Delete, Get = %v, want ErrNotFound", err)
	}
	if got, _ := fresh.Get(ctx, "yes"); got != "yes" {
		t.Errorf("Delete removed other keys")
	}
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(p), ".secrets.yml.*.tmp"))
	if len(matches) != 0 {
		t.Errorf("temporary files left behind: %v", matches)
	}
	if err := f.Put(ctx, "bad", "\xff"); err == nil {
		t.Errorf("Put accepted invalid UTF-8")
	}
}

func TestFileConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "secrets.yml")
	const n = 20
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A store per goroutine, as separate processes would have.
			if err := NewFile(p).Put(ctx, fmt.Sprintf("k%d", i), fmt.Sprintf("v%d", i)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	f := NewFile(p)
	for i := range n {
		if got, err := f.Get(ctx, fmt.Sprintf("k%d", i)); err != nil || got != fmt.Sprintf("v%d", i) {
			t.Errorf("k%d = %q, %v (a write was lost)", i, got, err)
		}
	}
}

func TestFileLockCancelled(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.lock")
	unlock, err := LockFile(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := LockFile(ctx, p); !errors.Is(err, context.Canceled) {
		t.Fatalf("second lock = %v, want context.Canceled", err)
	}
}
