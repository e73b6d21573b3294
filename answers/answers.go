// Package answers is the heart of OnRecord: it turns a question into ranked,
// attributed statements from the curated store, or an honest "nothing on
// record". It declares the storage interfaces it needs and imports no chat
// platform SDK and no database driver; package store implements them.
package answers

import (
	"context"
	"io"
	"time"
)

// Kind says whose words a statement's text is.
type Kind string

const (
	// Quote is the speaker's own words, verbatim.
	Quote Kind = "quote"
	// Paraphrase is reported speech: the source's sentence about what the
	// speaker said. Replies always mark it as such.
	Paraphrase Kind = "paraphrase"
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k == Quote || k == Paraphrase }

// Speaker is a person (or body) whose statements are on record.
type Speaker struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// Role is the speaker's current role or affiliation.
	Role string `json:"role,omitempty"`
	// Aliases are other ways people refer to the speaker: surnames,
	// transliterations, titles such as "Russian foreign minister".
	Aliases []string `json:"aliases,omitempty"`
	// Statements counts the speaker's live statements; filled by listings.
	Statements int `json:"statements,omitempty"`
}

// Source records where a statement was reported.
type Source struct {
	Outlet      string `json:"outlet,omitempty"`
	Title       string `json:"title,omitempty"`
	URL         string `json:"url,omitempty"`
	PublishedOn Date   `json:"published_on,omitzero"`
	// Note says what is known of the source when outlet, title or URL are
	// not, so that a reply never implies more than the record holds.
	Note string `json:"note,omitempty"`
}

// IsZero reports whether nothing at all is known of the source.
func (s Source) IsZero() bool { return s == Source{} }

// Statement is one attributed claim: what a speaker said, as reported.
type Statement struct {
	ID        int64  `json:"id"`
	SpeakerID int64  `json:"-"`
	Speaker   string `json:"speaker"`
	// SpeakerRole is the role the speaker held when they said it.
	SpeakerRole string `json:"speaker_role,omitempty"`
	Text        string `json:"text"`
	Kind        Kind   `json:"kind"`
	// SaidOn is when it was said, to the precision the source supports.
	SaidOn Date `json:"said_on,omitzero"`
	// SaidWhen describes the time in words where the source gives no
	// calendar date ("in June", "after the Kursk incursion").
	SaidWhen string   `json:"said_when,omitempty"`
	Topics   []string `json:"topics,omitempty"`
	Context  string   `json:"context,omitempty"`
	Source   Source   `json:"source,omitzero"`
	// Retired statements are kept but never answered with.
	Retired bool `json:"retired,omitempty"`
	// Rev is the statement's revision number, raised by every change.
	Rev       int       `json:"-"`
	UpdatedAt time.Time `json:"-"`
}

// Answer is a statement found for a question, with the matcher's score
// in [0, 1]: the weighted share of the question's terms the statement covers.
type Answer struct {
	Statement
	Score float64 `json:"score"`
}

// Reply is the engine's whole answer to one question.
type Reply struct {
	Question string `json:"question"`
	// Answers are the statements on record that answer the question, best
	// first. Empty means nothing on record.
	Answers []Answer `json:"answers"`
	// Related are statements near the question that do not answer it (for
	// "did you mean"), or that match its topic when the asked-about speaker
	// is not on record.
	Related []Answer `json:"related"`
	// Note explains an empty or restricted answer in one plain sentence.
	Note string `json:"note,omitempty"`
	// Speakers are the known speakers the question was understood to ask
	// about; UnknownSpeaker is a name asked about that the store lacks.
	Speakers       []string `json:"speakers,omitempty"`
	UnknownSpeaker string   `json:"unknown_speaker,omitempty"`
}

// SearchQuery asks the index for candidate statements.
type SearchQuery struct {
	// Groups are alternatives of normalized terms; a statement matches a
	// group when it contains any of them. Multi-word alternatives are
	// phrases. Groups are ORed for retrieval.
	Groups [][]string
	// SpeakerIDs, when set, restricts results to statements by them.
	SpeakerIDs []int64
	// SpeakerTerms, when set, is what SpeakerIDs were chosen by (an
	// affiliation such as "the US" may name a thousand speakers): each of
	// them has, for every group, one of its terms among the indexed terms
	// of their name, aliases or role. An index may use it to find their
	// statements, and must still return only statements by SpeakerIDs.
	SpeakerTerms [][]string
	// Limit bounds the number of candidates.
	Limit int
	// Sizes, when set, estimates how many statements each group matches
	// (its terms' document frequencies), so that the index can look at
	// rare terms first and never rank every statement that contains a
	// common word. Nil asks for an exhaustive search.
	Sizes []int
}

// Hit is a candidate from the index with its full-text rank (lower is
// better, as SQLite's bm25 reports it).
type Hit struct {
	Statement
	Rank float64
	// BodyTerms, when the index has them, are Terms(Text) as indexed,
	// space-separated, which saves the matcher analysing the text again.
	BodyTerms string
}

// Index is what the matcher needs from storage. It is read-only.
type Index interface {
	// Generation changes whenever speakers, statements or synonyms change,
	// so the caller can cache what it loads below.
	Generation(ctx context.Context) (int64, error)
	Speakers(ctx context.Context) ([]Speaker, error)
	// Synonyms returns the curated term groups (Kyiv/Kiev, talks/negotiations).
	Synonyms(ctx context.Context) ([][]string, error)
	// Vocabulary returns each indexed term with the number of statements
	// containing it, and the number of live statements.
	Vocabulary(ctx context.Context) (terms *Vocabulary, docs int, err error)
	Search(ctx context.Context, q SearchQuery) ([]Hit, error)
	// SpeakerStatements returns a speaker's live statements, newest first.
	SpeakerStatements(ctx context.Context, speakerID int64, limit int) ([]Statement, error)
	// Statement returns one statement by id, retired or not.
	Statement(ctx context.Context, id int64) (*Statement, error)
}

// Seed is the curated data a new store starts with.
type Seed struct {
	Statements io.Reader // JSON Lines, the import format
	Synonyms   [][]string
}
