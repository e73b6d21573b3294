package telegram

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/onrecord/onrecord/answers"
	"github.com/onrecord/onrecord/bot"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func date(y, m, d int) answers.Date { return answers.Date{Year: y, Month: m, Day: d} }

var (
	quoteWithURL = answers.Statement{
		ID: 12, Speaker: "Sergei Lavrov", SpeakerRole: "Russian foreign minister",
		Text: "We are ready to consider any serious proposals.", Kind: answers.Quote,
		SaidOn: date(2024, 6, 14), Topics: []string{"peace proposals", "negotiations"},
		Context: "Speaking at a press conference in Moscow.",
		Source:  answers.Source{Outlet: "TASS", Title: "Lavrov on proposals", URL: "https://tass.example/lavrov?id=1&lang=en", PublishedOn: date(2024, 6, 15)},
	}
	paraphraseNoURL = answers.Statement{
		ID: 2, Speaker: "Matthew Miller", SpeakerRole: "US State Department spokesperson",
		Text: "It is up to Zelensky to decide when it is time for negotiations.", Kind: answers.Paraphrase,
		SaidWhen: "on a Thursday (the report gives no date)",
		Source:   answers.Source{Note: "The report names no outlet, title, URL or date."},
	}
	hostile = answers.Statement{
		ID: 7, Speaker: `Tom & "Jerry" <admin>`, SpeakerRole: "role <i>not</i> markup",
		Text: `<script>alert("x")</script> & &amp; &nbsp; </blockquote> 1 < 2 > 0`, Kind: answers.Quote,
		SaidOn: date(2023, 0, 0),
		Source: answers.Source{Outlet: "A&B <News>", URL: `https://e.example/a?b="c"&d=<e>`},
	}
	badURL = answers.Statement{
		ID: 8, Speaker: "Someone", Text: "Words.", Kind: answers.Quote, SaidOn: date(2022, 3, 0),
		Source: answers.Source{Outlet: "Outlet", URL: "javascript:alert(1)"},
	}
)

// goldenReplies are hand-built replies whose rendering is pinned in
// testdata/NAME.html.
var goldenReplies = map[string]bot.Reply{
	"quote_with_url": {Cards: []bot.Card{{Statement: quoteWithURL}},
		Buttons: []bot.Button{{Label: "More (2)", Action: bot.Action{Name: bot.ActMore, IDs: []int64{3, 4}}}, {Label: "Source", Action: bot.Action{Name: bot.ActSource, IDs: []int64{12}}}}},
	"paraphrase_without_url": {Text: "Closest match on record.", Cards: []bot.Card{{Statement: paraphraseNoURL}}},
	"detail":                 {Cards: []bot.Card{{Statement: func() answers.Statement { s := quoteWithURL; s.Retired = true; return s }(), Detail: true}}},
	"detail_note_only":       {Cards: []bot.Card{{Statement: paraphraseNoURL, Detail: true}}},
	"escaping":               {Text: "You asked: <b>who</b> said \"peace\" & why?", Cards: []bot.Card{{Statement: hostile}, {Statement: badURL}}},
	"nothing_on_record": {Text: "Nothing on record answers that.\n\nTry naming a speaker.",
		Buttons: []bot.Button{{Label: "Did you mean: Sergei Lavrov: We are ready to consider any serious…", Action: bot.Action{Name: bot.ActShow, IDs: []int64{12}}}}},
}

func TestRenderGolden(t *testing.T) {
	spec := loadSpec(t)
	for name, reply := range goldenReplies {
		t.Run(name, func(t *testing.T) {
			parts, kb := renderReply(reply)
			got := strings.Join(parts, "\n-----8<-----\n")
			if kb != nil {
				raw, _ := json.MarshalIndent(kb, "", "  ")
				got += "\n-----keyboard-----\n" + string(raw)
			}
			got += "\n"
			path := filepath.Join("testdata", name+".html")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("rendered %s:\n%s\nwant (%s):\n%s", name, got, path, want)
			}
			if spec != nil {
				for _, p := range parts {
					if _, problems := spec.checkHTML(p); len(problems) > 0 {
						t.Errorf("breaks the formatting rules: %v", problems)
					}
				}
			}
		})
	}
}

