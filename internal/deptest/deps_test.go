// Package deptest keeps the import graph pointing inward: the answer
// engine knows no platform or database, each chat SDK is imported by one
// adapter only, and no code needs cgo.
package deptest

import (
	"encoding/json"
	"go/parser"
	"go/token"
	"io/fs"
	"os/exec"
	"path/filepath"
	"strconv"
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

// TestSDKAliases parses every file's imports (no build needed): each chat
// SDK is imported by its adapter only, under its alias, since all three
// packages are named bot.
func TestSDKAliases(t *testing.T) {
	sdks := map[string]struct{ owner, alias string }{
		"github.com/go-telegram/bot":    {"bot/telegram", "tgbot"},
		"github.com/bwmarrin/discordgo": {"bot/discord", "dg"},
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			for sdk, want := range sdks {
				switch {
				case p != sdk && !strings.HasPrefix(p, sdk+"/"):
				case filepath.Dir(rel) != want.owner:
					t.Errorf("%s imports %s; only %s may", rel, p, want.owner)
				case p == sdk && (imp.Name == nil || imp.Name.Name != want.alias):
					t.Errorf("%s imports %s without the alias %s", rel, p, want.alias)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
