package telegram

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/onrecord/onrecord/answers"
	"github.com/onrecord/onrecord/bot"
	"github.com/onrecord/onrecord/data"
	"github.com/onrecord/onrecord/store"
)

// newTestBot returns a bot answering from a real store holding the curated
// seed, in a temporary directory.
func newTestBot(t testing.TB) (*bot.Bot, *store.DB) {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "onrecord.db"), data.Seed())
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return bot.New(answers.NewEngine(db), testLogger(t)), db
}

// testLogger logs to the test when -v is given, so failures come with the
// adapter's own account of what happened.
func testLogger(t testing.TB) *slog.Logger {
	if !testing.Verbose() {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// someStatements returns ids of live statements in the store.
func someStatements(t testing.TB, db answers.Index, n int) []answers.Statement {
	t.Helper()
	ctx := context.Background()
	speakers, err := db.Speakers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []answers.Statement
	for _, sp := range speakers {
		sts, err := db.SpeakerStatements(ctx, sp.ID, n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, sts...)
		if len(out) >= n {
			return out[:n]
		}
	}
	if len(out) == 0 {
		t.Fatal("the store has no statements")
	}
	return out
}

// unlimited lifts every rate limit, for tests about something else.
var unlimited = Limits{
	PrivateChat:  Rate{1 << 30, time.Second},
	GroupChat:    Rate{1 << 30, time.Second},
	Global:       Rate{1 << 30, time.Second},
	UserRequests: Rate{1 << 30, time.Second},
}

// harness runs a Telegram adapter against a fake Bot API.
type harness struct {
	t      *testing.T
	fake   *fakeTG
	tg     *Telegram
	bot    *bot.Bot
	db     *store.DB
	cancel context.CancelFunc
	done   chan error
}

type option func(*Config)

func withLimits(l Limits) option { return func(c *Config) { c.Limits = l } }

func withWebhook(secret string) option {
	return func(c *Config) { c.WebhookURL, c.SecretToken = "https://bot.example/hook", secret }
}

// startBot starts an adapter with polling (or as the options say) and
// waits until it has connected.
func startBot(t *testing.T, fake *fakeTG, opts []option, mws ...tgbot.Middleware) *harness {
	t.Helper()
	return startBotWith(t, fake, nil, opts, mws...)
}

// startBotWith is startBot with setup run on the store before the adapter
// starts, for what the adapter reads at start (moderators).
func startBotWith(t *testing.T, fake *fakeTG, setup func(*store.DB), opts []option, mws ...tgbot.Middleware) *harness {
	t.Helper()
	if fake == nil {
		fake = newFakeTG(t)
	}
	b, db := newTestBot(t)
	if setup != nil {
		setup(db)
	}
	cfg := Config{
		Token:           fakeToken,
		APIURL:          fake.URL(),
		PollTimeout:     2 * time.Second,
		RequestTimeout:  5 * time.Second,
		ShutdownTimeout: 5 * time.Second,
		Workers:         4,
		Limits:          unlimited,
	}
	for _, o := range opts {
		o(&cfg)
	}
	tg, err := newTelegram(cfg, b, testLogger(t), mws...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	// Retries wait for real only where a test says so.
	tg.send.sleep = func(ctx context.Context, d time.Duration) error { return ctx.Err() }
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, fake: fake, tg: tg, bot: b, db: db, cancel: cancel, done: make(chan error, 1)}
	go func() { h.done <- tg.Run(ctx) }()
	t.Cleanup(func() { h.stop() })
	fake.waitFor("the bot to connect", func() bool { return tg.ready.Load() })
	if cfg.WebhookURL == "" {
		fake.waitFor("the first getUpdates", func() bool { return len(fake.snapshot("getUpdates")) > 0 })
	} else {
		// Run registers the webhook after it has connected.
		fake.waitFor("setWebhook", func() bool { return len(fake.snapshot("setWebhook")) > 0 })
	}
	return h
}

// stop stops the adapter and returns what Run returned.
func (h *harness) stop() error {
	h.cancel()
	select {
	case err, ok := <-h.done:
		if ok {
			close(h.done)
		}
		return err
	case <-time.After(15 * time.Second):
		h.t.Fatal("Run did not return after its context was cancelled")
		return errors.New("timeout")
	}
}

// handled waits until n updates have been through the handler.
func (h *harness) handled(n int64) {
	h.t.Helper()
	h.fake.waitFor("updates to be handled", func() bool { return h.tg.processed.Load() >= n })
}

// expect returns what the bot itself makes of req, rendered: what the
// adapter must have sent.
func (h *harness) expect(req bot.Request) []string {
	parts, _ := renderReply(h.bot.Handle(context.Background(), req))
	return parts
}
