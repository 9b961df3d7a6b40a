package potato

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"rustypotato/internal/keyspace"
)

// Sets: SADD and the rest of Redis 7.0's set family. A set is an intset
// (sorted integers) while its members are all integers and at most
// set-max-intset-entries of them (DB.SetSetMaxIntsetEntries), and a
// hashtable otherwise, as in Redis: OBJECT ENCODING reports which, and an
// intset replies in ascending order.

// maxSRandMemberRepeat bounds -count of SRandMemberN on an existing set,
// as maxHRandFieldRepeat does for HRANDFIELD: Redis has no bound.
const maxSRandMemberRepeat = 1 << 24

var (
	errSetCountPositive = fmt.Errorf("%w: ERR value is out of range, must be positive", ErrInvalidArgument)
	errSetLimitNegative = fmt.Errorf("%w: ERR LIMIT can't be negative", ErrInvalidArgument)
	errSetNoKeys        = fmt.Errorf("%w: ERR numkeys should be greater than 0", ErrInvalidArgument)
)

func errSetArity(cmd string) error { return errHashArity(cmd) }

// SetSetMaxIntsetEntries sets the most members a set of integers may have
// and keep the intset encoding (Redis's set-max-intset-entries, 512 by
// default); n < 0 counts as 0. Like Redis, it applies to sets as they
// are next written: a set that is already a hashtable stays one.
func (d *DB) SetSetMaxIntsetEntries(n int64) {
	d.c.setMaxIntset.Store(^max(n, 0))
}

// SetMaxIntsetEntries returns the limit set by SetSetMaxIntsetEntries.
func (d *DB) SetMaxIntsetEntries() int64 { return d.c.maxIntset() }

// maxIntset returns set-max-intset-entries (the field holds its bitwise
// complement, so that its zero value means the default).
func (c *core) maxIntset() int64 {
	if v := c.setMaxIntset.Load(); v != 0 {
		return ^v
	}
	return keyspace.SetMaxIntsetEntries
}

func (tx *Tx) intsetLimit() int { return int(min(tx.c.maxIntset(), math.MaxInt32)) }

// undoSetEdit undoes a set Edit on the value of e (see undoValue).
func undoSetEdit(e *keyspace.Entry, ed *Edit) {
	switch ed.Kind {
	case EditSAdd:
		e.Set.Rem(ed.Field)
	case EditSRem:
		e.Set.Add(ed.Field, math.MaxInt) // back where it was: an intset stays one
	case EditSConvert:
		e.Set.Unconvert(ed.prev.Set)
	}
}

// sadd is the primitive that adds member m to the set of e.
func (tx *Tx) sadd(key, op string, e *keyspace.Entry, m string) bool {
	if tx.hooksOn() {
		// A member is a value stored: hooks may check or rewrite it.
		m = string(tx.checkHookIn(key, op, "", -1, nil, []byte(m), e, e.Set.Len() == 0))
	}
	limit := tx.intsetLimit()
	if e.Set.WouldConvert(m, limit) {
		tx.record(key, op, Edit{Kind: EditSConvert, prev: &keyspace.Entry{Kind: keyspace.KindSet, Set: e.Set.Clone()}})
	}
	if !e.Set.Add(m, limit) {
		return false
	}
	tx.recordGrow(key, op, e, Edit{Kind: EditSAdd, Field: m})
	return true
}

// srem is the primitive that removes member m from the set of e.
func (tx *Tx) srem(key, op string, e *keyspace.Entry, m string) bool {
	if !e.Set.Rem(m) {
		return false
	}
	tx.recordGrow(key, op, e, Edit{Kind: EditSRem, Field: m})
	return true
}

// setRead returns key's set for reading, nil if the key does not exist.
func (tx *Tx) setRead(key string) (*keyspace.Set, error) {
	e, err := tx.lookupKind(key, keyspace.KindSet, false)
	if e == nil {
		return nil, err
	}
	return e.Set, nil
}

