package bot

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/onrecord/onrecord/answers"
)

// Access says who may run a command.
type Access int

const (
	Everyone Access = iota
	Moderators
	Owners
)

// Arg describes one argument of a command.
type Arg struct {
	Name        string
	Description string
	Required    bool
	// Complete names what autocomplete suggests for it: "speaker",
	// "question" or "" for nothing.
	Complete string
}

// Command is one entry of the command table. Platforms render the table
// their own way: Telegram's command menu, Discord's slash commands, /help.
type Command struct {
	// Name is the command's name; a space makes it a subcommand
	// ("statement add" is /statement add), which platforms without
	// subcommands take as the first word of the text.
	Name string
	// Aliases are short names for text platforms ("add").
	Aliases  []string
	Args     []Arg
	Summary  string // one line, at most 100 characters (Discord's limit)
	Help     string
	Examples []string
	Access   Access
	// File says the command takes an attached document (an import).
	File bool
	Run  func(ctx context.Context, b *Bot, req Request) (Reply, error)
}

var commands []*Command

func init() {
	commands = []*Command{
		{Name: "start", Summary: "What this bot does and how to ask", Run: func(ctx context.Context, b *Bot, req Request) (Reply, error) {
			// Text after /start is a deep-link payload, not a command name.
			return runHelp(ctx, b, Request{User: req.User})
		}},
		{Name: "help", Summary: "What this bot knows and how to ask",
			Args: []Arg{{Name: "command", Description: "A command to explain"}}, Examples: []string{"/help", "/help ask"}, Run: runHelp},
		{Name: "ask", Summary: "Ask what a public figure has said",
			Args:     []Arg{{Name: "question", Description: "Your question", Required: true, Complete: "question"}},
			Help:     "Finds statements on record that answer your question, with who said it, their role, when and the source.",
			Examples: []string{"/ask What are Putin's conditions for a ceasefire?", "/ask Will the US back Zelensky if he negotiates?"},
			Run: func(ctx context.Context, b *Bot, req Request) (Reply, error) {
				return b.ask(ctx, firstNonEmpty(req.Options["question"], req.Text)), nil
			}},
		{Name: "speakers", Summary: "List the people with statements on record", Examples: []string{"/speakers"}, Run: runSpeakers},
		{Name: "speaker", Summary: "Show one speaker's statements",
			Args:     []Arg{{Name: "name", Description: "Name, surname or title", Required: true, Complete: "speaker"}},
			Examples: []string{"/speaker Lavrov", "/speaker Russian foreign minister"},
			Run:      runSpeaker},
		{Name: "source", Summary: "Show the full attribution of a statement",
			Args:     []Arg{{Name: "id", Description: "Statement id, as in #12", Required: true}},
			Examples: []string{"/source 12", "/source #12"},
			Run:      runSource},
	}
}

// Commands returns the command table.
func Commands() []*Command { return commands }

// Lookup returns the command named name (or with that alias), or nil.
func Lookup(name string) *Command {
	name = strings.ToLower(strings.Join(strings.Fields(name), " "))
	for _, c := range commands {
		if c.Name == name || slices.Contains(c.Aliases, name) {
			return c
		}
	}
	// Menus that cannot show spaces write subcommands with an underscore
	// ("synonyms_list").
	if spaced := strings.ReplaceAll(name, "_", " "); spaced != name {
		return Lookup(spaced)
	}
	return nil
}

// Group returns the subcommands of a group word ("synonyms"), if any.
func Group(name string) []*Command {
	var out []*Command
	prefix := strings.ToLower(strings.TrimSpace(name)) + " "
	for _, c := range commands {
		if strings.HasPrefix(c.Name, prefix) {
			out = append(out, c)
		}
	}
	return out
}

