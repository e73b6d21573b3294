package discord

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	dg "github.com/bwmarrin/discordgo"

	"github.com/onrecord/onrecord/bot"
)

// Modal limits of developers/interactions/receiving-and-responding.mdx
// ("Modal") and developers/components/reference.mdx ("Text Input"), the
// same the OpenAPI file gives ModalInteractionCallbackRequestData.
const (
	maxModalTitle  = 45
	maxModalRows   = 5 // the bot's forms have at most bot.MaxFormFields
	maxInputLabel  = 45
	maxInputValue  = 4000
	maxPlaceholder = 100
)

// formPrefix starts the custom_id of every modal the bot opens, so that a
// submitted modal is told apart from anything else and its custom_id can
// carry the command and the form's hidden values back:
// "f|statement edit|id=12|rev=3". Discord returns the custom_id unchanged
// with the submitted inputs; nothing about the form is kept in memory, so
// a submit works on whichever replica receives it (HTTP mode behind a load
// balancer) and after a restart.
const formPrefix = "f|"

// formCustomID encodes a form's command and hidden values in a modal's
// custom_id, within Discord's 100 characters. Keys and values are escaped,
// so a value holding "|" or "=" cannot smuggle in another key.
func formCustomID(f *bot.Form) (string, error) {
	cmd := strings.TrimSpace(f.Command)
	if cmd == "" || strings.ContainsAny(cmd, "|%=") {
		return "", fmt.Errorf("form command %q cannot be encoded", f.Command)
	}
	var b strings.Builder
	b.WriteString(formPrefix)
	b.WriteString(cmd)
	keys := make([]string, 0, len(f.Hidden))
	for k := range f.Hidden {
		keys = append(keys, k)
	}
	// Sorted, so the same form always has the same custom_id.
	slices.Sort(keys)
	for _, k := range keys {
		if k == "" {
			return "", errors.New("form has a hidden value without a name")
		}
		b.WriteString("|" + url.QueryEscape(k) + "=" + url.QueryEscape(f.Hidden[k]))
	}
	if b.Len() > maxCustomID {
		return "", fmt.Errorf("form custom_id is %d bytes, over %d", b.Len(), maxCustomID)
	}
	return b.String(), nil
}

// parseFormID reads what formCustomID wrote. ok is false for a custom_id
// the bot did not make.
func parseFormID(id string) (command string, hidden map[string]string, ok bool) {
	rest, found := strings.CutPrefix(id, formPrefix)
	if !found {
		return "", nil, false
	}
	parts := strings.Split(rest, "|")
	command = strings.TrimSpace(parts[0])
	if command == "" {
		return "", nil, false
	}
	hidden = map[string]string{}
	for _, p := range parts[1:] {
		k, v, found := strings.Cut(p, "=")
		if !found {
			return "", nil, false
		}
		uk, err1 := url.QueryUnescape(k)
		uv, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil || uk == "" {
			return "", nil, false
		}
		hidden[uk] = uv
	}
	return command, hidden, true
}

// modalResponse shapes a form as a MODAL callback (type 9): one action row
// per field, each holding one text input whose custom_id is the field's
// name. Components v2 recommends wrapping text inputs in Label components
// (type 18) instead, but discordgo v0.29.0 cannot decode a submitted Label
// (its component decoder fails on type 18, and with it the whole
// interaction), while action rows of text inputs are still accepted and
// come back as action rows.
//
// A form Discord cannot show faithfully is an error rather than a cut-down
// modal: a truncated prefilled value would be saved truncated, and a
// dropped field would silently go unasked.
func modalResponse(f *bot.Form) (*dg.InteractionResponse, error) {
	id, err := formCustomID(f)
	if err != nil {
		return nil, err
	}
	if len(f.Fields) == 0 || len(f.Fields) > maxModalRows {
		return nil, fmt.Errorf("form has %d fields; a modal holds 1 to %d", len(f.Fields), maxModalRows)
	}
	rows := make([]dg.MessageComponent, 0, len(f.Fields))
	seen := map[string]bool{}
	for _, fl := range f.Fields {
		switch {
		case fl.Name == "" || len(fl.Name) > maxCustomID || seen[fl.Name]:
			return nil, fmt.Errorf("form field name %q is empty, too long or repeated", fl.Name)
		case hasKey(f.Hidden, fl.Name):
			// The hidden value would override whatever the user typed.
			return nil, fmt.Errorf("form field %q is also a hidden value", fl.Name)
		case runeLen(fl.Value) > maxInputValue:
			return nil, fmt.Errorf("form field %q holds %d characters, over %d", fl.Name, runeLen(fl.Value), maxInputValue)
		}
		seen[fl.Name] = true
		in := dg.TextInput{
			CustomID:    fl.Name,
			Label:       plainTrunc(fl.Label, maxInputLabel),
			Style:       dg.TextInputShort,
			Placeholder: plainTrunc(fl.Placeholder, maxPlaceholder),
			Value:       fl.Value,
			Required:    fl.Required,
		}
		if in.Label == "" {
			in.Label = plainTrunc(fl.Name, maxInputLabel)
		}
		if in.Label != strings.TrimSpace(fl.Label) && in.Placeholder == "" {
			// The label had to be shortened: the placeholder, shown while
			// the input is empty, keeps the whole of it.
			in.Placeholder = plainTrunc(fl.Label, maxPlaceholder)
		}
		if fl.Long {
			in.Style = dg.TextInputParagraph
		}
		rows = append(rows, dg.ActionsRow{Components: []dg.MessageComponent{in}})
	}
	title := plainTrunc(f.Title, maxModalTitle)
	if title == "" {
		title = plainTrunc(f.Command, maxModalTitle)
	}
	return &dg.InteractionResponse{
		Type: dg.InteractionResponseModal,
		Data: &dg.InteractionResponseData{CustomID: id, Title: title, Components: rows},
	}, nil
}

// Why a form could not be shown as a modal.
const (
	formLate      = "The form could not be opened in time."
	formAfterForm = "Discord cannot open a form in answer to a form."
	formTooLarge  = "This form does not fit in a Discord dialog."
)

// formFallback replaces a form that cannot be opened with a private
// message saying how to go on: Discord lets a modal be only the first
// response to a command or a button, never after a deferral or in answer
// to a submitted modal.
func formFallback(r bot.Reply, why string) bot.Reply {
	f := r.Form
	var b strings.Builder
	if t := strings.TrimSpace(r.Text); t != "" {
		b.WriteString(t + "\n\n")
	}
	b.WriteString(why)
	fmt.Fprintf(&b, " Run /%s again to get the form, or give the fields as options of /%s", f.Command, f.Command)
	var names []string
	for k, v := range f.Hidden {
		names = append(names, k+":"+v)
	}
	slices.Sort(names)
	for _, fl := range f.Fields {
		names = append(names, fl.Name+":")
	}
	if len(names) > 0 {
		b.WriteString(" (" + strings.Join(names, " ") + ")")
	}
	b.WriteString(".")
	return bot.Reply{Text: b.String(), Private: true}
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}
