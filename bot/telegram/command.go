package telegram

import (
	"strings"
	"unicode/utf16"

	"github.com/go-telegram/bot/models"

	"github.com/onrecord/onrecord/bot"
)

// command is a bot command as typed: "/name@target args".
type command struct {
	name   string // lower case, without the slash
	target string // the bot it is addressed to, "" for any
	args   string
}

// parseCommand finds the command in a message. Telegram marks commands with
// bot_command entities whose offsets count UTF-16 code units, so text before
// the command in Cyrillic or with emoji shifts byte offsets; slicing by
// UTF-16 units is the only correct reading. The first command entity counts,
// wherever it is ("Привет! /ask ..."); everything after it is the argument.
// Without entities (some clients and tests omit them) a leading "/word" is
// the command.
func parseCommand(text string, entities []models.MessageEntity) (command, bool) {
	for _, e := range entities {
		if e.Type != models.MessageEntityTypeBotCommand {
			continue
		}
		_, cmd, after, ok := sliceUTF16(text, e.Offset, e.Length)
		if !ok || !strings.HasPrefix(cmd, "/") {
			continue
		}
		return splitCommand(cmd, after), true
	}
	if len(entities) == 0 && strings.HasPrefix(text, "/") && len(text) > 1 {
		end := strings.IndexAny(text, " \t\n")
		if end < 0 {
			end = len(text)
		}
		return splitCommand(text[:end], text[end:]), true
	}
	return command{}, false
}

func splitCommand(cmd, after string) command {
	name, target, _ := strings.Cut(strings.TrimPrefix(cmd, "/"), "@")
	return command{name: strings.ToLower(name), target: target, args: strings.TrimSpace(after)}
}

// findCommand returns the table entry a typed command runs, or nil: by
// name or alias ("/add"), by menu name ("/synonyms_list", see menuName), or
// by group word and subcommand ("/statement add ..."), which bot.Handle
// resolves the same way, splitting the text at its first space. The adapter
// needs it before Handle runs to know whether a command takes a document.
func findCommand(name, args string) *bot.Command {
	if c := bot.Lookup(name); c != nil {
		return c
	}
	if c := bot.Lookup(strings.ReplaceAll(name, "_", " ")); c != nil {
		return c
	}
	if sub, _, _ := strings.Cut(strings.TrimSpace(args), " "); sub != "" {
		return bot.Lookup(name + " " + sub)
	}
	return nil
}

// isKnownCommand reports whether name is one of this bot's commands: a
// command, an alias, a menu name or the group word of subcommands. In a
// group, where several bots may listen, commands that are not are left to
// the others.
func isKnownCommand(name string) bool {
	if findCommand(name, "") != nil {
		return true
	}
	for _, c := range bot.Commands() {
		if strings.HasPrefix(c.Name, name+" ") {
			return true
		}
	}
	return false
}

// commandName is the name to pass to bot.Handle: a menu name such as
// "synonyms_list" stands for the subcommand "synonyms list", which the
// table knows; anything else is passed as typed.
func commandName(name string) string {
	if strings.Contains(name, "_") {
		if c := bot.Lookup(name); c != nil && c.Name == strings.ReplaceAll(name, "_", " ") {
			return c.Name
		}
	}
	return name
}

// stripMention reports whether text mentions @username and returns the
// text without those mentions: the question asked of the bot.
func stripMention(text string, entities []models.MessageEntity, username string) (string, bool) {
	u := utf16.Encode([]rune(text))
	var b []uint16
	found := false
	pos := 0
	for _, e := range entities {
		if e.Type != models.MessageEntityTypeMention || e.Offset < pos || e.Length <= 0 || e.Offset+e.Length > len(u) {
			continue
		}
		m := string(utf16.Decode(u[e.Offset : e.Offset+e.Length]))
		if !strings.EqualFold(m, "@"+username) {
			continue
		}
		found = true
		b = append(b, u[pos:e.Offset]...)
		pos = e.Offset + e.Length
	}
	if !found {
		return "", false
	}
	b = append(b, u[pos:]...)
	return strings.Join(strings.Fields(string(utf16.Decode(b))), " "), true
}

// sliceUTF16 splits s around the entity at offset and length, both in UTF-16
// code units.
func sliceUTF16(s string, offset, length int) (before, entity, after string, ok bool) {
	u := utf16.Encode([]rune(s))
	if offset < 0 || length <= 0 || offset+length > len(u) {
		return "", "", "", false
	}
	return string(utf16.Decode(u[:offset])), string(utf16.Decode(u[offset : offset+length])), string(utf16.Decode(u[offset+length:])), true
}

// utf16Len is a text's length as Telegram counts it.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if l := utf16.RuneLen(r); l > 0 {
			n += l
		} else {
			n++ // cannot happen for runes ranged from a string; be safe
		}
	}
	return n
}
