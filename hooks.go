package potato

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"rustypotato/internal/keyspace"
)

// This file is Boiled Key Mode: hooks that validate or transform a value
// before it is written. The registry is an immutable snapshot behind an
// atomic pointer, read without a lock on the write path; a write to a key
// no hook can match costs a few map lookups whatever the number of hooks
// (see hookSet.match). The check runs inside the Tx primitives (put, hset,
// lpush, lset, linsert), before the change is applied: a rejection
// unwinds the command, whose earlier edits are undone, so it leaves no
// data, event, timeline entry, WATCH bump or disk record behind.

// Hook is the definition of a key mutation hook: which writes it sees
// (Pattern, Ops, Branch), when it runs among the hooks that match a key
// (Priority, then Name), and what it does — exactly one of Func (a Go
// function, kept in the process only), Builtin (a built-in validator or
// transform, persisted with the data) or Function (a server-side library
// function, persisted, run by the runner set with SetHookFunctionRunner).
type Hook struct {
	Name     string   // unique name
	Pattern  string   // Redis glob matched against the key (KEYS syntax)
	Ops      []string // keyspace-event names ("set", "hset", "lpush", ...); empty: every write
	Branch   string   // only writes on this branch; empty: every branch
	Priority int      // lower runs first; equal priorities run in Name order

	// Func judges a write: it returns an error to reject it (the error's
	// text is the reason), or nil to accept it, after setting hc.Value to
	// store another value, or hc.TTL to give the key a default TTL. It
	// runs with the key locked, inside the transaction: it must be fast
	// and must not write (it may read through hc.Tx). A panic is
	// contained: the write fails with a HookError.
	Func func(hc *HookContext) error

	// Builtin is the kind of a built-in hook (see HookBuiltins) and Args
	// its arguments, such as Builtin "int", Args {"0", "150"}.
	Builtin string
	Args    []string

	// Function names a library function (FUNCTION LOAD) to run as the
	// hook; see Server.CallHookFunction for what it receives.
	Function string
}

// Kind returns "go", "builtin" or "function": how the hook runs.
func (h *Hook) Kind() string {
	switch {
	case h.Func != nil:
		return "go"
	case h.Function != "":
		return "function"
	}
	return "builtin"
}

// HookInfo is a hook's definition with its counters (DB.Hooks).
type HookInfo struct {
	Hook
	Calls      uint64 // writes the hook judged
	Rejections uint64 // writes it rejected (errors and panics included)
}

// HookContext is what a hook sees of one write, and how it answers. It is
// valid only during the call that receives it (it is reused). The byte
// slices must not be modified, but may be kept; Value may be replaced by
// another slice, which the store then copies.
type HookContext struct {
	Hook   string // the hook's name
	Key    string
	DB     int
	Branch string
	Op     string // keyspace-event name of the write: "set", "hset", "incrby", "lpush", "copy_to", ...
	Field  string // the hash field written, "" otherwise
	Index  int    // the list position written, -1 otherwise
	Old    []byte // the value (or field, or element) before; nil when there was none
	Value  []byte // the proposed value; set it to store another
	// TTL, when set by a hook to a positive duration, is the TTL of a
	// key whose whole value is written (SET family, COPY, RENAME,
	// RESTORE, JSON) and that would be left without one.
	TTL    time.Duration
	Client Origin // the command and client making the write
	// Tx is the transaction making the write. A hook may read through
	// it; a write fails. It is nil under TestHook (HOOK TEST).
	Tx *Tx
}

// HookError is the error of a write a hook rejected. Its text is the
// server's error reply: "HOOK name: reason".
type HookError struct {
	Hook   string
	Reason string
}

func (e *HookError) Error() string { return "HOOK " + e.Hook + ": " + e.Reason }

// Is makes errors.Is(err, ErrHookRejected) true.
func (e *HookError) Is(target error) bool { return target == ErrHookRejected }

