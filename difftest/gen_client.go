package difftest

// The FamClient generators: CONFIG SET/GET of the replication parameters
// (accepted, checked and reported), CLIENT GETREDIR/TRACKINGINFO, CLIENT
// UNBLOCK of a client that does not exist, a zero-length CLIENT PAUSE and
// COMMAND GETKEYSANDFLAGS of reads. (Not min-replicas-to-write: Redis
// refuses writes with NOREPLICAS when it is above 0.)

var replParams = []string{"repl-backlog-size", "repl-backlog-ttl", "repl-timeout", "repl-ping-replica-period",
	"repl-ping-slave-period", "repl-diskless-sync", "repl-diskless-sync-delay", "repl-diskless-load",
	"replica-read-only", "slave-read-only", "replica-serve-stale-data", "replica-priority",
	"min-replicas-max-lag", "replica-announce-port"}

var replValues = []string{"0", "1", "-1", "10", "65536", "1mb", "2kb", "abc", "yes", "no", "YES", "maybe",
	"disabled", "swapdb", "on-empty-db", "2147483648", ""}

func init() {
	generators = append(generators,
		weighted{FamClient, 6, func(g *Gen) [][]byte {
			return cat("CONFIG", "SET", g.pick(replParams), g.pick(replValues))
		}},
		weighted{FamClient, 4, func(g *Gen) [][]byte { return cat("CONFIG", "GET", g.pick(replParams)) }},
		weighted{FamClient, 2, func(g *Gen) [][]byte {
			return cat("CLIENT", g.pick([]string{"GETREDIR", "TRACKINGINFO"}))
		}},
		weighted{FamClient, 2, func(g *Gen) [][]byte {
			return cat("CLIENT", "UNBLOCK", g.pick([]string{"999999", "x", "-1"}), g.pick([]string{"TIMEOUT", "ERROR", "foo"}))
		}},
		weighted{FamClient, 1, func(g *Gen) [][]byte {
			return cat("CLIENT", "PAUSE", g.pick([]string{"0", "-1", "x"}), g.pick([]string{"WRITE", "ALL", "foo"}))
		}},
		weighted{FamClient, 2, func(g *Gen) [][]byte {
			return cat("COMMAND", "GETKEYSANDFLAGS", g.pick([]string{"GET", "MGET", "STRLEN", "nosuch"}), g.anyKey())
		}},
	)
}
