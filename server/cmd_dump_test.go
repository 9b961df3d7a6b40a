package server_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"rustypotato/internal/rdb"
	"rustypotato/internal/redistest"
	"rustypotato/server/servertest"
)

// dumpStrings are string shapes whose DUMP differs in encoding: int8,
// int16, int32, 64-bit and non-canonical integers (raw), short raw,
// LZF-compressible and incompressible long strings, 14-bit and 32-bit
// lengths.
var dumpStrings = []string{
	"", "0", "-1", "127", "-128", "128", "-32768", "32767", "32768", "2147483647", "-2147483648",
	"2147483648", "12345678901", "007", "+5", "-0", "hello", "12345678901234567890",
	strings.Repeat("a", 21), strings.Repeat("ab", 100), strings.Repeat("abcdefghij", 1000),
	"the quick brown fox jumps over the lazy dog the quick brown fox",
	"abcdefghijklmnopqrstuvwxyz0123456789", strings.Repeat("x", 70000),
	strings.Repeat("xyz123", 3000) + strings.Repeat("q", 300) + "tail",
}

func TestDumpStringsMatchRedis(t *testing.T) {
	ctx := context.Background()
	rc := redis.NewClient(&redis.Options{Addr: redistest.Start(t)})
	defer rc.Close()
	us := redis.NewClient(&redis.Options{Addr: servertest.New(t).Addr})
	defer us.Close()
	for i, s := range dumpStrings {
		for _, c := range []*redis.Client{rc, us} {
			if err := c.Set(ctx, "k", s, 0).Err(); err != nil {
				t.Fatal(err)
			}
		}
		want, err := rc.Dump(ctx, "k").Result()
		if err != nil {
			t.Fatal(err)
		}
		got, err := us.Dump(ctx, "k").Result()
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("case %d (len %d): DUMP\n got %q\nwant %q", i, len(s), trunc(got), trunc(want))
		}
		// Cross restores: Redis's payload into us, ours into Redis.
		for _, c := range []*redis.Client{rc, us} {
			if err := c.RestoreReplace(ctx, "r", 0, want).Err(); err != nil {
				t.Fatalf("case %d: RESTORE: %v", i, err)
			}
			if v, err := c.Get(ctx, "r").Result(); err != nil || v != s {
				t.Fatalf("case %d: GET after RESTORE = %q, %v", i, trunc(v), err)
			}
		}
	}
}

