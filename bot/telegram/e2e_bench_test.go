package telegram

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/onrecord/onrecord/bot"
	"github.com/onrecord/onrecord/internal/bench"
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
	_, engine, questions := bench.E2EStore(b)
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
