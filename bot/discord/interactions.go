package discord

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	dg "github.com/bwmarrin/discordgo"

	"github.com/onrecord/onrecord/answers"
	"github.com/onrecord/onrecord/bot"
)

// respondFunc sends the first response to an interaction: a REST callback
// in gateway mode, the HTTP response body in HTTP interactions mode.
type respondFunc func(ctx context.Context, resp *dg.InteractionResponse) error

// restResponder answers through the interaction callback endpoint. It never
// waits on a rate limit: a callback that cannot be sent within Discord's 3
// seconds is lost anyway, and waiting would hold the interaction.
func (d *Discord) restResponder(i *dg.Interaction) respondFunc {
	return func(ctx context.Context, resp *dg.InteractionResponse) error {
		return d.callback(ctx, i, resp)
	}
}

// apology is shown when something failed in the adapter itself.
const apology = bot.Apology

// serve handles one interaction from start to finish. It returns once the
// interaction is fully answered (first response and any later edit).
func (d *Discord) serve(i *dg.Interaction, respond respondFunc, noFiles bool) {
	if !d.flight.begin() {
		d.logger.Info("interaction refused while stopping", slog.String("interaction", describe(i)))
		if i.Type != dg.InteractionApplicationCommandAutocomplete && i.Type != dg.InteractionPing {
			ctx, cancel := context.WithTimeout(context.Background(), firstResponseLimit)
			defer cancel()
			x := &exchange{d: d, i: i, respond: respond, log: d.logger}
			x.first(ctx, x.response(dg.InteractionResponseChannelMessageWithSource, bot.Reply{Text: "I am restarting; please try again in a moment.", Private: true}))
		}
		return
	}
	defer d.flight.done()
	ctx, cancel := context.WithTimeout(d.work, tokenLifetime)
	defer cancel()
	x := &exchange{d: d, i: i, respond: respond, noFiles: noFiles, log: d.logger.With(slog.String("interaction", i.ID), slog.String("type", i.Type.String()))}
	defer x.recover(ctx)
	// The typed accessors of discordgo (ApplicationCommandData and the
	// like) panic on any other interaction type, so dispatch on the type
	// before touching the data.
	switch i.Type {
	case dg.InteractionPing:
		x.first(ctx, &dg.InteractionResponse{Type: dg.InteractionResponsePong})
	case dg.InteractionApplicationCommand:
		x.command(ctx)
	case dg.InteractionApplicationCommandAutocomplete:
		x.autocomplete(ctx)
	case dg.InteractionMessageComponent:
		x.component(ctx)
	case dg.InteractionModalSubmit:
		x.submit(ctx)
	default:
		x.log.WarnContext(ctx, "unknown interaction type")
		x.first(ctx, x.response(dg.InteractionResponseChannelMessageWithSource, bot.Reply{Text: "I can't handle that kind of interaction.", Private: true}))
	}
}

// exchange is the state of one interaction's answer.
type exchange struct {
	d       *Discord
	i       *dg.Interaction
	respond respondFunc
	log     *slog.Logger
	// noFiles is set where the first response cannot carry files (the
	// HTTP response body), so a reply with a file is always deferred.
	noFiles bool

	mu        sync.Mutex
	responded bool
	deferred  dg.InteractionResponseType
	ephemeral bool
}

// first sends the first response, within Discord's 3 seconds of receipt.
func (x *exchange) first(ctx context.Context, resp *dg.InteractionResponse) {
	x.mu.Lock()
	if x.responded {
		x.mu.Unlock()
		x.log.ErrorContext(ctx, "second first response dropped", slog.Int("callback", int(resp.Type)))
		return
	}
	x.responded = true
	if resp.Type == dg.InteractionResponseDeferredChannelMessageWithSource || resp.Type == dg.InteractionResponseDeferredMessageUpdate {
		x.deferred = resp.Type
		x.ephemeral = resp.Data != nil && resp.Data.Flags&dg.MessageFlagsEphemeral != 0
	}
	x.mu.Unlock()
	cctx, cancel := context.WithTimeout(ctx, firstResponseLimit)
	defer cancel()
	if err := x.respond(cctx, resp); err != nil {
		x.log.ErrorContext(ctx, "interaction callback failed", slog.Int("callback", int(resp.Type)), slog.Any("err", err))
	}
}

