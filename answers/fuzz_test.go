package answers_test

import (
	"context"
	"testing"
	"unicode/utf8"

	"github.com/onrecord/onrecord/answers"
)

// FuzzAsk checks that no question, however malformed, fails or panics, and
// that every answer is attributed. go test runs the seeds; go test -fuzz
// FuzzAsk explores further.
func FuzzAsk(f *testing.F) {
	for _, s := range []string{"", " ", "What did Lavrov say?", "\x00\xff", "\"OR NEAR(\"", "*", "lavorv lavorv lavorv",
		"what did the the the say", "according to", "US U.S. u.s.a.", "Путин санкции", "<b>**x**</b>", "[a](b)", "🙂 /ask putin"} {
		f.Add(s)
	}
	e, _ := seedEngine(f)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, q string) {
		r, err := e.Ask(ctx, q)
		if err != nil {
			t.Fatalf("Ask(%q): %v", q, err)
		}
		for _, a := range r.Answers {
			if a.Speaker == "" || a.Text == "" || a.Score <= 0 {
				t.Fatalf("Ask(%q) gave an unattributed answer: %+v", q, a)
			}
		}
		if !utf8.ValidString(r.Note) || !utf8.ValidString(r.UnknownSpeaker) {
			t.Fatalf("Ask(%q) wrote invalid UTF-8", q)
		}
		if _, err := e.Suggest(ctx, q, 25); err != nil {
			t.Fatalf("Suggest(%q): %v", q, err)
		}
	})
}

// FuzzParseRecord checks that a record either parses into a valid
// statement or is refused with a message, never a panic.
func FuzzParseRecord(f *testing.F) {
	for _, s := range []string{`{"speaker":"A","text":"b"}`, `{"speaker":"A","text":"b","said_on":"2024-02-30"}`, `{`, `[]`, `{"speaker":1}`,
		`{"speaker":"A","text":"b","source":{"url":"http://x"}}`, `{"speaker":"A","text":"b","topics":["", " "]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := answers.ParseRecord(b)
		if err != nil {
			if answers.ErrorMessage(err) == "" || answers.ErrorCode(err) != answers.EInvalid {
				t.Fatalf("ParseRecord(%q): %v has no user message", b, err)
			}
			return
		}
		if rec.Speaker == "" || rec.Text == "" || !rec.Kind.Valid() {
			t.Fatalf("ParseRecord(%q) accepted %+v", b, rec)
		}
	})
}
