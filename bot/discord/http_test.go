package discord

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onrecord/onrecord/bot"
)

var testNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// signer signs requests the way Discord does: Ed25519 over the timestamp
// followed by the body.
type signer struct {
	pub  ed25519.PublicKey
	priv ed25519.PrivateKey
}

func newSigner(t *testing.T) signer {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return signer{pub, priv}
}

func (s signer) request(t *testing.T, url, body string, at time.Time) *http.Request {
	t.Helper()
	ts := strconv.FormatInt(at.Unix(), 10)
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Signature-Timestamp", ts)
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(s.priv, []byte(ts+body))))
	return req
}

// newHTTPDiscord returns an adapter in HTTP interactions mode, the number
// of requests that reached the bot, and its endpoint.
func newHTTPDiscord(t *testing.T, key signer, cfg Config) (*Discord, *fakeAPI, *gatedIndex, *atomic.Int32, string) {
	t.Helper()
	var handled atomic.Int32
	cfg.PublicKey = hex.EncodeToString(key.pub)
	cfg.Now = func() time.Time { return testNow }
	cfg.Wrap = func(h Handler) Handler {
		return handlerFunc{h, func(ctx context.Context, req bot.Request) bot.Reply {
			handled.Add(1)
			return h.Handle(ctx, req)
		}}
	}
	d, api, idx := newTestDiscord(t, cfg)
	srv := httptest.NewServer(d.InteractionsHandler())
	t.Cleanup(srv.Close)
	return d, api, idx, &handled, srv.URL + "/interactions"
}

func do(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v map[string]any
	json.Unmarshal(b, &v)
	return resp.StatusCode, v
}

func TestInteractionsEndpointSignatures(t *testing.T) {
	key := newSigner(t)
	_, _, _, handled, url := newHTTPDiscord(t, key, Config{})
	help := slashPayload("help", ``, guildMember)
	tests := []struct {
		name   string
		req    func() *http.Request
		status int
	}{
		{"valid", func() *http.Request { return key.request(t, url, help, testNow) }, http.StatusOK},
		{"tampered body", func() *http.Request {
			r := key.request(t, url, help, testNow)
			r.Body = io.NopCloser(strings.NewReader(strings.Replace(help, "help", "hel_", 1)))
			r.ContentLength = -1
			return r
		}, http.StatusUnauthorized},
		{"wrong key", func() *http.Request { return newSigner(t).request(t, url, help, testNow) }, http.StatusUnauthorized},
		{"stale timestamp", func() *http.Request { return key.request(t, url, help, testNow.Add(-6*time.Minute)) }, http.StatusUnauthorized},
		{"future timestamp", func() *http.Request { return key.request(t, url, help, testNow.Add(6*time.Minute)) }, http.StatusUnauthorized},
		{"missing signature", func() *http.Request {
			r := key.request(t, url, help, testNow)
			r.Header.Del("X-Signature-Ed25519")
			return r
		}, http.StatusUnauthorized},
		{"missing timestamp", func() *http.Request {
			r := key.request(t, url, help, testNow)
			r.Header.Del("X-Signature-Timestamp")
			return r
		}, http.StatusUnauthorized},
		{"garbage signature", func() *http.Request {
			r := key.request(t, url, help, testNow)
			r.Header.Set("X-Signature-Ed25519", "zz")
			return r
		}, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := handled.Load()
			status, _ := do(t, tt.req())
			if status != tt.status {
				t.Errorf("status = %d, want %d", status, tt.status)
			}
			processed := handled.Load() - before
			if tt.status != http.StatusOK && processed != 0 {
				t.Errorf("a rejected request reached the bot")
			}
			if tt.status == http.StatusOK && processed != 1 {
				t.Errorf("a valid request was handled %d times", processed)
			}
		})
	}
	if r, _ := http.Get(url); r.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", r.StatusCode)
	}
	if r, _ := http.Post(strings.TrimSuffix(url, "/interactions")+"/other", "application/json", bytes.NewReader(nil)); r.StatusCode != http.StatusNotFound {
		t.Errorf("other path: %d", r.StatusCode)
	}
}

