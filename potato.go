package potato

import (
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"rustypotato/internal/keyspace"
)

// NumDBs is the number of numbered databases, as in Redis (SELECT 0..15).
const NumDBs = keyspace.NumDBs

// DB is a handle on one numbered database of a RustyPotato store. Open
// returns the handle for database 0; Select returns handles for the
// others. All handles of a store share its data and its Close.
//
// A DB is safe for concurrent use by many goroutines. Byte slices returned
// by its methods must not be modified; they may be kept (the store never
// modifies a value in place).
type DB struct {
	c  *core
	br *branch
	db int
}

// core is the state shared by all handles of one store.
type core struct {
	opts   Options
	log    *slog.Logger
	seed   keyspace.Seed
	main   *branch  // the main branch, never deleted
	brs    branches // every branch, main included (branch.go)
	subs   atomic.Pointer[[]func(*Mutation)]
	subMu  sync.Mutex // serializes changes to subs and subIDs
	subIDs []*func(*Mutation)

	ctr counters
	mem memState // memory limit, accounting, eviction (evict.go)

	tlCfg timelineCfg // the timeline's retention (timeline.go)
	zcfg  zsetLimits  // zset-max-listpack-* (zset.go)

	setMaxIntset atomic.Int64 // ^set-max-intset-entries; 0: the default (set.go)
	hooks        hookRegistry // key mutation hooks (hooks.go)

	hllSparseMax atomic.Int64 // hll-sparse-max-bytes + 1; 0: the default (hll.go)

	// clockSec is a coarse clock (Unix seconds) for last-access stamps,
	// refreshed by every transaction and by the expiry ticker, so that
	// plain reads need not read the system clock (Redis caches its LRU
	// clock the same way).
	clockSec atomic.Int64
	ps       *pubsub // pub/sub, keyspace notifications, change feeds

	// durable persists each transaction's mutations before they become
	// visible (nil for an in-memory store). See durable.go.
	durable durable

	txPool  sync.Pool
	closed  atomic.Bool
	stop    chan struct{}
	bg      sync.WaitGroup
	closeMu sync.Mutex
}

// Open opens a store with the given options and returns the handle for
// database 0. Open(Options{}) gives an in-memory store with defaults.
func Open(opts Options) (*DB, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &core{opts: o, log: o.Logger, seed: keyspace.NewSeed(), stop: make(chan struct{}), ctr: newCounters()}
	c.txPool.New = func() any { return &Tx{c: c} }
	c.mem.init(o)
	c.main = newBranch(MainBranch, keyspace.NewWithSeed(c.seed))
	c.brs.m = map[string]*branch{MainBranch: c.main}
	c.hooks.byName = map[string]*hook{}
	if o.Dir != "" {
		// Load the data before anything else can see the store.
		if err := c.openDurable(); err != nil {
			return nil, err
		}
		// Hooks before the first write (hooks_persist.go).
		if err := c.loadHooks(); err != nil {
			_ = c.durable.close()
			return nil, err
		}
	}
	c.tlCfg.opt = o.Timeline.norm()
	if !o.Timeline.Disabled {
		// History starts now: what came before a restart is not kept.
		for _, b := range c.brs.m {
			b.tl.Store(&timeline{created: b.seq.Load(), trimmed: b.seq.Load()})
		}
	}
	c.ps = newPubSub(c)
	c.ps.start()
	if o.ExpiryInterval > 0 {
		c.bg.Add(1)
		go c.activeExpiry()
	}
	return &DB{c: c, br: c.main}, nil
}

// Close stops background work and releases the store. Blocked operations
// return ErrClosed. Closing an already closed store returns nil.
func (d *DB) Close() error {
	c := d.c
	c.closeMu.Lock()
	defer c.closeMu.Unlock()
	if c.closed.Swap(true) {
		return nil
	}
	close(c.stop)
	c.bg.Wait()
	if c.durable != nil {
		// Waits for commits in progress; later ones get ErrClosed.
		return c.durable.close()
	}
	return nil
}

// Select returns a handle on database index (0..15) of the same store.
func (d *DB) Select(index int) (*DB, error) {
	if index < 0 || index >= NumDBs {
		return nil, ErrDBIndex
	}
	return &DB{c: d.c, br: d.br, db: index}, nil
}

// Index returns the number of the database this handle works on.
func (d *DB) Index() int { return d.db }

func (c *core) nowMs() int64 { return c.opts.Clock.Now().UnixMilli() }

// tickClock refreshes the coarse clock; it writes only when the second
// changes, so the shared cache line stays clean.
func (c *core) tickClock(nowMs int64) {
	if sec := nowMs / 1000; c.clockSec.Load() != sec {
		c.clockSec.Store(sec)
	}
}

