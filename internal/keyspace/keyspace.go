// Package keyspace holds RustyPotato's in-memory data: for each branch, a
// chain of layers of concurrent maps per database, the striped locks that
// guard them, the per-shard key slices that make SCAN cursors stable, and
// the active-expiry index.
//
// It knows nothing of commands or of the mutation path: package potato
// decides what to change and records it; this package only stores. Every
// method that reads or writes an entry requires the caller to hold the
// stripe lock of that key in the branch (read or write as documented),
// except where a method says it locks by itself.
//
// # Layers
//
// A Keyspace is one branch. Each of its 16 databases is a chain of
// Layers: writes go to the top layer; reads fall through to the parents.
// Fork freezes the top layers and gives both branches new empty tops over
// them, in O(1) of the data. A frozen layer is never modified again
// (except by Fold, which merges a layer into its parent under the locks of
// every branch that can see it), so several branches read it without
// sharing locks. A key deleted in a layer over a parent that still holds
// it is a tombstone. Containers are persistent structures: copying a
// value up from a frozen layer costs O(1), and its first write copies one
// path.
package keyspace

import (
	"container/heap"
	"hash/maphash"
	"sync"
	"sync/atomic"

	"github.com/puzpuzpuz/xsync/v4"
)

// NumDBs is the number of numbered databases in every branch (SELECT 0..15).
const NumDBs = 16

// NumShards is the number of lock stripes (and key shards) per database.
const NumShards = 128

// Kind is the type of the value an entry holds.
type Kind uint8

// The kinds of value. KindTombstone marks, in a child layer, a key deleted
// over a parent layer that still holds it.
const (
	KindNone Kind = iota
	KindString
	KindHash
	KindList
	KindTombstone
	// KindJSON is a JSON document (RedisJSON's ReJSON-RL type): its
	// compact, canonical JSON text in Str, replaced as a whole by every
	// write (never modified in place).
	KindJSON
	// KindSet is a set of members (set.go); reserved here so that the
	// kinds added by parallel work keep distinct numbers.
	KindSet
	// KindZSet is a sorted set (zset.go); reserved like KindSet.
	KindZSet
)

// Entry is one key's value and metadata. Its fields are guarded by the
// stripe lock of its key. An entry in a frozen layer is never modified
// (but for its access clock, which is atomic).
type Entry struct {
	Kind Kind
	// gen is the generation of its layer the entry was stored in (see
	// Layer.gen); an entry of an older one may share the nodes its
	// containers own with copies made while it was frozen. (Beside Kind:
	// in the padding before Str.)
	gen      uint32
	Str      []byte // KindString, KindJSON; never modified in place within len(Str)
	Hash     *Hash  // KindHash
	List     *List  // KindList
	Set      *Set   // KindSet
	ZSet     *ZSet  // KindZSet
	ExpireAt int64  // deadline in Unix milliseconds; 0 means no expiry
	Version  uint64 // seq of the last mutation of this key (for WATCH)
	// lru is the access word, atomic (readers touch it): the last
	// access in Unix seconds under LRU policies, or Redis's LFU word
	// (minutes<<8 | logarithmic counter) under LFU ones (AccessWord).
	lru  uint32
	slot int32 // index of the key in its shard's key slice
	// size is the bytes accounted to the entry (EntrySize, then Grow),
	// counted in its layer's shard while the entry is stored there.
	size uint32
	// CopiedUp is set on an entry that ForWrite copied up from a parent
	// layer, until the key's value is replaced whole: persistence writes
	// such a container as changes over the parent's.
	CopiedUp bool
}

// Expired reports whether e has a deadline at or before now (Unix ms).
func (e *Entry) Expired(now int64) bool {
	return e.ExpireAt != 0 && e.ExpireAt <= now
}

// Touch records an access at now (Unix seconds). Readers call it under a
// shared lock, so it is atomic, and it writes only when the second
// changed, to keep hot keys' cache lines clean.
func (e *Entry) Touch(now int64) {
	if atomic.LoadUint32(&e.lru) != uint32(now) {
		atomic.StoreUint32(&e.lru, uint32(now))
	}
}

// LastAccess returns the last access time recorded by Touch (Unix seconds).
func (e *Entry) LastAccess() int64 { return int64(atomic.LoadUint32(&e.lru)) }

