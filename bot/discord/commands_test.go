package discord

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	dg "github.com/bwmarrin/discordgo"

	"github.com/onrecord/onrecord/bot"
)

// TestRegister: one bulk overwrite of the whole table, globally or in one
// guild, with the application id asked of the API when not configured.
func TestRegister(t *testing.T) {
	tests := []struct {
		name     string
		cfg      Config
		wantPath string
	}{
		{"global, id asked", Config{ApplicationID: ""}, "/applications/111/commands"},
		{"guild", Config{ApplicationID: "222", GuildID: "333"}, "/applications/222/guilds/333/commands"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, api, _ := newTestDiscord(t, tt.cfg)
			if tt.cfg.ApplicationID == "" {
				d.appID = ""
			}
			if err := d.Register(context.Background()); err != nil {
				t.Fatal(err)
			}
			var puts []recorded
			for _, r := range api.requests() {
				if r.Method == http.MethodPut {
					puts = append(puts, r)
				}
			}
			if len(puts) != 1 || puts[0].Path != tt.wantPath {
				t.Fatalf("PUTs = %v, want one to %s", puts, tt.wantPath)
			}
			var cmds []map[string]any
			if err := json.Unmarshal(puts[0].Body, &cmds); err != nil {
				t.Fatal(err)
			}
			names := map[string]map[string]any{}
			for _, c := range cmds {
				names[c["name"].(string)] = c
			}
			for _, want := range []string{"ask", "speaker", "source", "help"} {
				if names[want] == nil {
					t.Errorf("command %q not registered", want)
				}
			}
			if names["start"] != nil {
				t.Error("/start registered on Discord")
			}
			for name, arg := range map[string]string{"ask": "question", "speaker": "name"} {
				opt := names[name]["options"].([]any)[0].(map[string]any)
				if opt["name"] != arg || opt["autocomplete"] != true || opt["required"] != true {
					t.Errorf("/%s option = %v, want autocomplete on %q", name, opt, arg)
				}
			}
			api.checkAll(t)
		})
	}
}