// hookReject carries a HookError out of a primitive (which has no error
// return) to the transaction (Tx.call, Tx.Try), which undoes the command.
type hookReject struct{ err *HookError }

// hook is one installed hook, compiled.
type hook struct {
	def Hook
	ops []string // sorted; nil: every op
	// proven: the index alone proves a match (an exact pattern, or a
	// literal prefix followed by one final '*'), so no glob is run.
	proven     bool
	run        func(hc *HookContext) error
	calls      atomic.Uint64
	rejections atomic.Uint64
}

func (h *hook) wantsOp(op string) bool {
	if h.ops == nil {
		return true
	}
	_, ok := slices.BinarySearch(h.ops, op)
	return ok
}

// hookSet is an immutable snapshot of the installed hooks with the index
// that finds the candidates for a key.
type hookSet struct {
	all    []*hook            // sorted by (Priority, Name): the order they run in
	order  map[*hook]int      // position in all
	exact  map[string][]*hook // patterns without glob characters, by pattern
	prefix map[string][]*hook // patterns "lit<glob>...", by their literal prefix
	lens   []int              // the distinct lengths of prefix's keys, ascending
	wild   []*hook            // patterns that start with a glob character

	// A filter in front of exact and prefix: the first byte of every
	// exact pattern and literal prefix, and their first two bytes, so
	// that most keys no literal can match cost no map lookup. short
	// marks first bytes of one-byte literals (no second byte to test).
	first, short [256]bool
	pair         [1 << 16 / 64]uint64
}

func (s *hookSet) addLiteral(lit string) {
	s.first[lit[0]] = true
	if len(lit) == 1 {
		s.short[lit[0]] = true
		return
	}
	i := int(lit[0])<<8 | int(lit[1])
	s.pair[i/64] |= 1 << (i % 64)
}

// mayMatchLiteral reports whether key may match an exact pattern or a
// literal prefix.
func (s *hookSet) mayMatchLiteral(key string) bool {
	if len(key) == 0 || !s.first[key[0]] {
		return false
	}
	if s.short[key[0]] {
		return true
	}
	if len(key) < 2 {
		return false
	}
	i := int(key[0])<<8 | int(key[1])
	return s.pair[i/64]&(1<<(i%64)) != 0
}

// literalPrefix returns the part of pattern p before its first glob
// character, and whether p has none at all.
func literalPrefix(p string) (string, bool) {
	i := strings.IndexAny(p, "*?[\\")
	if i < 0 {
		return p, true
	}
	return p[:i], false
}

func newHookSet(hs []*hook) *hookSet {
	if len(hs) == 0 {
		return nil
	}
	s := &hookSet{all: slices.Clone(hs), order: map[*hook]int{}, exact: map[string][]*hook{}, prefix: map[string][]*hook{}}
	slices.SortFunc(s.all, func(a, b *hook) int {
		return cmp.Or(cmp.Compare(a.def.Priority, b.def.Priority), strings.Compare(a.def.Name, b.def.Name))
	})
	for i, h := range s.all {
		s.order[h] = i
		lit, exact := literalPrefix(h.def.Pattern)
		if lit != "" {
			s.addLiteral(lit)
		}
		switch {
		case exact:
			s.exact[lit] = append(s.exact[lit], h)
		case lit == "":
			s.wild = append(s.wild, h)
		default:
			if _, ok := s.prefix[lit]; !ok {
				s.lens = append(s.lens, len(lit))
			}
			s.prefix[lit] = append(s.prefix[lit], h)
		}
	}
	slices.Sort(s.lens)
	s.lens = slices.Compact(s.lens)
	return s
}

