package telegram

// Guided forms. Package bot asks for several fields at once with a
// bot.Form (Discord shows a modal). Telegram has no forms, so the adapter
// holds a conversation instead: it asks the fields one message at a time,
// then submits them to bot.Handle as the form's command with the fields and
// hidden values as options, exactly as a modal submission would. It checks
// nothing itself; the bot validates on submit and says what is wrong.
//
// A form belongs to one user in one chat. While it is open, that user's
// plain messages there answer it; their commands still run as commands, and
// a new form replaces the open one. In a private chat every plain message
// is an answer. In a group only replies to the latest prompt are: people
// talk in groups, so only a reply says "this is my answer", and with
// privacy mode on (the default for bots) Telegram delivers nothing else
// anyway. The prompt forces a reply from that user alone (selective
// force_reply), so their client opens the reply for them.

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/onrecord/onrecord/bot"
)

// Sentences of the form conversation.
const (
	cancelledMessage = "Cancelled; nothing was changed."
	nothingToCancel  = "There is nothing to cancel."
	closedToast      = "That form is closed already."
	textOnlyMessage  = "Please answer with text, or send /cancel to stop."
	replacedMessage  = "The form you had open here is closed; nothing was changed by it."
)

// cancelCallback is the callback data of a prompt's Cancel button. Its
// "x" prefix is no bot.Action name, so the button cannot be mistaken for
// one; the adapter handles it before bot.DecodeAction sees it.
const cancelCallback = "x:cancel"

// Answers with a meaning of their own.
const (
	keepAnswer  = "." // keep the field's current value
	clearAnswer = "-" // leave an optional field empty
)

// formKey names one user's form in one chat.
type formKey struct {
	chat int64
	user string
}

// formFlow is an open form. Its form, user and chat never change once it
// is open; step, values, prompts and last change under formFlows.mu.
type formFlow struct {
	form    bot.Form
	user    bot.User
	to      chatRef // chat and topic; replies are set per message
	private bool

	step    int
	values  map[string]string
	prompts []int // ids of the prompts sent, the latest last
	last    time.Time
}

// formFlows holds the open forms. They live in memory only: a restart
// forgets them, which loses a few typed answers and changes nothing.
type formFlows struct {
	mu      sync.Mutex
	timeout time.Duration
	now     func() time.Time
	m       map[formKey]*formFlow
}

func newFormFlows(timeout time.Duration, now func() time.Time) *formFlows {
	return &formFlows{timeout: timeout, now: now, m: map[formKey]*formFlow{}}
}

// setClock replaces the clock, for tests that let forms time out.
func (fs *formFlows) setClock(now func() time.Time) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.now = now
}

// begin opens f for key and reports whether it replaced an open form.
func (fs *formFlows) begin(key formKey, f *formFlow) (replaced bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	old, ok := fs.m[key]
	f.last = fs.now()
	fs.m[key] = f
	return ok && !fs.idle(old)
}

func (fs *formFlows) idle(f *formFlow) bool {
	return fs.now().Sub(f.last) >= fs.timeout
}

// current returns the open form of key and the id of its latest prompt. A
// form idle past the timeout is closed and returned with expired set, so
// that the caller can say so.
func (fs *formFlows) current(key formKey) (f *formFlow, prompt int, expired bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f = fs.m[key]
	if f == nil {
		return nil, 0, false
	}
	if fs.idle(f) {
		delete(fs.m, key)
		return f, 0, true
	}
	if n := len(f.prompts); n > 0 {
		prompt = f.prompts[n-1]
	}
	return f, prompt, false
}

// answer records text as the answer to f's current field, if f is still
// the open form of key (a /cancel or a new form may have closed it since).
// It returns the next field to ask, or done when every field is answered,
// in which case the form is closed and its values are f's alone.
func (fs *formFlows) answer(key formKey, f *formFlow, text string) (next int, done, ok bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.m[key] != f || f.step >= len(f.form.Fields) {
		return 0, false, false
	}
	field := f.form.Fields[f.step]
	f.values[field.Name] = fieldValue(field, text)
	f.step++
	f.last = fs.now()
	if f.step == len(f.form.Fields) {
		delete(fs.m, key)
		return 0, true, true
	}
	return f.step, false, true
}

