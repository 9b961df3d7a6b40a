// Package wasm runs RustyPotato's WebAssembly function libraries on
// wazero: it compiles a module, checks what it imports (only the "rp"
// host module and WASI, with no filesystem, network or real clock),
// collects the functions it registers, and keeps a pool of instances that
// run calls. It knows nothing of commands or transactions: the caller's
// Host runs the commands a guest issues. The ABI is documented in
// docs/PLUGINS.md.
package wasm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// ABIVersion is the version of the guest ABI this package implements.
const ABIVersion = 1

// HostModule is the name of the import module of the host functions.
const HostModule = "rp"

// Magic is the first four bytes of every WebAssembly binary.
const Magic = "\x00asm"

// DefaultMaxMemory is the default memory limit of one instance.
const DefaultMaxMemory = 64 << 20

// pageSize is the WebAssembly page size.
const pageSize = 64 << 10

// Flags are a function's Redis script flags.
type Flags uint32

// The flags, as a guest passes them to rp.register.
const (
	FlagNoWrites   Flags = 1 << 0
	FlagAllowOOM   Flags = 1 << 1
	FlagAllowStale Flags = 1 << 2
	FlagNoCluster  Flags = 1 << 3
	flagsKnown           = FlagNoWrites | FlagAllowOOM | FlagAllowStale | FlagNoCluster
)

// Function is one function a library registered.
type Function struct {
	Name        string
	Description string
	Flags       Flags
	id          int32
}

// Host runs what a guest asks of the server during a call. Its methods
// are called on the goroutine running Module.Call. A panic in them
// unwinds the guest (its instance is discarded) and then continues from
// Module.Call, so a Host may use panics for control flow (a transaction
// that must re-run).
type Host interface {
	// Call runs the command args and returns its reply in RESP
	// protocol version proto (2 or 3). The reply may be retained by
	// the caller until the next Call.
	Call(args [][]byte, proto int) []byte
	// Log writes a guest's log line at a Redis level: 0 debug, 1
	// verbose, 2 notice, 3 warning.
	Log(level int, msg string)
}

// Config configures Compile.
type Config struct {
	// MaxMemory bounds the linear memory of one instance, in bytes
	// (rounded down to 64 KiB pages, at least one page). Zero means
	// DefaultMaxMemory.
	MaxMemory int64
	// CacheDir holds wazero's compilation cache, so a restart does not
	// compile the same module again. Empty means no cache on disk.
	CacheDir string
	// Now is the guest's wall clock. Nil means time.Now.
	Now func() time.Time
	// Logger receives what a guest writes to stdout and stderr. Nil
	// means slog.Default().
	Logger *slog.Logger
	// MaxIdle is how many idle instances the pool keeps. Zero means 8.
	MaxIdle int
}

// Module is a compiled library with its pool of instances. It is safe
// for concurrent use: concurrent calls run on different instances.
type Module struct {
	cfg      Config
	rt       wazero.Runtime
	compiled wazero.CompiledModule
	name     string
	funcs    []Function
	byName   map[string]*Function

	mu     sync.Mutex // guards idle, closed
	idle   []*instance
	closed bool
}

var (
	cacheMu sync.Mutex
	caches  = map[string]wazero.CompilationCache{}
)

// compilationCache returns the process-wide cache for dir: wazero's
// cache may be shared by runtimes, and one per directory avoids two
// writers racing on the same files.
func compilationCache(dir string) (wazero.CompilationCache, error) {
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if c, ok := caches[dir]; ok {
		return c, nil
	}
	c, err := wazero.NewCompilationCacheWithDir(dir)
	if err != nil {
		return nil, err
	}
	caches[dir] = c
	return c, nil
}

// Error is a failure of a guest: a load that does not follow the ABI, a
// trap, an exit, a failed status. Its text is meant for a client.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

func errorf(format string, args ...any) error { return &Error{Msg: fmt.Sprintf(format, args...)} }