func (tx *Tx) setCheckSize(members []string) error {
	max := tx.c.opts.MaxValueBytes
	for _, m := range members {
		if int64(len(m)) > max {
			return ErrStringTooLong
		}
	}
	return nil
}

// SAdd adds members to the set at key, creating it if needed (SADD), and
// returns how many were not already members. It returns ErrWrongType if
// key holds another type, ErrStringTooLong for a member above
// Options.MaxValueBytes and an ErrInvalidArgument error when members is
// empty.
func (tx *Tx) SAdd(key string, members ...string) (int64, error) {
	if len(members) == 0 {
		return 0, errSetArity("sadd")
	}
	if err := tx.setCheckSize(members); err != nil {
		return 0, err
	}
	e, err := tx.lookupKind(key, keyspace.KindSet, true)
	if err != nil {
		return 0, err
	}
	if e == nil {
		e = &keyspace.Entry{Kind: keyspace.KindSet, Set: keyspace.NewSetFor(members[0])}
		tx.put(key, "sadd", e)
	}
	var n int64
	for _, m := range members {
		if tx.sadd(key, "sadd", e, m) {
			n++
		}
	}
	return n, nil
}

// SAdd adds members to the set at key (SADD); see Tx.SAdd.
func (d *DB) SAdd(key string, members ...string) (n int64, err error) {
	err = d.do(true, func(tx *Tx) error { n, err = tx.SAdd(key, members...); return err }, key)
	return
}

// SRem removes members from the set at key (SREM) and returns how many
// were members. The key is deleted when its last member goes. It returns
// ErrWrongType if key holds another type and an ErrInvalidArgument error
// when members is empty.
func (tx *Tx) SRem(key string, members ...string) (int64, error) {
	if len(members) == 0 {
		return 0, errSetArity("srem")
	}
	tx.mustWrite()
	s, err := tx.setRead(key)
	if s == nil {
		return 0, err
	}
	found := false
	for _, m := range members {
		if found = s.Has(m); found {
			break
		}
	}
	if !found {
		return 0, nil
	}
	e := tx.lookupW(key)
	var n int64
	for _, m := range members {
		if tx.srem(key, "srem", e, m) {
			n++
			if e.Set.Len() == 0 {
				tx.del(key, "del")
				break
			}
		}
	}
	return n, nil
}

// SRem removes members from the set at key (SREM); see Tx.SRem.
func (d *DB) SRem(key string, members ...string) (n int64, err error) {
	err = d.do(true, func(tx *Tx) error { n, err = tx.SRem(key, members...); return err }, key)
	return
}

// setMembers returns the members of s in its order.
func setMembers(s *keyspace.Set) []string {
	out := make([]string, 0, s.Len())
	s.All(func(m string) bool { out = append(out, m); return true })
	return out
}

// SMembers returns the members of the set at key (SMEMBERS): ascending
// for an intset, in no particular order otherwise; empty if the key does
// not exist. It returns ErrWrongType if key holds another type.
func (tx *Tx) SMembers(key string) ([]string, error) {
	s, err := tx.setRead(key)
	if s == nil {
		return nil, err
	}
	return setMembers(s), nil
}

// SMembers returns the members of the set at key (SMEMBERS).
func (d *DB) SMembers(key string) (ms []string, err error) {
	err = d.do(false, func(tx *Tx) error { ms, err = tx.SMembers(key); return err }, key)
	return
}

// SIsMember reports whether member is in the set at key (SISMEMBER). It
// returns ErrWrongType if key holds another type.
func (tx *Tx) SIsMember(key, member string) (bool, error) {
	s, err := tx.setRead(key)
	if s == nil {
		return false, err
	}
	return s.Has(member), nil
}

// SIsMember reports whether member is in the set at key (SISMEMBER).
func (d *DB) SIsMember(key, member string) (is bool, err error) {
	err = d.do(false, func(tx *Tx) error { is, err = tx.SIsMember(key, member); return err }, key)
	return
}

