// Package discord serves the bot on Discord: slash commands with
// autocomplete, answers as embeds with buttons, moderator commands grouped
// under subcommands with forms as modals, over the gateway or as an HTTP
// interactions endpoint. It is the only package that imports
// github.com/bwmarrin/discordgo; everything it shows comes from the
// platform-neutral replies of package bot, and who may change the record
// is decided there, from the store, never from server permissions.
package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	dg "github.com/bwmarrin/discordgo"

	"github.com/onrecord/onrecord/answers"
	"github.com/onrecord/onrecord/bot"
)

// defaultAPI is the REST base the bot talks to unless Config.APIURL says
// otherwise: Discord's current API version.
const defaultAPI = "https://discord.com/api/v10"

// sdkAPI is the REST base discordgo computed its endpoints from when the
// package was initialised (API v9 for v0.29.0). The transport moves every
// request from it to the configured base.
var sdkAPI = strings.TrimSuffix(dg.EndpointAPI, "/")

// Defaults of Config.
const (
	defaultDeadline    = 2 * time.Second
	defaultMaxFile     = 8 << 20
	defaultMaxRetries  = 3
	defaultMaxWait     = 30 * time.Second
	defaultStopTimeout = 20 * time.Second
	// tokenLifetime is how long an interaction token accepts edits and
	// follow-ups (developers/interactions/receiving-and-responding.mdx);
	// work on an interaction is abandoned a little before it expires.
	tokenLifetime = 14 * time.Minute
	// firstResponseLimit is Discord's hard limit for the first response.
	firstResponseLimit = 3 * time.Second
)

// Config configures the Discord adapter.
type Config struct {
	// Token is the bot token, with or without the "Bot " prefix.
	Token string
	// ApplicationID is asked of the API when empty.
	ApplicationID string
	// GuildID registers the commands in one guild (instant, for
	// development) instead of globally.
	GuildID string
	// APIURL replaces https://discord.com/api/v10 for every REST call:
	// a REST proxy, or a test server.
	APIURL string
	// PublicKey (hex) and InteractionsAddr select HTTP interactions mode:
	// Discord POSTs signed interactions to InteractionsAddr/interactions
	// and no gateway connection is made.
	PublicKey        string
	InteractionsAddr string

	// ResponseDeadline is how long a reply may take before the
	// interaction is deferred and the reply edited in later. It must stay
	// well under Discord's 3 seconds; default 2s.
	ResponseDeadline time.Duration
	// MaxFileSize caps an attachment downloaded for a command; default 8 MiB.
	MaxFileSize int64
	// MaxRetries bounds retries of a rate-limited REST call (never of an
	// interaction callback); default 3.
	MaxRetries int
	// MaxRetryWait is the longest rate-limit wait worth sitting out;
	// longer ones fail at once. Default 30s.
	MaxRetryWait time.Duration
	// StopTimeout bounds how long Run waits for interactions in flight
	// when stopping; default 20s.
	StopTimeout time.Duration
	// Now is the clock used to judge signature timestamps; default time.Now.
	Now func() time.Time
	// Wrap, when set, wraps the bot's handler: a seam for middleware such
	// as metrics, and for tests that need a slow or failing handler.
	Wrap func(Handler) Handler
}

// Handler is what the adapter needs of the bot: *bot.Bot implements it.
type Handler interface {
	Handle(ctx context.Context, req bot.Request) bot.Reply
	Press(ctx context.Context, user bot.User, data string) bot.Reply
}

// Discord is a running Discord adapter. It is safe for concurrent use.
type Discord struct {
	cfg     Config
	api     string // REST base, without a trailing slash
	bot     *bot.Bot
	handler Handler
	logger  *slog.Logger
	session *dg.Session
	pub     ed25519.PublicKey

	mu    sync.Mutex
	appID string

	// suggester serves autocomplete; nil when the bot has no engine.
	suggester suggester

	flight inflight
	// work is the parent of every interaction's context. It outlives a
	// cancelled Run so that interactions in flight can still be answered,
	// and is cancelled only when StopTimeout runs out.
	work       context.Context
	cancelWork context.CancelFunc
}

