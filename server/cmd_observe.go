package server

// Observability: SLOWLOG, LATENCY, MONITOR, the per-command latency
// histograms, and Stats, the snapshot the Prometheus exporter
// (server/metrics) reads.
//
// Every command executed (outside MULTI, and each command run by EXEC)
// passes through observeCmd once, after it ran, with its duration. The
// common case costs a histogram increment and three atomic loads: the
// slowlog threshold, the latency threshold and the monitor list.

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"rustypotato/internal/resp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	potato "rustypotato"
)

// LatencyBuckets are the upper bounds, in seconds, of the per-command
// duration histograms (potato_command_duration_seconds).
var LatencyBuckets = []float64{
	0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005,
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	0.1, 0.25, 0.5, 1, 2.5, 5, 10,
}

// latencyBucketsNs is LatencyBuckets in nanoseconds, for the hot path.
var latencyBucketsNs = func() [numBuckets]int64 {
	var b [numBuckets]int64
	for i, s := range LatencyBuckets {
		b[i] = int64(math.Round(s * 1e9))
	}
	return b
}()

// numBuckets is len(LatencyBuckets); one more counter holds +Inf.
const numBuckets = 19

// histogram counts durations per bucket (not cumulative); the last
// counter is beyond the last bound.
type histogram [numBuckets + 1]atomic.Int64

func (h *histogram) observe(d time.Duration) {
	ns := int64(d)
	i := 0
	for i < numBuckets && ns > latencyBucketsNs[i] {
		i++
	}
	h[i].Add(1)
}

// Slowlog and latency-monitor defaults, as Redis's.
const (
	defaultSlowerThan = 10000 // microseconds
	defaultSlowMaxLen = 128
	slowlogMaxArgc    = 32  // SLOWLOG_ENTRY_MAX_ARGC
	slowlogMaxString  = 128 // SLOWLOG_ENTRY_MAX_STRING
	latencyHistoryLen = 160 // LATENCY_TS_LEN
)

// observer is a server's SLOWLOG, LATENCY and MONITOR state.
type observer struct {
	slowerThan atomic.Int64 // slowlog-log-slower-than, µs; negative: off
	slowMaxLen atomic.Int64 // slowlog-max-len
	latencyMs  atomic.Int64 // latency-monitor-threshold, ms; 0: off

	slowMu  sync.Mutex
	slow    []slowEntry // oldest first
	slowID  int64
	latMu   sync.Mutex
	latency map[string]*latencyEvent

	monMu    sync.Mutex
	monitors atomic.Pointer[[]*Conn] // copy on write: read on every command

	metricsAddr atomic.Value // string: metrics-addr, read by the program at start
	rates       rateSampler  // INFO instantaneous_*
	logOpts     sync.Map     // logfile, log-format: string values set from the config
	blocked     atomic.Int64 // clients waiting in a blocking command (conn.go blockCtx)
}

func (o *observer) logOpt(name, def string) string {
	if v, ok := o.logOpts.Load(name); ok {
		return v.(string)
	}
	return def
}

func newObserver() *observer {
	o := &observer{latency: map[string]*latencyEvent{}}
	o.slowerThan.Store(defaultSlowerThan)
	o.slowMaxLen.Store(defaultSlowMaxLen)
	o.metricsAddr.Store("")
	return o
}

type slowEntry struct {
	id       int64
	time     int64 // Unix seconds
	usec     int64
	args     []string
	peer     string
	peerName string
}

type latencySample struct {
	time int64 // Unix seconds
	ms   int64
}

type latencyEvent struct {
	samples []latencySample // oldest first, at most latencyHistoryLen
	max     int64
}

