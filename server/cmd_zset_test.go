package server_test

import (
	"strings"
	"testing"
	"time"

	"rustypotato/server/servertest"
)

// zsetScripts are sorted-set command scripts with Redis 7.0.15's replies
// (run against both servers by runScripts).
var zsetScripts = map[string][]scriptStep{
	"add and read": {
		{cmd: `zadd z 1 a 2 b 3 c`, want: `:3`},
		{cmd: `zadd z xx ch 5 a 9 x`, want: `:1`},
		{cmd: `zadd z nx 0 a 4 d`, want: `:1`},
		{cmd: `zadd z gt ch 1 b 6 c`, want: `:1`},
		{cmd: `zadd z incr 1.5 d`, want: `"5.5"`},
		{cmd: `zadd z lt incr 1 d`, want: `(nil)`},
		{cmd: `zrange z 0 -1 withscores`, want: `["b" "2" "a" "5" "d" "5.5" "c" "6"]`},
		{cmd: `zscore z d`, want: `"5.5"`},
		{cmd: `zmscore z a nope`, want: `["5" (nil)]`},
		{cmd: `zincrby z 0.1 b`, want: `"2.1000000000000001"`},
		{cmd: `zrank z c`, want: `:3`},
		{cmd: `zrevrank z c`, want: `:0`},
		{cmd: `zrank z nope`, want: `(nil)`},
		{cmd: `zcard z`, want: `:4`},
		{cmd: `zcount z (2.1 +inf`, want: `:3`},
		{cmd: `zadd z nx xx 1 a`, want: `-ERR XX and NX options at the same time are not compatible`},
		{cmd: `zadd z gt lt 1 a`, want: `-ERR GT, LT, and/or NX options at the same time are not compatible`},
		{cmd: `zadd z incr 1 a 2 b`, want: `-ERR INCR option supports a single increment-element pair`},
		{cmd: `zadd z 1 a 2`, want: `-ERR syntax error`},
		{cmd: `zadd z nan a`, want: `-ERR value is not a valid float`},
		{cmd: `zadd inf +inf a`, want: `:1`},
		{cmd: `zincrby inf -inf a`, want: `-ERR resulting score is not a number (NaN)`},
		{cmd: `zscore inf a`, want: `"inf"`},
	},
	"ranges": {
		{cmd: `zadd z 1 a 2 b 3 c 4 d 5 e`, want: `:5`},
		{cmd: `zrange z (1 3 byscore limit 1 5 withscores`, want: `["c" "3"]`},
		{cmd: `zrange z 5 (2 byscore rev limit 0 2`, want: `["e" "d"]`},
		{cmd: `zrevrange z 0 1 withscores`, want: `["e" "5" "d" "4"]`},
		{cmd: `zrangebyscore z -inf +inf limit 3 -1`, want: `["d" "e"]`},
		{cmd: `zrevrangebyscore z +inf 4`, want: `["e" "d"]`},
		{cmd: `zrange z 0 1 limit 0 1`, want: `-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX`},
		{cmd: `zrange z a b bylex`, want: `-ERR min or max not valid string range item`},
		{cmd: `zrange z x 1 byscore`, want: `-ERR min or max is not a float`},
		{cmd: `zadd l 0 a 0 b 0 c 0 d`, want: `:4`},
		{cmd: `zrangebylex l [b (d`, want: `["b" "c"]`},
		{cmd: `zrevrangebylex l + (b limit 1 1`, want: `["c"]`},
		{cmd: `zlexcount l - +`, want: `:4`},
		{cmd: `zrange l [a [c bylex withscores`, want: `-ERR syntax error, WITHSCORES not supported in combination with BYLEX`},
		{cmd: `zrangestore dst z 1 3`, want: `:3`},
		{cmd: `zrange dst 0 -1`, want: `["b" "c" "d"]`},
		{cmd: `zrangestore dst z 10 20`, want: `:0`},
		{cmd: `exists dst`, want: `:0`},
		{cmd: `zremrangebyscore z (4 +inf`, want: `:1`},
		{cmd: `zremrangebyrank z 0 0`, want: `:1`},
		{cmd: `zremrangebylex l - [b`, want: `:2`},
		{cmd: `zrange z 0 -1`, want: `["b" "c" "d"]`},
	},
	"pops": {
		{cmd: `zadd z 1 a 2 b 3 c`, want: `:3`},
		{cmd: `zpopmin z`, want: `["a" "1"]`},
		{cmd: `zpopmax z 5`, want: `["c" "3" "b" "2"]`},
		{cmd: `exists z`, want: `:0`},
		{cmd: `zpopmin z -1`, want: `-ERR value is out of range, must be positive`},
		{cmd: `zadd z 1 a 2 b`, want: `:2`},
		{cmd: `zmpop 2 none z max count 5`, want: `["z" [["b" "2"] ["a" "1"]]]`},
		{cmd: `zmpop 1 z min`, want: `(nilarray)`},
		{cmd: `zmpop 0 z min`, want: `-ERR numkeys should be greater than 0`},
		{cmd: `bzpopmin none 0.01`, want: `(nilarray)`},
		{cmd: `hello 3`, sort: 'I'},
		{cmd: `zadd z 1 a 2 b`, want: `:2`},
		{cmd: `zpopmin z 1`, want: `[["a" ,1]]`},
		{cmd: `zpopmin z`, want: `["b" ,2]`},
		{cmd: `zadd z 1 a 2 b`, want: `:2`},
		{cmd: `zrange z 0 -1 withscores`, want: `[["a" ,1] ["b" ,2]]`},
		{cmd: `zscore z a`, want: `,1`},
		{cmd: `zmscore z a x`, want: `[,1 _]`},
	},
	"algebra": {
		{cmd: `zadd a 1 x 2 y 3 z`, want: `:3`},
		{cmd: `zadd b 10 y 20 z 30 w`, want: `:3`},
		{cmd: `zunion 2 a b weights 2 1 withscores`, want: `["x" "2" "y" "14" "z" "26" "w" "30"]`},
		{cmd: `zinter 2 a b aggregate max withscores`, want: `["y" "10" "z" "20"]`},
		{cmd: `zdiff 2 a b withscores`, want: `["x" "1"]`},
		{cmd: `zintercard 2 a b limit 1`, want: `:1`},
		{cmd: `zunionstore d 2 a b aggregate min`, want: `:4`},
		{cmd: `zrange d 0 -1 withscores`, want: `["x" "1" "y" "2" "z" "3" "w" "30"]`},
		{cmd: `zinterstore d 2 a nope`, want: `:0`},
		{cmd: `exists d`, want: `:0`},
		{cmd: `zdiffstore d 1 b`, want: `:3`},
		{cmd: `zunion 0 a`, want: `-ERR at least 1 input key is needed for 'zunion' command`},
		{cmd: `zunion 2 a b weights 1 x`, want: `-ERR weight value is not a float`},
		{cmd: `zinter 2 a b aggregate avg`, want: `-ERR syntax error`},
		{cmd: `set s x`, want: `+OK`},
		{cmd: `zunion 2 a s foo`, want: `-WRONGTYPE Operation against a key holding the wrong kind of value`},
		{cmd: `zintercard 1 a limit -1`, want: `-ERR LIMIT can't be negative`},
	},
	"keys and encodings": {
		{cmd: `zadd z 1 a 2 b`, want: `:2`},
		{cmd: `type z`, want: `+zset`},
		{cmd: `object encoding z`, want: `"listpack"`},
		{cmd: `zadd z 3 ` + strings.Repeat("m", 65), want: `:1`},
		{cmd: `object encoding z`, want: `"skiplist"`},
		{cmd: `copy z z2`, want: `:1`},
		{cmd: `rename z2 z3`, want: `+OK`},
		{cmd: `move z3 1`, want: `:1`},
		{cmd: `select 1`, want: `+OK`},
		{cmd: `zrange z3 0 1 withscores`, want: `["a" "1" "b" "2"]`},
		{cmd: `select 0`, want: `+OK`},
		{cmd: `config set zset-max-ziplist-entries 1`, want: `+OK`},
		{cmd: `config get zset-max-listpack-entries`, want: `["zset-max-listpack-entries" "128"]`, sort: 'I'},
		{cmd: `zadd y 1 a 2 b`, want: `:2`},
		{cmd: `object encoding y`, want: `"skiplist"`},
		{cmd: `config set zset-max-listpack-entries 128`, want: `+OK`},
		{cmd: `zrem y a b`, want: `:2`},
		{cmd: `exists y`, want: `:0`},
		{cmd: `zscan z 0`, want: `["0" ["a" "1" "b" "2" "mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm" "3"]]`, sort: 'C'},
		{cmd: `zrandmember nope`, want: `(nil)`},
		{cmd: `zrandmember z 5 withscores`, want: `["a" "1" "b" "2" "mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm" "3"]`, sort: 'P'},
	},
}

