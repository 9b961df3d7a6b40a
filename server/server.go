// Package server serves a potato.DB over RESP, so that every Redis client,
// tool and dashboard works against RustyPotato unchanged.
//
// It is shaped like net/http: a Server with usable zero values, Serve on a
// listener, ListenAndServe, Shutdown for a graceful stop and Close for an
// immediate one. Package servertest starts one on a random loopback port
// for tests.
package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"rustypotato"
)

// ErrServerClosed is returned by Serve and ListenAndServe after Shutdown
// or Close.
var ErrServerClosed = errors.New("server: closed")

// Server serves one potato.DB over RESP. Set its fields before Serve; they
// must not change afterwards except through CONFIG SET. The zero value
// serves a new in-memory DB on 127.0.0.1:6379.
type Server struct {
	pause pauseCtl // CLIENT PAUSE (cmd_pause.go)
	// DB is the store to serve. Nil means a new in-memory store, opened on
	// first use and closed by Close/Shutdown.
	DB *potato.DB
	// Addr is the TCP address for ListenAndServe; empty means
	// "127.0.0.1:6379".
	Addr string
	// Logger receives connection-level logs. Nil means slog.Default().
	Logger *slog.Logger
	// MaxClients bounds concurrent connections; zero means 10000.
	MaxClients int
	// MaxBulkLen bounds one bulk argument (proto-max-bulk-len); zero
	// means 512 MiB.
	MaxBulkLen int64
	// MaxMultiBulkLen bounds the number of arguments of one command; zero
	// means 1024*1024.
	MaxMultiBulkLen int64
	// MaxQueryBuffer bounds a client's unprocessed input
	// (client-query-buffer-limit); zero means 1 GiB.
	MaxQueryBuffer int64
	// IdleTimeout closes connections idle for longer (Redis "timeout");
	// zero means never.
	IdleTimeout time.Duration
	// NoProtectedMode turns protected mode off (protected-mode no): by
	// default, while the default user has no password, only loopback
	// clients are served.
	NoProtectedMode bool
	// LogLevel, if set, is adjusted by CONFIG SET loglevel (the program
	// builds Logger's handler with it).
	LogLevel *slog.LevelVar

	initOnce sync.Once
	ownDB    bool
	log      *slog.Logger
	started  time.Time
	table    *table
	stats    stats
	cfg      *config
	pubFlush pubFlusher  // deferred wakes of subscribers (cmd_pubsub.go)
	mem      memReturner // returns memory to the OS after big commands (memreturn.go)
	acl      *acl        // users (acl.go)
	funcs    *functions  // FUNCTION libraries, running scripts (functions.go)
	// requirepass is the default user's password as CONFIG GET shows
	// it; guarded by acl.mu.
	requirepass string

	mu         sync.Mutex
	listeners  map[net.Listener]struct{}
	conns      map[*Conn]struct{}
	shutdown   atomic.Bool
	nextID     atomic.Int64
	done       chan struct{} // closed by Close/Shutdown
	wg         sync.WaitGroup
	shutdownFn func() // for SHUTDOWN: set by the embedding program
}

func (s *Server) init() {
	s.initOnce.Do(func() {
		s.log = s.Logger
		if s.log == nil {
			s.log = slog.Default()
		}
		if s.DB == nil {
			db, err := potato.Open(potato.Options{Logger: s.log})
			if err != nil {
				panic(err) // Open of an in-memory store cannot fail
			}
			s.DB, s.ownDB = db, true
		}
		if s.MaxClients == 0 {
			s.MaxClients = 10000
		}
		if s.MaxBulkLen == 0 {
			s.MaxBulkLen = 512 << 20
		}
		if s.MaxMultiBulkLen == 0 {
			s.MaxMultiBulkLen = 1024 * 1024
		}
		if s.MaxQueryBuffer == 0 {
			s.MaxQueryBuffer = 1 << 30
		}
		s.started = time.Now()
		s.table = newTable()
		s.acl = newACL(s.table)
		s.funcs = newFunctions(s)
		s.DB.SetHookFunctionRunner(s.runHookFunction) // cmd_hook.go
		s.cfg = newConfig(s)
		defer s.cfg.fillDefaults(s) // config.go; after the rest of init
		s.listeners = make(map[net.Listener]struct{})
		s.conns = make(map[*Conn]struct{})
		s.done = make(chan struct{})
	})
}

