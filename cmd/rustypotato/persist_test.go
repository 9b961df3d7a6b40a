package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// These tests run the real server binary: restarts after SIGTERM, and
// kill -9 under write load.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// serverBinary builds cmd/rustypotato once per test run.
func serverBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "rustypotato-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "rustypotato")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
}

// testServer is one run of the binary.
type testServer struct {
	cmd  *exec.Cmd
	addr string
	log  *strings.Builder
	done chan struct{}
}

type lockedBuilder struct {
	mu sync.Mutex
	strings.Builder
}

func (b *lockedBuilder) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Builder.Write(p)
}

// startServer starts the binary on dir and waits until it answers PING.
func startServer(t *testing.T, dir string, args ...string) *testServer {
	t.Helper()
	port := freePort(t)
	var out lockedBuilder
	cmd := exec.Command(serverBinary(t), append([]string{"--port", port, "--dir", dir, "--loglevel", "warning"}, args...)...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &testServer{cmd: cmd, addr: "127.0.0.1:" + port, log: &out.Builder, done: make(chan struct{})}
	go func() { cmd.Wait(); close(s.done) }()
	t.Cleanup(func() { s.kill() })
	c := redis.NewClient(&redis.Options{Addr: s.addr, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if err := c.Ping(context.Background()).Err(); err == nil {
			return s
		}
		select {
		case <-s.done:
			out.mu.Lock()
			defer out.mu.Unlock()
			t.Fatalf("server exited at start:\n%s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("server did not answer PING")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (s *testServer) kill() {
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

func (s *testServer) term(t *testing.T) {
	t.Helper()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		t.Fatal("server did not stop on SIGTERM")
	}
	if code := s.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("server exited with %d after SIGTERM", code)
	}
}

func (s *testServer) client() *redis.Client {
	return redis.NewClient(&redis.Options{Addr: s.addr, MaxRetries: -1, PoolSize: 1, DialTimeout: 5 * time.Second})
}

// dump renders every key of databases 0..15 (type, deadline, value).
func dump(t *testing.T, s *testServer) string {
	t.Helper()
	ctx := context.Background()
	var sb strings.Builder
	for db := 0; db < 16; db++ {
		c := redis.NewClient(&redis.Options{Addr: s.addr, DB: db, MaxRetries: -1})
		keys, err := c.Keys(ctx, "*").Result()
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(keys)
		for _, k := range keys {
			typ := c.Type(ctx, k).Val()
			at := c.PExpireTime(ctx, k).Val()
			var v any
			switch typ {
			case "string":
				v = c.Get(ctx, k).Val()
			case "hash":
				v = c.HGetAll(ctx, k).Val()
			case "list":
				v = c.LRange(ctx, k, 0, -1).Val()
			case "set":
				ms := c.SMembers(ctx, k).Val()
				slices.Sort(ms)
				v = ms
			}
			fmt.Fprintf(&sb, "%d %q %s %v %v\n", db, k, typ, at, v)
		}
		c.Close()
	}
	return sb.String()
}

// TestServerRestartKeepsEverything writes every type, deadlines and
// several databases through the server, stops it with SIGTERM, starts it
// again on the same directory and requires the same data.
func TestServerRestartKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	ctx := context.Background()
	c := s.client()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.Set(ctx, "str", "hello", 0).Err())
	must(c.Set(ctx, "bin\x00key", "\x00\xff", time.Hour).Err())
	must(c.Set(ctx, "empty", "", 0).Err())
	must(c.HSet(ctx, "hash", "a", "1", "b", "2", "c", "3").Err())
	must(c.HDel(ctx, "hash", "b").Err())
	must(c.RPush(ctx, "list", "a", "b", "c", "d").Err())
	must(c.LPush(ctx, "list", "z").Err())
	must(c.LInsert(ctx, "list", "BEFORE", "c", "bc").Err())
	must(c.LRem(ctx, "list", 1, "a").Err())
	must(c.Expire(ctx, "list", 2*time.Hour).Err())
	must(c.SAdd(ctx, "set", "a", "1", "\x00").Err())
	must(c.SRem(ctx, "set", "1").Err())
	must(c.SAdd(ctx, "intset", 3, 1, 2).Err())
	must(c.Do(ctx, "SELECT", 4).Err())
	c.Close()
	c4 := redis.NewClient(&redis.Options{Addr: s.addr, DB: 4, MaxRetries: -1})
	must(c4.Set(ctx, "in-db4", "four", 0).Err())
	must(c4.Do(ctx, "SWAPDB", 4, 6).Err())
	c4.Close()
	want := dump(t, s)
	s.term(t)
	s = startServer(t, dir)
	if got := dump(t, s); got != want {
		t.Fatalf("after restart:\n%s\nwant:\n%s", got, want)
	}
	s.term(t)
}

// crashClient writes its own keys through one connection and records
// what was acknowledged. Op i is SET <p>s<i> i, RPUSH <p>l i, HSET <p>h
// f<i> i or INCR <p>n, rotating.
type crashClient struct {
	prefix      string
	branch      string // BRANCH SWITCH to it first ("": main)
	hashKey     string // HSET into this shared hash, fields named prefix+f<i> ("": its own hash)
	sent, acked atomic.Int64
	incrs       []int64 // ops that were INCRs, in order
}

// branchClient returns a go-redis client whose connections work on branch
// ("" or "main": main).
func branchClient(addr, branch string, o redis.Options) *redis.Client {
	o.Addr = addr
	if branch != "" && branch != "main" {
		o.OnConnect = func(ctx context.Context, cn *redis.Conn) error {
			return cn.Do(ctx, "branch", "switch", branch).Err()
		}
	}
	return redis.NewClient(&o)
}

func (cc *crashClient) hash() string {
	if cc.hashKey != "" {
		return cc.hashKey
	}
	return cc.prefix + "h"
}

func (cc *crashClient) field(i int64) string {
	if cc.hashKey != "" {
		return fmt.Sprint(cc.prefix, "f", i)
	}
	return fmt.Sprint("f", i)
}

func (cc *crashClient) run(addr string, stop <-chan struct{}) {
	c := branchClient(addr, cc.branch, redis.Options{MaxRetries: -1, PoolSize: 1, ReadTimeout: 10 * time.Second})
	defer c.Close()
	ctx := context.Background()
	for i := int64(0); ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		cc.sent.Store(i + 1)
		var err error
		switch i % 4 {
		case 0:
			err = c.Set(ctx, fmt.Sprintf("%ss%d", cc.prefix, i), i, 0).Err()
		case 1:
			err = c.RPush(ctx, cc.prefix+"l", i).Err()
		case 2:
			err = c.HSet(ctx, cc.hash(), cc.field(i), i).Err()
		case 3:
			err = c.Incr(ctx, cc.prefix+"n").Err()
		}
		if err != nil {
			return // the server died
		}
		cc.acked.Store(i + 1)
	}
}

// check verifies that every acknowledged op is in the restarted server
// and that none that was never sent is.
func (cc *crashClient) check(ctx context.Context, c *redis.Client) error {
	acked, sent := cc.acked.Load(), cc.sent.Load()
	pipe := c.Pipeline()
	gets := make([]*redis.StringCmd, sent+4)
	for i := int64(0); i < sent+4; i += 4 {
		gets[i] = pipe.Get(ctx, fmt.Sprintf("%ss%d", cc.prefix, i))
	}
	fields := pipe.HGetAll(ctx, cc.hash())
	list := pipe.LRange(ctx, cc.prefix+"l", 0, -1)
	n := pipe.Get(ctx, cc.prefix+"n")
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return err
	}
	var wantList []string
	var incrAcked, incrSent int64
	for i := int64(0); i < sent+4; i++ {
		var present bool
		switch i % 4 {
		case 0:
			v, err := gets[i].Result()
			present = err == nil
			if present && v != fmt.Sprint(i) {
				return fmt.Errorf("%ss%d = %q", cc.prefix, i, v)
			}
		case 1:
			wantList = append(wantList, fmt.Sprint(i))
			continue
		case 2:
			var v string
			v, present = fields.Val()[cc.field(i)]
			if present && v != fmt.Sprint(i) {
				return fmt.Errorf("%s %s = %q", cc.hash(), cc.field(i), v)
			}
		case 3:
			if i < acked {
				incrAcked++
			}
			if i < sent {
				incrSent++
			}
			continue
		}
		if i < acked && !present {
			return fmt.Errorf("%s: acknowledged op %d lost (acked %d, sent %d)", cc.prefix, i, acked, sent)
		}
		if i >= sent && present {
			return fmt.Errorf("%s: op %d was never sent but is present", cc.prefix, i)
		}
	}
	got := list.Val()
	if len(got) > len(wantList) || !slices.Equal(got, wantList[:len(got)]) {
		return fmt.Errorf("%sl = %q, want a prefix of %q", cc.prefix, got, wantList)
	}
	for _, v := range wantList[len(got):] {
		var i int64
		fmt.Sscan(v, &i)
		if i < acked {
			return fmt.Errorf("%s: acknowledged RPUSH %d lost", cc.prefix, i)
		}
	}
	var count int64
	if s, err := n.Result(); err == nil {
		fmt.Sscan(s, &count)
	}
	if count < incrAcked || count > incrSent {
		return fmt.Errorf("%sn = %d, want between %d acknowledged and %d sent INCRs", cc.prefix, count, incrAcked, incrSent)
	}
	return nil
}

