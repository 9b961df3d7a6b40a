package server_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"rustypotato/server/servertest"
)

// Real clients against servertest: go-redis (RESP2 and RESP3), redis-py
// (Debian's python3-redis), redis-cli and redis-benchmark. The external
// ones are skipped when not installed, unless POTATO_REQUIRE_REDIS=1.

func newGoRedis(t *testing.T, addr string, proto int) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto,
		DialTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 5 * time.Second})
	t.Cleanup(func() { c.Close() })
	return c
}

// must fails the test on err.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func eqSlice[T comparable](t *testing.T, what string, got, want []T) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) || len(got) != len(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func sorted(s []string) []string {
	s = append([]string(nil), s...)
	sort.Strings(s)
	return s
}

func TestGoRedisFamilies(t *testing.T) {
	ts := servertest.New(t)
	for _, proto := range []int{2, 3} {
		t.Run("RESP"+strconv.Itoa(proto), func(t *testing.T) {
			ctx := context.Background()
			c := newGoRedis(t, ts.Addr, proto)
			must(t, c.FlushAll(ctx).Err())
			t.Run("strings", func(t *testing.T) { goRedisStrings(t, ctx, c) })
			t.Run("keys", func(t *testing.T) { goRedisKeys(t, ctx, c) })
			t.Run("hashes", func(t *testing.T) { goRedisHashes(t, ctx, c) })
			t.Run("lists", func(t *testing.T) { goRedisLists(t, ctx, c) })
		})
	}
}

func goRedisStrings(t *testing.T, ctx context.Context, c *redis.Client) {
	must(t, c.Set(ctx, "s", "hello", 0).Err())
	v, err := c.Get(ctx, "s").Result()
	must(t, err)
	eq(t, "GET s", v, "hello")
	_, err = c.Get(ctx, "nokey").Result()
	eq(t, "GET nokey is redis.Nil", errors.Is(err, redis.Nil), true)
	n, err := c.Incr(ctx, "n").Result()
	must(t, err)
	eq(t, "INCR", n, int64(1))
	n, _ = c.IncrBy(ctx, "n", 41).Result()
	eq(t, "INCRBY", n, int64(42))
	f, err := c.IncrByFloat(ctx, "f", 1.5).Result()
	must(t, err)
	eq(t, "INCRBYFLOAT", f, 1.5)
	_, err = c.Incr(ctx, "s").Result()
	eq(t, "INCR on text", fmt.Sprint(err), "ERR value is not an integer or out of range")
	must(t, c.MSet(ctx, "a", "1", "b", "2").Err())
	vals, err := c.MGet(ctx, "a", "nokey", "b").Result()
	must(t, err)
	eq(t, "MGET", fmt.Sprint(vals), "[1 <nil> 2]")
	ok, _ := c.SetNX(ctx, "a", "x", 0).Result()
	eq(t, "SETNX existing", ok, false)
	l, _ := c.Append(ctx, "s", " world").Result()
	eq(t, "APPEND", l, int64(11))
	l, _ = c.StrLen(ctx, "s").Result()
	eq(t, "STRLEN", l, int64(11))
	must(t, c.Set(ctx, "t", "v", time.Minute).Err())
	ttl, _ := c.TTL(ctx, "t").Result()
	if ttl <= 58*time.Second || ttl > time.Minute {
		t.Errorf("TTL = %v", ttl)
	}
	old, err := c.GetDel(ctx, "t").Result()
	must(t, err)
	eq(t, "GETDEL", old, "v")
	r, _ := c.GetRange(ctx, "s", 0, 4).Result()
	eq(t, "GETRANGE", r, "hello")
	// Binary-safe values.
	bin := string([]byte{0, 255, '\r', '\n', 0})
	must(t, c.Set(ctx, "bin", bin, 0).Err())
	got, _ := c.Get(ctx, "bin").Result()
	eq(t, "binary GET", got, bin)
}

