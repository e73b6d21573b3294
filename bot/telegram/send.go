package telegram

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/onrecord/onrecord/bot"
)

// Retry policy for 429 Too Many Requests.
const (
	maxAttempts = 4
	// maxRetryAfter is the longest wait worth holding an answer for; past
	// it the user has moved on and the message is dropped.
	maxRetryAfter = 2 * time.Minute
)

// sender makes the Bot API calls that post to chats. It keeps the send
// limits, retries after 429 as Telegram asks, follows a group's migration
// to a supergroup, and logs and drops what cannot be delivered (403 blocked,
// 400 bad request) so that one chat's failure never stops the bot.
type sender struct {
	api     *tgbot.Bot
	logger  *slog.Logger
	timeout time.Duration
	private *limiter // per chat
	group   *limiter // per chat
	global  *limiter // key 0
	sleep   func(context.Context, time.Duration) error

	mu    sync.Mutex
	moved map[int64]int64 // old group id -> supergroup id
}

func newSender(api *tgbot.Bot, logger *slog.Logger, l Limits, timeout time.Duration) *sender {
	return &sender{
		api:     api,
		logger:  logger,
		timeout: timeout,
		private: newLimiter(l.PrivateChat, time.Now),
		group:   newLimiter(l.GroupChat, time.Now),
		global:  newLimiter(l.Global, time.Now),
		sleep:   sleepCtx,
		moved:   map[int64]int64{},
	}
}

// migrate records that a group became a supergroup with a new id.
func (s *sender) migrate(from, to int64) {
	if from == 0 || to == 0 || from == to {
		return
	}
	s.mu.Lock()
	s.moved[from] = to
	s.mu.Unlock()
}

func (s *sender) resolve(chatID int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i < 4; i++ { // a chain of migrations, never a loop
		to, ok := s.moved[chatID]
		if !ok {
			break
		}
		chatID = to
	}
	return chatID
}

// do runs call for chatID (0 for calls that post to no chat, such as
// answering a callback) under the limits, with a timeout per attempt.
func (s *sender) do(ctx context.Context, chatID int64, method string, call func(ctx context.Context, chatID int64) error) error {
	var err error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		chatID = s.resolve(chatID)
		if chatID != 0 {
			// Private chats have positive ids, groups and channels
			// negative ones.
			perChat := s.private
			if chatID < 0 {
				perChat = s.group
			}
			if err := perChat.wait(ctx, chatID, s.sleep); err != nil {
				return err
			}
			if err := s.global.wait(ctx, 0, s.sleep); err != nil {
				return err
			}
		}
		cctx, cancel := context.WithTimeout(ctx, s.timeout)
		err = call(cctx, chatID)
		cancel()
		if err == nil {
			return nil
		}
		log := s.logger.With(slog.String("method", method), slog.Int64("chat_id", chatID), slog.Any("err", err))

		var tooMany *tgbot.TooManyRequestsError
		var moved *tgbot.MigrateError
		switch {
		case errors.As(err, &tooMany):
			wait := time.Duration(tooMany.RetryAfter) * time.Second
			if wait <= 0 {
				wait = time.Second
			}
			if attempt == maxAttempts || wait > maxRetryAfter {
				log.Warn("telegram: rate limited; dropping")
				return err
			}
			log.Info("telegram: rate limited; retrying", slog.Duration("after", wait))
			if err := s.sleep(ctx, wait); err != nil {
				return err
			}
		case errors.As(err, &moved) && chatID != 0:
			log.Info("telegram: chat migrated to a supergroup; resending", slog.Int("to", moved.MigrateToChatID))
			s.migrate(chatID, int64(moved.MigrateToChatID))
		case errors.Is(err, tgbot.ErrorForbidden):
			log.Info("telegram: not allowed to post (blocked or removed); dropping")
			return err
		case errors.Is(err, tgbot.ErrorBadRequest):
			log.Warn("telegram: bad request; dropping")
			return err
		default:
			log.Warn("telegram: call failed; dropping")
			return err
		}
	}
	return err
}

// sendReply posts a reply: its texts in order, the keyboard under the last,
// then its file. It stops at the first part that cannot be delivered.
func (t *Telegram) sendReply(ctx context.Context, to chatRef, r bot.Reply) {
	parts, kb := renderReply(r)
	var markup models.ReplyMarkup
	if kb != nil { // a nil *inlineKeyboard in the interface would be sent as null
		markup = kb
	}
	if _, err := t.sendHTML(ctx, to, parts, markup); err != nil {
		return
	}
	if r.File != nil {
		f := r.File
		_ = t.send.do(ctx, to.chatID, "sendDocument", func(ctx context.Context, chatID int64) error {
			p := &tgbot.SendDocumentParams{
				ChatID:   chatID,
				Document: &models.InputFileUpload{Filename: fileName(f), Data: bytes.NewReader(f.Data)},
			}
			if chatID == to.chatID {
				p.MessageThreadID = to.thread
			}
			if len(parts) == 0 && markup != nil {
				p.ReplyMarkup = markup
			}
			_, err := t.api.SendDocument(ctx, p)
			return err
		})
	}
}

// sendHTML posts HTML texts in order, replying to to.replyTo with the
// first and putting markup under the last, and returns the id of the last
// message, which a guided form needs to recognise replies to its prompt.
// It stops at the first part that cannot be delivered.
func (t *Telegram) sendHTML(ctx context.Context, to chatRef, parts []string, markup models.ReplyMarkup) (int, error) {
	lastID := 0
	for i, text := range parts {
		first, last := i == 0, i == len(parts)-1
		err := t.send.do(ctx, to.chatID, "sendMessage", func(ctx context.Context, chatID int64) error {
			p := &tgbot.SendMessageParams{
				ChatID:             chatID,
				Text:               text,
				ParseMode:          models.ParseModeHTML,
				LinkPreviewOptions: noPreview(),
			}
			if chatID == to.chatID { // message and topic ids do not survive a migration
				p.MessageThreadID = to.thread
				if first && to.replyTo != 0 {
					p.ReplyParameters = &models.ReplyParameters{MessageID: to.replyTo, AllowSendingWithoutReply: true}
				}
			}
			if last && markup != nil {
				p.ReplyMarkup = markup
			}
			m, err := t.api.SendMessage(ctx, p)
			if err == nil && m != nil {
				lastID = m.ID
			}
			return err
		})
		if err != nil {
			return lastID, err
		}
	}
	return lastID, nil
}

// edit replaces a message's text and keyboard: a chat message by id, or a
// message sent through inline mode by its inline id.
func (t *Telegram) edit(ctx context.Context, chatID int64, messageID int, inlineID, html string, kb *inlineKeyboard) {
	_ = t.send.do(ctx, chatID, "editMessageText", func(ctx context.Context, chatID int64) error {
		p := &tgbot.EditMessageTextParams{
			Text:               html,
			ParseMode:          models.ParseModeHTML,
			LinkPreviewOptions: noPreview(),
		}
		if inlineID != "" {
			p.InlineMessageID = inlineID
		} else {
			p.ChatID, p.MessageID = chatID, messageID
		}
		if kb != nil {
			p.ReplyMarkup = kb
		}
		_, err := t.api.EditMessageText(ctx, p)
		return err
	})
}

// fileName is the name a document is uploaded under; Telegram shows it and
// needs one.
func fileName(f *bot.File) string {
	if f.Name == "" {
		return "onrecord.txt"
	}
	return f.Name
}
