package potato

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"rustypotato/internal/keyspace"
	"rustypotato/internal/num"
)

// FieldValue is one field of a hash and its value: the arguments of HSet
// and HMSet, and the results of HGetAll, HScan and HRandField. A Value
// returned by the DB may be kept but must not be modified; a Value passed
// to the DB is copied, so the caller may reuse its buffer.
type FieldValue struct {
	Field string
	Value []byte
}

// maxHRandFieldRepeat bounds |count| of HRandField with a negative count
// on an existing hash. Redis has no bound (it would stream 2^63 replies
// until memory runs out); an embedded store must not let one call
// allocate without limit, so larger counts fail with "ERR value is out of
// range", Redis's text for the neighbouring WITHVALUES limit.
const maxHRandFieldRepeat = 1 << 24

var (
	errHRandFieldRange = fmt.Errorf("%w: ERR value is out of range, value must between %d and %d",
		ErrInvalidArgument, -math.MaxInt64, math.MaxInt64)
	errHRandFieldValuesRange = fmt.Errorf("%w: ERR value is out of range", ErrInvalidArgument)
	errHashSyntax            = fmt.Errorf("%w: ERR syntax error", ErrInvalidArgument)
)

// hashLDZero is the long double 0; num.LongDouble values are immutable.
var hashLDZero, _ = num.ParseLongDouble("0")

func errHashArity(cmd string) error {
	return fmt.Errorf("%w: ERR wrong number of arguments for '%s' command", ErrInvalidArgument, cmd)
}

// hashOwn returns the store's own copy of a caller's value (never nil):
// callers may reuse their buffers, and the server's arguments alias its
// read buffer.
func hashOwn(v []byte) []byte {
	return append(make([]byte, 0, len(v)), v...)
}

// hashView returns a stored value for a caller, capped so that an append
// by the caller can never write into the store's memory.
func hashView(v []byte) []byte { return v[:len(v):len(v)] }

// hashCheckSize refuses a field or value longer than Options.MaxValueBytes
// (Redis's proto-max-bulk-len bounds both on the wire).
func (tx *Tx) hashCheckSize(field string, value []byte) error {
	if max := tx.c.opts.MaxValueBytes; int64(len(field)) > max || int64(len(value)) > max {
		return ErrStringTooLong
	}
	return nil
}

// hashRead returns key's hash for reading, nil if the key does not exist.
func (tx *Tx) hashRead(key string) (*keyspace.Hash, error) {
	e, err := tx.lookupKind(key, keyspace.KindHash, false)
	if e == nil {
		return nil, err
	}
	return e.Hash, nil
}

// hashWrite returns key's hash entry for modification; when the key does
// not exist it creates an empty hash (recorded under op) with room for n
// fields. The caller must add a field to a created hash before returning:
// Redis never keeps an empty one.
func (tx *Tx) hashWrite(key, op string, n int) (*keyspace.Entry, error) {
	e, err := tx.lookupKind(key, keyspace.KindHash, true)
	if err != nil {
		return nil, err
	}
	if e == nil {
		e = &keyspace.Entry{Kind: keyspace.KindHash, Hash: keyspace.NewHash(n)}
		tx.put(key, op, e)
	}
	return e, nil
}

// HSet sets fields of the hash at key, creating the key if needed (HSET),
// and returns the number of fields that were added (not updated). When a
// field appears more than once, the last value wins and it counts once.
// It returns ErrWrongType if key holds another type, ErrStringTooLong for
// a field or value above Options.MaxValueBytes, and an ErrInvalidArgument
// error when pairs is empty.
func (tx *Tx) HSet(key string, pairs ...FieldValue) (int64, error) {
	return tx.hsetPairs("hset", key, pairs)
}

// HSet sets fields of the hash at key (HSET); see Tx.HSet.
func (d *DB) HSet(key string, pairs ...FieldValue) (added int64, err error) {
	err = d.do(true, func(tx *Tx) error { added, err = tx.HSet(key, pairs...); return err }, key)
	return
}

