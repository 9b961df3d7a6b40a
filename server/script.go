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

// scriptRun is one running call.
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

	// Guarded by scripts.mu.
	busy    bool
	touched []touchedKey // keys the call holds (BUSY replies)
}

type touchedKey struct {
	db  int
	key string
}

// scripts is the registry of running calls.
type scripts struct {
	f        *functions
	mu       sync.Mutex
	running  map[*scriptRun]struct{}
	watching bool
	busy     atomic.Int32 // running calls past busy-reply-threshold
	pool     sync.Pool    // *scriptRun with its script client
}

func (s *scripts) init(f *functions) {
	s.f = f
	s.running = map[*scriptRun]struct{}{}
	s.pool.New = func() any {
		sc := &Conn{s: f.s, w: resp.NewWriter(io.Discard), authed: true}
		sc.cmdName.Store("NULL")
		return &scriptRun{f: f, conn: sc}
	}
}

// newRun returns a pooled run for caller's command argv.
func (s *scripts) newRun(caller *Conn, argv [][]byte, name string) *scriptRun {
	r := s.pool.Get().(*scriptRun)
	r.caller, r.argv, r.name = caller, argv, name
	sc := r.conn
	sc.db, sc.id, sc.ctx, sc.created = caller.db, caller.id, caller.ctx, caller.created
	sc.user.Store(caller.connUser().name)
	return r
}

func (s *scripts) free(r *scriptRun) {
	*r = scriptRun{f: r.f, conn: r.conn, touched: r.touched[:0]}
	r.conn.db, r.conn.ctx = nil, nil
	r.conn.w.Discard()
	s.pool.Put(r)
}

// begin registers r as running; the watchdog runs while anything does.
func (s *scripts) begin(r *scriptRun) {
	r.start = time.Now()
	s.mu.Lock()
	s.running[r] = struct{}{}
	for _, k := range r.keys {
		r.touched = append(r.touched, touchedKey{r.caller.db.Index(), string(k)})
	}
	if !s.watching {
		s.watching = true
		go s.watch()
	}
	s.mu.Unlock()
}

func (s *scripts) end(r *scriptRun) {
	s.mu.Lock()
	delete(s.running, r)
	if r.busy {
		r.busy = false
		s.busy.Add(-1)
	}
	s.mu.Unlock()
}

// touch records a key a call reaches beyond its declared ones (Lua).
func (s *scripts) touch(r *scriptRun, db int, key []byte) {
	s.mu.Lock()
	for _, t := range r.touched {
		if t.db == db && t.key == string(key) {
			s.mu.Unlock()
			return
		}
	}
	r.touched = append(r.touched, touchedKey{db, string(key)})
	s.mu.Unlock()
}

// watchdogTick is how often running calls are checked against the time
// limits.
const watchdogTick = 5 * time.Millisecond

// watch marks calls busy past busy-reply-threshold and stops WASM calls
// past function-timeout-ms; it exits when nothing runs.
func (s *scripts) watch() {
	t := time.NewTicker(watchdogTick)
	defer t.Stop()
	for range t.C {
		now := time.Now()
		busyAfter := time.Duration(s.f.busyMs.Load()) * time.Millisecond
		timeout := time.Duration(s.f.timeoutMs.Load()) * time.Millisecond
		s.mu.Lock()
		if len(s.running) == 0 {
			s.watching = false
			s.mu.Unlock()
			return
		}
		for r := range s.running {
			d := now.Sub(r.start)
			if !r.busy && d >= busyAfter {
				r.busy = true
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
		}
		s.mu.Unlock()
	}
}

// kill stops the busy calls of one kind (SCRIPT KILL: eval, FUNCTION
// KILL: functions) and returns the reply. Unlike Redis, a call that
// already wrote can be killed: its writes are undone with it.
func (s *scripts) kill(eval bool) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	killed, other := false, false
	for r := range s.running {
		if !r.busy {
			continue
		}
		if r.eval != eval {
			other = true
			continue
		}
		if r.stopper != nil {
			cmd := "SCRIPT KILL"
			if !eval {
				cmd = "FUNCTION KILL"
			}
			if r.stopper.Stop(errFunc("ERR Script killed by user with " + cmd + "... script: " + r.name + ". Its writes were undone.")) {
				killed = true
			}
		}
	}
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
	s.mu.Lock()
	defer s.mu.Unlock()
	for r := range s.running {
		if !r.busy {
			continue
		}
		for _, t := range r.touched {
			for _, k := range keys {
				if t.db == db && t.key == string(k) {
					if r.eval {
						return "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
					}
					return "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
				}
			}
		}
	}
	return ""
}

// oldest returns the longest-running function call (FUNCTION STATS), or
// nil.
func (s *scripts) oldest(eval bool) (name string, argv [][]byte, d time.Duration, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var best *scriptRun
	for r := range s.running {
		if r.eval == eval && (best == nil || r.start.Before(best.start)) {
			best = r
		}
	}
	if best == nil {
		return "", nil, 0, false
	}
	argv = make([][]byte, len(best.argv))
	for i, a := range best.argv {
		argv[i] = append([]byte(nil), a...)
	}
	return best.name, argv, time.Since(best.start), true
}

// anyBusy reports whether a call of the kind is past the threshold.
func (s *scripts) anyBusy(eval bool) bool {
	if s.busy.Load() == 0 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for r := range s.running {
		if r.busy && r.eval == eval {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------------
// Running a call.
// ---------------------------------------------------------------------

// runCall runs fn's engine for c inside a transaction: tx when the
// caller is in EXEC (as one step, undone alone if it fails), else a new
// one holding the declared keys. It appends the reply, or the error.
func (f *functions) runCall(c *Conn, tx *potato.Tx, r *scriptRun, keys [][]byte,
	body func(r *scriptRun, tx *potato.Tx, w *resp.Writer) error) {
	r.keys = keys
	step := func(tx *potato.Tx) error {
		db := c.db
		r.tx = tx
		r.conn.db = db
		r.dirty = false
		f.runs.begin(r)
		defer f.runs.end(r)
		err := body(r, tx, c.w)
		// A SELECT inside the call does not outlive it.
		tx.Select(db.Index())
		r.tx = nil
		return err
	}
	mark := c.w.Len()
	var err error
	switch {
	case tx != nil:
		err = tx.Try(step)
	case r.write:
		err = c.db.UpdateKeyBytes(keys, func(tx *potato.Tx) error { c.w.Truncate(mark); return step(tx) })
	default:
		err = c.db.ViewKeyBytes(keys, func(tx *potato.Tx) error { c.w.Truncate(mark); return step(tx) })
	}
	if err != nil {
		c.w.Truncate(mark)
		c.replyError(err)
	}
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
