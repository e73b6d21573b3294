package discord

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	dg "github.com/bwmarrin/discordgo"

	"github.com/onrecord/onrecord/answers"
	"github.com/onrecord/onrecord/bot"
	"github.com/onrecord/onrecord/data"
	"github.com/onrecord/onrecord/store"
)

// fakeAPI is Discord's REST API as far as the adapter uses it. It records
// every request and answers like Discord does, unless a test overrides a
// route.
type fakeAPI struct {
	t   *testing.T
	srv *httptest.Server

	mu   sync.Mutex
	reqs []recorded
	// override answers a request instead of the default when it returns
	// true; tests use it for 429s and failures.
	override func(r recorded, n int) (status int, body string, ok bool)
	notify   chan recorded
}

type recorded struct {
	Method, Path, ContentType string
	Body                      []byte
}

// JSON decodes the recorded body, or the payload_json part of a multipart
// body.
func (r recorded) JSON(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("%s %s: body %q: %v", r.Method, r.Path, r.Body, err)
	}
	return v
}

func newFakeAPI(t *testing.T) *fakeAPI {
	f := &fakeAPI{t: t, notify: make(chan recorded, 100)}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec := recorded{Method: r.Method, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"), Body: body}
	f.mu.Lock()
	f.reqs = append(f.reqs, rec)
	n := 0
	for _, q := range f.reqs {
		if q.Method == rec.Method && q.Path == rec.Path {
			n++
		}
	}
	override := f.override
	f.mu.Unlock()
	select {
	case f.notify <- rec:
	default:
	}
	if auth := r.Header.Get("Authorization"); auth != "Bot test-token" && !strings.HasPrefix(r.URL.Path, "/cdn/") {
		http.Error(w, `{"message": "401: Unauthorized", "code": 0}`, http.StatusUnauthorized)
		return
	}
	if override != nil {
		if status, body, ok := override(rec, n); ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			io.WriteString(w, body)
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/applications/@me":
		io.WriteString(w, `{"id":"111","name":"OnRecord"}`)
	case r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/commands"):
		w.Write(body)
	case strings.HasSuffix(r.URL.Path, "/callback"):
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	case strings.HasPrefix(r.URL.Path, "/webhooks/"):
		io.WriteString(w, `{"id":"999","channel_id":"1","content":""}`)
	case strings.HasPrefix(r.URL.Path, "/cdn/"):
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, strings.Repeat("x", len(strings.TrimPrefix(r.URL.Path, "/cdn/"))))
	default:
		http.Error(w, `{"message":"404: Not Found","code":0}`, http.StatusNotFound)
	}
}

// requests returns what was sent so far, cdn downloads excluded.
func (f *fakeAPI) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []recorded
	for _, r := range f.reqs {
		if !strings.HasPrefix(r.Path, "/cdn/") {
			out = append(out, r)
		}
	}
	return out
}

// waitFor blocks until a request matching method and path suffix arrives.
func (f *fakeAPI) waitFor(t *testing.T, method, suffix string) recorded {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		for _, r := range f.requests() {
			if r.Method == method && strings.HasSuffix(r.Path, suffix) {
				return r
			}
		}
		select {
		case <-f.notify:
		case <-deadline:
			t.Fatalf("no %s ...%s request; got %v", method, suffix, f.requests())
		}
	}
}

// checkAll validates every recorded request against the spec and the
// rules the adapter promises on top of it.
func (f *fakeAPI) checkAll(t *testing.T) {
	t.Helper()
	reqs := f.requests()
	if len(reqs) == 0 {
		t.Fatal("no requests to check")
	}
	for _, r := range reqs {
		checkMessageRules(t, r)
	}
	c := specIfPresent(t)
	if c == nil {
		return
	}
	for _, r := range reqs {
		for _, e := range c.checkRequest(r.Method, r.Path, r.ContentType, r.Body) {
			t.Errorf("%s %s violates the spec: %s", r.Method, r.Path, e)
		}
	}
}

// checkMessageRules checks what the spec cannot: every message carries an
// explicit empty allowed_mentions list, and all embeds together stay
// within 6000 characters.
func checkMessageRules(t *testing.T, r recorded) {
	t.Helper()
	body := r.Body
	if strings.HasPrefix(r.ContentType, "multipart/") {
		body = payloadJSON(t, r)
	}
	if len(body) == 0 || r.Method == http.MethodPut {
		return
	}
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%s %s: %v", r.Method, r.Path, err)
	}
	msg := v
	if strings.HasSuffix(r.Path, "/callback") {
		typ := v["type"].(float64)
		if typ != 4 && typ != 7 {
			return
		}
		msg, _ = v["data"].(map[string]any)
	}
	am, ok := msg["allowed_mentions"].(map[string]any)
	if !ok {
		t.Errorf("%s %s: no allowed_mentions in %s", r.Method, r.Path, body)
		return
	}
	if p, ok := am["parse"].([]any); !ok || len(p) != 0 {
		t.Errorf("%s %s: allowed_mentions.parse = %v, want []", r.Method, r.Path, am["parse"])
	}
	if len(am) != 2 || am["replied_user"] != false {
		// users and roles are omitted; replied_user false is harmless.
		if _, has := am["users"]; has {
			t.Errorf("allowed_mentions lists users: %v", am)
		}
		if _, has := am["roles"]; has {
			t.Errorf("allowed_mentions lists roles: %v", am)
		}
	}
	embeds, _ := msg["embeds"].([]any)
	total := 0
	for _, e := range embeds {
		total += jsonEmbedLen(e.(map[string]any))
	}
	if total > maxEmbedTotal {
		t.Errorf("%s %s: embeds total %d characters, over %d", r.Method, r.Path, total, maxEmbedTotal)
	}
}

