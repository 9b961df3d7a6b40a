package server

import (
	"context"
	"errors"
	"math"
	"strconv"

	"rustypotato"
	"rustypotato/internal/num"
)

// registerZSets registers the sorted-set family. Arity, flags, key
// positions and ACL categories are those of Redis 7.0's COMMAND INFO;
// summaries and complexities those of its COMMAND DOCS.
func registerZSets(t *table) {
	z := func(c *Command) {
		c.Group = "sorted-set"
		if c.FirstKey == 0 && c.keys == nil {
			c.FirstKey, c.LastKey, c.Step = 1, 1, 1
		}
		t.add(c)
	}
	const (
		wFast = flagWrite | flagDenyOOM | flagFast
		rFast = flagReadonly | flagFast
	)
	wf := cats("write sortedset fast")
	ws := cats("write sortedset slow")
	rf := cats("read sortedset fast")
	rs := cats("read sortedset slow")
	z(&Command{Name: "zadd", Arity: -4, Flags: wFast, Categories: wf, Since: "1.2.0",
		Summary:    "Add one or more members to a sorted set, or update its score if it already exists",
		Complexity: "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
		Syntax:     "key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]", run: cmdZAdd})
	z(&Command{Name: "zincrby", Arity: 4, Flags: wFast, Categories: wf, Since: "1.2.0",
		Summary: "Increment the score of a member in a sorted set", Complexity: "O(log(N)) where N is the number of elements in the sorted set.",
		Syntax: "key increment member", run: cmdZIncrBy})
	z(&Command{Name: "zrem", Arity: -3, Flags: flagWrite | flagFast, Categories: wf, Since: "1.2.0",
		Summary:    "Remove one or more members from a sorted set",
		Complexity: "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.",
		Syntax:     "key member [member ...]", run: cmdZRem})
	z(&Command{Name: "zremrangebyscore", Arity: 4, Flags: flagWrite, Categories: ws, Since: "1.2.0",
		Summary:    "Remove all members in a sorted set within the given scores",
		Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
		Syntax:     "key min max", run: func(c *Conn, tx *potato.Tx, a [][]byte) error {
			return c.replyInt(tx.ZRemRangeByScore(string(a[1]), string(a[2]), string(a[3])))
		}})
	z(&Command{Name: "zremrangebyrank", Arity: 4, Flags: flagWrite, Categories: ws, Since: "2.0.0",
		Summary:    "Remove all members in a sorted set within the given indexes",
		Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
		Syntax:     "key start stop", run: cmdZRemRangeByRank})
	z(&Command{Name: "zremrangebylex", Arity: 4, Flags: flagWrite, Categories: ws, Since: "2.8.9",
		Summary:    "Remove all members in a sorted set between the given lexicographical range",
		Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
		Syntax:     "key min max", run: func(c *Conn, tx *potato.Tx, a [][]byte) error {
			return c.replyInt(tx.ZRemRangeByLex(string(a[1]), string(a[2]), string(a[3])))
		}})
	storeKeys := numKeysWithDst(2)
	z(&Command{Name: "zunionstore", Arity: -4, Flags: flagWrite | flagDenyOOM | flagMovableKeys, Categories: ws, Since: "2.0.0",
		FirstKey: 1, LastKey: 1, Step: 1, keys: storeKeys,
		Summary:    "Add multiple sorted sets and store the resulting sorted set in a new key",
		Complexity: "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
		Syntax:     "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]", run: cmdZCombine("zunionstore", 0, true)})
	z(&Command{Name: "zinterstore", Arity: -4, Flags: flagWrite | flagDenyOOM | flagMovableKeys, Categories: ws, Since: "2.0.0",
		FirstKey: 1, LastKey: 1, Step: 1, keys: storeKeys,
		Summary:    "Intersect multiple sorted sets and store the resulting sorted set in a new key",
		Complexity: "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
		Syntax:     "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]", run: cmdZCombine("zinterstore", 1, true)})
	z(&Command{Name: "zdiffstore", Arity: -4, Flags: flagWrite | flagDenyOOM | flagMovableKeys, Categories: ws, Since: "6.2.0",
		FirstKey: 1, LastKey: 1, Step: 1, keys: storeKeys,
		Summary:    "Subtract multiple sorted sets and store the resulting sorted set in a new key",
		Complexity: "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
		Syntax:     "destination numkeys key [key ...]", run: cmdZCombine("zdiffstore", 2, true)})
	z(&Command{Name: "zunion", Arity: -3, Flags: flagReadonly | flagMovableKeys, Categories: rs, Since: "6.2.0", keys: numKeys(1),
		Summary:    "Add multiple sorted sets",
		Complexity: "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
		Syntax:     "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]", run: cmdZCombine("zunion", 0, false)})
	z(&Command{Name: "zinter", Arity: -3, Flags: flagReadonly | flagMovableKeys, Categories: rs, Since: "6.2.0", keys: numKeys(1),
		Summary:    "Intersect multiple sorted sets",
		Complexity: "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
		Syntax:     "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]", run: cmdZCombine("zinter", 1, false)})
	z(&Command{Name: "zintercard", Arity: -3, Flags: flagReadonly | flagMovableKeys, Categories: rs, Since: "7.0.0", keys: numKeys(1),
		Summary:    "Intersect multiple sorted sets and return the cardinality of the result",
		Complexity: "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.",
		Syntax:     "numkeys key [key ...] [LIMIT limit]", run: cmdZCombine("zintercard", 3, false)})
	z(&Command{Name: "zdiff", Arity: -3, Flags: flagReadonly | flagMovableKeys, Categories: rs, Since: "6.2.0", keys: numKeys(1),
		Summary:    "Subtract multiple sorted sets",
		Complexity: "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
		Syntax:     "numkeys key [key ...] [WITHSCORES]", run: cmdZCombine("zdiff", 2, false)})
	z(&Command{Name: "zrange", Arity: -4, Flags: flagReadonly, Categories: rs, Since: "1.2.0",
		Summary: "Return a range of members in a sorted set", Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
		Syntax: "key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]", run: cmdZRange(zrRank, false, true)})
	z(&Command{Name: "zrangestore", Arity: -5, Flags: flagWrite | flagDenyOOM, Categories: ws, Since: "6.2.0", FirstKey: 1, LastKey: 2, Step: 1,
		Summary:    "Store a range of members from sorted set into another key",
		Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.",
		Syntax:     "dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]", run: cmdZRangeStore})
	z(&Command{Name: "zrangebyscore", Arity: -4, Flags: flagReadonly, Categories: rs, Since: "1.0.5",
		Summary: "Return a range of members in a sorted set, by score", Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
		Syntax: "key min max [WITHSCORES] [LIMIT offset count]", run: cmdZRange(zrScore, false, false)})
	z(&Command{Name: "zrevrangebyscore", Arity: -4, Flags: flagReadonly, Categories: rs, Since: "2.2.0",
		Summary: "Return a range of members in a sorted set, by score, with scores ordered from high to low", Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
		Syntax: "key max min [WITHSCORES] [LIMIT offset count]", run: cmdZRange(zrScore, true, false)})
	z(&Command{Name: "zrangebylex", Arity: -4, Flags: flagReadonly, Categories: rs, Since: "2.8.9",
		Summary: "Return a range of members in a sorted set, by lexicographical range", Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
		Syntax: "key min max [LIMIT offset count]", run: cmdZRange(zrLex, false, false)})
	z(&Command{Name: "zrevrangebylex", Arity: -4, Flags: flagReadonly, Categories: rs, Since: "2.8.9",
		Summary: "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.", Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
		Syntax: "key max min [LIMIT offset count]", run: cmdZRange(zrLex, true, false)})
	z(&Command{Name: "zrevrange", Arity: -4, Flags: flagReadonly, Categories: rs, Since: "1.2.0",
		Summary: "Return a range of members in a sorted set, by index, with scores ordered from high to low", Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
		Syntax: "key start stop [WITHSCORES]", run: cmdZRange(zrRank, true, false)})
	z(&Command{Name: "zcount", Arity: 4, Flags: rFast, Categories: rf, Since: "2.0.0",
		Summary: "Count the members in a sorted set with scores within the given values", Complexity: "O(log(N)) with N being the number of elements in the sorted set.",
		Syntax: "key min max", run: func(c *Conn, tx *potato.Tx, a [][]byte) error {
			return c.replyInt(tx.ZCount(string(a[1]), string(a[2]), string(a[3])))
		}})
	z(&Command{Name: "zlexcount", Arity: 4, Flags: rFast, Categories: rf, Since: "2.8.9",
		Summary: "Count the number of members in a sorted set between a given lexicographical range", Complexity: "O(log(N)) with N being the number of elements in the sorted set.",
		Syntax: "key min max", run: func(c *Conn, tx *potato.Tx, a [][]byte) error {
			return c.replyInt(tx.ZLexCount(string(a[1]), string(a[2]), string(a[3])))
		}})
	z(&Command{Name: "zcard", Arity: 2, Flags: rFast, Categories: rf, Since: "1.2.0",
		Summary: "Get the number of members in a sorted set", Complexity: "O(1)", Syntax: "key",
		run: func(c *Conn, tx *potato.Tx, a [][]byte) error { return c.replyInt(tx.ZCard(string(a[1]))) }})
	z(&Command{Name: "zscore", Arity: 3, Flags: rFast, Categories: rf, Since: "1.2.0",
		Summary: "Get the score associated with the given member in a sorted set", Complexity: "O(1)", Syntax: "key member",
		run: func(c *Conn, tx *potato.Tx, a [][]byte) error {
			s, err := tx.ZScore(string(a[1]), string(a[2]))
			return c.replyDoubleOrNil(s, err)
		}})
	z(&Command{Name: "zmscore", Arity: -3, Flags: rFast, Categories: rf, Since: "6.2.0",
		Summary: "Get the score associated with the given members in a sorted set", Complexity: "O(N) where N is the number of members being requested.",
		Syntax: "key member [member ...]", run: cmdZMScore})
	z(&Command{Name: "zrank", Arity: 3, Flags: rFast, Categories: rf, Since: "2.0.0",
		Summary: "Determine the index of a member in a sorted set", Complexity: "O(log(N))", Syntax: "key member",
		run: cmdZRank(false)})
	z(&Command{Name: "zrevrank", Arity: 3, Flags: rFast, Categories: rf, Since: "2.0.0",
		Summary: "Determine the index of a member in a sorted set, with scores ordered from high to low", Complexity: "O(log(N))",
		Syntax: "key member", run: cmdZRank(true)})
	z(&Command{Name: "zpopmin", Arity: -2, Flags: flagWrite | flagFast, Categories: wf, Since: "5.0.0",
		Summary: "Remove and return members with the lowest scores in a sorted set", Complexity: "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
		Syntax: "key [count]", run: cmdZPop(false)})
	z(&Command{Name: "zpopmax", Arity: -2, Flags: flagWrite | flagFast, Categories: wf, Since: "5.0.0",
		Summary: "Remove and return members with the highest scores in a sorted set", Complexity: "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
		Syntax: "key [count]", run: cmdZPop(true)})
	bf := cats("write sortedset fast blocking")
	z(&Command{Name: "bzpopmin", Arity: -3, Flags: flagWrite | flagNoScript | flagBlocking | flagFast, FirstKey: 1, LastKey: -2, Step: 1,
		Categories: bf, Since: "5.0.0",
		Summary:    "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available",
		Complexity: "O(log(N)) with N being the number of elements in the sorted set.", Syntax: "key [key ...] timeout", conn: cmdBZPop(false)})
	z(&Command{Name: "bzpopmax", Arity: -3, Flags: flagWrite | flagNoScript | flagBlocking | flagFast, FirstKey: 1, LastKey: -2, Step: 1,
		Categories: bf, Since: "5.0.0",
		Summary:    "Remove and return the member with the highest score from one or more sorted sets, or block until one is available",
		Complexity: "O(log(N)) with N being the number of elements in the sorted set.", Syntax: "key [key ...] timeout", conn: cmdBZPop(true)})
	z(&Command{Name: "zmpop", Arity: -4, Flags: flagWrite | flagMovableKeys, Categories: ws, Since: "7.0.0", keys: numKeys(1),
		Summary: "Remove and return members with scores in a sorted set", Complexity: "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
		Syntax: "numkeys key [key ...] <MIN | MAX> [COUNT count]", run: cmdZMPop})
	z(&Command{Name: "bzmpop", Arity: -5, Flags: flagWrite | flagBlocking | flagMovableKeys, Categories: cats("write sortedset slow blocking"),
		Since: "7.0.0", keys: numKeys(2),
		Summary:    "Remove and return members with scores in a sorted set or block until one is available",
		Complexity: "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.", Syntax: "timeout numkeys key [key ...] <MIN | MAX> [COUNT count]", conn: cmdBZMPop})
	z(&Command{Name: "zrandmember", Arity: -2, Flags: flagReadonly, Categories: rs, Since: "6.2.0",
		Summary: "Get one or multiple random elements from a sorted set", Complexity: "O(N) where N is the number of elements returned",
		Syntax: "key [count [WITHSCORES]]", run: cmdZRandMember})
	z(&Command{Name: "zscan", Arity: -3, Flags: flagReadonly, Categories: rs, Since: "2.8.0",
		Summary: "Incrementally iterate sorted sets elements and associated scores", Complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
		Syntax: "key cursor [MATCH pattern] [COUNT count]", run: cmdZScan})
}

