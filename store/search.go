package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
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
const rankBudget = 500

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
	// qNewest streams the newest matches without ranking or joining:
	// FTS5 walks its doclists in rowid order and stops at the limit, at
	// about a third of a microsecond a row (a join with statements for
	// every row costs four times that). Only live statements have a
	// full-text row, so no retired check is needed.
	qNewest = `SELECT group_concat(rowid) FROM
		(SELECT rowid FROM statements_fts WHERE statements_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2)`
	// qAll streams matches in FTS5's own order, oldest first: walking a
	// doclist backwards decodes each page twice, and seeking (an AND with
	// a long doclist) backwards cost three times as much in profiles, so
	// sets read whole are read forwards.
	qAll = `SELECT group_concat(rowid) FROM
		(SELECT rowid FROM statements_fts WHERE statements_fts MATCH ?1 LIMIT ?2)`
	// qSpeakerIDs lists the speakers' live statements (the speaker index).
	qSpeakerIDs = `SELECT s.id FROM statements s, json_each(?1) j WHERE s.speaker_id = j.value AND s.retired = 0 LIMIT ?2`
	// qSpeakerTerms reads the indexed terms of the speakers' statements.
	// Indexed text is read from FTS5's content table (columns c0, c1, c2
	// are body, about and who; the layout FTS5 documents for its shadow
	// tables): a plain rowid lookup, where one through the virtual table
	// sets up a full-text cursor per row, several times the cost. Rows come
	// as one string, a statement a record (\x1e) of id and columns
	// separated by \x1f (analysed terms are letters and digits).
	qSpeakerTerms = `SELECT group_concat(f.id || char(31) || coalesce(f.c0, '') || char(31) || coalesce(f.c1, '') || char(31) || coalesce(f.c2, ''), char(30))
		FROM statements s, json_each(?1) j
		JOIN statements_fts_content f ON f.id = s.id WHERE s.speaker_id = j.value AND s.retired = 0`
	// qSpeakerCount counts the speakers' live statements, up to a bound.
	qSpeakerCount = `SELECT COUNT(*) FROM (SELECT 1 FROM statements s, json_each(?1) j WHERE s.speaker_id = j.value AND s.retired = 0 LIMIT ?2)`
	// qSpeakerNames reads the speakers' names.
	qSpeakerNames = `SELECT p.name FROM speakers p, json_each(?1) j WHERE p.id = j.value`
	// qOfSpeakers keeps the statements (?1) by the speakers (?2).
	qOfSpeakers = `SELECT group_concat(s.id) FROM json_each(?1) j JOIN statements s ON s.id = j.value
		WHERE s.speaker_id IN (SELECT value FROM json_each(?2))`
	// qDocs approximates the number of statements for term weights.
	qDocs = `SELECT COALESCE(MAX(id), 0) FROM statements`
	// qHits loads the candidates with their indexed body terms (from the
	// content table, as qSpeakerTerms).
	qHits = `SELECT ` + statementCols + `, f.c0 FROM json_each(?1) j
		JOIN statements s ON s.id = j.value JOIN speakers p ON p.id = s.speaker_id
		JOIN statements_fts_content f ON f.id = s.id WHERE s.retired = 0`
)

// Bounds of a search too large to rank with bm25 (see searchBounded).
const (
	// scanBudget is how many rowids the rare groups of a question may
	// stream together: about a millisecond.
	scanBudget = 2000
	// window is how many of the newest statements of a common group are
	// looked at (scanBudget when a speaker filter will drop most).
	window = 400
	// speakerScan is the most statements of the named speakers whose
	// indexed terms are read and matched directly (about 4 us a row),
	// which finds their statements on common words too.
	speakerScan = 500
	// speakerSet is the most statement ids of the named speakers held in
	// memory to filter streamed matches; beyond it the speakers are not
	// filtered by (they said most of what matches anyway).
	speakerSet = 100_000
	// nameFilter is the most speakers filtered by name in the full-text
	// query itself (see whoFilter); more are filtered by statement ids.
	nameFilter = 16
)

// Search returns live statements matching any of the query's terms, best
// first. When q.Sizes says the terms match at most rankBudget statements,
// bm25 ranks them all (the seed and LIAR2 stores are searched this way);
// otherwise see searchBounded.
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
	if q.Sizes == nil || len(q.Sizes) != len(q.Groups) || total <= rankBudget {
		err = db.collect(ctx, c, qRanked, match, speakers)
	} else {
		err = db.searchBounded(ctx, c, q, speakers)
	}
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", match, err)
	}
	return db.hits(ctx, c)
}

