package cli

import (
	"bufio"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestOneShotMatchesRedisCLI runs the same command lines through redis-cli
// and through us against one redis-server, each in its own database so
// that both see the same state, and requires the same stdout, stderr and
// exit code, formatted (--no-raw) and raw.
func TestOneShotMatchesRedisCLI(t *testing.T) {
	port := strconv.Itoa(startRedis(t))
	requireTool(t, "redis-cli")
	type step struct {
		stdin string
		args  []string
	}
	steps := []step{
		{args: []string{"SET", "a", "b"}},
		{args: []string{"GET", "a"}},
		{args: []string{"GET", "missing"}},
		{args: []string{"SET", "bin", "a\x01\"\\\n\xffz é"}},
		{args: []string{"GET", "bin"}},
		{args: []string{"RPUSH", "l", "x", "", "z"}},
		{args: []string{"LRANGE", "l", "0", "-1"}},
		{args: []string{"LRANGE", "nolist", "0", "-1"}},
		{args: []string{"HSET", "h", "f1", "v1", "f2", "v2"}},
		{args: []string{"HGETALL", "h"}},
		{args: []string{"-3", "HGETALL", "h"}},
		{args: []string{"-3", "HGETALL", "nohash"}},
		{args: []string{"ZADD", "z", "1.5", "m", "2", "n"}},
		{args: []string{"-3", "ZSCORE", "z", "m"}},
		{args: []string{"ZSCORE", "z", "m"}},
		{args: []string{"-3", "ZRANGE", "z", "0", "-1", "WITHSCORES"}},
		{args: []string{"SADD", "s", "one"}},
		{args: []string{"-3", "SMEMBERS", "s"}},
		{args: []string{"INCR", "a"}},
		{args: []string{"NOSUCHCOMMAND", "x"}},
		{args: []string{"-e", "NOSUCHCOMMAND", "x"}},
		{args: []string{"-r", "3", "INCR", "counter"}},
		{args: []string{"-r", "2", "-i", "0.01", "LPUSH", "l2", "v"}},
		{stdin: "from stdin\n", args: []string{"-x", "SET", "x"}},
		{args: []string{"GET", "x"}},
		{args: []string{"-d", ",", "LRANGE", "l", "0", "-1"}},
		{args: []string{"-D", "|", "GET", "a"}},
		{args: []string{"EXISTS", "a", "missing"}},
		{args: []string{"MULTI"}},
		{args: []string{"INFO", "keyspace"}},
		{args: []string{"--user", "nobody", "-a", "wrong", "PING"}},
		{args: []string{"-a", "wrong", "--no-auth-warning", "PING"}},
	}
	// Each client gets its own database, so that both see the same data.
	for _, mode := range [][]string{nil, {"--no-raw"}} {
		for i, s := range steps {
			if s.args[0] == "INFO" {
				continue // its text differs between two calls
			}
			// -n before the step's own options; the pipe mode first, then
			// the same steps formatted.
			base := append([]string{"-p", port}, mode...)
			theirs := append(append(append([]string{}, base...), "-n", dbFor(mode, 1)), s.args...)
			ours := append(append(append([]string{}, base...), "-n", dbFor(mode, 2)), s.args...)
			wantOut, wantErr, wantCode := runRedisCLI(t, s.stdin, theirs...)
			gotOut, gotErr, gotCode := runCLI(t, s.stdin, ours...)
			if gotOut != wantOut || gotErr != wantErr || gotCode != wantCode {
				t.Errorf("step %d %v %q:\n ours   (%d) out %q err %q\n theirs (%d) out %q err %q",
					i, mode, s.args, gotCode, gotOut, gotErr, wantCode, wantOut, wantErr)
			}
		}
	}
}

func dbFor(mode []string, n int) string {
	if len(mode) > 0 {
		n += 2
	}
	return strconv.Itoa(n)
}

// TestOneShot covers what the differential test cannot compare: -u, -n,
// connection failures and our own --help and --version.
func TestOneShot(t *testing.T) {
	port := strconv.Itoa(startRedis(t))
	closed := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	}()
	tests := []struct {
		name     string
		stdin    string
		args     []string
		out, err string
		code     int
	}{
		{"set", "", []string{"-p", port, "SET", "a", "b"}, "OK\n", "", 0},
		{"select by -n", "", []string{"-p", port, "-n", "5", "SET", "in5", "yes"}, "OK\n", "", 0},
		{"uri db", "", []string{"-u", "redis://127.0.0.1:" + port + "/5", "--no-raw", "GET", "in5"}, "\"yes\"\n", "", 0},
		{"uri db 0", "", []string{"-u", "redis://127.0.0.1:" + port, "--no-raw", "GET", "in5"}, "(nil)\n", "", 0},
		{"uri password", "", []string{"-u", "redis://u:p%40ss@127.0.0.1:" + port + "/0", "PING"}, "PONG\n",
			"Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.\n" +
				"AUTH failed: WRONGPASS invalid username-password pair or user is disabled.\n", 0},
		{"stdin arg binary", "a\x00b", []string{"-p", port, "-x", "--no-raw", "ECHO"}, "\"a\\x00b\"\n", "", 0},
		{"refused", "", []string{"-p", closed, "PING"}, "",
			"Could not connect to Redis at 127.0.0.1:" + closed + ": Connection refused\n", 1},
		{"version", "", []string{"--version"}, "rustypotato-cli " + Version + "\n", "", 0},
		{"bad option", "", []string{"--bogus", "PING"}, "", "Unrecognized option or bad number of args for: '--bogus'\n", 1},
		{"missing value", "", []string{"-p"}, "", "Unrecognized option or bad number of args for: '-p'\n", 1},
		{"bad uri", "", []string{"-u", "http://x"}, "", "Invalid URI scheme\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runCLI(t, tt.stdin, tt.args...)
			if out != tt.out || errOut != tt.err || code != tt.code {
				t.Errorf("got (%d) out %q err %q\nwant (%d) out %q err %q", code, out, errOut, tt.code, tt.out, tt.err)
			}
		})
	}
	out, _, code := runCLI(t, "", "--help")
	if code != 0 || !strings.HasPrefix(out, "rustypotato-cli "+Version+"\n\nUsage:") {
		t.Errorf("--help: (%d) %q", code, out)
	}
}

