package potato

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"rustypotato/internal/keyspace"
	"rustypotato/internal/redistest"
)

// ---------------------------------------------------------------------
// The oracle: a real redis-server and a minimal RESP2 client.
// ---------------------------------------------------------------------

// listStartRedis starts redis-server on a free loopback port and returns
// its address. It skips the test when redis-server is not installed,
// unless POTATO_REQUIRE_REDIS=1.
func listStartRedis(t *testing.T) string {
	t.Helper()
	return redistest.Start(t)
}

// listRESP is a minimal RESP2 client for the oracle.
type listRESP struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func listDial(t *testing.T, addr string) *listRESP {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &listRESP{t: t, c: c, r: bufio.NewReader(c)}
}

func (c *listRESP) send(args ...string) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.c.Write(b.Bytes()); err != nil {
		c.t.Fatal(err)
	}
}

// do sends a command and returns its reply in listFormat's notation.
func (c *listRESP) do(args ...string) string {
	c.send(args...)
	return listFormat(c.read())
}

type (
	listStatus string
	listErr    string
)

// read reads one reply: listStatus, listErr, int64, string (bulk), nil or
// []any.
func (c *listRESP) read() any {
	line, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatal(err)
	}
	line = strings.TrimSuffix(line, "\r\n")
	body := line[1:]
	switch line[0] {
	case '+':
		return listStatus(body)
	case '-':
		return listErr(body)
	case ':':
		n, _ := strconv.ParseInt(body, 10, 64)
		return n
	case '$':
		n, _ := strconv.Atoi(body)
		if n < 0 {
			return nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, buf); err != nil {
			c.t.Fatal(err)
		}
		return string(buf[:n])
	case '*':
		n, _ := strconv.Atoi(body)
		if n < 0 {
			return nil
		}
		out := make([]any, n)
		for i := range out {
			out[i] = c.read()
		}
		return out
	}
	c.t.Fatalf("bad RESP line %q", line)
	return nil
}

// listFormat writes a reply the way the tables spell them: (integer) n,
// (nil), "bulk" (Go-quoted), OK, (error) text, [a, b].
func listFormat(v any) string {
	switch v := v.(type) {
	case nil:
		return "(nil)"
	case listStatus:
		return string(v)
	case listErr:
		return "(error) " + string(v)
	case int64:
		return fmt.Sprintf("(integer) %d", v)
	case string:
		return strconv.Quote(v)
	case []byte:
		return strconv.Quote(string(v))
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = listFormat(x)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	panic(fmt.Sprintf("listFormat: %T", v))
}

// listEvents subscribes to database 0's keyevent notifications on a Redis
// connection; collect returns the events since the last call as "op key".
type listRedisEvents struct{ c *listRESP }

func listSubscribeRedis(t *testing.T, addr string) *listRedisEvents {
	ctl := listDial(t, addr)
	if r := ctl.do("CONFIG", "SET", "notify-keyspace-events", "KEA"); r != "OK" {
		t.Fatalf("CONFIG SET: %s", r)
	}
	c := listDial(t, addr)
	c.send("PSUBSCRIBE", "__keyevent@0__:*")
	c.read()
	return &listRedisEvents{c: c}
}

func (e *listRedisEvents) collect() []string {
	// PING in subscribed mode answers ["pong", ""] after every event
	// published before it.
	e.c.send("PING")
	var out []string
	for {
		m, _ := e.c.read().([]any)
		if len(m) == 2 && m[0] == "pong" {
			return out
		}
		if len(m) == 4 && m[0] == "pmessage" {
			ev := strings.TrimPrefix(m[2].(string), "__keyevent@0__:")
			out = append(out, ev+" "+m[3].(string))
		}
	}
}

// listCollectEvents subscribes to d's mutations and returns a function
// that returns them since the last call as "op key".
func listCollectEvents(d *DB) func() []string {
	var mu sync.Mutex
	var evs []string
	d.c.subscribe(func(m *Mutation) {
		mu.Lock()
		evs = append(evs, m.Op+" "+m.Key)
		mu.Unlock()
	})
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		out := evs
		evs = nil
		return out
	}
}

// ---------------------------------------------------------------------
// Running a command line against the Go API.
// ---------------------------------------------------------------------

// listSplit splits a command line on spaces; a word in double quotes is a
// Go string literal, so tables can use binary values and empty strings.
func listSplit(t testing.TB, line string) []string {
	var out []string
	for line = strings.TrimSpace(line); line != ""; line = strings.TrimSpace(line) {
		if line[0] == '"' {
			q, err := strconv.QuotedPrefix(line)
			if err != nil {
				t.Fatalf("bad quoted word in %q: %v", line, err)
			}
			s, _ := strconv.Unquote(q)
			out = append(out, s)
			line = line[len(q):]
			continue
		}
		i := strings.IndexByte(line, ' ')
		if i < 0 {
			i = len(line)
		}
		out = append(out, line[:i])
		line = line[i:]
	}
	return out
}

// listErrText is the reply text the server makes of an API error.
func listErrText(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "potato: invalid argument: "); i >= 0 {
		return msg[i+len("potato: invalid argument: "):]
	}
	return strings.TrimPrefix(msg, "potato: ")
}

