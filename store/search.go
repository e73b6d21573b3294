package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/onrecord/onrecord/answers"
)

// rankBudget is the most full-text matches one search ranks with bm25.
// bm25 reads every matching row's column sizes: at 100k statements a
// common word ("tax", 14k rows) took 0.6 s to rank, while streaming the
// same rows in rowid order took 0.7 ms. Stores of a few thousand
// statements (the seed, LIAR2) stay under the budget and are searched
// exhaustively, exactly as before.
const rankBudget = 2000

// readStmts caches statements prepared on the read pool; database/sql
// re-prepares each on whichever pooled connection runs it.
type readStmts struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func (db *DB) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	if s := db.stmts.m[query]; s != nil {
		return s, nil
	}
	s, err := db.read.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if db.stmts.m == nil {
		db.stmts.m = map[string]*sql.Stmt{}
	}
	db.stmts.m[query] = s
	return s, nil
}

// Search queries. Speaker ids travel as one JSON array, so that each
// query is prepared once whatever the number of speakers.
const (
	// qRanked ranks every match with bm25 (body, topics, who).
	qRanked = `SELECT f.rowid, f.rank FROM
		(SELECT rowid, bm25(statements_fts, 1.0, 0.6, 0.4) AS rank FROM statements_fts WHERE statements_fts MATCH ?1 ORDER BY rank) f
		JOIN statements s ON s.id = f.rowid
		WHERE s.retired = 0 AND (?2 IS NULL OR s.speaker_id IN (SELECT value FROM json_each(?2)))
		ORDER BY f.rank LIMIT ?3`
	// qRecent takes the newest matches without ranking them: FTS5 walks
	// its doclists in rowid order and stops at the limit.
	qRecent = `SELECT s.id FROM statements_fts f JOIN statements s ON s.id = f.rowid
		WHERE statements_fts MATCH ?1 AND s.retired = 0 AND (?2 IS NULL OR s.speaker_id IN (SELECT value FROM json_each(?2)))
		ORDER BY f.rowid DESC LIMIT ?3`
	// qSpeakerRanked ranks only the statements of the named speakers.
	qSpeakerRanked = `SELECT rowid, bm25(statements_fts, 1.0, 0.6, 0.4) AS rank FROM statements_fts
		WHERE statements_fts MATCH ?1 AND rowid IN (SELECT s.id FROM statements s, json_each(?2) j WHERE s.speaker_id = j.value AND s.retired = 0)
		ORDER BY rank LIMIT ?3`
	// qSpeakerCount counts the speakers' live statements, up to a bound.
	qSpeakerCount = `SELECT COUNT(*) FROM (SELECT 1 FROM statements s, json_each(?1) j WHERE s.speaker_id = j.value AND s.retired = 0 LIMIT ?2)`
	// qHits loads the candidates with their indexed body terms.
	qHits = `SELECT ` + statementCols + `, f.body FROM json_each(?1) j
		JOIN statements s ON s.id = j.value JOIN speakers p ON p.id = s.speaker_id
		JOIN statements_fts f ON f.rowid = s.id`
)

// Search returns live statements matching any of the query's terms, best
// full-text rank first. When q.Sizes says the terms match more statements
// than rankBudget, it looks for statements with all the terms first, then
// with the rarest ones, ranking with bm25 only sets small enough to rank,
// and takes the newest of larger ones.
func (db *DB) Search(ctx context.Context, q answers.SearchQuery) ([]answers.Hit, error) {
	match := ftsQuery(q.Groups)
	if match == "" {
		return nil, nil
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	var speakers any // NULL: no restriction
	if len(q.SpeakerIDs) > 0 {
		js, _ := json.Marshal(q.SpeakerIDs)
		speakers = string(js)
	}
	c := &collector{limit: limit}
	total := 0
	for _, n := range q.Sizes {
		total += n
	}
	var err error
	switch {
	case q.Sizes == nil || len(q.Sizes) != len(q.Groups) || total <= rankBudget:
		err = db.collect(ctx, c, qRanked, match, speakers)
	case speakers != nil && db.speakerCount(ctx, speakers) <= rankBudget:
		err = db.collect(ctx, c, qSpeakerRanked, match, speakers)
	default:
		err = db.searchBounded(ctx, c, q, speakers)
	}
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", match, err)
	}
	return db.hits(ctx, c)
}

