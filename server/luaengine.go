package server

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"rustypotato"
	"rustypotato/internal/lualib"
	"rustypotato/internal/resp"
)

// The Lua engine (Lua 5.1, gopher-lua), as Redis 7.0 runs Lua: EVAL
// scripts cached by SHA1 and "#!lua name=..." function libraries, a
// sandbox without os/io and with read-only globals, the redis.* API, the
// cjson, cmsgpack, bit and struct libraries, and Redis's conversions
// between Lua values and replies. A script may touch any key (as in
// standalone Redis): its transaction locks keys as they are touched.

// luaState is the engine's state: the EVAL script cache and a pool of
// interpreters for it.
type luaState struct {
	mu      sync.RWMutex
	scripts map[string]*luaScript // by SHA1 (lower-case hex)
	gen     uint64                // bumped by SCRIPT FLUSH: interpreters drop their closures
	vms     sync.Pool             // *luaVM for EVAL
}

// luaScript is one cached EVAL script.
type luaScript struct {
	sha   string
	body  []byte
	proto *lua.FunctionProto
	// wrapped returns the body as a function (nil: run proto itself).
	wrapped *lua.FunctionProto
	fn      *function // flags from its shebang; run is the engine's
}

// luaVM is one interpreter with the EVAL environment.
type luaVM struct {
	L     *lua.LState
	gen   uint64
	funcs map[string]*lua.LFunction // compiled scripts, by SHA1
	env   *luaEnv
}

// luaEnv is what the redis.* functions need during a call.
type luaEnv struct {
	L       *lua.LState
	r       *scriptRun
	proto   int          // redis.setresp
	errLine int          // line of the last redis.call error raised
	chunk   string       // "user_script" or "user_function"
	rng     rand48       // math.random
	reg     *luaRegistry // during a library's load: register_function
	globals *lua.LTable

	hostPanic    any
	hostPanicked bool

	ctx  context.Context // set on L; cancelled by stop (SCRIPT KILL)
	stop luaStopper
}

// newLuaState opens an interpreter with Redis's libraries and sandbox.
func newLuaState(chunk string) (*lua.LState, *luaEnv) {
	L := lua.NewState(lua.Options{SkipOpenLibs: true, IncludeGoStackTrace: false})
	for _, lib := range []struct {
		name string
		fn   lua.LGFunction
	}{{lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}, {lua.StringLibName, lua.OpenString}, {lua.MathLibName, lua.OpenMath}} {
		L.Push(L.NewFunction(lib.fn))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	g := L.G.Global
	// What Redis removes: loading code from files or strings, modules.
	for _, name := range []string{"dofile", "loadfile", "loadstring", "load", "require", "module", "newproxy", "_printregs"} {
		g.RawSetString(name, lua.LNil)
	}
	lualib.Open(L) // cjson, cmsgpack, bit, struct
	e := &luaEnv{L: L, chunk: chunk, proto: 2, globals: g}
	e.rng.x = 0x1234abcd330e // rand48's initial state, as Redis starts
	math := g.RawGetString("math").(*lua.LTable)
	math.RawSetString("random", L.NewFunction(e.mathRandom))
	math.RawSetString("randomseed", L.NewFunction(e.mathRandomSeed))
	g.RawSetString("redis", e.redisTable(L))
	// Redis's pcall turns an error table into its message.
	g.RawSetString("pcall", L.NewFunction(func(L *lua.LState) int {
		n := L.GetTop()
		if n == 0 {
			L.ArgError(1, "value expected")
		}
		base := L.GetTop() - n
		err := L.PCall(n-1, lua.MultRet, nil)
		if err != nil {
			L.Push(lua.LFalse)
			var ae *lua.ApiError
			if errors.As(err, &ae) {
				if t, ok := ae.Object.(*lua.LTable); ok {
					if s, ok := t.RawGetString("err").(lua.LString); ok {
						L.Push(s)
						return 2
					}
				}
				L.Push(ae.Object)
			} else {
				L.Push(lua.LString(err.Error()))
			}
			return 2
		}
		L.Insert(lua.LTrue, base+1)
		return L.GetTop() - base
	}))
	// Numbers print as Lua 5.1's "%.14g".
	tostr := g.RawGetString("tostring")
	g.RawSetString("tostring", L.NewFunction(func(L *lua.LState) int {
		if n, ok := L.Get(1).(lua.LNumber); ok {
			L.Push(lua.LString(luaNumberString(float64(n))))
			return 1
		}
		L.Push(tostr)
		L.Insert(tostr, 1)
		L.Pop(1)
		L.Call(L.GetTop()-1, 1)
		return 1
	}))
	return L, e
}

// protectGlobals makes t's missing names an error to read and every
// name an error to set, as Redis 7 does to the globals.
func protectGlobals(L *lua.LState, t *lua.LTable, fallback lua.LValue) {
	mt := L.NewTable()
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		name := L.CheckAny(2)
		if ft, ok := fallback.(*lua.LTable); ok {
			if v := ft.RawGet(name); v != lua.LNil {
				L.Push(v)
				return 1
			}
		}
		if name.String() == "loadstring" {
			return 0 // removed, but reading it is allowed (Redis keeps the name)
		}
		L.RaiseError("Script attempted to access nonexistent global variable '%s'", name.String())
		return 0
	}))
	mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("Attempt to modify a readonly table")
		return 0
	}))
	mt.RawSetString("__metatable", lua.LString("readonly"))
	L.SetMetatable(t, mt)
}

