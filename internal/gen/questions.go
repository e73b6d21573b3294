package gen

import (
	"math/rand/v2"
	"strings"
	"unicode"
)

// Class is the kind of a generated question.
type Class string

// Question classes, in the proportions Mix produces them: about 30%
// speaker-named, 30% topical, 20% misspelled, 20% out of scope.
const (
	// Named questions name the speaker of the statement they come from,
	// by full name, surname or title alias.
	Named Class = "named"
	// Topical questions are content words of a statement, no speaker.
	Topical Class = "topical"
	// Misspelled questions are named or topical ones with one word (or
	// the speaker's name) one edit away from its spelling.
	Misspelled Class = "misspelled"
	// OutOfScope questions have no answer in any store: small talk,
	// weather, recipes, gibberish, people who are on record nowhere.
	OutOfScope Class = "out_of_scope"
)

// Question is a generated question with what it was made from, so that a
// benchmark can report each class apart and check answers loosely.
type Question struct {
	Text  string
	Class Class
	// Speaker is the speaker of the statement the question came from ("" for
	// out-of-scope questions). For Topical questions another speaker's
	// statement may answer as well.
	Speaker string
	// From is the text of the statement the question came from ("" for
	// out-of-scope questions): what a good answer includes.
	From string
}

// Questions returns n question texts for a store, made from stmts (a
// sample of its statements, such as Generator.Sample returns). It is Mix
// without the labels.
func Questions(seed int64, n int, stmts []Statement) []string {
	qs := Mix(seed, n, stmts)
	out := make([]string, len(qs))
	for i, q := range qs {
		out[i] = q.Text
	}
	return out
}

// Mix returns n labelled questions made from stmts: from a statement it
// picks three to five content words, may name the speaker and may
// misspell one word by one edit. With no statements every question is out
// of scope. The result depends only on the arguments.
func Mix(seed int64, n int, stmts []Statement) []Question {
	r := rand.New(rand.NewPCG(uint64(seed), streamQuestions))
	out := make([]Question, 0, n)
	for len(out) < n {
		x := r.IntN(10)
		if len(stmts) == 0 || x >= 8 {
			out = append(out, outOfScope(r))
			continue
		}
		st := stmts[r.IntN(len(stmts))]
		words := contentWords(st.Text)
		if len(words) == 0 {
			words = topicWords(st.Topics)
		}
		if len(words) == 0 {
			continue
		}
		words = pickWords(r, words, 3+r.IntN(3))
		var q Question
		switch {
		case x < 3:
			q = named(r, st, words, false)
		case x < 6:
			q = topical(r, st, words)
		default: // 6, 7
			if r.IntN(2) == 0 {
				q = named(r, st, words, true)
			} else {
				i := r.IntN(len(words))
				words[i] = misspell(r, words[i])
				q = topical(r, st, words)
			}
			q.Class = Misspelled
		}
		q.From = st.Text
		out = append(out, q)
	}
	return out
}

func named(r *rand.Rand, st Statement, words []string, typo bool) Question {
	refs := append([]string{st.Speaker, strings.ToLower(st.Speaker)}, st.SpeakerAliases...)
	ref := refs[r.IntN(len(refs))]
	if typo {
		// Misspell the name half the time, else one of the words.
		if r.IntN(2) == 0 {
			parts := strings.Fields(ref)
			i := len(parts) - 1
			parts[i] = misspell(r, parts[i])
			ref = strings.Join(parts, " ")
		} else {
			i := r.IntN(len(words))
			words[i] = misspell(r, words[i])
		}
	}
	w := strings.Join(words, " ")
	var text string
	switch r.IntN(5) {
	case 0:
		text = "What did " + ref + " say about " + w + "?"
	case 1:
		text = ref + " on " + w
	case 2:
		text = ref + " " + w
	case 3:
		text = "Has " + ref + " said anything about " + w + "?"
	default:
		text = "what did " + strings.ToLower(ref) + " say on " + w
	}
	return Question{Text: text, Class: Named, Speaker: st.Speaker}
}

