package server

import (
	"errors"
	"strconv"

	"rustypotato"
	"rustypotato/internal/num"
)

// registerSets registers the set family. Arity, flags, key positions and
// ACL categories are those of Redis 7.0's COMMAND INFO; summaries and
// complexities those of its COMMAND DOCS.
func registerSets(t *table) {
	s := func(c *Command) {
		c.Group = "set"
		if c.FirstKey == 0 && c.keys == nil {
			c.FirstKey, c.LastKey = 1, 1
		}
		t.add(c)
	}
	const (
		wFast = flagWrite | flagDenyOOM | flagFast
		rFast = flagReadonly | flagFast
	)
	s(&Command{Name: "sadd", Arity: -3, Flags: wFast, Categories: cats("write set fast"), Since: "1.0.0",
		Summary:    "Add one or more members to a set",
		Complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
		Syntax:     "key member [member ...]",
		run: func(c *Conn, tx *potato.Tx, a [][]byte) error {
			return c.replyInt(tx.SAdd(string(a[1]), strs(a[2:])...))
		}})
	s(&Command{Name: "srem", Arity: -3, Flags: flagWrite | flagFast, Categories: cats("write set fast"), Since: "1.0.0",
		Summary: "Remove one or more members from a set", Complexity: "O(N) where N is the number of members to be removed.",
		Syntax: "key member [member ...]",
		run: func(c *Conn, tx *potato.Tx, a [][]byte) error {
			return c.replyInt(tx.SRem(string(a[1]), strs(a[2:])...))
		}})
	s(&Command{Name: "smembers", Arity: 2, Flags: flagReadonly, Categories: cats("read set slow"), Since: "1.0.0",
		Summary: "Get all the members in a set", Complexity: "O(N) where N is the set cardinality.", Syntax: "key",
		run: func(c *Conn, tx *potato.Tx, a [][]byte) error {
			return c.replyMembers(tx.SMembers(string(a[1])))
		}})
	s(&Command{Name: "sismember", Arity: 3, Flags: rFast, Categories: cats("read set fast"), Since: "1.0.0",
		Summary: "Determine if a given value is a member of a set", Complexity: "O(1)", Syntax: "key member",
		run: func(c *Conn, tx *potato.Tx, a [][]byte) error {
			is, err := tx.SIsMember(string(a[1]), string(a[2]))
			return c.replyInt(b2i(is), err)
		}})
	s(&Command{Name: "smismember", Arity: -3, Flags: rFast, Categories: cats("read set fast"), Since: "6.2.0",
		Summary:    "Returns the membership associated with the given elements for a set",
		Complexity: "O(N) where N is the number of elements being checked for membership",
		Syntax:     "key member [member ...]",
		run: func(c *Conn, tx *potato.Tx, a [][]byte) error {
			is, err := tx.SMIsMember(string(a[1]), strs(a[2:])...)
			if err != nil {
				return err
			}
			c.w.AppendArrayLen(len(is))
			for _, b := range is {
				c.w.AppendInt(b2i(b))
			}
			return nil
		}})
	s(&Command{Name: "scard", Arity: 2, Flags: rFast, Categories: cats("read set fast"), Since: "1.0.0",
		Summary: "Get the number of members in a set", Complexity: "O(1)", Syntax: "key",
		run: func(c *Conn, tx *potato.Tx, a [][]byte) error { return c.replyInt(tx.SCard(string(a[1]))) }})
	s(&Command{Name: "spop", Arity: -2, Flags: flagWrite | flagFast, Categories: cats("write set fast"), Since: "1.0.0",
		Summary:    "Remove and return one or multiple random members from a set",
		Complexity: "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.",
		Syntax:     "key [count]", run: cmdSPop})
	s(&Command{Name: "srandmember", Arity: -2, Flags: flagReadonly, Categories: cats("read set slow"), Since: "1.0.0",
		Summary:    "Get one or multiple random members from a set",
		Complexity: "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.",
		Syntax:     "key [count]", run: cmdSRandMember})
	s(&Command{Name: "smove", Arity: 4, Flags: flagWrite | flagFast, FirstKey: 1, LastKey: 2, Categories: cats("write set fast"),
		Since: "1.0.0", Summary: "Move a member from one set to another", Complexity: "O(1)",
		Syntax: "source destination member",
		run: func(c *Conn, tx *potato.Tx, a [][]byte) error {
			moved, err := tx.SMove(string(a[1]), string(a[2]), string(a[3]))
			return c.replyInt(b2i(moved), err)
		}})
	const (
		interCx = "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets."
		unionCx = "O(N) where N is the total number of elements in all given sets."
	)
	s(&Command{Name: "sinter", Arity: -2, Flags: flagReadonly, FirstKey: 1, LastKey: -1, Categories: cats("read set slow"),
		Since: "1.0.0", Summary: "Intersect multiple sets", Complexity: interCx, Syntax: "key [key ...]",
		run: func(c *Conn, tx *potato.Tx, a [][]byte) error { return c.replyMembers(tx.SInter(strs(a[1:])...)) }})
	s(&Command{Name: "sinterstore", Arity: -3, Flags: flagWrite | flagDenyOOM, FirstKey: 1, LastKey: -1,
		Categories: cats("write set slow"), Since: "1.0.0",
		Summary: "Intersect multiple sets and store the resulting set in a key", Complexity: interCx,
		Syntax: "destination key [key ...]",
		run: func(c *Conn, tx *potato.Tx, a [][]byte) error {
			return c.replyInt(tx.SInterStore(string(a[1]), strs(a[2:])...))
		}})
	s(&Command{Name: "sintercard", Arity: -3, Flags: flagReadonly | flagMovableKeys, Categories: cats("read set slow"),
		Since: "7.0.0", Summary: "Intersect multiple sets and return the cardinality of the result", Complexity: interCx,
		Syntax: "numkeys key [key ...] [LIMIT limit]", run: cmdSInterCard, keys: numKeys(1)})
	s(&Command{Name: "sunion", Arity: -2, Flags: flagReadonly, FirstKey: 1, LastKey: -1, Categories: cats("read set slow"),
		Since: "1.0.0", Summary: "Add multiple sets", Complexity: unionCx, Syntax: "key [key ...]",
		run: func(c *Conn, tx *potato.Tx, a [][]byte) error { return c.replyMembers(tx.SUnion(strs(a[1:])...)) }})
	s(&Command{Name: "sunionstore", Arity: -3, Flags: flagWrite | flagDenyOOM, FirstKey: 1, LastKey: -1,
		Categories: cats("write set slow"), Since: "1.0.0",
		Summary: "Add multiple sets and store the resulting set in a key", Complexity: unionCx,
		Syntax: "destination key [key ...]",
		run: func(c *Conn, tx *potato.Tx, a [][]byte) error {
			return c.replyInt(tx.SUnionStore(string(a[1]), strs(a[2:])...))
		}})
	s(&Command{Name: "sdiff", Arity: -2, Flags: flagReadonly, FirstKey: 1, LastKey: -1, Categories: cats("read set slow"),
		Since: "1.0.0", Summary: "Subtract multiple sets", Complexity: unionCx, Syntax: "key [key ...]",
		run: func(c *Conn, tx *potato.Tx, a [][]byte) error { return c.replyMembers(tx.SDiff(strs(a[1:])...)) }})
	s(&Command{Name: "sdiffstore", Arity: -3, Flags: flagWrite | flagDenyOOM, FirstKey: 1, LastKey: -1,
		Categories: cats("write set slow"), Since: "1.0.0",
		Summary: "Subtract multiple sets and store the resulting set in a key", Complexity: unionCx,
		Syntax: "destination key [key ...]",
		run: func(c *Conn, tx *potato.Tx, a [][]byte) error {
			return c.replyInt(tx.SDiffStore(string(a[1]), strs(a[2:])...))
		}})
	s(&Command{Name: "sscan", Arity: -3, Flags: flagReadonly, Categories: cats("read set slow"), Since: "2.8.0",
		Summary:    "Incrementally iterate Set elements",
		Complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
		Syntax:     "key cursor [MATCH pattern] [COUNT count]", run: cmdSScan})
}

