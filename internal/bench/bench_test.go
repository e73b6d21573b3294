package bench

// The published figures come from one command (see BENCHMARKS.md):
//
//	go test ./internal/bench -run '^$' -bench . -benchtime 2s -timeout 2h \
//		-bench.sizes seed,liar2,1k,10k,100k,1m
//
// Without -bench.sizes only the seed store and a 1k store are measured, and
// under plain `go test ./...` only TestSmoke runs (one pass over a 1k store
// in about a second), so the benchmarks cannot rot unnoticed.

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sahilm/fuzzy"

	"github.com/onrecord/onrecord/answers"
	"github.com/onrecord/onrecord/data"
	"github.com/onrecord/onrecord/internal/gen"
	"github.com/onrecord/onrecord/internal/liar2"
	"github.com/onrecord/onrecord/internal/sharedtest"
	"github.com/onrecord/onrecord/store"
)

var (
	sizesFlag = flag.String("bench.sizes", "seed,1k", "comma-separated stores to measure: seed, liar2 (needs ../shared), or a generated size such as 1k, 10k, 100k, 1m")
	keepFlag  = flag.String("bench.keep", "", "directory in which generated stores and their JSON Lines are kept between runs (delete it after a schema change)")
	nQuestion = flag.Int("bench.questions", 200, "generated questions added to the evaluation questions")
)

// genSeed makes every generated store and question mix the same from run
// to run.
const genSeed = 7

// chunk is how many statements one import call writes, so that importing a
// million statements never holds them all in memory.
const chunk = 50_000

// fixture is one store to measure: a database file ready to open, the
// JSON Lines it was imported from, and the questions to ask it.
type fixture struct {
	name      string
	path      string // database file
	jsonl     string // statements imported on top of the seed ("" for the seed store)
	lines     int    // statements in jsonl
	questions []string
	labelled  []gen.Question // the generated questions of questions, with what they came from
	typed     []string       // partly typed questions, for Suggest
	names     []string       // partly typed or misspelt speaker names, for SuggestSpeakers
}

var (
	fixMu    sync.Mutex
	fixtures = map[string]*fixture{}
	tmpDir   string
)

