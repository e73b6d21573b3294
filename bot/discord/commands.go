package discord

import (
	"fmt"
	"regexp"
	"strings"

	dg "github.com/bwmarrin/discordgo"

	"github.com/onrecord/onrecord/bot"
)

// manageGuild is the MANAGE_GUILD ("Manage Server") permission bit
// (developers/topics/permissions.mdx). Moderator commands require it by
// default so that ordinary members do not see them; the bot still checks
// every call against its own moderator table, because server admins can
// override command permissions and a server's admins are not the store's
// moderators.
const manageGuild int64 = 1 << 5

// Registration limits of developers/interactions/application-commands.mdx
// ("Registering a Command", "Application Command Naming"). Discord rejects
// the whole bulk overwrite when any one is broken, so the renderer drops
// or shortens what does not fit instead.
const (
	maxCommands = 100 // global chat input commands per application
	// maxOptions bounds a command's options, which are its subcommands
	// when it has them, and each subcommand's options.
	maxOptions            = 25
	maxCommandDescription = 100
	// maxCommandChars bounds the names and descriptions of a command and
	// everything under it, taken together.
	maxCommandChars = 8000
)

// skipCommands are commands of the table that make no sense on Discord:
// /start is Telegram's greeting, sent when a chat with a bot opens.
var skipCommands = map[string]bool{"start": true}

// formWhenBare names the commands that answer with a form (a modal on
// Discord) when run without options. Discord will not send a command
// whose required options are empty, so their required arguments are
// registered as optional; the bot still checks them when the command runs
// with options or when the form comes back. bot.Command does not say this
// yet (see runAdd in bot/moderation.go), hence the list here.
var formWhenBare = map[string]bool{"statement add": true}

// commandName is what Discord accepts as a command or option name
// (developers/interactions/application-commands.mdx, "Application Command
// Naming"): 1 to 32 letters, digits, dashes or underscores, lower-case
// where the letter has a case.
var commandName = regexp.MustCompile(`^[-_\p{Ll}\p{Lm}\p{Lo}\p{N}]{1,32}$`)

// slashCommands renders the bot's command table as Discord slash commands
// for one bulk overwrite. A table name with a space ("statement add")
// becomes a subcommand of its first word, which is how Discord groups
// related commands under one name. It also returns what had to be left
// out, for the log: nothing in the table should be, but a registration
// Discord refuses would take every command away.
func slashCommands(table []*bot.Command) ([]*dg.ApplicationCommand, []string) {
	var (
		out     []*dg.ApplicationCommand
		dropped []string
	)
	byName := map[string]*dg.ApplicationCommand{}
	minAccess := map[string]bot.Access{}
	plain := map[string]bool{}
	for _, c := range table {
		name := strings.ToLower(strings.Join(strings.Fields(c.Name), " "))
		if skipCommands[name] {
			continue
		}
		top, sub, _ := strings.Cut(name, " ")
		if !commandName.MatchString(top) || (sub != "" && !commandName.MatchString(sub)) {
			dropped = append(dropped, c.Name+": not a valid Discord command name")
			continue
		}
		ac := byName[top]
		// Discord refuses a command mixing subcommands with plain
		// options, so whichever form comes first in the table wins.
		if ac != nil && (sub == "" || plain[top]) {
			dropped = append(dropped, c.Name+": clashes with /"+top)
			continue
		}
		if ac == nil {
			if len(out) == maxCommands {
				dropped = append(dropped, c.Name+": more than 100 commands")
				continue
			}
			ac = &dg.ApplicationCommand{Type: dg.ChatApplicationCommand, Name: top, Description: describe100(c.Summary, top)}
			byName[top] = ac
			plain[top] = sub == ""
			minAccess[top] = c.Access
			out = append(out, ac)
		}
		if sub == "" {
			ac.Options = argOptions(c)
			continue
		}
		if hasOption(ac.Options, sub) {
			dropped = append(dropped, c.Name+": registered twice")
			continue
		}
		if len(ac.Options) == maxOptions {
			dropped = append(dropped, c.Name+": more than 25 subcommands of /"+top)
			continue
		}
		minAccess[top] = min(minAccess[top], c.Access)
		ac.Options = append(ac.Options, &dg.ApplicationCommandOption{
			Type:        dg.ApplicationCommandOptionSubCommand,
			Name:        sub,
			Description: describe100(c.Summary, sub),
			Options:     argOptions(c),
		})
	}
	for _, ac := range out {
		if hasSubcommands(ac) {
			// A group's own summary is not in the table; its
			// subcommands' names say what it holds.
			subs := make([]string, 0, len(ac.Options))
			for _, o := range ac.Options {
				subs = append(subs, o.Name)
			}
			who := ac.Name
			if minAccess[ac.Name] > bot.Everyone {
				who = "Moderators"
			}
			ac.Description = describe100(who+": "+strings.Join(subs, ", "), ac.Name)
		}
		dropped = append(dropped, fitCommand(ac)...)
		if minAccess[ac.Name] > bot.Everyone {
			perm := manageGuild
			ac.DefaultMemberPermissions = &perm
			// Member permissions do not exist in DMs, so a moderator
			// command offered there would be visible to everyone: it is
			// offered in servers only.
			ac.Contexts = &[]dg.InteractionContextType{dg.InteractionContextGuild}
		}
	}
	return out, dropped
}

