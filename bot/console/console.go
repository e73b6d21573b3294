// Package console is the local chat on a terminal: it speaks to the same
// bot as the Telegram and Discord adapters, with the same commands and
// wording, rendered as plain text. Buttons become numbered choices.
package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/onrecord/onrecord/bot"
)

// Console is one chat session on a terminal or a pipe.
type Console struct {
	Bot *bot.Bot
	// User is who the console speaks as; the local operator.
	User bot.User
	// Prompt is shown before each line when interactive.
	Prompt string

	buttons []bot.Button // the last reply's buttons, for numbered choices
}

// New returns a console for b, speaking as the local operator.
func New(b *bot.Bot) *Console {
	return &Console{Bot: b, User: bot.User{Platform: bot.Console, ID: "local", Name: "console"}}
}

// Run reads one question or command per line until EOF or /quit and writes
// each reply. It stops early when ctx is done.
func (c *Console) Run(ctx context.Context, in io.Reader, out io.Writer) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	lines := make(chan string)
	errc := make(chan error, 1)
	go func() {
		defer close(lines)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		errc <- sc.Err()
	}()
	for {
		if c.Prompt != "" {
			fmt.Fprint(out, c.Prompt)
		}
		var line string
		var ok bool
		select {
		case <-ctx.Done():
			return nil
		case line, ok = <-lines:
		}
		if !ok {
			select {
			case err := <-errc:
				if err != nil {
					return fmt.Errorf("reading input: %w (lines are limited to 1 MiB)", err)
				}
			default:
			}
			return nil
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if line == "/quit" || line == "/exit" {
			return nil
		}
		fmt.Fprint(out, Render(c.Handle(ctx, line)))
		fmt.Fprintln(out)
	}
}

// Handle runs one line: a numbered choice of the last reply's buttons, a
// /command, or a question.
func (c *Console) Handle(ctx context.Context, line string) bot.Reply {
	var r bot.Reply
	if n, err := strconv.Atoi(line); err == nil && n >= 1 && n <= len(c.buttons) {
		r = c.Bot.Press(ctx, c.User, c.buttons[n-1].Action.Encode())
	} else {
		r = c.Bot.Handle(ctx, ParseLine(c.User, line))
	}
	c.buttons = r.Buttons
	return r
}

// ParseLine turns a typed line into a request: "/cmd args" or a question.
func ParseLine(u bot.User, line string) bot.Request {
	line = strings.TrimSpace(line)
	if rest, ok := strings.CutPrefix(line, "/"); ok && rest != "" {
		name, text, _ := strings.Cut(rest, " ")
		return bot.Request{User: u, Command: strings.ToLower(name), Text: strings.TrimSpace(text)}
	}
	return bot.Request{User: u, Text: line}
}

// Render writes a reply as plain text, the way the console shows it.
func Render(r bot.Reply) string {
	var b strings.Builder
	if r.Text != "" {
		b.WriteString(r.Text)
		b.WriteString("\n")
	}
	for i, c := range r.Cards {
		if i > 0 || r.Text != "" {
			b.WriteString("\n")
		}
		st := c.Statement
		fmt.Fprintf(&b, "\u201c%s\u201d\n", st.Text)
		fmt.Fprintf(&b, "\u2014 %s\n", bot.Attribution(st))
		fmt.Fprintf(&b, "%s\n", bot.Meta(st))
		src := "Source: " + bot.SourceLabel(st.Source)
		if st.Source.URL != "" && !strings.Contains(src, st.Source.URL) {
			src += " <" + st.Source.URL + ">"
		}
		b.WriteString(src + "\n")
		if c.Detail {
			if st.Context != "" {
				fmt.Fprintf(&b, "Context: %s\n", st.Context)
			}
			if len(st.Topics) > 0 {
				fmt.Fprintf(&b, "Topics: %s\n", strings.Join(st.Topics, ", "))
			}
			if st.Source.Note != "" && !strings.Contains(src, st.Source.Note) {
				fmt.Fprintf(&b, "Note: %s\n", st.Source.Note)
			}
		}
	}
	if f := r.Form; f != nil {
		// The console has no forms: show the command line to type instead.
		fmt.Fprintf(&b, "\n%s. Type:\n/%s", f.Title, f.Command)
		for k, v := range f.Hidden {
			fmt.Fprintf(&b, " %s=%s", k, v)
		}
		for _, fld := range f.Fields {
			v := fld.Value
			if v == "" {
				v = "..."
			}
			fmt.Fprintf(&b, " %s=%q", fld.Name, v)
		}
		b.WriteString("\n")
		for _, fld := range f.Fields {
			req := ""
			if fld.Required {
				req = " (required)"
			}
			fmt.Fprintf(&b, "  %s: %s%s\n", fld.Name, fld.Label, req)
		}
	}
	if r.File != nil {
		fmt.Fprintf(&b, "[file %s, %d bytes]\n", r.File.Name, len(r.File.Data))
	}
	for i, btn := range r.Buttons {
		if i == 0 {
			b.WriteString("\n")
		} else {
			b.WriteString("  ")
		}
		fmt.Fprintf(&b, "[%d] %s", i+1, btn.Label)
		if i == len(r.Buttons)-1 {
			b.WriteString("\n")
		}
	}
	return b.String()
}
