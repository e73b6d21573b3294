package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/onrecord/onrecord/answers"
)

// Form asks for several fields at once: Discord shows it as a modal,
// Telegram as a guided conversation, field by field. Submitting it sends
// Command with the fields (and Hidden) as options.
type Form struct {
	Command string
	Title   string
	Fields  []FormField
	// Hidden options travel with the form unseen (the id and revision of
	// the statement being edited).
	Hidden map[string]string
}

// FormField is one input of a form. Platforms allow at most five.
type FormField struct {
	Name, Label, Value, Placeholder string
	Long, Required                  bool
}

// MaxFormFields is the most fields a form may have (Discord's modal limit).
const MaxFormFields = 5

// role returns the caller's moderator role: the local console operator is
// an owner; everyone else is looked up in the store's moderators table,
// never inferred from rights in some chat or server.
func (b *Bot) role(ctx context.Context, u User) answers.Role {
	if u.Platform == Console {
		return answers.RoleOwner
	}
	if b.Mod == nil || u.ID == "" {
		return ""
	}
	r, err := b.Mod.Role(ctx, string(u.Platform), u.ID)
	if err != nil {
		b.Logger.ErrorContext(ctx, "moderator lookup failed", "err", err)
		return ""
	}
	return r
}

// allowed checks the caller's rights for cmd, server-side, on every call.
func (b *Bot) allowed(ctx context.Context, cmd *Command, u User) error {
	if cmd.Access == Everyone {
		return nil
	}
	if b.Mod == nil {
		return answers.Errorf(answers.EUnavailable, "Moderation is not available on this bot.")
	}
	switch role := b.role(ctx, u); {
	case role == answers.RoleOwner:
		return nil
	case role == answers.RoleModerator && cmd.Access == Moderators:
		return nil
	case cmd.Access == Owners:
		return answers.Errorf(answers.EUnauthorized, "Only owners can do that; nothing was changed.")
	}
	return answers.Errorf(answers.EUnauthorized, "Only moderators can do that; nothing was changed. Anyone can flag a problem with /report ID REASON.")
}

// actor names the caller in revisions and the audit log.
func actor(u User) string {
	s := string(u.Platform) + ":" + u.ID
	if u.Name != "" {
		s += " (" + u.Name + ")"
	}
	return s
}

// Options returns a request's named arguments for cmd: the platform's own
// (Discord options, form fields) or, from typed text, key=value pairs
// (values may be "quoted") with any other words filling the arguments in
// order, the last taking the rest of the line.
func Options(cmd *Command, req Request) (map[string]string, error) {
	if len(req.Options) > 0 {
		return req.Options, nil
	}
	opts := map[string]string{}
	known := map[string]bool{}
	for _, a := range cmd.Args {
		known[a.Name] = true
	}
	toks, err := splitArgs(req.Text)
	if err != nil {
		return nil, err
	}
	var positional []string
	for _, t := range toks {
		if k, v, ok := strings.Cut(t.text, "="); ok && !t.quoted && known[strings.ToLower(k)] {
			opts[strings.ToLower(k)] = v
			continue
		}
		positional = append(positional, t.text)
	}
	var free []Arg
	for _, a := range cmd.Args {
		if _, set := opts[a.Name]; !set {
			free = append(free, a)
		}
	}
	for i, a := range free {
		if len(positional) == 0 {
			break
		}
		if i == len(free)-1 {
			opts[a.Name] = strings.Join(positional, " ")
			positional = nil
			break
		}
		opts[a.Name], positional = positional[0], positional[1:]
	}
	if len(positional) > 0 {
		return nil, answers.Errorf(answers.EInvalid, "I don't know what to do with %q. %s", strings.Join(positional, " "), usageLine(cmd))
	}
	return opts, nil
}

type argToken struct {
	text   string
	quoted bool
}

// splitArgs splits typed arguments on spaces, keeping "quoted text",
// “curly quotes” and key="quoted values" together.
func splitArgs(s string) ([]argToken, error) {
	var out []argToken
	var cur strings.Builder
	inQuote, quoted, has := rune(0), false, false
	closing := map[rune]rune{'"': '"', '\u201c': '\u201d', '\u00ab': '\u00bb', '\u201e': '\u201c'}
	flush := func() {
		if has {
			out = append(out, argToken{cur.String(), quoted && !strings.Contains(cur.String(), "=")})
		}
		cur.Reset()
		quoted, has = false, false
	}
	for _, r := range s {
		switch {
		case inQuote != 0 && r == inQuote:
			inQuote = 0
		case inQuote != 0:
			cur.WriteRune(r)
		case closing[r] != 0:
			inQuote, quoted, has = closing[r], true, true
		case unicode.IsSpace(r):
			flush()
		default:
			cur.WriteRune(r)
			has = true
		}
	}
	if inQuote != 0 {
		return nil, answers.Errorf(answers.EInvalid, "A quotation mark is not closed.")
	}
	flush()
	return out, nil
}