func TestZSetScripts(t *testing.T) { runScripts(t, zsetScripts) }

var zsetCommands = []string{"zadd", "zincrby", "zrem", "zremrangebyscore", "zremrangebyrank", "zremrangebylex",
	"zunionstore", "zinterstore", "zdiffstore", "zunion", "zinter", "zintercard", "zdiff", "zrange", "zrangestore",
	"zrangebyscore", "zrevrangebyscore", "zrangebylex", "zrevrangebylex", "zcount", "zlexcount", "zrevrange", "zcard",
	"zscore", "zmscore", "zrank", "zrevrank", "zpopmin", "zpopmax", "bzpopmin", "bzpopmax", "zmpop", "bzmpop",
	"zrandmember", "zscan"}

func TestZSetCommandTable(t *testing.T) { checkCommandTable(t, zsetCommands) }

// TestZSetBlockingWakeup blocks BZPOPMIN/BZPOPMAX/BZMPOP and wakes them
// with a ZADD from another connection, against us and real Redis.
func TestZSetBlockingWakeup(t *testing.T) {
	cases := []blockingCase{
		{"bzpopmin", []string{"bzpopmin", "q1", "q2", "0"}, []string{"zadd", "q2", "1", "a", "2", "b"}, `["q2" "a" "1"]`,
			[][2]string{{"zrange q2 0 -1", `["b"]`}}},
		{"bzpopmax", []string{"bzpopmax", "q1", "5"}, []string{"zadd", "q1", "1", "a", "2", "b"}, `["q1" "b" "2"]`,
			[][2]string{{"zcard q1", `:1`}}},
		{"bzmpop", []string{"bzmpop", "0", "2", "q1", "q2", "min", "count", "5"}, []string{"zadd", "q2", "1", "a", "2", "b"},
			`["q2" [["a" "1"] ["b" "2"]]]`, [][2]string{{"exists q2", `:0`}}},
	}
	run := func(t *testing.T, addr string) {
		for _, bc := range cases {
			t.Run(bc.name, func(t *testing.T) {
				blocked, pusher := dialRaw(t, addr), dialRaw(t, addr)
				pusher.do("flushall")
				blocked.send(bc.block...)
				waitForCmd(t, pusher, bc.block[0])
				pusher.do(bc.push...)
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
			})
		}
	}
	t.Run("potato", func(t *testing.T) { run(t, servertest.New(t).Addr) })
	t.Run("redis", func(t *testing.T) { run(t, startRedis(t)) })
}

