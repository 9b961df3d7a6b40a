package server

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// addReplConfig registers Redis 7.0's replication parameters (repl-*,
// replica-* and min-replicas-*, with their slave-* aliases). RustyPotato
// has no replication, so they change nothing; CONFIG SET checks them as
// Redis does and CONFIG GET reports them, so that clients, Sentinel-aware
// tooling and Redis's test suite that set them keep working.
func addReplConfig(cfg *config) {
	intRange := func(memory bool, lo, hi int64) func(v string) (string, error) {
		return func(v string) (string, error) {
			var n int64
			var err error
			if memory {
				// As Redis's memtoull: "" is 0, a sign is no memory value.
				if v == "" {
					n = 0
				} else if n, err = parseMemory(v); err != nil || strings.HasPrefix(v, "-") {
					return "", fmt.Errorf("argument must be a memory value")
				}
			} else if n, err = strconv.ParseInt(v, 10, 64); err != nil {
				return "", fmt.Errorf("argument couldn't be parsed into an integer")
			}
			if n < lo || n > hi {
				return "", fmt.Errorf("argument must be between %d and %d inclusive", lo, hi)
			}
			return strconv.FormatInt(n, 10), nil
		}
	}
	enum := func(vals ...string) func(v string) (string, error) {
		return func(v string) (string, error) {
			for _, e := range vals {
				if strings.EqualFold(v, e) {
					return e, nil
				}
			}
			return "", fmt.Errorf("argument(s) must be one of the following: %s", strings.Join(vals, ", "))
		}
	}
	anyString := func(v string) (string, error) { return v, nil }
	const none = " Accepted and reported for compatibility; no effect (RustyPotato has no replication)."
	i32 := func(lo int64) func(string) (string, error) { return intRange(false, lo, math.MaxInt32) }
	cfg.addShared([]string{"repl-backlog-size"}, "memory", "1048576", "Size of the replication backlog."+none, intRange(true, 1, math.MaxInt64), nil)
	cfg.addShared([]string{"repl-backlog-ttl"}, "integer", "3600", "Seconds without replicas after which the backlog is freed."+none, intRange(false, 0, math.MaxInt64), nil)
	cfg.addShared([]string{"repl-timeout"}, "integer", "60", "Replication timeout in seconds."+none, i32(1), nil)
	cfg.addShared([]string{"repl-ping-replica-period", "repl-ping-slave-period"}, "integer", "10", "Seconds between pings to replicas."+none, i32(1), nil)
	cfg.addShared([]string{"repl-diskless-sync"}, "yes|no", "yes", "Full syncs stream the snapshot to replicas' sockets."+none, checkYesNo, nil)
	cfg.addShared([]string{"repl-diskless-sync-delay"}, "integer", "5", "Seconds a diskless full sync waits for more replicas."+none, i32(0), nil)
	cfg.addShared([]string{"repl-diskless-sync-max-replicas"}, "integer", "0", "Replicas that start a diskless sync before the delay."+none, i32(0), nil)
	cfg.addShared([]string{"repl-diskless-load"}, "disabled|on-empty-db|swapdb", "disabled", "How a replica loads a diskless sync."+none, enum("disabled", "on-empty-db", "swapdb"), nil)
	cfg.addShared([]string{"repl-disable-tcp-nodelay"}, "yes|no", "no", "Disable TCP_NODELAY on the replication socket."+none, checkYesNo, nil)
	cfg.addShared([]string{"replica-read-only", "slave-read-only"}, "yes|no", "yes", "A replica refuses writes."+none, checkYesNo, nil)
	cfg.addShared([]string{"replica-serve-stale-data", "slave-serve-stale-data"}, "yes|no", "yes", "A replica serves data while out of sync."+none, checkYesNo, nil)
	cfg.addShared([]string{"replica-priority", "slave-priority"}, "integer", "100", "Sentinel's promotion priority of a replica."+none, i32(0), nil)
	cfg.addShared([]string{"replica-ignore-maxmemory", "slave-ignore-maxmemory"}, "yes|no", "yes", "A replica does not evict on its own."+none, checkYesNo, nil)
	cfg.addShared([]string{"replica-lazy-flush", "slave-lazy-flush"}, "yes|no", "no", "A replica flushes asynchronously before a full sync."+none, checkYesNo, nil)
	cfg.addShared([]string{"replica-announced"}, "yes|no", "yes", "Sentinel announces the replica."+none, checkYesNo, nil)
	cfg.addShared([]string{"replica-announce-port", "slave-announce-port"}, "integer", "0", "Port a replica announces to its master."+none, intRange(false, 0, 65535), nil)
	cfg.addShared([]string{"replica-announce-ip", "slave-announce-ip"}, "string", "", "Address a replica announces to its master."+none, anyString, nil)
	cfg.addShared([]string{"replica-ignore-disk-write-errors"}, "yes|no", "no", "A replica keeps replicating after a failed disk write."+none, checkYesNo, nil)
	cfg.addShared([]string{"min-replicas-to-write", "min-slaves-to-write"}, "integer", "0", "Good replicas a master needs to accept writes."+none, i32(0), nil)
	cfg.addShared([]string{"min-replicas-max-lag", "min-slaves-max-lag"}, "integer", "10", "Lag in seconds below which a replica counts as good."+none, i32(0), nil)
}