// resolve finds the command of a request, taking the first word of the
// text as a subcommand where the platform has none ("/statement add ...").
func resolve(req *Request) *Command {
	if c := Lookup(req.Command); c != nil {
		return c
	}
	sub, rest, _ := strings.Cut(strings.TrimSpace(req.Text), " ")
	if sub == "" {
		return nil
	}
	if c := Lookup(req.Command + " " + sub); c != nil {
		req.Command, req.Text = c.Name, strings.TrimSpace(rest)
		return c
	}
	return nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// ask answers a question: the best statement with More and Source buttons,
// or an honest note with "did you mean" buttons.
func (b *Bot) ask(ctx context.Context, question string) Reply {
	q, err := CleanQuestion(question)
	if err != nil {
		return b.ErrorReply(ctx, err)
	}
	res, err := b.Engine.Ask(ctx, q)
	if err != nil {
		return b.ErrorReply(ctx, err)
	}
	return AnswerReply(res)
}

// AnswerReply renders an engine reply as a chat reply.
func AnswerReply(res *answers.Reply) Reply {
	if len(res.Answers) > 0 {
		more := make([]int64, 0, len(res.Answers)-1)
		for _, a := range res.Answers[1:] {
			more = append(more, a.ID)
		}
		r := cardReply(res.Answers[0].Statement, more)
		r.Text = res.Note
		return r
	}
	r := Reply{Text: res.Note}
	if r.Text == "" {
		r.Text = "Nothing on record answers that."
	}
	for i, a := range res.Related {
		if i == 3 {
			break
		}
		r.Buttons = append(r.Buttons, Button{
			Label:  "Did you mean: " + Truncate(a.Speaker+": "+a.Text, 60),
			Action: Action{Name: ActShow, IDs: []int64{a.ID}},
		})
	}
	return r
}

func runHelp(ctx context.Context, b *Bot, req Request) (Reply, error) {
	if name := strings.TrimPrefix(strings.TrimSpace(firstNonEmpty(req.Options["command"], req.Text)), "/"); name != "" {
		c := Lookup(name)
		if c == nil {
			return Reply{}, answers.Errorf(answers.ENotFound, "There is no command /%s. Send /help for the list.", name)
		}
		return Reply{Text: CommandHelp(c)}, nil
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s answers questions about what public figures have said, with the quote, who said it, their role, when, and the source. It only repeats what is on record: it never invents or takes sides, and says so when nothing is on record.\n\n", b.Name)
	if speakers, err := b.Engine.Speakers(ctx); err == nil && len(speakers) > 0 {
		names := make([]string, 0, 8)
		for i, s := range speakers {
			if i == 8 {
				names = append(names, fmt.Sprintf("and %d more", len(speakers)-8))
				break
			}
			names = append(names, s.Name)
		}
		fmt.Fprintf(&sb, "On record: %s.\n\n", strings.Join(names, ", "))
	}
	sb.WriteString("Ask in plain words, for example:\nWhat are Putin's conditions for a ceasefire?\nWill the US back Zelensky if he negotiates?\nWhat did Lavrov say about peace proposals?\n\nCommands:")
	for _, c := range commands {
		if c.Access != Everyone || c.Name == "start" {
			continue
		}
		fmt.Fprintf(&sb, "\n/%s%s - %s", c.Name, argNames(c), c.Summary)
	}
	if role := b.role(ctx, req.User); role != "" {
		sb.WriteString("\n\nModerator commands (send /help COMMAND for details):")
		for _, c := range commands {
			if c.Access == Everyone || (c.Access == Owners && role != answers.RoleOwner) {
				continue
			}
			fmt.Fprintf(&sb, "\n/%s%s - %s", c.Name, argNames(c), c.Summary)
		}
	}
	return Reply{Text: sb.String()}, nil
}

// CommandHelp is the help text of one command.
func CommandHelp(c *Command) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "/%s%s - %s", c.Name, argNames(c), c.Summary)
	if len(c.Aliases) > 0 {
		sb.WriteString("\nAlso: /" + strings.Join(c.Aliases, ", /"))
	}
	if c.Help != "" {
		sb.WriteString("\n\n" + c.Help)
	}
	for _, a := range c.Args {
		fmt.Fprintf(&sb, "\n%s: %s", a.Name, a.Description)
	}
	if len(c.Examples) > 0 {
		sb.WriteString("\n\nExamples:\n" + strings.Join(c.Examples, "\n"))
	}
	return sb.String()
}

