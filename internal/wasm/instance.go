package wasm

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"
)

// instance is one instantiated copy of a module with the state of the
// call it runs. It is used by one call at a time.
type instance struct {
	m     *Module
	mod   api.Module
	run   api.Function
	stack [3]uint64

	reg *registration // during initialization only
	cur call
	out boundedBuffer // guest stdout and stderr of the current call

	// rng is the guest's random source (WASI random_get), reseeded with
	// a fixed seed at the start of every call: the same call always
	// sees the same bytes, as Redis seeds Lua's math.random.
	rng seededRand

	// hostPanic is a panic raised by the Host during a call, re-raised
	// once the guest has unwound.
	hostPanic    any
	hostPanicked bool
}

// call is the state of one Call.
type call struct {
	host       Host
	fn         *Function
	keys, args [][]byte
	now        time.Time
	proto      int
	reply      []byte // the last command's reply, for rp.reply
	result     []byte
	cmdArgs    [][]byte // scratch for rp.call
}

// instCtx carries the instance to the host functions without allocating
// a context per call.
type instCtx struct {
	context.Context
	in *instance
}

type instKey struct{}

func (c *instCtx) Value(k any) any {
	if _, ok := k.(instKey); ok {
		return c.in
	}
	return c.Context.Value(k)
}

func instanceOf(ctx context.Context) *instance {
	in, _ := ctx.Value(instKey{}).(*instance)
	if in == nil {
		panic(errorf("rp host function called outside a call"))
	}
	return in
}

// registration collects what a guest registers while it initializes.
type registration struct {
	name  string
	funcs []Function
	err   error
}

func (r *registration) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

var callSeed = [32]byte{'r', 'u', 's', 't', 'y', 'p', 'o', 't', 'a', 't', 'o'}

// seededRand is ChaCha8 from callSeed, reseeded on the first read of each
// call (most calls read none).
type seededRand struct {
	r    rand.ChaCha8
	used bool
}

func (s *seededRand) Read(p []byte) (int, error) {
	if !s.used {
		s.r.Seed(callSeed)
		s.used = true
	}
	return s.r.Read(p)
}

// newInstance instantiates the module and runs its initialization
// (_initialize, then rp_init if exported). The first instance's
// registrations define the library; later ones must register the same.
func (m *Module) newInstance(ctx context.Context, first bool) (*instance, *registration, error) {
	in := &instance{m: m, reg: &registration{}}
	in.out.max = 4 << 10
	base := time.Now()
	mc := wazero.NewModuleConfig().
		WithName("").
		WithStartFunctions("_initialize").
		WithStdout(&in.out).
		WithStderr(&in.out).
		WithRandSource(&in.rng).
		WithWalltime(func() (int64, int32) {
			t := in.cur.now
			if t.IsZero() {
				t = m.cfg.Now()
			}
			return t.Unix(), int32(t.Nanosecond())
		}, sys.ClockResolution(time.Millisecond)).
		WithNanotime(func() int64 { return int64(m.cfg.Now().Sub(base)) }, sys.ClockResolution(time.Microsecond))
	ictx := &instCtx{Context: ctx, in: in}
	mod, err := m.rt.InstantiateModule(ictx, m.compiled, mc)
	if err == nil {
		in.mod = mod
		if f := mod.ExportedFunction("rp_init"); f != nil {
			_, err = f.Call(ictx)
		}
	}
	reg := in.reg
	in.reg = nil
	if in.hostPanicked {
		// Not expected during initialization: the Host is not called.
		err = fmt.Errorf("%v", in.hostPanic)
	}
	if err != nil {
		if mod != nil {
			mod.Close(context.Background())
		}
		return nil, nil, errorf("Error initializing WebAssembly module: %s", in.describe(err))
	}
	if reg.err != nil {
		mod.Close(context.Background())
		return nil, nil, reg.err
	}
	if !first && !sameRegistration(reg, m) {
		mod.Close(context.Background())
		return nil, nil, errorf("WebAssembly module registered other functions in a new instance")
	}
	in.run = mod.ExportedFunction("rp_run")
	return in, reg, nil
}

func sameRegistration(r *registration, m *Module) bool {
	if r.name != m.name || len(r.funcs) != len(m.funcs) {
		return false
	}
	for i := range r.funcs {
		if r.funcs[i] != m.funcs[i] {
			return false
		}
	}
	return true
}

func (in *instance) close() {
	if in.mod != nil {
		in.mod.Close(context.Background())
	}
}