// AccessWord returns the raw access word: what Touch stored, or an LFU
// word stored by SetAccessWord (the owner knows which policy wrote it).
func (e *Entry) AccessWord() uint32 { return atomic.LoadUint32(&e.lru) }

// CASAccessWord replaces the access word old with w if it is still old
// (readers update it under a shared lock).
func (e *Entry) CASAccessWord(old, w uint32) bool {
	return atomic.CompareAndSwapUint32(&e.lru, old, w)
}

// SetAccessWord stores w as the access word.
func (e *Entry) SetAccessWord(w uint32) { atomic.StoreUint32(&e.lru, w) }

// Stripe identifies one lock stripe: a database and a shard within it.
// Stripes order by (DB, Shard); multi-key operations lock in that order.
type Stripe uint32

// DB returns the database the stripe belongs to.
func (s Stripe) DB() int { return int(s) / NumShards }

// Shard returns the shard of the stripe within its database.
func (s Stripe) Shard() int { return int(s) % NumShards }

// Seed is the hash seed that places keys in shards. Every branch of one
// store uses the same seed, since they share layers; it also carries the
// store-wide counter of accounted bytes (MemDelta).
type Seed struct {
	s   maphash.Seed
	mem *xsync.Counter
}

// NewSeed returns a new random seed.
func NewSeed() Seed { return Seed{maphash.MakeSeed(), xsync.NewCounter()} }

// Keyspace is one branch's view of the data: its lock stripes and the top
// layer of each database. Methods are safe for concurrent use under the
// locking rules above.
type Keyspace struct {
	seed  maphash.Seed
	mem   *xsync.Counter // Seed.mem: every change of a layer's bytes
	locks [NumDBs * NumShards]stripeLock
	dbs   [NumDBs]*Layer
	// pcur holds, per database and frozen layer of its chain, how far
	// active expiry got in each shard of the layer's sorted deadlines.
	// A database's map changes only under every stripe of the database
	// (Fork, Fold); an element of a cursor array only under its
	// stripe's write lock.
	pcur [NumDBs]map[*Layer]*[NumShards]int32
}

type stripeLock struct {
	sync.RWMutex
	// Read hits and misses of keys in this stripe: counted here, on the
	// cache line the read lock writes anyway, rather than in a shared
	// counter that every core would fight over.
	hits, misses atomic.Int64
	_            [24]byte // keep neighbouring stripes off one cache line
}

// NoSpace is Layer.Space before the owner names the layer.
const NoSpace = ^uint64(0)

// layerSerial numbers layers, for SCAN cursors to recognise them.
var layerSerial atomic.Uint64

// Layer is one level of a database's chain. The top layer of a branch is
// written under the branch's stripe locks; a frozen layer (any other) is
// read-only.
type Layer struct {
	parent *Layer
	serial uint64
	// Space is the owner's name for the layer (persistence stores each
	// layer under its own space number), NoSpace until the owner sets
	// it; the keyspace never reads it.
	Space uint64
	m     *xsync.Map[string, *Entry]
	// count and expiring are the number of keys, and of keys with a
	// deadline, in the view through this layer (its parents included):
	// DBSIZE and INFO keyspace of a branch, in O(1).
	count    atomic.Int64
	expiring atomic.Int64
	shards   [NumShards]shard
	// sorted holds a frozen layer's pending deadlines per shard in
	// order, built on first use by active expiry (whose cursors for the
	// layer live in each branch's pcur).
	sorted [NumShards]atomic.Pointer[[]expItem]
	// gen changes when a fold makes entries that were frozen part of a
	// layer that may be written again: those entries (gen differs) were
	// cloned with CloneFrozen, which leaves the original's nodes to it,
	// so ForWrite replaces one with a copy before it is modified.
	gen uint32
}

type shard struct {
	keys     []string // swap-delete slice of stored keys (not tombstones); an entry's slot indexes it
	exp      expHeap  // active-expiry index, may hold stale items
	expiring int      // entries stored in this shard with a deadline
	// bytes is the sum of the sizes of the entries (tombstones
	// included) stored in this shard of the layer: written under the
	// stripe's write lock, read by memory accounting without it.
	bytes atomic.Int64
}

