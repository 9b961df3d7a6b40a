package server_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"rustypotato"
	"rustypotato/server/servertest"
)

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// TestTimelineCommands: TIMELINE, HISTORY, ROLLBACK, CHANGES and BRANCH
// CREATE ... AT over RESP, with their errors; times come from a fixed
// clock so that replies are exact.
func TestTimelineCommands(t *testing.T) {
	at := time.UnixMilli(1_700_000_000_000)
	db, err := potato.Open(potato.Options{Clock: fixedClock{at}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	addr := servertest.NewWithDB(t, db).Addr
	c := dialRaw(t, addr)
	ms := fmt.Sprint(at.UnixMilli())
	steps := []struct{ cmd, want string }{
		{"client setname alice", "+OK"},
		{"set a 1", "+OK"},
		{"set a 2", "+OK"},
		{"hset h f x", ":1"},
		{"del a", ":1"},
		{"history a", `[["seq" :4 "time" :` + ms + ` "event" "del" "command" "del" "type" "none" "value" (nil) "expire-at-ms" :-1] ` +
			`["seq" :2 "time" :` + ms + ` "event" "set" "command" "set" "type" "string" "value" "2" "expire-at-ms" :-1] ` +
			`["seq" :1 "time" :` + ms + ` "event" "set" "command" "set" "type" "string" "value" "1" "expire-at-ms" :-1]]`},
		{"history a COUNT 1", `[["seq" :4 "time" :` + ms + ` "event" "del" "command" "del" "type" "none" "value" (nil) "expire-at-ms" :-1]]`},
		{"history h", `[["seq" :3 "time" :` + ms + ` "event" "hset" "command" "hset" "type" "hash" "value" ["f" "x"] "expire-at-ms" :-1]]`},
		{"history a COUNT x", "-ERR value is not an integer or out of range"},
		{"history a bogus", "-ERR syntax error"},
		{"rollback to 2 DRY-RUN", `["to" :2 "undone" :2 "changes" [[:0 "a" "restore" "string"] [:0 "h" "del" "none"]]]`},
		{"exists a", ":0"},
		{"rollback to 2", `["to" :2 "undone" :2 "changes" [[:0 "a" "restore" "string"] [:0 "h" "del" "none"]]]`},
		{"get a", `"2"`},
		{"exists h", ":0"},
		{"rollback to 99", "-ERR seq 99 is ahead of the branch's last seq 6"},
		{"rollback to x", "-ERR value is not an integer or out of range"},
		{"rollback to 1 now", "-ERR syntax error"},
		{"rollback from 1", "-ERR syntax error"},
		{"multi", "+OK"},
		{"rollback to 1", "-ERR ROLLBACK inside MULTI is not allowed"},
		{"discard", "+OK"},
		{"branch create past FROM main AT 1", "+OK"},
		{"branch create past2 AT 99", "-ERR seq 99 is ahead of the branch's last seq 6"},
		{"branch list", ``},
		{"get a", `"2"`},
		{"branch switch past", "+OK"},
		{"get a", `"1"`},
		{"exists h", ":0"},
		{"branch switch main", "+OK"},
		{"config set timeline-max-entries 3", "+OK"},
		{"config get timeline-max-entries", `["timeline-max-entries" "3"]`},
		{"timeline info", `["enabled" "yes" "first-seq" :3 "last-seq" :6 "entries" :3 "bytes" :`},
		{"changes since 1", "-TRIMMED seq no longer retained: 1 is older than the oldest retained seq 3"},
		{"changes since 5 COUNT 1", `[["seq" :6 "time" :` + ms + ` "db" :0 "key" "h" "event" "del" "command" "rollback" "client-id" :`},
		{"changes since 6 BLOCK 10", "(nilarray)"},
		{"changes since 6 COUNT", "-ERR syntax error"},
		{"timeline KEY a", `[["seq" :4 "time" :` + ms + ` "db" :0 "key" "a" "event" "del" "command" "del" "client-id" :`},
		{"timeline SINCE 5 UNTIL 5", "[]"},
		{"timeline SINCE 4 UNTIL 5", `[["seq" :5 `},
		{"timeline SINCE TIME 1 REV COUNT 1", `[["seq" :6 `},
		{"timeline bogus", "-ERR syntax error"},
		{"config set timeline no", "+OK"},
		{"timeline", "-ERR the timeline is off (CONFIG SET timeline yes)"},
		{"rollback to 1", "-ERR the timeline is off (CONFIG SET timeline yes)"},
		{"config set timeline yes", "+OK"},
		{"timeline", "[]"},
	}
	for i, s := range steps {
		got := c.do(strings.Fields(s.cmd)...)
		if s.cmd == "branch list" {
			continue
		}
		if got != s.want && !(strings.HasSuffix(s.want, ":") || strings.HasSuffix(s.want, " ")) || !strings.HasPrefix(got, s.want) {
			t.Fatalf("step %d %s:\n got %s\nwant %s", i, s.cmd, got, s.want)
		}
	}
	// The origin (command and client) and the edits with their values.
	c.do("set", "z", "new")
	got := c.do("changes", "since", "6", "count", "1")
	if !strings.Contains(got, `"command" "set"`) || !strings.Contains(got, `"client-name" "alice"`) || !strings.Contains(got, `"client-addr" "127.0.0.1:`) ||
		!strings.Contains(got, `"edits" [["edit" "set" "field" "" "index" :0 "before" (nil) "after" "new" "deadline" :0]]`) {
		t.Fatalf("origin of the rollback: %s", got)
	}
}

// TestChangesGoRedis: a go-redis consumer follows CHANGES with BLOCK,
// drops its connection, and resumes from the last seq it saw on a new
// one without missing or repeating a change.
func TestChangesGoRedis(t *testing.T) {
	addr := servertest.New(t).Addr
	ctx := t.Context()
	writer := redis.NewClient(&redis.Options{Addr: addr})
	defer writer.Close()
	seqOf := func(entry any) int64 {
		if m, ok := entry.(map[any]any); ok { // RESP3 (go-redis's default)
			return m["seq"].(int64)
		}
		f := entry.([]any)
		for i := 0; i+1 < len(f); i += 2 {
			if f[i] == "seq" {
				return f[i+1].(int64)
			}
		}
		t.Fatalf("no seq in %v", entry)
		return 0
	}
	var seen []int64
	last := int64(0)
	for round := 0; round < 3; round++ {
		consumer := redis.NewClient(&redis.Options{Addr: addr, ReadTimeout: 10 * time.Second})
		got := make(chan []any, 1)
		go func() {
			v, err := consumer.Do(ctx, "CHANGES", "SINCE", last, "BLOCK", 5000).Slice()
			if err != nil {
				t.Error(err)
			}
			got <- v
		}()
		time.Sleep(50 * time.Millisecond)
		for i := 0; i < 3; i++ {
			if err := writer.Set(ctx, fmt.Sprint("k", round, i), "v", 0).Err(); err != nil {
				t.Fatal(err)
			}
		}
		entries := <-got
		for _, e := range entries {
			last = seqOf(e)
			seen = append(seen, last)
		}
		consumer.Close() // a disconnect: the next round resumes from last
		// Whatever the blocked read missed is there on the next read.
	}
	// One more read picks up what came after the last blocked read.
	rest, err := writer.Do(ctx, "CHANGES", "SINCE", last).Slice()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rest {
		seen = append(seen, seqOf(e))
	}
	if len(seen) != 9 {
		t.Fatalf("seqs seen: %v", seen)
	}
	for i, s := range seen {
		if s != int64(i+1) {
			t.Fatalf("seqs seen: %v", seen)
		}
	}
}