// describe turns a guest failure into one line for a client: a trap's
// message, or an exit code with the first line the guest wrote to
// stderr (a Go guest's panic message).
func (in *instance) describe(err error) string {
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		msg := fmt.Sprintf("exit code %d", exit.ExitCode())
		if line := in.stderrLine(); line != "" {
			msg = line + " (" + msg + ")"
		}
		return msg
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Msg
	}
	msg := firstLine(err.Error())
	msg = strings.TrimSuffix(msg, " (recovered by wazero)")
	return msg
}

// stderrLine returns the most telling line of the guest's output: the
// first "panic:" or "fatal error:" line, else the first line.
func (in *instance) stderrLine() string {
	lines := strings.Split(strings.TrimSpace(string(in.out.b)), "\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "panic:") || strings.HasPrefix(l, "fatal error:") {
			return strings.TrimSpace(l)
		}
	}
	if len(lines) > 0 {
		return strings.TrimSpace(lines[0])
	}
	return ""
}

// StatusError is returned by Call when the guest's rp_run returned a
// non-zero status. Reply is the result the guest set, if any (an error
// reply, for the SDKs).
type StatusError struct {
	Status int32
	Reply  []byte
}

func (e *StatusError) Error() string { return fmt.Sprintf("function failed with status %d", e.Status) }

// Control stops a running call from another goroutine (FUNCTION KILL,
// a time limit). The zero value is ready; one Control serves one call at
// a time.
type Control struct {
	mu    sync.Mutex
	in    *instance
	cause error
}

// Stop stops the call running under c, if any, and makes it return
// cause. It reports whether a call was running.
func (c *Control) Stop(cause error) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.in == nil || c.cause != nil {
		return false
	}
	c.cause = cause
	// Closing the instance makes its running code exit at the next
	// check (the runtime is built WithCloseOnContextDone).
	c.in.mod.CloseWithExitCode(context.Background(), exitStopped)
	return true
}

func (c *Control) begin(in *instance) {
	c.mu.Lock()
	c.in, c.cause = in, nil
	c.mu.Unlock()
}

func (c *Control) end() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.in = nil
	return c.cause
}

// exitStopped is the exit code of an instance closed by Control.Stop.
const exitStopped = 0xdead

// Call runs function f with keys and args. now is the guest's wall clock
// for the call (the transaction's time). It returns the RESP reply the
// guest set with rp.result (nil if it set none); the slice is the
// caller's. ctl, if not nil, can stop the call; then, or when ctx ends,
// Call returns the cause. A trap or exit returns an *Error; a non-zero
// status a *StatusError. A panic raised by host is re-raised here after
// the guest has unwound.
func (m *Module) Call(ctx context.Context, f *Function, keys, args [][]byte, now time.Time, host Host, ctl *Control) ([]byte, error) {
	in, err := m.get(ctx)
	if err != nil {
		return nil, err
	}
	c := &in.cur
	c.host, c.fn, c.keys, c.args, c.now, c.proto = host, f, keys, args, now, 2
	c.reply, c.result = nil, nil
	in.out.b = in.out.b[:0]
	in.rng.used = false
	in.stack[0] = uint64(uint32(f.id))
	in.stack[1] = uint64(uint32(len(keys)))
	in.stack[2] = uint64(uint32(len(args)))
	if ctl != nil {
		ctl.begin(in)
	}
	// A context per call: wazero's watchdog goroutine may still read it
	// after the call returns.
	err = in.run.CallWithStack(&instCtx{Context: ctx, in: in}, in.stack[:])
	var stopped error
	if ctl != nil {
		stopped = ctl.end()
	}
	result := c.result
	out := in.out.b
	c.host, c.keys, c.args, c.reply, c.result = nil, nil, nil, nil, nil
	clear(c.cmdArgs)
	c.now = time.Time{}
	if in.hostPanicked {
		p := in.hostPanic
		in.hostPanic, in.hostPanicked = nil, false
		in.close()
		panic(p)
	}
	if err != nil {
		defer in.close()
		switch {
		case stopped != nil:
			return nil, stopped
		case ctx.Err() != nil:
			return nil, context.Cause(ctx)
		}
		return nil, errorf("%s", in.describe(err))
	}
	if stopped != nil {
		// Stopped just as it returned: the instance is closed.
		in.close()
		return nil, stopped
	}
	if len(out) > 0 {
		m.cfg.Logger.Info("wasm guest output", "library", m.name, "function", f.Name, "output", strings.TrimSpace(string(out)))
	}
	status := int32(uint32(in.stack[0]))
	m.put(in)
	if status != 0 {
		return nil, &StatusError{Status: status, Reply: result}
	}
	return result, nil
}

