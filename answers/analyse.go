package answers

import (
	"html"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sahilm/fuzzy"
)

// query is a question as the matcher understands it.
type query struct {
	// speakers restricts answers to statements by them.
	speakers []int64
	// who, when set, is the affiliation the speakers were chosen by (see
	// SearchQuery.SpeakerTerms).
	who [][]string
	// unknown is a name the question asks about that is not on record.
	unknown string
	// groups are the content words left to match, with their synonyms.
	groups []group
	// weak and fuzzy say the speakers were matched on weaker evidence (see
	// mention).
	weak, fuzzy bool
}

// Words that frame a question about what someone said: "what did X say",
// "according to X", "X said".
var (
	auxiliaries = set("did does do has have had will would could can is was are were should might")
	speechVerbs = set("say said says saying think thinks thought claim claims claimed stated mean meant believe believes comment commented respond responded argue argued announce announced declare declared write wrote tweet tweeted post posted mention mentioned predict predicted promise promised warn warned feel feels suggest suggested insist insisted reply replied answer answered reveal revealed")
	pronouns    = set("he she they it you i we him her them this that someone anyone everyone people")
	// genericPeople words point at a person without naming one.
	genericPeople = set("guy guys man woman lady official officials person spokesman spokeswoman representative rep chief head boss leader leaders people folks fellow side camp team")
	stanceNouns   = set("position positions view views stance opinion opinions comments remarks words response reaction thoughts take statement statements")
	quoteNouns    = set("quote quotes statement statements comments comment remarks words")
)

