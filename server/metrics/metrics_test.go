package metrics_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"rustypotato"
	"rustypotato/server"
	"rustypotato/server/metrics"
	"rustypotato/server/servertest"
)

// scrape fetches /metrics and returns each sample line's value by its
// series ("name{labels}").
func scrape(t *testing.T, url string) (map[string]float64, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %s\n%s", url, res.Status, body)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("bad sample line %q", line)
		}
		out[line[:i]] = v
	}
	return out, string(body)
}

func setup(t *testing.T) (*servertest.Server, *redis.Client, string) {
	ts := servertest.New(t)
	hs := httptest.NewServer(metrics.Handler(ts.Server))
	t.Cleanup(hs.Close)
	rc := redis.NewClient(&redis.Options{Addr: ts.Addr, Protocol: 2})
	t.Cleanup(func() { rc.Close() })
	return ts, rc, hs.URL + "/metrics"
}

func TestMetricsMove(t *testing.T) {
	_, rc, url := setup(t)
	ctx := context.Background()
	before, _ := scrape(t, url)
	must := func(err error) {
		t.Helper()
		if err != nil && err != redis.Nil {
			t.Fatal(err)
		}
	}
	must(rc.Set(ctx, "a", "1", 0).Err())
	must(rc.Set(ctx, "b", "2", time.Hour).Err())
	must(rc.Get(ctx, "a").Err())       // hit
	must(rc.Get(ctx, "missing").Err()) // miss
	c3 := redis.NewClient(&redis.Options{Addr: rc.Options().Addr, DB: 3, Protocol: 2})
	defer c3.Close()
	must(c3.Set(ctx, "x", "y", 0).Err())
	must(rc.Set(ctx, "short", "v", 0).Err())
	must(rc.PExpire(ctx, "short", time.Millisecond).Err())
	time.Sleep(5 * time.Millisecond)
	must(rc.Get(ctx, "short").Err()) // a miss
	must(rc.Del(ctx, "short").Err()) // a write removes the expired key
	rc.Do(ctx, "nosuchcommand")
	rc.Incr(ctx, "a")
	rc.LPush(ctx, "a", "x") // WRONGTYPE
	after, text := scrape(t, url)

	delta := func(series string) float64 { return after[series] - before[series] }
	for _, c := range []struct {
		series string
		want   float64
	}{
		{`redis_db_keys{db="db0"}`, 2},
		{`redis_db_keys_expiring{db="db0"}`, 1},
		{`redis_db_keys{db="db3"}`, 1},
		{`redis_commands_total{cmd="set"}`, 4},
		{`redis_commands_total{cmd="get"}`, 3},
		{`redis_commands_failed_calls_total{cmd="lpush"}`, 1},
		{`potato_command_duration_seconds_count{cmd="set"}`, 4},
		{`potato_command_duration_seconds_bucket{cmd="set",le="+Inf"}`, 4},
		{`redis_keyspace_hits_total`, 1},
		{`redis_keyspace_misses_total`, 2},
		{`redis_expired_keys_total`, 1},
		{`redis_errors_total{err="ERR"}`, 1},
		{`redis_errors_total{err="WRONGTYPE"}`, 1},
		{`redis_connected_clients`, 2},
		{`redis_up`, 1},
	} {
		got := delta(c.series)
		if strings.HasPrefix(c.series, "redis_db_keys") || c.series == "redis_connected_clients" || c.series == "redis_up" {
			got = after[c.series]
		}
		if got != c.want {
			t.Errorf("%s = %v; want %v", c.series, got, c.want)
		}
	}
	for _, name := range []string{"redis_net_input_bytes_total", "redis_net_output_bytes_total", "redis_commands_processed_total",
		"redis_memory_used_bytes", "redis_uptime_in_seconds", "go_goroutines", "potato_mutations_total"} {
		if _, ok := after[name]; !ok {
			t.Errorf("no %s in:\n%s", name, text)
		}
	}
	if delta("redis_commands_processed_total") < 10 || delta("redis_net_input_bytes_total") <= 0 {
		t.Errorf("commands processed/net input did not move: %v %v", delta("redis_commands_processed_total"), delta("redis_net_input_bytes_total"))
	}
}

