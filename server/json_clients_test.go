package server_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"rustypotato/server/servertest"
)

// go-redis v9's JSON commands against the server, over RESP2 and RESP3.
func TestJSONGoRedis(t *testing.T) {
	for _, proto := range []int{2, 3} {
		srv := servertest.New(t)
		rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, Protocol: proto, UnstableResp3: true})
		t.Cleanup(func() { rdb.Close() })
		ctx := context.Background()
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("RESP%d: %v", proto, err)
			}
		}
		must(rdb.JSONSet(ctx, "user", "$", map[string]any{"name": "Ann", "age": 31, "tags": []string{"a"}}).Err())
		got, err := rdb.JSONGet(ctx, "user", "$.name").Result()
		must(err)
		if got != `["Ann"]` {
			t.Errorf("RESP%d JSONGet: %s", proto, got)
		}
		if got, _ := rdb.JSONGet(ctx, "user", ".age").Result(); got != "31" {
			t.Errorf("RESP%d JSONGet legacy: %s", proto, got)
		}
		if n, err := rdb.JSONArrAppend(ctx, "user", "$.tags", `"b"`, `"c"`).Result(); err != nil || len(n) != 1 || n[0] != 3 {
			t.Errorf("RESP%d JSONArrAppend: %v %v", proto, n, err)
		}
		if n, err := rdb.JSONArrLen(ctx, "user", "$.tags").Result(); err != nil || n[0] != 3 {
			t.Errorf("RESP%d JSONArrLen: %v %v", proto, n, err)
		}
		if v, err := rdb.JSONArrPop(ctx, "user", "$.tags", -1).Result(); err != nil || len(v) != 1 || v[0] != `"c"` {
			t.Errorf("RESP%d JSONArrPop: %v %v", proto, v, err)
		}
		if v, err := rdb.JSONNumIncrBy(ctx, "user", "$.age", 1).Result(); err != nil || !strings.Contains(v, "32") {
			t.Errorf("RESP%d JSONNumIncrBy: %v %v", proto, v, err)
		}
		if v, err := rdb.JSONStrAppend(ctx, "user", "$.name", `"ie"`).Result(); err != nil || *v[0] != 5 {
			t.Errorf("RESP%d JSONStrAppend: %v %v", proto, v, err)
		}
		if v, err := rdb.JSONStrLen(ctx, "user", "$.name").Result(); err != nil || *v[0] != 5 {
			t.Errorf("RESP%d JSONStrLen: %v %v", proto, v, err)
		}
		if v, err := rdb.JSONObjLen(ctx, "user", "$").Result(); err != nil || *v[0] != 3 {
			t.Errorf("RESP%d JSONObjLen: %v %v", proto, v, err)
		}
		if v, err := rdb.JSONObjKeys(ctx, "user", "$").Result(); err != nil || len(v) != 1 {
			t.Errorf("RESP%d JSONObjKeys: %v %v", proto, v, err)
		}
		if v, err := rdb.JSONType(ctx, "user", "$.age").Result(); err != nil || len(v) != 1 {
			t.Errorf("RESP%d JSONType: %v %v", proto, v, err)
		}
		must(rdb.JSONSet(ctx, "user", "$.ok", true).Err())
		if v, err := rdb.JSONToggle(ctx, "user", "$.ok").Result(); err != nil || *v[0] != 0 {
			t.Errorf("RESP%d JSONToggle: %v %v", proto, v, err)
		}
		if v, err := rdb.JSONArrIndex(ctx, "user", "$.tags", `"b"`).Result(); err != nil || v[0] != 1 {
			t.Errorf("RESP%d JSONArrIndex: %v %v", proto, v, err)
		}
		if v, err := rdb.JSONArrInsert(ctx, "user", "$.tags", 0, `"z"`).Result(); err != nil || v[0] != 3 {
			t.Errorf("RESP%d JSONArrInsert: %v %v", proto, v, err)
		}
		stop := 1
		if v, err := rdb.JSONArrTrimWithArgs(ctx, "user", "$.tags", &redis.JSONArrTrimArgs{Start: 0, Stop: &stop}).Result(); err != nil || v[0] != 2 {
			t.Errorf("RESP%d JSONArrTrimWithArgs: %v %v", proto, v, err)
		}
		must(rdb.JSONMerge(ctx, "user", "$", `{"ok":null,"city":"Oslo"}`).Err())
		must(rdb.JSONMSetArgs(ctx, []redis.JSONSetArgs{{Key: "a", Path: "$", Value: `{"x":1}`}, {Key: "b", Path: "$", Value: `{"x":2}`}}).Err())
		if v, err := rdb.JSONMGet(ctx, "$.x", "a", "b").Result(); err != nil || len(v) != 2 {
			t.Errorf("RESP%d JSONMGet: %v %v", proto, v, err)
		}
		if n, err := rdb.JSONClear(ctx, "a", "$").Result(); err != nil || n != 1 {
			t.Errorf("RESP%d JSONClear: %v %v", proto, n, err)
		}
		if n, err := rdb.JSONDel(ctx, "user", "$.city").Result(); err != nil || n != 1 {
			t.Errorf("RESP%d JSONDel: %v %v", proto, n, err)
		}
		got, err = rdb.JSONGet(ctx, "user").Result()
		must(err)
		want := `{"age":32,"name":"Annie","tags":["z","a"]}`
		if proto == 3 {
			want = "[" + want + "]" // RESP3's default path is $
		}
		if got != want {
			t.Errorf("RESP%d final document: %s", proto, got)
		}
		if err := rdb.JSONGet(ctx, "nokey").Err(); err != redis.Nil {
			t.Errorf("RESP%d JSONGet of a missing key: %v", proto, err)
		}
		if err := rdb.JSONSetMode(ctx, "user", "$.age", 1, "NX").Err(); err != redis.Nil {
			t.Errorf("RESP%d JSONSetMode NX on an existing path: %v", proto, err)
		}
		if v, _ := rdb.Type(ctx, "user").Result(); v != "ReJSON-RL" {
			t.Errorf("RESP%d TYPE: %s", proto, v)
		}
	}
}

