package potato

import (
	"bytes"
	"fmt"
	"math"
	"slices"

	"rustypotato/internal/keyspace"
)

// ListDirection is an end of a list, the LEFT or RIGHT argument of LMOVE,
// BLMOVE, LMPOP and BLMPOP: Left is the head (index 0), Right the tail.
// The zero value is not a direction; commands given it return an
// ErrInvalidArgument error ("ERR syntax error").
type ListDirection uint8

// The two ends of a list.
const (
	Left  ListDirection = iota + 1 // the head, where LPUSH and LPOP work
	Right                          // the tail, where RPUSH and RPOP work
)

// String returns Redis's name of the direction ("LEFT", "RIGHT").
func (d ListDirection) String() string {
	switch d {
	case Left:
		return "LEFT"
	case Right:
		return "RIGHT"
	}
	return fmt.Sprintf("ListDirection(%d)", uint8(d))
}

func (d ListDirection) valid() bool { return d == Left || d == Right }

// InsertPosition says where LInsert puts the new element relative to the
// pivot (LINSERT's BEFORE or AFTER). The zero value is neither; LInsert
// given it returns an ErrInvalidArgument error ("ERR syntax error").
type InsertPosition uint8

// LINSERT's positions.
const (
	InsertBefore InsertPosition = iota + 1 // BEFORE: towards the head
	InsertAfter                            // AFTER: towards the tail
)

// LPosArgs are LPOS's RANK and MAXLEN options; COUNT is LPosCount's
// argument. The zero value means neither option: the first match from the
// head, looking at the whole list.
type LPosArgs struct {
	// Rank is RANK: return matches starting from the Rank-th one, counted
	// from the head when positive (1 is the first match) and from the tail
	// when negative (-1 is the last match). Zero means 1. Redis refuses
	// RANK 0 on the wire; in Go the zero value is the default.
	Rank int64
	// MaxLen is MAXLEN: compare at most this many elements, counted from
	// the end the search starts at. Zero means the whole list; negative
	// gives an ErrInvalidArgument error.
	MaxLen int64
}

var (
	errListSyntax      = fmt.Errorf("%w: ERR syntax error", ErrInvalidArgument)
	errListPopCount    = fmt.Errorf("%w: ERR value is out of range, must be positive", ErrInvalidArgument)
	errListPosCount    = fmt.Errorf("%w: ERR COUNT can't be negative", ErrInvalidArgument)
	errListPosMaxLen   = fmt.Errorf("%w: ERR MAXLEN can't be negative", ErrInvalidArgument)
	errListNumKeys     = fmt.Errorf("%w: ERR numkeys should be greater than 0", ErrInvalidArgument)
	errListMPopCount   = fmt.Errorf("%w: ERR count should be greater than 0", ErrInvalidArgument)
	errListNegativeTTL = fmt.Errorf("%w: ERR timeout is negative", ErrInvalidArgument)
)

func errListArity(cmd string) error {
	return fmt.Errorf("%w: ERR wrong number of arguments for '%s' command", ErrInvalidArgument, cmd)
}

// listView returns a stored element for a caller, capped so that an
// append by the caller can never write into the store's memory.
func listView(v []byte) []byte { return v[:len(v):len(v)] }

// pushOp and popOp are the keyspace events of a push or pop at one end.
func pushOp(left bool) string {
	if left {
		return "lpush"
	}
	return "rpush"
}

func popOp(left bool) string {
	if left {
		return "lpop"
	}
	return "rpop"
}

// listRead returns key's list for reading, nil if the key does not exist.
// Redis never keeps an empty list, so a non-nil list has elements.
func (tx *Tx) listRead(key string) (*keyspace.List, error) {
	e, err := tx.lookupKind(key, keyspace.KindList, false)
	if e == nil {
		return nil, err
	}
	return e.List, nil
}

// listNote records an event on key that changes nothing (LTRIM that
// removes no element still fires "ltrim" and touches WATCH in Redis).
// It is the one place this file appends to tx.muts directly: there is no
// edit for a primitive to apply.
func (tx *Tx) listNote(key, op string) {
	tx.muts = append(tx.muts, Mutation{DB: tx.db, Key: key, Op: op, Origin: tx.origin})
}

// listDelIfEmpty deletes key once its list has no elements left, as Redis
// does ("del" event).
func (tx *Tx) listDelIfEmpty(key string, e *keyspace.Entry) {
	if e.List.Len() == 0 {
		tx.del(key, "del")
	}
}