// OnShutdown sets the function the SHUTDOWN command calls after the
// server has stopped accepting work (the program's exit path). Without it,
// SHUTDOWN closes the server.
func (s *Server) OnShutdown(fn func()) {
	s.init()
	s.shutdownFn = fn
}

// ListenAndServe listens on s.Addr and serves until Shutdown or Close.
func (s *Server) ListenAndServe() error {
	addr := s.Addr
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(l)
}

// Serve accepts connections on l and serves each in its own goroutine. It
// returns ErrServerClosed after Shutdown or Close, and closes l.
func (s *Server) Serve(l net.Listener) error {
	s.init()
	s.funcs.ensureLoaded() // stored function libraries (functions.go)
	if s.shutdown.Load() {
		l.Close()
		return ErrServerClosed
	}
	s.mu.Lock()
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
		l.Close()
	}()
	var delay time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.shutdown.Load() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				// Temporary accept failure (e.g. out of file descriptors):
				// back off instead of spinning.
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				s.log.Warn("accept failed; retrying", "err", err, "delay", delay)
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		c := s.newConn(nc)
		s.mu.Lock()
		if s.shutdown.Load() {
			s.mu.Unlock()
			nc.Close()
			return ErrServerClosed
		}
		tooMany := int64(len(s.conns)) >= s.cfg.maxClients.Load() // live: CONFIG SET maxclients
		if !tooMany {
			s.conns[c] = struct{}{}
			s.wg.Add(1)
		}
		s.mu.Unlock()
		if tooMany {
			s.stats.rejectedConns.Add(1)
			nc.Write([]byte("-ERR max number of clients reached\r\n"))
			nc.Close()
			continue
		}
		s.stats.totalConns.Add(1)
		go func() {
			defer s.wg.Done()
			if s.protectedDeny(nc.RemoteAddr()) { // protected mode (acl.go)
				nc.Write([]byte(errProtected))
				c.close()
			} else {
				c.serve()
			}
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
		}()
	}
}

// Shutdown stops accepting connections, closes idle ones and waits for
// the others to finish their current command, or for ctx to end (then it
// closes them and returns ctx's error). It closes the DB if the Server
// opened it.
func (s *Server) Shutdown(ctx context.Context) error {
	s.init()
	if s.shutdown.Swap(true) {
		<-s.done
		return nil
	}
	s.mu.Lock()
	for l := range s.listeners {
		l.Close()
	}
	for c := range s.conns {
		c.closeWhenIdle()
	}
	s.mu.Unlock()
	ch := make(chan struct{})
	go func() { s.wg.Wait(); close(ch) }()
	var err error
	select {
	case <-ch:
	case <-ctx.Done():
		err = ctx.Err()
		s.closeConns()
		<-ch
	}
	s.finish()
	return err
}

// Close closes all listeners and connections at once, and the DB if the
// Server opened it.
func (s *Server) Close() error {
	s.init()
	if s.shutdown.Swap(true) {
		<-s.done
		return nil
	}
	s.mu.Lock()
	for l := range s.listeners {
		l.Close()
	}
	s.mu.Unlock()
	s.closeConns()
	s.wg.Wait()
	s.finish()
	return nil
}

func (s *Server) closeConns() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.close()
	}
}

func (s *Server) finish() {
	s.funcs.close()
	if s.ownDB {
		s.DB.Close()
	}
	close(s.done)
}

// stats are the server-wide counters INFO reports.
type stats struct {
	totalConns    atomic.Int64
	rejectedConns atomic.Int64
	totalCommands atomic.Int64
	netIn         atomic.Int64
	netOut        atomic.Int64
	errorReplies  atomic.Int64
	errMu         sync.Mutex
	errorCounts   map[string]int64 // by error prefix, for errorstat_*
}

func (st *stats) countError(msg string) {
	st.errorReplies.Add(1)
	prefix := msg
	for i := 0; i < len(msg); i++ {
		if msg[i] == ' ' {
			prefix = msg[:i]
			break
		}
	}
	st.errMu.Lock()
	if st.errorCounts == nil {
		st.errorCounts = make(map[string]int64)
	}
	if _, ok := st.errorCounts[prefix]; ok || len(st.errorCounts) < 128 {
		st.errorCounts[prefix]++
	}
	st.errMu.Unlock()
}
