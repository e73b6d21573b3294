package discord

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	dg "github.com/bwmarrin/discordgo"

	"github.com/onrecord/onrecord/answers"
	"github.com/onrecord/onrecord/bot"
)

// Interaction payloads, shaped as in developers/interactions/
// receiving-and-responding.mdx ("Interaction Object") and the component
// and modal guides.
const (
	guildMember = `"guild_id":"290926798626357999","channel_id":"645027906669510667",
		"member":{"user":{"id":"53908232506183680","username":"mason","global_name":"Mason","discriminator":"0"},"roles":[],"permissions":"2147483647","joined_at":"2017-03-13T19:19:14.040000+00:00"},
		"app_permissions":"442368","locale":"en-US","version":1`
	dmUser = `"channel_id":"645027906669510667","context":1,
		"user":{"id":"53908232506183680","username":"mason","discriminator":"0"},"locale":"en-US","version":1`
)

func slashPayload(name, options, who string) string {
	return fmt.Sprintf(`{"id":"786008729715212338","application_id":"111","type":2,"token":"tok-%s",
		"data":{"id":"771825006014889984","name":%q,"type":1,"options":[%s]},%s}`, name, name, options, who)
}

func autocompletePayload(name, options string) string {
	return fmt.Sprintf(`{"id":"786008729715212339","application_id":"111","type":4,"token":"tok-ac",
		"data":{"id":"771825006014889984","name":%q,"type":1,"version":"847194950382780532","options":[%s]},%s}`, name, options, guildMember)
}

func buttonPayload(customID string) string {
	return fmt.Sprintf(`{"id":"846462639134605312","application_id":"111","type":3,"token":"tok-button",
		"message":{"id":"846462639134605313","channel_id":"645027906669510667","content":"","embeds":[],"components":[],"type":0,"timestamp":"2021-05-24T16:04:18.522000+00:00","author":{"id":"111","username":"OnRecord","bot":true}},
		"data":{"custom_id":%q,"component_type":2},%s}`, customID, guildMember)
}

func modalPayload(customID string) string {
	return fmt.Sprintf(`{"id":"846462639134605314","application_id":"111","type":5,"token":"tok-modal",
		"data":{"custom_id":%q,"components":[{"type":1,"components":[{"type":4,"custom_id":"id","value":"9001"}]}]},%s}`, customID, guildMember)
}

// run drives one interaction as the gateway would and returns the
// requests it caused.
func run(t *testing.T, d *Discord, api *fakeAPI, payload string) []recorded {
	t.Helper()
	before := len(api.requests())
	i := interaction(t, payload)
	d.serve(i, d.restResponder(i), false)
	return api.requests()[before:]
}

// callback finds the interaction callback among reqs and decodes it.
func callback(t *testing.T, reqs []recorded) map[string]any {
	t.Helper()
	for _, r := range reqs {
		if strings.HasSuffix(r.Path, "/callback") {
			return r.JSON(t)
		}
	}
	t.Fatalf("no callback in %v", reqs)
	return nil
}

