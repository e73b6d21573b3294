package answers

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Text analysis is shared by the index (package store calls Terms when it
// writes a statement) and the matcher (which analyses questions the same
// way), so that both sides agree on every term.

// Token is one word of a text after normalization.
type Token struct {
	// Word is the lower-cased, diacritic-free surface form.
	Word string
	// Stem is the English stem of Word; empty for a stop word.
	Stem string
	// Upper reports whether the word began with a capital letter, which
	// tells a name ("Price") from a common word ("price").
	Upper bool
	// Possessive reports a dropped "'s" ("Erdogan's").
	Possessive bool
	// Start and End are the word's byte offsets in Normalize(text).
	Start, End int
}

var foldPool = sync.Pool{New: func() any {
	return transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}}

// Normalize folds Unicode compatibility forms, strips diacritics, turns
// typographic quotes and apostrophes into ASCII ones and invalid UTF-8
// into spaces. Case is kept: acronyms need it.
func Normalize(s string) string {
	if isASCII(s) {
		// Compatibility forms, diacritics and typographic quotes are all
		// outside ASCII; only the backtick needs folding. Most questions
		// and statements take this path, which skips the transform chain
		// and its allocations.
		if strings.IndexByte(s, '`') >= 0 {
			s = strings.ReplaceAll(s, "`", "'")
		}
		return s
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, " ")
	}
	t := foldPool.Get().(transform.Transformer)
	out, _, err := transform.String(t, s)
	t.Reset()
	foldPool.Put(t)
	if err != nil {
		out = s
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '\u2018', '\u2019', '\u02bc', '\u2032', '`', '\u00b4':
			return '\''
		case '\u201c', '\u201d', '\u201e', '\u00ab', '\u00bb':
			return '"'
		}
		return r
	}, out)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// acronyms are upper-case words that would be lost as stop words once
// lower-cased ("US" is not "us").
var acronyms = map[string]string{"US": "usa", "USA": "usa", "UK": "uk", "EU": "eu", "UN": "un", "IT": "it"}

// Tokenize splits text into words: runs of letters and digits, with
// apostrophes inside a word dropped and a possessive "'s" removed.
func Tokenize(text string) []Token {
	text = Normalize(text)
	// About one word in six bytes of English: one allocation for most
	// texts, where growing from empty copied the tokens five times.
	toks := make([]Token, 0, len(text)/6+2)
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := text[start:end]
		from := start
		start = -1
		w = strings.TrimRight(w, "'")
		poss := strings.HasSuffix(w, "'s")
		if poss {
			w = w[:len(w)-2]
		}
		raw := strings.ReplaceAll(w, "'", "")
		if raw == "" {
			return
		}
		if a, ok := acronyms[strings.ReplaceAll(raw, ".", "")]; ok && raw != "IT" {
			toks = append(toks, Token{Word: a, Stem: a, Upper: true, Possessive: poss, Start: from, End: end})
			return
		}
		low := strings.ToLower(raw)
		r, _ := utf8.DecodeRuneInString(raw)
		toks = append(toks, Token{Word: low, Stem: Stem(low), Upper: unicode.IsUpper(r), Possessive: poss, Start: from, End: end})
	}
	for i, r := range text {
		isWord := unicode.IsLetter(r) || unicode.IsDigit(r)
		if r == '\'' && start >= 0 {
			isWord = true
		}
		// "U.S." keeps its dots so that it reads as one acronym.
		if r == '.' && start >= 0 && i+1 < len(text) && i > 0 && unicode.IsUpper(rune(text[i-1])) && unicode.IsUpper(rune(text[i+1])) {
			isWord = true
		}
		switch {
		case isWord && start < 0:
			start = i
		case !isWord:
			flush(i)
		}
	}
	flush(len(text))
	for i := range toks {
		if strings.Contains(toks[i].Word, ".") {
			toks[i].Word = strings.ReplaceAll(toks[i].Word, ".", "")
			toks[i].Stem = Stem(toks[i].Word)
		}
	}
	return toks
}

// Stem returns the English stem of a lower-case word, or "" for a stop word.
func Stem(word string) string {
	if stopWords[word] {
		return ""
	}
	if len(word) <= 2 {
		return word
	}
	stems.RLock()
	s, ok := stems.m[word]
	stems.RUnlock()
	if ok {
		return s
	}
	s = english.Stem(word, true)
	stems.Lock()
	if len(stems.m) < maxCachedStems {
		stems.m[strings.Clone(word)] = s
	}
	stems.Unlock()
	return s
}

// stems caches Stem: words follow Zipf's law, so a bounded cache of the
// words seen first answers nearly every call, and snowball's stemmer
// (several allocations a word) dominated both import and question analysis.
var stems = struct {
	sync.RWMutex
	m map[string]string
}{m: map[string]string{}}

// maxCachedStems bounds the cache to a few megabytes however large the
// store's vocabulary grows.
const maxCachedStems = 1 << 16

// Terms returns the stems of text's content words, in order.
func Terms(text string) []string {
	toks := Tokenize(text)
	out := make([]string, 0, len(toks))
	for _, t := range toks {
		if t.Stem != "" {
			out = append(out, t.Stem)
		}
	}
	return out
}

// IndexText is the space-separated terms of text, as stored in the
// full-text index.
func IndexText(text ...string) string {
	var b strings.Builder
	for _, s := range text {
		for _, t := range Terms(s) {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(t)
		}
	}
	return b.String()
}

// stopWords are function words, plus the verbs and nouns people use to ask
// about statements ("what did X say", "X's position on"), which never
// distinguish one statement from another.
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
a about above after again against all am an and any are aren as at be because been before being
below between both but by can cannot could couldn did didn do does doesn doing don down during each
few for from further had hadn has hasn have haven having he her here hers herself him himself his
how i if in into is isn it its itself just let me more most mustn my myself no nor not of off on
once only or other ought our ours ourselves out over own same shan she should shouldn so some such
than that the their theirs them themselves then there these they this those through to too under
until up very was wasn we were weren what when where which while who whom why will with won would
wouldn you your yours yourself yourselves also ever much many may might must shall s t ll re ve d m
o y ain isnt arent wasnt werent dont doesnt didnt wont wouldnt cant couldnt shouldnt hasnt havent
hadnt whats whos hows wheres thats theres heres lets im ive youre theyre were
say says said saying tell told tells telling think thinks thought believe believes mention mentioned
comment comments commented remark remarks statement statements stance view views opinion opinions
position positions stated state's claim claimed quote quotes quoted according know knows anything
something someone somebody thing things please hey hi hello thanks thank okay ok really actually
like get got give gave us make makes made making whose want wants wanted kind sort exactly still
anyway maybe perhaps guess wonder wondering curious`) {
		m[w] = true
	}
	return m
}()
