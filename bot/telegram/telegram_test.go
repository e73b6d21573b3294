package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/onrecord/onrecord/answers"
	"github.com/onrecord/onrecord/bot"
)

// texts returns the text parameter of each call.
func texts(calls []apiCall) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = c.Params["text"]
	}
	return out
}

func userOf(id int64) bot.User {
	return bot.User{Platform: bot.Telegram, ID: strconv.FormatInt(id, 10), Name: "user" + strconv.FormatInt(id, 10)}
}

func TestPrivateQuestion(t *testing.T) {
	h := startBot(t, nil, nil)
	const chat = 42
	q := "What did Lavrov say about peace proposals?"
	h.fake.push(messageUpdate(textMessage(chat, chat, q)))
	h.handled(1)

	got := h.fake.sent(chat)
	want := h.expect(bot.Request{User: userOf(chat), Text: q})
	if !slices.Equal(texts(got), want) {
		t.Fatalf("sent %q, want %q", texts(got), want)
	}
	for _, c := range got {
		if c.Params["parse_mode"] != "HTML" {
			t.Errorf("parse_mode = %q, want HTML", c.Params["parse_mode"])
		}
		if _, ok := c.Params["reply_parameters"]; ok {
			t.Errorf("a private answer replies to the question: %s", c.Params["reply_parameters"])
		}
	}
	reply := h.bot.Handle(context.Background(), bot.Request{User: userOf(chat), Text: q})
	if kb := keyboard(reply.Buttons); kb != nil {
		gotKB := decodeJSON[inlineKeyboard](t, got[len(got)-1].Params["reply_markup"])
		if fmt.Sprint(gotKB) != fmt.Sprint(*kb) {
			t.Errorf("keyboard = %v, want %v", gotKB, *kb)
		}
	}
}