func listBytes(ss []string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

func listDir(s string) ListDirection {
	switch strings.ToUpper(s) {
	case "LEFT":
		return Left
	case "RIGHT":
		return Right
	}
	return 0
}

func listSeconds(s string) time.Duration {
	f, _ := strconv.ParseFloat(s, 64)
	return time.Duration(f * float64(time.Second))
}

// listRun runs one command line against d through the DB methods and
// returns the reply in listFormat's notation. Arguments that the server
// would parse are assumed well-formed (the tables only test semantics).
func listRun(t testing.TB, d *DB, args []string) string {
	ctx := context.Background()
	num := func(s string) int64 {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("%v: bad integer %q", args, s)
		}
		return n
	}
	var reply any
	var err error
	cmd, a := strings.ToUpper(args[0]), args[1:]
	bulk := func(v []byte, e error) { reply, err = v, e }
	integer := func(n int64, e error) { reply, err = n, e }
	array := func(vs [][]byte, e error) {
		err = e
		if vs != nil {
			out := make([]any, len(vs))
			for i, v := range vs {
				out[i] = v
			}
			reply = out
		}
	}
	keyed := func(k string, vs [][]byte, e error) {
		err = e
		if e == nil {
			array(vs, nil)
			reply = []any{k, reply}
		}
	}
	ok := func(e error) { reply, err = listStatus("OK"), e }
	switch cmd {
	case "LPUSH":
		integer(d.LPush(a[0], listBytes(a[1:])...))
	case "RPUSH":
		integer(d.RPush(a[0], listBytes(a[1:])...))
	case "LPUSHX":
		integer(d.LPushX(a[0], listBytes(a[1:])...))
	case "RPUSHX":
		integer(d.RPushX(a[0], listBytes(a[1:])...))
	case "LPOP", "RPOP":
		left := cmd == "LPOP"
		if len(a) == 1 {
			if left {
				bulk(d.LPop(a[0]))
			} else {
				bulk(d.RPop(a[0]))
			}
			break
		}
		if left {
			array(d.LPopCount(a[0], int(num(a[1]))))
		} else {
			array(d.RPopCount(a[0], int(num(a[1]))))
		}
	case "LLEN":
		integer(d.LLen(a[0]))
	case "LRANGE":
		array(d.LRange(a[0], num(a[1]), num(a[2])))
	case "LINDEX":
		bulk(d.LIndex(a[0], num(a[1])))
	case "LSET":
		ok(d.LSet(a[0], num(a[1]), []byte(a[2])))
	case "LREM":
		integer(d.LRem(a[0], num(a[1]), []byte(a[2])))
	case "LTRIM":
		ok(d.LTrim(a[0], num(a[1]), num(a[2])))
	case "LINSERT":
		var pos InsertPosition
		switch strings.ToUpper(a[1]) {
		case "BEFORE":
			pos = InsertBefore
		case "AFTER":
			pos = InsertAfter
		}
		integer(d.LInsert(a[0], pos, []byte(a[2]), []byte(a[3])))
	case "LPOS":
		var pa LPosArgs
		var count int64
		hasCount := false
		for i := 2; i+1 < len(a); i += 2 {
			switch strings.ToUpper(a[i]) {
			case "RANK":
				pa.Rank = num(a[i+1])
			case "COUNT":
				count, hasCount = num(a[i+1]), true
			case "MAXLEN":
				pa.MaxLen = num(a[i+1])
			}
		}
		if !hasCount {
			integer(d.LPos(a[0], []byte(a[1]), pa))
			break
		}
		pos, e := d.LPosCount(a[0], []byte(a[1]), count, pa)
		err = e
		if e == nil {
			out := make([]any, len(pos))
			for i, p := range pos {
				out[i] = p
			}
			reply = out
		}
	case "LMOVE":
		bulk(d.LMove(a[0], a[1], listDir(a[2]), listDir(a[3])))
	case "RPOPLPUSH":
		bulk(d.RPopLPush(a[0], a[1]))
	case "BLMOVE":
		bulk(d.BLMove(ctx, a[0], a[1], listDir(a[2]), listDir(a[3]), listSeconds(a[4])))
	case "BRPOPLPUSH":
		bulk(d.BRPopLPush(ctx, a[0], a[1], listSeconds(a[2])))
	case "BLPOP", "BRPOP":
		timeout := listSeconds(a[len(a)-1])
		var k string
		var v []byte
		if cmd == "BLPOP" {
			k, v, err = d.BLPop(ctx, timeout, a[:len(a)-1]...)
		} else {
			k, v, err = d.BRPop(ctx, timeout, a[:len(a)-1]...)
		}
		if err == nil {
			reply = []any{k, v}
		}
	case "LMPOP", "BLMPOP":
		var timeout time.Duration
		if cmd == "BLMPOP" {
			timeout, a = listSeconds(a[0]), a[1:]
		}
		n := max(int(num(a[0])), 0)
		keys := a[1 : 1+n]
		rest := a[1+n:]
		count := int64(1)
		if len(rest) == 3 {
			count = num(rest[2])
		}
		if cmd == "LMPOP" {
			keyed(d.LMPop(listDir(rest[0]), count, keys...))
		} else {
			keyed(d.BLMPop(ctx, timeout, listDir(rest[0]), count, keys...))
		}
	case "SET":
		ok(d.Set(a[0], []byte(a[1])))
	case "DEL":
		integer(d.Del(a...))
	case "RENAME":
		ok(d.Rename(a[0], a[1]))
	default:
		t.Fatalf("listRun: unknown command %q", cmd)
	}
	switch {
	case errors.Is(err, ErrNotFound):
		return "(nil)"
	case err != nil:
		return "(error) " + listErrText(err)
	}
	return listFormat(reply)
}

// ---------------------------------------------------------------------
// Per-command tables. Each script runs on a fresh DB; with redis-server
// installed the same script runs on it too, so the expectations are
// checked against Redis as well as the code against them.
// ---------------------------------------------------------------------

type listStep struct {
	cmd  string
	want string
}

type listScript struct {
	name   string
	steps  []listStep
	events []string // when set, every event of the script, in order
}

const wrongType = "(error) WRONGTYPE Operation against a key holding the wrong kind of value"

