package potato

import (
	"fmt"
	"time"

	"rustypotato/internal/keyspace"
	"rustypotato/internal/num"
)

// KeyValue is a key and its string value, for MSet and MSetNX.
type KeyValue struct {
	Key   string
	Value []byte
}

// SetArgs are SET's options. The zero value is a plain SET that clears any
// TTL the key had.
type SetArgs struct {
	NX      bool          // only set if the key does not exist
	XX      bool          // only set if the key exists
	TTL     time.Duration // > 0: expire after TTL (EX / PX)
	At      time.Time     // non-zero: expire at this time (EXAT / PXAT); wins over TTL
	KeepTTL bool          // keep the key's current deadline (KEEPTTL)
	Get     bool          // return the old value (GET)
}

// strEntry returns a new string entry holding v (never nil). v must be a
// slice the store owns (see own).
func strEntry(v []byte) *keyspace.Entry {
	if v == nil {
		v = []byte{}
	}
	return &keyspace.Entry{Kind: keyspace.KindString, Str: v}
}

// own returns a copy of a caller's value for the store to keep: callers
// may reuse their buffers (the server's args alias its read buffer).
func own(v []byte) []byte {
	return append(make([]byte, 0, len(v)), v...)
}

var (
	errOffsetRange = fmt.Errorf("%w: ERR offset is out of range", ErrInvalidArgument)
	errDecrMin     = fmt.Errorf("%w: ERR decrement would overflow", ErrInvalidArgument)
)

// deadline turns SetArgs' expiry into Unix ms (0: none), validating it.
func (tx *Tx) deadline(ttl time.Duration, at time.Time) (int64, error) {
	if !at.IsZero() {
		ms := at.UnixMilli()
		if ms <= 0 {
			return 0, ErrInvalidExpire
		}
		return ms, nil
	}
	if ttl < 0 {
		return 0, ErrInvalidExpire
	}
	if ttl == 0 {
		return 0, nil
	}
	ms := ttl.Milliseconds()
	if ms == 0 {
		ms = 1 // sub-millisecond TTLs round up rather than vanish
	}
	if ms > 1<<63-1-tx.nowMs {
		return 0, ErrInvalidExpire
	}
	return tx.nowMs + ms, nil
}

// Get returns the value of key (GET). It returns ErrNotFound if the key
// does not exist and ErrWrongType if it holds a non-string.
func (tx *Tx) Get(key string) ([]byte, error) {
	e := tx.lookup(key)
	if e == nil {
		return nil, ErrNotFound
	}
	if e.Kind != keyspace.KindString {
		return nil, ErrWrongType
	}
	return e.Str[:len(e.Str):len(e.Str)], nil
}

// Get returns the value of key (GET). It returns ErrNotFound if the key
// does not exist and ErrWrongType if it holds a non-string. It allocates
// nothing and takes only a shared lock.
func (d *DB) Get(key string) ([]byte, error) {
	c := d.c
	if c.closed.Load() {
		return nil, ErrClosed
	}
	ks := d.br.ks
	s := ks.StripeOf(d.db, key)
	ks.RLock(s)
	if d.br.deleted.Load() {
		ks.RUnlock(s)
		return nil, fmt.Errorf("%w '%s'", ErrNoBranch, d.br.name)
	}
	e := ks.Get(d.db, key)
	// Read the clock only for keys with a deadline: it is the most
	// expensive step of a read on some machines.
	if e != nil && e.ExpireAt != 0 && e.Expired(c.nowMs()) {
		e = nil
	}
	if e == nil {
		ks.RUnlock(s)
		ks.Miss(s)
		if c.notifyKeyMissOn() {
			c.keyMiss(d.br, d.db, key) // "keymiss" event (pubsub.go)
		}
		return nil, ErrNotFound
	}
	ks.Hit(s)
	if e.Kind != keyspace.KindString {
		ks.RUnlock(s)
		return nil, ErrWrongType
	}
	v := e.Str[:len(e.Str):len(e.Str)]
	if c.mem.lfu.Load() { // evict.go
		c.touchLFU(e, c.clockSec.Load())
	} else {
		e.Touch(c.clockSec.Load())
	}
	ks.RUnlock(s)
	return v, nil
}

// Set sets key to value, replacing any value and TTL (SET key value).
func (tx *Tx) Set(key string, value []byte) error {
	_, _, err := tx.SetArgs(key, value, SetArgs{})
	return err
}

