// Package data embeds the curated seed set a new store starts with: the
// statements (JSON Lines, the import format) and the synonym groups.
//
// Curation rules: one statement per distinct claim, attributed to the
// person who made it with the role they held; a direct quote verbatim as
// "quote" (only the comma that closed the quotation in the report becomes a
// full stop), reported speech as the report's own sentence as
// "paraphrase"; nothing rewritten, merged or added. Where the report gives
// no outlet, URL or date, the record says so instead of guessing.
package data

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"io"

	"github.com/onrecord/onrecord/answers"
)

//go:embed seed.jsonl
var seedStatements []byte

//go:embed synonyms.json
var seedSynonyms []byte

// Statements returns the seed statements as JSON Lines.
func Statements() io.Reader { return bytes.NewReader(seedStatements) }

// Synonyms returns the seed synonym groups.
func Synonyms() [][]string {
	var groups [][]string
	if err := json.Unmarshal(seedSynonyms, &groups); err != nil {
		panic("data: synonyms.json is not a list of string lists: " + err.Error())
	}
	return groups
}

// Seed returns the whole seed set, ready for store.Open.
func Seed() *answers.Seed {
	return &answers.Seed{Statements: Statements(), Synonyms: Synonyms()}
}
