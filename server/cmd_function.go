package server

import (
	"encoding/binary"
	"fmt"
	"hash/crc64"
	"math"
	"os"
	"strconv"
	"sync/atomic"

	"rustypotato"
	"rustypotato/internal/keyspace"
)

// FUNCTION, FCALL, FCALL_RO and PLUGIN: Redis 7's functions surface over
// the engines of functions.go.

func registerFunctions(t *table) {
	scr := func(c *Command) *Command {
		c.Group = "scripting"
		return t.add(c)
	}
	scr(&Command{Name: "fcall", Arity: -3, Flags: flagNoScript | flagStale | flagSkipMonitor | flagNoMandatoryKeys | flagMovableKeys,
		Categories: cats("slow scripting"), Since: "7.0.0", Summary: "Invoke a function",
		Complexity: "Depends on the function that is executed.", Syntax: "function numkeys [key [key ...]] [arg [arg ...]]",
		conn: cmdFCall(false), keys: scriptKeys})
	scr(&Command{Name: "fcall_ro", Arity: -3, Flags: flagReadonly | flagNoScript | flagStale | flagSkipMonitor | flagNoMandatoryKeys | flagMovableKeys,
		Categories: cats("slow scripting"), Since: "7.0.0", Summary: "Invoke a read-only function",
		Complexity: "Depends on the function that is executed.", Syntax: "function numkeys [key [key ...]] [arg [arg ...]]",
		conn: cmdFCall(true), keys: scriptKeys})

	fn := scr(&Command{Name: "function", Arity: -2, Categories: cats("slow"), Since: "7.0.0",
		Summary: "A container for function commands", Complexity: "Depends on subcommand."})
	sub := func(name string, arity int, flags flag, categories, summary, complexity, syntax string, run connFunc) {
		t.addSub(fn, &Command{Name: name, Arity: arity, Flags: flags, Categories: cats(categories), Since: "7.0.0",
			Summary: summary, Complexity: complexity, Syntax: syntax, conn: run})
	}
	sub("load", -3, flagWrite|flagDenyOOM|flagNoScript, "write slow scripting", "Create a function with the given arguments (name, code, description)",
		"O(1) (considering compilation time is redundant)", "[REPLACE] function-code", cmdFunctionLoad)
	sub("delete", 3, flagWrite|flagNoScript, "write slow scripting", "Delete a function by name",
		"O(1)", "library-name", cmdFunctionDelete)
	sub("flush", -2, flagWrite|flagNoScript, "write slow scripting", "Deleting all functions",
		"O(N) where N is the number of functions deleted", "[ASYNC | SYNC]", cmdFunctionFlush)
	sub("list", -2, flagNoScript, "slow scripting", "List information about all the functions",
		"O(N) where N is the number of functions", "[LIBRARYNAME library-name-pattern] [WITHCODE]", cmdFunctionList)
	sub("stats", 2, flagNoScript|flagAllowBusy, "slow scripting", "Return information about the function currently running (name, description, duration)",
		"O(1)", "", cmdFunctionStats)
	sub("kill", 2, flagNoScript|flagAllowBusy, "slow scripting", "Kill the function currently in execution.",
		"O(1)", "", func(c *Conn, _ [][]byte, _ *potato.Tx) { c.replyKill(false) })
	sub("dump", 2, flagNoScript, "slow scripting", "Dump all functions into a serialized binary payload",
		"O(N) where N is the number of functions", "", cmdFunctionDump)
	sub("restore", -3, flagWrite|flagDenyOOM|flagNoScript, "write slow scripting", "Restore all the functions on the given payload",
		"O(N) where N is the number of functions on the payload", "serialized-value [FLUSH | APPEND | REPLACE]", cmdFunctionRestore)
	sub("help", 2, flagLoading|flagStale, "slow scripting", "Show helpful text about the different subcommands", "O(1)", "",
		helpReply("FUNCTION", []string{
			"LOAD [REPLACE] <FUNCTION CODE>",
			"    Create a new library with the given library name and code.",
			"DELETE <LIBRARY NAME>",
			"    Delete the given library.",
			"LIST [LIBRARYNAME PATTERN] [WITHCODE]",
			"    Return general information on all the libraries:",
			"    * Library name",
			"    * The engine used to run the Library",
			"    * Library description",
			"    * Functions list",
			"    * Library code (if WITHCODE is given)",
			"    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
			"STATS",
			"    Return information about the current function running:",
			"    * Function name",
			"    * Command used to run the function",
			"    * Duration in MS that the function is running",
			"    If no function is running, return nil",
			"    In addition, returns a list of available engines.",
			"KILL",
			"    Kill the current running function.",
			"FLUSH [ASYNC|SYNC]",
			"    Delete all the libraries.",
			"    When called without the optional mode argument, the behavior is determined by the",
			"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
			"    * ASYNC: Asynchronously flush the libraries.",
			"    * SYNC: Synchronously flush the libraries.",
			"DUMP",
			"    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
			"RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
			"    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
			"    control how to handle existing libraries (default APPEND):",
			"    * FLUSH: delete all existing libraries.",
			"    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
			"    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
			"      libraries with the new libraries (notice that even on this option there is a chance of failure",
			"      in case of functions name collision with another library).",
		}))

	pl := t.add(&Command{Name: "plugin", Arity: -2, Categories: cats("slow"), Group: "scripting", Since: "7.0.0",
		Summary: "A container for WebAssembly plugin commands (RustyPotato extension)", Complexity: "Depends on subcommand."})
	t.addSub(pl, &Command{Name: "load", Arity: -4, Flags: flagWrite | flagDenyOOM | flagNoScript | flagAdmin,
		Categories: cats("write slow scripting admin dangerous"), Since: "7.0.0",
		Summary: "Load a WebAssembly library from a file under plugin-dir", Complexity: "O(1) (considering compilation time is redundant)",
		Syntax: "library-name path [REPLACE]", conn: cmdPluginLoad})
	t.addSub(pl, &Command{Name: "help", Arity: 2, Flags: flagLoading | flagStale, Categories: cats("slow scripting"), Since: "7.0.0",
		Summary: "Show helpful text about the different subcommands", Complexity: "O(1)",
		conn: helpReply("PLUGIN", []string{
			"LOAD <LIBRARY NAME> <PATH> [REPLACE]",
			"    Load the WebAssembly library in the file at PATH, relative to plugin-dir (no other",
			"    path is accepted), as FUNCTION LOAD would load its contents. The module must",
			"    register LIBRARY NAME.",
		})})
}