// match appends to out the hooks for a write of op to key on branch, in
// the order they run. Its cost is a two-byte filter, then (for keys that
// pass it) one map lookup per distinct literal prefix length, plus the
// hooks whose pattern starts with a glob.
func (s *hookSet) match(out []*hook, key, op, branch string) []*hook {
	add := func(hs []*hook) {
		for _, h := range hs {
			if h.def.Branch != "" && h.def.Branch != branch {
				continue
			}
			if !h.wantsOp(op) || (!h.proven && !keyspace.Match(h.def.Pattern, key, false)) {
				continue
			}
			out = append(out, h)
		}
	}
	if s.mayMatchLiteral(key) {
		if hs, ok := s.exact[key]; ok {
			add(hs)
		}
		for _, n := range s.lens {
			if n > len(key) {
				break
			}
			if hs, ok := s.prefix[key[:n]]; ok {
				add(hs)
			}
		}
	}
	if len(s.wild) > 0 {
		add(s.wild)
	}
	if len(out) > 1 {
		slices.SortFunc(out, func(a, b *hook) int { return cmp.Compare(s.order[a], s.order[b]) })
	}
	return out
}

// hookRegistry holds the installed hooks of a store (core.hooks).
type hookRegistry struct {
	snap   atomic.Pointer[hookSet]
	mu     sync.Mutex // serializes changes; guards byName
	byName map[string]*hook
	runner atomic.Pointer[HookFunctionRunner]
}

// HookFunctionRunner runs the library function name as a hook on the
// write described by hc (the server's Server.CallHookFunction adapts to
// it). It returns a *HookError to reject, another error when the function
// could not run (the write is rejected too), or nil after setting
// hc.Value to store another value.
type HookFunctionRunner func(name string, hc *HookContext) error

// SetHookFunctionRunner sets the runner of Function hooks (the server
// sets its own). Until one is set, a Function hook rejects every write it
// matches, so that no write escapes a check it was meant to pass.
func (d *DB) SetHookFunctionRunner(r HookFunctionRunner) {
	d.c.hooks.runner.Store(&r)
}

// errHookExists and errNoHook are AddHook's and RemoveHook's errors.
var (
	errHookExists = fmt.Errorf("%w: ERR hook already exists", ErrInvalidArgument)
	errNoHook     = fmt.Errorf("%w: ERR no such hook", ErrInvalidArgument)
)

// AddHook installs a hook. It applies to every write that starts after
// AddHook returns, on every branch (or h.Branch). A hook with Builtin or
// Function is stored durably with the data (a store with a Dir) and is
// loaded again at Open; a Func hook lives as long as the process. The name
// must be new; the definition is validated (an unknown built-in, bad
// arguments, a bad regular expression or schema give ErrInvalidArgument).
func (d *DB) AddHook(h Hook) error {
	c := d.c
	compiled, err := c.compileHook(h)
	if err != nil {
		return err
	}
	r := &c.hooks
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.byName[h.Name]; ok {
		return errHookExists
	}
	if h.Func == nil {
		if err := c.writeHookDef(h); err != nil {
			return err
		}
	}
	r.byName[h.Name] = compiled
	r.publish()
	return nil
}

// RemoveHook uninstalls the hook name (and deletes its stored definition).
// It returns ErrInvalidArgument when there is none.
func (d *DB) RemoveHook(name string) error {
	c := d.c
	r := &c.hooks
	r.mu.Lock()
	defer r.mu.Unlock()
	h, ok := r.byName[name]
	if !ok {
		return errNoHook
	}
	if h.def.Func == nil {
		if err := c.deleteHookDef(name); err != nil {
			return err
		}
	}
	delete(r.byName, name)
	r.publish()
	return nil
}

// Hooks returns the installed hooks in the order they run (Priority, then
// Name), with their counters.
func (d *DB) Hooks() []HookInfo {
	s := d.c.hooks.snap.Load()
	if s == nil {
		return nil
	}
	out := make([]HookInfo, len(s.all))
	for i, h := range s.all {
		out[i] = HookInfo{Hook: h.def, Calls: h.calls.Load(), Rejections: h.rejections.Load()}
		out[i].Ops = slices.Clone(h.def.Ops)
		out[i].Args = slices.Clone(h.def.Args)
	}
	return out
}

