package store

import (
	"math/rand/v2"
	"testing"
)

// TestKeyFilter adds a million keys: every one is found again, and keys
// never added are rarely taken for them.
func TestKeyFilter(t *testing.T) {
	const n = 1_000_000
	rng := rand.New(rand.NewPCG(1, 2))
	keys := make([]uint64, n)
	var f keyFilter
	for i := range keys {
		keys[i] = rng.Uint64()
		f.add(keys[i])
	}
	for i, k := range keys {
		if !f.has(k) {
			t.Fatalf("key %d added but not found", i)
		}
	}
	wrong := 0
	for range n {
		if f.has(rng.Uint64()) {
			wrong++
		}
	}
	bytes := 0
	for _, p := range f.parts {
		bytes += 8 * len(p.words)
	}
	t.Logf("%d keys: %d parts, %.1f MB, %.3f%% false positives", n, len(f.parts), float64(bytes)/(1<<20), 100*float64(wrong)/n)
	if wrong > n/100 {
		t.Errorf("%d of %d keys never added taken for added ones", wrong, n)
	}
	if bytes > 8<<20 {
		t.Errorf("filter of %d keys takes %d bytes", n, bytes)
	}
}