// HMSet is HSet under its older name (HMSET), which replies OK instead of
// a count.
func (tx *Tx) HMSet(key string, pairs ...FieldValue) error {
	_, err := tx.hsetPairs("hmset", key, pairs)
	return err
}

// HMSet sets fields of the hash at key (HMSET); see Tx.HSet.
func (d *DB) HMSet(key string, pairs ...FieldValue) error {
	return d.do(true, func(tx *Tx) error { return tx.HMSet(key, pairs...) }, key)
}

func (tx *Tx) hsetPairs(cmd, key string, pairs []FieldValue) (int64, error) {
	if len(pairs) == 0 {
		return 0, errHashArity(cmd)
	}
	// Check everything before changing anything, so that an error leaves
	// the key as it was even if the caller's transaction goes on.
	for _, p := range pairs {
		if err := tx.hashCheckSize(p.Field, p.Value); err != nil {
			return 0, err
		}
	}
	e, err := tx.hashWrite(key, "hset", len(pairs))
	if err != nil {
		return 0, err
	}
	var added int64
	for _, p := range pairs {
		if !tx.hset(key, "hset", e, p.Field, hashOwn(p.Value)) {
			added++
		}
	}
	return added, nil
}

// HSetNX sets field of the hash at key to value only if the field does not
// exist (HSETNX), creating the key if needed, and reports whether it did.
// It returns ErrWrongType if key holds another type and ErrStringTooLong
// for a field or value above Options.MaxValueBytes.
func (tx *Tx) HSetNX(key, field string, value []byte) (bool, error) {
	if err := tx.hashCheckSize(field, value); err != nil {
		return false, err
	}
	h, err := tx.hashRead(key)
	if err != nil {
		return false, err
	}
	if h != nil {
		if _, exists := h.Get(field); exists {
			return false, nil
		}
	}
	e, err := tx.hashWrite(key, "hset", 1)
	if err != nil {
		return false, err
	}
	tx.hset(key, "hset", e, field, hashOwn(value))
	return true, nil
}

// HSetNX sets field of the hash at key if it does not exist (HSETNX); see
// Tx.HSetNX.
func (d *DB) HSetNX(key, field string, value []byte) (set bool, err error) {
	err = d.do(true, func(tx *Tx) error { set, err = tx.HSetNX(key, field, value); return err }, key)
	return
}

// HGet returns the value of field in the hash at key (HGET). It returns
// ErrNotFound if the key or the field does not exist and ErrWrongType if
// key holds another type.
func (tx *Tx) HGet(key, field string) ([]byte, error) {
	h, err := tx.hashRead(key)
	if h == nil {
		if err == nil {
			err = ErrNotFound
		}
		return nil, err
	}
	v, exists := h.Get(field)
	if !exists {
		return nil, ErrNotFound
	}
	return hashView(v), nil
}

// HGet returns the value of field in the hash at key (HGET); see Tx.HGet.
func (d *DB) HGet(key, field string) (v []byte, err error) {
	err = d.do(false, func(tx *Tx) error { v, err = tx.HGet(key, field); return err }, key)
	return
}

// HMGet returns the values of fields in the hash at key (HMGET), in the
// order asked, with nil for a field (or key) that does not exist. It
// returns ErrWrongType if key holds another type and an ErrInvalidArgument
// error when fields is empty.
func (tx *Tx) HMGet(key string, fields ...string) ([][]byte, error) {
	if len(fields) == 0 {
		return nil, errHashArity("hmget")
	}
	h, err := tx.hashRead(key)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(fields))
	if h == nil {
		return out, nil
	}
	for i, f := range fields {
		if v, exists := h.Get(f); exists {
			out[i] = hashView(v)
		}
	}
	return out, nil
}

// HMGet returns the values of fields in the hash at key (HMGET); see
// Tx.HMGet.
func (d *DB) HMGet(key string, fields ...string) (vals [][]byte, err error) {
	err = d.do(false, func(tx *Tx) error { vals, err = tx.HMGet(key, fields...); return err }, key)
	return
}

