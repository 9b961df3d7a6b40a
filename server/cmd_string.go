package server

import (
	"errors"
	"time"

	"rustypotato"
)

func registerStrings(t *table) {
	str := func(c *Command) {
		c.Group = "string"
		t.add(c)
	}
	str(&Command{Name: "get", Arity: 2, Flags: flagReadonly | flagFast, FirstKey: 1, LastKey: 1,
		Categories: cats("read string fast"), Since: "1.0.0", Summary: "Returns the string value of a key.",
		Complexity: "O(1)", Syntax: "key", run: cmdGet})
	str(&Command{Name: "set", Arity: -3, Flags: flagWrite | flagDenyOOM, FirstKey: 1, LastKey: 1,
		Categories: cats("write string slow"), Since: "1.0.0",
		Summary:    "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.",
		Complexity: "O(1)", Syntax: "key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]",
		run: cmdSet})
	str(&Command{Name: "setnx", Arity: 3, Flags: flagWrite | flagDenyOOM | flagFast, FirstKey: 1, LastKey: 1,
		Categories: cats("write string fast"), Since: "1.0.0", Summary: "Set the string value of a key only when the key doesn't exist.",
		Complexity: "O(1)", Syntax: "key value", run: cmdSetNX})
	str(&Command{Name: "setex", Arity: 4, Flags: flagWrite | flagDenyOOM, FirstKey: 1, LastKey: 1,
		Categories: cats("write string slow"), Since: "2.0.0", Summary: "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.",
		Complexity: "O(1)", Syntax: "key seconds value", run: cmdSetEx(true)})
	str(&Command{Name: "psetex", Arity: 4, Flags: flagWrite | flagDenyOOM, FirstKey: 1, LastKey: 1,
		Categories: cats("write string slow"), Since: "2.6.0", Summary: "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.",
		Complexity: "O(1)", Syntax: "key milliseconds value", run: cmdSetEx(false)})
	str(&Command{Name: "mget", Arity: -2, Flags: flagReadonly | flagFast, FirstKey: 1, LastKey: -1,
		Categories: cats("read string fast"), Since: "1.0.0", Summary: "Atomically returns the string values of one or more keys.",
		Complexity: "O(N) where N is the number of keys to retrieve.", Syntax: "key [key ...]", run: cmdMGet})
	str(&Command{Name: "mset", Arity: -3, Flags: flagWrite | flagDenyOOM, FirstKey: 1, LastKey: -1, Step: 2,
		Categories: cats("write string slow"), Since: "1.0.1", Summary: "Atomically creates or modifies the string values of one or more keys.",
		Complexity: "O(N) where N is the number of keys to set.", Syntax: "key value [key value ...]", run: cmdMSet(false)})
	str(&Command{Name: "msetnx", Arity: -3, Flags: flagWrite | flagDenyOOM, FirstKey: 1, LastKey: -1, Step: 2,
		Categories: cats("write string slow"), Since: "1.0.1", Summary: "Atomically modifies the string values of one or more keys only when all keys don't exist.",
		Complexity: "O(N) where N is the number of keys to set.", Syntax: "key value [key value ...]", run: cmdMSet(true)})
	str(&Command{Name: "getset", Arity: 3, Flags: flagWrite | flagDenyOOM | flagFast, FirstKey: 1, LastKey: 1,
		Categories: cats("write string fast"), Since: "1.0.0", Summary: "Returns the previous string value of a key after setting it to a new value.",
		Complexity: "O(1)", Syntax: "key value", run: cmdGetSet})
	str(&Command{Name: "getdel", Arity: 2, Flags: flagWrite | flagFast, FirstKey: 1, LastKey: 1,
		Categories: cats("write string fast"), Since: "6.2.0", Summary: "Returns the string value of a key after deleting the key.",
		Complexity: "O(1)", Syntax: "key", run: cmdGetDel})
	str(&Command{Name: "getex", Arity: -2, Flags: flagWrite | flagFast, FirstKey: 1, LastKey: 1,
		Categories: cats("write string fast"), Since: "6.2.0", Summary: "Returns the string value of a key after setting its expiration time.",
		Complexity: "O(1)", Syntax: "key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]", run: cmdGetEx})
	str(&Command{Name: "append", Arity: 3, Flags: flagWrite | flagDenyOOM | flagFast, FirstKey: 1, LastKey: 1,
		Categories: cats("write string fast"), Since: "2.0.0", Summary: "Appends a string to the value of a key. Creates the key if it doesn't exist.",
		Complexity: "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.",
		Syntax:     "key value", run: cmdAppend})
	str(&Command{Name: "strlen", Arity: 2, Flags: flagReadonly | flagFast, FirstKey: 1, LastKey: 1,
		Categories: cats("read string fast"), Since: "2.2.0", Summary: "Returns the length of a string value.",
		Complexity: "O(1)", Syntax: "key", run: cmdStrLen})
	str(&Command{Name: "getrange", Arity: 4, Flags: flagReadonly, FirstKey: 1, LastKey: 1,
		Categories: cats("read string slow"), Since: "2.4.0", Summary: "Returns a substring of the string stored at a key.",
		Complexity: "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.",
		Syntax:     "key start end", run: cmdGetRange})
	str(&Command{Name: "substr", Arity: 4, Flags: flagReadonly, FirstKey: 1, LastKey: 1,
		Categories: cats("read string slow"), Since: "1.0.0", Summary: "Returns a substring from a string value.",
		Complexity: "O(N) where N is the length of the returned string.", Syntax: "key start end", run: cmdGetRange})
	str(&Command{Name: "setrange", Arity: 4, Flags: flagWrite | flagDenyOOM, FirstKey: 1, LastKey: 1,
		Categories: cats("write string slow"), Since: "2.2.0", Summary: "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.",
		Complexity: "O(1), not counting the time taken to copy the new string in place.", Syntax: "key offset value", run: cmdSetRange})
	incr := func(name, summary, syntax string, run runFunc) {
		str(&Command{Name: name, Arity: len(splitSyntax(syntax)) + 1, Flags: flagWrite | flagDenyOOM | flagFast, FirstKey: 1, LastKey: 1,
			Categories: cats("write string fast"), Since: "1.0.0", Summary: summary, Complexity: "O(1)", Syntax: syntax, run: run})
	}
	incr("incr", "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", "key",
		func(c *Conn, tx *potato.Tx, a [][]byte) error { return c.replyInt(tx.IncrBy(string(a[1]), 1)) })
	incr("decr", "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", "key",
		func(c *Conn, tx *potato.Tx, a [][]byte) error { return c.replyInt(tx.IncrBy(string(a[1]), -1)) })
	incr("incrby", "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.", "key increment",
		func(c *Conn, tx *potato.Tx, a [][]byte) error {
			n, err := parseInt(a[2])
			if err != nil {
				return err
			}
			return c.replyInt(tx.IncrBy(string(a[1]), n))
		})
	incr("decrby", "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.", "key decrement",
		func(c *Conn, tx *potato.Tx, a [][]byte) error {
			n, err := parseInt(a[2])
			if err != nil {
				return err
			}
			return c.replyInt(tx.DecrBy(string(a[1]), n))
		})
	incr("incrbyfloat", "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.", "key increment",
		func(c *Conn, tx *potato.Tx, a [][]byte) error {
			v, err := tx.IncrByFloatText(string(a[1]), string(a[2]))
			if err != nil {
				return err
			}
			c.w.AppendBulkString(v)
			return nil
		})
	t.cmds["incrbyfloat"].Since = "2.6.0"
	t.cmds["incrby"].Since = "1.0.0"
}

