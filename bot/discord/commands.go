package discord

import (
	"regexp"
	"strings"

	dg "github.com/bwmarrin/discordgo"

	"github.com/onrecord/onrecord/bot"
)

// manageGuild is the MANAGE_GUILD permission bit (developers/topics/
// permissions.mdx). Moderator commands require it by default so that
// ordinary members do not see them; the bot still checks every call
// against its own moderator table, because server admins can override
// command permissions.
const manageGuild int64 = 1 << 5

// skipCommands are commands of the table that make no sense on Discord:
// /start is Telegram's greeting, sent when a chat with a bot opens.
var skipCommands = map[string]bool{"start": true}

// commandName is what Discord accepts as a command or option name
// (developers/interactions/application-commands.mdx, "Application Command
// Naming"): lowercase, 1 to 32 word characters or dashes.
var commandName = regexp.MustCompile(`^[-_\p{Ll}\p{Lm}\p{Lo}\p{N}]{1,32}$`)

// slashCommands renders the bot's command table as Discord slash commands
// for one bulk overwrite. A table name with a space ("statement add")
// becomes a subcommand of its first word, which is how Discord groups
// related commands under one name.
func slashCommands(table []*bot.Command) []*dg.ApplicationCommand {
	var out []*dg.ApplicationCommand
	byName := map[string]*dg.ApplicationCommand{}
	minAccess := map[string]bot.Access{}
	for _, c := range table {
		name := strings.ToLower(strings.TrimSpace(c.Name))
		if skipCommands[name] {
			continue
		}
		top, sub, _ := strings.Cut(name, " ")
		sub = strings.TrimSpace(sub)
		if !commandName.MatchString(top) || (sub != "" && !commandName.MatchString(sub)) {
			continue
		}
		ac := byName[top]
		if ac == nil {
			ac = &dg.ApplicationCommand{Type: dg.ChatApplicationCommand, Name: top, Description: describeCommand(c.Summary, top)}
			byName[top] = ac
			minAccess[top] = c.Access
			out = append(out, ac)
		}
		minAccess[top] = min(minAccess[top], c.Access)
		// Discord refuses a command mixing subcommands with plain
		// options, so whichever form comes first in the table wins.
		if sub == "" {
			if !hasSubcommands(ac) {
				ac.Options = append(ac.Options, argOptions(c.Args)...)
			}
			continue
		}
		if len(ac.Options) == 25 || (len(ac.Options) > 0 && !hasSubcommands(ac)) {
			continue
		}
		ac.Description = describeCommand(top+" commands", top)
		ac.Options = append(ac.Options, &dg.ApplicationCommandOption{
			Type:        dg.ApplicationCommandOptionSubCommand,
			Name:        sub,
			Description: describeCommand(c.Summary, sub),
			Options:     argOptions(c.Args),
		})
	}
	for _, ac := range out {
		if minAccess[ac.Name] > bot.Everyone {
			perm := manageGuild
			ac.DefaultMemberPermissions = &perm
			// Member permissions do not exist in DMs, so a moderator
			// command offered there would be visible to everyone.
			ac.Contexts = &[]dg.InteractionContextType{dg.InteractionContextGuild}
		}
	}
	return out
}

func hasSubcommands(ac *dg.ApplicationCommand) bool {
	return len(ac.Options) > 0 && ac.Options[0].Type == dg.ApplicationCommandOptionSubCommand
}

// argOptions renders arguments as options, required ones first, as Discord
// demands.
func argOptions(args []bot.Arg) []*dg.ApplicationCommandOption {
	var req, opt []*dg.ApplicationCommandOption
	for _, a := range args {
		name := strings.ToLower(a.Name)
		if !commandName.MatchString(name) {
			continue
		}
		o := &dg.ApplicationCommandOption{
			Type:         optionType(a),
			Name:         name,
			Description:  describeCommand(a.Description, name),
			Required:     a.Required,
			Autocomplete: a.Complete != "" && optionType(a) == dg.ApplicationCommandOptionString,
		}
		if a.Required {
			req = append(req, o)
		} else {
			opt = append(opt, o)
		}
	}
	all := append(req, opt...)
	if len(all) > 25 {
		all = all[:25]
	}
	return all
}

// optionType picks the Discord option type of an argument. bot.Arg has no
// type yet; an argument named "file" or "attachment" takes an upload (for
// imports), everything else is text.
func optionType(a bot.Arg) dg.ApplicationCommandOptionType {
	switch strings.ToLower(a.Name) {
	case "file", "attachment":
		return dg.ApplicationCommandOptionAttachment
	}
	return dg.ApplicationCommandOptionString
}

// describeCommand is a description within Discord's 1 to 100 characters.
func describeCommand(s, fallback string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		s = fallback
	}
	return plainTrunc(s, 100)
}
