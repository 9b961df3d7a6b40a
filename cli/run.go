// Package cli is rustypotato-cli, a command-line client that behaves like
// redis-cli 7: one-shot mode (rustypotato-cli SET a b), a REPL with line
// editing, history, hints from COMMAND DOCS and redis-cli's reply
// formatting, and streaming of SUBSCRIBE and MONITOR. It speaks RESP2 and
// RESP3 to any Redis-compatible server.
package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"rustypotato/internal/resp"
)

// Run does what cfg asks, reading from in and writing replies to out and
// diagnostics to errOut, and returns the process exit code. Replies are
// formatted for humans when out is a terminal (or with --no-raw) and raw
// otherwise; the REPL with line editing runs when there is no command and
// in is a terminal, and without a command and a terminal, commands are
// read from in one per line.
func Run(cfg Config, in io.Reader, out, errOut io.Writer) int {
	if cfg.Help {
		io.WriteString(out, usage)
		return 0
	}
	if cfg.Version {
		io.WriteString(out, "rustypotato-cli "+Version+"\n")
		return 0
	}
	if cfg.passwordFromFlag && !cfg.NoAuthWarning {
		io.WriteString(errOut, "Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.\n")
	}
	cl := &client{
		cfg:    cfg,
		in:     in,
		out:    out,
		errOut: errOut,
		raw:    !isTerminal(out),
		dbnum:  cfg.DB,
		branch: cfg.Branch,
		resp3:  cfg.RESP3,
		hints:  true,
	}
	if cfg.NoRaw {
		cl.raw = false
	}
	if cfg.Raw {
		cl.raw = true
	}
	if cfg.Timeline {
		return cl.timeline(cfg.Follow)
	}
	if len(cfg.Args) > 0 {
		return cl.oneShot()
	}
	return cl.repl()
}

