package answers_test

import (
	"context"
	"os"
	"strings"
	"testing"
)

// TestExplain prints how questions are understood: ANALYSE="q1|q2" go test -run Explain -v.
func TestExplain(t *testing.T) {
	qs := os.Getenv("ANALYSE")
	if qs == "" {
		t.Skip()
	}
	e, _ := seedEngine(t)
	for _, q := range strings.Split(qs, "|") {
		t.Logf("%q: %s", q, e.Explain(context.Background(), q))
	}
}