func topical(r *rand.Rand, st Statement, words []string) Question {
	w := strings.Join(words, " ")
	var text string
	switch r.IntN(5) {
	case 0:
		text = w
	case 1:
		text = "What was said about " + w + "?"
	case 2:
		text = "Who said " + w + "?"
	case 3:
		text = "Any statements on " + w + "?"
	default:
		text = "Did anyone claim " + w + "?"
	}
	return Question{Text: text, Class: Topical, Speaker: st.Speaker}
}

// fixedOutOfScope are questions no statement store answers.
var fixedOutOfScope = []string{
	"What's the weather like tomorrow?",
	"Will it rain this weekend?",
	"Tell me a joke",
	"How do I make pancakes?",
	"Who won the football match last night?",
	"What time is it?",
	"recommend a good book",
	"How tall is Mount Everest?",
	"thanks!",
	"hello there",
	"What's the best recipe for lasagna?",
	"Can you help me with my homework?",
}

func outOfScope(r *rand.Rand) Question {
	var text string
	switch r.IntN(4) {
	case 0, 1:
		text = fixedOutOfScope[r.IntN(len(fixedOutOfScope))]
	case 2:
		who := unknownFirst[r.IntN(len(unknownFirst))] + " " + unknownLast[r.IntN(len(unknownLast))]
		text = "What did " + who + " say about the budget?"
	default:
		var b strings.Builder
		for i, n := 0, 6+r.IntN(10); i < n; i++ {
			b.WriteByte(byte('a' + r.IntN(26)))
		}
		text = b.String()
	}
	return Question{Text: text, Class: OutOfScope}
}

// stopWords are left out of questions: they carry no topic.
var stopWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a about above after again against all also am an and any are as at be
because been before being below between both but by can could did do does doing down during each
few for from further had has have having he her here hers him his how i if in into is it its itself
just more most much my no nor not now of off on once only or other our out over own same says
said say she should so some such than that the their them then there these they this those
through to too under until up very was we were what when where which while who whom why will with
would you your percent since than every been into made make many more year years`) {
		stopWords[w] = true
	}
}

// contentWords returns the statement's lower-cased words of four or more
// letters that are not stop words, first occurrence only, in order.
func contentWords(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, tok := range Tokens(text) {
		w := strings.ToLower(tok)
		if len([]rune(w)) < 4 || stopWords[w] || seen[w] || strings.ContainsFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && r != '-' && r != '\'' }) {
			continue
		}
		seen[w] = true
		out = append(out, w)
	}
	return out
}

func topicWords(topics []string) []string {
	var out []string
	for _, t := range topics {
		out = append(out, contentWords(t)...)
	}
	return out
}

// pickWords returns up to k of words, keeping their order in the statement.
func pickWords(r *rand.Rand, words []string, k int) []string {
	if len(words) <= k {
		return append([]string(nil), words...)
	}
	idx := r.Perm(len(words))[:k]
	keep := make([]bool, len(words))
	for _, i := range idx {
		keep[i] = true
	}
	out := make([]string, 0, k)
	for i, w := range words {
		if keep[i] {
			out = append(out, w)
		}
	}
	return out
}

// misspell returns w one edit away: a letter dropped, doubled, replaced or
// swapped with its neighbour. Words under four letters are left alone.
func misspell(r *rand.Rand, w string) string {
	rs := []rune(w)
	if len(rs) < 4 {
		return w
	}
	// Keep the first letter: people rarely get it wrong.
	i := 1 + r.IntN(len(rs)-1)
	switch r.IntN(4) {
	case 0:
		return string(append(rs[:i:i], rs[i+1:]...))
	case 1:
		return string(rs[:i+1]) + string(rs[i:])
	case 2:
		c := rune('a' + r.IntN(26))
		if c == rs[i] {
			c = 'a' + (c-'a'+1)%26
		}
		rs[i] = c
		return string(rs)
	default:
		if i == len(rs)-1 {
			i--
		}
		if rs[i] == rs[i+1] { // a swap would change nothing: drop instead
			return string(append(rs[:i:i], rs[i+1:]...))
		}
		rs[i], rs[i+1] = rs[i+1], rs[i]
		return string(rs)
	}
}
