package server_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"rustypotato/server/servertest"
)

var setCommands = []string{"sadd", "srem", "smembers", "sismember", "smismember", "scard", "spop", "srandmember",
	"smove", "sinter", "sinterstore", "sintercard", "sunion", "sunionstore", "sdiff", "sdiffstore", "sscan"}

func TestSetCommandTable(t *testing.T) {
	checkCommandTable(t, setCommands)
}

// TestSetCommandInfo pins the table without needing Redis.
func TestSetCommandInfo(t *testing.T) {
	ts := servertest.New(t)
	c := dialRaw(t, ts.Addr)
	for _, tc := range []struct{ name, want string }{
		{"sadd", `["sadd" :-3 [+write +denyoom +fast] :1 :1 :1 [+@write +@set +@fast]]`},
		{"smove", `["smove" :4 [+write +fast] :1 :2 :1 [+@write +@set +@fast]]`},
		{"sintercard", `["sintercard" :-3 [+readonly +movablekeys] :0 :0 :0 [+@read +@set +@slow]]`},
		{"sinterstore", `["sinterstore" :-3 [+write +denyoom] :1 :-1 :1 [+@write +@set +@slow]]`},
	} {
		if got := commandInfoHead(t, c, tc.name); got != tc.want {
			t.Errorf("COMMAND INFO %s\n got: %s\nwant: %s", tc.name, got, tc.want)
		}
	}
}

// TestSetEncodingLikeRedis sends the same commands to redis-server and to
// us and compares every reply, OBJECT ENCODING included (the difftest
// programs ignore encodings): intset and hashtable by Redis 7.0's rules
// and set-max-intset-entries, through SADD, SMOVE, the *STORE commands
// and CONFIG SET.
func TestSetEncodingLikeRedis(t *testing.T) {
	ts := servertest.New(t)
	addr := startRedis(t)
	us, them := dialRaw(t, ts.Addr), dialRaw(t, addr)
	var ints []string
	for i := range 513 {
		ints = append(ints, strconv.Itoa(i-100))
	}
	cmds := [][]string{
		{"flushall"},
		{"sadd", "a", "1", "2", "3"}, {"object", "encoding", "a"}, {"smembers", "a"},
		{"sadd", "b", "x", "1"}, {"object", "encoding", "b"},
		{"sadd", "c", "007"}, {"object", "encoding", "c"},
		{"sadd", "d", "-0"}, {"object", "encoding", "d"},
		{"sadd", "e", "9223372036854775807", "-9223372036854775808"}, {"object", "encoding", "e"}, {"smembers", "e"},
		{"sadd", "f", "9223372036854775808"}, {"object", "encoding", "f"},
		{"smove", "b", "g", "1"}, {"object", "encoding", "g"},
		{"smove", "b", "h", "x"}, {"object", "encoding", "h"},
		{"sadd", "a", "z"}, {"object", "encoding", "a"},
		{"srem", "a", "z"}, {"object", "encoding", "a"},
		{"sinterstore", "i", "a", "a"}, {"object", "encoding", "i"}, {"smembers", "i"},
		{"sadd", "j", "5", "q"}, {"sunionstore", "k", "g", "e"}, {"object", "encoding", "k"},
		{"sdiffstore", "l", "j", "h"}, {"object", "encoding", "l"},
		append([]string{"sadd", "big"}, ints[:512]...), {"object", "encoding", "big"},
		{"sadd", "big", ints[512]}, {"object", "encoding", "big"}, {"scard", "big"},
		{"config", "set", "set-max-intset-entries", "2"}, {"config", "get", "set-max-intset-entries"},
		{"sadd", "m", "1", "2"}, {"object", "encoding", "m"},
		{"sadd", "m", "3"}, {"object", "encoding", "m"},
		{"sunionstore", "n", "a"}, {"object", "encoding", "n"},
		{"config", "set", "set-max-intset-entries", "-1"},
		{"config", "set", "set-max-intset-entries", "x"},
		{"config", "set", "set-max-intset-entries", "0"},
		{"sadd", "o", "1"}, {"object", "encoding", "o"},
		{"config", "set", "set-max-intset-entries", "512"},
		{"type", "o"}, {"spop", "o"}, {"exists", "o"},
		{"sadd", "p", "1"}, {"spop", "p", "5"}, {"exists", "p"},
	}
	for _, cmd := range cmds {
		us.send(cmd...)
		them.send(cmd...)
		got, err := us.read(5 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		want, err := them.read(5 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		g, w := render(got), render(want)
		if cmd[0] == "smembers" || cmd[0] == "spop" {
			g, w = sortedElems(g), sortedElems(w)
		}
		name := strings.Join(cmd, " ")
		if len(name) > 60 {
			name = name[:60] + "..."
		}
		if g != w {
			t.Errorf("%s:\n got %s\nwant %s", name, g, w)
		}
	}
}

// sortedElems sorts the space-separated elements of a rendered flat
// array, for replies whose order is unspecified.
func sortedElems(s string) string {
	if !strings.HasPrefix(s, "[") || !strings.HasSuffix(s, "]") {
		return s
	}
	f := strings.Fields(s[1 : len(s)-1])
	for i := 1; i < len(f); i++ {
		for j := i; j > 0 && f[j] < f[j-1]; j-- {
			f[j], f[j-1] = f[j-1], f[j]
		}
	}
	return fmt.Sprintf("[%s]", strings.Join(f, " "))
}

// TestSetKeyspaceEventsLikeRedis compares the keyspace notifications of
// the set family with Redis's.
func TestSetKeyspaceEventsLikeRedis(t *testing.T) {
	ts := servertest.New(t)
	addr := startRedis(t)
	got, want := setEvents(t, ts.Addr), setEvents(t, addr)
	if len(want) < 20 {
		t.Fatalf("only %d events from Redis: %q", len(want), want)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events\n got %q\nwant %q", got, want)
	}
}

func setEvents(t *testing.T, addr string) []string {
	c, sub := dialRaw(t, addr), dialRaw(t, addr)
	c.send("config", "set", "notify-keyspace-events", "KEA")
	if _, err := c.read(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	sub.send("psubscribe", "__keyspace@0__:*")
	if _, err := sub.read(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range [][]string{
		{"sadd", "s", "a", "b", "c"}, {"sadd", "s", "a"}, {"srem", "s", "a", "zz"},
		{"smove", "s", "t", "b"}, {"smove", "s", "t", "c"}, {"sadd", "s", "c"}, {"smove", "s", "t", "c"},
		{"sadd", "u", "1", "2", "3"}, {"spop", "u"}, {"spop", "u", "1"}, {"spop", "u", "9"},
		{"sinterstore", "d", "t", "t"}, {"sunionstore", "d", "t", "nokey"}, {"sdiffstore", "d", "t", "t"},
		{"sinterstore", "d", "t", "nokey"}, {"srem", "t", "b", "c"},
		{"set", "end", "1"},
	} {
		c.send(cmd...)
		if _, err := c.read(5 * time.Second); err != nil {
			t.Fatal(err)
		}
	}
	var out []string
	for len(out) < 60 {
		v, err := sub.read(5 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Elems) != 4 {
			continue
		}
		ev := render(v.Elems[2]) + "=" + render(v.Elems[3])
		if strings.Contains(ev, ":end") {
			break
		}
		out = append(out, ev)
	}
	return out
}
