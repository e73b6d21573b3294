// Package sharedtest finds the shared material (specs, evaluation sets,
// corpora) that sits beside a checkout as ../shared. Tests that use it
// skip cleanly where it is absent: a newcomer clones the project alone.
package sharedtest

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the path of shared/sub found in the working directory or
// one of its parents, or "" when there is none.
func Dir(sub string) string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, "shared", sub)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Require returns Dir(sub), or skips the test when it is absent.
func Require(tb testing.TB, sub string) string {
	tb.Helper()
	p := Dir(sub)
	if p == "" {
		tb.Skipf("shared/%s not found beside the project", sub)
	}
	return p
}
