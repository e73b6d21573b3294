package answers

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
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
		return Wrap(err, "source.url")
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
	var recs []Record
	err := ReadRecords(context.Background(), r, 1, func(*Record) struct{} { return struct{}{} },
		func(_ int, rec *Record, _ struct{}) error {
			recs = append(recs, *rec)
			return nil
		})
	if err != nil {
		return nil, err
	}
	return recs, nil
}

// recordBatch is a run of consecutive lines parsed by one worker. Batches
// amortise the channel hand-offs, which would otherwise cost as much as
// decoding a short line.
type recordBatch[T any] struct {
	buf   []byte // the lines' bytes, back to back
	ends  []int  // where each line ends in buf
	lines []int  // each line's number in the file
	recs  []Record
	preps []T
	err   error         // the first bad line in the batch, or a read error
	done  chan struct{} // closed when a worker has parsed the batch
}

// batchLines is how many lines a worker parses at a time.
const batchLines = 256

// ReadRecords parses and validates JSON Lines as ParseRecords does, with
// workers goroutines, without holding the file in memory: each record
// goes through prep on a worker (work that can run in parallel, such as
// analysing the text), then to emit on the caller's goroutine, in file
// order. It stops at the first bad line, which it reports as
// ParseRecords would, or at the first error emit returns; emit has then
// seen every line before the bad one. The *Record handed to emit is only
// valid during the call.
func ReadRecords[T any](ctx context.Context, r io.Reader, workers int, prep func(*Record) T, emit func(line int, rec *Record, v T) error) error {
	workers = max(1, workers)
	stop := make(chan struct{})
	defer close(stop)
	work := make(chan *recordBatch[T], workers)
	// order holds batches in file order, a few ahead of emit: that bounds
	// the memory in flight whatever the file's size.
	order := make(chan *recordBatch[T], 2*workers)
	for range workers {
		go func() {
			for b := range work {
				b.parse(prep)
				close(b.done)
			}
		}()
	}
	go func() {
		defer close(order)
		defer close(work)
		send := func(b *recordBatch[T]) bool {
			select {
			case order <- b:
			case <-stop:
				return false
			}
			select {
			case work <- b:
			case <-stop:
				return false
			}
			return true
		}
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 0, 64<<10), MaxRecordSize+1)
		b := &recordBatch[T]{done: make(chan struct{})}
		line := 0
		for sc.Scan() {
			line++
			l := bytes.TrimSpace(sc.Bytes())
			if len(l) == 0 {
				continue
			}
			b.buf = append(b.buf, l...)
			b.ends = append(b.ends, len(b.buf))
			b.lines = append(b.lines, line)
			if len(b.ends) == batchLines {
				// The next batch's lines take about as many bytes: room
				// for them at once, where growing from empty copied
				// them over and over. (Measured before send: a worker
				// owns the batch from then on.)
				size := len(b.buf) + len(b.buf)/8
				if !send(b) {
					return
				}
				b = &recordBatch[T]{done: make(chan struct{}), buf: make([]byte, 0, size)}
			}
		}
		if err := sc.Err(); err != nil {
			if errors.Is(err, bufio.ErrTooLong) {
				err = Errorf(EInvalid, "line %d: longer than %d bytes", line+1, MaxRecordSize)
			} else {
				err = Errorf(EInvalid, "reading the file: %v", err)
			}
			// Reported after the lines before it, so that an earlier bad
			// line still wins.
			b.err = err
		}
		if len(b.ends) > 0 || b.err != nil {
			send(b)
		}
	}()
	for b := range order {
		select {
		case <-b.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		for i := range b.recs {
			if err := emit(b.lines[i], &b.recs[i], b.preps[i]); err != nil {
				return err
			}
		}
		if b.err != nil {
			return b.err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// parse decodes the batch's lines up to the first bad one. A read error
// already set stays: it comes after every line of the batch.
func (b *recordBatch[T]) parse(prep func(*Record) T) {
	b.recs = make([]Record, 0, len(b.ends))
	b.preps = make([]T, 0, len(b.ends))
	start := 0
	for i, end := range b.ends {
		rec, err := ParseRecord(b.buf[start:end])
		start = end
		if err != nil {
			b.err = Wrap(err, "line %d", b.lines[i])
			return
		}
		b.recs = append(b.recs, rec)
		b.preps = append(b.preps, prep(&b.recs[len(b.recs)-1]))
	}
	b.buf = nil // the records own copies of what they need
}

// ParseRecord decodes and validates one JSON line.
func ParseRecord(b []byte) (Record, error) {
	var rec Record
	if !utf8.Valid(b) {
		return rec, Errorf(EInvalid, "not valid UTF-8")
	}
	if !decodeRecord(b, &rec) {
		rec = Record{}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rec); err != nil {
			return rec, Errorf(EInvalid, "%s", jsonProblem(err))
		}
		if dec.More() {
			return rec, Errorf(EInvalid, "more than one JSON value on the line")
		}
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

// decodeRecord is a fast path for ParseRecord: it decodes the common
// shape of a line (the fields of Record spelled exactly, strings with
// simple escapes, no nulls, no repeated fields) several times faster than
// encoding/json, which spends most of an import's decoding in reflection.
// It reports false for anything else, and the caller then decodes the line
// with encoding/json, so that every line means what encoding/json says it
// means and every error is worded the same. b must be valid UTF-8, as
// ParseRecord checks first (encoding/json would replace bad bytes).
func decodeRecord(b []byte, rec *Record) bool {
	l := lexer{b: b}
	var seen uint32
	ok := l.object(func(key []byte) bool {
		var bit uint32
		var ok bool
		switch string(key) {
		case "id":
			bit = 1 << 0
			rec.ID, ok = l.int()
		case "speaker":
			bit = 1 << 1
			rec.Speaker, ok = l.str()
		case "speaker_role":
			bit = 1 << 2
			rec.SpeakerRole, ok = l.str()
		case "text":
			bit = 1 << 3
			rec.Text, ok = l.str()
		case "kind":
			bit = 1 << 4
			var k string
			k, ok = l.str()
			rec.Kind = Kind(k)
		case "said_on":
			bit = 1 << 5
			rec.SaidOn, ok = l.date()
		case "said_when":
			bit = 1 << 6
			rec.SaidWhen, ok = l.str()
		case "topics":
			bit = 1 << 7
			rec.Topics, ok = l.strs()
		case "context":
			bit = 1 << 8
			rec.Context, ok = l.str()
		case "retired":
			bit = 1 << 9
			rec.Retired, ok = l.bool()
		case "speaker_aliases":
			bit = 1 << 10
			rec.SpeakerAliases, ok = l.strs()
		case "source":
			bit = 1 << 11
			var seenSrc uint32
			s := &rec.Source
			ok = l.object(func(key []byte) bool {
				var bit uint32
				var ok bool
				switch string(key) {
				case "outlet":
					bit = 1 << 0
					s.Outlet, ok = l.str()
				case "title":
					bit = 1 << 1
					s.Title, ok = l.str()
				case "url":
					bit = 1 << 2
					s.URL, ok = l.str()
				case "published_on":
					bit = 1 << 3
					s.PublishedOn, ok = l.date()
				case "note":
					bit = 1 << 4
					s.Note, ok = l.str()
				}
				if !ok || seenSrc&bit != 0 {
					return false
				}
				seenSrc |= bit
				return true
			})
		}
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
		return true
	})
	l.ws()
	return ok && l.i == len(l.b)
}

// lexer reads the JSON decodeRecord accepts; every method reports false
// for what it does not, leaving the line to encoding/json.
type lexer struct {
	b []byte
	i int
}

func (l *lexer) ws() {
	for l.i < len(l.b) {
		switch l.b[l.i] {
		case ' ', '\t', '\n', '\r':
			l.i++
		default:
			return
		}
	}
}

func (l *lexer) next(c byte) bool {
	l.ws()
	if l.i < len(l.b) && l.b[l.i] == c {
		l.i++
		return true
	}
	return false
}

// object reads {"key": value, ...}, handing each key to field, which
// reads the value.
func (l *lexer) object(field func(key []byte) bool) bool {
	if !l.next('{') {
		return false
	}
	if l.next('}') {
		return true
	}
	for {
		key, ok := l.raw()
		if !ok || !l.next(':') || !field(key) {
			return false
		}
		if l.next('}') {
			return true
		}
		if !l.next(',') {
			return false
		}
	}
}

// raw reads a string without escapes and returns its bytes in place.
func (l *lexer) raw() ([]byte, bool) {
	if !l.next('"') {
		return nil, false
	}
	start := l.i
	for l.i < len(l.b) {
		switch c := l.b[l.i]; {
		case c == '"':
			l.i++
			return l.b[start : l.i-1], true
		case c == '\\' || c < 0x20:
			return nil, false
		}
		l.i++
	}
	return nil, false
}

// str reads a string. Of the escapes it takes only the one-letter ones;
// \u, with its surrogate pairs and replacement rules, is left to
// encoding/json.
func (l *lexer) str() (string, bool) {
	if !l.next('"') {
		return "", false
	}
	start := l.i
	for l.i < len(l.b) {
		switch c := l.b[l.i]; {
		case c == '"':
			l.i++
			return string(l.b[start : l.i-1]), true
		case c < 0x20:
			return "", false
		case c == '\\':
			return l.escaped(append([]byte(nil), l.b[start:l.i]...))
		}
		l.i++
	}
	return "", false
}

func (l *lexer) escaped(buf []byte) (string, bool) {
	for l.i < len(l.b) {
		c := l.b[l.i]
		switch {
		case c == '"':
			l.i++
			return string(buf), true
		case c < 0x20 || (c == '\\' && l.i+1 == len(l.b)):
			return "", false
		case c == '\\':
			switch e := l.b[l.i+1]; e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			default:
				return "", false
			}
			l.i += 2
			continue
		default:
			buf = append(buf, c)
		}
		l.i++
	}
	return "", false
}

// strs reads an array of strings; [] is an empty slice, not nil, as
// encoding/json makes it.
func (l *lexer) strs() ([]string, bool) {
	if !l.next('[') {
		return nil, false
	}
	out := []string{}
	if l.next(']') {
		return out, true
	}
	for {
		s, ok := l.str()
		if !ok {
			return nil, false
		}
		out = append(out, s)
		if l.next(']') {
			return out, true
		}
		if !l.next(',') {
			return nil, false
		}
	}
}

// int reads an integer written plainly: no fraction, exponent or leading
// zero, within int64.
func (l *lexer) int() (int64, bool) {
	l.ws()
	start := l.i
	if l.i < len(l.b) && l.b[l.i] == '-' {
		l.i++
	}
	digits := l.i
	for l.i < len(l.b) && l.b[l.i] >= '0' && l.b[l.i] <= '9' {
		l.i++
	}
	if l.i == digits || (l.b[digits] == '0' && l.i-digits > 1) {
		return 0, false
	}
	if l.i < len(l.b) && (l.b[l.i] == '.' || l.b[l.i] == 'e' || l.b[l.i] == 'E') {
		return 0, false
	}
	n, err := strconv.ParseInt(string(l.b[start:l.i]), 10, 64)
	return n, err == nil
}

func (l *lexer) bool() (bool, bool) {
	l.ws()
	switch rest := l.b[l.i:]; {
	case bytes.HasPrefix(rest, []byte("true")):
		l.i += 4
		return true, true
	case bytes.HasPrefix(rest, []byte("false")):
		l.i += 5
		return false, true
	}
	return false, false
}

// date reads a date string; a bad date is left to encoding/json and
// Date.UnmarshalJSON, for their error.
func (l *lexer) date() (Date, bool) {
	s, ok := l.str()
	if !ok {
		return Date{}, false
	}
	d, err := ParseDate(s)
	return d, err == nil
}
