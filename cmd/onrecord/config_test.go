package main

import (
	"bytes"
	"context"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onrecord/onrecord/bot"
	"github.com/onrecord/onrecord/bot/discord"
	"github.com/onrecord/onrecord/bot/telegram"
)

func loadEnv(t *testing.T, env map[string]string, args ...string) (*Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(&bytes.Buffer{})
	fv := declare(fs, options)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return load(options, fv, func(k string) string { return env[k] })
}

func TestConfigDefaults(t *testing.T) {
	c, err := loadEnv(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.DB != "onrecord.db" || c.HTTPAddr != "" || c.LogFormat != "text" || c.LogLevel != slog.LevelInfo || len(c.Platforms()) != 0 {
		t.Errorf("defaults: %+v", c)
	}
}

func TestConfigFlagWinsOverEnv(t *testing.T) {
	c, err := loadEnv(t, map[string]string{"ONRECORD_DB": "env.db", "LOG_LEVEL": "warn"}, "--db", "flag.db", "--no-seed")
	if err != nil {
		t.Fatal(err)
	}
	if c.DB != "flag.db" || !c.NoSeed || c.LogLevel != slog.LevelWarn {
		t.Errorf("got %+v", c)
	}
}

func TestConfigOwners(t *testing.T) {
	c, err := loadEnv(t, map[string]string{"ONRECORD_OWNERS": " telegram:123, Discord:456 ,telegram:123"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Owner{{bot.Telegram, "123"}, {bot.Discord, "456"}}
	if len(c.Owners) != 2 || c.Owners[0] != want[0] || c.Owners[1] != want[1] {
		t.Errorf("owners %+v, want %+v", c.Owners, want)
	}
}

// TestConfigInvalid checks that every invalid setting fails at start with
// a message naming the variable, and never showing a secret's value.
func TestConfigInvalid(t *testing.T) {
	const token = "999:TOPSECRET"
	tg := func(kv ...string) map[string]string {
		m := map[string]string{"TELEGRAM_BOT_TOKEN": token}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	dc := func(kv ...string) map[string]string {
		m := map[string]string{"DISCORD_BOT_TOKEN": token}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"bad address", map[string]string{"ONRECORD_HTTP_ADDR": "8080"}, "ONRECORD_HTTP_ADDR"},
		{"bad port", map[string]string{"ONRECORD_HTTP_ADDR": ":99999"}, "ONRECORD_HTTP_ADDR"},
		{"log format", map[string]string{"LOG_FORMAT": "xml"}, "LOG_FORMAT"},
		{"log level", map[string]string{"LOG_LEVEL": "verbose"}, "LOG_LEVEL"},
		{"owners platform", map[string]string{"ONRECORD_OWNERS": "slack:1"}, "ONRECORD_OWNERS"},
		{"owners id", map[string]string{"ONRECORD_OWNERS": "telegram:@ann"}, "ONRECORD_OWNERS"},
		{"no seed", map[string]string{"ONRECORD_NO_SEED": "perhaps"}, "ONRECORD_NO_SEED"},
		{"both token and file", tg("TELEGRAM_BOT_TOKEN_FILE", "/x"), "TELEGRAM_BOT_TOKEN and TELEGRAM_BOT_TOKEN_FILE"},
		{"missing file", map[string]string{"DISCORD_BOT_TOKEN_FILE": "/nonexistent/token"}, "DISCORD_BOT_TOKEN_FILE"},
		{"token with spaces", map[string]string{"TELEGRAM_BOT_TOKEN": "999:TOPSECRET x"}, "TELEGRAM_BOT_TOKEN"},
		{"api url", tg("TELEGRAM_API_URL", "api.telegram.org"), "TELEGRAM_API_URL"},
		{"webhook url", tg("TELEGRAM_WEBHOOK_URL", "ftp://x/hook"), "TELEGRAM_WEBHOOK_URL"},
		{"webhook without secret", tg("TELEGRAM_WEBHOOK_URL", "https://x.example/hook", "TELEGRAM_WEBHOOK_ADDR", ":8443"), "TELEGRAM_WEBHOOK_SECRET"},
		{"webhook secret chars", tg("TELEGRAM_WEBHOOK_URL", "https://x.example/hook", "TELEGRAM_WEBHOOK_ADDR", ":8443", "TELEGRAM_WEBHOOK_SECRET", "TOPSECRET!"), "TELEGRAM_WEBHOOK_SECRET"},
		{"webhook nowhere to serve", tg("TELEGRAM_WEBHOOK_URL", "https://x.example/hook", "TELEGRAM_WEBHOOK_SECRET", "s"), "TELEGRAM_WEBHOOK_ADDR"},
		{"webhook addr without url", tg("TELEGRAM_WEBHOOK_ADDR", ":8443"), "TELEGRAM_WEBHOOK_URL"},
		{"telegram setting without token", map[string]string{"TELEGRAM_WEBHOOK_URL": "https://x.example/hook"}, "TELEGRAM_BOT_TOKEN"},
		{"public key", dc("DISCORD_PUBLIC_KEY", "abc"), "DISCORD_PUBLIC_KEY"},
		{"interactions without key", dc("DISCORD_INTERACTIONS_ADDR", ":8081"), "DISCORD_PUBLIC_KEY"},
		{"guild id", dc("DISCORD_GUILD_ID", "my-server"), "DISCORD_GUILD_ID"},
		{"discord api url", dc("DISCORD_API_URL", "/api"), "DISCORD_API_URL"},
		{"discord setting without token", map[string]string{"DISCORD_GUILD_ID": "1"}, "DISCORD_BOT_TOKEN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadEnv(t, tc.env)
			if err == nil {
				t.Fatalf("accepted %v", tc.env)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not name %s", err, tc.want)
			}
			if strings.Contains(err.Error(), "TOPSECRET") {
				t.Errorf("error %q shows a secret", err)
			}
		})
	}
}

func TestConfigSecretsFromFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	c, err := loadEnv(t, map[string]string{
		"TELEGRAM_BOT_TOKEN_FILE":      write("tg", "123:abc\n"),
		"TELEGRAM_WEBHOOK_URL":         "https://bot.example/telegram",
		"TELEGRAM_WEBHOOK_SECRET_FILE": write("secret", "s3cr3t_-\r\n"),
		"ONRECORD_HTTP_ADDR":           ":8080",
		"DISCORD_BOT_TOKEN_FILE":       write("dc", "  xyz.abc  \n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Telegram.Token != "123:abc" || c.Telegram.SecretToken != "s3cr3t_-" || c.Discord.Token != "xyz.abc" {
		t.Errorf("secrets read as %q %q %q", c.Telegram.Token, c.Telegram.SecretToken, c.Discord.Token)
	}
	if got := c.Platforms(); len(got) != 2 {
		t.Errorf("platforms %v, want both", got)
	}
	if _, err := loadEnv(t, map[string]string{"DISCORD_BOT_TOKEN_FILE": write("empty", "\n")}); err == nil || !strings.Contains(err.Error(), "DISCORD_BOT_TOKEN_FILE") {
		t.Errorf("empty file: %v", err)
	}
}

// TestLogsRedactSecrets checks the logger, whatever logs through it: the
// adapters' and SDKs' errors carry request URLs with the token inside.
func TestLogsRedactSecrets(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		var buf bytes.Buffer
		cfg := &Config{LogFormat: format, Telegram: telegramToken("123:s/e c"), Discord: discordToken("dtok")}
		log := newLogger(&buf, cfg).With(slog.String("base", "https://api.telegram.org/bot123:s/e c/"))
		err := &urlError{"Post \"https://api.telegram.org/bot123:s%2Fe%20c/getMe\": dial tcp: refused"}
		log.Error("failed 123:s/e c", slog.Any("err", err), slog.Group("g", slog.String("tok", "Bot dtok")), slog.Any("v", []string{"dtok"}))
		out := buf.String()
		for _, secret := range []string{"123:s/e c", "s%2Fe%20c", "dtok"} {
			if strings.Contains(out, secret) {
				t.Errorf("%s log shows %q: %s", format, secret, out)
			}
		}
		if strings.Count(out, "***") < 5 {
			t.Errorf("%s log: want five redactions: %s", format, out)
		}
	}
}

type urlError struct{ s string }

func (e *urlError) Error() string { return e.s }

// TestObserverLogsQuestionsOnlyAtDebug checks the one line per question:
// platform, latency and abstention at info, the user's text only at debug.
func TestObserverLogsQuestionsOnlyAtDebug(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		var buf bytes.Buffer
		log := newLogger(&buf, &Config{LogFormat: "text", LogLevel: level})
		m := newMetrics()
		observe := observer(log, m)
		observe(context.Background(), bot.Event{Platform: bot.Telegram, Question: true, Text: "private words", Latency: 1500 * time.Microsecond, Abstained: true})
		out := buf.String()
		for _, want := range []string{"question answered", "platform=telegram", "latency_ms=1.5", "abstained=true"} {
			if !strings.Contains(out, want) {
				t.Errorf("level %v: %q lacks %q", level, out, want)
			}
		}
		if got := strings.Contains(out, "private words"); got != (level == slog.LevelDebug) {
			t.Errorf("level %v: text logged = %v: %s", level, got, out)
		}
	}
}

func TestMetricsExposition(t *testing.T) {
	m := newMetrics()
	m.ensure(bot.Discord)
	for _, ev := range []bot.Event{
		{Platform: bot.Telegram, Question: true, Answered: true, Latency: 3 * time.Millisecond},
		{Platform: bot.Telegram, Question: true, Abstained: true, Latency: 40 * time.Millisecond},
		{Platform: bot.Telegram, Question: true, ErrKind: "too_large", Latency: time.Millisecond},
		{Platform: bot.Telegram, Command: "press", ErrKind: "not_found"},
	} {
		m.record(ev)
	}
	var buf bytes.Buffer
	m.write(&buf, []platformStatus{{Platform: bot.Telegram, State: stateUp}, {Platform: bot.Discord, State: stateRetrying, Restarts: 2}})
	out := buf.String()
	for _, want := range []string{
		"# TYPE onrecord_questions_total counter",
		`onrecord_questions_total{platform="telegram"} 3`,
		`onrecord_questions_total{platform="discord"} 0`,
		`onrecord_answers_total{platform="telegram"} 1`,
		`onrecord_abstentions_total{platform="telegram"} 1`,
		`onrecord_errors_total{platform="telegram",kind="not_found"} 1`,
		`onrecord_errors_total{platform="telegram",kind="too_large"} 1`,
		`onrecord_requests_total{platform="telegram",command="press"} 1`,
		`onrecord_requests_total{platform="telegram",command="question"} 3`,
		"# TYPE onrecord_question_duration_seconds histogram",
		`onrecord_question_duration_seconds_bucket{platform="telegram",le="0.005"} 2`,
		`onrecord_question_duration_seconds_bucket{platform="telegram",le="0.05"} 3`,
		`onrecord_question_duration_seconds_bucket{platform="telegram",le="+Inf"} 3`,
		`onrecord_question_duration_seconds_count{platform="telegram"} 3`,
		`onrecord_platform_up{platform="telegram"} 1`,
		`onrecord_platform_up{platform="discord"} 0`,
		`onrecord_platform_restarts_total{platform="discord"} 2`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("exposition lacks %q:\n%s", want, out)
		}
	}
	// Every line is a comment or "name{labels} value".
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(line, "# ") && len(strings.Fields(line)) != 2 {
			t.Errorf("malformed line %q", line)
		}
	}
}

func TestBackoff(t *testing.T) {
	for n := 0; n < 40; n++ {
		d := backoff(n)
		want := backoffCap
		if n < 10 {
			want = min(backoffBase<<n, backoffCap)
		}
		if d < want/2 || d > want {
			t.Errorf("backoff(%d) = %v, want between %v and %v", n, d, want/2, want)
		}
	}
}

func TestHelpShowsConfiguration(t *testing.T) {
	p := newProgram(t)
	for _, args := range [][]string{{"--help"}, {"help"}, {"serve", "-h"}} {
		out, _, err := p.run("", args...)
		if err != nil {
			t.Errorf("%v: %v", args, err)
		}
		for _, o := range options {
			if !strings.Contains(out, o.Env) {
				t.Errorf("%v: help lacks %s", args, o.Env)
			}
		}
	}
}

func telegramToken(s string) (c telegram.Config) { c.Token = s; return c }
func discordToken(s string) (c discord.Config)   { c.Token = s; return c }
