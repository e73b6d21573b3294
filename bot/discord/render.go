package discord

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	dg "github.com/bwmarrin/discordgo"

	"github.com/onrecord/onrecord/answers"
	"github.com/onrecord/onrecord/bot"
)

// Discord's message limits, counted in characters. They are documented in
// developers/resources/message.mdx ("Embed Limits") and enforced by the
// API, which rejects a message exceeding any of them; the renderer
// truncates instead so that a long record never costs the user an answer.
const (
	maxContent     = 2000
	maxEmbeds      = 10
	maxEmbedTotal  = 6000
	maxTitle       = 256
	maxDescription = 4096
	maxFields      = 25
	maxFieldName   = 256
	maxFieldValue  = 1024
	maxFooter      = 2048
	maxAuthor      = 256
	maxLabel       = 80
	maxCustomID    = 100
	maxRowButtons  = 5
	maxRows        = 5
	maxChoices     = 25
	maxChoiceLen   = 100
	maxURL         = 2048
)

// Embed colours: quotes and reported speech look different at a glance.
const (
	colorQuote      = 0x2b6cb0
	colorParaphrase = 0x718096
)

const ellipsis = "\u2026"

// message is a rendered reply, before it is shaped into whichever request
// carries it (interaction callback, original-response edit or follow-up).
type message struct {
	content    string
	embeds     []*dg.MessageEmbed
	components []dg.MessageComponent
	ephemeral  bool
	files      []*dg.File
}

// noMentions is the allowed_mentions of every message the bot sends: an
// explicit empty list, so that "@everyone" or "<@&123>" inside a stored
// quote pings nobody. A nil Parse would marshal as "parse":null, which
// Discord reads as "use the defaults".
func noMentions() *dg.MessageAllowedMentions {
	return &dg.MessageAllowedMentions{Parse: []dg.AllowedMentionType{}}
}

// render turns a platform-neutral reply into a Discord message within every
// limit Discord enforces.
func render(r bot.Reply) message {
	m := message{ephemeral: r.Private}
	m.content = escapeTrunc(r.Text, maxContent)
	for i, c := range r.Cards {
		if i == maxEmbeds {
			break
		}
		m.embeds = append(m.embeds, cardEmbed(c))
	}
	m.embeds = fitEmbeds(m.embeds, maxEmbedTotal)
	m.components = buttonRows(r.Buttons)
	if r.File != nil {
		m.files = []*dg.File{{Name: r.File.Name, ContentType: "application/octet-stream", Reader: strings.NewReader(string(r.File.Data))}}
	}
	if m.content == "" && len(m.embeds) == 0 && len(m.files) == 0 {
		// Discord rejects a message with nothing in it.
		m.content = "Nothing to show."
	}
	return m
}

// cardEmbed renders one statement: who said it as the author, the words as
// the description, the source as a link, and kind, date and id in the
// footer, where a reader looks for the fine print. Reported speech is also
// marked in a field of its own, so it is never mistaken for a quote.
func cardEmbed(c bot.Card) *dg.MessageEmbed {
	st := c.Statement
	e := &dg.MessageEmbed{
		Author:      &dg.MessageEmbedAuthor{Name: plainTrunc(bot.Attribution(st), maxAuthor)},
		Description: quoteText(st),
		Footer:      &dg.MessageEmbedFooter{Text: plainTrunc(bot.Meta(st), maxFooter)},
		Color:       colorQuote,
	}
	if e.Author.Name == "" {
		e.Author = nil
	}
	if st.Kind == answers.Paraphrase {
		e.Color = colorParaphrase
		e.Fields = append(e.Fields, field("Kind", bot.ParaphraseLabel, true))
	}
	if st.Retired {
		e.Fields = append(e.Fields, field("Status", "retired by the moderators", true))
	}
	e.Fields = append(e.Fields, &dg.MessageEmbedField{Name: "Source", Value: sourceValue(st.Source)})
	if c.Detail {
		if st.Context != "" {
			e.Fields = append(e.Fields, field("Context", st.Context, false))
		}
		if len(st.Topics) > 0 {
			e.Fields = append(e.Fields, field("Topics", strings.Join(st.Topics, ", "), false))
		}
		src := st.Source
		for _, f := range [][2]string{
			{"Outlet", src.Outlet},
			{"Title", src.Title},
			{"Published", src.PublishedOn.Human()},
			{"Note", src.Note},
		} {
			if f[1] != "" {
				e.Fields = append(e.Fields, field(f[0], f[1], f[0] == "Outlet" || f[0] == "Published"))
			}
		}
		if u, ok := linkable(src.URL); ok {
			e.Fields = append(e.Fields, &dg.MessageEmbedField{Name: "URL", Value: u})
		} else if src.URL != "" {
			e.Fields = append(e.Fields, field("URL", src.URL, false))
		}
	}
	if len(e.Fields) > maxFields {
		e.Fields = e.Fields[:maxFields]
	}
	return e
}