// numKeysWithDst is numKeys for the STORE commands: the destination at
// position 1, then a key count at idx and the keys.
func numKeysWithDst(idx int) func(args [][]byte) [][]byte {
	src := numKeys(idx)
	return func(args [][]byte) [][]byte {
		if len(args) < 2 {
			return nil
		}
		return append([][]byte{args[1]}, src(args)...)
	}
}

// zparseScore parses a score argument as Redis's getDoubleFromObject.
func zparseScore(b []byte) (float64, error) {
	f, ok := potato.ParseScore(string(b))
	if !ok {
		return 0, replyError("ERR value is not a valid float")
	}
	return f, nil
}

func (c *Conn) replyDoubleOrNil(s float64, err error) error {
	if errors.Is(err, potato.ErrNotFound) {
		c.w.AppendNull()
		return nil
	}
	if err != nil {
		return err
	}
	c.w.AppendDouble(s)
	return nil
}

// appendZs writes members, with their scores if withScores: a flat
// array in RESP2, an array of [member, score] pairs in RESP3 (nested
// also forces pairs, as ZPOPMIN with a count does).
func (c *Conn) appendZs(zs []potato.Z, withScores bool) {
	if !withScores {
		c.w.AppendArrayLen(len(zs))
		for _, z := range zs {
			c.w.AppendBulkString(z.Member)
		}
		return
	}
	if c.w.Proto() >= 3 {
		c.w.AppendArrayLen(len(zs))
		for _, z := range zs {
			c.w.AppendArrayLen(2)
			c.w.AppendBulkString(z.Member)
			c.w.AppendDouble(z.Score)
		}
		return
	}
	c.w.AppendArrayLen(2 * len(zs))
	for _, z := range zs {
		c.w.AppendBulkString(z.Member)
		c.w.AppendDouble(z.Score)
	}
}

