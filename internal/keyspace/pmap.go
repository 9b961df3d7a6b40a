package keyspace

import (
	"hash/maphash"
	"math/bits"
	"sync/atomic"
)

// This file holds PMap, the persistent map under hashes (and sets): a
// hash array mapped trie whose nodes are shared between copies and copied
// on write. Cloning a map is O(1); the first write to a clone copies only
// the path from the root to the changed entry (at most 12 small nodes),
// so a branch that changes one field of a 1M-field hash pays for that
// field, not for the hash.
//
// Ownership: every node carries the owner token of the map that created
// it, and a map modifies in place only the nodes it owns. Clone gives
// both maps fresh tokens, so neither can modify the nodes they now share.
//
// Order: entries are ordered by a 60-bit hash of their key (the trie
// consumes it from the top, 5 bits a level, over 12 levels; keys whose 60
// bits are equal share a collision node at the bottom, ordered by key).
// Iteration in that order is stable under any insert or delete, which is
// what HSCAN cursors need: a cursor is a position in hash order.

// fieldSeed hashes field names; one seed per process, as every copy of a
// map must hash alike.
var fieldSeed = maphash.MakeSeed()

// ownerSeq hands out owner tokens; 0 is never used.
var ownerSeq atomic.Uint64

func newOwner() uint64 { return ownerSeq.Add(1) }

const (
	pmBits   = 5
	pmLevels = 12 // 60 bits of hash, 5 per level
	// PMapPositions is the number of distinct positions in hash order:
	// positions are 0 <= p < PMapPositions.
	PMapPositions = 1 << 60
)

// HashOf returns the position of key in the hash order of every PMap.
func HashOf(key string) uint64 { return maphash.String(fieldSeed, key) >> 4 }

func pmSlot(h uint64, d int) uint32 { return uint32(h>>(55-pmBits*d)) & 31 }

func pmIndex(bitmap, bit uint32) int { return bits.OnesCount32(bitmap & (bit - 1)) }

type pmEntry[V any] struct {
	h   uint64
	key string
	val V
}

type pmNode[V any] struct {
	owner   uint64
	datamap uint32 // slots holding an entry
	nodemap uint32 // slots holding a child
	size    int    // entries in the subtree
	data    []pmEntry[V]
	kids    []*pmNode[V]
}

// PMap is a persistent map from string keys to values of type V, ordered
// by hash. The zero value is an empty map ready to use. It is not safe for
// concurrent modification; concurrent readers are safe while nobody
// modifies it. Values are stored as given: a V that references memory
// (a slice) must not be modified by the caller afterwards.
type PMap[V any] struct {
	root  *pmNode[V]
	owner uint64
}

// Len returns the number of entries.
func (m *PMap[V]) Len() int {
	if m.root == nil {
		return 0
	}
	return m.root.size
}

func (m *PMap[V]) own() uint64 {
	if m.owner == 0 {
		m.owner = newOwner()
	}
	return m.owner
}

// Clone returns a copy of m in O(1). Both m and the copy may be modified
// afterwards, independently; the caller must hold m exclusively (Clone
// gives m a new owner token).
func (m *PMap[V]) Clone() *PMap[V] {
	c := &PMap[V]{root: m.root, owner: newOwner()}
	m.owner = newOwner()
	return c
}

// CloneFrozen returns a copy of m in O(1) without touching m, which must
// never be modified again (it belongs to a frozen layer). Any number of
// goroutines may clone the same frozen map concurrently.
func (m *PMap[V]) CloneFrozen() *PMap[V] {
	return &PMap[V]{root: m.root, owner: newOwner()}
}

// Get returns the value of key.
func (m *PMap[V]) Get(key string) (V, bool) {
	var zero V
	n := m.root
	if n == nil {
		return zero, false
	}
	h := HashOf(key)
	for d := 0; ; d++ {
		if d == pmLevels {
			for i := range n.data {
				if n.data[i].key == key {
					return n.data[i].val, true
				}
			}
			return zero, false
		}
		bit := uint32(1) << pmSlot(h, d)
		if n.datamap&bit != 0 {
			e := &n.data[pmIndex(n.datamap, bit)]
			if e.h == h && e.key == key {
				return e.val, true
			}
			return zero, false
		}
		if n.nodemap&bit == 0 {
			return zero, false
		}
		n = n.kids[pmIndex(n.nodemap, bit)]
	}
}