// splitSyntax splits a syntax string into its top-level argument tokens.
func splitSyntax(s string) []string {
	var out []string
	depth := 0
	start := -1
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == '[':
			if depth == 0 && start < 0 {
				start = i
			}
			depth++
		case ch == ']':
			depth--
		case ch == ' ' && depth == 0:
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
		default:
			if start < 0 {
				start = i
			}
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

func (c *Conn) replyInt(n int64, err error) error {
	if err != nil {
		return err
	}
	c.w.AppendInt(n)
	return nil
}

func (c *Conn) replyBulkOrNil(v []byte, err error) error {
	if errors.Is(err, potato.ErrNotFound) {
		c.w.AppendNull()
		return nil
	}
	if err != nil {
		return err
	}
	c.w.AppendBulk(v)
	return nil
}

func cmdGet(c *Conn, tx *potato.Tx, a [][]byte) error {
	if v, ok, err := c.getDotted(tx, a[1]); ok { // cmd_json.go
		return c.replyBulkOrNil(v, err)
	}
	v, err := tx.Get(string(a[1]))
	return c.replyBulkOrNil(v, err)
}

// setOpts parses SET's and GETEX's options like Redis's
// parseExtendedStringArgumentsOrReply.
type setOpts struct {
	nx, xx, get, keepttl, persist bool
	unit                          string // "ex", "px", "exat", "pxat" or ""
	expire                        []byte
}

func parseSetOpts(args [][]byte, isSet bool) (setOpts, error) {
	var o setOpts
	for j := 0; j < len(args); j++ {
		a := args[j]
		hasNext := j+1 < len(args)
		switch {
		case isSet && eqFold(a, "nx") && !o.xx:
			o.nx = true
		case isSet && eqFold(a, "xx") && !o.nx:
			o.xx = true
		case isSet && eqFold(a, "get"):
			o.get = true
		case isSet && eqFold(a, "keepttl") && !o.persist && o.unit == "":
			o.keepttl = true
		case !isSet && eqFold(a, "persist") && o.unit == "" && !o.keepttl:
			o.persist = true
		case (eqFold(a, "ex") || eqFold(a, "px") || eqFold(a, "exat") || eqFold(a, "pxat")) &&
			!o.keepttl && !o.persist && (o.unit == "" || eqFold(a, o.unit)) && hasNext:
			o.unit = string(toLower([]byte(cText(a, 0))))
			o.expire = args[j+1]
			j++
		default:
			return o, replyError(errSyntax)
		}
	}
	return o, nil
}

func toLower(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

// deadline converts parsed options to an absolute time (zero: none).
func (o setOpts) deadline(cmd string, now int64) (time.Time, error) {
	if o.unit == "" {
		return time.Time{}, nil
	}
	ms, err := expireMillis(o.expire, o.unit == "ex" || o.unit == "exat", o.unit == "ex" || o.unit == "px", cmd, now)
	if err != nil {
		return time.Time{}, err
	}
	return unixMilli(ms), nil
}

func cmdSet(c *Conn, tx *potato.Tx, a [][]byte) error {
	o, err := parseSetOpts(a[3:], true)
	if err != nil {
		return err
	}
	at, err := o.deadline("set", tx.Now().UnixMilli())
	if err != nil {
		return err
	}
	old, ok, err := tx.SetArgs(string(a[1]), a[2], potato.SetArgs{NX: o.nx, XX: o.xx, At: at, KeepTTL: o.keepttl, Get: o.get})
	if err != nil {
		return err
	}
	switch {
	case o.get && old == nil:
		c.w.AppendNull()
	case o.get:
		c.w.AppendBulk(old)
	case ok:
		c.w.AppendOK()
	default:
		c.w.AppendNull()
	}
	return nil
}

func cmdSetNX(c *Conn, tx *potato.Tx, a [][]byte) error {
	ok, err := tx.SetNX(string(a[1]), a[2])
	return c.replyInt(b2i(ok), err)
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func cmdSetEx(seconds bool) runFunc {
	name := "psetex"
	if seconds {
		name = "setex"
	}
	return func(c *Conn, tx *potato.Tx, a [][]byte) error {
		ms, err := expireMillis(a[2], seconds, true, name, tx.Now().UnixMilli())
		if err != nil {
			return err
		}
		_, _, err = tx.SetArgs(string(a[1]), a[3], potato.SetArgs{At: unixMilli(ms)})
		if err != nil {
			return err
		}
		c.w.AppendOK()
		return nil
	}
}

func cmdMGet(c *Conn, tx *potato.Tx, a [][]byte) error {
	keys := make([]string, len(a)-1)
	for i := range keys {
		keys[i] = string(a[i+1])
	}
	vals, err := tx.MGet(keys...)
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

func cmdMSet(nx bool) runFunc {
	return func(c *Conn, tx *potato.Tx, a [][]byte) error {
		if len(a)%2 == 0 {
			name := "mset"
			if nx {
				name = "msetnx"
			}
			return replyError("ERR wrong number of arguments for '" + name + "' command")
		}
		pairs := make([]potato.KeyValue, 0, len(a)/2)
		for i := 1; i+1 < len(a); i += 2 {
			pairs = append(pairs, potato.KeyValue{Key: string(a[i]), Value: a[i+1]})
		}
		if nx {
			ok, err := tx.MSetNX(pairs...)
			return c.replyInt(b2i(ok), err)
		}
		if err := tx.MSet(pairs...); err != nil {
			return err
		}
		c.w.AppendOK()
		return nil
	}
}

func cmdGetSet(c *Conn, tx *potato.Tx, a [][]byte) error {
	old, err := tx.GetSet(string(a[1]), a[2])
	if err != nil {
		return err
	}
	if old == nil {
		c.w.AppendNull()
	} else {
		c.w.AppendBulk(old)
	}
	return nil
}

func cmdGetDel(c *Conn, tx *potato.Tx, a [][]byte) error {
	v, err := tx.GetDel(string(a[1]))
	return c.replyBulkOrNil(v, err)
}

func cmdGetEx(c *Conn, tx *potato.Tx, a [][]byte) error {
	o, err := parseSetOpts(a[2:], false)
	if err != nil {
		return err
	}
	// Redis replies nil for a missing key and WRONGTYPE before it
	// validates the expire time.
	if _, err := tx.Get(string(a[1])); err != nil {
		return c.replyBulkOrNil(nil, err)
	}
	at, err := o.deadline("getex", tx.Now().UnixMilli())
	if err != nil {
		return err
	}
	v, err := tx.GetEx(string(a[1]), potato.GetExArgs{At: at, Persist: o.persist})
	return c.replyBulkOrNil(v, err)
}

func cmdAppend(c *Conn, tx *potato.Tx, a [][]byte) error {
	return c.replyInt(tx.Append(string(a[1]), a[2]))
}

func cmdStrLen(c *Conn, tx *potato.Tx, a [][]byte) error {
	return c.replyInt(tx.StrLen(string(a[1])))
}

func cmdGetRange(c *Conn, tx *potato.Tx, a [][]byte) error {
	start, err := parseInt(a[2])
	if err != nil {
		return err
	}
	end, err := parseInt(a[3])
	if err != nil {
		return err
	}
	v, err := tx.GetRange(string(a[1]), start, end)
	if err != nil {
		return err
	}
	c.w.AppendBulk(v)
	return nil
}

func cmdSetRange(c *Conn, tx *potato.Tx, a [][]byte) error {
	off, err := parseInt(a[2])
	if err != nil {
		return err
	}
	return c.replyInt(tx.SetRange(string(a[1]), off, a[3]))
}