// SMIsMember reports, for each of members, whether it is in the set at
// key (SMISMEMBER). It returns ErrWrongType if key holds another type and
// an ErrInvalidArgument error when members is empty.
func (tx *Tx) SMIsMember(key string, members ...string) ([]bool, error) {
	if len(members) == 0 {
		return nil, errSetArity("smismember")
	}
	s, err := tx.setRead(key)
	if err != nil {
		return nil, err
	}
	out := make([]bool, len(members))
	if s != nil {
		for i, m := range members {
			out[i] = s.Has(m)
		}
	}
	return out, nil
}

// SMIsMember reports which of members are in the set at key (SMISMEMBER).
func (d *DB) SMIsMember(key string, members ...string) (is []bool, err error) {
	err = d.do(false, func(tx *Tx) error { is, err = tx.SMIsMember(key, members...); return err }, key)
	return
}

// SCard returns the number of members of the set at key, 0 if the key does
// not exist (SCARD). It returns ErrWrongType if key holds another type.
func (tx *Tx) SCard(key string) (int64, error) {
	s, err := tx.setRead(key)
	if s == nil {
		return 0, err
	}
	return int64(s.Len()), nil
}

// SCard returns the number of members of the set at key (SCARD).
func (d *DB) SCard(key string) (n int64, err error) {
	err = d.do(false, func(tx *Tx) error { n, err = tx.SCard(key); return err }, key)
	return
}

// SPop removes and returns a random member of the set at key (SPOP key).
// It returns ErrNotFound if the key does not exist and ErrWrongType if it
// holds another type.
func (tx *Tx) SPop(key string) (string, error) {
	tx.mustWrite()
	s, err := tx.setRead(key)
	if s == nil {
		if err == nil {
			err = ErrNotFound
		}
		return "", err
	}
	e := tx.lookupW(key)
	m := e.Set.At(rand.IntN(e.Set.Len()))
	tx.srem(key, "spop", e, m)
	if e.Set.Len() == 0 {
		tx.del(key, "del")
	}
	return m, nil
}

// SPop removes and returns a random member of the set at key (SPOP).
func (d *DB) SPop(key string) (m string, err error) {
	err = d.do(true, func(tx *Tx) error { m, err = tx.SPop(key); return err }, key)
	return
}

// SPopN removes and returns count distinct random members of the set at
// key, or all of them if it has fewer, deleting the key then (SPOP key
// count); none if the key does not exist or count is 0. It returns an
// ErrInvalidArgument error with Redis's text for a negative count, and
// ErrWrongType if key holds another type.
func (tx *Tx) SPopN(key string, count int64) ([]string, error) {
	if count < 0 {
		return nil, errSetCountPositive
	}
	tx.mustWrite()
	s, err := tx.setRead(key)
	if s == nil || count == 0 {
		return []string{}, err
	}
	e := tx.lookupW(key)
	if count >= int64(e.Set.Len()) {
		out := setMembers(e.Set)
		for _, m := range out {
			tx.srem(key, "spop", e, m)
		}
		tx.del(key, "del")
		return out, nil
	}
	out := make([]string, 0, count)
	for range count {
		m := e.Set.At(rand.IntN(e.Set.Len()))
		tx.srem(key, "spop", e, m)
		out = append(out, m)
	}
	return out, nil
}

// SPopN removes and returns up to count random members of the set at key
// (SPOP key count); see Tx.SPopN.
func (d *DB) SPopN(key string, count int64) (ms []string, err error) {
	err = d.do(true, func(tx *Tx) error { ms, err = tx.SPopN(key, count); return err }, key)
	return
}

// SRandMember returns a random member of the set at key (SRANDMEMBER
// key). It returns ErrNotFound if the key does not exist and ErrWrongType
// if it holds another type.
func (tx *Tx) SRandMember(key string) (string, error) {
	s, err := tx.setRead(key)
	if s == nil {
		if err == nil {
			err = ErrNotFound
		}
		return "", err
	}
	return s.At(rand.IntN(s.Len())), nil
}

