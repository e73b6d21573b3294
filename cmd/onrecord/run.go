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
	"runtime/debug"
	"strings"
	"time"

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
  onrecord [flags]                         serve the configured platforms; with none, chat on this terminal
  onrecord serve [flags]                   serve every configured platform (Telegram, Discord) until stopped
  onrecord chat [--db PATH]                chat on this terminal
  onrecord ask [--db PATH] [--json] [QUESTION]
                                           answer one question; without QUESTION, one per line from stdin
  onrecord import [--db PATH] FILE|-       import statements (JSON Lines), all or nothing
  onrecord export [--db PATH] [FILE]       export every statement (JSON Lines)
  onrecord backup [--db PATH] FILE         copy the live database consistently
  onrecord optimize [--db PATH]            merge the full-text index into one segment
  onrecord healthcheck                     ask a running onrecord's /healthz; exit 0 when healthy
  onrecord version                         print the version

Every command takes --db (or ONRECORD_DB; default onrecord.db) and
--no-seed (create a missing database empty instead of with the seed set).
`

// writeHelp prints the usage and the configuration table.
func writeHelp(w io.Writer) {
	fmt.Fprint(w, usage)
	fmt.Fprintln(w)
	writeHelpTable(w)
}

// run is the whole program: main only supplies the process's arguments,
// environment and streams.
func run(ctx context.Context, args []string, getenv func(string) string, io stdio) error {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	cmd := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "":
		err = runDefault(ctx, args, getenv, io)
	case "serve":
		err = runServe(ctx, args, getenv, io)
	case "chat":
		err = runChat(ctx, args, getenv, io)
	case "ask":
		err = runAsk(ctx, args, getenv, io)
	case "import":
		err = runImport(ctx, args, getenv, io)
	case "export":
		err = runExport(ctx, args, getenv, io)
	case "backup":
		err = runBackup(ctx, args, getenv, io)
	case "optimize":
		err = runOptimize(ctx, args, getenv, io)
	case "healthcheck":
		err = runHealthcheck(ctx, args, getenv, io)
	case "version":
		fmt.Fprintln(io.out, "onrecord", version)
		return nil
	case "help":
		writeHelp(io.out)
		return nil
	default:
		fmt.Fprint(io.err, usage)
		return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
	}
	if errors.Is(err, flag.ErrHelp) {
		return nil // the help was asked for and printed
	}
	return err
}

// memoryLimit is the Go heap's soft limit unless GOMEMLIMIT sets one.
// The collector otherwise lets the heap grow to twice what is live: at a
// million statements the question engine keeps some 40 MB live and an
// import in chat 30 MB more, and a process answering four questions at a
// time while a 50,000-line file was imported peaked at 286 MB; with this
// limit, at 193-196 MB, answering as many questions as fast (go test
// ./internal/bench -bench AskWhileImporting -bench.sizes 1m). A lower
// limit comes too close to the live heap: at 100 MiB the collector ran
// nearly all the time, and the import took 21 s instead of 12 s. SQLite's
// page caches are outside the Go heap and this limit (see store's
// writerCacheKiB). A store much larger than a million statements, whose
// engine keeps more live, needs a larger GOMEMLIMIT.
const memoryLimit = 112 << 20

// version is stamped at build time with -ldflags "-X main.version=...".
var version = "dev"

// dbOptions are the options every command shares.
var dbOptions = []*option{optionByEnv("ONRECORD_DB"), optionByEnv("ONRECORD_NO_SEED")}

func optionByEnv(env string) *option {
	for _, o := range options {
		if o.Env == env {
			return o
		}
	}
	panic("no option " + env)
}

// newFlags returns a flag set with a flag for each of opts, and the
// function that resolves the configuration once the flags are parsed.
func newFlags(name string, opts []*option, getenv func(string) string, io stdio) (*flag.FlagSet, func() (*Config, error)) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.err)
	// parse prints the usage itself: the full help on --help, to
	// standard output; the short usage on a mistake, to standard error.
	fs.Usage = func() {}
	fv := declare(fs, opts)
	return fs, func() (*Config, error) { return load(opts, fv, getenv) }
}

// loadFlags parses args for a command that takes only opts.
func loadFlags(name string, opts []*option, args []string, getenv func(string) string, io stdio) (*Config, *flag.FlagSet, error) {
	fs, load := newFlags(name, opts, getenv, io)
	if err := parse(fs, args, io); err != nil {
		return nil, nil, err
	}
	cfg, err := load()
	return cfg, fs, err
}

func parse(fs *flag.FlagSet, args []string, io stdio) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			writeHelp(io.out)
			return err
		}
		fmt.Fprint(io.err, usage)
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

// dbFlags says which database to open and whether to seed it.
type dbFlags struct {
	path   string
	noSeed bool
}

func (d *dbFlags) open(ctx context.Context) (*store.DB, error) {
	var seed *answers.Seed
	if !d.noSeed {
		seed = data.Seed()
	}
	return store.Open(ctx, d.path, seed)
}

func runAsk(ctx context.Context, args []string, getenv func(string) string, io stdio) error {
	fs, load := newFlags("ask", dbOptions, getenv, io)
	asJSON := fs.Bool("json", false, "write JSON (one object per question)")
	if err := parse(fs, args, io); err != nil {
		return err
	}
	db, err := openFromFlags(ctx, load)
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
	cfg, fs, err := loadFlags("import", dbOptions, args, getenv, io)
	if err != nil {
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
	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := db.Import(ctx, in, "cli")
	if err != nil {
		return fmt.Errorf("nothing imported: %w", err)
	}
	fmt.Fprintf(io.out, "imported: %s\n", res)
	if res.Added+res.Updated > 0 {
		// The next start reads these instead of counting the whole index
		// again (a second and more at a million statements).
		if err := db.SaveStats(ctx); err != nil {
			return fmt.Errorf("imported, but the statistics for a quick start were not saved: %w", err)
		}
	}
	return nil
}

func runExport(ctx context.Context, args []string, getenv func(string) string, io stdio) error {
	cfg, fs, err := loadFlags("export", dbOptions, args, getenv, io)
	if err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return fmt.Errorf("%w: export takes at most one FILE", errUsage)
	}
	db, err := openStore(ctx, cfg)
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
	cfg, fs, err := loadFlags("backup", dbOptions, args, getenv, io)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: backup takes one FILE", errUsage)
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, fs.Arg(0)); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(io.out, "backed up %s to %s\n", cfg.DB, fs.Arg(0))
	return nil
}

// runOptimize merges the full-text index. Imports merge it once what they
// wrote since the last merge is a quarter of the store; many small imports
// into a large store leave up to that quarter in segments of its own,
// which every question then seeks too.
func runOptimize(ctx context.Context, args []string, getenv func(string) string, io stdio) error {
	cfg, fs, err := loadFlags("optimize", dbOptions, args, getenv, io)
	if err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("%w: optimize takes no arguments", errUsage)
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	if err := db.Optimize(ctx); err != nil {
		return err
	}
	fmt.Fprintf(io.out, "full-text index of %s merged in %s\n", cfg.DB, time.Since(start).Round(time.Millisecond))
	return nil
}

// runDefault is plain `onrecord`: serve when a platform is configured,
// else chat on this terminal.
func runDefault(ctx context.Context, args []string, getenv func(string) string, io stdio) error {
	cfg, err := loadAll("onrecord", args, getenv, io)
	if err != nil {
		return err
	}
	if len(cfg.Platforms()) > 0 {
		return serve(ctx, cfg, newLogger(io.err, cfg))
	}
	return chat(ctx, cfg, io)
}

func runServe(ctx context.Context, args []string, getenv func(string) string, io stdio) error {
	cfg, err := loadAll("serve", args, getenv, io)
	if err != nil {
		return err
	}
	return serve(ctx, cfg, newLogger(io.err, cfg))
}

func runChat(ctx context.Context, args []string, getenv func(string) string, io stdio) error {
	cfg, _, err := loadFlags("chat", dbOptions, args, getenv, io)
	if err != nil {
		return err
	}
	return chat(ctx, cfg, io)
}

// loadAll parses every option, for the commands that serve.
func loadAll(name string, args []string, getenv func(string) string, io stdio) (*Config, error) {
	cfg, fs, err := loadFlags(name, options, args, getenv, io)
	if err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		fmt.Fprint(io.err, usage)
		return nil, fmt.Errorf("%w: unexpected %q", errUsage, fs.Arg(0))
	}
	return cfg, nil
}

func chat(ctx context.Context, cfg *Config, io stdio) error {
	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	db.ImportCacheKiB = 0 // as serve's
	// The chat shares the terminal with the logs: only problems are
	// logged there.
	lc := *cfg
	lc.LogLevel = max(lc.LogLevel, slog.LevelWarn)
	c := console.New(bot.New(answers.NewEngine(db), newLogger(io.err, &lc)))
	if f, ok := io.in.(*os.File); ok && isTerminal(f) {
		fmt.Fprintln(io.out, "OnRecord: ask what a public figure said, or send /help. /quit leaves.")
		c.Prompt = "> "
	}
	return c.Run(ctx, io.in, io.out)
}

func openFromFlags(ctx context.Context, load func() (*Config, error)) (*store.DB, error) {
	cfg, err := load()
	if err != nil {
		return nil, err
	}
	return openStore(ctx, cfg)
}

// isTerminal reports whether f is a character device (a terminal), without
// a dependency for it.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