// observeCmd is the hook the dispatch path calls after each executed
// command (conn.go dispatch, cmd_tx.go EXEC) with how long it took: it
// feeds the latency histogram, SLOWLOG, the latency monitor and MONITOR.
func (c *Conn) observeCmd(cmd *Command, args [][]byte, d time.Duration) {
	cmd.stats.hist.observe(d)
	o := c.s.table.obs
	usec := d.Microseconds()
	// Blocking commands are timed with their wait; Redis times only the
	// work, so they would flood the logs: leave them out.
	if cmd.Flags&flagBlocking == 0 && cmd.Name != "exec" {
		if t := o.slowerThan.Load(); t >= 0 && usec >= t {
			o.addSlow(c, args, usec)
		}
		if t := o.latencyMs.Load(); t > 0 && d.Milliseconds() >= t {
			ev := "command"
			if cmd.Flags&flagFast != 0 {
				ev = "fast-command"
			}
			o.addLatency(ev, d.Milliseconds())
		}
	}
	if mons := o.monitors.Load(); mons != nil && len(*mons) > 0 && cmd.Flags&flagAdmin == 0 {
		o.feedMonitors(c, *mons, args)
	}
}

func (o *observer) addSlow(c *Conn, args [][]byte, usec int64) {
	n := min(len(args), slowlogMaxArgc)
	e := slowEntry{time: time.Now().Unix(), usec: usec, args: make([]string, n), peer: c.nc.RemoteAddr().String(), peerName: c.name}
	for i := 0; i < n; i++ {
		a := args[i]
		switch {
		case i == slowlogMaxArgc-1 && len(args) > slowlogMaxArgc:
			e.args[i] = fmt.Sprintf("... (%d more arguments)", len(args)-slowlogMaxArgc+1)
		case len(a) > slowlogMaxString:
			e.args[i] = fmt.Sprintf("%s... (%d more bytes)", a[:slowlogMaxString], len(a)-slowlogMaxString)
		default:
			e.args[i] = string(a)
		}
	}
	o.slowMu.Lock()
	e.id = o.slowID
	o.slowID++
	o.slow = append(o.slow, e)
	if max := int(o.slowMaxLen.Load()); len(o.slow) > max {
		o.slow = append(o.slow[:0], o.slow[len(o.slow)-max:]...)
	}
	o.slowMu.Unlock()
}

func (o *observer) addLatency(event string, ms int64) {
	now := time.Now().Unix()
	o.latMu.Lock()
	defer o.latMu.Unlock()
	ev := o.latency[event]
	if ev == nil {
		ev = &latencyEvent{}
		o.latency[event] = ev
	}
	ev.max = max(ev.max, ms)
	// One sample per second, keeping the worst (latencyAddSample).
	if n := len(ev.samples); n > 0 && ev.samples[n-1].time == now {
		ev.samples[n-1].ms = max(ev.samples[n-1].ms, ms)
		return
	}
	ev.samples = append(ev.samples, latencySample{now, ms})
	if len(ev.samples) > latencyHistoryLen {
		ev.samples = ev.samples[1:]
	}
}

// feedMonitors sends the command to each MONITOR client, in Redis's
// format: +1700000000.123456 [0 127.0.0.1:12345] "SET" "a" "b".
func (o *observer) feedMonitors(c *Conn, mons []*Conn, args [][]byte) {
	now := time.Now()
	b := make([]byte, 0, 64)
	b = append(b, '+')
	b = strconv.AppendInt(b, now.Unix(), 10)
	b = append(b, '.')
	b = append(b, fmt.Sprintf("%06d", now.Nanosecond()/1000)...)
	b = append(b, " ["...)
	b = strconv.AppendInt(b, int64(c.db.Index()), 10)
	b = append(b, ' ')
	b = append(b, c.nc.RemoteAddr().String()...)
	b = append(b, ']')
	for _, a := range args {
		b = append(b, ' ')
		b = resp.AppendRepr(b, a)
	}
	b = append(b, "\r\n"...)
	for _, m := range mons {
		if p := m.ps.Load(); p != nil {
			if _, err := p.write(b); err == nil {
				select { // wake its writer
				case p.wake <- struct{}{}:
				default:
				}
			}
		}
	}
}

// addMonitor makes c a MONITOR client; removeMonitor (on close) undoes it.
func (o *observer) addMonitor(c *Conn) {
	o.monMu.Lock()
	defer o.monMu.Unlock()
	var cur []*Conn
	if p := o.monitors.Load(); p != nil {
		cur = *p
	}
	if slices.Contains(cur, c) {
		return
	}
	next := append(slices.Clip(cur), c)
	o.monitors.Store(&next)
}

