package server_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"rustypotato/server/servertest"
)

var listScripts = map[string][]scriptStep{
	"push and read": {
		{cmd: `lpush l a b c`, want: `:3`},
		{cmd: `rpush l x y`, want: `:5`},
		{cmd: `lrange l 0 -1`, want: `["c" "b" "a" "x" "y"]`},
		{cmd: `lrange l -2 -1`, want: `["x" "y"]`},
		{cmd: `lrange l -100 1`, want: `["c" "b"]`},
		{cmd: `lrange l 3 100`, want: `["x" "y"]`},
		{cmd: `lrange l 4 3`, want: `[]`},
		{cmd: `lrange l 5 10`, want: `[]`},
		{cmd: `lrange l -9223372036854775808 9223372036854775807`, want: `["c" "b" "a" "x" "y"]`},
		{cmd: `lrange nokey 0 -1`, want: `[]`},
		{cmd: `lrange l x 1`, want: `-ERR value is not an integer or out of range`},
		{cmd: `lrange l 0 1.5`, want: `-ERR value is not an integer or out of range`},
		{cmd: `llen l`, want: `:5`},
		{cmd: `llen nokey`, want: `:0`},
		{cmd: `lindex l 0`, want: `"c"`},
		{cmd: `lindex l -1`, want: `"y"`},
		{cmd: `lindex l 5`, want: `(nil)`},
		{cmd: `lindex l -6`, want: `(nil)`},
		{cmd: `lindex nokey 0`, want: `(nil)`},
		{cmd: `lindex l x`, want: `-ERR value is not an integer or out of range`},
		{cmd: `lpushx nokey a`, want: `:0`},
		{cmd: `rpushx nokey a b`, want: `:0`},
		{cmd: `exists nokey`, want: `:0`},
		{cmd: `lpushx l p1 p2`, want: `:7`},
		{cmd: `rpushx l r1`, want: `:8`},
		{cmd: `lrange l 0 -1`, want: `["p2" "p1" "c" "b" "a" "x" "y" "r1"]`},
		{cmd: `type l`, want: `+list`},
		{cmd: `rpush bin "" "\x00\xff\r\n"`, want: `:2`},
		{cmd: `lrange bin 0 -1`, want: `["" "\x00\xff\r\n"]`},
		{cmd: `lpush l`, want: `-ERR wrong number of arguments for 'lpush' command`},
		{cmd: `rpushx l`, want: `-ERR wrong number of arguments for 'rpushx' command`},
	},
	"pop": {
		{cmd: `rpush l a b c d e`, want: `:5`},
		{cmd: `lpop l`, want: `"a"`},
		{cmd: `rpop l`, want: `"e"`},
		{cmd: `lpop l 2`, want: `["b" "c"]`},
		{cmd: `lpop l 0`, want: `[]`},
		{cmd: `rpop l 10`, want: `["d"]`},
		{cmd: `exists l`, want: `:0`},
		{cmd: `lpop l`, want: `(nil)`},
		{cmd: `lpop l 2`, want: `(nilarray)`},
		{cmd: `rpop l 0`, want: `(nilarray)`},
		{cmd: `lpop l -1`, want: `-ERR value is out of range, must be positive`},
		{cmd: `lpop l x`, want: `-ERR value is out of range, must be positive`},
		{cmd: `rpush l a`, want: `:1`},
		{cmd: `lpop l -1`, want: `-ERR value is out of range, must be positive`},
		{cmd: `rpop l 1.5`, want: `-ERR value is out of range, must be positive`},
		{cmd: `lpop l 1 2`, want: `-ERR wrong number of arguments for 'lpop' command`},
		{cmd: `rpop l 9223372036854775807`, want: `["a"]`},
		{cmd: `lpop`, want: `-ERR wrong number of arguments for 'lpop' command`},
	},
	"set insert rem trim": {
		{cmd: `rpush l a b c a b c a`, want: `:7`},
		{cmd: `lset l 0 A`, want: `+OK`},
		{cmd: `lset l -1 Z`, want: `+OK`},
		{cmd: `lset l 7 x`, want: `-ERR index out of range`},
		{cmd: `lset l -8 x`, want: `-ERR index out of range`},
		{cmd: `lset l x x`, want: `-ERR value is not an integer or out of range`},
		{cmd: `lset nokey 0 x`, want: `-ERR no such key`},
		{cmd: `lrange l 0 -1`, want: `["A" "b" "c" "a" "b" "c" "Z"]`},
		{cmd: `linsert l before c c0`, want: `:8`},
		{cmd: `linsert l AFTER c c1`, want: `:9`},
		{cmd: `linsert l before zz x`, want: `:-1`},
		{cmd: `linsert nokey before a x`, want: `:0`},
		{cmd: `linsert l middle a x`, want: `-ERR syntax error`},
		{cmd: `linsert nokey middle a x`, want: `-ERR syntax error`},
		{cmd: `lrange l 0 -1`, want: `["A" "b" "c0" "c" "c1" "a" "b" "c" "Z"]`},
		{cmd: `lrem l 1 b`, want: `:1`},
		{cmd: `lrem l -1 c`, want: `:1`},
		{cmd: `lrem l 0 zz`, want: `:0`},
		{cmd: `lrem nokey 0 a`, want: `:0`},
		{cmd: `lrem l x a`, want: `-ERR value is not an integer or out of range`},
		{cmd: `lrange l 0 -1`, want: `["A" "c0" "c" "c1" "a" "b" "Z"]`},
		{cmd: `ltrim l 1 -2`, want: `+OK`},
		{cmd: `lrange l 0 -1`, want: `["c0" "c" "c1" "a" "b"]`},
		{cmd: `ltrim l 0 100`, want: `+OK`},
		{cmd: `llen l`, want: `:5`},
		{cmd: `ltrim nokey 0 1`, want: `+OK`},
		{cmd: `ltrim l x 1`, want: `-ERR value is not an integer or out of range`},
		{cmd: `ltrim l 3 1`, want: `+OK`},
		{cmd: `exists l`, want: `:0`},
		{cmd: `rpush l a a a`, want: `:3`},
		{cmd: `lrem l 0 a`, want: `:3`},
		{cmd: `exists l`, want: `:0`},
	},
	"lpos": {
		{cmd: `rpush l a b c a b c`, want: `:6`},
		{cmd: `lpos l b`, want: `:1`},
		{cmd: `lpos l b rank 2`, want: `:4`},
		{cmd: `lpos l b rank -1`, want: `:4`},
		{cmd: `lpos l b rank -2`, want: `:1`},
		{cmd: `lpos l b rank 3`, want: `(nil)`},
		{cmd: `lpos l zz`, want: `(nil)`},
		{cmd: `lpos nokey a`, want: `(nil)`},
		{cmd: `lpos nokey a count 0`, want: `[]`},
		{cmd: `lpos l a count 0`, want: `[:0 :3]`},
		{cmd: `lpos l a count 1`, want: `[:0]`},
		{cmd: `lpos l a count 0 rank -1`, want: `[:3 :0]`},
		{cmd: `lpos l zz count 0`, want: `[]`},
		{cmd: `lpos l c maxlen 3`, want: `:2`},
		{cmd: `lpos l c maxlen 2`, want: `(nil)`},
		{cmd: `lpos l a rank -1 maxlen 2`, want: `(nil)`},
		{cmd: `lpos l a RANK -9223372036854775808`, want: `:3`},
		{cmd: `lpos l a rank 0`, want: `-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list`},
		{cmd: `lpos l a rank x`, want: `-ERR value is not an integer or out of range`},
		{cmd: `lpos l a count -1`, want: `-ERR COUNT can't be negative`},
		{cmd: `lpos l a count x`, want: `-ERR COUNT can't be negative`},
		{cmd: `lpos l a maxlen -1`, want: `-ERR MAXLEN can't be negative`},
		{cmd: `lpos l a count`, want: `-ERR syntax error`},
		{cmd: `lpos l a bogus 1`, want: `-ERR syntax error`},
		{cmd: `lpos nokey a rank 0`, want: `-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list`},
	},
	"move": {
		{cmd: `rpush src 1 2 3`, want: `:3`},
		{cmd: `lmove src dst left right`, want: `"1"`},
		{cmd: `lmove src dst RIGHT LEFT`, want: `"3"`},
		{cmd: `lrange dst 0 -1`, want: `["3" "1"]`},
		{cmd: `rpoplpush src dst`, want: `"2"`},
		{cmd: `exists src`, want: `:0`},
		{cmd: `rpoplpush src dst`, want: `(nil)`},
		{cmd: `lmove src dst left left`, want: `(nil)`},
		{cmd: `lmove dst dst left right`, want: `"2"`},
		{cmd: `lrange dst 0 -1`, want: `["3" "1" "2"]`},
		{cmd: `lmove dst dst up left`, want: `-ERR syntax error`},
		{cmd: `lmove dst dst left down`, want: `-ERR syntax error`},
		{cmd: `set s x`, want: `+OK`},
		{cmd: `lmove dst s left left`, want: wrongType},
		{cmd: `rpoplpush s dst`, want: wrongType},
		{cmd: `llen dst`, want: `:3`},
		{cmd: `lmove nokey s left left`, want: `(nil)`},
	},
	"lmpop": {
		{cmd: `rpush a 1 2 3`, want: `:3`},
		{cmd: `rpush b x`, want: `:1`},
		{cmd: `lmpop 2 nokey a left`, want: `["a" ["1"]]`},
		{cmd: `lmpop 2 nokey a right count 5`, want: `["a" ["3" "2"]]`},
		{cmd: `lmpop 2 a b LEFT COUNT 2`, want: `["b" ["x"]]`},
		{cmd: `lmpop 1 a left`, want: `(nilarray)`},
		{cmd: `lmpop 0 a left`, want: `-ERR numkeys should be greater than 0`},
		{cmd: `lmpop -1 a left`, want: `-ERR numkeys should be greater than 0`},
		{cmd: `lmpop x a left`, want: `-ERR numkeys should be greater than 0`},
		{cmd: `lmpop 9223372036854775808 a left`, want: `-ERR numkeys should be greater than 0`},
		{cmd: `lmpop 2 a left`, want: `-ERR syntax error`},
		{cmd: `lmpop 3 a left`, want: `-ERR syntax error`},
		{cmd: `lmpop 2147483648 a left`, want: `-ERR syntax error`},
		{cmd: `lmpop 1 a middle`, want: `-ERR syntax error`},
		{cmd: `lmpop 1 a left count 0`, want: `-ERR count should be greater than 0`},
		{cmd: `lmpop 1 a left count -1`, want: `-ERR count should be greater than 0`},
		{cmd: `lmpop 1 a left count x`, want: `-ERR count should be greater than 0`},
		{cmd: `lmpop 1 a left count`, want: `-ERR syntax error`},
		{cmd: `lmpop 1 a left foo 1`, want: `-ERR syntax error`},
		{cmd: `lmpop 1 a left count 1 count 2`, want: `-ERR syntax error`},
		{cmd: `lmpop 1 a left count 9223372036854775807`, want: `(nilarray)`},
		{cmd: `lmpop 1 a`, want: `-ERR wrong number of arguments for 'lmpop' command`},
		{cmd: `set s x`, want: `+OK`},
		{cmd: `rpush c 1`, want: `:1`},
		{cmd: `lmpop 2 s c left`, want: wrongType},
		{cmd: `lmpop 2 c s left`, want: `["c" ["1"]]`},
		{cmd: `command getkeys lmpop 2 a b left`, want: `["a" "b"]`},
		{cmd: `command getkeys lmpop 2 a b`, want: `["a" "b"]`},
		{cmd: `command getkeys blmpop 0 2 a b left`, want: `["a" "b"]`},
		{cmd: `command getkeys blpop a b 0`, want: `["a" "b"]`},
		{cmd: `command getkeys brpoplpush a b 0`, want: `["a" "b"]`},
		{cmd: `command getkeys lmpop 0 a b left`, want: `-ERR Invalid arguments specified for command`},
		{cmd: `command getkeys lmpop 5 a b left`, want: `-ERR Invalid arguments specified for command`},
	},
	"wrongtype": {
		{cmd: `set s x`, want: `+OK`},
		{cmd: `hset h f v`, want: `:1`},
		{cmd: `lpush s a`, want: wrongType},
		{cmd: `rpush h a`, want: wrongType},
		{cmd: `lpushx s a`, want: wrongType},
		{cmd: `rpushx s a`, want: wrongType},
		{cmd: `lpop s`, want: wrongType},
		{cmd: `rpop s 2`, want: wrongType},
		{cmd: `llen s`, want: wrongType},
		{cmd: `lindex s 0`, want: wrongType},
		{cmd: `lrange s 0 -1`, want: wrongType},
		{cmd: `lset s 0 x`, want: wrongType},
		{cmd: `linsert s before a b`, want: wrongType},
		{cmd: `lrem s 0 a`, want: wrongType},
		{cmd: `ltrim s 0 1`, want: wrongType},
		{cmd: `lpos s a`, want: wrongType},
		{cmd: `lpos s a count 0`, want: wrongType},
		{cmd: `blpop s 0`, want: wrongType},
		{cmd: `brpop nokey s 0`, want: wrongType},
		{cmd: `blmove s d left left 0`, want: wrongType},
		{cmd: `brpoplpush s d 0`, want: wrongType},
		{cmd: `blmpop 0 1 s left`, want: wrongType},
		{cmd: `rpush l a`, want: `:1`},
		{cmd: `hget l a`, want: wrongType},
		{cmd: `get l`, want: wrongType},
		{cmd: `incr l`, want: wrongType},
	},
	"blocking ready": {
		{cmd: `rpush a 1 2 3`, want: `:3`},
		{cmd: `blpop nokey a 0`, want: `["a" "1"]`},
		{cmd: `brpop nokey a 1.5`, want: `["a" "3"]`},
		{cmd: `blmove a d left right 0`, want: `"2"`},
		{cmd: `brpoplpush d a 0`, want: `"2"`},
		{cmd: `blmpop 0 2 nokey a right count 3`, want: `["a" ["2"]]`},
		{cmd: `exists a`, want: `:0`},
		{cmd: `rpush a x`, want: `:1`},
		{cmd: `blpop a 0x10`, want: `["a" "x"]`},
		{cmd: `rpush a y`, want: `:1`},
		{cmd: `blpop a 9223372036854775.807`, want: `["a" "y"]`},
	},
	"blocking errors": {
		{cmd: `blpop l x`, want: `-ERR timeout is not a float or out of range`},
		{cmd: `blpop l ""`, want: `-ERR timeout is not a float or out of range`},
		{cmd: `blpop l " 1"`, want: `-ERR timeout is not a float or out of range`},
		{cmd: `blpop l nan`, want: `-ERR timeout is not a float or out of range`},
		{cmd: `blpop l -1`, want: `-ERR timeout is negative`},
		{cmd: `blpop l -0.5`, want: `-ERR timeout is negative`},
		{cmd: `blpop l inf`, want: `-ERR timeout is negative`},
		{cmd: `blpop l 1e20`, want: `-ERR timeout is negative`},
		{cmd: `blpop l 9223372036854775807`, want: `-ERR timeout is negative`},
		{cmd: `brpop l -1`, want: `-ERR timeout is negative`},
		{cmd: `blmove l d left middle 0`, want: `-ERR syntax error`},
		{cmd: `blmove l d left left -1`, want: `-ERR timeout is negative`},
		{cmd: `blmove l d left left x`, want: `-ERR timeout is not a float or out of range`},
		{cmd: `brpoplpush l d -1`, want: `-ERR timeout is negative`},
		{cmd: `blmpop -1 1 l left`, want: `-ERR timeout is negative`},
		{cmd: `blmpop x 1 l left`, want: `-ERR timeout is not a float or out of range`},
		{cmd: `blmpop 0.01 0 l left`, want: `-ERR numkeys should be greater than 0`},
		{cmd: `blmpop x 0 l left`, want: `-ERR numkeys should be greater than 0`},
		{cmd: `blmpop -1 1 l middle`, want: `-ERR syntax error`},
		{cmd: `blmpop -1 1 l left count 0`, want: `-ERR count should be greater than 0`},
		{cmd: `blmpop 0 2 a b`, want: `-ERR syntax error`},
		{cmd: `blpop l`, want: `-ERR wrong number of arguments for 'blpop' command`},
		{cmd: `blmpop 0 1 l`, want: `-ERR wrong number of arguments for 'blmpop' command`},
		{cmd: `blmove l d left left`, want: `-ERR wrong number of arguments for 'blmove' command`},
	},
	"blocking timeout": {
		{cmd: `blpop nokey 0.01`, want: `(nilarray)`},
		{cmd: `brpop nokey other 0.0001`, want: `(nilarray)`},
		{cmd: `blmove nokey d left right 0.01`, want: `(nilarray)`},
		{cmd: `brpoplpush nokey d 0.01`, want: `(nilarray)`},
		{cmd: `blmpop 0.01 1 nokey left`, want: `(nilarray)`},
		{cmd: `exists d`, want: `:0`},
		{cmd: `hello 3`, sort: 'I'},
		{cmd: `blpop nokey 0.01`, want: `_`},
		{cmd: `blmove nokey d left right 0.01`, want: `_`},
		{cmd: `blmpop 0.01 1 nokey left`, want: `_`},
	},
	"blocking in multi": {
		{cmd: `multi`, want: `+OK`},
		{cmd: `blpop nokey 0`, want: `+QUEUED`},
		{cmd: `brpop nokey 1`, want: `+QUEUED`},
		{cmd: `blmove nokey d left right 0`, want: `+QUEUED`},
		{cmd: `brpoplpush nokey d 0`, want: `+QUEUED`},
		{cmd: `blmpop 0 1 nokey left`, want: `+QUEUED`},
		{cmd: `blpop nokey -1`, want: `+QUEUED`},
		{cmd: `blpop nokey x`, want: `+QUEUED`},
		{cmd: `blmpop 0 0 nokey left`, want: `+QUEUED`},
		{cmd: `rpush l a b c`, want: `+QUEUED`},
		{cmd: `blpop nokey l 0`, want: `+QUEUED`},
		{cmd: `blmove l d right left 0`, want: `+QUEUED`},
		{cmd: `blmpop 0 1 l left count 5`, want: `+QUEUED`},
		{cmd: `exec`, want: `[(nilarray) (nilarray) (nil) (nil) (nilarray) -ERR timeout is negative ` +
			`-ERR timeout is not a float or out of range -ERR numkeys should be greater than 0 :3 ["l" "a"] "c" ["l" ["b"]]]`},
		{cmd: `exists l`, want: `:0`},
		{cmd: `lrange d 0 -1`, want: `["c"]`},
		{cmd: `hello 3`, sort: 'I'},
		{cmd: `multi`, want: `+OK`},
		{cmd: `blpop nokey 0`, want: `+QUEUED`},
		{cmd: `blmove nokey d left right 0`, want: `+QUEUED`},
		{cmd: `blmpop 0 1 nokey left`, want: `+QUEUED`},
		{cmd: `exec`, want: `[_ _ _]`},
	},
	"resp3": {
		{cmd: `hello 3`, sort: 'I'},
		{cmd: `lpop nokey`, want: `_`},
		{cmd: `lpop nokey 2`, want: `_`},
		{cmd: `lmpop 1 nokey left`, want: `_`},
		{cmd: `lindex nokey 0`, want: `_`},
		{cmd: `lpos nokey a`, want: `_`},
		{cmd: `rpoplpush nokey d`, want: `_`},
		{cmd: `rpush l a b`, want: `:2`},
		{cmd: `lmpop 1 l left count 5`, want: `["l" ["a" "b"]]`},
		{cmd: `rpush l a b`, want: `:2`},
		{cmd: `blpop l 0`, want: `["l" "a"]`},
		{cmd: `lpos l b count 0`, want: `[:0]`},
		{cmd: `lrange l 0 -1`, want: `["b"]`},
	},
}

