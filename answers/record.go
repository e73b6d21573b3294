package answers

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Record is one line of the JSON Lines import and export format: a
// statement with its speaker's aliases. The same schema goes both ways.
type Record struct {
	Statement
	SpeakerAliases []string `json:"speaker_aliases,omitempty"`
}

// Limits on what a statement may hold.
const (
	MaxTextLen    = 4000 // characters of a statement's text
	MaxFieldLen   = 1000 // characters of context, roles, titles, notes
	MaxNameLen    = 200  // characters of a speaker's name, an alias or topic
	MaxTopics     = 20
	MaxAliases    = 50
	MaxRecordSize = 64 << 10 // bytes of one JSON line
)

// Validate checks a statement before it is written and normalizes its
// whitespace. It returns an *Error naming the field at fault.
func (s *Statement) Validate() error {
	s.Speaker = strings.Join(strings.Fields(s.Speaker), " ")
	s.SpeakerRole = strings.TrimSpace(s.SpeakerRole)
	s.Text = strings.TrimSpace(s.Text)
	s.SaidWhen = strings.TrimSpace(s.SaidWhen)
	s.Context = strings.TrimSpace(s.Context)
	if s.Kind == "" {
		s.Kind = Quote
	}
	switch {
	case s.Speaker == "":
		return Errorf(EInvalid, "speaker: a statement needs a speaker")
	case s.Text == "":
		return Errorf(EInvalid, "text: a statement needs its text")
	case !s.Kind.Valid():
		return Errorf(EInvalid, "kind: %q is neither \"quote\" nor \"paraphrase\"", s.Kind)
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{
		{"speaker", s.Speaker, MaxNameLen}, {"text", s.Text, MaxTextLen},
		{"speaker_role", s.SpeakerRole, MaxFieldLen}, {"said_when", s.SaidWhen, MaxFieldLen},
		{"context", s.Context, MaxFieldLen}, {"source.outlet", s.Source.Outlet, MaxNameLen},
		{"source.title", s.Source.Title, MaxFieldLen}, {"source.url", s.Source.URL, MaxFieldLen},
		{"source.note", s.Source.Note, MaxFieldLen},
	} {
		if !utf8.ValidString(f.v) {
			return Errorf(EInvalid, "%s: not valid UTF-8", f.name)
		}
		if n := utf8.RuneCountInString(f.v); n > f.max {
			return Errorf(EInvalid, "%s: %d characters, more than the %d allowed", f.name, n, f.max)
		}
		if strings.ContainsRune(f.v, 0) {
			return Errorf(EInvalid, "%s: contains a NUL character", f.name)
		}
	}
	if err := ValidateURL(s.Source.URL); err != nil {
		return Errorf(EInvalid, "source.url: %s", ErrorMessage(err))
	}
	if len(s.Topics) > MaxTopics {
		return Errorf(EInvalid, "topics: %d topics, more than the %d allowed", len(s.Topics), MaxTopics)
	}
	topics := s.Topics[:0]
	for _, t := range s.Topics {
		t = strings.Join(strings.Fields(t), " ")
		if t == "" {
			continue
		}
		if utf8.RuneCountInString(t) > MaxNameLen || !utf8.ValidString(t) {
			return Errorf(EInvalid, "topics: %q is not a valid topic", Truncate(t, 40))
		}
		topics = append(topics, t)
	}
	s.Topics = topics
	if s.ID < 0 {
		return Errorf(EInvalid, "id: must be a positive number")
	}
	return nil
}

// ValidateURL accepts the empty string and absolute http or https URLs.
func ValidateURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(raw, " \t\n") {
		return Errorf(EInvalid, "%q is not an http or https URL", Truncate(raw, 80))
	}
	return nil
}

// Truncate shortens s to at most n characters.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "\u2026"
}

// ParseRecords reads and validates a whole JSON Lines file. Blank lines are
// skipped. The first bad line fails the whole file with an *Error naming
// the line and the field, so that an import is all or nothing.
func ParseRecords(r io.Reader) ([]Record, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxRecordSize+1)
	var recs []Record
	for line := 1; sc.Scan(); line++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		rec, err := ParseRecord(b)
		if err != nil {
			return nil, Errorf(EInvalid, "line %d: %s", line, ErrorMessage(err))
		}
		recs = append(recs, rec)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, Errorf(EInvalid, "line %d: longer than %d bytes", len(recs)+1, MaxRecordSize)
		}
		return nil, Errorf(EInvalid, "reading the file: %v", err)
	}
	return recs, nil
}

// ParseRecord decodes and validates one JSON line.
func ParseRecord(b []byte) (Record, error) {
	var rec Record
	if !utf8.Valid(b) {
		return rec, Errorf(EInvalid, "not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rec); err != nil {
		return rec, Errorf(EInvalid, "%s", jsonProblem(err))
	}
	if dec.More() {
		return rec, Errorf(EInvalid, "more than one JSON value on the line")
	}
	if err := rec.Validate(); err != nil {
		return rec, err
	}
	if len(rec.SpeakerAliases) > MaxAliases {
		return rec, Errorf(EInvalid, "speaker_aliases: more than %d", MaxAliases)
	}
	for _, a := range rec.SpeakerAliases {
		if strings.TrimSpace(a) == "" || utf8.RuneCountInString(a) > MaxNameLen {
			return rec, Errorf(EInvalid, "speaker_aliases: %q is not a valid alias", Truncate(a, 40))
		}
	}
	return rec, nil
}

// jsonProblem words a decoding error for a person, naming the field.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	var ae *Error
	switch {
	case errors.As(err, &ae):
		return ae.Message
	case errors.As(err, &te):
		return fmt.Sprintf("%s: expected %s, got %s", te.Field, te.Type, te.Value)
	case errors.As(err, &se):
		return fmt.Sprintf("not valid JSON at byte %d", se.Offset)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	}
	return "not valid JSON: " + err.Error()
}

func fmtCounts(added, updated, unchanged int) string {
	return fmt.Sprintf("%d added, %d updated, %d unchanged", added, updated, unchanged)
}