// NewLayer returns an empty layer over parent (nil for a bottom layer),
// holding the same view as parent until written.
func NewLayer(parent *Layer) *Layer {
	l := &Layer{parent: parent, serial: layerSerial.Add(1), Space: NoSpace, m: xsync.NewMap[string, *Entry](), gen: 1}
	if parent != nil {
		l.count.Store(parent.count.Load())
		l.expiring.Store(parent.expiring.Load())
	}
	return l
}

// Parent returns the layer below l, nil for a bottom layer.
func (l *Layer) Parent() *Layer { return l.parent }

// Serial returns a number that identifies l among the process's layers.
func (l *Layer) Serial() uint64 { return l.serial }

// Len returns the number of keys in the view through l.
func (l *Layer) Len() int { return int(l.count.Load()) }

// Stored returns the number of keys (not tombstones) stored in l itself.
// The caller holds every stripe of l's database, or l is frozen.
func (l *Layer) Stored() int {
	n := 0
	for i := range l.shards {
		n += len(l.shards[i].keys)
	}
	return n
}

// Entries calls fn for every entry stored in l itself, tombstones
// included, until fn returns false. The caller holds every stripe of l's
// database in every branch that writes l, or l is frozen.
func (l *Layer) Entries(fn func(key string, e *Entry) bool) {
	l.m.Range(fn)
}

// Lookup returns the entry stored in l itself for key (possibly a
// tombstone), or nil.
func (l *Layer) Lookup(key string) *Entry {
	e, _ := l.m.Load(key)
	return e
}

// New returns an empty keyspace (a branch of its own) with one layer per
// database.
func New() *Keyspace { return NewWithSeed(NewSeed()) }

// NewWithSeed returns an empty keyspace that shards keys with seed, so that
// it can share layers with other keyspaces of that seed.
func NewWithSeed(seed Seed) *Keyspace {
	ks := &Keyspace{seed: seed.s, mem: seed.mem}
	if ks.mem == nil {
		ks.mem = xsync.NewCounter()
	}
	for i := range ks.dbs {
		ks.dbs[i] = NewLayer(nil)
	}
	return ks
}

// Seed returns the keyspace's shard seed.
func (ks *Keyspace) Seed() Seed { return Seed{ks.seed, ks.mem} }

// Top returns the top layer of database db. The caller holds a stripe of
// db (any), or every stripe for a consistent view of the chain.
func (ks *Keyspace) Top(db int) *Layer { return ks.dbs[db] }

// SetTop makes l the top layer of database db (a keyspace being built at
// restart, or Fold). The caller holds every stripe of db, or is the only
// user.
func (ks *Keyspace) SetTop(db int, l *Layer) { ks.dbs[db] = l }

// Depth returns the number of layers in database db's chain.
func (ks *Keyspace) Depth(db int) int {
	n := 0
	for l := ks.dbs[db]; l != nil; l = l.parent {
		n++
	}
	return n
}

// Fork freezes the top layer of every database and returns a new branch
// whose databases are new layers over them, as this one's become: both
// see the same data, in O(1). A top layer that holds nothing is not
// frozen: the new branch's layer goes beside it, over its parent, so that
// forking a branch that did not change since its last fork does not make
// its chains longer. The caller holds every stripe of ks for writing
// (LockAll).
func (ks *Keyspace) Fork() *Keyspace {
	nk := &Keyspace{seed: ks.seed, mem: ks.mem}
	for db := range ks.dbs {
		p := ks.dbs[db]
		if p.m.Size() == 0 {
			nk.dbs[db] = NewLayer(p.parent)
			continue
		}
		ks.dbs[db] = NewLayer(p)
		nk.dbs[db] = NewLayer(p)
	}
	// Active expiry of each branch starts at the front of the frozen
	// layers' deadlines; deeper layers' cursors carry over.
	for db := range ks.dbs {
		nk.pcur[db] = make(map[*Layer]*[NumShards]int32, len(ks.pcur[db])+1)
		for l, c := range ks.pcur[db] {
			cc := *c
			nk.pcur[db][l] = &cc
		}
		if ks.pcur[db] == nil {
			ks.pcur[db] = make(map[*Layer]*[NumShards]int32)
		}
		if p := ks.dbs[db].parent; p != nil && ks.pcur[db][p] == nil {
			ks.pcur[db][p] = new([NumShards]int32)
			nk.pcur[db][p] = new([NumShards]int32)
		}
	}
	return nk
}

