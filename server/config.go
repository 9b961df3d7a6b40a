package server

import (
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"rustypotato/internal/keyspace"
)

// param is one configuration parameter: the single table that feeds the
// config-file parser (ParseConfig/ApplyConfig), CONFIG GET/SET/REWRITE,
// SIGHUP reload (Reload) and docs/CONFIG.md (configDocs).
//
// set applies a value (CONFIG SET, file, command line); nil means the
// value cannot be set at all. immutable means set runs only at startup:
// CONFIG SET refuses it and a reload only logs that it changed.
type param struct {
	name string
	get  func(s *Server) string
	set  func(s *Server, v string) error

	typ       string // "integer", "memory", "yes|no", "enum", "string", "list" (space-separated words); "" = list
	def       string // default, as CONFIG GET shows it
	immutable bool
	doc       string
}

// config is the server's parameter table and the state of the values that
// are not Server fields.
type config struct {
	mu     sync.Mutex // guards extra, file, directives
	params []*param
	byName map[string]*param
	// Values of parameters that only record what the program set
	// (port, bind, dir, tls-*): CONFIG GET shows them.
	extra map[string]string
	// file is the config file the server was started with ("" if none),
	// fileArgs its command-line overrides; parsed is their last parse
	// (for Reload).
	file     string
	fileArgs []string
	parsed   *ConfigFile

	// Live values read on every connection or command.
	maxClients atomic.Int64
	timeout    atomic.Int64 // idle timeout, nanoseconds; 0 = none
	maxBulk    atomic.Int64
	maxQuery   atomic.Int64
	protected  atomic.Bool // protected-mode
	// enable-snapshot-paths (snapshot_path.go)
	snapshotPaths snapshotPaths
	loglevel      atomic.Value
	jsonDotGet    atomic.Bool // json-dot-get (cmd_json.go)

	// client-output-buffer-limit (nil: Redis's default); obufMu
	// serializes CONFIG SETs of it (cmd_pubsub.go).
	obuf   atomic.Pointer[outputConfig]
	obufMu sync.Mutex
}

