package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/onrecord/onrecord/answers"
	"github.com/onrecord/onrecord/store"
)

// server is the whole program started through run, as main starts it.
type server struct {
	t    *testing.T
	logs *syncBuffer
	stop context.CancelFunc
	done chan error
}

func startServer(t *testing.T, env map[string]string, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{t: t, logs: &syncBuffer{}, stop: cancel, done: make(chan error, 1)}
	go func() {
		s.done <- run(ctx, args, func(k string) string { return env[k] }, stdio{strings.NewReader(""), &syncBuffer{}, s.logs})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(15 * time.Second):
			t.Error("the program did not stop")
		}
	})
	return s
}

// wait returns run's result, failing the test if it takes longer than
// the promised graceful stop.
func (s *server) wait() error {
	s.t.Helper()
	select {
	case err := <-s.done:
		s.done <- err // for Cleanup
		return err
	case <-time.After(stopTimeout + 2*time.Second):
		s.t.Fatalf("not stopped within %v; logs:\n%s", stopTimeout, s.logs)
		return nil
	}
}

func healthy(addr string) func() bool {
	return func() bool {
		status, _ := getHTTP("http://" + addr + "/healthz")
		return status == 200
	}
}

// TestServeBothPlatforms runs the program with Telegram (long polling) and
// Discord (HTTP interactions) against fake servers, asks on each, stops it
// with a real SIGTERM while Telegram updates are in flight, starts it
// again on the same database, and checks that every question was answered
// exactly once and that no user's text reached the logs.
func TestServeBothPlatforms(t *testing.T) {
	tg := newFakeTelegram(t)
	tg.failGetMe = 1 // Telegram's first connection fails and is retried.
	dc := newFakeDiscord(t)
	key, pub := newDiscordKey(t)
	httpAddr, interactionsAddr := freeAddr(t), freeAddr(t)
	env := map[string]string{
		"ONRECORD_DB":               filepath.Join(t.TempDir(), "onrecord.db"),
		"ONRECORD_HTTP_ADDR":        httpAddr,
		"ONRECORD_OWNERS":           "telegram:42,discord:53908232506183680",
		"LOG_FORMAT":                "json",
		"TELEGRAM_BOT_TOKEN":        tgToken,
		"TELEGRAM_API_URL":          tg.srv.URL,
		"DISCORD_BOT_TOKEN":         dcToken,
		"DISCORD_API_URL":           dc.srv.URL,
		"DISCORD_PUBLIC_KEY":        pub,
		"DISCORD_INTERACTIONS_ADDR": interactionsAddr,
	}
	const question = "What did Lavrov say about peace proposals?"

	first := startServer(t, env, "serve")
	// Discord answers while Telegram is still retrying its first getMe.
	waitUntil(t, 10*time.Second, "the interactions endpoint", func() bool {
		c, err := net.Dial("tcp", interactionsAddr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	if n := dc.count("PUT /applications/111/commands"); n != 1 {
		t.Errorf("commands registered %d times, want once", n)
	}
	status, resp := key.ask(t, interactionsAddr, "9001", question)
	if status != 200 || resp["type"] != float64(4) || !strings.Contains(mustJSON(resp), "Sergey Lavrov") {
		t.Fatalf("Discord /ask: %d %v, want a type 4 response with Lavrov's statement", status, resp)
	}
	waitUntil(t, 15*time.Second, "healthy", healthy(httpAddr))

	chats := []int64{41, 42, 43}
	for _, c := range chats {
		tg.ask(c, question)
	}
	waitUntil(t, 10*time.Second, "a first Telegram answer", func() bool { return len(tg.replies(41))+len(tg.replies(42))+len(tg.replies(43)) > 0 })
	_, metrics := getHTTP("http://" + httpAddr + "/metrics")
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := first.wait(); err != nil {
		t.Fatalf("run after SIGTERM: %v\n%s", err, first.logs)
	}
	for _, want := range []string{
		`onrecord_questions_total{platform="discord"} 1`,
		`onrecord_answers_total{platform="discord"} 1`,
		`onrecord_platform_up{platform="telegram"} 1`,
		`onrecord_platform_restarts_total{platform="telegram"} 1`,
		`onrecord_question_duration_seconds_count{platform="discord"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, metrics)
		}
	}

	// A later update and the restart: the same database, the same fakes.
	tg.ask(44, question)
	second := startServer(t, env, "serve")
	waitUntil(t, 15*time.Second, "every Telegram question answered", func() bool {
		for _, c := range append(chats, 44) {
			if len(tg.replies(c)) == 0 {
				return false
			}
		}
		return true
	})
	status, _ = key.ask(t, interactionsAddr, "9002", question)
	if status != 200 {
		t.Errorf("Discord after restart: %d", status)
	}
	second.stop()
	if err := second.wait(); err != nil {
		t.Fatalf("run after cancel: %v", err)
	}

	for _, c := range append(chats, 44) {
		if got := tg.replies(c); len(got) != 1 || !strings.Contains(got[0], "Sergey Lavrov") {
			t.Errorf("chat %d got %d replies %q, want Lavrov's statement once", c, len(got), got)
		}
	}
	if got, want := tg.confirmedBelow(), tg.nextID+1; got != want {
		t.Errorf("offset confirmed up to %d, want %d: a restart would answer again", got, want)
	}
	db, err := store.Open(context.Background(), env["ONRECORD_DB"], nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, o := range [][2]string{{"telegram", "42"}, {"discord", "53908232506183680"}} {
		if role, err := db.Role(context.Background(), o[0], o[1]); err != nil || role != answers.RoleOwner {
			t.Errorf("ONRECORD_OWNERS: %s:%s has role %q (%v), want owner", o[0], o[1], role, err)
		}
	}

	logs := first.logs.String() + second.logs.String()
	for _, secret := range []string{tgToken, dcToken, question, "peace proposals"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q:\n%s", secret, logs)
		}
	}
	if n := strings.Count(logs, `"msg":"question answered"`); n != 6 {
		t.Errorf("%d question lines logged, want 6 (4 Telegram, 2 Discord):\n%s", n, logs)
	}
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("not a JSON log line: %q", line)
			continue
		}
		if rec["msg"] == "question answered" {
			if rec["platform"] == nil || rec["latency_ms"] == nil || rec["abstained"] != false {
				t.Errorf("question line lacks platform, latency or abstained: %v", rec)
			}
		}
	}
}

// TestServeRetriesAndRedacts points Telegram at a closed port: the
// platform keeps retrying, /healthz says so with 503, and the bot token
// (part of every Bot API URL) never reaches the logs.
func TestServeRetriesAndRedacts(t *testing.T) {
	httpAddr := freeAddr(t)
	s := startServer(t, map[string]string{
		"ONRECORD_DB":        filepath.Join(t.TempDir(), "onrecord.db"),
		"ONRECORD_HTTP_ADDR": httpAddr,
		"TELEGRAM_BOT_TOKEN": tgToken,
		"TELEGRAM_API_URL":   "http://" + freeAddr(t),
		"LOG_LEVEL":          "debug",
	})
	var body string
	waitUntil(t, 10*time.Second, "a 503 naming the retry", func() bool {
		var status int
		status, body = getHTTP("http://" + httpAddr + "/healthz")
		return status == 503 && strings.Contains(body, `"retrying"`)
	})
	waitUntil(t, 5*time.Second, "a logged failure", func() bool { return strings.Contains(s.logs.String(), "platform failed") })
	if code := runHealthcheckFor(httpAddr); code == nil {
		t.Error("healthcheck passed on an unhealthy program")
	}
	s.stop()
	if err := s.wait(); err != nil {
		t.Fatal(err)
	}
	logs := s.logs.String()
	if strings.Contains(logs+body, tgToken) || strings.Contains(logs+body, "SECRET") {
		t.Errorf("the token leaked:\n%s\n%s", logs, body)
	}
	if !strings.Contains(logs, "bot***") {
		t.Errorf("want the URL logged with the token redacted:\n%s", logs)
	}
}

func runHealthcheckFor(addr string) error {
	return run(context.Background(), []string{"healthcheck"}, func(k string) string {
		if k == "ONRECORD_HTTP_ADDR" {
			return addr
		}
		return ""
	}, stdio{strings.NewReader(""), &syncBuffer{}, &syncBuffer{}})
}

func TestHealthcheck(t *testing.T) {
	tg := newFakeTelegram(t)
	httpAddr := freeAddr(t)
	startServer(t, map[string]string{
		"ONRECORD_DB":        filepath.Join(t.TempDir(), "onrecord.db"),
		"ONRECORD_HTTP_ADDR": httpAddr,
		"TELEGRAM_BOT_TOKEN": tgToken,
		"TELEGRAM_API_URL":   tg.srv.URL,
	}) // plain `onrecord` serves when a platform is configured
	waitUntil(t, 10*time.Second, "healthy", healthy(httpAddr))
	if err := runHealthcheckFor(httpAddr); err != nil {
		t.Errorf("healthcheck: %v", err)
	}
	_, body := getHTTP("http://" + httpAddr + "/healthz")
	var h health
	if err := json.Unmarshal([]byte(body), &h); err != nil || h.Status != "ok" || h.Store != "ok" || len(h.Platforms) != 1 || h.Platforms[0].State != stateUp {
		t.Errorf("/healthz: %v %+v", err, h)
	}
	if err := runHealthcheckFor(freeAddr(t)); err == nil {
		t.Error("healthcheck passed with nothing listening")
	}
	if err := runHealthcheckFor(""); err == nil || !strings.Contains(err.Error(), "ONRECORD_HTTP_ADDR") {
		t.Errorf("healthcheck without an address: %v", err)
	}
}

func TestServeWithoutPlatform(t *testing.T) {
	p := newProgram(t)
	_, _, err := p.run("", "serve")
	if err == nil || !strings.Contains(err.Error(), "TELEGRAM_BOT_TOKEN") || !strings.Contains(err.Error(), "DISCORD_BOT_TOKEN") {
		t.Errorf("serve with no platform: %v, want the variables to set", err)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestSecondSignalStopsAtOnce sends the process two real SIGTERMs: the
// first starts the graceful stop, the second asks to skip it.
func TestSecondSignalStopsAtOnce(t *testing.T) {
	ctx, hard, stop := withSignals(context.Background(), slog.New(slog.DiscardHandler))
	defer stop()
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the first signal did not cancel the context")
	}
	select {
	case <-hard:
		t.Fatal("one signal stopped at once")
	case <-time.After(50 * time.Millisecond):
	}
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	select {
	case <-hard:
	case <-time.After(5 * time.Second):
		t.Fatal("the second signal did not stop at once")
	}
}
