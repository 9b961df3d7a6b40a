package cli

import (
	"net"
	"os"
	"path/filepath"
	"regexp"
	"rustypotato/server/servertest"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair: the test types into and reads the
// screen from master; the REPL runs on slave.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	fd := int(m.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 40, Col: 200}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

// screen collects what the REPL writes to the terminal.
type screen struct {
	mu   sync.Mutex
	buf  strings.Builder
	seen int // offset up to which expect has matched
}

var ansi = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)

// expect waits for s in the output written since the last match, as
// written (raw) or with escape sequences and carriage returns removed.
func (sc *screen) expect(t *testing.T, s string, raw bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		sc.mu.Lock()
		out := sc.buf.String()[sc.seen:]
		if !raw {
			out = strings.ReplaceAll(ansi.ReplaceAllString(out, ""), "\r", "")
		}
		if i := strings.Index(out, s); i >= 0 {
			if raw {
				sc.seen += i + len(s)
			} else {
				sc.seen = sc.buf.Len()
			}
			sc.mu.Unlock()
			return
		}
		sc.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %q; screen since last match:\n%q", s, out)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// startREPL runs Run on a fresh terminal and returns a function that types
// keys, the screen, and a channel with Run's exit code.
func startREPL(t *testing.T, cfg Config) (func(string), *screen, chan int) {
	master, slave := openPTY(t)
	sc := &screen{}
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := master.Read(b)
			sc.mu.Lock()
			sc.buf.Write(b[:n])
			sc.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	done := make(chan int, 1)
	go func() { done <- Run(cfg, slave, slave, slave) }()
	typ := func(keys string) {
		if _, err := master.WriteString(keys); err != nil {
			t.Fatal(err)
		}
	}
	return typ, sc, done
}

func waitExit(t *testing.T, done chan int) int {
	t.Helper()
	select {
	case code := <-done:
		return code
	case <-time.After(5 * time.Second):
		t.Fatal("the REPL did not exit")
		return -1
	}
}

// TestREPL types into the REPL through a pseudo-terminal: replies,
// the prompt after SELECT and in MULTI, a hint, history recall with the
// up arrow, and history kept across sessions.
func TestREPL(t *testing.T) {
	port := startRedis(t)
	cfg := DefaultConfig()
	cfg.Port = port
	cfg.HistoryFile = filepath.Join(t.TempDir(), "history")
	prompt := "127.0.0.1:" + strconv.Itoa(port)
	const up = "\x1b[A"

	typ, sc, done := startREPL(t, cfg)
	sc.expect(t, prompt+"> ", false)
	typ("set k v\r")
	sc.expect(t, "OK\n", false)
	typ("get k\r")
	sc.expect(t, "\"v\"\n", false)

	// A hint in grey after the command name, gone once Enter is pressed.
	typ("hset")
	sc.expect(t, "hset"+hintColor+" key field value [field value ...]\x1b[0m", true)
	typ("\x15") // Ctrl-U

	typ("select 2\r")
	sc.expect(t, "OK\n"+prompt+"[2]> ", false)
	typ("incr n\r")
	sc.expect(t, "(integer) 1", false)
	typ(up + "\r") // the last line again
	sc.expect(t, "(integer) 2", false)
	typ(up + up + up + "\r") // incr n, select 2, get k: in db 2 now
	sc.expect(t, "(nil)\n"+prompt+"[2]> ", false)

	typ("multi\r")
	sc.expect(t, prompt+"[2](TX)> ", false)
	typ("select 3\r")
	sc.expect(t, "QUEUED\n"+prompt+"[3](TX)> ", false)
	typ("discard\r")
	sc.expect(t, "OK\n"+prompt+"[2]> ", false)

	typ("lpush l \"a b\" 'c\\'d'\r")
	sc.expect(t, "(integer) 2", false)
	typ("lrange l 0 -1\r")
	sc.expect(t, "1) \"c'd\"\n2) \"a b\"\n", false)
	typ("set \"x\"y z\r")
	sc.expect(t, "Invalid argument(s)", false)
	typ("2 echo hi\r")
	sc.expect(t, "\"hi\"\n\"hi\"\n", false)
	typ("auth secret\r") // not kept in the history
	sc.expect(t, "(error) ERR AUTH", false)
	typ("quit\r")
	if code := waitExit(t, done); code != 0 {
		t.Fatalf("exit code %d", code)
	}

	b, err := os.ReadFile(cfg.HistoryFile)
	if err != nil {
		t.Fatal(err)
	}
	wantHist := "set k v\nget k\nselect 2\nincr n\nget k\nmulti\nselect 3\ndiscard\n" +
		"lpush l \"a b\" 'c\\'d'\nlrange l 0 -1\nset \"x\"y z\n2 echo hi\nquit\n"
	if string(b) != wantHist {
		t.Errorf("history file\n got %q\nwant %q", b, wantHist)
	}

	// A new session starts in database 0 with the saved history: up
	// twice recalls "2 echo hi" (past "quit").
	typ, sc, done = startREPL(t, cfg)
	sc.expect(t, prompt+"> ", false)
	typ(up + up)
	sc.expect(t, prompt+"> 2 echo hi", false)
	typ("\x15get k\r")
	sc.expect(t, "\"v\"\n", false)
	typ("\x04") // Ctrl-D on an empty line leaves
	if code := waitExit(t, done); code != 0 {
		t.Fatalf("exit code %d", code)
	}
}

// TestREPLReconnects checks "not connected>" after the server goes away
// and the reconnection (database kept) when it is back.
func TestREPLReconnects(t *testing.T) {
	port := startRedis(t)
	cfg := DefaultConfig()
	cfg.Port = port
	cfg.HistoryFile = ""
	prompt := "127.0.0.1:" + strconv.Itoa(port)
	typ, sc, done := startREPL(t, cfg)
	sc.expect(t, prompt+"> ", false)
	typ("select 1\r")
	sc.expect(t, prompt+"[1]> ", false)
	typ("set here 1\r")
	sc.expect(t, "OK", false)
	// The server drops the REPL's connection: the next command finds out.
	c, err := dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	if v, err := c.do("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"); err != nil || v.Int != 1 {
		t.Fatalf("CLIENT KILL: %v %v", v, err)
	}
	typ("get here\r")
	sc.expect(t, "Error: Server closed the connection\nnot connected> ", false)
	typ("get here\r")
	sc.expect(t, "\"1\"\n"+prompt+"[1]> ", false)
	typ("\x03") // Ctrl-C at the prompt leaves
	if code := waitExit(t, done); code != 0 {
		t.Fatalf("exit code %d", code)
	}
}

// TestREPLBranchPrompt: against RustyPotato, the prompt shows the branch
// after BRANCH SWITCH and with --branch, as it shows the database.
func TestREPLBranchPrompt(t *testing.T) {
	srv := servertest.New(t)
	_, portStr, _ := net.SplitHostPort(srv.Addr)
	port, _ := strconv.Atoi(portStr)
	cfg := DefaultConfig()
	cfg.Port = port
	cfg.HistoryFile = ""
	prompt := "127.0.0.1:" + portStr

	typ, sc, done := startREPL(t, cfg)
	sc.expect(t, prompt+"> ", false)
	typ("branch create dev\r")
	sc.expect(t, "OK\n", false)
	typ("branch switch dev\r")
	sc.expect(t, "OK\n"+prompt+"@dev> ", false)
	typ("select 2\r")
	sc.expect(t, "OK\n"+prompt+"[2]@dev> ", false)
	typ("branch switch main\r")
	sc.expect(t, "OK\n"+prompt+"[2]> ", false)
	typ("quit\r")
	if code := waitExit(t, done); code != 0 {
		t.Fatalf("exit code %d", code)
	}

	cfg.Branch = "dev"
	typ, sc, done = startREPL(t, cfg)
	sc.expect(t, prompt+"@dev> ", false)
	typ("branch current\r")
	sc.expect(t, "\"dev\"\n", false)
	typ("quit\r")
	if code := waitExit(t, done); code != 0 {
		t.Fatalf("exit code %d", code)
	}
}