func goRedisKeys(t *testing.T, ctx context.Context, c *redis.Client) {
	must(t, c.FlushDB(ctx).Err())
	must(t, c.MSet(ctx, "k1", "a", "k2", "b", "other", "c").Err())
	n, _ := c.Exists(ctx, "k1", "k2", "nokey").Result()
	eq(t, "EXISTS", n, int64(2))
	keys, _ := c.Keys(ctx, "k*").Result()
	eqSlice(t, "KEYS k*", sorted(keys), []string{"k1", "k2"})
	var scanned []string
	iter := c.Scan(ctx, 0, "*", 1).Iterator()
	for iter.Next(ctx) {
		scanned = append(scanned, iter.Val())
	}
	must(t, iter.Err())
	eqSlice(t, "SCAN", sorted(scanned), []string{"k1", "k2", "other"})
	ok, _ := c.Expire(ctx, "k1", 100*time.Second).Result()
	eq(t, "EXPIRE", ok, true)
	ttl, _ := c.TTL(ctx, "k1").Result()
	eq(t, "TTL", ttl, 100*time.Second)
	ttl, _ = c.TTL(ctx, "k2").Result()
	eq(t, "TTL without expiry", ttl, time.Duration(-1))
	ttl, _ = c.TTL(ctx, "nokey").Result()
	eq(t, "TTL of missing key", ttl, time.Duration(-2))
	ok, _ = c.Persist(ctx, "k1").Result()
	eq(t, "PERSIST", ok, true)
	must(t, c.Rename(ctx, "k2", "k3").Err())
	ty, _ := c.Type(ctx, "k3").Result()
	eq(t, "TYPE", ty, "string")
	err := c.Rename(ctx, "nokey", "x").Err()
	eq(t, "RENAME missing", fmt.Sprint(err), "ERR no such key")
	n, _ = c.Del(ctx, "k1", "k3", "nokey").Result()
	eq(t, "DEL", n, int64(2))
	size, _ := c.DBSize(ctx).Result()
	eq(t, "DBSIZE", size, int64(1))
	must(t, c.HSet(ctx, "h", "f", "v").Err())
	ty, _ = c.Type(ctx, "h").Result()
	eq(t, "TYPE hash", ty, "hash")
}

func goRedisHashes(t *testing.T, ctx context.Context, c *redis.Client) {
	must(t, c.FlushDB(ctx).Err())
	n, err := c.HSet(ctx, "h", map[string]any{"a": "1", "b": "2", "c": "3"}).Result()
	must(t, err)
	eq(t, "HSET", n, int64(3))
	all, err := c.HGetAll(ctx, "h").Result()
	must(t, err)
	eq(t, "HGETALL", fmt.Sprint(all), "map[a:1 b:2 c:3]")
	all, _ = c.HGetAll(ctx, "nokey").Result()
	eq(t, "HGETALL nokey", len(all), 0)
	v, _ := c.HGet(ctx, "h", "b").Result()
	eq(t, "HGET", v, "2")
	_, err = c.HGet(ctx, "h", "zz").Result()
	eq(t, "HGET missing is redis.Nil", errors.Is(err, redis.Nil), true)
	vals, _ := c.HMGet(ctx, "h", "a", "zz", "c").Result()
	eq(t, "HMGET", fmt.Sprint(vals), "[1 <nil> 3]")
	ok, _ := c.HSetNX(ctx, "h", "a", "x").Result()
	eq(t, "HSETNX", ok, false)
	ok, _ = c.HExists(ctx, "h", "c").Result()
	eq(t, "HEXISTS", ok, true)
	i, _ := c.HIncrBy(ctx, "h", "a", 10).Result()
	eq(t, "HINCRBY", i, int64(11))
	f, _ := c.HIncrByFloat(ctx, "h", "b", 0.5).Result()
	eq(t, "HINCRBYFLOAT", f, 2.5)
	l, _ := c.HLen(ctx, "h").Result()
	eq(t, "HLEN", l, int64(3))
	l, _ = c.HStrLen(ctx, "h", "b").Result()
	eq(t, "HSTRLEN", l, int64(3))
	keys, _ := c.HKeys(ctx, "h").Result()
	eqSlice(t, "HKEYS", sorted(keys), []string{"a", "b", "c"})
	hv, _ := c.HVals(ctx, "h").Result()
	eqSlice(t, "HVALS", sorted(hv), []string{"11", "2.5", "3"})
	kvs, err := c.HRandFieldWithValues(ctx, "h", 5).Result()
	must(t, err)
	got := map[string]string{}
	for _, kv := range kvs {
		got[kv.Key] = kv.Value
	}
	eq(t, "HRANDFIELD WITHVALUES", fmt.Sprint(got), "map[a:11 b:2.5 c:3]")
	fields, _ := c.HRandField(ctx, "h", -4).Result()
	eq(t, "HRANDFIELD -4", len(fields), 4)
	var scanned []string
	iter := c.HScan(ctx, "h", 0, "", 1).Iterator()
	for iter.Next(ctx) {
		scanned = append(scanned, iter.Val())
	}
	must(t, iter.Err())
	eq(t, "HSCAN items", len(scanned), 6)
	n, _ = c.HDel(ctx, "h", "a", "b", "c", "zz").Result()
	eq(t, "HDEL", n, int64(3))
	ex, _ := c.Exists(ctx, "h").Result()
	eq(t, "EXISTS after last HDEL", ex, int64(0))
	must(t, c.Set(ctx, "s", "x", 0).Err())
	err = c.HGet(ctx, "s", "a").Err()
	eq(t, "HGET on a string", fmt.Sprint(err), "WRONGTYPE Operation against a key holding the wrong kind of value")
}

