package server

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"rustypotato"
	"rustypotato/internal/resp"
)

// This file runs one function or script call (FCALL, EVAL) for any
// engine: the call's transaction, the commands the guest issues (through
// the command table and the same transaction, so every write takes the
// one mutation path and is undone if the call fails), and the registry
// of running calls behind FUNCTION STATS, FUNCTION KILL / SCRIPT KILL,
// BUSY replies and the time limits.

// scriptRun is one running call. Runs are pooled; gen tells calls on
// the same run apart.
type scriptRun struct {
	f      *functions
	caller *Conn
	argv   [][]byte // the caller's command (FUNCTION STATS); valid while it runs
	name   string   // function name, or the script's SHA1
	eval   bool     // EVAL/EVALSHA (SCRIPT KILL) rather than FCALL (FUNCTION KILL)
	wasm   bool     // the engine enforces function-timeout-ms
	start  time.Time

	write        bool     // writes allowed (not FCALL_RO, EVAL_RO or no-writes)
	declaredOnly bool     // only the declared keys may be touched
	keys         [][]byte // the declared keys
	dirty        bool     // a write command ran

	tx      *potato.Tx
	conn    *Conn    // the script client: runs the guest's commands
	pending *Command // the command check accepted, for exec

	// stopper stops the engine's execution (set by the engine).
	stopper interface{ Stop(cause error) bool }
	pstop   potato.PluginStop

	slot int // index in scripts.slots, -1 in the overflow map

	// mu guards state, gen and touched against the watchdog, KILL and
	// BUSY checks on other goroutines.
	mu      sync.Mutex
	state   int8 // runIdle, runRunning, runBusy
	gen     uint64
	touched []touchedKey // keys the call holds (BUSY replies)

	stepFn func(tx *potato.Tx) error // r.step, bound once
	fn     *function
	args   [][]byte
	mark   int
}

const (
	runIdle int8 = iota
	runRunning
	runBusy
)

type touchedKey struct {
	db  int
	key string
}

// runSlots is how many calls the registry holds without a lock; more
// concurrent calls go to a map under a mutex.
const runSlots = 1024

// scripts is the registry of running calls. Registering a call is one
// CAS into a slot: the hot path takes no shared lock.
type scripts struct {
	f        *functions
	slots    [runSlots]atomic.Pointer[scriptRun]
	next     atomic.Uint32
	mu       sync.Mutex // guards overflow
	overflow map[*scriptRun]struct{}
	watching sync.Once
	busy     atomic.Int32 // running calls past busy-reply-threshold
	pool     sync.Pool    // *scriptRun with its script client
}

func (s *scripts) init(f *functions) {
	s.f = f
	s.overflow = map[*scriptRun]struct{}{}
	s.pool.New = func() any {
		sc := &Conn{s: f.s, w: resp.NewWriter(io.Discard), authed: true}
		sc.cmdName.Store("NULL")
		sc.user.Store("")
		r := &scriptRun{f: f, conn: sc}
		r.stepFn = r.step
		return r
	}
}

// newRun returns a pooled run for caller's command argv.
func (s *scripts) newRun(caller *Conn, argv [][]byte, name string) *scriptRun {
	r := s.pool.Get().(*scriptRun)
	r.caller, r.argv, r.name = caller, argv, name
	sc := r.conn
	sc.db, sc.id, sc.ctx, sc.created = caller.db, caller.id, caller.ctx, caller.created
	if u := caller.connUser().name; sc.user.Load().(string) != u {
		sc.user.Store(u)
	}
	return r
}

func (s *scripts) free(r *scriptRun) {
	r.mu.Lock() // a watchdog pass may still look at r
	defer r.mu.Unlock()
	r.caller, r.argv, r.name, r.eval, r.wasm = nil, nil, "", false, false
	r.write, r.declaredOnly, r.keys, r.dirty = false, false, nil, false
	r.tx, r.pending, r.stopper, r.fn, r.args = nil, nil, nil, nil, nil
	r.conn.db, r.conn.ctx = nil, nil
	r.conn.w.Discard()
	s.pool.Put(r)
}

// begin registers r as running.
func (s *scripts) begin(r *scriptRun) {
	db := r.caller.db.Index()
	r.mu.Lock()
	r.start = time.Now()
	r.gen++
	r.state = runRunning
	r.touched = r.touched[:0]
	for _, k := range r.keys {
		r.touched = append(r.touched, touchedKey{db, string(k)})
	}
	r.mu.Unlock()
	s.watching.Do(func() { go s.watch() })
	i := s.next.Add(1)
	for n := uint32(0); n < runSlots; n++ {
		slot := (i + n) % runSlots
		if s.slots[slot].CompareAndSwap(nil, r) {
			r.slot = int(slot)
			return
		}
	}
	r.slot = -1
	s.mu.Lock()
	s.overflow[r] = struct{}{}
	s.mu.Unlock()
}

func (s *scripts) end(r *scriptRun) {
	if r.slot >= 0 {
		s.slots[r.slot].Store(nil)
	} else {
		s.mu.Lock()
		delete(s.overflow, r)
		s.mu.Unlock()
	}
	r.mu.Lock()
	if r.state == runBusy {
		s.busy.Add(-1)
	}
	r.state = runIdle
	r.mu.Unlock()
}

// each calls fn for every running call, with its lock held.
func (s *scripts) each(fn func(r *scriptRun)) {
	visit := func(r *scriptRun) {
		r.mu.Lock()
		if r.state != runIdle {
			fn(r)
		}
		r.mu.Unlock()
	}
	for i := range s.slots {
		if r := s.slots[i].Load(); r != nil {
			visit(r)
		}
	}
	s.mu.Lock()
	var extra []*scriptRun
	for r := range s.overflow {
		extra = append(extra, r)
	}
	s.mu.Unlock()
	for _, r := range extra {
		visit(r)
	}
}

// setStopper installs the engine's way to stop the call (and whether
// function-timeout-ms applies), for the watchdog and KILL.
func (r *scriptRun) setStopper(st interface{ Stop(cause error) bool }, wasm bool) {
	r.mu.Lock()
	r.stopper, r.wasm = st, wasm
	r.mu.Unlock()
}

// touch records a key a call reaches beyond its declared ones (Lua).
func (s *scripts) touch(r *scriptRun, db int, key []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, t := range r.touched {
		if t.db == db && t.key == string(key) {
			return
		}
	}
	r.touched = append(r.touched, touchedKey{db, string(key)})
}

// watchdogTick is how often running calls are checked against the time
// limits.
const watchdogTick = 5 * time.Millisecond

// watch marks calls busy past busy-reply-threshold and stops WASM calls
// past function-timeout-ms, until the server closes.
func (s *scripts) watch() {
	t := time.NewTicker(watchdogTick)
	defer t.Stop()
	for {
		select {
		case <-s.f.s.done:
			return
		case <-t.C:
		}
		now := time.Now()
		busyAfter := time.Duration(s.f.busyMs.Load()) * time.Millisecond
		timeout := time.Duration(s.f.timeoutMs.Load()) * time.Millisecond
		s.each(func(r *scriptRun) {
			d := now.Sub(r.start)
			if r.state == runRunning && d >= busyAfter {
				r.state = runBusy
				s.busy.Add(1)
				cmd := "FUNCTION KILL"
				if r.eval {
					cmd = "SCRIPT KILL"
				}
				s.f.s.log.Warn("Slow script detected: still in execution after "+strconv.FormatInt(d.Milliseconds(), 10)+
					" milliseconds. You can try killing the script using the "+cmd+" command.", "script", r.name)
			}
			if r.wasm && timeout > 0 && d >= timeout && r.stopper != nil {
				r.stopper.Stop(errFunc("ERR Script timed out after " + strconv.FormatInt(timeout.Milliseconds(), 10) +
					" ms (function-timeout-ms)... function: " + r.name + ". Its writes were undone."))
			}
		})
	}
}

