package bot_test

import (
	"bytes"
	"context"
	"database/sql"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/onrecord/onrecord/answers"
	"github.com/onrecord/onrecord/bot"
	"github.com/onrecord/onrecord/bot/console"
	"github.com/onrecord/onrecord/data"
	"github.com/onrecord/onrecord/store"
)

var (
	owner = bot.User{Platform: bot.Console, ID: "local", Name: "console"}
	anna  = bot.User{Platform: bot.Telegram, ID: "1001", Name: "Anna"}
	bob   = bot.User{Platform: bot.Telegram, ID: "1002", Name: "Bob"}
	// annaOnDiscord has Anna's id, on the other platform.
	annaOnDiscord = bot.User{Platform: bot.Discord, ID: "1001", Name: "Anna"}
)

func newBot(t *testing.T) (*bot.Bot, *store.DB) {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "mod.db"), data.Seed())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return bot.New(answers.NewEngine(db), nil), db
}

// say sends a typed line as u, parsed as the console parses it, and
// returns the reply.
func say(t *testing.T, b *bot.Bot, u bot.User, line string) bot.Reply {
	t.Helper()
	return b.Handle(context.Background(), console.ParseLine(u, line))
}

func mustContain(t *testing.T, r bot.Reply, want string) {
	t.Helper()
	all := r.Text
	for _, c := range r.Cards {
		all += "\n" + c.Statement.Text
	}
	if !strings.Contains(all, want) {
		t.Fatalf("reply %q does not contain %q", all, want)
	}
}