// scriptKeys is the key function of FCALL and EVAL: numkeys at 2, then
// the keys (none when numkeys is not a valid count).
func scriptKeys(args [][]byte) [][]byte {
	if len(args) < 3 {
		return nil
	}
	n, err := parseInt(args[2])
	if err != nil || n <= 0 || n > int64(len(args)-3) {
		return nil
	}
	return args[3 : 3+n]
}

// parseNumKeys applies Redis's checks of a script's numkeys argument.
func parseNumKeys(a [][]byte) (int, string) {
	n, ok := parseLongLong(a[2])
	switch {
	case !ok:
		return 0, "ERR Bad number of keys provided"
	case n > int64(len(a)-3):
		return 0, "ERR Number of keys can't be greater than number of args"
	case n < 0:
		return 0, "ERR Number of keys can't be negative"
	}
	return int(n), ""
}

// parseLongLong is Redis's getLongLongFromObject (no spaces, no '+').
func parseLongLong(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || b[0] == '+' || (len(b) > 1 && b[0] == '0') || (len(b) > 2 && b[0] == '-' && b[1] == '0') {
		return 0, false
	}
	return v, true
}

func cmdFCall(ro bool) connFunc {
	return func(c *Conn, a [][]byte, tx *potato.Tx) {
		f := c.s.funcs
		f.ensureLoaded()
		fn := f.lookup(a[1])
		if fn == nil {
			c.replyErr("ERR Function not found")
			return
		}
		n, msg := parseNumKeys(a)
		if msg != "" {
			c.replyErr(msg)
			return
		}
		if fn.flags&sfNoWrites == 0 && ro {
			c.replyErr("ERR Can not execute a script with write flag using *_ro command.")
			return
		}
		if !fn.lib.acquire() {
			c.replyErr("ERR Function not found") // deleted just now
			return
		}
		defer fn.lib.release()
		keys, args := a[3:3+n], a[3+n:]
		r := f.runs.newRun(c, a, fn.name)
		defer f.runs.free(r)
		r.write = !ro && fn.flags&sfNoWrites == 0
		r.declaredOnly = fn.declaredOnly
		f.runCall(c, tx, r, fn, keys, args)
	}
}

