package main

// Fakes of the Telegram Bot API and Discord's REST API on loopback, just
// enough of each to run the whole program against: the wire formats follow
// the adapters' own fakes in bot/telegram and bot/discord.

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	tgToken = "424242:SECRET-telegram-token_x"
	dcToken = "SECRET.discord.token-y"
)

// fakeTelegram is a Bot API server: getUpdates blocks until an update
// past the offset exists and confirms every update below the offset, as
// Telegram does.
type fakeTelegram struct {
	srv *httptest.Server

	mu        sync.Mutex
	changed   chan struct{}
	updates   []json.RawMessage
	ids       []int64
	nextID    int64
	confirmed int64 // updates below this id are confirmed
	sent      map[string][]string
	nextMsg   int
	// failGetMe is how many getMe calls still fail with 502.
	failGetMe int
	getMes    int
}

func newFakeTelegram(t *testing.T) *fakeTelegram {
	f := &fakeTelegram{changed: make(chan struct{}), nextID: 100, sent: map[string][]string{}, nextMsg: 1}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeTelegram) notify() { close(f.changed); f.changed = make(chan struct{}) }

// ask queues a private message from chat and returns the update's id.
func (f *fakeTelegram) ask(chat int64, text string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	upd := map[string]any{"update_id": f.nextID, "message": map[string]any{
		"message_id": f.nextID, "date": time.Now().Unix(), "text": text,
		"chat": map[string]any{"id": chat, "type": "private", "first_name": "Ann"},
		"from": map[string]any{"id": chat, "is_bot": false, "first_name": "Ann"},
	}}
	raw, _ := json.Marshal(upd)
	f.updates = append(f.updates, raw)
	f.ids = append(f.ids, f.nextID)
	f.notify()
	return f.nextID
}

// replies returns the texts sent to chat.
func (f *fakeTelegram) replies(chat int64) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.sent[strconv.FormatInt(chat, 10)]...)
}

func (f *fakeTelegram) confirmedBelow() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.confirmed
}

func (f *fakeTelegram) serve(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot"+tgToken+"/")
	if !ok {
		writeTG(w, http.StatusUnauthorized, map[string]any{"ok": false, "error_code": 401, "description": "Unauthorized"})
		return
	}
	// A call without parameters comes as an empty multipart body, which
	// the parser reports as EOF.
	if err := r.ParseMultipartForm(1 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) && !strings.HasSuffix(err.Error(), "EOF") {
		if r.Context().Err() == nil {
			writeTG(w, http.StatusBadRequest, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: " + err.Error()})
		}
		return
	}
	// Read the body to its end: only then does the server watch the
	// connection, and cancel a blocked getUpdates when the client leaves.
	io.Copy(io.Discard, r.Body)
	ok200 := func(result any) { writeTG(w, http.StatusOK, map[string]any{"ok": true, "result": result}) }
	switch strings.ToLower(rest) {
	case "getme":
		f.mu.Lock()
		f.getMes++
		fail := f.failGetMe > 0
		if fail {
			f.failGetMe--
		}
		f.mu.Unlock()
		if fail {
			writeTG(w, http.StatusBadGateway, map[string]any{"ok": false, "error_code": 502, "description": "Bad Gateway"})
			return
		}
		ok200(map[string]any{"id": 424242, "is_bot": true, "first_name": "OnRecord", "username": "OnRecordBot"})
	case "getupdates":
		ok200(f.getUpdates(r.Context(), r.Form))
	case "sendmessage":
		f.mu.Lock()
		chat := r.Form.Get("chat_id")
		f.sent[chat] = append(f.sent[chat], r.Form.Get("text"))
		f.nextMsg++
		id := f.nextMsg
		f.notify()
		f.mu.Unlock()
		c, _ := strconv.ParseInt(chat, 10, 64)
		ok200(map[string]any{"message_id": id, "date": time.Now().Unix(), "chat": map[string]any{"id": c, "type": "private"}, "text": "ok"})
	case "setmycommands", "deletewebhook", "setwebhook", "answercallbackquery":
		ok200(true)
	default:
		writeTG(w, http.StatusNotFound, map[string]any{"ok": false, "error_code": 404, "description": "Not Found: method not found"})
	}
}

func (f *fakeTelegram) getUpdates(ctx context.Context, form map[string][]string) []json.RawMessage {
	get := func(k string) string {
		if v := form[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	offset, _ := strconv.ParseInt(get("offset"), 10, 64)
	limit, _ := strconv.Atoi(get("limit"))
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := strconv.Atoi(get("timeout"))
	deadline := time.NewTimer(time.Duration(timeout) * time.Second)
	defer deadline.Stop()
	for {
		f.mu.Lock()
		if offset > f.confirmed {
			f.confirmed = offset
		}
		var out []json.RawMessage
		for i, id := range f.ids {
			if id >= f.confirmed && len(out) < limit {
				out = append(out, f.updates[i])
			}
		}
		ch := f.changed
		f.mu.Unlock()
		if len(out) > 0 || timeout == 0 {
			return append(out, []json.RawMessage{}...)
		}
		select {
		case <-ch:
		case <-deadline.C:
			return []json.RawMessage{}
		case <-ctx.Done():
			return nil
		}
	}
}

func writeTG(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// fakeDiscord is Discord's REST API as far as HTTP interactions mode uses
// it: the application, and the bulk overwrite of commands.
type fakeDiscord struct {
	srv *httptest.Server

	mu       sync.Mutex
	requests []string
}

func newFakeDiscord(t *testing.T) *fakeDiscord {
	f := &fakeDiscord{}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeDiscord) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("Authorization") != "Bot "+dcToken {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"message": "401: Unauthorized", "code": 0}`)
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/applications/@me":
		io.WriteString(w, `{"id":"111","name":"OnRecord"}`)
	case r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/commands"):
		w.Write(body)
	default:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"message":"404: Not Found","code":0}`)
	}
}

func (f *fakeDiscord) count(req string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if r == req {
			n++
		}
	}
	return n
}

// discordKey signs interactions as Discord does: Ed25519 over the
// timestamp followed by the body.
type discordKey struct{ priv ed25519.PrivateKey }

func newDiscordKey(t *testing.T) (*discordKey, string) {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &discordKey{priv}, hex.EncodeToString(pub)
}

// ask posts a signed /ask interaction and returns the decoded response.
func (k *discordKey) ask(t *testing.T, addr, id, question string) (int, map[string]any) {
	t.Helper()
	body := fmt.Sprintf(`{"id":%q,"application_id":"111","type":2,"token":"tok-%s",
		"data":{"id":"771825006014889984","name":"ask","type":1,"options":[{"name":"question","type":3,"value":%q}]},
		"guild_id":"290926798626357999","channel_id":"645027906669510667",
		"member":{"user":{"id":"53908232506183680","username":"mason","discriminator":"0"},"roles":[],"permissions":"2147483647","joined_at":"2017-03-13T19:19:14.040000+00:00"},
		"locale":"en-US","version":1}`, id, id, question)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/interactions", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Signature-Timestamp", ts)
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(k.priv, []byte(ts+body))))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("interaction: %v", err)
	}
	defer resp.Body.Close()
	var v map[string]any
	raw, _ := io.ReadAll(resp.Body)
	json.Unmarshal(raw, &v)
	return resp.StatusCode, v
}

// freeAddr returns a loopback address nothing listens on, for listeners
// the program opens itself.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// syncBuffer is a bytes.Buffer safe for the program's goroutines to
// write while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitUntil polls cond until it holds, failing the test after timeout.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// getHTTP returns the status and body of a GET.
func getHTTP(url string) (int, string) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
