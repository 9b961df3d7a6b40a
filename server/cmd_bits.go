package server

import (
	"errors"

	"rustypotato"
	"rustypotato/internal/num"
)

const (
	errBitOffset = "ERR bit offset is not an integer or out of range"
	errBitValue  = "ERR bit is not an integer or out of range"
)

func registerBits(t *table) {
	bm := func(c *Command) {
		c.Group = "bitmap"
		t.add(c)
	}
	bm(&Command{Name: "setbit", Arity: 4, Flags: flagWrite | flagDenyOOM, FirstKey: 1, LastKey: 1,
		Categories: cats("write bitmap slow"), Since: "2.2.0",
		Summary:    "Sets or clears the bit at offset of the string value. Creates the key if it doesn't exist.",
		Complexity: "O(1)", Syntax: "key offset value", run: cmdSetBit})
	bm(&Command{Name: "getbit", Arity: 3, Flags: flagReadonly | flagFast, FirstKey: 1, LastKey: 1,
		Categories: cats("read bitmap fast"), Since: "2.2.0", Summary: "Returns a bit value by offset.",
		Complexity: "O(1)", Syntax: "key offset", run: cmdGetBit})
	bm(&Command{Name: "bitcount", Arity: -2, Flags: flagReadonly, FirstKey: 1, LastKey: 1,
		Categories: cats("read bitmap slow"), Since: "2.6.0", Summary: "Counts the number of set bits (population counting) in a string.",
		Complexity: "O(N)", Syntax: "key [start end [BYTE | BIT]]", run: cmdBitCount})
	bm(&Command{Name: "bitpos", Arity: -3, Flags: flagReadonly, FirstKey: 1, LastKey: 1,
		Categories: cats("read bitmap slow"), Since: "2.8.7", Summary: "Finds the first set (1) or clear (0) bit in a string.",
		Complexity: "O(N)", Syntax: "key bit [start [end [BYTE | BIT]]]", run: cmdBitPos})
	bm(&Command{Name: "bitop", Arity: -4, Flags: flagWrite | flagDenyOOM, FirstKey: 2, LastKey: -1,
		Categories: cats("write bitmap slow"), Since: "2.6.0", Summary: "Performs bitwise operations on multiple strings, and stores the result.",
		Complexity: "O(N)", Syntax: "<AND | OR | XOR | NOT> destkey key [key ...]", run: cmdBitOp})
	bm(&Command{Name: "bitfield", Arity: -2, Flags: flagWrite | flagDenyOOM, FirstKey: 1, LastKey: 1,
		Categories: cats("write bitmap slow"), Since: "3.2.0", Summary: "Performs arbitrary bitfield integer operations on strings.",
		Complexity: "O(1) for each subcommand specified",
		Syntax:     "key [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] <SET encoding offset value | INCRBY encoding offset increment> [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] <SET encoding offset value | INCRBY encoding offset increment> ...]]",
		run:        cmdBitField(false)})
	bm(&Command{Name: "bitfield_ro", Arity: -2, Flags: flagReadonly | flagFast, FirstKey: 1, LastKey: 1,
		Categories: cats("read bitmap fast"), Since: "6.0.0", Summary: "Performs arbitrary read-only bitfield integer operations on strings.",
		Complexity: "O(1) for each subcommand specified", Syntax: "key [GET encoding offset [GET encoding offset ...]]",
		run: cmdBitField(true)})
}

// parseBitOffset is Redis's getBitOffsetFromArgument: "#n" (with hash,
// for BITFIELD) is n*bits; the offset must be >= 0 and address a byte
// below proto-max-bulk-len.
func (c *Conn) parseBitOffset(b []byte, hash bool, bits int) (int64, error) {
	useHash := hash && bits > 0 && len(b) > 0 && b[0] == '#'
	if useHash {
		b = b[1:]
	}
	v, ok := num.ParseInt(b)
	if !ok {
		return 0, replyError(errBitOffset)
	}
	if useHash {
		if v > 0 && v > (1<<63-1)/int64(bits) || v < 0 {
			return 0, replyError(errBitOffset)
		}
		v *= int64(bits)
	}
	if v < 0 || v>>3 >= c.s.cfg.maxBulk.Load() {
		return 0, replyError(errBitOffset)
	}
	return v, nil
}

func cmdSetBit(c *Conn, tx *potato.Tx, a [][]byte) error {
	off, err := c.parseBitOffset(a[2], false, 0)
	if err != nil {
		return err
	}
	v, ok := num.ParseInt(a[3])
	if !ok || v&^1 != 0 {
		return replyError(errBitValue)
	}
	return c.replyInt(tx.SetBit(string(a[1]), off, int(v)))
}

func cmdGetBit(c *Conn, tx *potato.Tx, a [][]byte) error {
	off, err := c.parseBitOffset(a[2], false, 0)
	if err != nil {
		return err
	}
	return c.replyInt(tx.GetBit(string(a[1]), off))
}

// parseBitUnit parses the optional BYTE | BIT of BITCOUNT and BITPOS.
func parseBitUnit(b []byte) (bit bool, err error) {
	switch {
	case eqFold(b, "bit"):
		return true, nil
	case eqFold(b, "byte"):
		return false, nil
	}
	return false, replyError(errSyntax)
}

