package potato

import (
	"fmt"
	"math/bits"

	"rustypotato/internal/keyspace"
)

// Bitmaps are string values read and written bit by bit, as in Redis:
// bit 0 is the most significant bit of the first byte. Every write makes
// a new string (values are never changed in place) through tx.put, so
// persistence, branches, undo and WATCH treat it as any string write.

var (
	// ErrBitOffset is Redis's reply to a bit offset that is negative, not
	// an integer, or past the longest string allowed.
	ErrBitOffset = fmt.Errorf("%w: ERR bit offset is not an integer or out of range", ErrInvalidArgument)
	// ErrBitValue is Redis's reply to a SETBIT value other than 0 or 1.
	ErrBitValue = fmt.Errorf("%w: ERR bit is not an integer or out of range", ErrInvalidArgument)
	// ErrBitArg is Redis's reply to a BITPOS bit other than 0 or 1.
	ErrBitArg = fmt.Errorf("%w: ERR The bit argument must be 1 or 0.", ErrInvalidArgument)
	// ErrBitOpNot is Redis's reply to BITOP NOT with more than one source.
	ErrBitOpNot = fmt.Errorf("%w: ERR BITOP NOT must be called with a single source key.", ErrInvalidArgument)
	// ErrBitFieldType is Redis's reply to a bitfield type that is not
	// i1..i64 or u1..u63.
	ErrBitFieldType = fmt.Errorf("%w: ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.", ErrInvalidArgument)
	// ErrBitFieldRO is Redis's reply to BITFIELD_RO with SET or INCRBY.
	ErrBitFieldRO = fmt.Errorf("%w: ERR BITFIELD_RO only supports the GET subcommand", ErrInvalidArgument)
	errSyntaxBits = fmt.Errorf("%w: ERR syntax error", ErrInvalidArgument)
)

// checkBitOffset validates a bit offset against the longest string the
// store allows, as Redis checks it against proto-max-bulk-len.
func (tx *Tx) checkBitOffset(off int64) error {
	if off < 0 || off>>3 >= tx.c.opts.MaxValueBytes {
		return ErrBitOffset
	}
	return nil
}

// bitsForWrite returns key's string for a bit write reaching bit maxBit:
// a fresh copy at least maxBit/8+1 bytes long, the current entry (nil if
// the key is absent) and whether the copy is longer than the value.
func (tx *Tx) bitsForWrite(key string, maxBit int64) (buf []byte, cur *keyspace.Entry, grown bool, err error) {
	cur, err = tx.stringForWrite(key)
	if err != nil {
		return nil, nil, false, err
	}
	n := int(maxBit>>3) + 1
	old := 0
	if cur != nil {
		old = len(cur.Str)
	}
	if n < old {
		n = old
	}
	buf = make([]byte, n)
	if cur != nil {
		copy(buf, cur.Str)
	}
	return buf, cur, cur == nil || n > old, nil
}

// putBits stores buf as key's new value, keeping the deadline of cur.
func (tx *Tx) putBits(key, op string, cur *keyspace.Entry, buf []byte) {
	ne := strEntry(buf)
	if cur != nil {
		ne.ExpireAt = cur.ExpireAt
	}
	tx.put(key, op, ne)
}

// SetBit sets or clears the bit at offset in key's string, growing it
// with zero bytes as needed (SETBIT), and returns the bit's old value.
// value must be 0 or 1. As in Redis 7.0, a write that changes nothing
// (same bit, no growth) is no write: no event, WATCH is not touched.
func (tx *Tx) SetBit(key string, offset int64, value int) (int64, error) {
	tx.mustWrite()
	if err := tx.checkBitOffset(offset); err != nil {
		return 0, err
	}
	if value != 0 && value != 1 {
		return 0, ErrBitValue
	}
	cur, err := tx.stringForWrite(key)
	if err != nil {
		return 0, err
	}
	byteAt, shift := offset>>3, 7-uint(offset&7)
	if cur != nil && byteAt < int64(len(cur.Str)) {
		old := int64(cur.Str[byteAt]>>shift) & 1
		if old == int64(value) {
			return old, nil
		}
	}
	buf, cur, _, err := tx.bitsForWrite(key, offset)
	if err != nil {
		return 0, err
	}
	old := int64(buf[byteAt]>>shift) & 1
	buf[byteAt] = buf[byteAt]&^(1<<shift) | byte(value)<<shift
	tx.putBits(key, "setbit", cur, buf)
	return old, nil
}

