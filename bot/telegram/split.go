package telegram

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// htmlToken is one unit of a Telegram HTML text: a tag, an entity or a
// rune. Splitting happens only between tokens, so an entity or a tag is
// never cut in half.
type htmlToken struct {
	raw  string
	vis  int // UTF-16 code units it shows as: Telegram's unit for lengths
	tag  int // 0 text, +1 opening tag, -1 closing tag
	name string
}

func tokenizeHTML(s string) []htmlToken {
	var toks []htmlToken
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			if end := strings.IndexByte(s[i:], '>'); end > 0 {
				raw := s[i : i+end+1]
				inner := strings.TrimSuffix(strings.TrimPrefix(raw, "<"), ">")
				kind := 1
				if strings.HasPrefix(inner, "/") {
					kind, inner = -1, inner[1:]
				}
				name := inner
				if sp := strings.IndexAny(name, " \t\n"); sp >= 0 {
					name = name[:sp]
				}
				toks = append(toks, htmlToken{raw: raw, tag: kind, name: strings.ToLower(name)})
				i += end + 1
				continue
			}
		case '&':
			if end := strings.IndexByte(s[i:], ';'); end > 1 && end <= 12 {
				raw := s[i : i+end+1]
				toks = append(toks, htmlToken{raw: raw, vis: entityWidth(raw)})
				i += end + 1
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		w := 1
		if r > 0xFFFF {
			w = 2
		}
		toks = append(toks, htmlToken{raw: s[i : i+size], vis: w})
		i += size
	}
	return toks
}

// entityWidth is how many UTF-16 units an entity such as &amp; or &#128512;
// shows as.
func entityWidth(raw string) int {
	body := strings.TrimSuffix(strings.TrimPrefix(raw, "&"), ";")
	if strings.HasPrefix(body, "#") {
		var n int64
		var err error
		if strings.HasPrefix(body, "#x") || strings.HasPrefix(body, "#X") {
			n, err = strconv.ParseInt(body[2:], 16, 32)
		} else {
			n, err = strconv.ParseInt(body[1:], 10, 32)
		}
		if err == nil && n > 0xFFFF {
			return 2
		}
	}
	return 1
}

// visibleLen is the length Telegram checks against its limits: the text
// after entity parsing, in UTF-16 code units.
func visibleLen(html string) int {
	n := 0
	for _, t := range tokenizeHTML(html) {
		n += t.vis
	}
	return n
}

// splitHTML cuts an HTML text into parts of at most limit visible
// characters. It cuts at a paragraph break if it can, else at a line
// break, else at a space, else between characters, and keeps every part
// well formed: tags open at a cut are closed at the end of the part and
// reopened, attributes and all, at the start of the next.
func splitHTML(s string, limit int) []string {
	toks := tokenizeHTML(s)
	total := 0
	for _, t := range toks {
		total += t.vis
	}
	if total <= limit {
		return []string{s}
	}
	var parts []string
	var open []htmlToken // tags open where the current part starts
	for i := 0; i < len(toks); {
		vis, j := 0, i
		for j < len(toks) && vis+toks[j].vis <= limit {
			vis += toks[j].vis
			j++
		}
		cut, resume := j, j
		if j < len(toks) {
			cut, resume = breakPoint(toks, i, j)
		}
		var b strings.Builder
		for _, t := range open {
			b.WriteString(t.raw)
		}
		shown := false
		for _, t := range toks[i:cut] {
			b.WriteString(t.raw)
			switch t.tag {
			case 1:
				open = append(open, t)
			case -1:
				for k := len(open) - 1; k >= 0; k-- {
					if open[k].name == t.name {
						open = append(open[:k], open[k+1:]...)
						break
					}
				}
			default:
				if strings.TrimSpace(t.raw) != "" {
					shown = true
				}
			}
		}
		for k := len(open) - 1; k >= 0; k-- {
			b.WriteString("</" + open[k].name + ">")
		}
		if shown {
			parts = append(parts, b.String())
		}
		i = resume
	}
	return parts
}

// breakPoint chooses where to end a part that starts at token i and may run
// to token j (exclusive): it returns the cut (the part is toks[i:cut]) and
// where the next part resumes, skipping the whitespace cut at.
func breakPoint(toks []htmlToken, i, j int) (cut, resume int) {
	isText := func(k int, s string) bool { return k < len(toks) && toks[k].tag == 0 && toks[k].raw == s }
	hasText := func(end int) bool {
		for _, t := range toks[i:end] {
			if t.tag == 0 && strings.TrimSpace(t.raw) != "" {
				return true
			}
		}
		return false
	}
	skip := func(k int) int {
		for k < len(toks) && toks[k].tag == 0 && strings.TrimSpace(toks[k].raw) == "" {
			k++
		}
		return k
	}
	// Paragraphs, then lines, then words: the latest break of the best
	// kind that leaves something in this part.
	for _, level := range []func(k int) bool{
		func(k int) bool { return isText(k, "\n") && isText(k+1, "\n") },
		func(k int) bool { return isText(k, "\n") },
		func(k int) bool { return isText(k, " ") },
	} {
		for k := j; k > i; k-- {
			if level(k) && hasText(k) {
				if c := trimOpenTags(toks, i, k); c < k {
					return c, c // the moved tags start the next part
				}
				cut := k
				for cut > i+1 && toks[cut-1].tag == 0 && strings.TrimSpace(toks[cut-1].raw) == "" {
					cut-- // the break may sit inside a run of blank lines
				}
				return cut, skip(k)
			}
		}
	}
	c := trimOpenTags(toks, i, j)
	return c, c
}

// trimOpenTags moves a cut back before tags opened just before it, so that
// no part ends in an empty element.
func trimOpenTags(toks []htmlToken, i, cut int) int {
	for cut > i+1 && toks[cut-1].tag == 1 {
		cut--
	}
	return cut
}
