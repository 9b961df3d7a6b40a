// Package redistest starts a real redis-server, the oracle that tests
// compare RustyPotato with, on a free loopback port.
package redistest

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// Required reports whether tests must fail, rather than skip, when the
// oracle is missing (POTATO_REQUIRE_REDIS=1, as CI sets it).
func Required() bool { return os.Getenv("POTATO_REQUIRE_REDIS") == "1" }

// Start starts redis-server on a free 127.0.0.1 port with persistence off
// (plus extra arguments), waits until it accepts connections and returns
// its address. t.Cleanup stops it (by its process, never by name). Without
// redis-server the test is skipped, unless Required.
func Start(t testing.TB, extra ...string) string {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		if Required() {
			t.Fatalf("redis-server not found and POTATO_REQUIRE_REDIS=1: %v", err)
		}
		t.Skip("redis-server not installed")
	}
	// Its own working directory, so a SAVE in a test never leaves a
	// dump.rdb in the package directory.
	dir := t.TempDir()
	var log bytes.Buffer
	for attempt := 0; attempt < 5; attempt++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
		l.Close()
		args := append([]string{"--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			"--daemonize", "no", "--logfile", "", "--dir", dir}, extra...)
		cmd := exec.Command(path, args...)
		log.Reset()
		cmd.Stdout, cmd.Stderr = &log, &log
		if err := cmd.Start(); err != nil {
			t.Fatalf("start redis-server: %v", err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		stop := func() {
			cmd.Process.Kill()
			<-exited
		}
		addr := net.JoinHostPort("127.0.0.1", port)
	wait:
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
			select {
			case <-exited:
				break wait // died, most likely the port was taken: try another
			default:
			}
			if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
				c.Close()
				t.Cleanup(stop)
				return addr
			}
			time.Sleep(10 * time.Millisecond)
		}
		stop()
	}
	t.Fatalf("redis-server did not start:\n%s", log.String())
	return ""
}
