// Package keyspace holds RustyPotato's in-memory data: a chain of layers of
// concurrent maps, the striped locks that guard them, the per-shard key
// slices that make SCAN cursors stable, and the active-expiry index.
//
// It knows nothing of commands or of the mutation path: package potato
// decides what to change and records it; this package only stores. Every
// method that reads or writes an entry requires the caller to hold the
// stripe lock of that key (read or write as documented), except where a
// method says it locks by itself.
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
)

// Entry is one key's value and metadata. Its fields are guarded by the
// stripe lock of its key.
type Entry struct {
	Kind     Kind
	Str      []byte // KindString, KindJSON; never modified in place within len(Str)
	Hash     *Hash  // KindHash
	List     *List  // KindList
	ExpireAt int64  // deadline in Unix milliseconds; 0 means no expiry
	Version  uint64 // seq of the last mutation of this key (for WATCH)
	lru      int64  // last access, Unix seconds; atomic (readers touch it)
	slot     int32  // index of the key in its shard's key slice
}

// Expired reports whether e has a deadline at or before now (Unix ms).
func (e *Entry) Expired(now int64) bool {
	return e.ExpireAt != 0 && e.ExpireAt <= now
}

// Touch records an access at now (Unix seconds). Readers call it under a
// shared lock, so it is atomic, and it writes only when the second
// changed, to keep hot keys' cache lines clean.
func (e *Entry) Touch(now int64) {
	if atomic.LoadInt64(&e.lru) != now {
		atomic.StoreInt64(&e.lru, now)
	}
}

// LastAccess returns the last access time recorded by Touch (Unix seconds).
func (e *Entry) LastAccess() int64 { return atomic.LoadInt64(&e.lru) }

// Stripe identifies one lock stripe: a database and a shard within it.
// Stripes order by (DB, Shard); multi-key operations lock in that order.
type Stripe uint32

// DB returns the database the stripe belongs to.
func (s Stripe) DB() int { return int(s) / NumShards }

// Keyspace is one branch's view of the data: its lock stripes and its top
// layer. Methods are safe for concurrent use under the locking rules above.
type Keyspace struct {
	seed  maphash.Seed
	locks [NumDBs * NumShards]stripeLock
	top   *Layer
}

type stripeLock struct {
	sync.RWMutex
	// Read hits and misses of keys in this stripe: counted here, on the
	// cache line the read lock writes anyway, rather than in a shared
	// counter that every core would fight over.
	hits, misses atomic.Int64
	_            [24]byte // keep neighbouring stripes off one cache line
}

// Layer is one level of the chain: writes go to the top layer, reads fall
// through to parents.
type Layer struct {
	parent *Layer
	dbs    [NumDBs]*layerDB
}

type layerDB struct {
	m      *xsync.Map[string, *Entry]
	count  atomic.Int64
	shards [NumShards]shard
}

type shard struct {
	keys     []string // swap-delete slice; an entry's slot indexes it
	exp      expHeap  // active-expiry index, may hold stale items
	expiring int      // live keys in this shard with a deadline
}

func newLayerDB() *layerDB {
	return &layerDB{m: xsync.NewMap[string, *Entry]()}
}

// New returns an empty keyspace with a single layer.
func New() *Keyspace {
	ks := &Keyspace{seed: maphash.MakeSeed(), top: &Layer{}}
	for i := range ks.top.dbs {
		ks.top.dbs[i] = newLayerDB()
	}
	return ks
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
	for l := ks.top; l != nil; l = l.parent {
		if e, ok := l.dbs[db].m.Load(key); ok {
			if e.Kind == KindTombstone {
				return nil
			}
			return e
		}
	}
	return nil
}

// ForWrite returns the entry for key in the top layer, copying it up from a
// parent layer first if needed (cost: that value only). It returns nil when
// the key does not exist. The caller holds the key's stripe for writing.
func (ks *Keyspace) ForWrite(db int, key string) *Entry {
	ldb := ks.top.dbs[db]
	if e, ok := ldb.m.Load(key); ok {
		if e.Kind == KindTombstone {
			return nil
		}
		return e
	}
	e := ks.Get(db, key)
	if e == nil {
		return nil
	}
	c := e.Clone()
	ks.Put(db, key, c)
	return c
}

