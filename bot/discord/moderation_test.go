package discord

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	dg "github.com/bwmarrin/discordgo"

	"github.com/onrecord/onrecord/answers"
	"github.com/onrecord/onrecord/bot"
	"github.com/onrecord/onrecord/data"
	"github.com/onrecord/onrecord/store"
)

// Users of the moderator tests. Rights come from the store only: every one
// of them has every permission in the server (member.permissions), which
// must make no difference.
const (
	modID      = "80351110224678912"
	strangerID = "80351110224678913"
	// tgModID is a Telegram moderator's id, used by someone on Discord.
	tgModID = "1001"
	ownerID = "80351110224678914"
)

// member is the guild-member part of an interaction payload, shaped as in
// developers/interactions/receiving-and-responding.mdx.
func member(id string) string {
	return fmt.Sprintf(`"guild_id":"290926798626357999","channel_id":"645027906669510667",
		"member":{"user":{"id":%q,"username":"user%s","discriminator":"0"},"roles":[],"permissions":"2147483647","joined_at":"2017-03-13T19:19:14.040000+00:00"},
		"app_permissions":"442368","locale":"en-US","version":1`, id, id)
}

var tokens atomic.Int64

// subcommandPayload is a slash command with a subcommand, as
// application-commands.mdx shows them: the subcommand is the one option
// of type 1, holding the options the user filled in.
func subcommandPayload(top, sub, options, who string) string {
	return fmt.Sprintf(`{"id":"786008729715212340","application_id":"111","type":2,"token":"tok-%d",
		"data":{"id":"771825006014889985","name":%q,"type":1,"options":[{"name":%q,"type":1,"options":[%s]}]},%s}`,
		tokens.Add(1), top, sub, options, who)
}

// commandPayload is a slash command without subcommands; resolved is
// empty or a "resolved" member for attachments.
func commandPayload(name, options, resolved, who string) string {
	if resolved != "" {
		resolved += ","
	}
	return fmt.Sprintf(`{"id":"786008729715212341","application_id":"111","type":2,"token":"tok-%d",
		"data":{"id":"771825006014889986","name":%q,"type":1,%s"options":[%s]},%s}`,
		tokens.Add(1), name, resolved, options, who)
}

// submitPayload is a modal submit (type 5) as Discord sends it for a modal
// of action rows: one row per text input, each with its custom_id and value.
func submitPayload(customID string, inputs [][2]string, who string) string {
	rows := make([]string, 0, len(inputs))
	for _, in := range inputs {
		rows = append(rows, fmt.Sprintf(`{"type":1,"components":[{"type":4,"custom_id":%q,"value":%q}]}`, in[0], in[1]))
	}
	return fmt.Sprintf(`{"id":"846462639134605315","application_id":"111","type":5,"token":"tok-%d",
		"data":{"custom_id":%q,"components":[%s]},%s}`, tokens.Add(1), customID, strings.Join(rows, ","), who)
}

