package answers

import (
	"context"
	_ "embed"
	"math"
	"strings"
	"unicode/utf8"
)

// lexicon is everything the matcher derives from the store's speakers,
// vocabulary and synonyms. It is rebuilt when the store's generation
// changes and shared read-only between questions.
type lexicon struct {
	gen      int64
	speakers map[int64]*Speaker
	// phrases maps the first term of every speaker name and alias to the
	// phrases starting with it.
	phrases map[string][]*phrase
	// who holds each speaker's terms: name, aliases and role.
	who map[int64]map[string]bool
	// byTerm finds the phrases containing a term, and where.
	byTerm map[string][]phraseRef
	// fuzzy buckets by initial the one-term names that may be matched with
	// a typo ("lavorv", "putn").
	fuzzy map[rune][]*phrase
	vocab map[string]int
	docs  int
	// synonyms maps the first term of each synonym member to the members
	// starting with it; each member knows its group.
	synonyms map[string][]synMember
	groups   [][]string
	// byInitial buckets the vocabulary for spelling correction.
	byInitial map[rune][]string
}

// phraseKind ranks how a phrase names a speaker.
type phraseKind int

const (
	nameFull    phraseKind = iota // the full name or a curated alias
	nameSurname                   // a surname derived from the name: needs a capital or context
)

type phrase struct {
	terms    []string
	speakers []int64
	kind     phraseKind
}

type phraseRef struct {
	p   *phrase
	pos int
}

type synMember struct {
	terms []string
	group int
}

func (e *Engine) lexicon(ctx context.Context) (*lexicon, error) {
	gen, err := e.index.Generation(ctx)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.lex != nil && e.lex.gen == gen {
		return e.lex, nil
	}
	lx, err := buildLexicon(ctx, e.index, gen)
	if err != nil {
		return nil, err
	}
	e.lex = lx
	return lx, nil
}

func buildLexicon(ctx context.Context, index Index, gen int64) (*lexicon, error) {
	speakers, err := index.Speakers(ctx)
	if err != nil {
		return nil, err
	}
	syn, err := index.Synonyms(ctx)
	if err != nil {
		return nil, err
	}
	vocab, docs, err := index.Vocabulary(ctx)
	if err != nil {
		return nil, err
	}
	lx := &lexicon{
		gen: gen, speakers: map[int64]*Speaker{}, phrases: map[string][]*phrase{},
		byTerm: map[string][]phraseRef{}, fuzzy: map[rune][]*phrase{},
		who: map[int64]map[string]bool{}, vocab: vocab, docs: docs,
		synonyms: map[string][]synMember{}, byInitial: map[rune][]string{},
	}
	byKey := map[string]*phrase{}
	add := func(terms []string, id int64, kind phraseKind) {
		if len(terms) == 0 {
			return
		}
		key := strings.Join(terms, " ")
		p := byKey[key]
		if p == nil {
			p = &phrase{terms: terms, kind: kind}
			byKey[key] = p
			lx.phrases[terms[0]] = append(lx.phrases[terms[0]], p)
		}
		if kind < p.kind {
			p.kind = kind
		}
		for _, s := range p.speakers {
			if s == id {
				return
			}
		}
		p.speakers = append(p.speakers, id)
	}
	for i := range speakers {
		sp := &speakers[i]
		lx.speakers[sp.ID] = sp
		name := Terms(sp.Name)
		add(name, sp.ID, nameFull)
		if len(name) >= 2 && looksLikePerson(sp.Name) {
			add(name[len(name)-1:], sp.ID, nameSurname)
		}
		w := map[string]bool{}
		for _, t := range Terms(sp.Name + " " + sp.Role) {
			w[t] = true
		}
		for _, a := range sp.Aliases {
			terms := Terms(a)
			add(terms, sp.ID, nameFull)
			for _, t := range terms {
				w[t] = true
			}
		}
		lx.who[sp.ID] = w
	}
	for _, ps := range lx.phrases {
		for _, p := range ps {
			for i, t := range p.terms {
				lx.byTerm[t] = append(lx.byTerm[t], phraseRef{p, i})
			}
			if len(p.terms) == 1 && utf8.RuneCountInString(p.terms[0]) >= 4 {
				r, _ := utf8.DecodeRuneInString(p.terms[0])
				lx.fuzzy[r] = append(lx.fuzzy[r], p)
			}
		}
	}
	for gi, g := range syn {
		var members []string
		for _, m := range g {
			terms := Terms(m)
			if len(terms) == 0 {
				continue
			}
			lx.synonyms[terms[0]] = append(lx.synonyms[terms[0]], synMember{terms: terms, group: len(lx.groups)})
			members = append(members, strings.Join(terms, " "))
		}
		_ = gi
		lx.groups = append(lx.groups, members)
	}
	for t := range vocab {
		r, _ := utf8.DecodeRuneInString(t)
		lx.byInitial[r] = append(lx.byInitial[r], t)
	}
	return lx, nil
}