var listScripts = []listScript{
	{name: "push", steps: []listStep{
		{`LPUSH l a`, `(integer) 1`},
		{`LPUSH l b c`, `(integer) 3`},
		{`RPUSH l d e`, `(integer) 5`},
		{`LRANGE l 0 -1`, `["c", "b", "a", "d", "e"]`},
		{`LPUSHX nokey a`, `(integer) 0`},
		{`RPUSHX nokey a b`, `(integer) 0`},
		{`LLEN nokey`, `(integer) 0`},
		{`LPUSHX l x`, `(integer) 6`},
		{`RPUSHX l y z`, `(integer) 8`},
		{`LRANGE l 0 -1`, `["x", "c", "b", "a", "d", "e", "y", "z"]`},
		{`RPUSH bin "\x00\xff" "" "a b"`, `(integer) 3`},
		{`LRANGE bin 0 -1`, `["\x00\xff", "", "a b"]`},
		{`SET s v`, `OK`},
		{`LPUSH s a`, wrongType},
		{`RPUSH s a`, wrongType},
		{`LPUSHX s a`, wrongType},
		{`RPUSHX s a`, wrongType},
	}, events: []string{"lpush l", "lpush l", "rpush l", "lpush l", "rpush l", "rpush bin", "set s"}},
	{name: "pop", steps: []listStep{
		{`RPUSH l a b c d e`, `(integer) 5`},
		{`LPOP l`, `"a"`},
		{`RPOP l`, `"e"`},
		{`LPOP l 0`, `[]`},
		{`LPOP l 2`, `["b", "c"]`},
		{`RPOP l 5`, `["d"]`},
		{`LLEN l`, `(integer) 0`},
		{`LPOP l`, `(nil)`},
		{`LPOP nokey 0`, `(nil)`},
		{`RPOP nokey 3`, `(nil)`},
		{`LPOP nokey -1`, `(error) ERR value is out of range, must be positive`},
		{`RPUSH l x`, `(integer) 1`},
		{`RPOP l -1`, `(error) ERR value is out of range, must be positive`},
		{`RPOP l 0`, `[]`},
		{`SET s v`, `OK`},
		{`LPOP s`, wrongType},
		{`LPOP s 0`, wrongType},
		{`RPOP s -1`, `(error) ERR value is out of range, must be positive`},
	}, events: []string{"rpush l", "lpop l", "rpop l", "lpop l", "rpop l", "del l", "rpush l", "set s"}},
	{name: "lrange", steps: []listStep{
		{`RPUSH l a b c d`, `(integer) 4`},
		{`LRANGE l 0 0`, `["a"]`},
		{`LRANGE l 1 2`, `["b", "c"]`},
		{`LRANGE l -2 -1`, `["c", "d"]`},
		{`LRANGE l -100 100`, `["a", "b", "c", "d"]`},
		{`LRANGE l 2 1`, `[]`},
		{`LRANGE l 4 10`, `[]`},
		{`LRANGE l -1 -2`, `[]`},
		{`LRANGE l 0 -5`, `[]`},
		{`LRANGE l -9223372036854775808 9223372036854775807`, `["a", "b", "c", "d"]`},
		{`LRANGE l 9223372036854775807 -9223372036854775808`, `[]`},
		{`LRANGE nokey 0 -1`, `[]`},
		{`SET s v`, `OK`},
		{`LRANGE s 0 -1`, wrongType},
	}},
	{name: "lindex", steps: []listStep{
		{`RPUSH l a b c`, `(integer) 3`},
		{`LINDEX l 0`, `"a"`},
		{`LINDEX l 2`, `"c"`},
		{`LINDEX l -1`, `"c"`},
		{`LINDEX l -3`, `"a"`},
		{`LINDEX l 3`, `(nil)`},
		{`LINDEX l -4`, `(nil)`},
		{`LINDEX l 9223372036854775807`, `(nil)`},
		{`LINDEX l -9223372036854775808`, `(nil)`},
		{`LINDEX nokey 0`, `(nil)`},
		{`SET s v`, `OK`},
		{`LINDEX s 0`, wrongType},
	}},
	{name: "lset", steps: []listStep{
		{`LSET nokey 0 x`, `(error) ERR no such key`},
		{`RPUSH l a b c`, `(integer) 3`},
		{`LSET l 0 x`, `OK`},
		{`LSET l -1 "\x00"`, `OK`},
		{`LSET l 3 x`, `(error) ERR index out of range`},
		{`LSET l -4 x`, `(error) ERR index out of range`},
		{`LSET l 9223372036854775807 x`, `(error) ERR index out of range`},
		{`LRANGE l 0 -1`, `["x", "b", "\x00"]`},
		{`SET s v`, `OK`},
		{`LSET s 0 x`, wrongType},
	}, events: []string{"rpush l", "lset l", "lset l", "set s"}},
	{name: "lrem", steps: []listStep{
		{`LREM nokey 0 a`, `(integer) 0`},
		{`RPUSH l a b a c a b a`, `(integer) 7`},
		{`LREM l 2 a`, `(integer) 2`},
		{`LRANGE l 0 -1`, `["b", "c", "a", "b", "a"]`},
		{`LREM l -1 a`, `(integer) 1`},
		{`LRANGE l 0 -1`, `["b", "c", "a", "b"]`},
		{`LREM l 0 b`, `(integer) 2`},
		{`LREM l 0 zz`, `(integer) 0`},
		{`LRANGE l 0 -1`, `["c", "a"]`},
		{`LREM l -9223372036854775808 a`, `(integer) 1`},
		{`LREM l 9223372036854775807 c`, `(integer) 1`},
		{`LLEN l`, `(integer) 0`},
		{`SET s v`, `OK`},
		{`LREM s 0 v`, wrongType},
	}, events: []string{"rpush l", "lrem l", "lrem l", "lrem l", "lrem l", "lrem l", "del l", "set s"}},
	{name: "ltrim", steps: []listStep{
		{`LTRIM nokey 0 -1`, `OK`},
		{`RPUSH l a b c d e`, `(integer) 5`},
		{`LTRIM l 0 -1`, `OK`},
		{`LTRIM l 1 -2`, `OK`},
		{`LRANGE l 0 -1`, `["b", "c", "d"]`},
		{`LTRIM l -100 1`, `OK`},
		{`LRANGE l 0 -1`, `["b", "c"]`},
		{`LTRIM l 1 100`, `OK`},
		{`LRANGE l 0 -1`, `["c"]`},
		{`LTRIM l 1 0`, `OK`},
		{`LLEN l`, `(integer) 0`},
		{`RPUSH l a b`, `(integer) 2`},
		{`LTRIM l 5 10`, `OK`},
		{`LLEN l`, `(integer) 0`},
		{`RPUSH l a b`, `(integer) 2`},
		{`LTRIM l -9223372036854775808 9223372036854775807`, `OK`},
		{`LRANGE l 0 -1`, `["a", "b"]`},
		{`SET s v`, `OK`},
		{`LTRIM s 0 1`, wrongType},
	}, events: []string{"rpush l", "ltrim l", "ltrim l", "ltrim l", "ltrim l", "ltrim l", "del l",
		"rpush l", "ltrim l", "del l", "rpush l", "ltrim l", "set s"}},
	{name: "linsert", steps: []listStep{
		{`LINSERT nokey BEFORE a x`, `(integer) 0`},
		{`RPUSH l a b a`, `(integer) 3`},
		{`LINSERT l BEFORE a x`, `(integer) 4`},
		{`LINSERT l AFTER a y`, `(integer) 5`},
		{`LINSERT l AFTER zz y`, `(integer) -1`},
		{`LINSERT l AFTER "" y`, `(integer) -1`},
		{`LINSERT l after b "\x00"`, `(integer) 6`},
		{`LINSERT l before b ""`, `(integer) 7`},
		{`LRANGE l 0 -1`, `["x", "a", "y", "", "b", "\x00", "a"]`},
		{`LINSERT l AFTER a z`, `(integer) 8`},
		{`LRANGE l -2 -1`, `["\x00", "a"]`},
		{`SET s v`, `OK`},
		{`LINSERT s BEFORE v x`, wrongType},
	}, events: []string{"rpush l", "linsert l", "linsert l", "linsert l", "linsert l", "linsert l", "set s"}},
	{name: "lpos", steps: []listStep{
		{`LPOS nokey a`, `(nil)`},
		{`LPOS nokey a COUNT 0`, `[]`},
		{`RPUSH l a b c a b c a`, `(integer) 7`},
		{`LPOS l a`, `(integer) 0`},
		{`LPOS l c`, `(integer) 2`},
		{`LPOS l zz`, `(nil)`},
		{`LPOS l zz COUNT 2`, `[]`},
		{`LPOS l a RANK 2`, `(integer) 3`},
		{`LPOS l a RANK 3`, `(integer) 6`},
		{`LPOS l a RANK 4`, `(nil)`},
		{`LPOS l a RANK -1`, `(integer) 6`},
		{`LPOS l a RANK -3`, `(integer) 0`},
		{`LPOS l a RANK 9223372036854775807`, `(nil)`},
		{`LPOS l a RANK -9223372036854775808`, `(integer) 6`},
		{`LPOS l a COUNT 0`, `[(integer) 0, (integer) 3, (integer) 6]`},
		{`LPOS l a COUNT 2`, `[(integer) 0, (integer) 3]`},
		{`LPOS l a RANK -1 COUNT 2`, `[(integer) 6, (integer) 3]`},
		{`LPOS l a RANK 2 COUNT 0`, `[(integer) 3, (integer) 6]`},
		{`LPOS l a RANK -9223372036854775808 COUNT 0`, `[(integer) 6, (integer) 3, (integer) 0]`},
		{`LPOS l a MAXLEN 3`, `(integer) 0`},
		{`LPOS l a RANK 2 MAXLEN 3`, `(nil)`},
		{`LPOS l a RANK 2 MAXLEN 4`, `(integer) 3`},
		{`LPOS l a RANK -2 MAXLEN 3`, `(nil)`},
		{`LPOS l a RANK -2 MAXLEN 4`, `(integer) 3`},
		{`LPOS l a COUNT 0 MAXLEN 1`, `[(integer) 0]`},
		{`LPOS l a COUNT 0 MAXLEN 9223372036854775807`, `[(integer) 0, (integer) 3, (integer) 6]`},
		{`LPOS l a COUNT -1`, `(error) ERR COUNT can't be negative`},
		{`LPOS l a MAXLEN -1`, `(error) ERR MAXLEN can't be negative`},
		{`SET s v`, `OK`},
		{`LPOS s v`, wrongType},
	}},
	{name: "lmove", steps: []listStep{
		{`LMOVE nokey d LEFT LEFT`, `(nil)`},
		{`RPUSH s a b c`, `(integer) 3`},
		{`LMOVE s d LEFT RIGHT`, `"a"`},
		{`LMOVE s d RIGHT LEFT`, `"c"`},
		{`LRANGE d 0 -1`, `["c", "a"]`},
		{`LMOVE s d right right`, `"b"`},
		{`LLEN s`, `(integer) 0`},
		{`LMOVE d d LEFT RIGHT`, `"c"`},
		{`LRANGE d 0 -1`, `["a", "b", "c"]`},
		{`LMOVE d d RIGHT LEFT`, `"c"`},
		{`LMOVE d d LEFT LEFT`, `"c"`},
		{`LRANGE d 0 -1`, `["c", "a", "b"]`},
		{`RPOPLPUSH d e`, `"b"`},
		{`RPOPLPUSH nokey e`, `(nil)`},
		{`SET str v`, `OK`},
		{`LMOVE d str LEFT LEFT`, wrongType},
		{`LMOVE str d LEFT LEFT`, wrongType},
		{`LMOVE nokey str LEFT LEFT`, `(nil)`},
		{`RPOPLPUSH d str`, wrongType},
		{`LRANGE d 0 -1`, `["c", "a"]`},
		{`RPUSH one x`, `(integer) 1`},
		{`LMOVE one one LEFT RIGHT`, `"x"`},
		{`LRANGE one 0 -1`, `["x"]`},
	}, events: []string{"rpush s", "rpush d", "lpop s", "lpush d", "rpop s", "rpush d", "rpop s", "del s",
		"rpush d", "lpop d", "lpush d", "rpop d", "lpush d", "lpop d", "lpush e", "rpop d",
		"set str", "rpush one", "rpush one", "lpop one"}},
	{name: "lmpop", steps: []listStep{
		{`LMPOP 2 a b LEFT`, `(nil)`},
		{`RPUSH b 1 2 3`, `(integer) 3`},
		{`LMPOP 2 a b LEFT`, `["b", ["1"]]`},
		{`LMPOP 2 a b RIGHT COUNT 10`, `["b", ["3", "2"]]`},
		{`LLEN b`, `(integer) 0`},
		{`RPUSH a x y`, `(integer) 2`},
		{`RPUSH b z`, `(integer) 1`},
		{`LMPOP 2 a b LEFT COUNT 1`, `["a", ["x"]]`},
		{`LMPOP 2 b a LEFT COUNT 1`, `["b", ["z"]]`},
		{`SET s v`, `OK`},
		{`LMPOP 2 s a LEFT`, wrongType},
		{`LMPOP 2 a s LEFT`, `["a", ["y"]]`},
		{`LMPOP 0 a LEFT`, `(error) ERR numkeys should be greater than 0`},
		{`LMPOP 1 a LEFT COUNT 0`, `(error) ERR count should be greater than 0`},
		{`LMPOP 1 a LEFT COUNT -1`, `(error) ERR count should be greater than 0`},
	}, events: []string{"rpush b", "lpop b", "rpop b", "del b", "rpush a", "rpush b", "lpop a", "lpop b", "del b",
		"set s", "lpop a", "del a"}},
	{name: "blocking commands with data", steps: []listStep{
		{`RPUSH a 1 2`, `(integer) 2`},
		{`BLPOP nokey a 0`, `["a", "1"]`},
		{`BRPOP a 0`, `["a", "2"]`},
		{`BLPOP nokey 0.01`, `(nil)`},
		{`RPUSH a 1 2 3`, `(integer) 3`},
		{`BLMPOP 0 2 nokey a RIGHT COUNT 2`, `["a", ["3", "2"]]`},
		{`BLMOVE a b LEFT LEFT 0`, `"1"`},
		{`BRPOPLPUSH b c 0`, `"1"`},
		{`BRPOPLPUSH nokey c 0.01`, `(nil)`},
		{`BLMPOP 0.01 1 nokey LEFT`, `(nil)`},
		{`SET s v`, `OK`},
		{`BLPOP s c 0`, wrongType},
		{`BLPOP c s 0`, `["c", "1"]`},
		{`BLPOP c -1`, `(error) ERR timeout is negative`},
		{`BLMPOP -1 1 c LEFT`, `(error) ERR timeout is negative`},
		{`BLMOVE c d LEFT LEFT -1`, `(error) ERR timeout is negative`},
		{`BLMPOP 0 1 c LEFT COUNT 0`, `(error) ERR count should be greater than 0`},
	}, events: []string{"rpush a", "lpop a", "rpop a", "del a", "rpush a", "rpop a", "lpush b", "lpop a", "del a",
		"lpush c", "rpop b", "del b", "set s", "lpop c", "del c"}},
	{name: "rename of a list", steps: []listStep{
		{`RPUSH a 1`, `(integer) 1`},
		{`RENAME a b`, `OK`},
		{`LRANGE b 0 -1`, `["1"]`},
	}},
}

