package server

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"rustypotato/internal/keyspace"
)

// param is one CONFIG parameter. set is nil for parameters that cannot
// change at runtime.
type param struct {
	name string
	get  func(s *Server) string
	set  func(s *Server, v string) error
}

// config is the server's CONFIG table. The full config system (file,
// CONFIG REWRITE, reload) builds on this table.
type config struct {
	mu     sync.Mutex
	params []*param
	byName map[string]*param
	// Values set by the embedding program (cmd/rustypotato) for CONFIG GET.
	extra map[string]string
	// client-output-buffer-limit (nil: Redis's default); obufMu
	// serializes CONFIG SETs of it (cmd_pubsub.go).
	obuf   atomic.Pointer[outputConfig]
	obufMu sync.Mutex
}

func newConfig(s *Server) *config {
	cfg := &config{byName: map[string]*param{}, extra: map[string]string{}}
	intParam := func(name string, get func(s *Server) int64, set func(s *Server, v int64)) {
		p := &param{name: name, get: func(s *Server) string { return strconv.FormatInt(get(s), 10) }}
		if set != nil {
			p.set = func(s *Server, v string) error {
				n, err := parseMemory(v)
				if err != nil {
					return err
				}
				set(s, n)
				return nil
			}
		}
		cfg.add(p)
	}
	intParam("maxclients", func(s *Server) int64 { return int64(s.MaxClients) }, func(s *Server, v int64) { s.MaxClients = int(v) })
	intParam("timeout", func(s *Server) int64 { return int64(s.IdleTimeout.Seconds()) }, nil)
	intParam("proto-max-bulk-len", func(s *Server) int64 { return s.MaxBulkLen }, nil)
	intParam("client-query-buffer-limit", func(s *Server) int64 { return s.MaxQueryBuffer }, nil)
	intParam("databases", func(s *Server) int64 { return keyspace.NumDBs }, nil)
	for _, p := range []string{"port", "bind", "dir"} {
		name := p
		cfg.add(&param{name: name, get: func(s *Server) string {
			cfg.mu.Lock()
			defer cfg.mu.Unlock()
			return cfg.extra[name]
		}})
	}
	// No persistence yet: say so truthfully to tools that ask.
	cfg.add(&param{name: "save", get: func(*Server) string { return "" }})
	cfg.add(&param{name: "appendonly", get: func(*Server) string { return "no" }})
	addPubSubConfig(cfg)
	addObserveConfig(cfg) // cmd_observe.go
	return cfg
}

func (cfg *config) add(p *param) {
	cfg.params = append(cfg.params, p)
	cfg.byName[p.name] = p
}

// SetConfigValue records a value that CONFIG GET reports for a parameter
// the embedding program owns ("port", "bind", "dir").
func (s *Server) SetConfigValue(name, value string) {
	s.init()
	s.cfg.mu.Lock()
	s.cfg.extra[name] = value
	s.cfg.mu.Unlock()
}

// parseMemory parses an integer with Redis's memory units (1k = 1000,
// 1kb = 1024, ... gb).
func parseMemory(v string) (int64, error) {
	l := strings.ToLower(v)
	mul := int64(1)
	for _, u := range []struct {
		suffix string
		mul    int64
	}{{"kb", 1024}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"k", 1000}, {"m", 1000 * 1000}, {"g", 1000 * 1000 * 1000}} {
		if strings.HasSuffix(l, u.suffix) {
			mul = u.mul
			l = strings.TrimSuffix(l, u.suffix)
			break
		}
	}
	n, err := strconv.ParseInt(l, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("argument couldn't be parsed into an integer")
	}
	return n * mul, nil
}
