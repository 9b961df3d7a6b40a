package server_test

import (
	"encoding/json"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"rustypotato/server"
	"rustypotato/server/servertest"
)

func TestSlowlog(t *testing.T) {
	ts := servertest.New(t)
	c := dialRaw(t, ts.Addr)
	eq := func(what, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %s; want %s", what, got, want)
		}
	}
	eq("config get", c.do("config", "get", "slowlog-log-slower-than"), `["slowlog-log-slower-than" "10000"]`)
	eq("config get", c.do("config", "get", "slowlog-max-len"), `["slowlog-max-len" "128"]`)
	eq("len", c.do("slowlog", "len"), ":0")
	c.do("set", "fast", "1")
	eq("len after a fast command", c.do("slowlog", "len"), ":0")
	eq("debug sleep", c.do("debug", "sleep", "0.02"), "+OK")
	eq("len", c.do("slowlog", "len"), ":1")
	got := c.do("slowlog", "get")
	if !regexp.MustCompile(`^\[\[:0 :\d+ :(\d+) \["debug" "sleep" "0.02"\] "127\.0\.0\.1:\d+" ""\]\]$`).MatchString(got) {
		t.Errorf("slowlog get = %s", got)
	}
	// Everything is logged at 0; arguments are truncated as Redis does.
	eq("config set", c.do("config", "set", "slowlog-log-slower-than", "0"), "+OK")
	c.do("client", "setname", "me")
	long := strings.Repeat("x", 200)
	args := []string{"rpush", "l"}
	for i := 0; i < 40; i++ {
		args = append(args, long[:i+1])
	}
	c.do(args...)
	v, _ := func() (string, error) {
		c.send("slowlog", "get", "1")
		r, err := c.read(time.Second)
		return render(r), err
	}()
	if !strings.Contains(v, `"... (11 more arguments)"] "127.0.0.1:`) || !strings.HasSuffix(v, `"me"]]`) {
		t.Errorf("slowlog get 1 = %s", v)
	}
	c.do("set", "big", long)
	v = c.do("slowlog", "get", "1")
	if !strings.Contains(v, `"`+long[:128]+`... (72 more bytes)"`) {
		t.Errorf("long argument not truncated: %s", v)
	}
	if n := strings.Count(c.do("slowlog", "get", "-1"), `"127.0.0.1:`); n < 5 {
		t.Errorf("slowlog get -1 returned %d entries", n)
	}
	eq("bad count", c.do("slowlog", "get", "-2"), "-ERR count should be greater than or equal to -1")
	eq("bad count", c.do("slowlog", "get", "x"), "-ERR value is not an integer or out of range")
	eq("extra argument", c.do("slowlog", "get", "1", "2"), "-ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.")
	// max-len bounds the log.
	c.do("config", "set", "slowlog-max-len", "3")
	c.do("ping")
	eq("len bounded", c.do("slowlog", "len"), ":3")
	eq("reset", c.do("slowlog", "reset"), "+OK")
	// RESET itself is logged after it ran.
	if n := c.do("slowlog", "len"); n != ":1" && n != ":0" {
		t.Errorf("len after reset = %s", n)
	}
	c.do("config", "set", "slowlog-log-slower-than", "-1")
	c.do("slowlog", "reset")
	c.do("debug", "sleep", "0.02")
	eq("disabled", c.do("slowlog", "len"), ":0")
}

func TestLatencyMonitor(t *testing.T) {
	ts := servertest.New(t)
	c := dialRaw(t, ts.Addr)
	eq := func(what, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %s; want %s", what, got, want)
		}
	}
	eq("off by default", c.do("config", "get", "latency-monitor-threshold"), `["latency-monitor-threshold" "0"]`)
	c.do("debug", "sleep", "0.03")
	eq("latest while off", c.do("latency", "latest"), "[]")
	eq("config set", c.do("config", "set", "latency-monitor-threshold", "10"), "+OK")
	c.do("debug", "sleep", "0.03")
	got := c.do("latency", "latest")
	if !regexp.MustCompile(`^\[\["command" :\d+ :(\d+) :\d+\]\]$`).MatchString(got) {
		t.Errorf("latency latest = %s", got)
	}
	if h := c.do("latency", "history", "command"); !regexp.MustCompile(`^\[\[:\d+ :\d+\]\]$`).MatchString(h) {
		t.Errorf("latency history = %s", h)
	}
	eq("history of nothing", c.do("latency", "history", "nope"), "[]")
	eq("reset", c.do("latency", "reset"), ":1")
	eq("latest after reset", c.do("latency", "latest"), "[]")
	eq("bad value", c.do("config", "set", "latency-monitor-threshold", "x"),
		"-ERR CONFIG SET failed (possibly related to argument 'latency-monitor-threshold') - argument couldn't be parsed into an integer")
}

