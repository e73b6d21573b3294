package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/onrecord/onrecord/answers"
)

type change int

const (
	unchanged change = iota
	added
	updated
)

// writer writes statements inside one transaction with prepared
// statements, so that a large import costs one parse per query.
type writer struct {
	tx       *Tx
	speakers map[string]*speakerRow // by lower-case name
	byID     map[int64]*speakerRow
	stale    map[int64]bool // speakers whose "who" index text changed
	stmts    map[string]*sql.Stmt
	// terms caches the analysed index text of strings that repeat from
	// statement to statement (a speaker's names, topics, contexts), so
	// that a large import analyses each once. Bounded: see cacheTerms.
	terms map[string]string
	// deferIndex queues full-text rows in pending, to be written by
	// flushIndex in runs of maxPendingIndex and at the end of an import.
	// FTS5 flushes its in-memory segment at every statement savepoint,
	// which inserts into statements or revisions may open: rows written
	// in between could each become a tiny segment to merge.
	deferIndex bool
	pending    map[int64]ftsRow
	order      []int64
	// nextID is the id SQLite gives the next statement inserted without
	// one (the largest id plus one), or 0 until needed: a record whose id
	// is at least that cannot exist yet, and is inserted without a look.
	nextID int64
	// live holds a hash of (speaker, text) of every live statement this
	// transaction wrote. A speaker created in this transaction has no
	// other statements, so a text missing from live cannot repeat one of
	// theirs, and the duplicate query is skipped. A hit is only a maybe:
	// the query decides.
	live     keyFilter
	liveSeed maphash.Seed
	// all is set when every speaker is loaded (newWriter); a lazy writer
	// (newLazyWriter) loads them as needed, counting them in fetched
	// and remembering in missing the names that are not in the table.
	all     bool
	fetched int
	lookups int
	missing map[string]bool
}

// maxLookups is how many speakers a lazy writer looks up by name before
// it loads them all.
const maxLookups = 1000

// ftsRow is a statement's full-text row: analysed body, topics and
// context, and who said it.
type ftsRow struct{ body, about, who string }

type speakerRow struct {
	id      int64
	name    string
	role    string
	aliases aliasSet
	// loaded marks a speaker who existed before this transaction, and
	// indexed one with statements indexed in it: when their aliases
	// change, those statements' "who" terms must be refreshed. A speaker
	// created by an import gets every alias before their first statement
	// is indexed, and needs no second pass.
	loaded, indexed bool
	// key caches whoKey, which an import would otherwise sort and join
	// for every statement. It is valid while name, role and the number of
	// aliases are what keyFor says: moderation changes those fields
	// directly, each change in a transaction (and a writer) of its own.
	key    string
	keyFor struct {
		name, role string
		aliases    int
	}
}

// aliasSet is a speaker's aliases. A speaker has a few, and a slice takes
// a fraction of a map's memory when an import loads 50,000 speakers.
type aliasSet []string

func (s aliasSet) has(a string) bool { return slices.Contains(s, a) }

func (s *aliasSet) add(a string) {
	if !s.has(a) {
		*s = append(*s, a)
	}
}

func (s *aliasSet) remove(a string) {
	*s = slices.DeleteFunc(*s, func(x string) bool { return x == a })
}

// whoKey lists what the "who" index text is made of, in a stable order.
func (s *speakerRow) whoKey() string {
	if s.key != "" && s.keyFor.name == s.name && s.keyFor.role == s.role && s.keyFor.aliases == len(s.aliases) {
		return s.key
	}
	s.key = s.makeWhoKey()
	s.keyFor.name, s.keyFor.role, s.keyFor.aliases = s.name, s.role, len(s.aliases)
	return s.key
}

func (s *speakerRow) makeWhoKey() string {
	parts := make([]string, 0, 2+len(s.aliases))
	for _, a := range s.aliases {
		parts = append(parts, a)
	}
	sort.Strings(parts)
	return s.name + "\x00" + s.role + "\x00" + strings.Join(parts, "\x00")
}