// push adds values one by one at an end of key's list (so LPUSH k a b
// leaves b first), creating the list when create is set, and returns the
// new length; 0 when the key does not exist and create is not set.
func (tx *Tx) push(cmd, key string, left, create bool, values [][]byte) (int64, error) {
	tx.mustWrite()
	if len(values) == 0 {
		return 0, errListArity(cmd)
	}
	for _, v := range values {
		if int64(len(v)) > tx.c.opts.MaxValueBytes {
			return 0, ErrStringTooLong
		}
	}
	e, err := tx.lookupKind(key, keyspace.KindList, true)
	if err != nil {
		return 0, err
	}
	op := pushOp(left)
	if e == nil {
		if !create {
			return 0, nil
		}
		e = &keyspace.Entry{Kind: keyspace.KindList, List: keyspace.NewList()}
		tx.put(key, op, e)
	}
	for _, v := range values {
		tx.lpush(key, op, e, left, own(v))
	}
	return int64(e.List.Len()), nil
}

// popN removes up to n elements from one end of key's list e and returns
// them in the order popped, deleting the key if it empties. All pops are
// one "lpop" or "rpop" event, as in Redis.
func (tx *Tx) popN(key string, e *keyspace.Entry, left bool, n int) [][]byte {
	n = min(n, e.List.Len())
	out := make([][]byte, n)
	op := popOp(left)
	for i := range out {
		out[i] = listView(tx.lpop(key, op, e, left))
	}
	tx.listDelIfEmpty(key, e)
	return out
}

// move pops an element from an end of src's list se and pushes it at an
// end of dst's list, creating dst if needed (LMOVE). dst is type-checked
// before anything changes. The events come in Redis's order: the push on
// dst, then the pop on src, then "del" if src emptied. src and dst may be
// the same key (a rotation).
func (tx *Tx) move(src string, se *keyspace.Entry, dst string, from, to ListDirection) ([]byte, error) {
	de, err := tx.lookupKind(dst, keyspace.KindList, true)
	if err != nil {
		return nil, err
	}
	var v []byte
	if from == Left {
		v = se.List.Index(0)
	} else {
		v = se.List.Index(se.List.Len() - 1)
	}
	op := pushOp(to == Left)
	if de == nil {
		de = &keyspace.Entry{Kind: keyspace.KindList, List: keyspace.NewList()}
		tx.put(dst, op, de)
	}
	// Pushing before popping is the same as popping first even when src
	// is dst: the element popped is the one just read, not the one pushed.
	tx.lpush(dst, op, de, to == Left, v)
	tx.lpop(src, popOp(from == Left), se, from == Left)
	tx.listDelIfEmpty(src, se)
	return listView(v), nil
}

// LPush inserts values at the head of the list at key, one after the
// other (so the last value ends up first), creating the list if the key
// does not exist (LPUSH). It returns the new length. It returns
// ErrWrongType if key holds another type, ErrStringTooLong for a value
// above Options.MaxValueBytes, and an ErrInvalidArgument error when values
// is empty.
func (tx *Tx) LPush(key string, values ...[]byte) (int64, error) {
	return tx.push("lpush", key, true, true, values)
}

// LPush inserts values at the head of the list at key (LPUSH); see
// Tx.LPush.
func (d *DB) LPush(key string, values ...[]byte) (n int64, err error) {
	err = d.do(true, func(tx *Tx) error { n, err = tx.LPush(key, values...); return err }, key)
	return
}

// RPush appends values at the tail of the list at key, creating the list
// if the key does not exist (RPUSH), and returns the new length. Errors
// are LPush's.
func (tx *Tx) RPush(key string, values ...[]byte) (int64, error) {
	return tx.push("rpush", key, false, true, values)
}

// RPush appends values at the tail of the list at key (RPUSH); see
// Tx.RPush.
func (d *DB) RPush(key string, values ...[]byte) (n int64, err error) {
	err = d.do(true, func(tx *Tx) error { n, err = tx.RPush(key, values...); return err }, key)
	return
}

// LPushX is LPush only if the key already holds a list (LPUSHX): it
// returns 0 and changes nothing when the key does not exist.
func (tx *Tx) LPushX(key string, values ...[]byte) (int64, error) {
	return tx.push("lpushx", key, true, false, values)
}