// searchBounded runs the plans of a search too large to rank at once,
// until it has enough candidates: all groups, then the k rarest groups
// for k down to one, then any group.
func (db *DB) searchBounded(ctx context.Context, c *collector, q answers.SearchQuery, speakers any) error {
	order := make([]int, len(q.Groups))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return q.Sizes[a] - q.Sizes[b] })
	for k := len(order); k >= 1 && !c.full(); k-- {
		var parts []string
		for _, i := range order[:k] {
			if m := ftsQuery(q.Groups[i : i+1]); m != "" {
				parts = append(parts, "("+m+")")
			}
		}
		if len(parts) == 0 {
			continue
		}
		// An AND matches at most what its rarest group does.
		query := qRecent
		if q.Sizes[order[0]] <= rankBudget {
			query = qRanked
		}
		if err := db.collect(ctx, c, query, strings.Join(parts, " AND "), speakers); err != nil {
			return err
		}
	}
	// Then any of the rare groups, ranked, as many as the budget allows.
	var rare [][]string
	for n, i := 0, 0; i < len(order) && n+q.Sizes[order[i]] <= rankBudget; i++ {
		n += q.Sizes[order[i]]
		rare = append(rare, q.Groups[order[i]])
	}
	if !c.full() && len(rare) > 0 {
		if err := db.collect(ctx, c, qRanked, ftsQuery(rare), speakers); err != nil {
			return err
		}
	}
	if !c.full() {
		return db.collect(ctx, c, qRecent, ftsQuery(q.Groups), speakers)
	}
	return nil
}

func (db *DB) speakerCount(ctx context.Context, speakers any) int {
	s, err := db.prepared(ctx, qSpeakerCount)
	if err != nil {
		return rankBudget + 1
	}
	var n int
	if err := s.QueryRowContext(ctx, speakers, rankBudget+1).Scan(&n); err != nil {
		return rankBudget + 1
	}
	return n
}

// collector gathers candidate ids in the order found, each once.
type collector struct {
	limit int
	ids   []int64
	rank  map[int64]float64
}

func (c *collector) full() bool { return len(c.ids) >= c.limit }

func (c *collector) add(id int64, rank float64) {
	if c.rank == nil {
		c.rank = map[int64]float64{}
	}
	if _, ok := c.rank[id]; ok || c.full() {
		return
	}
	c.ids = append(c.ids, id)
	c.rank[id] = rank
}

// collect runs one candidate query. Candidates found by an earlier plan
// rank before later ones; within a plan, by bm25 or by recency.
func (db *DB) collect(ctx context.Context, c *collector, query, match string, speakers any) error {
	s, err := db.prepared(ctx, query)
	if err != nil {
		return err
	}
	rows, err := s.QueryContext(ctx, match, speakers, c.limit)
	if err != nil {
		return err
	}
	defer rows.Close()
	base := float64(len(c.ids))
	for i := 0; rows.Next(); i++ {
		var id int64
		rank := base + float64(i)
		if query == qRecent {
			err = rows.Scan(&id)
		} else {
			var bm float64
			err = rows.Scan(&id, &bm)
			if base == 0 {
				// A single ranked query keeps bm25's own scale.
				rank = bm
			}
		}
		if err != nil {
			return err
		}
		c.add(id, rank)
	}
	return rows.Err()
}

// hits loads the collected candidates, in the order collected.
func (db *DB) hits(ctx context.Context, c *collector) ([]answers.Hit, error) {
	if len(c.ids) == 0 {
		return nil, nil
	}
	s, err := db.prepared(ctx, qHits)
	if err != nil {
		return nil, err
	}
	js, _ := json.Marshal(c.ids)
	rows, err := s.QueryContext(ctx, string(js))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	pos := make(map[int64]int, len(c.ids))
	for i, id := range c.ids {
		pos[id] = i
	}
	hits := make([]answers.Hit, len(c.ids))
	for rows.Next() {
		var body string
		st, err := scanStatement(rows, &body)
		if err != nil {
			return nil, err
		}
		i := pos[st.ID]
		hits[i] = answers.Hit{Statement: *st, Rank: c.rank[st.ID], BodyTerms: body}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// A candidate retired between the two queries is left out.
	return slices.DeleteFunc(hits, func(h answers.Hit) bool { return h.ID == 0 }), nil
}
