//go:build wasip1

package rp

import (
	"encoding/binary"
	"strconv"
	"unsafe"
)

//go:wasmimport rp library
func hostLibrary(name unsafe.Pointer, n uint32) int32

//go:wasmimport rp register
func hostRegister(id int32, name unsafe.Pointer, n uint32, flags uint32, desc unsafe.Pointer, dn uint32) int32

//go:wasmimport rp args
func hostArgs(buf unsafe.Pointer, capacity uint32) uint32

//go:wasmimport rp call
func hostCall(cmd unsafe.Pointer, n uint32, out unsafe.Pointer, capacity uint32) uint32

//go:wasmimport rp reply
func hostReply(buf unsafe.Pointer, capacity uint32) uint32

//go:wasmimport rp result
func hostResult(buf unsafe.Pointer, n uint32)

//go:wasmimport rp log
func hostLog(level int32, msg unsafe.Pointer, n uint32)

//go:wasmimport rp setresp
func hostSetResp(proto int32) int32

// Handler is a function's code: it gets the call's keys and arguments and
// returns the reply. An error fails the call and undoes its writes.
type Handler func(c *Call) (Reply, error)

// Option configures a registered function.
type Option func(*fnOpts)

type fnOpts struct {
	flags uint32
	desc  string
}

// NoWrites declares that the function does not write (it may then run
// with FCALL_RO; a write command fails).
func NoWrites() Option { return func(o *fnOpts) { o.flags |= 1 } }

// AllowOOM declares Redis's allow-oom flag.
func AllowOOM() Option { return func(o *fnOpts) { o.flags |= 2 } }

// AllowStale declares Redis's allow-stale flag.
func AllowStale() Option { return func(o *fnOpts) { o.flags |= 4 } }

// NoCluster declares Redis's no-cluster flag.
func NoCluster() Option { return func(o *fnOpts) { o.flags |= 8 } }

// Description sets the description FUNCTION LIST shows.
func Description(s string) Option { return func(o *fnOpts) { o.desc = s } }

var handlers []Handler

func ptr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}

// Library names the library (letters, digits and underscores). Call it
// from init.
func Library(name string) {
	b := []byte(name)
	hostLibrary(ptr(b), uint32(len(b)))
}

// Register registers a function. Call it from init; a name that Redis
// would refuse fails the load with Redis's error.
func Register(name string, h Handler, opts ...Option) {
	var o fnOpts
	for _, f := range opts {
		f(&o)
	}
	n, d := []byte(name), []byte(o.desc)
	hostRegister(int32(len(handlers)), ptr(n), uint32(len(n)), o.flags, ptr(d), uint32(len(d)))
	handlers = append(handlers, h)
}

// Call is one invocation of a function.
type Call struct {
	// Keys are the keys the caller gave (FCALL's numkeys). Only these
	// may be touched.
	Keys [][]byte
	// Args are the remaining arguments.
	Args [][]byte

	cmd []byte
	out []byte
}

var call Call

// Do runs a command through the server (in the call's transaction) and
// returns its reply. An error reply is returned as a *ReplyError.
// Arguments may be string, []byte, int, int64 or float64.
func (c *Call) Do(args ...any) (Value, error) {
	raw := c.DoRaw(args...)
	v, _, err := parse(raw)
	if err != nil {
		return v, err
	}
	if v.Type == '-' {
		return v, &ReplyError{Msg: string(v.Str)}
	}
	return v, nil
}

// DoRaw runs a command and returns its RESP reply; the bytes are valid
// until the next command.
func (c *Call) DoRaw(args ...any) []byte {
	cmd := binary.LittleEndian.AppendUint32(c.cmd[:0], uint32(len(args)))
	for _, a := range args {
		var b []byte
		switch x := a.(type) {
		case string:
			b = []byte(x)
		case []byte:
			b = x
		case int:
			b = strconv.AppendInt(nil, int64(x), 10)
		case int64:
			b = strconv.AppendInt(nil, x, 10)
		case float64:
			b = strconv.AppendFloat(nil, x, 'f', -1, 64)
		default:
			panic("rp: unsupported argument type")
		}
		cmd = binary.LittleEndian.AppendUint32(cmd, uint32(len(b)))
		cmd = append(cmd, b...)
	}
	c.cmd = cmd
	if cap(c.out) == 0 {
		c.out = make([]byte, 4096)
	}
	n := hostCall(ptr(cmd), uint32(len(cmd)), ptr(c.out[:cap(c.out)]), uint32(cap(c.out)))
	if int(n) > cap(c.out) {
		c.out = make([]byte, n)
		hostReply(ptr(c.out), n)
	}
	return c.out[:n]
}

// SetResp chooses the protocol of command replies: 2 (the default) or 3.
func SetResp(proto int) bool { return hostSetResp(int32(proto)) == 0 }

// Log levels, as Redis's redis.log.
const (
	LogDebug   = 0
	LogVerbose = 1
	LogNotice  = 2
	LogWarning = 3
)

// Log writes a line to the server's log.
func Log(level int, msg string) {
	b := []byte(msg)
	hostLog(int32(level), ptr(b), uint32(len(b)))
}

var argBuf []byte

//go:wasmexport rp_run
func rpRun(id, nkeys, nargs int32) int32 {
	n := hostArgs(ptr(argBuf), uint32(len(argBuf)))
	if int(n) > len(argBuf) {
		argBuf = make([]byte, n)
		hostArgs(ptr(argBuf), n)
	}
	items := make([][]byte, 0, nkeys+nargs)
	b := argBuf[:n]
	for len(b) >= 4 {
		l := binary.LittleEndian.Uint32(b)
		items = append(items, b[4:4+l:4+l])
		b = b[4+l:]
	}
	call.Keys, call.Args = items[:nkeys], items[nkeys:]
	if id < 0 || int(id) >= len(handlers) {
		result(Error("ERR unknown function id"))
		return 1
	}
	r, err := handlers[id](&call)
	if err != nil {
		msg := err.Error()
		if re, ok := err.(*ReplyError); ok {
			msg = re.Msg
		} else if !hasCode(msg) {
			msg = "ERR " + msg
		}
		result(Error(msg))
		return 1
	}
	if r == nil {
		r = Null()
	}
	result(r)
	return 0
}

func result(r Reply) { hostResult(ptr(r), uint32(len(r))) }

// hasCode reports whether msg starts with an upper-case error code.
func hasCode(msg string) bool {
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		if c == ' ' {
			return i > 0
		}
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return false
}