// SetBit sets or clears one bit of key's string (SETBIT); see Tx.SetBit.
func (d *DB) SetBit(key string, offset int64, value int) (old int64, err error) {
	err = d.do(true, func(tx *Tx) error { old, err = tx.SetBit(key, offset, value); return err }, key)
	return
}

// GetBit returns the bit at offset in key's string (GETBIT): 0 past its
// end or for a missing key.
func (tx *Tx) GetBit(key string, offset int64) (int64, error) {
	if err := tx.checkBitOffset(offset); err != nil {
		return 0, err
	}
	e, err := tx.lookupKind(key, keyspace.KindString, false)
	if err != nil || e == nil {
		return 0, err
	}
	if offset>>3 >= int64(len(e.Str)) {
		return 0, nil
	}
	return int64(e.Str[offset>>3]>>(7-uint(offset&7))) & 1, nil
}

// GetBit returns one bit of key's string (GETBIT).
func (d *DB) GetBit(key string, offset int64) (bit int64, err error) {
	err = d.do(false, func(tx *Tx) error { bit, err = tx.GetBit(key, offset); return err }, key)
	return
}

// BitRange is the optional range of BITCOUNT and BITPOS: Start and End
// are inclusive offsets, negative ones counted from the end, in bytes or
// (Bit) in bits.
type BitRange struct {
	Start, End int64
	NoEnd      bool // BITPOS only: no end given, search to the end of the string
	Bit        bool // offsets count bits (BIT) rather than bytes (BYTE)
}

// bitSpan turns r into an inclusive range of bit positions in a string of
// n bytes, as Redis's bitcount and bitpos commands do; ok is false for an
// empty range.
func bitSpan(r *BitRange, n int64) (first, last int64, ok bool) {
	if r == nil {
		return 0, n*8 - 1, n > 0
	}
	start, end := r.Start, r.End
	total := n
	if r.Bit {
		total = n * 8
	}
	if r.NoEnd {
		end = total - 1
	}
	if start < 0 {
		start += total
	}
	if end < 0 {
		end += total
	}
	if start < 0 {
		start = 0
	}
	if end < 0 {
		end = 0
	}
	if end >= total {
		end = total - 1
	}
	if start > end {
		return 0, 0, false
	}
	if r.Bit {
		return start, end, true
	}
	return start * 8, end*8 + 7, true
}

// BitCount counts the set bits of key's string, or of the range r of it
// when r is not nil (BITCOUNT). A missing key counts 0.
func (tx *Tx) BitCount(key string, r *BitRange) (int64, error) {
	e, err := tx.lookupKind(key, keyspace.KindString, false)
	if err != nil || e == nil {
		return 0, err
	}
	if r != nil && r.Start < 0 && r.End < 0 && r.Start > r.End {
		return 0, nil
	}
	first, last, ok := bitSpan(r, int64(len(e.Str)))
	if !ok {
		return 0, nil
	}
	return countBits(e.Str, first, last), nil
}

// countBits counts the set bits of p between bit positions first and last
// inclusive.
func countBits(p []byte, first, last int64) int64 {
	fb, lb := first>>3, last>>3
	headMask := byte(0xff) >> uint(first&7)
	tailMask := byte(0xff) << uint(7-last&7)
	if fb == lb {
		return int64(bits.OnesCount8(p[fb] & headMask & tailMask))
	}
	n := bits.OnesCount8(p[fb]&headMask) + bits.OnesCount8(p[lb]&tailMask)
	mid := p[fb+1 : lb]
	for len(mid) >= 8 {
		n += bits.OnesCount64(uint64(mid[0]) | uint64(mid[1])<<8 | uint64(mid[2])<<16 | uint64(mid[3])<<24 |
			uint64(mid[4])<<32 | uint64(mid[5])<<40 | uint64(mid[6])<<48 | uint64(mid[7])<<56)
		mid = mid[8:]
	}
	for _, b := range mid {
		n += bits.OnesCount8(b)
	}
	return int64(n)
}

// BitCount counts the set bits of key's string (BITCOUNT); see Tx.BitCount.
func (d *DB) BitCount(key string, r *BitRange) (n int64, err error) {
	err = d.do(false, func(tx *Tx) error { n, err = tx.BitCount(key, r); return err }, key)
	return
}

