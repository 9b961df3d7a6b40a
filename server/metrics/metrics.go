// Package metrics exports a RustyPotato server's statistics to Prometheus
// at /metrics, with oliver006/redis_exporter's metric names wherever the
// meaning is the same, so Grafana dashboards made for Redis work
// unchanged, and potato_* names for what is RustyPotato's own.
// docs/METRICS.md lists every metric.
//
// The core (package potato) and package server know nothing of
// client_golang: a scrape reads server.Server.Stats, a snapshot of
// counters that scans no keys.
package metrics

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	rtm "runtime/metrics"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"rustypotato"
	"rustypotato/server"
)

// Collector is a prometheus.Collector over one server.
type Collector struct {
	srv *server.Server
}

// NewCollector returns a collector that reads srv's statistics on each
// scrape.
func NewCollector(srv *server.Server) *Collector { return &Collector{srv: srv} }

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, labels, nil)
}

var (
	dUp               = desc("redis_up", "Whether the server is up (always 1 when it answers).")
	dUptime           = desc("redis_uptime_in_seconds", "Seconds since the server started.")
	dStartTime        = desc("redis_start_time_seconds", "Unix time the server started.")
	dInfo             = desc("redis_instance_info", "Information about the server (value 1).", "redis_version", "redis_mode", "role", "os", "rustypotato_version")
	dConnected        = desc("redis_connected_clients", "Client connections open.")
	dMaxClients       = desc("redis_config_maxclients", "maxclients.")
	dBlocked          = desc("redis_blocked_clients", "Clients blocked in a blocking command.")
	dConnsReceived    = desc("redis_connections_received_total", "Connections accepted.")
	dRejected         = desc("redis_rejected_connections_total", "Connections refused (maxclients).")
	dCommandsTotal    = desc("redis_commands_processed_total", "Commands processed.")
	dNetIn            = desc("redis_net_input_bytes_total", "Bytes read from clients.")
	dNetOut           = desc("redis_net_output_bytes_total", "Bytes written to clients.")
	dErrorReplies     = desc("redis_error_replies_total", "Error replies sent (INFO total_error_replies).")
	dErrors           = desc("redis_errors_total", "Error replies by error code.", "err")
	dCmdCalls         = desc("redis_commands_total", "Calls per command.", "cmd")
	dCmdDuration      = desc("redis_commands_duration_seconds_total", "Total time spent executing each command.", "cmd")
	dCmdFailed        = desc("redis_commands_failed_calls_total", "Calls per command that replied with an error.", "cmd")
	dCmdRejected      = desc("redis_commands_rejected_calls_total", "Calls per command refused before execution.", "cmd")
	dCmdHist          = desc("potato_command_duration_seconds", "Command execution time, per command.", "cmd")
	dDBKeys           = desc("redis_db_keys", "Keys per database.", "db")
	dDBExpiring       = desc("redis_db_keys_expiring", "Keys with a deadline per database.", "db")
	dExpired          = desc("redis_expired_keys_total", "Keys removed because their deadline passed.")
	dEvicted          = desc("redis_evicted_keys_total", "Keys evicted for maxmemory.")
	dHits             = desc("redis_keyspace_hits_total", "Key lookups that found their key.")
	dMisses           = desc("redis_keyspace_misses_total", "Key lookups that did not.")
	dMemUsed          = desc("redis_memory_used_bytes", "Bytes of memory in use by the Go heap and runtime.")
	dMemMax           = desc("redis_memory_max_bytes", "maxmemory (0: no limit).")
	dPubSubChannels   = desc("redis_pubsub_channels", "Channels with at least one subscriber.")
	dPubSubPatterns   = desc("redis_pubsub_patterns", "Patterns subscribed to.")
	dPubSubShard      = desc("redis_pubsub_shardchannels", "Shard channels with at least one subscriber.")
	dSlowlogLen       = desc("redis_slowlog_length", "Entries in the SLOWLOG.")
	dSlowlogLastID    = desc("redis_slowlog_last_id", "ID of the last SLOWLOG entry (-1: none yet).")
	dAOFEnabled       = desc("redis_aof_enabled", "1 when writes are persisted in dir (appendonly yes).")
	dLastSave         = desc("redis_rdb_last_save_timestamp_seconds", "Unix time of the last successful SAVE/BGSAVE snapshot.")
	dBGSave           = desc("redis_rdb_bgsave_in_progress", "1 while a BGSAVE runs.")
	dBGSaveStatus     = desc("redis_rdb_last_bgsave_status", "1 if the last BGSAVE succeeded.")
	dWALSyncs         = desc("potato_wal_syncs_total", "fsyncs of the write-ahead log.")
	dWritable         = desc("potato_persistence_ok", "1 while the durable store accepts writes (0: writes refused after a persistence error).")
	dMutations        = desc("potato_mutations_total", "Mutations committed to the store since it opened.")
	dGoroutines       = desc("potato_goroutines", "Goroutines running.")
	dExporterDuration = desc("potato_exporter_scrape_duration_seconds", "Time this scrape took to collect.")
	dHookCalls        = desc("potato_hook_calls_total", "Writes each key mutation hook judged (HOOK LIST calls).", "hook")
	dHookRejections   = desc("potato_hook_rejections_total", "Writes each key mutation hook rejected.", "hook")
)

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{dUp, dUptime, dStartTime, dInfo, dConnected, dMaxClients, dBlocked, dConnsReceived,
		dRejected, dCommandsTotal, dNetIn, dNetOut, dErrorReplies, dErrors, dCmdCalls, dCmdDuration, dCmdFailed,
		dCmdRejected, dCmdHist, dDBKeys, dDBExpiring, dExpired, dEvicted, dHits, dMisses, dMemUsed, dMemMax,
		dPubSubChannels, dPubSubPatterns, dPubSubShard, dSlowlogLen, dSlowlogLastID, dMutations, dGoroutines,
		dAOFEnabled, dLastSave, dBGSave, dBGSaveStatus, dWALSyncs, dWritable,
		dExporterDuration, dHookCalls, dHookRejections} {
		ch <- d
	}
}

