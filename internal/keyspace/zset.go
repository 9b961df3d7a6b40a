package keyspace

import (
	"bytes"
	"encoding/binary"
	"math"
	"sort"
)

// ZSet is a sorted set: members with float64 scores, ordered by (score,
// member bytes) as Redis orders them. It is two persistent structures
// kept in step: a map from member to score (PMap) for O(1)-ish lookups,
// and a counted B-tree sequence (PList) of order keys, so rank, index and
// range by score or lex are O(log² n) searches plus the elements
// visited. Both are copied on write: a copy costs O(1). The encoding
// Redis would report (listpack or skiplist) is a flag the owner keeps
// with the configured limits; it changes no behaviour here but the
// order ZSCAN and ZRANDMEMBER visit. A ZSet is guarded by its key's
// stripe lock.
type ZSet struct {
	dict  *PMap[float64]
	order PList
	skip  bool // skiplist encoding (else listpack)
}

// Redis's defaults for zset-max-listpack-entries and -value.
const (
	ZSetMaxListpackEntries = 128
	ZSetMaxListpackValue   = 64
)

// NewZSet returns an empty sorted set in the listpack encoding.
func NewZSet() *ZSet { return &ZSet{dict: &PMap[float64]{}} }

// zkey returns the order key of (score, member): the score as 8 bytes
// that sort as the number does (-0 as 0), then the member.
func zkey(score float64, member string) []byte {
	if score == 0 {
		score = 0 // -0 sorts with 0, as Redis's comparison does
	}
	b := math.Float64bits(score)
	if b>>63 == 1 {
		b = ^b
	} else {
		b |= 1 << 63
	}
	k := make([]byte, 8, 8+len(member))
	binary.BigEndian.PutUint64(k, b)
	return append(k, member...)
}

func zkeyScore(k []byte) float64 {
	b := binary.BigEndian.Uint64(k)
	if b>>63 == 1 {
		b &^= 1 << 63
	} else {
		b = ^b
	}
	return math.Float64frombits(b)
}

// Len returns the number of members.
func (z *ZSet) Len() int { return z.order.Len() }

// Listpack reports whether z is in the listpack encoding.
func (z *ZSet) Listpack() bool { return !z.skip }

// SetListpack sets the encoding flag (the owner applies Redis's limits).
// Entering the listpack turns scores of -0 into 0, as Redis's listpack
// stores them (it keeps -0 only in a skiplist).
func (z *ZSet) SetListpack(lp bool) {
	if lp && z.skip {
		var neg []string
		z.dict.All(func(k string, v float64) bool {
			if v == 0 && math.Signbit(v) {
				neg = append(neg, k)
			}
			return true
		})
		for _, k := range neg {
			z.dict.Set(k, 0)
		}
	}
	z.skip = !lp
}

// Score returns member's score.
func (z *ZSet) Score(member string) (float64, bool) { return z.dict.Get(member) }

// search returns the first index i for which pred(order key i) is true,
// pred being false then true along the order (Len() if never).
func (z *ZSet) search(pred func(k []byte) bool) int {
	return sort.Search(z.order.Len(), func(i int) bool { return pred(z.order.Index(i)) })
}

// Add sets member's score and returns the previous one, if any.
func (z *ZSet) Add(member string, score float64) (old float64, existed bool) {
	if score == 0 && !z.skip {
		score = 0 // the listpack stores -0 as the integer 0, as Redis's does
	}
	old, existed = z.dict.Get(member)
	if existed {
		if old == score && math.Signbit(old) == math.Signbit(score) {
			return old, true
		}
		z.order.Remove(z.rankOf(member, old))
	}
	z.dict.Set(member, score)
	k := zkey(score, member)
	z.order.Insert(z.search(func(x []byte) bool { return bytes.Compare(x, k) >= 0 }), k)
	return old, existed
}

func (z *ZSet) rankOf(member string, score float64) int {
	k := zkey(score, member)
	return z.search(func(x []byte) bool { return bytes.Compare(x, k) >= 0 })
}