func goRedisLists(t *testing.T, ctx context.Context, c *redis.Client) {
	must(t, c.FlushDB(ctx).Err())
	n, err := c.RPush(ctx, "l", "a", "b", "c").Result()
	must(t, err)
	eq(t, "RPUSH", n, int64(3))
	n, _ = c.LPush(ctx, "l", "z").Result()
	eq(t, "LPUSH", n, int64(4))
	r, _ := c.LRange(ctx, "l", 0, -1).Result()
	eqSlice(t, "LRANGE", r, []string{"z", "a", "b", "c"})
	v, _ := c.LIndex(ctx, "l", -1).Result()
	eq(t, "LINDEX -1", v, "c")
	must(t, c.LSet(ctx, "l", 1, "A").Err())
	err = c.LSet(ctx, "l", 10, "x").Err()
	eq(t, "LSET out of range", fmt.Sprint(err), "ERR index out of range")
	n, _ = c.LInsertBefore(ctx, "l", "b", "b0").Result()
	eq(t, "LINSERT", n, int64(5))
	pos, _ := c.LPos(ctx, "l", "b", redis.LPosArgs{}).Result()
	eq(t, "LPOS", pos, int64(3))
	_, err = c.LPos(ctx, "l", "nothere", redis.LPosArgs{}).Result()
	eq(t, "LPOS missing is redis.Nil", errors.Is(err, redis.Nil), true)
	n, _ = c.LRem(ctx, "l", 0, "b0").Result()
	eq(t, "LREM", n, int64(1))
	v, _ = c.LPop(ctx, "l").Result()
	eq(t, "LPOP", v, "z")
	vs, _ := c.RPopCount(ctx, "l", 2).Result()
	eqSlice(t, "RPOP count", vs, []string{"c", "b"})
	n, _ = c.LLen(ctx, "l").Result()
	eq(t, "LLEN", n, int64(1))
	must(t, c.RPush(ctx, "src", "1", "2", "3").Err())
	v, _ = c.LMove(ctx, "src", "dst", "LEFT", "RIGHT").Result()
	eq(t, "LMOVE", v, "1")
	must(t, c.LTrim(ctx, "src", 0, 0).Err())
	r, _ = c.LRange(ctx, "src", 0, -1).Result()
	eqSlice(t, "LTRIM", r, []string{"2"})
	key, vals, err := c.LMPop(ctx, "right", 5, "nokey", "src").Result()
	must(t, err)
	eq(t, "LMPOP key", key, "src")
	eqSlice(t, "LMPOP values", vals, []string{"2"})
	ex, _ := c.Exists(ctx, "src").Result()
	eq(t, "EXISTS after popping the last element", ex, int64(0))
	_, err = c.LPop(ctx, "nokey").Result()
	eq(t, "LPOP nokey is redis.Nil", errors.Is(err, redis.Nil), true)
	kv, err := c.BLPop(ctx, time.Second, "nokey", "dst").Result()
	must(t, err)
	eqSlice(t, "BLPOP ready", kv, []string{"dst", "1"})
	must(t, c.Set(ctx, "s", "x", 0).Err())
	err = c.LPush(ctx, "s", "a").Err()
	eq(t, "LPUSH on a string", fmt.Sprint(err), "WRONGTYPE Operation against a key holding the wrong kind of value")
}