// Set sets key to value, replacing any value and TTL (SET key value).
func (d *DB) Set(key string, value []byte) error {
	return d.do(true, func(tx *Tx) error { return tx.Set(key, value) }, key)
}

// SetArgs is SET with options. It reports whether the value was set (false
// when NX or XX prevented it) and, with a.Get, the old value (nil when the
// key did not exist). With a.Get, a key holding a non-string gives
// ErrWrongType and nothing is set.
func (tx *Tx) SetArgs(key string, value []byte, a SetArgs) (old []byte, set bool, err error) {
	tx.mustWrite()
	at, err := tx.deadline(a.TTL, a.At)
	if err != nil {
		return nil, false, err
	}
	if int64(len(value)) > tx.c.opts.MaxValueBytes {
		return nil, false, ErrStringTooLong
	}
	cur := tx.lookupW(key)
	if a.Get && cur != nil {
		if cur.Kind != keyspace.KindString {
			return nil, false, ErrWrongType
		}
		old = cur.Str[:len(cur.Str):len(cur.Str)]
	}
	if (a.NX && cur != nil) || (a.XX && cur == nil) {
		return old, false, nil
	}
	e := strEntry(own(value))
	if a.KeepTTL && cur != nil {
		e.ExpireAt = cur.ExpireAt
	}
	tx.put(key, "set", e)
	if at != 0 {
		tx.expire(key, "expire", e, at)
	}
	return old, true, nil
}

// SetArgs is SET with options; see Tx.SetArgs.
func (d *DB) SetArgs(key string, value []byte, a SetArgs) (old []byte, set bool, err error) {
	err = d.do(true, func(tx *Tx) error {
		old, set, err = tx.SetArgs(key, value, a)
		return err
	}, key)
	return
}

// SetEx sets key to value with a TTL (SETEX, PSETEX). ttl must be positive.
func (tx *Tx) SetEx(key string, value []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return ErrInvalidExpire
	}
	_, _, err := tx.SetArgs(key, value, SetArgs{TTL: ttl})
	return err
}

// SetEx sets key to value with a TTL (SETEX, PSETEX). ttl must be positive.
func (d *DB) SetEx(key string, value []byte, ttl time.Duration) error {
	return d.do(true, func(tx *Tx) error { return tx.SetEx(key, value, ttl) }, key)
}

// SetNX sets key to value if it does not exist (SETNX) and reports
// whether it did.
func (tx *Tx) SetNX(key string, value []byte) (bool, error) {
	_, ok, err := tx.SetArgs(key, value, SetArgs{NX: true})
	return ok, err
}

// SetNX sets key to value if it does not exist (SETNX) and reports
// whether it did.
func (d *DB) SetNX(key string, value []byte) (ok bool, err error) {
	err = d.do(true, func(tx *Tx) error { ok, err = tx.SetNX(key, value); return err }, key)
	return
}

// GetSet sets key to value and returns the old value, nil if there was
// none (GETSET). The TTL is cleared.
func (tx *Tx) GetSet(key string, value []byte) ([]byte, error) {
	old, _, err := tx.SetArgs(key, value, SetArgs{Get: true})
	return old, err
}

// GetSet sets key to value and returns the old value, nil if there was
// none (GETSET). The TTL is cleared.
func (d *DB) GetSet(key string, value []byte) (old []byte, err error) {
	err = d.do(true, func(tx *Tx) error { old, err = tx.GetSet(key, value); return err }, key)
	return
}

// MGet returns the values of keys (MGET): nil for a key that does not
// exist or does not hold a string.
func (tx *Tx) MGet(keys ...string) ([][]byte, error) {
	out := make([][]byte, len(keys))
	for i, k := range keys {
		if e := tx.lookup(k); e != nil && e.Kind == keyspace.KindString {
			out[i] = e.Str[:len(e.Str):len(e.Str)]
		}
	}
	return out, nil
}

// MGet returns the values of keys (MGET): nil for a key that does not
// exist or does not hold a string. It reads one consistent state.
func (d *DB) MGet(keys ...string) (vals [][]byte, err error) {
	err = d.do(false, func(tx *Tx) error { vals, err = tx.MGet(keys...); return err }, keys...)
	return
}

