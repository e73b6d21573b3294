package bot

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/onrecord/onrecord/answers"
)

// The wording below is shared by every platform so that a statement reads
// the same everywhere; adapters add only their markup.

// ParaphraseLabel marks reported speech.
const ParaphraseLabel = "paraphrase (reported speech)"

// Attribution is "Speaker, Role" for a statement.
func Attribution(st answers.Statement) string {
	if st.SpeakerRole == "" {
		return st.Speaker
	}
	return st.Speaker + ", " + st.SpeakerRole
}

// When says when a statement was made, in words, or "" when unknown.
func When(st answers.Statement) string {
	d := st.SaidOn.Human()
	switch {
	case d != "" && st.SaidWhen != "":
		return d + " (" + st.SaidWhen + ")"
	case d != "":
		return d
	}
	return st.SaidWhen
}

// SourceLabel is the source as one line of plain text, without the URL:
// outlet and title, or the note saying what is known.
func SourceLabel(src answers.Source) string {
	var parts []string
	if src.Outlet != "" {
		parts = append(parts, src.Outlet)
	}
	if src.Title != "" {
		parts = append(parts, "\u201c"+src.Title+"\u201d")
	}
	if d := src.PublishedOn.Human(); d != "" {
		parts = append(parts, "published "+d)
	}
	if len(parts) == 0 {
		if src.Note != "" {
			return src.Note
		}
		if src.URL != "" {
			return src.URL
		}
		return "source not recorded"
	}
	return strings.Join(parts, ", ")
}

// Meta is the line under a quote: kind, date and id, in plain text.
func Meta(st answers.Statement) string {
	var parts []string
	if st.Kind == answers.Paraphrase {
		parts = append(parts, ParaphraseLabel)
	}
	if w := When(st); w != "" {
		parts = append(parts, w)
	}
	parts = append(parts, fmt.Sprintf("#%d", st.ID))
	return strings.Join(parts, " \u00b7 ")
}

// Truncate shortens s to at most n characters, ending with an ellipsis
// when it cut.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "\u2026"
}
