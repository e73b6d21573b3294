-- Speakers, statements and their full-text index, synonyms, revisions.

CREATE TABLE speakers (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	role       TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX speakers_name ON speakers (name COLLATE NOCASE);

CREATE TABLE speaker_aliases (
	speaker_id INTEGER NOT NULL REFERENCES speakers (id) ON DELETE CASCADE,
	alias      TEXT NOT NULL,
	PRIMARY KEY (speaker_id, alias)
) WITHOUT ROWID;

CREATE TABLE statements (
	id           INTEGER PRIMARY KEY,
	speaker_id   INTEGER NOT NULL REFERENCES speakers (id),
	speaker_role TEXT NOT NULL DEFAULT '',
	text         TEXT NOT NULL,
	kind         TEXT NOT NULL CHECK (kind IN ('quote', 'paraphrase')),
	said_on      TEXT NOT NULL DEFAULT '',
	said_when    TEXT NOT NULL DEFAULT '',
	topics       TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
	context      TEXT NOT NULL DEFAULT '',
	source_outlet       TEXT NOT NULL DEFAULT '',
	source_title        TEXT NOT NULL DEFAULT '',
	source_url          TEXT NOT NULL DEFAULT '',
	source_published_on TEXT NOT NULL DEFAULT '',
	source_note         TEXT NOT NULL DEFAULT '',
	retired    INTEGER NOT NULL DEFAULT 0,
	rev        INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX statements_speaker ON statements (speaker_id, retired, said_on);

-- The full-text index holds analysed terms (stems, stop words dropped) that
-- package answers computes, so questions and statements are analysed by
-- the same code. Rows exist for live statements only; rowid is the
-- statement id. Columns: the statement's text; its topics and context; who
-- said it (name, aliases, role).
CREATE VIRTUAL TABLE statements_fts USING fts5 (
	body, about, who,
	tokenize = 'unicode61 remove_diacritics 0',
	detail = 'full'
);
CREATE VIRTUAL TABLE statements_vocab USING fts5vocab (statements_fts, 'row');

CREATE TABLE synonyms (
	id    INTEGER PRIMARY KEY,
	terms TEXT NOT NULL -- JSON array of the group's terms
);

-- Every change to a statement is kept: the whole statement as it stood
-- after the change, who made it and why.
CREATE TABLE revisions (
	statement_id INTEGER NOT NULL REFERENCES statements (id),
	rev          INTEGER NOT NULL,
	data         TEXT NOT NULL, -- JSON of answers.Record
	action       TEXT NOT NULL,
	actor        TEXT NOT NULL,
	created_at   TEXT NOT NULL,
	PRIMARY KEY (statement_id, rev)
) WITHOUT ROWID;

CREATE TABLE audit (
	id         INTEGER PRIMARY KEY,
	actor      TEXT NOT NULL,
	action     TEXT NOT NULL,
	target     TEXT NOT NULL DEFAULT '',
	detail     TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL
);

-- generation changes with every write the matcher caches, so that a
-- process can tell cheaply whether its caches are stale, even when
-- another process (an import from the command line) wrote.
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('generation', 1);

CREATE TRIGGER speakers_gen_i AFTER INSERT ON speakers BEGIN UPDATE meta SET value = value + 1 WHERE key = 'generation'; END;
CREATE TRIGGER speakers_gen_u AFTER UPDATE ON speakers BEGIN UPDATE meta SET value = value + 1 WHERE key = 'generation'; END;
CREATE TRIGGER speakers_gen_d AFTER DELETE ON speakers BEGIN UPDATE meta SET value = value + 1 WHERE key = 'generation'; END;
CREATE TRIGGER aliases_gen_i AFTER INSERT ON speaker_aliases BEGIN UPDATE meta SET value = value + 1 WHERE key = 'generation'; END;
CREATE TRIGGER aliases_gen_d AFTER DELETE ON speaker_aliases BEGIN UPDATE meta SET value = value + 1 WHERE key = 'generation'; END;
CREATE TRIGGER synonyms_gen_i AFTER INSERT ON synonyms BEGIN UPDATE meta SET value = value + 1 WHERE key = 'generation'; END;
CREATE TRIGGER synonyms_gen_u AFTER UPDATE ON synonyms BEGIN UPDATE meta SET value = value + 1 WHERE key = 'generation'; END;
CREATE TRIGGER synonyms_gen_d AFTER DELETE ON synonyms BEGIN UPDATE meta SET value = value + 1 WHERE key = 'generation'; END;
CREATE TRIGGER statements_gen_i AFTER INSERT ON statements BEGIN UPDATE meta SET value = value + 1 WHERE key = 'generation'; END;
CREATE TRIGGER statements_gen_u AFTER UPDATE ON statements BEGIN UPDATE meta SET value = value + 1 WHERE key = 'generation'; END;