// kill stops the busy calls of one kind (SCRIPT KILL: eval, FUNCTION
// KILL: functions) and returns the error reply, or "" when it killed.
// Unlike Redis, a call that already wrote can be killed: its writes are
// undone with it.
func (s *scripts) kill(eval bool) string {
	killed, other := false, false
	cmd := "SCRIPT KILL"
	if !eval {
		cmd = "FUNCTION KILL"
	}
	s.each(func(r *scriptRun) {
		switch {
		case r.state != runBusy:
		case r.eval != eval:
			other = true
		case r.stopper != nil:
			if r.stopper.Stop(errFunc("ERR Script killed by user with " + cmd + "... script: " + r.name + ". Its writes were undone.")) {
				killed = true
			}
		}
	})
	switch {
	case killed:
		return ""
	case other && eval:
		return "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
	case other:
		return "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
	}
	return "NOTBUSY No scripts in execution right now."
}

// busyReject returns the BUSY reply for a command that needs a key a
// busy call holds, or "". Other commands go on: only the busy call's
// keys wait for it (Redis, single-threaded, refuses everything).
func (s *scripts) busyReject(c *Conn, cmd *Command, args [][]byte) string {
	if s.busy.Load() == 0 {
		return ""
	}
	keys := c.keyArgs(cmd, args)
	if len(keys) == 0 {
		return ""
	}
	db := c.db.Index()
	msg := ""
	s.each(func(r *scriptRun) {
		if r.state != runBusy || msg != "" {
			return
		}
		for _, t := range r.touched {
			for _, k := range keys {
				if t.db == db && t.key == string(k) {
					msg = "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
					if r.eval {
						msg = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
					}
					return
				}
			}
		}
	})
	return msg
}

// oldest returns the longest-running call of a kind (FUNCTION STATS).
func (s *scripts) oldest(eval bool) (name string, argv [][]byte, d time.Duration, ok bool) {
	var start time.Time
	s.each(func(r *scriptRun) {
		if r.eval != eval || (ok && !r.start.Before(start)) {
			return
		}
		ok, start, name = true, r.start, r.name
		argv = make([][]byte, len(r.argv))
		for i, a := range r.argv {
			argv[i] = append([]byte(nil), a...)
		}
	})
	if ok {
		d = time.Since(start)
	}
	return name, argv, d, ok
}

// anyBusy reports whether a call of the kind is past the threshold.
func (s *scripts) anyBusy(eval bool) bool {
	if s.busy.Load() == 0 {
		return false
	}
	found := false
	s.each(func(r *scriptRun) {
		if r.state == runBusy && r.eval == eval {
			found = true
		}
	})
	return found
}

// ---------------------------------------------------------------------
// Running a call.
// ---------------------------------------------------------------------

// runCall runs fn for c inside a transaction: tx when the caller is in
// EXEC (as one step, undone alone if it fails), else a new one holding
// the declared keys. It appends the reply, or the error.
func (f *functions) runCall(c *Conn, tx *potato.Tx, r *scriptRun, fn *function, keys, args [][]byte) {
	r.fn, r.keys, r.args = fn, keys, args
	r.mark = c.w.Len()
	var err error
	switch {
	case tx != nil:
		err = tx.Try(r.stepFn)
	case r.write:
		err = c.db.UpdateKeyBytes(keys, r.stepFn)
	default:
		err = c.db.ViewKeyBytes(keys, r.stepFn)
	}
	if err != nil {
		c.w.Truncate(r.mark)
		c.replyError(err)
	}
}

// step is one run of the call in its transaction (a transaction may run
// it again from the start).
func (r *scriptRun) step(tx *potato.Tx) error {
	c := r.caller
	c.w.Truncate(r.mark)
	db := c.db
	r.tx = tx
	r.conn.db = db
	r.dirty = false
	r.f.runs.begin(r)
	defer r.f.runs.end(r)
	err := r.fn.run(r, tx, r.keys, r.args, c.w)
	// A SELECT inside the call does not outlive it.
	tx.Select(db.Index())
	r.tx = nil
	return err
}