// replyMembers replies a list of members as a set (RESP3 "~").
func (c *Conn) replyMembers(ms []string, err error) error {
	if err != nil {
		return err
	}
	c.w.AppendSetLen(len(ms))
	for _, m := range ms {
		c.w.AppendBulkString(m)
	}
	return nil
}

// cmdSPop follows Redis 7.0's spopCommand: a third argument is the
// count, checked before the key ("must be positive" for any bad count);
// more arguments are a syntax error.
func cmdSPop(c *Conn, tx *potato.Tx, a [][]byte) error {
	key := string(a[1])
	switch len(a) {
	case 2:
		m, err := tx.SPop(key)
		if errors.Is(err, potato.ErrNotFound) {
			c.w.AppendNull()
			return nil
		}
		if err != nil {
			return err
		}
		c.w.AppendBulkString(m)
		return nil
	case 3:
		n, ok := num.ParseInt(a[2])
		if !ok {
			n = -1 // Redis's getPositiveLongFromObjectOrReply: one text for both
		}
		return c.replyMembers(tx.SPopN(key, n))
	}
	return replyError(errSyntax)
}

// cmdSRandMember follows Redis 7.0's srandmemberCommand: with a count it
// replies an array (members may repeat), never a set.
func cmdSRandMember(c *Conn, tx *potato.Tx, a [][]byte) error {
	key := string(a[1])
	switch len(a) {
	case 2:
		m, err := tx.SRandMember(key)
		if errors.Is(err, potato.ErrNotFound) {
			c.w.AppendNull()
			return nil
		}
		if err != nil {
			return err
		}
		c.w.AppendBulkString(m)
		return nil
	case 3:
		n, err := parseInt(a[2])
		if err != nil {
			return err
		}
		ms, err := tx.SRandMemberN(key, n)
		if err != nil {
			return err
		}
		c.w.AppendArrayLen(len(ms))
		for _, m := range ms {
			c.w.AppendBulkString(m)
		}
		return nil
	}
	return replyError(errSyntax)
}