// subscribe registers fn to receive every committed Mutation, in commit
// order per key, synchronously while the key is still locked. fn must be
// fast and must not call back into the DB. It returns a function that
// removes the subscription.
func (c *core) subscribe(fn func(*Mutation)) (cancel func()) {
	type sub = func(*Mutation)
	c.subMu.Lock()
	defer c.subMu.Unlock()
	var cur []sub
	if p := c.subs.Load(); p != nil {
		cur = *p
	}
	// Wrap fn so that the subscription has an identity to remove by.
	box := &fn
	w := func(m *Mutation) { (*box)(m) }
	next := append(append([]sub{}, cur...), w)
	c.subs.Store(&next)
	c.subIDs = append(c.subIDs, box)
	return func() {
		c.subMu.Lock()
		defer c.subMu.Unlock()
		cur := *c.subs.Load()
		var out []sub
		var ids []*func(*Mutation)
		for i, id := range c.subIDs {
			if id != box {
				out = append(out, cur[i])
				ids = append(ids, id)
			}
		}
		c.subIDs = ids
		c.subs.Store(&out)
	}
}

// ---------------------------------------------------------------------
// Transactions: the one mutation path.
// ---------------------------------------------------------------------

// Tx is a transaction over any keys of the store, passed to the closures
// of Update and View. Its methods mirror DB's. A Tx must only be used by
// the goroutine running the closure, and not after the closure returns.
//
// Keys are locked as the closure first touches them, in any order; if a
// lock cannot be taken without risking deadlock, the changes so far are
// undone and the closure runs again with every lock it needs taken up
// front in sorted order. A closure may therefore run more than once and
// must not have side effects outside the Tx other than on its final run
// (the run whose result Update returns).
type Tx struct {
	c      *core
	br     *branch
	ks     *keyspace.Keyspace // br.ks
	db     int
	write  bool
	done   bool
	held   []heldLock
	muts   []Mutation
	after  []func()
	undoF  []func()     // run on rollback (e.g. to un-serve a blocked waiter)
	pushed []blockedKey // keys that received elements (for blocked clients)
	edits  []Edit       // arena for the Edits of muts
	nowMs  int64
	now    time.Time
	origin Origin   // who makes the changes (SetOrigin), for the timeline
	copies []copyUp // entries ForWrite copied up into a top layer
	// oomExempt: the caller decides about the memory limit (the server
	// refuses denyoom commands itself, as Redis does), so primitives do
	// not fail with ErrOOM (evict.go).
	oomExempt bool

	hookCtx HookContext // what runHooks shows a hook (hooks.go); reused
	inHook  bool        // a hook is running: writes are refused (mustWrite)
}

// copyUp is an entry the transaction copied up from a parent layer into
// layer l (the top of its database then) to write it.
type copyUp struct {
	l   *keyspace.Layer
	key string
	e   *keyspace.Entry
}

type heldLock struct {
	s     keyspace.Stripe
	write bool
}

// retrySignal unwinds a closure that needs a lock below one it holds.
type retrySignal struct{ s keyspace.Stripe }

// Update runs fn in a read-write transaction. The transaction is atomic:
// other readers and writers see all of its changes or none. If fn returns
// an error (or panics), every change it made is undone and Update returns
// that error.
func (d *DB) Update(fn func(tx *Tx) error) error {
	d.c.evictBeforeWrite()
	return d.c.run(d.br, d.db, true, nil, fn)
}

// View runs fn in a read-only transaction that sees one consistent state
// of every key it reads. A write inside fn stops fn at once (it does not
// return to fn) and View returns ErrTxReadOnly.
func (d *DB) View(fn func(tx *Tx) error) error {
	return d.c.run(d.br, d.db, false, nil, fn)
}

// Now returns the transaction's time: the DB's Clock read once when the
// transaction (or its latest re-run) began. Every deadline in the
// transaction is relative to it, as Redis freezes time during a command.
func (tx *Tx) Now() time.Time { return tx.now }

// Select switches the database that later calls in this transaction work
// on, like SELECT inside MULTI.
func (tx *Tx) Select(index int) error {
	if index < 0 || index >= NumDBs {
		return ErrDBIndex
	}
	tx.db = index
	return nil
}

// Lock takes the locks of keys now, before the closure reads them. It is
// never needed for correctness; it avoids a re-run when a closure is
// known to touch these keys, and makes a later check of a Watcher atomic
// with the rest of the transaction.
func (tx *Tx) Lock(keys ...string) {
	for _, k := range keys {
		tx.lockKey(tx.db, k)
	}
}