// LPushX is LPush only if the key exists (LPUSHX); see Tx.LPushX.
func (d *DB) LPushX(key string, values ...[]byte) (n int64, err error) {
	err = d.do(true, func(tx *Tx) error { n, err = tx.LPushX(key, values...); return err }, key)
	return
}

// RPushX is RPush only if the key already holds a list (RPUSHX): it
// returns 0 and changes nothing when the key does not exist.
func (tx *Tx) RPushX(key string, values ...[]byte) (int64, error) {
	return tx.push("rpushx", key, false, false, values)
}

// RPushX is RPush only if the key exists (RPUSHX); see Tx.RPushX.
func (d *DB) RPushX(key string, values ...[]byte) (n int64, err error) {
	err = d.do(true, func(tx *Tx) error { n, err = tx.RPushX(key, values...); return err }, key)
	return
}

func (tx *Tx) pop(key string, left bool) ([]byte, error) {
	tx.mustWrite()
	e, err := tx.lookupKind(key, keyspace.KindList, true)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, ErrNotFound
	}
	return tx.popN(key, e, left, 1)[0], nil
}

func (tx *Tx) popCount(key string, left bool, count int) ([][]byte, error) {
	tx.mustWrite()
	// Redis checks the count before it looks at the key.
	if count < 0 {
		return nil, errListPopCount
	}
	e, err := tx.lookupKind(key, keyspace.KindList, true)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, ErrNotFound
	}
	return tx.popN(key, e, left, count), nil
}

// LPop removes and returns the first element of the list at key (LPOP),
// deleting the key when the list empties. It returns ErrNotFound if the
// key does not exist and ErrWrongType if it holds another type.
func (tx *Tx) LPop(key string) ([]byte, error) { return tx.pop(key, true) }

// LPop removes and returns the first element of the list at key (LPOP);
// see Tx.LPop.
func (d *DB) LPop(key string) (v []byte, err error) {
	err = d.do(true, func(tx *Tx) error { v, err = tx.LPop(key); return err }, key)
	return
}

// RPop removes and returns the last element of the list at key (RPOP).
// Errors are LPop's.
func (tx *Tx) RPop(key string) ([]byte, error) { return tx.pop(key, false) }

// RPop removes and returns the last element of the list at key (RPOP);
// see Tx.RPop.
func (d *DB) RPop(key string) (v []byte, err error) {
	err = d.do(true, func(tx *Tx) error { v, err = tx.RPop(key); return err }, key)
	return
}

// LPopCount removes and returns up to count elements from the head of the
// list at key, first element first (LPOP key count). As in Redis 7, count
// 0 on an existing list returns an empty, non-nil slice; a key that does
// not exist returns ErrNotFound whatever the count (Redis's null array);
// a negative count returns an ErrInvalidArgument error (checked first),
// and a key of another type ErrWrongType.
func (tx *Tx) LPopCount(key string, count int) ([][]byte, error) {
	return tx.popCount(key, true, count)
}

// LPopCount removes and returns up to count elements from the head of the
// list at key (LPOP key count); see Tx.LPopCount.
func (d *DB) LPopCount(key string, count int) (vs [][]byte, err error) {
	err = d.do(true, func(tx *Tx) error { vs, err = tx.LPopCount(key, count); return err }, key)
	return
}

// RPopCount removes and returns up to count elements from the tail of the
// list at key, last element first (RPOP key count). Results and errors
// are LPopCount's.
func (tx *Tx) RPopCount(key string, count int) ([][]byte, error) {
	return tx.popCount(key, false, count)
}

// RPopCount removes and returns up to count elements from the tail of the
// list at key (RPOP key count); see Tx.RPopCount.
func (d *DB) RPopCount(key string, count int) (vs [][]byte, err error) {
	err = d.do(true, func(tx *Tx) error { vs, err = tx.RPopCount(key, count); return err }, key)
	return
}

// LLen returns the length of the list at key, 0 if the key does not exist
// (LLEN). It returns ErrWrongType if key holds another type.
func (tx *Tx) LLen(key string) (int64, error) {
	l, err := tx.listRead(key)
	if l == nil {
		return 0, err
	}
	return int64(l.Len()), nil
}

// LLen returns the length of the list at key (LLEN); see Tx.LLen.
func (d *DB) LLen(key string) (n int64, err error) {
	err = d.do(false, func(tx *Tx) error { n, err = tx.LLen(key); return err }, key)
	return
}

