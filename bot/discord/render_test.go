package discord

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	dg "github.com/bwmarrin/discordgo"

	"github.com/onrecord/onrecord/answers"
	"github.com/onrecord/onrecord/bot"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata")

func TestEscapeMarkdown(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain words", "plain words"},
		{"*bold* _it_ ~~s~~ `code` ||spoiler||", `\*bold\* \_it\_ \~\~s\~\~ \` + "`" + `code\` + "`" + ` \|\|spoiler\|\|`},
		{"> quote", `\> quote`},
		{"# heading", `\# heading`},
		{"- item", `\- item`},
		{"1. first\n2. second", "1\\. first\n2\\. second"},
		{"in 2024. Then", "in 2024. Then"},
		{"[x](https://evil.example)", `\[x\](https://evil.example)`},
		{`back\slash`, `back\\slash`},
		{"@everyone and <@&123>", `\@everyone and \<\@&123\>`},
	}
	for _, tt := range tests {
		if got := escapeMarkdown(tt.in); got != tt.want {
			t.Errorf("escapeMarkdown(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEscapeTruncNeverSplitsAnEscape(t *testing.T) {
	s := strings.Repeat("a*", 100)
	for n := 2; n < 300; n++ {
		got := escapeTrunc(s, n)
		if runeLen(got) > n {
			t.Fatalf("n=%d: length %d", n, runeLen(got))
		}
		body := strings.TrimSuffix(got, ellipsis)
		if strings.HasSuffix(body, `\`) && !strings.HasSuffix(body, `\\`) {
			t.Fatalf("n=%d: dangling backslash in %q", n, got)
		}
	}
	if got := truncEscaped(`ab\*cd`, 4); got != "ab"+ellipsis {
		t.Errorf("truncEscaped = %q", got)
	}
}

func lavrov() answers.Statement {
	return answers.Statement{
		ID: 12, Speaker: "Sergey Lavrov", SpeakerRole: "Russian foreign minister",
		Text: "We are open to talks @everyone <@&123>.", Kind: answers.Quote,
		SaidOn:  answers.Date{Year: 2024, Month: 6, Day: 14},
		Topics:  []string{"peace talks", "negotiations"},
		Context: "At a press conference.",
		Source:  answers.Source{Outlet: "TASS", Title: "Lavrov: open to talks", URL: "https://tass.example/x_(1)", PublishedOn: answers.Date{Year: 2024, Month: 6, Day: 15}},
	}
}

func TestCardEmbed(t *testing.T) {
	st := lavrov()
	e := cardEmbed(bot.Card{Statement: st})
	if e.Author == nil || e.Author.Name != "Sergey Lavrov, Russian foreign minister" {
		t.Errorf("author = %+v", e.Author)
	}
	if want := "\u201cWe are open to talks \\@everyone \\<\\@&123\\>.\u201d"; e.Description != want {
		t.Errorf("description = %q, want %q", e.Description, want)
	}
	if want := "14 June 2024 \u00b7 #12"; e.Footer.Text != want {
		t.Errorf("footer = %q, want %q", e.Footer.Text, want)
	}
	src := fieldValue(e, "Source")
	if want := "[TASS, \u201cLavrov: open to talks\u201d, published 15 June 2024](https://tass.example/x_%281%29)"; src != want {
		t.Errorf("source = %q, want %q", src, want)
	}
	if fieldValue(e, "Context") != "" {
		t.Error("context shown without Detail")
	}

	d := cardEmbed(bot.Card{Statement: st, Detail: true})
	for _, name := range []string{"Context", "Topics", "Outlet", "Title", "Published", "URL"} {
		if fieldValue(d, name) == "" {
			t.Errorf("detail card lacks %s: %+v", name, d.Fields)
		}
	}

	st.Kind = answers.Paraphrase
	st.Source = answers.Source{Note: "no primary source"}
	p := cardEmbed(bot.Card{Statement: st})
	if fieldValue(p, "Kind") != bot.ParaphraseLabel || !strings.HasPrefix(p.Footer.Text, bot.ParaphraseLabel) {
		t.Errorf("paraphrase not marked: %+v %q", p.Fields, p.Footer.Text)
	}
	if strings.HasPrefix(p.Description, "\u201c") {
		t.Errorf("reported speech in quotation marks: %q", p.Description)
	}
	if got := fieldValue(p, "Source"); got != "no primary source" {
		t.Errorf("source without URL = %q, want plain text", got)
	}
}

func TestSourceValueRejectsOddURLs(t *testing.T) {
	for _, u := range []string{"javascript:alert(1)", "ftp://x.example/", "not a url", "/relative"} {
		v := sourceValue(answers.Source{Outlet: "X", URL: u})
		if strings.Contains(v, "](") {
			t.Errorf("URL %q linked: %q", u, v)
		}
	}
}

func fieldValue(e *dg.MessageEmbed, name string) string {
	for _, f := range e.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// TestRenderNearEveryLimit fills every part of a reply past Discord's
// limits and checks the rendered message against each of them.
func TestRenderNearEveryLimit(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a_", n/2) }
	st := answers.Statement{
		ID: 123456789, Speaker: long(300), SpeakerRole: long(300), Text: long(5000), Kind: answers.Paraphrase,
		SaidOn: answers.Date{Year: 2024}, SaidWhen: long(3000), Context: long(3000),
		Topics: strings.Split(strings.Repeat("topic,", 400), ","),
		Source: answers.Source{Outlet: long(2000), Title: long(2000), Note: long(2000), URL: "https://example.org/" + strings.Repeat("p", 900)},
	}
	var cards []bot.Card
	for range 12 {
		cards = append(cards, bot.Card{Statement: st, Detail: true})
	}
	var buttons []bot.Button
	for i := range 40 {
		buttons = append(buttons, bot.Button{Label: long(200), Action: bot.Action{Name: bot.ActShow, IDs: []int64{int64(i + 1), 1 << 60, 1 << 61, 1 << 62}}})
	}
	m := render(bot.Reply{Text: long(5000), Cards: cards, Buttons: buttons})
	if n := runeLen(m.content); n > maxContent {
		t.Errorf("content %d > %d", n, maxContent)
	}
	if len(m.embeds) > maxEmbeds {
		t.Errorf("%d embeds", len(m.embeds))
	}
	if n := embedsLen(m.embeds); n > maxEmbedTotal {
		t.Errorf("embeds total %d > %d", n, maxEmbedTotal)
	}
	for _, e := range m.embeds {
		checkEmbedLimits(t, e)
	}
	if len(m.components) > maxRows {
		t.Errorf("%d rows", len(m.components))
	}
	for _, c := range m.components {
		row := c.(dg.ActionsRow)
		if len(row.Components) > maxRowButtons {
			t.Errorf("%d buttons in a row", len(row.Components))
		}
		for _, b := range row.Components {
			b := b.(dg.Button)
			if runeLen(b.Label) > maxLabel || len(b.CustomID) > maxCustomID || b.CustomID == "" {
				t.Errorf("button %q %q out of limits", b.Label, b.CustomID)
			}
		}
	}
	// The same message through the spec checker.
	c := specIfPresent(t)
	if c == nil {
		return
	}
	x := &exchange{}
	body, _ := json.Marshal(x.response(dg.InteractionResponseChannelMessageWithSource, bot.Reply{Text: long(5000), Cards: cards, Buttons: buttons}))
	for _, e := range c.checkRequest("POST", "/interactions/1/t/callback", "application/json", body) {
		t.Error(e)
	}
}

func checkEmbedLimits(t *testing.T, e *dg.MessageEmbed) {
	t.Helper()
	if runeLen(e.Title) > maxTitle || runeLen(e.Description) > maxDescription || len(e.Fields) > maxFields {
		t.Errorf("embed title/description/fields out of limits")
	}
	if e.Author != nil && runeLen(e.Author.Name) > maxAuthor {
		t.Errorf("author %d", runeLen(e.Author.Name))
	}
	if e.Footer != nil && runeLen(e.Footer.Text) > maxFooter {
		t.Errorf("footer %d", runeLen(e.Footer.Text))
	}
	for _, f := range e.Fields {
		if runeLen(f.Name) > maxFieldName || runeLen(f.Value) > maxFieldValue || f.Name == "" || f.Value == "" {
			t.Errorf("field %q out of limits (%d)", f.Name, runeLen(f.Value))
		}
	}
}

func TestRenderEmptyAndPrivate(t *testing.T) {
	m := render(bot.Reply{})
	if m.content == "" {
		t.Error("an empty reply renders as an empty message, which Discord rejects")
	}
	x := &exchange{}
	r := x.response(dg.InteractionResponseChannelMessageWithSource, bot.Reply{Text: "No.", Private: true})
	if r.Data.Flags != dg.MessageFlagsEphemeral {
		t.Errorf("flags = %v, want ephemeral", r.Data.Flags)
	}
	b, _ := json.Marshal(r)
	if !strings.Contains(string(b), `"allowed_mentions":{"parse":[]`) {
		t.Errorf("allowed_mentions not an empty list: %s", b)
	}
	u := x.response(dg.InteractionResponseUpdateMessage, bot.Reply{Text: "x"})
	b, _ = json.Marshal(u)
	if !strings.Contains(string(b), `"embeds":[]`) || !strings.Contains(string(b), `"components":[]`) {
		t.Errorf("an update does not clear old embeds and buttons: %s", b)
	}
}

func TestButtonRows(t *testing.T) {
	var bs []bot.Button
	for i := range 7 {
		bs = append(bs, bot.Button{Label: "b", Action: bot.Action{Name: bot.ActShow, IDs: []int64{int64(i + 1)}}})
	}
	bs = append(bs, bs[0]) // a duplicate custom_id, which Discord rejects
	rows := buttonRows(bs)
	if len(rows) != 2 || len(rows[0].(dg.ActionsRow).Components) != 5 || len(rows[1].(dg.ActionsRow).Components) != 2 {
		t.Errorf("rows = %+v", rows)
	}
}

// TestGoldenAnswer pins the whole rendered answer, as sent to Discord.
func TestGoldenAnswer(t *testing.T) {
	r := bot.AnswerReply(&answers.Reply{Answers: []answers.Answer{{Statement: lavrov()}, {Statement: answers.Statement{ID: 13}}}})
	x := &exchange{}
	got, err := json.MarshalIndent(x.response(dg.InteractionResponseChannelMessageWithSource, r), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "answer.golden.json")
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("rendered answer differs from %s:\n%s", golden, got)
	}
}
