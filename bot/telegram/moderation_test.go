package telegram

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/onrecord/onrecord/answers"
	"github.com/onrecord/onrecord/bot"
	"github.com/onrecord/onrecord/store"
)

// The people of the moderator session.
const (
	ownerID      = 4242 // a Telegram owner, from configuration
	userID       = 777  // anyone
	discordModID = 5151 // a Discord moderator; on Telegram, nobody
	modGroup     = -7000
)

// withModerators configures the owner and, on the other platform, a
// moderator whose id is also a Telegram user's.
func withModerators(t *testing.T) func(*store.DB) {
	return func(db *store.DB) {
		err := db.EnsureOwners(context.Background(), []answers.Moderator{
			{Platform: "telegram", UserID: strconv.Itoa(ownerID), Name: "Olga", Role: answers.RoleOwner},
			{Platform: "discord", UserID: strconv.Itoa(discordModID), Name: "Dan", Role: answers.RoleModerator},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// exchange delivers one update and returns the calls the bot made while
// handling it that show something: messages, documents, edits and
// callback answers.
func (h *harness) exchange(upd map[string]any) []apiCall {
	h.t.Helper()
	before := len(h.fake.snapshot())
	n := h.tg.processed.Load()
	h.fake.push(upd)
	h.handled(n + 1)
	var out []apiCall
	for _, c := range h.fake.snapshot()[before:] {
		switch c.Method {
		case "sendMessage", "sendDocument", "editMessageText", "answerCallbackQuery":
			out = append(out, c)
		}
	}
	return out
}

// say sends text from user in chat and returns what the bot sent.
func (h *harness) say(chat, from int64, text string) []apiCall {
	h.t.Helper()
	return h.exchange(messageUpdate(textMessage(chat, from, text)))
}

// shown is the visible text of calls, joined.
func shown(t *testing.T, calls []apiCall) string {
	t.Helper()
	var parts []string
	for _, c := range calls {
		if c.Method == "answerCallbackQuery" {
			continue
		}
		vis, ok := htmlVisible(c.Params["text"])
		if !ok {
			t.Fatalf("unparsable HTML %q", c.Params["text"])
		}
		parts = append(parts, vis)
	}
	return strings.Join(parts, "\n---\n")
}

func mustShow(t *testing.T, calls []apiCall, want ...string) {
	t.Helper()
	got := shown(t, calls)
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Fatalf("bot showed %q, want it to contain %q", got, w)
		}
	}
}

func mustNotShow(t *testing.T, calls []apiCall, unwanted string) {
	t.Helper()
	if got := shown(t, calls); strings.Contains(got, unwanted) {
		t.Fatalf("bot showed %q, which must not contain %q", got, unwanted)
	}
}

func docMessage(chat, from int64, caption, fileID, name string) map[string]any {
	m := textMessage(chat, from, "")
	delete(m, "text")
	m["document"] = map[string]any{"file_id": fileID, "file_unique_id": "u" + fileID, "file_name": name}
	m["caption"] = caption
	if e := entities(caption); len(e) > 0 {
		m["caption_entities"] = e
	}
	return m
}

// lastPrompt is the message id of the last message in calls.
func lastPrompt(t *testing.T, calls []apiCall) int {
	t.Helper()
	for i := len(calls) - 1; i >= 0; i-- {
		if calls[i].Method == "sendMessage" && calls[i].MessageID != 0 {
			return calls[i].MessageID
		}
	}
	t.Fatal("no prompt was sent")
	return 0
}

// fakeClock is a clock tests move by hand; forms read it from the
// handlers' goroutines.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestModeratorSession is a moderator's session over the wire, against
// the real store: every request is checked against the Bot API spec by the
// fake server.
func TestModeratorSession(t *testing.T) {
	h := startBotWith(t, nil, withModerators(t), nil)
	ctx := context.Background()
	const me = ownerID

	t.Run("menus", func(t *testing.T) {
		scopes := map[string][]string{}
		for _, c := range h.fake.snapshot("setMyCommands") {
			scope := decodeJSON[map[string]any](t, c.Params["scope"])
			key, _ := scope["type"].(string)
			if id, ok := scope["chat_id"].(float64); ok {
				key += ":" + strconv.FormatInt(int64(id), 10)
			}
			for _, bc := range decodeJSON[[]models.BotCommand](t, c.Params["commands"]) {
				scopes[key] = append(scopes[key], bc.Command)
			}
		}
		if len(scopes) != 2 {
			t.Fatalf("menus registered for %v, want the default scope and the owner's chat only", scopes)
		}
		def, own := scopes["default"], scopes["chat:"+strconv.Itoa(ownerID)]
		for _, name := range []string{"ask", "help", "report"} {
			if !slices.Contains(def, name) || !slices.Contains(own, name) {
				t.Errorf("/%s missing from a menu: default %v, owner %v", name, def, own)
			}
		}
		for _, name := range []string{"add", "edit", "retire", "history", "undo", "import", "synonyms_list", "moderators_add", "cancel"} {
			if slices.Contains(def, name) {
				t.Errorf("the default menu lists the moderators' /%s", name)
			}
			if !slices.Contains(own, name) {
				t.Errorf("the owner's menu %v lacks /%s", own, name)
			}
		}
	})

	t.Run("refusals", func(t *testing.T) {
		mustShow(t, h.say(userID, userID, "/add"), "Only moderators can do that; nothing was changed.")
		// No form was opened: the next message is a question.
		mustNotShow(t, h.say(userID, userID, "Lavrov"), "(2 of 5)")
		// A Discord moderator's id is not a moderator on Telegram.
		mustShow(t, h.say(discordModID, discordModID, "/add"), "Only moderators")
		mustShow(t, h.say(discordModID, discordModID, "/statement retire 1"), "Only moderators")
	})

	t.Run("guided add", func(t *testing.T) {
		first := h.say(me, me, "/add")
		mustShow(t, first, "Add a statement (1 of 5)", "Speaker")
		kb := decodeJSON[inlineKeyboard](t, first[len(first)-1].Params["reply_markup"])
		if len(kb.InlineKeyboard) != 1 || kb.InlineKeyboard[0][0].CallbackData != cancelCallback {
			t.Errorf("prompt keyboard = %+v, want a Cancel button", kb)
		}
		mustShow(t, h.say(me, me, "Lavrov"), "(2 of 5)", "Text")
		mustShow(t, h.say(me, me, "Sanctions will not change our course."), "(3 of 5)", "Current: quote", "Send . to keep it.")
		mustShow(t, h.say(me, me, "."), "(4 of 5)", "Said on", "Send - to leave it empty.")
		mustShow(t, h.say(me, me, "2024-09"), "(5 of 5)", "Source URL")
		mustShow(t, h.say(me, me, "https://example.org/a"), "Added statement #14")
		st, err := h.db.Statement(ctx, 14)
		if err != nil {
			t.Fatal(err)
		}
		if st.Speaker != "Sergey Lavrov" || st.Kind != answers.Quote || st.SaidOn.String() != "2024-09" || st.Source.URL != "https://example.org/a" {
			t.Errorf("stored %+v", st)
		}
	})

	t.Run("cancel", func(t *testing.T) {
		h.say(me, me, "/add")
		mustShow(t, h.say(me, me, "Putin"), "(2 of 5)")
		mustShow(t, h.say(me, me, "/cancel"), cancelledMessage)
		mustShow(t, h.say(me, me, "/cancel"), nothingToCancel)
		// The form is gone: this is a question, and the added statement
		// answers it.
		mustShow(t, h.say(me, me, "What did Lavrov say about sanctions?"), "Sanctions will not change our course.")
		if _, err := h.db.Statement(ctx, 15); err == nil {
			t.Error("a cancelled form added a statement")
		}

		// The Cancel button does the same.
		prompt := lastPrompt(t, h.say(me, me, "/edit 14"))
		calls := h.exchange(callbackUpdate(me, me, prompt, cancelCallback))
		if calls[0].Method != "answerCallbackQuery" {
			t.Errorf("the press was not answered first: %v", calls)
		}
		mustShow(t, calls, cancelledMessage)
		again := h.exchange(callbackUpdate(me, me, prompt, cancelCallback))
		if len(again) != 1 || again[0].Params["text"] != closedToast {
			t.Errorf("a stale Cancel button: %v, want only the alert %q", again, closedToast)
		}
		if st, _ := h.db.Statement(ctx, 14); st.Rev != 1 {
			t.Errorf("cancelled edit changed #14 to revision %d", st.Rev)
		}
	})

	t.Run("guided edit", func(t *testing.T) {
		mustShow(t, h.say(me, me, "/edit 14"), "Edit statement #14 (1 of 5)", "Current: Sergey Lavrov", "Send . to keep it.")
		mustShow(t, h.say(me, me, "."), "(2 of 5)", "Current: Sanctions will not change our course.")
		mustShow(t, h.say(me, me, "Sanctions will never change our course."), "(3 of 5)")
		mustShow(t, h.say(me, me, "."), "(4 of 5)", "Current: 2024-09", "or - to clear it")
		mustShow(t, h.say(me, me, "."), "(5 of 5)", "Current: https://example.org/a")
		mustShow(t, h.say(me, me, "."), "Saved statement #14 as revision 2")
		if st, _ := h.db.Statement(ctx, 14); st.Text != "Sanctions will never change our course." || st.Source.URL != "https://example.org/a" {
			t.Errorf("after the edit: %+v", st)
		}
	})

	t.Run("history, undo, retire", func(t *testing.T) {
		mustShow(t, h.say(me, me, "/history 14"), "Statement #14: 2 revisions.", "changed text")
		mustShow(t, h.say(me, me, "/undo 14"), "back as it was at revision 1")
		mustShow(t, h.say(me, me, "/retire 14 wrong date"), "Retired statement #14")
		mustNotShow(t, h.say(userID, userID, "What did Lavrov say about sanctions?"), "change our course")
	})

	t.Run("import", func(t *testing.T) {
		h.fake.addFile("bad", []byte(`{"speaker":"A","text":"fine"}`+"\n"+`{"speaker":"A"}`+"\n"))
		h.fake.addFile("good", []byte(`{"speaker":"A B","text":"Imported words."}`+"\n"))
		mustShow(t, h.exchange(messageUpdate(docMessage(me, me, "/import", "bad", "bad.jsonl"))), "Nothing was imported: line 2")
		mustShow(t, h.exchange(messageUpdate(docMessage(me, me, "/import", "good", "good.jsonl"))), "1 added")
		mustShow(t, h.exchange(messageUpdate(docMessage(userID, userID, "/import", "good", "good.jsonl"))), "Only moderators")
	})

	t.Run("timeout", func(t *testing.T) {
		clock := &fakeClock{t: time.Now()}
		h.tg.forms.setClock(clock.now)
		defer h.tg.forms.setClock(time.Now)
		mustShow(t, h.say(me, me, "/add"), "(1 of 5)")
		clock.advance(DefaultFormTimeout + time.Second)
		before := len(h.fake.sent(me))
		h.tg.expireForms()
		mustShow(t, h.fake.sent(me)[before:], "Add a statement: closed after 10 minutes without an answer; nothing was changed.")
		mustNotShow(t, h.say(me, me, "Lavrov"), "(2 of 5)")
		mustShow(t, h.say(me, me, "/cancel"), nothingToCancel)
	})

	t.Run("group", func(t *testing.T) {
		// Refusals and errors are said in the group, replying to the
		// command: Telegram has no message only one member sees.
		refused := h.say(modGroup, userID, "/statement retire 1")
		mustShow(t, refused, "Only moderators")
		if _, ok := refused[0].Params["reply_parameters"]; !ok {
			t.Error("the refusal does not reply to the command")
		}
		mustShow(t, h.say(modGroup, me, "/synonyms_list"), "synonym group")

		first := h.say(modGroup, me, "/add")
		mustShow(t, first, "(1 of 5)", "Reply to this message")
		fr := decodeJSON[models.ForceReply](t, first[0].Params["reply_markup"])
		if !fr.ForceReply || !fr.Selective {
			t.Errorf("group prompt markup = %+v, want a selective force_reply", fr)
		}
		prompt := lastPrompt(t, first)
		reply := func(from int64, text string, to int) map[string]any {
			m := textMessage(modGroup, from, text)
			m["reply_to_message"] = botMessage(modGroup, to)
			return messageUpdate(m)
		}
		if got := h.say(modGroup, me, "Lavrov"); len(got) != 0 {
			t.Errorf("a message not replying to the prompt was taken: %q", shown(t, got))
		}
		if got := h.exchange(reply(userID, "Putin", prompt)); len(got) != 0 {
			t.Errorf("someone else's reply to the prompt was answered: %q", shown(t, got))
		}
		mustShow(t, h.exchange(reply(me, "Lavrov", prompt)), "(2 of 5)")
		mustShow(t, h.say(modGroup, me, "/cancel"), cancelledMessage)
		if got := h.say(modGroup, me, "/cancel"); len(got) != 0 {
			t.Errorf("an untargeted /cancel with no form was answered in a group: %q", shown(t, got))
		}
	})

	t.Run("moderator menus follow changes", func(t *testing.T) {
		const newMod = 6161
		mustShow(t, h.say(me, me, "/moderators add telegram:6161 moderator Ira"), "now a moderator")
		set := h.fake.snapshot("setMyCommands")
		last := set[len(set)-1]
		if s := decodeJSON[map[string]any](t, last.Params["scope"]); s["chat_id"] != float64(newMod) {
			t.Errorf("after adding a moderator, setMyCommands scope = %v", s)
		}
		cmds := decodeJSON[[]models.BotCommand](t, last.Params["commands"])
		if slices.ContainsFunc(cmds, func(c models.BotCommand) bool { return c.Command == "moderators_add" }) {
			t.Error("a moderator's menu lists an owners' command")
		}
		mustShow(t, h.say(me, me, "/moderators remove telegram:6161"), "no longer a moderator")
		del := h.fake.snapshot("deleteMyCommands")
		if len(del) != 1 || decodeJSON[map[string]any](t, del[0].Params["scope"])["chat_id"] != float64(newMod) {
			t.Errorf("deleteMyCommands calls = %v, want one for chat %d", del, newMod)
		}
	})
}

func TestFindCommand(t *testing.T) {
	tests := []struct {
		name, args string
		want       string // the command's table name, "" for none
		known      bool
	}{
		{"ask", "", "ask", true},
		{"add", "speaker=x", "statement add", true},
		{"statement", "add speaker=x", "statement add", true},
		{"statement", "", "", true},
		{"statement", "frobnicate", "", true},
		{"synonyms_list", "", "synonyms list", true},
		{"synonyms", "list", "synonyms list", true},
		{"import", "", "import", true},
		{"weather", "", "", false},
		{"state", "add", "", false},
	}
	for _, tt := range tests {
		got := findCommand(tt.name, tt.args)
		if name := func() string {
			if got == nil {
				return ""
			}
			return got.Name
		}(); name != tt.want {
			t.Errorf("findCommand(%q, %q) = %q, want %q", tt.name, tt.args, name, tt.want)
		}
		if k := isKnownCommand(tt.name); k != tt.known {
			t.Errorf("isKnownCommand(%q) = %v, want %v", tt.name, k, tt.known)
		}
	}
	if got := commandName("synonyms_list"); got != "synonyms list" {
		t.Errorf("commandName(synonyms_list) = %q", got)
	}
	if got := commandName("add"); got != "add" {
		t.Errorf("commandName(add) = %q, want the alias passed on", got)
	}
	if f := findCommand("import", ""); f == nil || !f.File {
		t.Error("/import does not take a file")
	}
}

func TestMenuNames(t *testing.T) {
	for _, c := range bot.Commands() {
		name := menuName(c)
		if name == "" {
			t.Errorf("%q has no menu name", c.Name)
			continue
		}
		if got := findCommand(commandName(name), ""); got != c {
			t.Errorf("menu entry /%s runs %v, want %q", name, got, c.Name)
		}
	}
	for _, access := range []bot.Access{bot.Everyone, bot.Moderators, bot.Owners} {
		if n := len(menu(bot.Commands(), access)); n == 0 || n > maxMenu {
			t.Errorf("menu for access %d has %d entries", access, n)
		}
	}
}

func TestPromptAndAnswers(t *testing.T) {
	form := &bot.Form{Title: "Edit <#1>", Command: "statement edit", Fields: []bot.FormField{
		{Name: "speaker", Label: "Speaker", Value: "A & B", Required: true},
		{Name: "url", Label: "URL", Placeholder: "https://"},
	}}
	tests := []struct {
		step  int
		group bool
		want  string
	}{
		{0, false, "Intro\n\n<b>Edit &lt;#1&gt;</b> (1 of 2)\nSpeaker\nCurrent: <code>A &amp; B</code>\nSend . to keep it."},
		{1, true, "Intro\n\n<b>Edit &lt;#1&gt;</b> (2 of 2)\nURL\nFor example: https://\nSend - to leave it empty.\n\nReply to this message with your answer; /cancel stops."},
	}
	for _, tt := range tests {
		if got := promptHTML(form, tt.step, "Intro", tt.group); got != tt.want {
			t.Errorf("prompt %d:\n got %q\nwant %q", tt.step, got, tt.want)
		}
	}
	for _, tt := range []struct {
		field bot.FormField
		text  string
		want  string
	}{
		{form.Fields[0], " . ", "A & B"},
		{form.Fields[0], "-", "-"}, // required: "-" is an answer like any other
		{form.Fields[1], "-", ""},
		{form.Fields[1], " https://x.example ", "https://x.example"},
	} {
		if got := fieldValue(tt.field, tt.text); got != tt.want {
			t.Errorf("fieldValue(%s, %q) = %q, want %q", tt.field.Name, tt.text, got, tt.want)
		}
	}
}