// MSet sets each key to its value (MSET), atomically; later pairs win
// over earlier ones for the same key.
func (tx *Tx) MSet(pairs ...KeyValue) error {
	for _, p := range pairs {
		if int64(len(p.Value)) > tx.c.opts.MaxValueBytes {
			return ErrStringTooLong
		}
	}
	for _, p := range pairs {
		if err := tx.Set(p.Key, p.Value); err != nil {
			return err
		}
	}
	return nil
}

// MSet sets each key to its value (MSET), atomically.
func (d *DB) MSet(pairs ...KeyValue) error {
	return d.do(true, func(tx *Tx) error { return tx.MSet(pairs...) }, kvKeys(pairs)...)
}

// MSetNX sets every pair only if none of the keys exists (MSETNX), and
// reports whether it did.
func (tx *Tx) MSetNX(pairs ...KeyValue) (bool, error) {
	for _, p := range pairs {
		if tx.lookupW(p.Key) != nil {
			return false, nil
		}
	}
	return true, tx.MSet(pairs...)
}

// MSetNX sets every pair only if none of the keys exists (MSETNX), and
// reports whether it did.
func (d *DB) MSetNX(pairs ...KeyValue) (ok bool, err error) {
	err = d.do(true, func(tx *Tx) error { ok, err = tx.MSetNX(pairs...); return err }, kvKeys(pairs)...)
	return
}

func kvKeys(pairs []KeyValue) []string {
	keys := make([]string, len(pairs))
	for i, p := range pairs {
		keys[i] = p.Key
	}
	return keys
}

// GetDel returns the value of key and deletes it (GETDEL).
func (tx *Tx) GetDel(key string) ([]byte, error) {
	e := tx.lookupW(key)
	if e == nil {
		return nil, ErrNotFound
	}
	if e.Kind != keyspace.KindString {
		return nil, ErrWrongType
	}
	v := e.Str[:len(e.Str):len(e.Str)]
	tx.del(key, "del")
	return v, nil
}

// GetDel returns the value of key and deletes it (GETDEL).
func (d *DB) GetDel(key string) (v []byte, err error) {
	err = d.do(true, func(tx *Tx) error { v, err = tx.GetDel(key); return err }, key)
	return
}

// GetExArgs are GETEX's options: at most one of TTL, At and Persist.
type GetExArgs struct {
	TTL     time.Duration // > 0: expire after TTL (EX / PX)
	At      time.Time     // non-zero: expire at this time (EXAT / PXAT)
	Persist bool          // remove the TTL (PERSIST)
}

// GetEx returns the value of key and changes its TTL (GETEX). A deadline
// already in the past deletes the key, as in Redis.
func (tx *Tx) GetEx(key string, a GetExArgs) ([]byte, error) {
	tx.mustWrite()
	at, err := tx.deadline(a.TTL, a.At)
	if err != nil {
		return nil, err
	}
	e := tx.lookupW(key)
	if e == nil {
		return nil, ErrNotFound
	}
	if e.Kind != keyspace.KindString {
		return nil, ErrWrongType
	}
	v := e.Str[:len(e.Str):len(e.Str)]
	switch {
	case at != 0 && at <= tx.nowMs:
		tx.del(key, "del")
	case at != 0:
		tx.expire(key, "expire", e, at)
	case a.Persist && e.ExpireAt != 0:
		tx.expire(key, "persist", e, 0)
	}
	return v, nil
}

// GetEx returns the value of key and changes its TTL (GETEX).
func (d *DB) GetEx(key string, a GetExArgs) (v []byte, err error) {
	err = d.do(true, func(tx *Tx) error { v, err = tx.GetEx(key, a); return err }, key)
	return
}

// stringForWrite returns key's string entry for modification, or nil.
func (tx *Tx) stringForWrite(key string) (*keyspace.Entry, error) {
	return tx.lookupKind(key, keyspace.KindString, true)
}

// Append appends value to key's string, creating it if needed (APPEND),
// and returns the new length.
func (tx *Tx) Append(key string, value []byte) (int64, error) {
	e, err := tx.stringForWrite(key)
	if err != nil {
		return 0, err
	}
	if e == nil {
		if int64(len(value)) > tx.c.opts.MaxValueBytes {
			return 0, ErrStringTooLong
		}
		tx.put(key, "append", strEntry(append([]byte{}, value...)))
		return int64(len(value)), nil
	}
	n := int64(len(e.Str)) + int64(len(value))
	if n > tx.c.opts.MaxValueBytes {
		return 0, ErrStringTooLong
	}
	// Appending past len(e.Str) never changes bytes a reader holds (their
	// slices are capped at their length), so growth is amortized O(1).
	ne := *e
	ne.Str = append(e.Str, value...)
	tx.put(key, "append", &ne)
	return n, nil
}