// Set sets key to val and returns the previous value, if any.
func (m *PMap[V]) Set(key string, val V) (old V, existed bool) {
	owner := m.own()
	if m.root == nil {
		m.root = &pmNode[V]{owner: owner}
	}
	m.root, old, existed = m.root.set(owner, HashOf(key), key, val, 0)
	return old, existed
}

// Del removes key and returns its value, if it existed.
func (m *PMap[V]) Del(key string) (old V, existed bool) {
	if m.root == nil {
		return old, false
	}
	var n *pmNode[V]
	n, old, existed = m.root.del(m.own(), HashOf(key), key, 0)
	if existed {
		if n.size == 0 {
			n = nil
		}
		m.root = n
	}
	return old, existed
}

// At returns the entry at index i in hash order (0 <= i < Len()), in
// O(log n).
func (m *PMap[V]) At(i int) (key string, val V) {
	n := m.root
	for {
		if n.datamap|n.nodemap == 0 {
			// A collision node: entries in key order.
			e := &n.data[i]
			return e.key, e.val
		}
		di, ki := 0, 0
		for all := n.datamap | n.nodemap; all != 0; all &= all - 1 {
			bit := all & -all
			if n.datamap&bit != 0 {
				if i == 0 {
					e := &n.data[di]
					return e.key, e.val
				}
				i--
				di++
				continue
			}
			k := n.kids[ki]
			if i < k.size {
				n = k
				break
			}
			i -= k.size
			ki++
		}
	}
}

// Ascend calls fn for each entry whose position (HashOf its key) is at
// least from, in hash order, until fn returns false.
func (m *PMap[V]) Ascend(from uint64, fn func(pos uint64, key string, val V) bool) {
	if m.root != nil {
		m.root.ascend(0, from, true, fn)
	}
}

// All calls fn for every entry in hash order until fn returns false.
func (m *PMap[V]) All(fn func(key string, val V) bool) {
	m.Ascend(0, func(_ uint64, k string, v V) bool { return fn(k, v) })
}

func (n *pmNode[V]) mut(owner uint64) *pmNode[V] {
	if n.owner == owner {
		return n
	}
	c := &pmNode[V]{owner: owner, datamap: n.datamap, nodemap: n.nodemap, size: n.size}
	if len(n.data) > 0 {
		c.data = append(make([]pmEntry[V], 0, len(n.data)+1), n.data...)
	}
	if len(n.kids) > 0 {
		c.kids = append(make([]*pmNode[V], 0, len(n.kids)), n.kids...)
	}
	return c
}

func (n *pmNode[V]) set(owner, h uint64, key string, val V, d int) (*pmNode[V], V, bool) {
	var zero V
	if d == pmLevels {
		for i := range n.data {
			if n.data[i].key == key {
				n = n.mut(owner)
				old := n.data[i].val
				n.data[i].val = val
				return n, old, true
			}
		}
		n = n.mut(owner)
		i := 0
		for i < len(n.data) && n.data[i].key < key {
			i++
		}
		n.data = insertAt(n.data, i, pmEntry[V]{h: h, key: key, val: val})
		n.size++
		return n, zero, false
	}
	bit := uint32(1) << pmSlot(h, d)
	switch {
	case n.datamap&bit != 0:
		i := pmIndex(n.datamap, bit)
		n = n.mut(owner)
		e := &n.data[i]
		if e.h == h && e.key == key {
			old := e.val
			e.val = val
			return n, old, true
		}
		child := pmPair(owner, *e, pmEntry[V]{h: h, key: key, val: val}, d+1)
		n.data = removeAt(n.data, i)
		n.datamap &^= bit
		n.kids = insertAt(n.kids, pmIndex(n.nodemap, bit), child)
		n.nodemap |= bit
		n.size++
		return n, zero, false
	case n.nodemap&bit != 0:
		i := pmIndex(n.nodemap, bit)
		c, old, existed := n.kids[i].set(owner, h, key, val, d+1)
		n = n.mut(owner)
		n.kids[i] = c
		if !existed {
			n.size++
		}
		return n, old, existed
	default:
		n = n.mut(owner)
		n.data = insertAt(n.data, pmIndex(n.datamap, bit), pmEntry[V]{h: h, key: key, val: val})
		n.datamap |= bit
		n.size++
		return n, zero, false
	}
}