// SRandMember returns a random member of the set at key (SRANDMEMBER).
func (d *DB) SRandMember(key string) (m string, err error) {
	err = d.do(false, func(tx *Tx) error { m, err = tx.SRandMember(key); return err }, key)
	return
}

// SRandMemberN returns random members of the set at key (SRANDMEMBER key
// count), as Redis 7.0 does: a positive count returns that many distinct
// members, or the whole set if it has fewer; a negative count returns
// exactly -count members, each picked independently and uniformly (so
// possibly repeated); 0 or a missing key returns none. It returns
// ErrWrongType if key holds another type and an ErrInvalidArgument error
// with Redis's text for count == math.MinInt64. Unlike Redis, a count
// below -16777216 on an existing set is refused ("ERR value is out of
// range") rather than allowed to exhaust memory.
func (tx *Tx) SRandMemberN(key string, count int64) ([]string, error) {
	if count == math.MinInt64 {
		return nil, errHRandFieldRange
	}
	s, err := tx.setRead(key)
	if s == nil || count == 0 {
		return []string{}, err
	}
	size := s.Len()
	if count < 0 {
		if count < -maxSRandMemberRepeat {
			return nil, errHRandFieldValuesRange
		}
		out := make([]string, -count)
		for i := range out {
			out[i] = s.At(rand.IntN(size))
		}
		return out, nil
	}
	if count >= int64(size) {
		return setMembers(s), nil
	}
	idx := distinctRandom(size, int(count))
	out := make([]string, len(idx))
	for i, t := range idx {
		out[i] = s.At(t)
	}
	return out, nil
}

// SRandMemberN returns random members of the set at key (SRANDMEMBER key
// count); see Tx.SRandMemberN.
func (d *DB) SRandMemberN(key string, count int64) (ms []string, err error) {
	err = d.do(false, func(tx *Tx) error { ms, err = tx.SRandMemberN(key, count); return err }, key)
	return
}

// SMove moves member from the set at src to the set at dst, creating dst
// if needed (SMOVE), and reports whether it was moved (false when src
// does not exist or member is not in it). src is deleted when its last
// member goes. When src and dst are the same key it only reports
// membership. It returns ErrWrongType if src, or dst when it exists,
// holds another type.
func (tx *Tx) SMove(src, dst, member string) (bool, error) {
	tx.mustWrite()
	if err := tx.setCheckSize([]string{member}); err != nil {
		return false, err
	}
	se := tx.lookup(src)
	de := tx.lookup(dst)
	if se == nil {
		return false, nil
	}
	if se.Kind != keyspace.KindSet || (de != nil && de.Kind != keyspace.KindSet) {
		return false, ErrWrongType
	}
	if src == dst {
		return se.Set.Has(member), nil
	}
	if !se.Set.Has(member) {
		return false, nil
	}
	se = tx.lookupW(src)
	tx.srem(src, "srem", se, member)
	if se.Set.Len() == 0 {
		tx.del(src, "del")
	}
	de = tx.lookupW(dst)
	if de == nil {
		de = &keyspace.Entry{Kind: keyspace.KindSet, Set: keyspace.NewSetFor(member)}
		tx.put(dst, "sadd", de)
	}
	tx.sadd(dst, "sadd", de, member)
	return true, nil
}

// SMove moves member from the set at src to the set at dst (SMOVE); see
// Tx.SMove.
func (d *DB) SMove(src, dst, member string) (moved bool, err error) {
	err = d.do(true, func(tx *Tx) error { moved, err = tx.SMove(src, dst, member); return err }, src, dst)
	return
}

