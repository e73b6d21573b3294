// Package bot turns chat events into calls on the answer engine and its
// results into platform-neutral replies. Each platform adapter below it
// (bot/telegram, bot/discord, bot/console) renders those replies natively
// and is the only package that imports its platform's SDK.
package bot

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/onrecord/onrecord/answers"
)

// Platform names where a request came from.
type Platform string

const (
	Telegram Platform = "telegram"
	Discord  Platform = "discord"
	Console  Platform = "console"
)

// User is the person behind a request, as their platform identifies them.
type User struct {
	Platform Platform
	ID       string
	Name     string
}

// Request is one command or question from a chat.
type Request struct {
	User User
	// Command is the command's name without the slash ("ask", "source");
	// empty means Text is a plain question.
	Command string
	// Text is everything after the command name, or the whole question.
	Text string
	// Options holds named arguments where the platform provides them
	// (Discord slash command options, modal fields).
	Options map[string]string
	// File is an attached document (an import), if any.
	File *File
}

// File is a document sent to or by the bot.
type File struct {
	Name string
	Data []byte
}

// Reply is a platform-neutral answer. Text is plain text, never markup:
// adapters escape it for their platform.
type Reply struct {
	// Text is shown before any cards; paragraphs are separated by "\n\n".
	Text string
	// Cards are statements to show, each with its full attribution.
	Cards   []Card
	Buttons []Button
	// Private asks for the reply to be shown only to the requester where
	// the platform can (Discord ephemeral messages); errors and refusals
	// are private.
	Private bool
	// File is a document to send along (an export).
	File *File
	// Form asks the user for several fields (a guided add or edit).
	Form *Form
}

// Card is one statement shown to the user.
type Card struct {
	Statement answers.Statement
	// Detail asks for the full attribution (context, every source field).
	Detail bool
}

// Button is an action the user can take on a reply.
type Button struct {
	Label  string
	Action Action
}

// Action is what a button does when pressed. It encodes into a short string
// (Telegram callback data holds at most 64 bytes, Discord custom_id 100).
type Action struct {
	// Name is one of the Act* constants.
	Name string
	// IDs are statement ids: the one to show, or the queue for "more".
	IDs []int64
}

// Action names.
const (
	ActMore   = "m" // show the next statement of IDs, keeping the rest queued
	ActSource = "s" // show the full attribution of IDs[0]
	ActShow   = "v" // show statement IDs[0] as an answer
)

// MaxActionLen is the longest encoded action, fitting Telegram's 64 bytes.
const MaxActionLen = 64

// Encode returns the action as a compact string of at most MaxActionLen
// bytes, dropping queued ids that do not fit.
func (a Action) Encode() string {
	var b strings.Builder
	b.WriteString(a.Name)
	for i, id := range a.IDs {
		s := strconv.FormatInt(id, 36)
		if b.Len()+1+len(s) > MaxActionLen {
			break
		}
		if i == 0 {
			b.WriteByte(':')
		} else {
			b.WriteByte('.')
		}
		b.WriteString(s)
	}
	return b.String()
}

// DecodeAction parses what Encode wrote.
func DecodeAction(s string) (Action, error) {
	name, rest, _ := strings.Cut(s, ":")
	switch name {
	case ActMore, ActSource, ActShow:
	default:
		return Action{}, answers.Errorf(answers.EInvalid, "That button is not one I know.")
	}
	a := Action{Name: name}
	if rest != "" {
		for _, p := range strings.Split(rest, ".") {
			id, err := strconv.ParseInt(p, 36, 64)
			if err != nil || id <= 0 {
				return Action{}, answers.Errorf(answers.EInvalid, "That button is not one I know.")
			}
			a.IDs = append(a.IDs, id)
		}
	}
	if len(a.IDs) == 0 {
		return Action{}, answers.Errorf(answers.EInvalid, "That button has nothing left to show.")
	}
	return a, nil
}

// Bot dispatches requests to commands. It is safe for concurrent use.
type Bot struct {
	Engine *answers.Engine
	// Mod is the store's moderation side; without it, moderator commands
	// answer that moderation is not available.
	Mod    answers.Moderation
	Logger *slog.Logger
	// Name is how the bot introduces itself.
	Name string
	// Observe, when set, is told about every request Handle and Press
	// finish, so that the program can log and count them without each
	// adapter doing it. It runs on the request's goroutine: keep it quick.
	Observe func(ctx context.Context, ev Event)
}

// Event describes one handled request, for logs and metrics.
type Event struct {
	Platform Platform
	// Command is the command's name, "" for a plain question, or "press"
	// for a button.
	Command string
	// Question is true for a question (a plain text or /ask).
	Question bool
	// Text is the user's text. Observers must not log it unless asked to
	// (debug logging): questions are the users' own words.
	Text    string
	Latency time.Duration
	// Answered is true when a question got at least one statement;
	// Abstained when it was asked properly and nothing on record answered.
	Answered, Abstained bool
	// ErrKind is the answers error code the reply came from
	// (answers.EInvalid, ...), "panic", or "" when there was no error.
	ErrKind string
}

// observation collects what ErrorReply learns about a request while Handle
// or Press runs it, so that the event carries the error's kind.
type observation struct{ errKind string }

type observationKey struct{}

// observe starts an event for a request and returns the context that
// carries it and the function that finishes and reports it.
func (b *Bot) observe(ctx context.Context, ev Event) (context.Context, func(r *Reply)) {
	if b.Observe == nil {
		return ctx, func(*Reply) {}
	}
	obs := &observation{}
	ctx = context.WithValue(ctx, observationKey{}, obs)
	start := time.Now()
	return ctx, func(r *Reply) {
		ev.Latency = time.Since(start)
		ev.ErrKind = obs.errKind
		if ev.Question && ev.ErrKind == "" {
			ev.Answered = len(r.Cards) > 0
			ev.Abstained = !ev.Answered
		}
		b.Observe(ctx, ev)
	}
}