// run is the single entry to the keyspace for every operation but the
// lock-free-path reads. pre lists stripes known up front.
func (c *core) run(br *branch, db int, write bool, pre []keyspace.Stripe, fn func(tx *Tx) error) error {
	return c.runOpt(br, db, write, false, pre, fn)
}

// runOpt is run with the transaction's exemption from ErrOOM.
func (c *core) runOpt(br *branch, db int, write, oomExempt bool, pre []keyspace.Stripe, fn func(tx *Tx) error) error {
	if c.closed.Load() {
		return ErrClosed
	}
	tx := c.txPool.Get().(*Tx)
	tx.oomExempt = oomExempt
	tx.br, tx.ks = br, br.ks
	tx.db, tx.write, tx.done = db, write, false
	defer func() {
		tx.done = true
		// Clear, not just truncate: a pooled Tx must not pin old values.
		clear(tx.muts)
		clear(tx.edits)
		tx.edits = tx.edits[:0]
		clear(tx.after)
		clear(tx.undoF)
		clear(tx.pushed)
		clear(tx.copies)
		tx.copies = tx.copies[:0]
		tx.held, tx.muts, tx.after = tx.held[:0], tx.muts[:0], tx.after[:0]
		tx.undoF, tx.pushed = tx.undoF[:0], tx.pushed[:0]
		tx.br, tx.ks = nil, nil
		tx.origin = Origin{}
		c.txPool.Put(tx)
	}()
	for {
		tx.lockAll(pre)
		if br.deleted.Load() {
			tx.unlockAll()
			return fmt.Errorf("%w '%s'", ErrNoBranch, br.name)
		}
		tx.now = c.opts.Clock.Now()
		tx.nowMs = tx.now.UnixMilli()
		c.tickClock(tx.nowMs)
		err, retry := tx.call(fn)
		if retry != nil {
			tx.rollback()
			pre = pre[:0:0]
			for _, h := range tx.held {
				pre = append(pre, h.s)
			}
			pre = append(pre, retry.s)
			tx.unlockAll()
			tx.db = db
			continue
		}
		if err != nil {
			tx.rollback()
			tx.unlockAll()
			return err
		}
		if err := tx.commit(); err != nil {
			// The durable write failed: nothing of the transaction may
			// stay visible (invariant 1), so undo it before unlocking.
			tx.rollback()
			tx.unlockAll()
			return err
		}
		tx.dropUnchangedCopies()
		tx.unlockAll()
		for _, f := range tx.after {
			f()
		}
		return nil
	}
}

func (tx *Tx) call(fn func(tx *Tx) error) (err error, retry *retrySignal) {
	panicked := true
	defer func() {
		if !panicked {
			return
		}
		r := recover()
		if rs, ok := r.(retrySignal); ok {
			retry = &rs
			return
		}
		if _, ok := r.(errReadOnly); ok {
			err = ErrTxReadOnly
			return
		}
		if _, ok := r.(errOOM); ok {
			err = ErrOOM
			return
		}
		if hr, ok := r.(hookReject); ok {
			err = hr.err // run rolls the transaction back
			return
		}
		tx.rollback()
		tx.unlockAll()
		panic(r)
	}()
	err = fn(tx)
	if err == nil {
		// Clients blocked on keys this transaction pushed to are served
		// inside it, so the push and the pop that wakes them are atomic.
		err = tx.serveBlocked()
	}
	panicked = false
	return err, nil
}

func (tx *Tx) lockAll(stripes []keyspace.Stripe) {
	if len(stripes) == 0 {
		return
	}
	if len(stripes) > 1 {
		slices.Sort(stripes)
	}
	for i, s := range stripes {
		if i > 0 && stripes[i-1] == s {
			continue
		}
		if tx.write {
			tx.ks.Lock(s)
		} else {
			tx.ks.RLock(s)
		}
		tx.held = append(tx.held, heldLock{s: s, write: tx.write})
	}
}

func (tx *Tx) unlockAll() {
	for i := len(tx.held) - 1; i >= 0; i-- {
		h := tx.held[i]
		if h.write {
			tx.ks.Unlock(h.s)
		} else {
			tx.ks.RUnlock(h.s)
		}
	}
	tx.held = tx.held[:0]
}

// lockKey makes sure the stripe of key in db is held, and returns it.
func (tx *Tx) lockKey(db int, key string) keyspace.Stripe {
	if tx.done {
		panic(ErrTxDone)
	}
	s := tx.ks.StripeOf(db, key)
	tx.acquire(s)
	return s
}

