package rest

import (
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// TestRedactorContainsEverywhere checks Contains against a plain search
// for every form of every secret, at every position of texts around it,
// and for texts that hold none (prefixes of a secret, its first bytes
// repeated, shorter texts).
func TestRedactorContainsEverywhere(t *testing.T) {
	r := NewRedactor()
	for _, s := range []string{"demo-token", "token demo-token", "s3cr3t/+=", "ab"} {
		r.Add(s)
	}
	naive := func(s string) bool {
		for _, f := range r.set.Load().ordered {
			if strings.Contains(s, f) {
				return true
			}
		}
		return false
	}
	var texts []string
	for _, f := range r.set.Load().ordered {
		for _, pad := range []string{"", "x", "dddd", "ZGVt", "tok"} {
			texts = append(texts, f, pad+f, f+pad, pad+f+pad, f[:len(f)-1], pad+f[:len(f)-1], f[1:]+pad)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "abdemnoktZGV-+=/%2 "
	for range 5000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		texts = append(texts, string(b))
	}
	for _, s := range texts {
		if got, want := r.Contains(s), naive(s); got != want {
			t.Errorf("Contains(%q) = %v, want %v", s, got, want)
		}
		if r.Contains(s) == (r.String(s) == s) {
			t.Errorf("String(%q) = %q disagrees with Contains", s, r.String(s))
		}
	}
	if NewRedactor().Contains("anything") {
		t.Error("an empty Redactor contains a secret")
	}
}

// BenchmarkRedactorContains is the check normalize makes for credentials
// echoed in records (the benchmark spec's secrets), per text: the
// values of a Snyk issue one by one, and a whole issue record.
func BenchmarkRedactorContains(b *testing.B) {
	r := NewRedactor()
	r.Add("demo-token")
	r.Add("token demo-token")
	values := []string{"high", "npm", "d5b640e5-d88c-4c17-9bf0-93597b7a1ce2", "2024-01-02T03:04:05Z",
		"Prototype Pollution in lodash, a modern JavaScript utility library delivering modularity",
		"package_vulnerability", "open", "SNYK-JS-LODASH-567746", "lodash@4.17.15", "resolved"}
	data, err := os.ReadFile("../normalize/testdata/snyk_issues.json")
	if err != nil {
		b.Fatal(err)
	}
	record := gjson.GetBytes(data, "records.0").Raw
	b.Run("values", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if r.Contains(values[i%len(values)]) {
				b.Fatal("no secret there")
			}
		}
	})
	b.Run("record", func(b *testing.B) {
		b.SetBytes(int64(len(record)))
		for i := 0; i < b.N; i++ {
			if r.Contains(record) {
				b.Fatal("no secret there")
			}
		}
	})
}