func cmdFunctionLoad(c *Conn, a [][]byte, _ *potato.Tx) {
	replace := false
	i := 2
	for ; i < len(a)-1; i++ {
		if !eqFold(a[i], "replace") {
			c.replyErr("ERR Unknown option given: " + cText(a[i], len(a[i])))
			return
		}
		replace = true
	}
	name, err := c.s.funcs.load(a[i], replace)
	if err != nil {
		c.replyError(err)
		return
	}
	c.w.AppendBulkString(name)
}

func cmdPluginLoad(c *Conn, a [][]byte, _ *potato.Tx) {
	replace := false
	if len(a) == 5 {
		if !eqFold(a[4], "replace") {
			c.replyErr(errSyntax)
			return
		}
		replace = true
	} else if len(a) > 5 {
		c.replyErr(errSyntax)
		return
	}
	f := c.s.funcs
	path, err := f.pluginPath(string(a[3]))
	if err != nil {
		c.replyError(err)
		return
	}
	code, err := os.ReadFile(path)
	if err != nil {
		c.replyErr("ERR reading plugin file: " + err.Error())
		return
	}
	if !potato.IsPlugin(code) {
		c.replyErr("ERR plugin file is not a WebAssembly module")
		return
	}
	l, err := f.compile(code)
	if err != nil {
		c.replyError(err)
		return
	}
	if l.name != string(a[2]) {
		l.release()
		c.replyErr(fmt.Sprintf("ERR the plugin registers library '%s', not '%s'", l.name, cText(a[2], 128)))
		return
	}
	f.ensureLoaded()
	f.mu.Lock()
	err = f.install([]*library{l}, replace, false, false)
	f.mu.Unlock()
	if err != nil {
		c.replyError(err)
		return
	}
	c.w.AppendBulkString(l.name)
}

func cmdFunctionDelete(c *Conn, a [][]byte, _ *potato.Tx) {
	f := c.s.funcs
	f.ensureLoaded()
	f.mu.Lock()
	err := f.remove(string(a[2]))
	f.mu.Unlock()
	if err != nil {
		c.replyError(err)
		return
	}
	c.w.AppendOK()
}

