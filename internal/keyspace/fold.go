package keyspace

import "container/heap"

// Fold merges frozen layer p and its only child c (p = c.Parent(), and no
// other layer or branch reads p) into one layer, in time proportional to
// the smaller of the two: the entries of the smaller move into the larger,
// which takes the place of both in the chain. It returns the layer kept
// and the one gone. When gone is c, every chain that reads c must be
// relinked (Relink) before it is read again.
//
// The caller holds every stripe of c's database, for writing, in every
// branch whose chain includes c, and then calls Relink and
// ResetExpiryCursors on each of them. The view through the kept layer is
// the view through c before: no branch sees a change.
func (ks *Keyspace) Fold(c *Layer) (kept, gone *Layer) {
	p := c.parent
	if FoldsIntoParent(c) {
		// p's own entries were frozen: a new generation marks them.
		p.gen++
		c.m.Range(func(k string, e *Entry) bool {
			ks.moveInto(p, k, e, p.parent, p.gen)
			return true
		})
		p.count.Store(c.count.Load())
		p.expiring.Store(c.expiring.Load())
		p.dropSorted()
		return p, c
	}
	p.m.Range(func(k string, pe *Entry) bool {
		if ce, ok := c.m.Load(k); ok {
			// c's entry wins; a tombstone of c over a key that only p had
			// deletes nothing any more; a copy-up of p's value is a value
			// of its own now (persistence writes it whole).
			switch {
			case ce.Kind == KindTombstone && viewGet(p.parent, k) == nil:
				c.shards[ks.shardOf(k)].bytes.Add(-int64(ce.size))
				c.m.Delete(k)
			case ce.CopiedUp && pe.Kind != KindTombstone:
				ce.CopiedUp = false
			}
			return true
		}
		ks.moveInto(c, k, pe, p.parent, 0) // frozen: no generation of c
		return true
	})
	c.parent = p.parent
	c.dropSorted()
	return c, p
}

// FoldsIntoParent reports which way Fold(c) moves entries: from c into
// its parent (true) or from the parent into c.
func FoldsIntoParent(c *Layer) bool { return c.m.Size() <= c.parent.m.Size() }

// moveInto stores e (an entry or a tombstone) under k in layer l, whose
// own parent is below, as of generation gen of l: the fold's
// bookkeeping, with l's view counts left to the caller.
func (ks *Keyspace) moveInto(l *Layer, k string, e *Entry, below *Layer, gen uint32) {
	i := ks.shardOf(k)
	sh := &l.shards[i]
	old, ok := l.m.Load(k)
	// The fold's bytes move between layers of one store: the layer's
	// shard follows, the store-wide counter does not (the owner
	// recounts after a fold).
	if ok {
		sh.bytes.Add(-int64(old.size))
	}
	if ok && old.Kind != KindTombstone {
		if e.Kind == KindTombstone {
			l.unlink(i, k, old)
			l.m.Delete(k)
		} else {
			e.slot = old.slot
			if old.ExpireAt != 0 {
				sh.expiring--
			}
			// A copy-up over l's own value becomes a value of l: its
			// changes now apply to l's (see Entry.CopiedUp).
			if e.CopiedUp && !old.CopiedUp {
				e.CopiedUp = false
			}
		}
	} else if e.Kind != KindTombstone {
		e.slot = int32(len(sh.keys))
		sh.keys = append(sh.keys, k)
	}
	if e.Kind == KindTombstone {
		if viewGet(below, k) != nil {
			t := newTombstone(k)
			sh.bytes.Add(int64(t.size))
			l.m.Store(k, t)
		} else if ok && old.Kind == KindTombstone {
			l.m.Delete(k)
		}
		return
	}
	if e.ExpireAt != 0 {
		sh.expiring++
		heap.Push(&sh.exp, expItem{at: e.ExpireAt, key: k})
	}
	if e.size == 0 {
		e.size = clampSize(EntrySize(k, e))
	}
	sh.bytes.Add(int64(e.size))
	e.gen = gen
	l.m.Store(k, e)
}

func (l *Layer) dropSorted() {
	for i := range l.sorted {
		l.sorted[i].Store(nil)
	}
}

// Relink replaces layer gone by kept in database db's chain after Fold.
// The caller holds every stripe of db.
func (ks *Keyspace) Relink(db int, gone, kept *Layer) {
	if ks.dbs[db] == gone {
		ks.dbs[db] = kept
	}
	for l := ks.dbs[db]; l != nil; l = l.parent {
		if l.parent == gone {
			l.parent = kept
		}
	}
}

// Chain calls fn for each layer of database db's chain, top first. The
// caller holds a stripe of db.
func (ks *Keyspace) Chain(db int, fn func(l *Layer)) {
	for l := ks.dbs[db]; l != nil; l = l.parent {
		fn(l)
	}
}
