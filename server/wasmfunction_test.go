package server_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"rustypotato"
	"rustypotato/internal/plugintest"
	"rustypotato/server"
	"rustypotato/server/servertest"
)

// hostileWASM is server/testdata/plugins/hostile.wat: functions get, set,
// ro (no-writes), trap, undeclared, loop, bomb, huge, badresp, fail.
func hostileWASM(t testing.TB) []byte {
	return plugintest.WAT(t, "testdata/plugins/hostile.wat")
}

func goRedis(t testing.TB, addr string) *redis.Client {
	t.Helper()
	// A long read timeout: compiling a Go guest (2 MB of WebAssembly)
	// takes seconds, tens of them under the race detector.
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, MaxRetries: -1, ReadTimeout: 2 * time.Minute})
	t.Cleanup(func() { c.Close() })
	return c
}

func configSet(t testing.TB, c *redis.Client, kv ...string) {
	t.Helper()
	for i := 0; i < len(kv); i += 2 {
		if err := c.ConfigSet(context.Background(), kv[i], kv[i+1]).Err(); err != nil {
			t.Fatalf("CONFIG SET %s %s: %v", kv[i], kv[i+1], err)
		}
	}
}

func loadHostile(t *testing.T, c *redis.Client) {
	t.Helper()
	ctx := context.Background()
	name, err := c.FunctionLoad(ctx, string(hostileWASM(t))).Result()
	if err != nil || name != "hostile" {
		t.Fatalf("FUNCTION LOAD = %q, %v", name, err)
	}
}

func TestWASMFunctionBasics(t *testing.T) {
	ts := servertest.New(t)
	c := goRedis(t, ts.Addr)
	ctx := context.Background()
	loadHostile(t, c)

	c.Set(ctx, "k", "v", 0)
	if got, err := c.FCall(ctx, "get", []string{"k"}).Result(); err != nil || got != "v" {
		t.Fatalf("FCALL get = %v, %v", got, err)
	}
	if got, err := c.FCallRO(ctx, "get", []string{"k"}).Result(); err != nil || got != "v" {
		t.Fatalf("FCALL_RO get = %v, %v", got, err)
	}
	// Function names are case-insensitive, as in Redis.
	if got, err := c.FCall(ctx, "GET", []string{"k"}).Result(); err != nil || got != "v" {
		t.Fatalf("FCALL GET = %v, %v", got, err)
	}
	if got, err := c.FCall(ctx, "set", []string{"k"}, "new").Result(); err != nil || got != "OK" {
		t.Fatalf("FCALL set = %v, %v", got, err)
	}
	if v := c.Get(ctx, "k").Val(); v != "new" {
		t.Fatalf("after set: %q", v)
	}
	if err := c.FCallRO(ctx, "set", []string{"k"}, "x").Err(); err == nil ||
		err.Error() != "ERR Can not execute a script with write flag using *_ro command." {
		t.Fatalf("FCALL_RO set: %v", err)
	}
	// A no-writes function that writes gets Redis's error from the call.
	if err := c.FCall(ctx, "ro", []string{"k"}, "x").Err(); err == nil ||
		err.Error() != "ERR Write commands are not allowed from read-only scripts." {
		t.Fatalf("FCALL ro: %v", err)
	}
	if v := c.Get(ctx, "k").Val(); v != "new" {
		t.Fatalf("no-writes function wrote: %q", v)
	}

	// FCALL inside MULTI/EXEC runs in the EXEC transaction.
	pipe := c.TxPipeline()
	pipe.Set(ctx, "k", "in-exec", 0)
	get := pipe.FCall(ctx, "get", []string{"k"})
	if _, err := pipe.Exec(ctx); err != nil || get.Val() != "in-exec" {
		t.Fatalf("EXEC: %v, %v", get.Val(), err)
	}

	list, err := c.FunctionList(ctx, redis.FunctionListQuery{LibraryNamePattern: "host*"}).Result()
	if err != nil || len(list) != 1 || list[0].Name != "hostile" || list[0].Engine != "WASM" || len(list[0].Functions) != 11 {
		t.Fatalf("FUNCTION LIST = %+v, %v", list, err)
	}
	for _, f := range list[0].Functions {
		switch f.Name {
		case "get":
			if f.Description != "Gets a key" || len(f.Flags) != 1 || f.Flags[0] != "no-writes" {
				t.Errorf("get: %+v", f)
			}
		case "set":
			if f.Description != "" || len(f.Flags) != 0 {
				t.Errorf("set: %+v", f)
			}
		}
	}
	raw := dialRaw(t, ts.Addr)
	if got := raw.do("function", "stats"); got != `["running_script" (nil) "engines" ["LUA" ["libraries_count" :0 "functions_count" :0] "WASM" ["libraries_count" :1 "functions_count" :11]]]` {
		t.Fatalf("FUNCTION STATS = %s", got)
	}
	if got := raw.do("function", "load", string(hostileWASM(t))); got != `-ERR Library 'hostile' already exists` {
		t.Fatalf("second LOAD = %s", got)
	}
	if got := raw.do("function", "load", "replace", string(hostileWASM(t))); got != `"hostile"` {
		t.Fatalf("LOAD REPLACE = %s", got)
	}
}