func cmdBitCount(c *Conn, tx *potato.Tx, a [][]byte) error {
	key := string(a[1])
	// Redis 7.0 looks the key up before it parses the range: a missing
	// key counts 0 whatever follows.
	if _, err := tx.Get(key); err != nil {
		if errors.Is(err, potato.ErrNotFound) {
			c.w.AppendInt(0)
			return nil
		}
		return err
	}
	var r *potato.BitRange
	switch len(a) {
	case 2:
	case 4, 5:
		start, err := parseInt(a[2])
		if err != nil {
			return err
		}
		end, err := parseInt(a[3])
		if err != nil {
			return err
		}
		r = &potato.BitRange{Start: start, End: end}
		if start < 0 && end < 0 && start > end {
			c.w.AppendInt(0)
			return nil
		}
		if len(a) == 5 {
			if r.Bit, err = parseBitUnit(a[4]); err != nil {
				return err
			}
		}
	default:
		return replyError(errSyntax)
	}
	return c.replyInt(tx.BitCount(key, r))
}

func cmdBitPos(c *Conn, tx *potato.Tx, a [][]byte) error {
	bit, ok := num.ParseInt(a[2])
	if !ok {
		return replyError(errNotInt)
	}
	if bit != 0 && bit != 1 {
		return potato.ErrBitArg
	}
	key := string(a[1])
	if _, err := tx.Get(key); err != nil {
		// Missing key (an endless run of zeros) or WRONGTYPE, before
		// the range is parsed, as in Redis 7.0.
		return c.replyInt(tx.BitPos(key, int(bit), nil))
	}
	var r *potato.BitRange
	switch len(a) {
	case 3:
	case 4, 5, 6:
		start, err := parseInt(a[3])
		if err != nil {
			return err
		}
		r = &potato.BitRange{Start: start, NoEnd: true}
		if len(a) == 6 {
			if r.Bit, err = parseBitUnit(a[5]); err != nil {
				return err
			}
		}
		if len(a) >= 5 {
			if r.End, err = parseInt(a[4]); err != nil {
				return err
			}
			r.NoEnd = false
		}
	default:
		return replyError(errSyntax)
	}
	return c.replyInt(tx.BitPos(key, int(bit), r))
}

func cmdBitOp(c *Conn, tx *potato.Tx, a [][]byte) error {
	keys := make([]string, len(a)-3)
	for i := range keys {
		keys[i] = string(a[i+3])
	}
	return c.replyInt(tx.BitOp(string(a[1]), string(a[2]), keys...))
}

// parseBitFieldType is Redis's getBitfieldTypeFromArgument: i1..i64 or
// u1..u63, the letter in lower case.
func parseBitFieldType(b []byte) (signed bool, bits int, err error) {
	if len(b) == 0 || (b[0] != 'i' && b[0] != 'u') {
		return false, 0, potato.ErrBitFieldType
	}
	signed = b[0] == 'i'
	rest := b[1:]
	for i, ch := range rest { // a C string ends at its first NUL
		if ch == 0 {
			rest = rest[:i]
			break
		}
	}
	n, ok := num.ParseInt(rest)
	if !ok || n < 1 || (signed && n > 64) || (!signed && n > 63) {
		return false, 0, potato.ErrBitFieldType
	}
	return signed, int(n), nil
}

func cmdBitField(ro bool) runFunc {
	return func(c *Conn, tx *potato.Tx, a [][]byte) error {
		var ops []potato.BitFieldOp
		ow := potato.OverflowWrap
		for j := 2; j < len(a); j++ {
			rem := len(a) - j - 1
			var kind potato.BitFieldOpKind
			switch sub := a[j]; {
			case eqFold(sub, "get") && rem >= 2:
				kind = potato.BitFieldGet
			case eqFold(sub, "set") && rem >= 3:
				kind = potato.BitFieldSet
			case eqFold(sub, "incrby") && rem >= 3:
				kind = potato.BitFieldIncrBy
			case eqFold(sub, "overflow") && rem >= 1:
				j++
				switch t := a[j]; {
				case eqFold(t, "wrap"):
					ow = potato.OverflowWrap
				case eqFold(t, "sat"):
					ow = potato.OverflowSat
				case eqFold(t, "fail"):
					ow = potato.OverflowFail
				default:
					return replyError("ERR Invalid OVERFLOW type specified")
				}
				continue
			default:
				return replyError(errSyntax)
			}
			signed, bits, err := parseBitFieldType(a[j+1])
			if err != nil {
				return err
			}
			off, err := c.parseBitOffset(a[j+2], true, bits)
			if err != nil {
				return err
			}
			op := potato.BitFieldOp{Kind: kind, Signed: signed, Bits: bits, Offset: off, Overflow: ow}
			if kind != potato.BitFieldGet {
				if op.Value, err = parseInt(a[j+3]); err != nil {
					return err
				}
				j++
			}
			ops = append(ops, op)
			j += 2
		}
		var res []potato.BitFieldResult
		var err error
		if ro {
			res, err = tx.BitFieldRO(string(a[1]), ops)
		} else {
			res, err = tx.BitField(string(a[1]), ops)
		}
		if err != nil {
			return err
		}
		c.w.AppendArrayLen(len(res))
		for _, r := range res {
			if r.Nil {
				c.w.AppendNull()
			} else {
				c.w.AppendInt(r.Value)
			}
		}
		return nil
	}
}
