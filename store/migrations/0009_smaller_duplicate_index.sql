-- Import's duplicate check ("same speaker, same text, live") finds its few
-- candidates through an index. Keyed by the text's first 40 characters it
-- was the second largest index (53 MB at a million statements), and an
-- import writes to every page of it at random: past the writer's page
-- cache, those pages went to the WAL again and again. The text's length
-- and first 12 characters rule out other statements of the speaker as
-- well, in less than half the size.
DROP INDEX IF EXISTS statements_speaker_text;
CREATE INDEX statements_speaker_key ON statements (speaker_id, length(text), substr(text, 1, 12)) WHERE retired = 0;
