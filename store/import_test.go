package store_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/onrecord/onrecord/answers"
	"github.com/onrecord/onrecord/data"
)

// TestGenerationChangesOnEveryWrite: the matcher rebuilds its caches when
// the generation changes, and it changes once per committed write (not
// per row, since migration 0004), so every write path must bump it.
func TestGenerationChangesOnEveryWrite(t *testing.T) {
	ctx := context.Background()
	db := open(t, data.Seed())
	sps, err := db.Speakers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]int64{}
	for _, sp := range sps {
		byName[sp.Name] = sp.ID
	}
	lavrov, putin := byName["Sergey Lavrov"], byName["Vladimir Putin"]
	var added *answers.Statement
	text := "A statement written by the generation test."
	var group int64
	steps := []struct {
		name string
		do   func() error
	}{
		{"Import", func() error {
			_, err := db.Import(ctx, strings.NewReader(`{"speaker":"New Person","text":"Something new."}`+"\n"), "test")
			return err
		}},
		{"ImportRecords", func() error {
			_, err := db.ImportRecords(ctx, []answers.Record{{Statement: answers.Statement{Speaker: "Other Person", Text: "Else.", Kind: answers.Quote}}}, "test")
			return err
		}},
		{"AddStatement", func() (err error) {
			added, err = db.AddStatement(ctx, answers.Statement{Speaker: "Sergey Lavrov", Text: text}, false, "test")
			return err
		}},
		{"UpdateStatement", func() error {
			s := text + " Edited."
			_, err := db.UpdateStatement(ctx, added.ID, 0, answers.StatementPatch{Text: &s}, "test")
			return err
		}},
		{"retire", func() error {
			yes := true
			_, err := db.UpdateStatement(ctx, added.ID, 0, answers.StatementPatch{Retired: &yes}, "test")
			return err
		}},
		{"Revert", func() error { _, err := db.Revert(ctx, added.ID, 1, "test"); return err }},
		{"RenameSpeaker", func() error { return db.RenameSpeaker(ctx, lavrov, "Sergei Lavrov", "test") }},
		{"SetSpeakerRole", func() error { return db.SetSpeakerRole(ctx, lavrov, "Foreign Minister", "test") }},
		{"AddAlias", func() error { return db.AddAlias(ctx, lavrov, "SVL", "test") }},
		{"RemoveAlias", func() error { return db.RemoveAlias(ctx, lavrov, "SVL", "test") }},
		{"MergeSpeakers", func() error { return db.MergeSpeakers(ctx, lavrov, putin, "test") }},
		{"AddSynonyms", func() (err error) { group, err = db.AddSynonyms(ctx, []string{"alpha", "beta"}, "test"); return err }},
		{"RemoveSynonyms", func() error { return db.RemoveSynonyms(ctx, group, "test") }},
	}
	last, err := db.Generation(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		g, err := db.Generation(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if g == last {
			t.Errorf("%s left the generation at %d", s.name, g)
		}
		last = g
	}

	// Writes the matcher does not read, and an import that changes
	// nothing, leave it alone.
	quiet := []struct {
		name string
		do   func() error
	}{
		{"SetModerator", func() error {
			return db.SetModerator(ctx, answers.Moderator{Platform: "telegram", UserID: "1", Role: answers.RoleOwner}, "test")
		}},
		{"Import unchanged", func() error {
			_, err := db.Import(ctx, strings.NewReader(`{"speaker":"New Person","text":"Something new."}`+"\n"), "test")
			return err
		}},
	}
	for _, s := range quiet {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if g, _ := db.Generation(ctx); g != last {
			t.Errorf("%s changed the generation from %d to %d", s.name, last, g)
		}
	}
}

// TestLargeBadFileWritesNothing: a bad last line of a file far larger
// than any batch the import writes in still rejects the whole file, and
// names the line and field.
func TestLargeBadFileWritesNothing(t *testing.T) {
	ctx := context.Background()
	db := open(t, nil)
	var buf bytes.Buffer
	const n = 50_000
	for i := 1; i < n; i++ {
		fmt.Fprintf(&buf, `{"speaker":"Speaker %d","text":"Statement number %d about taxes.","said_on":"2024-06"}`+"\n", i%500, i)
	}
	fmt.Fprintf(&buf, `{"speaker":"Speaker 1","text":"The last one.","said_on":"2024-13"}`+"\n")
	before, _ := db.Generation(ctx)
	for _, tt := range []struct {
		name string
		r    io.Reader
	}{
		{"seekable", bytes.NewReader(buf.Bytes())},
		{"pipe", io.MultiReader(bytes.NewReader(buf.Bytes()))}, // cannot seek: spooled
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := db.Import(ctx, tt.r, "test")
			if want := fmt.Sprintf("line %d: date", n); err == nil || !strings.Contains(answers.ErrorMessage(err), want) {
				t.Fatalf("got %v, want an error containing %q", err, want)
			}
			if got := export(t, db); got != "" {
				t.Fatalf("a rejected import wrote %d lines", strings.Count(got, "\n"))
			}
			if g, _ := db.Generation(ctx); g != before {
				t.Errorf("generation %d, want %d unchanged", g, before)
			}
		})
	}
}

