package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/onrecord/onrecord/answers"
	"github.com/onrecord/onrecord/bot"
	"github.com/onrecord/onrecord/bot/discord"
	"github.com/onrecord/onrecord/bot/telegram"
	"github.com/onrecord/onrecord/store"
)

// Shutdown budget: SIGINT or SIGTERM stops the program within stopTimeout.
// The adapters get a little less to finish what they are answering, so
// that the store and the HTTP listener can still close in time.
const (
	stopTimeout         = 10 * time.Second
	adapterStopTimeout  = 7 * time.Second
	backoffBase         = time.Second
	backoffCap          = 2 * time.Minute
	backoffResetAfter   = time.Minute
	readinessDialTimout = 250 * time.Millisecond
)

// errNoPlatform is what serve says when there is nothing to serve.
var errNoPlatform = errors.New("no platform configured: set TELEGRAM_BOT_TOKEN (or TELEGRAM_BOT_TOKEN_FILE) for Telegram, DISCORD_BOT_TOKEN (or DISCORD_BOT_TOKEN_FILE) for Discord, or both")

// handOwnersToBot is where ONRECORD_OWNERS reaches the bot: the owners
// are made owners in the store's moderators table, where Bot.Handle looks
// up everyone's rights, so that the first owner can appoint moderators
// from chat. It runs at every start and only ever adds: taking an owner's
// rights away is done from chat, where it is audited.
func handOwnersToBot(ctx context.Context, db *store.DB, owners []Owner, logger *slog.Logger) error {
	if len(owners) == 0 {
		return nil
	}
	mods := make([]answers.Moderator, len(owners))
	for i, o := range owners {
		mods[i] = answers.Moderator{Platform: string(o.Platform), UserID: o.ID, Role: answers.RoleOwner, AddedBy: "ONRECORD_OWNERS"}
	}
	if err := db.EnsureOwners(ctx, mods); err != nil {
		return fmt.Errorf("ONRECORD_OWNERS: %w", err)
	}
	logger.InfoContext(ctx, "owners configured", slog.Int("owners", len(owners)))
	return nil
}

// adapter is what the supervisor needs of a platform adapter.
type adapter interface {
	Run(ctx context.Context) error
}

// platform describes how to start one platform and how to tell whether it
// is serving. make returns a fresh adapter, because an adapter's Run may
// be called only once.
type platform struct {
	name  bot.Platform
	make  func() (adapter, error)
	ready func(a adapter) bool

	mu       sync.Mutex
	state    string
	current  adapter
	lastErr  string
	restarts int
}

// Connection states reported by /healthz.
const (
	stateStarting = "starting"
	stateUp       = "up"
	stateRetrying = "retrying"
	stateStopped  = "stopped"
)

// platformStatus is one platform's entry in /healthz.
type platformStatus struct {
	Platform bot.Platform `json:"platform"`
	State    string       `json:"state"`
	Error    string       `json:"error,omitempty"`
	Restarts int          `json:"restarts"`
}

func (p *platform) status() platformStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := platformStatus{Platform: p.name, State: p.state, Error: p.lastErr, Restarts: p.restarts}
	if p.state == stateStarting && p.current != nil && p.ready(p.current) {
		st.State = stateUp
	}
	return st
}

func (p *platform) set(state string, a adapter, lastErr string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.state, p.current = state, a
	if lastErr != "" {
		p.lastErr = lastErr
	}
}