func jsonEmbedLen(e map[string]any) int {
	s := func(v any) int { x, _ := v.(string); return runeLen(x) }
	n := s(e["title"]) + s(e["description"])
	if f, ok := e["footer"].(map[string]any); ok {
		n += s(f["text"])
	}
	if a, ok := e["author"].(map[string]any); ok {
		n += s(a["name"])
	}
	fields, _ := e["fields"].([]any)
	for _, f := range fields {
		m := f.(map[string]any)
		n += s(m["name"]) + s(m["value"])
	}
	return n
}

func payloadJSON(t *testing.T, r recorded) []byte {
	t.Helper()
	i := strings.Index(string(r.Body), `name="payload_json"`)
	if i < 0 {
		t.Fatalf("multipart without payload_json")
	}
	rest := string(r.Body[i:])
	start := strings.Index(rest, "\r\n\r\n") + 4
	end := strings.Index(rest[start:], "\r\n--")
	return []byte(rest[start : start+end])
}

// gatedIndex is the real store with a gate before Statement: a slow
// store, made slow without sleeping, for the deferral path.
type gatedIndex struct {
	answers.Index
	gate chan struct{}
}

func (g *gatedIndex) Statement(ctx context.Context, id int64) (*answers.Statement, error) {
	if g.gate != nil {
		select {
		case <-g.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return g.Index.Statement(ctx, id)
}

// extraRecords are statements added to the seed for what rendering must
// handle: mentions and markdown in stored text, reported speech, a source
// URL with parentheses. Their ids are far above the seed's.
var extraRecords = []answers.Record{
	{Statement: answers.Statement{ID: 9001, Speaker: "Sergey Lavrov", SpeakerRole: "Russian foreign minister",
		Text: "We are ready for talks @everyone <@&123> *without* preconditions_ [click](https://evil.example)", Kind: answers.Quote,
		SaidOn: answers.Date{Year: 2024, Month: 6, Day: 14}, Topics: []string{"peace talks"}, Context: "Press conference in Moscow.",
		Source: answers.Source{Outlet: "TASS", Title: "Lavrov on talks", URL: "https://tass.example/a_(1)", PublishedOn: answers.Date{Year: 2024, Month: 6, Day: 14}}}},
	{Statement: answers.Statement{ID: 9002, Speaker: "Volodymyr Zelensky", SpeakerRole: "President of Ukraine",
		Text: "Zelensky said Ukraine would not cede territory.", Kind: answers.Paraphrase, SaidWhen: "in June",
		Source: answers.Source{Note: "reported by several outlets; no primary source recorded"}}},
	// Every field at the store's limits, all of it markdown that escaping
	// doubles, and mentions everywhere.
	{Statement: answers.Statement{ID: 9003, Speaker: strings.Repeat("@", 200), SpeakerRole: strings.Repeat("<@&1>", 200),
		Text: strings.Repeat("*_", answers.MaxTextLen/2), Kind: answers.Paraphrase, SaidWhen: strings.Repeat("`", answers.MaxFieldLen),
		Context: strings.Repeat("@everyone", answers.MaxFieldLen/9), Topics: []string{strings.Repeat("#", answers.MaxNameLen)},
		Source: answers.Source{Outlet: strings.Repeat("|", answers.MaxFieldLen), Title: strings.Repeat("~", answers.MaxFieldLen),
			URL: "https://example.org/" + strings.Repeat("a", 900), Note: strings.Repeat(">", answers.MaxFieldLen)}}},
}

// newTestBot returns a bot over a fresh store holding the curated seed and
// extraRecords. It is the one place that knows where test data comes from.
func newTestBot(t *testing.T) (*bot.Bot, *gatedIndex) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "onrecord.db"), data.Seed())
	if err != nil {
		t.Fatalf("opening the store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.ImportRecords(ctx, extraRecords, "test"); err != nil {
		t.Fatalf("importing test records: %v", err)
	}
	idx := &gatedIndex{Index: db}
	return bot.New(answers.NewEngine(idx), testLogger(t)), idx
}

// testLogger writes the adapter's log into the test's output.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// newTestDiscord returns an adapter talking to a fake API.
func newTestDiscord(t *testing.T, cfg Config) (*Discord, *fakeAPI, *gatedIndex) {
	t.Helper()
	api := newFakeAPI(t)
	b, idx := newTestBot(t)
	cfg.Token = "test-token"
	cfg.APIURL = api.srv.URL
	if cfg.ApplicationID == "" {
		cfg.ApplicationID = "111"
	}
	d, err := New(cfg, b, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	return d, api, idx
}

// interaction decodes a payload the way discordgo does for gateway events.
func interaction(t *testing.T, payload string) *dg.Interaction {
	t.Helper()
	var i dg.Interaction
	if err := json.Unmarshal([]byte(payload), &i); err != nil {
		t.Fatalf("payload: %v", err)
	}
	return &i
}
