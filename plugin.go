package potato

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"rustypotato/internal/store"
	"rustypotato/internal/wasm"
)

// This file is the Go side of server-side functions: the durable records
// of function libraries, and WebAssembly plugins (the runtime lives in
// internal/wasm; the ABI is in docs/PLUGINS.md).

// FunctionLibrary is the stored form of a library of server-side
// functions (Redis 7's FUNCTION LOAD): its name and its code as loaded.
type FunctionLibrary struct {
	Name string
	Code []byte
}

// functionNS is the meta-record namespace of function libraries.
const functionNS = "functions"

// FunctionLibraries returns the libraries stored in the data directory,
// sorted by name. An in-memory store has none.
func (d *DB) FunctionLibraries() ([]FunctionLibrary, error) {
	p, err := d.c.persister()
	if errors.Is(err, errNoDir) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	recs, err := p.st.MetaRecords(functionNS)
	if err != nil {
		return nil, persistError(err)
	}
	out := make([]FunctionLibrary, len(recs))
	for i, r := range recs {
		out[i] = FunctionLibrary{Name: r.Name, Code: r.Value}
	}
	return out, nil
}

// WriteFunctionLibraries changes the stored libraries atomically and
// durably (whatever the fsync policy): with replaceAll, every stored
// library is removed first; then the libraries named in del are removed
// and those in put stored. On an in-memory store it does nothing.
func (d *DB) WriteFunctionLibraries(replaceAll bool, put []FunctionLibrary, del []string) error {
	p, err := d.c.persister()
	if errors.Is(err, errNoDir) {
		return nil
	}
	if err != nil {
		return err
	}
	recs := make([]store.MetaRecord, len(put))
	for i, l := range put {
		recs[i] = store.MetaRecord{Name: l.Name, Value: l.Code}
	}
	if err := p.st.WriteMeta(functionNS, replaceAll, recs, del); err != nil {
		return persistError(err)
	}
	return nil
}

// IsPlugin reports whether code is a WebAssembly module (it starts with
// the magic "\0asm").
func IsPlugin(code []byte) bool {
	return len(code) >= 4 && string(code[:4]) == wasm.Magic
}

// PluginOptions configures CompilePlugin. The zero value is valid.
type PluginOptions struct {
	// MaxMemory bounds the linear memory of each instance, in bytes.
	// Zero means 64 MiB.
	MaxMemory int64
	// CacheDir keeps compiled machine code across restarts. Empty means
	// no cache on disk.
	CacheDir string
	// Clock is the guest's clock between calls (during a call it sees
	// the time passed to Call). Nil means the system clock.
	Clock Clock
	// Logger receives what a guest writes to stdout or stderr. Nil
	// means slog.Default().
	Logger *slog.Logger
	// MaxIdle is how many idle instances are pooled. Zero means 8.
	MaxIdle int
}

// Plugin is a compiled WebAssembly library of functions with its pool of
// instances. It is safe for concurrent use.
type Plugin struct {
	m   *wasm.Module
	fns []PluginFunction
}

// PluginFunction describes one function a plugin registered.
type PluginFunction struct {
	Name        string
	Description string
	// Flags are Redis's script flags: "no-writes", "allow-oom",
	// "allow-stale", "no-cluster".
	Flags []string

	f *wasm.Function
}

// NoWrites reports whether the function declared the no-writes flag.
func (f *PluginFunction) NoWrites() bool { return f.f.Flags&wasm.FlagNoWrites != 0 }

// PluginError is a failure of a plugin's guest code: a module that does
// not follow the ABI, a trap, an exit, or a call that returned a
// non-zero status.
type PluginError struct {
	Msg string
	// Status is rp_run's non-zero status, or 0 for a trap, an exit or a
	// refused module.
	Status int32
	// Reply is the result the guest set before failing with Status (the
	// SDKs set an error reply), or nil.
	Reply []byte
}

func (e *PluginError) Error() string { return e.Msg }

func pluginError(err error) error {
	var we *wasm.Error
	if errors.As(err, &we) {
		return &PluginError{Msg: we.Msg}
	}
	var se *wasm.StatusError
	if errors.As(err, &se) {
		return &PluginError{Msg: se.Error(), Status: se.Status, Reply: se.Reply}
	}
	return err
}

// CompilePlugin compiles a WebAssembly library, runs its initialization
// (where it registers its name and functions) and returns it.
func CompilePlugin(ctx context.Context, code []byte, o PluginOptions) (*Plugin, error) {
	clock := o.Clock
	if clock == nil {
		clock = systemClock{}
	}
	m, err := wasm.Compile(ctx, code, wasm.Config{
		MaxMemory: o.MaxMemory, CacheDir: o.CacheDir, Now: clock.Now, Logger: o.Logger, MaxIdle: o.MaxIdle,
	})
	if err != nil {
		return nil, pluginError(err)
	}
	p := &Plugin{m: m}
	for _, f := range m.Functions() {
		pf := PluginFunction{Name: f.Name, Description: f.Description, f: m.Function(f.Name)}
		for _, fl := range []struct {
			f    wasm.Flags
			name string
		}{{wasm.FlagNoWrites, "no-writes"}, {wasm.FlagAllowOOM, "allow-oom"}, {wasm.FlagAllowStale, "allow-stale"}, {wasm.FlagNoCluster, "no-cluster"}} {
			if f.Flags&fl.f != 0 {
				pf.Flags = append(pf.Flags, fl.name)
			}
		}
		p.fns = append(p.fns, pf)
	}
	return p, nil
}

// Name returns the library name the plugin registered.
func (p *Plugin) Name() string { return p.m.Name() }

// Functions returns the plugin's functions in registration order. The
// slice must not be modified.
func (p *Plugin) Functions() []PluginFunction { return p.fns }

// PluginHost runs, for a plugin call, the commands its guest issues.
type PluginHost interface {
	// Call runs one command and returns its complete RESP reply, in
	// protocol version proto (2 or 3). The reply may be reused after
	// the next Call.
	Call(args [][]byte, proto int) []byte
	// Log writes a guest log line at a Redis level (0 debug, 1
	// verbose, 2 notice, 3 warning).
	Log(level int, msg string)
}

// PluginStop stops a running plugin call from another goroutine. The
// zero value is ready; use one per concurrent call.
type PluginStop struct{ c wasm.Control }

// Stop stops the call running under s, if any: it returns cause. It
// reports whether a call was running.
func (s *PluginStop) Stop(cause error) bool { return s.c.Stop(cause) }

// Call runs the function fn (one of Functions) with keys and args. now
// is the time the guest sees during the call (a transaction's Now). It
// returns the RESP reply the guest set (nil for none). When ctx ends or
// stop is used, the guest is stopped and Call returns the cause. A panic
// raised by h unwinds the guest and continues from Call, so h may run
// commands inside a Tx (whose re-run signal is a panic).
func (p *Plugin) Call(ctx context.Context, fn *PluginFunction, keys, args [][]byte, now time.Time, h PluginHost, stop *PluginStop) ([]byte, error) {
	var ctl *wasm.Control
	if stop != nil {
		ctl = &stop.c
	}
	reply, err := p.m.Call(ctx, fn.f, keys, args, now, h, ctl)
	if err != nil {
		return nil, pluginError(err)
	}
	return reply, nil
}

// Close releases the plugin. Calls in progress fail.
func (p *Plugin) Close() error { return p.m.Close() }