func (e *luaEnv) redisTable(L *lua.LState) *lua.LTable {
	t := L.NewTable()
	set := func(name string, fn lua.LGFunction) { t.RawSetString(name, L.NewFunction(fn)) }
	set("call", func(L *lua.LState) int { return e.redisCall(L, true) })
	set("pcall", func(L *lua.LState) int { return e.redisCall(L, false) })
	set("error_reply", func(L *lua.LState) int {
		msg := L.CheckString(1)
		if !strings.HasPrefix(msg, "-") && !hasCode(msg) {
			msg = "ERR " + msg
		}
		tb := L.NewTable()
		tb.RawSetString("err", lua.LString(strings.TrimPrefix(msg, "-")))
		L.Push(tb)
		return 1
	})
	set("status_reply", func(L *lua.LState) int {
		tb := L.NewTable()
		tb.RawSetString("ok", lua.LString(L.CheckString(1)))
		L.Push(tb)
		return 1
	})
	set("sha1hex", func(L *lua.LState) int {
		if L.GetTop() != 1 {
			L.RaiseError("wrong number of arguments")
		}
		sum := sha1.Sum([]byte(L.ToString(1)))
		L.Push(lua.LString(hex.EncodeToString(sum[:])))
		return 1
	})
	set("log", func(L *lua.LState) int {
		if L.GetTop() < 2 {
			L.RaiseError("redis.log() requires two arguments or more.")
		}
		lv, ok := L.Get(1).(lua.LNumber)
		if !ok || lv < 0 || lv > 3 {
			L.RaiseError("Invalid debug level.")
		}
		var parts []string
		for i := 2; i <= L.GetTop(); i++ {
			parts = append(parts, L.ToString(i))
		}
		if e.r != nil {
			e.r.Log(int(lv), strings.Join(parts, " "))
		}
		return 0
	})
	set("setresp", func(L *lua.LState) int {
		if L.GetTop() != 1 {
			L.RaiseError("redis.setresp() requires one argument.")
		}
		p := L.CheckInt(1)
		if p != 2 && p != 3 {
			L.RaiseError("RESP version must be 2 or 3.")
		}
		e.proto = p
		return 0
	})
	set("set_repl", func(L *lua.LState) int {
		if L.GetTop() != 1 {
			L.RaiseError("redis.set_repl() requires one argument.")
		}
		if v := L.CheckInt(1); v&^3 != 0 {
			L.RaiseError("Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.")
		}
		return 0 // one node: nothing is propagated
	})
	set("replicate_commands", func(L *lua.LState) int { L.Push(lua.LTrue); return 1 })
	set("breakpoint", func(L *lua.LState) int { L.Push(lua.LFalse); return 1 })
	set("debug", func(L *lua.LState) int { return 0 })
	set("register_function", e.registerFunction)
	for name, v := range map[string]int{"LOG_DEBUG": 0, "LOG_VERBOSE": 1, "LOG_NOTICE": 2, "LOG_WARNING": 3,
		"REPL_NONE": 0, "REPL_AOF": 1, "REPL_SLAVE": 2, "REPL_REPLICA": 2, "REPL_ALL": 3} {
		t.RawSetString(name, lua.LNumber(v))
	}
	t.RawSetString("REDIS_VERSION", lua.LString(redisVersion))
	maj, min, patch := versionParts(redisVersion)
	t.RawSetString("REDIS_VERSION_NUM", lua.LNumber(maj<<16|min<<8|patch))
	return t
}