// TestPromtool checks the exposition with promtool check metrics
// (Debian's prometheus package); skips without it.
func TestPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed")
	}
	_, rc, url := setup(t)
	rc.Set(context.Background(), "k", "v", time.Minute)
	rc.Get(context.Background(), "k")
	_, text := scrape(t, url)
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(text)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// TestPrometheusScrape runs a real Prometheus on loopback scraping our
// /metrics every 200ms, and queries it for our series; skips without the
// prometheus binary.
func TestPrometheusScrape(t *testing.T) {
	prom, err := exec.LookPath("prometheus")
	if err != nil {
		t.Skip("prometheus not installed")
	}
	_, rc, url := setup(t)
	rc.Set(context.Background(), "k", "v", 0)
	dir := t.TempDir()
	target := strings.TrimPrefix(strings.TrimSuffix(url, "/metrics"), "http://")
	conf := fmt.Sprintf("global:\n  scrape_interval: 200ms\nscrape_configs:\n  - job_name: rustypotato\n    static_configs:\n      - targets: [%q]\n", target)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	promAddr := l.Addr().String()
	l.Close()
	cmd := exec.Command(prom, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+promAddr)
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		if v, ok := promQuery(promAddr, `redis_db_keys{db="db0"}`); ok && v == "1" {
			if up, _ := promQuery(promAddr, `up{job="rustypotato"}`); up != "1" {
				t.Errorf("up = %q", up)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Prometheus never returned our series\n%s", logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// promQuery runs an instant query and returns the first result's value.
func promQuery(addr, q string) (string, bool) {
	res, err := http.Get("http://" + addr + "/api/v1/query?query=" + urlQueryEscape(q))
	if err != nil {
		return "", false
	}
	defer res.Body.Close()
	var r struct {
		Status string
		Data   struct {
			Result []struct {
				Value [2]any
			}
		}
	}
	if json.NewDecoder(res.Body).Decode(&r) != nil || r.Status != "success" || len(r.Data.Result) == 0 {
		return "", false
	}
	s, _ := r.Data.Result[0].Value[1].(string)
	return s, true
}

func urlQueryEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') || c == '_' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// TestStart serves on metrics-addr as the program does.
func TestStart(t *testing.T) {
	ts := servertest.New(t)
	if stop, err := metrics.Start(ts.Server, nil); err != nil {
		t.Fatal(err)
	} else {
		stop() // metrics-addr empty: nothing to stop
	}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	c := redis.NewClient(&redis.Options{Addr: ts.Addr})
	defer c.Close()
	ctx := context.Background()
	if err := c.ConfigSet(ctx, "metrics-addr", addr).Err(); err == nil || !strings.Contains(err.Error(), "immutable") {
		t.Errorf("CONFIG SET metrics-addr: %v; want immutable", err)
	}
	// Set it as a config file does.
	conf := filepath.Join(t.TempDir(), "rustypotato.conf")
	os.WriteFile(conf, []byte("metrics-addr "+addr+"\n"), 0o644)
	cf, err := server.ParseConfig(conf, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.Server.ApplyConfig(cf); err != nil {
		t.Fatal(err)
	}
	stop, err := metrics.Start(ts.Server, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	got, _ := scrape(t, "http://"+addr+"/metrics")
	if got["redis_up"] != 1 {
		t.Errorf("redis_up = %v", got["redis_up"])
	}
}

// TestPersistenceMetrics: a durable store reports its WAL fsyncs and
// snapshot state.
func TestPersistenceMetrics(t *testing.T) {
	db, err := potato.Open(potato.Options{Dir: t.TempDir(), Fsync: potato.FsyncAlways})
	if err != nil {
		t.Fatal(err)
	}
	ts := servertest.NewWithDB(t, db)
	hs := httptest.NewServer(metrics.Handler(ts.Server))
	defer hs.Close()
	rc := redis.NewClient(&redis.Options{Addr: ts.Addr})
	defer rc.Close()
	if err := rc.Set(context.Background(), "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	got, _ := scrape(t, hs.URL+"/metrics")
	if got["redis_aof_enabled"] != 1 || got["potato_wal_syncs_total"] < 1 || got["potato_persistence_ok"] != 1 {
		t.Errorf("aof_enabled %v, wal syncs %v, ok %v", got["redis_aof_enabled"], got["potato_wal_syncs_total"], got["potato_persistence_ok"])
	}
}

func TestHookMetrics(t *testing.T) {
	_, rc, url := setup(t)
	ctx := context.Background()
	if err := rc.Do(ctx, "HOOK", "ADD", "num", "n:*", "BUILTIN", "int").Err(); err != nil {
		t.Fatal(err)
	}
	rc.Set(ctx, "n:1", "1", 0)
	if err := rc.Set(ctx, "n:2", "x", 0).Err(); err == nil || err.Error() != "HOOK num: value is not an integer" {
		t.Fatalf("err %v", err)
	}
	got, _ := scrape(t, url)
	if got[`potato_hook_calls_total{hook="num"}`] != 2 || got[`potato_hook_rejections_total{hook="num"}`] != 1 {
		t.Fatalf("calls %v, rejections %v", got[`potato_hook_calls_total{hook="num"}`], got[`potato_hook_rejections_total{hook="num"}`])
	}
}
