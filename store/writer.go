package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
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
}

type speakerRow struct {
	id      int64
	name    string
	role    string
	aliases map[string]bool
}

func (s *speakerRow) who() string {
	parts := []string{s.name, s.role}
	for a := range s.aliases {
		parts = append(parts, a)
	}
	return answers.IndexText(parts...)
}

func newWriter(ctx context.Context, tx *Tx) (*writer, error) {
	w := &writer{tx: tx, speakers: map[string]*speakerRow{}, byID: map[int64]*speakerRow{}, stale: map[int64]bool{}, stmts: map[string]*sql.Stmt{}}
	rows, err := tx.QueryContext(ctx, `SELECT p.id, p.name, p.role, a.alias FROM speakers p LEFT JOIN speaker_aliases a ON a.speaker_id = p.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name, role string
		var alias sql.NullString
		if err := rows.Scan(&id, &name, &role, &alias); err != nil {
			return nil, err
		}
		sp := w.byID[id]
		if sp == nil {
			sp = &speakerRow{id: id, name: name, role: role, aliases: map[string]bool{}}
			w.byID[id] = sp
			w.speakers[strings.ToLower(name)] = sp
		}
		if alias.Valid {
			sp.aliases[alias.String] = true
		}
	}
	return w, rows.Err()
}

func (w *writer) close() {
	for _, s := range w.stmts {
		s.Close()
	}
}

func (w *writer) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, ok := w.stmts[query]
	if !ok {
		var err error
		if s, err = w.tx.PrepareContext(ctx, query); err != nil {
			return nil, err
		}
		w.stmts[query] = s
	}
	return s.ExecContext(ctx, args...)
}

// speaker finds a speaker by name, creating them when new, and adds
// aliases.
func (w *writer) speaker(ctx context.Context, name, role string, aliases []string) (*speakerRow, error) {
	sp := w.speakers[strings.ToLower(name)]
	if sp == nil {
		res, err := w.exec(ctx, `INSERT INTO speakers (name, role, created_at, updated_at) VALUES (?, ?, ?, ?)`, name, role, w.tx.now, w.tx.now)
		if err != nil {
			return nil, err
		}
		id, _ := res.LastInsertId()
		sp = &speakerRow{id: id, name: name, role: role, aliases: map[string]bool{}}
		w.speakers[strings.ToLower(name)] = sp
		w.byID[id] = sp
	}
	for _, a := range aliases {
		a = strings.Join(strings.Fields(a), " ")
		if a == "" || sp.aliases[a] {
			continue
		}
		if _, err := w.exec(ctx, `INSERT OR IGNORE INTO speaker_aliases (speaker_id, alias) VALUES (?, ?)`, sp.id, a); err != nil {
			return nil, err
		}
		sp.aliases[a] = true
		w.stale[sp.id] = true
	}
	return sp, nil
}

// put writes one record: an update when its id exists, else an insert
// (unless the speaker already has a live statement with the same text).
func (w *writer) put(ctx context.Context, rec *answers.Record, actor, action string) (change, error) {
	sp, err := w.speaker(ctx, rec.Speaker, rec.SpeakerRole, rec.SpeakerAliases)
	if err != nil {
		return 0, err
	}
	rec.SpeakerID = sp.id
	var old *answers.Statement
	if rec.ID > 0 {
		old, err = scanStatement(w.tx.QueryRowContext(ctx, `SELECT `+statementCols+statementFrom+` WHERE s.id = ?`, rec.ID))
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, err
		}
	} else {
		var id int64
		err := w.tx.QueryRowContext(ctx, `SELECT id FROM statements WHERE speaker_id = ? AND text = ? AND retired = 0 LIMIT 1`, sp.id, rec.Text).Scan(&id)
		if err == nil {
			return unchanged, nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return 0, err
		}
	}
	if old != nil {
		if sameStatement(old, &rec.Statement) {
			return unchanged, nil
		}
		rec.Rev = old.Rev + 1
		if err := w.update(ctx, &rec.Statement); err != nil {
			return 0, err
		}
		return updated, w.revise(ctx, rec, "edit", actor)
	}
	rec.Rev = 1
	if err := w.insert(ctx, &rec.Statement); err != nil {
		return 0, err
	}
	return added, w.revise(ctx, rec, action, actor)
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
	topics := st.Topics
	if topics == nil {
		topics = []string{}
	}
	js, _ := json.Marshal(topics)
	return []any{st.SpeakerID, st.SpeakerRole, st.Text, string(st.Kind), st.SaidOn.String(), st.SaidWhen, string(js),
		st.Context, st.Source.Outlet, st.Source.Title, st.Source.URL, st.Source.PublishedOn.String(), st.Source.Note,
		st.Retired, st.Rev}
}

func (w *writer) insert(ctx context.Context, st *answers.Statement) error {
	var id any
	if st.ID > 0 {
		id = st.ID
	}
	res, err := w.exec(ctx, `INSERT INTO statements (id, speaker_id, speaker_role, text, kind, said_on, said_when, topics, context,
		source_outlet, source_title, source_url, source_published_on, source_note, retired, rev, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		append(append([]any{id}, statementArgs(st)...), w.tx.now, w.tx.now)...)
	if err != nil {
		return err
	}
	if st.ID, err = res.LastInsertId(); err != nil {
		return err
	}
	return w.index(ctx, st)
}

func (w *writer) update(ctx context.Context, st *answers.Statement) error {
	_, err := w.exec(ctx, `UPDATE statements SET speaker_id = ?, speaker_role = ?, text = ?, kind = ?, said_on = ?, said_when = ?,
		topics = ?, context = ?, source_outlet = ?, source_title = ?, source_url = ?, source_published_on = ?, source_note = ?,
		retired = ?, rev = ?, updated_at = ? WHERE id = ?`,
		append(statementArgs(st), w.tx.now, st.ID)...)
	if err != nil {
		return err
	}
	return w.index(ctx, st)
}

// index keeps the full-text row of a statement in step with it: present
// with fresh terms while live, absent once retired.
func (w *writer) index(ctx context.Context, st *answers.Statement) error {
	if _, err := w.exec(ctx, `DELETE FROM statements_fts WHERE rowid = ?`, st.ID); err != nil {
		return err
	}
	if st.Retired {
		return nil
	}
	sp := w.byID[st.SpeakerID]
	if sp == nil {
		return fmt.Errorf("statement %d: speaker %d not loaded", st.ID, st.SpeakerID)
	}
	_, err := w.exec(ctx, `INSERT INTO statements_fts (rowid, body, about, who) VALUES (?, ?, ?, ?)`,
		st.ID, answers.IndexText(st.Text), answers.IndexText(append(st.Topics, st.Context)...),
		answers.IndexText(sp.who(), st.SpeakerRole))
	return err
}

// reindexSpeakers refreshes the "who" terms of the statements of every
// speaker whose name, role or aliases changed in this transaction.
func (w *writer) reindexSpeakers(ctx context.Context) error {
	for id := range w.stale {
		rows, err := w.tx.QueryContext(ctx, `SELECT `+statementCols+statementFrom+` WHERE s.speaker_id = ? AND s.retired = 0`, id)
		if err != nil {
			return err
		}
		var sts []*answers.Statement
		for rows.Next() {
			st, err := scanStatement(rows)
			if err != nil {
				rows.Close()
				return err
			}
			sts = append(sts, st)
		}
		rows.Close()
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
	js, err := json.Marshal(answers.Record{Statement: rec.Statement})
	if err != nil {
		return err
	}
	_, err = w.exec(ctx, `INSERT INTO revisions (statement_id, rev, data, action, actor, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		rec.ID, rec.Rev, string(js), action, actor, w.tx.now)
	return err
}

func parseTime(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }
