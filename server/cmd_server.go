package server

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"rustypotato"
	"rustypotato/internal/keyspace"
)

// redisVersion is the Redis release whose behaviour we match; clients use
// it to pick features.
const redisVersion = "7.0.15"

// Version is RustyPotato's own version.
const Version = "0.1.0"

func registerServer(t *table) {
	srv := func(c *Command) *Command {
		c.Group = "server"
		return t.add(c)
	}
	srv(&Command{Name: "info", Arity: -1, Flags: flagLoading | flagStale, Categories: cats("slow dangerous"), Since: "1.0.0",
		Summary: "Returns information and statistics about the server.", Complexity: "O(1)", Syntax: "[section [section ...]]", conn: cmdInfo})
	srv(&Command{Name: "time", Arity: 1, Flags: flagLoading | flagStale | flagFast, Categories: cats("fast"), Since: "2.6.0",
		Summary: "Returns the server time.", Complexity: "O(1)",
		conn: func(c *Conn, a [][]byte, _ *potato.Tx) {
			now := time.Now()
			c.w.AppendArrayLen(2)
			c.w.AppendBulkString(strconv.FormatInt(now.Unix(), 10))
			c.w.AppendBulkString(strconv.FormatInt(int64(now.Nanosecond()/1000), 10))
		}})
	srv(&Command{Name: "shutdown", Arity: -1, Flags: flagAdmin | flagNoScript | flagLoading | flagStale, Categories: cats("admin slow dangerous"),
		Since: "1.0.0", Summary: "Synchronously saves the database(s) to disk and shuts down the Redis server.",
		Complexity: "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)",
		Syntax:     "[NOSAVE | SAVE] [NOW] [FORCE] [ABORT]", conn: cmdShutdown})
	srv(&Command{Name: "debug", Arity: -2, Flags: flagAdmin | flagNoScript | flagLoading | flagStale, Categories: cats("admin slow dangerous"),
		Since: "1.0.0", Summary: "A container for debugging commands.", Complexity: "Depends on subcommand.", conn: cmdDebug})
	cfg := srv(&Command{Name: "config", Arity: -2, Categories: cats("slow"), Since: "2.0.0",
		Summary: "A container for server configuration commands.", Complexity: "Depends on subcommand."})
	t.addSub(cfg, &Command{Name: "get", Arity: -3, Flags: flagAdmin | flagNoScript | flagLoading | flagStale,
		Categories: cats("admin slow dangerous"), Since: "2.0.0", Summary: "Returns the effective values of configuration parameters.",
		Complexity: "O(N) when N is the number of configuration parameters provided", Syntax: "parameter [parameter ...]", conn: cmdConfigGet})
	t.addSub(cfg, &Command{Name: "set", Arity: -4, Flags: flagAdmin | flagNoScript | flagLoading | flagStale,
		Categories: cats("admin slow dangerous"), Since: "2.0.0", Summary: "Sets configuration parameters in-flight.",
		Complexity: "O(N) when N is the number of configuration parameters provided", Syntax: "parameter value [parameter value ...]", conn: cmdConfigSet})
	t.addSub(cfg, &Command{Name: "resetstat", Arity: 2, Flags: flagAdmin | flagNoScript | flagLoading | flagStale,
		Categories: cats("admin slow dangerous"), Since: "2.0.0", Summary: "Resets the server's statistics.", Complexity: "O(1)",
		conn: func(c *Conn, a [][]byte, _ *potato.Tx) { c.s.resetStats(); c.w.AppendOK() }})
	t.addSub(cfg, &Command{Name: "rewrite", Arity: 2, Flags: flagAdmin | flagNoScript | flagLoading | flagStale,
		Categories: cats("admin slow dangerous"), Since: "2.8.0", Summary: "Persists the effective configuration to file.", Complexity: "O(1)",
		conn: func(c *Conn, a [][]byte, _ *potato.Tx) { // config.go
			if err := c.s.rewriteConfig(); err != nil {
				c.replyErr("ERR " + err.Error())
				return
			}
			c.w.AppendOK()
		}})
	t.addSub(cfg, &Command{Name: "help", Arity: 2, Flags: flagLoading | flagStale, Categories: cats("slow"), Since: "5.0.0",
		Summary: "Returns helpful text about the different subcommands.", Complexity: "O(1)",
		conn: helpReply("CONFIG", []string{
			"GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
			"SET <directive> <value>", "    Set the configuration <directive> to <value>.",
			"RESETSTAT", "    Reset statistics reported by the INFO command.",
			"REWRITE", "    Rewrite the configuration file.",
		})})
	registerCommandCmd(t)
}

func cmdShutdown(c *Conn, a [][]byte, _ *potato.Tx) {
	for _, o := range a[1:] {
		if !eqFold(o, "nosave") && !eqFold(o, "save") && !eqFold(o, "now") && !eqFold(o, "force") && !eqFold(o, "abort") {
			c.replyErr(errSyntax)
			return
		}
		if eqFold(o, "abort") {
			c.replyErr("ERR No shutdown in progress.")
			return
		}
	}
	c.s.log.Info("shutdown requested by client", "id", c.id, "addr", c.nc.RemoteAddr().String())
	c.closeAfter = true
	s := c.s
	go func() {
		if s.shutdownFn != nil {
			s.shutdownFn()
			return
		}
		s.Close()
	}()
}

func cmdDebug(c *Conn, a [][]byte, _ *potato.Tx) {
	switch {
	case eqFold(a[1], "sleep") && len(a) == 3:
		f, ok := parseFloat(a[2])
		if !ok {
			c.replyErr(errNotFloat)
			return
		}
		if f > 0 {
			time.Sleep(time.Duration(f * float64(time.Second)))
		}
		c.w.AppendOK()
	case eqFold(a[1], "help"):
		helpReply("DEBUG", []string{"SLEEP <seconds>", "    Stop the server for <seconds>. Decimals allowed."})(c, a, nil)
	default:
		c.replyErr(sanitize(fmt.Sprintf("ERR unknown subcommand '%s'. Try DEBUG HELP.", cText(a[1], 128))))
	}
}

func cmdConfigGet(c *Conn, a [][]byte, _ *potato.Tx) {
	seen := map[string]bool{}
	var out []string
	for _, pat := range a[2:] {
		p := strings.ToLower(string(pat))
		for _, prm := range c.s.cfg.params {
			if !seen[prm.name] && keyspace.Match(p, prm.name, true) {
				seen[prm.name] = true
				out = append(out, prm.name, prm.get(c.s))
			}
		}
	}
	c.w.AppendMapLen(len(out) / 2)
	for _, s := range out {
		c.w.AppendBulkString(s)
	}
}

func cmdConfigSet(c *Conn, a [][]byte, _ *potato.Tx) {
	if len(a)%2 != 0 {
		c.replyErr("ERR wrong number of arguments for 'config|set' command")
		return
	}
	type change struct {
		p   *param
		val string
		old string
	}
	var changes []change
	for j := 2; j+1 < len(a); j += 2 {
		name := strings.ToLower(string(a[j]))
		p := c.s.cfg.byName[name]
		if p == nil {
			c.replyErr(sanitize(fmt.Sprintf("ERR Unknown option or number of arguments for CONFIG SET - '%s'", a[j])))
			return
		}
		if p.set == nil || p.immutable { // startup-only parameters (config.go)
			c.replyErr(fmt.Sprintf("ERR CONFIG SET failed (possibly related to argument '%s') - can't set immutable config", name))
			return
		}
		for _, ch := range changes {
			if ch.p == p {
				c.replyErr(fmt.Sprintf("ERR CONFIG SET failed (possibly related to argument '%s') - duplicate parameter", name))
				return
			}
		}
		changes = append(changes, change{p: p, val: string(a[j+1]), old: p.get(c.s)})
	}
	// All or nothing: apply in order, restore on the first failure.
	for i, ch := range changes {
		if err := ch.p.set(c.s, ch.val); err != nil {
			for k := i - 1; k >= 0; k-- {
				changes[k].p.set(c.s, changes[k].old)
			}
			c.replyErr(fmt.Sprintf("ERR CONFIG SET failed (possibly related to argument '%s') - %v", ch.p.name, err))
			return
		}
	}
	c.w.AppendOK()
}

func (s *Server) resetStats() {
	s.stats.totalCommands.Store(0)
	s.stats.totalConns.Store(0)
	s.stats.rejectedConns.Store(0)
	s.stats.netIn.Store(0)
	s.stats.netOut.Store(0)
	s.stats.errorReplies.Store(0)
	s.stats.errMu.Lock()
	s.stats.errorCounts = nil
	s.stats.errMu.Unlock()
	for _, cmd := range s.table.cmds {
		cmd.stats = cmdStats{}
		for _, sc := range cmd.sub {
			sc.stats = cmdStats{}
		}
	}
}

var infoSections = []string{"server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules", "errorstats", "cluster", "branches", "hooks", "keyspace"}

func cmdInfo(c *Conn, a [][]byte, _ *potato.Tx) {
	want := map[string]bool{}
	all := false
	if len(a) == 1 {
		for _, s := range infoSections {
			if s != "commandstats" {
				want[s] = true
			}
		}
	}
	for _, x := range a[1:] {
		s := strings.ToLower(string(x))
		switch s {
		case "all", "everything":
			all = true
		case "default":
			for _, s := range infoSections {
				want[s] = true
			}
		default:
			want[s] = true
		}
	}
	if all {
		for _, s := range infoSections {
			want[s] = true
		}
		want["commandstats"] = true
		want["latencystats"] = true
	}
	var b strings.Builder
	section := func(name string, body func()) {
		if !want[strings.ToLower(name)] {
			return
		}
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		b.WriteString("# " + name + "\r\n")
		body()
	}
	kv := func(k string, v any) { fmt.Fprintf(&b, "%s:%v\r\n", k, v) }
	s := c.s
	now := time.Now()
	up := now.Sub(s.started)
	section("Server", func() {
		kv("redis_version", redisVersion)
		kv("rustypotato_version", Version)
		kv("redis_git_sha1", "00000000")
		kv("redis_git_dirty", 0)
		kv("redis_build_id", "0")
		kv("redis_mode", "standalone")
		kv("os", osName())
		kv("arch_bits", 64)
		kv("monotonic_clock", "POSIX clock_gettime")
		kv("multiplexing_api", "goroutines")
		kv("atomicvar_api", "sync/atomic")
		kv("gcc_version", "0.0.0")
		kv("process_id", os.Getpid())
		kv("process_supervised", "no")
		kv("run_id", s.runID())
		kv("tcp_port", s.port())
		kv("server_time_usec", now.UnixMicro())
		kv("uptime_in_seconds", int64(up/time.Second))
		kv("uptime_in_days", int64(up/(24*time.Hour)))
		kv("hz", 10)
		kv("configured_hz", 10)
		kv("lru_clock", now.Unix()&(1<<24-1))
		exe, _ := os.Executable()
		kv("executable", exe)
		kv("config_file", s.configFile()) // config.go
		kv("io_threads_active", 0)
	})
	section("Clients", func() {
		s.mu.Lock()
		n := len(s.conns)
		s.mu.Unlock()
		kv("connected_clients", n)
		kv("cluster_connections", 0)
		kv("maxclients", s.MaxClients)
		kv("client_recent_max_input_buffer", 0)
		kv("client_recent_max_output_buffer", 0)
		kv("blocked_clients", s.table.obs.blocked.Load())
		kv("tracking_clients", 0)
		kv("clients_in_timeout_table", 0)
	})
	section("Memory", func() { s.memoryInfo(kv) })
	section("Persistence", func() {
		kv("loading", 0)
		kv("async_loading", 0)
		kv("current_cow_peak", 0)
		kv("current_cow_size", 0)
		kv("current_cow_size_age", 0)
		kv("current_fork_perc", "0.00")
		kv("current_save_keys_processed", 0)
		kv("current_save_keys_total", 0)
		// Durability state (cmd_persist.go): the durable store plays
		// the part of Redis's AOF.
		pi := s.persistInfo()
		kv("rdb_changes_since_last_save", 0)
		kv("rdb_bgsave_in_progress", pi.bgsave)
		kv("rdb_last_save_time", pi.lastSave)
		kv("rdb_last_bgsave_status", pi.bgStatus)
		kv("aof_enabled", pi.enabled)
		kv("aof_rewrite_in_progress", 0)
		kv("aof_last_write_status", pi.writeStatus)
	})
	section("Stats", func() { s.statsInfo(kv) }) // cmd_observe.go
	section("Replication", func() {
		kv("role", "master")
		kv("connected_slaves", 0)
		kv("master_failover_state", "no-failover")
		kv("master_replid", s.runID())
		kv("master_replid2", "0000000000000000000000000000000000000000")
		kv("master_repl_offset", 0)
		kv("second_repl_offset", -1)
		kv("repl_backlog_active", 0)
		kv("repl_backlog_size", 1048576)
		kv("repl_backlog_first_byte_offset", 0)
		kv("repl_backlog_histlen", 0)
	})
	section("CPU", func() { cpuInfo(kv) })
	section("Modules", func() { modulesInfo(kv) }) // cmd_json.go
	// Redis 7.0's order: commandstats, errorstats, latencystats.
	section("Commandstats", func() {
		for _, cmd := range s.table.sorted() {
			emit := func(cmd *Command) {
				calls := cmd.stats.calls.Load()
				if calls == 0 && cmd.stats.rejected.Load() == 0 && cmd.stats.failed.Load() == 0 {
					return
				}
				usec := cmd.stats.usec.Load()
				per := 0.0
				if calls > 0 {
					per = float64(usec) / float64(calls)
				}
				kv("cmdstat_"+cmd.FullName(), fmt.Sprintf("calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d",
					calls, usec, per, cmd.stats.rejected.Load(), cmd.stats.failed.Load()))
			}
			emit(cmd)
			subs := make([]string, 0, len(cmd.sub))
			for n := range cmd.sub {
				subs = append(subs, n)
			}
			sort.Strings(subs)
			for _, n := range subs {
				emit(cmd.sub[n])
			}
		}
	})
	section("Errorstats", func() {
		s.stats.errMu.Lock()
		names := make([]string, 0, len(s.stats.errorCounts))
		for k := range s.stats.errorCounts {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			kv("errorstat_"+k, fmt.Sprintf("count=%d", s.stats.errorCounts[k]))
		}
		s.stats.errMu.Unlock()
	})
	section("Latencystats", func() { s.latencyStatsInfo(kv) }) // cmd_observe.go
	section("Cluster", func() { kv("cluster_enabled", 0) })
	section("Branches", func() { c.branchInfo(kv) })
	section("Hooks", func() { c.hookInfo(kv) }) // cmd_hook.go
	section("Keyspace", func() {
		m := c.db.Metrics()
		for i := 0; i < potato.NumDBs; i++ {
			if m.Keys[i] > 0 {
				kv(fmt.Sprintf("db%d", i), fmt.Sprintf("keys=%d,expires=%d,avg_ttl=0", m.Keys[i], m.Expires[i]))
			}
		}
	})
	c.w.AppendVerbatim("txt", []byte(b.String()))
}

func (s *Server) port() string {
	s.cfg.mu.Lock()
	defer s.cfg.mu.Unlock()
	if p := s.cfg.extra["port"]; p != "" {
		return p
	}
	return "0"
}

func (s *Server) runID() string {
	return fmt.Sprintf("%040x", s.started.UnixNano())
}