// TestImportLargeFileTwice: a file large enough to spool and to flush the
// full-text queue more than once imports, round-trips, and changes
// nothing the second time.
func TestImportLargeFileTwice(t *testing.T) {
	ctx := context.Background()
	db := open(t, nil)
	var buf bytes.Buffer
	for i := 0; i < 20_000; i++ {
		// Every tenth line repeats an earlier one: unchanged, not added.
		j := i
		if i%10 == 9 {
			j = i - 5
		}
		fmt.Fprintf(&buf, `{"speaker":"Speaker %d","speaker_aliases":["S%d"],"text":"Statement %d on taxes and trade.","topics":["tax"]}`+"\n", j%300, j%300, j)
	}
	res, err := db.Import(ctx, io.MultiReader(bytes.NewReader(buf.Bytes())), "test")
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 18_000 || res.Unchanged != 2_000 {
		t.Errorf("first import: %v, want 18000 added, 2000 unchanged", res)
	}
	first := export(t, db)
	res, err = db.Import(ctx, strings.NewReader(first), "test")
	if err != nil || res.Added+res.Updated != 0 {
		t.Errorf("importing the export: %v, %v; want nothing changed", res, err)
	}
	res, err = db.Import(ctx, bytes.NewReader(buf.Bytes()), "test")
	if err != nil || res.Added+res.Updated != 0 {
		t.Errorf("second import: %v, %v; want nothing changed", res, err)
	}
	empty := open(t, nil)
	if _, err := empty.Import(ctx, strings.NewReader(first), "test"); err != nil {
		t.Fatal(err)
	}
	if got := export(t, empty); got != first {
		t.Error("export, import, export changed the file")
	}
	// Every added statement reached the full-text index, across flushes.
	terms, _, err := db.Vocabulary(ctx)
	if err != nil || terms.DF("trade") != 18_000 {
		t.Errorf("full-text rows with \"trade\": %d, %v; want 18000", terms.DF("trade"), err)
	}
	h, err := db.History(ctx, 1)
	if err != nil || len(h) != 1 || h[0].Statement.Text != "Statement 0 on taxes and trade." || h[0].Statement.ID != 1 {
		t.Errorf("history of #1: %+v, %v", h, err)
	}
}

// TestImportFindsSpeakersByName: an import loads only the speakers its
// records name, matching names case-insensitively as before, ASCII or not.
func TestImportFindsSpeakersByName(t *testing.T) {
	ctx := context.Background()
	db := open(t, nil)
	first := `{"speaker":"Sergey Lavrov","speaker_aliases":["Lavrov"],"text":"One."}` + "\n" +
		`{"speaker":"Émile Zola","text":"J'accuse."}` + "\n"
	if _, err := db.Import(ctx, strings.NewReader(first), "test"); err != nil {
		t.Fatal(err)
	}
	again := `{"speaker":"sergey LAVROV","speaker_aliases":["FM Lavrov"],"text":"Two."}` + "\n" +
		`{"speaker":"émile zola","text":"Again."}` + "\n" +
		`{"speaker":"Nobody Yet","text":"Three."}` + "\n" +
		`{"speaker":"nobody yet","text":"Four."}` + "\n"
	if _, err := db.Import(ctx, strings.NewReader(again), "test"); err != nil {
		t.Fatal(err)
	}
	sps, err := db.Speakers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, sp := range sps {
		got[sp.Name] = sp.Statements
	}
	want := map[string]int{"Sergey Lavrov": 2, "Émile Zola": 2, "Nobody Yet": 2}
	if len(got) != len(want) {
		t.Fatalf("speakers %v, want %v", got, want)
	}
	for name, n := range want {
		if got[name] != n {
			t.Errorf("%s: %d statements, want %d (all speakers: %v)", name, got[name], n, got)
		}
	}
}
