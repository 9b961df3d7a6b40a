package server

import (
	"bytes"
	"errors"

	"rustypotato"
	"rustypotato/internal/resp"
)

// HookResult is what a hook function decided about a write (see
// Server.CallHookFunction).
type HookResult struct {
	// Replace is set when the function returned a value to store instead
	// of the new one; Value holds it.
	Replace bool
	Value   []byte
	// Reject is the error reply text (code included, e.g. "ERR not an
	// e-mail address") when the function refused the write.
	Reject string
}

// ErrNoHookFunction is returned by CallHookFunction for a function name
// that is not loaded.
var ErrNoHookFunction = errors.New("server: hook function not found")

// CallHookFunction runs the library function fname (any engine) as a key
// hook, inside tx, which the caller is running for a write to key in
// database db: the function gets KEYS = [key] and ARGV = [op, old, new]
// (the keyspace-event name of the write, the value before, the value
// after; empty when absent). It runs read-only in tx: a write command in
// it fails, so a hook cannot recurse into the mutation it judges. Its
// reply decides:
//
//   - null, or a status reply: accept the new value as it is;
//   - a bulk string: store that instead (HookResult.Replace);
//   - an error reply: refuse the write with that error (HookResult.Reject).
//
// An error return means the hook could not run (no such function, a
// trap, a timeout, a reply of another type); callers should refuse the
// write then. It is safe for concurrent use.
func (s *Server) CallHookFunction(tx *potato.Tx, db int, fname string, key, op string, old, new []byte) (HookResult, error) {
	s.init()
	f := s.funcs
	f.ensureLoaded()
	fn := f.lookup([]byte(fname))
	if fn == nil {
		return HookResult{}, ErrNoHookFunction
	}
	if !fn.lib.acquire() {
		return HookResult{}, ErrNoHookFunction
	}
	defer fn.lib.release()
	handle, err := s.DB.Select(db)
	if err != nil {
		return HookResult{}, err
	}
	caller := &Conn{s: s, db: handle, w: resp.NewWriter(nil), authed: true}
	caller.user.Store("default")
	keys := [][]byte{[]byte(key)}
	args := [][]byte{[]byte(op), old, new}
	argv := append([][]byte{[]byte("hook"), []byte(fname), []byte("1")}, append(keys, args...)...)
	r := f.runs.newRun(caller, argv, fn.name)
	defer f.runs.free(r)
	r.write = false
	r.declaredOnly = fn.declaredOnly
	f.runCall(caller, tx, r, fn, keys, args)
	return hookResult(caller.w.Bytes())
}

func hookResult(b []byte) (HookResult, error) {
	if len(b) == 0 {
		return HookResult{}, errors.New("server: hook function gave no reply")
	}
	switch b[0] {
	case '_', '+':
		return HookResult{}, nil
	case '-':
		return HookResult{Reject: string(bytes.TrimSuffix(b[1:], []byte("\r\n")))}, nil
	case '$':
		if bytes.HasPrefix(b, []byte("$-1\r\n")) {
			return HookResult{}, nil
		}
		v, err := resp.NewReader(bytes.NewReader(b), resp.Limits{MaxBulkLen: int64(len(b))}).ReadValue()
		if err != nil {
			return HookResult{}, err
		}
		return HookResult{Replace: true, Value: v.Str}, nil
	}
	return HookResult{}, errors.New("server: hook function must reply null, a bulk string or an error")
}
