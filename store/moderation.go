package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/onrecord/onrecord/answers"
)

var _ answers.Moderation = (*DB)(nil)

// Role returns the moderator role of a platform user, or "" for none.
func (db *DB) Role(ctx context.Context, platform, userID string) (answers.Role, error) {
	var role string
	err := db.read.QueryRowContext(ctx, `SELECT role FROM moderators WHERE platform = ? AND user_id = ?`, platform, userID).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return answers.Role(role), err
}

// Moderators lists moderators and owners, owners first.
func (db *DB) Moderators(ctx context.Context) ([]answers.Moderator, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT platform, user_id, name, role, added_by, created_at FROM moderators
		ORDER BY role = 'owner' DESC, platform, user_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []answers.Moderator
	for rows.Next() {
		var m answers.Moderator
		var role, at string
		if err := rows.Scan(&m.Platform, &m.UserID, &m.Name, &role, &m.AddedBy, &at); err != nil {
			return nil, err
		}
		m.Role = answers.Role(role)
		m.AddedAt, _ = parseTime(at)
		out = append(out, m)
	}
	return out, rows.Err()
}

// SetModerator adds a moderator or changes their role.
func (db *DB) SetModerator(ctx context.Context, m answers.Moderator, actor string) error {
	if m.Platform == "" || m.UserID == "" || (m.Role != answers.RoleModerator && m.Role != answers.RoleOwner) {
		return answers.Errorf(answers.EInvalid, "A moderator needs a platform, a user id and a role (moderator or owner).")
	}
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO moderators (platform, user_id, name, role, added_by, created_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (platform, user_id) DO UPDATE SET role = excluded.role, name = CASE WHEN excluded.name = '' THEN name ELSE excluded.name END`,
		m.Platform, m.UserID, m.Name, string(m.Role), actor, tx.now); err != nil {
		return err
	}
	if err := tx.audit(ctx, actor, "moderators.set", m.Platform+":"+m.UserID, string(m.Role)); err != nil {
		return err
	}
	return tx.Commit()
}

// RemoveModerator takes a user's rights away. The last owner stays.
func (db *DB) RemoveModerator(ctx context.Context, platform, userID, actor string) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var role string
	err = tx.QueryRowContext(ctx, `SELECT role FROM moderators WHERE platform = ? AND user_id = ?`, platform, userID).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return answers.Errorf(answers.ENotFound, "%s:%s is not a moderator.", platform, userID)
	} else if err != nil {
		return err
	}
	if role == string(answers.RoleOwner) {
		var owners int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM moderators WHERE role = 'owner'`).Scan(&owners); err != nil {
			return err
		}
		if owners == 1 {
			return answers.Errorf(answers.EConflict, "%s:%s is the last owner and stays one.", platform, userID)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM moderators WHERE platform = ? AND user_id = ?`, platform, userID); err != nil {
		return err
	}
	if err := tx.audit(ctx, actor, "moderators.remove", platform+":"+userID, role); err != nil {
		return err
	}
	return tx.Commit()
}

// EnsureOwners makes each configured user an owner.
func (db *DB) EnsureOwners(ctx context.Context, owners []answers.Moderator) error {
	for _, o := range owners {
		role, err := db.Role(ctx, o.Platform, o.UserID)
		if err != nil {
			return err
		}
		if role == answers.RoleOwner {
			continue
		}
		o.Role = answers.RoleOwner
		if err := db.SetModerator(ctx, o, "config"); err != nil {
			return err
		}
	}
	return nil
}

// AddStatement writes a new statement. The speaker must exist (by name or
// alias) unless create is set. A live statement by the same speaker with
// near-identical text is refused as a duplicate, naming it.
func (db *DB) AddStatement(ctx context.Context, st answers.Statement, create bool, actor string) (*answers.Statement, error) {
	st.ID, st.Retired = 0, false
	if err := st.Validate(); err != nil {
		return nil, err
	}
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	w, err := newWriter(ctx, tx)
	if err != nil {
		return nil, err
	}
	defer w.close()
	sp, err := w.findSpeaker(ctx, st.Speaker)
	if err != nil {
		return nil, err
	}
	if sp == nil && !create {
		return nil, answers.Errorf(answers.ENotFound, "No speaker %q on record. Check the name, or add new_speaker=yes to create them.", st.Speaker)
	}
	if sp != nil {
		st.Speaker = sp.name
		if dup, err := w.duplicate(ctx, sp.id, st.Text, 0); err != nil {
			return nil, err
		} else if dup > 0 {
			return nil, answers.Errorf(answers.EConflict, "%s already has a statement like that on record: #%d. Edit it instead, or change the text.", sp.name, dup)
		}
	}
	rec := answers.Record{Statement: st}
	if _, err := w.put(ctx, &rec, actor, "add"); err != nil {
		return nil, err
	}
	if err := w.reindexSpeakers(ctx); err != nil {
		return nil, err
	}
	if err := tx.audit(ctx, actor, "statement.add", fmt.Sprintf("#%d", rec.ID), answers.Truncate(rec.Text, 80)); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return db.Statement(ctx, rec.ID)
}

// UpdateStatement applies patch to statement id, refusing when the
// statement changed since revision rev (when rev is not 0).
func (db *DB) UpdateStatement(ctx context.Context, id int64, rev int, patch answers.StatementPatch, actor string) (*answers.Statement, error) {
	return db.change(ctx, id, rev, actor, func(_ *Tx, cur answers.Statement) (answers.Statement, string, error) {
		next := patch.Apply(cur)
		action := "edit"
		switch {
		case patch.Retired != nil && *patch.Retired && !cur.Retired:
			action = "retire"
		case patch.Retired != nil && !*patch.Retired && cur.Retired:
			action = "restore"
		case patch.Retired != nil && *patch.Retired == cur.Retired:
			if cur.Retired {
				return next, "", answers.Errorf(answers.EConflict, "Statement #%d is already retired.", id)
			}
			return next, "", answers.Errorf(answers.EConflict, "Statement #%d is live already.", id)
		}
		return next, action, nil
	})
}

// Revisions are read from statement_revisions (migration 0010), with the
// statement as it stands for a first revision left to it (see
// firstRevision): qRevision one (?2) of a statement (?1), qHistory all.
const (
	qRevision = `SELECT ` + statementCols + `, v.data` + statementFrom + `
		JOIN statement_revisions v ON v.statement_id = s.id WHERE v.statement_id = ?1 AND v.rev = ?2`
	qHistory = `SELECT ` + statementCols + `, v.rev, v.action, v.actor, v.created_at, v.data` + statementFrom + `
		JOIN statement_revisions v ON v.statement_id = s.id WHERE v.statement_id = ?1 ORDER BY v.rev`
)

// Revert makes revision rev of statement id current again, as a new
// revision; the history keeps everything in between.
func (db *DB) Revert(ctx context.Context, id int64, rev int, actor string) (*answers.Statement, error) {
	return db.restore(ctx, id, actor, "revert", func(answers.Statement) (int, error) { return rev, nil })
}

// Undo takes back the last change to statement id by making the revision
// before the current one current again, as a new revision, and returns the
// statement and the revision it went back to. The current revision is read
// in the same transaction as the write, so an edit that lands in between
// is never undone along with the one meant.
func (db *DB) Undo(ctx context.Context, id int64, actor string) (*answers.Statement, int, error) {
	var to int
	st, err := db.restore(ctx, id, actor, "undo", func(cur answers.Statement) (int, error) {
		if cur.Rev < 2 {
			return 0, answers.Errorf(answers.EConflict, "Statement #%d has no earlier revision to go back to.", id)
		}
		to = cur.Rev - 1
		return to, nil
	})
	return st, to, err
}

// restore makes the revision that pick chooses, given the current
// statement, current again, reading it inside the edit's transaction.
func (db *DB) restore(ctx context.Context, id int64, actor, verb string, pick func(cur answers.Statement) (int, error)) (*answers.Statement, error) {
	return db.change(ctx, id, 0, actor, func(tx *Tx, cur answers.Statement) (answers.Statement, string, error) {
		rev, err := pick(cur)
		if err != nil {
			return answers.Statement{}, "", err
		}
		var js string
		old, err := scanStatement(tx.QueryRowContext(ctx, qRevision, id, rev), &js)
		if errors.Is(err, sql.ErrNoRows) {
			return answers.Statement{}, "", answers.Errorf(answers.ENotFound, "Statement #%d has no revision %d. Send /history %d to see them.", id, rev, id)
		} else if err != nil {
			return answers.Statement{}, "", err
		}
		if js, err = firstRevision(js, old); err != nil {
			return answers.Statement{}, "", err
		}
		var rec answers.Record
		if err := json.Unmarshal([]byte(js), &rec); err != nil {
			return answers.Statement{}, "", fmt.Errorf("revision %d of #%d: %w", rev, id, err)
		}
		next := rec.Statement
		next.ID = cur.ID
		return next, fmt.Sprintf("%s to %d", verb, rev), nil
	})
}

// change is the one shape of every statement edit: load the current
// statement inside the transaction, check its revision, compute the next
// state, validate, write it with a new revision and an audit row.
func (db *DB) change(ctx context.Context, id int64, rev int, actor string, next func(tx *Tx, cur answers.Statement) (answers.Statement, string, error)) (*answers.Statement, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	cur, err := scanStatement(tx.QueryRowContext(ctx, `SELECT `+statementCols+statementFrom+` WHERE s.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, answers.Errorf(answers.ENotFound, "There is no statement #%d.", id)
	} else if err != nil {
		return nil, err
	}
	if rev != 0 && rev != cur.Rev {
		return nil, answers.Errorf(answers.EConflict, "Statement #%d changed while you were editing it (you started from revision %d; it is now at %d). Nothing was saved: send /history %d to see what changed, then edit again.", id, rev, cur.Rev, id)
	}
	st, action, err := next(tx, *cur)
	if err != nil {
		return nil, err
	}
	if err := st.Validate(); err != nil {
		return nil, err
	}
	w, err := newWriter(ctx, tx)
	if err != nil {
		return nil, err
	}
	defer w.close()
	sp, err := w.findSpeaker(ctx, st.Speaker)
	if err != nil {
		return nil, err
	}
	if sp == nil {
		return nil, answers.Errorf(answers.ENotFound, "No speaker %q on record. Add the speaker first, or use an existing name.", st.Speaker)
	}
	st.Speaker, st.SpeakerID = sp.name, sp.id
	if sameStatement(cur, &st) {
		return nil, answers.Errorf(answers.EInvalid, "That changes nothing in statement #%d.", id)
	}
	if !st.Retired && (st.Text != cur.Text || st.SpeakerID != cur.SpeakerID) {
		if dup, err := w.duplicate(ctx, sp.id, st.Text, id); err != nil {
			return nil, err
		} else if dup > 0 {
			return nil, answers.Errorf(answers.EConflict, "%s already has a statement like that on record: #%d.", sp.name, dup)
		}
	}
	st.Rev = cur.Rev + 1
	if err := w.update(ctx, &st, cur); err != nil {
		return nil, err
	}
	if err := w.revise(ctx, &answers.Record{Statement: st}, action, actor); err != nil {
		return nil, err
	}
	if err := tx.audit(ctx, actor, "statement."+strings.Fields(action)[0], fmt.Sprintf("#%d", id), diffSummary(cur, &st)); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return db.Statement(ctx, id)
}