func cmdFunctionFlush(c *Conn, a [][]byte, _ *potato.Tx) {
	switch {
	case len(a) > 3:
		c.replyErr(subcommandSyntax(a))
		return
	case len(a) == 3 && !eqFold(a[2], "sync") && !eqFold(a[2], "async"):
		c.replyErr("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
		return
	}
	f := c.s.funcs
	f.ensureLoaded()
	f.mu.Lock()
	err := f.flush()
	f.mu.Unlock()
	if err != nil {
		c.replyError(err)
		return
	}
	c.w.AppendOK()
}

// subcommandSyntax is Redis's addReplySubcommandSyntaxError.
func subcommandSyntax(a [][]byte) string {
	return fmt.Sprintf("ERR unknown subcommand or wrong number of arguments for '%s'. Try %s HELP.",
		cText(a[1], 128), upperASCII(string(a[0])))
}

func upperASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func cmdFunctionList(c *Conn, a [][]byte, _ *potato.Tx) {
	withCode := false
	pattern, hasPattern := "", false
	for i := 2; i < len(a); i++ {
		switch {
		case !withCode && eqFold(a[i], "withcode"):
			withCode = true
			continue
		case !hasPattern && eqFold(a[i], "libraryname"):
			if i >= len(a)-1 {
				c.replyErr("ERR library name argument was not given")
				return
			}
			i++
			pattern, hasPattern = string(a[i]), true
			continue
		}
		c.replyErr("ERR Unknown argument " + cText(a[i], len(a[i])))
		return
	}
	f := c.s.funcs
	f.ensureLoaded()
	var libs []*library
	for _, l := range f.cur.Load().sortedLibs() {
		if !hasPattern || keyspace.Match(pattern, l.name, true) {
			libs = append(libs, l)
		}
	}
	w := c.w
	w.AppendArrayLen(len(libs))
	for _, l := range libs {
		if withCode {
			w.AppendMapLen(4)
		} else {
			w.AppendMapLen(3)
		}
		w.AppendBulkString("library_name")
		w.AppendBulkString(l.name)
		w.AppendBulkString("engine")
		w.AppendBulkString(l.engine)
		w.AppendBulkString("functions")
		w.AppendArrayLen(len(l.funcs))
		for _, fn := range l.funcs {
			w.AppendMapLen(3)
			w.AppendBulkString("name")
			w.AppendBulkString(fn.name)
			w.AppendBulkString("description")
			if fn.hasD {
				w.AppendBulkString(fn.desc)
			} else {
				w.AppendNull()
			}
			w.AppendBulkString("flags")
			n := 0
			for _, fl := range scriptFlagNames {
				if fn.flags&fl.f != 0 {
					n++
				}
			}
			w.AppendSetLen(n)
			for _, fl := range scriptFlagNames {
				if fn.flags&fl.f != 0 {
					w.AppendSimple(fl.name)
				}
			}
		}
		if withCode {
			w.AppendBulkString("library_code")
			w.AppendBulk(l.code)
		}
	}
}

func cmdFunctionStats(c *Conn, _ [][]byte, _ *potato.Tx) {
	f := c.s.funcs
	if f.runs.anyBusy(true) {
		c.replyErr("BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.")
		return
	}
	f.ensureLoaded()
	w := c.w
	w.AppendMapLen(2)
	w.AppendBulkString("running_script")
	if name, argv, d, ok := f.runs.oldest(false); ok {
		w.AppendMapLen(3)
		w.AppendBulkString("name")
		w.AppendBulkString(name)
		w.AppendBulkString("command")
		w.AppendArrayLen(len(argv))
		for _, x := range argv {
			w.AppendBulk(x)
		}
		w.AppendBulkString("duration_ms")
		w.AppendInt(d.Milliseconds())
	} else {
		w.AppendNull()
	}
	reg := f.cur.Load()
	w.AppendBulkString("engines")
	w.AppendMapLen(len(engineNames))
	for _, e := range engineNames {
		libs, fns := 0, 0
		for _, l := range reg.libs {
			if l.engine == e {
				libs++
				fns += len(l.funcs)
			}
		}
		w.AppendBulkString(e)
		w.AppendMapLen(2)
		w.AppendBulkString("libraries_count")
		w.AppendInt(int64(libs))
		w.AppendBulkString("functions_count")
		w.AppendInt(int64(fns))
	}
}

// engineNames are the engines FUNCTION STATS lists.
var engineNames = []string{"LUA", "WASM"}

func (c *Conn) replyKill(eval bool) {
	if msg := c.s.funcs.runs.kill(eval); msg != "" {
		c.replyErr(msg)
		return
	}
	c.w.AppendOK()
}

// ---------------------------------------------------------------------
// FUNCTION DUMP / RESTORE: Redis's payload (RDB_OPCODE_FUNCTION2 records
// of each library's code, the RDB version, a CRC64), so Lua libraries
// move between Redis and RustyPotato.
// ---------------------------------------------------------------------

const (
	rdbOpcodeFunction2    = 245
	rdbOpcodeFunctionPreG = 246
	rdbVersion            = 10 // Redis 7.0
)

// crcTable is Redis's CRC64 (Jones polynomial, reflected); Go's crc64
// complements before and after, which crcRedis undoes.
var crcTable = crc64.MakeTable(0x95ac9329ac4bc9b5)

func crcRedis(b []byte) uint64 { return ^crc64.Update(^uint64(0), crcTable, b) }

func cmdFunctionDump(c *Conn, _ [][]byte, _ *potato.Tx) {
	f := c.s.funcs
	f.ensureLoaded()
	var out []byte
	for _, l := range f.cur.Load().sortedLibs() {
		out = append(out, rdbOpcodeFunction2)
		out = appendRDBLen(out, uint64(len(l.code)))
		out = append(out, l.code...)
	}
	out = binary.LittleEndian.AppendUint16(out, rdbVersion)
	out = binary.LittleEndian.AppendUint64(out, crcRedis(out))
	c.w.AppendBulk(out)
}

func appendRDBLen(b []byte, n uint64) []byte {
	switch {
	case n < 1<<6:
		return append(b, byte(n))
	case n < 1<<14:
		return append(b, byte(n>>8)|0x40, byte(n))
	case n <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, 0x80), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, 0x81), n)
}

