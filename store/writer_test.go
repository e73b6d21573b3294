package store

import (
	"strings"
	"testing"
)

func TestOneSpaced(t *testing.T) {
	for _, s := range []string{"", " ", "a", "Vladimir Putin", " lead", "trail ", "two  spaces", "tab\there",
		"new\nline", "nbsp\u00a0here", "Lavrov, S.", "é é", "a b c"} {
		if got, want := oneSpaced(s), strings.Join(strings.Fields(s), " "); got != want {
			t.Errorf("oneSpaced(%q) = %q, want %q", s, got, want)
		}
	}
}