func TestGoRedisTransactions(t *testing.T) {
	ts := servertest.New(t)
	ctx := context.Background()
	c := newGoRedis(t, ts.Addr, 3)

	t.Run("TxPipelined", func(t *testing.T) {
		var incr *redis.IntCmd
		var get *redis.StringCmd
		var hall *redis.MapStringStringCmd
		cmds, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, "tx:a", "1", 0)
			incr = p.Incr(ctx, "tx:a")
			p.HSet(ctx, "tx:h", "f", "v")
			hall = p.HGetAll(ctx, "tx:h")
			p.RPush(ctx, "tx:l", "x", "y")
			get = p.Get(ctx, "tx:a")
			return nil
		})
		must(t, err)
		eq(t, "commands", len(cmds), 6)
		eq(t, "INCR in EXEC", incr.Val(), int64(2))
		eq(t, "GET in EXEC", get.Val(), "2")
		eq(t, "HGETALL in EXEC", fmt.Sprint(hall.Val()), "map[f:v]")
		// A runtime error is that command's reply; the others still run.
		var bad *redis.IntCmd
		_, err = c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			bad = p.Incr(ctx, "tx:h")
			p.Set(ctx, "tx:b", "ok", 0)
			return nil
		})
		if err == nil || !strings.HasPrefix(bad.Err().Error(), "WRONGTYPE") {
			t.Errorf("EXEC with a failing command: err %v, INCR err %v", err, bad.Err())
		}
		v, _ := c.Get(ctx, "tx:b").Result()
		eq(t, "SET after a failed command in EXEC", v, "ok")
	})

	t.Run("Watch", func(t *testing.T) {
		must(t, c.Set(ctx, "w", "0", 0).Err())
		// Unchanged watched key: the transaction commits.
		err := c.Watch(ctx, func(tx *redis.Tx) error {
			n, err := tx.Get(ctx, "w").Int()
			if err != nil {
				return err
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, "w", n+1, 0)
				return nil
			})
			return err
		}, "w")
		must(t, err)
		// Changed by another connection between WATCH and EXEC: aborted.
		other := newGoRedis(t, ts.Addr, 2)
		err = c.Watch(ctx, func(tx *redis.Tx) error {
			n, err := tx.Get(ctx, "w").Int()
			if err != nil {
				return err
			}
			if err := other.Set(ctx, "w", "100", 0).Err(); err != nil {
				return err
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, "w", n+1, 0)
				return nil
			})
			return err
		}, "w")
		if !errors.Is(err, redis.TxFailedErr) {
			t.Fatalf("WATCH after a concurrent change: err %v, want redis.TxFailedErr", err)
		}
		v, _ := c.Get(ctx, "w").Result()
		eq(t, "value after the aborted transaction", v, "100")
		// Optimistic-locking counter under contention: no increment lost.
		const workers, each = 4, 25
		must(t, c.Set(ctx, "ctr", "0", 0).Err())
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				wc := redis.NewClient(&redis.Options{Addr: ts.Addr, Protocol: 2})
				defer wc.Close()
				for range each {
					for {
						err := wc.Watch(ctx, func(tx *redis.Tx) error {
							n, err := tx.Get(ctx, "ctr").Int()
							if err != nil {
								return err
							}
							_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
								p.Set(ctx, "ctr", n+1, 0)
								return nil
							})
							return err
						}, "ctr")
						if err == nil {
							break
						}
						if !errors.Is(err, redis.TxFailedErr) {
							errs <- err
							return
						}
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		n, _ := c.Get(ctx, "ctr").Int()
		eq(t, "counter", n, workers*each)
	})
}

