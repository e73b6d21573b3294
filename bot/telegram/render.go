package telegram

import (
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"

	"github.com/onrecord/onrecord/answers"
	"github.com/onrecord/onrecord/bot"
)

// Telegram's sizes (Bot API, sendMessage and answerCallbackQuery).
const (
	maxMessageLen     = 4096 // characters of text after entity parsing
	maxCallbackAnswer = 200
	maxCallbackData   = 64 // bytes
	// shortButton is the longest label that shares a row with others.
	shortButton = 24
)

// Telegram's HTML mode knows only the named entities &lt; &gt; &amp; and
// &quot;, so html.EscapeString (which writes &#39;) is not used: these
// replacers write exactly what the rules require.
var (
	textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
)

// escapeText makes stored or user text safe inside Telegram HTML. Invalid
// UTF-8 and control characters, which Telegram rejects, are dropped.
func escapeText(s string) string { return textEscaper.Replace(cleanText(s)) }

func escapeAttr(s string) string { return attrEscaper.Replace(cleanText(s)) }

func cleanText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// linkURL returns u when Telegram can open it as an inline link, or "".
func linkURL(u string) string {
	p, err := url.Parse(strings.TrimSpace(u))
	if err != nil || p.Host == "" || p.Scheme != "http" && p.Scheme != "https" {
		return ""
	}
	return p.String()
}

// renderReply turns a reply into the HTML texts of the messages to send,
// each within Telegram's 4096 characters, and the keyboard that goes under
// the last one. A reply with only a file has no texts.
func renderReply(r bot.Reply) ([]string, *inlineKeyboard) {
	kb := keyboard(r.Buttons)
	html := renderHTML(r)
	if html == "" {
		if kb == nil {
			return nil, nil
		}
		html = "Choose one:"
	}
	return splitHTML(html, maxMessageLen), kb
}

// renderHTML is a whole reply as one Telegram HTML text: the text's
// paragraphs, then each card, separated by blank lines.
func renderHTML(r bot.Reply) string {
	var blocks []string
	if t := strings.TrimSpace(r.Text); t != "" {
		blocks = append(blocks, escapeText(t))
	}
	for _, c := range r.Cards {
		blocks = append(blocks, renderCard(c))
	}
	return strings.Join(blocks, "\n\n")
}

// renderCard shows one statement: the words in a quotation block, then who
// said it, the kind, date and id, and the source. Detail adds the context,
// topics and every source field.
func renderCard(c bot.Card) string {
	st := c.Statement
	var b strings.Builder
	b.WriteString("<blockquote>")
	b.WriteString(escapeText(strings.TrimSpace(st.Text)))
	b.WriteString("</blockquote>\n<b>")
	b.WriteString(escapeText(bot.Attribution(st)))
	b.WriteString("</b>\n")
	b.WriteString(escapeText(bot.Meta(st)))
	if !c.Detail {
		b.WriteString("\nSource: ")
		b.WriteString(sourceLink(st.Source))
		return b.String()
	}
	if st.Context != "" {
		b.WriteString("\n\nContext: " + escapeText(st.Context))
	}
	if len(st.Topics) > 0 {
		b.WriteString("\nTopics: " + escapeText(strings.Join(st.Topics, ", ")))
	}
	b.WriteString("\n\n" + sourceDetail(st.Source))
	if st.Retired {
		b.WriteString("\n\nRetired by the moderators; shown for the record only.")
	}
	return b.String()
}

// sourceLink is the source's one-line label, as a link when there is a URL
// Telegram can open and as plain text when not.
func sourceLink(src answers.Source) string {
	label := escapeText(bot.SourceLabel(src))
	if u := linkURL(src.URL); u != "" {
		return `<a href="` + escapeAttr(u) + `">` + label + "</a>"
	}
	return label
}

