package server_test

import "testing"

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