// TestRouting sends each message to its own chat and checks which are
// answered, and as what request.
func TestRouting(t *testing.T) {
	h := startBot(t, nil, nil)
	const group = -1001
	tests := []struct {
		name    string
		chat    int64
		msg     func(chat int64) map[string]any
		want    *bot.Request // nil: the bot stays silent
		replyTo bool
	}{
		{"private question", 101, func(c int64) map[string]any { return textMessage(c, c, "peace talks?") },
			&bot.Request{Text: "peace talks?"}, false},
		{"private command", 102, func(c int64) map[string]any { return textMessage(c, c, "/help") },
			&bot.Request{Command: "help"}, false},
		{"private command for this bot", 103, func(c int64) map[string]any { return textMessage(c, c, "/source@OnRecordBot 2") },
			&bot.Request{Command: "source", Text: "2"}, false},
		{"private Cyrillic before command", 104, func(c int64) map[string]any { return textMessage(c, c, "Привет! /source 1") },
			&bot.Request{Command: "source", Text: "1"}, false},
		{"private deep link", 107, func(c int64) map[string]any { return textMessage(c, c, "/start from_inline") },
			&bot.Request{Command: "start"}, false},
		{"private unknown command", 105, func(c int64) map[string]any { return textMessage(c, c, "/frobnicate now") },
			&bot.Request{Command: "frobnicate", Text: "now"}, false},
		{"group /ask", group - 1, func(c int64) map[string]any { return textMessage(c, 7, "/ask What did Putin say?") },
			&bot.Request{Command: "ask", Text: "What did Putin say?"}, true},
		{"group /ask@BotUserName", group - 2, func(c int64) map[string]any { return textMessage(c, 7, "/ask@OnRecordBot ceasefire") },
			&bot.Request{Command: "ask", Text: "ceasefire"}, true},
		{"group /ask@OtherBot", group - 3, func(c int64) map[string]any { return textMessage(c, 7, "/ask@OtherBot ceasefire") },
			nil, false},
		{"group emoji before command", group - 4, func(c int64) map[string]any { return textMessage(c, 7, "👋🏽🇺🇦 /source@OnRecordBot 3") },
			&bot.Request{Command: "source", Text: "3"}, true},
		{"group Cyrillic before command", group - 5, func(c int64) map[string]any {
			return textMessage(c, 7, "Бот, скажи: /ask о переговорах")
		},
			&bot.Request{Command: "ask", Text: "о переговорах"}, true},
		{"group mention", group - 6, func(c int64) map[string]any { return textMessage(c, 7, "@OnRecordBot what did Lavrov say?") },
			&bot.Request{Text: "what did Lavrov say?"}, true},
		{"group mention mid-sentence", group - 7, func(c int64) map[string]any { return textMessage(c, 7, "hey @onrecordbot, peace?") },
			&bot.Request{Text: "hey , peace?"}, true},
		{"group mention of someone else", group - 8, func(c int64) map[string]any { return textMessage(c, 7, "@alice what do you think?") },
			nil, false},
		{"group reply to the bot", group - 9, func(c int64) map[string]any {
			m := textMessage(c, 7, "and about Kyiv?")
			m["reply_to_message"] = botMessage(c, 77)
			return m
		}, &bot.Request{Text: "and about Kyiv?"}, true},
		{"group reply to someone else", group - 10, func(c int64) map[string]any {
			m := textMessage(c, 7, "I agree")
			m["reply_to_message"] = textMessage(c, 8, "peace now")
			return m
		}, nil, false},
		{"group chatter", group - 11, func(c int64) map[string]any { return textMessage(c, 7, "lunch anyone?") }, nil, false},
		{"group unknown command", group - 12, func(c int64) map[string]any { return textMessage(c, 7, "/weather") }, nil, false},
		{"group known command", group - 13, func(c int64) map[string]any { return textMessage(c, 7, "/speakers") },
			&bot.Request{Command: "speakers"}, true},
		{"group /ask replying to a question", group - 14, func(c int64) map[string]any {
			m := textMessage(c, 7, "/ask")
			m["reply_to_message"] = textMessage(c, 8, "what did Miller say about negotiations?")
			return m
		}, &bot.Request{Command: "ask", Text: "what did Miller say about negotiations?"}, true},
		{"sticker", 106, func(c int64) map[string]any {
			return map[string]any{"message_id": nextMessageID(), "date": 1, "chat": chat(c), "from": user(c),
				"sticker": map[string]any{"file_id": "x", "file_unique_id": "y", "type": "regular", "width": 1, "height": 1, "is_animated": false, "is_video": false}}
		}, nil, false},
	}
	msgIDs := map[string]int{}
	for _, tt := range tests {
		m := tt.msg(tt.chat)
		msgIDs[tt.name] = m["message_id"].(int)
		h.fake.push(messageUpdate(m))
	}
	h.handled(int64(len(tests)))

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := h.fake.sent(tt.chat)
			if tt.want == nil {
				if len(got) > 0 {
					t.Fatalf("bot answered %q, want silence", texts(got))
				}
				return
			}
			from := tt.chat
			if tt.chat < 0 {
				from = 7
			}
			req := *tt.want
			req.User = userOf(from)
			want := h.expect(req)
			if !slices.Equal(texts(got), want) {
				t.Fatalf("sent %q, want %q (the reply to %+v)", texts(got), want, req)
			}
			rp, hasReply := got[0].Params["reply_parameters"]
			if hasReply != tt.replyTo {
				t.Errorf("reply_parameters present = %v, want %v", hasReply, tt.replyTo)
			}
			if hasReply {
				p := decodeJSON[models.ReplyParameters](t, rp)
				if p.MessageID != msgIDs[tt.name] {
					t.Errorf("replies to message %d, want %d", p.MessageID, msgIDs[tt.name])
				}
			}
		})
	}
}