// quoteText is the statement's words as the embed description: a quote in
// quotation marks, reported speech without them, so that a paraphrase is
// never presented as the speaker's own words.
func quoteText(st answers.Statement) string {
	if st.Kind == answers.Paraphrase {
		return escapeTrunc(st.Text, maxDescription)
	}
	return "\u201c" + escapeTrunc(st.Text, maxDescription-2) + "\u201d"
}

// field is an embed field whose value is plain text.
func field(name, value string, inline bool) *dg.MessageEmbedField {
	return &dg.MessageEmbedField{Name: escapeTrunc(name, maxFieldName), Value: escapeTrunc(value, maxFieldValue), Inline: inline}
}

// sourceValue is the source as a masked link when it has a usable URL and
// as plain text when it does not, so that a reply never links to nothing.
func sourceValue(src answers.Source) string {
	label := bot.SourceLabel(src)
	u, ok := linkable(src.URL)
	if !ok {
		return escapeTrunc(label, maxFieldValue)
	}
	if label == src.URL {
		// A bare URL is linked by Discord itself; masking it with itself
		// would only trigger Discord's "suspicious link" warning.
		return u
	}
	room := maxFieldValue - utf8.RuneCountInString(u) - len("[]()")
	if room < 10 {
		return escapeTrunc(label, maxFieldValue)
	}
	return "[" + escapeTrunc(label, room) + "](" + u + ")"
}

// linkable returns rawURL fit for a markdown link: an absolute http(s) URL,
// with the characters that would end the link percent-encoded.
func linkable(rawURL string) (string, bool) {
	if rawURL == "" || utf8.RuneCountInString(rawURL) > maxURL/2 {
		return "", false
	}
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", false
	}
	s := u.String()
	s = strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "<", "%3C", ">", "%3E").Replace(s)
	return s, true
}

// buttonRows lays buttons out in action rows of five, at most five rows,
// dropping buttons Discord would reject (a custom_id too long or repeated).
func buttonRows(buttons []bot.Button) []dg.MessageComponent {
	var rows []dg.MessageComponent
	var row dg.ActionsRow
	seen := map[string]bool{}
	for _, b := range buttons {
		id := b.Action.Encode()
		if id == "" || len(id) > maxCustomID || seen[id] {
			continue
		}
		seen[id] = true
		label := plainTrunc(b.Label, maxLabel)
		if label == "" {
			label = "Show"
		}
		style := dg.SecondaryButton
		if b.Action.Name == bot.ActMore {
			style = dg.PrimaryButton
		}
		row.Components = append(row.Components, dg.Button{Label: label, Style: style, CustomID: id})
		if len(row.Components) == maxRowButtons {
			rows = append(rows, row)
			row = dg.ActionsRow{}
			if len(rows) == maxRows {
				return rows
			}
		}
	}
	if len(row.Components) > 0 {
		rows = append(rows, row)
	}
	return rows
}

// fitEmbeds keeps the characters of all embeds within budget, Discord's
// limit across one message. It gives up the least important text first:
// long descriptions down to a readable length, then trailing fields, then
// long footers and author names, and finally whole trailing embeds.
func fitEmbeds(embeds []*dg.MessageEmbed, budget int) []*dg.MessageEmbed {
	const minDescription = 200
	excess := func() int { return embedsLen(embeds) - budget }
	for excess() > 0 {
		var longest *dg.MessageEmbed
		for _, e := range embeds {
			if longest == nil || runeLen(e.Description) > runeLen(longest.Description) {
				longest = e
			}
		}
		if longest == nil || runeLen(longest.Description) <= minDescription {
			break
		}
		target := max(runeLen(longest.Description)-excess(), minDescription)
		longest.Description = truncEscaped(longest.Description, target)
	}
	for i := len(embeds) - 1; i >= 0 && excess() > 0; i-- {
		for e := embeds[i]; len(e.Fields) > 0 && excess() > 0; {
			e.Fields = e.Fields[:len(e.Fields)-1]
		}
	}
	for _, e := range embeds {
		if excess() <= 0 {
			break
		}
		if e.Footer != nil {
			e.Footer.Text = plainTrunc(e.Footer.Text, 200)
		}
		if e.Author != nil {
			e.Author.Name = plainTrunc(e.Author.Name, 100)
		}
	}
	for len(embeds) > 1 && excess() > 0 {
		embeds = embeds[:len(embeds)-1]
	}
	return embeds
}

