package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func openTemp(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "onrecord.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// queryPlan is what EXPLAIN QUERY PLAN says of a query, its lines joined
// by "; ".
func queryPlan(t *testing.T, db *DB, query string, args ...any) string {
	t.Helper()
	rows, err := db.write.Query(`EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "; ")
}

// TestRepeatsUsesItsIndex: the duplicate check seeks statements_speaker_key
// on all three of its columns; through the speaker index alone it would
// read every row of a prolific speaker.
func TestRepeatsUsesItsIndex(t *testing.T) {
	db := openTemp(t)
	got := queryPlan(t, db, qRepeats, 1, "A text.")
	if want := "USING INDEX statements_speaker_key (speaker_id=? AND <expr>=? AND <expr>=?)"; !strings.Contains(got, want) {
		t.Errorf("plan %q, want %q", got, want)
	}
}

// lines is n statements by n speakers, from the first'th on, as JSON Lines.
func lines(first, n int, text string) string {
	var b strings.Builder
	for i := first; i < first+n; i++ {
		fmt.Fprintf(&b, `{"speaker":"Speaker %d","speaker_aliases":["S%d"],"text":"%s %d."}`+"\n", i, i, text, i)
	}
	return b.String()
}

// TestImportMeetingManySpeakers: an import that meets more existing
// speakers than it looks up one by one loads them all, and goes on
// finding them (in any case), their repeated statements and their new ones.
func TestImportMeetingManySpeakers(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	n := maxLookups + 500
	if _, err := db.Import(ctx, strings.NewReader(lines(0, n, "Said first")), "test"); err != nil {
		t.Fatal(err)
	}
	// Half the speakers named in upper case; every one repeats a
	// statement and adds one; 100 new speakers.
	again := strings.ReplaceAll(lines(0, n/2, "Said first"), "Speaker", "SPEAKER") + lines(n/2, n-n/2, "Said first") +
		lines(0, n, "Said next") + lines(n, 100, "Said first")
	res, err := db.Import(ctx, strings.NewReader(again), "test")
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != n+100 || res.Unchanged != n || res.Updated != 0 {
		t.Errorf("second import: %v, want %d added, %d unchanged", res, n+100, n)
	}
	var speakers, statements int
	if err := db.read.QueryRow(`SELECT (SELECT COUNT(*) FROM speakers), (SELECT COUNT(*) FROM statements)`).Scan(&speakers, &statements); err != nil {
		t.Fatal(err)
	}
	if speakers != n+100 || statements != 2*n+100 {
		t.Errorf("%d speakers, %d statements; want %d, %d", speakers, statements, n+100, 2*n+100)
	}
}

// TestImportMergesIndexWhenDue: imports merge the full-text index once
// what they wrote since the last merge is both large and a quarter of the
// store; smaller imports leave it to a later one.
func TestImportMergesIndexWhenDue(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	unmerged := func() int {
		t.Helper()
		var n int
		err := db.read.QueryRow(`SELECT COALESCE((SELECT value FROM meta WHERE key = 'unmerged'), 0)`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	segments := func() int {
		t.Helper()
		var n int
		if err := db.read.QueryRow(`SELECT COUNT(DISTINCT segid) FROM statements_fts_idx`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	steps := []struct {
		first, n     int
		wantUnmerged int
	}{
		{0, OptimizeAfter, 0},                    // large: merged
		{OptimizeAfter, 2000, 2000},              // small: left
		{OptimizeAfter + 2000, 1000, 3000},       // still small: left
		{OptimizeAfter + 3000, OptimizeAfter, 0}, // with what was left, a quarter: merged
	}
	for i, s := range steps {
		if _, err := db.Import(ctx, strings.NewReader(lines(s.first, s.n, "Statement")), "test"); err != nil {
			t.Fatal(err)
		}
		if got := unmerged(); got != s.wantUnmerged {
			t.Errorf("import %d: %d statements unmerged, want %d", i+1, got, s.wantUnmerged)
		}
	}
	if got := segments(); got != 1 {
		t.Errorf("merged index in %d segments, want 1", got)
	}
	if _, err := db.Import(ctx, strings.NewReader(lines(30_000, 3000, "Statement")), "test"); err != nil {
		t.Fatal(err)
	}
	if got := segments(); got < 2 {
		t.Errorf("a small import left the index in %d segments, want it left for later", got)
	}
	if err := db.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	if got, segs := unmerged(), segments(); got != 0 || segs != 1 {
		t.Errorf("after Optimize: %d statements unmerged in %d segments; want 0 in 1", got, segs)
	}
}

// TestImportGivesTheCacheBack: an import, accepted or refused, leaves the
// writer's page cache at its size for other writes.
func TestImportGivesTheCacheBack(t *testing.T) {
	ctx := context.Background()
	for _, importKiB := range []int{importCacheKiB, 0} {
		db := openTemp(t)
		db.ImportCacheKiB = importKiB
		for i, file := range []string{lines(0, 10, "Said"), lines(10, 10, "Said") + "{not json}\n"} {
			if _, err := db.Import(ctx, strings.NewReader(file), "test"); (err != nil) != (i == 1) {
				t.Fatalf("import %d: %v", i, err)
			}
			var kib int
			if err := db.write.QueryRow(`PRAGMA cache_size`).Scan(&kib); err != nil {
				t.Fatal(err)
			}
			if kib != -writerCacheKiB {
				t.Errorf("import cache %d KiB: cache_size %d after an import, want %d", importKiB, kib, -writerCacheKiB)
			}
		}
	}
}
