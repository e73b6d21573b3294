package store

import (
	"context"
	"strings"
	"testing"

	"github.com/onrecord/onrecord/answers"
)

// firstRevisionFile is a file whose records cover what a revision holds:
// every date precision, HTML and non-ASCII text, topics, sources, a
// retired record, roles, and a speaker named in another case than theirs.
const firstRevisionFile = `{"speaker":"Ana Núñez","speaker_aliases":["Núñez"],"speaker_role":"Mayor","text":"Taxes <up> & \"spending\" down.","said_on":"2024","topics":["tax","a&b"],"context":"a <b>speech</b>","source":{"outlet":"Tribune","title":"T","url":"https://example.com/a?b=1&c=2","published_on":"2024-06-01","note":"n"}}
{"speaker":"Ana Núñez","text":"Second — with a dash.","kind":"paraphrase","said_on":"2024-06","said_when":"in June"}
{"speaker":"ana núñez","text":"Named in lower case.","said_on":"2024-06-02"}
{"speaker":"Bo Li","text":"Retired on arrival.","retired":true,"topics":[]}
{"speaker":"Bo Li","speaker_role":"Minister","text":"Plain.","source":{"note":"unsourced"}}
{"speaker":"Cy Young","text":"Moved by a merge."}
`

// TestFirstRevisionLeftToTheRow: an imported statement's first revision,
// which has no row, reads as exactly the data it would have held, by whom
// and how, before and after every change that writes it out (an edit, a
// rename, a merge, an import that updates it, a revert), and the store
// refuses a change that would lose it.
func TestFirstRevisionLeftToTheRow(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	recs, err := answers.ParseRecords(strings.NewReader(firstRevisionFile))
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]string{} // what revision 1 held when every record was written out
	for i := range recs {
		js, err := revisionData(&recs[i].Statement)
		if err != nil {
			t.Fatal(err)
		}
		want[int64(i+1)] = js
	}
	if _, err := db.Import(ctx, strings.NewReader(firstRevisionFile), "test"); err != nil {
		t.Fatal(err)
	}
	rawData := func(id int64) string {
		var js string
		if err := db.read.QueryRowContext(ctx, `SELECT data FROM statement_revisions WHERE statement_id = ? AND rev = 1`, id).Scan(&js); err != nil {
			t.Fatal(err)
		}
		return js
	}
	rows := func(id int64) (n int) {
		if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM revisions WHERE statement_id = ?`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	check := func(when string) {
		t.Helper()
		for id, js := range want {
			h, err := db.History(ctx, id)
			if err != nil {
				t.Fatalf("%s: history of #%d: %v", when, id, err)
			}
			var rec answers.Record
			rec.Statement = h[0].Statement
			rec.ID, rec.Rev = 0, 0
			got, _ := revisionData(&rec.Statement)
			if got != js || h[0].Rev != 1 || h[0].Action != "import" || h[0].Actor != "test" {
				t.Errorf("%s: revision 1 of #%d reads\n%s (%d %s by %s), want\n%s", when, id, got, h[0].Rev, h[0].Action, h[0].Actor, js)
			}
		}
	}
	for _, id := range []int64{1, 2, 4, 5, 6} {
		if js := rawData(id); js != "" || rows(id) != 0 {
			t.Errorf("#%d: revision 1 holds %s in %d rows, want it left to the row", id, js, rows(id))
		}
	}
	if js := rawData(3); js != want[3] {
		t.Errorf("#3, named in another case: revision 1 holds %q, want %q", js, want[3])
	}
	check("imported")

	// Nothing may change a statement or rename a speaker behind the
	// writer's back.
	if _, err := db.write.ExecContext(ctx, `UPDATE statements SET text = 'x' WHERE id = 1`); err == nil {
		t.Error("a direct update of a statement at revision 1 went through")
	}
	if _, err := db.write.ExecContext(ctx, `UPDATE speakers SET name = 'x' WHERE name = 'Bo Li'`); err == nil {
		t.Error("a direct rename of a speaker went through")
	}

	text := "Edited."
	if _, err := db.UpdateStatement(ctx, 2, 1, answers.StatementPatch{Text: &text}, "mod"); err != nil {
		t.Fatal(err)
	}
	if rawData(2) != want[2] {
		t.Errorf("#2 edited: revision 1 holds %q", rawData(2))
	}
	sps, err := db.Speakers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, sp := range sps {
		ids[sp.Name] = sp.ID
	}
	if err := db.RenameSpeaker(ctx, ids["Bo Li"], "Bo Lee", "mod"); err != nil {
		t.Fatal(err)
	}
	if err := db.MergeSpeakers(ctx, ids["Cy Young"], ids["Ana Núñez"], "mod"); err != nil {
		t.Fatal(err)
	}
	// An import that updates an imported statement by its id.
	res, err := db.Import(ctx, strings.NewReader(`{"id":5,"speaker":"Bo Lee","speaker_role":"Minister","text":"Plain, and updated."}`+"\n"), "other")
	if err != nil || res.Updated != 1 {
		t.Fatalf("updating import: %v, %v", res, err)
	}
	for _, id := range []int64{2, 4, 5, 6} {
		if rawData(id) != want[id] {
			t.Errorf("#%d: revision 1 holds %q after the changes, want %q", id, rawData(id), want[id])
		}
	}
	if rawData(1) != "" {
		t.Error("#1, never changed, had its first revision written out")
	}
	check("changed")

	// Reverting to a first revision left to the row restores it.
	other := "Taxes down, spending up, says the edit."
	if _, err := db.UpdateStatement(ctx, 1, 1, answers.StatementPatch{Text: &other}, "mod"); err != nil {
		t.Fatal(err)
	}
	st, err := db.Revert(ctx, 1, 1, "mod")
	if err != nil {
		t.Fatal(err)
	}
	if st.Text != recs[0].Text || st.Rev != 3 {
		t.Errorf("reverted #1: %q at revision %d, want %q at 3", st.Text, st.Rev, recs[0].Text)
	}
	check("reverted")
}

// TestRevisionQueriesSeek: reading revisions through statement_revisions,
// and finding the first revisions left to the row, seek by statement or
// speaker; a scan would read every revision and statement in the store.
// (What the view's halves found is then scanned, as v or by its name.)
func TestRevisionQueriesSeek(t *testing.T) {
	db := openTemp(t)
	for name, q := range map[string]string{
		"qRevision":           qRevision,
		"qHistory":            qHistory,
		"qKeepFirstRevision":  qKeepFirstRevision,
		"qFirstRevisionsLeft": qFirstRevisionsLeft,
	} {
		plan := queryPlan(t, db, q, 1, 1)
		for _, line := range strings.Split(plan, "; ") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "SCAN" && (f[1] == "revisions" || f[1] == "r" || f[1] == "statements" || f[1] == "s") {
				t.Errorf("%s: %q scans a table", name, plan)
			}
		}
	}
}

// TestUndoTakesBackTheLastChange: undo goes back one revision from the one
// current when it writes, as a new revision; a statement with no earlier
// revision is refused and nothing is written.
func TestUndoTakesBackTheLastChange(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	if _, err := db.Import(ctx, strings.NewReader(firstRevisionFile), "test"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.Undo(ctx, 1, "mod"); answers.ErrorCode(err) != answers.EConflict {
		t.Fatalf("undo of a statement never changed: %v, want a conflict", err)
	}
	orig, err := db.Statement(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	first, second := "First edit.", "Second edit."
	for _, text := range []*string{&first, &second} {
		if _, err := db.UpdateStatement(ctx, 1, 0, answers.StatementPatch{Text: text}, "mod"); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []struct {
		text    string
		to, rev int
	}{
		{first, 2, 4},  // back before the second edit
		{second, 3, 5}, // undo of the undo
		{first, 4, 6},  // and again
	} {
		st, to, err := db.Undo(ctx, 1, "mod")
		if err != nil {
			t.Fatal(err)
		}
		if st.Text != want.text || to != want.to || st.Rev != want.rev {
			t.Errorf("undo: %q, back to %d, saved as %d; want %q, %d, %d", st.Text, to, st.Rev, want.text, want.to, want.rev)
		}
	}
	revs, err := db.History(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(revs) != 6 || revs[0].Statement.Text != orig.Text || revs[5].Action != "undo to 4" {
		t.Errorf("history: %d revisions, last %q; want 6 ending in an undo", len(revs), revs[len(revs)-1].Action)
	}
}
