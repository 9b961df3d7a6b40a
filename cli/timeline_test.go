package cli

import (
	"net"
	"strings"
	"testing"
	"time"

	"rustypotato/server/servertest"
)

// TestTimelineFlag: --timeline prints every change, oldest first, with
// its old and new values and who made it; --follow goes on with changes
// made after it started.
func TestTimelineFlag(t *testing.T) {
	srv := servertest.New(t)
	_, port, _ := net.SplitHostPort(srv.Addr)
	for _, args := range [][]string{
		{"CLIENT", "SETNAME", "bob"}, // (a new connection per runCLI: no name on the next)
		{"SET", "user:1", "ada"},
		{"SET", "user:1", strings.Repeat("x", 100)},
		{"HSET", "h", "f", "1"},
		{"DEL", "h"},
	} {
		if _, errOut, code := runCLI(t, "", append([]string{"-p", port}, args...)...); code != 0 || errOut != "" {
			t.Fatalf("%v: exit %d %s", args, code, errOut)
		}
	}
	out, errOut, code := runCLI(t, "", "-p", port, "--timeline")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("want 4 lines:\n%s", out)
	}
	for i, want := range []string{
		`#1  set        db0 user:1  (none) -> "ada"  (set 127.0.0.1:`,
		`#2  set        db0 user:1  "ada" -> "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"…  (set 127.0.0.1:`,
		`#3  hset       db0 h  f: (none) -> "1"  (hset 127.0.0.1:`,
		`#4  del        db0 h  (none) -> (deleted)  (del 127.0.0.1:`,
	} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("line %d:\n got %s\nwant …%s…", i+1, lines[i], want)
		}
	}
	// --follow: a change made while it runs is printed.
	done := make(chan string)
	go func() {
		cfg, _ := ParseArgs([]string{"-p", port, "--timeline", "--follow"})
		w := &lineWaiter{want: "late", done: done}
		Run(cfg, strings.NewReader(""), w, w)
	}()
	time.Sleep(100 * time.Millisecond)
	runCLI(t, "", "-p", port, "SET", "late", "v")
	select {
	case line := <-done:
		if !strings.Contains(line, `#5  set        db0 late  (none) -> "v"`) {
			t.Fatalf("followed: %s", line)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("--follow printed nothing")
	}
	// Close the follower's connection by stopping the server (Cleanup).
}

// lineWaiter reports the first line containing want.
type lineWaiter struct {
	want string
	done chan string
	sent bool
}

func (w *lineWaiter) Write(p []byte) (int, error) {
	for _, l := range strings.Split(string(p), "\n") {
		if !w.sent && strings.Contains(l, w.want) {
			w.sent = true
			w.done <- l
		}
	}
	return len(p), nil
}