func (tx *Tx) acquire(s keyspace.Stripe) {
	n := len(tx.held)
	i := 0
	for i < n && tx.held[i].s < s { // few locks: a linear scan beats a search
		i++
	}
	if i < n && tx.held[i].s == s {
		return
	}
	ks := tx.ks
	if i == n {
		// Above everything held: blocking is safe in sorted order.
		if tx.write {
			ks.Lock(s)
		} else {
			ks.RLock(s)
		}
		tx.held = append(tx.held, heldLock{s: s, write: tx.write})
		return
	}
	var ok bool
	if tx.write {
		ok = ks.TryLock(s)
	} else {
		ok = ks.TryRLock(s)
	}
	if !ok {
		panic(retrySignal{s: s})
	}
	tx.held = append(tx.held, heldLock{})
	copy(tx.held[i+1:], tx.held[i:])
	tx.held[i] = heldLock{s: s, write: tx.write}
}

// lockDB takes every stripe of database db (FLUSHDB, SWAPDB).
func (tx *Tx) lockDB(db int) {
	base := keyspace.Stripe(db * keyspace.NumShards)
	for i := 0; i < keyspace.NumShards; i++ {
		tx.acquire(base + keyspace.Stripe(i))
	}
}

func (tx *Tx) commit() error {
	c := tx.c
	if len(tx.muts) == 0 {
		return nil
	}
	if tx.br.deleted.Load() {
		// DeleteBranch took every stripe after this transaction's
		// first look: nothing may be written to a deleted branch.
		return fmt.Errorf("%w '%s'", ErrNoBranch, tx.br.name)
	}
	first := tx.br.seq.Add(uint64(len(tx.muts))) - uint64(len(tx.muts)) + 1
	for i := range tx.muts {
		tx.muts[i].Seq = first + uint64(i)
		tx.muts[i].Time = tx.now
		tx.muts[i].Branch = tx.br.name
	}
	if c.durable != nil {
		// One durable batch per transaction, written while its keys are
		// locked, so per key the order on disk is the commit order.
		if err := c.durable.commit(tx.br, tx.muts); err != nil {
			if tl := tx.br.tl.Load(); tl != nil {
				tl.skip(first, first+uint64(len(tx.muts))-1)
			}
			return err
		}
	}
	if tl := tx.br.tl.Load(); tl != nil {
		tl.record(c, tx)
	}
	var subs []func(*Mutation)
	if p := c.subs.Load(); p != nil {
		subs = *p
	}
	for i := range tx.muts {
		m := &tx.muts[i]
		for j := range m.Edits {
			if ed := &m.Edits[j]; ed.Kind == EditSet {
				// Stored whole: a value of its own now, even if it was
				// copied up from a parent layer (RENAME, MOVE reuse the
				// entry). Not before commit: a rollback keeps the flag.
				ed.next.CopiedUp = false
			}
		}
		if m.Op == "expired" {
			c.ctr.expired.Inc()
		} else if m.Op == "evicted" {
			c.ctr.evicted.Inc()
		}
		if m.dbWide() {
			c.mem.stale.Store(true) // a dropped or swapped layer: recount (evict.go)
			touchWatchers(m.Edits[0].watchers)
		} else {
			if e := tx.ks.Get(m.DB, m.Key); e != nil {
				e.Version = m.Seq
			}
			// Removing an expired key is no change to its watchers (Redis
			// 7): one live when watched is already reported by its
			// deadline (Watcher.Changed), one expired then never changed.
			if m.Op != "expired" {
				tx.br.touchWatched(m.DB, m.Key)
			}
		}
		for _, fn := range subs {
			fn(m)
		}
	}
	return nil
}

// rollback undoes every recorded edit, newest first.
func (tx *Tx) rollback() {
	for i := len(tx.muts) - 1; i >= 0; i-- {
		m := &tx.muts[i]
		for j := len(m.Edits) - 1; j >= 0; j-- {
			tx.undo(m.DB, m.Key, &m.Edits[j])
		}
	}
	for i := len(tx.undoF) - 1; i >= 0; i-- {
		tx.undoF[i]()
	}
	// Every change is undone: no copy-up of the transaction is needed.
	for _, cp := range tx.copies {
		tx.ks.DropCopy(cp.l, cp.key, cp.e)
	}
	clear(tx.copies)
	tx.copies = tx.copies[:0]
	tx.muts = tx.muts[:0]
	clear(tx.edits)
	tx.edits = tx.edits[:0]
	tx.after = tx.after[:0]
	tx.undoF = tx.undoF[:0]
	tx.pushed = tx.pushed[:0]
}

