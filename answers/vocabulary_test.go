package answers

import (
	"maps"
	"slices"
	"testing"
)

func TestVocabulary(t *testing.T) {
	terms := map[string]int{"putin": 7, "put": 2, "ceasefir": 3, "zelenski": 5, "ünï": 1, "a": 4}
	// The same terms added in byte order and backwards: the builder
	// sorts what comes out of order.
	var sorted, backwards VocabularyBuilder
	order := slices.Sorted(maps.Keys(terms))
	for i, t := range order {
		sorted.Add(t, terms[t])
		u := order[len(order)-1-i]
		backwards.Add(u, terms[u])
	}
	for name, v := range map[string]*Vocabulary{"in order": sorted.Vocabulary(), "backwards": backwards.Vocabulary()} {
		if got := maps.Collect(v.All()); !maps.Equal(got, terms) {
			t.Errorf("%s: All = %v, want %v", name, got, terms)
		}
		var order []string
		for t := range v.All() {
			order = append(order, t)
		}
		if !slices.IsSorted(order) || v.Len() != len(terms) {
			t.Errorf("%s: %d terms in order %v", name, v.Len(), order)
		}
		for term, df := range terms {
			if got := v.DF(term); got != df {
				t.Errorf("%s: DF(%q) = %d, want %d", name, term, got, df)
			}
		}
		for _, absent := range []string{"", "pu", "putins", "zz", "b"} {
			if got := v.DF(absent); got != 0 {
				t.Errorf("%s: DF(%q) = %d, want 0", name, absent, got)
			}
		}
		// The terms starting with "put" begin at Search("put").
		i := v.Search("put")
		if a, _ := v.At(i); a != "put" {
			t.Errorf("%s: At(Search(put)) = %q", name, a)
		}
		if a, _ := v.At(i + 1); a != "putin" {
			t.Errorf("%s: At(Search(put)+1) = %q", name, a)
		}
		if v.Search("\xff") != v.Len() {
			t.Errorf("%s: Search past the last term = %d", name, v.Search("\xff"))
		}
	}
	var empty *Vocabulary
	var none VocabularyBuilder
	if empty.Len() != 0 || empty.DF("x") != 0 || none.Vocabulary().DF("x") != 0 {
		t.Error("an empty vocabulary has terms")
	}
	for range empty.All() {
		t.Error("an empty vocabulary yields terms")
	}
}