// LockAll write-locks every stripe of the branch, in order.
func (ks *Keyspace) LockAll() {
	for i := range ks.locks {
		ks.locks[i].Lock()
	}
}

// UnlockAll releases what LockAll took.
func (ks *Keyspace) UnlockAll() {
	for i := len(ks.locks) - 1; i >= 0; i-- {
		ks.locks[i].Unlock()
	}
}

// RLockAll read-locks every stripe of the branch, in order.
func (ks *Keyspace) RLockAll() {
	for i := range ks.locks {
		ks.locks[i].RLock()
	}
}

// RUnlockAll releases what RLockAll took.
func (ks *Keyspace) RUnlockAll() {
	for i := len(ks.locks) - 1; i >= 0; i-- {
		ks.locks[i].RUnlock()
	}
}

// StripeOf returns the lock stripe that guards key in database db.
func (ks *Keyspace) StripeOf(db int, key string) Stripe {
	return Stripe(db*NumShards + ks.shardOf(key))
}

// StripeOfBytes is StripeOf for a key held as bytes (the same stripe as
// for string(key)), so callers need not allocate a string to lock.
func (ks *Keyspace) StripeOfBytes(db int, key []byte) Stripe {
	return Stripe(db*NumShards + int(maphash.Bytes(ks.seed, key)%NumShards))
}

func (ks *Keyspace) shardOf(key string) int {
	return int(maphash.String(ks.seed, key) % NumShards)
}

// Lock, Unlock, RLock, RUnlock and TryLock operate on one stripe.
func (ks *Keyspace) Lock(s Stripe)          { ks.locks[s].Lock() }
func (ks *Keyspace) Unlock(s Stripe)        { ks.locks[s].Unlock() }
func (ks *Keyspace) RLock(s Stripe)         { ks.locks[s].RLock() }
func (ks *Keyspace) RUnlock(s Stripe)       { ks.locks[s].RUnlock() }
func (ks *Keyspace) TryLock(s Stripe) bool  { return ks.locks[s].TryLock() }
func (ks *Keyspace) TryRLock(s Stripe) bool { return ks.locks[s].TryRLock() }

// Hit and Miss count a read of a key in stripe s that found it or not.
func (ks *Keyspace) Hit(s Stripe)  { ks.locks[s].hits.Add(1) }
func (ks *Keyspace) Miss(s Stripe) { ks.locks[s].misses.Add(1) }

// HitsMisses sums Hit and Miss over all stripes.
func (ks *Keyspace) HitsMisses() (hits, misses int64) {
	for i := range ks.locks {
		hits += ks.locks[i].hits.Load()
		misses += ks.locks[i].misses.Load()
	}
	return hits, misses
}

// LockDB write-locks every stripe of database db, in order.
func (ks *Keyspace) LockDB(db int) {
	for i := 0; i < NumShards; i++ {
		ks.locks[db*NumShards+i].Lock()
	}
}

// UnlockDB releases what LockDB took.
func (ks *Keyspace) UnlockDB(db int) {
	for i := NumShards - 1; i >= 0; i-- {
		ks.locks[db*NumShards+i].Unlock()
	}
}

// Get returns the entry for key, looking through parent layers, or nil.
// It does not look at expiry. The caller holds the key's stripe (read or
// write). The entry belongs to a parent layer when the key has not been
// written in the top layer: call ForWrite before modifying it.
func (ks *Keyspace) Get(db int, key string) *Entry {
	return viewGet(ks.dbs[db], key)
}

// ViewGet returns key's entry in the view through layer l (nil l: none),
// like Keyspace.Get. The caller holds the key's stripe in a branch that
// reads l, or l is frozen.
func ViewGet(l *Layer, key string) *Entry { return viewGet(l, key) }

func viewGet(l *Layer, key string) *Entry {
	for ; l != nil; l = l.parent {
		if e, ok := l.m.Load(key); ok {
			if e.Kind == KindTombstone {
				return nil
			}
			return e
		}
	}
	return nil
}

// InTop reports whether e, an entry of database db's view, is stored in
// the top layer (and so may be modified under the stripe's write lock).
func (ks *Keyspace) InTop(db int, key string, e *Entry) bool {
	top := ks.dbs[db]
	te, ok := top.m.Load(key)
	return ok && te == e && te.gen == top.gen
}

