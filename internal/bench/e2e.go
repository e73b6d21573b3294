package bench

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/onrecord/onrecord/answers"
	"github.com/onrecord/onrecord/data"
	"github.com/onrecord/onrecord/internal/gen"
	"github.com/onrecord/onrecord/store"
)

// E2EStore opens ONRECORD_E2E_DB, or builds the seed plus 1,000 generated
// statements, and returns it with questions about it: generated from a
// sample of the statements of the store itself (questions made for
// another store mostly miss, which is not what users do), after the two
// the project's examples ask. The engine it returns has answered once,
// so that its lexicon is built before timing starts (cold start is
// measured apart, by internal/bench).
func E2EStore(b testing.TB) (*store.DB, *answers.Engine, []string) {
	ctx := context.Background()
	path := os.Getenv("ONRECORD_E2E_DB")
	if path == "" {
		g, err := gen.New(7, 1000)
		if err != nil {
			b.Fatal(err)
		}
		path = filepath.Join(b.TempDir(), "e2e.db")
		var buf bytes.Buffer
		if err := g.Write(&buf); err != nil {
			b.Fatal(err)
		}
		db, err := store.Open(ctx, path, data.Seed())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.Import(ctx, &buf, "bench"); err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
	db, err := store.Open(ctx, path, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	sample, err := SampleStatements(ctx, db, 500)
	if err != nil {
		b.Fatal(err)
	}
	qs := append([]string{"What did Lavrov say about peace proposals?", "Will the US back Zelensky if he negotiates?"},
		gen.Questions(7, 200, sample)...)
	e := answers.NewEngine(db)
	if _, err := e.Ask(ctx, qs[0]); err != nil {
		b.Fatal(err)
	}
	return db, e, qs
}

// SampleStatements reads n statements spread evenly over the store, with
// their speakers' aliases, as the question generator wants them.
func SampleStatements(ctx context.Context, db *store.DB, n int) ([]gen.Statement, error) {
	sps, err := db.Speakers(ctx)
	if err != nil {
		return nil, err
	}
	aliases := map[string][]string{}
	total := 0
	for _, sp := range sps {
		aliases[sp.Name] = sp.Aliases
		total += sp.Statements
	}
	var out []gen.Statement
	for i := 0; i < n; i++ {
		st, err := db.Statement(ctx, int64(1+i*max(1, total/n)))
		if err != nil {
			continue // retired or missing: fewer questions
		}
		out = append(out, gen.Statement{Speaker: st.Speaker, SpeakerAliases: aliases[st.Speaker], Text: st.Text, Topics: st.Topics})
	}
	return out, nil
}