func cmdFunctionRestore(c *Conn, a [][]byte, _ *potato.Tx) {
	if len(a) > 4 {
		c.replyErr(subcommandSyntax(a))
		return
	}
	replace, flush := false, false
	if len(a) == 4 {
		switch {
		case eqFold(a[3], "append"):
		case eqFold(a[3], "replace"):
			replace = true
		case eqFold(a[3], "flush"):
			flush = true
		default:
			c.replyErr("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.")
			return
		}
	}
	data := a[2]
	if len(data) < 10 || binary.LittleEndian.Uint16(data[len(data)-10:]) > rdbVersion ||
		binary.LittleEndian.Uint64(data[len(data)-8:]) != crcRedis(data[:len(data)-8]) {
		c.replyErr("ERR DUMP payload version or checksum are wrong")
		return
	}
	f := c.s.funcs
	f.ensureLoaded()
	var libs []*library
	fail := func(msg string) {
		for _, l := range libs {
			l.release()
		}
		c.replyErr(msg)
	}
	body := data[:len(data)-10]
	for len(body) > 0 {
		switch body[0] {
		case rdbOpcodeFunction2:
		case rdbOpcodeFunctionPreG:
			fail("ERR Pre-GA function format not supported")
			return
		default:
			fail("ERR given type is not a function")
			return
		}
		code, rest, ok := readRDBString(body[1:])
		if !ok {
			fail("ERR failed loading the given functions payload")
			return
		}
		body = rest
		l, err := f.compile(code)
		if err != nil {
			fail(errorText(err))
			return
		}
		libs = append(libs, l)
	}
	f.mu.Lock()
	err := f.install(libs, replace, flush, true)
	f.mu.Unlock()
	if err != nil {
		c.replyError(err)
		return
	}
	c.w.AppendOK()
}

// readRDBString reads an RDB string (plain, integer-encoded or LZF
// compressed) and returns it with the rest of b.
func readRDBString(b []byte) (s, rest []byte, ok bool) {
	if len(b) == 0 {
		return nil, nil, false
	}
	if b[0]>>6 == 3 {
		switch b[0] & 0x3f {
		case 0:
			if len(b) < 2 {
				return nil, nil, false
			}
			return strconv.AppendInt(nil, int64(int8(b[1])), 10), b[2:], true
		case 1:
			if len(b) < 3 {
				return nil, nil, false
			}
			return strconv.AppendInt(nil, int64(int16(binary.LittleEndian.Uint16(b[1:]))), 10), b[3:], true
		case 2:
			if len(b) < 5 {
				return nil, nil, false
			}
			return strconv.AppendInt(nil, int64(int32(binary.LittleEndian.Uint32(b[1:]))), 10), b[5:], true
		case 3:
			clen, r, ok := readRDBLen(b[1:])
			if !ok {
				return nil, nil, false
			}
			ulen, r, ok := readRDBLen(r)
			if !ok || clen > uint64(len(r)) || ulen > 512<<20 {
				return nil, nil, false
			}
			out, ok := lzfDecompress(r[:clen], int(ulen))
			return out, r[clen:], ok
		}
		return nil, nil, false
	}
	n, r, ok := readRDBLen(b)
	if !ok || n > uint64(len(r)) {
		return nil, nil, false
	}
	return r[:n], r[n:], true
}

