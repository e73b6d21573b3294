package telegram

import (
	"context"
	"log/slog"
	"regexp"
	"strconv"
	"strings"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/onrecord/onrecord/answers"
	"github.com/onrecord/onrecord/bot"
)

// cancelCommand stops a guided form. It belongs to this adapter, not to
// the command table: only Telegram asks for a form's fields one message at
// a time, so only Telegram needs a way out half-way.
const cancelCommand = "cancel"

// SetCommands registers the command menu: every command of bot.Commands()
// that access may run. A nil chatID registers the default scope (what every
// user sees); a chat id registers that chat's scope, which replaces the
// default there, so a moderator's menu lists the users' commands too.
func (t *Telegram) SetCommands(ctx context.Context, chatID *int64, access bot.Access) error {
	cmds := menu(bot.Commands(), access)
	if access > bot.Everyone && len(cmds) < maxMenu {
		// Moderators are the ones who get guided forms.
		cmds = append(cmds, models.BotCommand{Command: cancelCommand, Description: "Stop a guided form; nothing is changed"})
	}
	params := &tgbot.SetMyCommandsParams{Commands: cmds}
	if chatID != nil {
		params.Scope = &models.BotCommandScopeChat{ChatID: *chatID}
	} else {
		params.Scope = &models.BotCommandScopeDefault{}
	}
	ctx, cancel := context.WithTimeout(ctx, t.cfg.RequestTimeout)
	defer cancel()
	_, err := t.api.SetMyCommands(ctx, params)
	return err
}

// botCommandRE is BotCommand.command's rule.
var botCommandRE = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

// maxMenu is setMyCommands' limit on entries.
const maxMenu = 100

// menu is the command table as setMyCommands wants it: valid names only,
// descriptions of 1-256 characters, at most 100 entries. Telegram's menu has
// no subcommands, so each subcommand is listed under a name a user can tap
// (see menuName).
func menu(cmds []*bot.Command, access bot.Access) []models.BotCommand {
	var out []models.BotCommand
	seen := map[string]bool{}
	for _, c := range cmds {
		name := menuName(c)
		if c.Access > access || name == "" || seen[name] {
			continue
		}
		seen[name] = true
		desc := strings.TrimSpace(c.Summary)
		if desc == "" {
			desc = "/" + name
		}
		out = append(out, models.BotCommand{Command: name, Description: bot.Truncate(desc, 256)})
		if len(out) == maxMenu {
			break
		}
	}
	return out
}

// menuName is the name a command is listed under in the menu, or "" when
// it has none Telegram accepts. A subcommand ("statement add") is listed
// under its alias ("add"), which is what moderators type; one without an
// alias ("synonyms list") under its words joined by underscores
// ("synonyms_list"), which findCommand maps back. Either way, tapping the
// entry sends a command that runs, where the bare group word ("/synonyms")
// would only be answered with "I don't know the command".
func menuName(c *bot.Command) string {
	if !strings.Contains(c.Name, " ") {
		if botCommandRE.MatchString(c.Name) {
			return c.Name
		}
		return ""
	}
	for _, a := range c.Aliases {
		if botCommandRE.MatchString(a) {
			return a
		}
	}
	if n := strings.Join(strings.Fields(c.Name), "_"); botCommandRE.MatchString(n) {
		return n
	}
	return ""
}

// syncModeratorMenus gives every Telegram moderator the menu of their
// rights in their private chat with the bot (scope chat, chat_id = user id:
// a private chat's id is the user's), and takes it away from those who are
// no longer moderators. Everywhere else, groups included, the default menu
// shows only the users' commands: a group's menu is everyone's. It runs at
// start and after moderators are added or removed through Telegram.
//
// Rights are checked by package bot on every command; a menu is only a
// convenience, so failures are logged, not fatal. setMyCommands fails with
// "chat not found" for a moderator who never opened a chat with the bot;
// they are tried again at the next sync.
func (t *Telegram) syncModeratorMenus(ctx context.Context) {
	if t.bot.Mod == nil {
		return
	}
	ms, err := t.bot.Mod.Moderators(ctx)
	if err != nil {
		t.logger.Warn("telegram: listing moderators for their menus", slog.Any("err", err))
		return
	}
	want := map[int64]bot.Access{}
	for _, m := range ms {
		if m.Platform != string(bot.Telegram) {
			continue // a Discord id is not a Telegram chat
		}
		id, err := strconv.ParseInt(m.UserID, 10, 64)
		if err != nil || id <= 0 {
			continue
		}
		want[id] = bot.Moderators
		if m.Role == answers.RoleOwner {
			want[id] = bot.Owners
		}
	}

	t.menuMu.Lock()
	defer t.menuMu.Unlock()
	for id, access := range want {
		if have, ok := t.menus[id]; ok && have == access {
			continue
		}
		if err := t.SetCommands(ctx, &id, access); err != nil {
			t.logger.Warn("telegram: setMyCommands for a moderator", slog.Int64("chat_id", id), slog.Any("err", redactToken(err, t.cfg.Token)))
			continue
		}
		t.menus[id] = access
	}
	for id := range t.menus {
		if _, ok := want[id]; ok {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, t.cfg.RequestTimeout)
		_, err := t.api.DeleteMyCommands(cctx, &tgbot.DeleteMyCommandsParams{Scope: &models.BotCommandScopeChat{ChatID: id}})
		cancel()
		if err != nil {
			t.logger.Warn("telegram: deleteMyCommands for a former moderator", slog.Int64("chat_id", id), slog.Any("err", redactToken(err, t.cfg.Token)))
			continue
		}
		delete(t.menus, id)
	}
}

// changesModerators reports whether cmd may have changed who moderates,
// after which their menus are brought up to date. Owners-only commands are
// the ones that manage moderators; a sync that finds nothing to change
// costs one query, so no finer test is needed.
func changesModerators(cmd *bot.Command) bool {
	return cmd != nil && cmd.Access == bot.Owners
}
