package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"maps"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/onrecord/onrecord/answers"
	"github.com/onrecord/onrecord/data"
)

// indexVocabulary reads the vocabulary and counts from the index itself,
// bypassing any saved copy.
func indexVocabulary(t *testing.T, db *DB) (*answers.Vocabulary, int, map[int64]int) {
	t.Helper()
	ctx := context.Background()
	tx, err := db.read.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	terms, docs, _, err := computeVocabulary(ctx, tx)
	if err != nil {
		t.Fatal(err)
	}
	counts, err := countSpeakers(ctx, tx)
	if err != nil {
		t.Fatal(err)
	}
	return terms, docs, counts
}

// savedGen is the generation the statistics called name were saved at,
// or -1.
func savedGen(t *testing.T, path, name string) int64 {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var g int64 = -1
	db.QueryRow(`SELECT generation FROM stats WHERE name = ?`, name).Scan(&g)
	return g
}

func execOn(t *testing.T, path, query string, args ...any) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(query, args...); err != nil {
		t.Fatal(err)
	}
}

// checkStats checks Vocabulary and Speakers against the index.
func checkStats(t *testing.T, db *DB, when string) {
	t.Helper()
	ctx := context.Background()
	wantTerms, wantDocs, wantCounts := indexVocabulary(t, db)
	terms, docs, err := db.Vocabulary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if docs != wantDocs || !maps.Equal(maps.Collect(terms.All()), maps.Collect(wantTerms.All())) {
		t.Errorf("%s: Vocabulary has %d terms over %d statements, the index %d over %d", when, terms.Len(), docs, wantTerms.Len(), wantDocs)
	}
	sps, err := db.Speakers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, sp := range sps {
		if sp.Statements != wantCounts[sp.ID] {
			t.Errorf("%s: %s has %d statements, the index says %d", when, sp.Name, sp.Statements, wantCounts[sp.ID])
		}
	}
	tx, err := db.read.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	want, err := listSpeakers(ctx, tx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(sps, want) {
		t.Errorf("%s: Speakers differs from the tables:\n%+v\nwant\n%+v", when, sps, want)
	}
}

func reopen(t *testing.T, db *DB) *DB {
	t.Helper()
	path := db.Path()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestSavedStats: the statistics a start needs are saved with the
// generation they were computed at, read back while it is current, and
// never once a write has moved it on.
func TestSavedStats(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "onrecord.db")
	db, err := Open(ctx, path, data.Seed())
	if err != nil {
		t.Fatal(err)
	}
	checkStats(t, db, "new store")
	gen, _ := db.Generation(ctx)
	db = reopen(t, db) // Close waits for the saves
	for _, name := range []string{statsVocabulary, statsSpeakers} {
		if g := savedGen(t, path, name); g != gen {
			t.Fatalf("%s saved at generation %d, want %d", name, g, gen)
		}
	}
	checkStats(t, db, "reopened")

	// A saved copy at the current generation is what Vocabulary returns:
	// plant a term the index lacks.
	vocab, docs, _ := indexVocabulary(t, db)
	terms := maps.Collect(vocab.All())
	terms["planted"] = 3
	execOn(t, path, `UPDATE stats SET data = ? WHERE name = ?`, append([]byte{statsFormat}, encodeTestVocabulary(docs, terms)...), statsVocabulary)
	planted, err := db.Speakers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range planted {
		planted[i].Statements += 100
	}
	execOn(t, path, `UPDATE stats SET data = ? WHERE name = ?`, append([]byte{statsFormat}, encodeSpeakers(planted)...), statsSpeakers)
	db = reopen(t, db)
	got, _, err := db.Vocabulary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.DF("planted") != 3 {
		t.Fatalf("the saved vocabulary at the current generation was not used")
	}
	sps, _ := db.Speakers(ctx)
	if sps[0].Statements < 100 {
		t.Fatalf("the saved counts at the current generation were not used")
	}

	// An edit moves the generation on: the planted copy is stale and
	// must not be used, by this process or the next.
	lavrov := sps[0].ID
	for _, sp := range sps {
		if sp.Name == "Sergey Lavrov" {
			lavrov = sp.ID
		}
	}
	st, err := db.AddStatement(ctx, answers.Statement{SpeakerID: lavrov, Speaker: "Sergey Lavrov", Text: "Quokkas are welcome at the negotiating table."}, false, "test")
	if err != nil {
		t.Fatal(err)
	}
	checkStats(t, db, "after an edit")
	reply, err := answers.NewEngine(db).Ask(ctx, "What did Lavrov say about quokkas?")
	if err != nil {
		t.Fatal(err)
	}
	if len(reply.Answers) == 0 || reply.Answers[0].ID != st.ID {
		t.Errorf("after an edit, the new statement is not the answer: %+v", reply)
	}
	db = reopen(t, db)
	checkStats(t, db, "reopened after an edit")
	gen, _ = db.Generation(ctx)
	db = reopen(t, db)
	if g := savedGen(t, path, statsVocabulary); g != gen {
		t.Errorf("vocabulary saved at generation %d after the edit, want %d", g, gen)
	}

	// An import from another process, as the command line makes.
	other, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.ImportRecords(ctx, []answers.Record{{Statement: answers.Statement{Speaker: "Sergey Lavrov", Text: "Wombats too.", Kind: answers.Quote}}}, "test"); err != nil {
		t.Fatal(err)
	}
	other.Close()
	checkStats(t, db, "after another process imported")
	if terms, _, _ := db.Vocabulary(ctx); terms.DF("wombat") != 1 {
		t.Errorf("the import's term is missing: %d", terms.DF("wombat"))
	}

	// A saved copy that cannot be read (another format, cut short) is
	// computed again.
	db = reopen(t, db)
	execOn(t, path, `UPDATE stats SET data = substr(data, 1, length(data) / 2) WHERE name = ?`, statsVocabulary)
	execOn(t, path, `UPDATE stats SET data = x'ff' || data WHERE name = ?`, statsSpeakers)
	db = reopen(t, db)
	checkStats(t, db, "cut short")

	// A store whose statistics cannot be saved (here it has no stats
	// table at all) still answers.
	db = reopen(t, db) // with no save under way
	execOn(t, path, `DROP TABLE stats`)
	db = reopen(t, db)
	checkStats(t, db, "nowhere to save")
	db = reopen(t, db)
	checkStats(t, db, "nowhere to save, reopened")
}

func encodeTestVocabulary(docs int, terms map[string]int) []byte {
	data := binary.AppendUvarint(nil, uint64(docs))
	data = binary.AppendUvarint(data, uint64(len(terms)))
	size := 0
	var body []byte
	for t, n := range terms {
		body = binary.AppendUvarint(body, 0)
		body = binary.AppendUvarint(body, uint64(len(t)))
		body = append(body, t...)
		body = binary.AppendUvarint(body, uint64(n))
		size += len(t)
	}
	data = binary.AppendUvarint(data, uint64(size))
	return append(data, body...)
}

func TestVocabularyEncoding(t *testing.T) {
	terms := map[string]int{"": 1, "a": 2, "ab": 3, "abc": 300, "abd": 4, "b": 5, "ünï": 6}
	got, docs, err := decodeVocabulary(encodeTestVocabulary(9, terms))
	if err != nil || docs != 9 || !reflect.DeepEqual(maps.Collect(got.All()), terms) {
		t.Fatalf("%v %d %v", got, docs, err)
	}
	sps := []answers.Speaker{
		{ID: 3, Name: "B", Role: "r", Aliases: []string{"x", "y"}, Statements: 1 << 40},
		{ID: -1, Name: "", Aliases: []string{}},
		{ID: 1, Name: "Ä", Role: "r", Aliases: []string{""}, Statements: 2},
		{ID: 2, Name: "C", Role: "s", Aliases: []string{}},
	}
	got2, err := decodeSpeakers(encodeSpeakers(sps))
	if err != nil || !reflect.DeepEqual(got2, sps) {
		t.Fatalf("%+v %v", got2, err)
	}
	got2[0].Aliases = append(got2[0].Aliases, "z")
	if got2[2].Aliases[0] != "" {
		t.Errorf("appending to one speaker's aliases changed another's")
	}
	// Every prefix of an encoding is rejected, never a panic.
	enc := encodeTestVocabulary(9, terms)
	for i := range enc {
		if _, _, err := decodeVocabulary(enc[:i]); err == nil {
			t.Errorf("a vocabulary cut at %d of %d bytes decoded", i, len(enc))
		}
	}
	enc = encodeSpeakers(sps)
	for i := range enc {
		if _, err := decodeSpeakers(enc[:i]); err == nil {
			t.Errorf("a speaker list cut at %d of %d bytes decoded", i, len(enc))
		}
	}
}