func usageLine(c *Command) string {
	s := "Usage: /" + c.Name + argNames(c)
	if len(c.Examples) > 0 {
		s += "\nExample: " + c.Examples[0]
	}
	return s
}

// statementFields are the arguments that set a statement's fields.
var statementFields = []Arg{
	{Name: "speaker", Description: "Who said it: a name or alias on record", Complete: "speaker"},
	{Name: "text", Description: "The words, verbatim for a quote"},
	{Name: "kind", Description: "quote (their own words) or paraphrase (reported speech)"},
	{Name: "role", Description: "The role they held when they said it"},
	{Name: "said_on", Description: "When: YYYY, YYYY-MM or YYYY-MM-DD"},
	{Name: "said_when", Description: "When, in words, if no date is known"},
	{Name: "outlet", Description: "Where it was reported"},
	{Name: "title", Description: "Title of the report"},
	{Name: "url", Description: "Link to the report (http or https)"},
	{Name: "published_on", Description: "Date of the report: YYYY, YYYY-MM or YYYY-MM-DD"},
	{Name: "topics", Description: "Topics, separated by commas"},
	{Name: "context", Description: "Where and why it was said"},
	{Name: "note", Description: "What is known of the source when outlet or URL are not"},
}

func idArg(desc string) Arg { return Arg{Name: "id", Description: desc, Required: true} }

