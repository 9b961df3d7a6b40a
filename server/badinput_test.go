package server_test

import (
	"bytes"
	"fmt"
	"net"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"rustypotato/internal/resp"
	"rustypotato/server"
	"rustypotato/server/servertest"
)

// The bad-input battery: inputs known to have hurt Redis (CVEs) or any
// RESP server, sent over the network. After each case the server must
// still answer a new connection and the sentinel data must be intact.
// Where redis-server is installed the raw replies are compared with it.

// badCommands are commands sent on one connection; each reply must equal
// Redis's.
var badCommands = []struct {
	name string
	cmds []string
}{
	{"setrange huge offset", []string{
		`SETRANGE sr 536870912 x`, `SETRANGE sr 9223372036854775807 x`, `SETRANGE sr -1 x`,
		`SETRANGE sr 536870911 ""`, `STRLEN sr`, `SETRANGE sr 4 x`, `GET sr`}},
	{"getrange negative and huge ranges", []string{
		`SET gr hello`, `GETRANGE gr -1000000000000 -99999999999`, `GETRANGE gr -9223372036854775808 9223372036854775807`,
		`GETRANGE gr 9223372036854775807 -9223372036854775808`, `GETRANGE gr 3 1`, `GETRANGE gr -1 -1`}},
	{"lrange and ltrim extremes", []string{
		`RPUSH lr a b c`, `LRANGE lr -9223372036854775808 9223372036854775807`, `LRANGE lr 9223372036854775807 -1`,
		`LINDEX lr -9223372036854775808`, `LTRIM lr 9223372036854775807 -9223372036854775808`, `EXISTS lr`}},
	{"incrbyfloat to inf and nan", []string{
		`SET f 1e308`, `INCRBYFLOAT f 1e308`, `GET f`, `INCRBYFLOAT f inf`, `INCRBYFLOAT f -inf`, `INCRBYFLOAT f nan`,
		`INCRBYFLOAT f 1e309`, `SET g inf`, `INCRBYFLOAT g 1`, `INCRBY f 1`, `SET i 9223372036854775807`, `INCR i`,
		`DECRBY i -9223372036854775808`, `SET j -9223372036854775808`, `DECR j`, `GET i`, `GET j`}},
	{"hincrbyfloat edge cases", []string{
		`HINCRBYFLOAT h f 1e308`, `HINCRBYFLOAT h f 1e308`, `HINCRBYFLOAT h f nan`, `HINCRBYFLOAT h f inf`, `HGET h f`,
		`HSET h s abc`, `HINCRBYFLOAT h s 1`, `HINCRBY h f 1`, `HSET h n 9223372036854775807`, `HINCRBY h n 1`, `HGET h n`}},
	{"msetnx edge cases", []string{
		`MSETNX a 1 a 2`, `GET a`, `MSETNX a 3 b 4`, `GET b`, `MSETNX a`, `MSETNX a 1 b`}},
	{"glob patterns built to explode matching", []string{
		`SET ` + strings.Repeat("a", 200) + ` v`,
		`KEYS ` + strings.Repeat("a*", 60) + `b`,
		`SCAN 0 MATCH ` + strings.Repeat("*a", 60) + `*b COUNT 1000`,
		`KEYS ` + strings.Repeat("[a-z]*", 30) + `x`,
		`KEYS [`, `KEYS [a-`, `KEYS \`, `KEYS ` + strings.Repeat("?", 300)}},
	{"big counts", []string{
		`LPOS lr a COUNT -1`, `LPOS lr a RANK -9223372036854775808`,
		`HRANDFIELD h -9223372036854775808`, `SCAN 0 COUNT 9223372036854775807 MATCH nomatch*`,
		`SCAN 18446744073709551616`, `EXPIRE a 9223372036854775807`, `SET a b EX 9223372036854775807`, `SET a b PX -1`,
		`GETEX a EXAT 9223372036854775807`}},
}

// oursOnly are cases where redis-server 7.0.15 itself falls over (it
// loops building a reply of 2^63 elements, fixed in Redis 7.2): we must
// answer as Redis 7.2 does.
var oursOnly = [][2]string{
	{`HRANDFIELD sentinel:h -9223372036854775807`, `-ERR value is out of range`},
	{`HRANDFIELD sentinel:h -4611686018427387904 WITHVALUES`, `-ERR value is out of range`},
}

// badRaw are byte strings sent as they are; the bytes the server sends
// back until it closes (or goes quiet) must equal Redis's.
var badRaw = []struct{ name, in string }{
	{"multibulk count overflow", "*9223372036854775808\r\n"},
	{"multibulk count above INT_MAX", "*2147483648\r\n"},
	{"negative multibulk count", "*-5\r\nPING\r\n"},
	{"bulk length overflow", "*1\r\n$99999999999999999999\r\n"},
	{"bulk length above proto-max-bulk-len", "*1\r\n$536870913\r\n"},
	{"negative bulk length", "*1\r\n$-2\r\n"},
	{"bulk not a number", "*1\r\n$abc\r\n"},
	{"multibulk element not bulk", "*2\r\n$3\r\nGET\r\n:1\r\n"},
	{"missing CRLF after bulk", "*1\r\n$4\r\nPINGxx\r\n"},
	{"unbalanced inline quotes", "SET \"a b\r\n"},
	{"inline closing quote glued", "SET \"a\"b c\r\n"},
	{"binary garbage inline", "\x00\xff\xfe\r\n"},
	{"empty lines", "\r\n\r\n\n\nPING\r\n"},
	{"empty multibulk", "*0\r\n*-1\r\nPING\r\n"},
}

func readAll(nc net.Conn, quiet time.Duration) string {
	var b bytes.Buffer
	buf := make([]byte, 4096)
	for {
		nc.SetReadDeadline(time.Now().Add(quiet))
		n, err := nc.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}

func rawExchange(t *testing.T, addr, in string) string {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.Write([]byte(in))
	return readAll(nc, 300*time.Millisecond)
}

// healthy checks that the server answers a new connection and the
// sentinel keys are intact.
func healthy(t *testing.T, addr, when string) {
	t.Helper()
	c := dialRaw(t, addr)
	if got := c.do("PING"); got != "+PONG" {
		t.Fatalf("after %s: PING = %s", when, got)
	}
	if got := c.do("GET", "sentinel"); got != `"intact"` {
		t.Fatalf("after %s: sentinel = %s", when, got)
	}
	if got := c.do("HGET", "sentinel:h", "f"); got != `"v"` {
		t.Fatalf("after %s: sentinel hash = %s", when, got)
	}
	c.nc.Close()
}

func TestBadInputBattery(t *testing.T) {
	ts := servertest.New(t)
	redisAddr := ""
	if hasRedis() {
		redisAddr = startRedis(t)
	}
	addrs := []string{ts.Addr}
	if redisAddr != "" {
		addrs = append(addrs, redisAddr)
	}
	for _, a := range addrs {
		c := dialRaw(t, a)
		c.do("SET", "sentinel", "intact")
		c.do("HSET", "sentinel:h", "f", "v")
	}
	for _, tc := range badCommands {
		t.Run(tc.name, func(t *testing.T) {
			var got [2][]string
			for i, a := range addrs {
				c := dialRaw(t, a)
				for _, cmd := range tc.cmds {
					start := time.Now()
					got[i] = append(got[i], c.do(splitCmd(t, cmd)...))
					if d := time.Since(start); i == 0 && d > 2*time.Second {
						t.Errorf("%.60s took %v", cmd, d)
					}
				}
			}
			if redisAddr != "" {
				for j := range tc.cmds {
					if got[0][j] != got[1][j] {
						t.Errorf("%.80s:\n ours:  %s\n redis: %s", tc.cmds[j], got[0][j], got[1][j])
					}
				}
			}
			healthy(t, ts.Addr, tc.name)
		})
	}
	for _, tc := range oursOnly {
		if got := dialRaw(t, ts.Addr).do(splitCmd(t, tc[0])...); got != tc[1] {
			t.Errorf("%s: got %s, want %s", tc[0], got, tc[1])
		}
		healthy(t, ts.Addr, tc[0])
	}
	for _, tc := range badRaw {
		t.Run(tc.name, func(t *testing.T) {
			ours := rawExchange(t, ts.Addr, tc.in)
			if redisAddr != "" {
				if theirs := rawExchange(t, redisAddr, tc.in); ours != theirs {
					t.Errorf("%q:\n ours:  %q\n redis: %q", tc.in, ours, theirs)
				}
			}
			healthy(t, ts.Addr, tc.name)
		})
	}
}

func hasRedis() bool {
	_, err := lookPath("redis-server")
	return err == nil
}

// TestBadInputMillionArgs sends commands with a million arguments.
func TestBadInputMillionArgs(t *testing.T) {
	ts := servertest.New(t)
	dialRaw(t, ts.Addr).do("SET", "sentinel", "intact")
	dialRaw(t, ts.Addr).do("HSET", "sentinel:h", "f", "v")
	const n = 1000000
	for _, cmd := range []string{"EXISTS", "DEL", "MGET"} {
		var b bytes.Buffer
		fmt.Fprintf(&b, "*%d\r\n$%d\r\n%s\r\n", n+1, len(cmd), cmd)
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "$1\r\n%c\r\n", 'a'+i%26)
		}
		c := dialRaw(t, ts.Addr)
		start := time.Now()
		go func() { c.nc.Write(b.Bytes()) }()
		c.r = resp.NewReader(c.nc, resp.Limits{})
		v, err := c.read(60 * time.Second)
		if err != nil {
			t.Fatalf("%s with %d args: %v", cmd, n, err)
		}
		if cmd != "MGET" && render(v) != ":0" {
			t.Errorf("%s: %s", cmd, render(v))
		}
		if cmd == "MGET" && len(v.Elems) != n {
			t.Errorf("MGET: %d elements", len(v.Elems))
		}
		t.Logf("%s with %d args: %v", cmd, n, time.Since(start))
		healthy(t, ts.Addr, cmd)
	}
	// One more than the bound is refused before anything is allocated.
	got := rawExchange(t, ts.Addr, "*1048577\r\n")
	if !strings.HasPrefix(got, "-ERR Protocol error: invalid multibulk length") {
		t.Errorf("oversized count: %q", got)
	}
	healthy(t, ts.Addr, "oversized count")
}

// TestBadInputUnauthenticatedFlood opens 1000 connections that never
// authenticate, each sending the most Redis lets an unauthenticated
// client send; the server's heap must stay under 100 MB more.
func TestBadInputUnauthenticatedFlood(t *testing.T) {
	srv := &server.Server{}
	cf, err := server.ParseConfig("", []string{"--requirepass", "pw", "--maxclients", "2000"})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.ApplyConfig(cf); err != nil {
		t.Fatal(err)
	}
	ts := servertest.NewServer(t, srv)
	admin := dialRaw(t, ts.Addr)
	admin.do("AUTH", "pw")
	admin.do("SET", "sentinel", "intact")
	admin.do("HSET", "sentinel:h", "f", "v")

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	// 10 elements, each announced at the 16 KB pre-auth maximum, the
	// first nearly sent: the command never completes.
	head := "*10\r\n$16384\r\n" + strings.Repeat("x", 16000)
	var conns []net.Conn
	for i := 0; i < 1000; i++ {
		nc, err := net.Dial("tcp", ts.Addr)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		conns = append(conns, nc)
		nc.Write([]byte(head))
	}
	defer func() {
		for _, nc := range conns {
			nc.Close()
		}
	}()
	time.Sleep(500 * time.Millisecond)
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	grew := int64(after.HeapInuse+after.StackInuse) - int64(before.HeapInuse+before.StackInuse)
	t.Logf("1000 unauthenticated connections: heap+stacks grew %d MB", grew>>20)
	if grew > 100<<20 {
		t.Errorf("heap grew %d MB for 1000 unauthenticated connections", grew>>20)
	}
	// Bigger announcements are refused at once.
	if got := rawExchange(t, ts.Addr, "*1\r\n$1000000\r\n"); got != "-ERR Protocol error: unauthenticated bulk length\r\n" {
		t.Errorf("big bulk before AUTH: %q", got)
	}
	c := dialRaw(t, ts.Addr)
	if got := c.do("PING"); got != "-NOAUTH Authentication required." {
		t.Fatal(got)
	}
	c.do("AUTH", "pw")
	if got := c.do("GET", "sentinel"); got != `"intact"` {
		t.Fatal(got)
	}
}

func lookPath(name string) (string, error) { return exec.LookPath(name) }
