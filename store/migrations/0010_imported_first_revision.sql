-- An imported statement's first revision needs no row of its own. Until the
-- statement changes, its row says what the revision's data would (see
-- 0005), and imported_by with created_at says who imported it and when: a
-- million imported statements no longer write a million revision rows. The
-- writer still writes a row where the record named its speaker in another
-- case (the data keeps the name as given), and writes one out before the
-- statement or its speaker's name changes; the triggers below refuse any
-- change that would lose it, a missing row as well as an empty one.
ALTER TABLE statements ADD COLUMN imported_by TEXT NOT NULL DEFAULT '';

-- statement_revisions is every revision, those without a row included:
-- History and Revert read it, with the statement id as condition, which
-- SQLite applies to both halves (a primary key seek each).
CREATE VIEW statement_revisions AS
SELECT statement_id, rev, data, action, actor, created_at FROM revisions
UNION ALL
SELECT s.id, 1, '', 'import', s.imported_by, s.created_at FROM statements s
WHERE s.imported_by <> '' AND NOT EXISTS (SELECT 1 FROM revisions r WHERE r.statement_id = s.id AND r.rev = 1);

DROP TRIGGER statements_keep_first_revision;
CREATE TRIGGER statements_keep_first_revision BEFORE UPDATE ON statements
WHEN OLD.rev = 1 AND EXISTS (SELECT 1 FROM statement_revisions WHERE statement_id = OLD.id AND rev = 1 AND data = '')
BEGIN
	SELECT RAISE(ABORT, 'statement at revision 1 changed before its first revision''s data was written');
END;

DROP TRIGGER speakers_keep_first_revisions;
CREATE TRIGGER speakers_keep_first_revisions BEFORE UPDATE OF name ON speakers
WHEN EXISTS (SELECT 1 FROM statements s WHERE s.speaker_id = OLD.id AND s.rev = 1 AND (
	EXISTS (SELECT 1 FROM revisions r WHERE r.statement_id = s.id AND r.rev = 1 AND r.data = '')
	OR (s.imported_by <> '' AND NOT EXISTS (SELECT 1 FROM revisions r WHERE r.statement_id = s.id AND r.rev = 1))))
BEGIN
	SELECT RAISE(ABORT, 'speaker renamed before the first revisions'' data of their statements was written');
END;