// searchBounded finds the candidates of a search whose terms match too
// many statements to rank with bm25, at a bounded cost. bm25 reads every
// matching row and counts every term's whole doclist, even under an AND
// with a rare term; streaming rowids does neither. So it gathers, for each
// statement, which of the question's groups it contains, and orders by the
// weight of those groups (as the matcher will), newest first on ties:
//
//   - the rare groups (together at most scanBudget statements) are
//     streamed whole; when none is rare, the statements with both of the
//     two rarest groups stand in for them;
//   - each common group is intersected with the rare ones by FTS5 (an AND
//     seeks through the long doclist), and its newest window statements
//     are added, for statements made of common words only;
//   - speakers with few statements are searched by reading their indexed
//     terms; a few prolific ones by their names in the index; more by
//     their statement ids; an affiliation's among the best candidates of
//     an unfiltered search, or in the index when too few of those are
//     theirs.
func (db *DB) searchBounded(ctx context.Context, c *collector, q answers.SearchQuery, speakers any) error {
	order := make([]int, len(q.Groups))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return q.Sizes[a] - q.Sizes[b] })
	if len(order) > 64 {
		// A match is a bit per group: the commonest words of a very long
		// question are left out.
		order = order[:64]
	}
	docs, err := db.docs(ctx)
	if err != nil {
		return err
	}
	weight := make([]float64, len(order))
	for k, i := range order {
		weight[k] = termWeight(q.Sizes[i], docs)
	}
	g := gather{db: db, q: q, order: order, win: window}
	if speakers == nil {
		if err := g.run(ctx); err != nil {
			return err
		}
		return c.addScored(g.found, weight)
	}
	n, err := db.speakerCount(ctx, speakers, speakerScan+1)
	if err != nil {
		return err
	}
	switch {
	case n <= speakerScan:
		found := map[int64]uint64{}
		if err := db.speakerTerms(ctx, speakers, q.Groups, order, found); err != nil {
			return err
		}
		return c.addScored(found, weight)
	case len(q.SpeakerIDs) <= nameFilter:
		if g.filter, err = db.whoFilter(ctx, speakers); err != nil {
			return err
		}
		c.keepOnly(q.SpeakerIDs)
	case len(q.SpeakerTerms) > 0:
		// An affiliation ("the US") may name hundreds of speakers with a
		// good share of the store. Their statements are looked for among
		// the best candidates of an unfiltered search first, as cheap as
		// one naming nobody; in the index (7 ms for "according to the US"
		// at 100k, where this took 2.5 ms) only when too few of those are
		// theirs.
		if err := g.run(ctx); err != nil {
			return err
		}
		wide := &collector{limit: c.limit * overfetch}
		wide.addScored(g.found, weight)
		keep, err := db.ofSpeakers(ctx, wide.ids, speakers)
		if err != nil {
			return err
		}
		if len(keep) >= c.limit/4 {
			for _, id := range wide.ids {
				if keep[id] {
					c.add(id, wide.rank[id])
				}
			}
			return nil
		}
		// The affiliation's terms are in the who column of each of the
		// speakers' statements (and of a few others', where the role
		// held at the time has them: hits drops those).
		g = gather{db: db, q: q, order: order, win: window, filter: whoTermsFilter(q.SpeakerTerms)}
		c.keepOnly(q.SpeakerIDs)
	default:
		ids, err := db.speakerIDs(ctx, speakers)
		if err != nil {
			return err
		}
		if len(ids) <= speakerSet {
			g.only = make(map[int64]bool, len(ids))
			for _, id := range ids {
				g.only[id] = true
			}
			g.win = scanBudget
		}
	}
	if err := g.run(ctx); err != nil {
		return err
	}
	return c.addScored(g.found, weight)
}

// overfetch is how many times the candidates wanted an affiliation's
// unfiltered search keeps before dropping other speakers' statements.
const overfetch = 8

// gather is one pass of searchBounded: for each statement found, which of
// the groups (bit k for group order[k]) it contains.
type gather struct {
	db    *DB
	q     answers.SearchQuery
	order []int
	// only, when set, keeps only these statements; filter, when set, is
	// an FTS5 expression ANDed to every query.
	only   map[int64]bool
	filter string
	win    int // how many of a common group's newest statements are read
	found  map[int64]uint64
}