// ---------------------------------------------------------------------
// Host functions: the "rp" import module.
// ---------------------------------------------------------------------

const i32 = api.ValueTypeI32

// maxLogLine bounds one guest log line.
const maxLogLine = 8 << 10

func instantiateHost(ctx context.Context, rt wazero.Runtime) error {
	b := rt.NewHostModuleBuilder(HostModule)
	fn := func(name string, params, results []api.ValueType, f api.GoModuleFunc) {
		b.NewFunctionBuilder().WithGoModuleFunction(f, params, results).Export(name)
	}
	fn("library", []api.ValueType{i32, i32}, []api.ValueType{i32}, hostLibrary)
	fn("register", []api.ValueType{i32, i32, i32, i32, i32, i32}, []api.ValueType{i32}, hostRegister)
	fn("args", []api.ValueType{i32, i32}, []api.ValueType{i32}, hostArgs)
	fn("call", []api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32}, hostCall)
	fn("reply", []api.ValueType{i32, i32}, []api.ValueType{i32}, hostReply)
	fn("result", []api.ValueType{i32, i32}, nil, hostResult)
	fn("log", []api.ValueType{i32, i32, i32}, nil, hostLog)
	fn("setresp", []api.ValueType{i32}, []api.ValueType{i32}, hostSetResp)
	_, err := b.Instantiate(ctx)
	return err
}

// view returns guest memory [ptr, ptr+n) without copying, or traps.
func view(mod api.Module, ptr, n uint32, what string) []byte {
	b, ok := mod.Memory().Read(ptr, n)
	if !ok {
		panic(errorf("rp.%s: out of bounds memory access (%d bytes at %d)", what, n, ptr))
	}
	return b
}