func argNames(c *Command) string {
	var s string
	for _, a := range c.Args {
		if a.Required {
			s += " " + strings.ToUpper(a.Name)
		} else {
			s += " [" + strings.ToUpper(a.Name) + "]"
		}
	}
	return s
}

func runSpeakers(ctx context.Context, b *Bot, req Request) (Reply, error) {
	speakers, err := b.Engine.Speakers(ctx)
	if err != nil {
		return Reply{}, err
	}
	if len(speakers) == 0 {
		return Reply{Text: "No speakers are on record yet."}, nil
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%d speakers on record:", len(speakers))
	for i, s := range speakers {
		if i == 50 {
			fmt.Fprintf(&sb, "\n... and %d more. Use /speaker NAME to look one up.", len(speakers)-50)
			break
		}
		fmt.Fprintf(&sb, "\n%s", s.Name)
		if s.Role != "" {
			fmt.Fprintf(&sb, " (%s)", s.Role)
		}
		fmt.Fprintf(&sb, ": %d statement%s", s.Statements, plural(s.Statements))
	}
	return Reply{Text: sb.String()}, nil
}

func runSpeaker(ctx context.Context, b *Bot, req Request) (Reply, error) {
	name := strings.TrimSpace(firstNonEmpty(req.Options["name"], req.Text))
	if name == "" {
		return Reply{}, answers.Errorf(answers.EInvalid, "Tell me whose statements to show, for example: /speaker Lavrov")
	}
	sp, sts, err := b.Engine.SpeakerStatements(ctx, name, 10)
	if err != nil {
		return Reply{}, err
	}
	r := Reply{Text: fmt.Sprintf("%s has %d statement%s on record.", sp.Name, sp.Statements, plural(sp.Statements))}
	if len(sts) == 0 {
		return r, nil
	}
	rest := make([]int64, 0, len(sts)-1)
	for _, s := range sts[1:] {
		rest = append(rest, s.ID)
	}
	c := cardReply(sts[0], rest)
	c.Text = r.Text
	return c, nil
}

func runSource(ctx context.Context, b *Bot, req Request) (Reply, error) {
	arg := strings.TrimPrefix(strings.TrimSpace(firstNonEmpty(req.Options["id"], req.Text)), "#")
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || id <= 0 {
		return Reply{}, answers.Errorf(answers.EInvalid, "Give a statement id, for example: /source 12")
	}
	st, err := b.Engine.Statement(ctx, id)
	if err != nil {
		return Reply{}, err
	}
	return Reply{Cards: []Card{{Statement: *st, Detail: true}}}, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Markdown renders the command table as Markdown, for README: who may run
// each command, its arguments and examples.
func Markdown() string {
	var sb strings.Builder
	for _, group := range []struct {
		title  string
		access Access
	}{{"Everyone", Everyone}, {"Moderators", Moderators}, {"Owners", Owners}} {
		fmt.Fprintf(&sb, "\n**%s**\n\n| command | what it does | example |\n|---|---|---|\n", group.title)
		for _, c := range commands {
			if c.Access != group.access || c.Name == "start" {
				continue
			}
			name := "`/" + c.Name + argNames(c) + "`"
			if len(c.Aliases) > 0 {
				name += " (also `/" + strings.Join(c.Aliases, "`, `/") + "`)"
			}
			ex := ""
			if len(c.Examples) > 0 {
				ex = "`" + strings.ReplaceAll(c.Examples[0], "|", `\|`) + "`"
			}
			fmt.Fprintf(&sb, "| %s | %s | %s |\n", name, strings.ReplaceAll(c.Summary, "|", `\|`), ex)
		}
	}
	return sb.String()
}
