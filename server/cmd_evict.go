package server

import (
	"fmt"
	"math"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"

	"rustypotato"
)

// Memory limit and eviction (issue 16): the maxmemory parameters, the
// denyoom check before each command, MEMORY STATS and MEMORY DOCTOR.

// oomReply is Redis's shared.oomerr.
const oomReply = "OOM command not allowed when used memory > 'maxmemory'."

// policyEnum lists maxmemory-policy's values in Redis's order (its error
// text names them so).
var policyEnum = []string{"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
	"allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"}

func addEvictConfig(cfg *config) {
	update := func(s *Server, f func(c *potato.EvictionConfig)) error {
		if s.DB == nil {
			return nil
		}
		c := s.DB.EvictionConfig()
		f(&c)
		if err := s.DB.SetEvictionConfig(c); err != nil {
			return err
		}
		setGoMemLimit(s.DB, c.MaxMemory)
		return nil
	}
	evc := func(s *Server) potato.EvictionConfig {
		if s.DB == nil {
			return potato.EvictionConfig{Samples: 5, Tenacity: 10, LFULogFactor: 10, LFUDecayTime: 1}
		}
		return s.DB.EvictionConfig()
	}
	intp := func(name, typ, def string, lo, hi int64, doc string, get func(c potato.EvictionConfig) int64, set func(c *potato.EvictionConfig, v int64)) {
		cfg.add(&param{name: name, typ: typ, def: def, doc: doc,
			get: func(s *Server) string { return strconv.FormatInt(get(evc(s)), 10) },
			set: func(s *Server, v string) error {
				var n int64
				var err error
				if typ == "memory" {
					if n, err = parseMemory(v); err != nil {
						err = fmt.Errorf("argument must be a memory value")
					}
				} else if n, err = strconv.ParseInt(v, 10, 64); err != nil {
					err = fmt.Errorf("argument couldn't be parsed into an integer")
				}
				if err != nil {
					return err
				}
				if n < lo || n > hi {
					return fmt.Errorf("argument must be between %d and %d inclusive", lo, hi)
				}
				return update(s, func(c *potato.EvictionConfig) { set(c, n) })
			}})
	}
	intp("maxmemory", "memory", "0", 0, math.MaxInt64,
		"Limit of the data's accounted size (INFO used_memory_dataset); past it keys are evicted per maxmemory-policy, or denyoom commands get -OOM. 0: no limit. Also sets the Go runtime's soft memory limit (GOMEMLIMIT) to 1.2x the value plus the timeline's memory bound plus 32 MiB.",
		func(c potato.EvictionConfig) int64 { return c.MaxMemory }, func(c *potato.EvictionConfig, v int64) { c.MaxMemory = v })
	cfg.add(&param{name: "maxmemory-policy", typ: "enum", def: "noeviction",
		doc: "What is evicted at maxmemory: " + strings.Join(policyEnum, ", ") + ".",
		get: func(s *Server) string { return evc(s).Policy.String() },
		set: func(s *Server, v string) error {
			p, err := potato.ParseEvictionPolicy(v)
			if err != nil {
				return fmt.Errorf("argument(s) must be one of the following: %s", strings.Join(policyEnum, ", "))
			}
			return update(s, func(c *potato.EvictionConfig) { c.Policy = p })
		}})
	intp("maxmemory-samples", "integer", "5", 1, math.MaxInt32, "Keys sampled per eviction: more is closer to true LRU/LFU, and slower.",
		func(c potato.EvictionConfig) int64 { return int64(c.Samples) }, func(c *potato.EvictionConfig, v int64) { c.Samples = int(v) })
	intp("maxmemory-eviction-tenacity", "integer", "10", 0, 100, "How long one command may spend evicting before the background takes over (100: no limit).",
		func(c potato.EvictionConfig) int64 { return int64(c.Tenacity) }, func(c *potato.EvictionConfig, v int64) { c.Tenacity = int(v) })
	intp("lfu-log-factor", "integer", "10", 0, math.MaxInt32, "How slowly LFU counters grow with hits.",
		func(c potato.EvictionConfig) int64 { return int64(c.LFULogFactor) }, func(c *potato.EvictionConfig, v int64) { c.LFULogFactor = int(v) })
	intp("lfu-decay-time", "integer", "1", 0, math.MaxInt32, "Minutes of idleness that take one from an LFU counter (0: never decay).",
		func(c potato.EvictionConfig) int64 { return int64(c.LFUDecayTime) }, func(c *potato.EvictionConfig, v int64) { c.LFUDecayTime = int(v) })
}

var (
	goMemMu   sync.Mutex
	goMemOrig int64 = -1 // the limit before maxmemory set one (GOMEMLIMIT or none)
)

// setGoMemLimit makes the Go runtime's soft memory limit 1.2x maxmemory
// plus what the heap holds besides the data: the timeline's bound (its
// records are not data: maxmemory does not count them) and 32 MiB for the
// server itself, so that garbage does not take the process far past the
// limit while the GC never runs without end. 0 restores the limit the
// process started with.
func setGoMemLimit(db *potato.DB, maxmemory int64) {
	goMemMu.Lock()
	defer goMemMu.Unlock()
	if goMemOrig < 0 {
		goMemOrig = debug.SetMemoryLimit(-1)
	}
	if maxmemory <= 0 {
		debug.SetMemoryLimit(goMemOrig)
		return
	}
	lim := maxmemory/5*6 + 32<<20
	if to := db.TimelineOptions(); !to.Disabled {
		lim += to.MaxMemory
	}
	if goMemOrig < lim {
		lim = goMemOrig // an explicit GOMEMLIMIT lower than that wins
	}
	debug.SetMemoryLimit(lim)
}

// oomReject refuses cmd with Redis's -OOM when it is flagged denyoom (or
// is an EXEC of a block holding one) and the data are over maxmemory with
// nothing left to evict, as Redis's processCommand does after evicting.
func (c *Conn) oomReject(cmd *Command) bool {
	deny := cmd.Flags&flagDenyOOM != 0
	if c.multi != nil {
		// In MULTI, Redis refuses every command it would queue, and an
		// EXEC of a block holding a denyoom one.
		deny = cmd.Flags&flagNoQueue == 0 || (cmd.Name == "exec" && c.multi.denyoom)
	}
	if !deny || c.db.CheckMemory() == nil {
		return false
	}
	if cmd.Name == "exec" {
		c.multi = nil
		c.unwatch()
		c.replyErr("EXECABORT Transaction discarded because of: " + oomReply)
		return true
	}
	c.rejectQueued()
	c.replyErr(oomReply)
	return true
}

func registerEvict(t *table) {
	mem := t.cmds["memory"]
	t.addSub(mem, &Command{Name: "stats", Arity: 2, Categories: cats("slow"), Since: "4.0.0",
		Summary: "Returns details about memory usage.", Complexity: "O(1)", conn: cmdMemoryStats})
	t.addSub(mem, &Command{Name: "doctor", Arity: 2, Categories: cats("slow"), Since: "4.0.0",
		Summary: "Outputs a memory problems report.", Complexity: "O(1)", conn: cmdMemoryDoctor})
}

// cmdMemoryStats is MEMORY STATS with Redis 7.0's fields; the figures are
// the Go runtime's and the store's accounting.
func cmdMemoryStats(c *Conn, a [][]byte, _ *potato.Tx) {
	st := c.s.DB.MemoryStats()
	var fields []any
	kv := func(k string, v any) { fields = append(fields, k, v) }
	c.s.memoryInfo(func(k string, v any) {
		switch k {
		case "used_memory_peak":
			kv("peak.allocated", v)
		case "used_memory":
			kv("total.allocated", v)
		case "used_memory_startup":
			kv("startup.allocated", v)
		}
	})
	kv("replication.backlog", int64(0))
	kv("clients.slaves", int64(0))
	kv("clients.normal", int64(0))
	kv("cluster.links", int64(0))
	kv("aof.buffer", int64(0))
	kv("lua.caches", int64(0))
	kv("functions.caches", int64(0))
	kv("overhead.total", int64(0))
	kv("keys.count", st.Keys)
	per := int64(0)
	if st.Keys > 0 {
		per = st.DatasetBytes / st.Keys
	}
	kv("keys.bytes-per-key", per)
	kv("dataset.bytes", st.DatasetBytes)
	kv("evicted.keys", st.EvictedKeys)
	c.w.AppendArrayLen(len(fields))
	for i := 0; i < len(fields); i += 2 {
		c.w.AppendBulkString(fields[i].(string))
		switch v := fields[i+1].(type) {
		case int64:
			c.w.AppendInt(v)
		case uint64:
			c.w.AppendInt(int64(v))
		case int:
			c.w.AppendInt(int64(v))
		default:
			c.w.AppendBulkString(fmt.Sprint(v))
		}
	}
}

// cmdMemoryDoctor is MEMORY DOCTOR: Redis's empty-instance answer, or
// the problems this store can see (over maxmemory with nothing to evict).
func cmdMemoryDoctor(c *Conn, a [][]byte, _ *potato.Tx) {
	st := c.s.DB.MemoryStats()
	if st.DatasetBytes < 5<<20 { // Redis's threshold (used memory under 5 MB)
		c.w.AppendBulkString("Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.")
		return
	}
	if st.OOM {
		c.w.AppendBulkString(fmt.Sprintf("Sam, I detected a few issues in this Redis instance memory implants:\n\n"+
			" * Out of memory: the data (%d bytes) are over maxmemory (%d bytes) and the policy %s finds nothing to evict; denyoom commands are refused. Raise maxmemory, delete keys, or choose an allkeys-* policy.\n\n"+
			"I'm here to keep you safe, Sam. I want to help you.\n", st.DatasetBytes, st.Config.MaxMemory, st.Config.Policy))
		return
	}
	c.w.AppendBulkString("Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.")
}