func TestRegisterRetriesRateLimit(t *testing.T) {
	d, api, _ := newTestDiscord(t, Config{})
	api.override = func(r recorded, n int) (int, string, bool) {
		if r.Method == http.MethodPut && n == 1 {
			return http.StatusTooManyRequests, `{"message":"You are being rate limited.","retry_after":0.01,"global":false}`, true
		}
		return 0, "", false
	}
	if err := d.Register(context.Background()); err != nil {
		t.Fatalf("Register after one 429: %v", err)
	}
	// A wait longer than MaxRetryWait fails at once instead of sleeping.
	d.cfg.MaxRetryWait = 1
	api.override = func(r recorded, n int) (int, string, bool) {
		return http.StatusTooManyRequests, `{"message":"You are being rate limited.","retry_after":600,"global":false}`, true
	}
	if err := d.Register(context.Background()); err == nil {
		t.Fatal("Register succeeded against a 10-minute rate limit")
	}
	// A cancelled context ends the wait.
	d.cfg.MaxRetryWait = defaultMaxWait
	api.override = func(r recorded, n int) (int, string, bool) {
		return http.StatusTooManyRequests, `{"message":"You are being rate limited.","retry_after":20,"global":false}`, true
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { api.waitFor(t, http.MethodPut, "/commands"); cancel() }()
	if err := d.Register(ctx); err == nil {
		t.Fatal("Register ignored its context")
	}
}

// TestSlashCommandsFromTable renders a table like the one the moderation
// work will add: subcommands, a moderator command, an upload.
func TestSlashCommandsFromTable(t *testing.T) {
	table := []*bot.Command{
		{Name: "start", Summary: "Telegram greeting"},
		{Name: "ask", Summary: "Ask", Args: []bot.Arg{{Name: "question", Description: "Your question", Required: true, Complete: "question"}}},
		{Name: "statement add", Summary: "Add a statement", Access: bot.Moderators},
		{Name: "statement retire", Summary: "Retire a statement", Access: bot.Moderators,
			Args: []bot.Arg{{Name: "reason", Description: "Why"}, {Name: "id", Description: "Statement id", Required: true}}},
		{Name: "import", Summary: strings.Repeat("long summary ", 20), Access: bot.Owners, File: true,
			Args: []bot.Arg{{Name: "file", Description: "", Required: true}}},
		{Name: "Bad Name!", Summary: "skipped"},
	}
	cmds, dropped := slashCommands(table)
	if len(dropped) != 1 || !strings.Contains(dropped[0], "Bad Name!") {
		t.Errorf("dropped = %q, want the bad name only", dropped)
	}
	byName := map[string]*dg.ApplicationCommand{}
	for _, c := range cmds {
		byName[c.Name] = c
		if !commandName.MatchString(c.Name) {
			t.Errorf("invalid name %q", c.Name)
		}
	}
	if len(cmds) != 3 || byName["ask"] == nil || byName["statement"] == nil || byName["import"] == nil {
		t.Fatalf("commands = %v", names(cmds))
	}
	if byName["ask"].DefaultMemberPermissions != nil {
		t.Error("/ask hidden from members")
	}
	st := byName["statement"]
	if st.DefaultMemberPermissions == nil || *st.DefaultMemberPermissions != manageGuild {
		t.Errorf("/statement permissions = %v, want Manage Server", st.DefaultMemberPermissions)
	}
	if len(st.Options) != 2 || st.Options[0].Type != dg.ApplicationCommandOptionSubCommand || st.Options[1].Name != "retire" {
		t.Fatalf("/statement options = %+v", st.Options)
	}
	if o := st.Options[1].Options; o[0].Name != "id" || !o[0].Required {
		t.Errorf("required options not first: %+v", o)
	}
	imp := byName["import"]
	if imp.Options[0].Type != dg.ApplicationCommandOptionAttachment || imp.Options[0].Description == "" {
		t.Errorf("/import option = %+v", imp.Options[0])
	}
	if runeLen(imp.Description) > 100 {
		t.Errorf("description %d characters", runeLen(imp.Description))
	}
	body, _ := json.Marshal(cmds)
	if !strings.Contains(string(body), `"default_member_permissions":"32"`) {
		t.Errorf("permissions not sent as a string of digits: %s", body)
	}
	c := specIfPresent(t)
	if c == nil {
		return
	}
	for _, e := range c.checkRequest("PUT", "/applications/1/commands", "application/json", body) {
		t.Error(e)
	}
}

func names(cmds []*dg.ApplicationCommand) []string {
	var out []string
	for _, c := range cmds {
		out = append(out, c.Name)
	}
	return out
}

// TestRegisteredTableFitsDiscord renders the bot's real command table and
// checks every rule Discord applies to a bulk overwrite, the ones the
// OpenAPI file does not encode included: name pattern, the 100-command,
// 25-subcommand and 25-option limits, unique names, required options
// first, and 8000 characters per command.
func TestRegisteredTableFitsDiscord(t *testing.T) {
	cmds, dropped := slashCommands(bot.Commands())
	if len(dropped) > 0 {
		t.Errorf("commands of the table not registered: %q", dropped)
	}
	if len(cmds) > maxCommands {
		t.Errorf("%d commands", len(cmds))
	}
	var checkOptions func(path string, opts []*dg.ApplicationCommandOption)
	checkOptions = func(path string, opts []*dg.ApplicationCommandOption) {
		if len(opts) > maxOptions {
			t.Errorf("%s: %d options", path, len(opts))
		}
		seen := map[string]bool{}
		optional := false
		for _, o := range opts {
			p := path + " " + o.Name
			if !commandName.MatchString(o.Name) || seen[o.Name] {
				t.Errorf("%s: bad or repeated name", p)
			}
			seen[o.Name] = true
			if n := runeLen(o.Description); n < 1 || n > 100 {
				t.Errorf("%s: description of %d characters", p, n)
			}
			if o.Required && optional {
				t.Errorf("%s: required after an optional option", p)
			}
			optional = optional || !o.Required
			checkOptions(p, o.Options)
		}
	}
	for _, c := range cmds {
		if !commandName.MatchString(c.Name) {
			t.Errorf("bad name %q", c.Name)
		}
		if n := runeLen(c.Description); n < 1 || n > 100 {
			t.Errorf("/%s: description of %d characters", c.Name, n)
		}
		if n := commandChars(c); n > maxCommandChars {
			t.Errorf("/%s: %d characters", c.Name, n)
		}
		checkOptions("/"+c.Name, c.Options)
	}
	// Every moderator-only command is hidden from members by default and
	// kept out of DMs; every public one is visible.
	access := map[string]bot.Access{}
	for _, c := range bot.Commands() {
		top, _, _ := strings.Cut(c.Name, " ")
		if a, ok := access[top]; !ok || c.Access < a {
			access[top] = c.Access
		}
	}
	for _, c := range cmds {
		hidden := c.DefaultMemberPermissions != nil && *c.DefaultMemberPermissions == manageGuild &&
			c.Contexts != nil && len(*c.Contexts) == 1 && (*c.Contexts)[0] == dg.InteractionContextGuild
		if want := access[c.Name] > bot.Everyone; hidden != want {
			t.Errorf("/%s hidden from members: %v, want %v", c.Name, hidden, want)
		}
	}
	byName := map[string]*dg.ApplicationCommand{}
	for _, c := range cmds {
		byName[c.Name] = c
	}
	sub := func(top, name string) *dg.ApplicationCommandOption {
		for _, o := range byName[top].Options {
			if o.Name == name {
				return o
			}
		}
		t.Fatalf("/%s %s not registered", top, name)
		return nil
	}
	// Bare /statement add opens the form, so nothing of it is required;
	// /statement edit needs the id to know what to pre-fill.
	for _, o := range sub("statement", "add").Options {
		if o.Required {
			t.Errorf("/statement add requires %s: it could not open the form", o.Name)
		}
	}
	if o := sub("statement", "edit").Options[0]; o.Name != "id" || !o.Required {
		t.Errorf("/statement edit first option = %+v, want the required id", o)
	}
	if o := byName["import"].Options; len(o) != 1 || o[0].Type != dg.ApplicationCommandOptionAttachment || !o[0].Required {
		t.Errorf("/import options = %+v, want one required attachment", o)
	}
	body, _ := json.Marshal(cmds)
	if c := specIfPresent(t); c != nil {
		for _, e := range c.checkRequest("PUT", "/applications/1/commands", "application/json", body) {
			t.Error(e)
		}
	}
}

// TestSlashCommandsLimits: what Discord would refuse is left out (and
// reported) or shortened, never sent.
func TestSlashCommandsLimits(t *testing.T) {
	var table []*bot.Command
	for i := range 30 {
		table = append(table, &bot.Command{Name: fmt.Sprintf("group sub%d", i), Summary: "s", Access: bot.Moderators})
	}
	table = append(table,
		&bot.Command{Name: "group", Summary: "a plain command named like the group"},
		&bot.Command{Name: "plain", Summary: "p"},
		&bot.Command{Name: "plain sub", Summary: "a subcommand of a plain command"},
		&bot.Command{Name: "upload", Summary: "takes a file without naming the argument", File: true,
			Args: []bot.Arg{{Name: "note", Description: "n"}, {Name: "note", Description: "repeated"}}},
		&bot.Command{Name: "wordy", Summary: "w", Args: func() []bot.Arg {
			var args []bot.Arg
			for i := range 30 {
				args = append(args, bot.Arg{Name: fmt.Sprintf("a%d", i), Description: strings.Repeat("d", 300)})
			}
			return args
		}()},
	)
	for i := range 25 {
		args := make([]bot.Arg, 25)
		for j := range args {
			args[j] = bot.Arg{Name: fmt.Sprintf("a%d", j), Description: strings.Repeat("d", 100)}
		}
		table = append(table, &bot.Command{Name: fmt.Sprintf("huge s%d", i), Summary: strings.Repeat("s", 100), Args: args})
	}
	for i := range 120 {
		table = append(table, &bot.Command{Name: fmt.Sprintf("c%d", i), Summary: "c"})
	}
	cmds, dropped := slashCommands(table)
	if len(cmds) != maxCommands {
		t.Errorf("%d commands, want %d", len(cmds), maxCommands)
	}
	byName := map[string]*dg.ApplicationCommand{}
	for _, c := range cmds {
		byName[c.Name] = c
	}
	if n := len(byName["group"].Options); n != maxOptions {
		t.Errorf("/group has %d subcommands", n)
	}
	if byName["plain"].Options != nil {
		t.Errorf("/plain took a subcommand: %+v", byName["plain"].Options)
	}
	if o := byName["upload"].Options; len(o) != 2 || o[0].Name != "file" || o[0].Type != dg.ApplicationCommandOptionAttachment || o[1].Name != "note" {
		t.Errorf("/upload options = %+v", o)
	}
	if w := byName["wordy"]; len(w.Options) != maxOptions || commandChars(w) > maxCommandChars {
		t.Errorf("/wordy: %d options, %d characters", len(w.Options), commandChars(w))
	}
	if h := byName["huge"]; commandChars(h) > maxCommandChars || len(h.Options) == 0 || runeLen(h.Options[0].Options[0].Description) != 20 {
		t.Errorf("/huge: %d characters, %d subcommands", commandChars(h), len(h.Options))
	}
	want := []string{"group sub25", "group: clashes", "plain sub: clashes", "c98: more than 100", "huge s24: over 8000"}
	for _, w := range want {
		if !strings.Contains(strings.Join(dropped, "\n"), w) {
			t.Errorf("dropped %q lacks %q", dropped, w)
		}
	}
	body, _ := json.Marshal(cmds)
	if c := specIfPresent(t); c != nil {
		for _, e := range c.checkRequest("PUT", "/applications/1/commands", "application/json", body) {
			t.Error(e)
		}
	}
}
