package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onrecord/onrecord/answers"
	"github.com/onrecord/onrecord/store"
)

// servingMemoryLimit is the Go heap's soft limit onrecord sets when
// GOMEMLIMIT does not (cmd/onrecord's memoryLimit).
const servingMemoryLimit = 112 << 20

// BenchmarkAskWhileImporting is a serving process while a moderator
// imports a file in chat, set up as onrecord serve sets it up (the Go heap
// limit above unless GOMEMLIMIT is set, imports kept to the writer's page
// cache), on a copy of each store: four questions at a time for two
// seconds, then while Import adds up to 50,000 new statements (the
// store's first records under new texts, without their ids), then two
// seconds more, when the first question rebuilds the lexicon. It reports
// the process's peak memory over all of it, the import's time, and the
// questions' latency and rate while the import runs.
func BenchmarkAskWhileImporting(b *testing.B) {
	forSizes(b, func(b *testing.B, fx *fixture) {
		if fx.jsonl == "" {
			b.Skip("the seed store has nothing to import")
		}
		if os.Getenv("GOMEMLIMIT") == "" {
			defer debug.SetMemoryLimit(debug.SetMemoryLimit(servingMemoryLimit))
		}
		dir := workDir(b)
		file := filepath.Join(dir, "again-"+fx.name+".jsonl")
		n := newStatements(b, fx.jsonl, file, chunk)
		defer os.Remove(file)
		ctx := context.Background()
		var peak, importS, rate float64
		var during durations
		for range b.N {
			b.StopTimer()
			path := filepath.Join(dir, "serving-"+fx.name+".db")
			copyFile(b, fx.path, path)
			resetPeak()
			b.StartTimer()
			d, spent, asked := serveWhileImporting(b, ctx, path, file, fx.questions, 2*time.Second)
			b.StopTimer()
			for _, p := range []string{path, path + "-wal", path + "-shm"} {
				os.Remove(p)
			}
			during = append(during, d...)
			importS += spent.Seconds()
			rate += float64(asked) / spent.Seconds()
			peak = max(peak, peakMB())
			b.StartTimer()
		}
		during.report(b, "importing-")
		b.ReportMetric(float64(n), "imported")
		b.ReportMetric(importS/float64(b.N), "import-s")
		b.ReportMetric(rate/float64(b.N), "importing-asks/s")
		b.ReportMetric(peak, "peak-MB")
	})
}

// serveWhileImporting runs one round of BenchmarkAskWhileImporting, with
// questions asked for settle before and after the import: the latencies
// of the questions asked while the import ran, its time, and how many
// questions were answered meanwhile.
func serveWhileImporting(tb testing.TB, ctx context.Context, path, file string, questions []string, settle time.Duration) (durations, time.Duration, int) {
	db, err := store.Open(ctx, path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	db.ImportCacheKiB = 0
	e := answers.NewEngine(db)
	var importing atomic.Bool
	var stop atomic.Bool
	var mu sync.Mutex
	var during durations
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; !stop.Load(); i += 4 {
				t0 := time.Now()
				if _, err := e.Ask(ctx, questions[i%len(questions)]); err != nil {
					tb.Error(err)
					return
				}
				if d := time.Since(t0); importing.Load() {
					mu.Lock()
					during = append(during, d)
					mu.Unlock()
				}
			}
		})
	}
	time.Sleep(settle)
	in, err := os.Open(file)
	if err != nil {
		tb.Fatal(err)
	}
	importing.Store(true)
	t0 := time.Now()
	res, err := db.Import(ctx, in, "bench")
	spent := time.Since(t0)
	importing.Store(false)
	in.Close()
	mu.Lock()
	asked := len(during)
	mu.Unlock()
	time.Sleep(settle)
	stop.Store(true)
	wg.Wait()
	if err != nil || res.Added == 0 {
		tb.Fatalf("import: %v, %v", res, err)
	}
	return during, spent, asked
}

// newStatements writes to path up to n records of jsonl, each without its
// id and with a text no statement has yet, and returns how many it wrote.
func newStatements(tb testing.TB, jsonl, path string, n int) int {
	in, err := os.Open(jsonl)
	if err != nil {
		tb.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer out.Close()
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	sc := bufio.NewScanner(in)
	sc.Buffer(nil, answers.MaxRecordSize+1)
	wrote := 0
	for wrote < n && sc.Scan() {
		var rec answers.Record
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			tb.Fatal(err)
		}
		rec.ID = 0
		rec.Text = "Once more: " + rec.Text
		if err := enc.Encode(rec); err != nil {
			tb.Fatal(err)
		}
		wrote++
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	return wrote
}

// copyFile copies a closed database file (its WAL folded in) to dst.
func copyFile(tb testing.TB, src, dst string) {
	in, err := os.Open(src)
	if err != nil {
		tb.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		tb.Fatal(err)
	}
	if err := out.Close(); err != nil {
		tb.Fatal(err)
	}
}
