// Package deptest keeps the import graph pointing inward: the answer
// engine knows no platform or database, each chat SDK is imported by one
// adapter only, and no code needs cgo.
package deptest

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
	CgoFiles   []string
}

func list(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", "github.com/onrecord/onrecord/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func TestImportDirection(t *testing.T) {
	const mod = "github.com/onrecord/onrecord/"
	rules := map[string][]string{ // package: imports it must not have, even indirectly
		mod + "answers": {"github.com/go-telegram/bot", "github.com/bwmarrin/discordgo", "modernc.org/sqlite", "database/sql", mod + "store", mod + "bot"},
		mod + "store":   {"github.com/go-telegram/bot", "github.com/bwmarrin/discordgo", mod + "bot"},
		mod + "bot":     {"github.com/go-telegram/bot", "github.com/bwmarrin/discordgo", "modernc.org/sqlite", mod + "store"},
		mod + "data":    {mod + "store", mod + "bot"},
	}
	sdks := map[string]string{"github.com/go-telegram/bot": mod + "bot/telegram", "github.com/bwmarrin/discordgo": mod + "bot/discord"}
	for _, p := range list(t) {
		for _, bad := range rules[p.ImportPath] {
			for _, d := range p.Deps {
				if d == bad || strings.HasPrefix(d, bad+"/") {
					t.Errorf("%s depends on %s", p.ImportPath, d)
				}
			}
		}
		for _, imp := range p.Imports {
			for sdk, owner := range sdks {
				if (imp == sdk || strings.HasPrefix(imp, sdk+"/")) && p.ImportPath != owner {
					t.Errorf("%s imports %s; only %s may", p.ImportPath, imp, owner)
				}
			}
		}
		if len(p.CgoFiles) > 0 {
			t.Errorf("%s uses cgo", p.ImportPath)
		}
	}
}