func TestIgnoredUpdates(t *testing.T) {
	h := startBot(t, nil, nil)
	updates := []map[string]any{
		{"edited_message": textMessage(201, 201, "edited question?")},
		{"channel_post": map[string]any{"message_id": 1, "date": 1, "chat": map[string]any{"id": -1009, "type": "channel"}, "text": "/ask news"}},
		{"edited_channel_post": map[string]any{"message_id": 1, "date": 1, "chat": map[string]any{"id": -1009, "type": "channel"}, "text": "x"}},
		{"message_reaction": map[string]any{"chat": chat(201), "message_id": 1, "date": 1, "old_reaction": []any{}, "new_reaction": []any{}}},
		{"my_chat_member": map[string]any{"chat": chat(-1010), "from": user(1), "date": 1,
			"old_chat_member": map[string]any{"status": "left", "user": user(fakeBotID)},
			"new_chat_member": map[string]any{"status": "member", "user": user(fakeBotID)}}},
		{"callback_query": map[string]any{"id": "cbx", "from": user(202), "chat_instance": "c", "game_short_name": "g"}},
		{},
	}
	for _, u := range updates {
		h.fake.push(u)
	}
	h.handled(int64(len(updates)))
	for _, c := range h.fake.snapshot("sendMessage", "editMessageText") {
		t.Errorf("bot sent %s %v for an update it should ignore", c.Method, c.Params)
	}
	// The game callback still gets its answer: every callback does.
	if n := len(h.fake.snapshot("answerCallbackQuery")); n != 1 {
		t.Errorf("answerCallbackQuery called %d times, want 1", n)
	}
}

func TestInlineQuery(t *testing.T) {
	h := startBot(t, nil, nil)
	tests := []struct {
		query string
		empty bool
	}{
		{"Lavrov peace proposals", false},
		{"what did Zelensky say about negotiations", false},
		{"   ", true},
	}
	var ids []string
	for _, tt := range tests {
		u := inlineUpdate(9, tt.query)
		ids = append(ids, u["inline_query"].(map[string]any)["id"].(string))
		h.fake.push(u)
	}
	h.handled(int64(len(tests)))
	calls := map[string]apiCall{}
	for _, c := range h.fake.snapshot("answerInlineQuery") {
		calls[c.Params["inline_query_id"]] = c
	}
	if len(calls) != len(tests) {
		t.Fatalf("answerInlineQuery called for %d queries, want %d", len(calls), len(tests))
	}
	for i, tt := range tests {
		c := calls[ids[i]]
		if c.Params["cache_time"] != strconv.Itoa(inlineCacheSeconds) {
			t.Errorf("cache_time = %q, want %d", c.Params["cache_time"], inlineCacheSeconds)
		}
		results := decodeJSON[[]map[string]any](t, c.Params["results"])
		if tt.empty {
			if len(results) != 0 {
				t.Errorf("query %q: %d results, want none", tt.query, len(results))
			}
			continue
		}
		if len(results) == 0 || len(results) > maxInlineResults {
			t.Fatalf("query %q: %d results, want 1-%d", tt.query, len(results), maxInlineResults)
		}
		// The same results the adapter computes directly, on the wire.
		want := h.tg.inlineResults(context.Background(), tt.query)
		var wantJSON []map[string]any
		for _, r := range want {
			raw, _ := r.MarshalCustom()
			wantJSON = append(wantJSON, decodeJSON[map[string]any](t, string(raw)))
		}
		if fmt.Sprint(results) != fmt.Sprint(wantJSON) {
			t.Errorf("query %q: results %v, want %v", tt.query, results, wantJSON)
		}
		for _, r := range results {
			content, _ := r["input_message_content"].(map[string]any)
			if r["type"] != "article" || content["parse_mode"] != "HTML" || content["message_text"] == "" {
				t.Errorf("result %v is not an HTML article", r)
			}
		}
	}
}

func TestInlineArticles(t *testing.T) {
	_, db := newTestBot(t)
	st := someStatements(t, db, 1)[0]
	a := inlineArticle(st)
	if a.ID != "s"+strconv.FormatInt(st.ID, 10) || a.Title != bot.Attribution(st) {
		t.Errorf("article id %q title %q", a.ID, a.Title)
	}
	content := a.InputMessageContent.(*models.InputTextMessageContent)
	if want := renderCard(bot.Card{Statement: st}); content.MessageText != want {
		t.Errorf("message text = %q, want the card %q", content.MessageText, want)
	}
	n := nothingArticle("who won <the> war?", "")
	text := n.InputMessageContent.(*models.InputTextMessageContent).MessageText
	if want := "Nothing on record answers that.\n\nAsked: who won &lt;the&gt; war?"; text != want {
		t.Errorf("nothing article = %q, want %q", text, want)
	}
}