func init() {
	add := append([]Arg(nil), statementFields...)
	add[0].Required, add[1].Required = true, true
	add = append(add, Arg{Name: "new_speaker", Description: "yes to create a speaker not yet on record"})
	edit := append([]Arg{idArg("The statement's id"), {Name: "rev", Description: "The revision you are editing (from /history), to catch concurrent edits"}}, statementFields...)
	commands = append(commands,
		&Command{Name: "report", Summary: "Flag a misattributed or outdated statement",
			Args:     []Arg{idArg("The statement's id"), {Name: "reason", Description: "What is wrong", Required: true}},
			Examples: []string{"/report 12 this was said in 2023, not 2024"}, Run: runReport},
		&Command{Name: "statement add", Aliases: []string{"add"}, Access: Moderators, Args: add,
			Summary:  "Add a statement to the record",
			Help:     "The speaker must be on record (by name or alias) unless new_speaker=yes. Without arguments, a form asks for the main fields.",
			Examples: []string{`/add speaker="Sergey Lavrov" kind=paraphrase said_on=2024-08 url=https://example.org/report text="No serious proposals have been received."`},
			Run:      runAdd},
		&Command{Name: "statement edit", Aliases: []string{"edit"}, Access: Moderators, Args: edit,
			Summary:  "Change any field of a statement",
			Help:     "Only the fields you give change. Give rev= (from /history) so that a concurrent edit is caught instead of overwritten. Without fields, a form shows the current values.",
			Examples: []string{`/edit 12 said_on=2024-06-14`, `/edit 12 rev=3 text="corrected words"`},
			Run:      runEdit},
		&Command{Name: "statement retire", Aliases: []string{"retire"}, Access: Moderators,
			Args:    []Arg{idArg("The statement's id"), {Name: "reason", Description: "Why (kept in the audit log)"}},
			Summary: "Retire a statement: kept, but never answered with", Examples: []string{"/retire 12 duplicate of #9"},
			Run: func(ctx context.Context, b *Bot, req Request) (Reply, error) { return runRetire(ctx, b, req, true) }},
		&Command{Name: "statement restore", Aliases: []string{"restore"}, Access: Moderators,
			Args: []Arg{idArg("The statement's id")}, Summary: "Bring a retired statement back", Examples: []string{"/restore 12"},
			Run: func(ctx context.Context, b *Bot, req Request) (Reply, error) { return runRetire(ctx, b, req, false) }},
		&Command{Name: "statement history", Aliases: []string{"history"}, Access: Moderators,
			Args: []Arg{idArg("The statement's id")}, Summary: "Every revision of a statement: who, when, what changed",
			Examples: []string{"/history 12"}, Run: runHistory},
		&Command{Name: "statement undo", Aliases: []string{"undo"}, Access: Moderators,
			Args: []Arg{idArg("The statement's id")}, Summary: "Undo the last change to a statement (recorded as a new revision)",
			Examples: []string{"/undo 12"}, Run: runUndo},
		&Command{Name: "statement revert", Aliases: []string{"revert"}, Access: Moderators,
			Args:    []Arg{idArg("The statement's id"), {Name: "rev", Description: "The revision to restore", Required: true}},
			Summary: "Restore an earlier revision of a statement", Examples: []string{"/revert 12 2"}, Run: runRevert},
		&Command{Name: "speakeredit rename", Aliases: []string{"rename"}, Access: Moderators,
			Args:    []Arg{{Name: "speaker", Description: "The speaker's name or alias", Required: true, Complete: "speaker"}, {Name: "to", Description: "The new name", Required: true}},
			Summary: "Rename a speaker (the old name stays as an alias)", Examples: []string{`/rename "Sergei Lavrov" "Sergey Lavrov"`},
			Run: speakerCmd(func(ctx context.Context, b *Bot, sp *answers.Speaker, o map[string]string, who string) (string, error) {
				return fmt.Sprintf("Renamed %s to %s.", sp.Name, o["to"]), b.Mod.RenameSpeaker(ctx, sp.ID, o["to"], who)
			})},
		&Command{Name: "speakeredit role", Aliases: []string{"setrole"}, Access: Moderators,
			Args:    []Arg{{Name: "speaker", Description: "The speaker's name or alias", Required: true, Complete: "speaker"}, {Name: "role", Description: "Their current role", Required: true}},
			Summary: "Set a speaker's current role", Examples: []string{`/setrole Lavrov "Russian Foreign Minister"`},
			Run: speakerCmd(func(ctx context.Context, b *Bot, sp *answers.Speaker, o map[string]string, who string) (string, error) {
				return fmt.Sprintf("%s is now %s.", sp.Name, o["role"]), b.Mod.SetSpeakerRole(ctx, sp.ID, o["role"], who)
			})},
		&Command{Name: "speakeredit alias", Aliases: []string{"alias"}, Access: Moderators,
			Args:    []Arg{{Name: "speaker", Description: "The speaker's name or alias", Required: true, Complete: "speaker"}, {Name: "alias", Description: "Another name people use", Required: true}},
			Summary: "Add an alias to a speaker", Examples: []string{`/alias Lavrov "Russia's top diplomat"`},
			Run: speakerCmd(func(ctx context.Context, b *Bot, sp *answers.Speaker, o map[string]string, who string) (string, error) {
				return fmt.Sprintf("%s can now be asked about as %q.", sp.Name, o["alias"]), b.Mod.AddAlias(ctx, sp.ID, o["alias"], who)
			})},
		&Command{Name: "speakeredit unalias", Aliases: []string{"unalias"}, Access: Moderators,
			Args:    []Arg{{Name: "speaker", Description: "The speaker's name", Required: true, Complete: "speaker"}, {Name: "alias", Description: "The alias to remove", Required: true}},
			Summary: "Remove an alias from a speaker", Examples: []string{`/unalias "Sergey Lavrov" "top diplomat"`},
			Run: speakerCmd(func(ctx context.Context, b *Bot, sp *answers.Speaker, o map[string]string, who string) (string, error) {
				return fmt.Sprintf("Removed the alias %q from %s.", o["alias"], sp.Name), b.Mod.RemoveAlias(ctx, sp.ID, o["alias"], who)
			})},
		&Command{Name: "speakeredit merge", Aliases: []string{"merge"}, Access: Moderators,
			Args:    []Arg{{Name: "speaker", Description: "The speaker to merge away", Required: true, Complete: "speaker"}, {Name: "into", Description: "The speaker to keep", Required: true, Complete: "speaker"}},
			Summary: "Merge two speakers: statements and aliases move, nothing is lost", Examples: []string{`/merge "S. Lavrov" "Sergey Lavrov"`},
			Run: speakerCmd(func(ctx context.Context, b *Bot, sp *answers.Speaker, o map[string]string, who string) (string, error) {
				into, err := exactSpeaker(ctx, b, o["into"])
				if err != nil {
					return "", err
				}
				return fmt.Sprintf("Merged %s into %s.", sp.Name, into.Name), b.Mod.MergeSpeakers(ctx, sp.ID, into.ID, who)
			})},
		&Command{Name: "synonyms list", Access: Moderators, Summary: "List the synonym groups", Examples: []string{"/synonyms list"}, Run: runSynonymsList},
		&Command{Name: "synonyms add", Access: Moderators, Summary: "Add a group of interchangeable terms",
			Args: []Arg{{Name: "terms", Description: "Terms separated by commas", Required: true}}, Examples: []string{"/synonyms add Kyiv, Kiev"},
			Run: runSynonymsAdd},
		&Command{Name: "synonyms remove", Access: Moderators, Summary: "Remove a synonym group",
			Args: []Arg{{Name: "id", Description: "The group's id, from /synonyms list", Required: true}}, Examples: []string{"/synonyms remove 3"},
			Run: runSynonymsRemove},
		&Command{Name: "moderators list", Access: Moderators, Summary: "List moderators and owners", Examples: []string{"/moderators list"}, Run: runModeratorsList},
		&Command{Name: "moderators add", Access: Owners, Summary: "Make a user a moderator (or an owner)",
			Args:     []Arg{{Name: "user", Description: "platform:id, as in telegram:123456", Required: true}, {Name: "role", Description: "moderator (default) or owner"}, {Name: "name", Description: "A name to remember them by"}},
			Examples: []string{"/moderators add telegram:123456 moderator Anna"}, Run: runModeratorsAdd},
		&Command{Name: "moderators remove", Access: Owners, Summary: "Take a user's moderator rights away",
			Args: []Arg{{Name: "user", Description: "platform:id", Required: true}}, Examples: []string{"/moderators remove telegram:123456"},
			Run: runModeratorsRemove},
		&Command{Name: "reports list", Access: Moderators, Summary: "Open reports from users", Examples: []string{"/reports list"}, Run: runReports},
		&Command{Name: "reports close", Access: Moderators, Summary: "Close a report",
			Args:     []Arg{{Name: "id", Description: "The report's id", Required: true}, {Name: "resolution", Description: "What was done"}},
			Examples: []string{"/reports close 4 fixed the date"}, Run: runReportClose},
		&Command{Name: "audit", Access: Moderators, Summary: "The latest moderator actions",
			Args: []Arg{{Name: "count", Description: "How many (default 20, at most 100)"}}, Examples: []string{"/audit 50"}, Run: runAudit},
		&Command{Name: "import", Access: Moderators, File: true, Summary: "Import statements from an attached JSON Lines file (all or nothing)",
			Help:     "Attach the file to the message (Telegram: send it as a document with /import as the caption). A bad line rejects the whole file and names the line and field.",
			Args:     []Arg{{Name: "file", Description: "The JSON Lines file", Required: true}},
			Examples: []string{"/import (as the caption of statements.jsonl)"}, Run: runImport},
		&Command{Name: "export", Access: Moderators, Summary: "Export every statement as a JSON Lines file", Examples: []string{"/export"}, Run: runExport},
	)
}

