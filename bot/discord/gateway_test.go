package discord

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// fakeGateway is enough of Discord's gateway for one session: Hello,
// Identify, READY, then the dispatches a test queues.
type fakeGateway struct {
	srv      *httptest.Server
	identify chan map[string]any
	send     chan string
	closed   chan struct{}
}

func newFakeGateway(t *testing.T) *fakeGateway {
	g := &fakeGateway{identify: make(chan map[string]any, 1), send: make(chan string, 10), closed: make(chan struct{})}
	up := websocket.Upgrader{}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		c.WriteJSON(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": 45000}})
		var id map[string]any
		if err := c.ReadJSON(&id); err != nil {
			return
		}
		g.identify <- id
		c.WriteMessage(websocket.TextMessage, []byte(`{"op":0,"s":1,"t":"READY","d":{"v":10,"session_id":"s1","resume_gateway_url":"`+
			strings.Replace(g.srv.URL, "http", "ws", 1)+`","user":{"id":"111","username":"OnRecord","bot":true},"guilds":[],"application":{"id":"111","flags":0}}}`))
		go func() {
			seq := 2
			for m := range g.send {
				c.WriteMessage(websocket.TextMessage, []byte(`{"op":0,"s":`+itoa(seq)+`,"t":"INTERACTION_CREATE","d":`+m+`}`))
				seq++
			}
		}()
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				close(g.closed)
				return
			}
		}
	}))
	t.Cleanup(g.srv.Close)
	return g
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestRunGateway runs the adapter against a fake gateway: it identifies
// without intents, answers an interaction from the gateway over REST, and
// closes the connection when its context ends.
func TestRunGateway(t *testing.T) {
	d, api, _ := newTestDiscord(t, Config{})
	gw := newFakeGateway(t)
	api.override = func(r recorded, n int) (int, string, bool) {
		if r.Path == "/gateway" {
			return http.StatusOK, `{"url":"` + strings.Replace(gw.srv.URL, "http", "ws", 1) + `"}`, true
		}
		return 0, "", false
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()

	var id map[string]any
	select {
	case id = <-gw.identify:
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("no identify")
	}
	if intents := id["d"].(map[string]any)["intents"]; intents != float64(0) {
		t.Errorf("intents = %v, want none", intents)
	}
	gw.send <- slashPayload("source", `{"name":"id","type":3,"value":"9001"}`, guildMember)
	cb := api.waitFor(t, http.MethodPost, "/interactions/786008729715212338/tok-source/callback").JSON(t)
	if cb["type"] != float64(4) {
		t.Errorf("callback = %v", cb)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	select {
	case <-gw.closed:
	case <-time.After(5 * time.Second):
		t.Error("the gateway connection was not closed")
	}
	close(gw.send)
	api.checkAll(t)
}
