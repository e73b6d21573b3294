-- Moderators and user reports. Rights come from this table only, never
-- from being an admin of some chat or server.

CREATE TABLE moderators (
	platform   TEXT NOT NULL,
	user_id    TEXT NOT NULL,
	name       TEXT NOT NULL DEFAULT '',
	role       TEXT NOT NULL CHECK (role IN ('moderator', 'owner')),
	added_by   TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	PRIMARY KEY (platform, user_id)
) WITHOUT ROWID;

CREATE TABLE reports (
	id           INTEGER PRIMARY KEY,
	statement_id INTEGER NOT NULL REFERENCES statements (id),
	platform     TEXT NOT NULL,
	user_id      TEXT NOT NULL,
	user_name    TEXT NOT NULL DEFAULT '',
	reason       TEXT NOT NULL,
	open         INTEGER NOT NULL DEFAULT 1,
	resolution   TEXT NOT NULL DEFAULT '',
	closed_by    TEXT NOT NULL DEFAULT '',
	created_at   TEXT NOT NULL,
	closed_at    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX reports_open ON reports (open, id);

CREATE INDEX audit_recent ON audit (id DESC);
