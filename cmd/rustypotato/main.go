// Command rustypotato is the RustyPotato server: a Redis-compatible RESP
// endpoint over an embedded potato.DB.
//
// Usage, like redis-server:
//
//	rustypotato [config-file] [--directive value ...]
//
// The config file uses Redis's syntax (see rustypotato.conf at the
// repository root); every directive of docs/CONFIG.md may also be given on
// the command line, which overrides the file. Defaults: port 6379, bind
// 127.0.0.1, dir ./data. SIGHUP re-reads the file and applies what changed.
//
// Data is durable in dir (appendfsync always|everysec|no, compression
// none|snappy|zstd); appendonly no with save "" keeps it in memory only.
// rustypotato --restore FILE starts from a file written by SNAPSHOT
// EXPORT, replacing the data in dir.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"rustypotato"
	"rustypotato/server"
	"rustypotato/server/metrics"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "rustypotato:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) > 0 && (args[0] == "-v" || args[0] == "--version") {
		fmt.Printf("RustyPotato server v=%s (Redis %s compatible)\n", server.Version, "7.0.15")
		return nil
	}
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
		fmt.Println("Usage: rustypotato [config-file] [--directive value ...]  (directives: docs/CONFIG.md)")
		return nil
	}
	path := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "--") {
		path, args = args[0], args[1:]
	}
	restore, args, err := cutRestore(args)
	if err != nil {
		return err
	}
	cf, err := server.ParseConfig(path, args)
	if err != nil {
		return err
	}
	level := new(slog.LevelVar)
	// logfile and log-format pick the handler (server.NewLogger).
	log, closeLog, err := server.NewLogger(cf, level)
	if err != nil {
		return err
	}
	defer closeLog()

	// dir, appendonly, appendfsync and compression select the storage.
	opts, err := server.PersistOptions(cf)
	if err != nil {
		return err
	}
	opts.Logger = log
	// Open loads every key from dir; nearly all it allocates stays live,
	// so GC cycles during the load are wasted work (about a fifth of a
	// 1M-key restart) that a higher GOGC skips at no cost in memory.
	gc := debug.SetGCPercent(-1)
	if gc >= 0 {
		debug.SetGCPercent(max(gc, 400))
	}
	db, err := potato.Open(opts)
	debug.SetGCPercent(gc)
	if err != nil {
		return err
	}
	if restore != "" {
		// --restore FILE: replace the data by an exported file first.
		n, err := db.SnapshotImport(restore)
		if err != nil {
			db.Close()
			return err
		}
		log.Info("restored data from export file", "file", restore, "keys", n)
	}
	srv := &server.Server{DB: db, Logger: log, LogLevel: level}
	if err := srv.ApplyConfig(cf); err != nil {
		db.Close()
		return err
	}
	listeners, err := listen(srv)
	if err != nil {
		db.Close()
		return err
	}
	// metrics-addr: Prometheus /metrics (package server/metrics).
	stopMetrics, err := metrics.Start(srv, log)
	if err != nil {
		db.Close()
		return err
	}
	defer stopMetrics()

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	quit := make(chan struct{})
	srv.OnShutdown(func() { close(quit) })
	errc := make(chan error, len(listeners))
	for _, l := range listeners {
		go func() { errc <- srv.Serve(l) }()
	}
wait:
	for {
		select {
		case <-hup:
			log.Info("SIGHUP: reloading the config file", "file", path)
			srv.Reload() // logs what changed, or why nothing did
		case sig := <-stop:
			log.Info("received signal; shutting down", "signal", sig.String())
			break wait
		case <-quit:
			log.Info("SHUTDOWN command; shutting down")
			break wait
		case err := <-errc:
			if !errors.Is(err, server.ErrServerClosed) {
				return err
			}
			break wait
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		log.Warn("forced shutdown", "err", err)
	}
	if err := db.Close(); err != nil {
		return err
	}
	log.Info("RustyPotato is now ready to exit, bye bye...")
	return nil
}

// listen opens the plain listeners (port on every bind address) and the
// TLS ones (tls-port).
func listen(srv *server.Server) ([]net.Listener, error) {
	get := func(name string) string { v, _ := srv.ConfigValue(name); return v }
	var out []net.Listener
	fail := func(err error) ([]net.Listener, error) {
		for _, l := range out {
			l.Close()
		}
		return nil, err
	}
	var tcfg *tls.Config
	if p := get("tls-port"); p != "0" && p != "" {
		c, err := server.TLSConfig(get("tls-cert-file"), get("tls-key-file"), get("tls-ca-cert-file"), get("tls-auth-clients"))
		if err != nil {
			return nil, err
		}
		tcfg = c
	}
	for _, bind := range strings.Fields(get("bind")) {
		bind = strings.TrimPrefix(bind, "-") // "-::1": optional address
		if p := get("port"); p != "0" {
			l, err := net.Listen("tcp", net.JoinHostPort(bind, p))
			if err != nil {
				return fail(err)
			}
			srv.Logger.Info("RustyPotato ready to accept connections", "version", server.Version, "addr", l.Addr().String(), "pid", os.Getpid())
			out = append(out, l)
		}
		if tcfg != nil {
			l, err := tls.Listen("tcp", net.JoinHostPort(bind, get("tls-port")), tcfg)
			if err != nil {
				return fail(err)
			}
			srv.Logger.Info("RustyPotato ready to accept TLS connections", "addr", l.Addr().String())
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no listener: set port or tls-port")
	}
	return out, nil
}

// cutRestore removes "--restore FILE" from the command-line directives
// (it is an action, not a configuration parameter) and returns FILE.
func cutRestore(args []string) (file string, rest []string, err error) {
	for i := 0; i < len(args); i++ {
		if args[i] != "--restore" {
			rest = append(rest, args[i])
			continue
		}
		if i+1 >= len(args) || strings.HasPrefix(args[i+1], "--") {
			return "", nil, fmt.Errorf("--restore: expected the path of a file written by SNAPSHOT EXPORT")
		}
		file = args[i+1]
		i++
	}
	return file, rest, nil
}
