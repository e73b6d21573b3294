package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

// program runs onrecord with args and stdin against a database in a temp
// dir, and returns what it wrote.
type program struct {
	t   *testing.T
	env map[string]string
}

func newProgram(t *testing.T) *program {
	return &program{t: t, env: map[string]string{"ONRECORD_DB": filepath.Join(t.TempDir(), "onrecord.db")}}
}

func (p *program) run(stdin string, args ...string) (stdout, stderr string, err error) {
	p.t.Helper()
	var out, errb bytes.Buffer
	err = run(context.Background(), args, func(k string) string { return p.env[k] }, stdio{strings.NewReader(stdin), &out, &errb})
	return out.String(), errb.String(), err
}

func (p *program) mustRun(stdin string, args ...string) string {
	p.t.Helper()
	out, errs, err := p.run(stdin, args...)
	if err != nil {
		p.t.Fatalf("onrecord %s: %v\n%s", strings.Join(args, " "), err, errs)
	}
	return out
}

func TestAskJSON(t *testing.T) {
	p := newProgram(t)
	out := p.mustRun("", "ask", "--json", "What did Lavrov say about peace proposals?")
	var got struct {
		Question string `json:"question"`
		Answers  []struct {
			ID          int64   `json:"id"`
			Speaker     string  `json:"speaker"`
			SpeakerRole string  `json:"speaker_role"`
			Text        string  `json:"text"`
			Kind        string  `json:"kind"`
			SaidOn      *string `json:"said_on"`
			Source      struct {
				Note string `json:"note"`
			} `json:"source"`
			Score float64 `json:"score"`
		} `json:"answers"`
		Related []json.RawMessage `json:"related"`
		Note    string            `json:"note"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	if len(got.Answers) == 0 || got.Answers[0].Speaker != "Sergey Lavrov" || got.Answers[0].Kind != "paraphrase" || got.Answers[0].Score <= 0 {
		t.Fatalf("got %+v, want Lavrov's paraphrase first", got)
	}
	if got.Answers[0].SpeakerRole != "Russian Foreign Minister" || got.Answers[0].Source.Note == "" || got.Related == nil {
		t.Errorf("attribution incomplete: %+v", got.Answers[0])
	}
}

func TestAskJSONLinesKeepsOrder(t *testing.T) {
	p := newProgram(t)
	in := "What did Ushakov say?\n\nTell me a joke\n" + strings.Repeat("x", 5000) + "\n\x00\xff binary\n"
	out := p.mustRun(in, "ask", "--json")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("got %d lines, want 4 (one per non-empty question):\n%s", len(lines), out)
	}
	var first, second, third map[string]any
	json.Unmarshal([]byte(lines[0]), &first)
	json.Unmarshal([]byte(lines[1]), &second)
	json.Unmarshal([]byte(lines[2]), &third)
	if n := len(first["answers"].([]any)); n == 0 {
		t.Errorf("Ushakov: no answers")
	}
	if n := len(second["answers"].([]any)); n != 0 {
		t.Errorf("a joke got %d answers, want none", n)
	}
	if !strings.Contains(third["note"].(string), "characters long") {
		t.Errorf("a huge question: note %q, want the length limit explained", third["note"])
	}
}

func TestImportExportRoundTrip(t *testing.T) {
	p := newProgram(t)
	seed := p.mustRun("", "export")
	q := newProgram(t)
	file := filepath.Join(t.TempDir(), "seed.jsonl")
	os.WriteFile(file, []byte(seed), 0o644)
	if out := q.mustRun("", "import", "--no-seed", file); !strings.Contains(out, "13 added") {
		t.Errorf("import said %q", out)
	}
	if out := q.mustRun(seed, "import", "-"); !strings.Contains(out, "0 added, 0 updated, 13 unchanged") {
		t.Errorf("second import said %q", out)
	}
	out := filepath.Join(t.TempDir(), "again.jsonl")
	q.mustRun("", "export", out)
	again, _ := os.ReadFile(out)
	if string(again) != seed {
		t.Error("export, import, export is not identical")
	}
}

func TestImportBadFileWritesNothing(t *testing.T) {
	p := newProgram(t)
	p.mustRun("", "export") // creates the seeded store
	bad := `{"speaker":"New Person","text":"fine"}` + "\n" + `{"speaker":"X","text":"y","said_on":"June 2024"}` + "\n"
	_, _, err := p.run(bad, "import", "-")
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("got %v, want an error naming line 2", err)
	}
	if out := p.mustRun("", "export"); strings.Contains(out, "New Person") {
		t.Error("a rejected import wrote its first line")
	}
}

func TestConsoleChat(t *testing.T) {
	p := newProgram(t)
	out := p.mustRun("/help\nWill the US back Zelensky if he negotiates?\n2\n/source 999\n/nosuch\n", "")
	for _, want := range []string{"Commands:", "Matthew Miller, US State Department spokesperson", "Topics:", "There is no statement #999.", "I don't know the command /nosuch"} {
		if !strings.Contains(out, want) {
			t.Errorf("console output lacks %q:\n%s", want, out)
		}
	}
}

func TestBackupAndUsage(t *testing.T) {
	p := newProgram(t)
	dst := filepath.Join(t.TempDir(), "copy.db")
	p.mustRun("", "backup", dst)
	if _, err := os.Stat(dst); err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.run("", "backup", dst); err == nil {
		t.Error("backup over an existing file succeeded")
	}
	if _, _, err := p.run("", "frobnicate"); exitCode(err) != 2 {
		t.Errorf("unknown command: %v, want a usage error", err)
	}
}

// After an import from the command line, the statistics a starting bot
// reads are saved for the store's new generation, so that its start does
// not count the whole index again.
func TestImportSavesStatsForTheNextStart(t *testing.T) {
	p := newProgram(t)
	p.mustRun("", "export") // creates the seeded store
	p.mustRun(`{"speaker":"New Person","text":"A statement about harbour tariffs"}`+"\n", "import", "-")
	db, err := sql.Open("sqlite", "file:"+p.env["ONRECORD_DB"]+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var gen int64
	if err := db.QueryRow(`SELECT value FROM meta WHERE key = 'generation'`).Scan(&gen); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT name FROM stats WHERE generation = ?`, gen)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	saved := map[string]bool{}
	for rows.Next() {
		var name string
		rows.Scan(&name)
		saved[name] = true
	}
	if !saved["vocabulary"] || !saved["speakers"] {
		t.Errorf("statistics saved for generation %d: %v, want vocabulary and speakers", gen, saved)
	}
}