var memSamples = []rtm.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}

// memoryUsed reads the runtime's memory figures without stopping the
// world (runtime.ReadMemStats would): mapped minus released to the OS.
func memoryUsed() float64 {
	s := make([]rtm.Sample, len(memSamples))
	copy(s, memSamples)
	rtm.Read(s)
	var v [2]uint64
	for i := range s {
		if s[i].Value.Kind() == rtm.KindUint64 {
			v[i] = s[i].Value.Uint64()
		}
	}
	return float64(v[0] - v[1])
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	begin := time.Now()
	st := c.srv.Stats()
	gauge := func(d *prometheus.Desc, v float64, l ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, l...)
	}
	counter := func(d *prometheus.Desc, v float64, l ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, l...)
	}
	gauge(dUp, 1)
	if db := c.srv.DB; db != nil {
		for _, h := range db.Hooks() {
			counter(dHookCalls, float64(h.Calls), h.Name)
			counter(dHookRejections, float64(h.Rejections), h.Name)
		}
	}
	gauge(dUptime, st.Uptime.Seconds())
	gauge(dStartTime, float64(time.Now().Add(-st.Uptime).Unix()))
	gauge(dInfo, 1, server.RedisVersion, "standalone", "master", runtime.GOOS, server.Version)
	gauge(dConnected, float64(st.ConnectedClients))
	gauge(dMaxClients, float64(st.MaxClients))
	gauge(dBlocked, float64(st.BlockedClients))
	counter(dConnsReceived, float64(st.TotalConnections))
	counter(dRejected, float64(st.RejectedConnections))
	counter(dCommandsTotal, float64(st.TotalCommands))
	counter(dNetIn, float64(st.NetInputBytes))
	counter(dNetOut, float64(st.NetOutputBytes))
	counter(dErrorReplies, float64(st.ErrorReplies))
	for code, n := range st.Errors {
		counter(dErrors, float64(n), code)
	}
	for _, cs := range st.Commands {
		counter(dCmdCalls, float64(cs.Calls), cs.Name)
		counter(dCmdDuration, float64(cs.Usec)/1e6, cs.Name)
		counter(dCmdFailed, float64(cs.Failed), cs.Name)
		counter(dCmdRejected, float64(cs.Rejected), cs.Name)
		// Histogram: cumulative counts per upper bound. Its sum is the
		// commandstats total (microsecond precision).
		buckets := make(map[float64]uint64, len(server.LatencyBuckets))
		var cum uint64
		for i, le := range server.LatencyBuckets {
			cum += uint64(cs.Buckets[i])
			buckets[le] = cum
		}
		cum += uint64(cs.Buckets[len(server.LatencyBuckets)])
		ch <- prometheus.MustNewConstHistogram(dCmdHist, cum, float64(cs.Usec)/1e6, buckets, cs.Name)
	}
	m := st.DB
	for i := 0; i < potato.NumDBs; i++ {
		// As redis_exporter: only databases that have keys.
		if m.Keys[i] > 0 {
			db := "db" + strconv.Itoa(i)
			gauge(dDBKeys, float64(m.Keys[i]), db)
			gauge(dDBExpiring, float64(m.Expires[i]), db)
		}
	}
	counter(dExpired, float64(m.ExpiredKeys))
	counter(dEvicted, float64(m.EvictedKeys))
	counter(dHits, float64(m.KeyspaceHits))
	counter(dMisses, float64(m.KeyspaceMisses))
	gauge(dMemUsed, memoryUsed())
	gauge(dMemMax, float64(c.srv.DB.EvictionConfig().MaxMemory))
	gauge(dPubSubChannels, float64(m.PubSubChannels))
	gauge(dPubSubPatterns, float64(m.PubSubPatterns))
	gauge(dPubSubShard, float64(m.PubSubShardChannels))
	gauge(dSlowlogLen, float64(st.SlowlogLen))
	gauge(dSlowlogLastID, float64(st.SlowlogLastID))
	counter(dMutations, float64(m.Mutations))
	b01 := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	if p := c.srv.DB.Persistence(); p.Dir != "" {
		gauge(dAOFEnabled, 1)
		gauge(dLastSave, float64(p.LastSave.Unix()))
		gauge(dBGSave, b01(p.BGSaveInProgress))
		gauge(dBGSaveStatus, b01(!p.LastBGSaveFailed))
		counter(dWALSyncs, float64(p.WALSyncs))
		gauge(dWritable, b01(p.Err == nil))
	} else {
		gauge(dAOFEnabled, 0)
	}
	gauge(dGoroutines, float64(runtime.NumGoroutine()))
	gauge(dExporterDuration, time.Since(begin).Seconds())
}