// listRange resolves Redis's inclusive start..stop (negative counts from
// the tail) against a list of length n, as LRANGE and LTRIM do. ok is
// false when the range is empty.
func listRange(start, stop int64, n int) (lo, hi int, ok bool) {
	ln := int64(n)
	if start < 0 {
		start += ln
	}
	if stop < 0 {
		stop += ln
	}
	if start < 0 {
		start = 0
	}
	if start > stop || start >= ln {
		return 0, 0, false
	}
	if stop >= ln {
		stop = ln - 1
	}
	return int(start), int(stop), true
}

// LRange returns the elements of the list at key from start to stop,
// inclusive (LRANGE). Negative indexes count from the tail (-1 is the
// last element); out-of-range indexes are clamped, so the result is empty
// (non-nil) when the range holds no element or the key does not exist.
// It returns ErrWrongType if key holds another type.
func (tx *Tx) LRange(key string, start, stop int64) ([][]byte, error) {
	l, err := tx.listRead(key)
	if err != nil {
		return nil, err
	}
	if l == nil {
		return [][]byte{}, nil
	}
	lo, hi, ok := listRange(start, stop, l.Len())
	if !ok {
		return [][]byte{}, nil
	}
	out := make([][]byte, 0, hi-lo+1)
	l.Range(lo, hi+1, func(_ int, v []byte) bool {
		out = append(out, listView(v))
		return true
	})
	return out, nil
}

// LRange returns the elements of the list at key from start to stop
// (LRANGE); see Tx.LRange.
func (d *DB) LRange(key string, start, stop int64) (vs [][]byte, err error) {
	err = d.do(false, func(tx *Tx) error { vs, err = tx.LRange(key, start, stop); return err }, key)
	return
}

// listIndex resolves a Redis index (negative counts from the tail) against
// a list of length n.
func listIndex(index int64, n int) (int, bool) {
	if index < 0 {
		index += int64(n)
	}
	if index < 0 || index >= int64(n) {
		return 0, false
	}
	return int(index), true
}

// LIndex returns the element at index in the list at key (LINDEX), in
// O(1); negative indexes count from the tail. It returns ErrNotFound if the
// key does not exist or the index is out of range, and ErrWrongType if key
// holds another type.
func (tx *Tx) LIndex(key string, index int64) ([]byte, error) {
	l, err := tx.listRead(key)
	if err != nil {
		return nil, err
	}
	if l == nil {
		return nil, ErrNotFound
	}
	i, ok := listIndex(index, l.Len())
	if !ok {
		return nil, ErrNotFound
	}
	return listView(l.Index(i)), nil
}

// LIndex returns the element at index in the list at key (LINDEX); see
// Tx.LIndex.
func (d *DB) LIndex(key string, index int64) (v []byte, err error) {
	err = d.do(false, func(tx *Tx) error { v, err = tx.LIndex(key, index); return err }, key)
	return
}

// LSet replaces the element at index in the list at key (LSET); negative
// indexes count from the tail. It returns ErrNoSuchKey if the key does not
// exist, ErrIndexOutOfRange if the index is outside the list, ErrWrongType
// if key holds another type and ErrStringTooLong for a value above
// Options.MaxValueBytes.
func (tx *Tx) LSet(key string, index int64, value []byte) error {
	tx.mustWrite()
	if int64(len(value)) > tx.c.opts.MaxValueBytes {
		return ErrStringTooLong
	}
	e, err := tx.lookupKind(key, keyspace.KindList, true)
	if err != nil {
		return err
	}
	if e == nil {
		return ErrNoSuchKey
	}
	i, ok := listIndex(index, e.List.Len())
	if !ok {
		return ErrIndexOutOfRange
	}
	tx.lset(key, "lset", e, i, own(value))
	return nil
}

// LSet replaces the element at index in the list at key (LSET); see
// Tx.LSet.
func (d *DB) LSet(key string, index int64, value []byte) error {
	return d.do(true, func(tx *Tx) error { return tx.LSet(key, index, value) }, key)
}