// supervise runs p until ctx is done. A Run that fails (Telegram or
// Discord unreachable, a token revoked) is logged and retried after an
// exponential, capped and jittered backoff, and never stops the other
// platforms.
func (p *platform) supervise(ctx context.Context, logger *slog.Logger, red *redactor) {
	logger = logger.With(slog.String(keyPlatform, string(p.name)))
	attempt := 0
	for {
		a, err := p.make()
		if err == nil {
			p.set(stateStarting, a, "")
			started := time.Now()
			err = a.Run(ctx)
			if time.Since(started) > backoffResetAfter {
				attempt = 0
			}
		}
		if ctx.Err() != nil {
			p.set(stateStopped, nil, "")
			return
		}
		if err == nil {
			err = errors.New("stopped unexpectedly")
		}
		wait := backoff(attempt)
		attempt++
		msg := red.String(err.Error())
		p.mu.Lock()
		p.restarts++
		p.mu.Unlock()
		p.set(stateRetrying, nil, msg)
		logger.WarnContext(ctx, "platform failed; retrying", slog.String(keyErr, msg), slog.Int(keyAttempt, attempt), slog.Duration(keyRetryIn, wait))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			p.set(stateStopped, nil, "")
			return
		case <-t.C:
		}
	}
}

// backoff is the wait before retry n (from 0): doubling from backoffBase
// up to backoffCap, with "equal jitter" (half fixed, half random) so that
// replicas restarted together do not retry in step.
func backoff(n int) time.Duration {
	d := backoffCap
	if n < 20 {
		d = min(backoffBase<<n, backoffCap)
	}
	return d/2 + rand.N(d/2+1)
}

// platforms builds the configured platforms. Each adapter is constructed
// once here, so that configuration the adapter rejects fails at start.
func platforms(cfg *Config, b *bot.Bot, logger *slog.Logger, tgWebhook *atomic.Pointer[telegram.Telegram]) ([]*platform, error) {
	var out []*platform
	if cfg.Telegram.Token != "" {
		tc := cfg.Telegram
		tc.ListenAddr = cfg.TelegramWebhookAddr
		tc.ShutdownTimeout = adapterStopTimeout
		tl := logger.With(slog.String(keyPlatform, string(bot.Telegram)))
		mk := func() (adapter, error) {
			t, err := telegram.New(tc, b, tl)
			if err != nil {
				return nil, err
			}
			if tgWebhook != nil {
				tgWebhook.Store(t)
			}
			return t, nil
		}
		if _, err := mk(); err != nil {
			return nil, fmt.Errorf("%w: Telegram: %v", errConfig, err)
		}
		out = append(out, &platform{name: bot.Telegram, make: mk, state: stateStarting,
			ready: func(a adapter) bool { return a.(*telegram.Telegram).Ready() }})
	}
	if cfg.Discord.Token != "" {
		dc := cfg.Discord
		dc.StopTimeout = adapterStopTimeout
		mk := func() (adapter, error) { return discord.New(dc, b, logger) }
		if _, err := mk(); err != nil {
			return nil, fmt.Errorf("%w: Discord: %v", errConfig, err)
		}
		ready := func(a adapter) bool { return a.(*discord.Discord).Connected() }
		if dc.InteractionsAddr != "" {
			// HTTP interactions keep no connection: Discord is served
			// once the interactions endpoint accepts connections.
			addr := loopback(dc.InteractionsAddr)
			ready = func(adapter) bool {
				c, err := net.DialTimeout("tcp", addr, readinessDialTimout)
				if err == nil {
					c.Close()
				}
				return err == nil
			}
		}
		out = append(out, &platform{name: bot.Discord, make: mk, ready: ready, state: stateStarting})
	}
	return out, nil
}