func TestCallbacks(t *testing.T) {
	h := startBot(t, nil, nil)
	sts := someStatements(t, h.db, 3)
	more := bot.Action{Name: bot.ActMore, IDs: []int64{sts[1].ID, sts[2].ID}}.Encode()
	source := bot.Action{Name: bot.ActSource, IDs: []int64{sts[0].ID}}.Encode()
	tests := []struct {
		name   string
		chat   int64
		data   string
		method string // what shows the result, "" for the alert only
		alert  string
	}{
		{"more edits the message", 301, more, "editMessageText", ""},
		{"source sends the attribution", 302, source, "sendMessage", ""},
		{"invalid button", 303, "x:zz", "", "That button is not one I know."},
		{"unknown statement", 304, bot.Action{Name: bot.ActSource, IDs: []int64{999999}}.Encode(), "", "*"},
		{"source in a group", -3050, source, "sendMessage", ""},
	}
	for _, tt := range tests {
		h.fake.push(callbackUpdate(tt.chat, 31, 700, tt.data))
	}
	h.handled(int64(len(tests)))
	answers := h.fake.snapshot("answerCallbackQuery")
	if len(answers) != len(tests) {
		t.Fatalf("answerCallbackQuery called %d times, want %d (every press)", len(answers), len(tests))
	}
	all := h.fake.snapshot()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := h.fake.sent(tt.chat)
			want, _ := renderReply(h.bot.Press(context.Background(), userOf(31), tt.data))
			if tt.method == "" {
				if len(got) != 0 {
					t.Errorf("sent %q, want only an alert", texts(got))
				}
				return
			}
			if len(got) == 0 || got[0].Method != tt.method || !slices.Equal(texts(got), want) {
				t.Fatalf("got %d calls %q, want %s %q", len(got), texts(got), tt.method, want)
			}
			if tt.method == "editMessageText" && got[0].Params["message_id"] != "700" {
				t.Errorf("edited message %s, want 700", got[0].Params["message_id"])
			}
			// The press is answered before the result is sent.
			ia := slices.IndexFunc(all, func(c apiCall) bool { return c.Method == "answerCallbackQuery" })
			is := slices.IndexFunc(all, func(c apiCall) bool { return c.Params["chat_id"] == strconv.FormatInt(tt.chat, 10) })
			if ia < 0 || is < ia {
				t.Errorf("result sent before any callback was answered")
			}
		})
	}
	var alerts []string
	for _, a := range answers {
		if a.Params["text"] != "" {
			alerts = append(alerts, a.Params["text"])
		}
	}
	if len(alerts) != 2 || !slices.Contains(alerts, "That button is not one I know.") {
		t.Errorf("alerts = %q, want the invalid button's and the missing statement's", alerts)
	}
}

func TestLongReplyIsSplit(t *testing.T) {
	h := startBot(t, nil, nil)
	sts := someStatements(t, h.db, 3)
	var paras []string
	for i := 0; i < 60; i++ {
		paras = append(paras, fmt.Sprintf("Paragraph %d: %s & <more>", i, strings.Repeat("words ", 20)))
	}
	reply := bot.Reply{Text: strings.Join(paras, "\n\n"), Buttons: []bot.Button{{Label: "Source", Action: bot.Action{Name: bot.ActSource, IDs: []int64{sts[0].ID}}}}}
	for _, st := range sts {
		reply.Cards = append(reply.Cards, bot.Card{Statement: st, Detail: true})
	}
	h.tg.sendReply(context.Background(), chatRef{chatID: 401}, reply)
	got := h.fake.sent(401)
	if len(got) < 2 {
		t.Fatalf("sent %d messages, want the reply split in several", len(got))
	}
	var shown []string
	for i, c := range got {
		vis, ok := htmlVisible(c.Params["text"])
		if !ok || utf16Len(vis) > maxMessageLen {
			t.Errorf("part %d: %d characters or unparsable", i, utf16Len(vis))
		}
		_, hasKB := c.Params["reply_markup"]
		if hasKB != (i == len(got)-1) {
			t.Errorf("part %d: keyboard present = %v, want it on the last part only", i, hasKB)
		}
		shown = append(shown, vis)
	}
	whole, _ := htmlVisible(renderHTML(reply))
	if strings.Join(strings.Fields(strings.Join(shown, " ")), " ") != strings.Join(strings.Fields(whole), " ") {
		t.Errorf("the parts do not show the whole reply")
	}
}

