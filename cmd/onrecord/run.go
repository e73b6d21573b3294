package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/onrecord/onrecord/answers"
	"github.com/onrecord/onrecord/bot"
	"github.com/onrecord/onrecord/bot/console"
	"github.com/onrecord/onrecord/data"
	"github.com/onrecord/onrecord/store"
)

// stdio is the program's standard streams, so a test can supply its own.
type stdio struct {
	in       io.Reader
	out, err io.Writer
}

// errUsage marks a command line that could not be understood.
var errUsage = errors.New("usage")

func exitCode(err error) int {
	if errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

const usage = `onrecord answers questions about what public figures have said.

Usage:
  onrecord [--db PATH]                     chat on this terminal (or serve, when a platform token is set)
  onrecord ask [--db PATH] [--json] [QUESTION]
                                           answer one question; without QUESTION, one per line from stdin
  onrecord import [--db PATH] FILE|-       import statements (JSON Lines), all or nothing
  onrecord export [--db PATH] [FILE]       export every statement (JSON Lines)
  onrecord backup [--db PATH] FILE         copy the live database consistently
  onrecord version                         print the version

Every command takes --db (or ONRECORD_DB; default onrecord.db) and
--no-seed (create a missing database empty instead of with the seed set).
`

// run is the whole program: main only supplies the process's arguments,
// environment and streams.
func run(ctx context.Context, args []string, getenv func(string) string, io stdio) error {
	cmd := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "", "chat":
		return runChat(ctx, args, getenv, io)
	case "ask":
		return runAsk(ctx, args, getenv, io)
	case "import":
		return runImport(ctx, args, getenv, io)
	case "export":
		return runExport(ctx, args, getenv, io)
	case "backup":
		return runBackup(ctx, args, getenv, io)
	case "version":
		fmt.Fprintln(io.out, "onrecord", version)
		return nil
	case "help":
		fmt.Fprint(io.out, usage)
		return nil
	}
	fmt.Fprint(io.err, usage)
	return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
}

// version is stamped at build time with -ldflags "-X main.version=...".
var version = "dev"

// dbFlags are the flags every command shares.
type dbFlags struct {
	path   string
	noSeed bool
}

func newFlags(name string, getenv func(string) string, io stdio) (*flag.FlagSet, *dbFlags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.err)
	fs.Usage = func() { fmt.Fprint(io.err, usage) }
	d := &dbFlags{}
	def := getenv("ONRECORD_DB")
	if def == "" {
		def = "onrecord.db"
	}
	fs.StringVar(&d.path, "db", def, "SQLite database `file` (ONRECORD_DB)")
	fs.BoolVar(&d.noSeed, "no-seed", false, "create a missing database empty")
	return fs, d
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

func (d *dbFlags) open(ctx context.Context) (*store.DB, error) {
	var seed *answers.Seed
	if !d.noSeed {
		seed = data.Seed()
	}
	return store.Open(ctx, d.path, seed)
}

func runAsk(ctx context.Context, args []string, getenv func(string) string, io stdio) error {
	fs, d := newFlags("ask", getenv, io)
	asJSON := fs.Bool("json", false, "write JSON (one object per question)")
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := d.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	b := bot.New(answers.NewEngine(db), nil)
	enc := json.NewEncoder(io.out)
	enc.SetEscapeHTML(false)
	answer := func(q string) error {
		if !*asJSON {
			fmt.Fprint(io.out, console.Render(b.Handle(ctx, bot.Request{User: consoleUser, Command: "ask", Text: q})))
			return nil
		}
		res, err := askJSON(ctx, b.Engine, q)
		if err != nil {
			return err
		}
		return enc.Encode(res)
	}
	if fs.NArg() > 0 {
		return answer(strings.Join(fs.Args(), " "))
	}
	sc := bufio.NewScanner(io.in)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" && *asJSON {
			continue
		}
		if err := answer(sc.Text()); err != nil {
			return err
		}
		if !*asJSON {
			fmt.Fprintln(io.out)
		}
	}
	return sc.Err()
}

// askJSON answers one question as the JSON object of `ask --json`. A
// question that cannot be asked (empty, too long) gets a note, not an
// error, so that a stream of questions keeps its order.
func askJSON(ctx context.Context, e *answers.Engine, q string) (*answers.Reply, error) {
	clean, err := bot.CleanQuestion(q)
	if err != nil {
		if answers.ErrorCode(err) == answers.EInternal {
			return nil, err
		}
		return &answers.Reply{Question: q, Answers: []answers.Answer{}, Related: []answers.Answer{}, Note: answers.ErrorMessage(err)}, nil
	}
	return e.Ask(ctx, clean)
}

var consoleUser = bot.User{Platform: bot.Console, ID: "local", Name: "console"}

func runImport(ctx context.Context, args []string, getenv func(string) string, io stdio) error {
	fs, d := newFlags("import", getenv, io)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: import takes one FILE, or - for standard input", errUsage)
	}
	in := io.in
	if name := fs.Arg(0); name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	db, err := d.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := db.Import(ctx, in, "cli")
	if err != nil {
		return fmt.Errorf("nothing imported: %s", answers.ErrorMessage(err))
	}
	fmt.Fprintf(io.out, "imported: %s\n", res)
	return nil
}

func runExport(ctx context.Context, args []string, getenv func(string) string, io stdio) error {
	fs, d := newFlags("export", getenv, io)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return fmt.Errorf("%w: export takes at most one FILE", errUsage)
	}
	db, err := d.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if fs.NArg() == 0 || fs.Arg(0) == "-" {
		w := bufio.NewWriter(io.out)
		if err := db.Export(ctx, w); err != nil {
			return err
		}
		return w.Flush()
	}
	// Write beside the target and rename, so a failed export leaves no
	// half-written file behind.
	tmp, err := os.CreateTemp(dirOf(fs.Arg(0)), ".onrecord-export-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriter(tmp)
	if err := db.Export(ctx, w); err != nil {
		tmp.Close()
		return err
	}
	if err := errors.Join(w.Flush(), tmp.Close()); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), fs.Arg(0))
}

func dirOf(path string) string {
	if i := strings.LastIndexByte(path, os.PathSeparator); i >= 0 {
		return path[:i+1]
	}
	return "."
}

func runBackup(ctx context.Context, args []string, getenv func(string) string, io stdio) error {
	fs, d := newFlags("backup", getenv, io)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: backup takes one FILE", errUsage)
	}
	db, err := d.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, fs.Arg(0)); err != nil {
		return errors.New(answers.ErrorMessage(err))
	}
	fmt.Fprintf(io.out, "backed up %s to %s\n", d.path, fs.Arg(0))
	return nil
}

func runChat(ctx context.Context, args []string, getenv func(string) string, io stdio) error {
	fs, d := newFlags("onrecord", getenv, io)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprint(io.err, usage)
		return fmt.Errorf("%w: unexpected %q", errUsage, fs.Arg(0))
	}
	db, err := d.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	logger := slog.New(slog.NewTextHandler(io.err, &slog.HandlerOptions{Level: slog.LevelWarn}))
	c := console.New(bot.New(answers.NewEngine(db), logger))
	if f, ok := io.in.(*os.File); ok && isTerminal(f) {
		fmt.Fprintln(io.out, "OnRecord: ask what a public figure said, or send /help. /quit leaves.")
		c.Prompt = "> "
	}
	return c.Run(ctx, io.in, io.out)
}

// isTerminal reports whether f is a character device (a terminal), without
// a dependency for it.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