// HDel removes fields from the hash at key (HDEL) and returns how many
// existed. The key is deleted when its last field goes. It returns
// ErrWrongType if key holds another type and an ErrInvalidArgument error
// when fields is empty.
func (tx *Tx) HDel(key string, fields ...string) (int64, error) {
	if len(fields) == 0 {
		return 0, errHashArity("hdel")
	}
	tx.mustWrite()
	h, err := tx.hashRead(key)
	if h == nil {
		return 0, err
	}
	// Copy the hash up for writing only when something will change.
	found := false
	for _, f := range fields {
		if _, found = h.Get(f); found {
			break
		}
	}
	if !found {
		return 0, nil
	}
	e := tx.lookupW(key)
	var n int64
	for _, f := range fields {
		if tx.hdel(key, "hdel", e, f) {
			n++
			if e.Hash.Len() == 0 {
				tx.del(key, "del")
				break
			}
		}
	}
	return n, nil
}

// HDel removes fields from the hash at key (HDEL); see Tx.HDel.
func (d *DB) HDel(key string, fields ...string) (n int64, err error) {
	err = d.do(true, func(tx *Tx) error { n, err = tx.HDel(key, fields...); return err }, key)
	return
}

// HExists reports whether field exists in the hash at key (HEXISTS). It
// returns ErrWrongType if key holds another type.
func (tx *Tx) HExists(key, field string) (bool, error) {
	h, err := tx.hashRead(key)
	if h == nil {
		return false, err
	}
	_, exists := h.Get(field)
	return exists, nil
}

// HExists reports whether field exists in the hash at key (HEXISTS).
func (d *DB) HExists(key, field string) (exists bool, err error) {
	err = d.do(false, func(tx *Tx) error { exists, err = tx.HExists(key, field); return err }, key)
	return
}

// HLen returns the number of fields of the hash at key, 0 if the key does
// not exist (HLEN). It returns ErrWrongType if key holds another type.
func (tx *Tx) HLen(key string) (int64, error) {
	h, err := tx.hashRead(key)
	if h == nil {
		return 0, err
	}
	return int64(h.Len()), nil
}

// HLen returns the number of fields of the hash at key (HLEN).
func (d *DB) HLen(key string) (n int64, err error) {
	err = d.do(false, func(tx *Tx) error { n, err = tx.HLen(key); return err }, key)
	return
}

// HStrLen returns the length of the value of field in the hash at key, 0
// if the key or field does not exist (HSTRLEN). It returns ErrWrongType
// if key holds another type.
func (tx *Tx) HStrLen(key, field string) (int64, error) {
	h, err := tx.hashRead(key)
	if h == nil {
		return 0, err
	}
	v, _ := h.Get(field)
	return int64(len(v)), nil
}

// HStrLen returns the length of the value of field in the hash at key
// (HSTRLEN).
func (d *DB) HStrLen(key, field string) (n int64, err error) {
	err = d.do(false, func(tx *Tx) error { n, err = tx.HStrLen(key, field); return err }, key)
	return
}

// HKeys returns the fields of the hash at key, in no particular order;
// empty if the key does not exist (HKEYS). It returns ErrWrongType if key
// holds another type.
func (tx *Tx) HKeys(key string) ([]string, error) {
	h, err := tx.hashRead(key)
	if h == nil {
		return nil, err
	}
	out := make([]string, 0, h.Len())
	h.All(func(f keyspace.HashField) bool { out = append(out, f.Name); return true })
	return out, nil
}

// HKeys returns the fields of the hash at key (HKEYS).
func (d *DB) HKeys(key string) (fields []string, err error) {
	err = d.do(false, func(tx *Tx) error { fields, err = tx.HKeys(key); return err }, key)
	return
}

// HVals returns the values of the hash at key, in the order HKeys and
// HGetAll use; empty if the key does not exist (HVALS). It returns
// ErrWrongType if key holds another type.
func (tx *Tx) HVals(key string) ([][]byte, error) {
	h, err := tx.hashRead(key)
	if h == nil {
		return nil, err
	}
	out := make([][]byte, 0, h.Len())
	h.All(func(f keyspace.HashField) bool { out = append(out, hashView(f.Value)); return true })
	return out, nil
}

