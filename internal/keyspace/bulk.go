package keyspace

import (
	"container/heap"

	"github.com/puzpuzpuz/xsync/v4"
)

// Presize prepares database db, which must be empty, for about n keys, so
// that a bulk load (restart) does not grow and rehash its map step by
// step. The caller holds every stripe of db, or is the only user.
func (ks *Keyspace) Presize(db, n int) {
	ldb := ks.top.dbs[db]
	if n <= 0 || ldb.count.Load() != 0 {
		return
	}
	ldb.m = xsync.NewMap[string, *Entry](xsync.WithPresize(n))
	per := n/NumShards + n/NumShards/8 + 1
	for i := range ldb.shards {
		ldb.shards[i].keys = make([]string, 0, per)
	}
}

// PutNew is Put for a key known to be absent from database db of a
// keyspace with a single layer (a bulk load at restart): it skips the
// lookup of the old entry. The caller holds the key's stripe, or is the
// only user.
func (ks *Keyspace) PutNew(db int, key string, e *Entry) {
	ldb := ks.top.dbs[db]
	sh := &ldb.shards[ks.shardOf(key)]
	e.slot = int32(len(sh.keys))
	sh.keys = append(sh.keys, key)
	ldb.count.Add(1)
	if e.ExpireAt != 0 {
		sh.expiring++
		sh.exp = append(sh.exp, expItem{at: e.ExpireAt, key: key}) // ordered by FinishBulk
	}
	ldb.m.Store(key, e)
}

// FinishBulk restores the expiry index order after PutNew calls (one
// heapify per shard instead of one push per key).
func (ks *Keyspace) FinishBulk(db int) {
	ldb := ks.top.dbs[db]
	for i := range ldb.shards {
		if sh := &ldb.shards[i]; len(sh.exp) > 1 {
			heap.Init(&sh.exp)
		}
	}
}