// redis-py's r.json() (Debian's python3-redis) against the server.
func TestJSONRedisPy(t *testing.T) {
	py := "/usr/bin/python3" // Debian's, with python3-redis
	if _, err := os.Stat(py); err != nil {
		t.Skip("no /usr/bin/python3")
	}
	if exec.Command(py, "-c", "import redis.commands.json").Run() != nil {
		if os.Getenv("POTATO_REQUIRE_REDIS") == "1" {
			t.Fatal("python3-redis (with redis.commands.json) is required")
		}
		t.Skip("python3-redis with JSON support is not installed")
	}
	srv := servertest.New(t)
	host, port, _ := strings.Cut(srv.Addr, ":")
	script := `
import sys, redis
r = redis.Redis(host=sys.argv[1], port=int(sys.argv[2]), decode_responses=True)
j = r.json()
assert j.set("p", "$", {"name": "Ann", "langs": ["go"], "n": 1})
assert j.get("p", "$.name") == ["Ann"], j.get("p", "$.name")
assert j.get("p") == {"name": "Ann", "langs": ["go"], "n": 1}
assert j.arrappend("p", "$.langs", "py") == [2]
assert j.numincrby("p", "$.n", 2) == [3], j.numincrby("p", "$.n", 0)
assert j.type("p", "$.langs") == ["array"]
assert j.objkeys("p") == ["name", "langs", "n"]
assert j.delete("p", "$.n") == 1
assert j.get("p", "$") == [{"name": "Ann", "langs": ["go", "py"]}]
assert r.type("p") == "ReJSON-RL"
print("ok")
`
	out, err := exec.Command(py, "-c", script, host, port).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("redis-py: %v\n%s", err, out)
	}
}