func TestListScripts(t *testing.T) {
	for _, sc := range listScripts {
		t.Run(sc.name, func(t *testing.T) {
			d, _ := openTestDB(t)
			events := listCollectEvents(d)
			for _, st := range sc.steps {
				if got := listRun(t, d, listSplit(t, st.cmd)); got != st.want {
					t.Errorf("%s: got %s, want %s", st.cmd, got, st.want)
				}
			}
			if sc.events != nil {
				if got := events(); !slices.Equal(got, sc.events) {
					t.Errorf("events:\n got %q\nwant %q", got, sc.events)
				}
			}
		})
	}
}

// TestListScriptsOracle runs the same scripts on redis-server: its
// replies must be the tables' and its events ours.
func TestListScriptsOracle(t *testing.T) {
	addr := listStartRedis(t)
	rc := listDial(t, addr)
	revs := listSubscribeRedis(t, addr)
	for _, sc := range listScripts {
		t.Run(sc.name, func(t *testing.T) {
			rc.do("FLUSHALL")
			revs.collect()
			d, _ := openTestDB(t)
			events := listCollectEvents(d)
			for _, st := range sc.steps {
				args := listSplit(t, st.cmd)
				if got := rc.do(args...); got != st.want {
					t.Errorf("redis %s: got %s, table says %s", st.cmd, got, st.want)
				}
				listRun(t, d, args)
			}
			if got, want := events(), revs.collect(); !slices.Equal(got, want) {
				t.Errorf("events:\n ours  %q\nredis %q", got, want)
			}
		})
	}
}