// setSources looks up keys as sets, all of them first as Redis does (so a
// wrong type anywhere is an error); a missing key is a nil set.
func (tx *Tx) setSources(keys []string) ([]*keyspace.Set, error) {
	sets := make([]*keyspace.Set, len(keys))
	for i, k := range keys {
		s, err := tx.setRead(k)
		if err != nil {
			return nil, err
		}
		sets[i] = s
	}
	return sets, nil
}

// setInter computes the intersection of sets into a new set (intset
// first, as Redis's SINTERSTORE builds it), stopping after limit members
// when limit > 0. A nil set is empty.
func (tx *Tx) setInter(sets []*keyspace.Set, limit int) *keyspace.Set {
	out := keyspace.NewSet()
	if len(sets) == 0 {
		return out
	}
	small := 0
	for i, s := range sets {
		if s == nil {
			return out
		}
		if s.Len() < sets[small].Len() {
			small = i
		}
	}
	lim := tx.intsetLimit()
	sets[small].All(func(m string) bool {
		for i, s := range sets {
			if i != small && !s.Has(m) {
				return true
			}
		}
		out.Add(m, lim)
		return limit <= 0 || out.Len() < limit
	})
	return out
}

// setUnionDiff computes the union of sets, or the first minus the others
// when diff, into a new set. A nil set is empty.
func (tx *Tx) setUnionDiff(sets []*keyspace.Set, diff bool) *keyspace.Set {
	out := keyspace.NewSet()
	lim := tx.intsetLimit()
	if diff {
		if len(sets) == 0 || sets[0] == nil {
			return out
		}
		sets[0].All(func(m string) bool {
			for _, s := range sets[1:] {
				if s != nil && s.Has(m) {
					return true
				}
			}
			out.Add(m, lim)
			return true
		})
		return out
	}
	for _, s := range sets {
		if s != nil {
			s.All(func(m string) bool { out.Add(m, lim); return true })
		}
	}
	return out
}

// setStore stores result at dst (op is the keyspace event), or deletes
// dst when result is empty, as Redis's *STORE commands do, and returns
// the cardinality.
func (tx *Tx) setStore(dst, op string, result *keyspace.Set) int64 {
	tx.mustWrite()
	if tx.lookupW(dst) != nil && result.Len() == 0 {
		tx.del(dst, "del")
	}
	if result.Len() == 0 {
		return 0
	}
	tx.put(dst, op, &keyspace.Entry{Kind: keyspace.KindSet, Set: result})
	return int64(result.Len())
}

// SInter returns the members common to the sets at keys (SINTER); a
// missing key is an empty set. It returns ErrWrongType if any key holds
// another type and an ErrInvalidArgument error when keys is empty.
func (tx *Tx) SInter(keys ...string) ([]string, error) {
	if len(keys) == 0 {
		return nil, errSetArity("sinter")
	}
	sets, err := tx.setSources(keys)
	if err != nil {
		return nil, err
	}
	if len(sets) == 1 && sets[0] != nil {
		return setMembers(sets[0]), nil
	}
	return setMembers(tx.setInter(sets, 0)), nil
}

// SInter returns the intersection of the sets at keys (SINTER).
func (d *DB) SInter(keys ...string) (ms []string, err error) {
	err = d.do(false, func(tx *Tx) error { ms, err = tx.SInter(keys...); return err }, keys...)
	return
}

// SInterCard returns the size of the intersection of the sets at keys,
// counting no further than limit when limit > 0 (SINTERCARD). It returns
// ErrWrongType if any key holds another type, and an ErrInvalidArgument
// error with Redis's text when keys is empty or limit is negative.
func (tx *Tx) SInterCard(limit int64, keys ...string) (int64, error) {
	if len(keys) == 0 {
		return 0, errSetNoKeys
	}
	if limit < 0 {
		return 0, errSetLimitNegative
	}
	sets, err := tx.setSources(keys)
	if err != nil {
		return 0, err
	}
	return int64(tx.setInter(sets, int(min(limit, math.MaxInt32))).Len()), nil
}

