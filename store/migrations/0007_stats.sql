-- Statistics that take a pass over the whole store to compute, saved with
-- the generation they were computed at: the vocabulary's document
-- frequencies (a walk of every full-text doclist, a second at a million
-- statements) and the speaker list with each speaker's statement count
-- (a pass over the speaker index, then the speaker tables). A process starting on
-- an unchanged store reads them back instead; one whose generation
-- differs computes them again (see stats.go). Writes never maintain them.
CREATE TABLE stats (
	name       TEXT PRIMARY KEY,
	generation INTEGER NOT NULL,
	data       BLOB NOT NULL
);