func (tx *Tx) undo(db int, key string, ed *Edit) {
	ks := tx.ks
	if p := ed.prevTop; p != nil && p == ed.prev && p.Kind == keyspace.KindString {
		// An undone APPEND may have written past the restored value's
		// length into its buffer: cap it, so that the next APPEND
		// reallocates rather than overwrite bytes a reader may hold.
		// (Only an entry of the top layer: a parent's is never written.)
		p.Str = p.Str[:len(p.Str):len(p.Str)]
	}
	switch ed.Kind {
	case EditSet, EditDel:
		ks.RestoreTop(db, key, ed.prevTop)
		return
	case EditFlushDB:
		ks.Restore(db, ed.flushed)
		return
	case EditSwapDB:
		ks.Swap(db, ed.Index)
		return
	}
	e := tx.forWrite(db, key)
	if e == nil {
		panic(fmt.Sprintf("potato: undo of %v on missing key", ed.Kind))
	}
	if ed.Kind == EditExpire {
		ks.SetExpire(db, key, e, ed.PrevDeadline)
		return
	}
	undoValue(e, ed)
	ks.Grow(db, key, e, -editGrowth(ed))
}

// undoValue undoes a container Edit (not EditSet, EditDel, EditExpire or
// a database-wide one) on the value of e: the transaction's undo, and the
// timeline's reconstruction of past values (timeline_rollback.go).
func undoValue(e *keyspace.Entry, ed *Edit) {
	switch ed.Kind {
	case EditHSet:
		if ed.Before == nil {
			e.Hash.Del(ed.Field)
		} else {
			e.Hash.Set(ed.Field, ed.Before)
		}
	case EditHDel:
		e.Hash.Restore(ed.Field, ed.Before, ed.Index)
	case EditHConvert:
		e.Hash.Flatten(ed.prev.Hash)
	case EditSAdd, EditSRem, EditSConvert:
		undoSetEdit(e, ed) // set.go
	case EditLPush:
		e.List.PopFront()
	case EditRPush:
		e.List.PopBack()
	case EditLPop:
		e.List.PushFront(ed.Before)
	case EditRPop:
		e.List.PushBack(ed.Before)
	case EditLSet:
		e.List.Set(ed.Index, ed.Before)
	case EditLInsert:
		e.List.Remove(ed.Index)
	case EditLRemove:
		e.List.Insert(ed.Index, ed.Before)
	case EditZSet, EditZDel, EditZConvert:
		undoZSet(e, ed)
	default:
		panic(fmt.Sprintf("potato: no undo for edit kind %v", ed.Kind))
	}
}

// ---------------------------------------------------------------------
// Primitives: every change to the keyspace is made by one of these, which
// apply it and record it in the same step so that rollback, commit and
// fan-out always agree. The caller holds the key's stripe for writing.
// ---------------------------------------------------------------------

func (tx *Tx) mustWrite() {
	if !tx.write || tx.inHook {
		panic(errReadOnly{})
	}
}

type errReadOnly struct{}

// record appends ed to the open mutation of (db, key, op), or opens one.
func (tx *Tx) record(key, op string, ed Edit) {
	if n := len(tx.muts); n > 0 {
		m := &tx.muts[n-1]
		if m.DB == tx.db && m.Key == key && m.Op == op {
			if len(m.Edits) > 0 && len(tx.edits) > 0 && &m.Edits[len(m.Edits)-1] == &tx.edits[len(tx.edits)-1] {
				tx.edits = append(tx.edits, ed)
				m.Edits = tx.edits[len(tx.edits)-len(m.Edits)-1 : len(tx.edits) : len(tx.edits)]
			} else {
				m.Edits = append(m.Edits, ed)
			}
			return
		}
	}
	// Edits live in a per-transaction arena: only the last mutation ever
	// grows, and it sits at the arena's end.
	start := len(tx.edits)
	tx.edits = append(tx.edits, ed)
	tx.muts = append(tx.muts, Mutation{DB: tx.db, Key: key, Op: op, Edits: tx.edits[start:len(tx.edits):len(tx.edits)], Origin: tx.origin})
}

// tryStep runs fn for Try, turning a hook's rejection into its error so
// that Try undoes only this step.
func (tx *Tx) tryStep(fn func(tx *Tx) error) (err error) {
	defer recoverHook(&err)
	return fn(tx)
}

// put stores e as the whole value of key (an EditSet). Callers look the
// key up first, so an expired previous entry is already gone. Hooks
// (hooks.go) judge the value first and may replace e.
func (tx *Tx) put(key, op string, e *keyspace.Entry) {
	ks := tx.ks
	prev := ks.Get(tx.db, key)
	if tx.hooksOn() {
		e = tx.hookPut(key, op, prev, e)
	}
	ed := Edit{Kind: EditSet, prev: prev, prevTop: ks.Top(tx.db).Lookup(key), next: e, Deadline: e.ExpireAt}
	if prev != nil {
		ed.PrevDeadline = prev.ExpireAt
		if prev.Kind == keyspace.KindString || prev.Kind == keyspace.KindJSON {
			ed.Before = prev.Str
		}
	}
	if e.Kind == keyspace.KindString || e.Kind == keyspace.KindJSON {
		ed.After = e.Str
	}
	tx.checkOOM()
	tx.c.stampNew(e, prev, tx.nowMs/1000)
	ks.Put(tx.db, key, e)
	tx.record(key, op, ed)
}