// SInterCard returns the size of the intersection of the sets at keys
// (SINTERCARD); see Tx.SInterCard.
func (d *DB) SInterCard(limit int64, keys ...string) (n int64, err error) {
	err = d.do(false, func(tx *Tx) error { n, err = tx.SInterCard(limit, keys...); return err }, keys...)
	return
}

// SInterStore stores the intersection of the sets at keys at dst
// (SINTERSTORE), replacing whatever dst held (its deadline too), or
// deletes dst when the intersection is empty, and returns its size. It
// returns ErrWrongType if any of keys holds another type.
func (tx *Tx) SInterStore(dst string, keys ...string) (int64, error) {
	if len(keys) == 0 {
		return 0, errSetArity("sinterstore")
	}
	sets, err := tx.setSources(keys)
	if err != nil {
		return 0, err
	}
	return tx.setStore(dst, "sinterstore", tx.setInter(sets, 0)), nil
}

// SInterStore stores the intersection of the sets at keys at dst
// (SINTERSTORE); see Tx.SInterStore.
func (d *DB) SInterStore(dst string, keys ...string) (n int64, err error) {
	err = d.do(true, func(tx *Tx) error { n, err = tx.SInterStore(dst, keys...); return err }, append([]string{dst}, keys...)...)
	return
}

// SUnion returns the members of any of the sets at keys (SUNION); a
// missing key is an empty set. It returns ErrWrongType if any key holds
// another type and an ErrInvalidArgument error when keys is empty.
func (tx *Tx) SUnion(keys ...string) ([]string, error) {
	if len(keys) == 0 {
		return nil, errSetArity("sunion")
	}
	sets, err := tx.setSources(keys)
	if err != nil {
		return nil, err
	}
	return setMembers(tx.setUnionDiff(sets, false)), nil
}

// SUnion returns the union of the sets at keys (SUNION).
func (d *DB) SUnion(keys ...string) (ms []string, err error) {
	err = d.do(false, func(tx *Tx) error { ms, err = tx.SUnion(keys...); return err }, keys...)
	return
}

// SUnionStore stores the union of the sets at keys at dst (SUNIONSTORE),
// or deletes dst when it is empty, and returns its size; see SInterStore.
func (tx *Tx) SUnionStore(dst string, keys ...string) (int64, error) {
	if len(keys) == 0 {
		return 0, errSetArity("sunionstore")
	}
	sets, err := tx.setSources(keys)
	if err != nil {
		return 0, err
	}
	return tx.setStore(dst, "sunionstore", tx.setUnionDiff(sets, false)), nil
}

// SUnionStore stores the union of the sets at keys at dst (SUNIONSTORE).
func (d *DB) SUnionStore(dst string, keys ...string) (n int64, err error) {
	err = d.do(true, func(tx *Tx) error { n, err = tx.SUnionStore(dst, keys...); return err }, append([]string{dst}, keys...)...)
	return
}

// SDiff returns the members of the set at keys[0] that are in none of
// the others (SDIFF); a missing key is an empty set. It returns
// ErrWrongType if any key holds another type and an ErrInvalidArgument
// error when keys is empty.
func (tx *Tx) SDiff(keys ...string) ([]string, error) {
	if len(keys) == 0 {
		return nil, errSetArity("sdiff")
	}
	sets, err := tx.setSources(keys)
	if err != nil {
		return nil, err
	}
	return setMembers(tx.setUnionDiff(sets, true)), nil
}

// SDiff returns the difference of the sets at keys (SDIFF).
func (d *DB) SDiff(keys ...string) (ms []string, err error) {
	err = d.do(false, func(tx *Tx) error { ms, err = tx.SDiff(keys...); return err }, keys...)
	return
}

// SDiffStore stores the difference of the sets at keys at dst
// (SDIFFSTORE), or deletes dst when it is empty, and returns its size;
// see SInterStore.
func (tx *Tx) SDiffStore(dst string, keys ...string) (int64, error) {
	if len(keys) == 0 {
		return 0, errSetArity("sdiffstore")
	}
	sets, err := tx.setSources(keys)
	if err != nil {
		return 0, err
	}
	return tx.setStore(dst, "sdiffstore", tx.setUnionDiff(sets, true)), nil
}

