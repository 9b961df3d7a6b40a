package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// A malformed file names the file, the line and the directive, and the
// server does not start.
func TestConfigFileErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ file, want string }{
		{"port 7000\nmaxclients abc\n", "bad.conf:2: maxclients: argument couldn't be parsed into an integer"},
		{"# ok\nnosuch yes\n", "bad.conf:2: nosuch: Bad directive or wrong number of arguments"},
		{"requirepass \"open\n", "bad.conf:1: unbalanced quotes in configuration line"},
		{"protected-mode perhaps\n", "bad.conf:1: protected-mode: argument must be 'yes' or 'no'"},
	} {
		p := filepath.Join(dir, "bad.conf")
		os.WriteFile(p, []byte(tc.file), 0o644)
		out, err := exec.Command(serverBinary(t), p, "--port", freePort(t), "--dir", dir).CombinedOutput()
		if err == nil {
			t.Errorf("%q: server started", tc.file)
			continue
		}
		if !strings.Contains(string(out), tc.want) {
			t.Errorf("%q: output %q, want %q", tc.file, out, tc.want)
		}
	}
	out, err := exec.Command(serverBinary(t), "--port", freePort(t), "--dir", dir, "--maxclients", "-3").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "command line: --maxclients: argument must be between") {
		t.Errorf("bad command-line value: %q %v", out, err)
	}
}

// SIGHUP re-reads the file and applies what changed; a bad file changes
// nothing.
func TestConfigSIGHUP(t *testing.T) {
	dir := t.TempDir()
	port := freePort(t)
	p := filepath.Join(dir, "r.conf")
	write := func(extra string) {
		data := fmt.Sprintf("port %s\ndir %s\nloglevel notice\n%s", port, filepath.Join(dir, "data"), extra)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("maxclients 50\n")
	var out lockedBuilder
	cmd := exec.Command(serverBinary(t), p)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() { cmd.Process.Signal(syscall.SIGKILL); <-done })
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + port, MaxRetries: -1})
	defer c.Close()
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				out.mu.Lock()
				defer out.mu.Unlock()
				t.Fatalf("%s; server output:\n%s", what, out.String())
			}
		}
	}
	maxclients := func() string {
		v, _ := c.ConfigGet(ctx, "maxclients").Result()
		return v["maxclients"]
	}
	waitFor("server did not start", func() bool { return c.Ping(ctx).Err() == nil })
	if got := maxclients(); got != "50" {
		t.Fatalf("maxclients = %q", got)
	}
	write("maxclients 77\n")
	cmd.Process.Signal(syscall.SIGHUP)
	waitFor("reload not applied", func() bool { return maxclients() == "77" })
	write("maxclients 88\ntimeout nope\n")
	cmd.Process.Signal(syscall.SIGHUP)
	waitFor("bad reload not logged", func() bool {
		out.mu.Lock()
		defer out.mu.Unlock()
		return strings.Contains(out.String(), "r.conf:5: timeout")
	})
	if got := maxclients(); got != "77" {
		t.Fatalf("a bad file changed maxclients to %q", got)
	}
}