// findSpeaker resolves a name or alias to a speaker, case-insensitively.
func (w *writer) findSpeaker(ctx context.Context, name string) (*speakerRow, error) {
	if sp := w.speakers[strings.ToLower(strings.TrimSpace(name))]; sp != nil {
		return sp, nil
	}
	var found *speakerRow
	for _, sp := range w.byID {
		for _, a := range sp.aliases {
			if strings.EqualFold(a, name) {
				if found != nil && found != sp {
					return nil, answers.Errorf(answers.EConflict, "%q is an alias of more than one speaker; use the full name.", name)
				}
				found = sp
			}
		}
	}
	return found, nil
}

// duplicate returns the id of a live statement by the speaker, other than
// skip, whose text is near-identical (see answers.NearDuplicate).
func (w *writer) duplicate(ctx context.Context, speakerID int64, text string, skip int64) (int64, error) {
	rows, err := w.tx.QueryContext(ctx, `SELECT id, text FROM statements WHERE speaker_id = ? AND retired = 0 AND id != ?`, speakerID, skip)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var t string
		if err := rows.Scan(&id, &t); err != nil {
			return 0, err
		}
		if answers.NearDuplicate(t, text) {
			return id, nil
		}
	}
	return 0, rows.Err()
}

// diffSummary names the fields a change touched, for the audit log.
func diffSummary(a, b *answers.Statement) string {
	d := answers.Diff(*a, *b)
	if a.SpeakerID != b.SpeakerID && (len(d) == 0 || d[0] != "speaker") {
		d = append([]string{"speaker"}, d...)
	}
	return strings.Join(d, ", ")
}

