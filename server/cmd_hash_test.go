package server_test

import (
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"rustypotato/internal/redistest"
	"rustypotato/internal/resp"
	"rustypotato/server/servertest"
)

// ---------------------------------------------------------------------
// Family scripts: commands as redis-cli would type them, with the reply
// real Redis 7.0.15 gives, rendered as text. Each script runs on a fresh
// connection after FLUSHALL, against RustyPotato and (when installed)
// against redis-server, so the table is checked by the oracle too.
//
// Rendering: :N integer, "..." bulk (Go quoting), (nil) RESP2 null bulk,
// (nilarray) RESP2 null array, _ RESP3 null, +OK status, -ERR ... error,
// [a b] array, %{k v ...} map, ~[a b] set, ,1.5 double, #t/#f boolean.
// ---------------------------------------------------------------------

// scriptStep is one command of a family script.
type scriptStep struct {
	cmd  string // space-separated; a token starting with " is Go-unquoted
	want string
	// sort makes the check order-insensitive for replies whose order
	// Redis leaves open: 'S' sorts an array's (or set's) elements, 'P'
	// sorts a flat array's field/value pairs (or a map's entries), 'C'
	// sorts the pairs of a SCAN reply. 'I' ignores the reply (HELLO,
	// whose client id differs).
	sort byte
}

// rawClient is a bare RESP client: one command, one reply.
type rawClient struct {
	t  testing.TB
	nc net.Conn
	r  *resp.Reader
}

func dialRaw(t testing.TB, addr string) *rawClient {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &rawClient{t: t, nc: nc, r: resp.NewReader(nc, resp.Limits{})}
}

// send writes one command without reading its reply.
func (c *rawClient) send(args ...string) {
	c.t.Helper()
	c.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.nc.Write(resp.AppendCommandString(nil, args...)); err != nil {
		c.t.Fatalf("send %q: %v", args, err)
	}
}

// read reads one reply, waiting at most d.
func (c *rawClient) read(d time.Duration) (resp.Value, error) {
	c.nc.SetReadDeadline(time.Now().Add(d))
	return c.r.ReadValue()
}

// do sends one command and returns its reply rendered as text.
func (c *rawClient) do(args ...string) string {
	c.t.Helper()
	c.send(args...)
	v, err := c.read(10 * time.Second)
	if err != nil {
		c.t.Fatalf("reply to %q: %v", args, err)
	}
	return render(v)
}

func render(v resp.Value) string {
	var b strings.Builder
	renderTo(&b, v)
	return b.String()
}

func renderTo(b *strings.Builder, v resp.Value) {
	list := func(open, close string, elems []resp.Value) {
		b.WriteString(open)
		for i, e := range elems {
			if i > 0 {
				b.WriteByte(' ')
			}
			renderTo(b, e)
		}
		b.WriteString(close)
	}
	switch v.Type {
	case '+':
		b.WriteString("+" + string(v.Str))
	case '-', '!':
		b.WriteString("-" + string(v.Str))
	case ':':
		b.WriteString(":" + strconv.FormatInt(v.Int, 10))
	case '$':
		if v.Null {
			b.WriteString("(nil)")
		} else {
			b.WriteString(strconv.Quote(string(v.Str)))
		}
	case '*':
		if v.Null {
			b.WriteString("(nilarray)")
		} else {
			list("[", "]", v.Elems)
		}
	case '_':
		b.WriteString("_")
	case '%':
		list("%{", "}", v.Elems)
	case '~':
		list("~[", "]", v.Elems)
	case '>':
		list(">[", "]", v.Elems)
	case ',':
		b.WriteString("," + string(v.Str))
	case '#':
		if v.Bool {
			b.WriteString("#t")
		} else {
			b.WriteString("#f")
		}
	case '(':
		b.WriteString("(" + string(v.Str))
	case '=':
		b.WriteString("=" + v.Format + ":" + strconv.Quote(string(v.Str)))
	default:
		fmt.Fprintf(b, "?%c", v.Type)
	}
}