// fieldValue is what an answer sets a field to: "." keeps the current
// value, "-" empties an optional field, anything else is taken as typed.
func fieldValue(field bot.FormField, text string) string {
	switch v := strings.TrimSpace(text); {
	case v == keepAnswer:
		return field.Value
	case v == clearAnswer && !field.Required:
		return ""
	default:
		return v
	}
}

// prompted records the id of a prompt sent for f.
func (fs *formFlows) prompted(key formKey, f *formFlow, id int) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.m[key] == f && id != 0 {
		f.prompts = append(f.prompts, id)
	}
}

// close closes f if it is still the open form of key.
func (fs *formFlows) close(key formKey, f *formFlow) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.m[key] == f {
		delete(fs.m, key)
	}
}

// cancel closes the open form of key and reports whether there was one.
func (fs *formFlows) cancel(key formKey) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f, ok := fs.m[key]
	if !ok {
		return false
	}
	delete(fs.m, key)
	return !fs.idle(f)
}

// isPrompt reports whether message id in chat is a prompt of an open form.
func (fs *formFlows) isPrompt(chat int64, id int) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for k, f := range fs.m {
		if k.chat == chat {
			for _, p := range f.prompts {
				if p == id {
					return true
				}
			}
		}
	}
	return false
}

// expire closes the forms idle past the timeout and returns them.
func (fs *formFlows) expire() []*formFlow {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var out []*formFlow
	for k, f := range fs.m {
		if fs.idle(f) {
			delete(fs.m, k)
			out = append(out, f)
		}
	}
	return out
}

// deliver posts a reply, opening a guided form when it carries one.
func (t *Telegram) deliver(ctx context.Context, to chatRef, user bot.User, r bot.Reply) {
	if r.Form == nil || user.ID == "" {
		t.sendReply(ctx, to, r)
		return
	}
	t.startForm(ctx, to, user, r)
}

// startForm opens the form of r for user and asks its first field, with
// r's text as the introduction. Anything else r carries (cards, buttons,
// a file) is sent first.
func (t *Telegram) startForm(ctx context.Context, to chatRef, user bot.User, r bot.Reply) {
	form := *r.Form
	form.Fields = append([]bot.FormField(nil), form.Fields...)
	if len(form.Fields) == 0 {
		// Submitting an empty form would send a request without options,
		// which commands answer with the form again: a loop.
		t.logger.Warn("telegram: form without fields ignored", slog.String("command", form.Command))
		r.Form = nil
		t.sendReply(ctx, to, r)
		return
	}
	intro := r.Text
	rest := r
	rest.Form, rest.Text = nil, ""
	if len(rest.Cards) > 0 || len(rest.Buttons) > 0 || rest.File != nil {
		t.sendReply(ctx, to, rest)
		to.replyTo = 0
	}
	key := formKey{chat: to.chatID, user: user.ID}
	f := &formFlow{
		form:    form,
		user:    user,
		to:      chatRef{chatID: to.chatID, thread: to.thread},
		private: to.chatID > 0, // private chats have positive ids, groups negative
		values:  map[string]string{},
	}
	if t.forms.begin(key, f) {
		intro = strings.TrimSpace(replacedMessage + "\n\n" + intro)
	}
	t.askField(ctx, key, f, 0, intro, to)
}

// askField sends the prompt for field step of f.
func (t *Telegram) askField(ctx context.Context, key formKey, f *formFlow, step int, intro string, to chatRef) {
	field := f.form.Fields[step]
	var markup models.ReplyMarkup
	if f.private {
		markup = &inlineKeyboard{InlineKeyboard: [][]inlineButton{{{Text: "Cancel", CallbackData: cancelCallback}}}}
	} else {
		fr := &models.ForceReply{ForceReply: true, Selective: true}
		if label := strings.TrimSpace(cleanText(fieldLabel(field))); label != "" {
			fr.InputFieldPlaceholder = bot.Truncate(label, maxPlaceholder)
		}
		markup = fr
	}
	id, err := t.sendHTML(ctx, to, splitHTML(promptHTML(&f.form, step, intro, !f.private), maxMessageLen), markup)
	if err != nil {
		// The user cannot see the question, so cannot answer it.
		t.forms.close(key, f)
		return
	}
	t.forms.prompted(key, f, id)
}