func TestGoRedisPipeline(t *testing.T) {
	ts := servertest.New(t)
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		c := newGoRedis(t, ts.Addr, proto)
		must(t, c.FlushAll(ctx).Err())
		const n = 1000
		cmds, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := range n {
				switch i % 4 {
				case 0:
					p.Set(ctx, "p:"+strconv.Itoa(i), i, 0)
				case 1:
					p.Incr(ctx, "p:ctr")
				case 2:
					p.RPush(ctx, "p:list", i)
				default:
					p.HSet(ctx, "p:hash", strconv.Itoa(i), i)
				}
			}
			return nil
		})
		must(t, err)
		eq(t, "replies", len(cmds), n)
		for i, cmd := range cmds {
			if cmd.Err() != nil {
				t.Fatalf("command %d: %v", i, cmd.Err())
			}
		}
		eq(t, "last INCR", cmds[n-3].(*redis.IntCmd).Val(), int64(n/4))
		l, _ := c.LLen(ctx, "p:list").Result()
		eq(t, "LLEN", l, int64(n/4))
		h, _ := c.HLen(ctx, "p:hash").Result()
		eq(t, "HLEN", h, int64(n/4))
		// Reads pipelined too: the replies come back in order.
		gets, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := 0; i < n; i += 4 {
				p.Get(ctx, "p:"+strconv.Itoa(i))
			}
			return nil
		})
		must(t, err)
		for j, cmd := range gets {
			eq(t, "pipelined GET", cmd.(*redis.StringCmd).Val(), strconv.Itoa(4*j))
		}
	}
}

// waitBlocked waits until a client runs cmd (by CLIENT LIST), then a
// little more, so that it has registered as a waiter.
func waitBlocked(t *testing.T, c *redis.Client, cmd string, n int) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(5 * time.Second)
	for {
		list, err := c.ClientList(ctx).Result()
		must(t, err)
		if strings.Count(list, "cmd="+cmd+" ") >= n {
			time.Sleep(50 * time.Millisecond)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %d clients blocked in %s:\n%s", n, cmd, list)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestGoRedisBlocking(t *testing.T) {
	ts := servertest.New(t)
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		t.Run("RESP"+strconv.Itoa(proto), func(t *testing.T) {
			c := newGoRedis(t, ts.Addr, proto)
			pusher := newGoRedis(t, ts.Addr, 2)
			must(t, c.FlushAll(ctx).Err())

			t.Run("woken by LPUSH", func(t *testing.T) {
				type res struct {
					kv  []string
					err error
				}
				done := make(chan res, 1)
				go func() {
					kv, err := c.BLPop(ctx, 10*time.Second, "q1", "q2").Result()
					done <- res{kv, err}
				}()
				waitBlocked(t, pusher, "blpop", 1)
				must(t, pusher.LPush(ctx, "q2", "job").Err())
				select {
				case r := <-done:
					must(t, r.err)
					eqSlice(t, "BLPOP", r.kv, []string{"q2", "job"})
				case <-time.After(5 * time.Second):
					t.Fatal("BLPOP not woken by LPUSH")
				}
				n, _ := pusher.Exists(ctx, "q2").Result()
				eq(t, "the element went to the waiter, not the list", n, int64(0))
			})

			t.Run("timeout", func(t *testing.T) {
				// go-redis sends whole seconds: 1s is its shortest timeout.
				start := time.Now()
				_, err := c.BLPop(ctx, time.Second, "empty").Result()
				if !errors.Is(err, redis.Nil) {
					t.Fatalf("BLPOP timeout: err %v, want redis.Nil", err)
				}
				if d := time.Since(start); d < 900*time.Millisecond || d > 5*time.Second {
					t.Errorf("BLPOP 1 returned after %v", d)
				}
				// The raw command takes fractions of a second.
				v, err := c.Do(ctx, "brpop", "empty", "0.05").Result()
				if !errors.Is(err, redis.Nil) {
					t.Errorf("BRPOP 0.05: %v %v, want redis.Nil", v, err)
				}
				v, err = c.Do(ctx, "blmove", "empty", "dst", "left", "right", "0.05").Result()
				if !errors.Is(err, redis.Nil) {
					t.Errorf("BLMOVE 0.05: %v %v, want redis.Nil", v, err)
				}
				v, err = c.Do(ctx, "blmpop", "0.05", "1", "empty", "left").Result()
				if !errors.Is(err, redis.Nil) {
					t.Errorf("BLMPOP 0.05: %v %v, want redis.Nil", v, err)
				}
				n, _ := c.Exists(ctx, "dst").Result()
				eq(t, "BLMOVE timeout creates no destination", n, int64(0))
			})

			t.Run("BLMOVE and BLMPOP woken", func(t *testing.T) {
				done := make(chan error, 2)
				go func() {
					v, err := c.BLMove(ctx, "mq", "done", "RIGHT", "LEFT", 10*time.Second).Result()
					if err == nil && v != "m1" {
						err = fmt.Errorf("BLMOVE got %q", v)
					}
					done <- err
				}()
				waitBlocked(t, pusher, "blmove", 1)
				must(t, pusher.RPush(ctx, "mq", "m1").Err())
				must(t, <-done)
				got, _ := pusher.LRange(ctx, "done", 0, -1).Result()
				eqSlice(t, "BLMOVE destination", got, []string{"m1"})
				go func() {
					k, vs, err := c.BLMPop(ctx, 10*time.Second, "right", 10, "a", "b").Result()
					if err == nil && (k != "b" || fmt.Sprint(vs) != "[3 2 1]") {
						err = fmt.Errorf("BLMPOP got %q %q", k, vs)
					}
					done <- err
				}()
				waitBlocked(t, pusher, "blmpop", 1)
				must(t, pusher.RPush(ctx, "b", "1", "2", "3").Err())
				must(t, <-done)
			})
		})
	}
}