// Clone returns a deep copy of e (its container values are copied).
func (e *Entry) Clone() *Entry {
	c := *e
	c.slot = -1
	// Cap the copy's string so that an APPEND to either entry reallocates
	// instead of writing into bytes the other one shares.
	c.Str = e.Str[:len(e.Str):len(e.Str)]
	if e.Hash != nil {
		c.Hash = e.Hash.Clone()
	}
	if e.List != nil {
		c.List = e.List.Clone()
	}
	return &c
}

// Put stores e under key in the top layer, replacing any entry there. It
// keeps the key's slot and the expiry index up to date. The caller holds
// the key's stripe for writing and must not reuse e for another key.
func (ks *Keyspace) Put(db int, key string, e *Entry) {
	ldb := ks.top.dbs[db]
	sh := &ldb.shards[ks.shardOf(key)]
	old, ok := ldb.m.Load(key)
	if ok && old.Kind != KindTombstone {
		e.slot = old.slot
		if old.ExpireAt != 0 {
			sh.expiring--
		}
	} else {
		e.slot = int32(len(sh.keys))
		sh.keys = append(sh.keys, key)
		ldb.count.Add(1)
	}
	if e.ExpireAt != 0 {
		sh.expiring++
		if !ok || old.ExpireAt != e.ExpireAt {
			heap.Push(&sh.exp, expItem{at: e.ExpireAt, key: key})
		}
	}
	ldb.m.Store(key, e)
	sh.compactExp(ldb)
}

// SetExpire changes the deadline of e, which is key's entry in the top layer
// (from Get after ForWrite, or just Put). at == 0 removes the deadline.
func (ks *Keyspace) SetExpire(db int, key string, e *Entry, at int64) {
	ldb := ks.top.dbs[db]
	sh := &ldb.shards[ks.shardOf(key)]
	if e.ExpireAt != 0 {
		sh.expiring--
	}
	if at != 0 {
		sh.expiring++
		if at != e.ExpireAt {
			heap.Push(&sh.exp, expItem{at: at, key: key})
		}
	}
	e.ExpireAt = at
	sh.compactExp(ldb)
}

// Delete removes key from the branch: from the top layer, and by a
// tombstone when a parent layer still holds it. It returns the removed
// entry (nil if there was none). The caller holds the stripe for writing.
func (ks *Keyspace) Delete(db int, key string) *Entry {
	ldb := ks.top.dbs[db]
	sh := &ldb.shards[ks.shardOf(key)]
	var removed *Entry
	if e, ok := ldb.m.Load(key); ok && e.Kind != KindTombstone {
		removed = e
		// Swap-delete from the shard's key slice.
		last := len(sh.keys) - 1
		if int(e.slot) != last {
			moved := sh.keys[last]
			sh.keys[e.slot] = moved
			if me, ok := ldb.m.Load(moved); ok {
				me.slot = e.slot
			}
		}
		sh.keys[last] = ""
		sh.keys = sh.keys[:last]
		ldb.count.Add(-1)
		if e.ExpireAt != 0 {
			sh.expiring--
		}
		ldb.m.Delete(key)
	}
	if ks.top.parent != nil {
		if pe := ks.parentGet(db, key); pe != nil {
			if removed == nil {
				removed = pe
			}
			ldb.m.Store(key, &Entry{Kind: KindTombstone, slot: -1})
		}
	}
	return removed
}

func (ks *Keyspace) parentGet(db int, key string) *Entry {
	for l := ks.top.parent; l != nil; l = l.parent {
		if e, ok := l.dbs[db].m.Load(key); ok {
			if e.Kind == KindTombstone {
				return nil
			}
			return e
		}
	}
	return nil
}

// Len returns the number of keys in database db, counting keys whose
// deadline has passed but that are not yet removed (like Redis's DBSIZE).
// It takes no lock.
func (ks *Keyspace) Len(db int) int {
	return int(ks.top.dbs[db].count.Load())
}

// Expiring returns the number of keys with a deadline in database db. The
// caller holds no locks; the figure is a snapshot.
func (ks *Keyspace) Expiring(db int) int {
	n := 0
	ldb := ks.top.dbs[db]
	for i := range ldb.shards {
		s := Stripe(db*NumShards + i)
		ks.RLock(s)
		n += ldb.shards[i].expiring
		ks.RUnlock(s)
	}
	return n
}

