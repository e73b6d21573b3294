package answers_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/onrecord/onrecord/answers"
)

// benchQuestions mixes answerable, speaker-named, misspelt and
// out-of-scope questions from the evaluation set.
func benchQuestions(b *testing.B) []string {
	var qs []string
	for _, c := range readEval(b, filepath.Join("testdata", "eval.jsonl")) {
		qs = append(qs, c.Q)
	}
	return qs
}

func benchAsk(b *testing.B, e *answers.Engine) {
	qs := benchQuestions(b)
	ctx := context.Background()
	if _, err := e.Ask(ctx, qs[0]); err != nil { // warm the lexicon
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := e.Ask(ctx, qs[i%len(qs)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAskSeed: go test ./answers -run '^$' -bench Ask
func BenchmarkAskSeed(b *testing.B) {
	e, _ := seedEngine(b)
	benchAsk(b, e)
}

// BenchmarkAskLIAR2 asks on the seed store with all 4,593 LIAR2
// statements imported.
func BenchmarkAskLIAR2(b *testing.B) {
	benchAsk(b, liarEngine(b))
}

// BenchmarkSuggest is autocomplete over a partly typed question.
func BenchmarkSuggest(b *testing.B) {
	e := liarEngine(b)
	ctx := context.Background()
	typed := []string{"what did lav", "putin sanc", "ukraine negotia", "zelensky", "weapons supp"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := e.Suggest(ctx, typed[i%len(typed)], 10); err != nil {
			b.Fatal(err)
		}
	}
}

func TestSuggest(t *testing.T) {
	e, _ := seedEngine(t)
	ctx := context.Background()
	got, err := e.Suggest(ctx, "jack in the bo", 5)
	if err != nil || len(got) == 0 || got[0].Speaker != "Sergey Lavrov" {
		t.Fatalf("Suggest(jack in the bo) = %v, %v; want Lavrov first", got, err)
	}
	sps, err := e.SuggestSpeakers(ctx, "lavr", 25)
	if err != nil || len(sps) == 0 || sps[0].Name != "Sergey Lavrov" {
		t.Fatalf("SuggestSpeakers(lavr) = %v, %v", sps, err)
	}
	for _, typed := range []string{"", strings.Repeat("a", 300), "\xff\xfe"} {
		if _, err := e.SuggestSpeakers(ctx, typed, 25); err != nil {
			t.Errorf("SuggestSpeakers(%q): %v", typed, err)
		}
		if _, err := e.Suggest(ctx, typed, 25); err != nil {
			t.Errorf("Suggest(%q): %v", typed, err)
		}
	}
	for _, name := range []string{"lavorv", "Russian foreign minister", "Poutine", "ushakov"} {
		if sp, err := e.ResolveSpeaker(ctx, name); err != nil {
			t.Errorf("ResolveSpeaker(%q): %v", name, err)
		} else {
			t.Logf("%q -> %s", name, sp.Name)
		}
	}
	if _, err := e.ResolveSpeaker(ctx, "Macron"); answers.ErrorCode(err) != answers.ENotFound {
		t.Errorf("ResolveSpeaker(Macron): %v, want not found", err)
	}
}
