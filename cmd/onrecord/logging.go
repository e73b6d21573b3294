package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
)

// Attribute keys, constant so that logs can be searched and parsed.
const (
	keyPlatform  = "platform"
	keyCommand   = "command"
	keyLatencyMS = "latency_ms"
	keyAbstained = "abstained"
	keyAnswered  = "answered"
	keyErrKind   = "err_kind"
	keyQuestion  = "question"
	keyErr       = "err"
	keyState     = "state"
	keyAttempt   = "attempt"
	keyRetryIn   = "retry_in"
	keyAddr      = "addr"
	keyVersion   = "version"
)

// newLogger returns the program's logger, writing text or JSON to w and
// replacing every secret in messages and attributes with "***": the SDKs'
// errors carry request URLs, and Telegram's URLs contain the bot token.
func newLogger(w io.Writer, cfg *Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	var h slog.Handler
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(&redactHandler{next: h, r: newRedactor(cfg.secrets())})
}

// redactor replaces secrets in text.
type redactor struct{ r *strings.Replacer }

func newRedactor(secrets []string) *redactor {
	var pairs []string
	for _, s := range secrets {
		pairs = append(pairs, s, "***")
		// A token in a URL may appear escaped.
		if e := url.PathEscape(s); e != s {
			pairs = append(pairs, e, "***")
		}
		if e := url.QueryEscape(s); e != s {
			pairs = append(pairs, e, "***")
		}
	}
	if len(pairs) == 0 {
		return &redactor{}
	}
	return &redactor{r: strings.NewReplacer(pairs...)}
}

func (r *redactor) String(s string) string {
	if r == nil || r.r == nil {
		return s
	}
	return r.r.Replace(s)
}

// Error returns err with every secret replaced, or nil.
func (r *redactor) Error(err error) error {
	if err == nil || r == nil || r.r == nil {
		return err
	}
	msg := r.String(err.Error())
	if msg == err.Error() {
		return err
	}
	return redactedError{msg: msg, err: err}
}

// redactedError keeps the original for errors.Is while printing the
// redacted text.
type redactedError struct {
	msg string
	err error
}

func (e redactedError) Error() string { return e.msg }
func (e redactedError) Unwrap() error { return e.err }

// redactHandler is a slog.Handler that redacts secrets before the next
// handler formats a record.
type redactHandler struct {
	next slog.Handler
	r    *redactor
}

func (h *redactHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	if h.r.r == nil {
		return h.next.Handle(ctx, rec)
	}
	out := slog.NewRecord(rec.Time, rec.Level, h.r.String(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *redactHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = h.attr(a)
	}
	return &redactHandler{next: h.next.WithAttrs(clean), r: h.r}
}

func (h *redactHandler) WithGroup(name string) slog.Handler {
	return &redactHandler{next: h.next.WithGroup(name), r: h.r}
}

// attr redacts one attribute: strings, errors, and anything else printed
// as text; numbers, booleans, times and durations carry no secrets.
func (h *redactHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.r.String(v.String()))
	case slog.KindGroup:
		g := v.Group()
		clean := make([]any, len(g))
		for i, ga := range g {
			clean[i] = h.attr(ga)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, h.r.String(err.Error()))
		}
		return slog.String(a.Key, h.r.String(fmt.Sprint(v.Any())))
	}
	return slog.Attr{Key: a.Key, Value: v}
}
