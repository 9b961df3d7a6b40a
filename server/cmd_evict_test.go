package server_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"rustypotato/server/servertest"
)

// With maxmemory and allkeys-lru set live, writes past the limit evict:
// "evicted" keyspace events reach subscribers, INFO and MEMORY STATS
// count them, OBJECT FREQ follows the policy, and CONFIG GET shows the
// values.
func TestMaxmemoryEvictsOverRESP(t *testing.T) {
	ts := servertest.New(t)
	c := dialRaw(t, ts.Addr)
	sub := dialRaw(t, ts.Addr)
	c.do("CONFIG", "SET", "notify-keyspace-events", "Ee")
	if got := sub.do("SUBSCRIBE", "__keyevent@0__:evicted"); !strings.Contains(got, "subscribe") {
		t.Fatal(got)
	}
	if got := c.do("CONFIG", "SET", "maxmemory", "100kb"); got != "+OK" {
		t.Fatal(got)
	}
	if got := c.do("CONFIG", "SET", "maxmemory-policy", "allkeys-lru"); got != "+OK" {
		t.Fatal(got)
	}
	if got := c.do("CONFIG", "GET", "maxmemory"); got != `["maxmemory" "102400"]` {
		t.Fatal(got)
	}
	for i := 0; i < 3000; i++ {
		if got := c.do("SET", "key:"+strconv.Itoa(i), strings.Repeat("v", 50)); got != "+OK" {
			t.Fatalf("SET %d: %s", i, got)
		}
	}
	v, err := sub.read(5 * time.Second)
	if err != nil {
		t.Fatalf("no evicted event: %v", err)
	}
	if got := render(v); !strings.Contains(got, "__keyevent@0__:evicted") || !strings.Contains(got, "key:") {
		t.Fatalf("event %s", got)
	}
	info := c.do("INFO", "stats")
	i := strings.Index(info, "evicted_keys:")
	if i < 0 || strings.HasPrefix(info[i:], "evicted_keys:0\r") {
		t.Fatalf("INFO evicted_keys: %q", info[i:min(len(info), i+30)])
	}
	mem := c.do("INFO", "memory")
	if !strings.Contains(mem, "maxmemory:102400") || !strings.Contains(mem, "maxmemory_policy:allkeys-lru") {
		t.Fatalf("INFO memory lacks maxmemory fields: %s", mem)
	}
	if got := c.do("DBSIZE"); got == ":3000" {
		t.Fatal("nothing evicted")
	}
	if got := c.do("OBJECT", "FREQ", "key:2999"); !strings.HasPrefix(got, "(error) ERR An LFU maxmemory policy is not selected") &&
		!strings.Contains(got, "An LFU maxmemory policy is not selected") {
		t.Fatalf("OBJECT FREQ under LRU: %s", got)
	}
	c.do("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
	if got := c.do("OBJECT", "FREQ", "key:2999"); !strings.HasPrefix(got, ":") {
		t.Fatalf("OBJECT FREQ under LFU: %s", got)
	}
	if got := c.do("MEMORY", "STATS"); !strings.Contains(got, `"dataset.bytes"`) || !strings.Contains(got, `"evicted.keys"`) {
		t.Fatalf("MEMORY STATS: %s", got)
	}
	// noeviction: -OOM for denyoom commands, reads and deletes work.
	c.do("CONFIG", "SET", "maxmemory-policy", "noeviction")
	c.do("CONFIG", "SET", "maxmemory", "1")
	if got := c.do("SET", "x", "y"); !strings.Contains(got, "OOM command not allowed when used memory > 'maxmemory'.") {
		t.Fatalf("SET at OOM: %s", got)
	}
	if got := c.do("GET", "key:2999"); !strings.Contains(got, "vvv") {
		t.Fatalf("GET at OOM: %s", got)
	}
	if got := c.do("DEL", "key:2999"); got != ":1" {
		t.Fatalf("DEL at OOM: %s", got)
	}
	c.do("CONFIG", "SET", "maxmemory", "0")
	if got := c.do("SET", "x", "y"); got != "+OK" {
		t.Fatal(got)
	}
}
