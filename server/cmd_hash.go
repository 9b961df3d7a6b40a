package server

import (
	"errors"
	"math"
	"strconv"

	"rustypotato"
)

// registerHashes registers the hash family. Arity, flags, key positions
// and ACL categories are those of Redis 7.0's COMMAND INFO; summaries
// and complexities those of its COMMAND DOCS.
func registerHashes(t *table) {
	h := func(c *Command) {
		c.Group = "hash"
		c.FirstKey, c.LastKey = 1, 1
		t.add(c)
	}
	const (
		wFast = flagWrite | flagDenyOOM | flagFast
		rFast = flagReadonly | flagFast
	)
	h(&Command{Name: "hset", Arity: -4, Flags: wFast, Categories: cats("write hash fast"), Since: "2.0.0",
		Summary:    "Set the string value of a hash field",
		Complexity: "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.",
		Syntax:     "key field value [field value ...]", run: cmdHSet})
	h(&Command{Name: "hsetnx", Arity: 4, Flags: wFast, Categories: cats("write hash fast"), Since: "2.0.0",
		Summary: "Set the value of a hash field, only if the field does not exist", Complexity: "O(1)",
		Syntax: "key field value", run: cmdHSetNX})
	h(&Command{Name: "hmset", Arity: -4, Flags: wFast, Categories: cats("write hash fast"), Since: "2.0.0",
		Summary: "Set multiple hash fields to multiple values", Complexity: "O(N) where N is the number of fields being set.",
		Syntax: "key field value [field value ...]", run: cmdHMSet})
	h(&Command{Name: "hget", Arity: 3, Flags: rFast, Categories: cats("read hash fast"), Since: "2.0.0",
		Summary: "Get the value of a hash field", Complexity: "O(1)", Syntax: "key field", run: cmdHGet})
	h(&Command{Name: "hmget", Arity: -3, Flags: rFast, Categories: cats("read hash fast"), Since: "2.0.0",
		Summary: "Get the values of all the given hash fields", Complexity: "O(N) where N is the number of fields being requested.",
		Syntax: "key field [field ...]", run: cmdHMGet})
	h(&Command{Name: "hdel", Arity: -3, Flags: flagWrite | flagFast, Categories: cats("write hash fast"), Since: "2.0.0",
		Summary: "Delete one or more hash fields", Complexity: "O(N) where N is the number of fields to be removed.",
		Syntax: "key field [field ...]", run: cmdHDel})
	h(&Command{Name: "hexists", Arity: 3, Flags: rFast, Categories: cats("read hash fast"), Since: "2.0.0",
		Summary: "Determine if a hash field exists", Complexity: "O(1)", Syntax: "key field", run: cmdHExists})
	h(&Command{Name: "hlen", Arity: 2, Flags: rFast, Categories: cats("read hash fast"), Since: "2.0.0",
		Summary: "Get the number of fields in a hash", Complexity: "O(1)", Syntax: "key",
		run: func(c *Conn, tx *potato.Tx, a [][]byte) error { return c.replyInt(tx.HLen(string(a[1]))) }})
	h(&Command{Name: "hstrlen", Arity: 3, Flags: rFast, Categories: cats("read hash fast"), Since: "3.2.0",
		Summary: "Get the length of the value of a hash field", Complexity: "O(1)", Syntax: "key field",
		run: func(c *Conn, tx *potato.Tx, a [][]byte) error {
			return c.replyInt(tx.HStrLen(string(a[1]), string(a[2])))
		}})
	h(&Command{Name: "hkeys", Arity: 2, Flags: flagReadonly, Categories: cats("read hash slow"), Since: "2.0.0",
		Summary: "Get all the fields in a hash", Complexity: "O(N) where N is the size of the hash.", Syntax: "key", run: cmdHKeys})
	h(&Command{Name: "hvals", Arity: 2, Flags: flagReadonly, Categories: cats("read hash slow"), Since: "2.0.0",
		Summary: "Get all the values in a hash", Complexity: "O(N) where N is the size of the hash.", Syntax: "key", run: cmdHVals})
	h(&Command{Name: "hgetall", Arity: 2, Flags: flagReadonly, Categories: cats("read hash slow"), Since: "2.0.0",
		Summary: "Get all the fields and values in a hash", Complexity: "O(N) where N is the size of the hash.", Syntax: "key",
		run: cmdHGetAll})
	h(&Command{Name: "hincrby", Arity: 4, Flags: wFast, Categories: cats("write hash fast"), Since: "2.0.0",
		Summary: "Increment the integer value of a hash field by the given number", Complexity: "O(1)",
		Syntax: "key field increment", run: cmdHIncrBy})
	h(&Command{Name: "hincrbyfloat", Arity: 4, Flags: wFast, Categories: cats("write hash fast"), Since: "2.6.0",
		Summary: "Increment the float value of a hash field by the given amount", Complexity: "O(1)",
		Syntax: "key field increment", run: cmdHIncrByFloat})
	h(&Command{Name: "hscan", Arity: -3, Flags: flagReadonly, Categories: cats("read hash slow"), Since: "2.8.0",
		Summary:    "Incrementally iterate hash fields and associated values",
		Complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
		Syntax:     "key cursor [MATCH pattern] [COUNT count]", run: cmdHScan})
	h(&Command{Name: "hrandfield", Arity: -2, Flags: flagReadonly, Categories: cats("read hash slow"), Since: "6.2.0",
		Summary: "Get one or multiple random fields from a hash", Complexity: "O(N) where N is the number of fields returned",
		Syntax: "key [count [WITHVALUES]]", run: cmdHRandField})
}