// opts parses a request's options, or says how to use the command.
func opts(req Request) (*Command, map[string]string, error) {
	cmd := Lookup(req.Command)
	o, err := Options(cmd, req)
	if err != nil {
		return cmd, nil, err
	}
	for _, a := range cmd.Args {
		if a.Required && strings.TrimSpace(o[a.Name]) == "" && !(a.Name == "file" && req.File != nil) {
			return cmd, nil, answers.Errorf(answers.EInvalid, "%s is missing. %s", a.Name, usageLine(cmd))
		}
	}
	return cmd, o, nil
}

// idOpts parses a request's options and its id option, the first argument
// of most moderator commands.
func idOpts(req Request, what string) (int64, map[string]string, error) {
	_, o, err := opts(req)
	if err != nil {
		return 0, nil, err
	}
	id, err := parseID(o["id"], what)
	return id, o, err
}

func parseID(s, what string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(s), "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, answers.Errorf(answers.EInvalid, "%q is not a %s id; ids are numbers, as in #12.", Truncate(s, 30), what)
	}
	return id, nil
}

// patch builds a statement patch from options; only given fields change.
func patch(o map[string]string) (answers.StatementPatch, error) {
	var p answers.StatementPatch
	str := func(key string, dst **string) {
		if v, ok := o[key]; ok {
			v = strings.TrimSpace(v)
			*dst = &v
		}
	}
	str("speaker", &p.Speaker)
	str("role", &p.SpeakerRole)
	str("text", &p.Text)
	str("said_when", &p.SaidWhen)
	str("context", &p.Context)
	str("outlet", &p.Outlet)
	str("title", &p.Title)
	str("url", &p.URL)
	str("note", &p.SourceNote)
	if v, ok := o["kind"]; ok {
		k := answers.Kind(strings.ToLower(strings.TrimSpace(v)))
		if !k.Valid() {
			return p, answers.Errorf(answers.EInvalid, "kind must be quote or paraphrase, not %q.", Truncate(v, 30))
		}
		p.Kind = &k
	}
	for key, dst := range map[string]**answers.Date{"said_on": &p.SaidOn, "published_on": &p.PublishedOn} {
		if v, ok := o[key]; ok {
			d, err := answers.ParseDate(v)
			if err != nil {
				return p, answers.Wrap(err, "%s", key)
			}
			*dst = &d
		}
	}
	if v, ok := o["url"]; ok {
		if err := answers.ValidateURL(strings.TrimSpace(v)); err != nil {
			return p, answers.Wrap(err, "url")
		}
	}
	if v, ok := o["topics"]; ok {
		var t []string
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				t = append(t, s)
			}
		}
		p.Topics = &t
	}
	return p, nil
}

