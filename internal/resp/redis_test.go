package resp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"rustypotato/internal/redistest"
	"testing"
	"time"
)

// startRedis starts redis-server on a free loopback port and returns its
// address; it is stopped when the test ends. Without redis-server the test
// is skipped, unless POTATO_REQUIRE_REDIS=1.
func startRedis(t *testing.T, extra ...string) string {
	t.Helper()
	return redistest.Start(t, extra...)
}

// rawExchange sends in on a new connection and collects what comes back
// until the server closes the connection or stays quiet for idle.
func rawExchange(addr string, in []byte, idle time.Duration) (out []byte, closed bool, err error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, false, err
	}
	defer c.Close()
	go c.Write(in)
	buf := make([]byte, 64<<10)
	for {
		c.SetReadDeadline(time.Now().Add(idle))
		n, err := c.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return out, false, nil
			}
			return out, true, nil
		}
	}
}

func runAgainstRedis(t *testing.T, addr string, cases []protoCase) {
	// All exchanges at once: most of them wait out the idle time.
	type result struct {
		out    []byte
		closed bool
		err    error
	}
	results := make([]chan result, len(cases))
	for i, tc := range cases {
		results[i] = make(chan result, 1)
		go func() {
			out, closed, err := rawExchange(addr, []byte(tc.in), 300*time.Millisecond)
			results[i] <- result{out, closed, err}
		}()
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := <-results[i]
			if r.err != nil {
				t.Fatal(r.err)
			}
			if tc.differs != "" {
				t.Log("deliberate difference: " + tc.differs)
				tc.out, tc.closed = tc.redisOut, tc.redisClosed
			}
			if string(r.out) != tc.out || r.closed != tc.closed {
				t.Errorf("redis-server: %q closed=%v; our table says %q closed=%v", r.out, r.closed, tc.out, tc.closed)
			}
		})
	}
}

// TestProtocolCasesAgainstRedis checks the protocol table against the real
// server: every expectation TestProtocolCases holds us to is Redis's.
func TestProtocolCasesAgainstRedis(t *testing.T) {
	addr := startRedis(t)
	runAgainstRedis(t, addr, protoCases)
}

func TestAuthCasesAgainstRedis(t *testing.T) {
	addr := startRedis(t, "--requirepass", "secret")
	runAgainstRedis(t, addr, authCases)
}

// TestInlineSplitAgainstRedis sends inline lines "RPUSH k <line>" to Redis
// and compares the list it stored (read back with ReadValue) with what
// ReadCommand makes of the same line.
func TestInlineSplitAgainstRedis(t *testing.T) {
	addr := startRedis(t)
	lines := []string{
		`a b c`,
		"a\tb  c ",
		`"hello world" 'single quoted'`,
		`"\x41\x42\x4" "\x7F\xfF\x00"`,
		`"\n\r\t\b\a\z\\\""`,
		`'it\'s' 'a\nb' '\\'`,
		`"" ''`,
		`a"b c"d`,
		`a"b c" d`,
		`a'b c'`,
		`x"abc`,
		`x'abc`,
		`"a"b`,
		`'a'b`,
		"\"a\"\x0bb",
		"a\x0bb",
		"\x0c\x0bx",
		"a\rb",
		`\x41 \n`,
		`"\x4g" "\xg1"`,
		`"é" 'ü'`,
		"\x80\xff",
	}
	for _, line := range lines {
		t.Run(fmt.Sprintf("%q", line), func(t *testing.T) {
			t.Parallel()
			key := fmt.Sprintf("k%x", line)
			in := []byte("RPUSH " + key + " " + line + "\r\n")
			ours, ourErr := NewReader(bytes.NewReader(in), Limits{}).ReadCommand()

			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			send := append([]byte{}, in...)
			send = AppendCommandString(send, "LRANGE", key, "0", "-1")
			if _, err := c.Write(send); err != nil {
				t.Fatal(err)
			}
			rd := NewReader(c, Limits{})
			push, err := rd.ReadValue()
			if err != nil {
				t.Fatal(err)
			}
			var pe *ProtocolError
			if errors.As(ourErr, &pe) {
				if push.Type != '-' || "ERR "+pe.Msg != string(push.Str) {
					t.Fatalf("we fail with %q, Redis replied %+v", ourErr, push)
				}
				if _, err := rd.ReadValue(); err != io.EOF {
					t.Fatalf("Redis kept the connection open: %v", err)
				}
				return
			}
			if ourErr != nil {
				t.Fatal(ourErr)
			}
			list, err := rd.ReadValue()
			if err != nil {
				t.Fatal(err)
			}
			if push.Type == '-' {
				t.Fatalf("Redis refused %q: %s (we split %q)", line, push.Str, ours)
			}
			var got [][]byte
			for _, e := range list.Elems {
				got = append(got, e.Str)
			}
			if len(ours) < 2 || string(ours[0]) != "RPUSH" || !equalArgs(ours[2:], got) {
				t.Fatalf("we split %q, Redis stored %q", ours, got)
			}
		})
	}
}

