package main

import (
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/onrecord/onrecord/bot"
	"github.com/onrecord/onrecord/bot/discord"
	"github.com/onrecord/onrecord/bot/telegram"
)

// Config is everything the program is configured with, from flags and the
// environment. A platform is configured when its token is set.
type Config struct {
	DB       string
	NoSeed   bool
	HTTPAddr string
	// Owners are the people who may run every command, moderation
	// included. The program hands them to the bot in handOwnersToBot.
	Owners    []Owner
	LogFormat string // "text" or "json"
	LogLevel  slog.Level

	Telegram telegram.Config
	// TelegramWebhookAddr is where the Telegram webhook is served; empty
	// with a webhook URL mounts it on HTTPAddr instead.
	TelegramWebhookAddr string
	Discord             discord.Config
}

// Owner is one entry of ONRECORD_OWNERS: a user on a platform.
type Owner struct {
	Platform bot.Platform
	ID       string
}

// Platforms returns the names of the configured platforms.
func (c *Config) Platforms() []bot.Platform {
	var out []bot.Platform
	if c.Telegram.Token != "" {
		out = append(out, bot.Telegram)
	}
	if c.Discord.Token != "" {
		out = append(out, bot.Discord)
	}
	return out
}

// secrets returns the configured secret values, for redaction.
func (c *Config) secrets() []string {
	var out []string
	for _, s := range []string{c.Telegram.Token, c.Telegram.SecretToken, c.Discord.Token} {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// option is one configuration setting. The table of options below is the
// only place settings are declared: flags, environment, --help and the
// README's table all come from it.
type option struct {
	Env     string
	Flag    string // without dashes; "" for environment only (secrets)
	Default string
	Meaning string
	// Secret settings are also read from Env+"_FILE", are never taken as
	// flags (which other users can see in the process list), and their
	// values never appear in messages.
	Secret bool
	Bool   bool
	set    func(c *Config, v string) error
}

// options is the configuration table.
var options = []*option{
	{Env: "ONRECORD_DB", Flag: "db", Default: "onrecord.db", Meaning: "SQLite database file; created, with the curated seed, when missing",
		set: func(c *Config, v string) error {
			if v == "" {
				return errors.New("must not be empty")
			}
			c.DB = v
			return nil
		}},
	{Env: "ONRECORD_NO_SEED", Flag: "no-seed", Default: "false", Bool: true, Meaning: "create a missing database empty instead of with the seed set",
		set: func(c *Config, v string) (err error) { c.NoSeed, err = parseBool(v); return err }},
	{Env: "ONRECORD_HTTP_ADDR", Flag: "http-addr", Meaning: "address for /healthz and /metrics (e.g. :8080); off when empty",
		set: func(c *Config, v string) error { c.HTTPAddr = v; return checkAddr(v) }},
	{Env: "ONRECORD_OWNERS", Flag: "owners", Meaning: "owners as platform:user-id, comma-separated (telegram:123,discord:456)",
		set: func(c *Config, v string) (err error) { c.Owners, err = parseOwners(v); return err }},
	{Env: "LOG_FORMAT", Flag: "log-format", Default: "text", Meaning: "log format: text or json",
		set: func(c *Config, v string) error {
			if v != "text" && v != "json" {
				return fmt.Errorf("%q is not text or json", v)
			}
			c.LogFormat = v
			return nil
		}},
	{Env: "LOG_LEVEL", Flag: "log-level", Default: "info", Meaning: "debug, info, warn or error; only debug logs the users' questions",
		set: func(c *Config, v string) error {
			switch strings.ToLower(v) {
			case "debug", "info", "warn", "error":
				return c.LogLevel.UnmarshalText([]byte(v))
			}
			return fmt.Errorf("%q is not debug, info, warn or error", v)
		}},
	{Env: "TELEGRAM_BOT_TOKEN", Secret: true, Meaning: "Telegram bot token from @BotFather; enables Telegram",
		set: func(c *Config, v string) error {
			if strings.ContainsAny(v, " \t\r\n/") {
				return errors.New("is not a bot token (it contains spaces or slashes)")
			}
			c.Telegram.Token = v
			return nil
		}},
	{Env: "TELEGRAM_API_URL", Flag: "telegram-api-url", Default: telegram.DefaultAPIURL, Meaning: "Bot API server (a self-hosted telegram-bot-api)",
		set: func(c *Config, v string) error { c.Telegram.APIURL = v; return checkURL(v) }},
	{Env: "TELEGRAM_WEBHOOK_URL", Flag: "telegram-webhook-url", Meaning: "public HTTPS URL Telegram posts updates to; long polling when empty",
		set: func(c *Config, v string) error { c.Telegram.WebhookURL = v; return checkURL(v) }},
	{Env: "TELEGRAM_WEBHOOK_ADDR", Flag: "telegram-webhook-addr", Meaning: "address serving the webhook; empty mounts it on ONRECORD_HTTP_ADDR",
		set: func(c *Config, v string) error { c.TelegramWebhookAddr = v; return checkAddr(v) }},
	{Env: "TELEGRAM_WEBHOOK_SECRET", Secret: true, Meaning: "secret Telegram sends with every webhook request (A-Z, a-z, 0-9, _, -)",
		set: func(c *Config, v string) error {
			if v != "" && !webhookSecretRE.MatchString(v) {
				return errors.New("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
			}
			c.Telegram.SecretToken = v
			return nil
		}},
	{Env: "DISCORD_BOT_TOKEN", Secret: true, Meaning: "Discord bot token; enables Discord",
		set: func(c *Config, v string) error {
			if strings.ContainsAny(strings.TrimPrefix(v, "Bot "), " \t\r\n") {
				return errors.New("is not a bot token (it contains spaces)")
			}
			c.Discord.Token = v
			return nil
		}},
	{Env: "DISCORD_APPLICATION_ID", Flag: "discord-application-id", Meaning: "application id; asked of the API when empty",
		set: func(c *Config, v string) error { c.Discord.ApplicationID = v; return checkSnowflake(v) }},
	{Env: "DISCORD_GUILD_ID", Flag: "discord-guild-id", Meaning: "register commands in this server only (instant; for development)",
		set: func(c *Config, v string) error { c.Discord.GuildID = v; return checkSnowflake(v) }},
	{Env: "DISCORD_API_URL", Flag: "discord-api-url", Default: "https://discord.com/api/v10", Meaning: "REST API base (a REST proxy)",
		set: func(c *Config, v string) error { c.Discord.APIURL = v; return checkURL(v) }},
	{Env: "DISCORD_PUBLIC_KEY", Flag: "discord-public-key", Meaning: "application public key (hex), needed for HTTP interactions",
		set: func(c *Config, v string) error {
			if k, err := hex.DecodeString(v); v != "" && (err != nil || len(k) != 32) {
				return fmt.Errorf("%q is not 64 hex digits", v)
			}
			c.Discord.PublicKey = v
			return nil
		}},
	{Env: "DISCORD_INTERACTIONS_ADDR", Flag: "discord-interactions-addr", Meaning: "address serving POST /interactions (HTTP mode, no gateway); gateway when empty",
		set: func(c *Config, v string) error { c.Discord.InteractionsAddr = v; return checkAddr(v) }},
}

var webhookSecretRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// flagValues holds the flags given on the command line, by option.
type flagValues map[*option]string

// declare adds a flag to fs for each option of opts that has one.
func declare(fs *flag.FlagSet, opts []*option) flagValues {
	fv := flagValues{}
	for _, o := range opts {
		if o.Flag == "" {
			continue
		}
		usage := o.Meaning + " (" + o.Env + ")"
		if o.Bool {
			fs.BoolFunc(o.Flag, usage, func(v string) error { fv[o] = v; return nil })
		} else {
			fs.Func(o.Flag, usage, func(v string) error { fv[o] = v; return nil })
		}
	}
	return fv
}

// load resolves every option of opts, a flag first, then the environment
// (or its _FILE variant for secrets), then the default, and checks the
// result. Errors name the flag or variable at fault, never a secret value.
func load(opts []*option, fv flagValues, getenv func(string) string) (*Config, error) {
	c := &Config{}
	set := map[string]bool{}
	for _, o := range opts {
		name, v, err := o.lookup(fv, getenv)
		if err != nil {
			return nil, err
		}
		if name != "" {
			set[o.Env] = true
		} else {
			v = o.Default
		}
		if err := o.set(c, strings.TrimSpace(v)); err != nil {
			if name == "" {
				name = o.Env + " (default)"
			}
			return nil, fmt.Errorf("%w: %s: %v", errConfig, name, err)
		}
	}
	if err := c.check(set); err != nil {
		return nil, fmt.Errorf("%w: %v", errConfig, err)
	}
	return c, nil
}

// errConfig marks invalid configuration.
var errConfig = errors.New("configuration")

// lookup returns where o's value came from ("" when nowhere) and the value.
func (o *option) lookup(fv flagValues, getenv func(string) string) (source, value string, err error) {
	if v, ok := fv[o]; ok {
		return "--" + o.Flag, v, nil
	}
	v := getenv(o.Env)
	if !o.Secret {
		if v == "" {
			return "", "", nil
		}
		return o.Env, v, nil
	}
	file := getenv(o.Env + "_FILE")
	switch {
	case v != "" && file != "":
		return "", "", fmt.Errorf("%w: both %s and %s_FILE are set; set one", errConfig, o.Env, o.Env)
	case v != "":
		return o.Env, v, nil
	case file == "":
		return "", "", nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		// The path is not secret; the file's content is.
		return "", "", fmt.Errorf("%w: %s_FILE: %v", errConfig, o.Env, err)
	}
	v = strings.TrimSpace(string(b))
	if v == "" {
		return "", "", fmt.Errorf("%w: %s_FILE: %s is empty", errConfig, o.Env, file)
	}
	return o.Env + "_FILE", v, nil
}

// check validates what single options cannot: settings that need others.
func (c *Config) check(set map[string]bool) error {
	tg := &c.Telegram
	if tg.Token == "" {
		for _, env := range []string{"TELEGRAM_WEBHOOK_URL", "TELEGRAM_WEBHOOK_ADDR", "TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_API_URL"} {
			if set[env] {
				return fmt.Errorf("%s is set but TELEGRAM_BOT_TOKEN is not", env)
			}
		}
	}
	if tg.WebhookURL == "" {
		for _, env := range []string{"TELEGRAM_WEBHOOK_ADDR", "TELEGRAM_WEBHOOK_SECRET"} {
			if set[env] {
				return fmt.Errorf("%s is set but TELEGRAM_WEBHOOK_URL is not", env)
			}
		}
	} else {
		if tg.SecretToken == "" {
			return errors.New("TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_SECRET (or TELEGRAM_WEBHOOK_SECRET_FILE)")
		}
		if c.TelegramWebhookAddr == "" && c.HTTPAddr == "" {
			return errors.New("TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_ADDR or ONRECORD_HTTP_ADDR to serve it on")
		}
		if p := webhookPath(tg.WebhookURL); c.TelegramWebhookAddr == "" && (p == "/" || p == "/healthz" || p == "/metrics") {
			return fmt.Errorf("TELEGRAM_WEBHOOK_URL: mounted on ONRECORD_HTTP_ADDR, its path %q must not be /, /healthz or /metrics", p)
		}
	}
	if c.Discord.Token == "" {
		for _, env := range []string{"DISCORD_APPLICATION_ID", "DISCORD_GUILD_ID", "DISCORD_API_URL", "DISCORD_PUBLIC_KEY", "DISCORD_INTERACTIONS_ADDR"} {
			if set[env] {
				return fmt.Errorf("%s is set but DISCORD_BOT_TOKEN is not", env)
			}
		}
	}
	if c.Discord.InteractionsAddr != "" && c.Discord.PublicKey == "" {
		return errors.New("DISCORD_INTERACTIONS_ADDR needs DISCORD_PUBLIC_KEY to verify requests")
	}
	return nil
}

func webhookPath(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Path == "" {
		return "/"
	}
	return u.Path
}

func parseBool(v string) (bool, error) {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%q is not true or false", v)
	}
	return b, nil
}

// checkAddr accepts "" (off) or host:port with a numeric port.
func checkAddr(v string) error {
	if v == "" {
		return nil
	}
	_, port, err := net.SplitHostPort(v)
	if err != nil {
		return fmt.Errorf("%q is not an address such as :8080 or 127.0.0.1:8080", v)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q has no valid port", v)
	}
	return nil
}

// checkURL accepts "" or an absolute http(s) URL.
func checkURL(v string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http or https URL", v)
	}
	return nil
}

var snowflakeRE = regexp.MustCompile(`^[0-9]{1,20}$`)

func checkSnowflake(v string) error {
	if v != "" && !snowflakeRE.MatchString(v) {
		return fmt.Errorf("%q is not a numeric id", v)
	}
	return nil
}

// parseOwners reads "telegram:123,discord:456".
func parseOwners(v string) ([]Owner, error) {
	if v == "" {
		return nil, nil
	}
	var out []Owner
	seen := map[Owner]bool{}
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		p, id, ok := strings.Cut(item, ":")
		o := Owner{Platform: bot.Platform(strings.ToLower(strings.TrimSpace(p))), ID: strings.TrimSpace(id)}
		if !ok || (o.Platform != bot.Telegram && o.Platform != bot.Discord) {
			return nil, fmt.Errorf("%q is not telegram:USER_ID or discord:USER_ID", item)
		}
		if !snowflakeRE.MatchString(o.ID) {
			return nil, fmt.Errorf("%q: the user id must be numeric", item)
		}
		if !seen[o] {
			seen[o] = true
			out = append(out, o)
		}
	}
	return out, nil
}