// statementForm is the form for adding (st nil) or editing a statement.
func statementForm(st *answers.Statement) *Form {
	f := &Form{Command: "statement add", Title: "Add a statement", Fields: []FormField{
		{Name: "speaker", Label: "Speaker (name or alias on record)", Required: true},
		{Name: "text", Label: "Text (verbatim for a quote)", Long: true, Required: true},
		{Name: "kind", Label: "Kind: quote or paraphrase", Value: "quote", Required: true},
		{Name: "said_on", Label: "Said on (YYYY, YYYY-MM or YYYY-MM-DD)", Placeholder: "2024-06-14"},
		{Name: "url", Label: "Source URL (http or https)", Placeholder: "https://"},
	}}
	if st != nil {
		f.Command, f.Title = "statement edit", fmt.Sprintf("Edit statement #%d", st.ID)
		f.Hidden = map[string]string{"id": strconv.FormatInt(st.ID, 10), "rev": strconv.Itoa(st.Rev)}
		vals := []string{st.Speaker, st.Text, string(st.Kind), st.SaidOn.String(), st.Source.URL}
		for i := range f.Fields {
			f.Fields[i].Value = vals[i]
		}
	}
	return f
}

func runAdd(ctx context.Context, b *Bot, req Request) (Reply, error) {
	if strings.TrimSpace(req.Text) == "" && len(req.Options) == 0 {
		return Reply{Text: "Fill in the statement. Other fields (outlet, topics, context) can be set afterwards with /edit.", Form: statementForm(nil), Private: true}, nil
	}
	_, o, err := opts(req)
	if err != nil {
		return Reply{}, err
	}
	p, err := patch(o)
	if err != nil {
		return Reply{}, err
	}
	st := p.Apply(answers.Statement{Kind: answers.Quote})
	create := strings.EqualFold(strings.TrimSpace(o["new_speaker"]), "yes")
	if !create {
		// A speaker is matched exactly by name or alias; a near miss asks
		// for confirmation instead of guessing.
		sp, err := b.Engine.ResolveSpeaker(ctx, st.Speaker)
		if err != nil {
			return Reply{}, answers.Errorf(answers.ENotFound, "No speaker %q is on record. If this is someone new, add new_speaker=yes.", Truncate(st.Speaker, 60))
		}
		if !sameSpeaker(sp, st.Speaker) {
			return Reply{Text: fmt.Sprintf("Did you mean %s? Nothing was added. Send the command again with speaker=%q, or add new_speaker=yes to create %q.", sp.Name, sp.Name, st.Speaker), Private: true}, nil
		}
		st.Speaker = sp.Name
		if st.SpeakerRole == "" {
			st.SpeakerRole = sp.Role
		}
	}
	added, err := b.Mod.AddStatement(ctx, st, create, actor(req.User))
	if err != nil {
		return Reply{}, err
	}
	r := cardReply(*added, nil)
	r.Text = fmt.Sprintf("Added statement #%d.", added.ID)
	return r, nil
}

func sameSpeaker(sp *answers.Speaker, name string) bool {
	name = strings.TrimSpace(name)
	if strings.EqualFold(sp.Name, name) {
		return true
	}
	for _, a := range sp.Aliases {
		if strings.EqualFold(a, name) {
			return true
		}
	}
	return false
}

// exactSpeaker resolves a name for a moderator command: a near miss is an
// error that names the likely speaker, so nothing is changed by a guess.
func exactSpeaker(ctx context.Context, b *Bot, name string) (*answers.Speaker, error) {
	sp, err := b.Engine.ResolveSpeaker(ctx, name)
	if err != nil {
		return nil, err
	}
	if !sameSpeaker(sp, name) {
		return nil, answers.Errorf(answers.ENotFound, "No speaker is called %q. Did you mean %s? Nothing was changed.", Truncate(name, 60), sp.Name)
	}
	return sp, nil
}