func cmdZAdd(c *Conn, tx *potato.Tx, a [][]byte) error {
	var za potato.ZAddArgs
	incr := false
	i := 2
	for ; i < len(a); i++ {
		switch {
		case eqFold(a[i], "nx"):
			za.NX = true
		case eqFold(a[i], "xx"):
			za.XX = true
		case eqFold(a[i], "ch"):
			za.Ch = true
		case eqFold(a[i], "incr"):
			incr = true
		case eqFold(a[i], "gt"):
			za.GT = true
		case eqFold(a[i], "lt"):
			za.LT = true
		default:
			goto pairs
		}
	}
pairs:
	n := len(a) - i
	if n == 0 || n%2 != 0 {
		return replyError(errSyntax)
	}
	switch {
	case za.NX && za.XX:
		return replyError("ERR XX and NX options at the same time are not compatible")
	case (za.GT && za.NX) || (za.LT && za.NX) || (za.GT && za.LT):
		return replyError("ERR GT, LT, and/or NX options at the same time are not compatible")
	case incr && n > 2:
		return replyError("ERR INCR option supports a single increment-element pair")
	}
	za.Members = make([]potato.Z, 0, n/2)
	for ; i+1 < len(a); i += 2 {
		s, err := zparseScore(a[i])
		if err != nil {
			return err
		}
		za.Members = append(za.Members, potato.Z{Score: s, Member: string(a[i+1])})
	}
	if incr {
		s, err := tx.ZAddArgsIncr(string(a[1]), za)
		return c.replyDoubleOrNil(s, err)
	}
	return c.replyInt(tx.ZAddArgs(string(a[1]), za))
}