func (g *gather) stream(ctx context.Context, match string, limit int, newest bool, fn func(id int64)) error {
	query := qAll
	if newest {
		query = qNewest
	}
	if g.filter != "" {
		// The filter second: FTS5 seeks a long doclist faster than it
		// steps through one.
		match = "(" + match + ") AND (" + g.filter + ")"
	}
	return g.db.streamIDs(ctx, query, match, limit, func(id int64) {
		if g.only == nil || g.only[id] {
			fn(id)
		}
	})
}

func (g *gather) run(ctx context.Context) error {
	q, order := g.q, g.order
	g.found = map[int64]uint64{}
	found := g.found
	nRare, sum := 0, 0
	for nRare < len(order) && sum+q.Sizes[order[nRare]] <= scanBudget {
		sum += q.Sizes[order[nRare]]
		nRare++
	}
	var rare [][]string
	for k := 0; k < nRare; k++ {
		bit := uint64(1) << k
		rare = append(rare, q.Groups[order[k]])
		if err := g.stream(ctx, ftsQuery(q.Groups[order[k]:order[k]+1]), scanBudget, false, func(id int64) { found[id] |= bit }); err != nil {
			return err
		}
	}
	rareMatch := ftsQuery(rare)
	paired := false
	if nRare == 0 && len(order) >= 2 {
		// No group is rare: the statements with both of the two rarest
		// take the rare ones' place, so that a question of common words
		// still finds the statements that have them all.
		a, b := ftsQuery(q.Groups[order[0]:order[0]+1]), ftsQuery(q.Groups[order[1]:order[1]+1])
		if a != "" && b != "" {
			rareMatch, paired = "("+a+") AND ("+b+")", true
			if err := g.stream(ctx, rareMatch, scanBudget, false, func(id int64) { found[id] |= 3 }); err != nil {
				return err
			}
		}
	}
	for k := nRare; k < len(order); k++ {
		bit := uint64(1) << k
		m := ftsQuery(q.Groups[order[k] : order[k]+1])
		if m == "" {
			continue
		}
		if rareMatch != "" && !(paired && k < 2) {
			err := g.stream(ctx, "("+rareMatch+") AND ("+m+")", scanBudget, false, func(id int64) {
				if _, ok := found[id]; ok {
					found[id] |= bit
				}
			})
			if err != nil {
				return err
			}
		}
		if err := g.stream(ctx, m, g.win, true, func(id int64) { found[id] |= bit }); err != nil {
			return err
		}
	}
	return nil
}

// ofSpeakers returns which of ids are statements by the speakers.
func (db *DB) ofSpeakers(ctx context.Context, ids []int64, speakers any) (map[int64]bool, error) {
	keep := map[int64]bool{}
	if len(ids) == 0 {
		return keep, nil
	}
	s, err := db.prepared(ctx, qOfSpeakers)
	if err != nil {
		return nil, err
	}
	js, _ := json.Marshal(ids)
	var list []byte
	if err := s.QueryRowContext(ctx, string(js), speakers).Scan(&list); err != nil {
		return nil, err
	}
	if err := eachID(list, func(id int64) { keep[id] = true }); err != nil {
		return nil, err
	}
	return keep, nil
}

// termWeight is how much a group matched counts when ordering candidates:
// one, plus up to one the rarer it is (the matcher's weight).
func termWeight(df, docs int) float64 {
	n := float64(max(docs, df))
	idf := math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5))
	return 1 + idf/math.Log(1+(n+0.5)/0.5)
}

func (db *DB) docs(ctx context.Context) (int, error) {
	s, err := db.prepared(ctx, qDocs)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.QueryRowContext(ctx).Scan(&n)
	return n, err
}

// streamIDs calls fn with the statements matching an FTS5 expression, up
// to limit: the newest with qNewest, the oldest with qAll, in no order.
func (db *DB) streamIDs(ctx context.Context, query, match string, limit int, fn func(int64)) error {
	s, err := db.prepared(ctx, query)
	if err != nil {
		return err
	}
	// The ids come as one comma-separated string: a row each through
	// database/sql cost more than FTS5 took to find them.
	var list []byte
	if err := s.QueryRowContext(ctx, match, limit).Scan(&list); err != nil {
		return err
	}
	if err := eachID(list, fn); err != nil {
		return fmt.Errorf("stream %q: %w", match, err)
	}
	return nil
}

