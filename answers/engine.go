package answers

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// Engine answers questions from an Index. It is safe for concurrent use.
type Engine struct {
	index Index

	// Threshold is the least score an answer needs when the question names
	// no speaker; SpeakerThreshold when it does (the speaker is already
	// matched, so fewer content words need to be). Both are calibrated on
	// the evaluation set: see TestCalibration.
	Threshold, SpeakerThreshold float64

	mu  sync.Mutex
	lex *lexicon
}

// Calibrated thresholds; TestCalibration checks that they still separate
// the evaluation set's answerable questions from the rest.
const (
	DefaultThreshold        = 0.4
	DefaultSpeakerThreshold = 0.34
)

// MaxAnswers is how many statements a reply carries at most.
const MaxAnswers = 5

// candidates is how many full-text hits are reranked.
const candidates = 30

// NewEngine returns an Engine over index.
func NewEngine(index Index) *Engine {
	return &Engine{index: index, Threshold: DefaultThreshold, SpeakerThreshold: DefaultSpeakerThreshold}
}

// maxPrefixTerms is how many completions of the word being typed
// Suggest looks up, at most.
const maxPrefixTerms = 8

// MaxQuestionLen bounds a question, in bytes; longer input is cut.
const MaxQuestionLen = 2000

// Ask answers one question: the statements on record that answer it, best
// first, or none with a note saying why.
func (e *Engine) Ask(ctx context.Context, question string) (*Reply, error) {
	if len(question) > MaxQuestionLen {
		question = strings.ToValidUTF8(question[:MaxQuestionLen], "")
	}
	lx, err := e.lexicon(ctx)
	if err != nil {
		return nil, err
	}
	q := lx.analyse(question)
	reply := &Reply{Question: question, Answers: []Answer{}, Related: []Answer{}}
	for _, id := range q.speakers {
		reply.Speakers = append(reply.Speakers, lx.speakers[id].Name)
	}

	switch {
	case q.unknown != "":
		// The question asks what someone said who is not on record: say so,
		// and offer what others said on the topic.
		reply.UnknownSpeaker = q.unknown
		reply.Note = fmt.Sprintf("There are no statements on record from %s.", q.unknown)
		if len(q.groups) > 0 {
			ranked, err := e.rank(ctx, lx, q.groups, nil, nil)
			if err != nil {
				return nil, err
			}
			reply.Related = pick(ranked, e.Threshold/2, 3)
			if len(reply.Related) > 0 {
				reply.Note += " Related statements by others are listed separately."
			}
		}
		return reply, nil

	case len(q.speakers) > 0 && len(q.groups) == 0:
		// "What did Ushakov say?": the speaker's latest statements.
		for _, id := range q.speakers {
			sts, err := e.index.SpeakerStatements(ctx, id, MaxAnswers)
			if err != nil {
				return nil, err
			}
			for _, st := range sts {
				reply.Answers = append(reply.Answers, Answer{Statement: st, Score: 1})
			}
		}
		if len(reply.Answers) > MaxAnswers {
			reply.Answers = reply.Answers[:MaxAnswers]
		}
		if len(reply.Answers) == 0 {
			reply.Note = fmt.Sprintf("%s has no statements on record.", joinNames(reply.Speakers))
		}
		return reply, nil

	case len(q.groups) == 0:
		reply.Note = "Nothing on record answers that. Ask about what a public figure said, for example: What did Lavrov say about peace proposals?"
		return reply, nil
	}

	threshold := e.Threshold
	switch {
	case q.fuzzy:
		// A name matched through a typo may be someone else altogether
		// ("Scholz" is not "Schulz"): only a close answer confirms it.
		threshold = (1 + e.Threshold) / 2
	case len(q.speakers) > 0:
		threshold = e.SpeakerThreshold
	}
	ranked, err := e.rank(ctx, lx, q.groups, q.speakers, q.who)
	if err != nil {
		return nil, err
	}
	reply.Answers = pick(ranked, threshold, MaxAnswers)
	if len(reply.Answers) > 0 {
		return reply, nil
	}
	if q.weak {
		// A bare surname that may not mean the person ("the price of
		// oil"): when that person said nothing on it, read it as a word.
		if all, err := e.rank(ctx, lx, q.groups, nil, nil); err != nil {
			return nil, err
		} else if a := pick(all, e.Threshold, MaxAnswers); len(a) > 0 {
			reply.Answers, reply.Speakers = a, nil
			return reply, nil
		}
	}
	reply.Related = pick(ranked, threshold/2, 3)
	if len(q.speakers) > 0 {
		reply.Note = fmt.Sprintf("Nothing on record from %s answers that.", joinNames(reply.Speakers))
	} else {
		reply.Note = "Nothing on record answers that."
	}
	if len(reply.Related) > 0 {
		reply.Note += " The closest statements are listed separately; none of them answers the question."
	}
	return reply, nil
}

// pick returns up to n answers scoring at least threshold, dropping those
// far below the best.
func pick(ranked []Answer, threshold float64, n int) []Answer {
	out := []Answer{}
	for _, a := range ranked {
		if len(out) == n || a.Score < threshold || (len(out) > 0 && a.Score < out[0].Score*0.6) {
			break
		}
		out = append(out, a)
	}
	return out
}

func joinNames(names []string) string {
	switch len(names) {
	case 0:
		return "them"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// group is one content word of a question with its alternatives (the word,
// or its synonyms; a phrase is its terms joined by spaces) and its weight.
type group struct {
	alts   []string
	orig   string // the question's own term(s)
	weight float64
	// search, when set, replaces alts for retrieval only: a prefix with
	// many completions is looked up as its commonest ones (see Suggest).
	search []string
}

// singleWordCap caps the score of a statement that shares only one
// content word with a question naming no speaker, below any threshold.
const singleWordCap = 0.3

// longQuestion is the most weight a question's words count for: about
// four content words.
const longQuestion = 5.5

// synonymMatch is what a match through a synonym is worth against the
// question's own word: "open" in "open to talks" beats "readiness".
const synonymMatch = 0.85

// rank retrieves candidates for the groups and orders them by score; who
// is what the speakers were chosen by, if an affiliation.
func (e *Engine) rank(ctx context.Context, lx *lexicon, groups []group, speakers []int64, who [][]string) ([]Answer, error) {
	sq := SearchQuery{SpeakerIDs: speakers, SpeakerTerms: who, Limit: candidates}
	for _, g := range groups {
		alts := g.alts
		if g.search != nil {
			alts = g.search
		}
		sq.Groups = append(sq.Groups, alts)
		n := 0
		for _, a := range alts {
			if p, ok := strings.CutSuffix(a, "*"); ok {
				n += lx.prefixDF(p)
			} else {
				n += lx.df(a)
			}
		}
		sq.Sizes = append(sq.Sizes, n)
	}
	hits, err := e.index.Search(ctx, sq)
	if err != nil {
		return nil, err
	}
	total := 0.0
	for _, g := range groups {
		total += g.weight
	}
	// A long question carries words no statement will share ("my uncle
	// insists"); matching the gist of it is enough.
	total = min(total, longQuestion)
	type scored struct {
		Answer
		rank float64
	}
	out := make([]scored, 0, len(hits))
	for _, h := range hits {
		var body []string
		if h.BodyTerms != "" {
			body = strings.Fields(h.BodyTerms)
		} else {
			body = Terms(h.Text)
		}
		about := Terms(strings.Join(h.Topics, " ; "))
		who := lx.who[h.SpeakerID]
		role := Terms(h.SpeakerRole)
		got, matched := 0.0, 0
		for _, g := range groups {
			best := 0.0
			for _, alt := range g.alts {
				words := strings.Fields(alt)
				if p, ok := strings.CutSuffix(alt, "*"); ok {
					if hasPrefix(body, p) {
						best = max(best, 1)
					} else if hasPrefix(about, p) {
						best = max(best, 0.7)
					}
					continue
				}
				f := 1.0
				if alt != g.orig {
					f = synonymMatch
				}
				switch {
				case containsSeq(body, words):
					best = max(best, f)
				case containsSeq(about, words):
					best = max(best, 0.7*f)
				case containsSeq(role, words) || (len(words) == 1 && who[words[0]]):
					best = max(best, 0.6*f)
				}
			}
			got += g.weight * best
			if best >= 0.7*synonymMatch {
				matched++
			}
		}
		score := 0.0
		if total > 0 {
			score = min(1, got/total)
		}
		if speakers == nil && matched < 2 {
			// One word in common is a coincidence in a large store ("a
			// joke", "an apple"), unless a speaker was named too.
			score = min(score, singleWordCap)
		}
		out = append(out, scored{Answer{Statement: h.Statement, Score: round3(score)}, h.Rank})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].rank < out[j].rank
	})
	res := make([]Answer, len(out))
	for i := range out {
		res[i] = out[i].Answer
	}
	return res, nil
}

func round3(f float64) float64 { return float64(int(f*1000+0.5)) / 1000 }

