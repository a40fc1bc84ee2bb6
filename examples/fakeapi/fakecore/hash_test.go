package fakecore

import "testing"

// TestHasherStable pins a few outputs: every fake's data and ids derive
// from them, so a change here changes every generated tenant.
func TestHasherStable(t *testing.T) {
	cases := []struct {
		h          Hasher
		kind, a, b uint64
		wantN      uint64
		wantUUID   string
	}{
		{1, 1, 2, 3, 17411926530454252590, "f1a396ed-56ec-4c2e-96e2-8aab27df8759"},
		{0x5eed, 0xfeed, 1, 0, 0, "0fd4b909-4fcb-4ff4-af8b-e4bcda5c8788"},
	}
	for _, c := range cases {
		if c.wantN != 0 {
			if got := c.h.N(c.kind, c.a, c.b); got != c.wantN {
				t.Errorf("Hasher(%d).N(%d, %d, %d) = %d, want %d", c.h, c.kind, c.a, c.b, got, c.wantN)
			}
		}
		if got := c.h.UUID(c.kind, c.a, c.b); got != c.wantUUID {
			t.Errorf("Hasher(%d).UUID(%d, %d, %d) = %s, want %s", c.h, c.kind, c.a, c.b, got, c.wantUUID)
		}
	}
}