// BitPos returns the position of the first bit equal to bit (0 or 1) in
// key's string, or in the range r of it (BITPOS), as Redis 7.0 does: -1
// when there is none, except that a search for a 0 with no explicit end
// finds the first bit past the string (a string is taken as padded with
// zeros to the right). A missing key gives 0 for bit 0 and -1 for bit 1.
func (tx *Tx) BitPos(key string, bit int, r *BitRange) (int64, error) {
	if bit != 0 && bit != 1 {
		return 0, ErrBitArg
	}
	e, err := tx.lookupKind(key, keyspace.KindString, false)
	if err != nil {
		return 0, err
	}
	if e == nil {
		if bit == 1 {
			return -1, nil
		}
		return 0, nil
	}
	first, last, ok := bitSpan(r, int64(len(e.Str)))
	if !ok {
		return -1, nil
	}
	if pos := findBit(e.Str, first, last, bit == 1); pos >= 0 {
		return pos, nil
	}
	if bit == 1 || (r != nil && !r.NoEnd) {
		return -1, nil
	}
	return (last>>3 + 1) * 8, nil
}

// findBit returns the first position in [first, last] of a bit equal to
// one, or -1.
func findBit(p []byte, first, last int64, one bool) int64 {
	for i := first; i <= last; {
		b := p[i>>3]
		if !one {
			b = ^b
		}
		if i&7 == 0 && i+7 <= last {
			if b == 0 {
				i += 8
				continue
			}
			return i + int64(bits.LeadingZeros8(b))
		}
		if b>>(7-uint(i&7))&1 == 1 {
			return i
		}
		i++
	}
	return -1
}

// BitPos returns the position of the first bit equal to bit (BITPOS); see
// Tx.BitPos.
func (d *DB) BitPos(key string, bit int, r *BitRange) (pos int64, err error) {
	err = d.do(false, func(tx *Tx) error { pos, err = tx.BitPos(key, bit, r); return err }, key)
	return
}

// BitOp stores in dest the bitwise op ("AND", "OR", "XOR" or "NOT", any
// case) of the strings at keys (BITOP) and returns the length of the
// result, that of the longest source: shorter ones, and missing keys,
// count as zero bytes. NOT takes exactly one key. An empty result deletes
// dest. dest loses any TTL it had, as with SET.
func (tx *Tx) BitOp(op, dest string, keys ...string) (int64, error) {
	tx.mustWrite()
	var kind byte
	switch {
	case len(op) == 3 && eqFoldASCII(op, "and"):
		kind = '&'
	case len(op) == 2 && eqFoldASCII(op, "or"):
		kind = '|'
	case len(op) == 3 && eqFoldASCII(op, "xor"):
		kind = '^'
	case len(op) == 3 && eqFoldASCII(op, "not"):
		kind = '~'
	default:
		return 0, errSyntaxBits
	}
	if kind == '~' && len(keys) != 1 {
		return 0, ErrBitOpNot
	}
	if len(keys) == 0 {
		return 0, errSyntaxBits
	}
	srcs := make([][]byte, len(keys))
	maxLen := 0
	for i, k := range keys {
		e, err := tx.lookupKind(k, keyspace.KindString, false)
		if err != nil {
			return 0, err
		}
		if e != nil {
			srcs[i] = e.Str
			maxLen = max(maxLen, len(e.Str))
		}
	}
	if maxLen == 0 {
		if tx.lookupW(dest) != nil {
			tx.del(dest, "del")
		}
		return 0, nil
	}
	res := make([]byte, maxLen)
	copy(res, srcs[0])
	switch kind {
	case '~':
		for j := range res {
			res[j] = ^res[j]
		}
	case '&':
		for _, s := range srcs[1:] {
			for j := range res {
				if j < len(s) {
					res[j] &= s[j]
				} else {
					res[j] = 0
				}
			}
		}
	case '|':
		for _, s := range srcs[1:] {
			for j := 0; j < len(s); j++ {
				res[j] |= s[j]
			}
		}
	case '^':
		for _, s := range srcs[1:] {
			for j := 0; j < len(s); j++ {
				res[j] ^= s[j]
			}
		}
	}
	tx.lookupW(dest) // an expired dest goes first, as an "expired" event
	tx.put(dest, "set", strEntry(res))
	return int64(maxLen), nil
}