// indexText is answers.IndexText of the parts joined by NUL, through the
// writer's cache.
func (w *writer) indexText(key string) string {
	if t, ok := w.terms[key]; ok {
		return t
	}
	t := answers.IndexText(strings.Split(key, "\x00")...)
	if len(w.terms) < maxCachedTerms {
		w.terms[key] = t
	}
	return t
}

// maxCachedTerms bounds the writer's cache of analysed strings.
const maxCachedTerms = 1 << 14

// qAllSpeakers reads every speaker with each alias (or NULL), for
// loadSpeakers; fetchSpeaker adds a condition on the name.
const qAllSpeakers = `SELECT p.id, p.name, p.role, a.alias FROM speakers p LEFT JOIN speaker_aliases a ON a.speaker_id = p.id`

func newWriter(ctx context.Context, tx *Tx) (*writer, error) {
	w := newLazyWriter(tx)
	w.all = true
	return w, w.loadSpeakers(ctx, qAllSpeakers)
}

// newLazyWriter is a writer that loads speakers as records name them
// (see speakerKeyed), for an import: with 50,000 speakers and their
// aliases, loading them all held some 20 MB (40 MB of heap by the time
// the collector runs) for the few an import of one file touches.
// Moderation, which resolves aliases over all speakers, loads them all.
func newLazyWriter(tx *Tx) *writer {
	return &writer{tx: tx, speakers: map[string]*speakerRow{}, byID: map[int64]*speakerRow{}, stale: map[int64]bool{}, stmts: map[string]*sql.Stmt{}, terms: map[string]string{},
		liveSeed: maphash.MakeSeed()}
}

// loadSpeakers adds the speakers a query returns (id, name, role, alias
// or NULL) to those loaded. The query is prepared once per writer: a lazy
// writer runs it for every new name an import meets, thousands of times,
// and preparing it each time cost more than running it.
func (w *writer) loadSpeakers(ctx context.Context, query string, args ...any) error {
	s, err := w.prepare(ctx, query)
	if err != nil {
		return err
	}
	rows, err := s.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name, role string
		var alias sql.NullString
		if err := rows.Scan(&id, &name, &role, &alias); err != nil {
			return err
		}
		sp := w.byID[id]
		if sp == nil {
			sp = &speakerRow{id: id, name: name, role: role, loaded: true}
			w.fetched++
			w.byID[id] = sp
			w.speakers[strings.ToLower(name)] = sp
		}
		if alias.Valid {
			sp.aliases.add(alias.String)
		}
	}
	return rows.Err()
}

func (w *writer) close() {
	for _, s := range w.stmts {
		s.Close()
	}
}

