package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/onrecord/onrecord/answers"
	"github.com/onrecord/onrecord/data"
	"github.com/onrecord/onrecord/store"
)

func open(t testing.TB, seed *answers.Seed) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "onrecord.db"), seed)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func export(t testing.TB, db *store.DB) string {
	t.Helper()
	var buf bytes.Buffer
	if err := db.Export(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestSeedAndRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := open(t, data.Seed())
	first := export(t, db)
	if n := strings.Count(first, "\n"); n != 13 {
		t.Fatalf("seed exported %d lines, want 13", n)
	}
	empty := open(t, nil)
	res, err := empty.Import(ctx, strings.NewReader(first), "test")
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 13 {
		t.Errorf("import: %v, want 13 added", res)
	}
	if second := export(t, empty); second != first {
		t.Errorf("round trip changed the export:\n%s\nwant\n%s", second, first)
	}
	res, err = empty.Import(ctx, strings.NewReader(first), "test")
	if err != nil || res.Added+res.Updated != 0 {
		t.Errorf("second import: %v, %v; want nothing changed", res, err)
	}
}

func TestImportRejectsBadFileWhole(t *testing.T) {
	ctx := context.Background()
	db := open(t, nil)
	good := `{"speaker":"A B","text":"first"}` + "\n"
	tests := []struct{ name, line, want string }{
		{"unknown field", `{"speaker":"A","text":"x","colour":1}`, `line 2: unknown field "colour"`},
		{"missing text", `{"speaker":"A"}`, "line 2: text:"},
		{"bad date", `{"speaker":"A","text":"x","said_on":"2024-13"}`, "line 2: date"},
		{"bad url", `{"speaker":"A","text":"x","source":{"url":"javascript:alert(1)"}}`, "line 2: source.url"},
		{"bad kind", `{"speaker":"A","text":"x","kind":"rumour"}`, "line 2: kind"},
		{"invalid utf8", "{\"speaker\":\"A\",\"text\":\"\xff\"}", "line 2: not valid UTF-8"},
		{"not json", `{"speaker":`, "line 2: not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := db.Import(ctx, strings.NewReader(good+tt.line+"\n"), "test")
			if err == nil || !strings.Contains(answers.ErrorMessage(err), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
			if got := export(t, db); got != "" {
				t.Fatalf("a rejected import wrote:\n%s", got)
			}
		})
	}
}

func TestSearch(t *testing.T) {
	ctx := context.Background()
	db := open(t, data.Seed())
	hits, err := db.Search(ctx, answers.SearchQuery{Groups: [][]string{{"jack"}, {"box"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || hits[0].Speaker != "Sergey Lavrov" {
		t.Fatalf("got %v, want Lavrov's statement", hits)
	}
	// Raw user text never reaches MATCH as syntax.
	if _, err := db.Search(ctx, answers.SearchQuery{Groups: [][]string{{`NEAR("a" b`, "OR", "*"}}}); err != nil {
		t.Fatal(err)
	}
	terms, docs, err := db.Vocabulary(ctx)
	if err != nil || docs != 13 || terms.DF("putin") == 0 {
		t.Fatalf("vocabulary: %d docs, putin in %d, %v", docs, terms.DF("putin"), err)
	}
}

func TestBackup(t *testing.T) {
	ctx := context.Background()
	db := open(t, data.Seed())
	dst := filepath.Join(t.TempDir(), "backup.db")
	if err := db.Backup(ctx, dst); err != nil {
		t.Fatal(err)
	}
	copy, err := store.Open(ctx, dst, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer copy.Close()
	if got, want := export(t, copy), export(t, db); got != want {
		t.Error("backup differs from the original")
	}
}

// A store seeded with the old United States group ("us government", which
// analyses to "govern" alone) has it corrected when opened.
func TestMigrationFixesUSGovernmentSynonym(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "onrecord.db")
	db, err := store.Open(ctx, path, data.Seed())
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE synonyms SET terms = replace(terms, '"US government"', '"us government"')`,
		`DELETE FROM migrations WHERE name LIKE '%0008_us_government_synonym.sql'`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	db, err = store.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	groups, err := db.Synonyms(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, g := range groups {
		for _, term := range g {
			if term == "us government" {
				t.Errorf("group %q still has the lower-case entry", g)
			}
			found = found || term == "US government"
		}
	}
	if !found {
		t.Errorf("no group has %q: %q", "US government", groups)
	}
}