func newConfig(s *Server) *config {
	cfg := &config{byName: map[string]*param{}, extra: map[string]string{}}
	cfg.maxClients.Store(int64(s.MaxClients))
	cfg.timeout.Store(int64(s.IdleTimeout))
	cfg.maxBulk.Store(s.MaxBulkLen)
	cfg.maxQuery.Store(s.MaxQueryBuffer)
	cfg.protected.Store(!s.NoProtectedMode)
	cfg.loglevel.Store("notice")

	intParam := func(name, typ, def string, lo, hi int64, live bool, doc string, get func(s *Server) int64, set func(s *Server, v int64)) {
		p := &param{name: name, typ: typ, def: def, immutable: !live, doc: doc,
			get: func(s *Server) string { return strconv.FormatInt(get(s), 10) }}
		if set != nil {
			p.set = func(s *Server, v string) error {
				var n int64
				var err error
				if typ == "memory" {
					n, err = parseMemory(v)
				} else {
					n, err = strconv.ParseInt(v, 10, 64)
					if err != nil {
						err = fmt.Errorf("argument couldn't be parsed into an integer")
					}
				}
				if err != nil {
					return err
				}
				if n < lo || n > hi {
					return fmt.Errorf("argument must be between %d and %d inclusive", lo, hi)
				}
				set(s, n)
				return nil
			}
		}
		cfg.add(p)
	}
	recorded := func(name, typ, def, doc string, check func(v string) error) {
		cfg.extra[name] = def
		cfg.add(&param{name: name, typ: typ, def: def, immutable: true, doc: doc,
			get: func(s *Server) string {
				cfg.mu.Lock()
				defer cfg.mu.Unlock()
				return cfg.extra[name]
			},
			set: func(s *Server, v string) error {
				if check != nil {
					if err := check(v); err != nil {
						return err
					}
				}
				cfg.mu.Lock()
				cfg.extra[name] = v
				cfg.mu.Unlock()
				return nil
			}})
	}
	checkPort := func(v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("argument couldn't be parsed into an integer")
		}
		if n < 0 || n > 65535 {
			return fmt.Errorf("argument must be between 0 and 65535 inclusive")
		}
		return nil
	}
	const maxInt = 1<<31 - 1
	recorded("port", "integer", "6379", "TCP port to accept connections on (0: no plain TCP listener).", checkPort)
	recorded("bind", "list", "127.0.0.1", "Addresses to listen on, separated by spaces.", nil)
	recorded("dir", "string", "./data", "Working directory: where the data files live.", nil)
	recorded("tls-port", "integer", "0", "TCP port for TLS connections (0: no TLS listener). Needs tls-cert-file and tls-key-file.", checkPort)
	recorded("tls-cert-file", "string", "", "PEM certificate the server presents on TLS connections.", nil)
	recorded("tls-key-file", "string", "", "PEM private key of tls-cert-file.", nil)
	recorded("tls-ca-cert-file", "string", "", "PEM CA certificates that client certificates must chain to.", nil)
	recorded("tls-auth-clients", "enum", "yes", "yes: TLS clients must present a certificate signed by tls-ca-cert-file; optional: verify it if given; no: do not ask.",
		enumCheck("yes", "no", "optional"))
	recorded("aclfile", "string", "", "File of ACL users (ACL LOAD/ACL SAVE); empty means users live only in the configuration.", nil)

	intParam("maxclients", "integer", "10000", 1, maxInt, true, "Most simultaneous client connections; the next one gets \"-ERR max number of clients reached\".",
		func(s *Server) int64 { return s.cfg.maxClients.Load() }, func(s *Server, v int64) { s.cfg.maxClients.Store(v) })
	intParam("timeout", "integer", "0", 0, maxInt, true, "Close a client idle for this many seconds (0: never). Subscribers are spared, as in Redis.",
		func(s *Server) int64 { return s.cfg.timeout.Load() / int64(time.Second) },
		func(s *Server, v int64) { s.cfg.timeout.Store(v * int64(time.Second)) })
	intParam("proto-max-bulk-len", "memory", "536870912", 1024*1024, math.MaxInt64, true, "Longest bulk string a client may send (applies to new connections).",
		func(s *Server) int64 { return s.cfg.maxBulk.Load() }, func(s *Server, v int64) { s.cfg.maxBulk.Store(v) })
	intParam("client-query-buffer-limit", "memory", "1073741824", 1024*1024, math.MaxInt64, true, "Most bytes buffered for one client's unprocessed input (applies to new connections).",
		func(s *Server) int64 { return s.cfg.maxQuery.Load() }, func(s *Server, v int64) { s.cfg.maxQuery.Store(v) })
	intParam("databases", "integer", "16", keyspace.NumDBs, keyspace.NumDBs, false, "Number of logical databases (fixed at 16).",
		func(s *Server) int64 { return keyspace.NumDBs }, func(s *Server, v int64) {})
	cfg.add(&param{name: "loglevel", typ: "enum", def: "notice", doc: "debug, verbose, notice or warning.",
		get: func(s *Server) string { return s.cfg.loglevel.Load().(string) },
		set: func(s *Server, v string) error {
			v = strings.ToLower(v)
			if err := enumCheck("debug", "verbose", "notice", "warning")(v); err != nil {
				return err
			}
			s.cfg.loglevel.Store(v)
			if s.LogLevel != nil {
				s.LogLevel.Set(slogLevel(v))
			}
			return nil
		}})
	cfg.add(&param{name: "protected-mode", typ: "yes|no", def: "yes",
		doc: "With no password on the default user, serve only loopback clients.",
		get: func(s *Server) string { return yesNo(s.cfg.protected.Load()) },
		set: func(s *Server, v string) error {
			b, err := parseYesNo(v)
			if err == nil {
				s.cfg.protected.Store(b)
			}
			return err
		}})
	addAuthConfig(cfg)
	addPersistConfig(cfg) // cmd_persist.go: appendonly, save, appendfsync, compression
	addSnapshotPathsConfig(cfg)
	addPubSubConfig(cfg)
	addObserveConfig(cfg)  // cmd_observe.go
	addJSONConfig(cfg)     // cmd_json.go
	addFunctionConfig(cfg) // cmd_function.go
	addTimelineConfig(cfg) // cmd_timeline.go
	addSetConfig(cfg)      // cmd_set.go
	addEvictConfig(cfg)    // cmd_evict.go
	addZSetConfig(cfg)     // cmd_zset.go
	addEncodingConfig(cfg) // config_encoding.go
	addReplConfig(cfg)     // config_repl.go
	// Table metadata for parameters registered elsewhere.
	cfg.describe("notify-keyspace-events", "string", "", "Keyspace notification classes, as in Redis: K E g $ l s h z x e t m d n A.")
	cfg.describe("client-output-buffer-limit", "list", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
		"<class> <hard> <soft> <soft-seconds> ...: disconnect clients whose pending output passes the limits.")
	cfg.describe("slowlog-log-slower-than", "integer", "10000", "Log commands slower than this many microseconds in SLOWLOG (0: every command, negative: none).")
	cfg.describe("slowlog-max-len", "integer", "128", "Most entries SLOWLOG keeps (the oldest go first).")
	cfg.describe("latency-monitor-threshold", "integer", "0", "Record LATENCY events of at least this many milliseconds (0: off).")
	return cfg
}

