package keyspace

import (
	"slices"
	"strconv"
)

// Set is a set value. Like Redis 7.0, a set whose members are all 64-bit
// integers in canonical form, and not more of them than the intset limit
// (set-max-intset-entries), is a sorted array of integers (OBJECT
// ENCODING intset, replying in ascending order); any other set is a
// persistent map (PMap, OBJECT ENCODING hashtable), for good. Both are
// copied on write: a copy costs O(1), and the first write to a copy
// copies at most the small array or one path of the map. A Set is
// guarded by its key's stripe lock.
type Set struct {
	ints   []int64 // the intset encoding (big == nil): sorted, distinct
	shared bool    // ints is shared with a copy: copy it before writing
	big    *PMap[struct{}]
}

// SetMaxIntsetEntries is Redis's default for set-max-intset-entries.
const SetMaxIntsetEntries = 512

// NewSet returns an empty set in the intset encoding.
func NewSet() *Set { return &Set{} }

// NewSetFor returns an empty set in the encoding Redis 7.0's
// setTypeCreate chooses for a set whose first member is m: intset if m
// is an integer, hashtable otherwise.
func NewSetFor(m string) *Set {
	if _, ok := setInt(m); ok {
		return &Set{}
	}
	return &Set{big: &PMap[struct{}]{}}
}

// setInt parses m as Redis's string2ll does (canonical decimal int64).
func setInt(m string) (int64, bool) {
	if len(m) == 0 || len(m) > 20 {
		return 0, false
	}
	v, err := strconv.ParseInt(m, 10, 64)
	if err != nil || strconv.FormatInt(v, 10) != m {
		return 0, false
	}
	return v, true
}

// Intset reports whether s uses the integer encoding (OBJECT ENCODING
// intset); otherwise it is a hashtable.
func (s *Set) Intset() bool { return s.big == nil }

// Len returns the number of members.
func (s *Set) Len() int {
	if s.big != nil {
		return s.big.Len()
	}
	return len(s.ints)
}

// Has reports whether m is a member.
func (s *Set) Has(m string) bool {
	if s.big != nil {
		_, ok := s.big.Get(m)
		return ok
	}
	v, ok := setInt(m)
	if !ok {
		return false
	}
	_, found := slices.BinarySearch(s.ints, v)
	return found
}

// WouldConvert reports whether adding m, with the intset limit
// maxIntset, would move s from the intset encoding to the hashtable.
func (s *Set) WouldConvert(m string, maxIntset int) bool {
	if s.big != nil {
		return false
	}
	v, ok := setInt(m)
	if !ok {
		return true
	}
	if _, found := slices.BinarySearch(s.ints, v); found {
		return false
	}
	return len(s.ints)+1 > maxIntset
}

func (s *Set) unshare() {
	if s.shared {
		s.ints = append(make([]int64, 0, len(s.ints)+1), s.ints...)
		s.shared = false
	}
}

func (s *Set) convert() {
	m := &PMap[struct{}]{}
	for _, v := range s.ints {
		m.Set(strconv.FormatInt(v, 10), struct{}{})
	}
	s.ints, s.shared, s.big = nil, false, m
}

// Add adds m and reports whether it was new. An intset converts to a
// hashtable when m is not an integer or when it would hold more than
// maxIntset members, as Redis's setTypeAdd does.
func (s *Set) Add(m string, maxIntset int) bool {
	if s.big == nil {
		v, ok := setInt(m)
		if ok {
			i, found := slices.BinarySearch(s.ints, v)
			if found {
				return false
			}
			if len(s.ints)+1 <= maxIntset {
				s.unshare()
				s.ints = slices.Insert(s.ints, i, v)
				return true
			}
		}
		s.convert()
	}
	_, existed := s.big.Set(m, struct{}{})
	return !existed
}

// Rem removes m and reports whether it was a member.
func (s *Set) Rem(m string) bool {
	if s.big != nil {
		_, existed := s.big.Del(m)
		return existed
	}
	v, ok := setInt(m)
	if !ok {
		return false
	}
	i, found := slices.BinarySearch(s.ints, v)
	if !found {
		return false
	}
	s.unshare()
	s.ints = slices.Delete(s.ints, i, i+1)
	return true
}

// Unconvert returns s to the intset encoding with the members of flat (a
// copy taken by Clone before s converted): the undo of a conversion.
func (s *Set) Unconvert(flat *Set) {
	s.ints, s.shared, s.big = flat.ints, true, nil
}

// At returns the member at index i (0 <= i < Len()) in the set's order,
// in O(log n): for random picks.
func (s *Set) At(i int) string {
	if s.big != nil {
		k, _ := s.big.At(i)
		return k
	}
	return strconv.FormatInt(s.ints[i], 10)
}

// All calls fn for every member, in the set's order (ascending for an
// intset, hash order otherwise), until fn returns false.
func (s *Set) All(fn func(m string) bool) {
	if s.big != nil {
		s.big.All(func(k string, _ struct{}) bool { return fn(k) })
		return
	}
	for _, v := range s.ints {
		if !fn(strconv.FormatInt(v, 10)) {
			return
		}
	}
}

// Scan visits members from cursor on, at least max of them unless the
// set ends first, and returns the cursor to resume from (0 when done),
// like Hash.Scan: an intset is visited whole in one call, as Redis does;
// a hashtable in hash order, where a member present throughout a full
// scan is visited whatever else changes meanwhile.
func (s *Set) Scan(cursor uint64, max int, fn func(m string)) uint64 {
	if s.big == nil {
		for _, v := range s.ints {
			fn(strconv.FormatInt(v, 10))
		}
		return 0
	}
	return scanPMap(s.big, cursor, max, func(k string, _ struct{}) { fn(k) })
}

// Clone returns a copy of s in O(1); the caller must hold s exclusively
// (both may be modified afterwards, independently).
func (s *Set) Clone() *Set {
	if s.big != nil {
		return &Set{big: s.big.Clone()}
	}
	s.shared = true
	return &Set{ints: s.ints, shared: true}
}

// CloneFrozen returns a copy of s, which must never be modified again.
func (s *Set) CloneFrozen() *Set {
	if s.big != nil {
		return &Set{big: s.big.CloneFrozen()}
	}
	return &Set{ints: s.ints, shared: true}
}