// eachID calls fn with each id of a group_concat list ("12,7,40").
func eachID(list []byte, fn func(int64)) error {
	for len(list) > 0 {
		var id int64
		i := 0
		for ; i < len(list) && list[i] != ','; i++ {
			c := list[i] - '0'
			if c > 9 {
				return fmt.Errorf("bad id list %q", list)
			}
			id = id*10 + int64(c)
		}
		fn(id)
		list = list[min(i+1, len(list)):]
	}
	return nil
}

// speakerCount counts the speakers' live statements, up to bound.
func (db *DB) speakerCount(ctx context.Context, speakers any, bound int) (int, error) {
	s, err := db.prepared(ctx, qSpeakerCount)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.QueryRowContext(ctx, speakers, bound).Scan(&n)
	return n, err
}

// whoFilter is an FTS5 expression for the statements of the speakers:
// the who column of a statement's full-text row has its speaker's name
// (see writer.whoKey), so the index finds a prolific speaker's statements
// among a word's matches by seeking, where a join or an id set would read
// every one (tens of thousands at a million statements). It matches some
// statements of others too (another name with the same words, a role that
// has them): the collector drops those (collector.only).
func (db *DB) whoFilter(ctx context.Context, speakers any) (string, error) {
	s, err := db.prepared(ctx, qSpeakerNames)
	if err != nil {
		return "", err
	}
	rows, err := s.QueryContext(ctx, speakers)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var names [][]string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return "", err
		}
		if terms := answers.Terms(name); len(terms) > 0 {
			names = append(names, terms)
		}
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	if len(names) == 0 {
		return "", fmt.Errorf("no speaker names for %v", speakers)
	}
	return "{who} : (" + namesFilter(names) + ")", nil
}

// namesFilter is an FTS5 expression for statements with every term of one
// of the names: the terms all names share, ANDed with the others' terms
// for each name, ORed ("sinclair" AND ("aisha" OR "ellen c")). It matches
// a little more than the names as phrases at the start of the column
// would (the collector drops the rest), at a fraction of the cost: phrases
// read positions, and fifteen of them took 10-15 ms a query at a million
// statements.
func namesFilter(names [][]string) string {
	shared := slices.Clone(names[0])
	for _, n := range names[1:] {
		shared = slices.DeleteFunc(shared, func(t string) bool { return !slices.Contains(n, t) })
	}
	var and []string
	for _, t := range shared {
		and = append(and, quote(t))
	}
	var or []string
	seen := map[string]bool{}
	for _, n := range names {
		var rest []string
		for _, t := range n {
			if !slices.Contains(shared, t) {
				rest = append(rest, quote(t))
			}
		}
		if len(rest) == 0 {
			// A name made of the shared terms only: they are the filter.
			or = nil
			break
		}
		if e := "(" + strings.Join(rest, " AND ") + ")"; !seen[e] {
			seen[e] = true
			or = append(or, e)
		}
	}
	if len(or) > 0 {
		and = append(and, "("+strings.Join(or, " OR ")+")")
	}
	return strings.Join(and, " AND ")
}

// whoTermsFilter is an FTS5 expression for statements whose who column
// has a term of every group.
func whoTermsFilter(groups [][]string) string {
	var and []string
	for _, g := range groups {
		var or []string
		for _, t := range g {
			or = append(or, quote(t))
		}
		and = append(and, "("+strings.Join(or, " OR ")+")")
	}
	return "{who} : (" + strings.Join(and, " AND ") + ")"
}