// pmPair returns a node at depth d holding a and b, whose hashes agree
// on every level above d.
func pmPair[V any](owner uint64, a, b pmEntry[V], d int) *pmNode[V] {
	n := &pmNode[V]{owner: owner, size: 2}
	if d == pmLevels {
		if b.key < a.key {
			a, b = b, a
		}
		n.data = []pmEntry[V]{a, b}
		return n
	}
	sa, sb := pmSlot(a.h, d), pmSlot(b.h, d)
	if sa == sb {
		n.nodemap = 1 << sa
		n.kids = []*pmNode[V]{pmPair(owner, a, b, d+1)}
		return n
	}
	n.datamap = 1<<sa | 1<<sb
	if sb < sa {
		a, b = b, a
	}
	n.data = []pmEntry[V]{a, b}
	return n
}

// del removes key below n. It copies nothing when key is absent.
func (n *pmNode[V]) del(owner, h uint64, key string, d int) (*pmNode[V], V, bool) {
	var zero V
	if d == pmLevels {
		for i := range n.data {
			if n.data[i].key == key {
				old := n.data[i].val
				n = n.mut(owner)
				n.data = removeAt(n.data, i)
				n.size--
				return n, old, true
			}
		}
		return n, zero, false
	}
	bit := uint32(1) << pmSlot(h, d)
	switch {
	case n.datamap&bit != 0:
		i := pmIndex(n.datamap, bit)
		e := &n.data[i]
		if e.h != h || e.key != key {
			return n, zero, false
		}
		old := e.val
		n = n.mut(owner)
		n.data = removeAt(n.data, i)
		n.datamap &^= bit
		n.size--
		return n, old, true
	case n.nodemap&bit != 0:
		i := pmIndex(n.nodemap, bit)
		c, old, existed := n.kids[i].del(owner, h, key, d+1)
		if !existed {
			return n, zero, false
		}
		n = n.mut(owner)
		n.size--
		switch {
		case c.size == 0:
			n.kids = removeAt(n.kids, i)
			n.nodemap &^= bit
		case c.size == 1 && len(c.kids) == 0:
			// A child left with one entry folds into this node, which
			// keeps the trie as shallow as its contents need.
			n.kids = removeAt(n.kids, i)
			n.nodemap &^= bit
			n.data = insertAt(n.data, pmIndex(n.datamap, bit), c.data[0])
			n.datamap |= bit
		default:
			n.kids[i] = c
		}
		return n, old, true
	}
	return n, zero, false
}

// ascend visits entries at positions >= from. bounded says the path so
// far equals from's prefix, so slots below from's are skipped.
func (n *pmNode[V]) ascend(d int, from uint64, bounded bool, fn func(uint64, string, V) bool) bool {
	if d == pmLevels {
		for i := range n.data {
			if e := &n.data[i]; !bounded || e.h >= from {
				if !fn(e.h, e.key, e.val) {
					return false
				}
			}
		}
		return true
	}
	fs := uint32(0)
	if bounded {
		fs = pmSlot(from, d)
	}
	all := (n.datamap | n.nodemap) &^ (uint32(1)<<fs - 1)
	for ; all != 0; all &= all - 1 {
		bit := all & -all
		slot := uint32(bits.TrailingZeros32(bit))
		if n.datamap&bit != 0 {
			e := &n.data[pmIndex(n.datamap, bit)]
			if bounded && slot == fs && e.h < from {
				continue
			}
			if !fn(e.h, e.key, e.val) {
				return false
			}
			continue
		}
		if !n.kids[pmIndex(n.nodemap, bit)].ascend(d+1, from, bounded && slot == fs, fn) {
			return false
		}
	}
	return true
}

func insertAt[T any](s []T, i int, v T) []T {
	var zero T
	s = append(s, zero)
	copy(s[i+1:], s[i:])
	s[i] = v
	return s
}

func removeAt[T any](s []T, i int) []T {
	var zero T
	copy(s[i:], s[i+1:])
	s[len(s)-1] = zero
	return s[:len(s)-1]
}