func TestSlashCommands(t *testing.T) {
	d, api, _ := newTestDiscord(t, Config{})
	tests := []struct {
		name, payload string
		check         func(t *testing.T, cb map[string]any)
	}{
		{"source with detail", slashPayload("source", `{"name":"id","type":3,"value":"#9001"}`, guildMember), func(t *testing.T, cb map[string]any) {
			e := embeds(t, cb)[0]
			if !strings.Contains(e["description"].(string), `\@everyone \<\@&123\>`) {
				t.Errorf("mentions not escaped: %q", e["description"])
			}
			if !strings.Contains(fmt.Sprint(e["fields"]), "Press conference in Moscow") {
				t.Errorf("detail lacks context: %v", e["fields"])
			}
			if e["footer"].(map[string]any)["text"] != "14 June 2024 \u00b7 #9001" {
				t.Errorf("footer = %v", e["footer"])
			}
		}},
		{"source in a DM", slashPayload("source", `{"name":"id","type":3,"value":"9002"}`, dmUser), func(t *testing.T, cb map[string]any) {
			e := embeds(t, cb)[0]
			if !strings.Contains(e["footer"].(map[string]any)["text"].(string), bot.ParaphraseLabel) {
				t.Errorf("paraphrase not marked: %v", e["footer"])
			}
		}},
		{"unknown statement is private", slashPayload("source", `{"name":"id","type":3,"value":"99999"}`, guildMember), func(t *testing.T, cb map[string]any) {
			data := cb["data"].(map[string]any)
			if data["flags"] != float64(dg.MessageFlagsEphemeral) {
				t.Errorf("error not ephemeral: %v", data)
			}
		}},
		{"ask", slashPayload("ask", `{"name":"question","type":3,"value":"What did Lavrov say about talks?"}`, guildMember), func(t *testing.T, cb map[string]any) {
			data := cb["data"].(map[string]any)
			if data["content"] == "" && len(embeds(t, cb)) == 0 {
				t.Errorf("empty answer: %v", data)
			}
		}},
		{"help", slashPayload("help", ``, guildMember), func(t *testing.T, cb map[string]any) {
			if !strings.Contains(cb["data"].(map[string]any)["content"].(string), "/ask") {
				t.Errorf("help = %v", cb["data"])
			}
		}},
		{"speaker", slashPayload("speaker", `{"name":"name","type":3,"value":"Lavrov"}`, guildMember), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cb := callback(t, run(t, d, api, tt.payload))
			if cb["type"] != float64(4) {
				t.Fatalf("callback type = %v, want 4", cb["type"])
			}
			if tt.check != nil {
				tt.check(t, cb)
			}
		})
	}
	api.checkAll(t)
}

func embeds(t *testing.T, cb map[string]any) []map[string]any {
	t.Helper()
	raw, _ := cb["data"].(map[string]any)["embeds"].([]any)
	var out []map[string]any
	for _, e := range raw {
		out = append(out, e.(map[string]any))
	}
	if len(out) == 0 {
		t.Fatalf("no embeds in %v", cb)
	}
	return out
}

func TestButtons(t *testing.T) {
	d, api, _ := newTestDiscord(t, Config{})
	more := bot.Action{Name: bot.ActMore, IDs: []int64{9002, 1}}.Encode()
	cb := callback(t, run(t, d, api, buttonPayload(more)))
	if cb["type"] != float64(7) {
		t.Errorf("More: callback type %v, want 7 (UPDATE_MESSAGE)", cb["type"])
	}
	if got := fmt.Sprint(cb["data"].(map[string]any)["components"]); !strings.Contains(got, "More (1)") {
		t.Errorf("More: no next button in %s", got)
	}

	src := bot.Action{Name: bot.ActSource, IDs: []int64{9001}}.Encode()
	cb = callback(t, run(t, d, api, buttonPayload(src)))
	if cb["type"] != float64(4) || cb["data"].(map[string]any)["flags"] != float64(64) {
		t.Errorf("Source: got type %v flags %v, want a new ephemeral message", cb["type"], cb["data"].(map[string]any)["flags"])
	}

	cb = callback(t, run(t, d, api, buttonPayload("nonsense")))
	if cb["type"] != float64(4) || cb["data"].(map[string]any)["flags"] != float64(64) {
		t.Errorf("bad button: got %v, want a private error", cb)
	}
	api.checkAll(t)
}

func TestModalSubmit(t *testing.T) {
	var got bot.Request
	d, api, _ := newTestDiscord(t, Config{Wrap: func(h Handler) Handler {
		return handlerFunc{h, func(ctx context.Context, req bot.Request) bot.Reply {
			got = req
			return h.Handle(ctx, req)
		}}
	}})
	cb := callback(t, run(t, d, api, modalPayload("f|source")))
	if got.Command != "source" || got.Options["id"] != "9001" || got.Text != "9001" || got.User.ID != "53908232506183680" {
		t.Errorf("request = %+v", got)
	}
	if cb["type"] != float64(4) {
		t.Errorf("callback type %v", cb["type"])
	}
	// A hidden value in the custom_id wins over an input of its name.
	run(t, d, api, modalPayload("f|source|id=9002"))
	if got.Options["id"] != "9002" {
		t.Errorf("hidden id lost to the input: %+v", got)
	}
	// A modal the bot did not make reaches nobody.
	got = bot.Request{}
	cb = callback(t, run(t, d, api, modalPayload("source")))
	if got.Command != "" || cb["data"].(map[string]any)["flags"] != float64(64) {
		t.Errorf("foreign modal: request %+v, reply %v", got, cb)
	}
	api.checkAll(t)
}