// sortValue puts the elements of an aggregate reply in a canonical order.
func sortValue(v resp.Value, mode byte) resp.Value {
	switch {
	case mode == 'C' && v.Type == '*' && len(v.Elems) == 2:
		v.Elems = []resp.Value{v.Elems[0], sortValue(v.Elems[1], 'P')}
	case mode == 'S' && (v.Type == '*' || v.Type == '~'):
		v.Elems = slices.Clone(v.Elems)
		slices.SortFunc(v.Elems, func(x, y resp.Value) int { return strings.Compare(render(x), render(y)) })
	case mode == 'P' && (v.Type == '*' || v.Type == '%') && len(v.Elems)%2 == 0:
		type pair struct{ k, v resp.Value }
		ps := make([]pair, 0, len(v.Elems)/2)
		for i := 0; i+1 < len(v.Elems); i += 2 {
			ps = append(ps, pair{v.Elems[i], v.Elems[i+1]})
		}
		slices.SortFunc(ps, func(x, y pair) int {
			return strings.Compare(render(x.k)+" "+render(x.v), render(y.k)+" "+render(y.v))
		})
		v.Elems = make([]resp.Value, 0, len(v.Elems))
		for _, p := range ps {
			v.Elems = append(v.Elems, p.k, p.v)
		}
	}
	return v
}

// splitCmd splits a script command into arguments; a token that starts
// with a double quote is a Go string literal (for binary and empty
// arguments, or arguments with spaces).
func splitCmd(t testing.TB, s string) []string {
	t.Helper()
	var out []string
	for i := 0; i < len(s); {
		switch {
		case s[i] == ' ':
			i++
		case s[i] == '"':
			j := i + 1
			for ; j < len(s); j++ {
				if s[j] == '\\' {
					j++
				} else if s[j] == '"' {
					break
				}
			}
			tok, err := strconv.Unquote(s[i : j+1])
			if err != nil {
				t.Fatalf("bad quoted token in %q: %v", s, err)
			}
			out = append(out, tok)
			i = j + 1
		default:
			j := strings.IndexByte(s[i:], ' ')
			if j < 0 {
				j = len(s) - i
			}
			out = append(out, s[i:i+j])
			i += j
		}
	}
	return out
}

// runScript runs one script on a fresh connection to addr after FLUSHALL
// and reports every step whose reply differs from the table.
func runScript(t *testing.T, addr string, steps []scriptStep) {
	t.Helper()
	c := dialRaw(t, addr)
	if got := c.do("flushall"); got != "+OK" {
		t.Fatalf("FLUSHALL: %s", got)
	}
	for i, st := range steps {
		args := splitCmd(t, st.cmd)
		c.send(args...)
		v, err := c.read(10 * time.Second)
		if err != nil {
			t.Fatalf("step %d %q: %v", i, st.cmd, err)
		}
		if st.sort == 'I' {
			continue
		}
		if st.sort != 0 {
			v = sortValue(v, st.sort)
		}
		if got := render(v); got != st.want {
			t.Errorf("step %d %s\n got: %s\nwant: %s", i, st.cmd, got, st.want)
		}
	}
}

// runScripts runs every script against RustyPotato, and against real
// Redis when redis-server is installed, so that the expected replies are
// Redis's own.
func runScripts(t *testing.T, scripts map[string][]scriptStep) {
	names := make([]string, 0, len(scripts))
	for n := range scripts {
		names = append(names, n)
	}
	slices.Sort(names)
	t.Run("potato", func(t *testing.T) {
		ts := servertest.New(t)
		for _, n := range names {
			t.Run(n, func(t *testing.T) { runScript(t, ts.Addr, scripts[n]) })
		}
	})
	t.Run("redis", func(t *testing.T) {
		addr := startRedis(t)
		for _, n := range names {
			t.Run(n, func(t *testing.T) { runScript(t, addr, scripts[n]) })
		}
	})
}

// startRedis starts redis-server on a free loopback port for one test and
// stops it in t.Cleanup. Without redis-server the test is skipped, unless
// POTATO_REQUIRE_REDIS=1.
func startRedis(t testing.TB) string {
	t.Helper()
	return redistest.Start(t)
}

