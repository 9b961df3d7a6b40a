package server_test

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"rustypotato"
	"rustypotato/server"
	"rustypotato/server/servertest"
)

func TestHookCommands(t *testing.T) {
	ts := servertest.New(t)
	c := dialRaw(t, ts.Addr)
	schema := `{"type":"object","required":["name"]}`
	steps := []struct {
		cmd  []string
		want string
	}{
		{[]string{"hook", "add", "age", "age:*", "BUILTIN", "int", "0", "150"}, "+OK"},
		{[]string{"hook", "add", "age", "age:*", "BUILTIN", "int"}, "-ERR hook already exists"},
		{[]string{"hook", "add", "x", "x:*", "BUILTIN", "nope"}, "-ERR unknown hook builtin 'nope'"},
		{[]string{"hook", "add", "x", "x:*", "BUILTIN", "regex", "("}, "-ERR hook builtin 'regex': error parsing regexp: missing closing ): `(`"},
		{[]string{"hook", "add", "x", "x:*", "ON", "set", "ON", "hset", "BUILTIN", "int"}, "-ERR syntax error"},
		{[]string{"hook", "add", "x", "x:*", "PRIORITY", "high", "BUILTIN", "int"}, "-ERR PRIORITY must be an integer"},
		{[]string{"hook", "add", "x", "x:*", "BUILTIN"}, "-ERR wrong number of arguments for 'hook|add' command"},
		{[]string{"hook", "add", "x", "x:*", "FUNCTION", "f", "extra"}, "-ERR syntax error"},
		{[]string{"hook", "add", "mail", "email:*", "ON", "set,append", "PRIORITY", "-1", "BUILTIN", "lower"}, "+OK"},
		{[]string{"hook", "add", "mail-trim", "email:*", "BUILTIN", "trim"}, "+OK"},
		{[]string{"hook", "add", "prof", "user:*", "BUILTIN", "json-schema", schema}, "+OK"},
		{[]string{"set", "age:1", "42"}, "+OK"},
		{[]string{"set", "age:1", "200"}, "-HOOK age: value 200 is out of range [0, 150]"},
		{[]string{"incrby", "age:1", "108"}, ":150"},
		{[]string{"incr", "age:1"}, "-HOOK age: value 151 is out of range [0, 150]"},
		{[]string{"get", "age:1"}, `"150"`},
		{[]string{"mset", "age:2", "1", "age:3", "x"}, "-HOOK age: value is not an integer"},
		{[]string{"exists", "age:2"}, ":0"},
		{[]string{"set", "email:1", "  Ann@Example.COM "}, "+OK"},
		{[]string{"get", "email:1"}, `"ann@example.com"`},
		{[]string{"set", "user:1", `{"name":"ann"}`}, "+OK"},
		{[]string{"set", "user:2", `{"age":1}`}, "-HOOK prof: schema: at '': missing property 'name'"},
		{[]string{"hset", "age:h", "a", "1", "b", "two"}, "-HOOK age: value is not an integer"},
		{[]string{"exists", "age:h"}, ":0"},
		{[]string{"rpush", "age:l", "1", "2"}, ":2"},
		{[]string{"lset", "age:l", "0", "-5"}, "-HOOK age: value -5 is out of range [0, 150]"},
		{[]string{"lrange", "age:l", "0", "-1"}, `["1" "2"]`},
		{[]string{"set", "tmp", "abc"}, "+OK"},
		{[]string{"rename", "tmp", "age:9"}, "-HOOK age: value is not an integer"},
		{[]string{"get", "tmp"}, `"abc"`},
		{[]string{"hook", "test", "mail", "X@Y"}, `"x@y"`},
		{[]string{"hook", "test", "age", "1000"}, "-HOOK age: value 1000 is out of range [0, 150]"},
		{[]string{"hook", "test", "nope", "1"}, "-ERR no such hook"},
		// Inside MULTI/EXEC only the rejected command fails.
		{[]string{"multi"}, "+OK"},
		{[]string{"set", "age:5", "5"}, "+QUEUED"},
		{[]string{"set", "age:6", "oops"}, "+QUEUED"},
		{[]string{"set", "age:7", "7"}, "+QUEUED"},
		{[]string{"exec"}, `[+OK -HOOK age: value is not an integer +OK]`},
		{[]string{"mget", "age:5", "age:6", "age:7"}, `["5" (nil) "7"]`},
		{[]string{"eval", "return redis.pcall('set', KEYS[1], 'x')", "1", "age:8"}, "-HOOK age: value is not an integer"},
		{[]string{"eval", "redis.call('set', KEYS[1], 'x') return 1", "1", "age:8"}, "-HOOK age: value is not an integer script: f79e1836a657c40f51b57e85d7f2c096d8904fba, on @user_script:1."},
		{[]string{"exists", "age:8"}, ":0"},
		{[]string{"hook", "del", "mail-trim"}, "+OK"},
		{[]string{"hook", "del", "mail-trim"}, "-ERR no such hook"},
		{[]string{"hook", "list"}, `[["name" "mail" "pattern" "email:*" "ops" ["set" "append"] "branch" (nil) "priority" :-1 "kind" "builtin" "run" "lower" "args" [] "calls" :1 "rejections" :0] ` +
			`["name" "age" "pattern" "age:*" "ops" [] "branch" (nil) "priority" :0 "kind" "builtin" "run" "int" "args" ["0" "150"] "calls" :17 "rejections" :9] ` +
			`["name" "prof" "pattern" "user:*" "ops" [] "branch" (nil) "priority" :0 "kind" "builtin" "run" "json-schema" "args" ["{\"type\":\"object\",\"required\":[\"name\"]}"] "calls" :2 "rejections" :1]]`},
		{[]string{"hook", "bogus"}, "-ERR unknown subcommand 'bogus'. Try HOOK HELP."},
	}
	for i, s := range steps {
		if got := c.do(s.cmd...); got != s.want {
			t.Fatalf("step %d %q:\n got %s\nwant %s", i, s.cmd, got, s.want)
		}
	}
	info := c.do("info", "hooks")
	if !strings.Contains(info, "hooks:3") || !strings.Contains(info, "hook_age:kind=builtin,calls=17,rejections=9") {
		t.Fatalf("INFO hooks: %s", info)
	}
}

