package telegram

// fakeTG is a Bot API server on loopback speaking the real wire format:
// requests as multipart/form-data, urlencoded forms, JSON or query strings;
// answers in {"ok":...,"result":...} envelopes; a getUpdates that blocks
// until updates exist or its timeout passes and confirms by offset; and
// Telegram's error replies. When the specs are present every request is
// checked against them and a violation fails the test.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"
)

const (
	fakeToken    = "123456:TEST-token"
	fakeBotID    = 123456
	fakeUsername = "OnRecordBot"
)

// apiCall is one request the fake received.
type apiCall struct {
	Method      string
	Params      map[string]string
	Files       map[string][]byte
	ContentType string
	// MessageID is the id of the message the call sent, if it sent one.
	MessageID int
}

// apiError is an error reply the fake sends instead of a result.
type apiError struct {
	Code        int
	Description string
	RetryAfter  int
	MigrateTo   int64
}

var (
	errTooMany = func(after int) *apiError {
		return &apiError{429, "Too Many Requests: retry after " + strconv.Itoa(after), after, 0}
	}
	errBlocked   = &apiError{403, "Forbidden: bot was blocked by the user", 0, 0}
	errTooLong   = &apiError{400, "Bad Request: message is too long", 0, 0}
	errEmptyText = &apiError{400, "Bad Request: message text is empty", 0, 0}
	errParse     = &apiError{400, "Bad Request: can't parse entities", 0, 0}
	errMigrated  = func(to int64) *apiError {
		return &apiError{400, "Bad Request: group chat was upgraded to a supergroup chat", 0, to}
	}
	errNoMethod = &apiError{404, "Not Found: method not found", 0, 0}
	errBadToken = &apiError{401, "Unauthorized", 0, 0}
	errConflict = &apiError{409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running", 0, 0}
)

type fakeTG struct {
	t    testing.TB
	srv  *httptest.Server
	spec *apiSpec

	mu        sync.Mutex
	changed   chan struct{} // closed and replaced on every change
	queue     []json.RawMessage
	queueIDs  []int64
	nextID    int64
	confirmed int64 // every update below this offset is confirmed
	polling   int   // getUpdates calls in progress
	offsets   []int64
	calls     []apiCall
	nextMsgID int
	files     map[string][]byte // file_id -> content
	// fail, when set, may answer a call with an error instead.
	fail func(c apiCall) *apiError
	// hold, when set, runs before a call is answered and may block.
	hold func(c apiCall)
}

func newFakeTG(t testing.TB) *fakeTG {
	f := &fakeTG{t: t, changed: make(chan struct{}), nextID: 1000, nextMsgID: 5000, files: map[string][]byte{}}
	f.spec = loadSpec(t)
	if f.spec == nil {
		t.Log("shared/specs not found: requests are not checked against the Bot API spec")
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeTG) URL() string { return f.srv.URL }

// notify wakes everything waiting for a change. Call with f.mu held.
func (f *fakeTG) notify() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// push queues an update (its update_id is filled in) and returns its id.
func (f *fakeTG) push(upd map[string]any) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	upd["update_id"] = f.nextID
	raw, err := json.Marshal(upd)
	if err != nil {
		f.t.Fatalf("marshal update: %v", err)
	}
	f.queue = append(f.queue, raw)
	f.queueIDs = append(f.queueIDs, f.nextID)
	f.notify()
	return f.nextID
}

// addFile stores a document getFile and the file download can serve.
func (f *fakeTG) addFile(id string, data []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files[id] = data
}

func (f *fakeTG) setFail(fn func(c apiCall) *apiError) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = fn
}

func (f *fakeTG) setHold(fn func(c apiCall)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hold = fn
}

// snapshot returns the calls so far, optionally only those of methods.
func (f *fakeTG) snapshot(methods ...string) []apiCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []apiCall
	for _, c := range f.calls {
		if len(methods) == 0 || contains(methods, c.Method) {
			out = append(out, c)
		}
	}
	return out
}

// sent returns the sendMessage calls to chatID.
func (f *fakeTG) sent(chatID int64) []apiCall {
	var out []apiCall
	for _, c := range f.snapshot("sendMessage", "sendDocument", "editMessageText") {
		if c.Params["chat_id"] == strconv.FormatInt(chatID, 10) {
			out = append(out, c)
		}
	}
	return out
}

