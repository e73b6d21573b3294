package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sort"
	"strings"

	"github.com/onrecord/onrecord/answers"
)

// Interface checks: the store is what the matcher reads from.
var _ answers.Index = (*DB)(nil)

const statementCols = `s.id, s.speaker_id, p.name, s.speaker_role, s.text, s.kind, s.said_on, s.said_when,
	s.topics, s.context, s.source_outlet, s.source_title, s.source_url, s.source_published_on,
	s.source_note, s.retired, s.rev, s.updated_at`

const statementFrom = ` FROM statements s JOIN speakers p ON p.id = s.speaker_id `

type scanner interface{ Scan(...any) error }

func scanStatement(row scanner, extra ...any) (*answers.Statement, error) {
	var st answers.Statement
	var kind, saidOn, topics, published, updated string
	dest := append([]any{&st.ID, &st.SpeakerID, &st.Speaker, &st.SpeakerRole, &st.Text, &kind,
		&saidOn, &st.SaidWhen, &topics, &st.Context, &st.Source.Outlet, &st.Source.Title,
		&st.Source.URL, &published, &st.Source.Note, &st.Retired, &st.Rev, &updated}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	st.Kind = answers.Kind(kind)
	st.SaidOn, _ = answers.ParseDate(saidOn)
	st.Source.PublishedOn, _ = answers.ParseDate(published)
	if err := json.Unmarshal([]byte(topics), &st.Topics); err != nil {
		return nil, fmt.Errorf("statement %d topics: %w", st.ID, err)
	}
	st.UpdatedAt, _ = parseTime(updated)
	return &st, nil
}

// Statement returns one statement by id, retired or not.
func (db *DB) Statement(ctx context.Context, id int64) (*answers.Statement, error) {
	st, err := scanStatement(db.read.QueryRowContext(ctx, `SELECT `+statementCols+statementFrom+` WHERE s.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, answers.Errorf(answers.ENotFound, "There is no statement #%d.", id)
	}
	return st, err
}

// Generation changes whenever speakers, statements or synonyms change.
func (db *DB) Generation(ctx context.Context) (int64, error) {
	var g int64
	err := db.read.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'generation'`).Scan(&g)
	return g, err
}

// Speakers lists every speaker with their aliases and live statement count,
// by name: the saved list when current (see stats.go), else listSpeakers.
func (db *DB) Speakers(ctx context.Context) ([]answers.Speaker, error) {
	tx, err := db.read.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	gen, err := generation(ctx, tx)
	if err != nil {
		return nil, err
	}
	if data := readStats(ctx, tx, statsSpeakers, gen); data != nil {
		if sps, err := decodeSpeakers(data); err == nil {
			return sps, nil
		}
	}
	sps, err := listSpeakers(ctx, tx)
	if err != nil {
		return nil, err
	}
	db.saveStats(statsSpeakers, gen, encodeSpeakers(sps))
	return sps, nil
}

// listSpeakers reads the speakers from their tables in flat reads joined
// here: a count per speaker through a correlated subquery (and aliases
// through another) cost 0.55 s at a million statements, against some
// 0.15 s for one pass over the speaker index and a sort of the names.
func listSpeakers(ctx context.Context, tx *sql.Tx) ([]answers.Speaker, error) {
	counts, err := countSpeakers(ctx, tx)
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, name, role FROM speakers`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]answers.Speaker, 0, len(counts)+16)
	at := make(map[int64]int, len(counts)+16)
	for rows.Next() {
		var sp answers.Speaker
		if err := rows.Scan(&sp.ID, &sp.Name, &sp.Role); err != nil {
			return nil, err
		}
		sp.Statements = counts[sp.ID]
		sp.Aliases = []string{}
		at[sp.ID] = len(out)
		out = append(out, sp)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	// The primary key's order: by speaker, then alias (binary collation).
	rows, err = tx.QueryContext(ctx, `SELECT speaker_id, alias FROM speaker_aliases ORDER BY speaker_id, alias`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var a string
		if err := rows.Scan(&id, &a); err != nil {
			return nil, err
		}
		if i, ok := at[id]; ok {
			out[i].Aliases = append(out[i].Aliases, a)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Sorted by index: swapping whole speakers took a fifth of the time.
	order := make([]int32, len(out))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return compareNoCase(out[a].Name, out[b].Name) })
	sorted := make([]answers.Speaker, len(out))
	for i, j := range order {
		sorted[i] = out[j]
	}
	return sorted, nil
}

// compareNoCase orders as SQLite's NOCASE collation does: bytes compared
// with ASCII letters folded to lower case, and nothing else folded.
func compareNoCase(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return int(x) - int(y)
		}
	}
	return len(a) - len(b)
}

// Synonyms returns the curated term groups.
func (db *DB) Synonyms(ctx context.Context) ([][]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT terms FROM synonyms ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		var js string
		var g []string
		if err := rows.Scan(&js); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(js), &g); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// quote makes a term or phrase an FTS5 string: never read as syntax.
func quote(t string) string { return `"` + strings.ReplaceAll(t, `"`, `""`) + `"` }

// ftsQuery builds an FTS5 MATCH expression from analysed term groups.
// Terms are quoted, so no user text is ever read as query syntax. A
// phrase with a word that is an alternative on its own is left out: it
// matches nothing more, and FTS5 reads positions to match a phrase
// ("usa govern" beside "usa" doubled the cost of a query at 100k).
func ftsQuery(groups [][]string) string {
	var alts []string
	seen := map[string]bool{}
	for _, g := range groups {
		for _, t := range g {
			if !strings.ContainsAny(t, " *") {
				seen[t] = true
			}
		}
	}
	for _, g := range groups {
		for _, t := range g {
			words := strings.Fields(t)
			if len(words) == 0 || seen[t+"\x00"] || slices.ContainsFunc(words, func(w string) bool { return len(words) > 1 && seen[w] }) {
				continue
			}
			seen[t+"\x00"] = true
			prefix := ""
			if strings.HasSuffix(t, "*") {
				prefix = "*"
				words[len(words)-1] = strings.TrimSuffix(words[len(words)-1], "*")
			}
			alts = append(alts, quote(strings.Join(words, " "))+prefix)
		}
	}
	return strings.Join(alts, " OR ")
}

// SpeakerStatements returns a speaker's live statements, newest first.
func (db *DB) SpeakerStatements(ctx context.Context, speakerID int64, limit int) ([]answers.Statement, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+statementCols+statementFrom+`
		WHERE s.speaker_id = ? AND s.retired = 0 ORDER BY s.said_on DESC, s.id LIMIT ?`, speakerID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []answers.Statement
	for rows.Next() {
		st, err := scanStatement(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *st)
	}
	return out, rows.Err()
}

// ImportResult counts what an import changed.
type ImportResult = answers.ImportResult

// Import reads JSON Lines records and writes them in one transaction: a
// record whose id exists updates that statement, one without an id that
// repeats a speaker's existing text changes nothing, any other is added.
// A bad line rejects the whole file and nothing is written.
//
// The input is read once, streaming, so that however large it is,
// neither its records nor its bytes are held in memory: lines are decoded
// and validated on other goroutines while the writer waits on SQLite, and
// a bad line rolls back what the lines before it wrote. (A first pass
// that validated the whole file before the transaction began cost a
// tenth of an import's time, the file read twice and a pipe copied
// aside, to spare a rejected file a rollback.)
func (db *DB) Import(ctx context.Context, r io.Reader, actor string) (ImportResult, error) {
	workers := runtime.GOMAXPROCS(0)
	res, err := db.importWith(ctx, actor, "line", func(put func(int, *answers.Record, *prepared) error) error {
		return answers.ReadRecords(ctx, r, workers, prepare, func(line int, rec *answers.Record, p prepared) error {
			return put(line, rec, &p)
		})
	})
	if err == nil && res.Added+res.Updated > 0 {
		// The import is committed: a failed merge loses nothing and is
		// not the import's failure, so it is not reported as one.
		_ = db.optimizeIfDue(ctx)
	}
	return res, err
}

// Imports leave the full-text index in many segments; merging them
// (Optimize) makes questions several times faster, but rewrites the
// whole index. An import merges it once imports since the last merge
// have written at least OptimizeAfter statements and at least
// 1/optimizeShare of the store: the rewrites then add up to a few times
// the store's size however it was filled (a million statements in
// 50,000-line files spent a fifth of their import time rewriting the
// index after every file), and at most a quarter of the index is left in
// the segments FTS5's automerge keeps.
const (
	OptimizeAfter = 10_000
	optimizeShare = 4
)

// optimizeIfDue merges the full-text index when imports have written
// enough since the last merge (see OptimizeAfter).
func (db *DB) optimizeIfDue(ctx context.Context) error {
	var unmerged, total int64
	err := db.write.QueryRowContext(ctx, `SELECT
		COALESCE((SELECT value FROM meta WHERE key = 'unmerged'), 0),
		(SELECT COALESCE(MAX(id), 0) FROM statements)`).Scan(&unmerged, &total)
	if err != nil || unmerged < OptimizeAfter || unmerged*optimizeShare < total {
		return err
	}
	return db.Optimize(ctx)
}

// ImportRecords writes already parsed records, as Import does.
func (db *DB) ImportRecords(ctx context.Context, recs []answers.Record, actor string) (ImportResult, error) {
	return db.importWith(ctx, actor, "record", func(put func(int, *answers.Record, *prepared) error) error {
		for i := range recs {
			if err := put(i+1, &recs[i], nil); err != nil {
				return err
			}
		}
		return nil
	})
}

// importWith writes the records feed hands to put in one transaction;
// unit names what put's number counts in an error.
func (db *DB) importWith(ctx context.Context, actor, unit string, feed func(put func(int, *answers.Record, *prepared) error) error) (ImportResult, error) {
	var res ImportResult
	tx, err := db.begin(ctx)
	if err != nil {
		return res, err
	}
	if db.ImportCacheKiB > writerCacheKiB {
		defer db.shrinkWriterCache(ctx)
	}
	defer tx.Rollback()
	if db.ImportCacheKiB > writerCacheKiB {
		if _, err := tx.ExecContext(ctx, setCacheSize(db.ImportCacheKiB)); err != nil {
			return res, err
		}
	}
	w := newLazyWriter(tx)
	defer w.close()
	w.deferIndex = true // see flushIndex
	err = feed(func(n int, rec *answers.Record, p *prepared) error {
		change, err := w.putPrepared(ctx, rec, p, actor, importAction)
		if err != nil {
			return answers.Wrap(err, "%s %d", unit, n)
		}
		switch change {
		case added:
			res.Added++
		case updated:
			res.Updated++
		default:
			res.Unchanged++
		}
		return nil
	})
	if err != nil {
		return ImportResult{}, err
	}
	if err := w.reindexSpeakers(ctx); err != nil {
		return ImportResult{}, err
	}
	if err := w.flushIndex(ctx); err != nil {
		return ImportResult{}, err
	}
	if res.Added+res.Updated > 0 {
		if err := tx.audit(ctx, actor, "import", "", res.String()); err != nil {
			return ImportResult{}, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('unmerged', ?)
			ON CONFLICT (key) DO UPDATE SET value = value + excluded.value`, res.Added+res.Updated); err != nil {
			return ImportResult{}, err
		}
	}
	return res, tx.Commit()
}

// shrinkWriterCache gives the writer's page cache back its size after an
// import (see importCacheKiB); SQLite frees the pages above it. The writer
// has one connection, free again once the import's transaction is over.
// A failure leaves the larger cache, which costs memory and loses nothing.
func (db *DB) shrinkWriterCache(ctx context.Context) {
	_, _ = db.write.ExecContext(context.WithoutCancel(ctx), setCacheSize(writerCacheKiB))
}

// Export writes every statement, retired ones included, as JSON Lines in
// id order: the format Import reads, so that a round trip loses nothing.
func (db *DB) Export(ctx context.Context, w io.Writer) error {
	aliases, err := db.aliasesBySpeaker(ctx)
	if err != nil {
		return err
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+statementCols+statementFrom+` ORDER BY s.id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for rows.Next() {
		st, err := scanStatement(rows)
		if err != nil {
			return err
		}
		if err := enc.Encode(answers.Record{Statement: *st, SpeakerAliases: aliases[st.SpeakerID]}); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (db *DB) aliasesBySpeaker(ctx context.Context) (map[int64][]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT speaker_id, alias FROM speaker_aliases ORDER BY speaker_id, alias`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[int64][]string{}
	for rows.Next() {
		var id int64
		var a string
		if err := rows.Scan(&id, &a); err != nil {
			return nil, err
		}
		m[id] = append(m[id], a)
	}
	return m, rows.Err()
}

// AddSynonyms stores a group of interchangeable terms and returns its id.
func (db *DB) AddSynonyms(ctx context.Context, terms []string, actor string) (int64, error) {
	var clean []string
	seen := map[string]bool{}
	for _, t := range terms {
		t = strings.ToLower(strings.Join(strings.Fields(t), " "))
		if t != "" && !seen[t] {
			seen[t] = true
			clean = append(clean, t)
		}
	}
	if len(clean) < 2 {
		return 0, answers.Errorf(answers.EInvalid, "A synonym group needs at least two different terms.")
	}
	sort.Strings(clean)
	js, _ := json.Marshal(clean)
	tx, err := db.begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO synonyms (terms) VALUES (?)`, string(js))
	if err != nil {
		return 0, err
	}
	id, _ := res.LastInsertId()
	tx.touch()
	if err := tx.audit(ctx, actor, "synonyms.add", fmt.Sprintf("synonyms %d", id), strings.Join(clean, " / ")); err != nil {
		return 0, err
	}
	return id, tx.Commit()
}

func (tx *Tx) audit(ctx context.Context, actor, action, target, detail string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO audit (actor, action, target, detail, created_at) VALUES (?, ?, ?, ?, ?)`,
		actor, action, target, detail, tx.now)
	return err
}