func (o *observer) removeMonitor(c *Conn) {
	o.monMu.Lock()
	defer o.monMu.Unlock()
	p := o.monitors.Load()
	if p == nil {
		return
	}
	next := slices.DeleteFunc(slices.Clone(*p), func(x *Conn) bool { return x == c })
	o.monitors.Store(&next)
}

func (o *observer) isMonitor(c *Conn) bool {
	p := o.monitors.Load()
	return p != nil && slices.Contains(*p, c)
}

func registerObserve(t *table) {
	t.obs = newObserver()
	registerMemory(t)
	registerEvict(t) // cmd_evict.go
	srv := func(c *Command) *Command {
		c.Group = "server"
		return t.add(c)
	}
	srv(&Command{Name: "monitor", Arity: 1, Flags: flagAdmin | flagNoScript | flagLoading | flagStale, Categories: cats("admin slow dangerous"),
		Since: "1.0.0", Summary: "Listens for all requests received by the server in real-time.", Complexity: "", conn: cmdMonitor})

	slow := srv(&Command{Name: "slowlog", Arity: -2, Categories: cats("slow"), Since: "2.2.12",
		Summary: "A container for slow log commands.", Complexity: "Depends on subcommand."})
	slowSub := func(name string, arity int, summary, complexity, syntax string, fn connFunc) {
		t.addSub(slow, &Command{Name: name, Arity: arity, Flags: flagAdmin | flagLoading | flagStale, Categories: cats("admin slow dangerous"),
			Since: "2.2.12", Summary: summary, Complexity: complexity, Syntax: syntax, conn: fn})
	}
	slowSub("get", -2, "Returns the slow log's entries.", "O(N) where N is the number of entries returned", "[count]", cmdSlowlogGet)
	slowSub("len", 2, "Returns the number of entries in the slow log.", "O(1)", "", func(c *Conn, _ [][]byte, _ *potato.Tx) {
		o := c.s.table.obs
		o.slowMu.Lock()
		n := len(o.slow)
		o.slowMu.Unlock()
		c.w.AppendInt(int64(n))
	})
	slowSub("reset", 2, "Clears all entries from the slow log.", "O(N) where N is the number of entries in the slowlog", "", func(c *Conn, _ [][]byte, _ *potato.Tx) {
		o := c.s.table.obs
		o.slowMu.Lock()
		o.slow = nil
		o.slowMu.Unlock()
		c.w.AppendOK()
	})
	t.addSub(slow, &Command{Name: "help", Arity: 2, Flags: flagLoading | flagStale, Categories: cats("slow"), Since: "6.2.0",
		Summary: "Show helpful text about the different subcommands", Complexity: "O(1)",
		conn: helpReply("SLOWLOG", []string{
			"GET [<count>]",
			"    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
			"    Entries are made of:",
			"    id, timestamp, time in microseconds, arguments array, client IP and port,",
			"    client name",
			"LEN",
			"    Return the length of the slowlog.",
			"RESET",
			"    Reset the slowlog.",
		})})

	lat := srv(&Command{Name: "latency", Arity: -2, Categories: cats("slow"), Since: "2.8.13",
		Summary: "A container for latency diagnostics commands.", Complexity: "Depends on subcommand."})
	latSub := func(name string, arity int, summary, complexity, syntax string, fn connFunc) {
		t.addSub(lat, &Command{Name: name, Arity: arity, Flags: flagAdmin | flagNoScript | flagLoading | flagStale, Categories: cats("admin slow dangerous"),
			Since: "2.8.13", Summary: summary, Complexity: complexity, Syntax: syntax, conn: fn})
	}
	latSub("latest", 2, "Returns the latest latency samples for all events.", "O(1)", "", cmdLatencyLatest)
	latSub("history", 3, "Returns timestamp-latency samples for an event.", "O(1)", "event", cmdLatencyHistory)
	latSub("reset", -2, "Resets the latency data for one or more events.", "O(1)", "[event [event ...]]", cmdLatencyReset)
	t.addSub(lat, &Command{Name: "help", Arity: 2, Flags: flagLoading | flagStale, Categories: cats("slow"), Since: "2.8.13",
		Summary: "Returns helpful text about the different subcommands.", Complexity: "O(1)",
		conn: helpReply("LATENCY", []string{
			"DOCTOR",
			"    Return a human readable latency analysis report.",
			"GRAPH <event>",
			"    Return an ASCII latency graph for the <event> class.",
			"HISTORY <event>",
			"    Return time-latency samples for the <event> class.",
			"LATEST",
			"    Return the latest latency samples for all events.",
			"RESET [<event> ...]",
			"    Reset latency data of one or more <event> classes.",
			"    (default: reset all data for all event classes)",
			"HISTOGRAM [COMMAND ...]",
			"    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
			"    If no commands are specified then all histograms are replied.",
		})})
}