func hasSubcommands(ac *dg.ApplicationCommand) bool {
	return len(ac.Options) > 0 && ac.Options[0].Type == dg.ApplicationCommandOptionSubCommand
}

func hasOption(opts []*dg.ApplicationCommandOption, name string) bool {
	for _, o := range opts {
		if o.Name == name {
			return true
		}
	}
	return false
}

// argOptions renders a command's arguments as options, required ones
// first, as Discord demands. A command taking a file gets its "file"
// argument as an attachment, added when the table names none.
func argOptions(c *bot.Command) []*dg.ApplicationCommandOption {
	var req, opt []*dg.ApplicationCommandOption
	bare := formWhenBare[strings.ToLower(c.Name)]
	seen := map[string]bool{}
	args := c.Args
	if c.File && !hasArg(args, fileArg) {
		args = append(append([]bot.Arg(nil), args...), bot.Arg{Name: fileArg, Description: "The file", Required: true})
	}
	for _, a := range args {
		name := strings.ToLower(a.Name)
		if !commandName.MatchString(name) || seen[name] {
			continue
		}
		seen[name] = true
		typ := dg.ApplicationCommandOptionString
		if c.File && name == fileArg {
			typ = dg.ApplicationCommandOptionAttachment
		}
		o := &dg.ApplicationCommandOption{
			Type:         typ,
			Name:         name,
			Description:  describe100(a.Description, name),
			Required:     a.Required && !bare,
			Autocomplete: a.Complete != "" && typ == dg.ApplicationCommandOptionString,
		}
		if o.Required {
			req = append(req, o)
		} else {
			opt = append(opt, o)
		}
	}
	all := append(req, opt...)
	if len(all) > maxOptions {
		all = all[:maxOptions]
	}
	return all
}

// fileArg is the argument a command with bot.Command.File takes its
// document as.
const fileArg = "file"

func hasArg(args []bot.Arg, name string) bool {
	for _, a := range args {
		if strings.EqualFold(a.Name, name) {
			return true
		}
	}
	return false
}

// describe100 is a description within Discord's 1 to 100 characters.
func describe100(s, fallback string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		s = fallback
	}
	return plainTrunc(s, maxCommandDescription)
}

// commandChars counts a command the way Discord's size limit does: the
// names and descriptions of the command and of every option under it.
func commandChars(ac *dg.ApplicationCommand) int {
	n := runeLen(ac.Name) + runeLen(ac.Description)
	var walk func([]*dg.ApplicationCommandOption)
	walk = func(opts []*dg.ApplicationCommandOption) {
		for _, o := range opts {
			n += runeLen(o.Name) + runeLen(o.Description)
			for _, ch := range o.Choices {
				n += runeLen(ch.Name) + runeLen(fmt.Sprint(ch.Value))
			}
			walk(o.Options)
		}
	}
	walk(ac.Options)
	return n
}

// fitCommand keeps a command within Discord's size limit by shortening
// option descriptions, the least needed text, step by step, and as a last
// resort leaving out trailing subcommands or optional options, which it
// returns for the log.
func fitCommand(ac *dg.ApplicationCommand) (dropped []string) {
	for limit := 80; commandChars(ac) > maxCommandChars && limit >= 20; limit -= 20 {
		var walk func([]*dg.ApplicationCommandOption)
		walk = func(opts []*dg.ApplicationCommandOption) {
			for _, o := range opts {
				if o.Type != dg.ApplicationCommandOptionSubCommand && o.Type != dg.ApplicationCommandOptionSubCommandGroup {
					o.Description = plainTrunc(o.Description, limit)
				}
				walk(o.Options)
			}
		}
		walk(ac.Options)
	}
	for commandChars(ac) > maxCommandChars && len(ac.Options) > 0 {
		last := ac.Options[len(ac.Options)-1]
		dropped = append(dropped, ac.Name+" "+last.Name+": over 8000 characters")
		ac.Options = ac.Options[:len(ac.Options)-1]
	}
	return dropped
}