func TestWASMHostileGuests(t *testing.T) {
	ts := servertest.New(t)
	c := goRedis(t, ts.Addr)
	ctx := context.Background()
	configSet(t, c, "function-timeout-ms", "200", "function-max-memory", "1mb")
	loadHostile(t, c)
	c.Set(ctx, "k", "before", 0)

	// Trap mid-write: the SET it made is undone.
	err := c.FCall(ctx, "trap", []string{"k"}, "after").Err()
	if err == nil || !strings.HasPrefix(err.Error(), "ERR Error running WebAssembly function 'trap': ") || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("trap: %v", err)
	}
	if v := c.Get(ctx, "k").Val(); v != "before" {
		t.Fatalf("trap left its write: %q", v)
	}
	// A failing status undoes the writes too, and its error reply is
	// the reply.
	if err := c.FCall(ctx, "fail", []string{"k"}, "after").Err(); err == nil || err.Error() != "ERR guest says no" {
		t.Fatalf("fail: %v", err)
	}
	if v := c.Get(ctx, "k").Val(); v != "before" {
		t.Fatalf("failed call left its write: %q", v)
	}
	// Undeclared key: refused like a cluster script's non-local key.
	c.Set(ctx, "other", "secret", 0)
	if got, err := c.FCall(ctx, "undeclared", []string{"k"}).Result(); err == nil ||
		err.Error() != "ERR Script attempted to access a non local key in a cluster node" {
		t.Fatalf("undeclared: %v, %v", got, err)
	}
	// A result past the end of memory traps; a malformed one is refused.
	if err := c.FCall(ctx, "huge", nil).Err(); err == nil || !strings.Contains(err.Error(), "out of bounds") {
		t.Fatalf("huge: %v", err)
	}
	if err := c.FCall(ctx, "badresp", nil).Err(); err == nil || !strings.Contains(err.Error(), "invalid reply") {
		t.Fatalf("badresp: %v", err)
	}
	// Memory bomb: memory.grow fails at function-max-memory.
	if got, err := c.FCall(ctx, "bomb", nil).Result(); err != nil || got != "capped" {
		t.Fatalf("bomb: %v, %v", got, err)
	}

	// Infinite loop: stopped by function-timeout-ms, and meanwhile other
	// clients are served, even on other keys of the same function.
	other := goRedis(t, ts.Addr)
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- c.FCall(ctx, "loop", nil).Err() }()
	time.Sleep(50 * time.Millisecond)
	if err := other.Set(ctx, "free", "1", 0).Err(); err != nil {
		t.Fatalf("other client while the loop runs: %v", err)
	}
	select {
	case err := <-done:
		if err == nil || !strings.HasPrefix(err.Error(), "ERR Script timed out after 200 ms (function-timeout-ms)") {
			t.Fatalf("loop: %v", err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("loop stopped after %v", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("loop not stopped")
	}
	if got, err := c.FCall(ctx, "get", []string{"k"}).Result(); err != nil || got != "before" {
		t.Fatalf("after the hostile calls: %v, %v", got, err)
	}
}

func TestWASMBusyAndKill(t *testing.T) {
	ts := servertest.New(t)
	c := goRedis(t, ts.Addr)
	ctx := context.Background()
	configSet(t, c, "function-timeout-ms", "0", "busy-reply-threshold", "100")
	loadHostile(t, c)
	raw := dialRaw(t, ts.Addr)
	if got := raw.do("function", "kill"); got != "-NOTBUSY No scripts in execution right now." {
		t.Fatalf("KILL with nothing running: %s", got)
	}
	done := make(chan error, 1)
	go func() { done <- c.Do(ctx, "fcall", "loop", "1", "held").Err() }()
	// A command on the function's key waits for its lock until the call
	// is busy (past busy-reply-threshold); from then on it gets BUSY.
	// Wait for that without touching the key.
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(raw.do("function", "stats"), `"name" "loop"`) {
		if time.Now().After(deadline) {
			t.Fatal("the loop does not show in FUNCTION STATS")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // past busy-reply-threshold (100 ms)
	if got := raw.do("get", "held"); got != "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE." {
		t.Fatalf("GET of the busy function's key: %s", got)
	}
	// Other keys are served while the function is busy.
	if got := raw.do("set", "free", "1"); got != "+OK" {
		t.Fatalf("other key while busy: %s", got)
	}
	if got := raw.do("function", "stats"); !strings.HasPrefix(got, `["running_script" ["name" "loop" "command" ["fcall" "loop" "1" "held"] "duration_ms" :`) {
		t.Fatalf("FUNCTION STATS while busy: %s", got)
	}
	if got := raw.do("script", "kill"); got != "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE." && !strings.HasPrefix(got, "-ERR unknown command") {
		t.Fatalf("SCRIPT KILL of a function: %s", got)
	}
	if got := raw.do("function", "kill"); got != "+OK" {
		t.Fatalf("FUNCTION KILL: %s", got)
	}
	select {
	case err := <-done:
		if err == nil || err.Error() != "ERR Script killed by user with FUNCTION KILL... script: loop. Its writes were undone." {
			t.Fatalf("killed call: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("FUNCTION KILL did not stop the loop")
	}
	if got := raw.do("get", "held"); got != "(nil)" {
		t.Fatalf("after the kill: %s", got)
	}
}

func TestWASMFunctionsPersist(t *testing.T) {
	dir := t.TempDir()
	open := func() (*servertest.Server, *redis.Client) {
		db, err := potato.Open(potato.Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		srv := &server.Server{DB: db}
		ts := servertest.NewServer(t, srv)
		return ts, goRedis(t, ts.Addr)
	}
	ctx := context.Background()
	ts, c := open()
	loadHostile(t, c)
	c.Set(ctx, "k", "durable", 0)
	ts.Server.Close()
	ts.DB.Close()

	ts, c = open()
	if got, err := c.FCall(ctx, "get", []string{"k"}).Result(); err != nil || got != "durable" {
		t.Fatalf("after restart: %v, %v", got, err)
	}
	// DELETE and FLUSH persist too.
	if err := c.FunctionDelete(ctx, "hostile").Err(); err != nil {
		t.Fatal(err)
	}
	ts.Server.Close()
	ts.DB.Close()
	ts, c = open()
	if err := c.FCall(ctx, "get", []string{"k"}).Err(); err == nil || err.Error() != "ERR Function not found" {
		t.Fatalf("deleted library after restart: %v", err)
	}
	ts.Server.Close()
	ts.DB.Close()
}

func TestWASMConcurrentCalls(t *testing.T) {
	ts := servertest.New(t)
	c := goRedis(t, ts.Addr)
	ctx := context.Background()
	loadHostile(t, c)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				key := "k" + string(rune('a'+g))
				if err := c.FCall(ctx, "set", []string{key}, "v").Err(); err != nil {
					errs <- err
					return
				}
				if got, err := c.FCall(ctx, "get", []string{key}).Result(); err != nil || got != "v" {
					errs <- errors.Join(err, errors.New("got "+got.(string)))
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
