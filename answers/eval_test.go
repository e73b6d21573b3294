package answers_test

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/onrecord/onrecord/answers"
	"github.com/onrecord/onrecord/data"
	"github.com/onrecord/onrecord/internal/liar2"
	"github.com/onrecord/onrecord/internal/sharedtest"
	"github.com/onrecord/onrecord/store"
)

var verbose = flag.Bool("eval.v", false, "print every evaluation question and its top answer")

// evalCase is one line of an evaluation file: a question and the
// statements that answer it, or "none".
type evalCase struct {
	Q      string          `json:"q"`
	Expect json.RawMessage `json:"expect"`
	want   []expectation
	none   bool
}

type expectation struct {
	Speaker string   `json:"speaker"`
	Any     []string `json:"any"`
}

func readEval(t testing.TB, path string) []evalCase {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []evalCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var c evalCase
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if string(c.Expect) == `"none"` {
			c.none = true
		} else if err := json.Unmarshal(c.Expect, &c.want); err != nil {
			t.Fatalf("%s: %q: %v", path, c.Q, err)
		}
		cases = append(cases, c)
	}
	return cases
}

// matches reports whether a statement is one the case expects.
func (c evalCase) matches(a answers.Answer) bool {
	for _, w := range c.want {
		if !strings.Contains(strings.ToLower(a.Speaker), strings.ToLower(w.Speaker)) {
			continue
		}
		if len(w.Any) == 0 {
			return true
		}
		for _, s := range w.Any {
			if strings.Contains(strings.ToLower(a.Text), strings.ToLower(s)) {
				return true
			}
		}
	}
	return false
}

// score is an evaluation's outcome.
type score struct {
	answerable, top1, none, abstained int
	failures                          []string
}

func (s score) top1Rate() float64 { return float64(s.top1) / float64(max(1, s.answerable)) }

func evaluate(t testing.TB, e *answers.Engine, cases []evalCase) score {
	t.Helper()
	var s score
	for _, c := range cases {
		r, err := e.Ask(context.Background(), c.Q)
		if err != nil {
			t.Fatalf("%q: %v", c.Q, err)
		}
		top := "(abstained: " + r.Note + ")"
		if len(r.Answers) > 0 {
			top = r.Answers[0].Speaker + ": " + answers.Truncate(r.Answers[0].Text, 70)
		}
		ok := false
		if c.none {
			s.none++
			ok = len(r.Answers) == 0
			if ok {
				s.abstained++
			}
		} else {
			s.answerable++
			ok = len(r.Answers) > 0 && c.matches(r.Answers[0])
			if ok {
				s.top1++
			}
		}
		if !ok {
			s.failures = append(s.failures, c.Q+" -> "+top)
		}
		if *verbose {
			t.Logf("%v %q -> %s", ok, c.Q, top)
		}
	}
	return s
}

// sharedDir returns shared/sub beside the checkout, or skips.
func sharedDir(t testing.TB, sub string) string { return sharedtest.Require(t, sub) }

func seedEngine(t testing.TB) (*answers.Engine, *store.DB) {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "eval.db"), data.Seed())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return answers.NewEngine(db), db
}

var liarCache = map[string][]byte{}

// liarEngine is the seed store with all of LIAR2 imported.
func liarEngine(t testing.TB) *answers.Engine {
	t.Helper()
	dir := sharedDir(t, "corpora/liar2")
	jsonl, ok := liarCache[dir]
	if !ok {
		var sb strings.Builder
		if _, err := liar2.ConvertFiles(dir, &sb); err != nil {
			t.Fatal(err)
		}
		jsonl = []byte(sb.String())
		liarCache[dir] = jsonl
	}
	e, db := seedEngine(t)
	if _, err := db.Import(context.Background(), strings.NewReader(string(jsonl)), "test"); err != nil {
		t.Fatal(err)
	}
	return e
}

func report(t *testing.T, name string, s score, minTop1 float64, allNone bool) {
	t.Helper()
	t.Logf("%s: top-1 %d/%d = %.1f%% answerable; abstained on %d/%d none", name, s.top1, s.answerable, 100*s.top1Rate(), s.abstained, s.none)
	for _, f := range s.failures {
		t.Logf("  miss: %s", f)
	}
	if s.top1Rate() < minTop1 {
		t.Errorf("%s: top-1 %.1f%%, want at least %.0f%%", name, 100*s.top1Rate(), 100*minTop1)
	}
	if allNone && s.abstained != s.none {
		t.Errorf("%s: answered %d of %d questions that have no answer on record", name, s.none-s.abstained, s.none)
	}
}

func TestEvalSeed(t *testing.T) {
	e, _ := seedEngine(t)
	for _, f := range []struct {
		name, path string
		min        float64
	}{
		{"project eval", "testdata/eval.jsonl", 0.95},
		{"project held-out", "testdata/heldout.jsonl", 0.90},
	} {
		if _, err := os.Stat(f.path); err != nil {
			t.Fatalf("%s: %v", f.path, err)
		}
		report(t, f.name, evaluate(t, e, readEval(t, f.path)), f.min, true)
	}
}

func TestEvalSharedDev(t *testing.T) {
	path := filepath.Join(sharedDir(t, "eval"), "dev-questions.jsonl")
	e, _ := seedEngine(t)
	report(t, "dev (seed store)", evaluate(t, e, readEval(t, path)), 0.95, true)
}

func TestEvalLIAR2(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 4,593 statements")
	}
	e := liarEngine(t)
	if path := filepath.Join(sharedDir(t, "eval"), "dev-questions.jsonl"); true {
		report(t, "dev (seed + LIAR2)", evaluate(t, e, readEval(t, path)), 0.90, false)
	}
	report(t, "project eval (seed + LIAR2)", evaluate(t, e, readEval(t, "testdata/eval.jsonl")), 0.90, false)
}