// waitFor blocks until cond holds, failing the test after a while.
func (f *fakeTG) waitFor(what string, cond func() bool) {
	f.t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		f.mu.Lock()
		ch := f.changed
		f.mu.Unlock()
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-time.After(50 * time.Millisecond):
			// Conditions may depend on state outside the fake.
		case <-deadline:
			f.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func (f *fakeTG) serve(w http.ResponseWriter, r *http.Request) {
	if rest, ok := strings.CutPrefix(r.URL.Path, "/file/bot"+fakeToken+"/"); ok {
		f.mu.Lock()
		data, ok := f.files[strings.TrimPrefix(rest, "documents/")]
		f.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(data)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	token, method, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 {
		writeError(w, errNoMethod)
		return
	}
	if token != fakeToken {
		writeError(w, errBadToken)
		return
	}
	call, err := parseRequest(r)
	if err != nil && (r.Context().Err() != nil || errors.Is(err, io.ErrUnexpectedEOF)) {
		return // the client gave up mid-request (a poll cancelled on stop)
	}
	if err != nil {
		f.t.Errorf("fake Bot API: %s: %v", method, err)
		writeError(w, &apiError{400, "Bad Request: " + err.Error(), 0, 0})
		return
	}
	call.Method = method
	if f.spec != nil {
		for _, p := range f.spec.checkCall(call) {
			f.t.Errorf("request violates the Bot API spec: %s", p)
		}
	}

	f.mu.Lock()
	f.calls = append(f.calls, call)
	idx := len(f.calls) - 1
	f.notify()
	fail, hold := f.fail, f.hold
	f.mu.Unlock()
	if hold != nil {
		hold(call)
	}
	if fail != nil {
		if e := fail(call); e != nil {
			writeError(w, e)
			return
		}
	}
	result, e := f.answer(r.Context(), call)
	if e != nil {
		writeError(w, e)
		return
	}
	if m, ok := result.(map[string]any); ok {
		if id, ok := m["message_id"].(int); ok {
			f.mu.Lock()
			f.calls[idx].MessageID = id
			f.mu.Unlock()
		}
	}
	writeResult(w, result)
}

func (f *fakeTG) answer(ctx context.Context, c apiCall) (any, *apiError) {
	switch strings.ToLower(c.Method) {
	case "getme":
		return map[string]any{"id": fakeBotID, "is_bot": true, "first_name": "OnRecord", "username": fakeUsername,
			"can_join_groups": true, "supports_inline_queries": true}, nil
	case "getupdates":
		return f.getUpdates(ctx, c)
	case "setmycommands", "deletewebhook", "setwebhook", "answercallbackquery", "answerinlinequery", "deletemycommands":
		return true, nil
	case "sendmessage", "editmessagetext":
		text := c.Params["text"]
		vis := text
		if c.Params["parse_mode"] == "HTML" {
			var ok bool
			if vis, ok = htmlVisible(text); !ok {
				return nil, errParse
			}
		}
		switch n := len(utf16.Encode([]rune(strings.TrimSpace(vis)))); {
		case n == 0:
			return nil, errEmptyText
		case n > 4096:
			return nil, errTooLong
		}
		if c.Params["inline_message_id"] != "" {
			return true, nil
		}
		return f.message(c, map[string]any{"text": vis}), nil
	case "senddocument":
		if len(c.Files["document"]) == 0 && c.Params["document"] == "" {
			return nil, &apiError{400, "Bad Request: there is no document in the request", 0, 0}
		}
		return f.message(c, map[string]any{"document": map[string]any{"file_id": "doc1", "file_unique_id": "u1"}}), nil
	case "getfile":
		id := c.Params["file_id"]
		f.mu.Lock()
		data, ok := f.files[id]
		f.mu.Unlock()
		if !ok {
			return nil, &apiError{400, "Bad Request: invalid file_id", 0, 0}
		}
		return map[string]any{"file_id": id, "file_unique_id": "u" + id, "file_size": len(data), "file_path": "documents/" + id}, nil
	}
	return nil, errNoMethod
}

func (f *fakeTG) message(c apiCall, extra map[string]any) map[string]any {
	f.mu.Lock()
	f.nextMsgID++
	id := f.nextMsgID
	f.mu.Unlock()
	chatID, _ := strconv.ParseInt(c.Params["chat_id"], 10, 64)
	if mid, err := strconv.Atoi(c.Params["message_id"]); err == nil && mid != 0 {
		id = mid
	}
	typ := "private"
	if chatID < 0 {
		typ = "supergroup"
	}
	m := map[string]any{
		"message_id": id, "date": time.Now().Unix(),
		"chat": map[string]any{"id": chatID, "type": typ},
		"from": map[string]any{"id": fakeBotID, "is_bot": true, "first_name": "OnRecord", "username": fakeUsername},
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// getUpdates answers like Telegram: updates below offset are confirmed and
// forgotten; the rest (up to limit) are returned, waiting up to timeout
// seconds for the first. Two polls at once get 409 Conflict.
func (f *fakeTG) getUpdates(ctx context.Context, c apiCall) (any, *apiError) {
	offset, _ := strconv.ParseInt(c.Params["offset"], 10, 64)
	limit, err := strconv.Atoi(c.Params["limit"])
	if err != nil || limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := strconv.Atoi(c.Params["timeout"])
	deadline := time.NewTimer(time.Duration(timeout) * time.Second)
	defer deadline.Stop()

	f.mu.Lock()
	if f.polling > 0 {
		f.mu.Unlock()
		return nil, errConflict
	}
	f.polling++
	f.offsets = append(f.offsets, offset)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.polling--
		f.notify()
		f.mu.Unlock()
	}()

	for {
		f.mu.Lock()
		if offset > f.confirmed {
			f.confirmed = offset
		}
		for len(f.queueIDs) > 0 && f.queueIDs[0] < f.confirmed {
			f.queue, f.queueIDs = f.queue[1:], f.queueIDs[1:]
		}
		n := min(limit, len(f.queue))
		out := append([]json.RawMessage{}, f.queue[:n]...)
		ch := f.changed
		f.mu.Unlock()
		if n > 0 || timeout == 0 {
			return out, nil
		}
		select {
		case <-ch:
		case <-deadline.C:
			return []json.RawMessage{}, nil
		case <-ctx.Done():
			return []json.RawMessage{}, nil
		}
	}
}

// pending returns the ids of updates not yet confirmed.
func (f *fakeTG) pending() []int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []int64
	for _, id := range f.queueIDs {
		if id >= f.confirmed {
			out = append(out, id)
		}
	}
	return out
}

func writeResult(w http.ResponseWriter, result any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": result})
}

func writeError(w http.ResponseWriter, e *apiError) {
	body := map[string]any{"ok": false, "error_code": e.Code, "description": e.Description}
	params := map[string]any{}
	if e.RetryAfter > 0 {
		params["retry_after"] = e.RetryAfter
	}
	if e.MigrateTo != 0 {
		params["migrate_to_chat_id"] = e.MigrateTo
	}
	if len(params) > 0 {
		body["parameters"] = params
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.Code)
	_ = json.NewEncoder(w).Encode(body)
}

// parseRequest reads parameters the four ways the Bot API accepts them.
func parseRequest(r *http.Request) (apiCall, error) {
	c := apiCall{Params: map[string]string{}, Files: map[string][]byte{}, ContentType: r.Header.Get("Content-Type")}
	for k, v := range r.URL.Query() {
		c.Params[k] = v[0]
	}
	if r.Method == http.MethodGet || r.ContentLength == 0 && r.Header.Get("Content-Type") == "" {
		return c, nil
	}
	mt, _, err := mime.ParseMediaType(c.ContentType)
	if err != nil {
		return c, fmt.Errorf("content type %q: %v", c.ContentType, err)
	}
	switch mt {
	case "multipart/form-data":
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return c, err
		}
		if len(body) == 0 {
			// go-telegram/bot sends methods without parameters (getMe) as
			// an empty multipart body, which Telegram accepts.
			return c, nil
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			return c, err
		}
		for k, v := range r.MultipartForm.Value {
			c.Params[k] = v[0]
		}
		for k, fhs := range r.MultipartForm.File {
			fh, err := fhs[0].Open()
			if err != nil {
				return c, err
			}
			data, err := io.ReadAll(fh)
			fh.Close()
			if err != nil {
				return c, err
			}
			c.Files[k] = data
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return c, err
		}
		for k, v := range r.PostForm {
			c.Params[k] = v[0]
		}
	case "application/json":
		var m map[string]json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			return c, err
		}
		for k, raw := range m {
			var s string
			if json.Unmarshal(raw, &s) == nil {
				c.Params[k] = s
			} else {
				c.Params[k] = string(raw)
			}
		}
	default:
		return c, fmt.Errorf("unsupported content type %q", mt)
	}
	return c, nil
}