// Handler returns the /metrics handler for srv: its collector and the
// Go runtime and process collectors (go_*, process_*).
func Handler(srv *server.Server) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewCollector(srv),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Serve serves /metrics for srv on l until l is closed.
func Serve(l net.Listener, srv *server.Server) error {
	mux := http.NewServeMux()
	mux.Handle("/metrics", Handler(srv))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<html><head><title>RustyPotato</title></head><body><a href="/metrics">Metrics</a></body></html>`))
	})
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	err := hs.Serve(l)
	if errors.Is(err, http.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// Start serves /metrics on srv's metrics-addr (CONFIG GET metrics-addr),
// if set, in a goroutine; errors of the listener are logged to log. It
// returns a function that stops serving (a no-op when metrics-addr is
// empty).
func Start(srv *server.Server, log *slog.Logger) (stop func(), err error) {
	addr, _ := srv.ConfigValue("metrics-addr")
	if addr == "" {
		return func() {}, nil
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics-addr %s: %w", addr, err)
	}
	if log == nil {
		log = slog.Default()
	}
	log.Info("serving Prometheus metrics", "addr", "http://"+l.Addr().String()+"/metrics")
	go func() {
		if err := Serve(l, srv); err != nil {
			log.Error("metrics endpoint stopped", "err", err)
		}
	}()
	return func() { l.Close() }, nil
}
