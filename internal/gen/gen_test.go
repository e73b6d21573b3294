package gen

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/onrecord/onrecord/answers"
	"github.com/onrecord/onrecord/internal/sharedtest"
)

func generate(t *testing.T, seed int64, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Generate(seed, n, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func decode(t *testing.T, data []byte) []answers.Record {
	t.Helper()
	var out []answers.Record
	sc := bufio.NewScanner(bytes.NewReader(data))
	for i := 1; sc.Scan(); i++ {
		// The store's own parser: strict schema, validation included.
		l, err := answers.ParseRecord(sc.Bytes())
		if err != nil {
			t.Fatalf("line %d: %v: %s", i, err, sc.Bytes())
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestGenerateDeterministic(t *testing.T) {
	a := generate(t, 42, 500)
	b := generate(t, 42, 500)
	if !bytes.Equal(a, b) {
		t.Fatal("the same seed gave different bytes")
	}
	if c := generate(t, 43, 500); bytes.Equal(a, c) {
		t.Error("different seeds gave the same bytes")
	}
}

func TestGenerateLines(t *testing.T) {
	for _, n := range []int{0, 1, 50, 2000} {
		lines := decode(t, generate(t, 7, n))
		if len(lines) != n {
			t.Errorf("n=%d: %d lines", n, len(lines))
		}
		speakers := map[string]bool{}
		for i, l := range lines {
			speakers[l.Speaker] = true
			if l.Speaker == "" || strings.TrimSpace(l.Text) == "" {
				t.Errorf("line %d: speaker %q, text %q: both are required", i+1, l.Speaker, l.Text)
			}
			if !l.Kind.Valid() {
				t.Errorf("line %d: kind %q", i+1, l.Kind)
			}
			if strings.HasPrefix(l.Text, "Says ") != (l.Kind == "paraphrase") {
				t.Errorf("line %d: kind %q for %q", i+1, l.Kind, l.Text)
			}
			if l.SaidOn.IsZero() && l.SaidWhen == "" {
				t.Errorf("line %d: neither said_on nor said_when", i+1)
			}
			if len(l.SpeakerAliases) == 0 || !strings.HasSuffix(l.Speaker, " "+l.SpeakerAliases[0]) {
				t.Errorf("line %d: aliases %q do not start with the surname of %q", i+1, l.SpeakerAliases, l.Speaker)
			}
			if l.ID != 0 {
				t.Errorf("line %d: has an id", i+1)
			}
		}
		if n >= 2000 {
			want := SpeakerCount(n)
			if got := len(speakers); got < want*9/10 || got > want {
				t.Errorf("n=%d: %d distinct speakers, want about %d", n, got, want)
			}
		}
	}
}

func TestStatementRandomAccess(t *testing.T) {
	g, err := New(9, 300)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := g.Write(&buf); err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSuffix(buf.Bytes(), []byte("\n")), []byte("\n"))
	for _, i := range []int{0, 17, 299} {
		b, err := json.Marshal(g.Statement(i))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, lines[i]) {
			t.Errorf("Statement(%d) = %s, line %d = %s", i, b, i+1, lines[i])
		}
	}
}

func TestSpeakers(t *testing.T) {
	for _, n := range []int{0, 100, 20000} {
		g, err := New(1, n)
		if err != nil {
			t.Fatal(err)
		}
		sp := g.Speakers()
		if len(sp) != SpeakerCount(n) {
			t.Errorf("n=%d: %d speakers, want %d", n, len(sp), SpeakerCount(n))
		}
		seen := map[string]bool{}
		for _, s := range sp {
			if seen[s.Name] {
				t.Errorf("speaker %q twice", s.Name)
			}
			seen[s.Name] = true
			if s.Role == "" || strings.Contains(s.Role, "{") {
				t.Errorf("speaker %q has role %q", s.Name, s.Role)
			}
		}
	}
	if SpeakerCount(0) != 10 || SpeakerCount(1000) != 50 {
		t.Errorf("SpeakerCount(0), (1000) = %d, %d; want 10, 50", SpeakerCount(0), SpeakerCount(1000))
	}
}

// TestDistribution checks that generated statements look like LIAR2's:
// mean length near the corpus's, a similar share of reported speech, and
// a vocabulary that keeps growing with the store.
func TestDistribution(t *testing.T) {
	tb, err := loadTable()
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(3, 20000)
	if err != nil {
		t.Fatal(err)
	}
	var words, says float64
	vocab := map[string]bool{}
	var vocabAt5k int
	for i := 0; i < g.Len(); i++ {
		st := g.Statement(i)
		toks := Tokens(st.Text)
		if st.Kind == answers.Paraphrase {
			says++
			toks = toks[1:]
		}
		words += float64(len(toks))
		for _, w := range toks {
			vocab[strings.ToLower(w)] = true
		}
		if i == 4999 {
			vocabAt5k = len(vocab)
		}
	}
	n := float64(g.Len())
	var corpusWords float64
	for i, v := range tb.lengths.values {
		c := tb.lengths.cum[i]
		if i > 0 {
			c -= tb.lengths.cum[i-1]
		}
		var l float64
		for _, ch := range v {
			l = l*10 + float64(ch-'0')
		}
		corpusWords += l * float64(c)
	}
	corpusMean := corpusWords / float64(tb.statements)
	if mean := words / n; math.Abs(mean-corpusMean) > 1 {
		t.Errorf("mean statement length %.2f words, corpus %.2f", mean, corpusMean)
	}
	corpusSays := float64(tb.says) / float64(tb.statements)
	if share := says / n; math.Abs(share-corpusSays) > 0.02 {
		t.Errorf("reported speech share %.3f, corpus %.3f", share, corpusSays)
	}
	if len(vocab) <= vocabAt5k {
		t.Errorf("vocabulary did not grow from 5,000 statements (%d) to 20,000 (%d)", vocabAt5k, len(vocab))
	}
}

func TestRareWordsDistinct(t *testing.T) {
	seen := map[string]int{}
	for k := 0; k < 50000; k++ {
		w := rareWord(k)
		if j, ok := seen[w]; ok {
			t.Fatalf("rareWord(%d) = rareWord(%d) = %q", k, j, w)
		}
		seen[w] = k
	}
}

func TestSample(t *testing.T) {
	g, err := New(5, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(g.Sample(100)); got != 100 {
		t.Errorf("Sample(100) has %d statements", got)
	}
	if got := len(g.Sample(5000)); got != 1000 {
		t.Errorf("Sample(5000) of 1000 has %d statements", got)
	}
}

func TestQuestions(t *testing.T) {
	g, err := New(11, 2000)
	if err != nil {
		t.Fatal(err)
	}
	sample := g.Sample(200)
	a := Questions(1, 1000, sample)
	b := Questions(1, 1000, sample)
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Fatal("the same seed gave different questions")
	}
	if len(a) != 1000 {
		t.Fatalf("%d questions, want 1000", len(a))
	}
	if strings.Join(Questions(2, 1000, sample), "\n") == strings.Join(a, "\n") {
		t.Error("different seeds gave the same questions")
	}
	classes := map[Class]int{}
	speakers := map[string]bool{}
	for _, s := range g.Speakers() {
		speakers[s.Name] = true
	}
	for _, q := range Mix(1, 1000, sample) {
		classes[q.Class]++
		if strings.TrimSpace(q.Text) == "" {
			t.Errorf("empty question of class %s", q.Class)
		}
		if (q.Class == OutOfScope) != (q.Speaker == "") {
			t.Errorf("question %q of class %s has speaker %q", q.Text, q.Class, q.Speaker)
		}
		if q.Speaker != "" && !speakers[q.Speaker] {
			t.Errorf("question %q names speaker %q, who is not in the store", q.Text, q.Speaker)
		}
	}
	for c, want := range map[Class]float64{Named: 0.3, Topical: 0.3, Misspelled: 0.2, OutOfScope: 0.2} {
		if got := float64(classes[c]) / 1000; math.Abs(got-want) > 0.05 {
			t.Errorf("class %s is %.3f of the mix, want about %.2f", c, got, want)
		}
	}
	for _, q := range Mix(1, 50, nil) {
		if q.Class != OutOfScope {
			t.Errorf("with no statements, question %q is %s", q.Text, q.Class)
		}
	}
}

func TestUnknownPeopleAreUnknown(t *testing.T) {
	known := map[string]bool{}
	for _, n := range append(append([]string{}, firstNames...), lastNames...) {
		known[n] = true
	}
	for _, n := range append(append([]string{}, unknownFirst...), unknownLast...) {
		if known[n] {
			t.Errorf("%q is both a speaker name and an unknown person's name", n)
		}
	}
}

// distance is the optimal string alignment distance: insertions,
// deletions, substitutions and adjacent transpositions.
func distance(a, b string) int {
	x, y := []rune(a), []rune(b)
	d := make([][]int, len(x)+1)
	for i := range d {
		d[i] = make([]int, len(y)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(x)][len(y)]
}

func TestMisspellIsOneEdit(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, w := range []string{"budget", "negotiations", "tax", "aaaa", "Lavrov", "immigration", "ballot"} {
		for range 200 {
			m := misspell(r, w)
			want := 1
			if len([]rune(w)) < 4 {
				want = 0
			}
			if d := distance(w, m); d != want {
				t.Fatalf("misspell(%q) = %q, %d edits away, want %d", w, m, d, want)
			}
		}
	}
}

func TestTableParses(t *testing.T) {
	tb, err := loadTable()
	if err != nil {
		t.Fatal(err)
	}
	if len(tb.words.values) != TableWords {
		t.Errorf("table has %d words, want %d", len(tb.words.values), TableWords)
	}
	if s := tb.tailShare(); s <= 0 || s >= 0.5 {
		t.Errorf("tail share %.3f is implausible", s)
	}
	if _, err := parseTable("W\tx\n"); err == nil {
		t.Error("a row with two fields parsed")
	}
	if _, err := parseTable("# only a comment\n"); err == nil {
		t.Error("an empty table parsed")
	}
}

// TestTableUpToDate rebuilds the table from the corpus, when a checkout of
// shared/ is above the working directory, and compares it with the
// committed one.
func TestTableUpToDate(t *testing.T) {
	corpus := sharedtest.Require(t, "corpora/liar2")
	var buf bytes.Buffer
	if err := BuildTable(corpus, &buf); err != nil {
		t.Fatal(err)
	}
	if buf.String() != tableTSV {
		t.Error("table.tsv is not what the corpus gives: run go generate ./internal/gen")
	}
}