func TestRenderCardParts(t *testing.T) {
	tests := []struct {
		name string
		card bot.Card
		has  []string
		not  []string
	}{
		{"quote in a blockquote", bot.Card{Statement: quoteWithURL},
			[]string{"<blockquote>We are ready to consider any serious proposals.</blockquote>"}, nil},
		{"speaker and role in bold", bot.Card{Statement: quoteWithURL},
			[]string{"<b>Sergei Lavrov, Russian foreign minister</b>"}, nil},
		{"date and id", bot.Card{Statement: quoteWithURL}, []string{"14 June 2024", "#12"}, []string{bot.ParaphraseLabel}},
		{"source as a link", bot.Card{Statement: quoteWithURL},
			[]string{`<a href="https://tass.example/lavrov?id=1&amp;lang=en">TASS, “Lavrov on proposals”, published 15 June 2024</a>`}, nil},
		{"paraphrase marked", bot.Card{Statement: paraphraseNoURL}, []string{bot.ParaphraseLabel, "on a Thursday"}, nil},
		{"source without URL is plain", bot.Card{Statement: paraphraseNoURL}, []string{"Source: The report names no outlet"}, []string{"<a "}},
		{"unsafe URL is plain", bot.Card{Statement: badURL}, []string{"Source: Outlet"}, []string{"<a ", "javascript"}},
		{"detail has context and topics", bot.Card{Statement: quoteWithURL, Detail: true},
			[]string{"Context: Speaking at a press conference in Moscow.", "Topics: peace proposals, negotiations", "Outlet: TASS", "Title: Lavrov on proposals", "Published: 15 June 2024", "Link: <a href="}, nil},
		{"detail shows the note", bot.Card{Statement: paraphraseNoURL, Detail: true}, []string{"Note: The report names no outlet"}, nil},
		{"escaped", bot.Card{Statement: hostile},
			[]string{"&lt;script&gt;", "&amp;amp;", "&amp;nbsp;", "&lt;/blockquote&gt;", "1 &lt; 2 &gt; 0", "Tom &amp; \"Jerry\" &lt;admin&gt;", `href="https://e.example/a?b=&quot;c&quot;&amp;d=&lt;e&gt;"`}, []string{"<script>", "<i>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := renderCard(tt.card)
			for _, s := range tt.has {
				if !strings.Contains(got, s) {
					t.Errorf("card lacks %q:\n%s", s, got)
				}
			}
			for _, s := range tt.not {
				if strings.Contains(got, s) {
					t.Errorf("card has %q:\n%s", s, got)
				}
			}
		})
	}
}

func TestKeyboard(t *testing.T) {
	long := bot.Action{Name: bot.ActMore}
	for i := int64(1); i < 40; i++ {
		long.IDs = append(long.IDs, 1_000_000_000+i)
	}
	kb := keyboard([]bot.Button{
		{Label: "More (39)", Action: long},
		{Label: "Source", Action: bot.Action{Name: bot.ActSource, IDs: []int64{5}}},
		{Label: "Did you mean: a statement with a long label", Action: bot.Action{Name: bot.ActShow, IDs: []int64{6}}},
		{Label: "   ", Action: bot.Action{Name: bot.ActShow, IDs: []int64{7}}},
	})
	if kb == nil || len(kb.InlineKeyboard) != 2 {
		t.Fatalf("keyboard = %+v, want the short buttons in one row and the long one in its own", kb)
	}
	if len(kb.InlineKeyboard[0]) != 2 || len(kb.InlineKeyboard[1]) != 1 {
		t.Errorf("rows = %+v", kb.InlineKeyboard)
	}
	for _, row := range kb.InlineKeyboard {
		for _, b := range row {
			if n := len(b.CallbackData); n == 0 || n > maxCallbackData {
				t.Errorf("callback_data %q is %d bytes", b.CallbackData, n)
			}
			if _, err := bot.DecodeAction(b.CallbackData); err != nil {
				t.Errorf("callback_data %q does not decode: %v", b.CallbackData, err)
			}
		}
	}
	if keyboard(nil) != nil {
		t.Errorf("no buttons should make no keyboard")
	}
}

// TestSeedRendersWithinRules renders every statement of the curated seed,
// as a card and in detail, and checks each against the formatting rules.
func TestSeedRendersWithinRules(t *testing.T) {
	spec := requireSpec(t)
	b, db := newTestBot(t)
	for _, st := range someStatements(t, db, 1000) {
		for _, detail := range []bool{false, true} {
			parts, _ := renderReply(bot.Reply{Cards: []bot.Card{{Statement: st, Detail: detail}}})
			for _, p := range parts {
				vis, problems := spec.checkHTML(p)
				if len(problems) > 0 {
					t.Errorf("statement %d: %v\n%s", st.ID, problems, p)
				}
				if n := utf16Count(vis); n == 0 || n > maxMessageLen {
					t.Errorf("statement %d: %d characters", st.ID, n)
				}
			}
		}
	}
	// Whatever the engine answers renders within the rules too.
	for _, q := range []string{"What did Lavrov say about peace proposals?", "Will the US back Zelensky if he negotiates?", "what is the weather on Mars"} {
		parts, _ := renderReply(b.Handle(context.Background(), bot.Request{Text: q}))
		for _, p := range parts {
			if _, problems := spec.checkHTML(p); len(problems) > 0 {
				t.Errorf("answer to %q: %v\n%s", q, problems, p)
			}
		}
	}
}
