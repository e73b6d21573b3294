package liar2

import (
	"bufio"
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/onrecord/onrecord/answers"
	"github.com/onrecord/onrecord/internal/sharedtest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// checkLines decodes every line strictly and checks what every converted
// statement must have. It returns the decoded lines.
func checkLines(t *testing.T, data []byte) []answers.Record {
	t.Helper()
	var out []answers.Record
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for i := 1; sc.Scan(); i++ {
		// The store's own parser: strict schema, validation included.
		l, err := answers.ParseRecord(sc.Bytes())
		if err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if l.Speaker == "" || l.Text == "" {
			t.Errorf("line %d: speaker %q, text %q: both are required", i, l.Speaker, l.Text)
		}
		if l.ID != 0 {
			t.Errorf("line %d: id %d written; converted lines must not carry ids", i, l.ID)
		}
		if !l.Kind.Valid() {
			t.Errorf("line %d: kind %q", i, l.Kind)
		}
		if l.SaidOn.Day == 0 {
			t.Errorf("line %d: said_on %q is not a day", i, l.SaidOn)
		}
		if n := len([]rune(l.SpeakerRole)); n > MaxRole {
			t.Errorf("line %d: role has %d characters, over %d", i, n, MaxRole)
		}
		if l.Source.Outlet != "PolitiFact" || !strings.HasPrefix(l.Source.Note, "LIAR2 dataset, PolitiFact fact-check ") || l.Source.URL != "" {
			t.Errorf("line %d: source %+v", i, l.Source)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestConvertGolden(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "sample.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var buf bytes.Buffer
	n, err := Convert(f, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != 6 {
		t.Errorf("Convert wrote %d lines, want 6", n)
	}
	checkLines(t, buf.Bytes())
	golden := filepath.Join("testdata", "sample.jsonl")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != string(want) {
		t.Errorf("Convert output differs from %s (run with -update to accept):\ngot:\n%s\nwant:\n%s", golden, got, want)
	}
}

func TestConvertDeterministic(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "sample.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	if _, err := Convert(bytes.NewReader(data), &a); err != nil {
		t.Fatal(err)
	}
	if _, err := Convert(bytes.NewReader(data), &b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two conversions of the same input differ")
	}
}

func TestConvertErrors(t *testing.T) {
	const header = "id,label,statement,date,subject,speaker,speaker_description,context\n"
	tests := []struct {
		name, csv, want string
	}{
		{"empty", "", "no header"},
		{"missing column", "id,statement,date\n1,x,y\n", `no "subject" column`},
		{"short row", header + "1,0,text,\"July 1, 2020\",a,b,c\n", "wrong number of fields"},
		{"no speaker", header + "7,0,text,\"July 1, 2020\",a, ,c,d\n", "id 7): no speaker"},
		{"no statement", header + "8,0,\"  \",\"July 1, 2020\",a,bob,c,d\n", "no statement"},
		{"bad date", header + "9,0,text,2020-07-01,a,bob,c,d\n", `date "2020-07-01"`},
		{"bad quoting", header + "10,0,\"unclosed,\"July 1, 2020\",a,bob,c,d\n", "liar2:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			_, err := Convert(strings.NewReader(tt.csv), &buf)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Convert error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestSpeakerName(t *testing.T) {
	tests := []struct{ name, desc, want string }{
		{"barack obama", "Barack Obama is the former president of the United States.", "Barack Obama"},
		{"barack obama", "", "Barack Obama"},
		{"concerned veterans for america", "Concerned Veterans for America is a nonprofit.", "Concerned Veterans for America"},
		{"facebook posts", "Posters on Facebook and other social media networks.", "Facebook posts"},
		{"viral image", "Graphics shared on social media.", "Viral image"},
		{"tiktok posts", "Posts on the video-sharing platform TikTok.", "TikTok posts"},
		{"bloggers", "Blog posting on the Internet", "Bloggers"},
		{"beto o'rourke", "", "Beto O'Rourke"},
		{"john mccain", "", "John McCain"},
		{"mario diaz-balart", "", "Mario Diaz-Balart"},
		{"jb pritzker", "J.B. Pritzker is Illinois' 43rd governor.", "JB Pritzker"},
		{"j.b. smith", "", "J.B. Smith"},
		{"rhode island aclu", "The Rhode Island American Civil Liberties Union", "Rhode Island ACLU"},
		{"republican party of wisconsin", "The Wisconsin Republican Party works", "Republican Party of Wisconsin"},
		{"moveon.org", "", "moveon.org"},
		{"rob woodall", "Rod Woodall, a Republican, is the U.S. Representative", "Rob Woodall"},
		{"  dinesh d'souza ", "", "Dinesh D'Souza"},
		{"ed mack", "", "Ed Mack"},
		{"'buddy' o'neil", "", "'Buddy' O'Neil"},
		{"'", "", "'"},
		{"a c wharton", "", "A C Wharton"},
	}
	for _, tt := range tests {
		if got := SpeakerName(tt.name, tt.desc); got != tt.want {
			t.Errorf("SpeakerName(%q, %q) = %q, want %q", tt.name, tt.desc, got, tt.want)
		}
	}
}

func TestRole(t *testing.T) {
	long := "Founder of a group that " + strings.Repeat("works very hard on many things ", 6) + "in the state."
	tests := []struct{ name, desc, want string }{
		{"Barack Obama", "Barack Obama is the former president of the United States. He was born in 1961.", "Former president of the United States"},
		{"Club for Growth", "The Club for Growth is an anti-tax group. It was founded in 1999.", "Anti-tax group"},
		{"Ana Ruiz", "U.S. Rep. Ana Ruiz, R-Texas, represents the 40th District. She is a lawyer.", "U.S. Rep. Ana Ruiz, R-Texas, represents the 40th District"},
		{"Jim Kenney", "Mayor of Philadelphia and former City Councilman", "Mayor of Philadelphia and former City Councilman"},
		{"X", "", ""},
		{"Y", "   ", ""},
		{"Z", "Dr. Z. Smith works at St. Mary's. He lives in Ohio.", "Dr. Z. Smith works at St. Mary's"},
		{"Ann Lee", "Lee was elected in Jan. 2011 to the state Senate. She sits on two committees.", "Elected in Jan. 2011 to the state Senate"},
		{"W", long, "Founder of a group that works very hard on many things works very hard on many things works very hard on many things…"},
	}
	for _, tt := range tests {
		got := Role(tt.name, tt.desc)
		if got != tt.want {
			t.Errorf("Role(%q, %q) = %q, want %q", tt.name, tt.desc, got, tt.want)
		}
		if n := len([]rune(got)); n > MaxRole {
			t.Errorf("Role(%q) has %d characters, over %d", tt.name, n, MaxRole)
		}
	}
}

func TestTextAndKind(t *testing.T) {
	tests := []struct {
		in, text string
		kind     answers.Kind
	}{
		{"  Says\u00a0the  tax rose.\n", "Says the tax rose.", answers.Paraphrase},
		{"Say a video shows a shark.", "Say a video shows a shark.", answers.Paraphrase},
		{"Says, \"We won.", "Says, \"We won.", answers.Paraphrase},
		{"Sayshell is a town.", "Sayshell is a town.", answers.Quote},
		{"\"We will win.\"", "We will win.", answers.Quote},
		{"“We will win.”", "We will win.", answers.Quote},
		{"\"We\" won and \"they\" lost.", "\"We\" won and \"they\" lost.", answers.Quote},
		{"Obama is \"the only one.", "Obama is \"the only one.", answers.Quote},
		{"\"", "\"", answers.Quote},
	}
	for _, tt := range tests {
		text := Text(tt.in)
		if text != tt.text {
			t.Errorf("Text(%q) = %q, want %q", tt.in, text, tt.text)
		}
		if k := KindOf(text); k != tt.kind {
			t.Errorf("KindOf(%q) = %q, want %q", text, k, tt.kind)
		}
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"July 28, 2022", "2022-07-28"},
		{"April 6, 2008", "2008-04-06"},
		{"Sep 9, 2019", "2019-09-09"},
	}
	for _, tt := range tests {
		d, err := ParseDate(tt.in)
		if err != nil || d.String() != tt.want {
			t.Errorf("ParseDate(%q) = %v, %v; want %s", tt.in, d, err, tt.want)
		}
	}
	for _, bad := range []string{"2022-07-28", "February 30, 2021", "July 2022", "soon"} {
		if _, err := ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) succeeded, want an error", bad)
		}
	}
}

func TestTopics(t *testing.T) {
	got := strings.Join(Topics(" jobs; economy;;jobs ;message machine 2012;"), "|")
	if want := "jobs|economy|message machine 2012"; got != want {
		t.Errorf("Topics = %q, want %q", got, want)
	}
	if Topics("") != nil {
		t.Error("Topics(\"\") is not empty")
	}
}

// sharedDir returns shared/corpora/liar2 beside the checkout, or skips.
func sharedDir(t *testing.T) string { return sharedtest.Require(t, "corpora/liar2") }

func TestConvertCorpus(t *testing.T) {
	dir := sharedDir(t)
	var buf bytes.Buffer
	n, err := ConvertFiles(dir, &buf)
	if err != nil {
		t.Fatal(err)
	}
	const want = 4593
	if n != want {
		t.Errorf("ConvertFiles wrote %d statements, want %d", n, want)
	}
	lines := checkLines(t, buf.Bytes())
	if len(lines) != n {
		t.Errorf("output has %d lines, ConvertFiles reported %d", len(lines), n)
	}
	// One spelling per speaker, whatever the row.
	spelled := map[string]string{}
	for _, l := range lines {
		k := strings.ToLower(l.Speaker)
		if s, ok := spelled[k]; ok && s != l.Speaker {
			t.Errorf("speaker spelled both %q and %q", s, l.Speaker)
		}
		spelled[k] = l.Speaker
	}
	for _, name := range []string{"Barack Obama", "Donald Trump", "Facebook posts"} {
		if _, ok := spelled[strings.ToLower(name)]; !ok {
			t.Errorf("no speaker %q in the converted corpus", name)
		} else if spelled[strings.ToLower(name)] != name {
			t.Errorf("speaker spelled %q, want %q", spelled[strings.ToLower(name)], name)
		}
	}
	var again bytes.Buffer
	if _, err := ConvertFiles(dir, &again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("converting the corpus twice gave different output")
	}
}

func TestConvertFilesMissing(t *testing.T) {
	if _, err := ConvertFiles(t.TempDir(), &bytes.Buffer{}); err == nil {
		t.Error("ConvertFiles on an empty directory succeeded")
	}
}
