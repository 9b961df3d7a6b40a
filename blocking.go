package potato

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"rustypotato/internal/keyspace"
)

// Blocking pops (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP).
//
// A client that finds all its lists empty registers a waiter on each of
// its keys, inside the transaction that found them empty and with their
// stripes write-locked, so no push can slip between the check and the
// registration. Each key's waiters form a FIFO queue guarded by the key's
// stripe lock, like the WATCH registry.
//
// Any transaction that leaves a list at a key with waiters serves them
// before it commits (serveBlocked, called by Tx.call after the closure):
// for every key the transaction changed, in the order it changed them, it
// pops for the key's waiters in FIFO order with the ordinary primitives,
// so the pushing command and the pops that wake clients are one atomic
// change with events "lpush" then "lpop", as in Redis. A served BLMOVE
// pushes onto its destination with the same primitives, which may serve
// that key's waiters in turn.
//
// A waiter is claimed by a compare-and-swap of its state, so a waiter on
// several keys is served once. The claiming transaction hands over the
// result after it commits (afterCommit) and gives the claim back if it
// rolls back (onRollback). A waiter whose context ends, whose timeout
// passes or whose store closes withdraws by the same compare-and-swap; if
// a transaction holds its claim at that moment, it waits for that
// transaction's outcome, so an element popped for it is always returned
// and never lost.

// Waiter states.
const (
	waitWaiting uint32 = iota // registered, may be claimed
	waitClaimed               // a transaction popped for it (final once committed)
	waitGone                  // withdrew: timed out, cancelled or closed
)

// waiter is one blocked call.
type waiter struct {
	db    int
	keys  []string      // keys to pop from, in the caller's order
	from  ListDirection // end to pop from (for zset: Left is the lowest score)
	zset  bool          // BZPOPMIN, BZPOPMAX, BZMPOP: pop from sorted sets
	count int           // elements to pop (BLMPOP's COUNT; 1 otherwise)
	move  bool          // BLMOVE: push the element at end to of dst
	dst   string
	to    ListDirection
	nodes []*waitNode // its place in each distinct key's queue

	state atomic.Uint32
	res   chan waitResult // capacity 1: the committed result
	wake  chan struct{}   // capacity 1: a claim was given back
}

// waitResult is what a served waiter returns.
type waitResult struct {
	key  string
	vals [][]byte
	zs   []Z // members popped from a sorted set
	err  error
}

// waitNode is a waiter's entry in one key's queue.
type waitNode struct {
	w          *waiter
	key        string
	s          keyspace.Stripe
	prev, next *waitNode
}

// waitQueue is the FIFO of the waiters of one key.
type waitQueue struct{ head, tail *waitNode }

// blockedRegistry tracks clients blocked in BLPOP and friends.
type blockedRegistry struct {
	// queues[s] maps the keys of stripe s that have waiters to their
	// queues. Guarded by stripe s's lock (written under the write lock).
	queues [keyspace.NumDBs * keyspace.NumShards]map[string]*waitQueue
	// n counts registered waiters, so that transactions skip serving
	// when nobody waits. It changes under the stripe locks of the
	// waiter's keys, so a transaction holding a key's lock sees every
	// waiter registered on that key.
	n atomic.Int64
}

func (r *blockedRegistry) init() {}

// blockedKey names a key of a database that may now hold a list. Code
// that creates lists without recording a per-key Mutation appends it to
// Tx.pushed; serveBlocked serves its waiters like those of changed keys.
type blockedKey struct {
	db  int
	key string
}

func (r *blockedRegistry) link(n *waitNode) {
	m := r.queues[n.s]
	if m == nil {
		m = make(map[string]*waitQueue)
		r.queues[n.s] = m
	}
	q := m[n.key]
	if q == nil {
		q = &waitQueue{}
		m[n.key] = q
	}
	n.prev = q.tail
	if q.tail != nil {
		q.tail.next = n
	} else {
		q.head = n
	}
	q.tail = n
}

func (r *blockedRegistry) unlink(n *waitNode) {
	q := r.queues[n.s][n.key]
	if n.prev != nil {
		n.prev.next = n.next
	} else {
		q.head = n.next
	}
	if n.next != nil {
		n.next.prev = n.prev
	} else {
		q.tail = n.prev
	}
	n.prev, n.next = nil, nil
	if q.head == nil {
		delete(r.queues[n.s], n.key)
	}
}