// recover turns a panic anywhere in the adapter into a logged error and,
// where the user is still waiting, an apology.
func (x *exchange) recover(ctx context.Context) {
	v := recover()
	if v == nil {
		return
	}
	x.log.ErrorContext(ctx, "panic in interaction", slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
	x.mu.Lock()
	responded, deferred := x.responded, x.deferred
	x.mu.Unlock()
	switch {
	case !responded && x.i.Type == dg.InteractionApplicationCommandAutocomplete:
		x.first(ctx, &dg.InteractionResponse{Type: dg.InteractionApplicationCommandAutocompleteResult, Data: &dg.InteractionResponseData{Choices: []*dg.ApplicationCommandOptionChoice{}}})
	case !responded:
		x.first(ctx, x.response(dg.InteractionResponseChannelMessageWithSource, bot.Reply{Text: apology, Private: true}))
	case deferred != 0:
		x.finish(ctx, bot.Reply{Text: apology, Private: true})
	}
}

// response shapes a reply as an interaction callback of type t.
func (x *exchange) response(t dg.InteractionResponseType, r bot.Reply) *dg.InteractionResponse {
	m := render(r)
	data := &dg.InteractionResponseData{
		Content:         m.content,
		Embeds:          m.embeds,
		Components:      m.components,
		AllowedMentions: noMentions(),
		Files:           m.files,
	}
	if t == dg.InteractionResponseUpdateMessage {
		// An update replaces everything; empty lists clear old embeds and
		// buttons rather than leaving them in place.
		if data.Embeds == nil {
			data.Embeds = []*dg.MessageEmbed{}
		}
		if data.Components == nil {
			data.Components = []dg.MessageComponent{}
		}
	} else if m.ephemeral {
		data.Flags = dg.MessageFlagsEphemeral
	}
	return &dg.InteractionResponse{Type: t, Data: data}
}

// mode says how a reply relates to the message the interaction came from.
type mode int

const (
	newMessage    mode = iota // a new message (slash commands, Source)
	updateMessage             // replaces the message of the button (More)
)

// answer runs work with the response deadline. A reply ready in time is the
// first response; otherwise the interaction is deferred and the reply
// edited in when it is ready, so Discord's 3 seconds are always kept.
func (x *exchange) answer(ctx context.Context, m mode, privateDefer bool, work func(ctx context.Context) bot.Reply) {
	done := make(chan bot.Reply, 1)
	go func() {
		// A panic here would end the process, not just this interaction.
		defer func() {
			if v := recover(); v != nil {
				x.log.ErrorContext(ctx, "panic in handler", slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
				done <- bot.Reply{Text: apology, Private: true}
			}
		}()
		done <- work(ctx)
	}()
	timer := time.NewTimer(x.d.cfg.ResponseDeadline)
	defer timer.Stop()
	select {
	case r := <-done:
		if !(x.noFiles && r.File != nil) {
			x.first(ctx, x.immediate(m, r))
			return
		}
		x.deferNow(ctx, m, privateDefer || r.Private)
		x.finish(ctx, r)
		return
	case <-timer.C:
	case <-ctx.Done():
	}
	x.deferNow(ctx, m, privateDefer)
	select {
	case r := <-done:
		x.finish(ctx, r)
	case <-ctx.Done():
		x.log.ErrorContext(ctx, "handler outlived its context", slog.Any("err", ctx.Err()))
		x.finish(ctx, bot.Reply{Text: "That took too long; please try again.", Private: true})
	}
}

// immediate is the callback for a reply ready within the deadline. A form
// becomes a modal where Discord allows one: as the first response to a
// command or a button, not to a submitted modal.
func (x *exchange) immediate(m mode, r bot.Reply) *dg.InteractionResponse {
	if r.Form != nil {
		if x.i.Type == dg.InteractionModalSubmit {
			r = formFallback(r, formAfterForm)
		} else if resp, err := modalResponse(r.Form); err != nil {
			x.log.Error("form not shown as a modal", slog.String("command", r.Form.Command), slog.Any("err", err))
			r = formFallback(r, formTooLarge)
		} else {
			return resp
		}
	}
	if m == updateMessage && !r.Private {
		return x.response(dg.InteractionResponseUpdateMessage, r)
	}
	// A private reply to a button (an error, usually) goes to the presser
	// alone instead of replacing the shared message.
	return x.response(dg.InteractionResponseChannelMessageWithSource, r)
}

// deferNow acknowledges the interaction, showing "thinking" for a new
// message or nothing for an update.
func (x *exchange) deferNow(ctx context.Context, m mode, private bool) {
	if m == updateMessage {
		x.first(ctx, &dg.InteractionResponse{Type: dg.InteractionResponseDeferredMessageUpdate})
		return
	}
	resp := &dg.InteractionResponse{Type: dg.InteractionResponseDeferredChannelMessageWithSource}
	if private {
		resp.Data = &dg.InteractionResponseData{Flags: dg.MessageFlagsEphemeral}
	}
	x.first(ctx, resp)
}

// finish delivers a reply after a deferral, by editing the original
// response (or the message of the button), or, when the reply is private
// but the deferral was not, by replacing it with an ephemeral follow-up:
// a message's ephemeral state cannot change after it is created.
func (x *exchange) finish(ctx context.Context, r bot.Reply) {
	if r.Form != nil {
		// A modal must be the first response, and the first response
		// was the deferral.
		r = formFallback(r, formLate)
	}
	x.mu.Lock()
	deferred, ephemeral := x.deferred, x.ephemeral
	x.mu.Unlock()
	m := render(r)
	// The user is waiting for this; cancelling the work context must not
	// also cancel the message saying how it ended.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	var err error
	switch {
	case r.Private && !ephemeral:
		if deferred == dg.InteractionResponseDeferredChannelMessageWithSource {
			if err := x.d.deleteOriginal(ctx, x.i); err != nil {
				x.log.WarnContext(ctx, "deleting the deferred response", slog.Any("err", err))
			}
		}
		err = x.d.followUp(ctx, x.i, &dg.WebhookParams{
			Content:         m.content,
			Embeds:          m.embeds,
			Components:      nonNilComponents(m.components),
			AllowedMentions: noMentions(),
			Files:           m.files,
			Flags:           dg.MessageFlagsEphemeral,
		})
	default:
		embeds, comps := m.embeds, nonNilComponents(m.components)
		if embeds == nil {
			embeds = []*dg.MessageEmbed{}
		}
		err = x.d.editOriginal(ctx, x.i, &dg.WebhookEdit{
			Content:         &m.content,
			Embeds:          &embeds,
			Components:      &comps,
			AllowedMentions: noMentions(),
			Files:           m.files,
		})
	}
	if err != nil {
		x.log.ErrorContext(ctx, "delivering a deferred reply failed", slog.Any("err", err))
	}
}

func nonNilComponents(c []dg.MessageComponent) []dg.MessageComponent {
	if c == nil {
		return []dg.MessageComponent{}
	}
	return c
}

// command answers a slash command.
func (x *exchange) command(ctx context.Context) {
	data := x.i.ApplicationCommandData()
	name, opts := flatten(data.Name, data.Options)
	c := bot.Lookup(name)
	privateDefer := c != nil && c.Access > bot.Everyone
	x.answer(ctx, newMessage, privateDefer, func(ctx context.Context) bot.Reply {
		req := bot.Request{User: user(x.i), Command: name, Options: map[string]string{}}
		var attachment string
		for _, o := range opts {
			if o.Type == dg.ApplicationCommandOptionAttachment {
				attachment = optionString(o)
				continue
			}
			req.Options[o.Name] = optionString(o)
		}
		req.Text = mainText(c, req.Options)
		if attachment != "" {
			f, err := x.d.download(ctx, data.Resolved, attachment)
			if err != nil {
				return x.d.bot.ErrorReply(ctx, err)
			}
			req.File = f
		}
		return x.d.handler.Handle(ctx, req)
	})
}

// flatten follows subcommand groups and subcommands down to the options the
// user filled in, naming the command as the bot's table does
// ("statement add").
func flatten(name string, opts []*dg.ApplicationCommandInteractionDataOption) (string, []*dg.ApplicationCommandInteractionDataOption) {
	for len(opts) == 1 && (opts[0].Type == dg.ApplicationCommandOptionSubCommand || opts[0].Type == dg.ApplicationCommandOptionSubCommandGroup) {
		name += " " + opts[0].Name
		opts = opts[0].Options
	}
	return name, opts
}

// optionString is an option's value as text. Values are typed JSON: text,
// numbers, booleans, or snowflakes for users, roles and attachments.
func optionString(o *dg.ApplicationCommandInteractionDataOption) string {
	switch v := o.Value.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

// mainText is Request.Text: the value of the command's first argument, the
// one a text platform would take as everything after the command.
func mainText(c *bot.Command, opts map[string]string) string {
	if c != nil && len(c.Args) > 0 {
		return opts[strings.ToLower(c.Args[0].Name)]
	}
	for _, v := range opts {
		return v
	}
	return ""
}

// download fetches an attachment option's file, refusing anything over the
// configured size before and while reading it.
func (d *Discord) download(ctx context.Context, res *dg.ApplicationCommandInteractionDataResolved, id string) (*bot.File, error) {
	var a *dg.MessageAttachment
	if res != nil {
		a = res.Attachments[id]
	}
	if a == nil || a.URL == "" {
		return nil, answers.Errorf(answers.EInvalid, "I could not find the attached file; please attach it again.")
	}
	limit := d.cfg.MaxFileSize
	tooLarge := answers.Errorf(answers.ETooLarge, "That file is too large; the limit is %d KiB.", limit>>10)
	if int64(a.Size) > limit {
		return nil, tooLarge
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.URL, nil)
	if err != nil {
		return nil, answers.Errorf(answers.EInvalid, "The attachment has an unusable address.")
	}
	resp, err := d.session.Client.Do(req)
	if err != nil {
		return nil, &answers.Error{Code: answers.EUnavailable, Message: "I could not download the attached file; please try again.", Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &answers.Error{Code: answers.EUnavailable, Message: "I could not download the attached file; please try again.", Err: errors.New(resp.Status)}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, &answers.Error{Code: answers.EUnavailable, Message: "I could not download the attached file; please try again.", Err: err}
	}
	if int64(len(data)) > limit {
		return nil, tooLarge
	}
	return &bot.File{Name: a.Filename, Data: data}, nil
}

// component answers a button press. "More" and "did you mean" replace the
// message they are on; "Source" opens a new message for the presser alone.
func (x *exchange) component(ctx context.Context) {
	data := x.i.MessageComponentData()
	m := updateMessage
	private := false
	if a, err := bot.DecodeAction(data.CustomID); err == nil && a.Name == bot.ActSource {
		m, private = newMessage, true
	}
	x.answer(ctx, m, private, func(ctx context.Context) bot.Reply {
		r := x.d.handler.Press(ctx, user(x.i), data.CustomID)
		if private {
			r.Private = true
		}
		return r
	})
}

// submit answers a submitted modal. Its custom_id names the command the
// form belongs to and carries the form's hidden values (see formCustomID);
// each text input is an option named by its custom_id. Whoever submits is
// checked by the bot like any other caller: the form was shown to them,
// but rights are judged when the change is made.
func (x *exchange) submit(ctx context.Context) {
	data := x.i.ModalSubmitData()
	name, hidden, ok := parseFormID(data.CustomID)
	if !ok {
		x.log.WarnContext(ctx, "unknown modal", slog.String("custom_id", data.CustomID))
		x.first(ctx, x.response(dg.InteractionResponseChannelMessageWithSource, bot.Reply{Text: "That form is not one I know; please run the command again.", Private: true}))
		return
	}
	opts := map[string]string{}
	collectInputs(data.Components, opts)
	// Hidden values win over inputs of the same name: the statement being
	// edited is the one the form was opened for.
	for k, v := range hidden {
		opts[k] = v
	}
	c := bot.Lookup(name)
	x.answer(ctx, newMessage, c == nil || c.Access > bot.Everyone, func(ctx context.Context) bot.Reply {
		req := bot.Request{User: user(x.i), Command: name, Options: opts, Text: mainText(c, opts)}
		return x.d.handler.Handle(ctx, req)
	})
}

func collectInputs(comps []dg.MessageComponent, into map[string]string) {
	for _, c := range comps {
		switch v := c.(type) {
		case *dg.ActionsRow:
			collectInputs(v.Components, into)
		case dg.ActionsRow:
			collectInputs(v.Components, into)
		case *dg.TextInput:
			into[v.CustomID] = v.Value
		case dg.TextInput:
			into[v.CustomID] = v.Value
		}
	}
}

// autocomplete suggests values for the focused option. It cannot be
// deferred, so whatever is not ready by the deadline is answered with no
// suggestions.
func (x *exchange) autocomplete(ctx context.Context) {
	data := x.i.ApplicationCommandData()
	name, opts := flatten(data.Name, data.Options)
	var focused *dg.ApplicationCommandInteractionDataOption
	for _, o := range opts {
		if o.Focused {
			focused = o
		}
	}
	choices := []*dg.ApplicationCommandOptionChoice{}
	if focused != nil {
		ctx, cancel := context.WithTimeout(ctx, x.d.cfg.ResponseDeadline)
		done := make(chan []*dg.ApplicationCommandOptionChoice, 1)
		go func() {
			defer func() {
				if v := recover(); v != nil {
					x.log.ErrorContext(ctx, "panic in autocomplete", slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
					done <- nil
				}
			}()
			done <- x.d.suggest(ctx, completeKind(name, focused.Name), optionString(focused))
		}()
		select {
		case c := <-done:
			if c != nil {
				choices = c
			}
		case <-ctx.Done():
			x.log.WarnContext(ctx, "autocomplete too slow; answered with no suggestions")
		}
		cancel()
	}
	x.first(ctx, &dg.InteractionResponse{Type: dg.InteractionApplicationCommandAutocompleteResult, Data: &dg.InteractionResponseData{Choices: choices}})
}

// completeKind is what the bot's table says an argument completes to.
func completeKind(command, arg string) string {
	c := bot.Lookup(command)
	if c == nil {
		return ""
	}
	for _, a := range c.Args {
		if strings.EqualFold(a.Name, arg) {
			return a.Complete
		}
	}
	return ""
}

// suggest returns at most 25 choices for what the user has typed.
func (d *Discord) suggest(ctx context.Context, kind, typed string) []*dg.ApplicationCommandOptionChoice {
	e := d.suggester
	choices := []*dg.ApplicationCommandOptionChoice{}
	if e == nil {
		return choices
	}
	seen := map[string]bool{}
	add := func(name, value string) {
		name, value = choiceName(name), choiceName(value)
		if name == "" || value == "" || seen[value] || len(choices) == maxChoices {
			return
		}
		seen[value] = true
		choices = append(choices, &dg.ApplicationCommandOptionChoice{Name: name, Value: value})
	}
	switch kind {
	case "speaker":
		sps, err := e.SuggestSpeakers(ctx, typed, maxChoices)
		if err != nil {
			d.logger.WarnContext(ctx, "speaker suggestions failed", slog.Any("err", err))
		}
		for _, s := range sps {
			label := s.Name
			if s.Role != "" {
				label += " (" + s.Role + ")"
			}
			add(label, s.Name)
		}
	case "question":
		as, err := e.Suggest(ctx, typed, maxChoices)
		if err != nil {
			d.logger.WarnContext(ctx, "question suggestions failed", slog.Any("err", err))
		}
		for _, a := range as {
			// The value becomes the question asked, so it carries the
			// speaker and the statement's own words, which find it again.
			add(a.Speaker+": "+a.Text, a.Speaker+" "+a.Text)
		}
	}
	return choices
}
