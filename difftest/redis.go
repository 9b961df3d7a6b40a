// Package difftest is the differential test harness of RustyPotato against
// real Redis 7: it starts redis-server and our server side by side, sends
// both the same commands over plain TCP connections and compares the raw
// reply bytes (or, for the few commands listed in the exceptions table,
// a normalized form of the reply).
//
// Two kinds of programs are compared: seeded random command programs
// (TestRandomPrograms; POTATO_DIFF_SEED reproduces a run, POTATO_DIFF_N
// scales it), shrunk by delta debugging when they disagree, and the fixed
// scripts in testdata/*.txt (TestScripts). The library part (this package's
// non-test files) can be used by other tests to compare their own
// programs.
package difftest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"
)

// RedisPath is where the oracle is looked for when redis-server is not on
// PATH.
const RedisPath = "/usr/bin/redis-server"

// findRedis returns the redis-server binary, or "" if there is none.
func findRedis() string {
	if p, err := exec.LookPath("redis-server"); err == nil {
		return p
	}
	if _, err := os.Stat(RedisPath); err == nil {
		return RedisPath
	}
	return ""
}

// syncBuffer collects a process's output for error messages.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() < 1<<16 {
		s.b.Write(p)
	}
	return len(p), nil
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// StartRedis starts redis-server on a free 127.0.0.1 port, without
// persistence, waits until it answers PING and returns its address;
// t.Cleanup kills that process (by its *exec.Cmd) and waits for it. If
// redis-server is not installed the test is skipped, or fails when
// POTATO_REQUIRE_REDIS=1.
func StartRedis(t testing.TB) string {
	t.Helper()
	bin := findRedis()
	if bin == "" {
		if os.Getenv("POTATO_REQUIRE_REDIS") == "1" {
			t.Fatal("redis-server not found and POTATO_REQUIRE_REDIS=1")
		}
		t.Skip("redis-server not installed (apt-get install redis-server)")
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		addr, err := startRedis(t, bin)
		if err == nil {
			return addr
		}
		lastErr = err // most likely the port was taken between probe and bind
	}
	t.Fatalf("starting redis-server: %v", lastErr)
	return ""
}

func startRedis(t testing.TB, bin string) (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	cmd := exec.Command(bin,
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no",
		"--logfile", "", "--dir", t.TempDir())
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return "", err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	stop := func() {
		cmd.Process.Kill()
		<-exited
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if pingOK(addr) {
			break
		}
		select {
		case <-exited:
			return "", fmt.Errorf("redis-server exited: %s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			stop()
			return "", fmt.Errorf("redis-server did not answer PING on %s: %s", addr, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Cleanup(stop)
	return addr, nil
}

func pingOK(addr string) bool {
	c, err := Dial(addr)
	if err != nil {
		return false
	}
	defer c.Close()
	r, err := c.Do([]byte("PING"))
	return err == nil && string(r) == "+PONG\r\n"
}
