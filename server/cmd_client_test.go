package server_test

import (
	"strings"
	"testing"
	"time"

	"rustypotato/server/servertest"
)

// TestClientTrackingOff compares CLIENT GETREDIR and CLIENT TRACKINGINFO
// (tracking is never on) with redis-server, in RESP2 and RESP3.
func TestClientTrackingOff(t *testing.T) {
	runScripts(t, map[string][]scriptStep{
		"tracking off": {
			{cmd: `client getredir`, want: `:-1`},
			{cmd: `client getredir x`, want: `-ERR wrong number of arguments for 'client|getredir' command`},
			{cmd: `client trackinginfo`, want: `["flags" ["off"] "redirect" :-1 "prefixes" []]`},
			{cmd: `client trackinginfo x`, want: `-ERR wrong number of arguments for 'client|trackinginfo' command`},
			{cmd: `hello 3`, sort: 'I'},
			{cmd: `client trackinginfo`, want: `%{"flags" ~["off"] "redirect" :-1 "prefixes" []}`},
			{cmd: `client getredir`, want: `:-1`},
		},
	})
}

// TestConfigReplication compares CONFIG GET/SET of Redis 7.0's
// replication parameters (defaults, aliases, validation errors) with
// redis-server.
func TestConfigReplication(t *testing.T) {
	fail := func(name, msg string) string {
		return "-ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + msg
	}
	runScripts(t, map[string][]scriptStep{
		"defaults": {
			{cmd: `config get repl-*`, sort: 'P', want: `["repl-backlog-size" "1048576" "repl-backlog-ttl" "3600" "repl-disable-tcp-nodelay" "no" "repl-diskless-load" "disabled" "repl-diskless-sync" "yes" "repl-diskless-sync-delay" "5" "repl-diskless-sync-max-replicas" "0" "repl-ping-replica-period" "10" "repl-ping-slave-period" "10" "repl-timeout" "60"]`},
			{cmd: `config get replica-*`, sort: 'P', want: `["replica-announce-ip" "" "replica-announce-port" "0" "replica-announced" "yes" "replica-ignore-disk-write-errors" "no" "replica-ignore-maxmemory" "yes" "replica-lazy-flush" "no" "replica-priority" "100" "replica-read-only" "yes" "replica-serve-stale-data" "yes"]`},
			{cmd: `config get min-replicas*`, sort: 'P', want: `["min-replicas-max-lag" "10" "min-replicas-to-write" "0"]`},
			{cmd: `config get slave-read-only`, want: `["slave-read-only" "yes"]`},
		},
		"set": {
			{cmd: `config set repl-backlog-size 2mb repl-timeout 30 replica-read-only no repl-diskless-load SWAPDB`, want: `+OK`},
			{cmd: `config get repl-backlog-size`, want: `["repl-backlog-size" "2097152"]`},
			{cmd: `config get repl-timeout`, want: `["repl-timeout" "30"]`},
			{cmd: `config get slave-read-only`, want: `["slave-read-only" "no"]`},
			{cmd: `config get repl-diskless-load`, want: `["repl-diskless-load" "swapdb"]`},
			{cmd: `config set slave-priority 7`, want: `+OK`},
			{cmd: `config get replica-priority`, want: `["replica-priority" "7"]`},
			{cmd: `config set min-replicas-to-write 0 min-replicas-max-lag 10 replica-priority 100 repl-backlog-size 1mb repl-timeout 60 replica-read-only yes repl-diskless-load disabled`, want: `+OK`},
		},
		"errors": {
			{cmd: `config set repl-backlog-size abc`, want: fail("repl-backlog-size", "argument must be a memory value")},
			{cmd: `config set repl-backlog-size -1`, want: fail("repl-backlog-size", "argument must be a memory value")},
			{cmd: `config set repl-backlog-size ""`, want: fail("repl-backlog-size", "argument must be between 1 and 9223372036854775807 inclusive")},
			{cmd: `config set repl-backlog-size 0`, want: fail("repl-backlog-size", "argument must be between 1 and 9223372036854775807 inclusive")},
			{cmd: `config set repl-timeout 0`, want: fail("repl-timeout", "argument must be between 1 and 2147483647 inclusive")},
			{cmd: `config set repl-timeout x`, want: fail("repl-timeout", "argument couldn't be parsed into an integer")},
			{cmd: `config set repl-diskless-load foo`, want: fail("repl-diskless-load", "argument(s) must be one of the following: disabled, on-empty-db, swapdb")},
			{cmd: `config set replica-priority -1`, want: fail("replica-priority", "argument must be between 0 and 2147483647 inclusive")},
			{cmd: `config set repl-ping-replica-period 0`, want: fail("repl-ping-replica-period", "argument must be between 1 and 2147483647 inclusive")},
			{cmd: `config set min-replicas-to-write -1`, want: fail("min-replicas-to-write", "argument must be between 0 and 2147483647 inclusive")},
			{cmd: `config set repl-backlog-ttl -1`, want: fail("repl-backlog-ttl", "argument must be between 0 and 9223372036854775807 inclusive")},
			{cmd: `config set repl-diskless-sync-delay -1`, want: fail("repl-diskless-sync-delay", "argument must be between 0 and 2147483647 inclusive")},
			{cmd: `config set replica-read-only maybe`, want: fail("replica-read-only", "argument must be 'yes' or 'no'")},
			{cmd: `config set replica-announce-port 65536`, want: fail("replica-announce-port", "argument must be between 0 and 65535 inclusive")},
			{cmd: `config get repl-timeout`, want: `["repl-timeout" "60"]`},
		},
	})
}