// HVals returns the values of the hash at key (HVALS).
func (d *DB) HVals(key string) (vals [][]byte, err error) {
	err = d.do(false, func(tx *Tx) error { vals, err = tx.HVals(key); return err }, key)
	return
}

// HGetAll returns the fields and values of the hash at key, in no
// particular order; empty if the key does not exist (HGETALL). It returns
// ErrWrongType if key holds another type.
func (tx *Tx) HGetAll(key string) ([]FieldValue, error) {
	h, err := tx.hashRead(key)
	if h == nil {
		return nil, err
	}
	out := make([]FieldValue, 0, h.Len())
	h.All(func(f keyspace.HashField) bool {
		out = append(out, FieldValue{Field: f.Name, Value: hashView(f.Value)})
		return true
	})
	return out, nil
}

// HGetAll returns the fields and values of the hash at key (HGETALL).
func (d *DB) HGetAll(key string) (pairs []FieldValue, err error) {
	err = d.do(false, func(tx *Tx) error { pairs, err = tx.HGetAll(key); return err }, key)
	return
}

// HIncrBy adds incr to the integer in field of the hash at key, creating
// the key and the field (as 0) if needed, and returns the new value
// (HINCRBY). It returns ErrWrongType if key holds another type,
// ErrHashNotInteger if the field holds something other than a 64-bit
// integer in Redis's canonical form, and ErrOverflow if the sum does not
// fit in an int64.
func (tx *Tx) HIncrBy(key, field string, incr int64) (int64, error) {
	tx.mustWrite()
	h, err := tx.hashRead(key)
	if err != nil {
		return 0, err
	}
	var cur int64
	if h != nil {
		if v, exists := h.Get(field); exists {
			n, valid := num.ParseInt(v)
			if !valid {
				return 0, ErrHashNotInteger
			}
			cur = n
		}
	}
	if (incr < 0 && cur < 0 && incr < math.MinInt64-cur) ||
		(incr > 0 && cur > 0 && incr > math.MaxInt64-cur) {
		return 0, ErrOverflow
	}
	sum := cur + incr
	e, err := tx.hashWrite(key, "hincrby", 1)
	if err != nil {
		return 0, err
	}
	tx.hset(key, "hincrby", e, field, strconv.AppendInt(make([]byte, 0, 20), sum, 10))
	return sum, nil
}

// HIncrBy adds incr to the integer in field of the hash at key (HINCRBY);
// see Tx.HIncrBy.
func (d *DB) HIncrBy(key, field string, incr int64) (v int64, err error) {
	err = d.do(true, func(tx *Tx) error { v, err = tx.HIncrBy(key, field, incr); return err }, key)
	return
}

// HIncrByFloatText adds incr, given as decimal (or hexadecimal) text, to
// the number in field of the hash at key, creating the key and the field
// (as 0) if needed, and returns the new value as stored (HINCRBYFLOAT).
// It computes in long-double precision and formats like Redis, so the
// result is byte for byte Redis's. Errors, in the order Redis checks:
// ErrNotFloat if incr is not a number, ErrValueNaNOrInf if it is
// infinite, ErrWrongType if key holds another type, ErrHashNotFloat if the
// field holds something other than a number, and ErrNaNOrInf if the sum
// is infinite.
func (tx *Tx) HIncrByFloatText(key, field, incr string) (string, error) {
	d, valid := num.ParseLongDouble(incr)
	if !valid {
		return "", ErrNotFloat
	}
	// num.Add refuses an infinite operand, and a finite one plus zero
	// cannot overflow: this is isinf(incr).
	if _, finite := num.Add(d, hashLDZero); !finite {
		return "", ErrValueNaNOrInf
	}
	return tx.hincrByFloat(key, field, d)
}

// HIncrByFloatText is HINCRBYFLOAT with the increment and result as text;
// see Tx.HIncrByFloatText.
func (d *DB) HIncrByFloatText(key, field, incr string) (v string, err error) {
	err = d.do(true, func(tx *Tx) error { v, err = tx.HIncrByFloatText(key, field, incr); return err }, key)
	return
}

// HIncrByFloat adds incr to the number in field of the hash at key
// (HINCRBYFLOAT) and returns the new value, rounded to the nearest
// float64 (±Inf beyond float64's range: HIncrByFloatText returns such
// values exactly). incr is taken as its shortest decimal form, so 0.1
// means what a Redis user's "0.1" means. A NaN or infinite incr gives
// ErrValueNaNOrInf; the other errors are those of HIncrByFloatText.
func (tx *Tx) HIncrByFloat(key, field string, incr float64) (float64, error) {
	if math.IsNaN(incr) || math.IsInf(incr, 0) {
		return 0, ErrValueNaNOrInf
	}
	d, valid := num.FromFloat64(incr)
	if !valid {
		return 0, ErrNotFloat
	}
	s, err := tx.hincrByFloat(key, field, d)
	if err != nil {
		return 0, err
	}
	v, _ := num.ParseLongDouble(s)
	return v.Float64(), nil
}

// HIncrByFloat adds incr to the number in field of the hash at key
// (HINCRBYFLOAT); see Tx.HIncrByFloat.
func (d *DB) HIncrByFloat(key, field string, incr float64) (v float64, err error) {
	err = d.do(true, func(tx *Tx) error { v, err = tx.HIncrByFloat(key, field, incr); return err }, key)
	return
}

func (tx *Tx) hincrByFloat(key, field string, incr num.LongDouble) (string, error) {
	tx.mustWrite()
	h, err := tx.hashRead(key)
	if err != nil {
		return "", err
	}
	cur := hashLDZero
	if h != nil {
		if v, exists := h.Get(field); exists {
			n, valid := num.ParseLongDouble(string(v))
			if !valid {
				return "", ErrHashNotFloat
			}
			cur = n
		}
	}
	sum, finite := num.Add(cur, incr)
	if !finite {
		return "", ErrNaNOrInf
	}
	s := sum.Format()
	e, err := tx.hashWrite(key, "hincrbyfloat", 1)
	if err != nil {
		return "", err
	}
	tx.hset(key, "hincrbyfloat", e, field, []byte(s))
	return s, nil
}

// HScan returns some fields of the hash at key and the cursor for the next
// call (HSCAN); start and end with cursor 0. A full scan returns every
// field that exists throughout it at least once, even while other fields
// are added or removed between calls; a field may be returned more than
// once. match is a glob pattern (Redis rules) on field names, "" for all;
// it filters after the visit, so a call may return no fields and a
// non-zero cursor. count is how many fields to visit, 0 meaning Redis's
// default of 10; a negative count gives an ErrInvalidArgument error
// ("ERR syntax error"). A cursor is a position in the order of field
// hashes, which no write disturbs; unlike Redis, a small hash is not
// returned whole in one call. It returns ErrWrongType if key holds another
// type.
func (tx *Tx) HScan(key string, cursor uint64, match string, count int64) ([]FieldValue, uint64, error) {
	if count < 0 {
		return nil, 0, errHashSyntax
	}
	if count == 0 {
		count = 10
	}
	h, err := tx.hashRead(key)
	if h == nil {
		return nil, 0, err
	}
	var out []FieldValue
	all := match == "" || match == "*"
	budget := int(min(count, 1<<20))
	next := h.Scan(cursor, budget, func(f keyspace.HashField) {
		if all || keyspace.Match(match, f.Name, false) {
			out = append(out, FieldValue{Field: f.Name, Value: hashView(f.Value)})
		}
	})
	return out, uint64(next), nil
}