// TestBlockedClientDisconnects checks that a client that hangs up while
// blocked leaves no registration behind: the next pushes go to a live
// waiter and then stay in the list.
func TestBlockedClientDisconnects(t *testing.T) {
	ts := servertest.New(t)
	ctx := context.Background()
	admin := newGoRedis(t, ts.Addr, 2)

	gone := dialRaw(t, ts.Addr)
	gone.send("blpop", "dq", "0")
	waitBlocked(t, admin, "blpop", 1)

	// A second waiter, registered after the first.
	live := newGoRedis(t, ts.Addr, 2)
	done := make(chan []string, 1)
	go func() {
		kv, err := live.BLPop(ctx, 10*time.Second, "dq").Result()
		if err != nil {
			kv = []string{err.Error()}
		}
		done <- kv
	}()
	waitBlocked(t, admin, "blpop", 2)

	gone.nc.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		list, _ := admin.ClientList(ctx).Result()
		if strings.Count(list, "cmd=blpop ") == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the disconnected client is still listed:\n%s", list)
		}
		time.Sleep(5 * time.Millisecond)
	}

	must(t, admin.LPush(ctx, "dq", "first").Err())
	select {
	case kv := <-done:
		eqSlice(t, "live waiter got", kv, []string{"dq", "first"})
	case <-time.After(5 * time.Second):
		t.Fatal("the live waiter was not served: the element went to the disconnected client")
	}
	must(t, admin.LPush(ctx, "dq", "second").Err())
	got, _ := admin.LRange(ctx, "dq", 0, -1).Result()
	eqSlice(t, "list after the waiters are gone", got, []string{"second"})
}

// requireBin returns the path of an external program, or skips (fails
// under POTATO_REQUIRE_REDIS=1) when it is missing.
func requireBin(t *testing.T, path string) string {
	t.Helper()
	p, err := exec.LookPath(path)
	if err != nil {
		requireOrSkip(t, path)
	}
	return p
}

func TestRedisPy(t *testing.T) {
	py := requireBin(t, "/usr/bin/python3")
	if out, err := exec.Command(py, "-c", "import redis").CombinedOutput(); err != nil {
		requireOrSkip(t, "python3-redis ("+strings.TrimSpace(string(out))+")")
	}
	ts := servertest.New(t)
	port := ts.Addr[strings.LastIndexByte(ts.Addr, ':')+1:]
	script, err := filepath.Abs(filepath.Join("testdata", "clients", "redis_py.py"))
	must(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, py, script, port).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-py script failed: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("redis-py: all checks passed")) {
		t.Fatalf("redis-py script did not finish:\n%s", out)
	}
	t.Logf("%s", out)
}