func isTerminal(x any) bool {
	f, ok := x.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// client is the state of one session: the connection (nil while not
// connected), the database and transaction state the prompt shows, and
// the output mode.
type client struct {
	cfg    Config
	in     io.Reader
	out    io.Writer
	errOut io.Writer
	raw    bool

	c       *conn
	dbnum   int    // the database selected, shown in the prompt
	branch  string // the branch switched to ("" or "main": none shown)
	inMulti bool   // between MULTI and EXEC/DISCARD: the prompt shows (TX)
	preDB   int    // dbnum before MULTI, restored if the transaction fails
	resp3   bool   // the protocol to ask for when (re)connecting
	hints   bool   // :set hints / :set nohints

	help      *helpTable
	helpTried bool

	interactive bool // a REPL: connection errors are not fatal

	// mu guards streaming and aborted, which the SIGINT handler reads and
	// sets while a command runs.
	mu        sync.Mutex
	streaming bool // SUBSCRIBE or MONITOR output is being streamed
	aborted   bool // Ctrl-C closed the connection of the running command
	exit      bool // Ctrl-C outside a stream: the REPL ends
	running   *conn
}

// errReply is returned by command when the reply was an error and -e asked
// for a failing exit code.
var errReply = errors.New("error reply")

// connect (re)connects, then authenticates, selects the database and
// switches protocol, printing failures like redis-cli.
func (cl *client) connect() error {
	if cl.c != nil {
		cl.c.close()
		cl.c = nil
	}
	c, err := dial(cl.cfg.network(), cl.cfg.address())
	if err != nil {
		fmt.Fprintf(cl.errOut, "Could not connect to Redis at %s: %s\n", cl.cfg.address(), connError(err))
		return err
	}
	if cl.cfg.Password != "" {
		args := []string{"AUTH", cl.cfg.Password}
		if cl.cfg.User != "" {
			args = []string{"AUTH", cl.cfg.User, cl.cfg.Password}
		}
		v, err := c.do(args...)
		if err != nil {
			return cl.lost(c, err)
		}
		if v.Type == '-' {
			fmt.Fprintf(cl.errOut, "AUTH failed: %s\n", v.Str)
		}
	}
	if cl.dbnum != 0 {
		v, err := c.do("SELECT", strconv.Itoa(cl.dbnum))
		if err != nil {
			return cl.lost(c, err)
		}
		if v.Type == '-' {
			fmt.Fprintf(cl.errOut, "SELECT %d failed: %s\n", cl.dbnum, v.Str)
			cl.dbnum = 0
		}
	}
	if cl.branch != "" && cl.branch != "main" {
		v, err := c.do("BRANCH", "SWITCH", cl.branch)
		if err != nil {
			return cl.lost(c, err)
		}
		if v.Type == '-' {
			fmt.Fprintf(cl.errOut, "BRANCH SWITCH %s failed: %s\n", cl.branch, v.Str)
			cl.branch = ""
		}
	}
	if cl.resp3 {
		v, err := c.do("HELLO", "3")
		if err != nil {
			return cl.lost(c, err)
		}
		if v.Type == '-' {
			fmt.Fprintf(cl.errOut, "HELLO 3 failed: %s\n", v.Str)
			cl.resp3 = false
		}
	}
	cl.c = c
	return nil
}

func (cl *client) lost(c *conn, err error) error {
	c.close()
	fmt.Fprintf(cl.errOut, "Error: %s\n", connError(err))
	return err
}

// oneShot runs the command from the command line cfg.Repeat times.
func (cl *client) oneShot() int {
	if err := cl.connect(); err != nil {
		return 1
	}
	defer cl.c.close()
	args := make([][]byte, len(cl.cfg.Args), len(cl.cfg.Args)+1)
	for i, a := range cl.cfg.Args {
		args[i] = []byte(a)
	}
	if cl.cfg.StdinArg {
		b, err := io.ReadAll(cl.in)
		if err != nil {
			fmt.Fprintf(cl.errOut, "Error reading standard input: %v\n", err)
			return 1
		}
		args = append(args, b)
	}
	switch err := cl.command(args, cl.cfg.Repeat); {
	case errors.Is(err, errReply):
		return 1
	case err != nil:
		fmt.Fprintf(cl.errOut, "Error: %s\n", connError(err))
		return 1
	}
	return 0
}

// rawOutput reports the commands whose reply prints raw even on a
// terminal, as in redis-cli: their text is meant to be read as it is
// (INFO, CLIENT LIST, ...).
func rawOutput(args [][]byte) bool {
	n := len(args)
	is := func(i int, s string) bool { return i < n && strings.EqualFold(string(args[i]), s) }
	switch {
	case is(0, "info"), is(0, "lolwut"):
		return true
	case is(0, "debug") && is(1, "htstats"), is(0, "debug") && is(1, "htstats-key"):
		return true
	case is(0, "memory") && (is(1, "malloc-stats") || is(1, "doctor")):
		return true
	case n == 2 && is(0, "cluster") && (is(1, "nodes") || is(1, "info")):
		return true
	case is(0, "client") && (is(1, "list") || is(1, "info")):
		return true
	case n == 3 && is(0, "latency") && is(1, "graph"), n == 2 && is(0, "latency") && is(1, "doctor"):
		return true
	}
	return false
}

// command sends args repeat times (forever if repeat is negative), prints
// each reply, and keeps the session state (database, MULTI, protocol) in
// step with what the server did. SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and
// MONITOR stream their output until the connection ends or Ctrl-C. It
// returns an I/O error when the connection failed, errReply when -e is set
// and the reply was an error.
func (cl *client) command(args [][]byte, repeat int64) error {
	name := strings.ToLower(string(args[0]))
	raw := cl.raw || rawOutput(args)
	stream := name == "subscribe" || name == "psubscribe" || name == "ssubscribe" || name == "monitor"
	var result error
	for ; repeat != 0; repeat-- {
		if err := cl.c.send(args); err != nil {
			return err
		}
		if stream {
			return cl.stream(name, raw)
		}
		v, err := cl.readReply()
		if err != nil {
			if name == "shutdown" && errors.Is(err, io.EOF) {
				// The server went away as asked.
				cl.c.close()
				cl.c = nil
				return nil
			}
			return err
		}
		cl.track(name, args, v)
		if (v.Type == '-' || v.Type == '!') && cl.cfg.ExitCode && !cl.interactive {
			// -e: the error goes to stderr and sets the exit code.
			cl.errOut.Write(append(v.Str, '\n'))
			result = errReply
		} else {
			cl.print(v, raw)
		}
		if repeat != 1 && cl.cfg.Interval > 0 {
			time.Sleep(cl.cfg.Interval)
		}
	}
	return result
}

// readReply reads the reply to a command, printing RESP3 pushes that
// arrive before it when the output is for humans (redis-cli's push
// handler) and dropping them otherwise.
func (cl *client) readReply() (resp.Value, error) {
	for {
		v, err := cl.c.read()
		if err != nil || v.Type != '>' {
			return v, err
		}
		if !cl.raw {
			cl.out.Write(formatPushTTY(nil, v))
		}
	}
}

func (cl *client) print(v resp.Value, raw bool) {
	var b []byte
	if raw {
		b = formatRaw(nil, v, cl.cfg.BulkDelim)
		b = append(b, cl.cfg.ReplyDelim...)
	} else {
		b = FormatTTY(nil, v, "")
	}
	cl.out.Write(b)
}

// track updates the session after a reply, as redis-cli does: the prompt's
// database after SELECT (even queued in MULTI, undone if EXEC fails), the
// (TX) marker, the protocol after HELLO, everything after RESET.
func (cl *client) track(name string, args [][]byte, v resp.Value) {
	failed := v.Type == '-' || v.Type == '!'
	n := len(args)
	switch {
	case name == "select" && n == 2 && !failed:
		if db, err := strconv.Atoi(string(args[1])); err == nil {
			cl.dbnum = db
		}
	case name == "branch" && n == 3 && strings.EqualFold(string(args[1]), "switch") && !failed:
		cl.branch = string(args[2])
	case name == "multi" && n == 1 && !failed:
		cl.inMulti = true
		cl.preDB = cl.dbnum
	case name == "exec" && n == 1 && cl.inMulti:
		cl.inMulti = false
		if failed || v.Null {
			cl.dbnum = cl.preDB
		}
	case name == "discard" && n == 1 && !failed:
		cl.inMulti = false
		cl.dbnum = cl.preDB
	case name == "reset" && n == 1 && !failed:
		cl.inMulti = false
		cl.dbnum = 0
		cl.branch = ""
		cl.resp3 = false
	case name == "hello" && n >= 2 && !failed:
		cl.resp3 = string(args[1]) == "3"
	case name == "auth" && (n == 2 || n == 3) && !failed:
		// Reconnections authenticate the same way.
		cl.cfg.Password = string(args[n-1])
		cl.cfg.User = ""
		if n == 3 {
			cl.cfg.User = string(args[1])
		}
	}
}

// stream prints the replies of SUBSCRIBE-like commands and MONITOR until
// the connection ends, an error reply comes, or (in the REPL) Ctrl-C.
func (cl *client) stream(name string, raw bool) error {
	if name != "monitor" && !raw {
		io.WriteString(cl.out, "Reading messages... (press Ctrl-C to quit)\n")
	}
	cl.mu.Lock()
	cl.streaming = true
	cl.mu.Unlock()
	defer func() {
		cl.mu.Lock()
		cl.streaming = false
		cl.mu.Unlock()
	}()
	for {
		v, err := cl.c.read()
		if err != nil {
			return err
		}
		cl.print(v, raw)
		if v.Type == '-' || v.Type == '!' {
			return nil
		}
	}
}

// formatRaw is FormatRaw with redis-cli's -d delimiter between the
// elements of an aggregate.
func formatRaw(dst []byte, v resp.Value, delim string) []byte {
	if delim == "\n" {
		return FormatRaw(dst, v)
	}
	switch v.Type {
	case '*', '~', '>':
		for i, e := range v.Elems {
			if i > 0 {
				dst = append(dst, delim...)
			}
			dst = formatRaw(dst, e, delim)
		}
		return dst
	case '%':
		for i := 0; i+1 < len(v.Elems); i += 2 {
			if i > 0 {
				dst = append(dst, delim...)
			}
			dst = formatRaw(dst, v.Elems[i], delim)
			dst = append(dst, ' ')
			dst = formatRaw(dst, v.Elems[i+1], delim)
		}
		return dst
	}
	return FormatRaw(dst, v)
}

// prompt is redis-cli's: "host:port", "[db]" unless 0, "@branch" unless
// main, "(TX)" in MULTI.
func (cl *client) prompt() string {
	if cl.c == nil {
		return "not connected> "
	}
	p := cl.cfg.address()
	if cl.cfg.Socket != "" {
		p = "redis " + cl.cfg.Socket
	}
	if cl.dbnum != 0 {
		p += "[" + strconv.Itoa(cl.dbnum) + "]"
	}
	if cl.branch != "" && cl.branch != "main" {
		p += "@" + cl.branch
	}
	if cl.inMulti {
		p += "(TX)"
	}
	return p + "> "
}

// loadHelp fetches COMMAND DOCS once, the first time the REPL is
// connected. A server without it gets no hints.
func (cl *client) loadHelp() {
	if cl.helpTried || cl.c == nil {
		return
	}
	cl.helpTried = true
	v, err := cl.c.do("COMMAND", "DOCS")
	if err != nil {
		cl.c.close()
		cl.c = nil
		return
	}
	if v.Type == '*' || v.Type == '%' {
		cl.help = parseCommandDocs(v)
	}
}

// repl reads commands from a terminal with the line editor, or line by
// line from a pipe, until quit, exit or the end of input.
func (cl *client) repl() int {
	cl.interactive = true
	cl.connect()
	cl.loadHelp()

	var ed *editor
	var lines *bufio.Reader
	if f, ok := cl.in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		ed = newEditor(f, cl.out)
		ed.hint = func(line string) string {
			if !cl.hints {
				return ""
			}
			return cl.help.hint(line)
		}
		ed.complete = func(line string) []string { return cl.help.complete(line) }
		if cl.cfg.HistoryFile != "" {
			ed.loadHistory(cl.cfg.HistoryFile)
		}
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt)
		defer func() {
			signal.Stop(sig)
			close(sig) // ends cl.interrupts
		}()
		go cl.interrupts(sig)
	} else {
		lines = bufio.NewReaderSize(cl.in, 64<<10)
	}
	defer func() {
		if cl.c != nil {
			cl.c.close()
		}
	}()

	for {
		var line string
		var err error
		if ed != nil {
			line, err = ed.readLine(cl.prompt())
		} else {
			line, err = lines.ReadString('\n')
			if err == io.EOF && line != "" {
				err = nil
			}
			line = strings.TrimRight(line, "\r\n")
		}
		if err != nil {
			return 0
		}
		if line == "" {
			continue
		}
		argv, perr := SplitArgs(line)
		addHistory := func(args []string) {
			if ed == nil || sensitive(args) {
				return
			}
			ed.addHistory(line)
			if cl.cfg.HistoryFile != "" {
				ed.saveHistory(cl.cfg.HistoryFile)
			}
		}
		if perr != nil {
			io.WriteString(cl.out, "Invalid argument(s)\n")
			addHistory(nil)
			continue
		}
		if len(argv) == 0 {
			continue
		}
		repeat, skip := int64(1), 0
		if len(argv) > 1 {
			if r, ok := parseRepeat(string(argv[0])); ok {
				if r <= 0 {
					io.WriteString(cl.out, "Invalid rustypotato-cli repeat command option value.\n")
					continue
				}
				repeat, skip = r, 1
			}
		}
		argv = argv[skip:]
		sargs := make([]string, len(argv))
		for i, a := range argv {
			sargs[i] = string(a)
		}
		addHistory(sargs)

		name := strings.ToLower(sargs[0])
		switch {
		case name == "quit" || name == "exit":
			return 0
		case name == ":set" && len(sargs) == 2 && strings.EqualFold(sargs[1], "hints"):
			cl.hints = true
		case name == ":set" && len(sargs) == 2 && strings.EqualFold(sargs[1], "nohints"):
			cl.hints = false
		case strings.HasPrefix(name, ":"):
			// Other preferences do not exist here; like redis-cli, say
			// nothing.
		case name == "connect" && len(sargs) == 3:
			cl.cfg.Host = sargs[1]
			cl.cfg.Port, _ = strconv.Atoi(sargs[2])
			cl.cfg.Socket = ""
			cl.connect()
			cl.loadHelp()
		case name == "clear" && len(sargs) == 1:
			io.WriteString(cl.out, "\x1b[H\x1b[2J")
		case name == "help" || name == "?":
			cl.out.Write(cl.help.writeHelp(nil, sargs[1:]))
		default:
			start := time.Now()
			cl.issue(argv, repeat)
			if cl.exitRequested() {
				return 1
			}
			if d := time.Since(start); d >= 500*time.Millisecond && !cl.raw {
				fmt.Fprintf(cl.out, "(%.2fs)\n", d.Seconds())
			}
		}
	}
}