// HScan returns some fields of the hash at key and the next cursor
// (HSCAN); see Tx.HScan.
func (d *DB) HScan(key string, cursor uint64, match string, count int64) (fields []FieldValue, next uint64, err error) {
	err = d.do(false, func(tx *Tx) error {
		fields, next, err = tx.HScan(key, cursor, match, count)
		return err
	}, key)
	return
}

// HRandField returns random fields of the hash at key (HRANDFIELD key
// count), with their values if withValues (otherwise Value is nil). As in
// Redis 7: a positive count returns that many distinct fields, or the
// whole hash if it has fewer; a negative count returns exactly -count
// fields, possibly repeated; 0 or a missing key returns none. It returns
// ErrWrongType if key holds another type, and an ErrInvalidArgument error
// with Redis's text for count == math.MinInt64, or, with withValues, for
// |count| above math.MaxInt64/2. Unlike Redis, a negative count below
// -16777216 on an existing hash is refused ("ERR value is out of range")
// rather than allowed to exhaust memory.
func (tx *Tx) HRandField(key string, count int64, withValues bool) ([]FieldValue, error) {
	if count == math.MinInt64 {
		return nil, errHRandFieldRange
	}
	if withValues && (count < -math.MaxInt64/2 || count > math.MaxInt64/2) {
		return nil, errHRandFieldValuesRange
	}
	h, err := tx.hashRead(key)
	if h == nil || count == 0 {
		return nil, err
	}
	size := h.Len()
	pick := func(i int) FieldValue {
		f := h.At(i)
		fv := FieldValue{Field: f.Name}
		if withValues {
			fv.Value = hashView(f.Value)
		}
		return fv
	}
	if count < 0 {
		if count < -maxHRandFieldRepeat {
			return nil, errHRandFieldValuesRange
		}
		out := make([]FieldValue, -count)
		for i := range out {
			out[i] = pick(rand.IntN(size))
		}
		return out, nil
	}
	if count >= int64(size) {
		out := make([]FieldValue, 0, size)
		h.All(func(f keyspace.HashField) bool {
			fv := FieldValue{Field: f.Name}
			if withValues {
				fv.Value = hashView(f.Value)
			}
			out = append(out, fv)
			return true
		})
		return out, nil
	}
	idx := distinctRandom(size, int(count))
	out := make([]FieldValue, len(idx))
	for i, t := range idx {
		out[i] = pick(t)
	}
	return out, nil
}

// distinctRandom returns n distinct positions of 0..size-1 (n <= size) in
// random order: Floyd's algorithm, O(n) time and space whatever size is,
// then a shuffle (HRANDFIELD, SRANDMEMBER, ZRANDMEMBER with a count).
func distinctRandom(size, n int) []int {
	chosen := make(map[int]struct{}, n)
	out := make([]int, 0, n)
	for j := size - n; j < size; j++ {
		t := rand.IntN(j + 1)
		if _, dup := chosen[t]; dup {
			t = j
		}
		chosen[t] = struct{}{}
		out = append(out, t)
	}
	rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// HRandField returns random fields of the hash at key (HRANDFIELD key
// count [WITHVALUES]); see Tx.HRandField.
func (d *DB) HRandField(key string, count int64, withValues bool) (fields []FieldValue, err error) {
	err = d.do(false, func(tx *Tx) error { fields, err = tx.HRandField(key, count, withValues); return err }, key)
	return
}

// HRandFieldOne returns one random field of the hash at key (HRANDFIELD
// key). It returns ErrNotFound if the key does not exist and ErrWrongType
// if it holds another type.
func (tx *Tx) HRandFieldOne(key string) (string, error) {
	h, err := tx.hashRead(key)
	if h == nil {
		if err == nil {
			err = ErrNotFound
		}
		return "", err
	}
	return h.At(rand.IntN(h.Len())).Name, nil
}

// HRandFieldOne returns one random field of the hash at key (HRANDFIELD
// key); see Tx.HRandFieldOne.
func (d *DB) HRandFieldOne(key string) (field string, err error) {
	err = d.do(false, func(tx *Tx) error { field, err = tx.HRandFieldOne(key); return err }, key)
	return
}
