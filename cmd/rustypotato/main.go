// Command rustypotato is the RustyPotato server: a Redis-compatible RESP
// endpoint over an embedded potato.DB.
//
// Usage, like redis-server:
//
//	rustypotato [config-file] [--directive value ...]
//
// Directives: port (6379), bind (127.0.0.1), dir (./data), loglevel
// (notice), maxclients, timeout, proto-max-bulk-len,
// client-query-buffer-limit.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"rustypotato"
	"rustypotato/server"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "rustypotato:", err)
		os.Exit(1)
	}
}

type settings struct {
	port, bind, dir, loglevel string
	maxclients                int
	timeout                   time.Duration
	maxBulk, maxQuery         int64
}

func run(args []string) error {
	st := settings{port: "6379", bind: "127.0.0.1", dir: "./data", loglevel: "notice"}
	if len(args) > 0 && (args[0] == "-v" || args[0] == "--version") {
		fmt.Printf("RustyPotato server v=%s (Redis %s compatible)\n", server.Version, "7.0.15")
		return nil
	}
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
		fmt.Println("Usage: rustypotato [config-file] [--port 6379] [--bind 127.0.0.1] [--dir ./data] [--loglevel notice] [--maxclients N] [--timeout seconds]")
		return nil
	}
	if len(args) > 0 && !strings.HasPrefix(args[0], "--") {
		if err := st.loadFile(args[0]); err != nil {
			return err
		}
		args = args[1:]
	}
	for i := 0; i < len(args); i++ {
		name, ok := strings.CutPrefix(args[i], "--")
		if !ok {
			return fmt.Errorf("bad argument %q: expected --directive value", args[i])
		}
		var vals []string
		for i+1 < len(args) && !strings.HasPrefix(args[i+1], "--") {
			vals = append(vals, args[i+1])
			i++
		}
		if err := st.apply(name, vals); err != nil {
			return fmt.Errorf("--%s: %w", name, err)
		}
	}
	level := slog.LevelInfo
	switch st.loglevel {
	case "debug", "verbose":
		level = slog.LevelDebug
	case "warning":
		level = slog.LevelWarn
	}
	log := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{Level: level}))

	db, err := potato.Open(potato.Options{Logger: log})
	if err != nil {
		return err
	}
	srv := &server.Server{DB: db, Logger: log, MaxClients: st.maxclients, IdleTimeout: st.timeout,
		MaxBulkLen: st.maxBulk, MaxQueryBuffer: st.maxQuery}
	srv.SetConfigValue("port", st.port)
	srv.SetConfigValue("bind", st.bind)
	srv.SetConfigValue("dir", st.dir)
	addr := net.JoinHostPort(st.bind, st.port)
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	log.Info("RustyPotato ready to accept connections", "version", server.Version, "addr", l.Addr().String(), "pid", os.Getpid())

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	quit := make(chan struct{})
	srv.OnShutdown(func() { close(quit) })
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case sig := <-stop:
		log.Info("received signal; shutting down", "signal", sig.String())
	case <-quit:
		log.Info("SHUTDOWN command; shutting down")
	case err := <-errc:
		if !errors.Is(err, server.ErrServerClosed) {
			return err
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

func (st *settings) loadFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	for n, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Fields(line)
		if err := st.apply(strings.ToLower(f[0]), f[1:]); err != nil {
			return fmt.Errorf("%s:%d: %s: %w", path, n+1, f[0], err)
		}
	}
	return nil
}

func (st *settings) apply(name string, vals []string) error {
	if len(vals) != 1 {
		return fmt.Errorf("wrong number of arguments")
	}
	v := vals[0]
	intVal := func() (int64, error) {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("invalid value %q", v)
		}
		return n, nil
	}
	switch name {
	case "port":
		if _, err := intVal(); err != nil {
			return err
		}
		st.port = v
	case "bind":
		st.bind = v
	case "dir":
		st.dir = v
	case "loglevel":
		switch v {
		case "debug", "verbose", "notice", "warning":
			st.loglevel = v
		default:
			return fmt.Errorf("invalid log level %q", v)
		}
	case "maxclients":
		n, err := intVal()
		if err != nil {
			return err
		}
		st.maxclients = int(n)
	case "timeout":
		n, err := intVal()
		if err != nil {
			return err
		}
		st.timeout = time.Duration(n) * time.Second
	case "proto-max-bulk-len":
		n, err := intVal()
		if err != nil {
			return err
		}
		st.maxBulk = n
	case "client-query-buffer-limit":
		n, err := intVal()
		if err != nil {
			return err
		}
		st.maxQuery = n
	default:
		return fmt.Errorf("unknown directive")
	}
	return nil
}
