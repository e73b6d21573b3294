package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/onrecord/onrecord/bot"
)

// latencyBuckets are the histogram's upper bounds in seconds: answers take
// milliseconds, and anything near Discord's 3 seconds matters.
var latencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}

// metrics counts what the bot does, per platform, and writes it in the
// Prometheus text exposition format (version 0.0.4). It is written by hand
// because a handful of counters and one histogram do not justify the
// client library and its dependencies.
type metrics struct {
	mu        sync.Mutex
	platforms map[bot.Platform]*platformMetrics
}

type platformMetrics struct {
	requests    map[string]uint64 // by command ("" is a plain question)
	questions   uint64
	answers     uint64
	abstentions uint64
	errors      map[string]uint64 // by answers error code
	buckets     []uint64          // cumulative counts are computed on write
	count       uint64
	sum         float64
}

func newMetrics() *metrics {
	return &metrics{platforms: map[bot.Platform]*platformMetrics{}}
}

// record counts one handled request.
func (m *metrics) record(ev bot.Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.platform(ev.Platform)
	cmd := ev.Command
	if cmd == "" {
		cmd = "question"
	}
	p.requests[cmd]++
	if ev.ErrKind != "" {
		p.errors[ev.ErrKind]++
	}
	if !ev.Question {
		return
	}
	p.questions++
	if ev.Answered {
		p.answers++
	}
	if ev.Abstained {
		p.abstentions++
	}
	s := ev.Latency.Seconds()
	for i, le := range latencyBuckets {
		if s <= le {
			p.buckets[i]++
			break
		}
	}
	p.count++
	p.sum += s
}

// platform returns p's metrics, creating them. Call with m.mu held.
func (m *metrics) platform(name bot.Platform) *platformMetrics {
	if name == "" {
		name = "unknown"
	}
	p := m.platforms[name]
	if p == nil {
		p = &platformMetrics{requests: map[string]uint64{}, errors: map[string]uint64{}, buckets: make([]uint64, len(latencyBuckets))}
		m.platforms[name] = p
	}
	return p
}

// ensure makes the platforms' series exist from the start, so that a
// dashboard shows zeros rather than nothing before the first question.
func (m *metrics) ensure(names ...bot.Platform) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, n := range names {
		m.platform(n)
	}
}

// write writes every metric in the text exposition format, followed by
// the platforms' connection states.
func (m *metrics) write(w io.Writer, states []platformStatus) {
	m.mu.Lock()
	defer m.mu.Unlock()
	names := make([]string, 0, len(m.platforms))
	for n := range m.platforms {
		names = append(names, string(n))
	}
	sort.Strings(names)
	each := func(f func(label string, p *platformMetrics)) {
		for _, n := range names {
			f(`platform="`+escapeLabel(n)+`"`, m.platforms[bot.Platform(n)])
		}
	}

	header(w, "onrecord_build_info", "gauge", "The running version.")
	fmt.Fprintf(w, "onrecord_build_info{version=\"%s\"} 1\n", escapeLabel(version))

	header(w, "onrecord_requests_total", "counter", "Requests handled, by platform and command (question for plain text, press for buttons).")
	each(func(l string, p *platformMetrics) {
		for _, c := range sortedKeys(p.requests) {
			fmt.Fprintf(w, "onrecord_requests_total{%s,command=\"%s\"} %d\n", l, escapeLabel(c), p.requests[c])
		}
	})
	header(w, "onrecord_questions_total", "counter", "Questions asked (plain text or /ask).")
	each(func(l string, p *platformMetrics) {
		fmt.Fprintf(w, "onrecord_questions_total{%s} %d\n", l, p.questions)
	})
	header(w, "onrecord_answers_total", "counter", "Questions answered with at least one statement on record.")
	each(func(l string, p *platformMetrics) { fmt.Fprintf(w, "onrecord_answers_total{%s} %d\n", l, p.answers) })
	header(w, "onrecord_abstentions_total", "counter", "Questions nothing on record answered.")
	each(func(l string, p *platformMetrics) {
		fmt.Fprintf(w, "onrecord_abstentions_total{%s} %d\n", l, p.abstentions)
	})
	header(w, "onrecord_errors_total", "counter", "Requests that ended in an error, by kind.")
	each(func(l string, p *platformMetrics) {
		for _, k := range sortedKeys(p.errors) {
			fmt.Fprintf(w, "onrecord_errors_total{%s,kind=\"%s\"} %d\n", l, escapeLabel(k), p.errors[k])
		}
	})
	header(w, "onrecord_question_duration_seconds", "histogram", "Time to answer a question.")
	each(func(l string, p *platformMetrics) {
		var cum uint64
		for i, le := range latencyBuckets {
			cum += p.buckets[i]
			fmt.Fprintf(w, "onrecord_question_duration_seconds_bucket{%s,le=\"%s\"} %d\n", l, strconv.FormatFloat(le, 'g', -1, 64), cum)
		}
		fmt.Fprintf(w, "onrecord_question_duration_seconds_bucket{%s,le=\"+Inf\"} %d\n", l, p.count)
		fmt.Fprintf(w, "onrecord_question_duration_seconds_sum{%s} %s\n", l, strconv.FormatFloat(p.sum, 'g', -1, 64))
		fmt.Fprintf(w, "onrecord_question_duration_seconds_count{%s} %d\n", l, p.count)
	})

	header(w, "onrecord_platform_up", "gauge", "1 when the platform is connected and serving.")
	for _, s := range states {
		up := 0
		if s.State == stateUp {
			up = 1
		}
		fmt.Fprintf(w, "onrecord_platform_up{platform=\"%s\"} %d\n", escapeLabel(string(s.Platform)), up)
	}
	header(w, "onrecord_platform_restarts_total", "counter", "Times a platform was started again after failing.")
	for _, s := range states {
		fmt.Fprintf(w, "onrecord_platform_restarts_total{platform=\"%s\"} %d\n", escapeLabel(string(s.Platform)), s.Restarts)
	}
}

func header(w io.Writer, name, typ, help string) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

func sortedKeys(m map[string]uint64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }

// observer returns the bot's Observe hook: it counts every request and
// logs one line per question, with the question's text only at debug
// level, because users' questions are theirs and need not sit in logs.
func observer(logger *slog.Logger, m *metrics) func(ctx context.Context, ev bot.Event) {
	return func(ctx context.Context, ev bot.Event) {
		m.record(ev)
		attrs := []slog.Attr{
			slog.String(keyPlatform, string(ev.Platform)),
			slog.String(keyCommand, ev.Command),
			slog.Float64(keyLatencyMS, float64(ev.Latency.Microseconds())/1000),
		}
		if ev.Question {
			attrs = append(attrs, slog.Bool(keyAnswered, ev.Answered), slog.Bool(keyAbstained, ev.Abstained))
		}
		if ev.ErrKind != "" {
			attrs = append(attrs, slog.String(keyErrKind, ev.ErrKind))
		}
		level, msg := slog.LevelDebug, "request handled"
		if ev.Question {
			level, msg = slog.LevelInfo, "question answered"
		}
		if logger.Enabled(ctx, slog.LevelDebug) && ev.Text != "" {
			attrs = append(attrs, slog.String(keyQuestion, ev.Text))
		}
		logger.LogAttrs(ctx, level, msg, attrs...)
	}
}
