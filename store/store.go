// Package store keeps OnRecord's statements in SQLite (modernc.org/sqlite,
// pure Go, FTS5 built in) and implements the interfaces package answers
// declares. Writes go through one connection with immediate transactions;
// reads use a small pool of their own, so a long import never blocks
// questions (WAL).
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/onrecord/onrecord/answers"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// DB is an open store.
type DB struct {
	write *sql.DB // one connection: SQLite has one writer at a time
	read  *sql.DB // a small pool for questions
	path  string
	stmts readStmts // prepared on the read pool (see search.go)
	saves saver     // saves of statistics under way (see stats.go)
	// Now is the clock; tests replace it.
	Now func() time.Time
	// ImportCacheKiB is the writer's page cache while an import lasts;
	// Open sets importCacheKiB, and a value no larger than writerCacheKiB
	// leaves the writer's own. A process that serves questions as well
	// sets it to 0: its readers' caches and the question engine already
	// take most of the memory a million statements are allowed.
	ImportCacheKiB int
}

// readConns is the size of the read pool: a connection for each core, at
// least two. A question keeps its connection busy on one core while it
// runs, so more connections than cores answer no more questions; each
// only adds a page cache (see readerCacheKiB).
func readConns() int { return max(2, runtime.GOMAXPROCS(0)) }

// The writer's page cache, in KiB: writerCacheKiB for moderation and
// other small writes, importCacheKiB while an import lasts. At a million
// statements an import's random index pages fill any size of cache, and a
// page that does not fit is written to the WAL and read back, often more
// than once: 32 MB took a sixth off such an import's time for 40 MB more
// peak. A cached page takes an 8 KB slot in modernc's allocator (4 KB and
// SQLite's header, rounded up to a power of two), so a cache costs twice
// its size: 64 MB took the import's peak to 234 MB.
//
// A reader's cache is readerCacheKiB: the hot full-text doclists and
// statement rows. Questions at 100k and at a million statements were no
// slower with 8 MB than with 16 MB (p50 and p99 within the runs' noise),
// and the process's peak was 15-18 MB lower for each reader.
const (
	writerCacheKiB = 16 << 10
	importCacheKiB = 32 << 10
	readerCacheKiB = 8 << 10
)

// setCacheSize is the PRAGMA that sets a connection's page cache to kib.
func setCacheSize(kib int) string { return fmt.Sprintf("PRAGMA cache_size = -%d", kib) }