// LRem removes elements equal to value from the list at key (LREM) and
// returns how many it removed: the first count from the head when count
// is positive, the last -count from the tail when it is negative, all of
// them when it is 0. A key that does not exist counts as an empty list;
// the key is deleted when the list empties. It returns ErrWrongType if
// key holds another type. It runs in O(N) whatever the matches' places.
func (tx *Tx) LRem(key string, count int64, value []byte) (int64, error) {
	tx.mustWrite()
	e, err := tx.lookupKind(key, keyspace.KindList, true)
	if err != nil || e == nil {
		return 0, err
	}
	l := e.List
	n := l.Len()
	var idx []int // positions to remove, ascending
	if count >= 0 {
		l.Range(0, n, func(i int, v []byte) bool {
			if bytes.Equal(v, value) {
				idx = append(idx, i)
			}
			return count == 0 || int64(len(idx)) < count
		})
	} else {
		// -count overflows for math.MinInt64; any limit >= n is the same.
		limit := int64(math.MaxInt64)
		if count != math.MinInt64 {
			limit = -count
		}
		for i := n - 1; i >= 0 && int64(len(idx)) < limit; i-- {
			if bytes.Equal(l.Index(i), value) {
				idx = append(idx, i)
			}
		}
		slices.Reverse(idx)
	}
	if len(idx) == 0 {
		return 0, nil
	}
	tx.removeAt(key, e, idx)
	tx.listDelIfEmpty(key, e)
	return int64(len(idx)), nil
}

// LRem removes elements equal to value from the list at key (LREM); see
// Tx.LRem.
func (d *DB) LRem(key string, count int64, value []byte) (n int64, err error) {
	err = d.do(true, func(tx *Tx) error { n, err = tx.LRem(key, count, value); return err }, key)
	return
}

// removeAt removes the elements at positions idx (ascending, distinct) of
// key's list, as one "lrem" event. Removing one element shifts the shorter
// side, so removing many from the middle one by one would be O(N*M); when
// that costs more than sliding the survivors over the gaps (from the first
// removed position to the tail, or from the last one to the head), it
// slides them instead, with LSET-like edits and pops at the freed end.
// Either way the edits are primitive ones, so undo and persistence need
// nothing special.
func (tx *Tx) removeAt(key string, e *keyspace.Entry, idx []int) {
	l := e.List
	n := l.Len()
	first, last := idx[0], idx[len(idx)-1]
	oneByOne := 0
	for k, i := range idx {
		// Removing in descending order: the list still has n-(len-1-k)
		// elements when position i goes.
		cur := n - (len(idx) - 1 - k)
		oneByOne += min(i, cur-1-i)
	}
	toTail := n - first // slide survivors after first towards the head
	toHead := last + 1  // slide survivors before last towards the tail
	switch {
	case oneByOne <= toTail && oneByOne <= toHead:
		for k := len(idx) - 1; k >= 0; k-- {
			tx.lremove(key, "lrem", e, idx[k])
		}
	case toTail <= toHead:
		w, k := first, 0
		for r := first; r < n; r++ {
			if k < len(idx) && idx[k] == r {
				k++
				continue
			}
			if r != w {
				tx.lset(key, "lrem", e, w, l.Index(r))
			}
			w++
		}
		for l.Len() > w {
			tx.lpop(key, "lrem", e, false)
		}
	default:
		w, k := last, len(idx)-1
		for r := last; r >= 0; r-- {
			if k >= 0 && idx[k] == r {
				k--
				continue
			}
			if r != w {
				tx.lset(key, "lrem", e, w, l.Index(r))
			}
			w--
		}
		for i := 0; i <= w; i++ {
			tx.lpop(key, "lrem", e, true)
		}
	}
}

// LTrim trims the list at key to the elements from start to stop,
// inclusive (LTRIM); indexes are resolved as in LRange, and an empty range
// deletes the key. A key that does not exist is left alone. It returns
// ErrWrongType if key holds another type. It costs O(elements removed),
// and O(1) when all are.
func (tx *Tx) LTrim(key string, start, stop int64) error {
	tx.mustWrite()
	e, err := tx.lookupKind(key, keyspace.KindList, true)
	if err != nil || e == nil {
		return err
	}
	n := e.List.Len()
	lo, hi, ok := listRange(start, stop, n)
	if !ok {
		// Redis fires "ltrim" then "del"; the del's before-image is the
		// whole list, so popping every element first would add nothing.
		tx.listNote(key, "ltrim")
		tx.del(key, "del")
		return nil
	}
	if lo == 0 && hi == n-1 {
		tx.listNote(key, "ltrim")
		return nil
	}
	for i := 0; i < lo; i++ {
		tx.lpop(key, "ltrim", e, true)
	}
	for i := hi + 1; i < n; i++ {
		tx.lpop(key, "ltrim", e, false)
	}
	return nil
}