// TestZSetKeyspaceEvents checks the events of the family, as Redis
// publishes them.
func TestZSetKeyspaceEvents(t *testing.T) {
	run := func(t *testing.T, addr string) {
		c, sub := dialRaw(t, addr), dialRaw(t, addr)
		c.do("flushall")
		c.do("config", "set", "notify-keyspace-events", "KEA")
		sub.do("psubscribe", "__keyevent@0__:*")
		for _, cmd := range [][]string{
			{"zadd", "z", "1", "a", "2", "b", "3", "c"},
			{"zadd", "z", "nx", "1", "a"}, // no change: no event
			{"zincrby", "z", "1", "a"},
			{"zrem", "z", "a"},
			{"zremrangebyscore", "z", "3", "3"},
			{"zpopmin", "z"},
		} {
			c.do(cmd...)
		}
		var got []string
		for i := 0; i < 6; i++ {
			v, err := sub.read(5 * time.Second)
			if err != nil {
				t.Fatalf("event %d: %v (got %v)", i, err, got)
			}
			ev := render(v.Elems[2])
			got = append(got, strings.TrimPrefix(strings.Trim(ev, `"`), "__keyevent@0__:"))
		}
		want := "zadd zincr zrem zremrangebyscore zpopmin del"
		if strings.Join(got, " ") != want {
			t.Errorf("events %v, want %s", got, want)
		}
		c.do("config", "set", "notify-keyspace-events", "")
	}
	t.Run("potato", func(t *testing.T) { run(t, servertest.New(t).Addr) })
	t.Run("redis", func(t *testing.T) { run(t, startRedis(t)) })
}

// TestZSetWatch: a ZADD that changes nothing still touches the key in
// Redis 7.0? No: only a change does. A change aborts the EXEC.
func TestZSetWatch(t *testing.T) {
	run := func(t *testing.T, addr string) {
		c, other := dialRaw(t, addr), dialRaw(t, addr)
		c.do("flushall")
		c.do("zadd", "z", "1", "a")
		c.do("watch", "z")
		other.do("zincrby", "z", "1", "a")
		c.do("multi")
		c.do("zcard", "z")
		if got := c.do("exec"); got != "(nilarray)" {
			t.Errorf("EXEC after a watched ZINCRBY: %s", got)
		}
	}
	t.Run("potato", func(t *testing.T) { run(t, servertest.New(t).Addr) })
	t.Run("redis", func(t *testing.T) { run(t, startRedis(t)) })
}