// History returns every revision of a statement, oldest first.
func (db *DB) History(ctx context.Context, id int64) ([]answers.Revision, error) {
	rows, err := db.read.QueryContext(ctx, qHistory, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []answers.Revision
	for rows.Next() {
		var r answers.Revision
		var at, js string
		cur, err := scanStatement(rows, &r.Rev, &r.Action, &r.Actor, &at, &js)
		if err != nil {
			return nil, err
		}
		if js, err = firstRevision(js, cur); err != nil {
			return nil, err
		}
		r.At, _ = parseTime(at)
		var rec answers.Record
		if err := json.Unmarshal([]byte(js), &rec); err != nil {
			return nil, err
		}
		r.Statement = rec.Statement
		r.Statement.ID, r.Statement.Rev = id, r.Rev
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		if _, err := db.Statement(ctx, id); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Audit returns the latest moderator actions, newest first.
func (db *DB) Audit(ctx context.Context, limit int) ([]answers.AuditEntry, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, actor, action, target, detail, created_at FROM audit ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []answers.AuditEntry
	for rows.Next() {
		var e answers.AuditEntry
		var at string
		if err := rows.Scan(&e.ID, &e.Actor, &e.Action, &e.Target, &e.Detail, &at); err != nil {
			return nil, err
		}
		e.At, _ = parseTime(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// speakerTx runs a change to one speaker: it loads the speakers, applies
// fn, refreshes the index terms of the speaker's statements and audits.
func (db *DB) speakerTx(ctx context.Context, id int64, actor, action string, fn func(w *writer, sp *speakerRow) (detail string, err error)) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	w, err := newWriter(ctx, tx)
	if err != nil {
		return err
	}
	defer w.close()
	sp := w.byID[id]
	if sp == nil {
		return answers.Errorf(answers.ENotFound, "There is no speaker %d.", id)
	}
	before := sp.name
	detail, err := fn(w, sp)
	if err != nil {
		return err
	}
	w.stale[sp.id] = true
	// fn may write with the Tx directly, past writer.exec's touch.
	tx.touch()
	if err := w.reindexSpeakers(ctx); err != nil {
		return err
	}
	if err := tx.audit(ctx, actor, action, before, detail); err != nil {
		return err
	}
	return tx.Commit()
}

// RenameSpeaker gives a speaker a new name and keeps the old one as an
// alias, so that people who use it still find them.
func (db *DB) RenameSpeaker(ctx context.Context, id int64, name, actor string) error {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" || utf8.RuneCountInString(name) > answers.MaxNameLen {
		return answers.Errorf(answers.EInvalid, "A speaker's name must be 1 to %d characters.", answers.MaxNameLen)
	}
	return db.speakerTx(ctx, id, actor, "speaker.rename", func(w *writer, sp *speakerRow) (string, error) {
		if other := w.speakers[strings.ToLower(name)]; other != nil && other != sp {
			return "", answers.Errorf(answers.EConflict, "%s is already a speaker; merge the two instead.", other.name)
		}
		if err := w.keepFirstRevisions(ctx, sp.id); err != nil {
			return "", err
		}
		if _, err := w.tx.ExecContext(ctx, `UPDATE speakers SET name = ?, updated_at = ? WHERE id = ?`, name, w.tx.now, sp.id); err != nil {
			return "", err
		}
		old := sp.name
		delete(w.speakers, strings.ToLower(old))
		sp.name = name
		w.speakers[strings.ToLower(name)] = sp
		if _, err := w.speaker(ctx, name, "", []string{old}); err != nil {
			return "", err
		}
		return old + " -> " + name, nil
	})
}

// SetSpeakerRole sets a speaker's current role. The role each statement
// records (held when it was said) is left as it was.
func (db *DB) SetSpeakerRole(ctx context.Context, id int64, role, actor string) error {
	role = strings.TrimSpace(role)
	if utf8.RuneCountInString(role) > answers.MaxFieldLen {
		return answers.Errorf(answers.EInvalid, "A role must be at most %d characters.", answers.MaxFieldLen)
	}
	return db.speakerTx(ctx, id, actor, "speaker.role", func(w *writer, sp *speakerRow) (string, error) {
		if _, err := w.tx.ExecContext(ctx, `UPDATE speakers SET role = ?, updated_at = ? WHERE id = ?`, role, w.tx.now, sp.id); err != nil {
			return "", err
		}
		old := sp.role
		sp.role = role
		return fmt.Sprintf("%q -> %q", old, role), nil
	})
}

// AddAlias adds another name people use for a speaker.
func (db *DB) AddAlias(ctx context.Context, id int64, alias, actor string) error {
	alias = strings.Join(strings.Fields(alias), " ")
	if alias == "" || utf8.RuneCountInString(alias) > answers.MaxNameLen {
		return answers.Errorf(answers.EInvalid, "An alias must be 1 to %d characters.", answers.MaxNameLen)
	}
	return db.speakerTx(ctx, id, actor, "speaker.alias.add", func(w *writer, sp *speakerRow) (string, error) {
		if sp.aliases.has(alias) {
			return "", answers.Errorf(answers.EConflict, "%s already has the alias %q.", sp.name, alias)
		}
		_, err := w.speaker(ctx, sp.name, "", []string{alias})
		return alias, err
	})
}

// RemoveAlias removes one of a speaker's aliases.
func (db *DB) RemoveAlias(ctx context.Context, id int64, alias, actor string) error {
	return db.speakerTx(ctx, id, actor, "speaker.alias.remove", func(w *writer, sp *speakerRow) (string, error) {
		for _, a := range sp.aliases {
			if strings.EqualFold(a, strings.TrimSpace(alias)) {
				if _, err := w.tx.ExecContext(ctx, `DELETE FROM speaker_aliases WHERE speaker_id = ? AND alias = ?`, sp.id, a); err != nil {
					return "", err
				}
				sp.aliases.remove(a)
				return a, nil
			}
		}
		return "", answers.Errorf(answers.ENotFound, "%s has no alias %q.", sp.name, alias)
	})
}

// MergeSpeakers moves everything of speaker from to speaker into: each
// statement gets a new revision, aliases move, from's name becomes an
// alias, and from is removed. Nothing is lost.
func (db *DB) MergeSpeakers(ctx context.Context, from, into int64, actor string) error {
	if from == into {
		return answers.Errorf(answers.EInvalid, "A speaker cannot be merged into themselves.")
	}
	return db.speakerTx(ctx, into, actor, "speaker.merge", func(w *writer, dst *speakerRow) (string, error) {
		src := w.byID[from]
		if src == nil {
			return "", answers.Errorf(answers.ENotFound, "There is no speaker %d.", from)
		}
		rows, err := w.tx.QueryContext(ctx, `SELECT `+statementCols+statementFrom+` WHERE s.speaker_id = ?`, from)
		if err != nil {
			return "", err
		}
		var moved []*answers.Statement
		for rows.Next() {
			st, err := scanStatement(rows)
			if err != nil {
				rows.Close()
				return "", err
			}
			moved = append(moved, st)
		}
		rows.Close()
		for _, st := range moved {
			old := *st
			st.SpeakerID, st.Speaker, st.Rev = dst.id, dst.name, st.Rev+1
			if err := w.update(ctx, st, &old); err != nil {
				return "", err
			}
			if err := w.revise(ctx, &answers.Record{Statement: *st}, "merge", actor); err != nil {
				return "", err
			}
		}
		aliases := []string{src.name}
		for _, a := range src.aliases {
			aliases = append(aliases, a)
		}
		if _, err := w.tx.ExecContext(ctx, `DELETE FROM speaker_aliases WHERE speaker_id = ?`, from); err != nil {
			return "", err
		}
		if _, err := w.tx.ExecContext(ctx, `DELETE FROM speakers WHERE id = ?`, from); err != nil {
			return "", err
		}
		delete(w.byID, from)
		delete(w.speakers, strings.ToLower(src.name))
		if _, err := w.speaker(ctx, dst.name, "", aliases); err != nil {
			return "", err
		}
		return fmt.Sprintf("%s (%d statements) merged into %s", src.name, len(moved), dst.name), nil
	})
}

// RemoveSynonyms deletes a synonym group; the audit row keeps its terms.
func (db *DB) RemoveSynonyms(ctx context.Context, id int64, actor string) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var terms string
	if err := tx.QueryRowContext(ctx, `SELECT terms FROM synonyms WHERE id = ?`, id).Scan(&terms); errors.Is(err, sql.ErrNoRows) {
		return answers.Errorf(answers.ENotFound, "There is no synonym group %d.", id)
	} else if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM synonyms WHERE id = ?`, id); err != nil {
		return err
	}
	tx.touch()
	if err := tx.audit(ctx, actor, "synonyms.remove", fmt.Sprintf("synonyms %d", id), terms); err != nil {
		return err
	}
	return tx.Commit()
}

// SynonymGroups lists the synonym groups with their ids.
func (db *DB) SynonymGroups(ctx context.Context) ([]answers.SynonymGroup, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, terms FROM synonyms ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []answers.SynonymGroup
	for rows.Next() {
		var g answers.SynonymGroup
		var js string
		if err := rows.Scan(&g.ID, &js); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(js), &g.Terms); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// AddReport records a user's report on a statement.
func (db *DB) AddReport(ctx context.Context, r answers.Report) (int64, error) {
	r.Reason = strings.TrimSpace(r.Reason)
	if r.Reason == "" {
		return 0, answers.Errorf(answers.EInvalid, "Say what is wrong, for example: /report 12 the quote is from 2023, not 2024")
	}
	if utf8.RuneCountInString(r.Reason) > answers.MaxFieldLen || !utf8.ValidString(r.Reason) {
		return 0, answers.Errorf(answers.EInvalid, "Please keep the reason under %d characters.", answers.MaxFieldLen)
	}
	if _, err := db.Statement(ctx, r.StatementID); err != nil {
		return 0, err
	}
	tx, err := db.begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO reports (statement_id, platform, user_id, user_name, reason, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		r.StatementID, r.Platform, r.UserID, r.UserName, r.Reason, tx.now)
	if err != nil {
		return 0, err
	}
	id, _ := res.LastInsertId()
	return id, tx.Commit()
}

// Reports lists reports, newest first.
func (db *DB) Reports(ctx context.Context, openOnly bool) ([]answers.Report, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, statement_id, platform, user_id, user_name, reason, open, resolution, closed_by, created_at
		FROM reports WHERE open = 1 OR ? = 0 ORDER BY id DESC LIMIT 200`, openOnly)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []answers.Report
	for rows.Next() {
		var r answers.Report
		var at string
		if err := rows.Scan(&r.ID, &r.StatementID, &r.Platform, &r.UserID, &r.UserName, &r.Reason, &r.Open, &r.Resolution, &r.ClosedBy, &at); err != nil {
			return nil, err
		}
		r.At, _ = parseTime(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// CloseReport closes an open report with a resolution.
func (db *DB) CloseReport(ctx context.Context, id int64, resolution, actor string) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE reports SET open = 0, resolution = ?, closed_by = ?, closed_at = ? WHERE id = ? AND open = 1`,
		strings.TrimSpace(resolution), actor, tx.now, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return answers.Errorf(answers.ENotFound, "There is no open report %d.", id)
	}
	if err := tx.audit(ctx, actor, "report.close", fmt.Sprintf("report %d", id), resolution); err != nil {
		return err
	}
	return tx.Commit()
}
