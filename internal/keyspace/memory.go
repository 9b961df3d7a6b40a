package keyspace

import (
	"math"
	"math/rand/v2"
	"unsafe"
)

// Memory accounting. Every entry stored in a layer carries its size in
// bytes (an estimate of what the Go heap holds for it: the map slot, the
// Entry, the key, the value rounded up to the allocator's size classes),
// and each shard of a layer sums the sizes of its entries. The sums change
// only under the stripe's write lock, on the path that stores or removes
// the entry (Put, Delete, RestoreTop, ForWrite, PutNew, Fold) or changes a
// container in place (Grow); each change is also added to the store-wide
// counter (MemDelta), so that the owner knows the total between recounts
// without summing layers.

// Per-object costs of the Go representation, in bytes, measured with
// runtime.ReadMemStats against the live heap (see TestEntrySizeTracksHeap):
// the xsync map's slot for a key, the Entry, the key's place in its
// shard's key slice, a tombstone.
const (
	sizeMapSlot   = 40
	sizeKeySlot   = 24
	sizeContainer = 64
	sizeHashField = 48 // per field of a hash: two headers and the node's share
	sizeListElem  = 24 // per element of a list: its slice header
)

// sizeClass rounds n up to the size class the Go allocator gives an
// object of n bytes (the classes of runtime/sizeclasses.go up to 32 KiB,
// whole pages above).
// sizeEntry is the heap an Entry takes: its size rounded up to the
// allocator's size class (it grows when a type adds a field).
var sizeEntry = sizeClass(int(unsafe.Sizeof(Entry{})))

func sizeClass(n int) int64 {
	if n == 0 {
		return 0
	}
	if n > 32768 {
		return int64((n + 8191) &^ 8191)
	}
	for _, c := range sizeClasses {
		if n <= c {
			return int64(c)
		}
	}
	return int64(n)
}

var sizeClasses = [...]int{8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256,
	288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536, 1792,
	2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728,
	10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264, 28672, 32768}

// EntrySize returns the bytes accounted to key holding e: O(1) for a
// string, O(n) in the elements of a container (used when a value is
// stored whole; in-place changes of a container go through Grow).
func EntrySize(key string, e *Entry) int64 {
	n := sizeMapSlot + sizeEntry + sizeClass(len(key))
	if e.Kind == KindTombstone {
		return n
	}
	n += sizeKeySlot
	switch e.Kind {
	case KindString, KindJSON:
		n += sizeClass(cap(e.Str))
	case KindHash:
		n += sizeContainer
		e.Hash.All(func(f HashField) bool {
			n += HashFieldSize(f.Name, f.Value)
			return true
		})
	case KindList:
		n += sizeContainer
		e.List.Range(0, e.List.Len(), func(_ int, v []byte) bool {
			n += ListElemSize(v)
			return true
		})
	case KindSet:
		n += sizeContainer
		e.Set.All(func(m string) bool {
			n += SetMemberSize(m)
			return true
		})
	case KindZSet:
		n += sizeContainer
		e.ZSet.All(func(m ZMember) bool {
			n += ZSetMemberSize(m.Member)
			return true
		})
	}
	return n
}

// ZSetMemberSize is the bytes accounted to one member of a sorted set:
// its map entry and score, and its order key (score and member).
func ZSetMemberSize(m string) int64 { return sizeHashField + 2*sizeClass(len(m)+8) }

// SetMemberSize is the bytes accounted to one member of a set.
func SetMemberSize(m string) int64 { return sizeHashField + sizeClass(len(m)) }

// HashFieldSize is the bytes accounted to one field of a hash.
func HashFieldSize(name string, v []byte) int64 {
	return sizeHashField + sizeClass(len(name)) + sizeClass(len(v))
}

// ListElemSize is the bytes accounted to one element of a list.
func ListElemSize(v []byte) int64 { return sizeListElem + sizeClass(len(v)) }

func clampSize(n int64) uint32 {
	if n < 0 {
		return 0
	}
	if n > math.MaxUint32 {
		return math.MaxUint32
	}
	return uint32(n)
}

func newTombstone(key string) *Entry {
	t := &Entry{Kind: KindTombstone, slot: -1}
	t.size = clampSize(EntrySize(key, t))
	return t
}

// Size returns the bytes accounted to e.
func (e *Entry) Size() int64 { return int64(e.size) }

// acct adds d to the bytes of shard i of l and to the store's counter.
func (ks *Keyspace) acct(l *Layer, i int, d int64) {
	if d != 0 {
		l.shards[i].bytes.Add(d)
		ks.mem.Add(d)
	}
}

// Grow records that e, key's entry in the top layer of database db (a
// container changed in place), grew by d bytes (shrank when d < 0). The
// caller holds the key's stripe for writing.
func (ks *Keyspace) Grow(db int, key string, e *Entry, d int64) {
	old := int64(e.size)
	e.size = clampSize(old + d)
	ks.acct(ks.dbs[db], ks.shardOf(key), int64(e.size)-old)
}

// MemDelta returns the store-wide sum of every change of the layers'
// bytes so far: the difference between two readings is what the stored
// entries grew by in between (a fold or a dropped layer excepted, which
// the owner recounts with Bytes). It takes no lock.
func (ks *Keyspace) MemDelta() int64 { return ks.mem.Value() }

// Bytes returns the bytes accounted to the entries stored in l itself. It
// takes no lock; the figure is a snapshot.
func (l *Layer) Bytes() int64 {
	var n int64
	for i := range l.shards {
		n += l.shards[i].bytes.Load()
	}
	return n
}

// Sample calls fn for about n keys stored in l itself (not its parents)
// chosen at random, from a random shard and, when it holds fewer, the
// next ones, with the shard's stripe. Only entries with a deadline are
// offered when volatile is set (they come from the shards' expiry
// indexes). It locks each stripe for reading by itself around the calls
// of fn: fn must not call back into ks. It reports whether it offered any
// key.
func (ks *Keyspace) Sample(db int, n int, volatile bool, rnd *rand.Rand, fn func(key string, e *Entry, s Stripe)) bool {
	start := rnd.IntN(NumShards)
	got := 0
	for t := 0; t < NumShards && got < n; t++ {
		i := (start + t*37) % NumShards // 37 is prime to 128: visits all
		s := Stripe(db*NumShards + i)
		ks.RLock(s)
		l := ks.dbs[db] // under a stripe of db: Flush and SWAPDB take them all
		sh := &l.shards[i]
		if volatile {
			// The index may hold stale items: walk it from a random
			// point for live ones.
			if m := len(sh.exp); m > 0 && sh.expiring > 0 {
				off := rnd.IntN(m)
				for j := 0; j < m && got < n; j++ {
					it := sh.exp[(off+j)%m]
					if e, ok := l.m.Load(it.key); ok && e.Kind != KindTombstone && e.ExpireAt == it.at {
						fn(it.key, e, s)
						got++
					}
				}
			}
		} else if m := len(sh.keys); m > 0 {
			for want := min(n-got, m); want > 0; want-- {
				k := sh.keys[rnd.IntN(m)]
				if e, ok := l.m.Load(k); ok {
					fn(k, e, s)
					got++
				}
			}
		}
		ks.RUnlock(s)
	}
	return got > 0
}

// StoredKeys returns the number of keys stored in the top layer of
// database db itself (not its parents): what eviction can remove there.
// It takes no lock; the figure is a snapshot.
func (ks *Keyspace) StoredKeys(db int) int { return ks.dbs[db].m.Size() }