// speakerCmd runs a change to the speaker named by the "speaker" option,
// resolved exactly, and replies with fn's message.
func speakerCmd(fn func(ctx context.Context, b *Bot, sp *answers.Speaker, o map[string]string, who string) (string, error)) func(context.Context, *Bot, Request) (Reply, error) {
	return func(ctx context.Context, b *Bot, req Request) (Reply, error) {
		_, o, err := opts(req)
		if err != nil {
			return Reply{}, err
		}
		sp, err := exactSpeaker(ctx, b, o["speaker"])
		if err != nil {
			return Reply{}, err
		}
		msg, err := fn(ctx, b, sp, o, actor(req.User))
		if err != nil {
			return Reply{}, err
		}
		return Reply{Text: msg}, nil
	}
}

func runEdit(ctx context.Context, b *Bot, req Request) (Reply, error) {
	id, o, err := idOpts(req, "statement")
	if err != nil {
		return Reply{}, err
	}
	rev := 0
	if v := strings.TrimSpace(o["rev"]); v != "" {
		if rev, err = strconv.Atoi(v); err != nil || rev <= 0 {
			return Reply{}, answers.Errorf(answers.EInvalid, "rev must be a revision number from /history %d.", id)
		}
	}
	delete(o, "id")
	delete(o, "rev")
	if len(o) == 0 {
		st, err := b.Engine.Statement(ctx, id)
		if err != nil {
			return Reply{}, err
		}
		return Reply{Text: fmt.Sprintf("Editing statement #%d (revision %d).", id, st.Rev), Form: statementForm(st), Private: true}, nil
	}
	p, err := patch(o)
	if err != nil {
		return Reply{}, err
	}
	if p.Speaker != nil {
		sp, err := exactSpeaker(ctx, b, *p.Speaker)
		if err != nil {
			return Reply{}, err
		}
		p.Speaker = &sp.Name
	}
	st, err := b.Mod.UpdateStatement(ctx, id, rev, p, actor(req.User))
	if err != nil {
		return Reply{}, err
	}
	r := cardReply(*st, nil)
	r.Text = fmt.Sprintf("Saved statement #%d as revision %d. /undo %d takes it back.", id, st.Rev, id)
	return r, nil
}

func runRetire(ctx context.Context, b *Bot, req Request, retire bool) (Reply, error) {
	id, _, err := idOpts(req, "statement")
	if err != nil {
		return Reply{}, err
	}
	st, err := b.Mod.UpdateStatement(ctx, id, 0, answers.StatementPatch{Retired: &retire}, actor(req.User))
	if err != nil {
		return Reply{}, err
	}
	if retire {
		return Reply{Text: fmt.Sprintf("Retired statement #%d (revision %d): it is kept on record but no longer answered with. /restore %d brings it back.", id, st.Rev, id)}, nil
	}
	return Reply{Text: fmt.Sprintf("Restored statement #%d (revision %d).", id, st.Rev)}, nil
}

func runHistory(ctx context.Context, b *Bot, req Request) (Reply, error) {
	id, _, err := idOpts(req, "statement")
	if err != nil {
		return Reply{}, err
	}
	revs, err := b.Mod.History(ctx, id)
	if err != nil {
		return Reply{}, err
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "Statement #%d: %d revision%s.", id, len(revs), plural(len(revs)))
	for i, r := range revs {
		what := "created"
		if i > 0 {
			what = "changed " + strings.Join(answers.Diff(revs[i-1].Statement, r.Statement), ", ")
		}
		fmt.Fprintf(&sb, "\n%d. %s by %s, %s: %s", r.Rev, r.At.UTC().Format("2006-01-02 15:04"), r.Actor, r.Action, what)
	}
	if len(revs) > 1 {
		fmt.Fprintf(&sb, "\n\n/revert %d REV restores one of them; /undo %d takes back the last change.", id, id)
	}
	return Reply{Text: sb.String()}, nil
}

func runUndo(ctx context.Context, b *Bot, req Request) (Reply, error) {
	id, _, err := idOpts(req, "statement")
	if err != nil {
		return Reply{}, err
	}
	st, rev, err := b.Mod.Undo(ctx, id, actor(req.User))
	if err != nil {
		return Reply{}, err
	}
	return restoredReply(*st, rev, "Undone: statement"), nil
}

func runRevert(ctx context.Context, b *Bot, req Request) (Reply, error) {
	id, o, err := idOpts(req, "statement")
	if err != nil {
		return Reply{}, err
	}
	rev, err := strconv.Atoi(strings.TrimSpace(o["rev"]))
	if err != nil || rev <= 0 {
		return Reply{}, answers.Errorf(answers.EInvalid, "Give the revision number to restore, from /history %d.", id)
	}
	return revertTo(ctx, b, req, id, rev, "Statement")
}

