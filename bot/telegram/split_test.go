package telegram

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestSplitHTML(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		limit int
		want  []string
	}{
		{"fits", "<b>short</b>", 10, []string{"<b>short</b>"}},
		{"paragraphs first", "aaa\nbbb\n\nccc", 9, []string{"aaa\nbbb", "ccc"}},
		{"then lines", "aaa\nbbb ccc", 9, []string{"aaa", "bbb ccc"}},
		{"then words", "aaa bbb ccc", 8, []string{"aaa bbb", "ccc"}},
		{"then characters", "abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"tags closed and reopened", "<b>aaaa bbbb</b>", 5, []string{"<b>aaaa</b>", "<b>bbbb</b>"}},
		{"nested tags", "<b><i>aa bb</i> cc</b>", 3, []string{"<b><i>aa</i></b>", "<b><i>bb</i></b>", "<b>cc</b>"}},
		{"link keeps its href", `<a href="https://x.example/?a=1&amp;b=2">one two</a>`, 4,
			[]string{`<a href="https://x.example/?a=1&amp;b=2">one</a>`, `<a href="https://x.example/?a=1&amp;b=2">two</a>`}},
		{"entities are one character", "&amp;&amp;&amp;", 2, []string{"&amp;&amp;", "&amp;"}},
		{"surrogate pairs stay whole", "😀😀😀", 3, []string{"😀", "😀", "😀"}},
		{"blockquote paragraphs", "<blockquote>p1\n\np2</blockquote>", 3, []string{"<blockquote>p1</blockquote>", "<blockquote>p2</blockquote>"}},
		{"no empty element at a cut", "aaaa <b>bbbb</b>", 4, []string{"aaaa", "<b>bbbb</b>"}},
		{"whitespace-only parts dropped", "aa\n\n\n\n\n\nbb", 3, []string{"aa", "bb"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := splitHTML(tt.in, tt.limit)
			if !slices.Equal(got, tt.want) {
				t.Errorf("splitHTML(%q, %d) =\n%q\nwant\n%q", tt.in, tt.limit, got, tt.want)
			}
		})
	}
}

// TestSplitHTMLProperties splits rendered replies of random sizes at
// random limits: every part must fit, be well formed and the parts
// together must show the whole text.
func TestSplitHTMLProperties(t *testing.T) {
	spec := loadSpec(t)
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"peace", "мир", "🕊️", "<talks>", "&", `"quoted"`, "Zelensky", "\n", "\n\n", "переговоры", "👋🏽"}
	for i := 0; i < 300; i++ {
		var b strings.Builder
		for n := rng.IntN(400); n > 0; n-- {
			b.WriteString(words[rng.IntN(len(words))])
			b.WriteByte(' ')
		}
		in := "<b>" + escapeText(b.String()) + "</b>\n\n<blockquote>" + escapeText(b.String()) + `</blockquote><a href="https://e.example/?q=1&amp;r=2">` + escapeText(words[rng.IntN(len(words))]) + "</a>"
		limit := 2 + rng.IntN(300)
		parts := splitHTML(in, limit)
		var shown []string
		for _, p := range parts {
			if n := visibleLen(p); n > limit || n == 0 {
				t.Fatalf("part of %d characters (limit %d): %q", n, limit, p)
			}
			vis, ok := htmlVisible(p)
			if !ok {
				t.Fatalf("part is not well formed: %q", p)
			}
			if spec != nil {
				if _, problems := spec.checkHTML(p); len(problems) > 0 {
					t.Fatalf("part %q breaks the formatting rules: %v", p, problems)
				}
			}
			shown = append(shown, vis)
		}
		whole, _ := htmlVisible(in)
		if got, want := strings.Join(strings.Fields(strings.Join(shown, " ")), ""), strings.Join(strings.Fields(whole), ""); got != want {
			t.Fatalf("limit %d: parts show\n%q\nwant\n%q", limit, got, want)
		}
	}
}