// Append appends value to key's string (APPEND); returns the new length.
func (d *DB) Append(key string, value []byte) (n int64, err error) {
	err = d.do(true, func(tx *Tx) error { n, err = tx.Append(key, value); return err }, key)
	return
}

// StrLen returns the length of key's string, 0 if it does not exist (STRLEN).
func (tx *Tx) StrLen(key string) (int64, error) {
	e, err := tx.lookupKind(key, keyspace.KindString, false)
	if err != nil || e == nil {
		return 0, err
	}
	return int64(len(e.Str)), nil
}

// StrLen returns the length of key's string, 0 if it does not exist (STRLEN).
func (d *DB) StrLen(key string) (n int64, err error) {
	err = d.do(false, func(tx *Tx) error { n, err = tx.StrLen(key); return err }, key)
	return
}

// GetRange returns the substring of key's string between start and end,
// inclusive, with negative offsets counted from the end (GETRANGE). A
// missing key gives an empty result.
func (tx *Tx) GetRange(key string, start, end int64) ([]byte, error) {
	e, err := tx.lookupKind(key, keyspace.KindString, false)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return []byte{}, nil
	}
	n := int64(len(e.Str))
	if start < 0 && end < 0 && start > end {
		return []byte{}, nil
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	if start < 0 {
		start = 0
	}
	if end < 0 {
		end = 0
	}
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		return []byte{}, nil
	}
	return e.Str[start : end+1 : end+1], nil
}

// GetRange returns a substring of key's string (GETRANGE).
func (d *DB) GetRange(key string, start, end int64) (v []byte, err error) {
	err = d.do(false, func(tx *Tx) error { v, err = tx.GetRange(key, start, end); return err }, key)
	return
}

// SetRange overwrites key's string from offset with value, padding with
// zero bytes (SETRANGE), and returns the new length. An empty value on a
// missing key creates nothing.
func (tx *Tx) SetRange(key string, offset int64, value []byte) (int64, error) {
	if offset < 0 {
		return 0, errOffsetRange
	}
	e, err := tx.stringForWrite(key)
	if err != nil {
		return 0, err
	}
	cur := 0
	if e != nil {
		cur = len(e.Str)
	}
	if len(value) == 0 {
		return int64(cur), nil
	}
	// Compare without adding: offset+len could overflow int64.
	if offset > tx.c.opts.MaxValueBytes-int64(len(value)) {
		return 0, ErrStringTooLong
	}
	n := int(offset) + len(value)
	if n < cur {
		n = cur
	}
	buf := make([]byte, n)
	if e != nil {
		copy(buf, e.Str)
	}
	copy(buf[offset:], value)
	ne := strEntry(buf)
	if e != nil {
		ne.ExpireAt = e.ExpireAt
	}
	tx.put(key, "setrange", ne)
	return int64(n), nil
}

// SetRange overwrites part of key's string (SETRANGE).
func (d *DB) SetRange(key string, offset int64, value []byte) (n int64, err error) {
	err = d.do(true, func(tx *Tx) error { n, err = tx.SetRange(key, offset, value); return err }, key)
	return
}

// IncrBy adds delta to the integer in key, creating it as 0 first
// (INCRBY), and returns the new value.
func (tx *Tx) IncrBy(key string, delta int64) (int64, error) {
	e, err := tx.stringForWrite(key)
	if err != nil {
		return 0, err
	}
	var cur int64
	if e != nil {
		var ok bool
		if cur, ok = num.ParseInt(e.Str); !ok {
			return 0, ErrNotInteger
		}
	}
	if (delta < 0 && cur < 0 && delta < -1<<63-cur) || (delta > 0 && cur > 0 && delta > 1<<63-1-cur) {
		return 0, ErrOverflow
	}
	v := cur + delta
	ne := strEntry(appendInt(make([]byte, 0, 20), v))
	if e != nil {
		ne.ExpireAt = e.ExpireAt
	}
	tx.put(key, "incrby", ne)
	return v, nil
}

