package answers

import (
	"iter"
	"slices"
	"sort"
	"strings"
)

// Vocabulary is the store's indexed terms in byte order, each with its
// document frequency: the number of live statements that have it. It is
// held in three flat arrays, not a map: at a million statements 243,000
// terms take 4.5 MB this way, where a map and the sorted copy autocomplete
// needed took 20 MB, live as long as the lexicon. A lookup is a binary
// search, about 18 comparisons at that size.
type Vocabulary struct {
	text string   // the terms, one after another
	ends []uint32 // where each term ends in text
	dfs  []uint32 // each term's document frequency
}

// VocabularyBuilder builds a Vocabulary, best from terms in byte order.
type VocabularyBuilder struct {
	text     []byte
	ends     []uint32
	dfs      []uint32
	disorder bool // some term came before one it follows in byte order
}

// Grow makes room for n more terms of size bytes in all.
func (b *VocabularyBuilder) Grow(n, size int) {
	b.text = slices.Grow(b.text, size)
	b.ends = slices.Grow(b.ends, n)
	b.dfs = slices.Grow(b.dfs, n)
}

// Add appends a term with its document frequency.
func (b *VocabularyBuilder) Add(term string, df int) {
	if n := len(b.ends); n > 0 && !b.disorder {
		start := uint32(0)
		if n > 1 {
			start = b.ends[n-2]
		}
		b.disorder = term < string(b.text[start:b.ends[n-1]])
	}
	b.text = append(b.text, term...)
	b.ends = append(b.ends, uint32(len(b.text)))
	b.dfs = append(b.dfs, uint32(min(max(df, 0), 1<<32-1)))
}

// Vocabulary returns what was added, in byte order.
func (b *VocabularyBuilder) Vocabulary() *Vocabulary {
	v := &Vocabulary{text: string(b.text), ends: slices.Clip(b.ends), dfs: slices.Clip(b.dfs)}
	if !b.disorder {
		return v
	}
	order := make([]int, v.Len())
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int {
		a, _ := v.At(i)
		b, _ := v.At(j)
		return strings.Compare(a, b)
	})
	var sorted VocabularyBuilder
	sorted.Grow(len(order), len(v.text))
	for _, i := range order {
		sorted.Add(v.At(i))
	}
	return sorted.Vocabulary()
}

// Len is the number of terms.
func (v *Vocabulary) Len() int {
	if v == nil {
		return 0
	}
	return len(v.ends)
}

// At returns the i'th term in byte order and its document frequency.
func (v *Vocabulary) At(i int) (string, int) {
	start := uint32(0)
	if i > 0 {
		start = v.ends[i-1]
	}
	return v.text[start:v.ends[i]], int(v.dfs[i])
}

// Search returns the index of the first term not before t in byte order
// (Len when there is none): where t is, or where the terms starting with
// t begin.
func (v *Vocabulary) Search(t string) int {
	return sort.Search(v.Len(), func(i int) bool {
		term, _ := v.At(i)
		return term >= t
	})
}

// DF returns the document frequency of a term, 0 for a term not indexed.
func (v *Vocabulary) DF(t string) int {
	if i := v.Search(t); i < v.Len() {
		if term, df := v.At(i); term == t {
			return df
		}
	}
	return 0
}

// All yields every term with its document frequency, in byte order.
func (v *Vocabulary) All() iter.Seq2[string, int] {
	return func(yield func(string, int) bool) {
		for i := range v.Len() {
			if !yield(v.At(i)) {
				return
			}
		}
	}
}