func versionParts(v string) (int, int, int) {
	p := strings.SplitN(v, ".", 3)
	n := func(i int) int {
		if i < len(p) {
			x, _ := strconv.Atoi(p[i])
			return x
		}
		return 0
	}
	return n(0), n(1), n(2)
}

// redisCall is redis.call (raise) and redis.pcall (return the error).
func (e *luaEnv) redisCall(L *lua.LState, raise bool) int {
	n := L.GetTop()
	if e.r == nil {
		L.RaiseError("redis.call is not available while loading a library")
	}
	fail := func(msg string) int {
		if raise {
			e.raise(L, msg)
		}
		tb := L.NewTable()
		tb.RawSetString("err", lua.LString(msg))
		L.Push(tb)
		return 1
	}
	if n == 0 {
		return fail("ERR Please specify at least one argument for this redis lib call")
	}
	args := make([][]byte, n)
	for i := 1; i <= n; i++ {
		switch v := L.Get(i).(type) {
		case lua.LString:
			args[i-1] = []byte(v)
		case lua.LNumber:
			args[i-1] = []byte(luaNumberString(float64(v)))
		default:
			return fail("ERR Lua redis lib command arguments must be strings or integers")
		}
	}
	if e.hostPanicked {
		L.RaiseError("script aborted")
	}
	reply := e.call(args)
	if raise && len(reply) > 0 && reply[0] == '-' {
		e.raise(L, string(bytes.TrimSuffix(reply[1:], []byte("\r\n"))))
	}
	v, _, err := respToLua(L, reply, 0)
	if err != nil {
		return fail("ERR malformed reply")
	}
	L.Push(v)
	return 1
}

// call runs a command for the script. A panic from the transaction (a
// re-run signal) must reach it past gopher-lua, which recovers panics:
// it is kept, the script is unwound, and runLua raises it again.
func (e *luaEnv) call(args [][]byte) (reply []byte) {
	ok := false
	defer func() {
		if !ok {
			e.hostPanic, e.hostPanicked = recover(), true
			e.L.RaiseError("script aborted")
		}
	}()
	reply = e.r.Call(args, e.proto)
	ok = true
	return reply
}

// raise throws Redis's error table {err=msg}, remembering the line of
// the Lua code that called redis.call for the final reply.
func (e *luaEnv) raise(L *lua.LState, msg string) {
	e.errLine = whereLine(L.Where(1))
	tb := L.NewTable()
	tb.RawSetString("err", lua.LString(msg))
	L.Error(tb, 0)
}

var whereRE = regexp.MustCompile(`user_(?:script|function):(\d+):`)

