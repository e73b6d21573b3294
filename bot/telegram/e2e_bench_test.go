package telegram

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/onrecord/onrecord/answers"
	"github.com/onrecord/onrecord/bot"
	"github.com/onrecord/onrecord/data"
	"github.com/onrecord/onrecord/internal/gen"
	"github.com/onrecord/onrecord/store"
)

// BenchmarkE2ETelegram pushes b.N questions from 50 private chats through
// the fake Bot API and the long-polling adapter with DefaultWorkers, as
// served (with four, which also wait on their sendMessage round trips,
// profiles showed one core busy of two), and measures the sustained rate
// from the first update to the last reply. The store is
// ONRECORD_E2E_DB (an existing database, such as the 100k store
// internal/bench keeps with -bench.keep) or, by default, the seed plus
// 1,000 generated statements:
//
//	ONRECORD_E2E_DB=/tmp/onrecord-bench/store-100k.db go test ./bot/telegram -run '^$' -bench E2E -benchtime 2000x
func BenchmarkE2ETelegram(b *testing.B) {
	_, engine, questions := e2eStore(b)
	fake := newFakeTG(b)
	quiet := slog.New(slog.DiscardHandler)
	tg, err := newTelegram(Config{
		Token: fakeToken, APIURL: fake.URL(), PollTimeout: 2 * time.Second, RequestTimeout: 5 * time.Second,
		ShutdownTimeout: 5 * time.Second, Workers: DefaultWorkers, Limits: unlimited,
	}, bot.New(engine, quiet), quiet)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tg.Run(ctx) }()
	defer func() { cancel(); <-done }()
	fake.waitFor("the bot to connect", func() bool { return tg.ready.Load() })
	before := len(fake.snapshot("sendMessage", "sendDocument"))
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		chat := int64(1000 + i%50)
		fake.push(messageUpdate(textMessage(chat, chat, questions[i%len(questions)])))
	}
	deadline := time.Now().Add(2 * time.Minute)
	for len(fake.snapshot("sendMessage", "sendDocument"))-before < b.N {
		if time.Now().After(deadline) {
			b.Fatalf("only %d of %d questions answered", len(fake.snapshot("sendMessage", "sendDocument"))-before, b.N)
		}
		time.Sleep(2 * time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "questions/s")
}

// e2eStore opens ONRECORD_E2E_DB, or builds the seed plus 1,000 generated
// statements, and returns it with questions about it: generated from a
// sample of the statements of the store itself (questions made for
// another store mostly miss, which is not what users do), after the two
// the project's examples ask. The engine it returns has answered once,
// so that its lexicon is built before timing starts (cold start is
// measured apart, by internal/bench).
func e2eStore(b *testing.B) (*store.DB, *answers.Engine, []string) {
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
	sample, err := sampleStatements(ctx, db, 500)
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

// sampleStatements reads n statements spread evenly over the store, with
// their speakers' aliases, as the question generator wants them.
func sampleStatements(ctx context.Context, db *store.DB, n int) ([]gen.Statement, error) {
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
