package gen

import (
	_ "embed"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/onrecord/onrecord/internal/liar2"
)

// The table is derived once from the LIAR2 corpus and committed, so that
// the generator needs nothing outside the repository. Rebuild it with
// `go generate ./internal/gen` from a checkout that has ../shared beside it;
// TestTableUpToDate fails when the committed table and the corpus disagree.
//
//go:generate go run ./mktable -corpus ../../../shared/corpora/liar2 -o table.tsv
//go:embed table.tsv
var tableTSV string

// Table sizes: how many of the most frequent words, topics and contexts
// the derived table keeps.
const (
	TableWords    = 5000
	TableTopics   = 300
	TableContexts = 200
)

// weighted is a list of values with counts, sampled in proportion to them.
type weighted struct {
	values []string
	cum    []uint64 // cum[i] is the sum of counts 0..i
}

func (w *weighted) add(v string, count uint64) {
	var prev uint64
	if len(w.cum) > 0 {
		prev = w.cum[len(w.cum)-1]
	}
	w.values = append(w.values, v)
	w.cum = append(w.cum, prev+count)
}

func (w *weighted) total() uint64 {
	if len(w.cum) == 0 {
		return 0
	}
	return w.cum[len(w.cum)-1]
}

// pick returns the value whose cumulative range holds x, for x in
// [0, total).
func (w *weighted) pick(x uint64) string {
	i := sort.Search(len(w.cum), func(i int) bool { return w.cum[i] > x })
	return w.values[i]
}

// table is the parsed derived table.
type table struct {
	statements uint64 // statements in the corpus
	says       uint64 // of which reported speech ("Says ...")
	tokens     uint64 // word tokens in all statements
	words      weighted
	lengths    weighted // statement length in words, as decimal strings
	topics     weighted
	ntopics    weighted // topics per statement, as decimal strings
	contexts   weighted
}

// tailShare is the share of word tokens that are not among the table's
// words: the corpus's long tail, which the generator fills with made-up
// rare words so that vocabulary keeps growing with the store.
func (t *table) tailShare() float64 {
	if t.tokens == 0 {
		return 0
	}
	return 1 - float64(t.words.total())/float64(t.tokens)
}

// parseTable reads the tab-separated table: "#" comments, then rows of
// kind, value, count.
func parseTable(s string) (*table, error) {
	t := &table{}
	for n, line := range strings.Split(s, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			return nil, fmt.Errorf("table line %d: %d fields, want 3", n+1, len(f))
		}
		c, err := strconv.ParseUint(f[2], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("table line %d: count: %v", n+1, err)
		}
		switch f[0] {
		case "S":
			switch f[1] {
			case "statements":
				t.statements = c
			case "says":
				t.says = c
			case "tokens":
				t.tokens = c
			}
		case "W":
			t.words.add(f[1], c)
		case "L":
			t.lengths.add(f[1], c)
		case "T":
			t.topics.add(f[1], c)
		case "N":
			t.ntopics.add(f[1], c)
		case "C":
			t.contexts.add(f[1], c)
		default:
			return nil, fmt.Errorf("table line %d: unknown kind %q", n+1, f[0])
		}
	}
	if t.statements == 0 || t.words.total() == 0 || t.lengths.total() == 0 {
		return nil, fmt.Errorf("table has no statements, words or lengths")
	}
	return t, nil
}

// Tokens splits a statement into the words the table counts: fields
// between spaces with surrounding punctuation removed ("\"cut" → "cut",
// "lobbyists." → "lobbyists"); "$2" and "40%" keep their signs.
func Tokens(text string) []string {
	var out []string
	for _, f := range strings.Fields(text) {
		f = strings.TrimFunc(f, func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '$' && r != '%'
		})
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}

// BuildTable derives the generator's table from the LIAR2 files in dir and
// writes it to w. Words are counted case-insensitively and written in their
// most frequent spelling; the "Says" that opens reported speech is counted
// as the kind of statement, not as a word. Output is sorted and so
// deterministic.
func BuildTable(dir string, w io.Writer) error {
	type wordStat struct {
		count uint64
		forms map[string]uint64
	}
	words := map[string]*wordStat{}
	lengths := map[int]uint64{}
	topics := map[string]uint64{}
	ntopics := map[int]uint64{}
	contexts := map[string]uint64{}
	var statements, says, tokens uint64
	err := liar2.ReadFiles(dir, func(r liar2.Record) error {
		text := liar2.Text(r.Statement)
		if text == "" {
			return nil
		}
		statements++
		toks := Tokens(text)
		if liar2.KindOf(text) == "paraphrase" && len(toks) > 0 {
			says++
			toks = toks[1:]
		}
		lengths[len(toks)]++
		for _, tok := range toks {
			tokens++
			k := strings.ToLower(tok)
			ws := words[k]
			if ws == nil {
				ws = &wordStat{forms: map[string]uint64{}}
				words[k] = ws
			}
			ws.count++
			ws.forms[tok]++
		}
		ts := liar2.Topics(r.Subject)
		ntopics[len(ts)]++
		for _, t := range ts {
			topics[t]++
		}
		contexts[r.Context]++
		return nil
	})
	if err != nil {
		return err
	}
	type kv struct {
		k string
		v uint64
	}
	top := func(m map[string]uint64, n int) []kv {
		var out []kv
		for k, v := range m {
			out = append(out, kv{k, v})
		}
		sort.Slice(out, func(i, j int) bool {
			if out[i].v != out[j].v {
				return out[i].v > out[j].v
			}
			return out[i].k < out[j].k
		})
		if n > 0 && len(out) > n {
			out = out[:n]
		}
		return out
	}
	wordCounts := map[string]uint64{}
	for k, ws := range words {
		wordCounts[k] = ws.count
	}
	var b strings.Builder
	b.WriteString("# Derived from the LIAR2 corpus (chengxuphd/liar2, valid.csv and test.csv) by\n")
	b.WriteString("# internal/gen/mktable; rebuild with `go generate ./internal/gen`. Rows: kind, value, count.\n")
	b.WriteString("# S: totals; L: statement length in words; W: words; T: topics; N: topics per statement; C: contexts.\n")
	fmt.Fprintf(&b, "S\tstatements\t%d\nS\tsays\t%d\nS\ttokens\t%d\n", statements, says, tokens)
	for _, e := range sortedInts(lengths) {
		fmt.Fprintf(&b, "L\t%d\t%d\n", e, lengths[e])
	}
	for _, e := range sortedInts(ntopics) {
		fmt.Fprintf(&b, "N\t%d\t%d\n", e, ntopics[e])
	}
	for _, e := range top(wordCounts, TableWords) {
		ws := words[e.k]
		form := ""
		var best uint64
		for f, c := range ws.forms {
			if c > best || (c == best && f < form) {
				form, best = f, c
			}
		}
		fmt.Fprintf(&b, "W\t%s\t%d\n", form, e.v)
	}
	for _, e := range top(topics, TableTopics) {
		fmt.Fprintf(&b, "T\t%s\t%d\n", e.k, e.v)
	}
	for _, e := range top(contexts, TableContexts) {
		fmt.Fprintf(&b, "C\t%s\t%d\n", e.k, e.v)
	}
	_, err = io.WriteString(w, b.String())
	return err
}

func sortedInts(m map[int]uint64) []int {
	var out []int
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}