func TestErrorsFromTelegram(t *testing.T) {
	var mu sync.Mutex
	attempts := map[string]int{}
	fake := newFakeTG(t)
	fake.setFail(func(c apiCall) *apiError {
		if c.Method != "sendMessage" {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		attempts[c.Params["chat_id"]]++
		switch c.Params["chat_id"] {
		case "501": // rate limited once
			if attempts["501"] == 1 {
				return errTooMany(3)
			}
		case "502": // blocked the bot
			return errBlocked
		case "503": // always rate limited
			return errTooMany(1)
		case "-504": // became a supergroup
			return errMigrated(-1000504)
		}
		return nil
	})
	h := startBot(t, fake, nil)
	var slept []time.Duration
	var smu sync.Mutex
	h.tg.send.sleep = func(ctx context.Context, d time.Duration) error {
		smu.Lock()
		slept = append(slept, d)
		smu.Unlock()
		return nil
	}
	for _, c := range []int64{501, 502, 503} {
		h.fake.push(messageUpdate(textMessage(c, c, "peace?")))
	}
	h.fake.push(messageUpdate(textMessage(-504, 5, "/ask peace?")))
	h.fake.push(messageUpdate(textMessage(505, 505, "still there?")))
	h.handled(5)

	mu.Lock()
	defer mu.Unlock()
	if attempts["501"] != 2 || len(h.fake.sent(501)) != 2 {
		t.Errorf("429 then success: %d attempts, want 2", attempts["501"])
	}
	if attempts["502"] != 1 {
		t.Errorf("403: %d attempts, want 1 (dropped, not retried)", attempts["502"])
	}
	if attempts["503"] != maxAttempts {
		t.Errorf("persistent 429: %d attempts, want %d", attempts["503"], maxAttempts)
	}
	moved := h.fake.sent(-1000504)
	if len(moved) != 1 {
		t.Fatalf("migrated group: %d messages to the supergroup, want 1", len(moved))
	}
	if _, ok := moved[0].Params["reply_parameters"]; ok {
		t.Errorf("resent message replies to a message of the old group")
	}
	if len(h.fake.sent(505)) != 1 {
		t.Errorf("the bot stopped answering after errors")
	}
	smu.Lock()
	defer smu.Unlock()
	if !slices.Contains(slept, 3*time.Second) {
		t.Errorf("slept %v, want a wait of retry_after = 3s", slept)
	}
}

func TestBadRequestIsDroppedNotRetried(t *testing.T) {
	fake := newFakeTG(t)
	var attempts atomic.Int32
	fake.setFail(func(c apiCall) *apiError {
		if c.Method == "sendMessage" && c.Params["chat_id"] == "601" {
			attempts.Add(1)
			return errTooLong
		}
		return nil
	})
	h := startBot(t, fake, nil)
	h.fake.push(messageUpdate(textMessage(601, 601, "peace?")))
	h.fake.push(messageUpdate(textMessage(602, 602, "peace?")))
	h.handled(2)
	if n := attempts.Load(); n != 1 {
		t.Errorf("400 message is too long: %d attempts, want 1", n)
	}
	if len(h.fake.sent(602)) != 1 {
		t.Errorf("the bot stopped answering after a 400")
	}
}

func TestFloodOfUpdates(t *testing.T) {
	h := startBot(t, nil, nil)
	const n = 1000
	for i := 0; i < n; i++ {
		id := int64(10000 + i)
		h.fake.push(messageUpdate(textMessage(id, id, fmt.Sprintf("question %d about peace talks?", i))))
	}
	h.handled(n)
	counts := map[string]int{}
	for _, c := range h.fake.snapshot("sendMessage") {
		counts[c.Params["chat_id"]]++
	}
	for i := 0; i < n; i++ {
		if c := counts[strconv.Itoa(10000+i)]; c != 1 {
			t.Errorf("chat %d answered %d times, want once", 10000+i, c)
		}
	}
	if len(counts) != n {
		t.Errorf("%d chats answered, want %d", len(counts), n)
	}
}

func TestPanicIsRecovered(t *testing.T) {
	boom := func(next tgbot.HandlerFunc) tgbot.HandlerFunc {
		return func(ctx context.Context, b *tgbot.Bot, upd *models.Update) {
			if upd.Message != nil && upd.Message.Text == "boom" {
				panic("boom")
			}
			next(ctx, b, upd)
		}
	}
	h := startBot(t, nil, nil, boom)
	h.fake.push(messageUpdate(textMessage(701, 701, "boom")))
	h.fake.push(messageUpdate(textMessage(702, 702, "peace?")))
	h.handled(2)
	if len(h.fake.sent(702)) != 1 {
		t.Errorf("the update after a panic was not answered")
	}
	if err := h.stop(); err != nil {
		t.Errorf("Run = %v after a recovered panic, want nil", err)
	}
}

func TestUserFloodControl(t *testing.T) {
	limits := unlimited
	limits.UserRequests = Rate{3, time.Hour}
	h := startBot(t, nil, []option{withLimits(limits)})
	for i := 0; i < 8; i++ {
		h.fake.push(messageUpdate(textMessage(801, 801, fmt.Sprintf("question %d?", i))))
	}
	h.handled(8)
	got := texts(h.fake.sent(801))
	warnings := 0
	for _, s := range got {
		if s == floodMessage {
			warnings++
		}
	}
	if len(got) != 4 || warnings != 1 {
		t.Errorf("sent %d messages with %d warnings, want 3 answers and one polite warning: %q", len(got), warnings, got)
	}
}

func TestCommandMenu(t *testing.T) {
	h := startBot(t, nil, nil)
	calls := h.fake.snapshot("setMyCommands")
	if len(calls) != 1 {
		t.Fatalf("setMyCommands called %d times, want once at start", len(calls))
	}
	scope := decodeJSON[map[string]any](t, calls[0].Params["scope"])
	if scope["type"] != "default" {
		t.Errorf("scope = %v, want default", scope)
	}
	got := decodeJSON[[]models.BotCommand](t, calls[0].Params["commands"])
	var want []string
	for _, c := range bot.Commands() {
		if c.Access == bot.Everyone {
			want = append(want, c.Name)
		}
	}
	var names []string
	for _, c := range got {
		names = append(names, c.Command)
		if !botCommandRE.MatchString(c.Command) || c.Description == "" || utf16Len(c.Description) > 256 {
			t.Errorf("invalid menu entry %+v", c)
		}
	}
	if !slices.Equal(names, want) {
		t.Errorf("menu = %v, want %v", names, want)
	}
	// Moderators' commands go to their chats' scope.
	chatID := int64(-900)
	if err := h.tg.SetCommands(context.Background(), &chatID, bot.Moderators); err != nil {
		t.Fatal(err)
	}
	last := h.fake.snapshot("setMyCommands")[1]
	if s := decodeJSON[map[string]any](t, last.Params["scope"]); s["type"] != "chat" || s["chat_id"] != float64(-900) {
		t.Errorf("chat scope = %v", s)
	}
}

func TestMenuFiltersInvalidCommands(t *testing.T) {
	cmds := []*bot.Command{
		{Name: "ask", Summary: "Ask"},
		{Name: "Bad-Name", Summary: "x"},
		{Name: "mod", Summary: "Moderate", Access: bot.Moderators},
		{Name: "long", Summary: strings.Repeat("d", 300)},
		{Name: "nosummary"},
	}
	got := menu(cmds, bot.Everyone)
	want := []models.BotCommand{{Command: "ask", Description: "Ask"}, {Command: "long", Description: strings.Repeat("d", 255) + "…"}, {Command: "nosummary", Description: "/nosummary"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("menu = %v, want %v", got, want)
	}
	if got := menu(cmds, bot.Moderators); len(got) != 4 {
		t.Errorf("moderators' menu has %d entries, want 4", len(got))
	}
}

func TestDocuments(t *testing.T) {
	limitsCfg := func(c *Config) { c.MaxFileSize = 100 }
	h := startBot(t, nil, []option{limitsCfg})
	h.fake.addFile("small", []byte("{\"id\": 1}\n"))
	h.fake.addFile("big", bytes.Repeat([]byte("x"), 101))
	ctx := context.Background()

	f, err := h.tg.download(ctx, &models.Document{FileID: "small", FileName: "import.jsonl", FileSize: 10})
	if err != nil || f.Name != "import.jsonl" || string(f.Data) != "{\"id\": 1}\n" {
		t.Errorf("download = %+v, %v", f, err)
	}
	if _, err := h.tg.download(ctx, &models.Document{FileID: "big", FileSize: 101}); err == nil || !strings.Contains(err.Error(), "100 bytes") {
		t.Errorf("declared too large: err = %v", err)
	}
	// file_size is optional: the cap also holds while reading.
	if _, err := h.tg.download(ctx, &models.Document{FileID: "big"}); err == nil {
		t.Errorf("undeclared too large: no error")
	}

	doc := func(chatID int64, caption string, fileID string) map[string]any {
		m := textMessage(chatID, chatID, "")
		delete(m, "text")
		m["document"] = map[string]any{"file_id": fileID, "file_unique_id": "u" + fileID, "file_name": "x.jsonl"}
		if caption != "" {
			m["caption"] = caption
			m["caption_entities"] = entities(caption)
		}
		return messageUpdate(m)
	}
	// Only a command that takes a file (Command.File) gets it fetched, and
	// only for a user who may run it.
	if err := h.db.EnsureOwners(ctx, []answers.Moderator{{Platform: "telegram", UserID: "903", Role: answers.RoleOwner}}); err != nil {
		t.Fatal(err)
	}
	fetched := len(h.fake.snapshot("getFile"))
	h.fake.push(doc(901, "", "small"))
	h.fake.push(doc(902, "/help", "small"))
	h.fake.push(doc(903, "/import", "big"))
	h.fake.push(doc(904, "/import", "small"))
	h.handled(4)
	if got := texts(h.fake.sent(901)); len(got) != 1 || got[0] != documentMessage {
		t.Errorf("document without command: sent %q, want %q", got, documentMessage)
	}
	if got, want := texts(h.fake.sent(902)), h.expect(bot.Request{Command: "help", User: userOf(902)}); !slices.Equal(got, want) {
		t.Errorf("document with /help: sent %q, want %q", got, want)
	}
	if got := texts(h.fake.sent(903)); len(got) != 1 || !strings.Contains(got[0], "too large") {
		t.Errorf("document too large: sent %q", got)
	}
	if got := texts(h.fake.sent(904)); len(got) != 1 || !strings.Contains(got[0], "Only moderators") {
		t.Errorf("import by a non-moderator: sent %q", got)
	}
	if n := len(h.fake.snapshot("getFile")) - fetched; n != 1 {
		t.Errorf("getFile called %d times, want once (the owner's /import only)", n)
	}
}

func TestFileReplyIsUploaded(t *testing.T) {
	h := startBot(t, nil, nil)
	h.tg.sendReply(context.Background(), chatRef{chatID: 950}, bot.Reply{Text: "Your export:", File: &bot.File{Name: "export.jsonl", Data: []byte("{}\n")}})
	got := h.fake.sent(950)
	if len(got) != 2 || got[0].Method != "sendMessage" || got[1].Method != "sendDocument" {
		t.Fatalf("sent %v, want a message then a document", got)
	}
	if string(got[1].Files["document"]) != "{}\n" {
		t.Errorf("uploaded %q", got[1].Files["document"])
	}
}

func TestWebhook(t *testing.T) {
	const secret = "s3cret_token-1"
	h := startBot(t, nil, []option{withWebhook(secret)})
	set := h.fake.snapshot("setWebhook")
	if len(set) != 1 || set[0].Params["url"] != "https://bot.example/hook" || set[0].Params["secret_token"] != secret {
		t.Fatalf("setWebhook calls = %v", set)
	}
	if n := len(h.fake.snapshot("getUpdates")); n != 0 {
		t.Errorf("webhook mode polled %d times", n)
	}
	srv := httptest.NewServer(h.tg.WebhookHandler())
	defer srv.Close()

	update := func(id int, chatID int64) []byte {
		raw, _ := json.Marshal(map[string]any{"update_id": id, "message": textMessage(chatID, chatID, "peace?")})
		return raw
	}
	post := func(secretHeader string, body []byte) int {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if secretHeader != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secretHeader)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	tests := []struct {
		name   string
		secret string
		body   []byte
		want   int
	}{
		{"no secret", "", update(1, 1101), http.StatusUnauthorized},
		{"wrong secret", "guess", update(2, 1102), http.StatusUnauthorized},
		{"right secret", secret, update(3, 1103), http.StatusOK},
		{"redelivered", secret, update(3, 1103), http.StatusOK},
		{"garbage", secret, []byte("{"), http.StatusBadRequest},
	}
	for _, tt := range tests {
		if got := post(tt.secret, tt.body); got != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, got, tt.want)
		}
	}
	if n := len(h.fake.sent(1101)) + len(h.fake.sent(1102)); n != 0 {
		t.Errorf("answered %d unauthenticated updates", n)
	}
	if n := len(h.fake.sent(1103)); n != 1 {
		t.Errorf("update answered %d times, want once despite redelivery", n)
	}
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: status %d, want 405", resp.StatusCode)
	}
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if got := post(secret, update(4, 1104)); got != http.StatusServiceUnavailable {
		t.Errorf("after stop: status %d, want 503 so Telegram retries elsewhere", got)
	}
}

