package store

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/onrecord/onrecord/answers"
)

var writerFile = flag.String("store.writer", "", "JSON Lines file for BenchmarkWriter (e.g. a generated 100k store)")

// BenchmarkWriter times the writer alone: the file's records are decoded
// and analysed before the clock starts, then written into a fresh store in
// two imports of half the file each, as an import of the second half of a
// file would meet the speakers of the first. It reports microseconds a
// statement for each half. Import's own benchmark (internal/bench) times
// decoding and writing together, on two cores that share them.
//
//	go test ./store -run '^$' -bench Writer -benchtime 1x -count 5 -store.writer /tmp/obk/gen-7-100000.jsonl
func BenchmarkWriter(b *testing.B) {
	if *writerFile == "" {
		b.Skip("no -store.writer file")
	}
	type record struct {
		rec answers.Record
		p   prepared
	}
	f, err := os.Open(*writerFile)
	if err != nil {
		b.Fatal(err)
	}
	var recs []record
	err = answers.ReadRecords(context.Background(), f, 2, prepare, func(_ int, rec *answers.Record, p prepared) error {
		recs = append(recs, record{*rec, p})
		return nil
	})
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	halves := [2][]record{recs[:len(recs)/2], recs[len(recs)/2:]}
	var spent [2]time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		db, err := Open(ctx, filepath.Join(b.TempDir(), "writer.db"), nil)
		if err != nil {
			b.Fatal(err)
		}
		for h, half := range halves {
			// The writer fills in ids: it writes copies.
			part := slices.Clone(half)
			b.StartTimer()
			start := time.Now()
			_, err := db.importWith(ctx, "bench", "line", func(put func(int, *answers.Record, *prepared) error) error {
				for i := range part {
					if err := put(i+1, &part[i].rec, &part[i].p); err != nil {
						return err
					}
				}
				return nil
			})
			spent[h] += time.Since(start)
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
		}
		db.Close()
	}
	for h, name := range []string{"first-us/stmt", "second-us/stmt"} {
		b.ReportMetric(float64(spent[h].Microseconds())/float64(b.N*len(halves[h])), name)
	}
}