// unblockCases are blocking commands (on missing keys, so they wait) and
// the replies they give when CLIENT UNBLOCK ends them with TIMEOUT.
var unblockCases = []struct{ cmd, timeout string }{
	{"blpop l1 l2 0", "(nilarray)"},
	{"brpop l1 0", "(nilarray)"},
	{"blmove l1 l2 left right 0", "(nilarray)"},
	{"blmpop 0 2 l1 l2 left", "(nilarray)"},
	{"bzpopmin z1 0", "(nilarray)"},
	{"bzpopmax z1 z2 0", "(nilarray)"},
	{"bzmpop 0 1 z1 min count 2", "(nilarray)"},
	{"wait 1 0", ":0"},
}

// testUnblock has a second client unblock one blocked in cmd and returns
// the blocked command's reply.
func testUnblock(t *testing.T, addr, cmd, reason string) string {
	t.Helper()
	blocked, admin := dialRaw(t, addr), dialRaw(t, addr)
	id := strings.TrimPrefix(blocked.do("client", "id"), ":")
	if got := admin.do("client", "unblock", id, reason); got != ":0" {
		t.Fatalf("CLIENT UNBLOCK of an idle client: %s", got)
	}
	blocked.send(strings.Fields(cmd)...)
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := admin.do("client", "unblock", id, reason)
		if got == ":1" {
			break
		}
		if got != ":0" || time.Now().After(deadline) {
			t.Fatalf("CLIENT UNBLOCK %s %s: %s", id, reason, got)
		}
		time.Sleep(2 * time.Millisecond)
	}
	v, err := blocked.read(5 * time.Second)
	if err != nil {
		t.Fatalf("%s after CLIENT UNBLOCK: %v", cmd, err)
	}
	// The connection stays usable and is no longer blocked.
	if got := blocked.do("ping"); got != "+PONG" {
		t.Fatalf("PING after unblock: %s", got)
	}
	if got := admin.do("client", "unblock", id, reason); got != ":0" {
		t.Fatalf("second CLIENT UNBLOCK: %s", got)
	}
	return render(v)
}

// TestClientUnblock unblocks each kind of blocking command with TIMEOUT
// (the command answers as its timeout would) and ERROR, on RustyPotato
// and on redis-server, and checks CLIENT UNBLOCK's argument errors.
func TestClientUnblock(t *testing.T) {
	const unblocked = "-UNBLOCKED client unblocked via CLIENT UNBLOCK"
	for _, srv := range []string{"potato", "redis"} {
		t.Run(srv, func(t *testing.T) {
			var addr string
			if srv == "potato" {
				addr = servertest.New(t).Addr
			} else {
				addr = startRedis(t)
			}
			for _, tc := range unblockCases {
				if got := testUnblock(t, addr, tc.cmd, "timeout"); got != tc.timeout {
					t.Errorf("%s, CLIENT UNBLOCK TIMEOUT: got %s, want %s", tc.cmd, got, tc.timeout)
				}
				if got := testUnblock(t, addr, tc.cmd, "error"); got != unblocked {
					t.Errorf("%s, CLIENT UNBLOCK ERROR: got %s, want %s", tc.cmd, got, unblocked)
				}
			}
			if srv == "potato" {
				// CHANGES BLOCK is RustyPotato's own blocking command.
				if got := testUnblock(t, addr, "changes since 0 block 0", "timeout"); got != "(nilarray)" {
					t.Errorf("CHANGES BLOCK, TIMEOUT: %s", got)
				}
				if got := testUnblock(t, addr, "changes since 0 block 0", "error"); got != unblocked {
					t.Errorf("CHANGES BLOCK, ERROR: %s", got)
				}
			}
			c := dialRaw(t, addr)
			for cmd, want := range map[string]string{
				"client unblock 1 timeout x": "-ERR unknown subcommand or wrong number of arguments for 'unblock'. Try CLIENT HELP.",
				"client unblock x":           "-ERR value is not an integer or out of range",
				"client unblock 1 foo":       "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR",
				"client unblock abc foo":     "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR",
				"client unblock 99999":       ":0",
				"client unblock":             "-ERR wrong number of arguments for 'client|unblock' command",
			} {
				if got := c.do(strings.Fields(cmd)...); got != want {
					t.Errorf("%s: got %s, want %s", cmd, got, want)
				}
			}
		})
	}
}