// hashPairs turns field value ... arguments into pairs; an odd count is
// Redis's arity error for cmd.
func hashPairs(cmd string, a [][]byte) ([]potato.FieldValue, error) {
	if len(a)%2 != 0 {
		return nil, replyError("ERR wrong number of arguments for '" + cmd + "' command")
	}
	pairs := make([]potato.FieldValue, 0, len(a)/2)
	for i := 0; i+1 < len(a); i += 2 {
		pairs = append(pairs, potato.FieldValue{Field: string(a[i]), Value: a[i+1]})
	}
	return pairs, nil
}

func cmdHSet(c *Conn, tx *potato.Tx, a [][]byte) error {
	pairs, err := hashPairs("hset", a[2:])
	if err != nil {
		return err
	}
	return c.replyInt(tx.HSet(string(a[1]), pairs...))
}

func cmdHMSet(c *Conn, tx *potato.Tx, a [][]byte) error {
	pairs, err := hashPairs("hmset", a[2:])
	if err != nil {
		return err
	}
	if err := tx.HMSet(string(a[1]), pairs...); err != nil {
		return err
	}
	c.w.AppendOK()
	return nil
}

func cmdHSetNX(c *Conn, tx *potato.Tx, a [][]byte) error {
	ok, err := tx.HSetNX(string(a[1]), string(a[2]), a[3])
	return c.replyInt(b2i(ok), err)
}

func cmdHGet(c *Conn, tx *potato.Tx, a [][]byte) error {
	v, err := tx.HGet(string(a[1]), string(a[2]))
	return c.replyBulkOrNil(v, err)
}

func cmdHMGet(c *Conn, tx *potato.Tx, a [][]byte) error {
	vals, err := tx.HMGet(string(a[1]), strs(a[2:])...)
	if err != nil {
		return err
	}
	c.w.AppendArrayLen(len(vals))
	for _, v := range vals {
		if v == nil {
			c.w.AppendNull()
		} else {
			c.w.AppendBulk(v)
		}
	}
	return nil
}

func cmdHDel(c *Conn, tx *potato.Tx, a [][]byte) error {
	return c.replyInt(tx.HDel(string(a[1]), strs(a[2:])...))
}

func cmdHExists(c *Conn, tx *potato.Tx, a [][]byte) error {
	ok, err := tx.HExists(string(a[1]), string(a[2]))
	return c.replyInt(b2i(ok), err)
}

func cmdHKeys(c *Conn, tx *potato.Tx, a [][]byte) error {
	fields, err := tx.HKeys(string(a[1]))
	if err != nil {
		return err
	}
	c.w.AppendArrayLen(len(fields))
	for _, f := range fields {
		c.w.AppendBulkString(f)
	}
	return nil
}

func cmdHVals(c *Conn, tx *potato.Tx, a [][]byte) error {
	vals, err := tx.HVals(string(a[1]))
	if err != nil {
		return err
	}
	c.w.AppendArrayLen(len(vals))
	for _, v := range vals {
		c.w.AppendBulk(v)
	}
	return nil
}

// cmdHGetAll replies with a map in RESP3 and a flat array in RESP2, as
// Redis does.
func cmdHGetAll(c *Conn, tx *potato.Tx, a [][]byte) error {
	pairs, err := tx.HGetAll(string(a[1]))
	if err != nil {
		return err
	}
	c.w.AppendMapLen(len(pairs))
	for _, p := range pairs {
		c.w.AppendBulkString(p.Field)
		c.w.AppendBulk(p.Value)
	}
	return nil
}

func cmdHIncrBy(c *Conn, tx *potato.Tx, a [][]byte) error {
	n, err := parseInt(a[3])
	if err != nil {
		return err
	}
	return c.replyInt(tx.HIncrBy(string(a[1]), string(a[2]), n))
}

func cmdHIncrByFloat(c *Conn, tx *potato.Tx, a [][]byte) error {
	v, err := tx.HIncrByFloatText(string(a[1]), string(a[2]), string(a[3]))
	if err != nil {
		return err
	}
	c.w.AppendBulkString(v)
	return nil
}

