// Package telegram serves the platform-neutral bot of package bot on
// Telegram: it receives updates by long polling or webhook, turns messages,
// button presses and inline queries into bot requests, and renders the
// replies as Telegram HTML with inline keyboards. Moderators get their
// commands in their private chat's menu, send imports as documents, and
// fill the bot's forms (a guided add or edit) one field per message.
//
// It is the only package that imports github.com/go-telegram/bot. That
// library is used for the wire format only: command parsing, panic
// recovery, message splitting, rate limiting and retries live here, because
// the library either lacks them or gets them wrong (its command matcher
// slices UTF-8 text with UTF-16 offsets).
package telegram

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/onrecord/onrecord/bot"
)

// DefaultAPIURL is the public Bot API server.
const DefaultAPIURL = "https://api.telegram.org"

// Defaults for the zero values of Config.
const (
	DefaultPollTimeout     = 50 * time.Second
	DefaultRequestTimeout  = 30 * time.Second
	DefaultShutdownTimeout = 30 * time.Second
	DefaultWorkers         = 8
	// DefaultMaxFileSize bounds an attached document. The Bot API itself
	// refuses downloads over 20 MB; imports are far smaller.
	DefaultMaxFileSize = 5 << 20
	// DefaultFormTimeout is how long a guided form waits for an answer.
	DefaultFormTimeout = 10 * time.Minute
)

// Config configures the Telegram adapter. Only Token is required.
type Config struct {
	// Token is the bot token from @BotFather.
	Token string
	// APIURL is the Bot API server: the public one by default, or a
	// self-hosted telegram-bot-api or a test server.
	APIURL string

	// WebhookURL switches to webhook mode: Run registers it with
	// setWebhook. Without it the bot uses long polling.
	WebhookURL string
	// ListenAddr, in webhook mode, is where Run serves the webhook itself
	// (at WebhookURL's path). Leave it empty to mount WebhookHandler in a
	// server of your own.
	ListenAddr string
	// SecretToken is sent by Telegram in X-Telegram-Bot-Api-Secret-Token on
	// every webhook request; requests without it are refused. Required in
	// webhook mode: 1-256 characters of A-Z, a-z, 0-9, _ and -.
	SecretToken string

	// HTTPClient makes the Bot API calls. Its Timeout, if any, must exceed
	// PollTimeout.
	HTTPClient *http.Client
	// PollTimeout is how long one getUpdates call waits for updates.
	PollTimeout time.Duration
	// RequestTimeout bounds every other Bot API call.
	RequestTimeout time.Duration
	// ShutdownTimeout bounds how long Run waits, once its context is done,
	// for updates being handled to finish.
	ShutdownTimeout time.Duration
	// Workers is how many updates are handled at once.
	Workers int
	// MaxFileSize bounds an attached document, in bytes.
	MaxFileSize int64
	// FormTimeout is how long a guided form (a moderator's add or edit,
	// asked field by field) waits for the next answer before it is dropped.
	FormTimeout time.Duration
	// Limits are the send and flood limits; zero fields take Telegram's
	// published limits.
	Limits Limits
}

// Rate is N events per Per.
type Rate struct {
	N   int
	Per time.Duration
}

func (r Rate) orDefault(d Rate) Rate {
	if r.N <= 0 || r.Per <= 0 {
		return d
	}
	return r
}

// Limits are the rates the adapter keeps to. The defaults follow
// Telegram's FAQ "My bot is hitting limits": at most one message a second
// in a chat, 20 a minute in a group, about 30 a second overall.
type Limits struct {
	PrivateChat Rate
	GroupChat   Rate
	Global      Rate
	// UserRequests is the per-user flood control on questions, commands
	// and button presses.
	UserRequests Rate
}

var defaultLimits = Limits{
	PrivateChat:  Rate{1, time.Second},
	GroupChat:    Rate{20, time.Minute},
	Global:       Rate{30, time.Second},
	UserRequests: Rate{20, time.Minute},
}

func (l Limits) withDefaults() Limits {
	return Limits{
		PrivateChat:  l.PrivateChat.orDefault(defaultLimits.PrivateChat),
		GroupChat:    l.GroupChat.orDefault(defaultLimits.GroupChat),
		Global:       l.Global.orDefault(defaultLimits.Global),
		UserRequests: l.UserRequests.orDefault(defaultLimits.UserRequests),
	}
}

// secretTokenRE is setWebhook's secret_token rule.
var secretTokenRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// allowedUpdates are the update kinds the adapter handles; asking for only
// these keeps edits, reactions and channel posts off the wire.
var allowedUpdates = []string{models.AllowedUpdateMessage, models.AllowedUpdateCallbackQuery, models.AllowedUpdateInlineQuery}

