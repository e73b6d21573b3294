package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"sync"
	"time"

	"github.com/onrecord/onrecord/answers"
)

// Statistics over the whole store (the vocabulary's document frequencies,
// the speakers' statement counts) take a pass over every doclist or every
// statement to compute: at a million statements, a second and a tenth of
// one. The speaker list they come with is 130k rows to read there (90 ms),
// one blob saved (10 ms). A starting process needs them before its first
// answer, so they are
// saved in the stats table (migration 0007) stamped with the generation
// they were computed at, and read back, in the same read transaction as
// the generation, when the stamp is still the current generation. Any
// write the matcher caches bumps the generation (Tx.Commit), so a saved
// copy is used only while nothing it counts has changed; otherwise they
// are computed as before and saved again. Writes never maintain them.
//
// Saving goes through the writer on a goroutine of its own, in the usual
// transaction shape, so that the answer that needed the statistics never
// waits for the writer (an import may hold it). It writes nothing when
// the generation has moved on since, and a store that cannot be written
// still starts: it computes the statistics every time.

const (
	statsVocabulary = "vocabulary"
	statsSpeakers   = "speakers"
	// statsFormat is the first byte of a saved blob: a blob of another
	// format (written by another version) is ignored and replaced.
	statsFormat = 2
	// saveGrace is how long Close waits for saves under way before it
	// abandons them.
	saveGrace = 5 * time.Second
)

// saver runs the saves of statistics and lets Close wait for them.
type saver struct {
	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc
}

// wait stops new saves and waits for those under way, abandoning them
// after saveGrace (the writer may be held by another process).
func (s *saver) wait() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(saveGrace):
		s.cancel()
		<-done
	}
	s.cancel()
}

// saveStats saves statistics computed at generation gen, in the
// background.
func (db *DB) saveStats(name string, gen int64, data []byte) {
	s := &db.saves
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		// A failed save costs the next start the computation, nothing
		// more; a read-only store fails every time.
		_ = db.writeStats(s.ctx, name, gen, data)
	}()
}

// writeStats stores statistics computed at generation gen, unless a write
// has changed the generation since.
func (db *DB) writeStats(ctx context.Context, name string, gen int64, data []byte) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var cur int64
	if err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'generation'`).Scan(&cur); err != nil {
		return err
	}
	if cur != gen {
		return nil // stale already
	}
	blob := append([]byte{statsFormat}, data...)
	if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO stats (name, generation, data) VALUES (?, ?, ?)`, name, gen, blob); err != nil {
		return err
	}
	return tx.Commit() // not touched: the generation stays
}

// readStats returns the saved statistics called name when they were
// computed at generation gen, or nil.
func readStats(ctx context.Context, tx *sql.Tx, name string, gen int64) []byte {
	var g int64
	var data []byte
	// An error (a store whose stats table was never created, because it
	// could not be written) is the same as nothing saved.
	err := tx.QueryRowContext(ctx, `SELECT generation, data FROM stats WHERE name = ?`, name).Scan(&g, &data)
	if err != nil || g != gen || len(data) == 0 || data[0] != statsFormat {
		return nil
	}
	return data[1:]
}