func cmdZIncrBy(c *Conn, tx *potato.Tx, a [][]byte) error {
	incr, err := zparseScore(a[2])
	if err != nil {
		return err
	}
	s, err := tx.ZIncrBy(string(a[1]), incr, string(a[3]))
	if err != nil {
		return err
	}
	c.w.AppendDouble(s)
	return nil
}

func cmdZRem(c *Conn, tx *potato.Tx, a [][]byte) error {
	return c.replyInt(tx.ZRem(string(a[1]), strs(a[2:])...))
}

func cmdZRemRangeByRank(c *Conn, tx *potato.Tx, a [][]byte) error {
	start, err := parseInt(a[2])
	if err != nil {
		return err
	}
	stop, err := parseInt(a[3])
	if err != nil {
		return err
	}
	return c.replyInt(tx.ZRemRangeByRank(string(a[1]), start, stop))
}

func cmdZMScore(c *Conn, tx *potato.Tx, a [][]byte) error {
	ss, err := tx.ZMScore(string(a[1]), strs(a[2:])...)
	if err != nil {
		return err
	}
	c.w.AppendArrayLen(len(ss))
	for _, s := range ss {
		if math.IsNaN(s) {
			c.w.AppendNull()
		} else {
			c.w.AppendDouble(s)
		}
	}
	return nil
}