// Del removes member and returns its score, if it existed.
func (z *ZSet) Del(member string) (old float64, existed bool) {
	old, existed = z.dict.Get(member)
	if !existed {
		return 0, false
	}
	z.order.Remove(z.rankOf(member, old))
	z.dict.Del(member)
	return old, true
}

// Rank returns member's 0-based position in ascending order.
func (z *ZSet) Rank(member string) (int, bool) {
	s, ok := z.dict.Get(member)
	if !ok {
		return 0, false
	}
	return z.rankOf(member, s), true
}

// ZMember is one member of a sorted set and its score.
type ZMember struct {
	Member string
	Score  float64
}

func (z *ZSet) decode(k []byte) ZMember {
	m := ZMember{Member: string(k[8:]), Score: zkeyScore(k)}
	if m.Score == 0 {
		m.Score, _ = z.dict.Get(m.Member) // keeps the sign of -0
	}
	return m
}

// At returns the member at ascending index i (0 <= i < Len()).
func (z *ZSet) At(i int) ZMember { return z.decode(z.order.Index(i)) }

// Range calls fn for ascending indexes lo..hi-1 until fn returns false.
func (z *ZSet) Range(lo, hi int, fn func(i int, m ZMember) bool) {
	z.order.Range(lo, hi, func(i int, k []byte) bool { return fn(i, z.decode(k)) })
}

// RangeRev calls fn for indexes hi-1 down to lo until fn returns false.
func (z *ZSet) RangeRev(lo, hi int, fn func(i int, m ZMember) bool) {
	for i := hi - 1; i >= lo; i-- {
		if !fn(i, z.At(i)) {
			return
		}
	}
}

// ScoreIndex returns the first index whose score is >= min (> min when
// excl), so that the members with scores in a range are an index range.
func (z *ZSet) ScoreIndex(min float64, excl bool) int {
	return z.search(func(k []byte) bool {
		s := zkeyScore(k)
		if excl {
			return s > min
		}
		return s >= min
	})
}

// LexIndex returns the first index whose member is >= min (> min when
// excl), in bytewise order: meaningful when all scores are equal, as
// Redis's lex ranges require.
func (z *ZSet) LexIndex(min string, excl bool) int {
	return z.search(func(k []byte) bool {
		c := bytes.Compare(k[8:], []byte(min))
		if excl {
			return c > 0
		}
		return c >= 0
	})
}

// All calls fn for every member in ascending order until fn returns false.
func (z *ZSet) All(fn func(m ZMember) bool) {
	z.Range(0, z.Len(), func(_ int, m ZMember) bool { return fn(m) })
}

// MaxMemberLen returns the length of the longest member (O(n)).
func (z *ZSet) MaxMemberLen() int {
	n := 0
	z.order.Range(0, z.order.Len(), func(_ int, k []byte) bool {
		n = max(n, len(k)-8)
		return true
	})
	return n
}

// Scan is Hash.Scan for a sorted set: a listpack set is visited whole,
// in order, in one call; a larger one in its map's hash order.
func (z *ZSet) Scan(cursor uint64, max int, fn func(m ZMember)) uint64 {
	if !z.skip {
		z.All(func(m ZMember) bool { fn(m); return true })
		return 0
	}
	return scanPMap(z.dict, cursor, max, func(k string, v float64) { fn(ZMember{Member: k, Score: v}) })
}

// Clone returns a copy of z in O(1); the caller must hold z exclusively.
func (z *ZSet) Clone() *ZSet {
	return &ZSet{dict: z.dict.Clone(), order: z.order.Clone(), skip: z.skip}
}

// CloneFrozen returns a copy of z, which must never be modified again.
func (z *ZSet) CloneFrozen() *ZSet {
	return &ZSet{dict: z.dict.CloneFrozen(), order: z.order.CloneFrozen(), skip: z.skip}
}
