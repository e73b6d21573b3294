package console_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/onrecord/onrecord/answers"
	"github.com/onrecord/onrecord/bot"
	"github.com/onrecord/onrecord/bot/console"
	"github.com/onrecord/onrecord/data"
	"github.com/onrecord/onrecord/store"
)

func TestConsoleSession(t *testing.T) {
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"), data.Seed())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := console.New(bot.New(answers.NewEngine(db), nil))
	in := strings.Join([]string{
		"What are Putin's conditions for a ceasefire?",
		"1",    // the Source button
		"/add", // a form, shown as a command to type
		`/add speaker=Ushakov text="Talks are not on the agenda."`,
		"9", // no such button: a question, answered honestly
		"/quit",
		"What did Lavrov say?", // after /quit: never read
	}, "\n")
	var out bytes.Buffer
	if err := c.Run(context.Background(), strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"\u2014 Vladimir Putin, President of Russia",
		"paraphrase (reported speech)",
		"[1] Source",
		"Topics: peace proposals, ceasefire, negotiations",
		`/statement add speaker="..." text="..." kind="quote"`,
		"Added statement #14.",
		"Nothing on record answers that.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("console output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Sergey Lavrov, Russian Foreign Minister") {
		t.Error("a line after /quit was answered")
	}
}