// TestCommandGetKeysAndFlags compares COMMAND GETKEYSANDFLAGS with
// redis-server for commands whose key spec the table gives as Redis does,
// and its errors.
func TestCommandGetKeysAndFlags(t *testing.T) {
	runScripts(t, map[string][]scriptStep{
		"getkeysandflags": {
			{cmd: `command getkeysandflags get a`, want: `[["a" [+RO +access]]]`},
			{cmd: `command getkeysandflags mget a b`, want: `[["a" [+RO +access]] ["b" [+RO +access]]]`},
			{cmd: `command getkeysandflags nosuch a`, want: `-ERR Invalid command specified`},
			{cmd: `command getkeysandflags get a b`, want: `-ERR Invalid number of arguments specified for command`},
			{cmd: `command getkeysandflags get`, want: `-ERR wrong number of arguments for 'command|getkeysandflags' command`},
			{cmd: `command getkeysandflags ping x`, want: `-ERR The command has no key arguments`},
			{cmd: `command getkeys get a`, want: `["a"]`},
		},
	})
}

// TestClientPause: while one client pauses, another's commands wait (all
// of them for ALL, only writes for WRITE) until CLIENT UNPAUSE or the
// timeout; the pausing client is not held. The errors are compared with
// redis-server.
func TestClientPause(t *testing.T) {
	addr := servertest.New(t).Addr
	pauser, other := dialRaw(t, addr), dialRaw(t, addr)
	// send sends cmd on other; the reply arrives on the returned channel.
	send := func(cmd ...string) chan string {
		other.send(cmd...)
		ch := make(chan string, 1)
		go func() {
			v, err := other.read(5 * time.Second)
			if err != nil {
				ch <- err.Error()
				return
			}
			ch <- render(v)
		}()
		return ch
	}
	// held reports whether reply is still pending after 150ms.
	held := func(reply chan string) bool {
		select {
		case got := <-reply:
			t.Logf("reply: %s", got)
			return false
		case <-time.After(150 * time.Millisecond):
			return true
		}
	}
	if got := pauser.do("client", "pause", "100000", "write"); got != "+OK" {
		t.Fatal(got)
	}
	if got := other.do("get", "k"); got != "(nil)" {
		t.Fatalf("GET during a WRITE pause: %s", got)
	}
	if got := pauser.do("set", "k", "1"); got != "+OK" {
		t.Fatalf("the pausing client's SET: %s", got)
	}
	start := time.Now()
	reply := send("set", "k", "2")
	if !held(reply) {
		t.Fatal("SET of another client ran during a WRITE pause")
	}
	if got := pauser.do("client", "unpause"); got != "+OK" {
		t.Fatal(got)
	}
	if got := <-reply; got != "+OK" {
		t.Fatalf("held SET after UNPAUSE: %s", got)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("SET returned after %v", d)
	}
	// ALL holds reads too, until the timeout ends the pause.
	if got := pauser.do("client", "pause", "400"); got != "+OK" {
		t.Fatal(got)
	}
	start = time.Now()
	reply = send("get", "k")
	if !held(reply) {
		t.Fatal("GET ran during an ALL pause")
	}
	if got := <-reply; got != `"2"` {
		t.Fatalf("held GET after the timeout: %s", got)
	}
	if d := time.Since(start); d < 350*time.Millisecond {
		t.Fatalf("GET returned after %v, before the pause ended", d)
	}
	if got := other.do("ping"); got != "+PONG" {
		t.Fatalf("PING after the pause: %s", got)
	}

	runScripts(t, map[string][]scriptStep{
		"pause errors": {
			{cmd: `client pause x`, want: `-ERR timeout is not an integer or out of range`},
			{cmd: `client pause -1`, want: `-ERR timeout is negative`},
			{cmd: `client pause 10 foo`, want: `-ERR CLIENT PAUSE mode must be WRITE or ALL`},
			{cmd: `client pause x foo`, want: `-ERR CLIENT PAUSE mode must be WRITE or ALL`},
			{cmd: `client pause 10 write x`, want: `-ERR unknown subcommand or wrong number of arguments for 'pause'. Try CLIENT HELP.`},
			{cmd: `client unpause x`, want: `-ERR wrong number of arguments for 'client|unpause' command`},
			{cmd: `client pause 1 write`, want: `+OK`},
			{cmd: `client unpause`, want: `+OK`},
		},
	})
}