// SDiffStore stores the difference of the sets at keys at dst
// (SDIFFSTORE).
func (d *DB) SDiffStore(dst string, keys ...string) (n int64, err error) {
	err = d.do(true, func(tx *Tx) error { n, err = tx.SDiffStore(dst, keys...); return err }, append([]string{dst}, keys...)...)
	return
}

// SScan returns some members of the set at key and the cursor for the
// next call (SSCAN); start and end with cursor 0. An intset is returned
// whole in one call, as Redis does; a hashtable is visited in hash order,
// and a full scan returns every member present throughout it at least
// once. match is a glob pattern on members ("" for all), applied after
// the visit; count is how many members to visit, 0 meaning Redis's
// default of 10, negative an ErrInvalidArgument error ("ERR syntax
// error"). It returns ErrWrongType if key holds another type.
func (tx *Tx) SScan(key string, cursor uint64, match string, count int64) ([]string, uint64, error) {
	if count < 0 {
		return nil, 0, errHashSyntax
	}
	if count == 0 {
		count = 10
	}
	s, err := tx.setRead(key)
	if s == nil {
		return nil, 0, err
	}
	var out []string
	all := match == "" || match == "*"
	next := s.Scan(cursor, int(min(count, 1<<20)), func(m string) {
		if all || keyspace.Match(match, m, false) {
			out = append(out, m)
		}
	})
	return out, next, nil
}

// SScan returns some members of the set at key and the next cursor
// (SSCAN); see Tx.SScan.
func (d *DB) SScan(key string, cursor uint64, match string, count int64) (ms []string, next uint64, err error) {
	err = d.do(false, func(tx *Tx) error { ms, next, err = tx.SScan(key, cursor, match, count); return err }, key)
	return
}

// sameSet reports whether two sets have the same members.
func sameSet(a, b *keyspace.Set) bool {
	if a.Len() != b.Len() {
		return false
	}
	same := true
	a.All(func(m string) bool { same = b.Has(m); return same })
	return same
}

// setMemberDiff returns the members in one of two sets but not the
// other, sorted (BRANCH DIFF's fields of a set).
func setMemberDiff(a, b *keyspace.Set) []string {
	var out []string
	a.All(func(m string) bool {
		if !b.Has(m) {
			out = append(out, m)
		}
		return true
	})
	b.All(func(m string) bool {
		if !a.Has(m) {
			out = append(out, m)
		}
		return true
	})
	slices.Sort(out)
	return out
}

// mergeSet merges set key member by member from base into ours (the
// transaction's) with theirs: a member theirs added or removed since
// base is added or removed in ours. Membership has two states, so a
// member both sides changed was changed the same way: sets never
// conflict. It reports whether ours changed.
func (tx *Tx) mergeSet(key string, base, ours, theirs *keyspace.Entry) bool {
	has := func(e *keyspace.Entry, m string) bool { return e != nil && e.Set.Has(m) }
	var add, rem []string
	theirs.Set.All(func(m string) bool {
		if !has(base, m) && !has(ours, m) {
			add = append(add, m)
		}
		return true
	})
	if base != nil {
		base.Set.All(func(m string) bool {
			if !has(theirs, m) && has(ours, m) {
				rem = append(rem, m)
			}
			return true
		})
	}
	if len(add) == 0 && len(rem) == 0 {
		return false
	}
	slices.Sort(add)
	slices.Sort(rem)
	e := tx.lookupW(key)
	for _, m := range add {
		tx.sadd(key, "sadd", e, m)
	}
	for _, m := range rem {
		tx.srem(key, "srem", e, m)
	}
	if e.Set.Len() == 0 {
		tx.del(key, "del")
	}
	return true
}