func TestListScripts(t *testing.T) {
	runScripts(t, listScripts)
}

var listCommands = []string{"lpush", "rpush", "lpushx", "rpushx", "lpop", "rpop", "llen", "lindex", "lrange", "lset",
	"linsert", "lrem", "ltrim", "lpos", "rpoplpush", "lmove", "lmpop", "blpop", "brpop", "brpoplpush", "blmove", "blmpop"}

func TestListCommandTable(t *testing.T) {
	checkCommandTable(t, listCommands)
}

// TestListCommandInfo pins the table without needing Redis.
func TestListCommandInfo(t *testing.T) {
	ts := servertest.New(t)
	c := dialRaw(t, ts.Addr)
	for _, tc := range []struct{ name, want string }{
		{"lpush", `["lpush" :-3 [+write +denyoom +fast] :1 :1 :1 [+@write +@list +@fast]]`},
		{"lmpop", `["lmpop" :-4 [+write +movablekeys] :0 :0 :0 [+@write +@list +@slow]]`},
		{"blpop", `["blpop" :-3 [+write +noscript +blocking] :1 :-2 :1 [+@write +@list +@slow +@blocking]]`},
		{"blmove", `["blmove" :6 [+write +denyoom +noscript +blocking] :1 :2 :1 [+@write +@list +@slow +@blocking]]`},
		{"blmpop", `["blmpop" :-5 [+write +blocking +movablekeys] :0 :0 :0 [+@write +@list +@slow +@blocking]]`},
	} {
		if got := commandInfoHead(t, c, tc.name); got != tc.want {
			t.Errorf("COMMAND INFO %s\n got: %s\nwant: %s", tc.name, got, tc.want)
		}
	}
}