// htmlVisible is what an HTML text shows, or false when Telegram could not
// parse it. It is deliberately simpler than the spec checker: it is the
// fake server's behaviour, not the test's judgement.
func htmlVisible(s string) (string, bool) {
	var out strings.Builder
	depth := 0
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				return "", false
			}
			if s[i+1] == '/' {
				depth--
			} else {
				depth++
			}
			i += end + 1
		case '&':
			end := strings.IndexByte(s[i:], ';')
			if end < 0 {
				return "", false
			}
			switch ent := s[i : i+end+1]; ent {
			case "&lt;":
				out.WriteByte('<')
			case "&gt;":
				out.WriteByte('>')
			case "&amp;":
				out.WriteByte('&')
			case "&quot;":
				out.WriteByte('"')
			default:
				if !strings.HasPrefix(ent, "&#") {
					return "", false
				}
				out.WriteString("?")
			}
			i += end + 1
		default:
			out.WriteByte(s[i])
			i++
		}
	}
	return out.String(), depth == 0
}

// Update builders: JSON as Telegram sends it, with entities computed the
// way Telegram computes them (UTF-16 offsets).

var (
	commandRE = regexp.MustCompile(`(^|\s)(/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{3,32})?)`)
	mentionRE = regexp.MustCompile(`(^|\s)(@[A-Za-z0-9_]{3,32})`)
)