func TestMonitor(t *testing.T) {
	ts := servertest.New(t)
	mon := dialRaw(t, ts.Addr)
	if got := mon.do("monitor"); got != "+OK" {
		t.Fatalf("monitor = %s", got)
	}
	c := dialRaw(t, ts.Addr)
	c.do("set", "a", "b c\"\n\x01")
	c.do("select", "2")
	c.do("get", "a")
	c.do("config", "get", "maxclients") // admin: not shown
	c.do("multi")
	c.do("incr", "n")
	c.do("exec")
	addr := c.nc.LocalAddr().String()
	want := []string{
		`[0 ` + addr + `] "set" "a" "b c\"\n\x01"`,
		`[2 ` + addr + `] "select" "2"`,
		`[2 ` + addr + `] "get" "a"`,
		`[2 ` + addr + `] "multi"`,
		`[2 ` + addr + `] "incr" "n"`,
		`[2 ` + addr + `] "exec"`,
	}
	line := regexp.MustCompile(`^\+\d{10}\.\d{6} (.*)$`)
	for _, w := range want {
		v, err := mon.read(5 * time.Second)
		if err != nil {
			t.Fatalf("waiting for %s: %v", w, err)
		}
		if v.Type != '+' {
			t.Fatalf("monitor line type %c: %s", v.Type, render(v))
		}
		m := line.FindStringSubmatch("+" + string(v.Str))
		if m == nil || m[1] != w {
			t.Errorf("monitor line %q; want %q", v.Str, w)
		}
	}
	// A monitor that hangs up leaves the list.
	mon.nc.Close()
	time.Sleep(50 * time.Millisecond)
	c.do("ping")
}

// TestInfoRedisPy parses INFO with redis-py's info(), as monitoring
// scripts do, and checks fields move after known commands.
func TestInfoRedisPy(t *testing.T) {
	py := requireBin(t, "/usr/bin/python3")
	if out, err := exec.Command(py, "-c", "import redis").CombinedOutput(); err != nil {
		requireOrSkip(t, "python3-redis ("+strings.TrimSpace(string(out))+")")
	}
	ts := servertest.New(t)
	port := ts.Addr[strings.LastIndexByte(ts.Addr, ':')+1:]
	script := `
import sys, redis
for proto in (2, 3):
    r = redis.Redis(port=int(sys.argv[1]), protocol=proto) if proto == 3 and redis.__version__ >= "5" else redis.Redis(port=int(sys.argv[1]))
    r.flushall()
    r.set("a", "1"); r.set("b", "2", ex=100); r.get("a"); r.get("nope")
    try:
        r.lpush("a", "x")
    except redis.ResponseError:
        pass
    i = r.info("all")
    assert i["redis_version"] == "7.0.15", i["redis_version"]
    for k in ("used_memory", "connected_clients", "instantaneous_ops_per_sec", "keyspace_hits", "keyspace_misses",
              "total_commands_processed", "uptime_in_seconds", "maxclients", "total_error_replies"):
        assert isinstance(i[k], int), (k, i.get(k))
    assert i["connected_clients"] >= 1
    assert i["keyspace_hits"] >= 1 and i["keyspace_misses"] >= 1, (i["keyspace_hits"], i["keyspace_misses"])
    assert i["db0"]["keys"] == 2 and i["db0"]["expires"] == 1 and "avg_ttl" in i["db0"], i["db0"]
    assert i["cmdstat_set"]["calls"] >= 2, i["cmdstat_set"]
    assert i["cmdstat_lpush"]["failed_calls"] >= 1, i["cmdstat_lpush"]
    e = i["errorstat_WRONGTYPE"]  # "count=1": redis-py 4 parses a single k=v as a string
    assert (e["count"] if isinstance(e, dict) else int(e.split("=")[1])) >= 1, e
    assert "p50" in i["latency_percentiles_usec_set"], i["latency_percentiles_usec_set"]
    assert isinstance(r.info("stats")["instantaneous_input_kbps"], float)
    assert "db0" in r.info() and "cmdstat_set" not in r.info()
print("info ok")
`
	out, err := exec.Command(py, "-c", script, port).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "info ok") {
		t.Fatalf("redis-py info(): %v\n%s", err, out)
	}
}