// blockingCase is a blocking command, the push that wakes it and the
// reply the blocked client then gets.
type blockingCase struct {
	name  string
	block []string
	push  []string
	want  string
	after [][2]string // command, reply: the state once served
}

var blockingCases = []blockingCase{
	{"blpop", []string{"blpop", "q1", "q2", "0"}, []string{"rpush", "q2", "a", "b"}, `["q2" "a"]`,
		[][2]string{{"lrange q2 0 -1", `["b"]`}}},
	{"brpop", []string{"brpop", "q1", "5"}, []string{"rpush", "q1", "a", "b"}, `["q1" "b"]`,
		[][2]string{{"lrange q1 0 -1", `["a"]`}}},
	{"blmove", []string{"blmove", "src", "dst", "left", "left", "0"}, []string{"rpush", "src", "a", "b"}, `"a"`,
		[][2]string{{"lrange src 0 -1", `["b"]`}, {"lrange dst 0 -1", `["a"]`}}},
	{"brpoplpush", []string{"brpoplpush", "src", "dst", "0"}, []string{"lpush", "src", "a"}, `"a"`,
		[][2]string{{"exists src", `:0`}, {"lrange dst 0 -1", `["a"]`}}},
	{"blmpop", []string{"blmpop", "0", "2", "q1", "q2", "right", "count", "2"}, []string{"rpush", "q2", "a", "b", "c"}, `["q2" ["c" "b"]]`,
		[][2]string{{"lrange q2 0 -1", `["a"]`}}},
	// A push inside MULTI wakes the waiter when EXEC commits.
	{"blpop after exec", []string{"blpop", "q", "0"}, nil, `["q" "m1"]`,
		[][2]string{{"lrange q 0 -1", `["m2"]`}}},
}