// loopback turns a listen address into one to connect to on this host.
func loopback(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// withSignals returns a context cancelled by the first SIGINT or SIGTERM,
// and a channel closed by the second: an operator who presses Ctrl-C
// twice wants the program gone now.
func withSignals(parent context.Context, logger *slog.Logger) (ctx context.Context, hard <-chan struct{}, stop func()) {
	ctx, cancel := context.WithCancel(parent)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	hardc := make(chan struct{})
	done := make(chan struct{})
	go func() {
		n := 0
		for {
			select {
			case s := <-sigs:
				n++
				if n == 1 {
					logger.Info("stopping", slog.String("signal", s.String()))
					cancel()
				} else {
					logger.Warn("second signal; stopping now", slog.String("signal", s.String()))
					close(hardc)
					return
				}
			case <-done:
				return
			}
		}
	}()
	return ctx, hardc, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}

// serve runs every configured platform, and the HTTP listener when
// configured, until ctx is done or a signal arrives.
func serve(ctx context.Context, cfg *Config, logger *slog.Logger) error {
	started := time.Now()
	if len(cfg.Platforms()) == 0 {
		return errNoPlatform
	}
	red := newRedactor(cfg.secrets())
	ctx, hard, stopSignals := withSignals(ctx, logger)
	defer stopSignals()

	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	// A /import in chat runs beside the questions: it keeps the writer's
	// page cache rather than taking a larger one (see memoryLimit).
	db.ImportCacheKiB = 0
	m := newMetrics()
	b := bot.New(answers.NewEngine(db), logger)
	b.Observe = observer(logger, m)
	if err := handOwnersToBot(ctx, db, cfg.Owners, logger); err != nil {
		return err
	}

	var tgWebhook *atomic.Pointer[telegram.Telegram]
	if cfg.Telegram.WebhookURL != "" && cfg.TelegramWebhookAddr == "" {
		tgWebhook = &atomic.Pointer[telegram.Telegram]{}
	}
	plats, err := platforms(cfg, b, logger, tgWebhook)
	if err != nil {
		return red.Error(err)
	}
	names := cfg.Platforms()
	m.ensure(names...)

	var srv *http.Server
	srvErr := make(chan error, 1)
	if cfg.HTTPAddr != "" {
		ln, err := net.Listen("tcp", cfg.HTTPAddr)
		if err != nil {
			return fmt.Errorf("%w: ONRECORD_HTTP_ADDR: %v", errConfig, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /healthz", healthHandler(db, plats))
		mux.Handle("GET /metrics", metricsHandler(m, plats))
		if tgWebhook != nil {
			mux.Handle(webhookPath(cfg.Telegram.WebhookURL), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				t := tgWebhook.Load()
				if t == nil {
					http.Error(w, "not serving", http.StatusServiceUnavailable)
					return
				}
				t.WebhookHandler().ServeHTTP(w, r)
			}))
		}
		srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second}
		go func() { srvErr <- srv.Serve(ln) }()
		logger.Info("http listening", slog.String(keyAddr, ln.Addr().String()))
	}

	var wg sync.WaitGroup
	for _, p := range plats {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.supervise(ctx, logger, red)
		}()
	}
	logger.Info("serving", slog.String(keyVersion, version), slog.Any("platforms", names),
		slog.Float64("startup_ms", float64(time.Since(started).Microseconds())/1000))

	var runErr error
	select {
	case <-ctx.Done():
	case err := <-srvErr:
		// The health and metrics listener died: stop, so that the
		// orchestrator restarts the process rather than flying blind.
		runErr = fmt.Errorf("http listener: %w", err)
		stopSignals()
	}

	// Graceful stop: platforms finish what they are answering, then the
	// listener closes. A second signal or the deadline cuts it short.
	deadline := time.NewTimer(stopTimeout)
	defer deadline.Stop()
	platformsDone := make(chan struct{})
	go func() { wg.Wait(); close(platformsDone) }()
	select {
	case <-platformsDone:
	case <-hard:
		return errors.Join(runErr, errors.New("stopped at once by a second signal"))
	case <-deadline.C:
		return errors.Join(runErr, fmt.Errorf("platforms still stopping after %v; exiting anyway", stopTimeout))
	}
	if srv != nil {
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			srv.Close()
		}
	}
	logger.Info("stopped")
	return runErr
}

func openStore(ctx context.Context, cfg *Config) (*store.DB, error) {
	d := dbFlags{path: cfg.DB, noSeed: cfg.NoSeed}
	return d.open(ctx)
}
