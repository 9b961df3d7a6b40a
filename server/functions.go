package server

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"rustypotato"
	"rustypotato/internal/resp"
)

// This file is the FUNCTION framework shared by the engines: libraries,
// their functions, loading with Redis 7's rules, persistence of the
// libraries in the data directory, and FUNCTION DUMP/RESTORE's payload.
// cmd_function.go has the commands; script.go runs a call; each engine
// (wasmengine.go, luaengine.go) compiles a library's code.

// scriptFlags are a function's flags, in Redis's order.
type scriptFlags uint32

const (
	sfNoWrites scriptFlags = 1 << iota
	sfAllowOOM
	sfAllowStale
	sfNoCluster
	sfAllowCrossSlot
	sfEvalCompat // an EVAL script without a shebang: Redis's compatibility mode
)

var scriptFlagNames = []struct {
	f    scriptFlags
	name string
}{
	{sfNoWrites, "no-writes"}, {sfAllowOOM, "allow-oom"}, {sfAllowStale, "allow-stale"},
	{sfNoCluster, "no-cluster"}, {sfAllowCrossSlot, "allow-cross-slot-keys"},
}

// library is one loaded library. It is immutable once loaded; refs
// counts the registry's reference and the calls running its functions,
// and its engine resources are released when the last one goes.
type library struct {
	name   string
	engine string // "LUA" or "WASM", as FUNCTION LIST shows it
	code   []byte // the payload as loaded (WITHCODE, DUMP, persistence)
	funcs  []*function
	close  func()
	refs   atomic.Int64
}

