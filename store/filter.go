package store

// keyFilter is a Bloom filter of 64-bit hashes that grows as keys are
// added: it says a key was added (maybe) or surely was not. The writer
// keeps one of the (speaker, text) of every live statement a transaction
// writes (see writer.live), where a map held 31 MB at a million statements,
// twice that in heap once the collector's headroom is counted. The filter
// holds the same million keys in 4 MB, wrong for about one key in three
// hundred never added (TestKeyFilter); a wrong "maybe" costs one
// duplicate query.
//
// The filter is a list of parts, each twice the size of the one before.
// Keys go into the newest part until it holds partKeyBits bits a key, and
// a query asks every part. A part is blocked: a key sets filterHashes bits
// in one 64-bit word, so that adding and asking read one cache line.
// Keys must already be well mixed (maphash values are).
type keyFilter struct {
	parts []filterPart
}

type filterPart struct {
	words []uint64 // a power of two in length
	keys  int      // keys added
}

const (
	firstPartWords = 1 << 12 // 32 KB, 8,192 keys
	partKeyBits    = 32      // bits of a part for each key it holds
	filterHashes   = 6       // bits a key sets in its word
)

// add records key.
func (f *keyFilter) add(key uint64) {
	if n := len(f.parts); n == 0 || f.parts[n-1].keys*partKeyBits >= len(f.parts[n-1].words)*64 {
		size := firstPartWords
		if n > 0 {
			size = 2 * len(f.parts[n-1].words)
		}
		f.parts = append(f.parts, filterPart{words: make([]uint64, size)})
	}
	p := &f.parts[len(f.parts)-1]
	p.words[key&uint64(len(p.words)-1)] |= filterMask(key)
	p.keys++
}

// has reports whether key may have been added: false means it was not.
func (f *keyFilter) has(key uint64) bool {
	mask := filterMask(key)
	for i := range f.parts {
		p := &f.parts[i]
		if p.words[key&uint64(len(p.words)-1)]&mask == mask {
			return true
		}
	}
	return false
}

// filterMask is the bits a key sets in its word, taken from the key's top
// bits (its low bits choose the word).
func filterMask(key uint64) uint64 {
	var m uint64
	h := key >> 28
	for range filterHashes {
		m |= 1 << (h & 63)
		h >>= 6
	}
	return m
}