func generation(ctx context.Context, tx *sql.Tx) (int64, error) {
	var g int64
	err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'generation'`).Scan(&g)
	return g, err
}

var errStats = errors.New("saved statistics are corrupt")

// Vocabulary returns each indexed term with its document frequency, and
// the number of live statements: saved ones when they are current,
// otherwise from fts5vocab, which reads every doclist.
func (db *DB) Vocabulary(ctx context.Context) (*answers.Vocabulary, int, error) {
	tx, err := db.read.BeginTx(ctx, nil)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	gen, err := generation(ctx, tx)
	if err != nil {
		return nil, 0, err
	}
	if data := readStats(ctx, tx, statsVocabulary, gen); data != nil {
		if terms, docs, err := decodeVocabulary(data); err == nil {
			return terms, docs, nil
		}
	}
	terms, docs, data, err := computeVocabulary(ctx, tx)
	if err != nil {
		return nil, 0, err
	}
	db.saveStats(statsVocabulary, gen, data)
	return terms, docs, nil
}

// computeVocabulary reads the vocabulary from the index, and encodes it
// for saving as it goes: the number of live statements, of terms and of
// the terms' bytes, then each term as the length it shares with the one
// before, the rest of it, and its document frequency (fts5vocab lists
// terms in order, so neighbours share much).
func computeVocabulary(ctx context.Context, tx *sql.Tx) (*answers.Vocabulary, int, []byte, error) {
	var docs int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM statements WHERE retired = 0`).Scan(&docs); err != nil {
		return nil, 0, nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT term, doc FROM statements_vocab`)
	if err != nil {
		return nil, 0, nil, err
	}
	defer rows.Close()
	var terms answers.VocabularyBuilder
	var body []byte
	var prev string
	size, count := 0, 0
	for rows.Next() {
		var t string
		var n int
		if err := rows.Scan(&t, &n); err != nil {
			return nil, 0, nil, err
		}
		terms.Add(t, n)
		count++
		shared := 0
		for shared < len(t) && shared < len(prev) && t[shared] == prev[shared] {
			shared++
		}
		body = binary.AppendUvarint(body, uint64(shared))
		body = binary.AppendUvarint(body, uint64(len(t)-shared))
		body = append(body, t[shared:]...)
		body = binary.AppendUvarint(body, uint64(n))
		size += len(t)
		prev = t
	}
	if err := rows.Err(); err != nil {
		return nil, 0, nil, err
	}
	data := binary.AppendUvarint(nil, uint64(docs))
	data = binary.AppendUvarint(data, uint64(count))
	data = binary.AppendUvarint(data, uint64(size))
	return terms.Vocabulary(), docs, append(data, body...), nil
}

// decodeVocabulary reads what computeVocabulary encoded.
func decodeVocabulary(data []byte) (*answers.Vocabulary, int, error) {
	r := statsReader{data: data}
	docs, n, size := r.uint(), r.uint(), r.uint()
	if r.err != nil || n > uint64(len(data)) || size > uint64(len(data))*256 {
		return nil, 0, errStats
	}
	var terms answers.VocabularyBuilder
	terms.Grow(int(n), int(size))
	var term []byte // the term before, then this one
	total := uint64(0)
	for range n {
		shared, rest := r.uint(), r.uint()
		if r.err != nil || shared > uint64(len(term)) || rest > uint64(len(r.data)) {
			return nil, 0, errStats
		}
		term = append(term[:shared], r.bytes(int(rest))...)
		df := r.uint()
		if r.err != nil {
			return nil, 0, errStats
		}
		terms.Add(string(term), int(df))
		total += uint64(len(term))
	}
	if len(r.data) != 0 || total != size {
		return nil, 0, errStats
	}
	return terms.Vocabulary(), int(docs), nil
}

func countSpeakers(ctx context.Context, tx *sql.Tx) (map[int64]int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT speaker_id, COUNT(*) FROM statements WHERE retired = 0 GROUP BY speaker_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		m[id] = n
	}
	return m, rows.Err()
}

// encodeSpeakers encodes the speaker list: its distinct roles, each as
// its length and bytes; then the number of speakers and each speaker in
// order: id, name, role (by number), statement count, and aliases (their
// number, then each).
func encodeSpeakers(sps []answers.Speaker) []byte {
	roles := map[string]int{}
	var data, body []byte
	for _, sp := range sps {
		if _, ok := roles[sp.Role]; !ok {
			roles[sp.Role] = len(roles)
			data = appendString(data, sp.Role)
		}
	}
	body = binary.AppendUvarint(body, uint64(len(sps)))
	for _, sp := range sps {
		body = binary.AppendVarint(body, sp.ID)
		body = appendString(body, sp.Name)
		body = binary.AppendUvarint(body, uint64(roles[sp.Role]))
		body = binary.AppendUvarint(body, uint64(sp.Statements))
		body = binary.AppendUvarint(body, uint64(len(sp.Aliases)))
		for _, a := range sp.Aliases {
			body = appendString(body, a)
		}
	}
	return append(binary.AppendUvarint(nil, uint64(len(roles))), append(data, body...)...)
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// decodeSpeakers reads what encodeSpeakers wrote. Every string is a part
// of one copy of data; the aliases share one array, each speaker's part
// capped, so that appending to one copies it.
func decodeSpeakers(data []byte) ([]answers.Speaker, error) {
	all := string(data)
	r := statsReader{data: data}
	str := func() string {
		n := r.uint()
		if r.err != nil || n > uint64(len(r.data)) {
			r.fail()
			return ""
		}
		at := len(data) - len(r.data)
		r.data = r.data[n:]
		return all[at : at+int(n)]
	}
	nroles := r.uint()
	if r.err != nil || nroles > uint64(len(data)) {
		return nil, errStats
	}
	roles := make([]string, nroles)
	for i := range roles {
		roles[i] = str()
	}
	n := r.uint()
	if r.err != nil || n > uint64(len(data)) {
		return nil, errStats
	}
	sps := make([]answers.Speaker, n)
	aliases := make([]string, 0, n)
	ends := make([]int, n)
	for i := range sps {
		sp := &sps[i]
		sp.ID = r.int()
		sp.Name = str()
		role := r.uint()
		sp.Statements = int(r.uint())
		k := r.uint()
		if r.err != nil || role >= nroles || k > uint64(len(r.data)) {
			return nil, errStats
		}
		sp.Role = roles[role]
		for range k {
			aliases = append(aliases, str())
		}
		ends[i] = len(aliases)
	}
	if r.err != nil || len(r.data) != 0 {
		return nil, errStats
	}
	at := 0
	for i, end := range ends {
		sps[i].Aliases = aliases[at:end:end]
		at = end
	}
	return sps, nil
}

// statsReader reads varints, remembering the first error.
type statsReader struct {
	data []byte
	err  error
}

func (r *statsReader) fail() {
	r.err = errStats
	r.data = nil
}

func (r *statsReader) uint() uint64 {
	v, n := binary.Uvarint(r.data)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.data = r.data[n:]
	return v
}

func (r *statsReader) int() int64 {
	v, n := binary.Varint(r.data)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.data = r.data[n:]
	return v
}

func (r *statsReader) bytes(n int) []byte {
	if n > len(r.data) {
		r.fail()
		return nil
	}
	b := r.data[:n]
	r.data = r.data[n:]
	return b
}

// SaveStats computes the statistics a starting process reads and saves
// them, so that the next start is quick: what a process that has just
// written many statements (an import from the command line) can do for
// the bot that starts after it. Close waits for the save.
func (db *DB) SaveStats(ctx context.Context) error {
	if _, _, err := db.Vocabulary(ctx); err != nil {
		return err
	}
	_, err := db.Speakers(ctx)
	return err
}