// register queues w on each of its distinct keys. The transaction holds
// their stripes for writing; if it rolls back, the registration goes too.
func (tx *Tx) register(w *waiter) {
	r := &tx.br.blocked
	w.nodes = w.nodes[:0]
	for i, k := range w.keys {
		dup := false
		for _, p := range w.keys[:i] {
			if p == k {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		n := &waitNode{w: w, key: k, s: tx.lockKey(w.db, k)}
		r.link(n)
		w.nodes = append(w.nodes, n)
	}
	r.n.Add(1)
	tx.onRollback(func() {
		for _, n := range w.nodes {
			r.unlink(n)
		}
		r.n.Add(-1)
	})
}

// withdraw removes w from its queues, taking each stripe lock in turn.
func (r *blockedRegistry) withdraw(ks *keyspace.Keyspace, w *waiter) {
	for _, n := range w.nodes {
		ks.Lock(n.s)
		r.unlink(n)
		ks.Unlock(n.s)
	}
	r.n.Add(-1)
}

// unclaim gives back a claim taken by a transaction that rolled back.
func (w *waiter) unclaim() {
	w.state.Store(waitWaiting)
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// serveWaiter pops for w from key, whose list e is not empty: up to
// w.count elements, or one element moved to w.dst. A move onto a
// destination of another type pops nothing and returns ErrWrongType.
func (tx *Tx) serveWaiter(w *waiter, key string, e *keyspace.Entry) waitResult {
	if w.zset {
		return waitResult{key: key, zs: tx.zpopN(key, e, w.from == Right, max(w.count, 1))}
	}
	if w.move {
		v, err := tx.move(key, e, w.dst, w.from, w.to)
		if err != nil {
			return waitResult{err: err}
		}
		return waitResult{key: key, vals: [][]byte{v}}
	}
	return waitResult{key: key, vals: tx.popN(key, e, w.from == Left, max(w.count, 1))}
}

// kind is the type of value w pops from.
func (w *waiter) kind() keyspace.Kind {
	if w.zset {
		return keyspace.KindZSet
	}
	return keyspace.KindList
}

// popFirst is the non-blocking half of every blocking pop: it serves w
// from the first of its keys that holds a list. Keys are checked in order,
// so one of another type before the first list gives ErrWrongType, as in
// Redis. ok is false when none holds a list.
func (tx *Tx) popFirst(w *waiter) (res waitResult, ok bool) {
	for _, k := range w.keys {
		e, err := tx.lookupKind(k, w.kind(), true)
		if err != nil {
			return waitResult{err: err}, true
		}
		if e != nil {
			return tx.serveWaiter(w, k, e), true
		}
	}
	return waitResult{}, false
}

// serveBlocked hands elements pushed by this transaction to blocked
// clients. It runs inside the transaction, after the closure, with the
// locks of every key the transaction changed still held.
//
// It looks at every key the transaction changed rather than only at the
// pushes, so that any way of leaving a list at a key (a push, RENAME,
// COPY, MOVE, a roll-back, a plugin) wakes its waiters, as Redis's
// signalKeyAsReady does on every list it adds to a database. SWAPDB
// serves the waiters of both databases. Keys come in the order they were
// changed, then those in tx.pushed.
func (tx *Tx) serveBlocked() error {
	r := &tx.br.blocked
	if r.n.Load() == 0 || !tx.write {
		return nil
	}
	db := tx.db
	defer func() { tx.db = db }()
	mi, pi := 0, 0
	for mi < len(tx.muts) || pi < len(tx.pushed) {
		if mi == len(tx.muts) {
			p := tx.pushed[pi]
			pi++
			tx.serveKey(p.db, p.key)
			continue
		}
		// Serving appends to tx.muts: copy what is needed first.
		m := &tx.muts[mi]
		mi++
		mdb, key := m.DB, m.Key
		if m.dbWide() {
			if m.Edits[0].Kind == EditSwapDB {
				other := m.Edits[0].Index
				tx.serveDB(mdb)
				tx.serveDB(other)
			}
			continue
		}
		tx.serveKey(mdb, key)
	}
	return nil
}

// serveDB serves every key of database db that has waiters. The
// transaction holds every stripe of db.
func (tx *Tx) serveDB(db int) {
	r := &tx.br.blocked
	var keys []string
	for i := 0; i < keyspace.NumShards; i++ {
		for k := range r.queues[db*keyspace.NumShards+i] {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		tx.serveKey(db, k)
	}
}

// serveKey serves the waiters of key in database db, first come first
// served, while the key holds a list.
func (tx *Tx) serveKey(db int, key string) {
	r := &tx.br.blocked
	s := tx.lockKey(db, key) // held already: the transaction changed key
	q := r.queues[s][key]
	if q == nil {
		return
	}
	tx.db = db
	// Nothing unlinks nodes while the stripe is held, so the walk is safe.
	for n := q.head; n != nil; n = n.next {
		w := n.w
		if w.state.Load() != waitWaiting {
			continue // served or gone: it unlinks itself
		}
		e, err := tx.lookupKind(key, w.kind(), true)
		if e == nil && err == nil {
			return
		}
		if err != nil {
			continue // a waiter for another type: the key stays as it is
		}
		if !w.state.CompareAndSwap(waitWaiting, waitClaimed) {
			continue
		}
		// Registered before anything that may unwind (a BLMOVE's
		// destination lock may ask for a re-run).
		tx.onRollback(w.unclaim)
		// One step of its own: if a hook refuses what the waiter would
		// store (BLMOVE's destination), the waiter's command fails and
		// the element stays, not the write that woke it.
		var res waitResult
		if err := tx.Try(func(tx *Tx) error { res = tx.serveWaiter(w, key, e); return nil }); err != nil {
			res = waitResult{err: err}
		}
		tx.db = db
		tx.afterCommit(func() { w.res <- res })
	}
}

// block runs the blocking command w: it serves w at once if one of its
// lists has elements, and otherwise registers it and waits until a
// transaction serves it, timeout passes (0: no limit), ctx ends or the
// store closes. lock lists the keys to lock up front.
func (d *DB) block(ctx context.Context, timeout time.Duration, w *waiter, lock ...string) waitResult {
	if timeout < 0 {
		return waitResult{err: errListNegativeTTL}
	}
	if err := ctx.Err(); err != nil {
		return waitResult{err: err}
	}
	w.db = d.db
	w.res = make(chan waitResult, 1)
	w.wake = make(chan struct{}, 1)
	var (
		res        waitResult
		registered bool
	)
	err := d.do(true, func(tx *Tx) error {
		var ok bool
		res, ok = tx.popFirst(w)
		registered = !ok
		if registered {
			tx.register(w)
		}
		return res.err
	}, lock...)
	if err != nil {
		return waitResult{err: err}
	}
	if !registered {
		return res
	}
	return d.c.wait(ctx, d.br, timeout, w)
}

// wait waits for the result of a waiter registered on branch br, then
// withdraws it.
func (c *core) wait(ctx context.Context, br *branch, timeout time.Duration, w *waiter) waitResult {
	defer br.blocked.withdraw(br.ks, w)
	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	var cause error
	select {
	case res := <-w.res:
		return res
	case <-ctx.Done():
		cause = ctx.Err()
	case <-expired:
		cause = ErrNotFound
	case <-c.stop:
		cause = ErrClosed
	case <-br.gone:
		cause = fmt.Errorf("%w '%s'", ErrNoBranch, br.name)
	}
	for {
		if w.state.CompareAndSwap(waitWaiting, waitGone) {
			return waitResult{err: cause}
		}
		// A transaction has claimed w: it either commits, and the
		// element is ours, or rolls back and gives the claim back.
		select {
		case res := <-w.res:
			return res
		case <-w.wake:
		}
	}
}

// checkBlocking validates what every blocking pop checks first.
func checkBlocking(cmd string, timeout time.Duration, keys []string) error {
	if len(keys) == 0 {
		return errListArity(cmd)
	}
	if timeout < 0 {
		return errListNegativeTTL
	}
	return nil
}

// BLPop is LPop on the first non-empty list among keys that blocks while
// all are empty (BLPOP). It returns the key popped from and the element.
// Waiting clients are served first come first served, and an element
// pushed while a client waits goes to it in the same atomic step as the
// push.
//
// It waits at most timeout (0: until ctx ends) and then returns
// ErrNotFound (Redis's nil reply); it returns ctx.Err() when ctx ends
// first (without popping if it has already ended) and ErrClosed when the
// DB closes. An element popped for the caller is always returned, even if
// ctx ends at the same moment. Keys are checked
// in order: one of another type before the first list gives ErrWrongType.
// A negative timeout or no keys give an ErrInvalidArgument error.
func (d *DB) BLPop(ctx context.Context, timeout time.Duration, keys ...string) (key string, val []byte, err error) {
	return d.bpop(ctx, "blpop", Left, timeout, keys)
}

// BRPop is BLPop popping from the tail (BRPOP); see DB.BLPop.
func (d *DB) BRPop(ctx context.Context, timeout time.Duration, keys ...string) (key string, val []byte, err error) {
	return d.bpop(ctx, "brpop", Right, timeout, keys)
}

func (d *DB) bpop(ctx context.Context, cmd string, from ListDirection, timeout time.Duration, keys []string) (string, []byte, error) {
	if err := checkBlocking(cmd, timeout, keys); err != nil {
		return "", nil, err
	}
	res := d.block(ctx, timeout, &waiter{keys: keys, from: from, count: 1}, keys...)
	if res.err != nil {
		return "", nil, res.err
	}
	return res.key, res.vals[0], nil
}

// BLPop inside a transaction does not block, as in Redis's MULTI: it is
// LPop on the first list among keys that exists, returning ErrNotFound if
// none does. ctx is not used; timeout is only checked.
func (tx *Tx) BLPop(ctx context.Context, timeout time.Duration, keys ...string) (key string, val []byte, err error) {
	return tx.bpop("blpop", Left, timeout, keys)
}

// BRPop inside a transaction does not block; see Tx.BLPop.
func (tx *Tx) BRPop(ctx context.Context, timeout time.Duration, keys ...string) (key string, val []byte, err error) {
	return tx.bpop("brpop", Right, timeout, keys)
}

func (tx *Tx) bpop(cmd string, from ListDirection, timeout time.Duration, keys []string) (string, []byte, error) {
	tx.mustWrite()
	if err := checkBlocking(cmd, timeout, keys); err != nil {
		return "", nil, err
	}
	res, ok := tx.popFirst(&waiter{keys: keys, from: from, count: 1})
	if !ok {
		return "", nil, ErrNotFound
	}
	if res.err != nil {
		return "", nil, res.err
	}
	return res.key, res.vals[0], nil
}

// BLMove is LMove that blocks while src is empty (BLMOVE); it returns the
// element moved. A destination of another type is only found out when
// there is an element to move: then it returns ErrWrongType and the
// element stays in src. Waiting, timeout, ctx and errors are as in
// DB.BLPop; an invalid direction gives an ErrInvalidArgument error.
func (d *DB) BLMove(ctx context.Context, src, dst string, from, to ListDirection, timeout time.Duration) ([]byte, error) {
	if !from.valid() || !to.valid() {
		return nil, errListSyntax
	}
	if timeout < 0 {
		return nil, errListNegativeTTL
	}
	w := &waiter{keys: []string{src}, from: from, move: true, dst: dst, to: to}
	res := d.block(ctx, timeout, w, src, dst)
	if res.err != nil {
		return nil, res.err
	}
	return res.vals[0], nil
}

// BLMove inside a transaction does not block: it is LMove, returning
// ErrNotFound if src does not exist. ctx is not used; timeout is only
// checked.
func (tx *Tx) BLMove(ctx context.Context, src, dst string, from, to ListDirection, timeout time.Duration) ([]byte, error) {
	if !from.valid() || !to.valid() {
		return nil, errListSyntax
	}
	if timeout < 0 {
		return nil, errListNegativeTTL
	}
	return tx.LMove(src, dst, from, to)
}

// BRPopLPush is BLMove(ctx, src, dst, Right, Left, timeout)
// (BRPOPLPUSH).
func (d *DB) BRPopLPush(ctx context.Context, src, dst string, timeout time.Duration) ([]byte, error) {
	return d.BLMove(ctx, src, dst, Right, Left, timeout)
}

// BRPopLPush inside a transaction does not block; see Tx.BLMove.
func (tx *Tx) BRPopLPush(ctx context.Context, src, dst string, timeout time.Duration) ([]byte, error) {
	return tx.BLMove(ctx, src, dst, Right, Left, timeout)
}

// BLMPop is LMPop that blocks while all the lists are empty (BLMPOP): it
// returns the key popped from and up to count elements. Waiting, timeout,
// ctx and errors are as in DB.BLPop and LMPop.
func (d *DB) BLMPop(ctx context.Context, timeout time.Duration, dir ListDirection, count int64, keys ...string) (key string, vals [][]byte, err error) {
	// Redis reads BLMPOP's timeout, its first argument, first.
	if timeout < 0 {
		return "", nil, errListNegativeTTL
	}
	if err := checkMPop(dir, count, keys); err != nil {
		return "", nil, err
	}
	res := d.block(ctx, timeout, &waiter{keys: keys, from: dir, count: clampInt(count)}, keys...)
	return res.key, res.vals, res.err
}

// BLMPop inside a transaction does not block: it is LMPop. ctx is not
// used; timeout is only checked.
func (tx *Tx) BLMPop(ctx context.Context, timeout time.Duration, dir ListDirection, count int64, keys ...string) (key string, vals [][]byte, err error) {
	if timeout < 0 {
		return "", nil, errListNegativeTTL
	}
	return tx.LMPop(dir, count, keys...)
}