// exec runs a write through the writer's prepared statements. Every
// write the writer makes is to the catalogue the matcher caches.
func (w *writer) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	w.tx.touch()
	s, err := w.prepare(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

// queryRow is QueryRowContext through the writer's prepared statements.
func (w *writer) queryRow(ctx context.Context, query string, args ...any) (*sql.Row, error) {
	s, err := w.prepare(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryRowContext(ctx, args...), nil
}

func (w *writer) prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	s, ok := w.stmts[query]
	if !ok {
		var err error
		if s, err = w.tx.PrepareContext(ctx, query); err != nil {
			return nil, err
		}
		w.stmts[query] = s
	}
	return s, nil
}

// speaker finds a speaker by name, creating them when new, and adds
// aliases.
func (w *writer) speaker(ctx context.Context, name, role string, aliases []string) (*speakerRow, error) {
	return w.speakerKeyed(ctx, strings.ToLower(name), name, role, aliases)
}

// fetchSpeaker loads the speaker whose lower-case name is key, if there
// is one, for a lazy writer. The speakers_name index compares with
// NOCASE, which folds ASCII letters only, as strings.ToLower does for an
// ASCII key; for any other key the writer loads every speaker once. So it
// does after maxLookups lookups: a large import meets most speakers sooner
// or later, and in a large store a lookup often misses the page cache the
// import's writes keep filling (about 20 us each at a million statements,
// where 50,000-line files each met 30,000 of 50,000 speakers and the
// lookups took a fifth of the import; loading all of them takes 0.25 s).
func (w *writer) fetchSpeaker(ctx context.Context, key string) error {
	ascii := true
	for i := 0; i < len(key); i++ {
		ascii = ascii && key[i] < 0x80
	}
	if w.missing[key] {
		return nil
	}
	if w.lookups++; !ascii || w.lookups > maxLookups {
		w.all = true
		return w.loadSpeakers(ctx, qAllSpeakers)
	}
	before := w.fetched
	err := w.loadSpeakers(ctx, qAllSpeakers+` WHERE p.name = ? COLLATE NOCASE`, key)
	if err == nil && w.fetched == before {
		if w.missing == nil {
			w.missing = map[string]bool{}
		}
		w.missing[key] = true
	}
	return err
}

// speakerKeyed is speaker with the name already in lower case.
func (w *writer) speakerKeyed(ctx context.Context, key, name, role string, aliases []string) (*speakerRow, error) {
	sp := w.speakers[key]
	if sp == nil && !w.all {
		if err := w.fetchSpeaker(ctx, key); err != nil {
			return nil, err
		}
		sp = w.speakers[key]
	}
	if sp == nil {
		res, err := w.exec(ctx, `INSERT INTO speakers (name, role, created_at, updated_at) VALUES (?, ?, ?, ?)`, name, role, w.tx.now, w.tx.now)
		if err != nil {
			return nil, err
		}
		id, _ := res.LastInsertId()
		sp = &speakerRow{id: id, name: name, role: role}
		w.speakers[key] = sp
		w.byID[id] = sp
	}
	for _, a := range aliases {
		a = oneSpaced(a)
		if a == "" || sp.aliases.has(a) {
			continue
		}
		if _, err := w.exec(ctx, `INSERT OR IGNORE INTO speaker_aliases (speaker_id, alias) VALUES (?, ?)`, sp.id, a); err != nil {
			return nil, err
		}
		sp.aliases.add(a)
		sp.key = ""
		if sp.loaded || sp.indexed {
			w.stale[sp.id] = true
		}
	}
	return sp, nil
}

// prepared is the work on a record that depends on nothing but the
// record, done before it reaches the writer: an import does it on other
// goroutines while the writer waits on SQLite.
type prepared struct {
	speaker     string // the speaker's name in lower case (see speaker)
	body, about string // analysed full-text columns (see indexNew)
	topics      string // the topics column (see statementArgs)
}

// prepare does that work. It is safe to call from any goroutine.
func prepare(rec *answers.Record) prepared {
	p := prepared{speaker: strings.ToLower(rec.Speaker)}
	for i, a := range rec.SpeakerAliases {
		rec.SpeakerAliases[i] = oneSpaced(a)
	}
	if !rec.Retired {
		p.body = answers.IndexText(rec.Text)
		p.about = answers.IndexText(append(slices.Clip(rec.Topics), rec.Context)...)
	}
	p.topics = topicsJSON(rec.Topics)
	return p
}

// put writes one record: an update when its id exists, else an insert
// (unless the speaker already has a live statement with the same text).
func (w *writer) put(ctx context.Context, rec *answers.Record, actor, action string) (change, error) {
	return w.putPrepared(ctx, rec, nil, actor, action)
}

// putPrepared is put with prepare's work on rec, when p is not nil.
func (w *writer) putPrepared(ctx context.Context, rec *answers.Record, p *prepared, actor, action string) (change, error) {
	var sp *speakerRow
	var err error
	if p != nil {
		sp, err = w.speakerKeyed(ctx, p.speaker, rec.Speaker, rec.SpeakerRole, rec.SpeakerAliases)
	} else {
		sp, err = w.speaker(ctx, rec.Speaker, rec.SpeakerRole, rec.SpeakerAliases)
	}
	if err != nil {
		return 0, err
	}
	rec.SpeakerID = sp.id
	var old *answers.Statement
	if rec.ID > 0 {
		fresh, err := w.unused(ctx, rec.ID)
		if err != nil {
			return 0, err
		}
		if !fresh {
			row, err := w.queryRow(ctx, `SELECT `+statementCols+statementFrom+` WHERE s.id = ?`, rec.ID)
			if err != nil {
				return 0, err
			}
			old, err = scanStatement(row)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return 0, err
			}
		}
	} else if dup, err := w.repeats(ctx, sp, rec.Text); err != nil {
		return 0, err
	} else if dup {
		return unchanged, nil
	}
	if old != nil {
		if sameStatement(old, &rec.Statement) {
			return unchanged, nil
		}
		rec.Rev = old.Rev + 1
		if err := w.update(ctx, &rec.Statement, old); err != nil {
			return 0, err
		}
		return updated, w.revise(ctx, rec, "edit", actor)
	}
	rec.Rev = 1
	by := ""
	if action == importAction {
		by = actor
	}
	if err := w.insert(ctx, &rec.Statement, p, by); err != nil {
		return 0, err
	}
	switch {
	case rec.Speaker != sp.name:
		// The record named its speaker otherwise: the data keeps the name.
		return added, w.revise(ctx, rec, action, actor)
	case by != "":
		// The row says all the revision would, and who imported it
		// (see firstRevision).
		return added, nil
	}
	return added, w.writeRevision(ctx, rec.ID, 1, "", action, actor)
}