// TestOptimizeMergesWhatImportsLeft: small imports (the seed set, a line)
// leave their full-text rows unmerged, counted in meta, and optimize
// merges them; the statement is still found.
func TestOptimizeMergesWhatImportsLeft(t *testing.T) {
	p := newProgram(t)
	p.mustRun(`{"speaker":"New Person","text":"A statement about harbour tariffs"}`+"\n", "import", "-")
	unmerged := func() (n int64) {
		t.Helper()
		db, err := sql.Open("sqlite", "file:"+p.env["ONRECORD_DB"]+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		err = db.QueryRow(`SELECT COALESCE((SELECT value FROM meta WHERE key = 'unmerged'), 0)`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := unmerged(); n < 1 {
		t.Fatalf("after a one-line import, %d statements unmerged, want it counted", n)
	}
	if out := p.mustRun("", "optimize"); !strings.Contains(out, "merged") {
		t.Errorf("optimize said %q", out)
	}
	if n := unmerged(); n != 0 {
		t.Errorf("after optimize, %d statements unmerged, want 0", n)
	}
	if out := p.mustRun("", "ask", "What did New Person say about harbour tariffs?"); !strings.Contains(out, "harbour tariffs") {
		t.Errorf("ask after optimize: %q", out)
	}
	if _, _, err := p.run("", "optimize", "now"); exitCode(err) != 2 {
		t.Errorf("optimize with an argument: %v, want a usage error", err)
	}
}

// TestMemoryLimit: the Go heap's soft limit is memoryLimit unless
// GOMEMLIMIT sets one, which the runtime has then applied itself.
func TestMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	for _, tc := range []struct {
		env  string
		want int64
	}{{"", memoryLimit}, {"1GiB", 12345 << 20}} {
		debug.SetMemoryLimit(12345 << 20)
		getenv := func(k string) string {
			if k == "GOMEMLIMIT" {
				return tc.env
			}
			return ""
		}
		var out bytes.Buffer
		if err := run(context.Background(), []string{"version"}, getenv, stdio{strings.NewReader(""), &out, &out}); err != nil {
			t.Fatal(err)
		}
		if got := debug.SetMemoryLimit(-1); got != tc.want {
			t.Errorf("GOMEMLIMIT=%q: limit %d, want %d", tc.env, got, tc.want)
		}
	}
}

// A store that fails underneath an import (here a trigger stands for a
// failing disk) tells the operator the cause, not an apology.
func TestImportFailureShowsTheCause(t *testing.T) {
	p := newProgram(t)
	p.mustRun("", "export") // creates the seeded store
	raw, err := sql.Open("sqlite", p.env["ONRECORD_DB"])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`CREATE TRIGGER fail BEFORE INSERT ON statements BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	_, _, err = p.run(`{"speaker":"New Person","text":"fine"}`+"\n", "import", "-")
	if err == nil || !strings.Contains(err.Error(), "disk on fire") || strings.Contains(err.Error(), "went wrong on our side") {
		t.Fatalf("got %v, want the cause and no apology", err)
	}
}