// newModDiscord returns an adapter over a fresh store holding only the
// curated seed (13 statements, so the next one added is #14), with one
// Discord moderator and one Telegram moderator.
func newModDiscord(t *testing.T, cfg Config) (*Discord, *fakeAPI, *store.DB, *gatedIndex) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "mod.db"), data.Seed())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	idx := &gatedIndex{Index: db}
	b := bot.New(answers.NewEngine(idx), testLogger(t))
	// The gate wraps the index the engine reads; moderation goes to the
	// store itself.
	b.Mod = db
	if err := b.Mod.EnsureOwners(ctx, []answers.Moderator{{Platform: "discord", UserID: ownerID, Name: "Olga"}}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []answers.Moderator{
		{Platform: "discord", UserID: modID, Name: "Mia", Role: answers.RoleModerator},
		{Platform: "telegram", UserID: tgModID, Name: "Anna", Role: answers.RoleModerator},
	} {
		if err := b.Mod.SetModerator(ctx, m, "discord:"+ownerID); err != nil {
			t.Fatal(err)
		}
	}
	api := newFakeAPI(t)
	cfg.Token, cfg.APIURL, cfg.ApplicationID = "test-token", api.srv.URL, "111"
	d, err := New(cfg, b, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	return d, api, db, idx
}

// message4 is the content, privacy and embed footers of a type 4 callback, failing when
// the callback is anything else.
func message4(t *testing.T, cb map[string]any) (content string, private bool, footers []string) {
	t.Helper()
	if cb["type"] != float64(4) {
		t.Fatalf("callback type %v, want 4: %v", cb["type"], cb)
	}
	data := cb["data"].(map[string]any)
	content, _ = data["content"].(string)
	// Markdown escapes ("\#14") are not what the user reads.
	content = strings.ReplaceAll(content, `\`, "")
	private = data["flags"] == float64(dg.MessageFlagsEphemeral)
	raw, _ := data["embeds"].([]any)
	for _, e := range raw {
		if f, ok := e.(map[string]any)["footer"].(map[string]any); ok {
			footers = append(footers, f["text"].(string))
		}
	}
	return content, private, footers
}

// modalOf checks a MODAL callback against the spec's schema for it and
// Discord's limits, and returns its custom_id and inputs by custom_id.
func modalOf(t *testing.T, cb map[string]any) (customID string, inputs map[string]map[string]any) {
	t.Helper()
	if cb["type"] != float64(9) {
		t.Fatalf("callback type %v, want 9 (MODAL): %v", cb["type"], cb)
	}
	if c := specIfPresent(t); c != nil {
		for _, e := range c.validate(cb, schema{"$ref": "#/components/schemas/ModalInteractionCallbackRequest"}, "$", "") {
			t.Errorf("modal violates ModalInteractionCallbackRequest: %s", e)
		}
	}
	data := cb["data"].(map[string]any)
	customID = data["custom_id"].(string)
	if n := len(customID); n == 0 || n > 100 {
		t.Errorf("custom_id is %d bytes", n)
	}
	if n := runeLen(data["title"].(string)); n == 0 || n > 45 {
		t.Errorf("title is %d characters", n)
	}
	rows := data["components"].([]any)
	if len(rows) == 0 || len(rows) > 5 {
		t.Fatalf("%d rows, want 1 to 5", len(rows))
	}
	inputs = map[string]map[string]any{}
	for _, r := range rows {
		r := r.(map[string]any)
		comps := r["components"].([]any)
		if r["type"] != float64(1) || len(comps) != 1 {
			t.Fatalf("row %v is not an action row with one input", r)
		}
		in := comps[0].(map[string]any)
		if in["type"] != float64(4) || runeLen(in["label"].(string)) > 45 {
			t.Errorf("input %v", in)
		}
		inputs[in["custom_id"].(string)] = in
	}
	return customID, inputs
}

// TestModeratorSession is a moderator's whole session on Discord, against
// the real store: add through a modal, edit through a pre-filled one,
// history, undo, retire, import; and everyone else refused.
func TestModeratorSession(t *testing.T) {
	d, api, db, _ := newModDiscord(t, Config{})
	ctx := context.Background()
	mod, stranger, tgMod := member(modID), member(strangerID), member(tgModID)

	// The registration hides the moderator groups from ordinary members.
	if err := d.Register(ctx); err != nil {
		t.Fatal(err)
	}
	cmds := registered(t, api)
	for _, name := range []string{"statement", "speakeredit", "synonyms", "moderators", "reports", "audit", "import", "export"} {
		c := cmds[name]
		if c == nil || c["default_member_permissions"] != "32" || fmt.Sprint(c["contexts"]) != "[0]" {
			t.Errorf("/%s = %v, want Manage Server, guild only", name, c)
		}
	}

	// /statement add with no options opens the form.
	cb := callback(t, run(t, d, api, subcommandPayload("statement", "add", "", mod)))
	id, inputs := modalOf(t, cb)
	if id != "f|statement add" {
		t.Errorf("add modal custom_id = %q", id)
	}
	if in := inputs["text"]; in == nil || in["style"] != float64(2) || in["required"] != true {
		t.Errorf("text input = %v, want a required paragraph", in)
	}
	if in := inputs["said_on"]; in == nil || in["style"] != float64(1) || in["required"] != false {
		t.Errorf("said_on input = %v, want an optional short input", in)
	}

	// Submitting it adds the statement.
	cb = callback(t, run(t, d, api, submitPayload(id, [][2]string{
		{"speaker", "Lavrov"}, {"text", "Sanctions will not change our course."}, {"kind", "quote"},
		{"said_on", "2024-09"}, {"url", "https://example.org/a"},
	}, mod)))
	content, private, footers := message4(t, cb)
	if !strings.Contains(content, "Added statement #14") || len(footers) != 1 || !strings.HasSuffix(footers[0], "#14") || private {
		t.Fatalf("add: %q private=%v footers=%q", content, private, footers)
	}

	// /statement edit id:14 opens the form pre-filled, with the revision
	// being edited in the custom_id.
	cb = callback(t, run(t, d, api, subcommandPayload("statement", "edit", `{"name":"id","type":3,"value":"14"}`, mod)))
	id, inputs = modalOf(t, cb)
	if id != "f|statement edit|id=14|rev=1" {
		t.Errorf("edit modal custom_id = %q", id)
	}
	for name, want := range map[string]string{"speaker": "Sergey Lavrov", "text": "Sanctions will not change our course.", "kind": "quote", "said_on": "2024-09", "url": "https://example.org/a"} {
		if got := inputs[name]["value"]; got != want {
			t.Errorf("edit form %s = %v, want %q", name, got, want)
		}
	}
	cb = callback(t, run(t, d, api, submitPayload(id, [][2]string{
		{"speaker", "Sergey Lavrov"}, {"text", "Sanctions will never change our course."}, {"kind", "quote"},
		{"said_on", "2024-09-12"}, {"url", "https://example.org/a"},
	}, mod)))
	if content, _, _ := message4(t, cb); !strings.Contains(content, "Saved statement #14 as revision 2") {
		t.Fatalf("edit: %q", content)
	}
	// The same form submitted again is from revision 1: refused, privately.
	cb = callback(t, run(t, d, api, submitPayload(id, [][2]string{{"text", "A third version."}}, mod)))
	if content, private, _ := message4(t, cb); !strings.Contains(content, "changed while you were editing") || !private {
		t.Errorf("stale form: %q private=%v", content, private)
	}

	cb = callback(t, run(t, d, api, subcommandPayload("statement", "history", `{"name":"id","type":3,"value":"14"}`, mod)))
	if content, _, _ := message4(t, cb); !strings.Contains(content, "2 revisions") || !strings.Contains(content, "changed text, said_on") {
		t.Errorf("history: %q", content)
	}
	cb = callback(t, run(t, d, api, subcommandPayload("statement", "undo", `{"name":"id","type":3,"value":"14"}`, mod)))
	if content, _, _ := message4(t, cb); !strings.Contains(content, "back as it was at revision 1") {
		t.Errorf("undo: %q", content)
	}
	if st, _ := db.Statement(ctx, 14); st.Text != "Sanctions will not change our course." || st.Rev != 3 {
		t.Errorf("after undo: %q at revision %d", st.Text, st.Rev)
	}

	ask := commandPayload("ask", `{"name":"question","type":3,"value":"What did Lavrov say about sanctions?"}`, "", stranger)
	if _, _, footers := message4(t, callback(t, run(t, d, api, ask))); len(footers) == 0 || !strings.HasSuffix(footers[0], "#14") {
		t.Fatalf("/ask does not answer with #14: %q", footers)
	}
	cb = callback(t, run(t, d, api, subcommandPayload("statement", "retire", `{"name":"id","type":3,"value":"14"},{"name":"reason","type":3,"value":"wrong date"}`, mod)))
	if content, _, _ := message4(t, cb); !strings.Contains(content, "Retired statement #14") {
		t.Errorf("retire: %q", content)
	}
	ask = commandPayload("ask", `{"name":"question","type":3,"value":"What did Lavrov say about sanctions?"}`, "", stranger)
	cb = callback(t, run(t, d, api, ask))
	if _, _, footers := message4(t, cb); strings.Contains(fmt.Sprint(footers), "#14") {
		t.Errorf("/ask answers with retired #14: %q", footers)
	}
	for _, id := range buttonIDs(t, cb) {
		if id == 14 {
			t.Errorf("retired #14 is behind a button: %v", cb["data"])
		}
	}

	// Import through an attachment: all or nothing.
	files := map[string]string{
		"/cdn/bad.jsonl":  `{"speaker":"A","text":"fine"}` + "\n" + `{"speaker":"A"}` + "\n",
		"/cdn/good.jsonl": `{"speaker":"A B","text":"fine"}` + "\n",
	}
	api.override = func(r recorded, n int) (int, string, bool) {
		body, ok := files[r.Path]
		return http.StatusOK, body, ok
	}
	importPayload := func(name string) string {
		u := api.srv.URL + "/cdn/" + name
		resolved := fmt.Sprintf(`"resolved":{"attachments":{"1":{"id":"1","filename":%q,"size":%d,"url":%q,"proxy_url":%q}}}`, name, len(files["/cdn/"+name]), u, u)
		return commandPayload("import", `{"name":"file","type":11,"value":"1"}`, resolved, mod)
	}
	cb = callback(t, run(t, d, api, importPayload("bad.jsonl")))
	if content, private, _ := message4(t, cb); !strings.Contains(content, "Nothing was imported: line 2") || !private {
		t.Errorf("bad import: %q private=%v", content, private)
	}
	cb = callback(t, run(t, d, api, importPayload("good.jsonl")))
	if content, _, _ := message4(t, cb); !strings.Contains(content, "1 added") {
		t.Errorf("good import: %q", content)
	}
	api.override = nil

	// Everyone else is refused, privately, whatever their server rights,
	// and a forged form changes nothing either.
	before, _ := db.Statement(ctx, 13)
	for name, payload := range map[string]string{
		"stranger: add":            subcommandPayload("statement", "add", "", stranger),
		"stranger: retire":         subcommandPayload("statement", "retire", `{"name":"id","type":3,"value":"13"}`, stranger),
		"stranger: forged form":    submitPayload("f|statement edit|id=13", [][2]string{{"text", "Forged."}}, stranger),
		"telegram moderator: edit": subcommandPayload("statement", "edit", `{"name":"id","type":3,"value":"13"}`, tgMod),
		"stranger: moderators add": subcommandPayload("moderators", "add", `{"name":"user","type":3,"value":"discord:`+strangerID+`"}`, stranger),
		"moderator: moderators add": subcommandPayload("moderators", "add",
			`{"name":"user","type":3,"value":"discord:`+strangerID+`"}`, mod),
	} {
		content, private, _ := message4(t, callback(t, run(t, d, api, payload)))
		if !private || !strings.Contains(content, "Only") || !strings.Contains(content, "nothing was changed") {
			t.Errorf("%s: %q private=%v, want a private refusal", name, content, private)
		}
	}
	// Owners, from the configuration, manage moderators.
	cb = callback(t, run(t, d, api, subcommandPayload("moderators", "add", `{"name":"user","type":3,"value":"discord:`+strangerID+`"}`, member(ownerID))))
	if content, _, _ := message4(t, cb); !strings.Contains(content, "now a moderator") {
		t.Errorf("owner: moderators add: %q", content)
	}
	if after, _ := db.Statement(ctx, 13); after.Rev != before.Rev || after.Text != before.Text {
		t.Errorf("a refused user changed #13: %+v", after)
	}
	if r, _ := db.Role(ctx, "discord", strangerID); r != answers.RoleModerator {
		t.Errorf("the stranger is %q after the owner made them a moderator", r)
	}
	api.checkAll(t)
}

// buttonIDs are the statement ids behind a message's buttons.
func buttonIDs(t *testing.T, cb map[string]any) []int64 {
	t.Helper()
	var ids []int64
	rows, _ := cb["data"].(map[string]any)["components"].([]any)
	for _, r := range rows {
		for _, c := range r.(map[string]any)["components"].([]any) {
			a, err := bot.DecodeAction(c.(map[string]any)["custom_id"].(string))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, a.IDs...)
		}
	}
	return ids
}

// registered decodes the bulk overwrite the adapter sent, by name.
func registered(t *testing.T, api *fakeAPI) map[string]map[string]any {
	t.Helper()
	for _, r := range api.requests() {
		if r.Method == http.MethodPut && strings.HasSuffix(r.Path, "/commands") {
			var cmds []map[string]any
			if err := json.Unmarshal(r.Body, &cmds); err != nil {
				t.Fatal(err)
			}
			out := map[string]map[string]any{}
			for _, c := range cmds {
				out[c["name"].(string)] = c
			}
			return out
		}
	}
	t.Fatal("no registration sent")
	return nil
}

// TestFormAfterDeferral: a form that is ready only after the interaction
// was deferred cannot become a modal; the moderator is told, privately,
// how to go on.
func TestFormAfterDeferral(t *testing.T) {
	d, api, db, idx := newModDiscord(t, Config{ResponseDeadline: 20 * time.Millisecond})
	idx.gate = make(chan struct{})
	i := interaction(t, subcommandPayload("statement", "edit", `{"name":"id","type":3,"value":"13"}`, member(modID)))
	done := make(chan struct{})
	go func() { d.serve(i, d.restResponder(i), false); close(done) }()
	cb := api.waitFor(t, http.MethodPost, "/callback").JSON(t)
	if cb["type"] != float64(5) || cb["data"].(map[string]any)["flags"] != float64(64) {
		t.Fatalf("first response %v, want a private deferral", cb)
	}
	close(idx.gate)
	<-done
	edit := api.waitFor(t, http.MethodPatch, "/messages/@original").JSON(t)
	content, _ := edit["content"].(string)
	if !strings.Contains(content, "could not be opened in time") || !strings.Contains(content, "/statement edit") || !strings.Contains(content, "id:13") {
		t.Errorf("late form answered with %q", content)
	}
	if st, _ := db.Statement(context.Background(), 13); st.Rev != 1 {
		t.Errorf("a late form changed #13 to revision %d", st.Rev)
	}
	api.checkAll(t)
}

// TestFormInAnswerToForm: a submitted modal whose command answers with a
// form again (an edit form sent back empty) gets a message, not a modal,
// which Discord refuses in answer to a modal.
func TestFormInAnswerToForm(t *testing.T) {
	d, api, _, _ := newModDiscord(t, Config{})
	cb := callback(t, run(t, d, api, submitPayload("f|statement edit|id=13", nil, member(modID))))
	content, private, _ := message4(t, cb)
	if !private || !strings.Contains(content, "cannot open a form in answer to a form") {
		t.Errorf("form after form: %q private=%v", content, private)
	}
	api.checkAll(t)
}

// TestModalOverHTTP: in HTTP interactions mode the modal is the body of
// the response to Discord's POST.
func TestModalOverHTTP(t *testing.T) {
	key := newSigner(t)
	d, _, _, _ := newModDiscord(t, Config{PublicKey: fmt.Sprintf("%x", []byte(key.pub)), Now: func() time.Time { return testNow }})
	srv := httptest.NewServer(d.InteractionsHandler())
	defer srv.Close()
	status, v := do(t, key.request(t, srv.URL+"/interactions", subcommandPayload("statement", "add", "", member(modID)), testNow))
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	if id, _ := modalOf(t, v); id != "f|statement add" {
		t.Errorf("custom_id %q", id)
	}
}

func TestFormCustomID(t *testing.T) {
	tests := []struct {
		form *bot.Form
		want string
		bad  bool
	}{
		{&bot.Form{Command: "statement add"}, "f|statement add", false},
		{&bot.Form{Command: "statement edit", Hidden: map[string]string{"rev": "3", "id": "12"}}, "f|statement edit|id=12|rev=3", false},
		// Separators inside values are escaped, not taken as new keys.
		{&bot.Form{Command: "x", Hidden: map[string]string{"note": "a|id=1&b c"}}, "f|x|note=a%7Cid%3D1%26b+c", false},
		{&bot.Form{Command: "x", Hidden: map[string]string{"v": strings.Repeat("9", 100)}}, "", true},
		{&bot.Form{Command: "a|b"}, "", true},
		{&bot.Form{Command: ""}, "", true},
	}
	for _, tt := range tests {
		got, err := formCustomID(tt.form)
		if (err != nil) != tt.bad || got != tt.want {
			t.Errorf("formCustomID(%+v) = %q, %v; want %q (error: %v)", tt.form, got, err, tt.want, tt.bad)
			continue
		}
		if tt.bad {
			continue
		}
		cmd, hidden, ok := parseFormID(got)
		if !ok || cmd != tt.form.Command || fmt.Sprint(hidden) != fmt.Sprint(orEmpty(tt.form.Hidden)) {
			t.Errorf("parseFormID(%q) = %q %v %v", got, cmd, hidden, ok)
		}
	}
	for _, id := range []string{"", "f|", "source", "m:1", "f|x|novalue", "f|x|%zz=1", "f|x|=1"} {
		if _, _, ok := parseFormID(id); ok {
			t.Errorf("parseFormID(%q) accepted", id)
		}
	}
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// TestModalResponseLimits: labels and titles are shortened to fit, the
// full label kept as the placeholder; a form that cannot be shown
// faithfully is refused rather than cut.
func TestModalResponseLimits(t *testing.T) {
	long := strings.Repeat("Label words ", 6)
	f := &bot.Form{Command: "statement edit", Title: strings.Repeat("Edit a very long title ", 5), Hidden: map[string]string{"id": "1"},
		Fields: []bot.FormField{
			{Name: "speaker", Label: long, Required: true},
			{Name: "text", Label: "Text", Long: true, Value: strings.Repeat("é", maxInputValue), Placeholder: strings.Repeat("p", 300)},
		}}
	resp, err := modalResponse(f)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(resp)
	var v map[string]any
	json.Unmarshal(b, &v)
	_, inputs := modalOf(t, v)
	if p := inputs["speaker"]["placeholder"].(string); p != strings.TrimSpace(long) {
		t.Errorf("shortened label's placeholder = %q", p)
	}
	if p := inputs["text"]["placeholder"].(string); runeLen(p) > maxPlaceholder {
		t.Errorf("placeholder %d characters", runeLen(p))
	}

	for name, bad := range map[string]*bot.Form{
		"value over 4000":  {Command: "x", Fields: []bot.FormField{{Name: "text", Value: strings.Repeat("a", maxInputValue+1)}}},
		"six fields":       {Command: "x", Fields: make([]bot.FormField, 6)},
		"no fields":        {Command: "x"},
		"repeated field":   {Command: "x", Fields: []bot.FormField{{Name: "a"}, {Name: "a"}}},
		"field and hidden": {Command: "x", Hidden: map[string]string{"id": "1"}, Fields: []bot.FormField{{Name: "id"}}},
		"long custom_id":   {Command: "x", Hidden: map[string]string{"id": strings.Repeat("1", 99)}, Fields: []bot.FormField{{Name: "a"}}},
	} {
		if _, err := modalResponse(bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