// revertTo restores revision rev of statement id and says so, the
// sentence beginning with what.
func revertTo(ctx context.Context, b *Bot, req Request, id int64, rev int, what string) (Reply, error) {
	st, err := b.Mod.Revert(ctx, id, rev, actor(req.User))
	if err != nil {
		return Reply{}, err
	}
	return restoredReply(*st, rev, what), nil
}

// restoredReply shows st, brought back to revision rev, in a sentence
// beginning with what.
func restoredReply(st answers.Statement, rev int, what string) Reply {
	r := cardReply(st, nil)
	r.Text = fmt.Sprintf("%s #%d is back as it was at revision %d (saved as revision %d).", what, st.ID, rev, st.Rev)
	return r
}

func runReport(ctx context.Context, b *Bot, req Request) (Reply, error) {
	if b.Mod == nil {
		return Reply{}, answers.Errorf(answers.EUnavailable, "Reports are not available on this bot.")
	}
	id, o, err := idOpts(req, "statement")
	if err != nil {
		return Reply{}, err
	}
	rid, err := b.Mod.AddReport(ctx, answers.Report{StatementID: id, Platform: string(req.User.Platform), UserID: req.User.ID, UserName: req.User.Name, Reason: o["reason"]})
	if err != nil {
		return Reply{}, err
	}
	return Reply{Text: fmt.Sprintf("Thank you. Report %d on statement #%d is with the moderators.", rid, id), Private: true}, nil
}

func runReports(ctx context.Context, b *Bot, req Request) (Reply, error) {
	rs, err := b.Mod.Reports(ctx, true)
	if err != nil {
		return Reply{}, err
	}
	if len(rs) == 0 {
		return Reply{Text: "No open reports."}, nil
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%d open report%s:", len(rs), plural(len(rs)))
	for _, r := range rs {
		fmt.Fprintf(&sb, "\n%d. on #%d by %s:%s %s, %s: %s", r.ID, r.StatementID, r.Platform, r.UserID, r.UserName, r.At.UTC().Format("2006-01-02"), r.Reason)
	}
	sb.WriteString("\n\n/reports close ID RESOLUTION closes one.")
	return Reply{Text: sb.String()}, nil
}

func runReportClose(ctx context.Context, b *Bot, req Request) (Reply, error) {
	id, o, err := idOpts(req, "report")
	if err != nil {
		return Reply{}, err
	}
	if err := b.Mod.CloseReport(ctx, id, o["resolution"], actor(req.User)); err != nil {
		return Reply{}, err
	}
	return Reply{Text: fmt.Sprintf("Closed report %d.", id)}, nil
}

func runAudit(ctx context.Context, b *Bot, req Request) (Reply, error) {
	_, o, err := opts(req)
	if err != nil {
		return Reply{}, err
	}
	n := 20
	if v := strings.TrimSpace(o["count"]); v != "" {
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			return Reply{}, answers.Errorf(answers.EInvalid, "count must be a number from 1 to 100.")
		}
	}
	es, err := b.Mod.Audit(ctx, min(n, 100))
	if err != nil {
		return Reply{}, err
	}
	if len(es) == 0 {
		return Reply{Text: "No moderator actions yet."}, nil
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "Latest %d moderator action%s:", len(es), plural(len(es)))
	for _, e := range es {
		fmt.Fprintf(&sb, "\n%s %s %s %s", e.At.UTC().Format("2006-01-02 15:04"), e.Actor, e.Action, e.Target)
		if e.Detail != "" {
			fmt.Fprintf(&sb, ": %s", Truncate(e.Detail, 120))
		}
	}
	return Reply{Text: sb.String()}, nil
}