// envNames is how --help and README name an option's variables.
func (o *option) envNames() string {
	if o.Secret {
		return o.Env + ", " + o.Env + "_FILE"
	}
	return o.Env
}

// writeHelpTable prints the configuration table for --help.
func writeHelpTable(w io.Writer) {
	fmt.Fprintln(w, "Configuration (a flag wins over its variable; secrets are also read from VAR_FILE):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  VARIABLE\tFLAG\tDEFAULT\tMEANING")
	for _, o := range options {
		flg := "-"
		if o.Flag != "" {
			flg = "--" + o.Flag
		}
		def := o.Default
		if def == "" {
			def = "-"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", o.envNames(), flg, def, o.Meaning)
	}
	tw.Flush()
}

// markdownTable is the configuration table as README shows it.
func markdownTable() string {
	var b strings.Builder
	b.WriteString("| variable | flag | default | meaning |\n|---|---|---|---|\n")
	for _, o := range options {
		names := "`" + o.Env + "`"
		if o.Secret {
			names += ", `" + o.Env + "_FILE`"
		}
		flg := ""
		if o.Flag != "" {
			flg = "`--" + o.Flag + "`"
		}
		def := ""
		if o.Default != "" {
			def = "`" + o.Default + "`"
		}
		meaning := strings.ReplaceAll(o.Meaning, "|", `\|`)
		if o.Secret {
			meaning += " (secret)"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", names, flg, def, meaning)
	}
	return b.String()
}