// ValidName reports whether s is a valid library or function name, as
// Redis checks them: letters, digits and underscores, at least one.
func ValidName(s string) bool {
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

const errBadName = "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"

func initOnly(ctx context.Context, what string) *registration {
	in := instanceOf(ctx)
	if in.reg == nil {
		panic(errorf("rp.%s called outside the module's initialization", what))
	}
	return in.reg
}

// library(name_ptr, name_len) -> 0 | -1
func hostLibrary(ctx context.Context, mod api.Module, stack []uint64) {
	reg := initOnly(ctx, "library")
	name := string(view(mod, uint32(stack[0]), uint32(stack[1]), "library"))
	switch {
	case !ValidName(name):
		reg.fail(errorf(errBadName))
	case reg.name != "" && reg.name != name:
		reg.fail(errorf("Invalid metadata value, name argument was given multiple times"))
	default:
		reg.name = name
		stack[0] = 0
		return
	}
	stack[0] = api.EncodeI32(-1)
}

// register(id, name_ptr, name_len, flags, desc_ptr, desc_len) -> 0 | -1
func hostRegister(ctx context.Context, mod api.Module, stack []uint64) {
	reg := initOnly(ctx, "register")
	id := api.DecodeI32(stack[0])
	name := string(view(mod, uint32(stack[1]), uint32(stack[2]), "register"))
	flags := Flags(uint32(stack[3]))
	desc := string(view(mod, uint32(stack[4]), uint32(stack[5]), "register"))
	stack[0] = api.EncodeI32(-1)
	if !ValidName(name) {
		reg.fail(errorf("Function names can only contain letters, numbers, or underscores(_) and must be at least one character long"))
		return
	}
	if flags&^flagsKnown != 0 {
		reg.fail(errorf("unknown flag given"))
		return
	}
	for _, f := range reg.funcs {
		if f.Name == name {
			reg.fail(errorf("Function already exists in the library"))
			return
		}
	}
	reg.funcs = append(reg.funcs, Function{Name: name, Description: desc, Flags: flags, id: id})
	stack[0] = 0
}

func current(ctx context.Context, what string) *instance {
	in := instanceOf(ctx)
	if in.cur.host == nil {
		panic(errorf("rp.%s called outside a function call", what))
	}
	return in
}

// args(buf_ptr, buf_cap) -> total length of the encoded keys and args;
// they are copied only when they fit.
func hostArgs(ctx context.Context, mod api.Module, stack []uint64) {
	in := current(ctx, "args")
	c := &in.cur
	total := 0
	for _, a := range c.keys {
		total += 4 + len(a)
	}
	for _, a := range c.args {
		total += 4 + len(a)
	}
	ptr, capacity := uint32(stack[0]), uint32(stack[1])
	if uint64(total) <= uint64(capacity) {
		buf := view(mod, ptr, uint32(total), "args")
		p := 0
		for _, list := range [2][][]byte{c.keys, c.args} {
			for _, a := range list {
				binary.LittleEndian.PutUint32(buf[p:], uint32(len(a)))
				p += 4
				p += copy(buf[p:], a)
			}
		}
	}
	stack[0] = uint64(uint32(total))
}

// call(cmd_ptr, cmd_len, out_ptr, out_cap) -> reply length; the reply
// is copied to out only when it fits (rp.reply fetches it otherwise).
func hostCall(ctx context.Context, mod api.Module, stack []uint64) {
	in := current(ctx, "call")
	c := &in.cur
	enc := view(mod, uint32(stack[0]), uint32(stack[1]), "call")
	args, err := decodeCommand(enc, c.cmdArgs[:0])
	if err != nil {
		panic(err)
	}
	c.cmdArgs = args
	reply := in.hostCall(args)
	c.reply = reply
	if out, capacity := uint32(stack[2]), uint32(stack[3]); uint64(len(reply)) <= uint64(capacity) && len(reply) > 0 {
		copy(view(mod, out, uint32(len(reply)), "call"), reply)
	}
	stack[0] = uint64(uint32(len(reply)))
}

// errHostPanic unwinds the guest after the Host panicked.
var errHostPanic = errors.New("host call aborted")

// hostCall runs the Host's Call, keeping a panic for Module.Call to
// re-raise once the guest has unwound.
func (in *instance) hostCall(args [][]byte) (reply []byte) {
	ok := false
	defer func() {
		if !ok {
			in.hostPanic, in.hostPanicked = recover(), true
			panic(errHostPanic)
		}
	}()
	reply = in.cur.host.Call(args, in.cur.proto)
	ok = true
	return reply
}

// decodeCommand decodes u32 argc, then argc times u32 length and bytes,
// into views of enc.
func decodeCommand(enc []byte, out [][]byte) ([][]byte, error) {
	if len(enc) < 4 {
		return nil, errorf("rp.call: command encoding too short")
	}
	argc := binary.LittleEndian.Uint32(enc)
	p := 4
	if argc == 0 || uint64(argc) > uint64(len(enc)-p)/4 {
		return nil, errorf("rp.call: bad argument count %d", argc)
	}
	for i := uint32(0); i < argc; i++ {
		if len(enc)-p < 4 {
			return nil, errorf("rp.call: command encoding truncated")
		}
		n := binary.LittleEndian.Uint32(enc[p:])
		p += 4
		if uint64(n) > uint64(len(enc)-p) {
			return nil, errorf("rp.call: argument %d longer than the encoding", i)
		}
		out = append(out, enc[p:p+int(n):p+int(n)])
		p += int(n)
	}
	if p != len(enc) {
		return nil, errorf("rp.call: %d bytes after the last argument", len(enc)-p)
	}
	return out, nil
}

// reply(buf_ptr, buf_cap) -> length of the last reply, copied when it
// fits.
func hostReply(ctx context.Context, mod api.Module, stack []uint64) {
	in := current(ctx, "reply")
	r := in.cur.reply
	if uint64(len(r)) <= uint64(uint32(stack[1])) && len(r) > 0 {
		copy(view(mod, uint32(stack[0]), uint32(len(r)), "reply"), r)
	}
	stack[0] = uint64(uint32(len(r)))
}

// result(ptr, len): the function's reply, RESP encoded.
func hostResult(ctx context.Context, mod api.Module, stack []uint64) {
	in := current(ctx, "result")
	in.cur.result = append(in.cur.result[:0:0], view(mod, uint32(stack[0]), uint32(stack[1]), "result")...)
}

// log(level, ptr, len)
func hostLog(ctx context.Context, mod api.Module, stack []uint64) {
	in := current(ctx, "log")
	level := int(api.DecodeI32(stack[0]))
	n := min(uint32(stack[2]), maxLogLine)
	msg := string(view(mod, uint32(stack[1]), n, "log"))
	in.cur.host.Log(min(max(level, 0), 3), msg)
}

// setresp(proto) -> 0 | -1
func hostSetResp(ctx context.Context, mod api.Module, stack []uint64) {
	in := current(ctx, "setresp")
	switch p := api.DecodeI32(stack[0]); p {
	case 2, 3:
		in.cur.proto = int(p)
		stack[0] = 0
	default:
		stack[0] = api.EncodeI32(-1)
	}
}