func runSynonymsList(ctx context.Context, b *Bot, req Request) (Reply, error) {
	gs, err := b.Mod.SynonymGroups(ctx)
	if err != nil {
		return Reply{}, err
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%d synonym group%s:", len(gs), plural(len(gs)))
	for _, g := range gs {
		fmt.Fprintf(&sb, "\n%d. %s", g.ID, strings.Join(g.Terms, " / "))
	}
	return Reply{Text: sb.String()}, nil
}

func runSynonymsAdd(ctx context.Context, b *Bot, req Request) (Reply, error) {
	_, o, err := opts(req)
	if err != nil {
		return Reply{}, err
	}
	var terms []string
	for _, t := range strings.Split(o["terms"], ",") {
		if t = strings.TrimSpace(t); t != "" {
			terms = append(terms, t)
		}
	}
	id, err := b.Mod.AddSynonyms(ctx, terms, actor(req.User))
	if err != nil {
		return Reply{}, err
	}
	return Reply{Text: fmt.Sprintf("Added synonym group %d: %s.", id, strings.Join(terms, " / "))}, nil
}

func runSynonymsRemove(ctx context.Context, b *Bot, req Request) (Reply, error) {
	id, _, err := idOpts(req, "synonym group")
	if err != nil {
		return Reply{}, err
	}
	if err := b.Mod.RemoveSynonyms(ctx, id, actor(req.User)); err != nil {
		return Reply{}, err
	}
	return Reply{Text: fmt.Sprintf("Removed synonym group %d.", id)}, nil
}

func runModeratorsList(ctx context.Context, b *Bot, req Request) (Reply, error) {
	ms, err := b.Mod.Moderators(ctx)
	if err != nil {
		return Reply{}, err
	}
	if len(ms) == 0 {
		return Reply{Text: "No moderators yet. Owners come from ONRECORD_OWNERS."}, nil
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%d moderator%s:", len(ms), plural(len(ms)))
	for _, m := range ms {
		fmt.Fprintf(&sb, "\n%s:%s %s - %s", m.Platform, m.UserID, m.Name, m.Role)
	}
	return Reply{Text: sb.String()}, nil
}

// ParseUser reads "platform:id" as in ONRECORD_OWNERS.
func ParseUser(s string) (Platform, string, error) {
	p, id, ok := strings.Cut(strings.TrimSpace(s), ":")
	pl := Platform(strings.ToLower(p))
	if !ok || id == "" || strings.ContainsAny(id, " \t") || (pl != Telegram && pl != Discord) {
		return "", "", answers.Errorf(answers.EInvalid, "%q is not platform:id, as in telegram:123456 or discord:80351110224678912.", Truncate(s, 40))
	}
	return pl, id, nil
}

func runModeratorsAdd(ctx context.Context, b *Bot, req Request) (Reply, error) {
	_, o, err := opts(req)
	if err != nil {
		return Reply{}, err
	}
	pl, id, err := ParseUser(o["user"])
	if err != nil {
		return Reply{}, err
	}
	role := answers.Role(strings.ToLower(strings.TrimSpace(o["role"])))
	if role == "" {
		role = answers.RoleModerator
	}
	if role != answers.RoleModerator && role != answers.RoleOwner {
		return Reply{}, answers.Errorf(answers.EInvalid, "role must be moderator or owner.")
	}
	if err := b.Mod.SetModerator(ctx, answers.Moderator{Platform: string(pl), UserID: id, Name: o["name"], Role: role}, actor(req.User)); err != nil {
		return Reply{}, err
	}
	return Reply{Text: fmt.Sprintf("%s:%s is now a %s (on %s only).", pl, id, role, pl)}, nil
}

func runModeratorsRemove(ctx context.Context, b *Bot, req Request) (Reply, error) {
	_, o, err := opts(req)
	if err != nil {
		return Reply{}, err
	}
	pl, id, err := ParseUser(o["user"])
	if err != nil {
		return Reply{}, err
	}
	if err := b.Mod.RemoveModerator(ctx, string(pl), id, actor(req.User)); err != nil {
		return Reply{}, err
	}
	return Reply{Text: fmt.Sprintf("%s:%s is no longer a moderator.", pl, id)}, nil
}

// MaxImportSize bounds an import sent through a chat.
const MaxImportSize = 20 << 20

func runImport(ctx context.Context, b *Bot, req Request) (Reply, error) {
	if req.File == nil {
		return Reply{}, answers.Errorf(answers.EInvalid, "Attach a JSON Lines file to the /import message (one statement per line, as /export writes).")
	}
	if len(req.File.Data) > MaxImportSize {
		return Reply{}, answers.Errorf(answers.ETooLarge, "That file is %d MB; imports through the chat are limited to %d MB. Use onrecord import on the server for larger ones.", len(req.File.Data)>>20, MaxImportSize>>20)
	}
	res, err := b.Mod.Import(ctx, strings.NewReader(string(req.File.Data)), actor(req.User))
	if err != nil {
		return Reply{}, answers.Wrap(err, "Nothing was imported")
	}
	return Reply{Text: fmt.Sprintf("Imported %s: %s.", req.File.Name, res)}, nil
}

func runExport(ctx context.Context, b *Bot, req Request) (Reply, error) {
	var sb strings.Builder
	if err := b.Mod.Export(ctx, &sb); err != nil {
		return Reply{}, err
	}
	n := strings.Count(sb.String(), "\n")
	name := "onrecord-" + time.Now().UTC().Format("2006-01-02") + ".jsonl"
	return Reply{Text: fmt.Sprintf("%d statements, retired ones included.", n), File: &File{Name: name, Data: []byte(sb.String())}, Private: true}, nil
}