func appendInt(b []byte, v int64) []byte {
	if v == 0 {
		return append(b, '0')
	}
	var tmp [20]byte
	i := len(tmp)
	u := uint64(v)
	if v < 0 {
		u = uint64(-v)
	}
	for u > 0 {
		i--
		tmp[i] = byte('0' + u%10)
		u /= 10
	}
	if v < 0 {
		b = append(b, '-')
	}
	return append(b, tmp[i:]...)
}

// IncrBy adds delta to the integer in key (INCRBY); returns the new value.
func (d *DB) IncrBy(key string, delta int64) (v int64, err error) {
	err = d.do(true, func(tx *Tx) error { v, err = tx.IncrBy(key, delta); return err }, key)
	return
}

// Incr adds 1 to the integer in key (INCR).
func (tx *Tx) Incr(key string) (int64, error) { return tx.IncrBy(key, 1) }

// Incr adds 1 to the integer in key (INCR); returns the new value.
func (d *DB) Incr(key string) (int64, error) { return d.IncrBy(key, 1) }

// Decr subtracts 1 from the integer in key (DECR).
func (tx *Tx) Decr(key string) (int64, error) { return tx.IncrBy(key, -1) }

// Decr subtracts 1 from the integer in key (DECR); returns the new value.
func (d *DB) Decr(key string) (int64, error) { return d.IncrBy(key, -1) }

// DecrBy subtracts delta from the integer in key (DECRBY).
func (tx *Tx) DecrBy(key string, delta int64) (int64, error) {
	if delta == -1<<63 {
		return 0, errDecrMin
	}
	return tx.IncrBy(key, -delta)
}

// DecrBy subtracts delta from the integer in key (DECRBY).
func (d *DB) DecrBy(key string, delta int64) (v int64, err error) {
	err = d.do(true, func(tx *Tx) error { v, err = tx.DecrBy(key, delta); return err }, key)
	return
}

// IncrByFloatText adds incr, given as decimal text, to the number in key
// (INCRBYFLOAT) and returns the new value as stored. It computes with
// long-double precision and formats like Redis, so the result is
// byte-for-byte Redis's.
func (tx *Tx) IncrByFloatText(key string, incr string) (string, error) {
	// Redis checks the key's type before it parses the increment.
	if _, err := tx.stringForWrite(key); err != nil {
		return "", err
	}
	d, ok := num.ParseLongDouble(incr)
	if !ok {
		return "", ErrNotFloat
	}
	return tx.incrByFloat(key, d)
}

func (tx *Tx) incrByFloat(key string, d num.LongDouble) (string, error) {
	e, err := tx.stringForWrite(key)
	if err != nil {
		return "", err
	}
	cur, _ := num.ParseLongDouble("0")
	if e != nil {
		var ok bool
		if cur, ok = num.ParseLongDouble(string(e.Str)); !ok {
			return "", ErrNotFloat
		}
	}
	sum, ok := num.Add(cur, d)
	if !ok {
		return "", ErrNaNOrInf
	}
	s := sum.Format()
	ne := strEntry([]byte(s))
	if e != nil {
		ne.ExpireAt = e.ExpireAt
	}
	tx.put(key, "incrbyfloat", ne)
	return s, nil
}

// IncrByFloat adds incr to the number in key (INCRBYFLOAT) and returns the
// new value. incr is taken as its shortest decimal form (0.1 means "0.1").
func (tx *Tx) IncrByFloat(key string, incr float64) (float64, error) {
	d, ok := num.FromFloat64(incr)
	if !ok {
		return 0, ErrNaNOrInf
	}
	s, err := tx.incrByFloat(key, d)
	if err != nil {
		return 0, err
	}
	v, _ := num.ParseLongDouble(s)
	return v.Float64(), nil
}

// IncrByFloat adds incr to the number in key (INCRBYFLOAT).
func (d *DB) IncrByFloat(key string, incr float64) (v float64, err error) {
	err = d.do(true, func(tx *Tx) error { v, err = tx.IncrByFloat(key, incr); return err }, key)
	return
}

// IncrByFloatText is INCRBYFLOAT with the increment and result as text;
// see Tx.IncrByFloatText.
func (d *DB) IncrByFloatText(key, incr string) (v string, err error) {
	err = d.do(true, func(tx *Tx) error { v, err = tx.IncrByFloatText(key, incr); return err }, key)
	return
}
