package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"rustypotato"
	"rustypotato/server/servertest"
)

func persistClient(t *testing.T, addr string) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, PoolSize: 1})
	t.Cleanup(func() { c.Close() })
	return c
}

// reply renders a command's reply or error, like redis-cli.
func reply(c *redis.Client, args ...any) string {
	v, err := c.Do(context.Background(), args...).Result()
	if err != nil {
		return "ERR: " + err.Error()
	}
	return fmt.Sprint(v)
}

func TestPersistCommandsInMemory(t *testing.T) {
	ts := servertest.New(t)
	c := persistClient(t, ts.Addr)
	for _, tc := range []struct {
		args []any
		want string
	}{
		{[]any{"save"}, "ERR: ERR persistence is disabled: the store has no data directory"},
		{[]any{"bgsave"}, "ERR: ERR persistence is disabled: the store has no data directory"},
		{[]any{"snapshot", "list"}, "ERR: ERR persistence is disabled: the store has no data directory"},
		{[]any{"config", "get", "appendfsync"}, "map[appendfsync:everysec]"},
		{[]any{"config", "get", "save"}, "map[save:]"},
	} {
		if got := reply(c, tc.args...); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.args, got, tc.want)
		}
	}
	if n, err := c.LastSave(context.Background()).Result(); err != nil || n <= 0 {
		t.Fatalf("LASTSAVE in memory: %d, %v", n, err)
	}
}

func TestPersistCommandsDurable(t *testing.T) {
	dir := t.TempDir()
	db, err := potato.Open(potato.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ts := servertest.NewWithDB(t, db)
	c := persistClient(t, ts.Addr)
	ctx := context.Background()
	if err := c.Set(ctx, "k", "v1", 0).Err(); err != nil {
		t.Fatal(err)
	}
	export := "x.rpz" // a file in the data directory
	steps := []struct {
		args []any
		want string
	}{
		{[]any{"save"}, "OK"},
		{[]any{"snapshot", "create", "one"}, "OK"},
		{[]any{"snapshot", "create", "one"}, "ERR: ERR snapshot 'one' already exists"},
		{[]any{"snapshot", "create", ".x"}, "ERR: ERR invalid snapshot name '.x' (use 1 to 64 letters, digits, '_', '-' or '.', not starting with '.')"},
		{[]any{"snapshot", "create"}, "ERR: ERR wrong number of arguments for 'snapshot|create' command"},
		{[]any{"snapshot", "nope"}, "ERR: ERR unknown subcommand 'nope'. Try SNAPSHOT HELP."},
		{[]any{"snapshot", "export", export}, "1"},
		{[]any{"set", "k", "v2"}, "OK"},
		{[]any{"snapshot", "restore", "one"}, "1"},
		{[]any{"get", "k"}, "v1"},
		{[]any{"set", "k", "v3"}, "OK"},
		{[]any{"snapshot", "import", export}, "1"},
		{[]any{"get", "k"}, "v1"},
		{[]any{"snapshot", "restore", "missing"}, "ERR: ERR no such snapshot 'missing'"},
		{[]any{"snapshot", "delete", "one"}, "OK"},
		{[]any{"snapshot", "delete", "one"}, "ERR: ERR no such snapshot 'one'"},
		{[]any{"config", "get", "appendfsync"}, "map[appendfsync:everysec]"},
		{[]any{"config", "set", "appendfsync", "always"}, "OK"},
		{[]any{"config", "get", "appendfsync"}, "map[appendfsync:always]"},
		{[]any{"config", "set", "appendfsync", "sometimes"}, "ERR: ERR CONFIG SET failed (possibly related to argument 'appendfsync') - argument(s) must be one of the following: always, everysec, no"},
		{[]any{"config", "set", "compression", "zstd"}, "ERR: ERR CONFIG SET failed (possibly related to argument 'compression') - can't set immutable config"},
		{[]any{"bgsave", "now"}, "ERR: ERR syntax error"},
	}
	for _, s := range steps {
		if got := reply(c, s.args...); got != s.want {
			t.Fatalf("%v: %q, want %q", s.args, got, s.want)
		}
	}
	if db.Persistence().Fsync != potato.FsyncAlways {
		t.Fatalf("CONFIG SET appendfsync did not reach the store: %v", db.Persistence().Fsync)
	}
	list := reply(c, "snapshot", "list")
	if !strings.HasPrefix(list, "[[dump ") {
		t.Fatalf("SNAPSHOT LIST: %s", list)
	}
	if got := reply(c, "bgsave"); got != "Background saving started" {
		t.Fatalf("BGSAVE: %q", got)
	}
	for db.Persistence().BGSaveInProgress {
		time.Sleep(time.Millisecond)
	}
	info := reply(c, "info", "persistence")
	for _, want := range []string{"aof_enabled:1", "aof_last_write_status:ok", "rdb_bgsave_in_progress:0", "rdb_last_bgsave_status:ok"} {
		if !strings.Contains(info, want) {
			t.Errorf("INFO persistence lacks %q:\n%s", want, info)
		}
	}
	// RESTORE and IMPORT replace everything: not inside MULTI.
	tx := c.TxPipeline()
	tx.Do(ctx, "snapshot", "restore", "dump")
	_, err = tx.Exec(ctx)
	if err == nil || !strings.Contains(err.Error(), "Command not allowed inside a transaction") {
		t.Fatalf("SNAPSHOT RESTORE in MULTI: %v", err)
	}
}