// fillDefaults records, for parameters registered without a default,
// the value they start with (CONFIG REWRITE leaves defaults out).
func (cfg *config) fillDefaults(s *Server) {
	for _, p := range cfg.params {
		if p.def == "" && p.typ == "" {
			p.def = p.get(s)
		}
	}
}

// add registers p; a later registration of the same name replaces the
// earlier one (so a family may take over a placeholder).
func (cfg *config) add(p *param) {
	if old := cfg.byName[p.name]; old != nil {
		for i, q := range cfg.params {
			if q == old {
				cfg.params[i] = p
			}
		}
	} else {
		cfg.params = append(cfg.params, p)
	}
	cfg.byName[p.name] = p
}

// describe fills in table metadata of a parameter registered elsewhere
// where it has none.
func (cfg *config) describe(name, typ, def, doc string) {
	p := cfg.byName[name]
	if p == nil {
		return
	}
	if p.typ == "" {
		p.typ = typ
	}
	if p.def == "" {
		p.def = def
	}
	if p.doc == "" {
		p.doc = doc
	}
}

func enumCheck(vals ...string) func(v string) error {
	return func(v string) error {
		for _, x := range vals {
			if strings.EqualFold(v, x) {
				return nil
			}
		}
		return fmt.Errorf("argument(s) must be one of the following: %s", strings.Join(vals, ", "))
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func parseYesNo(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "yes":
		return true, nil
	case "no":
		return false, nil
	}
	return false, fmt.Errorf("argument must be 'yes' or 'no'")
}

func slogLevel(v string) slog.Level {
	switch v {
	case "debug", "verbose":
		return slog.LevelDebug
	case "warning":
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

// SetConfigValue records a value that CONFIG GET reports for a parameter
// the embedding program owns ("port", "bind", "dir").
func (s *Server) SetConfigValue(name, value string) {
	s.init()
	s.cfg.mu.Lock()
	s.cfg.extra[name] = value
	s.cfg.mu.Unlock()
}

// ConfigValue returns the current value of a configuration parameter, as
// CONFIG GET shows it, and whether the parameter exists.
func (s *Server) ConfigValue(name string) (string, bool) {
	s.init()
	p := s.cfg.byName[strings.ToLower(name)]
	if p == nil {
		return "", false
	}
	return p.get(s), true
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
	if err != nil || (n != 0 && (n*mul)/mul != n) {
		return 0, fmt.Errorf("argument couldn't be parsed into an integer")
	}
	return n * mul, nil
}

// Directive is one line of a config file or one --name value group of
// the command line.
type Directive struct {
	Name string   // lower case
	Args []string // after the name
	File string   // "" for the command line
	Line int
}

func (d Directive) where() string {
	if d.File == "" {
		return fmt.Sprintf("command line: --%s", d.Name)
	}
	return fmt.Sprintf("%s:%d: %s", d.File, d.Line, d.Name)
}

// value is the directive's value as CONFIG SET takes it: the arguments
// joined by spaces ("save 3600 1 300 100" -> "3600 1 300 100").
func (d Directive) value() string { return strings.Join(d.Args, " ") }

// ConfigFile is a parsed configuration: the directives of a file (with
// its includes) followed by the command-line ones, in order; a later one
// overrides an earlier one of the same name.
type ConfigFile struct {
	Path       string // "" if there is no file
	Args       []string
	Directives []Directive
}

// Value returns the last value given for name, and whether any was.
func (cf *ConfigFile) Value(name string) (string, bool) {
	for i := len(cf.Directives) - 1; i >= 0; i-- {
		if cf.Directives[i].Name == name {
			return cf.Directives[i].value(), true
		}
	}
	return "", false
}

// values is the last value of each directive.
func (cf *ConfigFile) values() map[string]Directive {
	m := map[string]Directive{}
	for _, d := range cf.Directives {
		m[d.Name] = d
	}
	return m
}

// ParseConfig reads a config file in Redis's syntax (path may be empty)
// and then the command-line overrides ("--port", "7000", ...). It checks
// the syntax and that every directive exists; ApplyConfig checks values.
// Errors name the file, the line and the directive.
func ParseConfig(path string, args []string) (*ConfigFile, error) {
	cf := &ConfigFile{Path: path, Args: args}
	if path != "" {
		if err := cf.readFile(path, 0); err != nil {
			return nil, err
		}
	}
	for i := 0; i < len(args); i++ {
		name, ok := strings.CutPrefix(args[i], "--")
		if !ok || name == "" {
			return nil, fmt.Errorf("command line: bad argument %q: expected --directive value", args[i])
		}
		d := Directive{Name: strings.ToLower(name)}
		for i+1 < len(args) && !strings.HasPrefix(args[i+1], "--") {
			d.Args = append(d.Args, args[i+1])
			i++
		}
		if err := checkDirective(d); err != nil {
			return nil, err
		}
		cf.Directives = append(cf.Directives, d)
	}
	return cf, nil
}

func (cf *ConfigFile) readFile(path string, depth int) error {
	if depth > 10 {
		return fmt.Errorf("%s: include nested too deeply", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	for n, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		f, err := splitConfigLine(line)
		if err != nil {
			return fmt.Errorf("%s:%d: %s", path, n+1, err)
		}
		if len(f) == 0 {
			continue
		}
		d := Directive{Name: strings.ToLower(f[0]), Args: f[1:], File: path, Line: n + 1}
		if d.Name == "include" {
			if len(d.Args) != 1 {
				return fmt.Errorf("%s: wrong number of arguments", d.where())
			}
			inc := d.Args[0]
			if !filepath.IsAbs(inc) {
				inc = filepath.Join(filepath.Dir(path), inc)
			}
			if err := cf.readFile(inc, depth+1); err != nil {
				return err
			}
			continue
		}
		if err := checkDirective(d); err != nil {
			return err
		}
		cf.Directives = append(cf.Directives, d)
	}
	return nil
}

// knownParams is the parameter table of a fresh Server, for checking
// directive names before a Server exists.
var knownParams = sync.OnceValue(func() map[string]*param {
	return newConfig(&Server{}).byName
})

func checkDirective(d Directive) error {
	p := knownParams()[d.Name]
	if p == nil || p.set == nil {
		return fmt.Errorf("%s: Bad directive or wrong number of arguments", d.where())
	}
	if len(d.Args) == 0 {
		return fmt.Errorf("%s: wrong number of arguments", d.where())
	}
	if len(d.Args) > 1 && p.typ != "list" && p.typ != "" {
		return fmt.Errorf("%s: wrong number of arguments", d.where())
	}
	return nil
}

// splitConfigLine splits a line like Redis's sdssplitargs: words separated
// by spaces, "double quotes" with \n \r \t \b \a \\ \" \xHH escapes,
// 'single quotes' with \' only; a closing quote must be followed by a
// space or the end.
func splitConfigLine(line string) ([]string, error) {
	var out []string
	i := 0
	for {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		if i >= len(line) {
			return out, nil
		}
		var b strings.Builder
		switch line[i] {
		case '"':
			i++
			for {
				if i >= len(line) {
					return nil, fmt.Errorf("unbalanced quotes in configuration line")
				}
				c := line[i]
				if c == '\\' && i+3 < len(line) && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]) {
					v, _ := strconv.ParseUint(line[i+2:i+4], 16, 8)
					b.WriteByte(byte(v))
					i += 4
					continue
				}
				if c == '\\' && i+1 < len(line) {
					i++
					switch line[i] {
					case 'n':
						b.WriteByte('\n')
					case 'r':
						b.WriteByte('\r')
					case 't':
						b.WriteByte('\t')
					case 'b':
						b.WriteByte('\b')
					case 'a':
						b.WriteByte('\a')
					default:
						b.WriteByte(line[i])
					}
					i++
					continue
				}
				if c == '"' {
					i++
					if i < len(line) && line[i] != ' ' && line[i] != '\t' {
						return nil, fmt.Errorf("closing quote must be followed by a space")
					}
					break
				}
				b.WriteByte(c)
				i++
			}
		case '\'':
			i++
			for {
				if i >= len(line) {
					return nil, fmt.Errorf("unbalanced quotes in configuration line")
				}
				c := line[i]
				if c == '\\' && i+1 < len(line) && line[i+1] == '\'' {
					b.WriteByte('\'')
					i += 2
					continue
				}
				if c == '\'' {
					i++
					if i < len(line) && line[i] != ' ' && line[i] != '\t' {
						return nil, fmt.Errorf("closing quote must be followed by a space")
					}
					break
				}
				b.WriteByte(c)
				i++
			}
		default:
			for i < len(line) && line[i] != ' ' && line[i] != '\t' {
				b.WriteByte(line[i])
				i++
			}
		}
		out = append(out, b.String())
	}
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// ApplyConfig applies a parsed configuration at startup, before Serve:
// every directive, live or not, in order. It stops at the first bad value
// with an error naming the file, the line and the directive. The server
// remembers cf for Reload and CONFIG REWRITE.
func (s *Server) ApplyConfig(cf *ConfigFile) error {
	s.init()
	for _, d := range cf.Directives {
		p := s.cfg.byName[d.Name]
		if err := p.set(s, d.value()); err != nil {
			return fmt.Errorf("%s: %v", d.where(), err)
		}
	}
	if err := s.loadACLFileAtStart(); err != nil {
		return err
	}
	s.cfg.mu.Lock()
	s.cfg.file, s.cfg.fileArgs, s.cfg.parsed = cf.Path, cf.Args, cf
	s.cfg.mu.Unlock()
	return nil
}

// Reload re-reads the config file the server was started with (SIGHUP)
// and applies each directive whose value changed since the last read,
// logging each change. Parameters that cannot change at runtime are only
// logged. A bad file changes nothing: Reload logs and returns the error.
func (s *Server) Reload() error {
	s.init()
	s.cfg.mu.Lock()
	path, args, old := s.cfg.file, s.cfg.fileArgs, s.cfg.parsed
	s.cfg.mu.Unlock()
	if path == "" {
		return fmt.Errorf("no config file to reload")
	}
	cf, err := ParseConfig(path, args)
	if err != nil {
		s.log.Warn("config reload failed; nothing changed", "err", err)
		return err
	}
	oldVals, newVals := old.values(), cf.values()
	type change struct {
		d       Directive
		p       *param
		restore string
	}
	var changes []change
	for _, d := range cf.Directives {
		if nd := newVals[d.Name]; nd.File != d.File || nd.Line != d.Line {
			continue // only the last occurrence counts
		}
		od, had := oldVals[d.Name]
		if had && od.value() == d.value() {
			continue
		}
		p := s.cfg.byName[d.Name]
		if p.get(s) == d.value() {
			continue // already so (CONFIG SET, or a rewrite)
		}
		changes = append(changes, change{d: d, p: p, restore: p.get(s)})
	}
	// Directives removed from the file go back to their defaults.
	for name, od := range oldVals {
		if _, ok := newVals[name]; !ok {
			p := s.cfg.byName[name]
			changes = append(changes, change{d: Directive{Name: name, Args: []string{p.def}, File: od.File, Line: od.Line}, p: p, restore: p.get(s)})
		}
	}
	for i, ch := range changes {
		if ch.p.immutable {
			continue
		}
		if err := ch.p.set(s, ch.d.value()); err != nil {
			for k := i - 1; k >= 0; k-- {
				if !changes[k].p.immutable {
					changes[k].p.set(s, changes[k].restore)
				}
			}
			err = fmt.Errorf("%s: %v", ch.d.where(), err)
			s.log.Warn("config reload failed; nothing changed", "err", err)
			return err
		}
	}
	for _, ch := range changes {
		if ch.p.immutable {
			s.log.Warn("config reload: parameter cannot change at runtime; restart to apply", "param", ch.p.name, "value", ch.d.value())
		} else {
			s.log.Info("config reload: changed", "param", ch.p.name, "from", ch.restore, "to", ch.p.get(s))
		}
	}
	s.cfg.mu.Lock()
	s.cfg.parsed = cf
	s.cfg.mu.Unlock()
	return nil
}

// configFile is the absolute path of the config file ("" if none), for
// INFO.
func (s *Server) configFile() string {
	s.cfg.mu.Lock()
	defer s.cfg.mu.Unlock()
	if s.cfg.file == "" {
		return ""
	}
	if abs, err := filepath.Abs(s.cfg.file); err == nil {
		return abs
	}
	return s.cfg.file
}

// rewriteConfig implements CONFIG REWRITE: the file keeps its comments
// and order; each parameter's first line gets its current value, later
// duplicates go, and parameters that differ from their default and are
// not in the file are appended.
func (s *Server) rewriteConfig() error {
	s.cfg.mu.Lock()
	path := s.cfg.file
	s.cfg.mu.Unlock()
	if path == "" {
		return fmt.Errorf("The server is running without a config file")
	}
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("Rewriting config file: %v", err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(data) == 0 {
		lines = nil
	}
	done := map[string]bool{}
	var out []string
	for _, line := range lines {
		t := strings.TrimSpace(line)
		if t == "" || t[0] == '#' {
			out = append(out, line)
			continue
		}
		f, err := splitConfigLine(t)
		if err != nil || len(f) == 0 {
			out = append(out, line)
			continue
		}
		name := strings.ToLower(f[0])
		p := s.cfg.byName[name]
		if p == nil || p.set == nil {
			out = append(out, line) // include and the like stay as they are
			continue
		}
		if done[name] {
			continue
		}
		done[name] = true
		out = append(out, p.name+" "+formatConfigValue(p, p.get(s)))
	}
	header := false
	for _, p := range s.cfg.params {
		if done[p.name] || p.set == nil {
			continue
		}
		v := p.get(s)
		if v == p.def {
			continue
		}
		if !header {
			out = append(out, "# Generated by CONFIG REWRITE")
			header = true
		}
		out = append(out, p.name+" "+formatConfigValue(p, v))
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
		return fmt.Errorf("Rewriting config file: %v", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("Rewriting config file: %v", err)
	}
	return nil
}

// formatConfigValue quotes v for the file unless it is a list of words.
func formatConfigValue(p *param, v string) string {
	if p.typ == "list" || p.typ == "" {
		if v == "" {
			return `""`
		}
		return v
	}
	if v != "" && !strings.ContainsAny(v, " \t\"'\\\r\n") {
		for i := 0; i < len(v); i++ {
			if v[i] < 0x20 || v[i] > 0x7e {
				return strconv.Quote(v)
			}
		}
		return v
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c > 0x7e:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// configDocs renders docs/CONFIG.md from the parameter table.
func configDocs() string {
	var b strings.Builder
	b.WriteString("# RustyPotato configuration\n\n")
	b.WriteString("Generated from the parameter table in server/config.go by `go test ./server -run TestConfigDocs -update-docs`; do not edit by hand.\n\n")
	b.WriteString("Settings come, in increasing precedence, from the defaults, the config file\n")
	b.WriteString("(`rustypotato /path/to/rustypotato.conf`, Redis syntax: one directive per line,\n")
	b.WriteString("\"quoted strings\", memory units `1k` `1kb` `1mb` `1gb`, `include other.conf`),\n")
	b.WriteString("the command line (`--port 7000`) and `CONFIG SET`. `SIGHUP` re-reads the file and\n")
	b.WriteString("applies what changed; `CONFIG REWRITE` writes the current values back, keeping\n")
	b.WriteString("the file's comments and order. Parameters marked \"startup\" cannot change at\n")
	b.WriteString("runtime: `CONFIG SET` refuses them and a reload only logs the change.\n\n")
	b.WriteString("| parameter | type | default | changes | description |\n|---|---|---|---|---|\n")
	for _, p := range newConfig(&Server{}).params {
		if p.set == nil {
			continue
		}
		live := "live"
		if p.immutable {
			live = "startup"
		}
		typ := p.typ
		if typ == "" {
			typ = "list"
		}
		def := "`" + p.def + "`"
		if p.def == "" {
			def = `""`
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", p.name, strings.ReplaceAll(typ, "|", "/"), def, live, strings.ReplaceAll(p.doc, "|", `\|`))
	}
	b.WriteString("\nThe Go API takes the same settings as fields: `potato.Options` for the store\n")
	b.WriteString("(`NotifyKeyspaceEvents`, ...) and `server.Server` for the server (`MaxClients`,\n")
	b.WriteString("`IdleTimeout`, `MaxBulkLen`, `MaxQueryBuffer`, `NoProtectedMode`); a program that\n")
	b.WriteString("reads a file uses `server.ParseConfig` and `(*server.Server).ApplyConfig`.\n")
	b.WriteString(securityDocs)
	return b.String()
}

const securityDocs = `
## Authentication and ACLs

- ` + "`requirepass`" + ` sets the default user's password. Until a client runs
  ` + "`AUTH <password>`" + ` (or ` + "`AUTH <user> <password>`" + `, or ` + "`HELLO <proto> AUTH <user> <password>`" + `)
  every command but AUTH, HELLO, QUIT and RESET gets
  ` + "`-NOAUTH Authentication required.`" + `; a wrong password gets
  ` + "`-WRONGPASS invalid username-password pair or user is disabled.`" + ` Passwords are
  stored as SHA-256 and compared in constant time.
- Before authenticating, a client may send at most 10 arguments per command
  and bulks of at most 16 KB (Redis's "unauthenticated multibulk/bulk
  length" protocol errors), so unauthenticated clients cannot make the
  server allocate much.
- Redis 7 ACLs: ` + "`ACL SETUSER`" + ` (on/off, ` + "`>pass`" + ` ` + "`<pass`" + ` ` + "`#sha256`" + ` ` + "`!sha256`" + `, nopass,
  resetpass, ` + "`+@category`" + ` ` + "`-command`" + ` ` + "`+command|subcommand`" + `, allcommands/nocommands,
  ` + "`~pattern`" + ` ` + "`%R~pattern`" + ` ` + "`%W~pattern`" + ` allkeys/resetkeys, ` + "`&pattern`" + `
  allchannels/resetchannels, reset), DELUSER (closes the user's connections),
  LIST, USERS, WHOAMI, GETUSER, CAT, LOG, DRYRUN, GENPASS, and with ` + "`aclfile`" + `
  SAVE and LOAD. Categories come from the command table, so ` + "`+@hash`" + ` covers
  exactly the commands COMMAND INFO lists in @hash. Permissions are checked
  when a command is run or queued, and again at EXEC.
- Differences from Redis 7.0: selectors ` + "`(...)`" + ` are refused; ACL LIST shows
  command rules in the order given (Redis 7.2's form; 7.0 recomputes them);
  a key is checked for read access by read-only commands and for write
  access by writing ones (Redis refines this per key spec).

## Protected mode

With ` + "`protected-mode yes`" + ` (the default) and no password on the default user,
clients that do not connect from the loopback interface get Redis's
` + "`-DENIED Redis is running in protected mode ...`" + ` error and are disconnected.

## SNAPSHOT EXPORT and IMPORT paths

` + "`SNAPSHOT EXPORT name`" + ` and ` + "`SNAPSHOT IMPORT name`" + ` take a file name inside the data
directory (` + "`dir`" + `): ` + "`backup.rpz`" + ` or ` + "`backups/monday.rpz`" + ` (the folder must exist). Absolute
paths and names with ` + "`..`" + ` are refused, and so are the store's own entries
(` + "`db/`" + `, ` + "`snapshots/`" + `, names starting with ` + "`.`" + `), so that a client cannot write or read
any file the server process can reach. ` + "`enable-snapshot-paths`" + ` (startup only, like
Redis's ` + "`enable-protected-configs`" + `) lets an operator allow more: ` + "`yes`" + ` accepts any
path (relative ones start from ` + "`dir`" + `), ` + "`local`" + ` accepts any path from loopback and
Unix-socket clients only. The ` + "`rustypotato --restore FILE`" + ` flag and the Go API
(` + "`DB.SnapshotExport`" + `, ` + "`DB.SnapshotImport`" + `) take any path: they run with the
operator's or the program's authority.

## TLS

` + "`tls-port`" + ` adds a TLS listener (crypto/tls, TLS 1.2+) on every bind address with
the PEM ` + "`tls-cert-file`" + ` and ` + "`tls-key-file`" + `; ` + "`tls-auth-clients yes`" + ` (the default) requires
client certificates signed by ` + "`tls-ca-cert-file`" + `, ` + "`optional`" + ` verifies one if given,
` + "`no`" + ` does not ask. Tested with go-redis and ` + "`redis-cli --tls`" + `. Embedding programs
use ` + "`server.TLSConfig`" + ` and serve a ` + "`tls.NewListener`" + `.

## Limits

` + "`maxclients`" + ` (then ` + "`-ERR max number of clients reached`" + `), ` + "`timeout`" + ` (idle clients,
subscribers spared), ` + "`proto-max-bulk-len`" + `, ` + "`client-query-buffer-limit`" + ` (new connections
take the new values) and ` + "`client-output-buffer-limit`" + ` (pub/sub outboxes; a
normal client's replies are written as they are produced, 64 KB at a time).
`