// ForWrite returns the entry for key in the top layer, copying it up from a
// parent layer first if needed (cost: O(1); containers share structure).
// It returns nil when the key does not exist. The caller holds the key's
// stripe for writing.
func (ks *Keyspace) ForWrite(db int, key string) *Entry {
	top := ks.dbs[db]
	if e, ok := top.m.Load(key); ok {
		if e.Kind == KindTombstone {
			return nil
		}
		if e.gen != top.gen {
			// Frozen once (a fold brought it into this layer): its
			// containers may share owned nodes with copies, so write a
			// copy of it, in its place.
			c := e.cloneFrozen()
			c.CopiedUp, c.slot, c.gen = e.CopiedUp, e.slot, top.gen
			top.m.Store(key, c)
			return c
		}
		return e
	}
	e := viewGet(top.parent, key)
	if e == nil {
		return nil
	}
	c := e.cloneFrozen()
	c.CopiedUp = true
	// The view does not change: the key was there and stays.
	ks.store(db, key, c, nil, e)
	return c
}

// DropCopy removes from layer l the entry e that ForWrite copied up there
// for key, if l still stores exactly e. The transaction that copied it
// up made no change to it (or undid them all), so the view is the same
// without it: the parent's entry shows again. A copy left behind would
// make l hold what its space on disk does not. The caller holds the
// key's stripe for writing in the branch whose layer l is (or was, before
// a FLUSHDB in the same transaction).
func (ks *Keyspace) DropCopy(l *Layer, key string, e *Entry) {
	if cur, ok := l.m.Load(key); !ok || cur != e || !e.CopiedUp {
		return
	}
	i := ks.shardOf(key)
	l.unlink(i, key, e)
	l.m.Delete(key)
	l.shards[i].compactExp(l)
	ks.acct(l, i, -int64(e.size))
}

// Clone returns a copy of e whose value may be modified independently of
// e's, in O(1) (containers share structure until written). The caller
// holds e exclusively: e is in the top layer and its stripe is
// write-locked.
func (e *Entry) Clone() *Entry {
	c := e.shallow()
	if e.Hash != nil {
		c.Hash = e.Hash.Clone()
	}
	if e.List != nil {
		c.List = e.List.Clone()
	}
	if e.Set != nil {
		c.Set = e.Set.Clone()
	}
	if e.ZSet != nil {
		c.ZSet = e.ZSet.Clone()
	}
	return c
}

// CloneFrozen is Clone for an entry of a frozen layer, which is never
// modified again and may be read (and cloned) by several branches at once.
func (e *Entry) CloneFrozen() *Entry { return e.cloneFrozen() }

func (e *Entry) cloneFrozen() *Entry {
	c := e.shallow()
	if e.Hash != nil {
		c.Hash = e.Hash.CloneFrozen()
	}
	if e.List != nil {
		c.List = e.List.CloneFrozen()
	}
	if e.Set != nil {
		c.Set = e.Set.CloneFrozen()
	}
	if e.ZSet != nil {
		c.ZSet = e.ZSet.CloneFrozen()
	}
	return c
}

func (e *Entry) shallow() *Entry {
	c := &Entry{Kind: e.Kind, ExpireAt: e.ExpireAt, Version: e.Version, slot: -1, size: e.size}
	c.lru = e.AccessWord()
	// Cap the copy's string so that an APPEND to either entry reallocates
	// instead of writing into bytes the other one shares.
	c.Str = e.Str[:len(e.Str):len(e.Str)]
	return c
}

// Put stores e under key in the top layer, replacing any entry there. It
// keeps the key's slot, the view's counts and the expiry index up to date.
// The caller holds the key's stripe for writing and must not reuse e for
// another key.
func (ks *Keyspace) Put(db int, key string, e *Entry) {
	top := ks.dbs[db]
	old, _ := top.m.Load(key)
	var view *Entry // the key's entry in the view before the put
	switch {
	case old != nil && old.Kind != KindTombstone:
		view = old
	case old == nil && top.parent != nil:
		view = viewGet(top.parent, key)
	}
	ks.store(db, key, e, old, view)
}