func cmdMonitor(c *Conn, a [][]byte, _ *potato.Tx) {
	o := c.s.table.obs
	if o.isMonitor(c) {
		c.w.AppendOK()
		return
	}
	// Switch the connection to an outbox written by its own goroutine
	// (the pub/sub one), so other connections' goroutines can append
	// monitor lines without blocking; +OK goes out before any of them.
	p := c.pubsub()
	c.w.AppendOK()
	c.w.Flush()
	o.addMonitor(c)
	go func() {
		<-c.ctx.Done() // cancelled when the connection closes
		o.removeMonitor(c)
	}()
	_ = p
}

func cmdSlowlogGet(c *Conn, a [][]byte, _ *potato.Tx) {
	count := int64(10)
	if len(a) == 3 {
		n, err := strconv.ParseInt(string(a[2]), 10, 64)
		switch {
		case err != nil:
			c.replyErr(errNotInt)
			return
		case n < -1:
			c.replyErr("ERR count should be greater than or equal to -1")
			return
		case n == -1:
			count = math.MaxInt64
		default:
			count = n
		}
	} else if len(a) > 3 {
		c.replyErr("ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.")
		return
	}
	o := c.s.table.obs
	o.slowMu.Lock()
	n := int(min(count, int64(len(o.slow))))
	entries := make([]slowEntry, n)
	for i := 0; i < n; i++ { // newest first
		entries[i] = o.slow[len(o.slow)-1-i]
	}
	o.slowMu.Unlock()
	c.w.AppendArrayLen(n)
	for _, e := range entries {
		c.w.AppendArrayLen(6)
		c.w.AppendInt(e.id)
		c.w.AppendInt(e.time)
		c.w.AppendInt(e.usec)
		c.w.AppendArrayLen(len(e.args))
		for _, s := range e.args {
			c.w.AppendBulkString(s)
		}
		c.w.AppendBulkString(e.peer)
		c.w.AppendBulkString(e.peerName)
	}
}

