package cli

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"rustypotato/internal/resp"
)

func parseWire(t *testing.T, wire string) resp.Value {
	t.Helper()
	v, err := resp.NewReader(strings.NewReader(wire), resp.Limits{}).ReadValue()
	if err != nil {
		t.Fatalf("parse %q: %v", wire, err)
	}
	return v
}

func TestFormat(t *testing.T) {
	for _, f := range replyFixtures {
		t.Run(f.name, func(t *testing.T) {
			v := parseWire(t, f.wire)
			if got := string(FormatTTY(nil, v, "")); got != f.tty {
				t.Errorf("FormatTTY\n got %q\nwant %q", got, f.tty)
			}
			if got := string(FormatRaw(nil, v)) + "\n"; got != f.raw {
				t.Errorf("FormatRaw\n got %q\nwant %q", got, f.raw)
			}
		})
	}
}

// fakeServer answers "R <fixture>" with the fixture's bytes, HELLO with a
// RESP3 greeting, COMMAND with an empty array and anything else with +OK.
func fakeServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	byName := map[string]string{}
	for _, f := range replyFixtures {
		byName[f.name] = f.wire
	}
	go func() {
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer nc.Close()
				r := resp.NewReader(nc, resp.Limits{})
				for {
					args, err := r.ReadCommand()
					if err != nil {
						return
					}
					if len(args) == 0 {
						continue
					}
					var reply string
					switch strings.ToLower(string(args[0])) {
					case "hello":
						reply = "%1\r\n" + bulk("proto") + ":3\r\n"
					case "r":
						reply = byName[string(args[1])]
					case "command":
						reply = "*0\r\n"
					default:
						reply = "+OK\r\n"
					}
					if _, err := nc.Write([]byte(reply)); err != nil {
						return
					}
				}
			}()
		}
	}()
	return l.Addr().String()
}

// TestFormatMatchesRedisCLI runs redis-cli and our one-shot mode against
// the same fake server for every fixture and requires the same output.
func TestFormatMatchesRedisCLI(t *testing.T) {
	cliPath, err := exec.LookPath("redis-cli")
	if err != nil {
		if os.Getenv("POTATO_REQUIRE_REDIS") == "1" {
			t.Fatal("redis-cli not found and POTATO_REQUIRE_REDIS=1")
		}
		t.Skip("redis-cli not installed")
	}
	addr := fakeServer(t)
	_, port, _ := net.SplitHostPort(addr)
	gen := os.Getenv("CLI_GEN_FIXTURES") == "1"
	for _, f := range replyFixtures {
		if f.noCLI {
			continue
		}
		for _, mode := range []string{"--no-raw", "pipe"} {
			args := []string{"-p", port, "-3"}
			if mode != "pipe" {
				args = append(args, mode)
			}
			args = append(args, "r", f.name)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			out, err := exec.CommandContext(ctx, cliPath, args...).Output()
			cancel()
			if err != nil {
				t.Fatalf("redis-cli %v: %v", args, err)
			}
			want := f.raw
			if mode != "pipe" {
				want = f.tty
			}
			if gen {
				fmt.Printf("%s %s %q\n", f.name, mode, out)
				continue
			}
			if string(out) != want {
				t.Errorf("%s %s: redis-cli printed %q, fixture says %q", f.name, mode, out, want)
			}
			cfg, err := ParseArgs(args)
			if err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			if code := Run(cfg, strings.NewReader(""), &stdout, &stderr); code != 0 {
				t.Fatalf("%s %s: exit %d, stderr %q", f.name, mode, code, stderr.String())
			}
			if stdout.String() != string(out) {
				t.Errorf("%s %s: we print %q, redis-cli %q", f.name, mode, stdout.String(), out)
			}
		}
	}
}