// New returns a Bot answering from engine.
func New(engine *answers.Engine, logger *slog.Logger) *Bot {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	b := &Bot{Engine: engine, Logger: logger, Name: "OnRecord"}
	// A store that can be moderated (package store's) is moderated
	// through the same bot.
	if m, ok := engine.Index().(answers.Moderation); ok {
		b.Mod = m
	}
	return b
}

// Handle runs one request and returns what to show. It never panics: a panic
// in a command is recovered, logged and turned into an apology.
func (b *Bot) Handle(ctx context.Context, req Request) (reply Reply) {
	question := req.Command == "" || strings.EqualFold(req.Command, "ask")
	ctx, done := b.observe(ctx, Event{Platform: req.User.Platform, Command: req.Command, Question: question, Text: req.Text})
	defer func() { done(&reply) }()
	defer b.recover(ctx, &reply, "command", req.Command)
	if req.Command == "" {
		return b.ask(ctx, req.Text)
	}
	cmd := resolve(&req)
	if cmd == nil {
		if sub := Group(req.Command); len(sub) > 0 {
			var sb strings.Builder
			fmt.Fprintf(&sb, "/%s takes one of:", strings.ToLower(req.Command))
			for _, c := range sub {
				fmt.Fprintf(&sb, "\n/%s%s - %s", c.Name, argNames(c), c.Summary)
			}
			return Reply{Text: sb.String(), Private: true}
		}
		return Reply{Text: fmt.Sprintf("I don't know the command /%s. Send /help for the list.", req.Command), Private: true}
	}
	if err := b.allowed(ctx, cmd, req.User); err != nil {
		return b.ErrorReply(ctx, err)
	}
	r, err := cmd.Run(ctx, b, req)
	if err != nil {
		return b.ErrorReply(ctx, err)
	}
	return r
}

// Press runs a button action.
func (b *Bot) Press(ctx context.Context, user User, data string) (reply Reply) {
	ctx, done := b.observe(ctx, Event{Platform: user.Platform, Command: "press"})
	defer func() { done(&reply) }()
	defer b.recover(ctx, &reply, "action", data)
	a, err := DecodeAction(data)
	if err != nil {
		return b.ErrorReply(ctx, err)
	}
	st, err := b.Engine.Statement(ctx, a.IDs[0])
	if err != nil {
		return b.ErrorReply(ctx, err)
	}
	switch a.Name {
	case ActSource:
		return Reply{Cards: []Card{{Statement: *st, Detail: true}}}
	case ActShow:
		return cardReply(*st, nil)
	default: // ActMore
		return cardReply(*st, a.IDs[1:])
	}
}

// cardReply shows one statement with Source and, when more are queued,
// More buttons.
func cardReply(st answers.Statement, more []int64) Reply {
	r := Reply{Cards: []Card{{Statement: st}}}
	if st.Retired {
		r.Text = fmt.Sprintf("Statement #%d has been retired by the moderators; it is shown for the record only.", st.ID)
	}
	if len(more) > 0 {
		r.Buttons = append(r.Buttons, Button{Label: fmt.Sprintf("More (%d)", len(more)), Action: Action{Name: ActMore, IDs: more}})
	}
	r.Buttons = append(r.Buttons, Button{Label: "Source", Action: Action{Name: ActSource, IDs: []int64{st.ID}}})
	return r
}

// ErrorReply turns err into what a user sees. It is the one place errors
// become chat text: coded errors show their message, anything else is
// logged and replaced by an apology.
func (b *Bot) ErrorReply(ctx context.Context, err error) Reply {
	if obs, ok := ctx.Value(observationKey{}).(*observation); ok && obs.errKind == "" {
		obs.errKind = answers.ErrorCode(err)
	}
	if answers.ErrorCode(err) == answers.EInternal {
		b.Logger.ErrorContext(ctx, "request failed", slog.Any("err", err))
		return Reply{Text: Apology, Private: true}
	}
	return Reply{Text: answers.ErrorMessage(err), Private: true}
}

// Apology is what a user is told of an internal error, whose detail goes
// to the log only. Adapters show it too when they fail on their own.
const Apology = "Something went wrong on our side; it has been logged."

func (b *Bot) recover(ctx context.Context, reply *Reply, what, name string) {
	if v := recover(); v != nil {
		if obs, ok := ctx.Value(observationKey{}).(*observation); ok {
			obs.errKind = "panic"
		}
		b.Logger.Error("panic in handler", slog.String(what, name), slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
		*reply = Reply{Text: Apology, Private: true}
	}
}

// MaxQuestionRunes bounds a question, in characters.
const MaxQuestionRunes = 500

// CleanQuestion validates a question as typed by a user.
func CleanQuestion(q string) (string, error) {
	if !utf8.ValidString(q) {
		q = strings.ToValidUTF8(q, " ")
	}
	q = strings.TrimSpace(q)
	switch n := utf8.RuneCountInString(q); {
	case n == 0:
		return "", answers.Errorf(answers.EInvalid, "Ask me a question about what a public figure said, for example: What did Lavrov say about peace proposals?")
	case n > MaxQuestionRunes:
		return "", answers.Errorf(answers.ETooLarge, "That question is %d characters long; please keep it under %d.", n, MaxQuestionRunes)
	}
	return q, nil
}