func whereLine(s string) int {
	if m := whereRE.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

// luaNumberString formats a number as Lua 5.1's tostring ("%.14g").
func luaNumberString(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	return strconv.FormatFloat(f, 'g', 14, 64)
}

// respToLua converts one RESP reply to a Lua value as Redis does.
func respToLua(L *lua.LState, b []byte, depth int) (lua.LValue, []byte, error) {
	if len(b) < 3 || depth > maxReplyDepth {
		return lua.LNil, nil, errBadReply
	}
	i := bytes.IndexByte(b, '\n')
	if i < 2 {
		return lua.LNil, nil, errBadReply
	}
	line, rest := b[1:i-1], b[i+1:]
	table := func(k string, v lua.LValue) *lua.LTable {
		t := L.NewTable()
		t.RawSetString(k, v)
		return t
	}
	switch b[0] {
	case '+':
		return table("ok", lua.LString(line)), rest, nil
	case '-':
		return table("err", lua.LString(line)), rest, nil
	case ':':
		n, _ := strconv.ParseInt(string(line), 10, 64)
		return lua.LNumber(n), rest, nil
	case '_':
		return lua.LNil, rest, nil
	case '#':
		return lua.LBool(len(line) == 1 && line[0] == 't'), rest, nil
	case ',':
		f, _ := strconv.ParseFloat(string(line), 64)
		return table("double", lua.LNumber(f)), rest, nil
	case '(':
		return table("big_number", lua.LString(line)), rest, nil
	case '$', '=', '!':
		n, err := strconv.Atoi(string(line))
		if err != nil || n < -1 {
			return lua.LNil, nil, errBadReply
		}
		if n == -1 {
			return lua.LFalse, rest, nil
		}
		if n+2 > len(rest) {
			return lua.LNil, nil, errBadReply
		}
		s := rest[:n]
		rest = rest[n+2:]
		switch b[0] {
		case '!':
			return table("err", lua.LString(s)), rest, nil
		case '=':
			v := L.NewTable()
			if len(s) >= 4 {
				v.RawSetString("format", lua.LString(s[:3]))
				s = s[4:]
			}
			v.RawSetString("string", lua.LString(s))
			return table("verbatim_string", v), rest, nil
		}
		return lua.LString(s), rest, nil
	case '*', '~', '%', '>':
		n, err := strconv.Atoi(string(line))
		if err != nil || n < -1 {
			return lua.LNil, nil, errBadReply
		}
		if n == -1 {
			return lua.LFalse, rest, nil
		}
		t := L.CreateTable(n, 0)
		var v, k lua.LValue
		for j := 0; j < n; j++ {
			switch b[0] {
			case '%':
				if k, rest, err = respToLua(L, rest, depth+1); err != nil {
					return lua.LNil, nil, err
				}
				if v, rest, err = respToLua(L, rest, depth+1); err != nil {
					return lua.LNil, nil, err
				}
				t.RawSet(k, v)
			case '~':
				if v, rest, err = respToLua(L, rest, depth+1); err != nil {
					return lua.LNil, nil, err
				}
				t.RawSet(v, lua.LTrue)
			default:
				if v, rest, err = respToLua(L, rest, depth+1); err != nil {
					return lua.LNil, nil, err
				}
				t.RawSetInt(j+1, v)
			}
		}
		switch b[0] {
		case '%':
			return table("map", t), rest, nil
		case '~':
			return table("set", t), rest, nil
		}
		return t, rest, nil
	}
	return lua.LNil, nil, errBadReply
}

// luaToResp appends the reply for a script's return value, as Redis's
// luaReplyToRedisReply converts it.
func luaToResp(w *resp.Writer, v lua.LValue, depth int) {
	if depth > maxReplyDepth {
		w.AppendError("ERR reached lua stack limit")
		return
	}
	switch x := v.(type) {
	case lua.LString:
		w.AppendBulkString(string(x))
	case lua.LNumber:
		w.AppendInt(int64(float64(x)))
	case lua.LBool:
		if x {
			w.AppendInt(1)
		} else {
			w.AppendNull()
		}
	case *lua.LTable:
		if e, ok := x.RawGetString("err").(lua.LString); ok {
			w.AppendError(string(e))
			return
		}
		if s, ok := x.RawGetString("ok").(lua.LString); ok {
			w.AppendSimple(string(s))
			return
		}
		if d, ok := x.RawGetString("double").(lua.LNumber); ok {
			w.AppendDouble(float64(d))
			return
		}
		if s, ok := x.RawGetString("big_number").(lua.LString); ok {
			w.AppendBigNumber(string(s))
			return
		}
		if m, ok := x.RawGetString("map").(*lua.LTable); ok {
			var ks, vs []lua.LValue
			m.ForEach(func(k, v lua.LValue) { ks, vs = append(ks, k), append(vs, v) })
			w.AppendMapLen(len(ks))
			for i := range ks {
				luaToResp(w, ks[i], depth+1)
				luaToResp(w, vs[i], depth+1)
			}
			return
		}
		if s, ok := x.RawGetString("set").(*lua.LTable); ok {
			var ks []lua.LValue
			s.ForEach(func(k, _ lua.LValue) { ks = append(ks, k) })
			w.AppendSetLen(len(ks))
			for _, k := range ks {
				luaToResp(w, k, depth+1)
			}
			return
		}
		n := 0
		for x.RawGetInt(n+1) != lua.LNil {
			n++
		}
		w.AppendArrayLen(n)
		for i := 1; i <= n; i++ {
			luaToResp(w, x.RawGetInt(i), depth+1)
		}
	default:
		w.AppendNull()
	}
}

// rand48 is the PRNG behind math.random, Redis's redisLrand48: the
// same sequence from the same state (each interpreter starts where a
// fresh Redis starts; math.randomseed sets it).
type rand48 struct{ x uint64 }

func (r *rand48) seed(s int32) { r.x = uint64(uint32(s))<<16 | 0x330e }

func (r *rand48) next() int32 {
	r.x = (0x5deece66d*r.x + 0xb) & (1<<48 - 1)
	return int32(r.x >> 17)
}

func (e *luaEnv) mathRandom(L *lua.LState) int {
	f := float64(e.rng.next()%math.MaxInt32) / float64(math.MaxInt32)
	switch L.GetTop() {
	case 0:
		L.Push(lua.LNumber(f))
	case 1:
		u := L.CheckInt(1)
		if u < 1 {
			L.ArgError(1, "interval is empty")
		}
		L.Push(lua.LNumber(math.Floor(f*float64(u)) + 1))
	case 2:
		l, u := L.CheckInt(1), L.CheckInt(2)
		if l > u {
			L.ArgError(2, "interval is empty")
		}
		L.Push(lua.LNumber(math.Floor(f*float64(u-l+1)) + float64(l)))
	default:
		L.RaiseError("wrong number of arguments")
	}
	return 1
}

func (e *luaEnv) mathRandomSeed(L *lua.LState) int {
	e.rng.seed(int32(L.CheckInt(1)))
	return 0
}

// ---------------------------------------------------------------------
// Running Lua code inside a call.
// ---------------------------------------------------------------------

// luaStopper stops a running Lua call (SCRIPT KILL, FUNCTION KILL).
type luaStopper struct{ cancel context.CancelCauseFunc }

func (s *luaStopper) Stop(cause error) bool { s.cancel(cause); return true }

// runLua calls fn with KEYS and ARGV (as tables, or as the two arguments
// of a library function) under r, and appends its reply to w. name is the
// script's SHA1 or the function's name, for error texts.
func runLua(e *luaEnv, r *scriptRun, fn *lua.LFunction, keys, args [][]byte, asArgs bool, w *resp.Writer) error {
	L := e.L
	kt := L.CreateTable(len(keys), 0)
	for i, k := range keys {
		kt.RawSetInt(i+1, lua.LString(k))
	}
	at := L.CreateTable(len(args), 0)
	for i, a := range args {
		at.RawSetInt(i+1, lua.LString(a))
	}
	e.r, e.proto, e.errLine = r, 2, 0
	defer func() { e.r = nil }()
	// One cancellable context per interpreter, replaced only after a
	// kill: a call costs no context and the interpreter keeps it set.
	if e.ctx == nil || e.ctx.Err() != nil {
		e.ctx, e.stop.cancel = context.WithCancelCause(context.Background())
		L.SetContext(e.ctx)
	}
	ctx := e.ctx
	r.setStopper(&e.stop, false)
	var err error
	if asArgs {
		err = L.CallByParam(lua.P{Fn: fn, NRet: 1, Protect: true}, kt, at)
	} else {
		e.globals.RawSetString("KEYS", kt)
		e.globals.RawSetString("ARGV", at)
		err = L.CallByParam(lua.P{Fn: fn, NRet: 1, Protect: true})
	}
	if e.hostPanicked {
		p := e.hostPanic
		e.hostPanic, e.hostPanicked = nil, false
		L.SetTop(0)
		panic(p)
	}
	if err != nil {
		L.SetTop(0)
		if cause := context.Cause(ctx); cause != nil && ctx.Err() != nil {
			return cause
		}
		return e.scriptError(err, r.name)
	}
	ret := L.Get(-1)
	L.Pop(1)
	luaToResp(w, ret, 0)
	return nil
}

// scriptError is the reply for a script that raised an error, as Redis
// 7.0 words it: the message, then " script: <name>, on @<chunk>:<line>.".
func (e *luaEnv) scriptError(err error, name string) error {
	var ae *lua.ApiError
	msg, line := err.Error(), 0
	if errors.As(err, &ae) {
		line = whereLine(ae.StackTrace)
		switch o := ae.Object.(type) {
		case *lua.LTable:
			if s, ok := o.RawGetString("err").(lua.LString); ok {
				msg = string(s)
				if e.errLine > 0 {
					line = e.errLine
				}
			} else {
				msg = "ERR " + o.String()
			}
		default:
			msg = ae.Object.String()
			if l := whereLine(msg); l > 0 {
				line = l
			}
			if !hasCode(msg) {
				msg = "ERR " + msg
			}
		}
	}
	return errFunc(msg + " script: " + name + ", on @" + e.chunk + ":" + strconv.Itoa(line) + ".")
}

// ---------------------------------------------------------------------
// EVAL scripts.
// ---------------------------------------------------------------------

func (ls *luaState) vm() *luaVM {
	if v, ok := ls.vms.Get().(*luaVM); ok {
		ls.mu.RLock()
		gen := ls.gen
		ls.mu.RUnlock()
		if v.gen != gen {
			clear(v.funcs)
			v.gen = gen
		}
		return v
	}
	L, e := newLuaState("user_script")
	protectGlobals(L, e.globals, nil)
	ls.mu.RLock()
	gen := ls.gen
	ls.mu.RUnlock()
	return &luaVM{L: L, env: e, funcs: map[string]*lua.LFunction{}, gen: gen}
}

func scriptSHA(body []byte) string {
	sum := sha1.Sum(body)
	return hex.EncodeToString(sum[:])
}

// compileScript compiles an EVAL script (or finds it in the cache) and
// returns it.
func (f *functions) compileScript(body []byte) (*luaScript, error) {
	ls := &f.lua
	sha := scriptSHA(body)
	ls.mu.RLock()
	sc := ls.scripts[sha]
	ls.mu.RUnlock()
	if sc != nil {
		return sc, nil
	}
	flags, code, err := scriptShebang(body)
	if err != nil {
		return nil, err
	}
	chunk, err := parse.Parse(bytes.NewReader(code), "user_script")
	if err != nil {
		return nil, errFunc("ERR Error compiling script (new function): " + luaCompileError(err, code, "user_script"))
	}
	proto, err := lua.Compile(chunk, "user_script")
	if err != nil {
		return nil, errFunc("ERR Error compiling script (new function): " + luaCompileError(err, code, "user_script"))
	}
	sc = &luaScript{sha: sha, body: append([]byte(nil), body...), proto: proto}
	// Run as the body of a plain function, which costs less per call
	// than a chunk (a vararg function: gopher-lua builds its arg table
	// on every call). The prefix keeps line numbers; a body that uses
	// the chunk's "..." keeps the chunk form.
	wrapped := append([]byte("return function() "), code...)
	wrapped = append(wrapped, "\nend"...)
	if wc, err := parse.Parse(bytes.NewReader(wrapped), "user_script"); err == nil {
		if wp, err := lua.Compile(wc, "user_script"); err == nil {
			sc.wrapped = wp
		}
	}
	sc.fn = &function{name: sha, flags: flags}
	sc.fn.run = func(r *scriptRun, tx *potato.Tx, keys, args [][]byte, w *resp.Writer) error {
		return f.runScript(sc, r, keys, args, w)
	}
	ls.mu.Lock()
	if ls.scripts == nil {
		ls.scripts = map[string]*luaScript{}
	}
	if old := ls.scripts[sha]; old != nil {
		sc = old
	} else {
		ls.scripts[sha] = sc
	}
	ls.mu.Unlock()
	return sc, nil
}

// scriptShebang reads an EVAL script's optional "#!lua flags=..." line.
// Without one, the script runs in Redis's compatibility mode (may write,
// even from EVAL_RO's refusal point of view only its commands count).
func scriptShebang(body []byte) (scriptFlags, []byte, error) {
	if !bytes.HasPrefix(body, []byte("#!")) {
		return sfEvalCompat, body, nil
	}
	nl := bytes.IndexByte(body, '\n')
	if nl < 0 {
		nl = len(body)
	}
	parts, ok := splitArgs(string(body[:nl]))
	if !ok || len(parts) == 0 {
		return 0, nil, errFunc("ERR Invalid script shebang")
	}
	if parts[0] != "#!lua" {
		return 0, nil, errFunc("ERR Unexpected engine in script shebang: " + parts[0][2:])
	}
	var flags scriptFlags
	for _, p := range parts[1:] {
		if !strings.HasPrefix(p, "flags=") {
			return 0, nil, errFunc("ERR Unknown lua shebang option: " + p)
		}
		for _, fl := range strings.Split(p[len("flags="):], ",") {
			if fl == "" {
				continue
			}
			found := false
			for _, n := range scriptFlagNames {
				if n.name == fl {
					flags |= n.f
					found = true
				}
			}
			if !found {
				return 0, nil, errFunc("ERR Unexpected flag in script shebang: " + fl)
			}
		}
	}
	// The shebang line stays as an empty line, so line numbers match.
	return flags, append([]byte("\n"), body[min(nl+1, len(body)):]...), nil
}

func luaCompileError(err error, code []byte, chunk string) string {
	msg := err.Error()
	if strings.Contains(msg, " at EOF:") {
		return chunk + ":" + strconv.Itoa(bytes.Count(code, []byte("\n"))+1) + ": unexpected symbol near '<eof>'"
	}
	// gopher-lua: "user_script line:1(column:9) near 'x':   syntax error"
	if m := compileErrRE.FindStringSubmatch(msg); m != nil {
		near := m[2]
		if near == "" || near == "EOF" {
			near = "<eof>"
		}
		return chunk + ":" + m[1] + ": unexpected symbol near '" + near + "'"
	}
	return firstLineOf(msg)
}

var compileErrRE = regexp.MustCompile(`line:(\d+)\(column:\d+\) near '([^']*)'`)

func firstLineOf(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func (f *functions) runScript(sc *luaScript, r *scriptRun, keys, args [][]byte, w *resp.Writer) error {
	v := f.lua.vm()
	defer f.lua.vms.Put(v)
	fn := v.funcs[sc.sha]
	if fn == nil {
		fn = v.L.NewFunctionFromProto(sc.proto)
		if sc.wrapped != nil {
			L := v.L
			if err := L.CallByParam(lua.P{Fn: L.NewFunctionFromProto(sc.wrapped), NRet: 1, Protect: true}); err == nil {
				if f, ok := L.Get(-1).(*lua.LFunction); ok {
					fn = f
				}
				L.Pop(1)
			}
		}
		v.funcs[sc.sha] = fn
	}
	return runLua(v.env, r, fn, keys, args, false, w)
}

// ---------------------------------------------------------------------
// Function libraries ("#!lua name=...").
// ---------------------------------------------------------------------

// luaRegistry collects redis.register_function calls during a load.
type luaRegistry struct {
	funcs []*luaFunc
	err   string
}

type luaFunc struct {
	name  string
	desc  string
	hasD  bool
	flags scriptFlags
	fn    *lua.LFunction
}

// luaLibVM is one interpreter holding a loaded library.
type luaLibVM struct {
	env   *luaEnv
	funcs map[string]*lua.LFunction
}

// compileLua loads a "#!lua name=..." library: code runs once here to
// register its functions, and again in each pooled interpreter.
func (f *functions) compileLua(name string, payload, code []byte) (*library, error) {
	chunk, err := parse.Parse(bytes.NewReader(code), "user_function")
	if err != nil {
		return nil, errFunc("ERR Error compiling function: " + luaCompileError(err, code, "user_function"))
	}
	proto, err := lua.Compile(chunk, "user_function")
	if err != nil {
		return nil, errFunc("ERR Error compiling function: " + err.Error())
	}
	first, reg, err := loadLuaLibrary(proto)
	if err != nil {
		return nil, err
	}
	if len(reg.funcs) == 0 {
		first.env.L.Close()
		return nil, funcErrorf("No functions registered")
	}
	pool := &sync.Pool{}
	pool.Put(first)
	newVM := func() (*luaLibVM, error) {
		if v, ok := pool.Get().(*luaLibVM); ok {
			return v, nil
		}
		v, _, err := loadLuaLibrary(proto)
		return v, err
	}
	lib := newLibrary(name, "LUA", payload, nil)
	for _, lf := range reg.funcs {
		lf := lf
		fn := &function{name: lf.name, desc: lf.desc, hasD: lf.hasD, flags: lf.flags, lib: lib}
		fn.run = func(r *scriptRun, tx *potato.Tx, keys, args [][]byte, w *resp.Writer) error {
			v, err := newVM()
			if err != nil {
				return err
			}
			defer pool.Put(v)
			return runLua(v.env, r, v.funcs[lf.name], keys, args, true, w)
		}
		lib.funcs = append(lib.funcs, fn)
	}
	sortFunctions(lib.funcs)
	return lib, nil
}

// loadLuaLibrary runs a library's code in a new interpreter with the
// load-time environment (only redis.register_function and redis.log),
// then gives its functions the full one.
func loadLuaLibrary(proto *lua.FunctionProto) (*luaLibVM, *luaRegistry, error) {
	L, e := newLuaState("user_function")
	full := e.globals
	// The library's functions see env: during the load it falls back to
	// a table with the load-time API only, afterwards to the globals.
	loadAPI := L.NewTable()
	redisAll := full.RawGetString("redis").(*lua.LTable)
	rl := L.NewTable()
	for _, n := range []string{"register_function", "log", "LOG_DEBUG", "LOG_VERBOSE", "LOG_NOTICE", "LOG_WARNING", "setresp", "REDIS_VERSION", "REDIS_VERSION_NUM"} {
		rl.RawSetString(n, redisAll.RawGetString(n))
	}
	protectGlobals(L, rl, nil)
	loadAPI.RawSetString("redis", rl)
	env := L.NewTable()
	protectGlobals(L, env, loadAPI)
	reg := &luaRegistry{}
	e.reg = reg
	fn := L.NewFunctionFromProto(proto)
	fn.Env = env
	ctx, cancel := context.WithTimeout(context.Background(), luaLoadTimeout)
	L.SetContext(ctx)
	err := L.CallByParam(lua.P{Fn: fn, NRet: 0, Protect: true})
	L.RemoveContext()
	timedOut := ctx.Err() != nil
	cancel()
	e.reg = nil
	if err == nil && reg.err != "" {
		err = errors.New(reg.err)
	}
	if err != nil {
		L.Close()
		if timedOut {
			return nil, nil, funcErrorf("FUNCTION LOAD timeout")
		}
		msg := err.Error()
		var ae *lua.ApiError
		if reg.err != "" {
			msg = reg.err
		} else if errors.As(err, &ae) {
			msg = ae.Object.String()
			if t, ok := ae.Object.(*lua.LTable); ok {
				msg = t.RawGetString("err").String()
			}
		}
		if !hasCode(msg) {
			msg = "ERR " + msg
		}
		return nil, nil, errFunc("ERR Error registering functions: " + msg)
	}
	// From now on the functions see the full globals (read-only).
	protectGlobals(L, env, full)
	v := &luaLibVM{env: e, funcs: map[string]*lua.LFunction{}}
	for _, f := range reg.funcs {
		v.funcs[f.name] = f.fn
	}
	return v, reg, nil
}

const luaLoadTimeout = 500 * 1e6 // 500 ms, as Redis's LOAD_TIMEOUT_MS

// registerFunction is redis.register_function(name, callback) or
// redis.register_function{function_name=, callback=, flags=, description=}.
func (e *luaEnv) registerFunction(L *lua.LState) int {
	reg := e.reg
	if reg == nil {
		L.RaiseError("redis.register_function can only be called on FUNCTION LOAD command")
	}
	fail := func(msg string) int {
		if reg.err == "" {
			reg.err = msg
		}
		L.RaiseError("%s", msg)
		return 0
	}
	lf := &luaFunc{}
	switch L.GetTop() {
	case 1:
		t, ok := L.Get(1).(*lua.LTable)
		if !ok {
			return fail("ERR calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).")
		}
		bad := ""
		t.ForEach(func(k, v lua.LValue) {
			ks, _ := k.(lua.LString)
			switch string(ks) {
			case "function_name":
				if s, ok := v.(lua.LString); ok {
					lf.name = string(s)
				} else {
					bad = "ERR function_name argument given to redis.register_function must be a string"
				}
			case "description":
				if s, ok := v.(lua.LString); ok {
					lf.desc, lf.hasD = string(s), true
				} else {
					bad = "ERR description argument given to redis.register_function must be a string"
				}
			case "callback":
				if f, ok := v.(*lua.LFunction); ok {
					lf.fn = f
				} else {
					bad = "ERR callback argument given to redis.register_function must be a function"
				}
			case "flags":
				ft, ok := v.(*lua.LTable)
				if !ok {
					bad = "ERR flags argument to redis.register_function must be a table representing function flags"
					return
				}
				ft.ForEach(func(_, fv lua.LValue) {
					found := false
					for _, n := range scriptFlagNames {
						if fv.String() == n.name {
							lf.flags |= n.f
							found = true
						}
					}
					if !found {
						bad = "ERR unknown flag given"
					}
				})
			default:
				bad = "ERR unknown argument given to redis.register_function"
			}
		})
		if bad != "" {
			return fail(bad)
		}
		if lf.name == "" {
			return fail("ERR redis.register_function must get a function name argument")
		}
		if lf.fn == nil {
			return fail("ERR redis.register_function must get a callback argument")
		}
	case 2:
		s, ok := L.Get(1).(lua.LString)
		if !ok {
			return fail("ERR first argument to redis.register_function must be a string")
		}
		f, ok := L.Get(2).(*lua.LFunction)
		if !ok {
			return fail("ERR second argument to redis.register_function must be a function")
		}
		lf.name, lf.fn = string(s), f
	default:
		return fail("ERR wrong number of arguments to redis.register_function")
	}
	if !validName(lf.name) {
		return fail("ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long")
	}
	for _, x := range reg.funcs {
		if x.name == lf.name {
			return fail("ERR Function already exists in the library")
		}
	}
	reg.funcs = append(reg.funcs, lf)
	return 0
}