func TestInteractionsEndpointReplies(t *testing.T) {
	key := newSigner(t)
	_, api, _, _, url := newHTTPDiscord(t, key, Config{})
	c := specIfPresent(t)
	tests := []struct {
		name, payload string
		wantType      float64
	}{
		{"ping", `{"id":"1","application_id":"111","type":1,"token":"t","version":1}`, 1},
		{"slash", slashPayload("source", `{"name":"id","type":3,"value":"9001"}`, guildMember), 4},
		{"DM", slashPayload("source", `{"name":"id","type":3,"value":"9001"}`, dmUser), 4},
		{"autocomplete", autocompletePayload("speaker", `{"type":3,"name":"name","value":"pu","focused":true}`), 8},
		{"button", buttonPayload(bot.Action{Name: bot.ActMore, IDs: []int64{9001}}.Encode()), 7},
		{"modal", modalPayload("source"), 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := key.request(t, url, tt.payload, testNow)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("status %d, type %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			rec := recorded{Method: http.MethodPost, Path: "/interactions/1/t/callback", ContentType: "application/json", Body: body}
			if v := rec.JSON(t); v["type"] != tt.wantType {
				t.Errorf("type = %v, want %v", v["type"], tt.wantType)
			}
			checkMessageRules(t, rec)
			if c == nil {
				return
			}
			for _, e := range c.checkRequest(rec.Method, rec.Path, rec.ContentType, body) {
				t.Error(e)
			}
		})
	}
	// Replies travel in the response body: nothing went through REST.
	if reqs := api.requests(); len(reqs) != 0 {
		t.Errorf("REST calls in HTTP mode: %v", reqs)
	}
}

// TestInteractionsEndpointDeferral: a slow reply is deferred in the HTTP
// response and delivered by editing the original response over REST.
func TestInteractionsEndpointDeferral(t *testing.T) {
	key := newSigner(t)
	d, api, idx, _, url := newHTTPDiscord(t, key, Config{ResponseDeadline: 30 * time.Millisecond})
	idx.gate = make(chan struct{})
	status, v := do(t, key.request(t, url, slashPayload("source", `{"name":"id","type":3,"value":"9001"}`, guildMember), testNow))
	if status != http.StatusOK || v["type"] != float64(5) {
		t.Fatalf("got %d %v, want a deferral", status, v)
	}
	close(idx.gate)
	api.waitFor(t, http.MethodPatch, "/webhooks/111/tok-source/messages/@original")
	d.stop()
	api.checkAll(t)
}

// TestRunHTTPGracefulStop: Run registers the commands, serves, and on
// cancellation answers the interaction still in flight before returning.
func TestRunHTTPGracefulStop(t *testing.T) {
	key := newSigner(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	d, api, idx, _, _ := newHTTPDiscord(t, key, Config{InteractionsAddr: addr, ResponseDeadline: 30 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	api.waitFor(t, http.MethodPut, "/applications/111/commands")

	idx.gate = make(chan struct{})
	url := "http://" + addr + "/interactions"
	var status int
	var v map[string]any
	for range 100 { // the listener may not be up yet
		req := key.request(t, url, slashPayload("source", `{"name":"id","type":3,"value":"9001"}`, guildMember), testNow)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		status = resp.StatusCode
		json.Unmarshal(b, &v)
		break
	}
	if status != http.StatusOK || v["type"] != float64(5) {
		t.Fatalf("got %d %v, want a deferral", status, v)
	}
	cancel()
	select {
	case err := <-done:
		t.Fatalf("Run returned (%v) with an interaction in flight", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(idx.gate)
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	var edited bool
	for _, r := range api.requests() {
		edited = edited || (r.Method == http.MethodPatch && strings.HasSuffix(r.Path, "/@original"))
	}
	if !edited {
		t.Error("the interaction in flight was not answered before Run returned")
	}
	api.checkAll(t)
}
