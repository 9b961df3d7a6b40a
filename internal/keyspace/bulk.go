package keyspace

import (
	"container/heap"

	"github.com/puzpuzpuz/xsync/v4"
)

// Presize prepares layer l, which must be empty, for about n keys, so that
// a bulk load (restart) does not grow and rehash its map step by step.
// The caller is the only user of l.
func (l *Layer) Presize(n int) {
	if n <= 0 || l.m.Size() != 0 {
		return
	}
	l.m = xsync.NewMap[string, *Entry](xsync.WithPresize(n))
	per := n/NumShards + n/NumShards/8 + 1
	for i := range l.shards {
		l.shards[i].keys = make([]string, 0, per)
	}
}

// PutNew stores e under key in layer l during a bulk load (restart): the
// key must not be in l yet. e may be a tombstone (a key deleted over l's
// parent); the view's counts follow. The caller is the only user of l,
// whose parent is loaded already.
func (ks *Keyspace) PutNew(l *Layer, key string, e *Entry) {
	var view *Entry
	if l.parent != nil {
		view = viewGet(l.parent, key)
	}
	i := ks.shardOf(key)
	if e.size == 0 {
		e.size = clampSize(EntrySize(key, e))
	}
	if e.Kind == KindTombstone {
		e.slot = -1
		if view != nil {
			ks.acct(l, i, int64(e.size))
			l.count.Add(-1)
			if view.ExpireAt != 0 {
				l.expiring.Add(-1)
			}
			l.m.Store(key, e)
		}
		return
	}
	ks.acct(l, i, int64(e.size))
	sh := &l.shards[i]
	e.slot = int32(len(sh.keys))
	sh.keys = append(sh.keys, key)
	if view == nil {
		l.count.Add(1)
	}
	if d := b2i(e.ExpireAt != 0) - b2i(view != nil && view.ExpireAt != 0); d != 0 {
		l.expiring.Add(d)
	}
	if e.ExpireAt != 0 {
		sh.expiring++
		sh.exp = append(sh.exp, expItem{at: e.ExpireAt, key: key}) // ordered by FinishBulk
	}
	e.gen = l.gen
	l.m.Store(key, e)
}

// FinishBulk restores the expiry index order of l after PutNew calls (one
// heapify per shard instead of one push per key).
func (l *Layer) FinishBulk() {
	for i := range l.shards {
		if sh := &l.shards[i]; len(sh.exp) > 1 {
			heap.Init(&sh.exp)
		}
	}
}

// ResetExpiryCursors starts active expiry of database db over at the
// front of every frozen layer's deadlines (a keyspace built at restart, or
// after Fold changed the chain). The caller holds every stripe of db, or
// is the keyspace's only user.
func (ks *Keyspace) ResetExpiryCursors(db int) {
	m := make(map[*Layer]*[NumShards]int32)
	for l := ks.dbs[db].parent; l != nil; l = l.parent {
		m[l] = new([NumShards]int32)
	}
	ks.pcur[db] = m
}
