// Package liar2 converts the LIAR2 fact-checking corpus (PolitiFact claims,
// as published at chengxuphd/liar2) into OnRecord's JSON Lines import
// format, so that the store can be tried and measured at a realistic size.
//
// Each CSV row becomes one statement:
//
//   - speaker: the corpus gives names in lower case ("barack obama"); see
//     SpeakerName for how they are cased again.
//   - speaker_role: the first sentence of speaker_description, shortened
//     (see Role); empty when there is no description.
//   - text: the statement with its whitespace normalized and stray wrapping
//     quotes removed; its words are never rewritten.
//   - kind: "paraphrase" when the statement starts with "Says"/"Say"
//     (PolitiFact's reported-speech form: "Says Mitt Romney's investments
//     created zero jobs" is PolitiFact's sentence about what was said),
//     "quote" otherwise. The rest are PolitiFact's rendering of the claim in
//     the speaker's voice; they are not always verbatim, but they are
//     worded as the speaker's own claim, which is what "quote" means to
//     the store, and the source note says they come from a fact-check.
//   - said_on: the row's date ("July 28, 2022" → "2022-07-28").
//   - topics: the subject column split on ';'.
//   - context: the context column ("a television ad").
//   - source: outlet "PolitiFact" and a note naming the dataset and the
//     fact-check id; the corpus gives no URL, so none is invented.
//
// The verdict (label), the justification and the speaker's credit history
// are deliberately dropped: OnRecord reports what was said, not whether it
// was true. No id is written, so importing never overwrites curated
// statements whose ids happen to match a fact-check id.
package liar2

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/onrecord/onrecord/answers"
)

// Files are the corpus files ConvertFiles reads, in this order.
var Files = []string{"valid.csv", "test.csv"}

// Line is one statement in the import format. Field names and shapes follow
// the store's JSON Lines schema; empty optional fields are left out.
type Line struct {
	Speaker     string         `json:"speaker"`
	SpeakerRole string         `json:"speaker_role,omitempty"`
	Text        string         `json:"text"`
	Kind        answers.Kind   `json:"kind,omitempty"`
	SaidOn      answers.Date   `json:"said_on,omitzero"`
	Topics      []string       `json:"topics,omitempty"`
	Context     string         `json:"context,omitempty"`
	Source      answers.Source `json:"source,omitzero"`
}

// Record is one corpus row with the columns this package uses, as found
// (after whitespace clean-up). Other packages use it to derive statistics
// from the corpus without re-parsing the CSV.
type Record struct {
	ID                 string
	Statement          string
	Date               string
	Subject            string
	Speaker            string
	SpeakerDescription string
	Context            string
}

// columns are the header names a file must have.
var columns = []string{"id", "statement", "date", "subject", "speaker", "speaker_description", "context"}

// Read parses a LIAR2 CSV file and calls fn for every row, in file order.
// It checks the header and that every row has as many fields as the
// header; an error names the line where the row starts.
func Read(r io.Reader, fn func(Record) error) error {
	cr := csv.NewReader(r)
	// Every row must have as many fields as the header (FieldsPerRecord 0
	// takes the count from the first row, which is the header).
	cr.FieldsPerRecord = 0
	// The corpus is well-formed CSV (a quote the dataset left unclosed in
	// a statement is still doubled inside its quoted field), so LazyQuotes
	// stays off: a broken file fails loudly instead of silently merging
	// rows.
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("liar2: empty file, no header")
		}
		return fmt.Errorf("liar2: header: %w", err)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	idx := make(map[string]int, len(header))
	for i, h := range header {
		idx[strings.TrimSpace(h)] = i
	}
	var col [7]int
	for i, name := range columns {
		j, ok := idx[name]
		if !ok {
			return fmt.Errorf("liar2: header has no %q column", name)
		}
		col[i] = j
	}
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("liar2: %w", err)
		}
		line, _ := cr.FieldPos(0)
		rec := Record{
			ID:                 clean(row[col[0]]),
			Statement:          clean(row[col[1]]),
			Date:               clean(row[col[2]]),
			Subject:            clean(row[col[3]]),
			Speaker:            clean(row[col[4]]),
			SpeakerDescription: clean(row[col[5]]),
			Context:            clean(row[col[6]]),
		}
		if err := fn(rec); err != nil {
			return fmt.Errorf("liar2: line %d (id %s): %w", line, rec.ID, err)
		}
	}
}

// Converter turns records into import lines. It remembers how each speaker
// was first cased so that every line of one speaker names them the same
// way, as the store's case-insensitive speaker names require.
type Converter struct {
	names map[string]string
}

// NewConverter returns a Converter with no speakers seen yet.
func NewConverter() *Converter { return &Converter{names: map[string]string{}} }

