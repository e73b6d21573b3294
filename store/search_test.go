package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/onrecord/onrecord/answers"
	"github.com/onrecord/onrecord/store"
)

// boundedStore is a store large enough that searches with sizes take the
// bounded path: common words in thousands of statements, a broad
// affiliation (a fifth of the store) and a narrow one (a few percent).
func boundedStore(t *testing.T) *store.DB {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	common := strings.Fields("budget taxes jobs schools water roads plan city voters health")
	var b strings.Builder
	line := func(speaker, role, text string) {
		raw, _ := json.Marshal(map[string]string{"speaker": speaker, "speaker_role": role, "text": text})
		b.Write(raw)
		b.WriteByte('\n')
	}
	words := func(n int) string {
		var w []string
		for range n {
			w = append(w, common[r.IntN(len(common))])
		}
		return strings.Join(w, " ")
	}
	// The narrow affiliation's statements come first, the oldest, so that
	// the newest statements of a common word are others'.
	for i := range 17 {
		for j := range 32 {
			line(fmt.Sprintf("Minister %c", 'A'+i), "Ruritanian minister", words(6)+fmt.Sprintf(" remark%d", i*100+j))
		}
	}
	for i := range 5000 {
		line(fmt.Sprintf("Mayor %d", i%80), fmt.Sprintf("Mayor of Town %d", i%80), words(8))
	}
	for i := range 1200 {
		line(fmt.Sprintf("Senator %d", i%40), "U.S. senator", words(8))
	}
	// The one statement of each group with all of the question's words.
	line("Minister Qq", "Ruritanian minister", "budget taxes jobs schools water roads plan city voters health bridges")
	line("Senator 3", "U.S. senator", "budget taxes jobs schools water roads plan city voters health bridges")
	line("Mayor 7", "Mayor of Town 7", "budget taxes jobs schools water roads plan city voters health bridges")
	db := open(t, nil)
	if _, err := db.Import(context.Background(), strings.NewReader(b.String()), "test"); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestSearchBounded(t *testing.T) {
	ctx := context.Background()
	db := boundedStore(t)
	vocab, _, err := db.Vocabulary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	speakers, err := db.Speakers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byRole := func(role string) []int64 {
		var ids []int64
		for _, sp := range speakers {
			if sp.Role == role {
				ids = append(ids, sp.ID)
			}
		}
		return ids
	}
	query := func(text string) answers.SearchQuery {
		q := answers.SearchQuery{Limit: 40}
		for _, term := range answers.Terms(text) {
			q.Groups = append(q.Groups, []string{term})
			q.Sizes = append(q.Sizes, vocab.DF(term))
		}
		return q
	}
	tests := []struct {
		name     string
		q        answers.SearchQuery
		speakers []int64
		who      [][]string
		want     string // the speaker of the first hit
		minHits  int
	}{
		{"common words only", query("budget water voters health bridges"), nil, nil, "", 30},
		{"broad affiliation", query("budget water voters health bridges"), byRole("U.S. senator"), [][]string{{"usa"}, {"senat"}}, "Senator 3", 30},
		{"narrow affiliation", query("budget water voters health bridges"), byRole("Ruritanian minister"), [][]string{{"ruritanian"}, {"minist"}}, "Minister Qq", 30},
		// Named speakers are filtered by statement ids: the best statement
		// is found, but of their older ones only those with a rare word.
		{"many speakers by name", query("budget water voters health bridges"), byRole("Ruritanian minister"), nil, "Minister Qq", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.q
			q.SpeakerIDs, q.SpeakerTerms = tt.speakers, tt.who
			if total := sum(q.Sizes); total <= 500 {
				t.Fatalf("sizes %v: the search would not be bounded", q.Sizes)
			}
			hits, err := db.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) == 0 {
				t.Fatal("no hits")
			}
			if !strings.Contains(hits[0].Text, "bridges") {
				t.Errorf("first hit %q (%s), want the statement with every word", hits[0].Text, hits[0].Speaker)
			}
			if tt.want != "" && hits[0].Speaker != tt.want {
				t.Errorf("first hit by %s, want %s", hits[0].Speaker, tt.want)
			}
			for _, h := range hits {
				if tt.speakers != nil && !slices.Contains(tt.speakers, h.SpeakerID) {
					t.Fatalf("hit by %s, who is not one of the speakers asked for", h.Speaker)
				}
			}
			if len(hits) < tt.minHits {
				t.Errorf("%d hits, want at least %d", len(hits), tt.minHits)
			}
		})
	}
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}
