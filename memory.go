package potato

import "rustypotato/internal/keyspace"

// Rough per-object overheads of the Go representation, in bytes: the
// keyspace slot and Entry, a slice or string header, a map entry.
const (
	memEntry     = 96
	memHeader    = 24
	memMapEntry  = 48
	memContainer = 64
)

// MemoryUsage estimates the bytes key and its value use (MEMORY USAGE key
// [SAMPLES samples]). For hashes and lists it averages the size of the
// first samples elements and scales to the length; samples 0 means every
// element. The figure is this implementation's estimate, not Redis's
// allocator's. A missing key returns ErrNotFound.
func (tx *Tx) MemoryUsage(key string, samples int) (int64, error) {
	e := tx.lookup(key)
	if e == nil {
		return 0, ErrNotFound
	}
	return memEntry + int64(len(key)) + entryValueSize(e, samples), nil
}

// entryValueSize estimates the bytes e's value uses; for containers it
// averages the size of the first samples elements and scales to the
// length (samples 0: every element).
func entryValueSize(e *keyspace.Entry, samples int) int64 {
	var n int64
	sampled := func(total int, size func(i int) int64) int64 {
		if total == 0 {
			return 0
		}
		k := total
		if samples > 0 && samples < k {
			k = samples
		}
		var sum int64
		for i := 0; i < k; i++ {
			sum += size(i)
		}
		return sum * int64(total) / int64(k)
	}
	switch e.Kind {
	case keyspace.KindString, keyspace.KindJSON:
		n += int64(memHeader + len(e.Str))
	case keyspace.KindHash:
		n += memContainer + sampled(e.Hash.Len(), func(i int) int64 {
			f := e.Hash.At(i)
			return int64(memMapEntry + 2*memHeader + len(f.Name) + len(f.Value))
		})
	case keyspace.KindList:
		n += memContainer + sampled(e.List.Len(), func(i int) int64 {
			return int64(memHeader + len(e.List.Index(i)))
		})
	case keyspace.KindSet:
		if e.Set.Intset() {
			n += memContainer + 8*int64(e.Set.Len())
		} else {
			n += memContainer + sampled(e.Set.Len(), func(i int) int64 {
				return int64(memMapEntry + memHeader + len(e.Set.At(i)))
			})
		}
	case keyspace.KindZSet:
		// Per member: its map entry and score, its order key (8 bytes of
		// score plus the member) in the sequence.
		n += memContainer + sampled(e.ZSet.Len(), func(i int) int64 {
			return int64(memMapEntry + 2*memHeader + 2*len(e.ZSet.At(i).Member) + 16)
		})
	}
	return n
}

// MemoryUsage is Tx.MemoryUsage in its own transaction.
func (d *DB) MemoryUsage(key string, samples int) (n int64, err error) {
	err = d.do(false, func(tx *Tx) error { n, err = tx.MemoryUsage(key, samples); return err }, key)
	return
}
