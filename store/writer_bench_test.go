package store

import (
	"context"
	"database/sql"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onrecord/onrecord/answers"
)

var writerFile = flag.String("store.writer", "", "JSON Lines file for BenchmarkWriter (e.g. a generated 100k store)")

// BenchmarkWriter times the writer alone: the file's records are decoded
// and analysed before the clock starts, then written into a fresh store in
// two imports of half the file each, as an import of the second half of a
// file would meet the speakers of the first. It reports microseconds a
// statement for each half. Import's own benchmark (internal/bench) times
// decoding and writing together, on two cores that share them.
//
//	go test ./store -run '^$' -bench 'Writer$' -benchtime 1x -count 5 -store.writer /tmp/obk/gen-7-100000.jsonl
func BenchmarkWriter(b *testing.B) {
	recs := writerRecords(b)
	ctx := context.Background()
	halves := [2][]benchRecord{recs[:len(recs)/2], recs[len(recs)/2:]}
	var spent [2]time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		db, err := Open(ctx, filepath.Join(b.TempDir(), "writer.db"), nil)
		if err != nil {
			b.Fatal(err)
		}
		for h, half := range halves {
			part := cloneRecords(half)
			b.StartTimer()
			start := time.Now()
			err := importRecords(ctx, db, part)
			spent[h] += time.Since(start)
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
		}
		db.Close()
	}
	for h, name := range []string{"first-us/stmt", "second-us/stmt"} {
		b.ReportMetric(float64(spent[h].Microseconds())/float64(b.N*len(halves[h])), name)
	}
}

// benchRecord is a record as the writer receives it: decoded and analysed.
type benchRecord struct {
	rec answers.Record
	p   prepared
}

// writerRecords reads the -store.writer file, or skips the benchmark.
func writerRecords(b *testing.B) []benchRecord {
	b.Helper()
	if *writerFile == "" {
		b.Skip("no -store.writer file")
	}
	f, err := os.Open(*writerFile)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	recs, err := readBenchRecords(f)
	if err != nil {
		b.Fatal(err)
	}
	return recs
}

// readBenchRecords decodes and analyses JSON Lines as an import would.
func readBenchRecords(r io.Reader) ([]benchRecord, error) {
	var recs []benchRecord
	err := answers.ReadRecords(context.Background(), r, 2, prepare, func(_ int, rec *answers.Record, p prepared) error {
		recs = append(recs, benchRecord{*rec, p})
		return nil
	})
	return recs, err
}

