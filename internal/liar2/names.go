package liar2

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxRole is the longest speaker_role Role returns, in characters.
const MaxRole = 120

// SpeakerName restores the casing of a corpus speaker name, which LIAR2
// gives in lower case. The rule, in order:
//
//  1. When the speaker's description contains the name (whole words, any
//     case) with at least one capital letter, that spelling wins: it is
//     how PolitiFact wrote it ("concerned veterans for america" →
//     "Concerned Veterans for America", "workers' voice" → "Workers' Voice").
//  2. Collective speakers, whose last word is a common noun such as
//     "posts", "image" or "bloggers", are sentence-cased: "facebook posts"
//     → "Facebook posts", "viral image" → "Viral image". A later word keeps
//     the description's spelling only when it is mixed case ("tiktok
//     posts" → "TikTok posts").
//  3. Otherwise each word is cased on its own: as the description spells
//     it when it appears there with a capital letter ("rob woodall" →
//     "Rob Woodall", "afscme" → "AFSCME"); short function words after the
//     first ("of", "for", "and", "the", ...) stay lower case; known
//     acronyms are upper-cased ("aclu", "afl-cio", "gop"); web addresses
//     ("moveon.org") stay lower case; two or three consonants are
//     initials ("jb" → "JB"); anything else gets a capital after
//     every hyphen and initial's dot, Irish "o'"/"d'" prefixes and "Mc"
//     ("beto o'rourke" → "Beto O'Rourke", "j.b." → "J.B.", "mccain" →
//     "McCain").
func SpeakerName(name, description string) string {
	name = clean(name)
	if name == "" {
		return ""
	}
	if form, ok := findFold(description, name); ok && hasUpper(form) {
		return form
	}
	words := strings.Split(name, " ")
	collective := len(words) > 0 && collectiveNouns[strings.ToLower(words[len(words)-1])]
	for i, w := range words {
		lw := strings.ToLower(w)
		form, found := findFold(description, w)
		found = found && hasUpper(form)
		switch {
		case i > 0 && collective:
			if found && mixedCase(form) {
				words[i] = form
			} else {
				words[i] = lw
			}
		case i > 0 && smallWords[lw]:
			words[i] = lw
		case found:
			words[i] = form
		default:
			words[i] = capWord(w)
		}
	}
	return strings.Join(words, " ")
}

// collectiveNouns end the names of speakers that are not one person or
// body but a kind of post or poster.
var collectiveNouns = map[string]bool{
	"posts": true, "post": true, "videos": true, "video": true, "image": true,
	"images": true, "email": true, "emails": true, "tweets": true, "tweet": true,
	"bloggers": true, "blogger": true, "memes": true, "meme": true,
	"caller": true, "callers": true, "users": true, "messages": true,
	"message": true, "letters": true, "letter": true, "ads": true, "websites": true,
	"website": true, "stories": true, "story": true, "claims": true, "texts": true,
}

// smallWords stay lower case inside a name.
var smallWords = map[string]bool{
	"a": true, "an": true, "and": true, "as": true, "at": true, "by": true,
	"for": true, "from": true, "in": true, "of": true, "on": true, "or": true,
	"the": true, "to": true, "with": true, "de": true, "la": true, "van": true,
	"von": true, "der": true, "del": true,
}

// acronyms are upper-cased wherever they occur in a name.
var acronyms = map[string]bool{
	"aclu": true, "afl-cio": true, "afscme": true, "nra": true, "nrcc": true,
	"dccc": true, "dscc": true, "nrsc": true, "gop": true, "pac": true,
	"cnn": true, "msnbc": true, "abc": true, "cbs": true, "nbc": true,
	"npr": true, "aarp": true, "naacp": true, "seiu": true, "ufcw": true,
	"usa": true, "fbi": true, "cia": true, "irs": true, "epa": true,
	"cdc": true, "nasa": true, "ii": true, "iii": true, "iv": true,
	"nc": true, "nh": true, "nj": true, "ny": true, "dc": true, "gopac": true,
	"llc": true, "nfib": true, "aft": true, "nea": true, "aflcio": true,
}

// capWord capitalizes one word of a name by the rules SpeakerName lists.
func capWord(w string) string {
	core := strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' })
	if acronyms[strings.ToLower(core)] {
		return strings.Replace(w, core, strings.ToUpper(core), 1)
	}
	if isDomain(w) {
		return w
	}
	if initials(core) {
		return strings.Replace(w, core, strings.ToUpper(core), 1)
	}
	rs := []rune(strings.ToLower(w))
	up := true // capitalize the next letter
	for i, r := range rs {
		if !unicode.IsLetter(r) {
			// A letter after a hyphen or an initial's dot starts a new
			// part; after "o'" or "d'" at the start of a part, too.
			switch r {
			case '-', '.', '(', '"', '“':
				up = true
			case '\'', '’':
				if i == 0 {
					break // a leading quote: the next letter is still first
				}
				up = false
				if i == 1 || !unicode.IsLetter(rs[i-2]) {
					prev := unicode.ToLower(rs[i-1])
					up = prev == 'o' || prev == 'd'
				}
			}
			continue
		}
		if up {
			rs[i] = unicode.ToUpper(r)
			up = false
			// "mc" followed by at least two letters: McCain, McAuliffe.
			if r == 'm' && i+3 < len(rs) && rs[i+1] == 'c' && unicode.IsLetter(rs[i+2]) && unicode.IsLetter(rs[i+3]) && (i == 0 || !unicode.IsLetter(rs[i-1])) {
				rs[i+2] = unicode.ToUpper(rs[i+2])
			}
		}
	}
	return string(rs)
}