// looksLikePerson tells a person's name ("Sergey Lavrov") from a body or a
// medium ("Facebook posts", "viral image"): every word is capitalized and
// there are two to four of them.
func looksLikePerson(name string) bool {
	words := strings.Fields(name)
	if len(words) < 2 || len(words) > 4 {
		return false
	}
	for _, w := range words {
		r, _ := utf8.DecodeRuneInString(w)
		if !isUpper(r) || orgWords[strings.ToLower(w)] || (len(w) > 1 && strings.ToUpper(w) == w) {
			return false
		}
	}
	return true
}

// orgWords mark a name as an organization's, whose last word is no
// surname ("Patriot Majority USA", "Al Jazeera America").
var orgWords = set("america american usa party committee majority action fund council news network institute foundation coalition association group project center centre posts club society union league alliance campaign pac media times post press daily journal report tv radio channel company corporation inc llc organization department office agency administration government state states republicans democrats republican democratic conservatives progressives voters")

func isUpper(r rune) bool {
	return strings.ToUpper(string(r)) == string(r) && strings.ToLower(string(r)) != string(r)
}

// weight is how much a group of alternatives counts in a question: one
// for any content word, plus up to one more the rarer it is in the store.
// Every word a person asks about matters; rare ones matter more, but a word
// the store has never seen cannot outweigh the rest of the question.
func (lx *lexicon) weight(alts []string) float64 {
	top := math.Log(1 + (float64(lx.docs)+0.5)/0.5)
	return 1 + lx.idf(alts)/top
}

// idf is the inverse document frequency of a group of alternatives, as
// BM25 computes it. A term the store has never seen weighs the most.
func (lx *lexicon) idf(alts []string) float64 {
	df := 0
	for _, a := range alts {
		df += lx.df(a)
	}
	n := float64(lx.docs)
	if float64(df) > n {
		df = int(n)
	}
	return math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5))
}

// df is the document frequency of a term, or of a phrase's rarest term.
func (lx *lexicon) df(term string) int {
	words := strings.Fields(term)
	if len(words) == 1 {
		return lx.vocab[term]
	}
	min := -1
	for _, w := range words {
		if d := lx.vocab[w]; min < 0 || d < min {
			min = d
		}
	}
	return min
}

// prefixDF estimates how many statements have a term starting with p:
// the most frequent such term's count, or all statements for a prefix too
// short to look up cheaply (it only steers how the index searches).
func (lx *lexicon) prefixDF(p string) int {
	if utf8.RuneCountInString(p) < 3 {
		return lx.docs
	}
	r, _ := utf8.DecodeRuneInString(p)
	n := 0
	for _, t := range lx.byInitial[r] {
		if strings.HasPrefix(t, p) {
			n = max(n, lx.vocab[t])
		}
	}
	return n
}

// correct returns the vocabulary term closest to an unknown term: within
// one edit (two for long words), same first letter, most frequent first.
func (lx *lexicon) correct(term string) (string, bool) {
	n := utf8.RuneCountInString(term)
	if n < 4 {
		return "", false
	}
	max := 1
	if n >= 8 {
		max = 2
	}
	r, _ := utf8.DecodeRuneInString(term)
	best, bestD, bestDF := "", max+1, 0
	runes := []rune(term)
	for _, cand := range lx.byInitial[r] {
		m := utf8.RuneCountInString(cand)
		if m < 3 || m > n+max {
			continue
		}
		var d int
		switch {
		case m >= n-max:
			d = editDistance(term, cand, max)
		case m >= 5 && n-m <= 5 && suffixes[string(runes[m:])]:
			// A stem is shorter than the word it comes from: compare it
			// with as much of the word ("presdient" -> "presid").
			d = editDistance(string(runes[:m]), cand, 1)
			if d == 0 {
				continue // a plain prefix is another word, not a typo
			}
		default:
			continue
		}
		if d > max {
			continue
		}
		if d < bestD || (d == bestD && lx.vocab[cand] > bestDF) {
			best, bestD, bestDF = cand, d, lx.vocab[cand]
		}
	}
	return best, best != ""
}

// words.txt lists common English words (the most frequent words of the
// LIAR2 statements): a question's word found there is meant as written and
// is never "corrected" into a word of the store.
//
//go:embed words.txt
var wordList string

var commonWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(wordList) {
		m[w] = true
	}
	return m
}()

// suffixes are the endings an English stem drops.
var suffixes = set("s es ed d ing ion ions ation ations ent ents ence ences al ally ly er ers ive ives ment ments ity ities ies y ic ical ism ist ists ous ness")

// editDistance is the optimal string alignment distance between a and b
// (insertions, deletions, substitutions and adjacent transpositions), or
// max+1 once it exceeds max.
func editDistance(a, b string, max int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > max || -d > max {
		return max + 1
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > max {
			return max + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	if prev[len(rb)] > max {
		return max + 1
	}
	return prev[len(rb)]
}
