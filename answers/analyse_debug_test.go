package answers_test

import (
	"context"
	"os"
	"strings"
	"testing"
)

func TestDebugAnalyse(t *testing.T) {
	qs := os.Getenv("ANALYSE")
	if qs == "" {
		t.Skip()
	}
	e, _ := seedEngine(t)
	for _, q := range strings.Split(qs, "|") {
		t.Logf("%q: %s", q, e.Explain(context.Background(), q))
	}
}
