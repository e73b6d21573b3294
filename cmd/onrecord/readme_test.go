package main

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/onrecord/onrecord/bot"
)

var update = flag.Bool("update", false, "rewrite README's generated tables from the option and command tables")

const (
	tableBegin = "<!-- BEGIN configuration table: generated from cmd/onrecord/config.go; go test ./cmd/onrecord -run README -update -->\n"
	tableEnd   = "<!-- END configuration table -->"
	cmdsBegin  = "<!-- BEGIN chat commands: generated from the command table in bot/; go test ./cmd/onrecord -run README -update -->\n"
	cmdsEnd    = "<!-- END chat commands -->"
)

// TestREADMEConfigTable keeps README's configuration table the same as
// the option table that --help prints, so that neither goes stale.
func TestREADMEConfigTable(t *testing.T) {
	checkREADME(t, tableBegin, tableEnd, markdownTable())
}

// TestREADMECommands keeps README's chat command reference the same as
// the command table the bots register and /help shows.
func TestREADMECommands(t *testing.T) {
	checkREADME(t, cmdsBegin, cmdsEnd, bot.Markdown())
}

func checkREADME(t *testing.T, tableBegin, tableEnd, want string) {
	t.Helper()
	const path = "../../README.md"
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	i, j := strings.Index(readme, tableBegin), strings.Index(readme, tableEnd)
	if i < 0 || j < i {
		t.Fatalf("README lacks the markers %q and %q", tableBegin, tableEnd)
	}
	if got := readme[i+len(tableBegin) : j]; got != want {
		if !*update {
			t.Fatalf("README's generated section is out of date; run go test ./cmd/onrecord -run README -update\ngot:\n%s\nwant:\n%s", got, want)
		}
		readme = readme[:i+len(tableBegin)] + want + readme[j:]
		if err := os.WriteFile(path, []byte(readme), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