// Compile compiles code, instantiates it once to run its registrations,
// and returns the library. The context bounds the compilation and the
// guest's initialization.
func Compile(ctx context.Context, code []byte, cfg Config) (*Module, error) {
	if len(code) < 8 || string(code[:4]) != Magic {
		return nil, errorf("not a WebAssembly module")
	}
	if cfg.MaxMemory == 0 {
		cfg.MaxMemory = DefaultMaxMemory
	}
	pages := cfg.MaxMemory / pageSize
	pages = max(1, min(pages, 65536))
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxIdle == 0 {
		cfg.MaxIdle = 8
	}
	rc := wazero.NewRuntimeConfig().
		WithCloseOnContextDone(true).
		WithMemoryLimitPages(uint32(pages)).
		WithDebugInfoEnabled(false)
	if cfg.CacheDir != "" {
		cache, err := compilationCache(cfg.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("wasm compilation cache: %w", err)
		}
		rc = rc.WithCompilationCache(cache)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, rc)
	m := &Module{cfg: cfg, rt: rt, byName: map[string]*Function{}}
	ok := false
	defer func() {
		if !ok {
			rt.Close(context.Background())
		}
	}()
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		return nil, err
	}
	if err := instantiateHost(ctx, rt); err != nil {
		return nil, err
	}
	compiled, err := rt.CompileModule(ctx, code)
	if err != nil {
		return nil, errorf("Error compiling WebAssembly module: %s", firstLine(err.Error()))
	}
	m.compiled = compiled
	for _, f := range compiled.ImportedFunctions() {
		mod, name, _ := f.Import()
		if mod != HostModule && mod != wasi_snapshot_preview1.ModuleName {
			return nil, errorf("WebAssembly module imports %s.%s: only the %q host module and WASI are available", mod, name, HostModule)
		}
	}
	for _, mem := range compiled.ImportedMemories() {
		mod, name, _ := mem.Import()
		return nil, errorf("WebAssembly module imports memory %s.%s: it must define its own", mod, name)
	}
	run, found := compiled.ExportedFunctions()["rp_run"]
	if !found {
		return nil, errorf("WebAssembly module does not export rp_run")
	}
	if !sameTypes(run.ParamTypes(), []api.ValueType{api.ValueTypeI32, api.ValueTypeI32, api.ValueTypeI32}) ||
		!sameTypes(run.ResultTypes(), []api.ValueType{api.ValueTypeI32}) {
		return nil, errorf("WebAssembly module exports rp_run with the wrong signature: want (i32, i32, i32) -> i32")
	}
	if _, found := compiled.ExportedMemories()["memory"]; !found {
		return nil, errorf("WebAssembly module does not export its memory as \"memory\"")
	}
	// The first instance runs the registrations and goes to the pool.
	inst, reg, err := m.newInstance(ctx, true)
	if err != nil {
		return nil, err
	}
	if reg.name == "" {
		inst.close()
		return nil, errorf("WebAssembly module registered no library name (call rp.library in its initialization)")
	}
	if len(reg.funcs) == 0 {
		inst.close()
		return nil, errorf("No functions registered")
	}
	m.name = reg.name
	m.funcs = reg.funcs
	for i := range m.funcs {
		m.byName[m.funcs[i].Name] = &m.funcs[i]
	}
	m.idle = append(m.idle, inst)
	ok = true
	return m, nil
}

func sameTypes(a, b []api.ValueType) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// Name returns the library name the module registered.
func (m *Module) Name() string { return m.name }

// Functions returns the registered functions, in registration order.
// The slice must not be modified.
func (m *Module) Functions() []Function { return m.funcs }

// Function returns the registered function name, or nil.
func (m *Module) Function(name string) *Function { return m.byName[name] }

// Close releases the module and its instances. Calls in progress fail.
func (m *Module) Close() error {
	m.mu.Lock()
	m.closed = true
	idle := m.idle
	m.idle = nil
	m.mu.Unlock()
	for _, in := range idle {
		in.close()
	}
	return m.rt.Close(context.Background())
}

// ErrClosed is returned by Call on a closed module.
var ErrClosed = errors.New("wasm: module closed")

func (m *Module) get(ctx context.Context) (*instance, error) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil, ErrClosed
	}
	if n := len(m.idle); n > 0 {
		in := m.idle[n-1]
		m.idle[n-1] = nil
		m.idle = m.idle[:n-1]
		m.mu.Unlock()
		return in, nil
	}
	m.mu.Unlock()
	in, _, err := m.newInstance(ctx, false)
	return in, err
}

func (m *Module) put(in *instance) {
	m.mu.Lock()
	if !m.closed && len(m.idle) < m.cfg.MaxIdle {
		m.idle = append(m.idle, in)
		m.mu.Unlock()
		return
	}
	m.mu.Unlock()
	in.close()
}

// Idle returns the number of pooled idle instances (for tests and
// stats).
func (m *Module) Idle() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.idle)
}

// boundedBuffer keeps the first max bytes written to it.
type boundedBuffer struct {
	b   []byte
	max int
}

func (w *boundedBuffer) Write(p []byte) (int, error) {
	if room := w.max - len(w.b); room > 0 {
		w.b = append(w.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

var _ io.Writer = (*boundedBuffer)(nil)