// keepMoved keeps, for the timeline, a copy of e's value as it is now in
// the EditDel just recorded: e lives on under another key (RENAME, MOVE)
// and later commands of the transaction may change it in place. O(1).
func (tx *Tx) keepMoved(e *keyspace.Entry) {
	if tx.br.tl.Load() == nil || e.Kind == keyspace.KindString || e.Kind == keyspace.KindJSON {
		return
	}
	tx.edits[len(tx.edits)-1].snap = e.Clone()
}

func (tx *Tx) del(key, op string) bool {
	prevTop := tx.ks.Top(tx.db).Lookup(key)
	prev := tx.ks.Delete(tx.db, key)
	if prev == nil {
		return false
	}
	ed := Edit{Kind: EditDel, prev: prev, prevTop: prevTop, PrevDeadline: prev.ExpireAt}
	if prev.Kind == keyspace.KindString || prev.Kind == keyspace.KindJSON {
		ed.Before = prev.Str
	}
	tx.record(key, op, ed)
	return true
}

func (tx *Tx) expire(key, op string, e *keyspace.Entry, at int64) {
	prev := e.ExpireAt
	tx.ks.SetExpire(tx.db, key, e, at)
	tx.record(key, op, Edit{Kind: EditExpire, Deadline: at, PrevDeadline: prev})
}

func (tx *Tx) hset(key, op string, e *keyspace.Entry, field string, v []byte) (existed bool) {
	if tx.hooksOn() {
		old, _ := e.Hash.Get(field)
		v = tx.checkHookIn(key, op, field, -1, old, v, e, e.Hash.Len() == 0)
	}
	if e.Hash.WouldConvert(field, len(v)) {
		// Leaving the flat encoding is no change of the value, but its
		// undo must restore the encoding and the order of the fields.
		tx.record(key, op, Edit{Kind: EditHConvert, prev: &keyspace.Entry{Kind: keyspace.KindHash, Hash: e.Hash.Clone()}})
	}
	tx.checkOOM()
	old, existed := e.Hash.Set(field, v)
	tx.recordGrow(key, op, e, Edit{Kind: EditHSet, Field: field, Before: old, After: v})
	return existed
}

func (tx *Tx) hdel(key, op string, e *keyspace.Entry, field string) bool {
	i := e.Hash.Index(field)
	old, existed := e.Hash.Del(field)
	if existed {
		tx.recordGrow(key, op, e, Edit{Kind: EditHDel, Field: field, Index: i, Before: old})
	}
	return existed
}

func (tx *Tx) lpush(key, op string, e *keyspace.Entry, left bool, v []byte) {
	tx.checkOOM()
	if tx.hooksOn() {
		at := 0
		if !left {
			at = e.List.Len()
		}
		v = tx.checkHookIn(key, op, "", at, nil, v, e, e.List.Len() == 0)
	}
	if left {
		e.List.PushFront(v)
		tx.recordGrow(key, op, e, Edit{Kind: EditLPush, After: v})
	} else {
		e.List.PushBack(v)
		tx.recordGrow(key, op, e, Edit{Kind: EditRPush, After: v})
	}
}

func (tx *Tx) lpop(key, op string, e *keyspace.Entry, left bool) []byte {
	if left {
		v := e.List.PopFront()
		tx.recordGrow(key, op, e, Edit{Kind: EditLPop, Before: v})
		return v
	}
	v := e.List.PopBack()
	tx.recordGrow(key, op, e, Edit{Kind: EditRPop, Before: v})
	return v
}

func (tx *Tx) lset(key, op string, e *keyspace.Entry, i int, v []byte) {
	tx.checkOOM()
	// LREM's shifting of elements already stored is no new value.
	if op != "lrem" && tx.hooksOn() {
		v = tx.checkHook(key, op, "", i, e.List.Index(i), v)
	}
	old := e.List.Set(i, v)
	tx.recordGrow(key, op, e, Edit{Kind: EditLSet, Index: i, Before: old, After: v})
}