// embedsLen counts characters the way Discord's 6000 limit does: titles,
// descriptions, field names and values, footers and author names.
func embedsLen(embeds []*dg.MessageEmbed) int {
	n := 0
	for _, e := range embeds {
		n += runeLen(e.Title) + runeLen(e.Description)
		for _, f := range e.Fields {
			n += runeLen(f.Name) + runeLen(f.Value)
		}
		if e.Footer != nil {
			n += runeLen(e.Footer.Text)
		}
		if e.Author != nil {
			n += runeLen(e.Author.Name)
		}
	}
	return n
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

// plainTrunc shortens text shown without markdown (author names, footers,
// button labels, choice names) to n characters.
func plainTrunc(s string, n int) string {
	s = strings.TrimSpace(s)
	if runeLen(s) <= n {
		return s
	}
	return bot.Truncate(s, n)
}

// markdownSpecial are the characters Discord's markdown gives a meaning:
// emphasis, code, spoilers, quotes, headings, lists, masked links and
// mentions (<@id>, <#id>, <t:...>, @everyone). A backslash before any
// punctuation is removed by Discord's renderer, so over-escaping costs only
// length; allowed_mentions, not escaping, is what keeps mentions silent.
const markdownSpecial = "\\*_~`|>#-[]<@"

// escapeMarkdown makes stored text display literally in Discord.
func escapeMarkdown(s string) string {
	return strings.Join(escapeUnits(s), "")
}

// escapeUnits splits s into display units: one rune, or a backslash with
// the rune it escapes, so that truncation never splits an escape.
func escapeUnits(s string) []string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	units := make([]string, 0, len(s))
	lineStart := true
	digits := false
	for _, r := range s {
		u := string(r)
		switch {
		case strings.ContainsRune(markdownSpecial, r):
			u = "\\" + u
		case r == '.' && digits:
			// "1. item" at the start of a line is a numbered list.
			u = "\\."
		}
		digits = (lineStart || digits) && r >= '0' && r <= '9'
		lineStart = r == '\n'
		units = append(units, u)
	}
	return units
}

// escapeTrunc escapes s for Discord markdown and truncates the result to at
// most n characters, ending with an ellipsis when it cut.
func escapeTrunc(s string, n int) string {
	units := escapeUnits(strings.TrimSpace(s))
	total := 0
	for _, u := range units {
		total += runeLen(u)
	}
	if total <= n {
		return strings.Join(units, "")
	}
	var b strings.Builder
	used := 0
	for _, u := range units {
		if used+runeLen(u) > n-1 {
			break
		}
		b.WriteString(u)
		used += runeLen(u)
	}
	return strings.TrimRight(b.String(), " \n") + ellipsis
}

// truncEscaped shortens already-escaped text to n characters without
// separating a backslash from the character it escapes.
func truncEscaped(s string, n int) string {
	if runeLen(s) <= n {
		return s
	}
	var b strings.Builder
	used := 0
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		w := 1
		if rs[i] == '\\' && i+1 < len(rs) {
			w = 2
		}
		if used+w > n-1 {
			break
		}
		b.WriteString(string(rs[i : i+w]))
		used += w
		i += w - 1
	}
	out := b.String()
	// A quote's closing mark was cut with the rest; the ellipsis says so.
	return out + ellipsis
}

// choiceName is an autocomplete choice's label within Discord's 100
// characters; choices are plain text.
func choiceName(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return plainTrunc(s, maxChoiceLen)
}

// describe is a short description of an interaction for logs.
func describe(i *dg.Interaction) string {
	return fmt.Sprintf("%s %s", i.Type, i.ID)
}