// New returns an adapter serving b. It does no I/O; Run connects.
func New(cfg Config, b *bot.Bot, logger *slog.Logger) (*Discord, error) {
	if b == nil {
		return nil, errors.New("discord: no bot")
	}
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("discord: no bot token")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ResponseDeadline <= 0 {
		cfg.ResponseDeadline = defaultDeadline
	}
	if cfg.ResponseDeadline >= firstResponseLimit {
		return nil, fmt.Errorf("discord: response deadline %v is not under Discord's %v", cfg.ResponseDeadline, firstResponseLimit)
	}
	if cfg.MaxFileSize <= 0 {
		cfg.MaxFileSize = defaultMaxFile
	}
	if cfg.MaxRetries <= 0 {
		cfg.MaxRetries = defaultMaxRetries
	}
	if cfg.MaxRetryWait <= 0 {
		cfg.MaxRetryWait = defaultMaxWait
	}
	if cfg.StopTimeout <= 0 {
		cfg.StopTimeout = defaultStopTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	d := &Discord{cfg: cfg, bot: b, handler: b, logger: logger.With(slog.String("platform", "discord")), appID: cfg.ApplicationID}
	if cfg.Wrap != nil {
		d.handler = cfg.Wrap(b)
	}
	if b.Engine != nil {
		d.suggester = b.Engine
	}
	if cfg.PublicKey != "" {
		k, err := hex.DecodeString(strings.TrimSpace(cfg.PublicKey))
		if err != nil || len(k) != ed25519.PublicKeySize {
			return nil, errors.New("discord: the public key is not 64 hex digits")
		}
		d.pub = ed25519.PublicKey(k)
	}
	if cfg.InteractionsAddr != "" && d.pub == nil {
		return nil, errors.New("discord: HTTP interactions need the application's public key")
	}

	token := strings.TrimSpace(cfg.Token)
	if !strings.HasPrefix(token, "Bot ") {
		token = "Bot " + token
	}
	s, err := dg.New(token)
	if err != nil {
		return nil, fmt.Errorf("discord: %w", err)
	}
	api := cfg.APIURL
	if api == "" {
		api = defaultAPI
	}
	base, err := url.Parse(strings.TrimRight(api, "/"))
	if err != nil || base.Scheme == "" || base.Host == "" {
		return nil, fmt.Errorf("discord: API URL %q is not an absolute URL", cfg.APIURL)
	}
	d.api = base.String()
	s.Client = &http.Client{Timeout: 20 * time.Second, Transport: &rewriteTransport{from: sdkAPI, base: base, next: http.DefaultTransport}}
	// discordgo sleeps through a 429 without regard to any context and
	// without a cap; callbacks must never wait, other calls go through
	// retry, which does.
	s.ShouldRetryOnRateLimit = false
	// Interactions arrive without any intent, so the bot asks for none
	// and needs no privileged intent.
	s.Identify.Intents = dg.IntentsNone
	s.StateEnabled = false
	s.AddHandler(func(_ *dg.Session, ic *dg.InteractionCreate) {
		if ic.Interaction != nil {
			d.serve(ic.Interaction, d.restResponder(ic.Interaction), false)
		}
	})
	d.session = s
	d.work, d.cancelWork = context.WithCancel(context.Background())
	return d, nil
}

// rewriteTransport sends requests for Discord's API to another base URL.
// Rewriting at the transport catches every endpoint, including those
// discordgo computed from EndpointAPI when the package was initialised,
// which changing EndpointAPI later would miss.
type rewriteTransport struct {
	from string
	base *url.URL
	next http.RoundTripper
}

func (t *rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	u := req.URL.String()
	rest, ok := strings.CutPrefix(u, t.from)
	if !ok || (rest != "" && rest[0] != '/' && rest[0] != '?') {
		return t.next.RoundTrip(req)
	}
	nu, err := url.Parse(t.base.String() + rest)
	if err != nil {
		return nil, err
	}
	r := req.Clone(req.Context())
	r.URL = nu
	r.Host = nu.Host
	return t.next.RoundTrip(r)
}

// Run registers the commands and serves interactions until ctx is done,
// then stops gracefully: the gateway is closed (or the HTTP server shut
// down) first, and interactions in flight are answered before it returns.
func (d *Discord) Run(ctx context.Context) error {
	if err := d.Register(ctx); err != nil {
		return err
	}
	if d.cfg.InteractionsAddr != "" {
		return d.runHTTP(ctx)
	}
	if err := d.session.Open(); err != nil {
		return fmt.Errorf("discord: opening the gateway: %w", err)
	}
	d.logger.InfoContext(ctx, "connected to the gateway")
	<-ctx.Done()
	if err := d.session.Close(); err != nil {
		d.logger.Warn("closing the gateway", slog.Any("err", err))
	}
	d.stop()
	return nil
}

func (d *Discord) runHTTP(ctx context.Context) error {
	ln, err := net.Listen("tcp", d.cfg.InteractionsAddr)
	if err != nil {
		return fmt.Errorf("discord: %w", err)
	}
	srv := &http.Server{
		Handler:           d.InteractionsHandler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	d.logger.InfoContext(ctx, "serving HTTP interactions", slog.String("addr", ln.Addr().String()))
	select {
	case err := <-errc:
		d.stop()
		return fmt.Errorf("discord: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), d.cfg.StopTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		d.logger.Warn("shutting down the interactions server", slog.Any("err", err))
	}
	d.stop()
	return nil
}

// stop waits for interactions in flight, then abandons whatever is left.
func (d *Discord) stop() {
	if !d.flight.wait(d.cfg.StopTimeout) {
		d.logger.Warn("interactions still running at stop; cancelling them")
		d.cancelWork()
		d.flight.wait(5 * time.Second)
	}
	d.cancelWork()
}

// Register overwrites the application's commands with the bot's table in
// one call, so that commands removed from the table disappear as well.
func (d *Discord) Register(ctx context.Context) error {
	app, err := d.applicationID(ctx)
	if err != nil {
		return err
	}
	cmds, dropped := slashCommands(bot.Commands())
	for _, why := range dropped {
		d.logger.WarnContext(ctx, "command not registered", slog.String("why", why))
	}
	err = d.retry(ctx, func(opts ...dg.RequestOption) error {
		_, err := d.session.ApplicationCommandBulkOverwrite(app, d.cfg.GuildID, cmds, opts...)
		return err
	})
	if err != nil {
		return fmt.Errorf("discord: registering commands: %w", err)
	}
	d.logger.InfoContext(ctx, "registered commands", slog.Int("commands", len(cmds)), slog.String("guild", d.cfg.GuildID))
	return nil
}

// applicationID returns the configured application id, or asks the API for
// the id of the application the token belongs to.
func (d *Discord) applicationID(ctx context.Context) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.appID != "" {
		return d.appID, nil
	}
	var app dg.Application
	err := d.retry(ctx, func(opts ...dg.RequestOption) error {
		body, err := d.session.RequestWithBucketID(http.MethodGet, dg.EndpointApplication("@me"), nil, dg.EndpointApplication("@me"), opts...)
		if err != nil {
			return err
		}
		return dg.Unmarshal(body, &app)
	})
	if err != nil {
		return "", fmt.Errorf("discord: asking for the application id: %w", err)
	}
	if app.ID == "" {
		return "", errors.New("discord: the API returned no application id")
	}
	d.appID = app.ID
	return app.ID, nil
}

// retry runs a REST call, waiting out 429 responses up to MaxRetries times
// while ctx allows. It is for calls that may wait; interaction callbacks
// must not use it.
func (d *Discord) retry(ctx context.Context, call func(opts ...dg.RequestOption) error) error {
	for attempt := 0; ; attempt++ {
		err := call(dg.WithContext(ctx), dg.WithRetryOnRatelimit(false))
		var rl *dg.RateLimitError
		if !errors.As(err, &rl) || rl.TooManyRequests == nil {
			return err
		}
		wait := rl.RetryAfter
		if attempt >= d.cfg.MaxRetries || wait > d.cfg.MaxRetryWait {
			return err
		}
		d.logger.InfoContext(ctx, "rate limited; retrying", slog.String("url", rl.URL), slog.Duration("wait", wait))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
	}
}

// inflight counts interactions being handled, refusing new ones once
// stopping has begun, so that a stop can wait for all of them.
type inflight struct {
	mu       sync.Mutex
	n        int
	stopping bool
	idle     chan struct{}
}

func (f *inflight) begin() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopping {
		return false
	}
	f.n++
	return true
}

func (f *inflight) done() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n--
	if f.n == 0 && f.idle != nil {
		close(f.idle)
		f.idle = nil
	}
}