// Telegram runs a bot.Bot on Telegram.
type Telegram struct {
	cfg    Config
	bot    *bot.Bot
	logger *slog.Logger
	api    *tgbot.Bot
	client *http.Client
	send   *sender
	flood  *floodControl

	// Set by Run before any update is handled.
	username string
	botID    int64
	workCtx  context.Context
	ready    atomic.Bool

	running  atomic.Bool
	mu       sync.Mutex // guards stopping and the Add side of inflight
	stopping bool
	inflight sync.WaitGroup

	forms *formFlows

	menuMu sync.Mutex
	menus  map[int64]bot.Access // moderators' chats given their menu

	seen      *seenSet
	maxUpdate atomic.Int64 // highest update_id handed to a handler
	processed atomic.Int64 // updates fully handled (tests wait on it)
}

// New returns an adapter serving b. It does no I/O: Run talks to Telegram.
func New(cfg Config, b *bot.Bot, logger *slog.Logger) (*Telegram, error) {
	return newTelegram(cfg, b, logger)
}

// newTelegram is New with extra middlewares, run inside panic recovery,
// so that tests can inject faults into update handling.
func newTelegram(cfg Config, b *bot.Bot, logger *slog.Logger, extra ...tgbot.Middleware) (*Telegram, error) {
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("telegram: empty bot token")
	}
	if b == nil {
		return nil, errors.New("telegram: nil bot")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	cfg.APIURL = strings.TrimRight(cfg.APIURL, "/")
	if _, err := url.ParseRequestURI(cfg.APIURL); err != nil {
		return nil, fmt.Errorf("telegram: API URL: %w", err)
	}
	if cfg.WebhookURL != "" {
		u, err := url.Parse(cfg.WebhookURL)
		if err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
			return nil, fmt.Errorf("telegram: webhook URL %q is not an absolute http(s) URL", cfg.WebhookURL)
		}
		if !secretTokenRE.MatchString(cfg.SecretToken) {
			return nil, errors.New("telegram: webhook mode needs a secret token of 1-256 characters A-Z, a-z, 0-9, _ or -")
		}
	}
	if cfg.PollTimeout < 2*time.Second {
		// The library asks Telegram to wait PollTimeout minus a second.
		cfg.PollTimeout = DefaultPollTimeout
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = DefaultShutdownTimeout
	}
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.MaxFileSize <= 0 {
		cfg.MaxFileSize = DefaultMaxFileSize
	}
	if cfg.FormTimeout <= 0 {
		cfg.FormTimeout = DefaultFormTimeout
	}
	cfg.Limits = cfg.Limits.withDefaults()
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: cfg.PollTimeout + cfg.RequestTimeout}
	}

	t := &Telegram{cfg: cfg, bot: b, logger: logger, client: client, seen: newSeenSet(4096), menus: map[int64]bot.Access{}}
	t.forms = newFormFlows(cfg.FormTimeout, time.Now)
	t.workCtx = context.Background()
	t.flood = newFloodControl(cfg.Limits.UserRequests, time.Now)

	mws := append([]tgbot.Middleware{t.recoverMiddleware}, extra...)
	api, err := tgbot.New(cfg.Token,
		tgbot.WithServerURL(cfg.APIURL),
		tgbot.WithSkipGetMe(), // New does no I/O; Run calls getMe.
		tgbot.WithHTTPClient(cfg.PollTimeout, client),
		tgbot.WithAllowedUpdates(allowedUpdates),
		tgbot.WithDefaultHandler(t.handleUpdate),
		tgbot.WithMiddlewares(mws...),
		// One worker per concurrent update, each handling its update to
		// the end: that bounds concurrency, and an unbuffered channel means
		// the library never holds updates no worker has taken, so none are
		// dropped on stop.
		tgbot.WithWorkers(cfg.Workers),
		tgbot.WithNotAsyncHandlers(),
		tgbot.WithUpdatesChannelCap(0),
		tgbot.WithErrorsHandler(func(err error) {
			logger.Warn("telegram library error", slog.Any("err", err))
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("telegram: %w", err)
	}
	t.api = api
	t.send = newSender(api, logger, cfg.Limits, cfg.RequestTimeout)
	return t, nil
}

// Run connects to Telegram and handles updates until ctx is done. It then
// stops taking updates, lets the ones being handled finish (up to
// ShutdownTimeout), commits the polling offset so that nothing is answered
// twice after a restart, and returns nil.
func (t *Telegram) Run(ctx context.Context) error {
	if !t.running.CompareAndSwap(false, true) {
		return errors.New("telegram: Run called twice")
	}
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	t.workCtx = workCtx

	if err := t.start(ctx); err != nil {
		if ctx.Err() != nil {
			return nil // asked to stop while connecting
		}
		return err
	}
	t.ready.Store(true)

	// Once ctx is done, in-flight updates get ShutdownTimeout to finish
	// before their context is cancelled too.
	finished := make(chan struct{})
	defer close(finished)
	go func() {
		select {
		case <-ctx.Done():
		case <-finished:
			return
		}
		timer := time.NewTimer(t.cfg.ShutdownTimeout)
		defer timer.Stop()
		select {
		case <-timer.C:
			t.logger.Warn("telegram: shutdown timeout; cancelling updates in flight")
			cancelWork()
		case <-finished:
		}
	}()

	go t.expireFormsEvery(ctx, finished)

	var err error
	if t.cfg.WebhookURL != "" {
		err = t.runWebhook(ctx)
	} else {
		err = t.runPolling(ctx)
	}
	t.mu.Lock()
	t.stopping = true
	t.mu.Unlock()
	t.inflight.Wait()
	if t.cfg.WebhookURL == "" {
		t.commitOffset(workCtx)
	}
	t.logger.Info("telegram: stopped", slog.Int64("updates", t.processed.Load()))
	return err
}

// start learns who the bot is and registers its command menu.
func (t *Telegram) start(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, t.cfg.RequestTimeout)
	defer cancel()
	me, err := t.api.GetMe(cctx)
	if err != nil {
		return fmt.Errorf("telegram: getMe: %w", err)
	}
	if me.Username == "" {
		return errors.New("telegram: getMe returned no username")
	}
	t.username, t.botID = me.Username, me.ID
	if err := t.SetCommands(ctx, nil, bot.Everyone); err != nil {
		// A stale menu is no reason not to answer.
		t.logger.Warn("telegram: setMyCommands failed", slog.Any("err", err))
	}
	t.syncModeratorMenus(ctx)
	t.logger.Info("telegram: connected", slog.String("username", t.username), slog.Bool("webhook", t.cfg.WebhookURL != ""))
	return nil
}