// LTrim trims the list at key to the elements from start to stop (LTRIM);
// see Tx.LTrim.
func (d *DB) LTrim(key string, start, stop int64) error {
	return d.do(true, func(tx *Tx) error { return tx.LTrim(key, start, stop) }, key)
}

// LInsert inserts value before or after the first element equal to pivot
// in the list at key (LINSERT) and returns the new length: -1 if pivot is
// not in the list, 0 if the key does not exist. It returns ErrWrongType if
// key holds another type, ErrStringTooLong for a value above
// Options.MaxValueBytes and an ErrInvalidArgument error for an invalid
// position.
func (tx *Tx) LInsert(key string, pos InsertPosition, pivot, value []byte) (int64, error) {
	tx.mustWrite()
	if pos != InsertBefore && pos != InsertAfter {
		return 0, errListSyntax
	}
	if int64(len(value)) > tx.c.opts.MaxValueBytes {
		return 0, ErrStringTooLong
	}
	e, err := tx.lookupKind(key, keyspace.KindList, true)
	if err != nil || e == nil {
		return 0, err
	}
	l := e.List
	at := -1
	l.Range(0, l.Len(), func(i int, v []byte) bool {
		if bytes.Equal(v, pivot) {
			at = i
			return false
		}
		return true
	})
	if at < 0 {
		return -1, nil
	}
	if pos == InsertAfter {
		at++
	}
	tx.linsert(key, "linsert", e, at, own(value))
	return int64(l.Len()), nil
}

// LInsert inserts value before or after pivot in the list at key
// (LINSERT); see Tx.LInsert.
func (d *DB) LInsert(key string, pos InsertPosition, pivot, value []byte) (n int64, err error) {
	err = d.do(true, func(tx *Tx) error { n, err = tx.LInsert(key, pos, pivot, value); return err }, key)
	return
}

// lpos finds up to count matches of value (count 0: all) in l, starting
// from the rank-th match, and returns their positions from the head.
func lpos(l *keyspace.List, value []byte, rank, count, maxLen int64) []int64 {
	n := l.Len()
	fromTail := rank < 0
	if fromTail {
		// Redis 7.0 negates LONG_MIN to itself, so every match qualifies,
		// as with -1.
		if rank == math.MinInt64 {
			rank = 1
		} else {
			rank = -rank
		}
	}
	var out []int64
	var matches int64
	for k := 0; k < n && (maxLen == 0 || int64(k) < maxLen); k++ {
		i := k
		if fromTail {
			i = n - 1 - k
		}
		if !bytes.Equal(l.Index(i), value) {
			continue
		}
		matches++
		if matches < rank {
			continue
		}
		out = append(out, int64(i))
		if count != 0 && int64(len(out)) == count {
			break
		}
	}
	return out
}

func (a LPosArgs) check() error {
	if a.MaxLen < 0 {
		return errListPosMaxLen
	}
	return nil
}

// LPos returns the position (from the head) of the first element equal to
// value in the list at key, or of the a.Rank-th match, searching from the
// tail for a negative rank (LPOS). It returns ErrNotFound if there is no
// such match or the key does not exist, ErrWrongType if key holds another
// type, and an ErrInvalidArgument error for a negative a.MaxLen.
func (tx *Tx) LPos(key string, value []byte, a LPosArgs) (int64, error) {
	if err := a.check(); err != nil {
		return 0, err
	}
	l, err := tx.listRead(key)
	if err != nil {
		return 0, err
	}
	if l == nil {
		return 0, ErrNotFound
	}
	pos := lpos(l, value, a.Rank, 1, a.MaxLen)
	if len(pos) == 0 {
		return 0, ErrNotFound
	}
	return pos[0], nil
}

// LPos returns the position of an element equal to value in the list at
// key (LPOS); see Tx.LPos.
func (d *DB) LPos(key string, value []byte, a LPosArgs) (pos int64, err error) {
	err = d.do(false, func(tx *Tx) error { pos, err = tx.LPos(key, value, a); return err }, key)
	return
}