func (tx *Tx) linsert(key, op string, e *keyspace.Entry, i int, v []byte) {
	tx.checkOOM()
	if tx.hooksOn() {
		v = tx.checkHook(key, op, "", i, nil, v)
	}
	e.List.Insert(i, v)
	tx.recordGrow(key, op, e, Edit{Kind: EditLInsert, Index: i, After: v})
}

func (tx *Tx) lremove(key, op string, e *keyspace.Entry, i int) []byte {
	v := e.List.Remove(i)
	tx.recordGrow(key, op, e, Edit{Kind: EditLRemove, Index: i, Before: v})
	return v
}

// onRollback runs f if the transaction rolls back (or re-runs).
func (tx *Tx) onRollback(f func()) { tx.undoF = append(tx.undoF, f) }

// afterCommit runs f after the transaction commits and unlocks (not if it
// rolls back).
func (tx *Tx) afterCommit(f func()) { tx.after = append(tx.after, f) }

// ---------------------------------------------------------------------
// Lookups.
// ---------------------------------------------------------------------

// lookup returns the live entry of key in the current db, locking it. In
// a write transaction an expired key is deleted (an "expired" mutation);
// in a read one it is just absent. The entry must not be modified: use
// lookupW for that.
func (tx *Tx) lookup(key string) *keyspace.Entry {
	s := tx.lockKey(tx.db, key)
	e := tx.ks.Get(tx.db, key)
	if e != nil && e.Expired(tx.nowMs) {
		if tx.write {
			tx.del(key, "expired")
		}
		e = nil
	}
	if !tx.write {
		// Like Redis, count hits and misses of reads only.
		if e == nil {
			tx.ks.Miss(s)
			if tx.c.notifyKeyMissOn() {
				tx.c.keyMiss(tx.br, tx.db, key) // Redis's "keymiss" event (class m)
			}
		} else {
			tx.ks.Hit(s)
		}
	}
	if e != nil {
		if tx.c.mem.lfu.Load() { // evict.go; inline for the read path
			tx.c.touchLFU(e, tx.nowMs/1000)
		} else {
			e.Touch(tx.nowMs / 1000)
		}
	}
	return e
}

// lookupW returns the live entry of key, copied up into the top layer so
// that it may be modified, or nil. It requires a write transaction.
func (tx *Tx) lookupW(key string) *keyspace.Entry {
	tx.mustWrite()
	if tx.lookup(key) == nil {
		return nil
	}
	return tx.forWrite(tx.db, key)
}

// forWrite is keyspace.ForWrite, remembering a copy-up so that it goes
// again if the transaction leaves it unchanged (dropUnchangedCopies).
func (tx *Tx) forWrite(db int, key string) *keyspace.Entry {
	top := tx.ks.Top(db)
	had := top.Lookup(key) != nil
	e := tx.ks.ForWrite(db, key)
	if e != nil && !had {
		tx.copies = append(tx.copies, copyUp{l: top, key: key, e: e})
	}
	return e
}

// dropUnchangedCopies removes, after a commit, the entries the
// transaction copied up but did not change: a command that only looked
// (COPY onto an existing key, HDEL of a missing field) or failed (a
// WRONGTYPE after the copy-up) leaves the layers as they were, in memory
// as on disk, where nothing was written for them. A copy left in a top
// layer would later freeze or fold as a value the layer's space lacks.
func (tx *Tx) dropUnchangedCopies() {
	if len(tx.copies) == 0 {
		return
	}
	var written map[loc]bool
	if len(tx.muts) > 0 {
		// Where each mutation wrote: its database's top layer then,
		// replaying the database-wide edits (as the translator does).
		var cur [NumDBs]*keyspace.Layer
		for db := range cur {
			cur[db] = tx.ks.Top(db)
		}
		for i := len(tx.muts) - 1; i >= 0; i-- {
			if m := &tx.muts[i]; m.dbWide() {
				switch ed := &m.Edits[0]; ed.Kind {
				case EditFlushDB:
					cur[m.DB] = ed.flushed.Old()
				case EditSwapDB:
					cur[m.DB], cur[ed.Index] = cur[ed.Index], cur[m.DB]
				}
			}
		}
		written = make(map[loc]bool, len(tx.muts))
		for i := range tx.muts {
			m := &tx.muts[i]
			if !m.dbWide() {
				written[loc{cur[m.DB], m.Key}] = true
				continue
			}
			switch ed := &m.Edits[0]; ed.Kind {
			case EditFlushDB:
				cur[m.DB] = ed.flushed.New()
			case EditSwapDB:
				cur[m.DB], cur[ed.Index] = cur[ed.Index], cur[m.DB]
			}
		}
	}
	for _, cp := range tx.copies {
		if !written[loc{cp.l, cp.key}] {
			tx.ks.DropCopy(cp.l, cp.key, cp.e)
		}
	}
	clear(tx.copies)
	tx.copies = tx.copies[:0]
}