func sizes(tb testing.TB) []string {
	var out []string
	for _, s := range strings.Split(*sizesFlag, ",") {
		if s = strings.TrimSpace(strings.ToLower(s)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// parseSize reads "1k", "100k", "1m" or a plain number.
func parseSize(s string) (int, error) {
	mult := 1
	switch {
	case strings.HasSuffix(s, "k"):
		mult, s = 1_000, strings.TrimSuffix(s, "k")
	case strings.HasSuffix(s, "m"):
		mult, s = 1_000_000, strings.TrimSuffix(s, "m")
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad store size %q: want seed, liar2, or a count such as 10k or 1m", s)
	}
	return n * mult, nil
}

func workDir(tb testing.TB) string {
	if *keepFlag != "" {
		if err := os.MkdirAll(*keepFlag, 0o755); err != nil {
			tb.Fatal(err)
		}
		return *keepFlag
	}
	if tmpDir == "" {
		d, err := os.MkdirTemp("", "onrecord-bench-")
		if err != nil {
			tb.Fatal(err)
		}
		tmpDir = d
	}
	return tmpDir
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if tmpDir != "" {
		os.RemoveAll(tmpDir)
	}
	os.Exit(code)
}

// getFixture builds (once per process, or once per -bench.keep directory)
// the store named by size.
func getFixture(tb testing.TB, size string) *fixture {
	tb.Helper()
	fixMu.Lock()
	defer fixMu.Unlock()
	if fx := fixtures[size]; fx != nil {
		return fx
	}
	dir := workDir(tb)
	fx := &fixture{name: size, path: filepath.Join(dir, "store-"+size+".db")}
	var sample []gen.Statement
	switch size {
	case "seed":
	case "liar2":
		fx.jsonl = filepath.Join(dir, "liar2.jsonl")
		sample = liarJSONL(tb, fx.jsonl)
	default:
		n, err := parseSize(size)
		if err != nil {
			tb.Fatal(err)
		}
		fx.jsonl = filepath.Join(dir, fmt.Sprintf("gen-%d-%d.jsonl", genSeed, n))
		g, err := gen.New(genSeed, n)
		if err != nil {
			tb.Fatal(err)
		}
		writeOnce(tb, fx.jsonl, g.Write)
		sample = g.Sample(1000)
		for _, sp := range g.Speakers()[:min(40, len(g.Speakers()))] {
			fx.names = append(fx.names, typedNames(sp.Name)...)
		}
	}
	if fx.jsonl != "" {
		fx.lines = countLines(tb, fx.jsonl)
	}
	if _, err := os.Stat(fx.path); err != nil {
		tmp := fx.path + ".tmp"
		os.Remove(tmp)
		if _, err := importStore(tb, tmp, fx.jsonl); err != nil {
			tb.Fatal(err)
		}
		if err := os.Rename(tmp, fx.path); err != nil {
			tb.Fatal(err)
		}
	}
	// Serving stores are optimized once imported (see store.Optimize), as
	// an operator would after a large import; this is quick when the
	// index is in one segment already, as in a kept store.
	optimize(tb, fx.path)
	fx.questions = projectQuestions(tb)
	if len(sample) > 0 {
		fx.labelled = gen.Mix(genSeed, *nQuestion, sample)
		for _, q := range fx.labelled {
			fx.questions = append(fx.questions, q.Text)
		}
	}
	for _, q := range fx.questions {
		// What a user has typed a little past the middle of the question.
		r := []rune(q)
		fx.typed = append(fx.typed, string(r[:len(r)*3/5]))
	}
	for _, name := range []string{"Sergey Lavrov", "Vladimir Putin", "Volodymyr Zelensky", "Yuri Ushakov"} {
		fx.names = append(fx.names, typedNames(name)...)
	}
	fixtures[size] = fx
	return fx
}

func optimize(tb testing.TB, path string) {
	ctx := context.Background()
	db, err := store.Open(ctx, path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if err := db.Optimize(ctx); err != nil {
		tb.Fatal(err)
	}
}

// typedNames is what people type for a speaker: the first letters of the
// surname, the surname, and the surname with two letters swapped.
func typedNames(name string) []string {
	f := strings.Fields(name)
	last := []rune(strings.ToLower(f[len(f)-1]))
	out := []string{string(last[:min(3, len(last))]), string(last)}
	if len(last) >= 5 {
		sw := slices.Clone(last)
		sw[2], sw[3] = sw[3], sw[2]
		out = append(out, string(sw))
	}
	return out
}

func writeOnce(tb testing.TB, path string, write func(io.Writer) error) {
	if _, err := os.Stat(path); err == nil {
		return
	}
	f, err := os.Create(path + ".tmp")
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := write(w); err != nil {
		tb.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		tb.Fatal(err)
	}
}

func countLines(tb testing.TB, path string) int {
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	n := 0
	buf := make([]byte, 1<<20)
	for {
		k, err := f.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if err == io.EOF {
			return n
		} else if err != nil {
			tb.Fatal(err)
		}
	}
}

// liarJSONL converts the LIAR2 corpus (or skips) and returns its
// statements as generator statements, for gen.Questions.
func liarJSONL(tb testing.TB, path string) []gen.Statement {
	dir := sharedtest.Require(tb, "corpora/liar2")
	writeOnce(tb, path, func(w io.Writer) error {
		_, err := liar2.ConvertFiles(dir, w)
		return err
	})
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var all []gen.Statement
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var st gen.Statement
		if err := json.Unmarshal(sc.Bytes(), &st); err != nil {
			tb.Fatal(err)
		}
		all = append(all, st)
	}
	var sample []gen.Statement
	for i := 0; i < len(all); i += max(1, len(all)/1000) {
		sample = append(sample, all[i])
	}
	return sample
}

// projectQuestions are the evaluation questions: the project's own sets
// and the shared dev set when present.
func projectQuestions(tb testing.TB) []string {
	paths := []string{"../../answers/testdata/eval.jsonl", "../../answers/testdata/heldout.jsonl"}
	if p := sharedtest.Dir("eval/dev-questions.jsonl"); p != "" {
		paths = append(paths, p)
	}
	var qs []string
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			tb.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var c struct {
				Q string `json:"q"`
			}
			if err := json.Unmarshal(sc.Bytes(), &c); err == nil && c.Q != "" {
				qs = append(qs, c.Q)
			}
		}
		f.Close()
	}
	return qs
}

// importStore creates a store at path with the seed and imports jsonl on
// top of it, chunk statements per transaction, as `onrecord import` would
// for each file: each chunk is written to a file beside the store first,
// and Import reads it from there, so that the process holds what an
// import holds and not the chunk as well (a 50k-line chunk is 21 MB of
// text). It returns the time spent importing jsonl.
func importStore(tb testing.TB, path, jsonl string) (time.Duration, error) {
	ctx := context.Background()
	db, err := store.Open(ctx, path, data.Seed())
	if err != nil {
		return 0, err
	}
	defer db.Close()
	if jsonl == "" {
		return 0, nil
	}
	f, err := os.Open(jsonl)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	part := path + ".part.jsonl"
	defer os.Remove(part)
	var spent time.Duration
	for {
		n, eof, err := copyLines(part, r, chunk)
		if err != nil {
			return 0, err
		}
		if n > 0 {
			in, err := os.Open(part)
			if err != nil {
				return 0, err
			}
			t0 := time.Now()
			_, err = db.Import(ctx, in, "bench")
			spent += time.Since(t0)
			in.Close()
			if err != nil {
				return 0, err
			}
		}
		if eof {
			return spent, nil
		}
	}
}

// copyLines writes the next n lines of r to a new file at path, and says
// how many it wrote and whether r is at its end.
func copyLines(path string, r *bufio.Reader, n int) (int, bool, error) {
	out, err := os.Create(path)
	if err != nil {
		return 0, false, err
	}
	w := bufio.NewWriterSize(out, 1<<20)
	lines, eof := 0, false
	for lines < n {
		line, err := r.ReadSlice('\n')
		if len(line) > 0 {
			w.Write(line)
			lines++
		}
		if err == io.EOF {
			eof = true
			break
		} else if err != nil {
			out.Close()
			return 0, false, err
		}
	}
	return lines, eof, errors.Join(w.Flush(), out.Close())
}

// durations collects per-operation latencies and reports their median
// and 99th percentile, which b.N's average hides.
type durations []time.Duration

func (d durations) quantile(q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

func (d durations) report(b *testing.B, prefix string) {
	b.ReportMetric(ms(d.quantile(0.5)), prefix+"p50-ms")
	b.ReportMetric(ms(d.quantile(0.99)), prefix+"p99-ms")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// resetPeak forgets the process's peak resident memory so far (Linux:
// writing 5 to clear_refs resets VmHWM), after returning freed heap to the
// operating system, so that a benchmark reports its own peak.
func resetPeak() {
	debug.FreeOSMemory()
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakMB is the process's peak resident memory (VmHWM) in MB, or 0 where
// /proc is missing.
func peakMB() float64 {
	buf, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(buf), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

func fileMB(path string) float64 {
	var total int64
	for _, p := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			total += fi.Size()
		}
	}
	return float64(total) / (1 << 20)
}

func openEngine(tb testing.TB, fx *fixture) (*answers.Engine, *store.DB) {
	db, err := store.Open(context.Background(), fx.path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return answers.NewEngine(db), db
}

func forSizes(b *testing.B, fn func(b *testing.B, fx *fixture)) {
	for _, size := range sizes(b) {
		b.Run(size, func(b *testing.B) { fn(b, getFixture(b, size)) })
	}
}

// BenchmarkImport imports each store's statements into a fresh seeded
// store: throughput, database size and the process's peak memory.
func BenchmarkImport(b *testing.B) {
	forSizes(b, func(b *testing.B, fx *fixture) {
		if fx.jsonl == "" {
			b.Skip("the seed store has nothing to import")
		}
		resetPeak()
		var spent time.Duration
		var size float64
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			path := filepath.Join(workDir(b), "import-"+fx.name+".db")
			for _, p := range []string{path, path + "-wal", path + "-shm"} {
				os.Remove(p)
			}
			b.StartTimer()
			d, err := importStore(b, path, fx.jsonl)
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			spent += d
			size = fileMB(path)
			for _, p := range []string{path, path + "-wal", path + "-shm"} {
				os.Remove(p)
			}
			b.StartTimer()
		}
		b.ReportMetric(float64(fx.lines)*float64(b.N)/spent.Seconds(), "stmts/s")
		b.ReportMetric(size, "db-MB")
		b.ReportMetric(peakMB(), "peak-MB")
	})
}

// BenchmarkColdStart opens an existing store (migrations checked), builds
// the matcher's lexicon and answers a first question. The statistics the
// lexicon needs are saved in the store by the first start (see
// store/stats.go); ColdStartUnsaved measures a start without them, the
// first after another process (an import) wrote.
func BenchmarkColdStart(b *testing.B) { coldStart(b, false) }

// BenchmarkColdStartUnsaved is ColdStart with the saved statistics
// removed before every start.
func BenchmarkColdStartUnsaved(b *testing.B) { coldStart(b, true) }

func coldStart(b *testing.B, unsaved bool) {
	forSizes(b, func(b *testing.B, fx *fixture) {
		ctx := context.Background()
		var d durations
		resetPeak()
		for i := 0; i < b.N; i++ {
			if unsaved {
				b.StopTimer()
				dropSavedStats(b, fx.path)
				b.StartTimer()
			}
			t0 := time.Now()
			db, err := store.Open(ctx, fx.path, nil)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := answers.NewEngine(db).Ask(ctx, fx.questions[0]); err != nil {
				b.Fatal(err)
			}
			d = append(d, time.Since(t0))
			b.StopTimer()
			db.Close()
			b.StartTimer()
		}
		d.report(b, "")
		b.ReportMetric(fileMB(fx.path), "db-MB")
		b.ReportMetric(peakMB(), "peak-MB")
	})
}

func dropSavedStats(tb testing.TB, path string) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`DELETE FROM stats`); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkAsk asks the question mix round robin: latency quantiles,
// allocations, and the peak memory of the process serving it.
func BenchmarkAsk(b *testing.B) {
	forSizes(b, func(b *testing.B, fx *fixture) {
		resetPeak()
		roundRobin(b, fx, fx.questions, func(ctx context.Context, e *answers.Engine, q string) error {
			_, err := e.Ask(ctx, q)
			return err
		})
		b.ReportMetric(peakMB(), "peak-MB")
	})
}

// BenchmarkSuggest is autocomplete over partly typed questions.
func BenchmarkSuggest(b *testing.B) {
	forSizes(b, func(b *testing.B, fx *fixture) {
		roundRobin(b, fx, fx.typed, func(ctx context.Context, e *answers.Engine, q string) error {
			_, err := e.Suggest(ctx, q, 10)
			return err
		})
	})
}

// BenchmarkSuggestSpeakers is autocomplete over speaker names: prefixes,
// whole surnames and misspelt ones.
func BenchmarkSuggestSpeakers(b *testing.B) {
	forSizes(b, func(b *testing.B, fx *fixture) {
		roundRobin(b, fx, fx.names, func(ctx context.Context, e *answers.Engine, q string) error {
			_, err := e.SuggestSpeakers(ctx, q, 25)
			return err
		})
	})
}

// roundRobin opens the store, does op once with the first input (the
// lexicon is built then; cold start is measured apart), then times op
// over the inputs round robin and reports latency quantiles and
// allocations.
func roundRobin(b *testing.B, fx *fixture, inputs []string, op func(ctx context.Context, e *answers.Engine, in string) error) {
	e, db := openEngine(b, fx)
	defer db.Close()
	ctx := context.Background()
	if err := op(ctx, e, inputs[0]); err != nil {
		b.Fatal(err)
	}
	d := make(durations, 0, 1024)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		t0 := time.Now()
		if err := op(ctx, e, inputs[i%len(inputs)]); err != nil {
			b.Fatal(err)
		}
		d = append(d, time.Since(t0))
	}
	d.report(b, "")
}

// BenchmarkQuality checks the answers to the generated questions, so that
// a change made for speed is seen when it costs answers at scale (the
// evaluation sets, in package answers, cover the seed and LIAR2 stores):
// found@1 and found@5 are the shares of in-scope questions whose answers
// include, first or among the first five, the statement the question came
// from (another speaker's statement may answer a topical question as
// well, so these are lower bounds); oos-abstained is the share of
// out-of-scope questions answered with nothing on record.
func BenchmarkQuality(b *testing.B) {
	forSizes(b, func(b *testing.B, fx *fixture) {
		if len(fx.labelled) == 0 {
			b.Skip("no generated questions for this store")
		}
		e, db := openEngine(b, fx)
		defer db.Close()
		ctx := context.Background()
		var top1, top5, inScope, abstained, oos int
		for b.Loop() {
			top1, top5, inScope, abstained, oos = 0, 0, 0, 0, 0
			for _, q := range fx.labelled {
				r, err := e.Ask(ctx, q.Text)
				if err != nil {
					b.Fatal(err)
				}
				if q.Class == gen.OutOfScope {
					oos++
					if len(r.Answers) == 0 {
						abstained++
					}
					continue
				}
				inScope++
				for i, a := range r.Answers[:min(5, len(r.Answers))] {
					if a.Text == q.From {
						top5++
						if i == 0 {
							top1++
						}
						break
					}
				}
			}
		}
		b.ReportMetric(share(top1, inScope), "found@1-%")
		b.ReportMetric(share(top5, inScope), "found@5-%")
		b.ReportMetric(share(abstained, oos), "oos-abstained-%")
	})
}

func share(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}

// baselineFTS is the bare index: the question's terms (analysed as the
// index is, so that they can match at all, but with no speaker, synonym
// or typo handling) ORed into one bm25-ranked FTS5 query, top five
// statements with their speakers.
type baselineFTS struct {
	db   *sql.DB
	stmt *sql.Stmt
}

func newBaselineFTS(tb testing.TB, path string) *baselineFTS {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=query_only(1)")
	if err != nil {
		tb.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	stmt, err := db.Prepare(`SELECT s.id, p.name, s.text, f.r FROM
		(SELECT rowid, bm25(statements_fts) AS r FROM statements_fts WHERE statements_fts MATCH ? ORDER BY r LIMIT 5) f
		JOIN statements s ON s.id = f.rowid JOIN speakers p ON p.id = s.speaker_id ORDER BY f.r`)
	if err != nil {
		tb.Fatal(err)
	}
	return &baselineFTS{db: db, stmt: stmt}
}

func (f *baselineFTS) close() { f.stmt.Close(); f.db.Close() }

func (f *baselineFTS) ask(q string) (int, error) {
	var alts []string
	for _, t := range answers.Terms(q) {
		alts = append(alts, `"`+strings.ReplaceAll(t, `"`, `""`)+`"`)
	}
	if len(alts) == 0 {
		return 0, nil
	}
	rows, err := f.stmt.Query(strings.Join(alts, " OR "))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id int64
		var name, text string
		var r float64
		if err := rows.Scan(&id, &name, &text, &r); err != nil {
			return 0, err
		}
		n++
	}
	return n, rows.Err()
}

// baselineFuzzy is a linear sahilm/fuzzy scan over every live statement's
// text, held in memory.
type baselineFuzzy struct{ texts []string }

func newBaselineFuzzy(tb testing.TB, path string) *baselineFuzzy {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=query_only(1)")
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT text FROM statements WHERE retired = 0`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var texts []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			tb.Fatal(err)
		}
		texts = append(texts, t)
	}
	return &baselineFuzzy{texts: texts}
}

func (f *baselineFuzzy) ask(q string) int {
	// Long patterns overflow fuzzy's score: cut as SuggestSpeakers does.
	if r := []rune(q); len(r) > 60 {
		q = string(r[:60])
	}
	m := fuzzy.Find(q, f.texts)
	return min(5, len(m))
}

// BenchmarkBaselines asks the same questions of the engine, the bare FTS5
// query and the fuzzy scan, and reports each one's median and the ratios:
// ask/fts (what the matcher's handling costs over the bare index, lower is
// better) and fuzzy/ask (how much faster the engine is than a scan). Each
// method runs its questions in a block of its own, after a collection, so
// that none is timed while cleaning up after another's garbage (the fuzzy
// scan allocates tens of megabytes a question at 100k). The scan, whose
// cost hardly depends on the question, is timed on an even sample of them
// in large stores.
func BenchmarkBaselines(b *testing.B) {
	forSizes(b, func(b *testing.B, fx *fixture) {
		e, db := openEngine(b, fx)
		defer db.Close()
		fts := newBaselineFTS(b, fx.path)
		defer fts.close()
		fz := newBaselineFuzzy(b, fx.path)
		ctx := context.Background()
		qs := fx.questions
		sample := qs
		if n := len(fz.texts); n > 20_000 {
			sample = nil
			k := max(10, 3_000_000/n) // 30 questions at 100k, 10 at 1M
			for i := range min(k, len(qs)) {
				sample = append(sample, qs[i*len(qs)/min(k, len(qs))])
			}
		}
		var da, df, dz durations
		e.Ask(ctx, qs[0])
		fts.ask(qs[0])
		for b.Loop() {
			runtime.GC()
			for _, q := range qs {
				t0 := time.Now()
				if _, err := e.Ask(ctx, q); err != nil {
					b.Fatal(err)
				}
				da = append(da, time.Since(t0))
			}
			runtime.GC()
			for _, q := range qs {
				t0 := time.Now()
				if _, err := fts.ask(q); err != nil {
					b.Fatal(err)
				}
				df = append(df, time.Since(t0))
			}
			runtime.GC()
			for _, q := range sample {
				t0 := time.Now()
				fz.ask(q)
				dz = append(dz, time.Since(t0))
			}
		}
		da.report(b, "ask-")
		df.report(b, "fts-")
		dz.report(b, "fuzzy-")
		b.ReportMetric(float64(da.quantile(0.5))/float64(df.quantile(0.5)), "ask/fts")
		b.ReportMetric(float64(dz.quantile(0.5))/float64(da.quantile(0.5)), "fuzzy/ask")
	})
}

// TestSmoke runs every measurement once on a 1k store, so that plain
// `go test ./...` keeps the benchmarks compiling and working.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 1k store")
	}
	fx := getFixture(t, "1k")
	ctx := context.Background()
	// A copy for BenchmarkAskWhileImporting's round, made while no
	// connection is open on the store.
	file := filepath.Join(t.TempDir(), "again.jsonl")
	path := filepath.Join(t.TempDir(), "serving.db")
	copyFile(t, fx.path, path)
	e, db := openEngine(t, fx)
	defer db.Close()
	fts := newBaselineFTS(t, fx.path)
	defer fts.close()
	fz := newBaselineFuzzy(t, fx.path)
	if len(fz.texts) < 1000 {
		t.Fatalf("1k store has %d statements", len(fz.texts))
	}
	answered := 0
	for _, q := range fx.questions[:min(50, len(fx.questions))] {
		r, err := e.Ask(ctx, q)
		if err != nil {
			t.Fatalf("Ask(%q): %v", q, err)
		}
		if len(r.Answers) > 0 {
			answered++
		}
		if _, err := fts.ask(q); err != nil {
			t.Fatalf("fts(%q): %v", q, err)
		}
		fz.ask(q)
	}
	if answered == 0 {
		t.Error("no question answered")
	}
	if _, err := e.Suggest(ctx, fx.typed[0], 10); err != nil {
		t.Error(err)
	}
	if sps, err := e.SuggestSpeakers(ctx, "lavr", 25); err != nil || len(sps) == 0 {
		t.Errorf("SuggestSpeakers(lavr) = %v, %v", sps, err)
	}
	if peakMB() < 0 {
		t.Error("negative peak")
	}
	// BenchmarkAskWhileImporting's round, briefly, on the copy.
	if n := newStatements(t, fx.jsonl, file, 200); n != 200 {
		t.Fatalf("%d new statements written, want 200", n)
	}
	if _, spent, _ := serveWhileImporting(t, ctx, path, file, fx.questions, 50*time.Millisecond); spent <= 0 {
		t.Errorf("import took %v", spent)
	}
}
