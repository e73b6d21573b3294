// Command mktable rebuilds the generator's derived table (word counts,
// statement lengths, topics and contexts) from the LIAR2 corpus. It is run
// by `go generate ./internal/gen`; the output is committed so that the
// generator never needs the corpus itself.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/onrecord/onrecord/internal/gen"
)

func main() {
	corpus := flag.String("corpus", "../../../shared/corpora/liar2", "directory holding the LIAR2 valid.csv and test.csv")
	out := flag.String("o", "table.tsv", "file to write the table to")
	flag.Parse()
	if err := run(*corpus, *out); err != nil {
		fmt.Fprintln(os.Stderr, "mktable:", err)
		os.Exit(1)
	}
}

func run(corpus, out string) error {
	var buf bytes.Buffer
	if err := gen.BuildTable(corpus, &buf); err != nil {
		return err
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}