// DBData is the detached contents of one database, as returned by Flush.
type DBData struct{ l *layerDB }

// Flush empties database db in O(1) and returns its old contents, which
// Restore puts back (to undo a flush in a rolled-back transaction). The
// caller holds every stripe of db.
func (ks *Keyspace) Flush(db int) DBData {
	old := ks.top.dbs[db]
	ks.top.dbs[db] = newLayerDB()
	return DBData{l: old}
}

// Restore replaces database db's contents with d. The caller holds every
// stripe of db.
func (ks *Keyspace) Restore(db int, d DBData) {
	ks.top.dbs[db] = d.l
}

// Swap exchanges the contents of databases a and b. The caller holds every
// stripe of both (LockDB, lower index first).
func (ks *Keyspace) Swap(a, b int) {
	ks.top.dbs[a], ks.top.dbs[b] = ks.top.dbs[b], ks.top.dbs[a]
}

// ShardKeys calls fn for each key of stripe s's shard in database s.DB(),
// in slot order. The caller holds s (read or write); fn must not modify
// the keyspace.
func (ks *Keyspace) ShardKeys(s Stripe, fn func(key string, e *Entry) bool) bool {
	ldb := ks.top.dbs[s.DB()]
	for _, k := range ldb.shards[int(s)%NumShards].keys {
		e, _ := ldb.m.Load(k)
		if !fn(k, e) {
			return false
		}
	}
	return true
}

// ScanShard visits keys of stripe s from slot next-1 down to 0, at most
// max of them, and returns the slot to resume from (0 when the shard is
// done). next == 0 starts at the end. Visiting slots downwards keeps every
// key present throughout the scan reachable: a delete only moves the last
// key (already visited) into the hole. The caller holds s.
func (ks *Keyspace) ScanShard(s Stripe, next, max int, fn func(key string, e *Entry)) int {
	ldb := ks.top.dbs[s.DB()]
	keys := ldb.shards[int(s)%NumShards].keys
	if next == 0 || next > len(keys) {
		next = len(keys)
	}
	for ; next > 0 && max > 0; max-- {
		next--
		k := keys[next]
		e, _ := ldb.m.Load(k)
		fn(k, e)
	}
	return next
}

// ShardLen returns the number of keys in stripe s's shard. The caller holds s.
func (ks *Keyspace) ShardLen(s Stripe) int {
	return len(ks.top.dbs[s.DB()].shards[int(s)%NumShards].keys)
}

// KeyAt returns the key in slot i of stripe s's shard. The caller holds s.
func (ks *Keyspace) KeyAt(s Stripe, i int) (string, *Entry) {
	ldb := ks.top.dbs[s.DB()]
	k := ldb.shards[int(s)%NumShards].keys[i]
	e, _ := ldb.m.Load(k)
	return k, e
}

// NextDeadline returns the earliest deadline recorded in stripe s's
// expiry index, possibly stale, or 0. The caller holds s.
func (ks *Keyspace) NextDeadline(s Stripe) int64 {
	sh := &ks.top.dbs[s.DB()].shards[int(s)%NumShards]
	if len(sh.exp) == 0 {
		return 0
	}
	return sh.exp[0].at
}

// PopDeadline removes and returns the earliest item of stripe s's expiry
// index if its deadline is at or before now. The key may have been
// deleted or given another deadline since: the caller checks. The caller
// holds s for writing.
func (ks *Keyspace) PopDeadline(s Stripe, now int64) (string, bool) {
	sh := &ks.top.dbs[s.DB()].shards[int(s)%NumShards]
	if len(sh.exp) == 0 || sh.exp[0].at > now {
		return "", false
	}
	it := heap.Pop(&sh.exp).(expItem)
	return it.key, true
}

// compactExp rebuilds the expiry heap when stale items outnumber live ones,
// so a key whose TTL is refreshed over and over does not grow it without
// bound. Amortized O(1) per deadline change.
func (sh *shard) compactExp(ldb *layerDB) {
	if len(sh.exp) <= 2*sh.expiring+64 {
		return
	}
	live := sh.exp[:0]
	seen := make(map[string]struct{}, sh.expiring)
	for _, it := range sh.exp {
		if _, dup := seen[it.key]; dup {
			continue
		}
		if e, ok := ldb.m.Load(it.key); ok && e.ExpireAt == it.at {
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