// eqFoldASCII reports whether s equals lower (lower case) ignoring case.
func eqFoldASCII(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// BitOp stores a bitwise operation of strings in dest (BITOP); see Tx.BitOp.
func (d *DB) BitOp(op, dest string, keys ...string) (n int64, err error) {
	err = d.do(true, func(tx *Tx) error { n, err = tx.BitOp(op, dest, keys...); return err }, append([]string{dest}, keys...)...)
	return
}

// BitOpAnd stores the bitwise AND of keys in dest (BITOP AND).
func (d *DB) BitOpAnd(dest string, keys ...string) (int64, error) {
	return d.BitOp("and", dest, keys...)
}

// BitOpOr stores the bitwise OR of keys in dest (BITOP OR).
func (d *DB) BitOpOr(dest string, keys ...string) (int64, error) { return d.BitOp("or", dest, keys...) }

// BitOpXor stores the bitwise XOR of keys in dest (BITOP XOR).
func (d *DB) BitOpXor(dest string, keys ...string) (int64, error) {
	return d.BitOp("xor", dest, keys...)
}

// BitOpNot stores the bitwise NOT of key in dest (BITOP NOT).
func (d *DB) BitOpNot(dest, key string) (int64, error) { return d.BitOp("not", dest, key) }

// BitFieldOpKind is one BITFIELD subcommand.
type BitFieldOpKind uint8

// The BITFIELD subcommands.
const (
	BitFieldGet BitFieldOpKind = iota
	BitFieldSet
	BitFieldIncrBy
)

// Overflow is a BITFIELD OVERFLOW behaviour.
type Overflow uint8

// The OVERFLOW behaviours of BITFIELD SET and INCRBY.
const (
	OverflowWrap Overflow = iota // wrap around (the default)
	OverflowSat                  // saturate at the type's minimum or maximum
	OverflowFail                 // do nothing and answer nil
)

// BitFieldOp is one operation of BITFIELD: a Signed or unsigned integer of
// Bits bits (i1..i64, u1..u63) at bit Offset (already multiplied for the
// "#n" form), with Value the SET value or INCRBY increment.
type BitFieldOp struct {
	Kind     BitFieldOpKind
	Signed   bool
	Bits     int
	Offset   int64
	Value    int64
	Overflow Overflow
}

// BitFieldResult is one reply of BITFIELD: Nil when an OVERFLOW FAIL
// operation did nothing.
type BitFieldResult struct {
	Value int64
	Nil   bool
}

func getBitfield(p []byte, off int64, n int, signed bool) uint64 {
	var v uint64
	for j := 0; j < n; j++ {
		i := off + int64(j)
		var b byte
		if i>>3 < int64(len(p)) {
			b = p[i>>3] >> (7 - uint(i&7)) & 1
		}
		v = v<<1 | uint64(b)
	}
	if signed && n < 64 && v&(1<<uint(n-1)) != 0 {
		v |= ^uint64(0) << uint(n)
	}
	return v
}

func setBitfield(p []byte, off int64, n int, v uint64) {
	for j := 0; j < n; j++ {
		bit := byte(v>>uint(n-1-j)) & 1
		i := off + int64(j)
		sh := 7 - uint(i&7)
		p[i>>3] = p[i>>3]&^(1<<sh) | bit<<sh
	}
}

// unsignedOverflow is Redis's checkUnsignedBitfieldOverflow.
func unsignedOverflow(value uint64, incr int64, n int, ow Overflow) (uint64, bool) {
	maxv := uint64(1)<<uint(n) - 1
	maxincr := int64(maxv - value)
	minincr := -int64(value)
	over := value > maxv || (incr > 0 && incr > maxincr)
	under := !over && incr < 0 && incr < minincr
	if !over && !under {
		return 0, false
	}
	switch ow {
	case OverflowWrap:
		return (value + uint64(incr)) & maxv, true
	case OverflowSat:
		if over {
			return maxv, true
		}
		return 0, true
	}
	return 0, true
}

// signedOverflow is Redis's checkSignedBitfieldOverflow.
func signedOverflow(value, incr int64, n int, ow Overflow) (int64, bool) {
	maxv := int64(1<<63 - 1)
	if n < 64 {
		maxv = int64(1)<<uint(n-1) - 1
	}
	minv := -maxv - 1
	maxincr := int64(uint64(maxv) - uint64(value))
	minincr := minv - value
	over := value > maxv || (n != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr)
	under := !over && (value < minv || (n != 64 && incr < minincr) || (value < 0 && incr < 0 && incr < minincr))
	if !over && !under {
		return 0, false
	}
	switch ow {
	case OverflowWrap:
		c := uint64(value) + uint64(incr)
		if n < 64 {
			mask := ^uint64(0) << uint(n)
			if c&(1<<uint(n-1)) != 0 {
				c |= mask
			} else {
				c &^= mask
			}
		}
		return int64(c), true
	case OverflowSat:
		if over {
			return maxv, true
		}
		return minv, true
	}
	return 0, true
}

// BitField runs BITFIELD's operations on key's string in order and
// returns one result each. Any SET or INCRBY grows the string to the
// farthest bit written (creating the key), even when OVERFLOW FAIL then
// writes nothing, as in Redis; the event is "setbit", and there is none
// when every write failed.
func (tx *Tx) BitField(key string, ops []BitFieldOp) ([]BitFieldResult, error) {
	return tx.bitField(key, ops, false)
}

// BitFieldRO is BITFIELD_RO: BitField with GET operations only.
func (tx *Tx) BitFieldRO(key string, ops []BitFieldOp) ([]BitFieldResult, error) {
	return tx.bitField(key, ops, true)
}

func (tx *Tx) bitField(key string, ops []BitFieldOp, ro bool) ([]BitFieldResult, error) {
	write := false
	var highest int64
	for _, op := range ops {
		if op.Bits < 1 || op.Bits > 64 || (!op.Signed && op.Bits > 63) {
			return nil, ErrBitFieldType
		}
		if err := tx.checkBitOffset(op.Offset); err != nil {
			return nil, err
		}
		if op.Kind != BitFieldGet {
			write = true
			highest = max(highest, op.Offset+int64(op.Bits)-1)
		}
	}
	out := make([]BitFieldResult, len(ops))
	if !write {
		e, err := tx.lookupKind(key, keyspace.KindString, false)
		if err != nil {
			return nil, err
		}
		var p []byte
		if e != nil {
			p = e.Str
		}
		for i, op := range ops {
			out[i].Value = int64(getBitfield(p, op.Offset, op.Bits, op.Signed))
		}
		return out, nil
	}
	if ro {
		return nil, ErrBitFieldRO
	}
	buf, cur, grown, err := tx.bitsForWrite(key, highest)
	if err != nil {
		return nil, err
	}
	changes := 0
	for i, op := range ops {
		old := getBitfield(buf, op.Offset, op.Bits, op.Signed)
		if op.Kind == BitFieldGet {
			out[i].Value = int64(old)
			continue
		}
		var newv, ret uint64
		var over bool
		if op.Signed {
			var w int64
			if op.Kind == BitFieldIncrBy {
				w, over = signedOverflow(int64(old), op.Value, op.Bits, op.Overflow)
				newv = old + uint64(op.Value)
				if over {
					newv = uint64(w)
				}
				ret = newv
			} else {
				w, over = signedOverflow(op.Value, 0, op.Bits, op.Overflow)
				newv = uint64(op.Value)
				if over {
					newv = uint64(w)
				}
				ret = old
			}
		} else {
			var w uint64
			if op.Kind == BitFieldIncrBy {
				newv = old + uint64(op.Value)
				w, over = unsignedOverflow(old, op.Value, op.Bits, op.Overflow)
				if over {
					newv = w
				}
				ret = newv
			} else {
				newv = uint64(op.Value)
				w, over = unsignedOverflow(newv, 0, op.Bits, op.Overflow)
				if over {
					newv = w
				}
				ret = old
			}
		}
		if over && op.Overflow == OverflowFail {
			out[i].Nil = true
			continue
		}
		out[i].Value = int64(ret)
		setBitfield(buf, op.Offset, op.Bits, newv)
		changes++
	}
	switch {
	case changes > 0:
		tx.putBits(key, "setbit", cur, buf)
	case grown:
		// Every write failed (OVERFLOW FAIL), yet Redis has grown (or
		// created) the string, silently.
		tx.putBits(key, "", cur, buf)
	}
	return out, nil
}

// BitField runs BITFIELD on key; see Tx.BitField.
func (d *DB) BitField(key string, ops []BitFieldOp) (res []BitFieldResult, err error) {
	write := false
	for _, op := range ops {
		write = write || op.Kind != BitFieldGet
	}
	err = d.do(write, func(tx *Tx) error { res, err = tx.BitField(key, ops); return err }, key)
	return
}

// BitFieldRO runs BITFIELD_RO on key; see Tx.BitFieldRO.
func (d *DB) BitFieldRO(key string, ops []BitFieldOp) (res []BitFieldResult, err error) {
	err = d.do(false, func(tx *Tx) error { res, err = tx.BitFieldRO(key, ops); return err }, key)
	return
}
