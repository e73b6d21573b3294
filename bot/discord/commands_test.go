package discord

import (
	"context"
	"encoding/json"
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
		{Name: "import", Summary: strings.Repeat("long summary ", 20), Access: bot.Owners,
			Args: []bot.Arg{{Name: "file", Description: "", Required: true}}},
		{Name: "Bad Name!", Summary: "skipped"},
	}
	cmds := slashCommands(table)
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