// TestLineModeMatchesRedisCLI feeds the same lines on standard input (not
// a terminal) to redis-cli and to us: quoting, repeat counts, invalid
// lines and quit must come out the same.
func TestLineModeMatchesRedisCLI(t *testing.T) {
	port := strconv.Itoa(startRedis(t))
	requireTool(t, "redis-cli")
	script := strings.Join([]string{
		`set a 1`,
		`get a`,
		`   `,
		`set "with space" 'single \'quoted\''`,
		`get "with space"`,
		`set q "esc\x41\n\t\"\\ \z"`,
		`get q`,
		`set "x"y z`,
		`set "unterminated`,
		`set 'bad'x 1`,
		`3 incr n`,
		`0 incr n`,
		`-1 incr n`,
		`3`,
		`rpush l a b`,
		`lrange l 0 -1`,
		`hset h k v`,
		`hgetall h`,
		`get missing`,
		`nosuch command`,
		`quit`,
		`get a`,
	}, "\n") + "\n"
	for _, mode := range [][]string{nil, {"--no-raw"}} {
		theirs := append([]string{"-p", port, "-n", dbFor(mode, 1)}, mode...)
		ours := append([]string{"-p", port, "-n", dbFor(mode, 2)}, mode...)
		wantOut, wantErr, wantCode := runRedisCLI(t, script, theirs...)
		gotOut, gotErr, gotCode := runCLI(t, strings.ReplaceAll(script, "redis-cli", "rustypotato-cli"), ours...)
		wantOut = strings.ReplaceAll(wantOut, "redis-cli", "rustypotato-cli")
		if gotOut != wantOut || gotErr != wantErr || gotCode != wantCode {
			t.Errorf("%v:\n ours   (%d) out %q err %q\n theirs (%d) out %q err %q",
				mode, gotCode, gotOut, gotErr, wantCode, wantOut, wantErr)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one poller.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestSubscribeStreams checks that SUBSCRIBE prints messages as they come
// and ends (exit 1, like redis-cli) when the server drops the connection.
func TestSubscribeStreams(t *testing.T) {
	p := startRedis(t)
	port := strconv.Itoa(p)
	for _, mode := range []string{"--raw", "--no-raw"} {
		t.Run(mode, func(t *testing.T) {
			cfg, err := ParseArgs([]string{"-p", port, mode, "SUBSCRIBE", "news"})
			if err != nil {
				t.Fatal(err)
			}
			var out, errOut syncBuffer
			done := make(chan int, 1)
			go func() { done <- Run(cfg, strings.NewReader(""), &out, &errOut) }()

			c, err := dial("tcp", "127.0.0.1:"+port)
			if err != nil {
				t.Fatal(err)
			}
			defer c.close()
			waitFor(t, "the subscription", func() bool {
				v, err := c.do("PUBLISH", "news", "hello world")
				return err == nil && v.Int == 1
			})
			waitFor(t, "the message", func() bool { return strings.Contains(out.String(), "hello world") })
			if _, err := c.do("CLIENT", "KILL", "TYPE", "pubsub"); err != nil {
				t.Fatal(err)
			}
			select {
			case code := <-done:
				if code != 1 {
					t.Errorf("exit code %d, want 1", code)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("SUBSCRIBE did not end when its connection was killed")
			}
			want := "subscribe\nnews\n1\nmessage\nnews\nhello world\n"
			if mode == "--no-raw" {
				want = "Reading messages... (press Ctrl-C to quit)\n" +
					"1) \"subscribe\"\n2) \"news\"\n3) (integer) 1\n" +
					"1) \"message\"\n2) \"news\"\n3) \"hello world\"\n"
			}
			if out.String() != want {
				t.Errorf("stdout %q, want %q", out.String(), want)
			}
			if errOut.String() != "Error: Server closed the connection\n" {
				t.Errorf("stderr %q", errOut.String())
			}
		})
	}
}

// TestMonitorStreams checks that MONITOR prints OK then each command.
func TestMonitorStreams(t *testing.T) {
	port := strconv.Itoa(startRedis(t))
	cfg, err := ParseArgs([]string{"-p", port, "MONITOR"})
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() { done <- Run(cfg, strings.NewReader(""), &out, &errOut) }()
	c, err := dial("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	waitFor(t, "MONITOR to start", func() bool { return strings.HasPrefix(out.String(), "OK\n") })
	c.do("SET", "watched", "1")
	waitFor(t, "the SET to show", func() bool { return strings.Contains(out.String(), `"SET" "watched" "1"`) })
	c.do("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
	<-done
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	for sc.Scan() {
		line := sc.Text()
		if line != "OK" && !strings.Contains(line, "] \"") {
			t.Errorf("unexpected MONITOR line %q", line)
		}
	}
}