func (t *Telegram) runPolling(ctx context.Context) error {
	// getUpdates answers 409 while a webhook is set.
	cctx, cancel := context.WithTimeout(ctx, t.cfg.RequestTimeout)
	_, err := t.api.DeleteWebhook(cctx, &tgbot.DeleteWebhookParams{})
	cancel()
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("telegram: deleteWebhook: %w", err)
	}
	// Start returns once ctx is done and every worker has finished the
	// update it holds.
	t.api.Start(ctx)
	return nil
}

func (t *Telegram) runWebhook(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, t.cfg.RequestTimeout)
	_, err := t.api.SetWebhook(cctx, &tgbot.SetWebhookParams{
		URL:            t.cfg.WebhookURL,
		AllowedUpdates: allowedUpdates,
		SecretToken:    t.cfg.SecretToken,
	})
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("telegram: setWebhook: %w", err)
	}
	if t.cfg.ListenAddr == "" {
		<-ctx.Done()
		return nil
	}
	u, _ := url.Parse(t.cfg.WebhookURL) // checked in New
	path := u.Path
	if path == "" {
		path = "/"
	}
	mux := http.NewServeMux()
	mux.Handle(path, t.WebhookHandler())
	srv := &http.Server{Addr: t.cfg.ListenAddr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	ln, err := net.Listen("tcp", t.cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("telegram: webhook listener: %w", err)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("telegram: webhook server: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), t.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		t.logger.Warn("telegram: webhook server shutdown", slog.Any("err", err))
	}
	return nil
}

// WebhookHandler receives updates from Telegram in webhook mode. It refuses
// requests without the secret token (401), answers 503 until Run has
// connected and once it is stopping (Telegram retries those later), and
// handles the update before answering 200.
func (t *Telegram) WebhookHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
		if t.cfg.SecretToken == "" || subtle.ConstantTimeCompare([]byte(got), []byte(t.cfg.SecretToken)) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		var upd models.Update
		if err := json.Unmarshal(body, &upd); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		t.mu.Lock()
		if !t.ready.Load() || t.stopping {
			t.mu.Unlock()
			http.Error(w, "not serving", http.StatusServiceUnavailable)
			return
		}
		t.inflight.Add(1)
		t.mu.Unlock()
		defer t.inflight.Done()
		// Handlers are synchronous (WithNotAsyncHandlers), so the update is
		// handled when this returns.
		t.api.ProcessUpdate(t.workCtx, &upd)
		w.WriteHeader(http.StatusOK)
	})
}

// commitOffset confirms every update handed to a handler. The library
// confirms a batch only with its next getUpdates call, which never comes
// after a stop; without this a restart would answer the last batch again.
func (t *Telegram) commitOffset(ctx context.Context) {
	last := t.maxUpdate.Load()
	if last == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, t.cfg.RequestTimeout)
	defer cancel()
	form := url.Values{
		"offset":  {strconv.FormatInt(last+1, 10)},
		"limit":   {"1"},
		"timeout": {"0"},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.cfg.APIURL+"/bot"+t.cfg.Token+"/getUpdates", strings.NewReader(form.Encode()))
	if err != nil {
		t.logger.Warn("telegram: commit offset", slog.Any("err", err))
		return
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := t.client.Do(req)
	if err != nil {
		t.logger.Warn("telegram: commit offset", slog.Any("err", redactToken(err, t.cfg.Token)))
		return
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.logger.Warn("telegram: commit offset", slog.Int("status", resp.StatusCode))
	}
}

// redactToken keeps the bot token, which is part of every API URL, out of
// logs.
func redactToken(err error, token string) string {
	if err == nil {
		return ""
	}
	return strings.ReplaceAll(err.Error(), token, "***")
}