// TestListBlockingWakeup blocks a raw client, wakes it with a push from
// another connection, and checks the reply and the lists, in RESP2 and
// RESP3, against us and against real Redis.
func TestListBlockingWakeup(t *testing.T) {
	run := func(t *testing.T, addr string) {
		for _, proto := range []string{"2", "3"} {
			for _, bc := range blockingCases {
				t.Run(bc.name+"/RESP"+proto, func(t *testing.T) {
					blocked, pusher := dialRaw(t, addr), dialRaw(t, addr)
					pusher.do("flushall")
					blocked.do("hello", proto)
					blocked.send(bc.block...)
					waitForCmd(t, pusher, bc.block[0])
					if bc.push == nil {
						pusher.do("multi")
						pusher.do("rpush", "q", "m1", "m2")
						if got := pusher.do("exec"); got != `[:2]` {
							t.Fatalf("EXEC: %s", got)
						}
					} else {
						pusher.do(bc.push...)
					}
					v, err := blocked.read(5 * time.Second)
					if err != nil {
						t.Fatalf("blocked client: %v", err)
					}
					if got := render(v); got != bc.want {
						t.Errorf("woken %s: got %s, want %s", bc.name, got, bc.want)
					}
					for _, a := range bc.after {
						if got := pusher.do(strings.Fields(a[0])...); got != a[1] {
							t.Errorf("%s: got %s, want %s", a[0], got, a[1])
						}
					}
					// The connection works normally afterwards.
					if got := blocked.do("ping"); got != "+PONG" {
						t.Errorf("PING after wakeup: %s", got)
					}
				})
			}
		}
	}
	t.Run("potato", func(t *testing.T) { run(t, servertest.New(t).Addr) })
	t.Run("redis", func(t *testing.T) { run(t, startRedis(t)) })
}