// LPosCount is LPOS with COUNT: it returns the positions (from the head)
// of up to count matches of value in the list at key, all of them when
// count is 0, in the order found (from the tail for a negative a.Rank).
// The result is empty (non-nil) when nothing matches or the key does not
// exist. It returns ErrWrongType if key holds another type, and an
// ErrInvalidArgument error for a negative count or a.MaxLen.
func (tx *Tx) LPosCount(key string, value []byte, count int64, a LPosArgs) ([]int64, error) {
	if count < 0 {
		return nil, errListPosCount
	}
	if err := a.check(); err != nil {
		return nil, err
	}
	l, err := tx.listRead(key)
	if err != nil {
		return nil, err
	}
	if l == nil {
		return []int64{}, nil
	}
	pos := lpos(l, value, a.Rank, count, a.MaxLen)
	if pos == nil {
		pos = []int64{}
	}
	return pos, nil
}

// LPosCount returns the positions of up to count elements equal to value
// in the list at key (LPOS ... COUNT); see Tx.LPosCount.
func (d *DB) LPosCount(key string, value []byte, count int64, a LPosArgs) (pos []int64, err error) {
	err = d.do(false, func(tx *Tx) error { pos, err = tx.LPosCount(key, value, count, a); return err }, key)
	return
}

// LMove atomically pops the element at end from of the list at src and
// pushes it at end to of the list at dst, creating dst if needed (LMOVE),
// and returns the element. src and dst may be the same key: the list
// rotates. It returns ErrNotFound if src does not exist, ErrWrongType if
// src or dst holds another type (nothing changes), and an
// ErrInvalidArgument error for an invalid direction.
func (tx *Tx) LMove(src, dst string, from, to ListDirection) ([]byte, error) {
	tx.mustWrite()
	if !from.valid() || !to.valid() {
		return nil, errListSyntax
	}
	res, ok := tx.popFirst(&waiter{keys: []string{src}, from: from, move: true, dst: dst, to: to})
	if !ok {
		return nil, ErrNotFound
	}
	if res.err != nil {
		return nil, res.err
	}
	return res.vals[0], nil
}

// LMove moves an element from src to dst (LMOVE); see Tx.LMove.
func (d *DB) LMove(src, dst string, from, to ListDirection) (v []byte, err error) {
	err = d.do(true, func(tx *Tx) error { v, err = tx.LMove(src, dst, from, to); return err }, src, dst)
	return
}

// RPopLPush is LMove(src, dst, Right, Left) (RPOPLPUSH).
func (tx *Tx) RPopLPush(src, dst string) ([]byte, error) {
	return tx.LMove(src, dst, Right, Left)
}

// RPopLPush moves the last element of src to the head of dst
// (RPOPLPUSH); see Tx.LMove.
func (d *DB) RPopLPush(src, dst string) ([]byte, error) {
	return d.LMove(src, dst, Right, Left)
}

// checkMPop validates LMPOP's and BLMPOP's arguments in Redis's order.
func checkMPop(dir ListDirection, count int64, keys []string) error {
	if len(keys) == 0 {
		return errListNumKeys
	}
	if !dir.valid() {
		return errListSyntax
	}
	if count <= 0 {
		return errListMPopCount
	}
	return nil
}

// LMPop pops up to count elements from end dir of the first list among
// keys that exists (LMPOP numkeys key... LEFT|RIGHT COUNT count) and
// returns its key and the elements, in the order popped. Keys are checked
// in order: one of another type before the first list gives ErrWrongType.
// It returns ErrNotFound when no key holds a list, and an
// ErrInvalidArgument error when keys is empty, dir invalid or count not
// positive.
func (tx *Tx) LMPop(dir ListDirection, count int64, keys ...string) (string, [][]byte, error) {
	tx.mustWrite()
	if err := checkMPop(dir, count, keys); err != nil {
		return "", nil, err
	}
	res, ok := tx.popFirst(&waiter{keys: keys, from: dir, count: clampInt(count)})
	if !ok {
		return "", nil, ErrNotFound
	}
	return res.key, res.vals, res.err
}

// LMPop pops up to count elements from the first non-empty list among
// keys (LMPOP); see Tx.LMPop.
func (d *DB) LMPop(dir ListDirection, count int64, keys ...string) (key string, vs [][]byte, err error) {
	err = d.do(true, func(tx *Tx) error { key, vs, err = tx.LMPop(dir, count, keys...); return err }, keys...)
	return
}

func clampInt(n int64) int {
	if n > math.MaxInt {
		return math.MaxInt
	}
	return int(n)
}