// TestHook runs hook name on a write of value to key (op "set", no old
// value, no transaction) and returns what it would store, or its
// *HookError. Nothing is written and the counters do not move. A Function
// hook cannot be tested this way (it needs a transaction): it returns
// ErrInvalidArgument.
func (d *DB) TestHook(name, key string, value []byte) ([]byte, error) {
	d.c.hooks.mu.Lock()
	h, ok := d.c.hooks.byName[name]
	d.c.hooks.mu.Unlock()
	if !ok {
		return nil, errNoHook
	}
	if h.def.Function != "" {
		return nil, fmt.Errorf("%w: ERR HOOK TEST cannot run a function hook outside a write", ErrInvalidArgument)
	}
	hc := &HookContext{Hook: name, Key: key, DB: d.db, Branch: d.br.name, Op: "set", Index: -1, Value: value}
	if err := runHook(d.c, h, hc); err != nil {
		return nil, err
	}
	return hc.Value, nil
}

// publish installs a new snapshot of byName. The caller holds r.mu.
func (r *hookRegistry) publish() {
	hs := make([]*hook, 0, len(r.byName))
	for _, h := range r.byName {
		hs = append(hs, h)
	}
	r.snap.Store(newHookSet(hs))
}

// compileHook validates h and returns it ready to run.
func (c *core) compileHook(h Hook) (*hook, error) {
	if h.Name == "" || strings.ContainsAny(h.Name, " \r\n") || len(h.Name) > 255 {
		return nil, fmt.Errorf("%w: ERR invalid hook name", ErrInvalidArgument)
	}
	if h.Pattern == "" {
		return nil, fmt.Errorf("%w: ERR hook pattern must not be empty", ErrInvalidArgument)
	}
	n := 0
	for _, set := range []bool{h.Func != nil, h.Builtin != "", h.Function != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, fmt.Errorf("%w: ERR a hook needs exactly one of a Go function, a built-in or a library function", ErrInvalidArgument)
	}
	ch := &hook{def: h}
	// "lit*" matches exactly the keys that start with lit (lit itself
	// included: '*' matches the empty string), which is what the prefix
	// lookup finds. Set here: a hook is immutable once published.
	lit, exact := literalPrefix(h.Pattern)
	ch.proven = exact || (lit != "" && h.Pattern == lit+"*")
	ch.def.Ops = slices.Clone(h.Ops)
	ch.def.Args = slices.Clone(h.Args)
	if len(h.Ops) > 0 {
		ch.ops = make([]string, len(h.Ops))
		for i, op := range h.Ops {
			if op == "" {
				return nil, fmt.Errorf("%w: ERR empty op in hook ops", ErrInvalidArgument)
			}
			ch.ops[i] = strings.ToLower(op)
		}
		slices.Sort(ch.ops)
		ch.ops = slices.Compact(ch.ops)
	}
	switch {
	case h.Func != nil:
		ch.run = h.Func
	case h.Function != "":
		fname := h.Function
		ch.run = func(hc *HookContext) error {
			p := c.hooks.runner.Load()
			if p == nil {
				return errors.New("no function engine to run '" + fname + "'")
			}
			return (*p)(fname, hc)
		}
	default:
		run, err := compileBuiltin(h.Builtin, h.Args)
		if err != nil {
			return nil, err
		}
		ch.run = run
	}
	return ch, nil
}