// importAction is the action of a revision an import writes. A statement
// it inserts records who imported it instead (imported_by), and its first
// revision, listed by statement_revisions with this action, has no row.
const importAction = "import"

// unused reports whether no statement can have this id yet: it is past
// every id in the table, including those this transaction gave.
func (w *writer) unused(ctx context.Context, id int64) (bool, error) {
	if w.nextID == 0 {
		row, err := w.queryRow(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM statements`)
		if err != nil {
			return false, err
		}
		if err := row.Scan(&w.nextID); err != nil {
			return false, err
		}
	}
	return id >= w.nextID, nil
}

// repeats reports whether the speaker already has a live statement with
// exactly this text. (Asked inside the insert, as INSERT ... SELECT ...
// WHERE NOT EXISTS, the check made every insert open a statement journal:
// each page the insert changed was copied into it first, which cost more
// than the separate query saved.)
func (w *writer) repeats(ctx context.Context, sp *speakerRow, text string) (bool, error) {
	if !w.live.has(w.liveKey(sp.id, text)) && !sp.loaded {
		return false, nil
	}
	row, err := w.queryRow(ctx, qRepeats, sp.id, text)
	if err != nil {
		return false, err
	}
	var id int64
	if err := row.Scan(&id); errors.Is(err, sql.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return true, nil
}

// qRepeats finds a live statement of the speaker (?1) with the text (?2).
// The length and substr terms let SQLite use statements_speaker_key
// (migration 0009) instead of reading every statement of a prolific
// speaker: they rule out nearly every other statement of the speaker
// without reading its row.
const qRepeats = `SELECT id FROM statements
	WHERE speaker_id = ?1 AND length(text) = length(?2) AND substr(text, 1, 12) = substr(?2, 1, 12) AND text = ?2 AND retired = 0 LIMIT 1`

func (w *writer) liveKey(speakerID int64, text string) uint64 {
	return maphash.String(w.liveSeed, text) ^ uint64(speakerID)*0x9e3779b97f4a7c15
}

// wrote keeps track of what a statement now is, for unused and repeats.
func (w *writer) wrote(st *answers.Statement) {
	if w.nextID > 0 { // else unused reads it when needed
		w.nextID = max(w.nextID, st.ID+1)
	}
	if !st.Retired {
		w.live.add(w.liveKey(st.SpeakerID, st.Text))
	}
}

// sameStatement compares what a record can say about a statement.
func sameStatement(a, b *answers.Statement) bool {
	x, y := *a, *b
	for _, s := range []*answers.Statement{&x, &y} {
		s.Rev, s.UpdatedAt = 0, time.Time{}
		if len(s.Topics) == 0 {
			s.Topics = nil
		}
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return string(ja) == string(jb) && a.SpeakerID == b.SpeakerID
}

func statementArgs(st *answers.Statement) []any {
	return statementArgsTopics(st, topicsJSON(st.Topics))
}

// topicsJSON is the topics column.
func topicsJSON(topics []string) string {
	if topics == nil {
		topics = []string{}
	}
	js, _ := json.Marshal(topics)
	return string(js)
}

// statementArgsTopics is statementArgs with the topics column given.
func statementArgsTopics(st *answers.Statement, topics string) []any {
	return []any{st.SpeakerID, st.SpeakerRole, st.Text, string(st.Kind), st.SaidOn.String(), st.SaidWhen, topics,
		st.Context, st.Source.Outlet, st.Source.Title, st.Source.URL, st.Source.PublishedOn.String(), st.Source.Note,
		st.Retired, st.Rev}
}

// insert writes a new statement and queues its full-text row. by, when
// not empty, is who imported it.
func (w *writer) insert(ctx context.Context, st *answers.Statement, p *prepared, by string) error {
	var id any
	if st.ID > 0 {
		id = st.ID
	}
	var args []any
	if p != nil {
		args = statementArgsTopics(st, p.topics)
	} else {
		args = statementArgs(st)
	}
	res, err := w.exec(ctx, qInsert, append(append([]any{id}, args...), w.tx.now, w.tx.now, by)...)
	if err != nil {
		return err
	}
	if st.ID, err = res.LastInsertId(); err != nil {
		return err
	}
	w.wrote(st)
	return w.indexNew(ctx, st, p)
}

// qInsert inserts a statement: its id, the values of statementArgs, the
// time twice (created and updated) and who imported it. The parameters
// are anonymous: the driver reads back the name of a numbered one, an
// allocation each, for every statement an import writes.
const qInsert = `INSERT INTO statements (id, speaker_id, speaker_role, text, kind, said_on, said_when, topics, context,
	source_outlet, source_title, source_url, source_published_on, source_note, retired, rev, created_at, updated_at, imported_by)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// update writes st over old, the statement as it stands.
func (w *writer) update(ctx context.Context, st, old *answers.Statement) error {
	if old.Rev == 1 {
		if err := w.keepFirstRevision(ctx, old); err != nil {
			return err
		}
	}
	_, err := w.exec(ctx, `UPDATE statements SET speaker_id = ?, speaker_role = ?, text = ?, kind = ?, said_on = ?, said_when = ?,
		topics = ?, context = ?, source_outlet = ?, source_title = ?, source_url = ?, source_published_on = ?, source_note = ?,
		retired = ?, rev = ?, updated_at = ? WHERE id = ?`,
		append(statementArgs(st), w.tx.now, st.ID)...)
	if err != nil {
		return err
	}
	w.wrote(st)
	return w.index(ctx, st)
}

// index keeps the full-text row of a statement in step with it: present
// with fresh terms while live, absent once retired.
func (w *writer) index(ctx context.Context, st *answers.Statement) error {
	if _, err := w.exec(ctx, `DELETE FROM statements_fts WHERE rowid = ?`, st.ID); err != nil {
		return err
	}
	delete(w.pending, st.ID)
	return w.indexNew(ctx, st, nil)
}

// indexNew writes the full-text row of a statement that has none yet: a
// row just inserted needs no delete first, which FTS5 makes costly. p,
// when not nil, holds the analysed body and about columns.
func (w *writer) indexNew(ctx context.Context, st *answers.Statement, p *prepared) error {
	if st.Retired {
		return nil
	}
	sp := w.byID[st.SpeakerID]
	if sp == nil {
		return fmt.Errorf("statement %d: speaker %d not loaded", st.ID, st.SpeakerID)
	}
	sp.indexed = true
	row := ftsRow{who: w.indexText(sp.whoKey() + "\x00" + st.SpeakerRole)}
	if p != nil {
		row.body, row.about = p.body, p.about
	} else {
		row.body = answers.IndexText(st.Text)
		row.about = w.indexText(strings.Join(append(slices.Clip(st.Topics), st.Context), "\x00"))
	}
	if w.deferIndex {
		if w.pending == nil {
			w.pending = map[int64]ftsRow{}
		}
		if _, ok := w.pending[st.ID]; !ok {
			w.order = append(w.order, st.ID)
		}
		w.pending[st.ID] = row
		if len(w.order) >= maxPendingIndex {
			return w.flushIndex(ctx)
		}
		return nil
	}
	return w.writeIndex(ctx, st.ID, row)
}

func (w *writer) writeIndex(ctx context.Context, id int64, row ftsRow) error {
	_, err := w.exec(ctx, `INSERT INTO statements_fts (rowid, body, about, who) VALUES (?, ?, ?, ?)`,
		id, row.body, row.about, row.who)
	return err
}

// maxPendingIndex bounds the full-text rows an import queues, and so its
// memory however large the file; each flush becomes one FTS5 segment,
// which automerge folds with the others as they accumulate.
const maxPendingIndex = 4096

// flushIndex writes the queued full-text rows; an import calls it when
// the queue is full and last, before it commits.
func (w *writer) flushIndex(ctx context.Context) error {
	for _, id := range w.order {
		// An id can be in order twice: index drops a queued row and
		// indexNew queues it again. Written once, it leaves pending.
		if row, ok := w.pending[id]; ok {
			if err := w.writeIndex(ctx, id, row); err != nil {
				return err
			}
			delete(w.pending, id)
		}
	}
	clear(w.pending)
	w.order = w.order[:0]
	return nil
}

// statements reads the statements a query in the transaction selects
// (statementCols), all of them before the caller writes anything.
func (w *writer) statements(ctx context.Context, query string, args ...any) ([]*answers.Statement, error) {
	rows, err := w.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var sts []*answers.Statement
	for rows.Next() {
		st, err := scanStatement(rows)
		if err != nil {
			return nil, err
		}
		sts = append(sts, st)
	}
	return sts, rows.Err()
}

// reindexSpeakers refreshes the "who" terms of the statements of every
// speaker whose name, role or aliases changed in this transaction.
func (w *writer) reindexSpeakers(ctx context.Context) error {
	for id := range w.stale {
		sts, err := w.statements(ctx, `SELECT `+statementCols+statementFrom+` WHERE s.speaker_id = ? AND s.retired = 0`, id)
		if err != nil {
			return err
		}
		for _, st := range sts {
			if err := w.index(ctx, st); err != nil {
				return err
			}
		}
	}
	clear(w.stale)
	return nil
}

// revise records the statement as it now stands.
func (w *writer) revise(ctx context.Context, rec *answers.Record, action, actor string) error {
	data, err := revisionData(&rec.Statement)
	if err != nil {
		return err
	}
	return w.writeRevision(ctx, rec.ID, rec.Rev, data, action, actor)
}

func (w *writer) writeRevision(ctx context.Context, id int64, rev int, data, action, actor string) error {
	_, err := w.exec(ctx, `INSERT INTO revisions (statement_id, rev, data, action, actor, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		id, rev, data, action, actor, w.tx.now)
	return err
}

// A statement's first revision may leave its data empty: while the
// statement is at revision 1 and its speaker keeps their name, the row
// and the speaker's name say exactly what the data would (revisionData of
// the statement as scanStatement reads it), and an import of a million
// statements does not write every record twice. An imported statement's
// first revision has no row at all (migration 0010): the statement's
// imported_by and created_at say who imported it and when, and the view
// statement_revisions lists it with the rows. The writer writes the data
// out before anything changes that: keepFirstRevision before a statement
// at revision 1 is updated, keepFirstRevisions before a speaker is
// renamed. Triggers (migrations 0005 and 0010) refuse any change that
// would lose it. History and Revert read statement_revisions through
// firstRevision.
//
// The first revision keeps its data when the record named its speaker
// otherwise than the speaker's name (another case): the data keeps the
// name as the record gave it.

// firstRevision is the data of a revision, given the statement it belongs
// to as it stands (read in the same query, so from the same snapshot).
func firstRevision(data string, st *answers.Statement) (string, error) {
	if data != "" {
		return data, nil
	}
	if st.Rev != 1 {
		return "", fmt.Errorf("statement %d: revision 1 has no data but the statement is at revision %d", st.ID, st.Rev)
	}
	return revisionData(st)
}

// keepFirstRevision writes out the first revision's data of old, a
// statement at revision 1 as it stands, if it was left empty or, for an
// imported statement, has no row at all.
func (w *writer) keepFirstRevision(ctx context.Context, old *answers.Statement) error {
	data, err := revisionData(old)
	if err != nil {
		return err
	}
	_, err = w.exec(ctx, qKeepFirstRevision, data, old.ID)
	return err
}

// qKeepFirstRevision writes the data (?1) of the first revision of a
// statement (?2) if it is left to the row: into its row if it has one,
// else into a new one.
const qKeepFirstRevision = `INSERT INTO revisions (statement_id, rev, data, action, actor, created_at)
	SELECT statement_id, rev, ?1, action, actor, created_at FROM statement_revisions WHERE statement_id = ?2 AND rev = 1 AND data = ''
	ON CONFLICT (statement_id, rev) DO UPDATE SET data = excluded.data`

// qFirstRevisionsLeft lists the statements of a speaker (?1) whose first
// revision is left to the row. Not through statement_revisions: joined to
// it, SQLite reads the whole view instead of seeking it statement by
// statement.
const qFirstRevisionsLeft = `SELECT ` + statementCols + statementFrom + ` WHERE s.speaker_id = ?1 AND s.rev = 1 AND (
	EXISTS (SELECT 1 FROM revisions r WHERE r.statement_id = s.id AND r.rev = 1 AND r.data = '')
	OR (s.imported_by <> '' AND NOT EXISTS (SELECT 1 FROM revisions r WHERE r.statement_id = s.id AND r.rev = 1)))`

// keepFirstRevisions writes out every first revision left to the row of a
// speaker's statements, before the speaker's name changes.
func (w *writer) keepFirstRevisions(ctx context.Context, speakerID int64) error {
	sts, err := w.statements(ctx, qFirstRevisionsLeft, speakerID)
	if err != nil {
		return err
	}
	for _, st := range sts {
		if err := w.keepFirstRevision(ctx, st); err != nil {
			return err
		}
	}
	return nil
}

// revisionData is the JSON of the statement a revision keeps. It leaves
// out the id, which the revision row holds already (History and Revert
// take it from there), so that the data depends on the record alone and
// an import can marshal it before the statement has an id.
func revisionData(st *answers.Statement) (string, error) {
	c := *st
	c.ID = 0
	js, err := json.Marshal(answers.Record{Statement: c})
	if err != nil {
		return "", err
	}
	return "{" + strings.TrimPrefix(string(js[1:]), `"id":0,`), nil
}

// oneSpaced is strings.Join(strings.Fields(s), " "), without the two
// allocations when s is already so, as names nearly always are.
func oneSpaced(s string) string {
	space := true // a space at the start would be leading
	for i := 0; i < len(s); i++ {
		c := s[i]
		isSpace := c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
		if c >= 0x80 || (isSpace && (space || c != ' ')) {
			// Non-ASCII (which has spaces of its own), a tab, a double
			// or leading space: the long way.
			return strings.Join(strings.Fields(s), " ")
		}
		space = isSpace
	}
	if space && s != "" {
		return strings.Join(strings.Fields(s), " ")
	}
	return s
}

func parseTime(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }
