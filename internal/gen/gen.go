// Package gen generates realistic, deterministic statement stores and
// question mixes for benchmarks. Statements follow the LIAR2 corpus's
// statement lengths, word frequencies, topics and contexts (from a small
// derived table committed with the package, see table.tsv), with made-up
// rare words for the corpus's long tail so that a larger store has a larger
// vocabulary, as real ones do. Speakers are invented people with roles and
// aliases (surname, title and surname).
//
// Everything is a pure function of the seed: the same seed and size give
// the same bytes, and statement i can be produced on its own without the
// ones before it.
package gen

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/onrecord/onrecord/answers"
)

// Statement is one generated statement in the store's JSON Lines import
// format.
type Statement struct {
	Speaker        string         `json:"speaker"`
	SpeakerAliases []string       `json:"speaker_aliases,omitempty"`
	SpeakerRole    string         `json:"speaker_role,omitempty"`
	Text           string         `json:"text"`
	Kind           answers.Kind   `json:"kind"`
	SaidOn         answers.Date   `json:"said_on,omitzero"`
	SaidWhen       string         `json:"said_when,omitempty"`
	Topics         []string       `json:"topics,omitempty"`
	Context        string         `json:"context,omitempty"`
	Source         answers.Source `json:"source,omitzero"`
}

// Speaker is a generated speaker.
type Speaker struct {
	Name    string
	Role    string
	Aliases []string
}

var (
	tableOnce sync.Once
	theTable  *table
	tableErr  error
)

// loadTable parses the embedded table once. It is parsed lazily so that
// mktable, which imports this package, builds even before a table exists.
func loadTable() (*table, error) {
	tableOnce.Do(func() { theTable, tableErr = parseTable(tableTSV) })
	return theTable, tableErr
}

// Generator produces the statements of one generated store.
type Generator struct {
	seed     int64
	n        int
	t        *table
	speakers []Speaker
}

// SpeakerCount is how many speakers a store of n statements has: one per
// twenty statements, at least ten.
func SpeakerCount(n int) int { return max(10, n/20) }

// New returns the generator of the store of n statements for seed.
func New(seed int64, n int) (*Generator, error) {
	if n < 0 {
		return nil, fmt.Errorf("gen: negative statement count %d", n)
	}
	t, err := loadTable()
	if err != nil {
		return nil, fmt.Errorf("gen: %w", err)
	}
	g := &Generator{seed: seed, n: n, t: t}
	g.speakers = makeSpeakers(rand.New(rand.NewPCG(uint64(seed), streamSpeakers)), SpeakerCount(n))
	return g, nil
}

// Random streams: each use of randomness has its own, so that changing one
// does not shift the others.
const (
	streamSpeakers  = 1 << 62
	streamQuestions = 1<<62 + 1
)

// Len is the number of statements in the store.
func (g *Generator) Len() int { return g.n }

// Speakers returns the store's speakers. Every speaker is very likely, but
// not certain, to have statements in a small store.
func (g *Generator) Speakers() []Speaker { return g.speakers }

// Statement returns statement i, for 0 <= i < Len().
func (g *Generator) Statement(i int) Statement {
	r := rand.New(rand.NewPCG(uint64(g.seed), uint64(i)))
	sp := g.speakers[g.pickSpeaker(r)]
	st := Statement{
		Speaker:        sp.Name,
		SpeakerAliases: sp.Aliases,
		SpeakerRole:    sp.Role,
		Kind:           answers.Quote,
	}
	says := r.Float64() < float64(g.t.says)/float64(g.t.statements)
	if says {
		st.Kind = answers.Paraphrase
	}
	st.Text = g.text(r, says)
	st.SaidOn, st.SaidWhen = date(r)
	st.Topics = g.topics(r)
	st.Context = g.t.contexts.pick(r.Uint64N(g.t.contexts.total()))
	st.Source = source(r, i, st.SaidOn)
	return st
}

// pickSpeaker chooses who said a statement: half the time any speaker
// alike, half the time by a Zipf-like law (a few speakers say a lot, as
// in LIAR2, where "facebook posts" alone has a tenth of the statements).
func (g *Generator) pickSpeaker(r *rand.Rand) int {
	m := len(g.speakers)
	if r.IntN(2) == 0 {
		return r.IntN(m)
	}
	return logUniform(r, m)
}

// logUniform returns k in [0, m) with probability roughly proportional
// to 1/(k+1): Zipf's law with exponent 1.
func logUniform(r *rand.Rand, m int) int {
	k := int(math.Exp(r.Float64()*math.Log(float64(m+1)))) - 1
	return min(max(k, 0), m-1)
}

// text builds a statement of a length drawn from the corpus's histogram,
// with words drawn by their corpus frequency.
func (g *Generator) text(r *rand.Rand, says bool) string {
	n, _ := strconv.Atoi(g.t.lengths.pick(r.Uint64N(g.t.lengths.total())))
	n = max(n, 2)
	tail := g.t.tailShare()
	var b strings.Builder
	if says {
		b.WriteString("Says")
	}
	for k := 0; k < n; k++ {
		w := g.word(r, tail)
		if k == 0 && !says {
			// A quote must not read as reported speech.
			for lw := strings.ToLower(w); lw == "says" || lw == "say"; lw = strings.ToLower(w) {
				w = g.word(r, tail)
			}
			w = capitalize(w)
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
		if k < n-1 && k > 1 && r.IntN(14) == 0 {
			b.WriteByte(',')
		}
	}
	b.WriteByte('.')
	return b.String()
}

// word draws one word: a made-up rare one with probability tail, else a
// table word by its corpus frequency.
func (g *Generator) word(r *rand.Rand, tail float64) string {
	if r.Float64() < tail {
		return rareWord(logUniform(r, 1<<20))
	}
	return g.t.words.pick(r.Uint64N(g.t.words.total()))
}

// syllables spell rare words: word k is k+len(syllables) written in base
// len(syllables) with a syllable per digit, so distinct k give distinct
// words of two or more syllables.
var syllables = []string{
	"ka", "lo", "mi", "ren", "tor", "sa", "vel", "din", "bra", "quo", "ste", "phi",
	"gar", "nu", "zel", "ox", "tri", "mon", "dea", "ly", "cas", "pen", "ur", "vak",
	"sho", "bel", "im", "rit", "fon", "gu", "hel", "jad",
}

func rareWord(k int) string {
	base := len(syllables)
	k += base
	var parts []string
	for k > 0 {
		parts = append(parts, syllables[k%base])
		k /= base
	}
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		b.WriteString(parts[i])
	}
	return b.String()
}

func capitalize(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[size:]
}

// topics draws the number of topics from the corpus's histogram, then
// distinct topics by frequency.
func (g *Generator) topics(r *rand.Rand) []string {
	n, _ := strconv.Atoi(g.t.ntopics.pick(r.Uint64N(g.t.ntopics.total())))
	var out []string
	for tries := 0; len(out) < n && tries < 4*n; tries++ {
		t := g.t.topics.pick(r.Uint64N(g.t.topics.total()))
		dup := false
		for _, o := range out {
			dup = dup || o == t
		}
		if !dup {
			out = append(out, t)
		}
	}
	return out
}

// saidWhens describe a time in words for the few statements without a date.
var saidWhens = []string{
	"during a televised debate", "in a campaign speech", "at a town hall meeting",
	"in a radio interview", "after the budget vote", "during the primary campaign",
}

// date returns a date between 2007 and 2024: mostly to the day, some to
// the month or year only, and a few with no date but a description.
func date(r *rand.Rand) (answers.Date, string) {
	x := r.IntN(100)
	if x < 2 {
		return answers.Date{}, saidWhens[r.IntN(len(saidWhens))]
	}
	year := 2007 + r.IntN(18)
	month := 1 + r.IntN(12)
	switch {
	case x < 5:
		return answers.Date{Year: year}, ""
	case x < 15:
		return answers.Date{Year: year, Month: month}, ""
	}
	days := [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[month-1]
	if month == 2 && year%4 == 0 {
		days = 29 // no year 2100 in range
	}
	return answers.Date{Year: year, Month: month, Day: 1 + r.IntN(days)}, ""
}

// outlets are invented; URLs use the reserved example.com domain.
var outlets = []string{
	"The Daily Ledger", "Capitol Wire", "Metro Courier", "Northern Herald",
	"Evening Dispatch", "Valley Tribune", "Harbor Gazette", "Civic Record",
}

func source(r *rand.Rand, i int, said answers.Date) answers.Source {
	x := r.IntN(10)
	if x == 0 {
		return answers.Source{Note: "synthetic statement; source unknown"}
	}
	o := outlets[r.IntN(len(outlets))]
	s := answers.Source{Outlet: o}
	if x >= 4 {
		slug := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(o, "The "), " ", "-"))
		s.URL = fmt.Sprintf("https://example.com/%s/%d", slug, i)
	}
	if said.Day != 0 && x >= 6 {
		s.PublishedOn = said
	}
	return s
}

// Generate writes the store of n statements for seed to w as JSON Lines.
func Generate(seed int64, n int, w io.Writer) error {
	g, err := New(seed, n)
	if err != nil {
		return err
	}
	return g.Write(w)
}

// Write writes every statement of the store to w as JSON Lines, streaming:
// memory does not grow with the store's size.
func (g *Generator) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i := 0; i < g.n; i++ {
		if err := enc.Encode(g.Statement(i)); err != nil {
			return err
		}
	}
	return nil
}

// Sample returns k statements spread evenly over the store (all of them
// when k >= Len()), for deriving questions.
func (g *Generator) Sample(k int) []Statement {
	if k > g.n {
		k = g.n
	}
	out := make([]Statement, 0, k)
	for j := 0; j < k; j++ {
		out = append(out, g.Statement(j*g.n/k))
	}
	return out
}