// runHook runs h on hc, containing a panic, and counts the call. It
// returns nil or a *HookError.
func runHook(c *core, h *hook, hc *HookContext) (err error) {
	tx := hc.Tx
	var was bool
	if tx != nil {
		// The hook runs read-only: a write through hc.Tx stops it. (Not
		// by clearing tx.write: locks taken for its reads must be write
		// locks, as the transaction may write those keys later.)
		was, tx.inHook = tx.inHook, true
	}
	defer func() {
		if tx != nil {
			tx.inHook = was
		}
		if r := recover(); r != nil {
			if rs, ok := r.(retrySignal); ok {
				panic(rs) // a read in the hook needs a lock: let the Tx re-run
			}
			if _, ok := r.(errReadOnly); ok {
				err = &HookError{Hook: h.def.Name, Reason: "a hook cannot write"}
				return
			}
			c.log.Error("hook panicked", "hook", h.def.Name, "key", hc.Key, "panic", r)
			err = &HookError{Hook: h.def.Name, Reason: oneLine(fmt.Sprintf("hook panicked: %v", r))}
			return
		}
		if err != nil {
			var he *HookError
			if !errors.As(err, &he) {
				err = &HookError{Hook: h.def.Name, Reason: oneLine(err.Error())}
			}
		}
	}()
	return h.run(hc)
}

// hooksOn reports whether any hook is installed: primitives that must
// compute something only a hook needs (the old value of a field) test it
// before calling checkHook.
func (tx *Tx) hooksOn() bool { return tx.c.hooks.snap.Load() != nil }

// checkHook is the one entry point of hooks in the mutation path. A Tx
// primitive calls it first, before it changes anything, for each value it
// is about to store: key is the key written in tx's current database, op
// the keyspace-event name the primitive records, field the hash field (""
// for none), index the list position (-1 for none), old the value being
// replaced (nil for none) and new the proposed value. It returns the value
// to store (new, or what transforms made of it). When a hook rejects the
// write it panics with a hookReject, which Tx.call and Tx.Try turn into
// the command's *HookError after undoing the command. With no hooks
// installed it costs one atomic load.
//
// A new type's primitives call it as
//
//	v = tx.checkHook(key, "sadd", "", -1, nil, member)
//
// checkHookIn is checkHook for an element added to the container of e:
// when the container is new (fresh: no element yet) and has no deadline,
// a default-ttl hook gives the key its TTL, as it does to a string
// written whole (an "expire" event of its own).
func (tx *Tx) checkHookIn(key, op, field string, index int, old, new []byte, e *keyspace.Entry, fresh bool) []byte {
	if tx.c.hooks.snap.Load() == nil {
		return new
	}
	v, ttl := tx.runHooks(key, op, field, index, old, new)
	if ttl > 0 && fresh && e.ExpireAt == 0 {
		tx.expire(key, "expire", e, tx.nowMs+max(ttl.Milliseconds(), 1))
	}
	return v
}

func (tx *Tx) checkHook(key, op, field string, index int, old, new []byte) []byte {
	if tx.c.hooks.snap.Load() == nil {
		return new
	}
	v, _ := tx.runHooks(key, op, field, index, old, new)
	return v
}

// runHooks runs the hooks matching the write (see checkHook) and returns
// the value to store and the default TTL they set (0 for none).
func (tx *Tx) runHooks(key, op, field string, index int, old, new []byte) ([]byte, time.Duration) {
	s := tx.c.hooks.snap.Load()
	if s == nil {
		return new, 0
	}
	var buf [8]*hook
	hs := s.match(buf[:0], key, op, tx.br.name)
	if len(hs) == 0 {
		return new, 0
	}
	hc := &tx.hookCtx
	*hc = HookContext{Key: key, DB: tx.db, Branch: tx.br.name, Op: op, Field: field, Index: index, Old: old, Value: new, Client: tx.origin, Tx: tx}
	for _, h := range hs {
		hc.Hook = h.def.Name
		h.calls.Add(1)
		if err := runHook(tx.c, h, hc); err != nil {
			h.rejections.Add(1)
			var he *HookError
			errors.As(err, &he)
			*hc = HookContext{}
			panic(hookReject{err: he})
		}
	}
	v, ttl := hc.Value, hc.TTL
	*hc = HookContext{} // pin nothing
	if v == nil {
		v = []byte{}
	}
	if !sameSlice(v, new) {
		// A hook's own slice: the store keeps it, so copy it away from
		// whatever the hook may still do with it.
		v = own(v)
	}
	return v, ttl
}