// TestListRandomOracle runs a random program of list commands on Redis and
// on a DB and requires the same replies and events at every step.
func TestListRandomOracle(t *testing.T) {
	addr := listStartRedis(t)
	rc := listDial(t, addr)
	revs := listSubscribeRedis(t, addr)
	rc.do("FLUSHALL")
	revs.collect()
	d, _ := openTestDB(t)
	events := listCollectEvents(d)
	rng := rand.New(rand.NewPCG(1, 2))
	keys := []string{"a", "b", "c"}
	vals := []string{"x", "y", "z", "", "\x00\xff"}
	key := func() string { return keys[rng.IntN(len(keys))] }
	val := func() string { return vals[rng.IntN(len(vals))] }
	idx := func() string {
		switch rng.IntN(10) {
		case 0:
			return "9223372036854775807"
		case 1:
			return "-9223372036854775808"
		}
		return strconv.Itoa(rng.IntN(13) - 6)
	}
	dir := func() string { return []string{"LEFT", "RIGHT"}[rng.IntN(2)] }
	var log []string
	for i := 0; i < 6000; i++ {
		var args []string
		switch rng.IntN(20) {
		case 0, 1:
			args = []string{"LPUSH", key(), val(), val()}
		case 2, 3:
			args = []string{"RPUSH", key(), val()}
		case 4:
			args = []string{[]string{"LPUSHX", "RPUSHX"}[rng.IntN(2)], key(), val()}
		case 5:
			args = []string{[]string{"LPOP", "RPOP"}[rng.IntN(2)], key()}
			if rng.IntN(2) == 0 {
				args = append(args, strconv.Itoa(rng.IntN(4)))
			}
		case 6:
			args = []string{"LRANGE", key(), idx(), idx()}
		case 7:
			args = []string{"LINDEX", key(), idx()}
		case 8:
			args = []string{"LSET", key(), idx(), val()}
		case 9:
			args = []string{"LREM", key(), idx(), val()}
		case 10:
			args = []string{"LTRIM", key(), idx(), idx()}
		case 11:
			args = []string{"LINSERT", key(), []string{"BEFORE", "AFTER"}[rng.IntN(2)], val(), val()}
		case 12:
			args = []string{"LPOS", key(), val()}
			if r := rng.IntN(7) - 3; r != 0 {
				args = append(args, "RANK", strconv.Itoa(r))
			}
			if rng.IntN(2) == 0 {
				args = append(args, "COUNT", strconv.Itoa(rng.IntN(3)))
			}
			if rng.IntN(2) == 0 {
				args = append(args, "MAXLEN", strconv.Itoa(rng.IntN(5)))
			}
		case 13:
			args = []string{"LMOVE", key(), key(), dir(), dir()}
		case 14:
			args = []string{"RPOPLPUSH", key(), key()}
		case 15:
			args = []string{"LMPOP", "2", key(), key(), dir(), "COUNT", strconv.Itoa(1 + rng.IntN(3))}
		case 16:
			args = []string{"LLEN", key()}
		case 17:
			args = []string{"BLPOP", key(), key(), "0"}
			if rng.IntN(2) == 0 {
				args[0] = "BRPOP"
			}
			// Only when something is there: the oracle must not block.
			if n, _ := d.LLen(args[1]); n == 0 {
				if n, _ := d.LLen(args[2]); n == 0 {
					continue
				}
			}
		case 18:
			if rng.IntN(20) == 0 {
				args = []string{"SET", key(), val()}
			} else {
				args = []string{"LLEN", key()}
			}
		case 19:
			if rng.IntN(3) == 0 {
				args = []string{"DEL", key()}
			} else {
				args = []string{"LRANGE", key(), "0", "-1"}
			}
		}
		log = append(log, strings.Join(args, " "))
		want := rc.do(args...)
		got := listRun(t, d, args)
		if got != want {
			t.Fatalf("step %d %q: got %s, redis %s\nprogram:\n%s", i, args, got, want,
				strings.Join(log[max(0, len(log)-20):], "\n"))
		}
		if ge, we := events(), revs.collect(); !slices.Equal(ge, we) {
			t.Fatalf("step %d %q: events %q, redis %q", i, args, ge, we)
		}
	}
}

