package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
)

// newClockedSender is a sender with Telegram's default limits on a manual
// clock: sleeping advances the clock instead of waiting.
func newClockedSender() (*sender, *clock) {
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := Limits{}.withDefaults()
	s := newSender(nil, slog.New(slog.DiscardHandler), l, time.Second)
	s.private = newLimiter(l.PrivateChat, c.now)
	s.group = newLimiter(l.GroupChat, c.now)
	s.global = newLimiter(l.Global, c.now)
	s.sleep = func(ctx context.Context, d time.Duration) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		c.advance(d)
		return nil
	}
	return s, c
}

func TestSenderKeepsTelegramLimits(t *testing.T) {
	tests := []struct {
		name  string
		chats func(i int) int64
		n     int
		// span is the time from the first to the last send.
		span time.Duration
	}{
		{"private chat: 1 per second", func(int) int64 { return 5 }, 3, 2 * time.Second},
		{"group: 20 per minute", func(int) int64 { return -5 }, 21, time.Minute},
		{"global: 30 per second", func(i int) int64 { return int64(100 + i) }, 31, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c := newClockedSender()
			var at []time.Time
			for i := 0; i < tt.n; i++ {
				err := s.do(context.Background(), tt.chats(i), "sendMessage", func(ctx context.Context, chatID int64) error {
					at = append(at, c.now())
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			if got := at[len(at)-1].Sub(at[0]); got != tt.span {
				t.Errorf("%d sends took %v, want %v", tt.n, got, tt.span)
			}
		})
	}
}

func TestSenderErrors(t *testing.T) {
	tooMany := func(after int) error {
		return &tgbot.TooManyRequestsError{Message: "too many requests", RetryAfter: after}
	}
	tests := []struct {
		name     string
		replies  []error // what each attempt gets
		wantErr  bool
		calls    int
		wantWait time.Duration
		chats    []int64 // chat of each attempt, if checked
	}{
		{"ok", []error{nil}, false, 1, 0, nil},
		{"429 then ok", []error{tooMany(5), nil}, false, 2, 5 * time.Second, nil},
		{"429 without retry_after waits a second", []error{tooMany(0), nil}, false, 2, time.Second, nil},
		{"429 for ever gives up", []error{tooMany(1), tooMany(1), tooMany(1), tooMany(1), nil}, true, maxAttempts, 3 * time.Second, nil},
		{"429 too long to wait", []error{tooMany(3600)}, true, 1, 0, nil},
		{"403 blocked", []error{fmt.Errorf("%w, Forbidden: bot was blocked by the user", tgbot.ErrorForbidden)}, true, 1, 0, nil},
		{"400 bad request", []error{fmt.Errorf("%w, Bad Request: message is too long", tgbot.ErrorBadRequest)}, true, 1, 0, nil},
		{"migrated", []error{&tgbot.MigrateError{Message: "bad request", MigrateToChatID: -1009}, nil}, false, 2, 0, []int64{-9, -1009}},
		{"network", []error{errors.New("connection refused")}, true, 1, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c := newClockedSender()
			start := c.now()
			var chats []int64
			err := s.do(context.Background(), -9, "sendMessage", func(ctx context.Context, chatID int64) error {
				chats = append(chats, chatID)
				return tt.replies[len(chats)-1]
			})
			if (err != nil) != tt.wantErr {
				t.Errorf("err = %v, want error %v", err, tt.wantErr)
			}
			if len(chats) != tt.calls {
				t.Errorf("%d attempts, want %d", len(chats), tt.calls)
			}
			if got := c.now().Sub(start); got != tt.wantWait {
				t.Errorf("waited %v, want %v", got, tt.wantWait)
			}
			if tt.chats != nil && fmt.Sprint(chats) != fmt.Sprint(tt.chats) {
				t.Errorf("attempts went to %v, want %v", chats, tt.chats)
			}
		})
	}
	// Later messages to the old group go straight to the supergroup.
	s, _ := newClockedSender()
	s.migrate(-9, -1009)
	var got int64
	_ = s.do(context.Background(), -9, "sendMessage", func(ctx context.Context, chatID int64) error { got = chatID; return nil })
	if got != -1009 {
		t.Errorf("sent to %d after migration, want -1009", got)
	}
}

func TestSenderRespectsContext(t *testing.T) {
	s, _ := newClockedSender()
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := s.do(ctx, 5, "sendMessage", func(ctx context.Context, chatID int64) error {
		calls++
		cancel() // stop while waiting to retry
		return &tgbot.TooManyRequestsError{RetryAfter: 10}
	})
	if !errors.Is(err, context.Canceled) || calls != 1 {
		t.Errorf("err = %v after %d calls, want context.Canceled after 1", err, calls)
	}
}