// sameSlice reports whether a and b are the same bytes in memory.
func sameSlice(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 {
		return true
	}
	return &a[0] == &b[0]
}

// hookPut runs the hooks of a whole-value write (Tx.put) of e to key and
// returns the entry to store (prev is the key's entry before): e itself, changed in place, or, for the ops
// that move an entry still referenced by an undo record (rename_to,
// move_to), a copy. Strings and JSON documents are judged as a value;
// hashes and lists field by field and element by element (validators
// only: a transform cannot rewrite a container that is moved).
func (tx *Tx) hookPut(key, op string, prev, e *keyspace.Entry) *keyspace.Entry {
	moved := op == "rename_to" || op == "move_to"
	switch e.Kind {
	case keyspace.KindString, keyspace.KindJSON:
		var old []byte
		if prev != nil && (prev.Kind == keyspace.KindString || prev.Kind == keyspace.KindJSON) {
			old = prev.Str
		}
		v, ttl := tx.runHooks(key, op, "", -1, old, e.Str)
		changed := !sameSlice(v, e.Str)
		if e.Kind == keyspace.KindJSON && changed && !jsonValid(v) {
			panic(hookReject{err: &HookError{Hook: tx.lastHookFor(key, op), Reason: "the transformed value is not valid JSON"}})
		}
		setTTL := ttl > 0 && e.ExpireAt == 0
		if !changed && !setTTL {
			return e
		}
		if moved {
			ne := *e
			e = &ne
		}
		e.Str = v
		if setTTL {
			e.ExpireAt = tx.nowMs + max(ttl.Milliseconds(), 1)
		}
		return e
	case keyspace.KindHash:
		if e.Hash == nil {
			return e
		}
		e.Hash.All(func(f keyspace.HashField) bool {
			tx.checkValidOnly(key, op, f.Name, -1, f.Value)
			return true
		})
	case keyspace.KindList:
		if e.List == nil {
			return e
		}
		e.List.Range(0, e.List.Len(), func(i int, v []byte) bool {
			tx.checkValidOnly(key, op, "", i, v)
			return true
		})
	case keyspace.KindSet:
		if e.Set == nil {
			return e
		}
		e.Set.All(func(m string) bool {
			tx.checkValidOnly(key, op, "", -1, []byte(m))
			return true
		})
	case keyspace.KindZSet:
		if e.ZSet == nil {
			return e
		}
		e.ZSet.All(func(m keyspace.ZMember) bool {
			tx.checkValidOnly(key, op, "", -1, []byte(m.Member))
			return true
		})
	}
	return e
}

// checkValidOnly runs the hooks on a value that cannot be replaced (an
// element of a container that is copied or moved whole): a transform that
// would change it rejects the write rather than be silently dropped.
func (tx *Tx) checkValidOnly(key, op, field string, index int, v []byte) {
	nv, _ := tx.runHooks(key, op, field, index, nil, v)
	if !sameSlice(nv, v) && string(nv) != string(v) {
		panic(hookReject{err: &HookError{Hook: tx.lastHookFor(key, op), Reason: "a transform cannot rewrite an element of a container written whole"}})
	}
}

// lastHookFor names the last hook that runs on a write of op to key: the
// one blamed for a result no single hook produced.
func (tx *Tx) lastHookFor(key, op string) string {
	s := tx.c.hooks.snap.Load()
	if s == nil {
		return ""
	}
	var buf [8]*hook
	hs := s.match(buf[:0], key, op, tx.br.name)
	if len(hs) == 0 {
		return ""
	}
	return hs[len(hs)-1].def.Name
}

// recoverHook turns a hookReject panic into its error; any other panic
// goes on. Use as: defer tx.recoverHook(&err).
func recoverHook(err *error) {
	if r := recover(); r != nil {
		if hr, ok := r.(hookReject); ok {
			*err = hr.err
			return
		}
		panic(r)
	}
}