// sourceDetail lists every recorded field of a source.
func sourceDetail(src answers.Source) string {
	if src.IsZero() {
		return "Source: " + escapeText(bot.SourceLabel(src))
	}
	lines := []string{"Source:"}
	add := func(name, value string) {
		if strings.TrimSpace(value) != "" {
			lines = append(lines, name+": "+escapeText(value))
		}
	}
	add("Outlet", src.Outlet)
	add("Title", src.Title)
	add("Published", src.PublishedOn.Human())
	if u := linkURL(src.URL); u != "" {
		lines = append(lines, `Link: <a href="`+escapeAttr(u)+`">`+escapeText(src.URL)+"</a>")
	} else {
		add("Link", src.URL)
	}
	add("Note", src.Note)
	return strings.Join(lines, "\n")
}

// keyboard lays buttons out as an inline keyboard: short labels share a
// row, long ones ("Did you mean: ...") get their own. A button whose action
// does not fit Telegram's 64 bytes of callback data is left out rather than
// failing the whole message.
func keyboard(buttons []bot.Button) *inlineKeyboard {
	var rows [][]inlineButton
	var row []inlineButton
	for _, btn := range buttons {
		data := btn.Action.Encode()
		label := strings.TrimSpace(cleanText(btn.Label))
		if data == "" || len(data) > maxCallbackData || label == "" {
			continue
		}
		kb := inlineButton{Text: bot.Truncate(label, 64), CallbackData: data}
		if utf8.RuneCountInString(label) > shortButton {
			if len(row) > 0 {
				rows = append(rows, row)
				row = nil
			}
			rows = append(rows, []inlineButton{kb})
			continue
		}
		row = append(row, kb)
		if len(row) == 3 {
			rows = append(rows, row)
			row = nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil
	}
	return &inlineKeyboard{InlineKeyboard: rows}
}

// inlineKeyboard is the Bot API's InlineKeyboardMarkup with callback
// buttons only. The library's models.InlineKeyboardButton is not used: its
// CopyText field is a struct, which omitempty never omits, so every button
// would carry "copy_text":{"text":""}, an invalid CopyTextButton and a
// second button type where the spec allows exactly one.
type inlineKeyboard struct {
	InlineKeyboard [][]inlineButton `json:"inline_keyboard"`
}

type inlineButton struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data"`
}

// noPreview keeps Telegram from expanding source links into previews,
// which would push the quote itself out of view.
func noPreview() *models.LinkPreviewOptions {
	t := true
	return &models.LinkPreviewOptions{IsDisabled: &t}
}

// inlineArticle is one inline-mode result: the statement's card, sent as
// the user's message when chosen.
func inlineArticle(st answers.Statement) *models.InlineQueryResultArticle {
	parts := splitHTML(renderCard(bot.Card{Statement: st}), maxMessageLen)
	desc := st.Text
	if st.Kind == answers.Paraphrase {
		desc = "(" + bot.ParaphraseLabel + ") " + desc
	}
	return &models.InlineQueryResultArticle{
		ID:    "s" + strconv.FormatInt(st.ID, 10),
		Title: bot.Truncate(cleanText(bot.Attribution(st)), 100),
		InputMessageContent: &models.InputTextMessageContent{
			MessageText:        parts[0],
			ParseMode:          models.ParseModeHTML,
			LinkPreviewOptions: noPreview(),
		},
		Description: bot.Truncate(cleanText(desc), 200),
	}
}

// nothingArticle is the one inline result when nothing is on record, so
// that the user sees why rather than an empty list.
func nothingArticle(question, note string) *models.InlineQueryResultArticle {
	if note == "" {
		note = "Nothing on record answers that."
	}
	text := escapeText(note) + "\n\nAsked: " + escapeText(bot.Truncate(question, 300))
	return &models.InlineQueryResultArticle{
		ID:    "none",
		Title: "Nothing on record",
		InputMessageContent: &models.InputTextMessageContent{
			MessageText: splitHTML(text, maxMessageLen)[0],
			ParseMode:   models.ParseModeHTML,
		},
		Description: bot.Truncate(cleanText(note), 200),
	}
}