func cmdZRank(rev bool) runFunc {
	return func(c *Conn, tx *potato.Tx, a [][]byte) error {
		r, err := tx.ZRank(string(a[1]), string(a[2]), rev)
		if errors.Is(err, potato.ErrNotFound) {
			c.w.AppendNull()
			return nil
		}
		return c.replyInt(r, err)
	}
}

// Range types of the ZRANGE family.
const (
	zrRank = iota
	zrScore
	zrLex
)

// zrangeParse parses the ZRANGE family's arguments from a[at] (the
// source key, then start, stop and options) as Redis's
// zrangeGenericCommand does: rangeType and rev are fixed by the older
// commands, and may be set by options when free (ZRANGE, ZRANGESTORE).
func zrangeParse(a [][]byte, at, rangeType int, rev, free, store bool) (potato.ZRangeArgs, bool, error) {
	ra := potato.ZRangeArgs{Key: string(a[at]), Start: string(a[at+1]), Stop: string(a[at+2]), Rev: rev}
	withScores := false
	offset, limit := int64(0), int64(-1)
	revSet, typeSet := false, false // each may be given once, as in Redis
	for j := at + 3; j < len(a); j++ {
		left := len(a) - j - 1
		switch {
		case !store && eqFold(a[j], "withscores"):
			withScores = true
		case eqFold(a[j], "limit") && left >= 2:
			var err error
			if offset, err = parseInt(a[j+1]); err != nil {
				return ra, false, err
			}
			if limit, err = parseInt(a[j+2]); err != nil {
				return ra, false, err
			}
			j += 2
		case free && !revSet && eqFold(a[j], "rev"):
			ra.Rev, revSet = true, true
		case free && !typeSet && eqFold(a[j], "bylex"):
			rangeType, typeSet = zrLex, true
		case free && !typeSet && eqFold(a[j], "byscore"):
			rangeType, typeSet = zrScore, true
		default:
			return ra, false, replyError(errSyntax)
		}
	}
	if limit != -1 && rangeType == zrRank {
		return ra, false, replyError("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
	}
	if withScores && rangeType == zrLex {
		return ra, false, replyError("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
	}
	switch rangeType {
	case zrRank:
		// Indexes are parsed here so that the error is Redis's.
		if _, err := parseInt(a[at+1]); err != nil {
			return ra, false, err
		}
		if _, err := parseInt(a[at+2]); err != nil {
			return ra, false, err
		}
	case zrScore:
		ra.ByScore = true
	case zrLex:
		ra.ByLex = true
	}
	if rangeType != zrRank {
		ra.Limit, ra.Offset, ra.Count = true, offset, limit
	}
	return ra, withScores, nil
}

func cmdZRange(rangeType int, rev, free bool) runFunc {
	return func(c *Conn, tx *potato.Tx, a [][]byte) error {
		ra, withScores, err := zrangeParse(a, 1, rangeType, rev, free, false)
		if err != nil {
			return err
		}
		zs, err := tx.ZRangeArgs(ra)
		if err != nil {
			return err
		}
		c.appendZs(zs, withScores)
		return nil
	}
}

func cmdZRangeStore(c *Conn, tx *potato.Tx, a [][]byte) error {
	ra, _, err := zrangeParse(a, 2, zrRank, false, true, true)
	if err != nil {
		return err
	}
	return c.replyInt(tx.ZRangeStore(string(a[1]), ra))
}

func cmdZPop(max bool) runFunc {
	return func(c *Conn, tx *potato.Tx, a [][]byte) error {
		if len(a) > 3 {
			return replyError(errSyntax)
		}
		count := int64(1)
		if len(a) == 3 {
			n, ok := num.ParseInt(a[2])
			if !ok || n < 0 {
				return replyError("ERR value is out of range, must be positive")
			}
			count = n // 0 still checks the key's type, as in Redis
		}
		var zs []potato.Z
		var err error
		if max {
			zs, err = tx.ZPopMax(string(a[1]), count)
		} else {
			zs, err = tx.ZPopMin(string(a[1]), count)
		}
		if err != nil {
			return err
		}
		if len(a) == 3 {
			c.appendZs(zs, true)
			return nil
		}
		// Without a count: one flat pair, in RESP3 too.
		c.w.AppendArrayLen(2 * len(zs))
		for _, z := range zs {
			c.w.AppendBulkString(z.Member)
			c.w.AppendDouble(z.Score)
		}
		return nil
	}
}

// zmpopArgs parses "numkeys key [key ...] MIN|MAX [COUNT count]".
func zmpopArgs(a [][]byte) (keys []string, max bool, count int64, err error) {
	n, ok := num.ParseInt(a[0])
	if !ok || n < 1 {
		return nil, false, 0, replyError("ERR numkeys should be greater than 0")
	}
	if n > int64(len(a))-2 {
		return nil, false, 0, replyError(errSyntax)
	}
	where := int(n) + 1
	switch {
	case eqFold(a[where], "min"):
	case eqFold(a[where], "max"):
		max = true
	default:
		return nil, false, 0, replyError(errSyntax)
	}
	count = -1
	for j := where + 1; j < len(a); j++ {
		if count == -1 && eqFold(a[j], "count") && j+1 < len(a) {
			j++
			v, ok := num.ParseInt(a[j])
			if !ok || v < 1 {
				return nil, false, 0, replyError("ERR count should be greater than 0")
			}
			count = v
			continue
		}
		return nil, false, 0, replyError(errSyntax)
	}
	if count == -1 {
		count = 1
	}
	return strs(a[1:where]), max, count, nil
}

// appendKeyZs writes ZMPOP's reply: [key, [[member, score], ...]].
func (c *Conn) appendKeyZs(key string, zs []potato.Z) {
	c.w.AppendArrayLen(2)
	c.w.AppendBulkString(key)
	c.w.AppendArrayLen(len(zs))
	for _, z := range zs {
		c.w.AppendArrayLen(2)
		c.w.AppendBulkString(z.Member)
		c.w.AppendDouble(z.Score)
	}
}

func cmdZMPop(c *Conn, tx *potato.Tx, a [][]byte) error {
	keys, max, count, err := zmpopArgs(a[1:])
	if err != nil {
		return err
	}
	key, zs, err := tx.ZMPop(max, count, keys...)
	if errors.Is(err, potato.ErrNotFound) {
		c.w.AppendNullArray()
		return nil
	}
	if err != nil {
		return err
	}
	c.appendKeyZs(key, zs)
	return nil
}

func cmdBZPop(max bool) connFunc {
	name := "bzpopmin"
	if max {
		name = "bzpopmax"
	}
	return func(c *Conn, a [][]byte, tx *potato.Tx) {
		cmd := c.s.table.cmds[name]
		timeout, err := parseTimeout(a[len(a)-1])
		if err != nil {
			c.failArgs(name, err)
			return
		}
		keys := strs(a[1 : len(a)-1])
		var z potato.ZWithKey
		err = c.blockingPop(tx, keys, func(tx *potato.Tx) error {
			var err error
			if max {
				z, err = tx.BZPopMax(c.ctx, timeout, keys...)
			} else {
				z, err = tx.BZPopMin(c.ctx, timeout, keys...)
			}
			return err
		}, func(ctx context.Context, db *potato.DB) error {
			var err error
			if max {
				z, err = db.BZPopMax(ctx, timeout, keys...)
			} else {
				z, err = db.BZPopMin(ctx, timeout, keys...)
			}
			return err
		})
		if err != nil {
			c.blockReply(cmd, err, false)
			return
		}
		c.w.AppendArrayLen(3)
		c.w.AppendBulkString(z.Key)
		c.w.AppendBulkString(z.Member)
		c.w.AppendDouble(z.Score)
	}
}

func cmdBZMPop(c *Conn, a [][]byte, tx *potato.Tx) {
	cmd := c.s.table.cmds["bzmpop"]
	timeout, err := parseTimeout(a[1])
	if err != nil {
		c.failArgs("bzmpop", err)
		return
	}
	keys, max, count, err := zmpopArgs(a[2:])
	if err != nil {
		c.failArgs("bzmpop", err)
		return
	}
	var key string
	var zs []potato.Z
	err = c.blockingPop(tx, keys, func(tx *potato.Tx) error {
		var err error
		key, zs, err = tx.BZMPop(c.ctx, timeout, max, count, keys...)
		return err
	}, func(ctx context.Context, db *potato.DB) error {
		var err error
		key, zs, err = db.BZMPop(ctx, timeout, max, count, keys...)
		return err
	})
	if err != nil {
		c.blockReply(cmd, err, false)
		return
	}
	c.appendKeyZs(key, zs)
}

// cmdZCombine is ZUNION (op 0), ZINTER (1), ZDIFF (2), ZINTERCARD (3)
// and the STORE forms, parsed as Redis's zunionInterDiffGenericCommand
// does: the keys' types are checked before the options.
func cmdZCombine(name string, op int, store bool) runFunc {
	return func(c *Conn, tx *potato.Tx, a [][]byte) error {
		at := 1
		if store {
			at = 2
		}
		n, err := parseInt(a[at])
		if err != nil {
			return err
		}
		if n < 1 {
			return replyError("ERR at least 1 input key is needed for '" + name + "' command")
		}
		if n > int64(len(a)-at-1) {
			return replyError(errSyntax)
		}
		keys := strs(a[at+1 : at+1+int(n)])
		for _, k := range keys {
			// Types first, as Redis checks them before the options; a
			// plain set counts as a sorted set (scores 1).
			if t, err := tx.Type(k); err != nil {
				return err
			} else if t != "zset" && t != "set" && t != "none" {
				return potato.ErrWrongType
			}
		}
		s := potato.ZStore{Keys: keys}
		withScores := false
		limit := int64(0)
		for j := at + 1 + int(n); j < len(a); {
			left := len(a) - j
			switch {
			case op < 2 && left >= int(n)+1 && eqFold(a[j], "weights"):
				j++
				s.Weights = make([]float64, n)
				for i := range s.Weights {
					w, ok := potato.ParseScore(string(a[j]))
					if !ok {
						return replyError("ERR weight value is not a float")
					}
					s.Weights[i] = w
					j++
				}
			case op < 2 && left >= 2 && eqFold(a[j], "aggregate"):
				switch agg := a[j+1]; {
				case eqFold(agg, "sum"), eqFold(agg, "min"), eqFold(agg, "max"):
					s.Aggregate = string(agg)
				default:
					return replyError(errSyntax)
				}
				j += 2
			case !store && op != 3 && eqFold(a[j], "withscores"):
				withScores = true
				j++
			case op == 3 && left >= 2 && eqFold(a[j], "limit"):
				v, ok := num.ParseInt(a[j+1])
				if !ok || v < 0 {
					return replyError("ERR LIMIT can't be negative")
				}
				limit = v
				j += 2
			default:
				return replyError(errSyntax)
			}
		}
		var zs []potato.Z
		switch {
		case op == 3:
			return c.replyInt(tx.ZInterCard(limit, keys...))
		case store && op == 0:
			return c.replyInt(tx.ZUnionStore(string(a[1]), s))
		case store && op == 1:
			return c.replyInt(tx.ZInterStore(string(a[1]), s))
		case store:
			return c.replyInt(tx.ZDiffStore(string(a[1]), keys...))
		case op == 0:
			zs, err = tx.ZUnion(s)
		case op == 1:
			zs, err = tx.ZInter(s)
		default:
			zs, err = tx.ZDiff(keys...)
		}
		if err != nil {
			return err
		}
		c.appendZs(zs, withScores)
		return nil
	}
}

func cmdZRandMember(c *Conn, tx *potato.Tx, a [][]byte) error {
	key := string(a[1])
	if len(a) == 2 {
		m, err := tx.ZRandMemberOne(key)
		if errors.Is(err, potato.ErrNotFound) {
			c.w.AppendNull()
			return nil
		}
		if err != nil {
			return err
		}
		c.w.AppendBulkString(m)
		return nil
	}
	count, err := parseInt(a[2])
	if err != nil {
		return err
	}
	if count == math.MinInt64 {
		return replyError("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
	}
	if len(a) > 4 || (len(a) == 4 && !eqFold(a[3], "withscores")) {
		return replyError(errSyntax)
	}
	withScores := len(a) == 4
	zs, err := tx.ZRandMember(key, count, withScores)
	if err != nil {
		return err
	}
	c.appendZs(zs, withScores)
	return nil
}

func cmdZScan(c *Conn, tx *potato.Tx, a [][]byte) error {
	cursor, err := parseScanCursor(a[2])
	if err != nil {
		return err
	}
	key := string(a[1])
	if n, err := tx.ZCard(key); err != nil {
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
	zs, next, err := tx.ZScan(key, cursor, match, count)
	if err != nil {
		return err
	}
	c.w.AppendArrayLen(2)
	c.w.AppendBulkString(strconv.FormatUint(next, 10))
	n := 0
	for _, z := range zs {
		if !emptyMatch || z.Member == "" {
			n++
		}
	}
	c.w.AppendArrayLen(2 * n)
	for _, z := range zs {
		if emptyMatch && z.Member != "" {
			continue
		}
		c.w.AppendBulkString(z.Member)
		c.w.AppendBulkString(num.FormatDouble(z.Score))
	}
	return nil
}

// addZSetConfig registers zset-max-listpack-entries and -value, and
// their pre-7.0 names zset-max-ziplist-*, which set the same values:
// they decide the encoding OBJECT ENCODING reports, as in Redis.
func addZSetConfig(cfg *config) {
	param := func(name string, entries bool, def string) {
		cfg.add(&param{name: name, typ: "integer", def: def,
			doc: "Sorted sets up to this many members (entries) or with members up to this many bytes (value) report OBJECT ENCODING listpack; larger ones skiplist.",
			get: func(s *Server) string {
				e, v := s.DB.ZSetMaxListpack()
				if entries {
					return strconv.FormatInt(e, 10)
				}
				return strconv.FormatInt(v, 10)
			},
			set: func(s *Server, val string) error {
				n, err := strconv.ParseInt(val, 10, 64)
				if err != nil {
					return errors.New("argument couldn't be parsed into an integer")
				}
				if n < 0 {
					return errors.New("argument must be between 0 and 9223372036854775807 inclusive")
				}
				e, v := s.DB.ZSetMaxListpack()
				if entries {
					e = n
				} else {
					v = n
				}
				return s.DB.SetZSetMaxListpack(e, v)
			}})
	}
	param("zset-max-listpack-entries", true, "128")
	param("zset-max-listpack-value", false, "64")
	param("zset-max-ziplist-entries", true, "128")
	param("zset-max-ziplist-value", false, "64")
}
