package server_test

import (
	"strings"
	"testing"
	"time"

	"rustypotato/server/servertest"
)

func TestBranchCommands(t *testing.T) {
	addr := servertest.New(t).Addr
	c, other := dialRaw(t, addr), dialRaw(t, addr)
	steps := []struct{ cmd, want string }{
		{"set a 1", "+OK"},
		{"hset h f 1 g 2", ":2"},
		{"branch current", `"main"`},
		{"branch create dev", "+OK"},
		{"branch create dev", "-ERR branch already exists 'dev'"},
		{"branch create a/b.c-d_e FROM dev", "+OK"},
		{"branch create x FROM nope", "-ERR no such branch 'nope'"},
		{"branch create bad!name", "-ERR invalid branch name 'bad!name': use 1 to 64 characters of A-Z a-z 0-9 . _ / -"},
		{"branch create", "-ERR wrong number of arguments for 'branch|create' command"},
		{"branch create y FROM", "-ERR syntax error"},
		{"branch switch nope", "-ERR no such branch 'nope'"},
		{"branch switch dev", "+OK"},
		{"branch current", `"dev"`},
		{"get a", `"1"`},
		{"set a dev", "+OK"},
		{"hset h f dev", ":0"},
		{"del gone", ":0"},
		{"set new x", "+OK"},
		{"dbsize", ":3"},
		{"branch diff main dev", `[["key" "a" "change" "changed" "type" "string"] ["key" "h" "change" "changed" "type" "hash" "fields" ["f"]] ["key" "new" "change" "added" "type" "string"]]`},
		{"branch diff main dev MATCH n* COUNT 5", `[["key" "new" "change" "added" "type" "string"]]`},
		{"branch diff main dev COUNT 0", "-ERR value is out of range, must be positive"},
		{"branch diff main dev bogus", "-ERR syntax error"},
		{"branch switch main", "+OK"},
		{"get a", `"1"`},
		{"exists new", ":0"},
		{"hset h g main", ":0"},
		{"branch merge dev", `["merged" :3 "conflicts" []]`},
		{"hgetall h", `["f" "dev" "g" "main"]`},
		{"get new", `"x"`},
		{"branch merge dev INTO nope", "-ERR no such branch 'nope'"},
		{"branch merge dev ON-CONFLICT maybe", "-ERR ON-CONFLICT must be 'fail', 'ours' or 'theirs'"},
		{"branch merge main", "-ERR cannot merge a branch into itself"},
		{"multi", "+OK"},
		{"branch switch dev", "-ERR BRANCH inside MULTI is not allowed"},
		{"discard", "+OK"},
		{"branch delete main", "-ERR the main branch cannot be deleted"},
		{"branch delete a/b.c-d_e", "+OK"},
		{"branch delete a/b.c-d_e", "-ERR no such branch 'a/b.c-d_e'"},
	}
	for i, s := range steps {
		if got := c.do(strings.Fields(s.cmd)...); got != s.want {
			t.Fatalf("step %d %s:\n got %s\nwant %s", i, s.cmd, got, s.want)
		}
	}
	// A branch in use by a connection cannot be deleted.
	other.do("branch", "switch", "dev")
	if got := c.do("branch", "delete", "dev"); got != "-ERR branch 'dev' is in use by 1 connection(s): they must switch first" {
		t.Fatalf("delete in use: %s", got)
	}
	if got := c.do("client", "list"); !strings.Contains(got, "branch=dev") || !strings.Contains(got, "branch=main") {
		t.Fatalf("CLIENT LIST without branch=: %s", got)
	}
	info := c.do("info", "branches")
	for _, w := range []string{"# Branches", "branches:2", "current_branch:main", "branch_dev:parent=main,"} {
		if !strings.Contains(info, w) {
			t.Fatalf("INFO branches lacks %q: %s", w, info)
		}
	}
	list := c.do("branch", "list")
	if !strings.HasPrefix(list, `[["name" "main" "parent" (nil)`) || !strings.Contains(list, `"name" "dev" "parent" "main"`) {
		t.Fatalf("BRANCH LIST: %s", list)
	}
	other.do("branch", "switch", "main")
	deadline := time.Now().Add(2 * time.Second)
	for c.do("branch", "delete", "dev") != "+OK" {
		if time.Now().After(deadline) {
			t.Fatal("dev still in use after its connection switched away")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestBranchKeyspaceEvents: main's events keep Redis's channels; a
// branch's go to channels a subscriber of main's (even __key*__:*) cannot
// mistake.
func TestBranchKeyspaceEvents(t *testing.T) {
	addr := servertest.New(t).Addr
	c, sub := dialRaw(t, addr), dialRaw(t, addr)
	c.do("config", "set", "notify-keyspace-events", "KEA")
	c.do("branch", "create", "dev")
	sub.do("psubscribe", "__key*__:*")
	if got := sub.do("psubscribe", "__branch@dev__:*"); !strings.Contains(got, "psubscribe") {
		t.Fatal(got)
	}
	c.do("branch", "switch", "dev")
	c.do("set", "k", "v")
	c.do("branch", "switch", "main")
	c.do("set", "k", "w")
	var got []string
	for len(got) < 4 {
		v, err := sub.read(5 * time.Second)
		if err != nil {
			t.Fatalf("after %q: %v", got, err)
		}
		got = append(got, render(v))
	}
	want := []string{
		`["pmessage" "__branch@dev__:*" "__branch@dev__:__keyspace@0__:k" "set"]`,
		`["pmessage" "__branch@dev__:*" "__branch@dev__:__keyevent@0__:set" "k"]`,
		`["pmessage" "__key*__:*" "__keyspace@0__:k" "set"]`,
		`["pmessage" "__key*__:*" "__keyevent@0__:set" "k"]`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestBranchFollowsConnection: MULTI/EXEC, WATCH and blocking pops run on
// the connection's branch.
func TestBranchFollowsConnection(t *testing.T) {
	addr := servertest.New(t).Addr
	c, pusher := dialRaw(t, addr), dialRaw(t, addr)
	c.do("branch", "create", "dev")
	c.do("branch", "switch", "dev")
	c.do("multi")
	c.do("set", "m", "1")
	c.do("incr", "m")
	if got := c.do("exec"); got != "[+OK :2]" {
		t.Fatal(got)
	}
	if got := pusher.do("get", "m"); got != "(nil)" {
		t.Fatalf("EXEC on dev wrote main: %s", got)
	}
	// WATCH on dev, then a switch: the watched view is gone, EXEC aborts.
	c.do("watch", "m")
	c.do("branch", "switch", "main")
	c.do("multi")
	c.do("set", "x", "1")
	if got := c.do("exec"); got != "(nilarray)" {
		t.Fatalf("EXEC after switching away from the watched branch: %s", got)
	}
	c.do("branch", "switch", "dev")
	c.send("blpop", "q", "5")
	waitForCmd(t, pusher, "blpop")
	pusher.do("rpush", "q", "main")
	pusher.do("branch", "switch", "dev")
	pusher.do("rpush", "q", "dev")
	v, err := c.read(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got := render(v); got != `["q" "dev"]` {
		t.Fatalf("BLPOP on dev got %s", got)
	}
	pusher.do("branch", "switch", "main")
	if got := pusher.do("lrange", "q", "0", "-1"); got != `["main"]` {
		t.Fatalf("main's list: %s", got)
	}
}