// dsn builds a connection string with every pragma in it, so that each
// pooled connection gets them, not only the first.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	// Page caches (see writerCacheKiB): the writer's holds a large
	// import's working set (the default 2 MB spills pages to the WAL
	// mid-transaction). SQLite grows them only as used.
	if readOnly {
		q.Add("_pragma", fmt.Sprintf("cache_size(-%d)", readerCacheKiB))
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Add("_pragma", fmt.Sprintf("cache_size(-%d)", writerCacheKiB))
		q.Set("_txlock", "immediate")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// Open opens (creating if need be) the store at path and brings its schema
// up to date. When the database is new and seed is not nil, the seed
// statements (JSON Lines) and synonyms are imported in the same step.
func Open(ctx context.Context, path string, seed *answers.Seed) (*DB, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, answers.Errorf(answers.EInvalid, "database path %q: give a file path (in-memory databases are one per connection)", path)
	}
	_, statErr := os.Stat(path)
	fresh := errors.Is(statErr, fs.ErrNotExist)

	db := &DB{path: path, Now: time.Now, ImportCacheKiB: importCacheKiB}
	db.saves.ctx, db.saves.cancel = context.WithCancel(context.Background())
	var err error
	if db.write, err = sql.Open("sqlite", dsn(path, false)); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.write.SetMaxOpenConns(1)
	db.write.SetConnMaxIdleTime(0)
	if err := db.migrate(ctx); err != nil {
		db.write.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	if db.read, err = sql.Open("sqlite", dsn(path, true)); err != nil {
		db.write.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.read.SetMaxOpenConns(readConns())
	db.read.SetMaxIdleConns(readConns())
	if fresh && seed != nil {
		if err := db.applySeed(ctx, seed); err != nil {
			db.Close()
			os.Remove(path)
			return nil, fmt.Errorf("seed %s: %w", path, err)
		}
	}
	return db, nil
}

func (db *DB) applySeed(ctx context.Context, seed *answers.Seed) error {
	if seed.Statements != nil {
		if _, err := db.Import(ctx, seed.Statements, "seed"); err != nil {
			return err
		}
	}
	for _, g := range seed.Synonyms {
		if _, err := db.AddSynonyms(ctx, g, "seed"); err != nil {
			return err
		}
	}
	return nil
}

// Close closes the store.
func (db *DB) Close() error {
	var errs []error
	db.saves.wait()
	if db.read != nil {
		errs = append(errs, db.read.Close())
	}
	if db.write != nil {
		// Fold the WAL back into the database file on a clean stop.
		db.write.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
		errs = append(errs, db.write.Close())
	}
	return errors.Join(errs...)
}

// Path is the database file.
func (db *DB) Path() string { return db.path }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var n int
	return db.read.QueryRowContext(ctx, "SELECT 1").Scan(&n)
}

// migrate applies the embedded migrations not yet applied, each in its own
// transaction, in the order of their numbers.
func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY)`); err != nil {
		return err
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		if err := db.migrateFile(ctx, name); err != nil {
			return fmt.Errorf("%s: %w", path.Base(name), err)
		}
	}
	return nil
}

func (db *DB) migrateFile(ctx context.Context, name string) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM migrations WHERE name = ?`, name).Scan(&n); err != nil {
		return err
	} else if n > 0 {
		return nil
	}
	buf, err := fs.ReadFile(migrationFS, name)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(buf)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO migrations (name) VALUES (?)`, name); err != nil {
		return err
	}
	return tx.Commit()
}

// Tx is a write transaction with the time it started, so every row it
// writes carries the same timestamp.
type Tx struct {
	*sql.Tx
	db  *DB
	ctx context.Context
	now string
	// touched marks a transaction that changed speakers, aliases,
	// statements or synonyms: what the matcher caches. Commit then bumps
	// the generation once (see touch).
	touched bool
}

// begin starts a write transaction. Every write method has the same shape:
// begin, defer Rollback, unexported helpers taking the Tx, Commit.
func (db *DB) begin(ctx context.Context) (*Tx, error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &Tx{Tx: tx, db: db, ctx: ctx, now: db.Now().UTC().Format(time.RFC3339Nano)}, nil
}

// touch records that the transaction changes what the matcher caches.
// Triggers used to bump the generation on every row (migration 0004 drops
// them): an import of 50,000 statements updated the meta row more than
// 50,000 times. Once per transaction tells a reader as much, since no one
// sees the rows before the commit anyway.
func (tx *Tx) touch() { tx.touched = true }

// Commit bumps the generation when the transaction touched the catalogue,
// in the transaction itself, so that the new rows and the new generation
// become visible together.
func (tx *Tx) Commit() error {
	if tx.touched {
		if _, err := tx.Tx.ExecContext(tx.ctx, `UPDATE meta SET value = value + 1 WHERE key = 'generation'`); err != nil {
			return err
		}
	}
	return tx.Tx.Commit()
}

// Backup writes a consistent copy of the live database to path, which must
// not exist. It is safe while the bot runs.
func (db *DB) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return answers.Errorf(answers.EConflict, "%s already exists; choose a new file for the backup", path)
	}
	// A connection of its own: the read pool is query-only, and the writer
	// must stay free for moderators while the copy is made.
	conn, err := sql.Open("sqlite", dsn(db.path, false))
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.ExecContext(ctx, `VACUUM INTO ?`, path)
	return err
}