// requireOrSkip skips the test for lack of bin, or fails it when
// POTATO_REQUIRE_REDIS=1.
func requireOrSkip(t testing.TB, bin string) {
	t.Helper()
	if os.Getenv("POTATO_REQUIRE_REDIS") == "1" {
		t.Fatalf("%s not found and POTATO_REQUIRE_REDIS=1", bin)
	}
	t.Skipf("%s not installed", bin)
}

func freePort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

const wrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value"

var hashScripts = map[string][]scriptStep{
	"basics": {
		{cmd: `hset h a 1 b 2`, want: `:2`},
		{cmd: `hset h a 10 c 3`, want: `:1`},
		{cmd: `hset h d 4 d 5`, want: `:1`},
		{cmd: `hget h d`, want: `"5"`},
		{cmd: `hget h zz`, want: `(nil)`},
		{cmd: `hget nokey a`, want: `(nil)`},
		{cmd: `hmget h a zz b`, want: `["10" (nil) "2"]`},
		{cmd: `hmget nokey a b`, want: `[(nil) (nil)]`},
		{cmd: `hlen h`, want: `:4`},
		{cmd: `hlen nokey`, want: `:0`},
		{cmd: `hexists h a`, want: `:1`},
		{cmd: `hexists h zz`, want: `:0`},
		{cmd: `hexists nokey a`, want: `:0`},
		{cmd: `hstrlen h a`, want: `:2`},
		{cmd: `hstrlen h zz`, want: `:0`},
		{cmd: `hstrlen nokey a`, want: `:0`},
		{cmd: `hkeys h`, want: `["a" "b" "c" "d"]`, sort: 'S'},
		{cmd: `hvals h`, want: `["10" "2" "3" "5"]`, sort: 'S'},
		{cmd: `hgetall h`, want: `["a" "10" "b" "2" "c" "3" "d" "5"]`, sort: 'P'},
		{cmd: `hkeys nokey`, want: `[]`},
		{cmd: `hvals nokey`, want: `[]`},
		{cmd: `hgetall nokey`, want: `[]`},
		{cmd: `hsetnx h a x`, want: `:0`},
		{cmd: `hget h a`, want: `"10"`},
		{cmd: `hsetnx h e x`, want: `:1`},
		{cmd: `hsetnx h2 a x`, want: `:1`},
		{cmd: `hmset h a 1 b 2`, want: `+OK`},
		{cmd: `hget h a`, want: `"1"`},
		{cmd: `hdel h a zz a`, want: `:1`},
		{cmd: `hdel h zz`, want: `:0`},
		{cmd: `hdel nokey a`, want: `:0`},
		{cmd: `hdel h b c d e`, want: `:4`},
		{cmd: `exists h`, want: `:0`},
		{cmd: `type h2`, want: `+hash`},
		{cmd: `hset h "" ""`, want: `:1`},
		{cmd: `hget h ""`, want: `""`},
		{cmd: `hstrlen h ""`, want: `:0`},
		{cmd: `hset bin "a\x00b" "\xff\x00\r\n"`, want: `:1`},
		{cmd: `hget bin "a\x00b"`, want: `"\xff\x00\r\n"`},
		{cmd: `hstrlen bin "a\x00b"`, want: `:4`},
		{cmd: `HSET Up F V`, want: `:1`},
		{cmd: `HGETALL Up`, want: `["F" "V"]`},
	},
	"arity": {
		{cmd: `hset h a`, want: `-ERR wrong number of arguments for 'hset' command`},
		{cmd: `hset h a 1 b`, want: `-ERR wrong number of arguments for 'hset' command`},
		{cmd: `hmset h a`, want: `-ERR wrong number of arguments for 'hmset' command`},
		{cmd: `hmset h a 1 b`, want: `-ERR wrong number of arguments for 'hmset' command`},
		{cmd: `hset h`, want: `-ERR wrong number of arguments for 'hset' command`},
		{cmd: `hsetnx h a`, want: `-ERR wrong number of arguments for 'hsetnx' command`},
		{cmd: `hget h`, want: `-ERR wrong number of arguments for 'hget' command`},
		{cmd: `hget h a b`, want: `-ERR wrong number of arguments for 'hget' command`},
		{cmd: `hmget h`, want: `-ERR wrong number of arguments for 'hmget' command`},
		{cmd: `hdel h`, want: `-ERR wrong number of arguments for 'hdel' command`},
		{cmd: `hlen`, want: `-ERR wrong number of arguments for 'hlen' command`},
		{cmd: `hkeys h x`, want: `-ERR wrong number of arguments for 'hkeys' command`},
		{cmd: `hincrby h a`, want: `-ERR wrong number of arguments for 'hincrby' command`},
		{cmd: `hincrbyfloat h a`, want: `-ERR wrong number of arguments for 'hincrbyfloat' command`},
		{cmd: `hstrlen h`, want: `-ERR wrong number of arguments for 'hstrlen' command`},
		{cmd: `hscan h`, want: `-ERR wrong number of arguments for 'hscan' command`},
		{cmd: `hrandfield`, want: `-ERR wrong number of arguments for 'hrandfield' command`},
		{cmd: `exists h`, want: `:0`},
	},
	"wrongtype": {
		{cmd: `set s x`, want: `+OK`},
		{cmd: `hset s a 1`, want: wrongType},
		{cmd: `hmset s a 1`, want: wrongType},
		{cmd: `hsetnx s a 1`, want: wrongType},
		{cmd: `hget s a`, want: wrongType},
		{cmd: `hmget s a`, want: wrongType},
		{cmd: `hdel s a`, want: wrongType},
		{cmd: `hexists s a`, want: wrongType},
		{cmd: `hlen s`, want: wrongType},
		{cmd: `hstrlen s a`, want: wrongType},
		{cmd: `hkeys s`, want: wrongType},
		{cmd: `hvals s`, want: wrongType},
		{cmd: `hgetall s`, want: wrongType},
		{cmd: `hincrby s a 1`, want: wrongType},
		{cmd: `hincrbyfloat s a 1`, want: wrongType},
		{cmd: `hscan s 0`, want: wrongType},
		{cmd: `hscan s 0 count -1`, want: wrongType},
		{cmd: `hrandfield s`, want: wrongType},
		{cmd: `hrandfield s 0`, want: wrongType},
		{cmd: `hrandfield s 3 withvalues`, want: wrongType},
		{cmd: `get s`, want: `"x"`},
	},
	"incr": {
		{cmd: `hincrby h n 5`, want: `:5`},
		{cmd: `hincrby h n -7`, want: `:-2`},
		{cmd: `hincrby h n x`, want: `-ERR value is not an integer or out of range`},
		{cmd: `hincrby h n 1.5`, want: `-ERR value is not an integer or out of range`},
		{cmd: `hincrby h n 9223372036854775808`, want: `-ERR value is not an integer or out of range`},
		{cmd: `hset h big 9223372036854775807 s abc f 1.5 sp " 1"`, want: `:4`},
		{cmd: `hincrby h big 1`, want: `-ERR increment or decrement would overflow`},
		{cmd: `hincrby h big 0`, want: `:9223372036854775807`},
		{cmd: `hincrby h s 1`, want: `-ERR hash value is not an integer`},
		{cmd: `hincrby h f 1`, want: `-ERR hash value is not an integer`},
		{cmd: `hincrby h sp 1`, want: `-ERR hash value is not an integer`},
		{cmd: `hincrby nokey x 1`, want: `:1`},
		{cmd: `hincrbyfloat h g 10.5`, want: `"10.5"`},
		{cmd: `hincrbyfloat h g 0.1`, want: `"10.6"`},
		{cmd: `hincrbyfloat h g -5.0e3`, want: `"-4989.39999999999999991"`},
		{cmd: `hincrbyfloat h f 1`, want: `"2.5"`},
		{cmd: `hincrbyfloat h n 1`, want: `"-1"`},
		{cmd: `hincrbyfloat h s 1`, want: `-ERR hash value is not a float`},
		{cmd: `hincrbyfloat h g x`, want: `-ERR value is not a valid float`},
		{cmd: `hincrbyfloat h g ""`, want: `-ERR value is not a valid float`},
		{cmd: `hincrbyfloat h g inf`, want: `-ERR value is NaN or Infinity`},
		{cmd: `hincrbyfloat h g nan`, want: `-ERR value is not a valid float`},
		{cmd: `hincrbyfloat h g 1e5000`, want: `-ERR value is not a valid float`},
		{cmd: `hincrbyfloat h g -inf`, want: `-ERR value is NaN or Infinity`},
		{cmd: `hincrbyfloat h g2 1e400`, want: `"10000000000000000000281880683947586514586453433629052038625910693539685534008629862039363994848324160522094053927317616200295822777259255734023828976593340661017797447434546173917862448116674971723778943824391593338047470675026246684401359237513603830343735485505244955964979021825038280091068414947402456898653040951017512658092615827588920183472511643316591362664138176309734806343732497430221946880"`},
		{cmd: `hset h x 1.0e10 hx 0x10`, want: `:2`},
		{cmd: `hincrbyfloat h x 0`, want: `"10000000000"`},
		{cmd: `hincrbyfloat h hx 1`, want: `"17"`},
		{cmd: `hincrbyfloat h y 3.0000000000000000001`, want: `"3"`},
		{cmd: `hget h g`, want: `"-4989.39999999999999991"`},
	},
	"scan": {
		{cmd: `hset h a 1 b 2 c 3`, want: `:3`},
		{cmd: `hscan h 0`, want: `["0" ["a" "1" "b" "2" "c" "3"]]`, sort: 'C'},
		{cmd: `hscan h 0 count 100 match b*`, want: `["0" ["b" "2"]]`},
		{cmd: `hscan h 0 MATCH * COUNT 5`, want: `["0" ["a" "1" "b" "2" "c" "3"]]`, sort: 'C'},
		{cmd: `hscan h 0 match zz*`, want: `["0" []]`},
		{cmd: `hscan nokey 0`, want: `["0" []]`},
		{cmd: `hscan nokey 0 count -1`, want: `["0" []]`},
		{cmd: `hscan nokey 0 bogus`, want: `["0" []]`},
		{cmd: `hscan nokey x`, want: `-ERR invalid cursor`},
		{cmd: `hscan h x`, want: `-ERR invalid cursor`},
		{cmd: `hscan h " 1"`, want: `-ERR invalid cursor`},
		{cmd: `hscan h "1 "`, want: `-ERR invalid cursor`},
		{cmd: `hscan h 1.5`, want: `-ERR invalid cursor`},
		{cmd: `hscan h -`, want: `-ERR invalid cursor`},
		{cmd: `hscan h 18446744073709551616`, want: `-ERR invalid cursor`},
		{cmd: `hscan h 0 count 0`, want: `-ERR syntax error`},
		{cmd: `hscan h 0 count -1`, want: `-ERR syntax error`},
		{cmd: `hscan h 0 count x`, want: `-ERR value is not an integer or out of range`},
		{cmd: `hscan h 0 count`, want: `-ERR syntax error`},
		{cmd: `hscan h 0 match`, want: `-ERR syntax error`},
		{cmd: `hscan h 0 type string`, want: `-ERR syntax error`},
		{cmd: `hscan h 0 novalues`, want: `-ERR syntax error`},
		// strtoul's view of a cursor: empty is 0, a sign is allowed. For
		// a small hash Redis returns everything whatever the cursor.
		{cmd: `hscan h ""`, want: `["0" ["a" "1" "b" "2" "c" "3"]]`, sort: 'C'},
		{cmd: `hscan h +0`, want: `["0" ["a" "1" "b" "2" "c" "3"]]`, sort: 'C'},
		{cmd: `hscan h -1`, want: `["0" ["a" "1" "b" "2" "c" "3"]]`, sort: 'C'},
		{cmd: `hscan h 18446744073709551615`, want: `["0" ["a" "1" "b" "2" "c" "3"]]`, sort: 'C'},
	},
	"randfield": {
		{cmd: `hset h a 1`, want: `:1`},
		{cmd: `hrandfield h`, want: `"a"`},
		{cmd: `hrandfield nokey`, want: `(nil)`},
		{cmd: `hrandfield h 5`, want: `["a"]`},
		{cmd: `hrandfield h -3`, want: `["a" "a" "a"]`},
		{cmd: `hrandfield h 5 withvalues`, want: `["a" "1"]`},
		{cmd: `hrandfield h -2 WITHVALUES`, want: `["a" "1" "a" "1"]`},
		{cmd: `hrandfield h 0`, want: `[]`},
		{cmd: `hrandfield h 0 withvalues`, want: `[]`},
		{cmd: `hrandfield nokey 3`, want: `[]`},
		{cmd: `hrandfield nokey -3 withvalues`, want: `[]`},
		{cmd: `hset h b 2 c 3`, want: `:2`},
		{cmd: `hrandfield h 3`, want: `["a" "b" "c"]`, sort: 'S'},
		{cmd: `hrandfield h 10 withvalues`, want: `["a" "1" "b" "2" "c" "3"]`, sort: 'P'},
		{cmd: `hrandfield h x`, want: `-ERR value is not an integer or out of range`},
		{cmd: `hrandfield h 1 withvalue`, want: `-ERR syntax error`},
		{cmd: `hrandfield h 1 withvalues x`, want: `-ERR syntax error`},
		{cmd: `hrandfield h -9223372036854775808`, want: `-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807`},
		{cmd: `hrandfield h -9223372036854775808 bogus`, want: `-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807`},
		{cmd: `hrandfield h 9223372036854775807 withvalues`, want: `-ERR value is out of range`},
		{cmd: `hrandfield h -4611686018427387904 withvalues`, want: `-ERR value is out of range`},
		{cmd: `hrandfield nokey 9223372036854775807 withvalues`, want: `-ERR value is out of range`},
	},
	"resp3": {
		{cmd: `hello 3`, sort: 'I'},
		{cmd: `hset h a 1`, want: `:1`},
		{cmd: `hgetall h`, want: `%{"a" "1"}`},
		{cmd: `hgetall nokey`, want: `%{}`},
		{cmd: `hget nokey a`, want: `_`},
		{cmd: `hmget h a b`, want: `["1" _]`},
		{cmd: `hrandfield nokey`, want: `_`},
		{cmd: `hrandfield h`, want: `"a"`},
		{cmd: `hrandfield h 2`, want: `["a"]`},
		{cmd: `hrandfield h 2 withvalues`, want: `[["a" "1"]]`},
		{cmd: `hrandfield h -2 withvalues`, want: `[["a" "1"] ["a" "1"]]`},
		{cmd: `hrandfield h 0 withvalues`, want: `[]`},
		{cmd: `hrandfield nokey 2 withvalues`, want: `[]`},
		{cmd: `hset h b 2`, want: `:1`},
		{cmd: `hrandfield h 2 withvalues`, want: `[["a" "1"] ["b" "2"]]`, sort: 'S'},
		{cmd: `hgetall h`, want: `%{"a" "1" "b" "2"}`, sort: 'P'},
		{cmd: `hscan h 0`, want: `["0" ["a" "1" "b" "2"]]`, sort: 'C'},
		{cmd: `hincrbyfloat h f 1.25`, want: `"1.25"`},
	},
}