// TestReadValueAgainstRedis reads real RESP2 and RESP3 replies of many
// types from Redis.
func TestReadValueAgainstRedis(t *testing.T) {
	addr := startRedis(t)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	rd := NewReader(c, Limits{})
	do := func(args ...string) Value {
		t.Helper()
		if _, err := c.Write(AppendCommandString(nil, args...)); err != nil {
			t.Fatal(err)
		}
		v, err := rd.ReadValue()
		if err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		return v
	}
	check := func(v Value, wantType byte, what string) {
		t.Helper()
		if v.Type != wantType {
			t.Errorf("%s: type %q in %+v, want %q", what, v.Type, v, wantType)
		}
	}
	for _, proto := range []string{"2", "3"} {
		v := do("HELLO", proto)
		if proto == "3" {
			check(v, '%', "HELLO 3")
		} else {
			check(v, '*', "HELLO 2")
		}
		do("FLUSHALL")
		check(do("SET", "s", "v"), '+', "SET")
		check(do("GET", "s"), '$', "GET")
		n := do("GET", "missing")
		if !n.Null {
			t.Errorf("GET missing: %+v", n)
		}
		check(do("INCR", "i"), ':', "INCR")
		check(do("LPUSH", "s", "x"), '-', "WRONGTYPE")
		do("ZADD", "z", "1.5", "m")
		score := do("ZSCORE", "z", "m")
		if proto == "3" {
			check(score, ',', "ZSCORE")
			if score.Float != 1.5 {
				t.Errorf("ZSCORE %+v", score)
			}
		} else {
			check(score, '$', "ZSCORE")
		}
		do("HSET", "h", "f", "v", "g", "w")
		h := do("HGETALL", "h")
		if proto == "3" {
			check(h, '%', "HGETALL")
		} else {
			check(h, '*', "HGETALL")
		}
		if len(h.Elems) != 4 {
			t.Errorf("HGETALL: %+v", h)
		}
		do("SADD", "set", "a", "b")
		if proto == "3" {
			check(do("SMEMBERS", "set"), '~', "SMEMBERS")
			check(do("INFO", "server"), '=', "INFO")
		}
		check(do("BLPOP", "nolist", "0.01"), map[string]byte{"2": '*', "3": '_'}[proto], "BLPOP timeout")
		cmd := do("COMMAND", "INFO", "get", "set")
		if len(cmd.Elems) != 2 || len(cmd.Elems[0].Elems) < 7 {
			t.Errorf("COMMAND INFO: %+v", cmd)
		}
		do("SUBSCRIBE", "ch")
		check(do("UNSUBSCRIBE", "ch"), map[string]byte{"2": '*', "3": '>'}[proto], "UNSUBSCRIBE")
	}
}