// maxPlaceholder is ForceReply.input_field_placeholder's limit.
const maxPlaceholder = 64

func fieldLabel(field bot.FormField) string {
	if field.Label != "" {
		return field.Label
	}
	return field.Name
}

// promptHTML asks for field step of form: the form's title and progress,
// the field's label, its current value (in code, which Telegram copies on
// a tap, so a moderator can paste it back with a correction) and what the
// special answers do.
func promptHTML(form *bot.Form, step int, intro string, group bool) string {
	field := form.Fields[step]
	var b strings.Builder
	if intro = strings.TrimSpace(intro); intro != "" {
		b.WriteString(escapeText(intro) + "\n\n")
	}
	title := form.Title
	if title == "" {
		title = "/" + form.Command
	}
	fmt.Fprintf(&b, "<b>%s</b> (%d of %d)\n%s", escapeText(title), step+1, len(form.Fields), escapeText(fieldLabel(field)))
	if field.Value != "" {
		b.WriteString("\nCurrent: <code>" + escapeText(field.Value) + "</code>\nSend " + keepAnswer + " to keep it")
		if !field.Required {
			b.WriteString(", or " + clearAnswer + " to clear it")
		}
		b.WriteString(".")
	} else {
		if field.Placeholder != "" {
			b.WriteString("\nFor example: " + escapeText(field.Placeholder))
		}
		if !field.Required {
			b.WriteString("\nSend " + clearAnswer + " to leave it empty.")
		}
	}
	if group {
		b.WriteString("\n\nReply to this message with your answer; /cancel stops.")
	}
	return b.String()
}

// formMessage handles a message that belongs to a guided form: /cancel, or
// the form's user answering it. It reports whether the message was used;
// if not, it is routed as usual.
func (t *Telegram) formMessage(ctx context.Context, msg *models.Message) bool {
	user := messageUser(msg)
	if user.ID == "" {
		return false
	}
	private := msg.Chat.Type == models.ChatTypePrivate
	key := formKey{chat: msg.Chat.ID, user: user.ID}
	to := chatRef{chatID: msg.Chat.ID}
	if msg.IsTopicMessage {
		to.thread = msg.MessageThreadID
	}
	if !private {
		to.replyTo = msg.ID
	}
	text, entities := messageText(msg)
	c, isCmd := parseCommand(text, entities)
	// Only a command that starts the message is one here: an answer may
	// quote a command further on.
	isCmd = isCmd && strings.HasPrefix(strings.TrimSpace(text), "/")
	if isCmd && c.name == cancelCommand && (c.target == "" || strings.EqualFold(c.target, t.username)) {
		switch {
		case t.forms.cancel(key):
			t.sendReply(ctx, to, bot.Reply{Text: cancelledMessage})
		case private || c.target != "":
			t.sendReply(ctx, to, bot.Reply{Text: nothingToCancel})
		}
		// An untargeted /cancel in a group with no form of ours may be
		// for another bot: say nothing.
		return true
	}

	f, prompt, expired := t.forms.current(key)
	if expired {
		t.formExpired(ctx, f)
		f = nil
	}
	if f == nil {
		// In a group, a reply to someone else's prompt is not a question
		// for the bot.
		return !private && msg.ReplyToMessage != nil && t.fromMe(msg.ReplyToMessage) &&
			t.forms.isPrompt(msg.Chat.ID, msg.ReplyToMessage.ID)
	}
	if isCmd {
		return false // commands run as usual; the form stays open
	}
	if !private {
		if msg.ReplyToMessage == nil || !t.fromMe(msg.ReplyToMessage) {
			return false
		}
		if msg.ReplyToMessage.ID != prompt {
			// A reply to an earlier prompt of this form, or to an answer:
			// not an answer to the current question.
			return t.forms.isPrompt(msg.Chat.ID, msg.ReplyToMessage.ID)
		}
	}
	if ok, warn := t.flood.allow(user.ID); !ok {
		if warn {
			t.sendReply(ctx, to, bot.Reply{Text: floodMessage})
		}
		return true
	}
	if strings.TrimSpace(text) == "" {
		t.sendReply(ctx, to, bot.Reply{Text: textOnlyMessage})
		return true
	}
	next, done, ok := t.forms.answer(key, f, text)
	switch {
	case !ok:
		// Closed meanwhile by /cancel or a new form.
	case done:
		t.submitForm(ctx, to, f)
	default:
		t.askField(ctx, key, f, next, "", to)
	}
	return true
}