func TestHashScripts(t *testing.T) {
	runScripts(t, hashScripts)
}

var hashCommands = []string{"hset", "hsetnx", "hget", "hmget", "hmset", "hdel", "hexists", "hlen", "hkeys",
	"hvals", "hgetall", "hincrby", "hincrbyfloat", "hstrlen", "hscan", "hrandfield"}

// commandInfoHead returns the part of a COMMAND INFO entry that the table
// defines: name, arity, flags, first key, last key, step, categories.
func commandInfoHead(t *testing.T, c *rawClient, name string) string {
	t.Helper()
	c.send("command", "info", name)
	v, err := c.read(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if v.Type != '*' || len(v.Elems) != 1 || len(v.Elems[0].Elems) < 7 {
		t.Fatalf("COMMAND INFO %s: %s", name, render(v))
	}
	e := v.Elems[0]
	e.Elems = e.Elems[:7]
	return render(e)
}

// commandDocsHead returns summary, since, group and complexity from
// COMMAND DOCS.
func commandDocsHead(t *testing.T, c *rawClient, name string) string {
	t.Helper()
	c.send("command", "docs", name)
	v, err := c.read(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Elems) != 2 || len(v.Elems[1].Elems) < 8 {
		t.Fatalf("COMMAND DOCS %s: %s", name, render(v))
	}
	d := v.Elems[1]
	d.Elems = d.Elems[:8]
	s := render(d)
	// Redis 7.0's HSCAN text ends in "..": a typo we do not copy.
	return strings.ReplaceAll(s, "collection..", "collection.")
}

// checkCommandTable compares the table entries of names with Redis's
// COMMAND INFO and COMMAND DOCS.
func checkCommandTable(t *testing.T, names []string) {
	ts := servertest.New(t)
	addr := startRedis(t)
	us, them := dialRaw(t, ts.Addr), dialRaw(t, addr)
	for _, n := range names {
		if got, want := commandInfoHead(t, us, n), commandInfoHead(t, them, n); got != want {
			t.Errorf("COMMAND INFO %s\n got: %s\nwant: %s", n, got, want)
		}
		if got, want := commandDocsHead(t, us, n), commandDocsHead(t, them, n); got != want {
			t.Errorf("COMMAND DOCS %s\n got: %s\nwant: %s", n, got, want)
		}
	}
}

func TestHashCommandTable(t *testing.T) {
	checkCommandTable(t, hashCommands)
}

// TestHashCommandInfo pins the table without needing Redis.
func TestHashCommandInfo(t *testing.T) {
	ts := servertest.New(t)
	c := dialRaw(t, ts.Addr)
	for _, tc := range []struct{ name, want string }{
		{"hset", `["hset" :-4 [+write +denyoom +fast] :1 :1 :1 [+@write +@hash +@fast]]`},
		{"hdel", `["hdel" :-3 [+write +fast] :1 :1 :1 [+@write +@hash +@fast]]`},
		{"hgetall", `["hgetall" :2 [+readonly] :1 :1 :1 [+@read +@hash +@slow]]`},
		{"hrandfield", `["hrandfield" :-2 [+readonly] :1 :1 :1 [+@read +@hash +@slow]]`},
	} {
		if got := commandInfoHead(t, c, tc.name); got != tc.want {
			t.Errorf("COMMAND INFO %s\n got: %s\nwant: %s", tc.name, got, tc.want)
		}
	}
}

// TestHashScanLarge iterates a hash too big for one call: every field
// present throughout comes back, with MATCH and COUNT, and the cursor
// returns to 0.
func TestHashScanLarge(t *testing.T) {
	ts := servertest.New(t)
	c := dialRaw(t, ts.Addr)
	const n = 1000
	args := []string{"hset", "big"}
	for i := range n {
		args = append(args, fmt.Sprintf("f%d", i), strconv.Itoa(i))
	}
	if got := c.do(args...); got != ":1000" {
		t.Fatal(got)
	}
	for _, tc := range []struct {
		match string
		count string
		want  int
	}{
		{"", "", n}, {"*", "7", n}, {"f1*", "50", 111}, {"f99?", "1000", 10}, {"x*", "10", 0}, {"f99", "3", 1},
	} {
		seen := map[string]bool{}
		cursor := "0"
		calls := 0
		for {
			cmd := []string{"hscan", "big", cursor}
			if tc.match != "" {
				cmd = append(cmd, "match", tc.match)
			}
			if tc.count != "" {
				cmd = append(cmd, "count", tc.count)
			}
			c.send(cmd...)
			v, err := c.read(5 * time.Second)
			if err != nil || len(v.Elems) != 2 {
				t.Fatalf("%q: %s %v", cmd, render(v), err)
			}
			for i := 0; i+1 < len(v.Elems[1].Elems); i += 2 {
				f, val := string(v.Elems[1].Elems[i].Str), string(v.Elems[1].Elems[i+1].Str)
				if "f"+val != f {
					t.Fatalf("field %s has value %s", f, val)
				}
				seen[f] = true
			}
			cursor = string(v.Elems[0].Str)
			calls++
			if cursor == "0" || calls > 2*n {
				break
			}
		}
		if len(seen) != tc.want || cursor != "0" {
			t.Errorf("match %q count %q: %d distinct fields in %d calls, cursor %s; want %d", tc.match, tc.count, len(seen), calls, cursor, tc.want)
		}
		if tc.count == "7" && calls < n/7 {
			t.Errorf("COUNT 7 took only %d calls for %d fields", calls, n)
		}
	}
}

// TestHashRandFieldLarge checks the shapes of HRANDFIELD on a hash bigger
// than the count: distinct fields for a positive count, exactly -count
// for a negative one, values that belong to their fields.
func TestHashRandFieldLarge(t *testing.T) {
	ts := servertest.New(t)
	c := dialRaw(t, ts.Addr)
	args := []string{"hset", "h"}
	for i := range 100 {
		args = append(args, fmt.Sprintf("f%d", i), fmt.Sprintf("v%d", i))
	}
	c.do(args...)
	for _, proto := range []string{"2", "3"} {
		c.do("hello", proto)
		c.send("hrandfield", "h", "30", "withvalues")
		v, _ := c.read(5 * time.Second)
		var pairs [][2]string
		if proto == "2" {
			for i := 0; i+1 < len(v.Elems); i += 2 {
				pairs = append(pairs, [2]string{string(v.Elems[i].Str), string(v.Elems[i+1].Str)})
			}
		} else {
			for _, p := range v.Elems {
				if len(p.Elems) != 2 {
					t.Fatalf("RESP3 pair %s", render(p))
				}
				pairs = append(pairs, [2]string{string(p.Elems[0].Str), string(p.Elems[1].Str)})
			}
		}
		seen := map[string]bool{}
		for _, p := range pairs {
			if "v"+p[0][1:] != p[1] || seen[p[0]] {
				t.Fatalf("proto %s: bad or repeated pair %q in %s", proto, p, render(v))
			}
			seen[p[0]] = true
		}
		if len(seen) != 30 {
			t.Errorf("proto %s: %d distinct fields, want 30", proto, len(seen))
		}
		c.send("hrandfield", "h", "-250")
		v, _ = c.read(5 * time.Second)
		if len(v.Elems) != 250 {
			t.Errorf("proto %s: HRANDFIELD -250 gave %d fields", proto, len(v.Elems))
		}
	}
}

// TestHashInMulti runs hash commands inside MULTI/EXEC: errors found while
// queuing abort the block, errors at run time are per-command replies.
func TestHashInMulti(t *testing.T) {
	runScripts(t, map[string][]scriptStep{"multi": {
		{cmd: `multi`, want: `+OK`},
		{cmd: `hset h a 1 b 2`, want: `+QUEUED`},
		{cmd: `hset h c`, want: `-ERR wrong number of arguments for 'hset' command`},
		{cmd: `exec`, want: `-EXECABORT Transaction discarded because of previous errors.`},
		{cmd: `exists h`, want: `:0`},
		{cmd: `multi`, want: `+OK`},
		{cmd: `hset h a 1 b 2`, want: `+QUEUED`},
		{cmd: `hset h c 3 d`, want: `+QUEUED`},
		{cmd: `hincrby h a x`, want: `+QUEUED`},
		{cmd: `hincrby h a 5`, want: `+QUEUED`},
		{cmd: `set s x`, want: `+QUEUED`},
		{cmd: `hget s a`, want: `+QUEUED`},
		{cmd: `hincrbyfloat h b 0.5`, want: `+QUEUED`},
		{cmd: `hgetall h`, want: `+QUEUED`},
		{cmd: `exec`, want: `[:2 -ERR wrong number of arguments for 'hset' command -ERR value is not an integer or out of range :6 +OK ` +
			wrongType + ` "2.5" ["a" "6" "b" "2.5"]]`},
		{cmd: `hello 3`, sort: 'I'},
		{cmd: `multi`, want: `+OK`},
		{cmd: `hgetall h`, want: `+QUEUED`},
		{cmd: `hlen h`, want: `+QUEUED`},
		{cmd: `hdel h a b`, want: `+QUEUED`},
		{cmd: `exec`, want: `[%{"a" "6" "b" "2.5"} :2 :2]`},
		{cmd: `exists h`, want: `:0`},
	}})
}