func TestWebhookListens(t *testing.T) {
	const secret = "abc"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	fake := newFakeTG(t)
	b, _ := newTestBot(t)
	tg, err := New(Config{Token: fakeToken, APIURL: fake.URL(), WebhookURL: "https://bot.example/tg/hook", ListenAddr: addr, SecretToken: secret, Limits: unlimited}, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tg.Run(ctx) }()
	body, _ := json.Marshal(map[string]any{"update_id": 1, "message": textMessage(1150, 1150, "peace?")})
	fake.waitFor("the webhook to be served", func() bool {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/tg/hook", bytes.NewReader(body))
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	if n := len(fake.sent(1150)); n != 1 {
		t.Errorf("update posted to the listener answered %d times, want once", n)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	b, _ := newTestBot(t)
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no token", Config{}},
		{"webhook without secret", Config{Token: "1:x", WebhookURL: "https://a.example/hook"}},
		{"secret with bad characters", Config{Token: "1:x", WebhookURL: "https://a.example/hook", SecretToken: "a b"}},
		{"relative webhook", Config{Token: "1:x", WebhookURL: "/hook", SecretToken: "s"}},
	}
	for _, tt := range tests {
		if _, err := New(tt.cfg, b, nil); err == nil {
			t.Errorf("%s: New succeeded, want an error", tt.name)
		}
	}
	if _, err := New(Config{Token: "1:x"}, nil, nil); err == nil {
		t.Errorf("nil bot: New succeeded")
	}
}

func TestGracefulStop(t *testing.T) {
	fake := newFakeTG(t)
	release := make(chan struct{})
	var held atomic.Bool
	fake.setHold(func(c apiCall) {
		if c.Method == "sendMessage" && c.Params["chat_id"] == "1201" {
			held.Store(true)
			<-release
		}
	})
	h := startBot(t, fake, nil)
	id := fake.push(messageUpdate(textMessage(1201, 1201, "peace?")))
	fake.waitFor("the answer to be in flight", held.Load)

	stopped := make(chan error, 1)
	go func() { stopped <- h.stop() }()
	select {
	case err := <-stopped:
		t.Fatalf("Run returned (%v) while an answer was in flight", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	if err := <-stopped; err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	if n := len(fake.sent(1201)); n != 1 {
		t.Errorf("answered %d times, want once", n)
	}
	if p := fake.pending(); len(p) != 0 {
		t.Errorf("updates %v left unconfirmed: a restart would answer them again", p)
	}
	offsets := fake.offsetsSeen()
	if last := offsets[len(offsets)-1]; last != id+1 {
		t.Errorf("last getUpdates offset = %d, want %d", last, id+1)
	}

	// A new process on the same Bot API answers nothing twice.
	h2 := startBot(t, fake, nil)
	fake.push(messageUpdate(textMessage(1202, 1202, "peace?")))
	h2.handled(1)
	if n := len(fake.sent(1201)); n != 1 {
		t.Errorf("after restart: answered %d times, want once", n)
	}
}
