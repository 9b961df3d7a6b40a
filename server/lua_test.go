package server_test

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"rustypotato"
	"rustypotato/server"
	"rustypotato/server/servertest"
)

func TestLuaRedisPyLock(t *testing.T) {
	py := pythonOrSkip(t)
	ts := servertest.New(t)
	port := ts.Addr[strings.LastIndexByte(ts.Addr, ':')+1:]
	script, _ := filepath.Abs("testdata/scripting/redis_py_lock.py")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, py, script, port).CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("all checks passed")) {
		t.Fatalf("redis-py: %v\n%s", err, out)
	}
}

func TestLuaGoRedisScript(t *testing.T) {
	ts := servertest.New(t)
	c := goRedis(t, ts.Addr)
	ctx := context.Background()
	// Run tries EVALSHA, and EVAL after NOSCRIPT.
	s := redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v == false then v = 0 end
v = tonumber(v) + tonumber(ARGV[1])
redis.call('SET', KEYS[1], v)
return v`)
	for i, want := range []int64{3, 6} {
		got, err := s.Run(ctx, c, []string{"n"}, 3).Int64()
		if err != nil || got != want {
			t.Fatalf("run %d: %v, %v", i, got, err)
		}
	}
	if ok, err := s.Exists(ctx, c).Result(); err != nil || !ok[0] {
		t.Fatalf("SCRIPT EXISTS: %v %v", ok, err)
	}
	ro := redis.NewScript(`return redis.call('GET', KEYS[1])`)
	if got, err := ro.RunRO(ctx, c, []string{"n"}).Text(); err != nil || got != "6" {
		t.Fatalf("RunRO: %v, %v", got, err)
	}
	// A script inside MULTI runs in the EXEC transaction.
	pipe := c.TxPipeline()
	pipe.Set(ctx, "n", 10, 0)
	run := s.Eval(ctx, pipe, []string{"n"}, 1)
	if _, err := pipe.Exec(ctx); err != nil || run.Val() != int64(11) {
		t.Fatalf("EXEC: %v, %v", run.Val(), err)
	}
}

// TestLuaAtomicAndUndone: a failing script undoes its writes, and a
// script that touches keys it did not declare stays atomic while other
// clients write them (the transaction re-runs it holding every lock).
func TestLuaAtomicAndUndone(t *testing.T) {
	ts := servertest.New(t)
	c := goRedis(t, ts.Addr)
	ctx := context.Background()
	c.Set(ctx, "a", "1", 0)
	err := c.Eval(ctx, "redis.call('SET', 'a', '2'); redis.call('SET', 'b', 'x'); error('stop')", nil).Err()
	if err == nil || !strings.HasPrefix(err.Error(), "ERR user_script:1: stop script: ") {
		t.Fatalf("failing script: %v", err)
	}
	if v := c.Get(ctx, "a").Val(); v != "1" || c.Exists(ctx, "b").Val() != 0 {
		t.Fatalf("a failing script kept its writes: a=%q", v)
	}
	// Move 1 from one undeclared key to another, concurrently with
	// scripts moving back: the sum never changes.
	c.Set(ctx, "x", 1000, 0)
	c.Set(ctx, "y", 1000, 0)
	move := `local f, t = ARGV[1], ARGV[2]
redis.call('DECR', f)
redis.call('INCR', t)
return redis.call('GET', 'x') + redis.call('GET', 'y')`
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			from, to := "x", "y"
			if g%2 == 1 {
				from, to = to, from
			}
			for i := 0; i < 100; i++ {
				sum, err := c.Eval(ctx, move, nil, from, to).Int64()
				if err != nil || sum != 2000 {
					errs <- err.Error()
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

func TestLuaBusyAndScriptKill(t *testing.T) {
	ts := servertest.New(t)
	c := goRedis(t, ts.Addr)
	ctx := context.Background()
	configSet(t, c, "busy-reply-threshold", "100")
	raw := dialRaw(t, ts.Addr)
	done := make(chan error, 1)
	go func() {
		done <- c.Eval(ctx, "redis.call('SET', KEYS[1], 'partial'); while true do end", []string{"spin"}).Err()
	}()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(raw.do("script", "kill"), "+OK") {
		if time.Now().After(deadline) {
			t.Fatal("SCRIPT KILL never found a busy script")
		}
		if got := raw.do("function", "kill"); got != "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE." && got != "-NOTBUSY No scripts in execution right now." {
			t.Fatalf("FUNCTION KILL of a script: %s", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case err := <-done:
		if err == nil || !strings.HasPrefix(err.Error(), "ERR Script killed by user with SCRIPT KILL... script: ") {
			t.Fatalf("killed script: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("SCRIPT KILL did not stop the script")
	}
	// Unlike Redis (UNKILLABLE), the killed script's write is undone.
	if got := raw.do("get", "spin"); got != "(nil)" {
		t.Fatalf("after the kill: %s", got)
	}
	// While a script is busy, a command on its key gets BUSY.
	go func() { done <- c.Eval(ctx, "while true do end", []string{"held"}).Err() }()
	time.Sleep(300 * time.Millisecond)
	if got := raw.do("get", "held"); got != "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE." {
		t.Fatalf("GET of a busy script's key: %s", got)
	}
	if got := raw.do("script", "kill"); got != "+OK" {
		t.Fatalf("SCRIPT KILL: %s", got)
	}
	<-done
}

func TestLuaFunctionsPersist(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	for round := 0; round < 2; round++ {
		db, err := potato.Open(potato.Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		ts := servertest.NewServer(t, &server.Server{DB: db})
		c := goRedis(t, ts.Addr)
		if round == 0 {
			if err := c.FunctionLoad(ctx, "#!lua name=plib\nredis.register_function('twice', function(keys, args) return args[1] * 2 end)").Err(); err != nil {
				t.Fatal(err)
			}
		}
		if v, err := c.FCall(ctx, "twice", nil, 21).Int64(); err != nil || v != 42 {
			t.Fatalf("round %d: %v, %v", round, v, err)
		}
		ts.Server.Close()
		db.Close()
	}
}

func TestScriptingCommandTable(t *testing.T) {
	checkCommandTable(t, []string{"fcall", "fcall_ro", "eval", "evalsha", "eval_ro", "evalsha_ro"})
}