// wait stops admissions and waits up to timeout for the count to reach
// zero, reporting whether it did.
func (f *inflight) wait(timeout time.Duration) bool {
	f.mu.Lock()
	f.stopping = true
	if f.n == 0 {
		f.mu.Unlock()
		return true
	}
	if f.idle == nil {
		f.idle = make(chan struct{})
	}
	idle := f.idle
	f.mu.Unlock()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-idle:
		return true
	case <-t.C:
		return false
	}
}

// user identifies who sent an interaction: a guild member, or in DMs a user.
func user(i *dg.Interaction) bot.User {
	u := bot.User{Platform: bot.Discord}
	var du *dg.User
	switch {
	case i.Member != nil && i.Member.User != nil:
		du = i.Member.User
	case i.User != nil:
		du = i.User
	}
	if du != nil {
		u.ID = du.ID
		u.Name = du.GlobalName
		if u.Name == "" {
			u.Name = du.Username
		}
	}
	return u
}

// suggester is what autocomplete needs of the answer engine; tests
// substitute a fake to exercise Discord's limits on choices.
type suggester interface {
	SuggestSpeakers(ctx context.Context, typed string, n int) ([]answers.Speaker, error)
	Suggest(ctx context.Context, typed string, n int) ([]answers.Answer, error)
}