// issue runs one REPL command, connecting first if the session is not
// connected, and drops the connection when it fails (the prompt then says
// "not connected" until the next command reconnects).
func (cl *client) issue(args [][]byte, repeat int64) {
	if cl.c == nil {
		if cl.connect() != nil {
			return
		}
		cl.loadHelp()
		if cl.c == nil {
			return
		}
	}
	cl.mu.Lock()
	cl.running = cl.c
	cl.mu.Unlock()
	err := cl.command(args, repeat)
	cl.mu.Lock()
	cl.running = nil
	aborted := cl.aborted
	cl.mu.Unlock()
	switch {
	case aborted:
		// Ctrl-C closed the connection: end the session, or after a
		// stream start afresh.
		cl.mu.Lock()
		cl.aborted = false
		exit := cl.exit
		cl.mu.Unlock()
		cl.c = nil
		if !exit {
			cl.connect()
		}
	case err == nil || errors.Is(err, errReply):
	default:
		fmt.Fprintf(cl.errOut, "Error: %s\n", connError(err))
		if cl.c != nil {
			cl.c.close()
			cl.c = nil
		}
	}
}

// interrupts handles Ctrl-C while a command runs (the editor reads Ctrl-C
// itself at the prompt): a stream ends and the REPL goes on, like
// redis-cli; any other command ends the session, as in redis-cli, but
// through the REPL's own return so the terminal is left as it was.
func (cl *client) interrupts(sig <-chan os.Signal) {
	for range sig {
		cl.mu.Lock()
		if cl.running != nil {
			if !cl.streaming {
				cl.exit = true
			}
			cl.aborted = true
			cl.running.close()
		}
		cl.mu.Unlock()
	}
}

func (cl *client) exitRequested() bool {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.exit
}

// parseRepeat reads a leading "N" of a REPL line ("5 INCR a") the way
// strtol does: optional spaces and sign, then digits only.
func parseRepeat(s string) (int64, bool) {
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	if t == "" {
		return 0, true
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return 0, true // strtol's ERANGE: refused
		}
		return 0, false
	}
	return n, true
}