// importRecords imports records through the writer, in one transaction.
func importRecords(ctx context.Context, db *DB, recs []benchRecord) error {
	_, err := db.importWith(ctx, "bench", "line", func(put func(int, *answers.Record, *prepared) error) error {
		for i := range recs {
			if err := put(i+1, &recs[i].rec, &recs[i].p); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

// cloneRecords copies records for one import: the writer fills in ids and
// rewrites aliases in place.
func cloneRecords(recs []benchRecord) []benchRecord {
	part := slices.Clone(recs)
	for i := range part {
		part[i].rec.SpeakerAliases = slices.Clone(part[i].rec.SpeakerAliases)
	}
	return part
}

// BenchmarkWriterFloor measures what SQLite itself takes to store the
// -store.writer file's statements in a fresh store, one transaction for
// the whole file, against the writer doing the same:
//
//   - writer: the import's writer (speakers, the duplicate check, the
//     queued full-text rows);
//   - rows: each statement's row alone (its two speaker indexes and the
//     speaker's foreign key included), one prepared INSERT a statement;
//   - fulltext: each statement's full-text row alone;
//   - both: the row and the full-text row, as an import must write them;
//   - lean: both, into the leanest schema that could still serve the
//     matcher (see leanSchema).
//
// In every case but the writer, the speakers are written (and the lean
// schema made) before the clock starts, and the clock times nothing but
// the INSERTs. Each reports microseconds a statement.
//
//	go test ./store -run '^$' -bench WriterFloor -benchtime 1x -count 5 -store.writer /tmp/obk/gen-7-100000.jsonl
func BenchmarkWriterFloor(b *testing.B) {
	recs := writerRecords(b)
	ctx := context.Background()
	for _, name := range []string{"writer", "rows", "fulltext", "both", "lean"} {
		b.Run(name, func(b *testing.B) {
			var spent time.Duration
			for range b.N {
				b.StopTimer()
				db, err := Open(ctx, filepath.Join(b.TempDir(), "floor.db"), nil)
				if err != nil {
					b.Fatal(err)
				}
				part := cloneRecords(recs)
				var write func() error
				if name == "writer" {
					write = func() error { return importRecords(ctx, db, part) }
				} else {
					c := floorCase{rows: name != "fulltext", fulltext: name != "rows", lean: name == "lean"}
					fts, err := floorSpeakers(ctx, db, part, c)
					if err != nil {
						b.Fatal(err)
					}
					write = func() error { return floorInserts(ctx, db, part, fts, c) }
				}
				b.StartTimer()
				start := time.Now()
				err = write()
				spent += time.Since(start)
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				db.Close()
			}
			b.ReportMetric(float64(spent.Microseconds())/float64(b.N*len(recs)), "us/stmt")
		})
	}
}

// floorSpeakers writes the records' speakers, sets each record's speaker
// id, and returns each record's full-text row as the writer makes it. For
// a lean case, it then gives the store leanSchema.
func floorSpeakers(ctx context.Context, db *DB, recs []benchRecord, c floorCase) ([]ftsRow, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	w := newLazyWriter(tx)
	defer w.close()
	rows := make([]ftsRow, len(recs))
	for i := range recs {
		r := &recs[i]
		sp, err := w.speakerKeyed(ctx, r.p.speaker, r.rec.Speaker, r.rec.SpeakerRole, r.rec.SpeakerAliases)
		if err != nil {
			return nil, err
		}
		r.rec.SpeakerID = sp.id
		rows[i] = ftsRow{body: r.p.body, about: r.p.about, who: w.indexText(sp.whoKey() + "\x00" + r.rec.SpeakerRole)}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	if c.lean {
		if _, err := db.write.ExecContext(ctx, leanSchema); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// leanSchema turns a fresh store into the leanest one that could still
// serve the matcher, for BenchmarkWriterFloor: statements_speaker as the
// only index on statements (the duplicate check would need another way),
// the indexed terms kept in the statement row (the matcher reads them),
// and a contentless full-text index with FTS5's ascii tokenizer (the
// analysed terms are letters and digits, lower case). No store has it.
const leanSchema = `ALTER TABLE statements ADD COLUMN terms TEXT NOT NULL DEFAULT '';
DROP INDEX statements_speaker_key;
DROP TABLE statements_vocab;
DROP TABLE statements_fts;
CREATE VIRTUAL TABLE statements_fts USING fts5 (body, about, who, content = '', contentless_delete = 1, tokenize = 'ascii');`

// floorCase is what floorInserts writes: the statement rows, the
// full-text rows or both; lean when the store has leanSchema, where a
// statement row also holds its full-text row's terms.
type floorCase struct{ rows, fulltext, lean bool }

// floorInserts writes what c says, in one transaction with the import's
// page cache.
func floorInserts(ctx context.Context, db *DB, recs []benchRecord, fts []ftsRow, c floorCase) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	defer db.shrinkWriterCache(ctx)
	if _, err := tx.ExecContext(ctx, setCacheSize(importCacheKiB)); err != nil {
		return err
	}
	insert := qInsert
	if c.lean {
		insert = strings.Replace(strings.TrimSuffix(insert, ")"), "imported_by)", "imported_by, terms)", 1) + ", ?)"
	}
	ins, err := tx.PrepareContext(ctx, insert)
	if err != nil {
		return err
	}
	defer ins.Close()
	idx, err := tx.PrepareContext(ctx, `INSERT INTO statements_fts (rowid, body, about, who) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer idx.Close()
	now := db.Now().UTC().Format(time.RFC3339Nano)
	for i := range recs {
		r := &recs[i]
		id := int64(i + 1)
		if c.rows {
			args := append([]any{id}, statementArgsTopics(&r.rec.Statement, r.p.topics)...)
			args = append(args, now, now, "bench")
			if c.lean {
				args = append(args, fts[i].body+"\x1f"+fts[i].about+"\x1f"+fts[i].who)
			}
			if _, err := ins.ExecContext(ctx, args...); err != nil {
				return err
			}
		}
		if c.fulltext {
			if _, err := idx.ExecContext(ctx, id, fts[i].body, fts[i].about, fts[i].who); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}

// TestWriterFloorWritesWhatTheWriterDoes: the bare INSERTs that
// BenchmarkWriterFloor times leave the same statement rows and full-text
// rows as the writer does, so that the two are compared on the same work;
// in the lean schema, the full-text rows' terms are in the statement rows,
// and its contentless index finds the same statements.
func TestWriterFloorWritesWhatTheWriterDoes(t *testing.T) {
	ctx := context.Background()
	in := lines(0, 200, "Said first") + lines(0, 200, "Said next") +
		`{"speaker":"Ann Lee","speaker_role":"Mayor","speaker_aliases":["Mayor Lee"],"text":"Roads first.","topics":["roads","budget"],"context":"A council debate."}` + "\n" +
		`{"speaker":"Ann Lee","speaker_role":"Mayor","text":"Parks next.","kind":"paraphrase","said_on":"2024-05-01"}` + "\n"
	recs, err := readBenchRecords(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	dump := func(db *DB) (rows, fts string) {
		t.Helper()
		for _, q := range []struct {
			query string
			out   *string
		}{
			{`SELECT group_concat(id || '|' || speaker_id || '|' || speaker_role || '|' || text || '|' || kind || '|' || said_on || '|' || topics || '|' || context || '|' || imported_by, char(10)) FROM (SELECT * FROM statements ORDER BY id)`, &rows},
			{`SELECT group_concat(rowid || '|' || body || '|' || about || '|' || who, char(10)) FROM (SELECT rowid, * FROM statements_fts ORDER BY rowid)`, &fts},
		} {
			var s sql.NullString
			if err := db.write.QueryRowContext(ctx, q.query).Scan(&s); err != nil {
				t.Fatal(err)
			}
			*q.out = s.String
		}
		return rows, fts
	}

	byWriter := openTemp(t)
	part := cloneRecords(recs)
	if err := importRecords(ctx, byWriter, part); err != nil {
		t.Fatal(err)
	}
	wantRows, wantFTS := dump(byWriter)
	if n := strings.Count(wantRows, "\n") + 1; n != len(recs) {
		t.Fatalf("the writer wrote %d statements of %d", n, len(recs))
	}

	// A lean store's full-text rows are in its statement rows' terms: its
	// index is contentless.
	leanFTS := `SELECT group_concat(id || '|' || replace(terms, char(31), '|'), char(10)) FROM (SELECT id, terms FROM statements ORDER BY id)`
	matches := func(db *DB, term string) (n int) {
		t.Helper()
		if err := db.write.QueryRowContext(ctx, `SELECT count(*) FROM statements_fts WHERE statements_fts MATCH ?`, term).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, c := range []struct {
		name string
		floorCase
	}{
		{"both", floorCase{rows: true, fulltext: true}},
		{"rows", floorCase{rows: true}},
		{"fulltext", floorCase{fulltext: true}},
		{"lean", floorCase{rows: true, fulltext: true, lean: true}},
	} {
		db := openTemp(t)
		part := cloneRecords(recs)
		fts, err := floorSpeakers(ctx, db, part, c.floorCase)
		if err != nil {
			t.Fatal(err)
		}
		if err := floorInserts(ctx, db, part, fts, c.floorCase); err != nil {
			t.Fatal(err)
		}
		gotRows, gotFTS := dump(db)
		if c.lean {
			var s sql.NullString
			if err := db.write.QueryRowContext(ctx, leanFTS).Scan(&s); err != nil {
				t.Fatal(err)
			}
			gotFTS = s.String
			for _, term := range []string{"first", "speaker", "lee"} {
				want := matches(byWriter, term)
				if want == 0 {
					t.Fatalf("%q matches nothing in the writer's store: it tests nothing", term)
				}
				if got := matches(db, term); got != want {
					t.Errorf("lean: %q matches %d statements, want %d", term, got, want)
				}
			}
		}
		var want [2]string // nothing where the floor writes nothing
		if c.rows {
			want[0] = wantRows
		}
		if c.fulltext {
			want[1] = wantFTS
		}
		if gotRows != want[0] {
			t.Errorf("%s: statement rows\n%.300s\nwant\n%.300s", c.name, gotRows, want[0])
		}
		if gotFTS != want[1] {
			t.Errorf("%s: full-text rows\n%.300s\nwant\n%.300s", c.name, gotFTS, want[1])
		}
	}
}