func set(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// mention is a run of question tokens naming known speakers.
type mention struct {
	start, end int // token indexes, end exclusive
	speakers   []int64
	// weak marks a bare surname derived from a name, outside a
	// say-pattern: "Price" may be Tom Price or the price of oil.
	weak bool
	// fuzzy marks a match through a typo: "Scholz" may be a misspelt
	// "Schulz" or someone else.
	fuzzy bool
}

// analyse turns a question into a query: who it asks about (known or not)
// and what it asks about, with misspellings corrected and synonyms added.
func (lx *lexicon) analyse(question string) query {
	question = StripMarkup(question)
	toks := Tokenize(question)
	norm := Normalize(question)
	var q query
	consumed := make([]bool, len(toks))

	lx.correctTokens(toks)
	xs, xe := sayPattern(toks)
	if xs < xe && !hasContent(toks[xs:xe]) {
		// "what did he say": nobody named, so nothing to restrict by.
		xs, xe = 0, 0
	}
	mentions := lx.mentions(toks, xs, xe)
	if xs < xe {
		var inside []mention
		for _, m := range mentions {
			if m.start >= xs && m.end <= xe {
				inside = append(inside, m)
			}
		}
		if len(inside) > 0 && !lx.coversSpan(toks[xs:xe], xs, inside) {
			// "the Chinese foreign minister Wang Yi": part of the name fits
			// a speaker on record, the rest names someone else.
			inside = nil
		}
		switch {
		case len(inside) > 0:
			for _, m := range inside {
				q.speakers = appendUnique(q.speakers, m.speakers...)
				q.fuzzy = q.fuzzy || m.fuzzy
			}
			for i := xs; i < xe; i++ {
				consumed[i] = true
			}
		default:
			var stems []string
			for _, t := range toks[xs:xe] {
				if t.Stem != "" && !pronouns[t.Word] {
					stems = append(stems, t.Stem)
				}
			}
			if len(stems) > 0 {
				if ids, who := lx.byAffiliation(stems); len(ids) > 0 {
					q.speakers, q.who = ids, who
				} else {
					q.unknown = displayName(norm, toks[xs:xe])
				}
				for i := xs; i < xe; i++ {
					consumed[i] = true
				}
			}
		}
	} else {
		q.weak = len(mentions) > 0
		for _, m := range mentions {
			q.speakers = appendUnique(q.speakers, m.speakers...)
			q.fuzzy = q.fuzzy || m.fuzzy
			q.weak = q.weak && m.weak
			for i := m.start; i < m.end; i++ {
				consumed[i] = true
			}
		}
	}

	var terms []string
	for i, t := range toks {
		if !consumed[i] && t.Stem != "" {
			terms = append(terms, t.Stem)
		}
	}
	q.groups = lx.expand(terms)
	return q
}

// correctTokens replaces the stem of each word the store does not know by
// the nearest one it does, and drops misspelt stop words. Capitalized short
// words are left alone: they are names more often than typos ("Paris").
func (lx *lexicon) correctTokens(toks []Token) {
	for i := range toks {
		t := &toks[i]
		if t.Word == "us" && (i == 0 || toks[i-1].Word == "the") {
			// "the us", or "us" opening a search: the country, not the pronoun.
			t.Stem = "usa"
			continue
		}
		if t.Stem == "" || lx.vocab.DF(t.Stem) > 0 || lx.synonyms[t.Stem] != nil {
			continue
		}
		if (!t.Upper || i == 0) && nearStopWord(t.Word) {
			t.Stem = ""
			continue
		}
		if n := utf8.RuneCountInString(t.Word); n < 5 || (t.Upper && n < 6) || commonWords[t.Word] {
			continue
		}
		if c, ok := lx.correct(t.Stem); ok {
			t.Stem = c
		} else if c, ok := lx.correct(t.Word); ok {
			t.Stem = c
		}
	}
}

// sayPattern finds the span naming who a question asks about: X in "what
// did X say", "according to X", "X said", "statements by X". It returns
// start == end when there is none.
func sayPattern(toks []Token) (start, end int) {
	for i, t := range toks {
		if auxiliaries[t.Word] {
			for j := i + 2; j < len(toks) && j <= i+8; j++ {
				if speechVerbs[toks[j].Word] {
					if nameLike(toks[i+1 : j]) {
						return i + 1, j
					}
					break
				}
				if auxiliaries[toks[j].Word] {
					break
				}
			}
		}
		if t.Word == "according" && i+1 < len(toks) && toks[i+1].Word == "to" {
			return nameRun(toks, i+2)
		}
		if quoteNouns[t.Word] && i+1 < len(toks) && (toks[i+1].Word == "by" || toks[i+1].Word == "from") {
			return nameRun(toks, i+2)
		}
		// "Erdogan's position on ...": whose stance is asked about.
		if t.Possessive && t.Stem != "" && i+1 < len(toks) && stanceNouns[toks[i+1].Word] {
			j := i
			for j > 0 && i-j < 3 && toks[j-1].Stem != "" && toks[j-1].Upper {
				j--
			}
			return j, i + 1
		}
	}
	// "Lavrov said ..." at the start of the question.
	for j := 1; j < len(toks) && j <= 4; j++ {
		if speechVerbs[toks[j].Word] && toks[0].Stem != "" && nameLike(toks[:j]) {
			return 0, j
		}
	}
	return 0, 0
}

// coversSpan reports whether the speakers mentioned in a say-pattern span
// account for all of its words: each is part of a mention, or a word of
// the mentioned speakers' names, aliases or roles.
func (lx *lexicon) coversSpan(span []Token, offset int, inside []mention) bool {
	for i, t := range span {
		if t.Stem == "" || pronouns[t.Word] || genericPeople[t.Word] {
			continue
		}
		in, known := false, false
		for _, m := range inside {
			if offset+i >= m.start && offset+i < m.end {
				in = true
				break
			}
			for _, id := range m.speakers {
				known = known || lx.who[id][t.Stem] || lx.anySynonym(t.Stem, lx.who[id])
			}
		}
		if !in && !known {
			return false
		}
	}
	return true
}

func hasContent(toks []Token) bool {
	for _, t := range toks {
		if t.Stem != "" && !pronouns[t.Word] && strings.IndexFunc(t.Word, unicode.IsLetter) >= 0 {
			return true
		}
	}
	return false
}

// nameLike reports whether a span can name someone: content words, with
// at most "the", "a", "of" and "and" between them ("the Russian foreign
// minister", not "something about the Americans, I").
func nameLike(toks []Token) bool {
	if len(toks) == 0 || len(toks) > 7 {
		return false
	}
	for _, t := range toks {
		if t.Stem == "" && !joiners[t.Word] && !pronouns[t.Word] {
			return false
		}
	}
	return true
}

var joiners = set("the a of and")

// nameRun is the run of up to four words from i that can make a name.
func nameRun(toks []Token, i int) (int, int) {
	if i < len(toks) && (toks[i].Word == "the" || toks[i].Word == "a") {
		i++
	}
	j := i
	for j < len(toks) && j < i+4 && (toks[j].Stem != "" || toks[j].Word == "of") {
		j++
	}
	return i, j
}

// displayName is how the question wrote the span, without a leading "the".
func displayName(norm string, toks []Token) string {
	for len(toks) > 0 && (toks[0].Word == "the" || toks[0].Word == "a") {
		toks = toks[1:]
	}
	if len(toks) == 0 {
		return ""
	}
	s := strings.TrimSuffix(norm[toks[0].Start:toks[len(toks)-1].End], "'s")
	if r, _ := utf8.DecodeRuneInString(s); !isUpper(r) {
		// Lower-case names read better capitalized: "macron" -> "Macron".
		words := strings.Fields(s)
		for i, w := range words {
			r, n := utf8.DecodeRuneInString(w)
			words[i] = strings.ToUpper(string(r)) + w[n:]
		}
		s = strings.Join(words, " ")
	}
	return Truncate(s, 60)
}

// mentions finds the known speakers a question names: full names and
// aliases exactly or with a typo in each word, surnames derived from a name
// when capitalized or inside the say-pattern span [xs, xe).
func (lx *lexicon) mentions(toks []Token, xs, xe int) []mention {
	// Work on content tokens only, remembering where each came from.
	var idx []int
	var stems []string
	for i, t := range toks {
		if t.Stem != "" {
			idx = append(idx, i)
			stems = append(stems, t.Stem)
		}
	}
	var out []mention
	for k := 0; k < len(stems); {
		best, bestLen, bestWeak, bestFuzzy := []int64(nil), 0, false, false
		// Phrases starting at k, found through any of their words that the
		// question spells exactly; the other words may carry a typo
		// ("sergei lavrov").
		for j := 0; j < 4 && k+j < len(stems); j++ {
			for _, ref := range lx.byTerm[stems[k+j]] {
				p := ref.p
				if ref.pos != j || k+len(p.terms) > len(stems) || len(p.terms) <= bestLen {
					continue
				}
				ok := true
				for m, pt := range p.terms {
					if !sameName(stems[k+m], pt) {
						ok = false
						break
					}
				}
				if !ok {
					continue
				}
				weak := false
				if p.kind == nameSurname {
					t := toks[idx[k]]
					inSpan := idx[k] >= xs && idx[k] < xe
					afterThe := idx[k] > 0 && toks[idx[k]-1].Word == "the"
					common := lx.vocab.DF(t.Stem) > 0 || lx.synonyms[t.Stem] != nil
					if !inSpan && (afterThe || (common && !t.Upper)) {
						continue
					}
					weak = !inSpan
				}
				fz := false
				for m, pt := range p.terms {
					fz = fz || stems[k+m] != pt
				}
				best, bestLen, bestWeak, bestFuzzy = p.speakers, len(p.terms), weak, fz
			}
		}
		// A single word with a typo ("lavorv", "putn"), when it is no word
		// of the store's own.
		if bestLen == 0 && lx.vocab.DF(stems[k]) == 0 && utf8.RuneCountInString(stems[k]) >= 4 {
			r, _ := utf8.DecodeRuneInString(stems[k])
			for _, p := range lx.fuzzy[r] {
				if sameName(stems[k], p.terms[0]) {
					best = appendUnique(best, p.speakers...)
					bestLen, bestFuzzy = 1, true
				}
			}
		}
		if bestLen == 0 {
			k++
			continue
		}
		out = append(out, mention{start: idx[k], end: idx[k+bestLen-1] + 1, speakers: best, weak: bestWeak, fuzzy: bestFuzzy})
		k += bestLen
	}
	return out
}

// sameName reports whether a question word can be a name's word: equal, or
// within one edit (two for long words) with the same first letter.
func sameName(word, name string) bool {
	if word == name {
		return true
	}
	n := utf8.RuneCountInString(name)
	if n < 4 || utf8.RuneCountInString(word) < 4 {
		return false
	}
	w0, _ := utf8.DecodeRuneInString(word)
	n0, _ := utf8.DecodeRuneInString(name)
	if w0 != n0 {
		return false
	}
	max := 1
	if n >= 7 {
		max = 2
	}
	return editDistance(word, name, max) <= max
}

// byAffiliation returns the speakers whose name, aliases or role cover
// every stem (with synonyms): "the US" -> the State Department
// spokesperson; and the terms that chose them, a group per stem (the stem
// and its one-word synonyms).
func (lx *lexicon) byAffiliation(stems []string) ([]int64, [][]string) {
	ix := lx.whoIndex()
	if len(stems) == 0 {
		return slices.Clone(ix.all), nil
	}
	var ids []int64
	var who [][]string
	for i, s := range stems {
		// The speakers with the stem, or a one-word synonym of it (as
		// anySynonym reads them), in who.
		has := slices.Clone(ix.by[s])
		terms := []string{s}
		for _, m := range lx.synonyms[s] {
			if len(m.terms) != 1 {
				continue
			}
			for _, alt := range lx.groups[m.group] {
				has = append(has, ix.by[alt]...)
				if !strings.Contains(alt, " ") && !slices.Contains(terms, alt) {
					terms = append(terms, alt)
				}
			}
		}
		who = append(who, terms)
		slices.Sort(has)
		has = slices.Compact(has)
		if i == 0 {
			ids = has
		} else {
			ids = slices.DeleteFunc(ids, func(id int64) bool {
				_, ok := slices.BinarySearch(has, id)
				return !ok
			})
		}
		if len(ids) == 0 {
			return nil, nil
		}
	}
	return ids, who
}

// whoIndex inverts who, built on first use: an affiliation ("the US")
// looked through every speaker's terms, 18 ms a question at 50k speakers.
type whoIndex struct {
	by  map[string][]int64 // term -> speakers with it in who, ascending
	all []int64
}

func (lx *lexicon) whoIndex() *whoIndex {
	lx.whoOnce.Do(func() {
		ix := &whoIndex{by: map[string][]int64{}}
		for id, terms := range lx.who {
			ix.all = append(ix.all, id)
			for t := range terms {
				ix.by[t] = append(ix.by[t], id)
			}
		}
		slices.Sort(ix.all)
		for _, ids := range ix.by {
			slices.Sort(ids)
		}
		lx.whoIx = ix
	})
	return lx.whoIx
}

func (lx *lexicon) anySynonym(term string, in map[string]bool) bool {
	for _, m := range lx.synonyms[term] {
		if len(m.terms) != 1 {
			continue
		}
		for _, alt := range lx.groups[m.group] {
			if in[alt] {
				return true
			}
		}
	}
	return false
}

// expand groups content terms with their synonyms, matching multi-word
// synonyms ("cease fire") first. Each group's weight is its IDF.
func (lx *lexicon) expand(terms []string) []group {
	var out []group
	seen := map[string]bool{}
	for i := 0; i < len(terms); {
		var alts []string
		n := 1
		for _, m := range lx.synonyms[terms[i]] {
			if len(m.terms) >= n && i+len(m.terms) <= len(terms) && slices.Equal(terms[i:i+len(m.terms)], m.terms) {
				alts, n = lx.groups[m.group], len(m.terms)
			}
		}
		orig := strings.Join(terms[i:i+n], " ")
		if alts == nil {
			alts = []string{orig}
		}
		key := strings.Join(alts, "|")
		if !seen[key] {
			seen[key] = true
			out = append(out, group{alts: alts, orig: orig, weight: lx.weight(alts)})
		}
		i += n
	}
	return out
}

// nearStopWord reports whether an unknown word is a misspelt stop word
// ("waht", "abut").
func nearStopWord(w string) bool {
	n := utf8.RuneCountInString(w)
	if n < 3 || n > 7 {
		return false
	}
	for s := range stopWords {
		if m := utf8.RuneCountInString(s); m >= 3 && m >= n-1 && m <= n+1 && editDistance(w, s, 1) <= 1 {
			return true
		}
	}
	return false
}

func appendUnique(ids []int64, more ...int64) []int64 {
	for _, id := range more {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// nameIndex is what autocomplete over speakers needs, built once per
// lexicon: the speakers by statements, every name and alias in that order,
// and the names each word prefix leads to, so that a keystroke neither
// sorts every speaker nor matches every name (50k speakers at 1M).
type nameIndex struct {
	ranked []*Speaker
	names  []string // names and aliases of ranked, in its order
	owner  []*Speaker
	// words are the names' words (lower case), each with the index of its
	// name, sorted by word: a prefix is a range.
	words []nameWord
}

type nameWord struct {
	word string
	name int
}

// smallNames is how many names and aliases are matched exhaustively, as
// they always were; above it, only names with a word sharing the typed
// text's first letters are.
const smallNames = 3000

func (lx *lexicon) nameIndex() *nameIndex {
	lx.namesOnce.Do(func() {
		ix := &nameIndex{ranked: make([]*Speaker, 0, len(lx.speakers))}
		for _, sp := range lx.speakers {
			ix.ranked = append(ix.ranked, sp)
		}
		sort.Slice(ix.ranked, func(i, j int) bool {
			a, b := ix.ranked[i], ix.ranked[j]
			if a.Statements != b.Statements {
				return a.Statements > b.Statements
			}
			if a.Name != b.Name {
				return a.Name < b.Name
			}
			return a.ID < b.ID
		})
		for _, sp := range ix.ranked {
			for _, name := range append([]string{sp.Name}, sp.Aliases...) {
				i := len(ix.names)
				ix.names = append(ix.names, name)
				ix.owner = append(ix.owner, sp)
				for _, w := range strings.Fields(strings.ToLower(Normalize(name))) {
					ix.words = append(ix.words, nameWord{w, i})
				}
			}
		}
		slices.SortFunc(ix.words, func(a, b nameWord) int {
			if c := strings.Compare(a.word, b.word); c != 0 {
				return c
			}
			return a.name - b.name
		})
		lx.names = ix
	})
	return lx.names
}

// withPrefix returns the indexes of the names having a word that starts
// with p, in ranked order.
func (ix *nameIndex) withPrefix(p string) []int {
	i, _ := slices.BinarySearchFunc(ix.words, p, func(w nameWord, p string) int { return strings.Compare(w.word, p) })
	var out []int
	for ; i < len(ix.words) && strings.HasPrefix(ix.words[i].word, p); i++ {
		out = append(out, ix.words[i].name)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// suggestSpeakers ranks speakers for what a user has typed, with
// sahilm/fuzzy's subsequence matching over names and aliases, then edit
// distance for typos a subsequence cannot catch.
func (lx *lexicon) suggestSpeakers(typed string, n int) []*Speaker {
	typed = strings.TrimSpace(Normalize(typed))
	ix := lx.nameIndex()
	if typed == "" {
		return ix.ranked[:min(n, len(ix.ranked))]
	}
	if utf8.RuneCountInString(typed) > 60 {
		typed = string([]rune(typed)[:60]) // long patterns overflow fuzzy's score
	}
	low := strings.ToLower(typed)
	names, owner := ix.names, ix.owner
	var typos []int // names that may hold a misspelt word, in ranked order
	if len(ix.names) > smallNames {
		// Subsequence matches among names with a word starting as the
		// typed text does (its first two letters); typos keep the first
		// letter (see sameName).
		first := strings.Fields(low)[0]
		r, size := utf8.DecodeRuneInString(first)
		two := first
		if _, size2 := utf8.DecodeRuneInString(first[size:]); size < len(first) {
			two = first[:size+size2]
		}
		names, owner = nil, nil
		for _, i := range ix.withPrefix(two) {
			names = append(names, ix.names[i])
			owner = append(owner, ix.owner[i])
		}
		typos = ix.withPrefix(string(r))
	}
	var out []*Speaker
	seen := map[int64]bool{}
	for _, m := range fuzzy.Find(typed, names) {
		if sp := owner[m.Index]; !seen[sp.ID] {
			seen[sp.ID] = true
			out = append(out, sp)
		}
	}
	typo := func(name string, sp *Speaker) {
		if seen[sp.ID] {
			return
		}
		for _, w := range strings.Fields(strings.ToLower(Normalize(name))) {
			if sameName(low, w) {
				seen[sp.ID] = true
				out = append(out, sp)
				return
			}
		}
	}
	if typos == nil {
		for i, name := range ix.names {
			typo(name, ix.owner[i])
		}
	} else {
		for _, i := range typos {
			typo(ix.names[i], ix.owner[i])
		}
	}
	return out[:min(n, len(out))]
}

var (
	mdLink  = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	htmlTag = regexp.MustCompile(`</?[A-Za-z][^<>]*>`)
	bareURL = regexp.MustCompile(`(?i)\b(?:https?://|www\.)\S+`)
	mdMarks = regexp.MustCompile("[*_`~#>|]+")
)

// StripMarkup removes what people paste along with a question: HTML tags,
// Markdown emphasis and links (keeping their text) and bare URLs.
func StripMarkup(s string) string {
	s = mdLink.ReplaceAllString(s, "$1")
	s = htmlTag.ReplaceAllString(s, " ")
	s = bareURL.ReplaceAllString(s, " ")
	s = mdMarks.ReplaceAllString(s, " ")
	return html.UnescapeString(s)
}
