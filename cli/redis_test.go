package cli

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// requireTool returns the path of a program the test needs, skipping the
// test when it is missing unless POTATO_REQUIRE_REDIS=1.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("POTATO_REQUIRE_REDIS") == "1" {
			t.Fatalf("%s not found and POTATO_REQUIRE_REDIS=1", name)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

// startRedis runs redis-server on a free 127.0.0.1 port for the test and
// returns the port.
func startRedis(t *testing.T) int {
	t.Helper()
	bin := requireTool(t, "redis-server")
	for attempt := 0; attempt < 5; attempt++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", "")
		var logs bytes.Buffer
		cmd.Stdout = &logs
		cmd.Stderr = &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			select {
			case <-exited:
				deadline = time.Time{} // lost the port race: try another
				continue
			default:
			}
			if c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port))); err == nil {
				c.Close()
				t.Cleanup(func() {
					cmd.Process.Kill()
					<-exited
				})
				return port
			}
			time.Sleep(5 * time.Millisecond)
		}
		cmd.Process.Kill()
		<-exited
	}
	t.Fatal("could not start redis-server")
	return 0
}

// runCLI runs our client with args and stdin, returning stdout, stderr and
// the exit code.
func runCLI(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cfg, err := ParseArgs(args)
	if err != nil {
		return "", err.Error() + "\n", 1
	}
	cfg.HistoryFile = ""
	var out, errOut bytes.Buffer
	code := Run(cfg, bytes.NewBufferString(stdin), &out, &errOut)
	return out.String(), errOut.String(), code
}

// runRedisCLI runs the real redis-cli the same way.
func runRedisCLI(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(requireTool(t, "redis-cli"), args...)
	cmd.Stdin = bytes.NewBufferString(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}