func TestRedisCLI(t *testing.T) {
	cli := requireBin(t, "redis-cli")
	ts := servertest.New(t)
	port := ts.Addr[strings.LastIndexByte(ts.Addr, ':')+1:]
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(cli, append([]string{"-h", "127.0.0.1", "-p", port}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("redis-cli %q: %v\n%s", args, err, out)
		}
		return string(out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"FLUSHALL"}, "OK\n"},
		{[]string{"--no-raw", "SET", "k", "hello world"}, "OK\n"},
		{[]string{"--no-raw", "GET", "k"}, "\"hello world\"\n"},
		{[]string{"--no-raw", "GET", "nokey"}, "(nil)\n"},
		{[]string{"--no-raw", "INCR", "n"}, "(integer) 1\n"},
		{[]string{"--no-raw", "INCRBY", "n", "41"}, "(integer) 42\n"},
		{[]string{"--no-raw", "INCR", "k"}, "(error) ERR value is not an integer or out of range\n"},
		{[]string{"--no-raw", "HSET", "h", "a", "1", "b", "2"}, "(integer) 2\n"},
		{[]string{"--no-raw", "HGETALL", "h"}, "1) \"a\"\n2) \"1\"\n3) \"b\"\n4) \"2\"\n"},
		{[]string{"--no-raw", "HGETALL", "nokey"}, "(empty array)\n"},
		{[]string{"--no-raw", "RPUSH", "l", "x", "y", "z"}, "(integer) 3\n"},
		{[]string{"--no-raw", "LRANGE", "l", "0", "-1"}, "1) \"x\"\n2) \"y\"\n3) \"z\"\n"},
		{[]string{"--no-raw", "LRANGE", "nokey", "0", "-1"}, "(empty array)\n"},
		{[]string{"--no-raw", "LPOP", "nokey"}, "(nil)\n"},
		{[]string{"--no-raw", "BLPOP", "nokey", "0.05"}, "(nil)\n"},
		{[]string{"--no-raw", "-3", "HGETALL", "h"}, "1# \"a\" => \"1\"\n2# \"b\" => \"2\"\n"},
		{[]string{"--no-raw", "-3", "BLPOP", "nokey", "0.05"}, "(nil)\n"},
		{[]string{"--raw", "GET", "k"}, "hello world\n"},
		{[]string{"--raw", "INCR", "n"}, "43\n"},
		{[]string{"--raw", "HGETALL", "h"}, "a\n1\nb\n2\n"},
		{[]string{"--raw", "LRANGE", "l", "0", "-1"}, "x\ny\nz\n"},
		{[]string{"--raw", "GET", "nokey"}, "\n"},
		{[]string{"--raw", "HGET", "h", "zz"}, "\n"},
		{[]string{"--no-raw", "DBSIZE"}, "(integer) 4\n"},
		{[]string{"--no-raw", "TYPE", "l"}, "list\n"},
		{[]string{"--no-raw", "NOSUCHCMD", "a"}, "(error) ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' \n"},
	} {
		if got := run(tc.args...); got != tc.want {
			t.Errorf("redis-cli %q\n got: %q\nwant: %q", tc.args, got, tc.want)
		}
	}
	// The same commands given on stdin, one per line, as scripts use it.
	cmd := exec.Command(cli, "-p", port)
	cmd.Stdin = strings.NewReader("SET piped 1\nINCR piped\nGET piped\n")
	out, err := cmd.CombinedOutput()
	must(t, err)
	eq(t, "redis-cli with commands on stdin", string(out), "OK\n2\n2\n")
	// redis-cli --scan uses SCAN with a cursor to the end.
	out, err = exec.Command(cli, "-p", port, "--scan", "--pattern", "*").CombinedOutput()
	must(t, err)
	keys := strings.Fields(string(out))
	eqSlice(t, "redis-cli --scan", sorted(keys), []string{"h", "k", "l", "n", "piped"})
}

func TestRedisBenchmark(t *testing.T) {
	bench := requireBin(t, "redis-benchmark")
	ts := servertest.New(t)
	port := ts.Addr[strings.LastIndexByte(ts.Addr, ':')+1:]
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bench, "-h", "127.0.0.1", "-p", port,
		"-t", "set,get,incr,lpush,rpush,lpop,rpop,hset,mset", "-n", "2000", "-q")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("redis-benchmark: %v\n%s", err, out)
	}
	text := string(out)
	if strings.Contains(text, "ERR") || strings.Contains(strings.ToLower(text), "error") {
		t.Fatalf("redis-benchmark reported errors:\n%s", text)
	}
	for _, name := range []string{"SET", "GET", "INCR", "LPUSH", "RPUSH", "LPOP", "RPOP", "HSET", "MSET (10 keys)"} {
		if !strings.Contains(text, name+": ") {
			t.Errorf("redis-benchmark output has no %s line:\n%s", name, text)
		}
	}
	t.Logf("%s", text)
}