// entities marks bot commands and mentions in text.
func entities(text string) []map[string]any {
	var out []map[string]any
	mark := func(re *regexp.Regexp, typ string) {
		for _, m := range re.FindAllStringSubmatchIndex(text, -1) {
			start, end := m[4], m[5]
			off := len(utf16.Encode([]rune(text[:start])))
			n := len(utf16.Encode([]rune(text[start:end])))
			out = append(out, map[string]any{"type": typ, "offset": off, "length": n})
		}
	}
	mark(commandRE, "bot_command")
	mark(mentionRE, "mention")
	return out
}

func user(id int64) map[string]any {
	return map[string]any{"id": id, "is_bot": false, "first_name": "User" + strconv.FormatInt(id, 10), "username": "user" + strconv.FormatInt(id, 10)}
}

func chat(id int64) map[string]any {
	if id < 0 {
		return map[string]any{"id": id, "type": "supergroup", "title": "Group " + strconv.FormatInt(-id, 10)}
	}
	return map[string]any{"id": id, "type": "private", "first_name": "User" + strconv.FormatInt(id, 10)}
}

var msgSeq struct {
	sync.Mutex
	n int
}

func nextMessageID() int {
	msgSeq.Lock()
	defer msgSeq.Unlock()
	msgSeq.n++
	return msgSeq.n
}

// textMessage is a message from user in chatID (negative for a group).
func textMessage(chatID, userID int64, text string) map[string]any {
	m := map[string]any{
		"message_id": nextMessageID(), "date": time.Now().Unix(),
		"chat": chat(chatID), "from": user(userID), "text": text,
	}
	if e := entities(text); len(e) > 0 {
		m["entities"] = e
	}
	return m
}

func messageUpdate(m map[string]any) map[string]any { return map[string]any{"message": m} }

// botMessage is a message the bot sent earlier, as it appears in
// reply_to_message.
func botMessage(chatID int64, id int) map[string]any {
	return map[string]any{
		"message_id": id, "date": time.Now().Unix(), "chat": chat(chatID),
		"from": map[string]any{"id": fakeBotID, "is_bot": true, "first_name": "OnRecord", "username": fakeUsername},
		"text": "An earlier answer",
	}
}

func callbackUpdate(chatID, userID int64, messageID int, data string) map[string]any {
	return map[string]any{"callback_query": map[string]any{
		"id": "cb" + strconv.Itoa(nextMessageID()), "from": user(userID), "chat_instance": "ci", "data": data,
		"message": botMessage(chatID, messageID),
	}}
}

func inlineUpdate(userID int64, query string) map[string]any {
	return map[string]any{"inline_query": map[string]any{
		"id": "iq" + strconv.Itoa(nextMessageID()), "from": user(userID), "query": query, "offset": "",
	}}
}

// decodeJSON decodes a JSON parameter the bot sent.
func decodeJSON[T any](t testing.TB, raw string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		t.Fatalf("decode %q: %v", raw, err)
	}
	return v
}

// offsetsSeen returns the offset of every getUpdates call, in order.
func (f *fakeTG) offsetsSeen() []int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int64(nil), f.offsets...)
}