// initials reports whether w is two or three letters without a vowel that
// are not a known abbreviation ("jb", "tj"): a person's initials.
func initials(w string) bool {
	lw := strings.ToLower(w)
	if len(lw) < 2 || len(lw) > 3 || abbreviations[lw] {
		return false
	}
	for _, r := range lw {
		if r < 'a' || r > 'z' || strings.ContainsRune("aeiouy", r) {
			return false
		}
	}
	return true
}

// isDomain reports whether w looks like a web address: labels of letters,
// digits and hyphens joined by dots, the last one at least two letters.
func isDomain(w string) bool {
	labels := strings.Split(strings.ToLower(w), ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" {
			return false
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	last := labels[len(labels)-1]
	return len(last) >= 2 && len(labels[0]) >= 2
}

// findFold finds needle in hay as whole words, ignoring case, and returns
// hay's spelling of it.
func findFold(hay, needle string) (string, bool) {
	if needle == "" || len(needle) > len(hay) {
		return "", false
	}
	for i := 0; i+len(needle) <= len(hay); {
		cand := hay[i : i+len(needle)]
		if strings.EqualFold(cand, needle) && boundary(hay, i, i+len(needle)) {
			return cand, true
		}
		_, size := utf8.DecodeRuneInString(hay[i:])
		i += size
	}
	return "", false
}

// boundary reports whether hay[i:j] is not part of a longer word.
func boundary(hay string, i, j int) bool {
	if i > 0 {
		r, _ := utf8.DecodeLastRuneInString(hay[:i])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	if j < len(hay) {
		r, _ := utf8.DecodeRuneInString(hay[j:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

func hasUpper(s string) bool { return strings.ContainsFunc(s, unicode.IsUpper) }

// mixedCase reports whether s has a capital letter after its first rune.
func mixedCase(s string) bool {
	_, size := utf8.DecodeRuneInString(s)
	return hasUpper(s[size:])
}

// Role derives a short role from a speaker description: its first
// sentence, without a leading "<name> is a" / "<surname> was the" /
// "The <name> is an" (so
// "Barack Obama is the former president of the United States. ..."
// gives "Former president of the United States"), without the final
// period, and cut at a word boundary with "…" when longer than MaxRole
// characters. An empty description gives an empty role.
func Role(name, description string) string {
	s := FirstSentence(clean(description))
	s = strings.TrimRight(s, ". ")
	s = stripSubject(s, name)
	return shorten(s, MaxRole)
}

// stripSubject removes a leading "<name or surname> is|was [a|an|the]".
func stripSubject(s, name string) string {
	subjects := []string{name, "The " + name}
	if i := strings.LastIndexByte(name, ' '); i >= 0 {
		subjects = append(subjects, name[i+1:])
	}
	for _, subj := range subjects {
		if len(s) <= len(subj) || !strings.EqualFold(s[:len(subj)], subj) {
			continue
		}
		rest := s[len(subj):]
		var ok bool
		for _, verb := range []string{" is ", " was "} {
			if r, found := strings.CutPrefix(rest, verb); found {
				rest, ok = r, true
				break
			}
		}
		if !ok {
			continue
		}
		for _, art := range []string{"a ", "an ", "the "} {
			if r, found := strings.CutPrefix(rest, art); found {
				rest = r
				break
			}
		}
		if rest == "" {
			return s
		}
		r, size := utf8.DecodeRuneInString(rest)
		return string(unicode.ToUpper(r)) + rest[size:]
	}
	return s
}

// abbreviations end in a period that does not end a sentence.
var abbreviations = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "rep": true, "reps": true,
	"sen": true, "sens": true, "gov": true, "lt": true, "gen": true, "col": true,
	"maj": true, "sgt": true, "capt": true, "st": true, "jr": true, "sr": true,
	"inc": true, "co": true, "corp": true, "ltd": true, "no": true, "vs": true,
	"etc": true, "rev": true, "prof": true, "hon": true, "pres": true,
	"atty": true, "dept": true, "univ": true, "assn": true, "ave": true,
	"mt": true, "ft": true, "jan": true, "feb": true, "mar": true, "apr": true,
	"jun": true, "jul": true, "aug": true, "sep": true, "sept": true, "oct": true,
	"nov": true, "dec": true, "cmdr": true, "adm": true, "supt": true, "del": true,
}

// FirstSentence returns s up to and including the first period, question
// or exclamation mark that ends a sentence: one followed by a space and a
// capital letter, digit or quote, and not closing an abbreviation such as
// "U.S.", "Rep." or an initial.
func FirstSentence(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '.' && c != '!' && c != '?' {
			continue
		}
		if i+2 > len(s) || s[i+1] != ' ' {
			continue
		}
		next, _ := utf8.DecodeRuneInString(s[i+2:])
		if !unicode.IsUpper(next) && !unicode.IsDigit(next) && !isQuote(next) {
			continue
		}
		if c == '.' {
			start := strings.LastIndexByte(s[:i], ' ') + 1
			word := strings.Trim(s[start:i], "(\"“")
			if utf8.RuneCountInString(word) == 1 || strings.Contains(word, ".") || abbreviations[strings.ToLower(word)] {
				continue
			}
		}
		return s[:i+1]
	}
	return s
}

// shorten cuts s to at most max runes at a word boundary, marking the cut
// with "…".
func shorten(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	rs := []rune(s)[:max-1]
	cut := len(rs)
	for i := len(rs) - 1; i > max/2; i-- {
		if rs[i] == ' ' {
			cut = i
			break
		}
	}
	return strings.TrimRight(string(rs[:cut]), " ,;:-—") + "…"
}