func (l *library) acquire() bool {
	for {
		n := l.refs.Load()
		if n <= 0 {
			return false
		}
		if l.refs.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

func (l *library) release() {
	if l.refs.Add(-1) == 0 && l.close != nil {
		l.close()
	}
}

// function is one function of a library.
type function struct {
	name  string
	desc  string // "" with hasDesc false is a nil description
	hasD  bool
	flags scriptFlags
	lib   *library
	// declaredOnly: the function may only touch the keys it is given
	// (WASM); Lua functions may touch any key, as in standalone Redis.
	declaredOnly bool
	// run executes the function inside tx and appends its reply to w;
	// an error means the call failed and its writes are undone.
	run func(r *scriptRun, tx *potato.Tx, keys, args [][]byte, w *resp.Writer) error
}

// registry is an immutable snapshot of the loaded libraries: FCALL reads
// it without a lock, changes swap in a new one.
type registry struct {
	libs  map[string]*library  // by name (case-sensitive, as Redis)
	funcs map[string]*function // by lower-case name (Redis compares them case-insensitively)
}

// functions is the server's FUNCTION state.
type functions struct {
	s   *Server
	cur atomic.Pointer[registry]
	// mu serializes changes (LOAD, DELETE, FLUSH, RESTORE) and their
	// persistence, so the stored libraries follow the same order.
	mu       sync.Mutex
	loadOnce sync.Once

	maxMemory atomic.Int64 // function-max-memory, bytes
	timeoutMs atomic.Int64 // function-timeout-ms; 0 = none
	busyMs    atomic.Int64 // busy-reply-threshold (lua-time-limit)
	pluginDir atomic.Value // string: plugin-dir

	runs scripts // running calls (script.go)
	lua  luaState
}

func newFunctions(s *Server) *functions {
	f := &functions{s: s}
	f.cur.Store(&registry{libs: map[string]*library{}, funcs: map[string]*function{}})
	f.maxMemory.Store(64 << 20)
	f.timeoutMs.Store(5000)
	f.busyMs.Store(5000)
	f.pluginDir.Store("")
	f.runs.init(f)
	return f
}

// lookup returns the function named name (any case), or nil.
func (f *functions) lookup(name []byte) *function {
	reg := f.cur.Load()
	if fn := reg.funcs[string(name)]; fn != nil {
		return fn
	}
	return reg.funcs[strings.ToLower(string(name))]
}

// errFunc is a FUNCTION error reply (its text includes the code).
type errFunc string

func (e errFunc) Error() string { return string(e) }

func funcErrorf(format string, args ...any) error {
	return errFunc("ERR " + fmt.Sprintf(format, args...))
}

// cacheDir is where compiled WebAssembly is cached: under the data
// directory, or nowhere for an in-memory store.
func (f *functions) cacheDir() string {
	if dir := f.s.DB.Persistence().Dir; dir != "" {
		return filepath.Join(dir, "wasm-cache")
	}
	return ""
}

// compile builds a library from a FUNCTION LOAD payload: a WebAssembly
// module (it starts with "\0asm"), or code with a "#!<engine> name=<lib>"
// first line, as Redis parses it.
func (f *functions) compile(code []byte) (*library, error) {
	// The library keeps its code (LIST WITHCODE, DUMP): not the caller's
	// buffer, which may be a reused read buffer.
	code = bytes.Clone(code)
	if potato.IsPlugin(code) {
		return f.compileWASM(code)
	}
	if !bytes.HasPrefix(code, []byte("#!")) {
		return nil, funcErrorf("Missing library metadata")
	}
	// Redis works on a C string: the payload ends at its first NUL.
	if i := bytes.IndexByte(code, 0); i >= 0 {
		code = code[:i]
	}
	nl := bytes.IndexByte(code, '\n')
	if nl < 0 {
		return nil, funcErrorf("Invalid library metadata")
	}
	parts, ok := splitArgs(string(code[:nl]))
	if !ok || len(parts) == 0 {
		return nil, funcErrorf("Invalid library metadata")
	}
	engine := parts[0][2:]
	name, named := "", false
	for _, p := range parts[1:] {
		if len(p) >= 5 && strings.EqualFold(p[:5], "name=") {
			if named {
				return nil, funcErrorf("Invalid metadata value, name argument was given multiple times")
			}
			name, named = p[5:], true
			continue
		}
		return nil, funcErrorf("Invalid metadata value given: %s", p)
	}
	if !named {
		return nil, funcErrorf("Library name was not given")
	}
	if !validName(name) {
		return nil, funcErrorf("Library names can only contain letters, numbers, or underscores(_) and must be at least one character long")
	}
	switch strings.ToLower(engine) {
	case "lua":
		return f.compileLua(name, code, code[nl:])
	}
	return nil, funcErrorf("Engine '%s' not found", engine)
}

// validName is Redis's functionsVerifyName.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// splitArgs is Redis's sdssplitargs: words separated by spaces, with
// "double" (escapes) and 'single' quotes.
func splitArgs(line string) ([]string, bool) {
	var out []string
	i := 0
	for {
		for i < len(line) && isSpaceByte(line[i]) {
			i++
		}
		if i >= len(line) {
			return out, true
		}
		var cur []byte
		inq, insq := false, false
		for {
			if i >= len(line) {
				if inq || insq {
					return nil, false
				}
				break
			}
			c := line[i]
			switch {
			case inq:
				switch {
				case c == '\\' && i+3 < len(line) && line[i+1] == 'x' && isHexByte(line[i+2]) && isHexByte(line[i+3]):
					cur = append(cur, hexVal(line[i+2])<<4|hexVal(line[i+3]))
					i += 3
				case c == '\\' && i+1 < len(line):
					i++
					switch line[i] {
					case 'n':
						cur = append(cur, '\n')
					case 'r':
						cur = append(cur, '\r')
					case 't':
						cur = append(cur, '\t')
					case 'b':
						cur = append(cur, '\b')
					case 'a':
						cur = append(cur, '\a')
					default:
						cur = append(cur, line[i])
					}
				case c == '"':
					if i+1 < len(line) && !isSpaceByte(line[i+1]) {
						return nil, false
					}
					inq = false
					i++
					goto word
				default:
					cur = append(cur, c)
				}
			case insq:
				switch {
				case c == '\\' && i+1 < len(line) && line[i+1] == '\'':
					i++
					cur = append(cur, '\'')
				case c == '\'':
					if i+1 < len(line) && !isSpaceByte(line[i+1]) {
						return nil, false
					}
					insq = false
					i++
					goto word
				default:
					cur = append(cur, c)
				}
			default:
				switch c {
				case ' ', '\n', '\r', '\t', 0:
					goto word
				case '"':
					inq = true
				case '\'':
					insq = true
				default:
					cur = append(cur, c)
				}
			}
			i++
		}
	word:
		out = append(out, string(cur))
	}
}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f'
}

func isHexByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// install adds libs to the registry (replacing same-named ones when
// replace is set), with Redis's collision errors (FUNCTION LOAD's, or
// FUNCTION RESTORE's when restore is set), and persists the change.
// Libraries not installed are released. flush empties the registry first
// (FUNCTION RESTORE FLUSH). The caller holds f.mu.
func (f *functions) install(libs []*library, replace, flush, restore bool) error {
	old := f.cur.Load()
	next := &registry{libs: map[string]*library{}, funcs: map[string]*function{}}
	var removed []*library
	if flush {
		for _, l := range old.libs {
			removed = append(removed, l)
		}
	} else {
		for n, l := range old.libs {
			next.libs[n] = l
		}
	}
	fail := func(err error) error {
		for _, l := range libs {
			l.release()
		}
		return err
	}
	seen := map[string]bool{}
	for _, l := range libs {
		if seen[l.name] {
			return fail(funcErrorf("Library %s already exists", l.name))
		}
		seen[l.name] = true
		if prev := next.libs[l.name]; prev != nil {
			if !replace {
				if restore {
					return fail(funcErrorf("Library %s already exists", l.name))
				}
				return fail(funcErrorf("Library '%s' already exists", l.name))
			}
			removed = append(removed, prev)
		}
		next.libs[l.name] = l
	}
	for _, l := range next.libs {
		for _, fn := range l.funcs {
			key := strings.ToLower(fn.name)
			if other := next.funcs[key]; other != nil {
				return fail(funcErrorf("Function %s already exists", fn.name))
			}
			next.funcs[key] = fn
		}
	}
	var put []potato.FunctionLibrary
	for _, l := range libs {
		put = append(put, potato.FunctionLibrary{Name: l.name, Code: l.code})
	}
	if err := f.s.DB.WriteFunctionLibraries(flush, put, nil); err != nil {
		return fail(err)
	}
	f.cur.Store(next)
	for _, l := range removed {
		if next.libs[l.name] != l {
			l.release()
		}
	}
	return nil
}

// remove deletes library name (FUNCTION DELETE). The caller holds f.mu.
func (f *functions) remove(name string) error {
	old := f.cur.Load()
	l := old.libs[name]
	if l == nil {
		return funcErrorf("Library not found")
	}
	next := &registry{libs: map[string]*library{}, funcs: map[string]*function{}}
	for n, x := range old.libs {
		if n != name {
			next.libs[n] = x
		}
	}
	for k, fn := range old.funcs {
		if fn.lib != l {
			next.funcs[k] = fn
		}
	}
	if err := f.s.DB.WriteFunctionLibraries(false, nil, []string{name}); err != nil {
		return err
	}
	f.cur.Store(next)
	l.release()
	return nil
}

// flush removes every library (FUNCTION FLUSH). The caller holds f.mu.
func (f *functions) flush() error {
	old := f.cur.Load()
	if err := f.s.DB.WriteFunctionLibraries(true, nil, nil); err != nil {
		return err
	}
	f.cur.Store(&registry{libs: map[string]*library{}, funcs: map[string]*function{}})
	for _, l := range old.libs {
		l.release()
	}
	return nil
}

// load compiles and installs one payload (FUNCTION LOAD, PLUGIN LOAD)
// and returns the library's name.
func (f *functions) load(code []byte, replace bool) (string, error) {
	f.ensureLoaded()
	l, err := f.compile(code)
	if err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.install([]*library{l}, replace, false, false); err != nil {
		return "", err
	}
	return l.name, nil
}

// ensureLoaded loads the libraries stored in the data directory, once,
// on first use (after the configuration is applied, so that
// function-max-memory holds for them too).
func (f *functions) ensureLoaded() {
	f.loadOnce.Do(func() {
		stored, err := f.s.DB.FunctionLibraries()
		if err != nil {
			f.s.log.Error("reading stored function libraries", "err", err)
			return
		}
		if len(stored) == 0 {
			return
		}
		var libs []*library
		for _, st := range stored {
			l, err := f.compile(st.Code)
			if err != nil {
				f.s.log.Error("stored function library does not load; it is kept on disk", "library", st.Name, "err", err)
				continue
			}
			libs = append(libs, l)
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		reg := &registry{libs: map[string]*library{}, funcs: map[string]*function{}}
		for _, l := range libs {
			clash := false
			for _, fn := range l.funcs {
				if reg.funcs[strings.ToLower(fn.name)] != nil {
					clash = true
				}
			}
			if clash || reg.libs[l.name] != nil {
				f.s.log.Error("stored function library clashes with another; not loaded", "library", l.name)
				l.release()
				continue
			}
			reg.libs[l.name] = l
			for _, fn := range l.funcs {
				reg.funcs[strings.ToLower(fn.name)] = fn
			}
		}
		f.cur.Store(reg)
		f.s.log.Info("function libraries loaded", "libraries", len(reg.libs), "functions", len(reg.funcs))
	})
}

// sortedLibs returns the libraries of reg by name.
func (reg *registry) sortedLibs() []*library {
	out := make([]*library, 0, len(reg.libs))
	for _, l := range reg.libs {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// newLibrary returns a library with one reference (the registry's).
func newLibrary(name, engine string, code []byte, close func()) *library {
	l := &library{name: name, engine: engine, code: code, close: close}
	l.refs.Store(1)
	return l
}

// pluginPath resolves PLUGIN LOAD's path: it must name a regular file
// under plugin-dir (after resolving symbolic links).
func (f *functions) pluginPath(path string) (string, error) {
	dir, _ := f.pluginDir.Load().(string)
	if dir == "" {
		return "", errFunc("ERR PLUGIN LOAD is disabled: set plugin-dir in the configuration")
	}
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", errFunc("ERR plugin-dir " + dir + " is not accessible")
	}
	root, _ = filepath.Abs(root)
	p := path
	if !filepath.IsAbs(p) {
		p = filepath.Join(root, p)
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", errFunc("ERR no such plugin file under plugin-dir")
	}
	real, _ = filepath.Abs(real)
	rel, err := filepath.Rel(root, real)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", errFunc("ERR plugin path is outside plugin-dir")
	}
	if st, err := os.Stat(real); err != nil || !st.Mode().IsRegular() {
		return "", errFunc("ERR no such plugin file under plugin-dir")
	}
	return real, nil
}

// sortFunctions orders a library's functions by name (FUNCTION LIST).
func sortFunctions(fns []*function) {
	sort.Slice(fns, func(i, j int) bool { return fns[i].name < fns[j].name })
}

// close releases every library (the server is closing).
func (f *functions) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	old := f.cur.Swap(&registry{libs: map[string]*library{}, funcs: map[string]*function{}})
	for _, l := range old.libs {
		l.release()
	}
}