// TestServerCrashKill9 puts a server under write load from 24 concurrent
// clients, kills it with SIGKILL at a random moment, restarts it on the
// same directory, and requires every acknowledged write and nothing that
// was never sent, for several rounds per fsync policy. The data of every
// earlier round must survive the later crashes too.
func TestServerCrashKill9(t *testing.T) {
	rounds := 5
	if testing.Short() {
		rounds = 2
	}
	for _, policy := range []string{"always", "everysec"} {
		t.Run(policy, func(t *testing.T) {
			seed := uint64(time.Now().UnixNano())
			r := rand.New(rand.NewPCG(seed, 7))
			dir := t.TempDir()
			var all []*crashClient
			ctx := context.Background()
			var totalAcked int64
			for round := 0; round <= rounds; round++ {
				s := startServer(t, dir, "--appendfsync", policy)
				vc := redis.NewClient(&redis.Options{Addr: s.addr, MaxRetries: -1})
				for _, cc := range all {
					if err := cc.check(ctx, vc); err != nil {
						vc.Close()
						t.Fatalf("seed %d, after crash %d: %v", seed, round, err)
					}
				}
				vc.Close()
				if round == rounds {
					s.term(t)
					break
				}
				stop := make(chan struct{})
				var wg sync.WaitGroup
				for i := 0; i < 24; i++ {
					cc := &crashClient{prefix: fmt.Sprintf("r%dc%d:", round, i)}
					all = append(all, cc)
					wg.Add(1)
					go func() { defer wg.Done(); cc.run(s.addr, stop) }()
				}
				time.Sleep(time.Duration(150+r.IntN(450)) * time.Millisecond)
				s.kill()
				close(stop)
				wg.Wait()
				for _, cc := range all[len(all)-24:] {
					totalAcked += cc.acked.Load()
				}
			}
			t.Logf("%s: %d crashes, %d acknowledged writes checked", policy, rounds, totalAcked)
		})
	}
}