func trunc(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// TestRestoreErrorsMatchRedis compares RESTORE's replies, errors and
// their order with redis-server's.
func TestRestoreErrorsMatchRedis(t *testing.T) {
	ctx := context.Background()
	rc := redis.NewClient(&redis.Options{Addr: redistest.Start(t)})
	defer rc.Close()
	us := redis.NewClient(&redis.Options{Addr: servertest.New(t).Addr})
	defer us.Close()
	rc.Set(ctx, "src", "hello world", 0)
	good, err := rc.Dump(ctx, "src").Result()
	if err != nil {
		t.Fatal(err)
	}
	bad := []byte(good)
	bad[len(bad)-1] ^= 1
	newer := []byte(good)
	newer[len(newer)-10] = 11
	// A forged huge LZF length with a correct footer.
	huge := footer([]byte{0, 0xc3, 0x01, 0x81, 0, 0, 0, 1, 0, 0, 0, 0, 'a'})
	trunced := footer([]byte{0, 0x0a, 'a'})
	unknown := footer([]byte{200, 0x01, 'a'})
	cmds := [][]any{
		{"restore", "a", "0", good},
		{"get", "a"},
		{"restore", "a", "0", good},
		{"restore", "a", "-1", good},
		{"restore", "a", "0", good, "replace"},
		{"restore", "b", "-1", good},
		{"restore", "b", "x", good},
		{"restore", "b", "0", string(bad)},
		{"restore", "b", "0", string(newer)},
		{"restore", "b", "0", "short"},
		{"restore", "b", "0", huge},
		{"restore", "b", "0", trunced},
		{"restore", "b", "0", unknown},
		{"restore", "b", "0", good, "bogus"},
		{"restore", "b", "0", good, "idletime"},
		{"restore", "b", "0", good, "idletime", "-1"},
		{"restore", "b", "0", good, "idletime", "x"},
		{"restore", "b", "0", good, "freq", "256"},
		{"restore", "b", "0", good, "freq", "1", "idletime", "1"},
		{"restore", "b", "0", good, "idletime", "10", "replace", "absttl"},
		{"restore", "c", "100000", good},
		{"pttl", "c"},
		{"restore", "d", "1", good, "absttl"},
		{"exists", "d"},
		{"restore", "a", "1", good, "absttl", "replace"},
		{"exists", "a"},
		{"dump", "missing"},
		{"dump"},
		{"restore", "a", "0"},
	}
	for _, cmd := range cmds {
		want := dumpReply(rc.Do(ctx, cmd...))
		got := dumpReply(us.Do(ctx, cmd...))
		if cmd[0] == "pttl" {
			want, got = ttlBucket(want), ttlBucket(got)
		}
		if got != want {
			t.Errorf("%v: got %q, want %q", cmd[:2], got, want)
		}
	}
}

func dumpReply(c *redis.Cmd) string {
	v, err := c.Result()
	if err != nil {
		return "ERR: " + err.Error()
	}
	switch v := v.(type) {
	case string:
		return v
	case int64:
		return "i" + strconv.FormatInt(v, 10)
	}
	return "?"
}

func ttlBucket(s string) string {
	if strings.HasPrefix(s, "i9") && len(s) == 6 {
		return "i9xxxx"
	}
	return s
}

// footer returns body with a correct DUMP footer (version 10, CRC64),
// so that the payload passes the checksum and reaches the decoder.
func footer(body []byte) string { return string(rdb.Footer(body)) }

// RESTORE announces "restore" (and "del" for REPLACE with a past
// deadline) as Redis does, and counts as a write for WATCH.
func TestRestoreEventsAndWatchMatchRedis(t *testing.T) {
	ctx := context.Background()
	rc := redis.NewClient(&redis.Options{Addr: redistest.Start(t)})
	defer rc.Close()
	us := redis.NewClient(&redis.Options{Addr: servertest.New(t).Addr})
	defer us.Close()
	p := string(rdb.DumpString([]byte("v")))
	var logs [2][]string
	for i, c := range []*redis.Client{rc, us} {
		if err := c.ConfigSet(ctx, "notify-keyspace-events", "KEA").Err(); err != nil {
			t.Fatal(err)
		}
		sub := c.PSubscribe(ctx, "__keyevent@0__:*")
		if _, err := sub.Receive(ctx); err != nil {
			t.Fatal(err)
		}
		c.Restore(ctx, "k", 0, p)
		c.RestoreReplace(ctx, "k", 0, p)
		c.Do(ctx, "restore", "k", "1", p, "absttl", "replace")
		c.Set(ctx, "w", "1", 0)
		err := c.Watch(ctx, func(tx *redis.Tx) error {
			c.RestoreReplace(ctx, "w", 0, p)
			_, err := tx.TxPipelined(ctx, func(pp redis.Pipeliner) error { pp.Set(ctx, "w", "2", 0); return nil })
			return err
		}, "w")
		logs[i] = append(logs[i], "watch:"+strconv.FormatBool(err == redis.TxFailedErr))
		c.Set(ctx, "end", "1", 0)
		for {
			m, err := sub.ReceiveMessage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			logs[i] = append(logs[i], m.Channel+" "+m.Payload)
			if m.Payload == "end" {
				break
			}
		}
		sub.Close()
	}
	all := strings.Join(logs[0], "\n")
	for _, want := range []string{"watch:true", "__keyevent@0__:restore k", "__keyevent@0__:del k"} {
		if !strings.Contains(all, want) {
			t.Fatalf("redis's events lack %q: %q", want, logs[0])
		}
	}
	if all != strings.Join(logs[1], "\n") {
		t.Fatalf("events\nredis: %q\nours:  %q", logs[0], logs[1])
	}
}