// submitForm runs a completed form's command with its fields and hidden
// values as options, as a Discord modal submission would, and shows the
// result; a reply carrying another form opens it.
func (t *Telegram) submitForm(ctx context.Context, to chatRef, f *formFlow) {
	opts := make(map[string]string, len(f.form.Fields)+len(f.form.Hidden))
	for _, field := range f.form.Fields {
		opts[field.Name] = f.values[field.Name]
	}
	for k, v := range f.form.Hidden {
		opts[k] = v
	}
	reply := t.bot.Handle(ctx, bot.Request{User: f.user, Command: f.form.Command, Options: opts})
	t.deliver(ctx, to, f.user, reply)
}

// cancelPressed handles a prompt's Cancel button: it closes the presser's
// form in that chat, whichever prompt the button was under.
func (t *Telegram) cancelPressed(ctx context.Context, cq *models.CallbackQuery, answer func(string)) {
	var to chatRef
	switch {
	case cq.Message.Message != nil:
		m := cq.Message.Message
		to.chatID = m.Chat.ID
		if m.IsTopicMessage {
			to.thread = m.MessageThreadID
		}
	case cq.Message.InaccessibleMessage != nil:
		to.chatID = cq.Message.InaccessibleMessage.Chat.ID
	}
	user := botUser(&cq.From)
	if to.chatID == 0 || !t.forms.cancel(formKey{chat: to.chatID, user: user.ID}) {
		answer(closedToast)
		return
	}
	answer("")
	t.sendReply(ctx, to, bot.Reply{Text: cancelledMessage})
}

// formExpired tells a form's user that it was closed for want of answers.
func (t *Telegram) formExpired(ctx context.Context, f *formFlow) {
	title := f.form.Title
	if title == "" {
		title = "/" + f.form.Command
	}
	t.sendReply(ctx, f.to, bot.Reply{Text: fmt.Sprintf("%s: closed after %s without an answer; nothing was changed.", title, humanDuration(t.cfg.FormTimeout))})
}

// expireFormsEvery closes idle forms until ctx is done or Run finishes,
// so that a user who walked away is told and their next message is taken
// as what it says, not as a late answer.
func (t *Telegram) expireFormsEvery(ctx context.Context, finished <-chan struct{}) {
	every := max(min(t.cfg.FormTimeout/4, time.Minute), 100*time.Millisecond)
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-finished:
			return
		case <-ticker.C:
			t.expireForms()
		}
	}
}

// expireForms closes the idle forms and tells their users, counting as an
// update in flight so that a stop waits for the notices.
func (t *Telegram) expireForms() {
	t.mu.Lock()
	if t.stopping {
		t.mu.Unlock()
		return
	}
	t.inflight.Add(1)
	t.mu.Unlock()
	defer t.inflight.Done()
	for _, f := range t.forms.expire() {
		t.formExpired(t.workCtx, f)
	}
}

func humanDuration(d time.Duration) string {
	switch {
	case d >= time.Minute && d%time.Minute == 0:
		n := int(d / time.Minute)
		if n == 1 {
			return "a minute"
		}
		return fmt.Sprintf("%d minutes", n)
	case d >= time.Second && d%time.Second == 0:
		return fmt.Sprintf("%d seconds", int(d/time.Second))
	}
	return d.String()
}