// TestServerCrashKill9Branches is TestServerCrashKill9 with the load split
// over two branches: half the clients write to main, half to dev (a fork
// of main taken over a 2,000-field hash that clients on both sides keep
// changing, so dev's copy of it is an overlay on disk), and each round
// forks dev once more while the load runs. Every acknowledged write must
// be on its branch after each kill -9, and every branch still there.
func TestServerCrashKill9Branches(t *testing.T) {
	rounds := 3
	if testing.Short() {
		rounds = 1
	}
	for _, policy := range []string{"always", "everysec"} {
		t.Run(policy, func(t *testing.T) {
			seed := uint64(time.Now().UnixNano())
			r := rand.New(rand.NewPCG(seed, 9))
			dir := t.TempDir()
			ctx := context.Background()
			var all []*crashClient
			var forks []string
			for round := 0; round <= rounds; round++ {
				s := startServer(t, dir, "--appendfsync", policy)
				vcs := map[string]*redis.Client{}
				for _, b := range []string{"main", "dev"} {
					vcs[b] = branchClient(s.addr, b, redis.Options{MaxRetries: -1})
				}
				if round == 0 {
					vc := vcs["main"]
					pipe := vc.Pipeline()
					for i := 0; i < 2000; i++ {
						pipe.HSet(ctx, "base:h", fmt.Sprint("base", i), i)
					}
					if _, err := pipe.Exec(ctx); err != nil {
						t.Fatal(err)
					}
					if err := vc.Do(ctx, "branch", "create", "dev").Err(); err != nil {
						t.Fatal(err)
					}
				}
				for _, cc := range all {
					if err := cc.check(ctx, vcs[cc.branch]); err != nil {
						t.Fatalf("seed %d, after crash %d: %v", seed, round, err)
					}
				}
				list, err := vcs["main"].Do(ctx, "branch", "list").Slice()
				if err != nil {
					t.Fatal(err)
				}
				if want := 2 + len(forks); len(list) != want {
					t.Fatalf("seed %d, after crash %d: %d branches, want %d: %v", seed, round, len(list), want, list)
				}
				for _, b := range []string{"main", "dev"} {
					if n, _ := vcs[b].HLen(ctx, "base:h").Result(); n < 2000 {
						t.Fatalf("%s lost base:h fields: %d", b, n)
					}
				}
				for _, vc := range vcs {
					vc.Close()
				}
				if round == rounds {
					s.term(t)
					break
				}
				stop := make(chan struct{})
				var wg sync.WaitGroup
				for i := 0; i < 12; i++ {
					cc := &crashClient{prefix: fmt.Sprintf("r%dc%d:", round, i), branch: []string{"main", "dev"}[i%2]}
					if i < 4 {
						cc.hashKey = "base:h"
					}
					all = append(all, cc)
					wg.Add(1)
					go func() { defer wg.Done(); cc.run(s.addr, stop) }()
				}
				time.Sleep(time.Duration(100+r.IntN(200)) * time.Millisecond)
				fc := branchClient(s.addr, "dev", redis.Options{MaxRetries: -1})
				name := fmt.Sprint("f", round)
				if err := fc.Do(ctx, "branch", "create", name).Err(); err != nil {
					t.Fatal(err)
				}
				fc.Close()
				forks = append(forks, name)
				time.Sleep(time.Duration(100+r.IntN(300)) * time.Millisecond)
				s.kill()
				close(stop)
				wg.Wait()
			}
		})
	}
}

// TestServerRefusesLockedDir: two processes cannot open the same data
// directory; the second exits with a message that says why.
func TestServerRefusesLockedDir(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	out, err := exec.Command(serverBinary(t), "--port", freePort(t), "--dir", dir).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "in use by another process") {
		t.Fatalf("second server on the same dir: %v\n%s", err, out)
	}
	s.term(t)
}