// A library function as a hook: FUNCTION LOAD, then HOOK ADD ... FUNCTION.
func TestHookFunctionLua(t *testing.T) {
	ts := servertest.New(t)
	c := dialRaw(t, ts.Addr)
	lib := "#!lua name=hooks\n" +
		"redis.register_function('nospace', function(keys, args)\n" +
		"  local new = args[3]\n" +
		"  if string.find(new, ' ') then return redis.error_reply('ERR no spaces in ' .. keys[1]) end\n" +
		"  if args[1] == 'set' then return string.upper(new) end\n" +
		"  return nil\n" +
		"end)\n"
	steps := []struct {
		cmd  []string
		want string
	}{
		{[]string{"hook", "add", "ns", "tag:*", "FUNCTION", "nospace"}, "+OK"},
		{[]string{"set", "tag:1", "a"}, "-HOOK ns: ERR function 'nospace' is not loaded"},
		{[]string{"function", "load", lib}, `"hooks"`},
		{[]string{"set", "tag:1", "abc"}, "+OK"},
		{[]string{"get", "tag:1"}, `"ABC"`},
		{[]string{"append", "tag:1", "d"}, ":4"},
		{[]string{"get", "tag:1"}, `"ABCd"`},
		{[]string{"set", "tag:2", "a b"}, "-HOOK ns: ERR no spaces in tag:2"},
		{[]string{"hook", "test", "ns", "xy", "tag:3"}, `"XY"`},
		{[]string{"hook", "test", "ns", "x y", "tag:3"}, "-HOOK ns: ERR no spaces in tag:3"},
		{[]string{"set", "tag:3", "x"}, "+OK"},
	}
	for i, s := range steps {
		if got := c.do(s.cmd...); got != s.want {
			t.Fatalf("step %d %q:\n got %s\nwant %s", i, s.cmd, got, s.want)
		}
	}
}

// A Go hook that panics fails its command; the server goes on.
func TestHookPanicContained(t *testing.T) {
	db, err := potato.Open(potato.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.AddHook(potato.Hook{Name: "boom", Pattern: "b*", Func: func(*potato.HookContext) error { panic("kaboom") }}); err != nil {
		t.Fatal(err)
	}
	ts := servertest.NewServer(t, &server.Server{DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	c := dialRaw(t, ts.Addr)
	if got := c.do("set", "b1", "x"); got != "-HOOK boom: hook panicked: kaboom" {
		t.Fatalf("got %s", got)
	}
	if got := c.do("set", "a1", "x"); got != "+OK" {
		t.Fatalf("after panic: %s", got)
	}
	if got := c.do("exists", "b1"); got != ":0" {
		t.Fatalf("exists: %s", got)
	}
}

// HOOK definitions and the function library a hook runs are both stored:
// after a restart on the same directory they judge writes as before.
func TestHookDurableAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	lib := "#!lua name=h\nredis.register_function('up', function(keys, args) return string.upper(args[3]) end)\n"
	for round := 0; round < 2; round++ {
		db, err := potato.Open(potato.Options{Dir: dir, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		ts := servertest.NewServer(t, &server.Server{DB: db, Logger: quiet})
		c := dialRaw(t, ts.Addr)
		if round == 0 {
			for _, cmd := range [][]string{
				{"function", "load", lib},
				{"hook", "add", "up", "u:*", "FUNCTION", "up"},
				{"hook", "add", "age", "age:*", "ON", "set", "BUILTIN", "int", "0", "150"},
			} {
				if got := c.do(cmd...); got != "+OK" && got != `"h"` {
					t.Fatalf("%q: %s", cmd, got)
				}
			}
		}
		if got := c.do("set", "u:1", "abc"); got != "+OK" {
			t.Fatalf("round %d: %s", round, got)
		}
		if got := c.do("get", "u:1"); got != `"ABC"` {
			t.Fatalf("round %d: get %s", round, got)
		}
		if got := c.do("set", "age:1", "999"); got != "-HOOK age: value 999 is out of range [0, 150]" {
			t.Fatalf("round %d: %s", round, got)
		}
		ts.Server.Close()
		db.Close()
	}
}