// store puts e in the top layer given the entry stored there before (old,
// possibly a tombstone) and the view's entry before (view).
func (ks *Keyspace) store(db int, key string, e, old, view *Entry) {
	top := ks.dbs[db]
	i := ks.shardOf(key)
	sh := &top.shards[i]
	if e.size == 0 {
		e.size = clampSize(EntrySize(key, e))
	}
	d := int64(e.size)
	if old != nil {
		d -= int64(old.size)
	}
	ks.acct(top, i, d)
	if old != nil && old.Kind != KindTombstone {
		e.slot = old.slot
		if old.ExpireAt != 0 {
			sh.expiring--
		}
	} else {
		e.slot = int32(len(sh.keys))
		sh.keys = append(sh.keys, key)
	}
	if view == nil {
		top.count.Add(1)
	}
	if d := b2i(e.ExpireAt != 0) - b2i(view != nil && view.ExpireAt != 0); d != 0 {
		top.expiring.Add(d)
	}
	if e.ExpireAt != 0 {
		sh.expiring++
		if old == nil || old.ExpireAt != e.ExpireAt {
			heap.Push(&sh.exp, expItem{at: e.ExpireAt, key: key})
		}
	}
	e.gen = top.gen
	top.m.Store(key, e)
	sh.compactExp(top)
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// RestoreTop makes the top layer of database db store for key what it
// stored before a change: prev as returned by Top(db).Lookup(key) then
// (nil for nothing, a tombstone, or an entry), keeping the view's counts
// and the key slices right. It undoes Put and Delete in a rolled-back
// transaction without ever moving a parent layer's entry into the top.
// The caller holds the key's stripe for writing.
func (ks *Keyspace) RestoreTop(db int, key string, prev *Entry) {
	top := ks.dbs[db]
	before := ks.Get(db, key)
	cur, _ := top.m.Load(key)
	i := ks.shardOf(key)
	if cur != nil && cur.Kind != KindTombstone {
		top.unlink(i, key, cur)
	}
	var d int64
	if cur != nil {
		d -= int64(cur.size)
	}
	if prev != nil {
		d += int64(prev.size)
	}
	ks.acct(top, i, d)
	switch {
	case prev == nil:
		top.m.Delete(key)
	case prev.Kind == KindTombstone:
		top.m.Store(key, prev)
	default:
		sh := &top.shards[i]
		prev.slot = int32(len(sh.keys))
		sh.keys = append(sh.keys, key)
		if prev.ExpireAt != 0 {
			sh.expiring++
			heap.Push(&sh.exp, expItem{at: prev.ExpireAt, key: key})
		}
		top.m.Store(key, prev)
	}
	after := ks.Get(db, key)
	if d := b2i(after != nil) - b2i(before != nil); d != 0 {
		top.count.Add(d)
	}
	if d := b2i(after != nil && after.ExpireAt != 0) - b2i(before != nil && before.ExpireAt != 0); d != 0 {
		top.expiring.Add(d)
	}
	sh := &top.shards[i]
	sh.compactExp(top)
}

// SetExpire changes the deadline of e, which is key's entry in the top layer
// (from Get after ForWrite, or just Put). at == 0 removes the deadline.
func (ks *Keyspace) SetExpire(db int, key string, e *Entry, at int64) {
	top := ks.dbs[db]
	sh := &top.shards[ks.shardOf(key)]
	if e.ExpireAt != 0 {
		sh.expiring--
	}
	if at != 0 {
		sh.expiring++
		if at != e.ExpireAt {
			heap.Push(&sh.exp, expItem{at: at, key: key})
		}
	}
	if d := b2i(at != 0) - b2i(e.ExpireAt != 0); d != 0 {
		top.expiring.Add(d)
	}
	e.ExpireAt = at
	sh.compactExp(top)
}

// Delete removes key from the branch: from the top layer, and by a
// tombstone when a parent layer still holds it. It returns the removed
// entry (nil if there was none). The caller holds the stripe for writing.
func (ks *Keyspace) Delete(db int, key string) *Entry {
	top := ks.dbs[db]
	var removed *Entry
	e, inTop := top.m.Load(key)
	i := ks.shardOf(key)
	if inTop && e.Kind != KindTombstone {
		removed = e
		top.unlink(i, key, e)
		top.m.Delete(key)
		ks.acct(top, i, -int64(e.size))
	}
	if top.parent != nil && !(inTop && e.Kind == KindTombstone) {
		if pe := viewGet(top.parent, key); pe != nil {
			if removed == nil {
				removed = pe
			}
			t := newTombstone(key)
			ks.acct(top, i, int64(t.size))
			top.m.Store(key, t)
		}
	}
	if removed != nil {
		top.count.Add(-1)
		if removed.ExpireAt != 0 {
			top.expiring.Add(-1)
		}
	}
	return removed
}

// unlink removes e, stored under key in shard i, from the shard's key
// slice and deadline count (not from the map).
func (l *Layer) unlink(i int, key string, e *Entry) {
	sh := &l.shards[i]
	last := len(sh.keys) - 1
	if int(e.slot) != last {
		moved := sh.keys[last]
		sh.keys[e.slot] = moved
		if me, ok := l.m.Load(moved); ok {
			me.slot = e.slot
		}
	}
	sh.keys[last] = ""
	sh.keys = sh.keys[:last]
	if e.ExpireAt != 0 {
		sh.expiring--
	}
}

// Len returns the number of keys in database db, counting keys whose
// deadline has passed but that are not yet removed (like Redis's DBSIZE).
// It takes no lock.
func (ks *Keyspace) Len(db int) int {
	return int(ks.dbs[db].count.Load())
}

// Expiring returns the number of keys with a deadline in database db. It
// takes no lock; the figure is a snapshot.
func (ks *Keyspace) Expiring(db int) int {
	return int(ks.dbs[db].expiring.Load())
}

// DBData is the detached contents of one database, as returned by Flush,
// and the empty layer that replaced them.
type DBData struct{ l, nl *Layer }

// Old returns the top layer of the detached contents.
func (d DBData) Old() *Layer { return d.l }

// New returns the layer Flush put in their place.
func (d DBData) New() *Layer { return d.nl }

// Flush empties database db in O(1) and returns its old contents, which
// Restore puts back (to undo a flush in a rolled-back transaction). The
// new contents are a bottom layer: a flushed branch no longer reads its
// parents. The caller holds every stripe of db.
func (ks *Keyspace) Flush(db int) DBData {
	old := ks.dbs[db]
	ks.dbs[db] = NewLayer(nil)
	return DBData{l: old, nl: ks.dbs[db]}
}

// Restore replaces database db's contents with d. The caller holds every
// stripe of db.
func (ks *Keyspace) Restore(db int, d DBData) {
	ks.dbs[db] = d.l
}

// Swap exchanges the contents of databases a and b. The caller holds every
// stripe of both (LockDB, lower index first).
func (ks *Keyspace) Swap(a, b int) {
	ks.dbs[a], ks.dbs[b] = ks.dbs[b], ks.dbs[a]
}

// LayerAt returns the layer at depth d (0 is the top) of database db's
// chain, nil past the bottom.
func (ks *Keyspace) LayerAt(db, d int) *Layer {
	l := ks.dbs[db]
	for ; l != nil && d > 0; d-- {
		l = l.parent
	}
	return l
}

// Shadowed reports whether a layer above l in database db's chain stores
// key (an entry or a tombstone): then l's entry for key is not the view's.
func (ks *Keyspace) Shadowed(db int, l *Layer, key string) bool {
	for x := ks.dbs[db]; x != nil && x != l; x = x.parent {
		if _, ok := x.m.Load(key); ok {
			return true
		}
	}
	return false
}

// ShardKeys calls fn for each key stored in shard i of l, in slot order,
// until fn returns false. The caller holds the stripe of that shard in
// the branch (read or write), or l is frozen; fn must not modify l.
func (l *Layer) ShardKeys(i int, fn func(key string, e *Entry) bool) bool {
	for _, k := range l.shards[i].keys {
		e, _ := l.m.Load(k)
		if !fn(k, e) {
			return false
		}
	}
	return true
}

// ScanShard visits keys stored in shard i of l from slot next-1 down to 0,
// at most max of them, and returns the slot to resume from (0 when the
// shard is done). next == 0 starts at the end. Visiting slots downwards
// keeps every key present throughout the scan reachable: a delete only
// moves the last key (already visited) into the hole. Locking as for
// ShardKeys.
func (l *Layer) ScanShard(i, next, max int, fn func(key string, e *Entry)) int {
	keys := l.shards[i].keys
	if next == 0 || next > len(keys) {
		next = len(keys)
	}
	for ; next > 0 && max > 0; max-- {
		next--
		k := keys[next]
		e, _ := l.m.Load(k)
		fn(k, e)
	}
	return next
}

// ShardLen returns the number of keys stored in shard i of l. Locking as
// for ShardKeys.
func (l *Layer) ShardLen(i int) int { return len(l.shards[i].keys) }

// KeyAt returns the key in slot j of shard i of l. Locking as for
// ShardKeys.
func (l *Layer) KeyAt(i, j int) (string, *Entry) {
	k := l.shards[i].keys[j]
	e, _ := l.m.Load(k)
	return k, e
}

// NextDeadline returns the earliest deadline recorded for stripe s in the
// expiry index of the top layer or of the frozen layers below (where
// active expiry has not passed yet), possibly stale, or 0. The caller
// holds s.
func (ks *Keyspace) NextDeadline(s Stripe) int64 {
	db, i := s.DB(), s.Shard()
	top := ks.dbs[db]
	next := int64(0)
	if sh := &top.shards[i]; len(sh.exp) > 0 {
		next = sh.exp[0].at
	}
	for l := top.parent; l != nil; l = l.parent {
		if l.shards[i].expiring == 0 {
			continue
		}
		c := ks.pcur[db][l]
		items := l.sortedExp(i)
		if c == nil || int(c[i]) >= len(items) {
			continue
		}
		if at := items[c[i]].at; next == 0 || at < next {
			next = at
		}
	}
	return next
}

// PopDeadline removes and returns the earliest item of stripe s's expiry
// index (the top layer's, then the frozen layers') if its deadline is at
// or before now. The key may have been deleted or given another deadline
// since, or be shadowed by a layer above: the caller checks the view. The
// caller holds s for writing.
func (ks *Keyspace) PopDeadline(s Stripe, now int64) (string, bool) {
	db, i := s.DB(), s.Shard()
	top := ks.dbs[db]
	if sh := &top.shards[i]; len(sh.exp) > 0 && sh.exp[0].at <= now {
		it := heap.Pop(&sh.exp).(expItem)
		return it.key, true
	}
	for l := top.parent; l != nil; l = l.parent {
		if l.shards[i].expiring == 0 {
			continue
		}
		c := ks.pcur[db][l]
		items := l.sortedExp(i)
		if c == nil || int(c[i]) >= len(items) || items[c[i]].at > now {
			continue
		}
		k := items[c[i]].key
		c[i]++
		return k, true
	}
	return "", false
}

// sortedExp returns the deadlines of shard i of frozen layer l in order,
// sorting them on first use (concurrent first uses sort alike; one wins).
func (l *Layer) sortedExp(i int) []expItem {
	if p := l.sorted[i].Load(); p != nil {
		return *p
	}
	items := append([]expItem(nil), l.shards[i].exp...)
	h := expHeap(items)
	out := make([]expItem, 0, len(items))
	for h.Len() > 0 {
		out = append(out, heap.Pop(&h).(expItem))
	}
	l.sorted[i].CompareAndSwap(nil, &out)
	return *l.sorted[i].Load()
}

// compactExp rebuilds the expiry heap when stale items outnumber live ones,
// so a key whose TTL is refreshed over and over does not grow it without
// bound. Amortized O(1) per deadline change.
func (sh *shard) compactExp(l *Layer) {
	if len(sh.exp) <= 2*sh.expiring+64 {
		return
	}
	live := sh.exp[:0]
	seen := make(map[string]struct{}, sh.expiring)
	for _, it := range sh.exp {
		if _, dup := seen[it.key]; dup {
			continue
		}
		if e, ok := l.m.Load(it.key); ok && e.ExpireAt == it.at {
			seen[it.key] = struct{}{}
			live = append(live, it)
		}
	}
	for i := len(live); i < len(sh.exp); i++ {
		sh.exp[i] = expItem{}
	}
	sh.exp = live
	heap.Init(&sh.exp)
}

type expItem struct {
	at  int64
	key string
}

type expHeap []expItem

func (h expHeap) Len() int           { return len(h) }
func (h expHeap) Less(i, j int) bool { return h[i].at < h[j].at }
func (h expHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expHeap) Push(x any)        { *h = append(*h, x.(expItem)) }
func (h *expHeap) Pop() any {
	old := *h
	n := len(old)
	it := old[n-1]
	old[n-1] = expItem{}
	*h = old[:n-1]
	return it
}
