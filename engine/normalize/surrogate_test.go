package normalize

import "testing"

func TestLoneSurrogate(t *testing.T) {
	for tok, want := range map[string]bool{
		`"plain"`:                      false,
		`"caf\u00e9"`:                  false,
		`"\ud83d\ude00 smile"`:         false,
		`"a\ud800b"`:                   true,
		`"a\ud800"`:                    true,
		`"\ude00"`:                     true,
		`"\ud83d\ud83d\ude00"`:         true,
		`"\ud83d\n"`:                   true,
		`"\\ud800"`:                    false, // an escaped backslash, then text
		`"\uD83D\uDE00"`:               false,
		`"x\u0041\uDBFF\uDFFF\u0042"`:  false,
		`{"a":"\ud83d\ude00","b":[1]}`: false, // a document
		`{"a":"x\ud83d","b":1}`:        true,
		`["\ud83d"]`:                   true,
	} {
		if got := LoneSurrogate(tok); got != want {
			t.Errorf("LoneSurrogate(%s) = %v, want %v", tok, got, want)
		}
	}
}
