package discord

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestOnlyPackageImportingDiscordgo keeps the SDK behind this package, as
// the project's layout promises: every other package sees only bot's
// platform-neutral types.
func TestOnlyPackageImportingDiscordgo(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Skip("module root not found")
	}
	here, _ := filepath.Abs(".")
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			if n := e.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return nil // another package's syntax error is its own test's business
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			switch {
			case p == "github.com/bwmarrin/discordgo" && filepath.Dir(path) != here:
				t.Errorf("%s imports discordgo; only bot/discord may", path)
			case p == "github.com/bwmarrin/discordgo" && (imp.Name == nil || imp.Name.Name != "dg"):
				// Its package is named like ours (bot's sibling
				// adapters); the alias keeps the two apart.
				t.Errorf("%s imports discordgo without the alias dg", path)
			case filepath.Dir(path) == here && strings.HasPrefix(p, "github.com/go-telegram/"):
				t.Errorf("%s imports the Telegram SDK", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