// waitForCmd waits until some client is running cmd, by CLIENT LIST,
// then a little more so that it has registered as a waiter.
func waitForCmd(t *testing.T, c *rawClient, cmd string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.send("client", "list")
		v, err := c.read(5 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(v.Str), "cmd="+cmd+" ") {
			time.Sleep(30 * time.Millisecond)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no client blocked in %s:\n%s", cmd, v.Str)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestListBlockingFIFO checks that waiters are served in the order they
// blocked, one element each, and that an element nobody waits for stays.
func TestListBlockingFIFO(t *testing.T) {
	ts := servertest.New(t)
	pusher := dialRaw(t, ts.Addr)
	const n = 5
	clients := make([]*rawClient, n)
	for i := range clients {
		clients[i] = dialRaw(t, ts.Addr)
		clients[i].send("blpop", "fifo", "0")
		waitForCount(t, pusher, "blpop", i+1)
	}
	args := []string{"rpush", "fifo"}
	for i := range n + 1 {
		args = append(args, fmt.Sprint("e", i))
	}
	if got := pusher.do(args...); got != fmt.Sprintf(":%d", n+1) {
		t.Fatalf("RPUSH: %s", got)
	}
	for i, c := range clients {
		v, err := c.read(5 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := render(v), fmt.Sprintf(`["fifo" "e%d"]`, i); got != want {
			t.Errorf("client %d got %s, want %s", i, got, want)
		}
	}
	if got := pusher.do("lrange", "fifo", "0", "-1"); got != fmt.Sprintf(`["e%d"]`, n) {
		t.Errorf("left in the list: %s", got)
	}
}

func waitForCount(t *testing.T, c *rawClient, cmd string, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.send("client", "list")
		v, err := c.read(5 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Count(string(v.Str), "cmd="+cmd+" ") >= n {
			time.Sleep(30 * time.Millisecond)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("fewer than %d clients blocked in %s:\n%s", n, cmd, v.Str)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestListBlockingPipelined sends commands behind a blocking one in the
// same write: they run after it is served, in order, and the replies
// queued before it are not held back while it blocks.
func TestListBlockingPipelined(t *testing.T) {
	ts := servertest.New(t)
	c, pusher := dialRaw(t, ts.Addr), dialRaw(t, ts.Addr)
	if _, err := c.nc.Write([]byte("*1\r\n$4\r\nPING\r\n*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n*2\r\n$4\r\nLLEN\r\n$1\r\nq\r\n")); err != nil {
		t.Fatal(err)
	}
	v, err := c.read(5 * time.Second)
	if err != nil || render(v) != "+PONG" {
		t.Fatalf("PING before BLPOP was held back: %s %v", render(v), err)
	}
	waitForCmd(t, pusher, "blpop")
	pusher.do("rpush", "q", "a", "b")
	for _, want := range []string{`["q" "a"]`, `:1`} {
		v, err := c.read(5 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if got := render(v); got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
}

// TestListBlockingShutdown checks that a graceful Shutdown does not wait
// for a client blocked with no timeout.
func TestListBlockingShutdown(t *testing.T) {
	ts := servertest.New(t)
	c, admin := dialRaw(t, ts.Addr), dialRaw(t, ts.Addr)
	c.send("blpop", "q", "0")
	waitForCmd(t, admin, "blpop")
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		done <- ts.Server.Shutdown(ctx)
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Shutdown waited for a blocked client")
	}
	if _, err := c.read(2 * time.Second); err == nil {
		t.Error("the blocked client got a reply instead of being disconnected")
	}
}

// TestListBlockingConcurrent races pushers against blocked poppers: every
// element pushed is popped exactly once, by a waiter or left in the list.
func TestListBlockingConcurrent(t *testing.T) {
	ts := servertest.New(t)
	const poppers, pushes = 4, 200
	var wg sync.WaitGroup
	got := make(chan string, pushes)
	for range poppers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := dialRaw(t, ts.Addr)
			for {
				c.send("brpop", "cq1", "cq2", "0.5")
				v, err := c.read(5 * time.Second)
				if err != nil {
					t.Error(err)
					return
				}
				if v.Null {
					return
				}
				got <- string(v.Elems[1].Str)
			}
		}()
	}
	pusher := dialRaw(t, ts.Addr)
	for i := range pushes {
		key := "cq1"
		if i%2 == 1 {
			key = "cq2"
		}
		pusher.do("lpush", key, fmt.Sprint(i))
	}
	wg.Wait()
	close(got)
	seen := map[string]bool{}
	for v := range got {
		if seen[v] {
			t.Fatalf("element %s popped twice", v)
		}
		seen[v] = true
	}
	left := pusher.do("llen", "cq1") + pusher.do("llen", "cq2")
	if len(seen) != pushes {
		t.Errorf("%d elements popped of %d (left: %s)", len(seen), pushes, left)
	}
}

// TestListBlockingSelectedDB checks that a waiter is served from the
// database it selected, not from another one with the same key.
func TestListBlockingSelectedDB(t *testing.T) {
	run := func(t *testing.T, addr string) {
		blocked, pusher := dialRaw(t, addr), dialRaw(t, addr)
		pusher.do("flushall")
		if got := blocked.do("select", "3"); got != "+OK" {
			t.Fatal(got)
		}
		blocked.send("blpop", "q", "0")
		waitForCmd(t, pusher, "blpop")
		pusher.do("rpush", "q", "db0")
		if got := pusher.do("llen", "q"); got != ":1" {
			t.Fatalf("a push to another database was taken: LLEN %s", got)
		}
		pusher.do("select", "3")
		pusher.do("rpush", "q", "db3")
		v, err := blocked.read(5 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if got := render(v); got != `["q" "db3"]` {
			t.Errorf("got %s", got)
		}
		pusher.do("select", "0")
		if got := pusher.do("lrange", "q", "0", "-1"); got != `["db0"]` {
			t.Errorf("db 0 list: %s", got)
		}
	}
	t.Run("potato", func(t *testing.T) { run(t, servertest.New(t).Addr) })
	t.Run("redis", func(t *testing.T) { run(t, startRedis(t)) })
}