// speakerIDs lists the speakers' live statements, up to speakerSet+1.
func (db *DB) speakerIDs(ctx context.Context, speakers any) ([]int64, error) {
	s, err := db.prepared(ctx, qSpeakerIDs)
	if err != nil {
		return nil, err
	}
	rows, err := s.QueryContext(ctx, speakers, speakerSet+1)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// speakerTerms matches the groups order names against the indexed terms
// of each of the speakers' statements, as FTS5 would: a term, a phrase of
// consecutive terms or a prefix, in any column.
func (db *DB) speakerTerms(ctx context.Context, speakers any, groups [][]string, order []int, found map[int64]uint64) error {
	s, err := db.prepared(ctx, qSpeakerTerms)
	if err != nil {
		return err
	}
	var list sql.NullString
	if err := s.QueryRowContext(ctx, speakers).Scan(&list); err != nil {
		return err
	}
	alts := make([][][]string, len(order)) // per group, each alternative's words
	for k, i := range order {
		for _, a := range groups[i] {
			if w := strings.Fields(a); len(w) > 0 {
				alts[k] = append(alts[k], w)
			}
		}
	}
	var terms []string
	for rec := range strings.SplitSeq(list.String, "\x1e") {
		idText, cols, ok := strings.Cut(rec, "\x1f")
		id, err := strconv.ParseInt(idText, 10, 64)
		if !ok || err != nil {
			return fmt.Errorf("speaker terms: bad record %q", rec)
		}
		var mask uint64
		for col := range strings.SplitSeq(cols, "\x1f") {
			terms = appendFields(terms[:0], col)
			for k, g := range alts {
				if mask&(1<<k) == 0 && slices.ContainsFunc(g, func(words []string) bool { return hasPhrase(terms, words) }) {
					mask |= 1 << k
				}
			}
		}
		if mask != 0 {
			found[id] = mask
		}
	}
	return nil
}

// appendFields appends the space-separated fields of s to dst, as
// strings.Fields would return them, without allocating a new slice.
func appendFields(dst []string, s string) []string {
	for len(s) > 0 {
		s = strings.TrimLeft(s, " ")
		i := strings.IndexByte(s, ' ')
		if i < 0 {
			i = len(s)
		}
		if i > 0 {
			dst = append(dst, s[:i])
		}
		s = s[i:]
	}
	return dst
}

// hasPhrase reports whether terms contain words consecutively; a last
// word ending in "*" matches as a prefix.
func hasPhrase(terms, words []string) bool {
	for i := 0; i+len(words) <= len(terms); i++ {
		ok := true
		for j, w := range words {
			t := terms[i+j]
			if p, isPrefix := strings.CutSuffix(w, "*"); isPrefix && j == len(words)-1 {
				ok = strings.HasPrefix(t, p)
			} else {
				ok = t == w
			}
			if !ok {
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// collector gathers candidate ids in the order found, each once.
type collector struct {
	limit int
	ids   []int64
	rank  map[int64]float64
	// only, when set, are the speakers whose statements hits keeps.
	only map[int64]bool
}

func (c *collector) keepOnly(speakers []int64) {
	c.only = make(map[int64]bool, len(speakers))
	for _, id := range speakers {
		c.only[id] = true
	}
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

// addScored adds statements by the weight of the groups they contain
// (bit k of a mask stands for weight[k]), newest first on ties.
func (c *collector) addScored(found map[int64]uint64, weight []float64) error {
	type cand struct {
		id    int64
		score float64
	}
	all := make([]cand, 0, len(found))
	for id, mask := range found {
		sc := 0.0
		for k, w := range weight {
			if mask&(1<<k) != 0 {
				sc += w
			}
		}
		all = append(all, cand{id, sc})
	}
	slices.SortFunc(all, func(a, b cand) int {
		if a.score != b.score {
			return cmp.Compare(b.score, a.score)
		}
		return cmp.Compare(b.id, a.id)
	})
	for i, x := range all {
		if c.full() {
			break
		}
		c.add(x.id, float64(len(c.ids)+i))
	}
	return nil
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
		var bm float64
		err = rows.Scan(&id, &bm)
		if base == 0 {
			// A single ranked query keeps bm25's own scale.
			rank = bm
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
	// A candidate retired between the two queries is left out, and so is
	// one by another speaker a name filter let through.
	return slices.DeleteFunc(hits, func(h answers.Hit) bool {
		return h.ID == 0 || (c.only != nil && !c.only[h.SpeakerID])
	}), nil
}

// Optimize merges the full-text index into one segment. A large import
// leaves the index in many segments, and every term lookup seeks each of
// them: at 100k statements, streaming a common term's matches was 3-4
// times faster after it. It rewrites the whole index (seconds at a
// million statements) and blocks other writers meanwhile, so it is for
// after a large import, not for every write.
func (db *DB) Optimize(ctx context.Context) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO statements_fts (statements_fts) VALUES ('optimize')`); err != nil {
		return fmt.Errorf("optimize %s: %w", db.path, err)
	}
	// What imports wrote since is merged now (see optimizeIfDue).
	if _, err := tx.ExecContext(ctx, `DELETE FROM meta WHERE key = 'unmerged'`); err != nil {
		return err
	}
	return tx.Commit()
}
