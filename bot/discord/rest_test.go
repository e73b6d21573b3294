package discord

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	for _, u := range []string{
		"https://discord.com/api/v10/interactions/123/secret-token/callback",
		"https://discord.com/api/v10/webhooks/111/secret-token/messages/@original",
		"https://discord.com/api/v10/webhooks/111/secret-token",
	} {
		if got := redact(u); strings.Contains(got, "secret-token") {
			t.Errorf("redact(%q) = %q", u, got)
		}
	}
}
