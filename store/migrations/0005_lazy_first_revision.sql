-- A statement's first revision may leave its data empty (''): while the
-- statement is at revision 1 and its speaker keeps their name, the row says
-- what the data would (see firstRevision in writer.go), and an import no
-- longer writes every record twice. The writer fills the data in before
-- either changes; these triggers refuse a change that would lose it.
CREATE TRIGGER statements_keep_first_revision BEFORE UPDATE ON statements
WHEN OLD.rev = 1 AND EXISTS (SELECT 1 FROM revisions WHERE statement_id = OLD.id AND rev = 1 AND data = '')
BEGIN
	SELECT RAISE(ABORT, 'statement at revision 1 changed before its first revision''s data was written');
END;

CREATE TRIGGER speakers_keep_first_revisions BEFORE UPDATE OF name ON speakers
WHEN EXISTS (SELECT 1 FROM statements s JOIN revisions r ON r.statement_id = s.id AND r.rev = 1
	WHERE s.speaker_id = OLD.id AND s.rev = 1 AND r.data = '')
BEGIN
	SELECT RAISE(ABORT, 'speaker renamed before the first revisions'' data of their statements was written');
END;
