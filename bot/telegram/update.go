package telegram

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/onrecord/onrecord/answers"
	"github.com/onrecord/onrecord/bot"
)

// Polite sentences the adapter says on its own.
const (
	floodMessage    = "You are sending requests faster than I can answer. Please wait a minute and ask again."
	floodToast      = "Too many requests; please wait a minute."
	documentMessage = "I read a document only when its caption is a command. Send /help for the list."
)

// recoverMiddleware is outermost around every update: the library has no
// panic recovery, and one bad update must not take the process down. It
// also drops updates already seen (a webhook redelivery) and counts what
// was handled.
func (t *Telegram) recoverMiddleware(next tgbot.HandlerFunc) tgbot.HandlerFunc {
	return func(ctx context.Context, b *tgbot.Bot, upd *models.Update) {
		defer t.processed.Add(1)
		if upd == nil || !t.seen.add(upd.ID) {
			return
		}
		for {
			cur := t.maxUpdate.Load()
			if upd.ID <= cur || t.maxUpdate.CompareAndSwap(cur, upd.ID) {
				break
			}
		}
		defer func() {
			if v := recover(); v != nil {
				t.logger.Error("telegram: panic handling update",
					slog.Int64("update_id", upd.ID), slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
			}
		}()
		next(ctx, b, upd)
	}
}

// handleUpdate dispatches one update. The library passes the polling
// context, which is cancelled as soon as Run is asked to stop; handlers use
// the work context instead, so that an update being handled is finished.
func (t *Telegram) handleUpdate(_ context.Context, _ *tgbot.Bot, upd *models.Update) {
	ctx := t.workCtx
	switch {
	case upd.Message != nil:
		t.handleMessage(ctx, upd.Message)
	case upd.CallbackQuery != nil:
		t.handleCallback(ctx, upd.CallbackQuery)
	case upd.InlineQuery != nil:
		t.handleInline(ctx, upd.InlineQuery)
	default:
		// Edits, channel posts, reactions and the rest carry nothing to
		// answer; answering an edit would answer the same question twice.
		t.logger.Debug("telegram: update ignored", slog.Int64("update_id", upd.ID))
	}
}

// botUser is who sent a request, as package bot knows users.
func botUser(u *models.User) bot.User {
	if u == nil {
		return bot.User{Platform: bot.Telegram}
	}
	name := u.Username
	if name == "" {
		name = strings.TrimSpace(u.FirstName + " " + u.LastName)
	}
	return bot.User{Platform: bot.Telegram, ID: strconv.FormatInt(u.ID, 10), Name: name}
}

// chatRef is where a reply goes.
type chatRef struct {
	chatID  int64
	thread  int // forum topic, 0 for none
	replyTo int // message to reply to, 0 for none
}

func (t *Telegram) handleMessage(ctx context.Context, msg *models.Message) {
	if msg.MigrateToChatID != 0 {
		// The service message left in a group that became a supergroup.
		t.send.migrate(msg.Chat.ID, msg.MigrateToChatID)
		return
	}
	if msg.From != nil && msg.From.ID == t.botID {
		return
	}
	if t.formMessage(ctx, msg) {
		return
	}
	req, ok := t.route(msg)
	if !ok {
		return
	}
	private := msg.Chat.Type == models.ChatTypePrivate
	to := chatRef{chatID: msg.Chat.ID}
	if msg.IsTopicMessage {
		to.thread = msg.MessageThreadID
	}
	if !private {
		// Several people talk in a group: say whose question this answers.
		to.replyTo = msg.ID
	}
	if ok, warn := t.flood.allow(req.User.ID); !ok {
		if warn {
			t.sendReply(ctx, to, bot.Reply{Text: floodMessage, Private: true})
		}
		return
	}
	var cmd *bot.Command
	if req.Command != "" {
		cmd = findCommand(req.Command, req.Text)
	}
	if msg.Document != nil {
		switch {
		case req.Command == "":
			if private {
				t.sendReply(ctx, to, bot.Reply{Text: documentMessage, Private: true})
			}
			return
		case cmd != nil && cmd.File && t.mayUpload(ctx, cmd, req.User):
			f, err := t.download(ctx, msg.Document)
			if err != nil {
				t.sendReply(ctx, to, t.bot.ErrorReply(ctx, err))
				return
			}
			req.File = f
		}
		// Any other command runs as typed: its attachment is not fetched,
		// since nothing would read it.
	}
	t.deliver(ctx, to, req.User, t.bot.Handle(ctx, req))
	if changesModerators(cmd) {
		t.syncModeratorMenus(ctx)
	}
}

// mayUpload reports whether user may run cmd, so that a document is not
// downloaded (up to MaxFileSize) only for bot.Handle to refuse the
// request. It is a shortcut, not the check: Handle checks rights again on
// every request, and a failed lookup errs towards downloading.
func (t *Telegram) mayUpload(ctx context.Context, cmd *bot.Command, user bot.User) bool {
	if cmd.Access == bot.Everyone {
		return true
	}
	if t.bot.Mod == nil {
		return false
	}
	role, err := t.bot.Mod.Role(ctx, string(user.Platform), user.ID)
	if err != nil {
		return true
	}
	return role == answers.RoleOwner || role == answers.RoleModerator && cmd.Access == bot.Moderators
}

// messageUser is who sent a message, as package bot knows users.
func messageUser(msg *models.Message) bot.User {
	if msg.From == nil && msg.SenderChat != nil {
		// Anonymous group admins and linked channels post as a chat.
		return bot.User{Platform: bot.Telegram, ID: strconv.FormatInt(msg.SenderChat.ID, 10), Name: msg.SenderChat.Title}
	}
	if msg.From == nil {
		return bot.User{Platform: bot.Telegram}
	}
	return botUser(msg.From)
}

// messageText is a message's text and its entities: the caption's for a
// document or photo.
func messageText(msg *models.Message) (string, []models.MessageEntity) {
	if msg.Text == "" && msg.Caption != "" {
		return msg.Caption, msg.CaptionEntities
	}
	return msg.Text, msg.Entities
}

// route decides whether a message is for the bot and what it asks. In a
// private chat everything is; in a group only commands for this bot,
// messages mentioning it and replies to its messages are.
func (t *Telegram) route(msg *models.Message) (bot.Request, bool) {
	text, entities := messageText(msg)
	req := bot.Request{User: messageUser(msg)}
	private := msg.Chat.Type == models.ChatTypePrivate

	if c, ok := parseCommand(text, entities); ok {
		if c.target != "" && !strings.EqualFold(c.target, t.username) {
			return req, false // /cmd@OtherBot
		}
		if !private && c.target == "" && !isKnownCommand(c.name) {
			return req, false // another bot's command in a shared group
		}
		req.Command, req.Text = commandName(c.name), c.args
		if req.Command == "start" {
			// "/start PAYLOAD" comes from a t.me/bot?start= deep link: the
			// payload is not a question or a command name.
			req.Text = ""
		}
		if req.Command == "ask" && req.Text == "" && msg.ReplyToMessage != nil && !t.fromMe(msg.ReplyToMessage) {
			// "/ask" in reply to someone's message asks their question.
			req.Text = msg.ReplyToMessage.Text
		}
		return req, true
	}
	if msg.Document != nil && (text == "" || private) {
		return req, private
	}
	if text == "" {
		return req, false // stickers, photos, service messages
	}
	if private {
		req.Text = text
		return req, true
	}
	if rest, ok := stripMention(text, entities, t.username); ok {
		req.Text = rest
		return req, true
	}
	if msg.ReplyToMessage != nil && t.fromMe(msg.ReplyToMessage) {
		req.Text = text
		return req, true
	}
	return req, false
}

func (t *Telegram) fromMe(m *models.Message) bool {
	return m.From != nil && m.From.ID == t.botID
}

// download fetches an attached document, refusing ones over MaxFileSize
// before and while downloading (file_size is optional).
func (t *Telegram) download(ctx context.Context, doc *models.Document) (*bot.File, error) {
	limit := t.cfg.MaxFileSize
	tooLarge := answers.Errorf(answers.ETooLarge, "That file is too large: the limit is %s.", humanBytes(limit))
	if doc.FileSize > limit {
		return nil, tooLarge
	}
	ctx, cancel := context.WithTimeout(ctx, t.cfg.RequestTimeout)
	defer cancel()
	f, err := t.api.GetFile(ctx, &tgbot.GetFileParams{FileID: doc.FileID})
	if err != nil {
		return nil, &answers.Error{Code: answers.EUnavailable, Message: "I could not fetch that file from Telegram; please send it again.", Err: err}
	}
	if f.FileSize > limit {
		return nil, tooLarge
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.api.FileDownloadLink(f), nil)
	if err != nil {
		return nil, fmt.Errorf("telegram: file request: %s", redactToken(err, t.cfg.Token))
	}
	resp, err := t.client.Do(req)
	if err != nil {
		return nil, &answers.Error{Code: answers.EUnavailable, Message: "I could not fetch that file from Telegram; please send it again.", Err: fmt.Errorf("%s", redactToken(err, t.cfg.Token))}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &answers.Error{Code: answers.EUnavailable, Message: "I could not fetch that file from Telegram; please send it again.", Err: fmt.Errorf("file download: status %d", resp.StatusCode)}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, &answers.Error{Code: answers.EUnavailable, Message: "I could not fetch that file from Telegram; please send it again.", Err: err}
	}
	if int64(len(data)) > limit {
		return nil, tooLarge
	}
	name := doc.FileName
	if name == "" {
		name = "document"
	}
	return &bot.File{Name: name, Data: data}, nil
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// handleCallback runs a button press. The query is always answered, even
// when the press fails, or the user's client shows a spinner for a while.
func (t *Telegram) handleCallback(ctx context.Context, cq *models.CallbackQuery) {
	answered := false
	answer := func(text string) {
		answered = true
		params := &tgbot.AnswerCallbackQueryParams{CallbackQueryID: cq.ID}
		if text != "" {
			params.Text = bot.Truncate(text, maxCallbackAnswer)
			params.ShowAlert = true
		}
		_ = t.send.do(ctx, 0, "answerCallbackQuery", func(ctx context.Context, _ int64) error {
			_, err := t.api.AnswerCallbackQuery(ctx, params)
			return err
		})
	}
	defer func() {
		if !answered {
			answer("")
		}
	}()

	if cq.Data == cancelCallback {
		t.cancelPressed(ctx, cq, answer)
		return
	}
	user := botUser(&cq.From)
	if ok, _ := t.flood.allow(user.ID); !ok {
		answer(floodToast)
		return
	}
	reply := t.bot.Press(ctx, user, cq.Data)

	// A refusal or error fits the alert Telegram shows for a callback
	// answer: the closest it has to a message only the presser sees.
	if reply.Private && len(reply.Cards) == 0 && len(reply.Buttons) == 0 && reply.File == nil &&
		reply.Text != "" && utf16Len(reply.Text) <= maxCallbackAnswer {
		answer(reply.Text)
		return
	}
	answer("")

	var to chatRef
	var editID int
	switch {
	case cq.Message.Message != nil:
		m := cq.Message.Message
		to = chatRef{chatID: m.Chat.ID}
		if m.IsTopicMessage {
			to.thread = m.MessageThreadID
		}
		editID = m.ID
	case cq.Message.InaccessibleMessage != nil:
		to = chatRef{chatID: cq.Message.InaccessibleMessage.Chat.ID}
	}
	action, _ := bot.DecodeAction(cq.Data)
	parts, kb := renderReply(reply)
	single := len(parts) == 1 && reply.File == nil

	switch {
	case cq.InlineMessageID != "":
		// A message sent through inline mode lives in a chat the bot may
		// not be in: editing it is the only way to show anything.
		if single {
			t.edit(ctx, 0, 0, cq.InlineMessageID, parts[0], kb)
		}
	case action.Name == bot.ActMore && editID != 0 && single:
		// "More" pages through the matches in place.
		t.edit(ctx, to.chatID, editID, "", parts[0], kb)
	case to.chatID != 0:
		t.sendReply(ctx, to, reply)
	}
}

// handleInline answers an inline query with the top matches, each sending
// the formatted statement into the chat the user is in.
func (t *Telegram) handleInline(ctx context.Context, q *models.InlineQuery) {
	results := t.inlineResults(ctx, q.Query)
	params := &tgbot.AnswerInlineQueryParams{
		InlineQueryID: q.ID,
		Results:       results,
		CacheTime:     inlineCacheSeconds,
	}
	_ = t.send.do(ctx, 0, "answerInlineQuery", func(ctx context.Context, _ int64) error {
		_, err := t.api.AnswerInlineQuery(ctx, params)
		return err
	})
}

// Inline mode sizes.
const (
	maxInlineResults = 5
	// inlineCacheSeconds is short because the record changes as
	// moderators edit it.
	inlineCacheSeconds = 30
)

func (t *Telegram) inlineResults(ctx context.Context, query string) []models.InlineQueryResult {
	results := []models.InlineQueryResult{}
	if strings.TrimSpace(query) == "" {
		return results
	}
	q, err := bot.CleanQuestion(query)
	if err != nil {
		return results
	}
	res, err := t.bot.Engine.Ask(ctx, q)
	if err != nil {
		t.logger.Warn("telegram: inline question failed", slog.Any("err", err))
		return results
	}
	for i, a := range res.Answers {
		if i == maxInlineResults {
			break
		}
		results = append(results, inlineArticle(a.Statement))
	}
	if len(results) == 0 {
		results = append(results, nothingArticle(q, res.Note))
	}
	return results
}