// TestLPosRankZeroOracle records Redis 7.0's replies for LPOS arguments
// that only the wire can express, so the server can match them: the Go
// API's zero Rank means the default.
func TestLPosRankZeroOracle(t *testing.T) {
	addr := listStartRedis(t)
	rc := listDial(t, addr)
	rc.do("RPUSH", "l", "a")
	want := "(error) ERR RANK can't be zero: use 1 to start from the first match, " +
		"2 from the second ... or use negative to start from the end of the list"
	if got := rc.do("LPOS", "l", "a", "RANK", "0"); got != want {
		t.Errorf("LPOS RANK 0: %s", got)
	}
	d, _ := openTestDB(t)
	d.RPush("l", []byte("a"))
	if pos, err := d.LPos("l", []byte("a"), LPosArgs{}); pos != 0 || err != nil {
		t.Errorf("LPos with zero Rank = %d, %v; want 0 (the default rank 1)", pos, err)
	}
}

// ---------------------------------------------------------------------
// Properties the tables cannot show.
// ---------------------------------------------------------------------

func listContents(t *testing.T, d *DB, key string) []string {
	t.Helper()
	vs, err := d.LRange(key, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// TestLRemStrategies checks LRem's three removal strategies against a
// model, and that each is undone exactly by a rolled-back transaction.
func TestLRemStrategies(t *testing.T) {
	d, _ := openTestDB(t)
	rng := rand.New(rand.NewPCG(3, 4))
	boom := errors.New("boom")
	for iter := 0; iter < 400; iter++ {
		n := 1 + rng.IntN(120)
		model := make([]string, n)
		// Clusters of matches near the head, near the tail, in the
		// middle, or everywhere, to hit every strategy.
		lo, hi := 0, n
		switch iter % 4 {
		case 0:
			hi = max(1, n/5)
		case 1:
			lo = n - max(1, n/5)
		case 2:
			lo, hi = n/3, max(n/3+1, 2*n/3)
		}
		for i := range model {
			model[i] = strconv.Itoa(i)
			if i >= lo && i < hi && rng.IntN(3) == 0 {
				model[i] = "m"
			}
		}
		d.Del("k")
		d.RPush("k", listBytes(model)...)
		count := int64(rng.IntN(7) - 3)

		// Rolled back: the list must be exactly as before.
		err := d.Update(func(tx *Tx) error {
			if _, err := tx.LRem("k", count, []byte("m")); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if got := listContents(t, d, "k"); !slices.Equal(got, model) {
			t.Fatalf("after rollback: %q, want %q", got, model)
		}

		want := listRemModel(model, count, "m")
		removed, err := d.LRem("k", count, []byte("m"))
		if err != nil {
			t.Fatal(err)
		}
		if int(removed) != n-len(want) {
			t.Fatalf("LRem(%d) on %q removed %d, want %d", count, model, removed, n-len(want))
		}
		if got := listContents(t, d, "k"); !slices.Equal(got, want) {
			t.Fatalf("LRem(%d) on %q left %q, want %q", count, model, got, want)
		}
	}
}

func listRemModel(l []string, count int64, v string) []string {
	var out []string
	if count >= 0 {
		limit := count
		if count == 0 {
			limit = math.MaxInt64
		}
		for _, x := range l {
			if x == v && limit > 0 {
				limit--
				continue
			}
			out = append(out, x)
		}
		return out
	}
	limit := -count
	for i := len(l) - 1; i >= 0; i-- {
		if l[i] == v && limit > 0 {
			limit--
			continue
		}
		out = append(out, l[i])
	}
	slices.Reverse(out)
	return out
}

// TestListRollback checks that a failed Update leaves lists, keys and
// events as they were, for every writing command.
func TestListRollback(t *testing.T) {
	d, _ := openTestDB(t)
	events := listCollectEvents(d)
	d.RPush("l", listBytes([]string{"a", "b", "c", "b", "a"})...)
	d.RPush("m", []byte("z"))
	events()
	boom := errors.New("boom")
	ops := map[string]func(tx *Tx) error{
		"LPush": func(tx *Tx) error { _, err := tx.LPush("l", []byte("x")); return err },
		"RPush new": func(tx *Tx) error {
			_, err := tx.RPush("new", []byte("x"))
			return err
		},
		"LPopCount": func(tx *Tx) error { _, err := tx.LPopCount("l", 10); return err },
		"RPop":      func(tx *Tx) error { _, err := tx.RPop("m"); return err },
		"LSet":      func(tx *Tx) error { return tx.LSet("l", 2, []byte("x")) },
		"LRem":      func(tx *Tx) error { _, err := tx.LRem("l", 0, []byte("b")); return err },
		"LTrim":     func(tx *Tx) error { return tx.LTrim("l", 1, 2) },
		"LTrim all": func(tx *Tx) error { return tx.LTrim("l", 1, 0) },
		"LInsert": func(tx *Tx) error {
			_, err := tx.LInsert("l", InsertAfter, []byte("c"), []byte("x"))
			return err
		},
		"LMove":  func(tx *Tx) error { _, err := tx.LMove("m", "l", Left, Right); return err },
		"LMove2": func(tx *Tx) error { _, err := tx.LMove("l", "new", Right, Left); return err },
		"LMPop": func(tx *Tx) error {
			_, _, err := tx.LMPop(Left, 3, "nokey", "l")
			return err
		},
	}
	for name, op := range ops {
		err := d.Update(func(tx *Tx) error {
			if err := op(tx); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("%s: %v", name, err)
		}
		if got := listContents(t, d, "l"); !slices.Equal(got, []string{"a", "b", "c", "b", "a"}) {
			t.Errorf("%s: l = %q after rollback", name, got)
		}
		if got := listContents(t, d, "m"); !slices.Equal(got, []string{"z"}) {
			t.Errorf("%s: m = %q after rollback", name, got)
		}
		if n, _ := d.Exists("new"); n != 0 {
			t.Errorf("%s: new exists after rollback", name)
		}
		if evs := events(); len(evs) != 0 {
			t.Errorf("%s: events %q after rollback", name, evs)
		}
	}
}

// TestListOwnership checks that values are copied in and that returned
// slices cannot be used to change the store.
func TestListOwnership(t *testing.T) {
	d, _ := openTestDB(t)
	buf := []byte("abc")
	d.RPush("l", buf, buf)
	buf[0] = 'X'
	d.LSet("l", 1, buf)
	buf[1] = 'Y'
	d.LInsert("l", InsertBefore, []byte("abc"), buf)
	buf[2] = 'Z'
	if got := listContents(t, d, "l"); !slices.Equal(got, []string{"XYc", "abc", "Xbc"}) {
		t.Fatalf("stored %q", got)
	}
	v, _ := d.LIndex("l", 0)
	_ = append(v, '!')
	vs, _ := d.LRange("l", 0, -1)
	_ = append(vs[1], '!')
	if got := listContents(t, d, "l"); !slices.Equal(got, []string{"XYc", "abc", "Xbc"}) {
		t.Fatalf("after appends to results: %q", got)
	}
}

func TestListInvalidArguments(t *testing.T) {
	d, _ := openTestDB(t)
	d.RPush("l", []byte("a"))
	syntax := "ERR syntax error"
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"LPush no values", func() error { _, err := d.LPush("l"); return err }(), "ERR wrong number of arguments for 'lpush' command"},
		{"RPushX no values", func() error { _, err := d.RPushX("l"); return err }(), "ERR wrong number of arguments for 'rpushx' command"},
		{"LMove bad from", func() error { _, err := d.LMove("l", "m", 0, Left); return err }(), syntax},
		{"LMove bad to", func() error { _, err := d.LMove("l", "m", Left, 7); return err }(), syntax},
		{"LInsert bad pos", func() error { _, err := d.LInsert("l", 0, []byte("a"), []byte("b")); return err }(), syntax},
		{"LMPop no keys", func() error { _, _, err := d.LMPop(Left, 1); return err }(), "ERR numkeys should be greater than 0"},
		{"LMPop bad dir", func() error { _, _, err := d.LMPop(3, 1, "l"); return err }(), syntax},
		{"LPosCount negative", func() error { _, err := d.LPosCount("l", []byte("a"), -1, LPosArgs{}); return err }(), "ERR COUNT can't be negative"},
		{"LPos negative maxlen", func() error { _, err := d.LPos("l", []byte("a"), LPosArgs{MaxLen: -1}); return err }(), "ERR MAXLEN can't be negative"},
		{"BLPop no keys", func() error { _, _, err := d.BLPop(context.Background(), 0); return err }(), "ERR wrong number of arguments for 'blpop' command"},
		{"BLMove bad dir", func() error {
			_, err := d.BLMove(context.Background(), "l", "m", Left, 0, time.Second)
			return err
		}(), syntax},
	}
	for _, c := range cases {
		if !errors.Is(c.err, ErrInvalidArgument) || listErrText(c.err) != c.want {
			t.Errorf("%s: %v, want ErrInvalidArgument with %q", c.name, c.err, c.want)
		}
	}
	if got := listContents(t, d, "l"); !slices.Equal(got, []string{"a"}) {
		t.Errorf("l = %q", got)
	}
	if n, _ := d.Exists("m"); n != 0 {
		t.Error("m created by a failed command")
	}
}

func TestListMaxValueBytes(t *testing.T) {
	d, err := Open(Options{MaxValueBytes: 4, ExpiryInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.RPush("l", []byte("ok"), []byte("toolong")); !errors.Is(err, ErrStringTooLong) {
		t.Fatalf("RPush: %v", err)
	}
	if n, _ := d.Exists("l"); n != 0 {
		t.Fatal("list created by a refused push")
	}
	d.RPush("l", []byte("ok"))
	if err := d.LSet("l", 0, []byte("toolong")); !errors.Is(err, ErrStringTooLong) {
		t.Fatalf("LSet: %v", err)
	}
	if _, err := d.LInsert("l", InsertBefore, []byte("ok"), []byte("toolong")); !errors.Is(err, ErrStringTooLong) {
		t.Fatalf("LInsert: %v", err)
	}
}

func TestListExpiry(t *testing.T) {
	d, clk := openTestDB(t)
	d.RPush("l", []byte("a"), []byte("b"))
	if ok, err := d.Expire("l", time.Second); !ok || err != nil {
		t.Fatal(ok, err)
	}
	clk.Advance(2 * time.Second)
	if n, err := d.LLen("l"); n != 0 || err != nil {
		t.Fatalf("LLen of expired list = %d, %v", n, err)
	}
	if _, err := d.LPop("l"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("LPop of expired list: %v", err)
	}
	if n, _ := d.LPush("l", []byte("c")); n != 1 {
		t.Fatalf("LPush on expired list = %d, want 1", n)
	}
	if ttl, _ := d.TTL("l"); ttl != NoExpiry {
		t.Fatalf("new list has TTL %v", ttl)
	}
}

func TestListReadOnly(t *testing.T) {
	d, _ := openTestDB(t)
	d.RPush("l", []byte("a"))
	err := d.View(func(tx *Tx) error {
		if n, err := tx.LLen("l"); n != 1 || err != nil {
			t.Errorf("LLen in View = %d, %v", n, err)
		}
		_, err := tx.LPush("l", []byte("b"))
		return err
	})
	if !errors.Is(err, ErrTxReadOnly) {
		t.Fatalf("LPush in View: %v", err)
	}
}

// TestListLarge checks the O(1) ends and index on a list that wraps its
// ring buffer many times, against a slice model.
func TestListLarge(t *testing.T) {
	d, _ := openTestDB(t)
	rng := rand.New(rand.NewPCG(5, 6))
	var model []string
	for i := 0; i < 20000; i++ {
		v := strconv.Itoa(i)
		switch rng.IntN(4) {
		case 0:
			d.LPush("l", []byte(v))
			model = append([]string{v}, model...)
		case 1:
			d.RPush("l", []byte(v))
			model = append(model, v)
		case 2:
			if len(model) > 0 {
				got, _ := d.LPop("l")
				if string(got) != model[0] {
					t.Fatalf("LPop = %q, want %q", got, model[0])
				}
				model = model[1:]
			}
		case 3:
			if len(model) > 0 {
				got, _ := d.RPop("l")
				if string(got) != model[len(model)-1] {
					t.Fatalf("RPop = %q, want %q", got, model[len(model)-1])
				}
				model = model[:len(model)-1]
			}
		}
		if len(model) > 0 && i%97 == 0 {
			j := rng.IntN(len(model))
			if got, _ := d.LIndex("l", int64(j)); string(got) != model[j] {
				t.Fatalf("LIndex(%d) = %q, want %q", j, got, model[j])
			}
		}
	}
	if got := listContents(t, d, "l"); !slices.Equal(got, model) && !(len(got) == 0 && len(model) == 0) {
		t.Fatal("final contents differ")
	}
}

// TestListTxVariants checks the Tx forms inside one transaction,
// including blocking commands, which do not block there.
func TestListTxVariants(t *testing.T) {
	d, _ := openTestDB(t)
	ctx := context.Background()
	err := d.Update(func(tx *Tx) error {
		if _, _, err := tx.BLPop(ctx, 0, "a", "b"); !errors.Is(err, ErrNotFound) {
			t.Errorf("BLPop on empty lists in a Tx: %v", err)
		}
		if _, err := tx.BLMove(ctx, "a", "b", Left, Left, 0); !errors.Is(err, ErrNotFound) {
			t.Errorf("BLMove on empty list in a Tx: %v", err)
		}
		if _, _, err := tx.BLMPop(ctx, 0, Left, 1, "a"); !errors.Is(err, ErrNotFound) {
			t.Errorf("BLMPop on empty list in a Tx: %v", err)
		}
		if _, _, err := tx.BRPop(ctx, -time.Second, "a"); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("BRPop negative timeout in a Tx: %v", err)
		}
		tx.RPush("b", []byte("1"), []byte("2"), []byte("3"), []byte("4"))
		if k, v, err := tx.BRPop(ctx, 0, "a", "b"); k != "b" || string(v) != "4" || err != nil {
			t.Errorf("BRPop = %q %q %v", k, v, err)
		}
		if v, err := tx.BRPopLPush(ctx, "b", "a", 0); string(v) != "3" || err != nil {
			t.Errorf("BRPopLPush = %q %v", v, err)
		}
		if k, vs, err := tx.BLMPop(ctx, 0, Left, 5, "b"); k != "b" || len(vs) != 2 || err != nil {
			t.Errorf("BLMPop = %q %q %v", k, vs, err)
		}
		if k, v, err := tx.BLPop(ctx, 0, "b", "a"); k != "a" || string(v) != "3" || err != nil {
			t.Errorf("BLPop = %q %q %v", k, v, err)
		}
		tx.RPush("c", []byte("5"))
		if v, err := tx.RPopLPush("c", "c"); string(v) != "5" || err != nil {
			t.Errorf("RPopLPush = %q %v", v, err)
		}
		if v, err := tx.RPopLPush("nokey", "c"); !errors.Is(err, ErrNotFound) {
			t.Errorf("RPopLPush of a missing key = %q %v", v, err)
		}
		tx.Del("c")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := d.Exists("a", "b"); n != 0 {
		t.Errorf("%d keys left", n)
	}
}

// TestListDirectionString covers the enum's names.
func TestListDirectionString(t *testing.T) {
	for d, want := range map[ListDirection]string{Left: "LEFT", Right: "RIGHT", 0: "ListDirection(0)"} {
		if got := d.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", d, got, want)
		}
	}
}

// listEntry is a test hook to look at a list's internals.
func listEntry(t *testing.T, d *DB, key string) *keyspace.Entry {
	var e *keyspace.Entry
	d.View(func(tx *Tx) error { e = tx.lookup(key); return nil })
	return e
}

func TestListNoEmptyLists(t *testing.T) {
	d, _ := openTestDB(t)
	steps := []func(){
		func() { d.RPush("l", []byte("a")); d.LPop("l") },
		func() { d.RPush("l", []byte("a")); d.RPopCount("l", 5) },
		func() { d.RPush("l", []byte("a")); d.LRem("l", 0, []byte("a")) },
		func() { d.RPush("l", []byte("a")); d.LTrim("l", 1, 1) },
		func() { d.RPush("l", []byte("a")); d.LMove("l", "m", Left, Left); d.Del("m") },
		func() { d.RPush("l", []byte("a")); d.LMPop(Right, 1, "l") },
		func() { d.RPush("l", []byte("a")); d.BLPop(context.Background(), 0, "l") },
	}
	for i, step := range steps {
		step()
		if e := listEntry(t, d, "l"); e != nil {
			t.Errorf("step %d left an entry with %d elements", i, e.List.Len())
		}
	}
}

func BenchmarkListPushPop(b *testing.B) {
	d, _ := openTestDB(b)
	v := []byte("value")
	for i := 0; i < 1000; i++ {
		d.RPush("l", v)
	}
	b.ReportAllocs()
	for b.Loop() {
		d.RPush("l", v)
		d.LPop("l")
	}
}

// BenchmarkBlockingHandoff measures one element handed from a pusher to a
// client blocked in BLPop.
func BenchmarkBlockingHandoff(b *testing.B) {
	d, _ := openTestDB(b)
	ctx := context.Background()
	v := []byte("value")
	got := make(chan struct{})
	go func() {
		for {
			if _, _, err := d.BLPop(ctx, 0, "q"); err != nil {
				return
			}
			got <- struct{}{}
		}
	}()
	b.ReportAllocs()
	for b.Loop() {
		d.RPush("q", v)
		<-got
	}
}