// Call runs one command the guest issues, through the command table and
// the call's transaction, and returns its RESP reply in protocol proto.
// It implements potato.PluginHost; the Lua engine uses it too.
func (r *scriptRun) Call(args [][]byte, proto int) []byte {
	sc := r.conn
	sc.w.Discard()
	sc.w.SetProto(proto)
	if msg := r.check(args); msg != "" {
		sc.w.AppendError(msg)
		return sc.w.Bytes()
	}
	r.exec(args)
	return sc.w.Bytes()
}

// check applies Redis's rules for a command called from a script
// (scriptCall) and returns the error text, or "".
func (r *scriptRun) check(args [][]byte) string {
	if len(args) == 0 {
		return "ERR Unknown Redis command called from script"
	}
	sc := r.conn
	cmd := sc.lookup(args[0])
	if cmd != nil && cmd.sub != nil && len(args) >= 2 {
		cmd = cmd.sub[string(bytes.ToLower(args[1]))]
	}
	if cmd == nil {
		return "ERR Unknown Redis command called from script"
	}
	if !cmd.arityOK(len(args)) {
		return "ERR Wrong number of args calling Redis command from script"
	}
	if cmd.Flags&flagNoScript != 0 {
		return "ERR This Redis command is not allowed from script"
	}
	if msg := r.aclCheck(cmd, args); msg != "" {
		return msg
	}
	if cmd.Flags&flagWrite != 0 {
		if !r.write {
			return "ERR Write commands are not allowed from read-only scripts."
		}
		r.dirty = true
	}
	keys := sc.keyArgs(cmd, args)
	if r.declaredOnly {
		for _, k := range keys {
			if !r.declared(k) {
				return "ERR Script attempted to access a non local key in a cluster node"
			}
		}
	} else {
		db := sc.db.Index()
		for _, k := range keys {
			if !r.declared(k) {
				r.f.runs.touch(r, db, k)
			}
		}
	}
	r.pending = cmd
	return ""
}

func (r *scriptRun) declared(k []byte) bool {
	for _, d := range r.keys {
		if bytes.Equal(d, k) {
			return true
		}
	}
	return false
}

// aclCheck is scriptVerifyACL: the caller's user must be allowed the
// command, its keys and channels.
func (r *scriptRun) aclCheck(cmd *Command, args [][]byte) string {
	sc := r.conn
	u := r.caller.connUser()
	if u.allCommands && len(u.cmdRules) == 0 && u.allKeys && u.allChan {
		return ""
	}
	var keys []string
	if !u.allKeys {
		keys = append(keys, sc.keysOf(cmd, args)...)
	}
	reason, object := sc.s.aclCheck(u, cmd, args, keys)
	switch reason {
	case "":
		return ""
	case "command":
		r.f.s.acl.addLog(reason, "lua", object, u.name, r.caller.infoLine(true))
		return "ERR The user executing the script can't run this command or subcommand"
	case "key":
		r.f.s.acl.addLog(reason, "lua", object, u.name, r.caller.infoLine(true))
		return "ERR The user executing the script can't access at least one of the keys mentioned in the command arguments"
	}
	r.f.s.acl.addLog(reason, "lua", object, u.name, r.caller.infoLine(true))
	return "ERR The user executing the script can't publish to the channel mentioned in the command"
}

// exec runs the command check accepted, as one step of the call's
// transaction: a failing command undoes only itself, as in Redis.
func (r *scriptRun) exec(args [][]byte) {
	cmd := r.pending
	r.pending = nil
	sc := r.conn
	cmd.stats.calls.Add(1)
	if cmd.conn != nil {
		cmd.conn(sc, args, r.tx)
		return
	}
	if err := r.tx.Try(func(tx *potato.Tx) error { return cmd.run(sc, tx, args) }); err != nil {
		sc.w.Discard()
		sc.replyError(err)
		cmd.stats.failed.Add(1)
	}
}

// Log writes a guest's log line (redis.log, rp.log) at a Redis level.
func (r *scriptRun) Log(level int, msg string) {
	lv := slog.LevelInfo
	switch level {
	case 0, 1:
		lv = slog.LevelDebug
	case 3:
		lv = slog.LevelWarn
	}
	r.f.s.log.Log(context.Background(), lv, msg, "script", r.name)
}