// TestNewLogger: logfile and log-format choose where and how the program
// logs.
func TestNewLogger(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "potato.log")
	conf := filepath.Join(dir, "r.conf")
	os.WriteFile(conf, []byte("logfile "+logPath+"\nlog-format json\n"), 0o644)
	cf, err := server.ParseConfig(conf, nil)
	if err != nil {
		t.Fatal(err)
	}
	log, closeLog, err := server.NewLogger(cf, slog.LevelInfo)
	if err != nil {
		t.Fatal(err)
	}
	log.Info("ready", "port", 6379)
	log.Debug("not shown")
	closeLog()
	b, _ := os.ReadFile(logPath)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil || m["msg"] != "ready" || m["port"] != float64(6379) {
		t.Errorf("log file %q: %v", b, err)
	}
	cf, err = server.ParseConfig("", []string{"--log-format", "xml"})
	if err == nil {
		_, _, err = server.NewLogger(cf, slog.LevelInfo)
	}
	if err == nil {
		t.Error("log-format xml accepted")
	}
	// CONFIG GET shows them; CONFIG SET refuses (fixed at startup).
	ts := servertest.New(t)
	c := dialRaw(t, ts.Addr)
	if got := c.do("config", "get", "log*"); got != `["loglevel" "notice" "logfile" "" "log-format" "text"]` {
		t.Errorf("config get log* = %s", got)
	}
	if got := c.do("config", "set", "logfile", "x"); !strings.Contains(got, "immutable") {
		t.Errorf("config set logfile = %s", got)
	}
}

func TestMonitorClientList(t *testing.T) {
	ts := servertest.New(t)
	mon := dialRaw(t, ts.Addr)
	mon.do("client", "setname", "watcher")
	mon.do("monitor")
	c := dialRaw(t, ts.Addr)
	list := c.do("client", "list")
	if !regexp.MustCompile(`name=watcher age=\d+ idle=\d+ flags=O `).MatchString(list) {
		t.Errorf("client list does not flag the monitor O:\n%s", list)
	}
}

func TestMemoryUsage(t *testing.T) {
	ts := servertest.New(t)
	c := dialRaw(t, ts.Addr)
	c.do("set", "s", strings.Repeat("x", 1000))
	c.do("rpush", "l", "a", "b", "c")
	c.do("hset", "h", "f", strings.Repeat("v", 500))
	num := func(s string) int64 {
		t.Helper()
		if !strings.HasPrefix(s, ":") {
			t.Fatalf("not an integer reply: %s", s)
		}
		n, _ := strconv.ParseInt(s[1:], 10, 64)
		return n
	}
	if n := num(c.do("memory", "usage", "s")); n < 1000 || n > 1200 {
		t.Errorf("memory usage of a 1000-byte string = %d", n)
	}
	if n := num(c.do("memory", "usage", "h", "samples", "0")); n < 500 {
		t.Errorf("memory usage of a hash = %d", n)
	}
	num(c.do("memory", "usage", "l"))
	for _, tc := range []struct{ args, want string }{
		{"memory usage nope", "(nil)"},
		{"memory usage s samples x", "-ERR value is not an integer or out of range"},
		{"memory usage s samples -1", "-ERR syntax error"},
		{"memory usage s foo", "-ERR syntax error"},
		{"memory usage", "-ERR wrong number of arguments for 'memory|usage' command"},
	} {
		if got := c.do(strings.Fields(tc.args)...); got != tc.want {
			t.Errorf("%s = %s; want %s", tc.args, got, tc.want)
		}
	}
}

func TestBlockedClients(t *testing.T) {
	ts := servertest.New(t)
	w := dialRaw(t, ts.Addr)
	w.send("blpop", "q", "5")
	c := dialRaw(t, ts.Addr)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(c.do("info", "clients"), `blocked_clients:1\r`) {
		if time.Now().After(deadline) {
			t.Fatalf("blocked_clients never 1:\n%s", c.do("info", "clients"))
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.do("rpush", "q", "x")
	if v, err := w.read(5 * time.Second); err != nil || render(v) != `["q" "x"]` {
		t.Fatalf("blpop = %v %v", render(v), err)
	}
	if got := c.do("info", "clients"); !strings.Contains(got, `blocked_clients:0\r`) {
		t.Errorf("after the pop:\n%s", got)
	}
}