// cmdSInterCard follows Redis 7.0's sinterCardCommand: numkeys, then the
// options (the last LIMIT wins), then the keys.
func cmdSInterCard(c *Conn, tx *potato.Tx, a [][]byte) error {
	n, ok := num.ParseInt(a[1])
	if !ok || n < 1 {
		return replyError("ERR numkeys should be greater than 0")
	}
	if n > int64(len(a)-2) {
		return replyError("ERR Number of keys can't be greater than number of args")
	}
	keys := a[2 : 2+n]
	var limit int64
	for j := 2 + int(n); j < len(a); j++ {
		if !eqFold(a[j], "limit") || j+1 >= len(a) {
			return replyError(errSyntax)
		}
		l, ok := num.ParseInt(a[j+1])
		if !ok || l < 0 {
			return replyError("ERR LIMIT can't be negative")
		}
		limit = l
		j++
	}
	return c.replyInt(tx.SInterCard(limit, strs(keys)...))
}

// cmdSScan follows Redis's sscanCommand like cmdHScan: the cursor, then
// the key (a missing key is an empty scan whatever the options), then
// the options.
func cmdSScan(c *Conn, tx *potato.Tx, a [][]byte) error {
	cursor, err := parseScanCursor(a[2])
	if err != nil {
		return err
	}
	key := string(a[1])
	if n, err := tx.SCard(key); err != nil {
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
	ms, next, err := tx.SScan(key, cursor, match, count)
	if err != nil {
		return err
	}
	if emptyMatch {
		n := 0
		for _, m := range ms {
			if m == "" {
				ms[n] = m
				n++
			}
		}
		ms = ms[:n]
	}
	c.w.AppendArrayLen(2)
	c.w.AppendBulkString(strconv.FormatUint(next, 10))
	c.w.AppendArrayLen(len(ms))
	for _, m := range ms {
		c.w.AppendBulkString(m)
	}
	return nil
}

// addSetConfig registers set-max-intset-entries, live: it applies to
// sets as they are next written, as in Redis.
func addSetConfig(cfg *config) {
	cfg.add(&param{name: "set-max-intset-entries", typ: "integer", def: "512",
		doc: "Most members a set of integers keeps in the intset encoding (OBJECT ENCODING); larger sets become hashtables.",
		get: func(s *Server) string { return strconv.FormatInt(s.DB.SetMaxIntsetEntries(), 10) },
		set: func(s *Server, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return errors.New("argument couldn't be parsed into an integer")
			}
			if n < 0 {
				return errors.New("argument must be between 0 and 9223372036854775807 inclusive")
			}
			s.DB.SetSetMaxIntsetEntries(n)
			return nil
		}})
}