// parseScanOptions parses the [MATCH pattern] [COUNT count] options of
// HSCAN, SSCAN and ZSCAN from a[from:]. emptyMatch reports MATCH "",
// which matches only the empty name (the Tx scans read "" as all).
func parseScanOptions(a [][]byte, from int) (match string, count int64, emptyMatch bool, err error) {
	for j := from; j < len(a); j += 2 {
		if j+1 >= len(a) {
			return "", 0, false, replyError(errSyntax)
		}
		switch {
		case eqFold(a[j], "count"):
			n, err := parseInt(a[j+1])
			if err != nil {
				return "", 0, false, err
			}
			if n < 1 {
				return "", 0, false, replyError(errSyntax)
			}
			count = n
		case eqFold(a[j], "match"):
			match = string(a[j+1])
			emptyMatch = len(a[j+1]) == 0
		default:
			return "", 0, false, replyError(errSyntax)
		}
	}
	return match, count, emptyMatch, nil
}

// parseScanCursor parses a SCAN-family cursor as Redis's
// parseScanCursorOrReply does with strtoul: optional leading '+' or '-'
// (a negative cursor wraps around, as in C), decimal digits, nothing else;
// an empty string is cursor 0; values beyond 2^64-1 are refused.
func parseScanCursor(b []byte) (uint64, error) {
	invalid := replyError("ERR invalid cursor")
	s := b
	neg := false
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
		if len(s) == 0 {
			// strtoul reads no number: eptr stays at the sign.
			return 0, invalid
		}
	}
	var v uint64
	for _, ch := range s {
		if ch < '0' || ch > '9' {
			return 0, invalid
		}
		d := uint64(ch - '0')
		if v > (1<<64-1-d)/10 {
			return 0, invalid
		}
		v = v*10 + d
	}
	if neg {
		v = -v
	}
	return v, nil
}

// cmdHScan follows Redis's hscanCommand and scanGenericCommand: the
// cursor is checked first, then the key (a missing key is an empty scan
// whatever the options), then the options.
func cmdHScan(c *Conn, tx *potato.Tx, a [][]byte) error {
	cursor, err := parseScanCursor(a[2])
	if err != nil {
		return err
	}
	key := string(a[1])
	// Look the key up before the options, like Redis: a missing key
	// replies an empty scan and a wrong type its error, whatever follows.
	if n, err := tx.HLen(key); err != nil {
		return err
	} else if n == 0 {
		c.w.AppendArrayLen(2)
		c.w.AppendBulkString("0")
		c.w.AppendArrayLen(0)
		return nil
	}
	match, count, emptyMatch, err := parseScanOptions(a, 3)
	if err != nil {
		return err
	}
	fields, next, err := tx.HScan(key, cursor, match, count)
	if err != nil {
		return err
	}
	if emptyMatch {
		n := 0
		for _, f := range fields {
			if f.Field == "" {
				fields[n] = f
				n++
			}
		}
		fields = fields[:n]
	}
	c.w.AppendArrayLen(2)
	c.w.AppendBulkString(strconv.FormatUint(next, 10))
	c.w.AppendArrayLen(2 * len(fields))
	for _, f := range fields {
		c.w.AppendBulkString(f.Field)
		c.w.AppendBulk(f.Value)
	}
	return nil
}

// cmdHRandField replies like Redis 7.0: without a count, one bulk field
// (null for a missing key); with a count, an array of fields; with
// WITHVALUES, a flat field, value array in RESP2 and an array of
// [field, value] pairs in RESP3.
func cmdHRandField(c *Conn, tx *potato.Tx, a [][]byte) error {
	key := string(a[1])
	if len(a) == 2 {
		f, err := tx.HRandFieldOne(key)
		if errors.Is(err, potato.ErrNotFound) {
			c.w.AppendNull()
			return nil
		}
		if err != nil {
			return err
		}
		c.w.AppendBulkString(f)
		return nil
	}
	count, err := parseInt(a[2])
	if err != nil {
		return err
	}
	if count == math.MinInt64 {
		// Redis checks the count's range (-LONG_MAX..LONG_MAX) before the
		// syntax; the library has the text, and checks it before the key.
		_, err := tx.HRandField(key, count, false)
		return err
	}
	if len(a) > 4 || (len(a) == 4 && !eqFold(a[3], "withvalues")) {
		return replyError(errSyntax)
	}
	withValues := len(a) == 4
	fields, err := tx.HRandField(key, count, withValues)
	if err != nil {
		return err
	}
	if !withValues {
		c.w.AppendArrayLen(len(fields))
		for _, f := range fields {
			c.w.AppendBulkString(f.Field)
		}
		return nil
	}
	resp3 := c.w.Proto() >= 3
	if resp3 {
		c.w.AppendArrayLen(len(fields))
	} else {
		c.w.AppendArrayLen(2 * len(fields))
	}
	for _, f := range fields {
		if resp3 {
			c.w.AppendArrayLen(2)
		}
		c.w.AppendBulkString(f.Field)
		c.w.AppendBulk(f.Value)
	}
	return nil
}