// cloneEntry returns a copy of e, key's entry in the current database, that
// can be modified independently of it: O(1) (see keyspace.Entry.Clone).
func (tx *Tx) cloneEntry(key string, e *keyspace.Entry) *keyspace.Entry {
	if tx.write && tx.ks.InTop(tx.db, key, e) {
		return e.Clone()
	}
	return e.CloneFrozen()
}

// lookupKind is lookupW or lookup with a type check: it returns nil when
// the key is absent and ErrWrongType when it holds another kind.
func (tx *Tx) lookupKind(key string, k keyspace.Kind, write bool) (*keyspace.Entry, error) {
	var e *keyspace.Entry
	if write {
		e = tx.lookupW(key)
	} else {
		e = tx.lookup(key)
	}
	if e != nil && e.Kind != k {
		return nil, ErrWrongType
	}
	return e, nil
}

// do runs fn as a one-command transaction on this handle's database with
// keys locked up front (in sorted order), so it never re-runs.
func (d *DB) do(write bool, fn func(tx *Tx) error, keys ...string) error {
	if write {
		d.c.evictBeforeWrite()
	}
	var buf [4]keyspace.Stripe
	pre := buf[:0]
	for _, k := range keys {
		pre = append(pre, d.br.ks.StripeOf(d.db, k))
	}
	return d.c.run(d.br, d.db, write, pre, fn)
}

// UpdateKeys is Update with the locks of keys (of this handle's database)
// taken up front, in sorted order: a closure that touches only those keys
// never re-runs. The server runs every command this way.
func (d *DB) UpdateKeys(keys []string, fn func(tx *Tx) error) error {
	return d.do(true, fn, keys...)
}

// UpdateKeyBytes is UpdateKeys for keys held as bytes (such as a server's
// command arguments): it locks without converting them to strings. Over
// MaxMemory it evicts first, like every write, but its writes never fail
// with ErrOOM: the caller decides, as the server does with CheckMemory
// before Redis's denyoom commands only.
func (d *DB) UpdateKeyBytes(keys [][]byte, fn func(tx *Tx) error) error {
	return d.doBytes(true, fn, keys)
}

// ViewKeyBytes is ViewKeys for keys held as bytes; see UpdateKeyBytes.
func (d *DB) ViewKeyBytes(keys [][]byte, fn func(tx *Tx) error) error {
	return d.doBytes(false, fn, keys)
}

func (d *DB) doBytes(write bool, fn func(tx *Tx) error, keys [][]byte) error {
	if write {
		d.c.evictBeforeWrite()
	}
	var buf [4]keyspace.Stripe
	pre := buf[:0]
	for _, k := range keys {
		pre = append(pre, d.br.ks.StripeOfBytes(d.db, k))
	}
	return d.c.runOpt(d.br, d.db, write, true, pre, fn)
}

// ViewKeys is View with the locks of keys taken up front; see UpdateKeys.
func (d *DB) ViewKeys(keys []string, fn func(tx *Tx) error) error {
	return d.do(false, fn, keys...)
}

// Try runs fn as one step of the transaction: if fn returns an error, the
// changes fn made are undone and the error is returned, while the changes
// made before it stay and the transaction goes on. EXEC uses it so that a
// failing command does not undo its neighbours, as in Redis.
func (tx *Tx) Try(fn func(tx *Tx) error) error {
	nm := len(tx.muts)
	ne := 0
	if nm > 0 {
		ne = len(tx.muts[nm-1].Edits)
	}
	nu, np, na, nedits := len(tx.undoF), len(tx.pushed), len(tx.after), len(tx.edits)
	err := tx.tryStep(fn)
	if err == nil {
		return nil
	}
	// Undo, newest first, everything recorded after the savepoint.
	for i := len(tx.muts) - 1; i >= nm-1 && i >= 0; i-- {
		m := &tx.muts[i]
		stop := 0
		if i == nm-1 {
			stop = ne
		}
		for j := len(m.Edits) - 1; j >= stop; j-- {
			tx.undo(m.DB, m.Key, &m.Edits[j])
		}
		if i == nm-1 {
			m.Edits = m.Edits[:ne]
		}
	}
	for i := len(tx.undoF) - 1; i >= nu; i-- {
		tx.undoF[i]()
	}
	clear(tx.muts[nm:])
	tx.muts = tx.muts[:nm]
	clear(tx.edits[nedits:])
	tx.edits = tx.edits[:nedits]
	tx.undoF, tx.pushed, tx.after = tx.undoF[:nu], tx.pushed[:np], tx.after[:na]
	return err
}