// handlerFunc replaces Handle of a Handler.
type handlerFunc struct {
	Handler
	handle func(ctx context.Context, req bot.Request) bot.Reply
}

func (h handlerFunc) Handle(ctx context.Context, req bot.Request) bot.Reply {
	return h.handle(ctx, req)
}

func TestRequestMapping(t *testing.T) {
	var got bot.Request
	d, api, _ := newTestDiscord(t, Config{Wrap: func(h Handler) Handler {
		return handlerFunc{h, func(ctx context.Context, req bot.Request) bot.Reply { got = req; return bot.Reply{Text: "ok"} }}
	}})
	run(t, d, api, slashPayload("ask", `{"name":"question","type":3,"value":"Who?"}`, dmUser))
	want := bot.Request{User: bot.User{Platform: bot.Discord, ID: "53908232506183680", Name: "mason"}, Command: "ask", Text: "Who?", Options: map[string]string{"question": "Who?"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("DM request = %+v, want %+v", got, want)
	}
	run(t, d, api, slashPayload("ask", `{"name":"question","type":3,"value":"Who?"}`, guildMember))
	if got.User.Name != "Mason" {
		t.Errorf("member name = %q, want the global name", got.User.Name)
	}
	// Subcommands name the command as the bot's table does.
	run(t, d, api, slashPayload("statement", `{"name":"retire","type":1,"options":[{"name":"id","type":4,"value":12}]}`, guildMember))
	if got.Command != "statement retire" || got.Options["id"] != "12" {
		t.Errorf("subcommand request = %+v", got)
	}
}

func TestAttachmentDownload(t *testing.T) {
	var got bot.Request
	d, api, _ := newTestDiscord(t, Config{MaxFileSize: 10, Wrap: func(h Handler) Handler {
		return handlerFunc{h, func(ctx context.Context, req bot.Request) bot.Reply { got = req; return bot.Reply{Text: "ok"} }}
	}})
	payload := func(path string, size int) string {
		p := slashPayload("import", `{"name":"file","type":11,"value":"1"}`, guildMember)
		resolved := fmt.Sprintf(`,"resolved":{"attachments":{"1":{"id":"1","filename":"s.jsonl","size":%d,"url":%q,"proxy_url":%q}}}`, size, api.srv.URL+path, api.srv.URL+path)
		return strings.Replace(p, `"type":1,"options"`, `"type":1`+resolved+`,"options"`, 1)
	}
	run(t, d, api, payload("/cdn/abcde", 5))
	if got.File == nil || string(got.File.Data) != "xxxxx" || got.File.Name != "s.jsonl" {
		t.Errorf("file = %+v", got.File)
	}
	got = bot.Request{}
	cb := callback(t, run(t, d, api, payload("/cdn/abcdefghijklmnop", 5))) // lies about its size
	if got.Command != "" || !strings.Contains(fmt.Sprint(cb), "too large") {
		t.Errorf("oversized download reached the bot (%+v) or was not refused: %v", got, cb)
	}
	cb = callback(t, run(t, d, api, payload("/cdn/a", 1<<20)))
	if !strings.Contains(fmt.Sprint(cb), "too large") {
		t.Errorf("declared oversize not refused: %v", cb)
	}
}

type fakeSuggester struct{ n int }

func (f fakeSuggester) SuggestSpeakers(ctx context.Context, typed string, n int) ([]answers.Speaker, error) {
	var out []answers.Speaker
	for i := range f.n {
		out = append(out, answers.Speaker{Name: fmt.Sprintf("%s %d %s", typed, i, strings.Repeat("n", 150)), Role: "role"})
	}
	return out, nil
}

func (f fakeSuggester) Suggest(ctx context.Context, typed string, n int) ([]answers.Answer, error) {
	var out []answers.Answer
	for i := range f.n {
		out = append(out, answers.Answer{Statement: answers.Statement{ID: int64(i + 1), Speaker: "Lavrov", Text: fmt.Sprintf("%d %s", i, strings.Repeat("talks ", 50))}})
	}
	return out, nil
}

func TestAutocomplete(t *testing.T) {
	d, api, _ := newTestDiscord(t, Config{})
	// The real engine first: whatever it suggests must fit.
	for _, p := range []string{
		autocompletePayload("speaker", `{"type":3,"name":"name","value":"lav","focused":true}`),
		autocompletePayload("ask", `{"type":3,"name":"question","value":"what did lavrov say","focused":true}`),
		autocompletePayload("source", `{"type":3,"name":"id","value":"1","focused":true}`),
	} {
		cb := callback(t, run(t, d, api, p))
		if cb["type"] != float64(8) {
			t.Errorf("callback type = %v, want 8", cb["type"])
		}
	}
	// Then a suggester returning too many, too long suggestions.
	d.suggester = fakeSuggester{n: 40}
	for _, p := range []string{
		autocompletePayload("speaker", `{"type":3,"name":"name","value":"lav","focused":true}`),
		autocompletePayload("ask", `{"type":3,"name":"question","value":"talks","focused":true}`),
	} {
		cb := callback(t, run(t, d, api, p))
		choices := cb["data"].(map[string]any)["choices"].([]any)
		if len(choices) != 25 {
			t.Errorf("%d choices, want 25", len(choices))
		}
		for _, c := range choices {
			c := c.(map[string]any)
			if runeLen(c["name"].(string)) > 100 || runeLen(c["value"].(string)) > 100 {
				t.Errorf("choice over 100 characters: %v", c)
			}
		}
	}
	api.checkAll(t)
}

// TestDeferral: a store slower than the deadline gets a deferral within it
// and the answer as an edit of the original response.
func TestDeferral(t *testing.T) {
	d, api, idx := newTestDiscord(t, Config{ResponseDeadline: 50 * time.Millisecond})
	idx.gate = make(chan struct{})
	done := make(chan struct{})
	i := interaction(t, slashPayload("source", `{"name":"id","type":3,"value":"9001"}`, guildMember))
	go func() { d.serve(i, d.restResponder(i), false); close(done) }()
	cb := api.waitFor(t, http.MethodPost, "/callback").JSON(t)
	if cb["type"] != float64(5) {
		t.Fatalf("first response type %v, want 5 (deferred)", cb["type"])
	}
	close(idx.gate)
	<-done
	edit := api.waitFor(t, http.MethodPatch, "/webhooks/111/tok-source/messages/@original").JSON(t)
	if !strings.Contains(fmt.Sprint(edit["embeds"]), "9001") {
		t.Errorf("edit lacks the answer: %v", edit)
	}
	api.checkAll(t)
}

// TestDeferredPrivateReply: an error after a public deferral replaces the
// "thinking" message with an ephemeral follow-up.
func TestDeferredPrivateReply(t *testing.T) {
	d, api, idx := newTestDiscord(t, Config{ResponseDeadline: 20 * time.Millisecond})
	idx.gate = make(chan struct{})
	i := interaction(t, slashPayload("source", `{"name":"id","type":3,"value":"99999"}`, guildMember))
	done := make(chan struct{})
	go func() { d.serve(i, d.restResponder(i), false); close(done) }()
	api.waitFor(t, http.MethodPost, "/callback")
	close(idx.gate)
	<-done
	api.waitFor(t, http.MethodDelete, "/messages/@original")
	f := api.waitFor(t, http.MethodPost, "/webhooks/111/tok-source").JSON(t)
	if f["flags"] != float64(64) {
		t.Errorf("follow-up flags = %v, want 64", f["flags"])
	}
	api.checkAll(t)
}

// TestDeferredButton: a slow "More" defers with type 6 and edits the
// message it is on.
func TestDeferredButton(t *testing.T) {
	d, api, idx := newTestDiscord(t, Config{ResponseDeadline: 20 * time.Millisecond})
	idx.gate = make(chan struct{})
	i := interaction(t, buttonPayload(bot.Action{Name: bot.ActMore, IDs: []int64{9001}}.Encode()))
	done := make(chan struct{})
	go func() { d.serve(i, d.restResponder(i), false); close(done) }()
	if cb := api.waitFor(t, http.MethodPost, "/callback").JSON(t); cb["type"] != float64(6) {
		t.Errorf("first response type %v, want 6", cb["type"])
	}
	close(idx.gate)
	<-done
	api.waitFor(t, http.MethodPatch, "/webhooks/111/tok-button/messages/@original")
	api.checkAll(t)
}

// TestRateLimitedFollowUp: a 429 on the edit is waited out and retried; a
// 429 on a callback is not retried at all.
func TestRateLimitedFollowUp(t *testing.T) {
	d, api, idx := newTestDiscord(t, Config{ResponseDeadline: 20 * time.Millisecond})
	var callbacks atomic.Int32
	api.override = func(r recorded, n int) (int, string, bool) {
		if r.Method == http.MethodPatch && n == 1 {
			return http.StatusTooManyRequests, `{"message":"You are being rate limited.","retry_after":0.05,"global":false}`, true
		}
		if strings.HasSuffix(r.Path, "/callback") && strings.Contains(r.Path, "tok-help") {
			callbacks.Add(1)
			return http.StatusTooManyRequests, `{"message":"You are being rate limited.","retry_after":60,"global":false}`, true
		}
		return 0, "", false
	}
	idx.gate = make(chan struct{})
	i := interaction(t, slashPayload("source", `{"name":"id","type":3,"value":"9001"}`, guildMember))
	done := make(chan struct{})
	go func() { d.serve(i, d.restResponder(i), false); close(done) }()
	api.waitFor(t, http.MethodPost, "/callback")
	close(idx.gate)
	<-done
	patches := 0
	for _, r := range api.requests() {
		if r.Method == http.MethodPatch {
			patches++
		}
	}
	if patches != 2 {
		t.Errorf("%d edits, want 2 (one 429, one retry)", patches)
	}

	start := time.Now()
	run(t, d, api, slashPayload("help", ``, guildMember))
	if callbacks.Load() != 1 {
		t.Errorf("rate-limited callback sent %d times, want once", callbacks.Load())
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("a rate-limited callback took %v: it waited", el)
	}
}

// TestPanicRecovered: a panicking handler costs one apology, not the
// process, and the next interaction is served normally.
func TestPanicRecovered(t *testing.T) {
	d, api, _ := newTestDiscord(t, Config{Wrap: func(h Handler) Handler {
		return handlerFunc{h, func(ctx context.Context, req bot.Request) bot.Reply {
			if req.Text == "boom" {
				panic("boom")
			}
			return h.Handle(ctx, req)
		}}
	}})
	cb := callback(t, run(t, d, api, slashPayload("ask", `{"name":"question","type":3,"value":"boom"}`, guildMember)))
	data := cb["data"].(map[string]any)
	if data["content"] != apology || data["flags"] != float64(64) {
		t.Errorf("panic answered with %v", data)
	}
	d.suggester = panicSuggester{}
	cb = callback(t, run(t, d, api, autocompletePayload("speaker", `{"type":3,"name":"name","value":"x","focused":true}`)))
	if cb["type"] != float64(8) {
		t.Errorf("panicking autocomplete answered with %v", cb)
	}
	cb = callback(t, run(t, d, api, slashPayload("help", ``, guildMember)))
	if cb["type"] != float64(4) {
		t.Errorf("after a panic: %v", cb)
	}
	api.checkAll(t)
}

type panicSuggester struct{ fakeSuggester }

func (panicSuggester) SuggestSpeakers(ctx context.Context, typed string, n int) ([]answers.Speaker, error) {
	panic("suggest")
}

// TestPing answers PING with PONG over the gateway path too.
func TestUnknownAndPing(t *testing.T) {
	d, api, _ := newTestDiscord(t, Config{})
	cb := callback(t, run(t, d, api, `{"id":"1","application_id":"111","type":1,"token":"tok-ping"}`))
	if cb["type"] != float64(1) {
		t.Errorf("ping answered with %v", cb)
	}
	cb = callback(t, run(t, d, api, `{"id":"2","application_id":"111","type":99,"token":"tok-odd"}`))
	if cb["type"] != float64(4) {
		t.Errorf("unknown type answered with %v", cb)
	}
	api.checkAll(t)
}

func TestMessageJSON(t *testing.T) {
	// discordgo's zero MessageAllowedMentions sends "parse":null, which
	// Discord reads as the defaults; ours must be an empty list.
	b, _ := json.Marshal(noMentions())
	if !strings.HasPrefix(string(b), `{"parse":[]`) {
		t.Errorf("allowed_mentions = %s", b)
	}
}

// TestStatementAtEveryLimit shows a stored statement with every field at
// the store's limits, as an answer and with full detail.
func TestStatementAtEveryLimit(t *testing.T) {
	d, api, _ := newTestDiscord(t, Config{})
	for _, p := range []string{
		slashPayload("source", `{"name":"id","type":3,"value":"9003"}`, guildMember),
		buttonPayload(bot.Action{Name: bot.ActShow, IDs: []int64{9003}}.Encode()),
	} {
		cb := callback(t, run(t, d, api, p))
		if cb["type"] == float64(4) && cb["data"].(map[string]any)["flags"] == float64(64) {
			t.Fatalf("answered with an error: %v", cb)
		}
		e := embeds(t, cb)[0]
		if !strings.HasSuffix(e["description"].(string), ellipsis) {
			t.Errorf("long quote not cut with an ellipsis")
		}
	}
	api.checkAll(t)
}

// TestFileReply: a reply with a file goes out as multipart, through the
// callback over the gateway and through a deferred edit over HTTP, whose
// response body cannot carry it.
func TestFileReply(t *testing.T) {
	export := func(h Handler) Handler {
		return handlerFunc{h, func(ctx context.Context, req bot.Request) bot.Reply {
			return bot.Reply{Text: "Here is the export.", File: &bot.File{Name: "export.jsonl", Data: []byte(`{"id":1}` + "\n")}}
		}}
	}
	d, api, _ := newTestDiscord(t, Config{Wrap: export})
	reqs := run(t, d, api, slashPayload("export", ``, guildMember))
	if len(reqs) != 1 || !strings.HasPrefix(reqs[0].ContentType, "multipart/form-data") || !strings.Contains(string(reqs[0].Body), "export.jsonl") {
		t.Errorf("gateway: requests = %v", reqs)
	}
	api.checkAll(t)

	key := newSigner(t)
	d2, api3, _ := newTestDiscord(t, Config{Wrap: export, PublicKey: hex.EncodeToString(key.pub), Now: func() time.Time { return testNow }})
	srv := httptest.NewServer(d2.InteractionsHandler())
	defer srv.Close()
	status, v := do(t, key.request(t, srv.URL+"/interactions", slashPayload("export", ``, guildMember), testNow))
	if status != http.StatusOK || v["type"] != float64(5) {
		t.Fatalf("HTTP: got %d %v, want a deferral", status, v)
	}
	edit := api3.waitFor(t, http.MethodPatch, "/messages/@original")
	if !strings.HasPrefix(edit.ContentType, "multipart/form-data") || !strings.Contains(string(edit.Body), "export.jsonl") {
		t.Errorf("HTTP: edit = %s %s", edit.ContentType, edit.Body)
	}
	d2.stop()
	api3.checkAll(t)
}