func ask(t *testing.T, b *bot.Bot, q string) *answers.Reply {
	t.Helper()
	r, err := b.Engine.Ask(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestModerationFlow(t *testing.T) {
	b, db := newBot(t)
	ctx := context.Background()

	// Rights come from the moderators table only.
	mustContain(t, say(t, b, anna, `/add speaker=Lavrov text="x"`), "Only moderators")
	mustContain(t, say(t, b, owner, "/moderators add telegram:1001 moderator Anna"), "now a moderator")
	mustContain(t, say(t, b, annaOnDiscord, `/statement add speaker=Lavrov text="x"`), "Only moderators")
	mustContain(t, say(t, b, anna, "/moderators add telegram:1002"), "Only owners")

	// Add: the speaker is matched by alias; a near miss asks first.
	mustContain(t, say(t, b, anna, `/add speaker=Lavorv text="Sanctions will not change our course."`), "Did you mean Sergey Lavrov?")
	r := say(t, b, anna, `/add speaker=Lavrov kind=quote said_on=2024-09 url=https://example.org/a topics="sanctions, policy" text="Sanctions will not change our course."`)
	mustContain(t, r, "Added statement #14")
	if got := ask(t, b, "What did Lavrov say about sanctions?"); len(got.Answers) == 0 || got.Answers[0].ID != 14 {
		t.Fatalf("the new statement is not the answer: %+v", got.Answers)
	}
	mustContain(t, say(t, b, anna, `/add speaker="Sergey Lavrov" text="Sanctions  will not change our course!"`), "already has a statement like that on record: #14")
	mustContain(t, say(t, b, anna, `/add speaker="Annalena Baerbock" text="We stand with Ukraine."`), "new_speaker=yes")
	mustContain(t, say(t, b, anna, `/add speaker="Annalena Baerbock" role="German Foreign Minister" new_speaker=yes text="We stand with Ukraine."`), "Added statement #15")

	// Bad input changes nothing and says why.
	for line, want := range map[string]string{
		`/edit 14 url=javascript:alert(1)`: "http or https",
		`/edit 14 said_on=2024-13-01`:      "said_on",
		`/edit 14 kind=rumour`:             "quote or paraphrase",
		`/edit abc text=x`:                 "not a statement id",
		`/edit 14 text="unclosed`:          "not closed",
		`/edit 999 text=x`:                 "no statement #999",
		`/retire`:                          "id is missing",
	} {
		mustContain(t, say(t, b, anna, line), want)
	}

	// Edit, history, undo.
	mustContain(t, say(t, b, anna, `/edit 14 said_on=2024-09-12 text="Sanctions will never change our course."`), "revision 2")
	mustContain(t, say(t, b, anna, "/history 14"), "changed text, said_on")
	mustContain(t, say(t, b, anna, "/undo 14"), "back as it was at revision 1")
	st, _ := db.Statement(ctx, 14)
	if st.Text != "Sanctions will not change our course." || st.Rev != 3 {
		t.Fatalf("after undo: %q rev %d", st.Text, st.Rev)
	}
	mustContain(t, say(t, b, anna, "/revert 14 2"), "revision 4")

	// Concurrent edits: the second one, made from an old revision, is refused.
	mustContain(t, say(t, b, anna, `/edit 14 rev=4 context="Press conference"`), "revision 5")
	mustContain(t, say(t, b, owner, `/edit 14 rev=4 context="Interview"`), "changed while you were editing")

	// Retire: never answered; restore: answered again.
	mustContain(t, say(t, b, anna, "/retire 14 wrong date"), "Retired statement #14")
	for _, a := range ask(t, b, "What did Lavrov say about sanctions?").Answers {
		if a.ID == 14 {
			t.Fatal("a retired statement was answered")
		}
	}
	mustContain(t, say(t, b, anna, "/restore 14"), "Restored")
	if got := ask(t, b, "What did Lavrov say about sanctions?"); len(got.Answers) == 0 || got.Answers[0].ID != 14 {
		t.Fatalf("restored statement not answered: %+v", got.Answers)
	}

	// Speakers: alias, rename, merge (nothing lost).
	mustContain(t, say(t, b, anna, `/alias Lavrov "Russia's chief diplomat"`), "can now be asked about")
	mustContain(t, say(t, b, anna, `/add speaker="S. Lavrov" new_speaker=yes text="Talks are possible."`), "Added statement #16")
	mustContain(t, say(t, b, anna, `/merge "S. Lavrov" "Sergey Lavrov"`), "Merged S. Lavrov into Sergey Lavrov")
	st, _ = db.Statement(ctx, 16)
	if st.Speaker != "Sergey Lavrov" {
		t.Fatalf("after merge, #16 is by %q", st.Speaker)
	}
	if got := ask(t, b, "What did S. Lavrov say about talks?"); len(got.Answers) == 0 || got.Answers[0].ID != 16 {
		t.Fatalf("the merged name no longer finds the statement: %+v", got)
	}
	mustContain(t, say(t, b, anna, `/rename "Annalena Baerbock" "Annalena Charlotte Baerbock"`), "Renamed")
	if got := ask(t, b, "What did Baerbock say about Ukraine?"); len(got.Answers) == 0 || got.Answers[0].ID != 15 {
		t.Fatalf("renamed speaker not found: %+v", got)
	}

	// Synonyms reach the matcher at once.
	mustContain(t, say(t, b, anna, "/synonyms add sanctions, penalties"), "Added synonym group")
	if got := ask(t, b, "Lavrov penalties"); len(got.Answers) == 0 || got.Answers[0].ID != 14 {
		t.Fatalf("synonym not used: %+v", got)
	}

	// Reports: anyone files, moderators close.
	mustContain(t, say(t, b, bob, "/report 14 the date is wrong"), "Report 1")
	mustContain(t, say(t, b, bob, "/reports list"), "Only moderators")
	mustContain(t, say(t, b, anna, "/reports list"), "the date is wrong")
	mustContain(t, say(t, b, anna, "/reports close 1 checked"), "Closed report 1")

	// Import through the chat: a bad file writes nothing.
	bad := bot.Request{User: anna, Command: "import", File: &bot.File{Name: "bad.jsonl", Data: []byte(`{"speaker":"A","text":"fine"}` + "\n" + `{"speaker":"A"}` + "\n")}}
	mustContain(t, b.Handle(ctx, bad), "Nothing was imported: line 2")
	good := bot.Request{User: anna, Command: "import", File: &bot.File{Name: "good.jsonl", Data: []byte(`{"speaker":"A B","text":"fine"}` + "\n")}}
	mustContain(t, b.Handle(ctx, good), "1 added")
	if r := say(t, b, anna, "/export"); r.File == nil || !strings.Contains(string(r.File.Data), `"id":14,"speaker":"Sergey Lavrov"`) {
		t.Fatal("export lacks the added statement")
	}

	// The audit shows who did what.
	mustContain(t, say(t, b, anna, "/audit 100"), "telegram:1001 (Anna) statement.retire #14")

	// Owners manage moderators; the last owner stays.
	mustContain(t, say(t, b, owner, "/moderators remove telegram:1001"), "no longer a moderator")
	mustContain(t, say(t, b, anna, "/retire 14"), "Only moderators")
}

func TestConcurrentEditsOneWins(t *testing.T) {
	b, db := newBot(t)
	ctx := context.Background()
	st, _ := db.Statement(ctx, 13)
	var wg sync.WaitGroup
	results := make([]bot.Reply, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = say(t, b, owner, "/edit 13 rev="+itoa(st.Rev)+" context=\"edit "+itoa(i)+"\"")
		}()
	}
	wg.Wait()
	saved := 0
	for _, r := range results {
		if strings.Contains(r.Text, "Saved statement #13") {
			saved++
		} else if !strings.Contains(r.Text, "changed while you were editing") {
			t.Errorf("unexpected reply: %q", r.Text)
		}
	}
	if saved != 1 {
		t.Fatalf("%d concurrent edits from the same revision were saved, want 1", saved)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// A store call that fails (a trigger stands for a failing disk) reaches
// the log with its cause and the context the bot added, while the chat
// gets the apology and nothing of the cause.
func TestFailedImportKeepsItsCause(t *testing.T) {
	b, db := newBot(t)
	var log bytes.Buffer
	b.Logger = slog.New(slog.NewTextHandler(&log, nil))
	raw, err := sql.Open("sqlite", db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`CREATE TRIGGER fail BEFORE INSERT ON statements BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`); err != nil {
		t.Fatal(err)
	}
	r := b.Handle(context.Background(), bot.Request{User: owner, Command: "import", File: &bot.File{Name: "a.jsonl", Data: []byte(`{"speaker":"A B","text":"fine"}` + "\n")}})
	if r.Text != bot.Apology || strings.Contains(r.Text, "disk on fire") {
		t.Errorf("chat reply %q, want the apology alone", r.Text)
	}
	for _, want := range []string{"Nothing was imported", "disk on fire"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
}
