package bot_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/onrecord/onrecord/bot"
)

func TestActionRoundTrip(t *testing.T) {
	ids := make([]int64, 40)
	for i := range ids {
		ids[i] = int64(1_000_000 + i)
	}
	for _, a := range []bot.Action{
		{Name: bot.ActSource, IDs: []int64{12}},
		{Name: bot.ActMore, IDs: []int64{3, 4, 5}},
		{Name: bot.ActMore, IDs: ids},
	} {
		s := a.Encode()
		if len(s) > bot.MaxActionLen {
			t.Fatalf("Encode(%v) = %d bytes, more than %d", a, len(s), bot.MaxActionLen)
		}
		got, err := bot.DecodeAction(s)
		if err != nil {
			t.Fatalf("DecodeAction(%q): %v", s, err)
		}
		if got.Name != a.Name || got.IDs[0] != a.IDs[0] {
			t.Errorf("round trip of %v gave %v", a, got)
		}
	}
	for _, bad := range []string{"", "zz:1", "m:", "m:-1", "s:!!", "m:1..2", strings.Repeat("m", 200)} {
		if _, err := bot.DecodeAction(bad); err == nil {
			t.Errorf("DecodeAction(%q) accepted it", bad)
		}
	}
}

func TestHandleBadInput(t *testing.T) {
	b, _ := newBot(t)
	ctx := context.Background()
	u := bot.User{Platform: bot.Telegram, ID: "7"}
	tests := []struct{ name, text, want string }{
		{"empty", "   ", "Ask me a question"},
		{"huge", strings.Repeat("why ", 1000), "please keep it under"},
		{"binary", "\x00\x01\xff\xfe", "Nothing on record"},
		{"markup", "**What** did <b>Lavrov</b> say about [proposals](http://x.y)?", "Lavrov"},
		{"mentions", "@everyone what did <@&123> say?", "Nothing on record"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := b.Handle(ctx, bot.Request{User: u, Text: tt.text})
			got := r.Text
			for _, c := range r.Cards {
				got += " " + c.Statement.Speaker
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("got %q, want it to contain %q", got, tt.want)
			}
		})
	}
}

func TestOptionsParsing(t *testing.T) {
	cmd := bot.Lookup("statement edit")
	tests := []struct {
		text string
		want map[string]string
	}{
		{`12 text="a b c" said_on=2024`, map[string]string{"id": "12", "text": "a b c", "said_on": "2024"}},
		{`12 rev=3 text=“curly quotes”`, map[string]string{"id": "12", "rev": "3", "text": "curly quotes"}},
		{`id=5 context="x=y"`, map[string]string{"id": "5", "context": "x=y"}},
	}
	for _, tt := range tests {
		got, err := bot.Options(cmd, bot.Request{Text: tt.text})
		if err != nil {
			t.Fatalf("Options(%q): %v", tt.text, err)
		}
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("Options(%q)[%s] = %q, want %q", tt.text, k, got[k], v)
			}
		}
	}
	retire := bot.Lookup("retire")
	got, _ := bot.Options(retire, bot.Request{Text: "12 wrong date, see report 4"})
	if got["id"] != "12" || got["reason"] != "wrong date, see report 4" {
		t.Errorf("positional arguments: %v", got)
	}
}

func TestCommandTable(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range bot.Commands() {
		for _, n := range append([]string{c.Name}, c.Aliases...) {
			if seen[n] {
				t.Errorf("command name %q is used twice", n)
			}
			seen[n] = true
		}
		if c.Summary == "" || utf8.RuneCountInString(c.Summary) > 100 {
			t.Errorf("/%s: summary must be 1-100 characters", c.Name)
		}
		if c.Run == nil {
			t.Errorf("/%s has no Run", c.Name)
		}
		for _, a := range c.Args {
			if a.Description == "" {
				t.Errorf("/%s %s has no description", c.Name, a.Name)
			}
		}
	}
}

func TestSpeakerAndSource(t *testing.T) {
	b, _ := newBot(t)
	ctx := context.Background()
	u := bot.User{Platform: bot.Discord, ID: "9"}
	r := b.Handle(ctx, bot.Request{User: u, Command: "speaker", Text: "lavorv"})
	if len(r.Cards) == 0 || r.Cards[0].Statement.Speaker != "Sergey Lavrov" {
		t.Fatalf("/speaker lavorv: %+v", r)
	}
	r = b.Handle(ctx, bot.Request{User: u, Command: "source", Text: "#13"})
	if len(r.Cards) != 1 || !r.Cards[0].Detail {
		t.Fatalf("/source #13: %+v", r)
	}
	r = b.Press(ctx, u, bot.Action{Name: bot.ActMore, IDs: []int64{4, 5}}.Encode())
	if len(r.Cards) != 1 || r.Cards[0].Statement.ID != 4 || len(r.Buttons) != 2 {
		t.Fatalf("More: %+v", r)
	}
	if r := b.Press(ctx, u, "garbage"); !r.Private {
		t.Errorf("a bad button is answered privately: %+v", r)
	}
}

func TestGroupsAndUnderscores(t *testing.T) {
	b, _ := newBot(t)
	ctx := context.Background()
	r := b.Handle(ctx, bot.Request{User: owner, Command: "synonyms"})
	if !strings.Contains(r.Text, "/synonyms list") {
		t.Errorf("/synonyms: %q", r.Text)
	}
	r = b.Handle(ctx, bot.Request{User: owner, Command: "synonyms_list"})
	if !strings.Contains(r.Text, "synonym groups") {
		t.Errorf("/synonyms_list: %q", r.Text)
	}
	r = b.Handle(ctx, bot.Request{User: owner, Command: "help", Text: "synonyms_add"})
	if !strings.Contains(r.Text, "/synonyms add") {
		t.Errorf("/help synonyms_add: %q", r.Text)
	}
}