func hasPrefix(terms []string, p string) bool {
	for _, t := range terms {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}

func containsSeq(terms, seq []string) bool { return indexSeq(terms, seq) >= 0 }

func indexSeq(terms, seq []string) int {
	if len(seq) == 0 {
		return -1
	}
	for i := 0; i+len(seq) <= len(terms); i++ {
		if slices.Equal(terms[i:i+len(seq)], seq) {
			return i
		}
	}
	return -1
}

// Index returns the store the engine reads from.
func (e *Engine) Index() Index { return e.index }

// Statement returns one statement by id, retired or not.
func (e *Engine) Statement(ctx context.Context, id int64) (*Statement, error) {
	return e.index.Statement(ctx, id)
}

// Speakers lists the speakers on record.
func (e *Engine) Speakers(ctx context.Context) ([]Speaker, error) {
	return e.index.Speakers(ctx)
}

// ResolveSpeaker finds the speaker a person means by a name, surname,
// alias, title or a misspelling of one.
func (e *Engine) ResolveSpeaker(ctx context.Context, name string) (*Speaker, error) {
	lx, err := e.lexicon(ctx)
	if err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	for _, sp := range lx.speakers {
		if strings.EqualFold(sp.Name, name) {
			return sp, nil
		}
	}
	q := lx.analyse("what did " + name + " say")
	if len(q.speakers) > 0 {
		best := lx.speakers[q.speakers[0]]
		for _, id := range q.speakers[1:] {
			if sp := lx.speakers[id]; sp.Statements > best.Statements {
				best = sp
			}
		}
		return best, nil
	}
	if sps := lx.suggestSpeakers(name, 1); len(sps) > 0 {
		return sps[0], nil
	}
	return nil, Errorf(ENotFound, "No speaker on record matches %q. Send /speakers for the list.", Truncate(name, 60))
}

// SpeakerStatements finds the speaker a user means by name (surname, alias,
// title or a misspelling) and returns their latest live statements.
func (e *Engine) SpeakerStatements(ctx context.Context, name string, limit int) (*Speaker, []Statement, error) {
	sp, err := e.ResolveSpeaker(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	sts, err := e.index.SpeakerStatements(ctx, sp.ID, limit)
	return sp, sts, err
}

// SuggestSpeakers returns up to n speakers whose name or aliases match what
// the user has typed so far, best first (for autocomplete).
func (e *Engine) SuggestSpeakers(ctx context.Context, typed string, n int) ([]Speaker, error) {
	lx, err := e.lexicon(ctx)
	if err != nil {
		return nil, err
	}
	var out []Speaker
	for _, sp := range lx.suggestSpeakers(typed, n) {
		out = append(out, *sp)
	}
	return out, nil
}

// Suggest returns up to n statements matching a partly typed question,
// best first (for autocomplete). It does not abstain; the last word may be
// incomplete.
func (e *Engine) Suggest(ctx context.Context, typed string, n int) ([]Answer, error) {
	if len(typed) > MaxQuestionLen {
		typed = strings.ToValidUTF8(typed[:MaxQuestionLen], "")
	}
	lx, err := e.lexicon(ctx)
	if err != nil {
		return nil, err
	}
	q := lx.analyse(typed)
	groups := q.groups
	// The word being typed matches as a prefix.
	if toks := Tokenize(typed); len(toks) > 0 && !strings.HasSuffix(typed, " ") {
		if last := toks[len(toks)-1]; last.Stem != "" && utf8.RuneCountInString(last.Word) >= 2 {
			// Stems are shorter than the words they come from ("negotia"
			// is on its way to "negoti"), so the prefix drops a little.
			w := []rune(last.Word)
			if len(w) > 5 {
				w = w[:len(w)-2]
			}
			g := group{alts: []string{string(w) + "*"}, weight: 0.5}
			if top, all := lx.prefixTerms(string(w), maxPrefixTerms); !all && len(top) > 0 {
				// FTS5 merges the doclists of every term with a prefix before
				// it returns a row, which made a keystroke on a short prefix
				// the slowest of all searches (17 ms at p99 on 100k
				// statements); the commonest completions find nearly the
				// same statements, and scoring still matches the prefix.
				g.search = top
			}
			groups = append(groups, g)
		}
	}
	if len(groups) == 0 && len(q.speakers) == 0 {
		return nil, nil
	}
	if len(groups) == 0 {
		var out []Answer
		for _, id := range q.speakers {
			sts, err := e.index.SpeakerStatements(ctx, id, n)
			if err != nil {
				return nil, err
			}
			for _, st := range sts {
				out = append(out, Answer{Statement: st, Score: 1})
			}
		}
		return out[:min(n, len(out))], nil
	}
	ranked, err := e.rank(ctx, lx, groups, q.speakers, q.who)
	if err != nil {
		return nil, err
	}
	return ranked[:min(n, len(ranked))], nil
}

// Explain describes how a question is understood: speakers, unknown
// speaker and the weighted term groups. It is for debugging and tuning.
func (e *Engine) Explain(ctx context.Context, question string) string {
	lx, err := e.lexicon(ctx)
	if err != nil {
		return err.Error()
	}
	q := lx.analyse(question)
	var b strings.Builder
	fmt.Fprintf(&b, "speakers=%v unknown=%q groups=", q.speakers, q.unknown)
	for _, g := range q.groups {
		fmt.Fprintf(&b, "[%s %.2f]", strings.Join(g.alts, "|"), g.weight)
	}
	return b.String()
}