// Convert turns one record into an import line. A record without speaker
// or statement, or with a date that is not "Month D, YYYY", is an error.
func (c *Converter) Convert(rec Record) (Line, error) {
	key := strings.ToLower(rec.Speaker)
	if key == "" {
		return Line{}, fmt.Errorf("no speaker")
	}
	text := Text(rec.Statement)
	if text == "" {
		return Line{}, fmt.Errorf("no statement")
	}
	name, ok := c.names[key]
	if !ok {
		name = SpeakerName(rec.Speaker, rec.SpeakerDescription)
		c.names[key] = name
	}
	l := Line{
		Speaker:     name,
		SpeakerRole: Role(name, rec.SpeakerDescription),
		Text:        text,
		Kind:        KindOf(text),
		Topics:      Topics(rec.Subject),
		Context:     rec.Context,
		Source: answers.Source{
			Outlet: "PolitiFact",
			Note:   "LIAR2 dataset, PolitiFact fact-check " + rec.ID,
		},
	}
	if rec.Date != "" {
		d, err := ParseDate(rec.Date)
		if err != nil {
			return Line{}, err
		}
		l.SaidOn = d
	}
	return l, nil
}

// Convert reads one LIAR2 CSV file from r and writes its statements to w as
// JSON Lines, in file order. It returns how many lines it wrote.
func Convert(r io.Reader, w io.Writer) (n int, err error) {
	return convert(NewConverter(), r, w)
}

func convert(c *Converter, r io.Reader, w io.Writer) (n int, err error) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	err = Read(r, func(rec Record) error {
		l, err := c.Convert(rec)
		if err != nil {
			return err
		}
		if err := enc.Encode(l); err != nil {
			return err
		}
		n++
		return nil
	})
	return n, err
}

// ConvertFiles converts dir/valid.csv then dir/test.csv into one JSON Lines
// stream. Both files must exist. Speakers are cased consistently across the
// two files.
func ConvertFiles(dir string, w io.Writer) (n int, err error) {
	c := NewConverter()
	for _, name := range Files {
		path := filepath.Join(dir, name)
		f, err := os.Open(path)
		if err != nil {
			return n, err
		}
		m, err := convert(c, f, w)
		f.Close()
		n += m
		if err != nil {
			return n, fmt.Errorf("%s: %w", path, err)
		}
	}
	return n, nil
}

// ReadFiles calls fn for every record of dir/valid.csv then dir/test.csv.
func ReadFiles(dir string, fn func(Record) error) error {
	for _, name := range Files {
		path := filepath.Join(dir, name)
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		err = Read(f, fn)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	return nil
}

// ParseDate reads the corpus's "July 28, 2022" (or "Jul 28, 2022") as a
// day-precision date.
func ParseDate(s string) (answers.Date, error) {
	for _, layout := range []string{"January 2, 2006", "Jan 2, 2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return answers.Date{Year: t.Year(), Month: int(t.Month()), Day: t.Day()}, nil
		}
	}
	return answers.Date{}, fmt.Errorf("date %q is not like \"July 28, 2022\"", s)
}

// Topics splits a subject column ("energy;message machine 2012") into
// trimmed, non-empty topics, dropping repeats and keeping their order.
func Topics(subject string) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range strings.Split(subject, ";") {
		t = strings.TrimSpace(t)
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	return out
}

// KindOf says whether a statement is reported speech. PolitiFact writes
// claims it could not quote directly as "Says ..." (sometimes "Say ...");
// those sentences are PolitiFact's, so they are paraphrases.
func KindOf(text string) answers.Kind {
	for _, p := range []string{"Says", "Say"} {
		rest, ok := strings.CutPrefix(text, p)
		if !ok {
			continue
		}
		if r, _ := utf8.DecodeRuneInString(rest); r == ' ' || r == ',' || r == ':' {
			return answers.Paraphrase
		}
	}
	return answers.Quote
}

// Text cleans a statement: whitespace (including no-break spaces and line
// breaks) collapsed to single spaces, invalid UTF-8 replaced, and quotes
// removed only when they wrap the whole statement and no other double quote
// occurs in it. Words are left exactly as the corpus has them.
func Text(s string) string {
	s = clean(s)
	for {
		first, fs := utf8.DecodeRuneInString(s)
		last, ls := utf8.DecodeLastRuneInString(s)
		if len(s) < fs+ls || !isQuote(first) || !isQuote(last) {
			return s
		}
		inner := s[fs : len(s)-ls]
		if strings.ContainsFunc(inner, isQuote) {
			return s
		}
		s = strings.TrimSpace(inner)
	}
}

func isQuote(r rune) bool { return r == '"' || r == '“' || r == '”' }

// clean collapses runs of whitespace to one space, trims the ends and
// makes the string valid UTF-8 without control characters.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}