func readRDBLen(b []byte) (uint64, []byte, bool) {
	if len(b) == 0 {
		return 0, nil, false
	}
	switch b[0] >> 6 {
	case 0:
		return uint64(b[0] & 0x3f), b[1:], true
	case 1:
		if len(b) < 2 {
			return 0, nil, false
		}
		return uint64(b[0]&0x3f)<<8 | uint64(b[1]), b[2:], true
	}
	switch b[0] {
	case 0x80:
		if len(b) < 5 {
			return 0, nil, false
		}
		return uint64(binary.BigEndian.Uint32(b[1:])), b[5:], true
	case 0x81:
		if len(b) < 9 {
			return 0, nil, false
		}
		return binary.BigEndian.Uint64(b[1:]), b[9:], true
	}
	return 0, nil, false
}

// lzfDecompress decodes LZF (as Redis's lzf_d.c defines the format) into
// exactly n bytes.
func lzfDecompress(in []byte, n int) ([]byte, bool) {
	out := make([]byte, 0, n)
	for i := 0; i < len(in); {
		ctrl := int(in[i])
		i++
		if ctrl < 32 { // literal run of ctrl+1 bytes
			l := ctrl + 1
			if i+l > len(in) || len(out)+l > n {
				return nil, false
			}
			out = append(out, in[i:i+l]...)
			i += l
			continue
		}
		l := ctrl >> 5
		if l == 7 {
			if i >= len(in) {
				return nil, false
			}
			l += int(in[i])
			i++
		}
		if i >= len(in) {
			return nil, false
		}
		ref := len(out) - ((ctrl&0x1f)<<8 | int(in[i])) - 1
		i++
		l += 2
		if ref < 0 || len(out)+l > n {
			return nil, false
		}
		for k := 0; k < l; k++ { // may overlap: byte by byte
			out = append(out, out[ref+k])
		}
	}
	return out, len(out) == n
}

// addFunctionConfig registers the parameters of functions and scripts.
func addFunctionConfig(cfg *config) {
	intp := func(name, typ, def string, lo, hi int64, doc string, v func(s *Server) *atomic.Int64) {
		cfg.add(&param{name: name, typ: typ, def: def, doc: doc,
			get: func(s *Server) string { return strconv.FormatInt(v(s).Load(), 10) },
			set: func(s *Server, val string) error {
				var n int64
				var err error
				if typ == "memory" {
					n, err = parseMemory(val)
				} else if n, err = strconv.ParseInt(val, 10, 64); err != nil {
					err = fmt.Errorf("argument couldn't be parsed into an integer")
				}
				if err != nil {
					return err
				}
				if n < lo || n > hi {
					return fmt.Errorf("argument must be between %d and %d inclusive", lo, hi)
				}
				v(s).Store(n)
				return nil
			}})
	}
	intp("function-max-memory", "memory", "67108864", 64<<10, 4<<30,
		"Most linear memory one WebAssembly function instance may use (applies to libraries loaded afterwards); a guest that grows past it sees memory.grow fail.",
		func(s *Server) *atomic.Int64 { return &s.funcs.maxMemory })
	intp("function-timeout-ms", "integer", "5000", 0, math.MaxInt32,
		"A WebAssembly function running longer is stopped and its writes undone (0: no limit). Lua scripts, as in Redis, run until done or killed.",
		func(s *Server) *atomic.Int64 { return &s.funcs.timeoutMs })
	busy := func(s *Server) *atomic.Int64 { return &s.funcs.busyMs }
	intp("busy-reply-threshold", "integer", "5000", 0, math.MaxInt64,
		"After this many milliseconds a running script or function is busy: commands on its keys get -BUSY, and SCRIPT KILL / FUNCTION KILL stop it.", busy)
	intp("lua-time-limit", "integer", "5000", 0, math.MaxInt64, "Alias of busy-reply-threshold.", busy)
	cfg.add(&param{name: "plugin-dir", typ: "string", def: "", immutable: true,
		doc: "Directory PLUGIN LOAD reads WebAssembly files from (no other path is accepted); empty: PLUGIN LOAD is disabled.",
		get: func(s *Server) string { return s.funcs.pluginDir.Load().(string) },
		set: func(s *Server, v string) error { s.funcs.pluginDir.Store(v); return nil }})
}