func cmdLatencyLatest(c *Conn, a [][]byte, _ *potato.Tx) {
	o := c.s.table.obs
	o.latMu.Lock()
	names := make([]string, 0, len(o.latency))
	for n, ev := range o.latency {
		if len(ev.samples) > 0 {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	c.w.AppendArrayLen(len(names))
	for _, n := range names {
		ev := o.latency[n]
		last := ev.samples[len(ev.samples)-1]
		c.w.AppendArrayLen(4)
		c.w.AppendBulkString(n)
		c.w.AppendInt(last.time)
		c.w.AppendInt(last.ms)
		c.w.AppendInt(ev.max)
	}
	o.latMu.Unlock()
}

func cmdLatencyHistory(c *Conn, a [][]byte, _ *potato.Tx) {
	o := c.s.table.obs
	o.latMu.Lock()
	defer o.latMu.Unlock()
	ev := o.latency[string(a[2])]
	if ev == nil {
		c.w.AppendArrayLen(0)
		return
	}
	c.w.AppendArrayLen(len(ev.samples))
	for _, s := range ev.samples {
		c.w.AppendArrayLen(2)
		c.w.AppendInt(s.time)
		c.w.AppendInt(s.ms)
	}
}

func cmdLatencyReset(c *Conn, a [][]byte, _ *potato.Tx) {
	o := c.s.table.obs
	o.latMu.Lock()
	defer o.latMu.Unlock()
	n := 0
	if len(a) == 2 {
		n = len(o.latency)
		o.latency = map[string]*latencyEvent{}
	} else {
		for _, e := range a[2:] {
			if _, ok := o.latency[string(e)]; ok {
				delete(o.latency, string(e))
				n++
			}
		}
	}
	c.w.AppendInt(int64(n))
}

// addObserveConfig registers slowlog-log-slower-than, slowlog-max-len,
// latency-monitor-threshold and metrics-addr.
func addObserveConfig(cfg *config) {
	// metrics-addr is where the program serves Prometheus /metrics
	// (package server/metrics, started by cmd/rustypotato); empty: off.
	// Fixed once the server runs.
	cfg.add(&param{name: "metrics-addr", typ: "string", def: "", immutable: true,
		doc: "host:port to serve Prometheus /metrics on (e.g. 127.0.0.1:9121); empty: no metrics endpoint.",
		get: func(s *Server) string { return s.table.obs.metricsAddr.Load().(string) },
		set: func(s *Server, v string) error {
			if v != "" {
				if _, _, err := net.SplitHostPort(v); err != nil {
					return fmt.Errorf("invalid address %q: want host:port", v)
				}
			}
			s.table.obs.metricsAddr.Store(v)
			return nil
		}})
	// logfile and log-format choose the program's log handler
	// (NewLogger); fixed at startup, as Redis's logfile.
	strp := func(name, def, doc string, check func(string) error) {
		cfg.add(&param{name: name, typ: "string", def: def, immutable: true, doc: doc,
			get: func(s *Server) string { return s.table.obs.logOpt(name, def) },
			set: func(s *Server, val string) error {
				if check != nil {
					if err := check(val); err != nil {
						return err
					}
				}
				s.table.obs.logOpts.Store(name, val)
				return nil
			}})
	}
	strp("logfile", "", "File the log is appended to; empty: standard output.", nil)
	strp("log-format", "text", "Log line format: text (key=value) or json (one JSON object per line).", func(v string) error {
		if v != "text" && v != "json" {
			return fmt.Errorf("argument(s) must be one of the following: text, json")
		}
		return nil
	})

	intp := func(name, def, doc string, lo, hi int64, v func(s *Server) *atomic.Int64) {
		cfg.add(&param{name: name, typ: "integer", def: def, doc: doc,
			get: func(s *Server) string { return strconv.FormatInt(v(s).Load(), 10) },
			set: func(s *Server, val string) error {
				n, err := strconv.ParseInt(strings.TrimSpace(val), 10, 64)
				if err != nil {
					return fmt.Errorf("argument couldn't be parsed into an integer")
				}
				if n < lo || n > hi {
					return fmt.Errorf("argument must be between %d and %d inclusive", lo, hi)
				}
				v(s).Store(n)
				return nil
			}})
	}
	intp("slowlog-log-slower-than", "10000", "Log commands slower than this many microseconds in SLOWLOG (0: every command, negative: none).",
		-1, math.MaxInt64, func(s *Server) *atomic.Int64 { return &s.table.obs.slowerThan })
	intp("slowlog-max-len", "128", "Most entries SLOWLOG keeps (the oldest go first).",
		0, math.MaxInt32, func(s *Server) *atomic.Int64 { return &s.table.obs.slowMaxLen })
	intp("latency-monitor-threshold", "0", "Record LATENCY events of at least this many milliseconds (0: off).",
		0, math.MaxInt64, func(s *Server) *atomic.Int64 { return &s.table.obs.latencyMs })
}

// Stats is a snapshot of the server's counters, for exporters (package
// server/metrics). Taking it scans no keys: it reads counters, the
// connection count and the command table.
type Stats struct {
	Uptime              time.Duration
	ConnectedClients    int
	BlockedClients      int
	MaxClients          int
	TotalConnections    int64
	RejectedConnections int64
	TotalCommands       int64
	NetInputBytes       int64
	NetOutputBytes      int64
	ErrorReplies        int64
	Errors              map[string]int64 // error replies by code ("ERR", "WRONGTYPE")
	Commands            []CommandStats   // commands called at least once, by name
	SlowlogLen          int
	SlowlogLastID       int64
	DB                  potato.Metrics
}

// CommandStats are one command's counters (INFO commandstats) and its
// duration histogram.
type CommandStats struct {
	Name     string // "get", "client|list"
	Calls    int64
	Usec     int64
	Failed   int64
	Rejected int64
	// Buckets[i] counts calls that took at most LatencyBuckets[i]
	// seconds and more than the previous bound (not cumulative); the
	// last element counts the slower ones.
	Buckets [numBuckets + 1]int64
}

// Stats returns a snapshot of the server's counters.
func (s *Server) Stats() Stats {
	s.init()
	st := Stats{
		Uptime:              time.Since(s.started),
		TotalConnections:    s.stats.totalConns.Load(),
		RejectedConnections: s.stats.rejectedConns.Load(),
		TotalCommands:       s.stats.totalCommands.Load(),
		NetInputBytes:       s.stats.netIn.Load(),
		NetOutputBytes:      s.stats.netOut.Load(),
		ErrorReplies:        s.stats.errorReplies.Load(),
		DB:                  s.DB.Metrics(),
	}
	s.mu.Lock()
	st.ConnectedClients = len(s.conns)
	s.mu.Unlock()
	st.BlockedClients = int(s.table.obs.blocked.Load())
	if p := s.cfg.byName["maxclients"]; p != nil {
		st.MaxClients, _ = strconv.Atoi(p.get(s))
	}
	s.stats.errMu.Lock()
	st.Errors = make(map[string]int64, len(s.stats.errorCounts))
	for k, v := range s.stats.errorCounts {
		st.Errors[k] = v
	}
	s.stats.errMu.Unlock()
	o := s.table.obs
	o.slowMu.Lock()
	st.SlowlogLen = len(o.slow)
	st.SlowlogLastID = o.slowID - 1
	o.slowMu.Unlock()
	add := func(cmd *Command) {
		calls := cmd.stats.calls.Load()
		if calls == 0 && cmd.stats.failed.Load() == 0 && cmd.stats.rejected.Load() == 0 {
			return
		}
		cs := CommandStats{Name: cmd.FullName(), Calls: calls, Usec: cmd.stats.usec.Load(),
			Failed: cmd.stats.failed.Load(), Rejected: cmd.stats.rejected.Load()}
		for i := range cs.Buckets {
			cs.Buckets[i] = cmd.stats.hist[i].Load()
		}
		st.Commands = append(st.Commands, cs)
	}
	for _, cmd := range s.table.sorted() {
		add(cmd)
		for _, sc := range cmd.sub {
			add(sc)
		}
	}
	slices.SortFunc(st.Commands, func(a, b CommandStats) int { return strings.Compare(a.Name, b.Name) })
	return st
}

// RedisVersion is the Redis release whose behaviour the server matches
// (INFO redis_version), for exporters.
const RedisVersion = redisVersion

// Instantaneous rates (INFO instantaneous_ops_per_sec, ..._kbps): as
// Redis, the average over the last 16 samples taken every 100 ms. The
// sampler starts with the first INFO and stops with the server.
const rateSamples = 16

type rateSampler struct {
	once sync.Once
	mu   sync.Mutex
	last [3]int64  // last totals: commands, net in, net out
	at   time.Time // when last was taken
	hist [3][rateSamples]float64
	idx  int
}

func (s *Server) instantaneous() (ops, inKbps, outKbps float64) {
	r := &s.table.obs.rates
	r.once.Do(func() {
		r.at = time.Now()
		r.last = [3]int64{s.stats.totalCommands.Load(), s.stats.netIn.Load(), s.stats.netOut.Load()}
		go func() {
			t := time.NewTicker(100 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-s.done:
					return
				case now := <-t.C:
					cur := [3]int64{s.stats.totalCommands.Load(), s.stats.netIn.Load(), s.stats.netOut.Load()}
					r.mu.Lock()
					dt := now.Sub(r.at).Seconds()
					for i := range cur {
						v := 0.0
						if dt > 0 && cur[i] >= r.last[i] {
							v = float64(cur[i]-r.last[i]) / dt
						}
						r.hist[i][r.idx] = v
					}
					r.idx = (r.idx + 1) % rateSamples
					r.last, r.at = cur, now
					r.mu.Unlock()
				}
			}
		}()
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	var sum [3]float64
	for i := range sum {
		for _, v := range r.hist[i] {
			sum[i] += v
		}
	}
	return sum[0] / rateSamples, sum[1] / rateSamples / 1024, sum[2] / rateSamples / 1024
}

// statsInfo writes INFO's Stats section: Redis 7.0's fields, in its
// order; what RustyPotato has no counterpart for (replication, forks,
// defrag, tracking) is 0.
func (s *Server) statsInfo(kv func(string, any)) {
	m := s.DB.Metrics()
	ops, in, out := s.instantaneous()
	kv("total_connections_received", s.stats.totalConns.Load())
	kv("total_commands_processed", s.stats.totalCommands.Load())
	kv("instantaneous_ops_per_sec", int64(ops))
	kv("total_net_input_bytes", s.stats.netIn.Load())
	kv("total_net_output_bytes", s.stats.netOut.Load())
	kv("total_net_repl_input_bytes", 0)
	kv("total_net_repl_output_bytes", 0)
	kv("instantaneous_input_kbps", fmt.Sprintf("%.2f", in))
	kv("instantaneous_output_kbps", fmt.Sprintf("%.2f", out))
	kv("instantaneous_input_repl_kbps", "0.00")
	kv("instantaneous_output_repl_kbps", "0.00")
	kv("rejected_connections", s.stats.rejectedConns.Load())
	kv("sync_full", 0)
	kv("sync_partial_ok", 0)
	kv("sync_partial_err", 0)
	kv("expired_keys", m.ExpiredKeys)
	kv("expired_stale_perc", "0.00")
	kv("expired_time_cap_reached_count", 0)
	kv("expire_cycle_cpu_milliseconds", 0)
	kv("evicted_keys", m.EvictedKeys)
	kv("evicted_clients", 0)
	kv("total_eviction_exceeded_time", 0)
	kv("current_eviction_exceeded_time", 0)
	kv("keyspace_hits", m.KeyspaceHits)
	kv("keyspace_misses", m.KeyspaceMisses)
	kv("pubsub_channels", m.PubSubChannels)
	kv("pubsub_patterns", m.PubSubPatterns)
	kv("pubsubshard_channels", m.PubSubShardChannels)
	kv("latest_fork_usec", 0)
	kv("total_forks", 0)
	kv("migrate_cached_sockets", 0)
	kv("slave_expires_tracked_keys", 0)
	kv("active_defrag_hits", 0)
	kv("active_defrag_misses", 0)
	kv("active_defrag_key_hits", 0)
	kv("active_defrag_key_misses", 0)
	kv("total_active_defrag_time", 0)
	kv("current_active_defrag_time", 0)
	kv("tracking_total_keys", 0)
	kv("tracking_total_items", 0)
	kv("tracking_total_prefixes", 0)
	kv("unexpected_error_replies", 0)
	kv("total_error_replies", s.stats.errorReplies.Load())
	kv("dump_payload_sanitizations", 0)
	kv("total_reads_processed", s.stats.totalCommands.Load())
	kv("total_writes_processed", s.stats.totalCommands.Load())
	kv("io_threaded_reads_processed", 0)
	kv("io_threaded_writes_processed", 0)
	kv("reply_buffer_shrinks", 0)
	kv("reply_buffer_expands", 0)
}

// latencyStatsInfo writes INFO latencystats:
// latency_percentiles_usec_<cmd>:p50=..,p99=..,p99.9=.. for each command
// called. Percentiles come from the duration histogram, so each is the
// upper bound of its bucket (Redis's HDR histogram is finer).
func (s *Server) latencyStatsInfo(kv func(string, any)) {
	st := s.Stats()
	for _, cs := range st.Commands {
		var total int64
		for _, n := range cs.Buckets {
			total += n
		}
		if total == 0 {
			continue
		}
		pct := func(p float64) string {
			want := int64(math.Ceil(p / 100 * float64(total)))
			var cum int64
			for i, n := range cs.Buckets {
				cum += n
				if cum >= want {
					if i < numBuckets {
						return fmt.Sprintf("%.3f", LatencyBuckets[i]*1e6)
					}
					break
				}
			}
			return fmt.Sprintf("%.3f", LatencyBuckets[numBuckets-1]*1e6)
		}
		kv("latency_percentiles_usec_"+cs.Name, fmt.Sprintf("p50=%s,p99=%s,p99.9=%s", pct(50), pct(99), pct(99.9)))
	}
}

// NewLogger builds the program's logger from the config's logfile
// (appended to; empty: standard output) and log-format (text or json),
// filtering at level (which CONFIG SET loglevel adjusts). close closes
// the log file.
func NewLogger(cf *ConfigFile, level slog.Leveler) (log *slog.Logger, close func() error, err error) {
	var w io.Writer = os.Stdout
	close = func() error { return nil }
	if path, _ := cf.Value("logfile"); path != "" {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return nil, nil, fmt.Errorf("logfile: %w", err)
		}
		w, close = f, f.Close
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	switch format, _ := cf.Value("log-format"); format {
	case "json":
		h = slog.NewJSONHandler(w, opts)
	case "", "text":
	default:
		close()
		return nil, nil, fmt.Errorf("log-format %q: want text or json", format)
	}
	return slog.New(h), close, nil
}

func registerMemory(t *table) {
	mem := t.add(&Command{Name: "memory", Arity: -2, Categories: cats("slow"), Since: "4.0.0", Group: "server",
		Summary: "A container for memory diagnostics commands.", Complexity: "Depends on subcommand."})
	t.addSub(mem, &Command{Name: "usage", Arity: -3, Flags: flagReadonly, FirstKey: 2, LastKey: 2, Step: 1,
		Categories: cats("read slow"), Since: "4.0.0", Summary: "Estimates the memory usage of a key.",
		Complexity: "O(N) where N is the number of samples.", Syntax: "key [SAMPLES count]", run: cmdMemoryUsage})
	t.addSub(mem, &Command{Name: "help", Arity: 2, Flags: flagLoading | flagStale, Categories: cats("slow"), Since: "4.0.0",
		Summary: "Returns helpful text about the different subcommands.", Complexity: "O(1)",
		conn: helpReply("MEMORY", []string{
			"DOCTOR",
			"    Return memory problems reports.",
			"STATS",
			"    Return information about the memory usage of the server.",
			"USAGE <key> [SAMPLES <count>]",
			"    Return memory in bytes used by <key> and its value. Nested values are",
			"    sampled up to <count> times (default: 5, 0 means sample all).",
		})})
}

func cmdMemoryUsage(c *Conn, tx *potato.Tx, a [][]byte) error {
	samples := int64(5)
	for j := 3; j < len(a); j++ {
		if eqFold(a[j], "samples") && j+1 < len(a) {
			n, err := strconv.ParseInt(string(a[j+1]), 10, 64)
			if err != nil {
				return fmt.Errorf("%w: %s", potato.ErrInvalidArgument, errNotInt)
			}
			if n < 0 {
				return fmt.Errorf("%w: %s", potato.ErrInvalidArgument, errSyntax)
			}
			samples = n
			j++
			continue
		}
		return fmt.Errorf("%w: %s", potato.ErrInvalidArgument, errSyntax)
	}
	n, err := tx.MemoryUsage(string(a[2]), int(min(samples, math.MaxInt32)))
	if errors.Is(err, potato.ErrNotFound) {
		c.w.AppendNull()
		return nil
	}
	if err != nil {
		return err
	}
	c.w.AppendInt(n)
	return nil
}
