package server

import (
	"context"
	"errors"
	"math"
	"math/big"
	"strings"
	"time"

	"rustypotato"
	"rustypotato/internal/num"
)

// registerLists registers the list family. Arity, flags, key positions
// and ACL categories are those of Redis 7.0's COMMAND INFO; summaries
// and complexities those of its COMMAND DOCS.
func registerLists(t *table) {
	l := func(c *Command) {
		c.Group = "list"
		if c.FirstKey == 0 && c.keys == nil {
			c.FirstKey, c.LastKey = 1, 1
		}
		t.add(c)
	}
	const pushComplexity = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."
	push := func(name, since, summary string, left, create bool) {
		l(&Command{Name: name, Arity: -3, Flags: flagWrite | flagDenyOOM | flagFast, Categories: cats("write list fast"),
			Since: since, Summary: summary, Complexity: pushComplexity, Syntax: "key element [element ...]",
			run: cmdPush(left, create)})
	}
	push("lpush", "1.0.0", "Prepend one or multiple elements to a list", true, true)
	push("rpush", "1.0.0", "Append one or multiple elements to a list", false, true)
	push("lpushx", "2.2.0", "Prepend an element to a list, only if the list exists", true, false)
	push("rpushx", "2.2.0", "Append an element to a list, only if the list exists", false, false)
	l(&Command{Name: "lpop", Arity: -2, Flags: flagWrite | flagFast, Categories: cats("write list fast"), Since: "1.0.0",
		Summary: "Remove and get the first elements in a list", Complexity: "O(N) where N is the number of elements returned",
		Syntax: "key [count]", run: cmdPop(true)})
	l(&Command{Name: "rpop", Arity: -2, Flags: flagWrite | flagFast, Categories: cats("write list fast"), Since: "1.0.0",
		Summary: "Remove and get the last elements in a list", Complexity: "O(N) where N is the number of elements returned",
		Syntax: "key [count]", run: cmdPop(false)})
	l(&Command{Name: "llen", Arity: 2, Flags: flagReadonly | flagFast, Categories: cats("read list fast"), Since: "1.0.0",
		Summary: "Get the length of a list", Complexity: "O(1)", Syntax: "key",
		run: func(c *Conn, tx *potato.Tx, a [][]byte) error { return c.replyInt(tx.LLen(string(a[1]))) }})
	l(&Command{Name: "lindex", Arity: 3, Flags: flagReadonly, Categories: cats("read list slow"), Since: "1.0.0",
		Summary:    "Get an element from a list by its index",
		Complexity: "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).",
		Syntax:     "key index", run: cmdLIndex})
	l(&Command{Name: "lrange", Arity: 4, Flags: flagReadonly, Categories: cats("read list slow"), Since: "1.0.0",
		Summary:    "Get a range of elements from a list",
		Complexity: "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.",
		Syntax:     "key start stop", run: cmdLRange})
	l(&Command{Name: "lset", Arity: 4, Flags: flagWrite | flagDenyOOM, Categories: cats("write list slow"), Since: "1.0.0",
		Summary:    "Set the value of an element in a list by its index",
		Complexity: "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).",
		Syntax:     "key index element", run: cmdLSet})
	l(&Command{Name: "linsert", Arity: 5, Flags: flagWrite | flagDenyOOM, Categories: cats("write list slow"), Since: "2.2.0",
		Summary:    "Insert an element before or after another element in a list",
		Complexity: "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).",
		Syntax:     "key <BEFORE | AFTER> pivot element", run: cmdLInsert})
	l(&Command{Name: "lrem", Arity: 4, Flags: flagWrite, Categories: cats("write list slow"), Since: "1.0.0",
		Summary: "Remove elements from a list", Complexity: "O(N+M) where N is the length of the list and M is the number of elements removed.",
		Syntax: "key count element", run: cmdLRem})
	l(&Command{Name: "ltrim", Arity: 4, Flags: flagWrite, Categories: cats("write list slow"), Since: "1.0.0",
		Summary: "Trim a list to the specified range", Complexity: "O(N) where N is the number of elements to be removed by the operation.",
		Syntax: "key start stop", run: cmdLTrim})
	l(&Command{Name: "lpos", Arity: -3, Flags: flagReadonly, Categories: cats("read list slow"), Since: "6.0.6",
		Summary:    "Return the index of matching elements on a list",
		Complexity: "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.",
		Syntax:     "key element [RANK rank] [COUNT num-matches] [MAXLEN len]", run: cmdLPos})
	l(&Command{Name: "rpoplpush", Arity: 3, Flags: flagWrite | flagDenyOOM, FirstKey: 1, LastKey: 2,
		Categories: cats("write list slow"), Since: "1.2.0",
		Summary: "Remove the last element in a list, prepend it to another list and return it", Complexity: "O(1)",
		Syntax: "source destination", run: cmdRPopLPush})
	l(&Command{Name: "lmove", Arity: 5, Flags: flagWrite | flagDenyOOM, FirstKey: 1, LastKey: 2,
		Categories: cats("write list slow"), Since: "6.2.0",
		Summary: "Pop an element from a list, push it to another list and return it", Complexity: "O(1)",
		Syntax: "source destination <LEFT | RIGHT> <LEFT | RIGHT>", run: cmdLMove})
	l(&Command{Name: "lmpop", Arity: -4, Flags: flagWrite | flagMovableKeys, Categories: cats("write list slow"), Since: "7.0.0",
		Summary:    "Pop elements from a list",
		Complexity: "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
		Syntax:     "numkeys key [key ...] <LEFT | RIGHT> [COUNT count]", run: cmdLMPop, keys: numKeys(1)})

	// Blocking pops manage their own flow: they wait outside any
	// transaction, and inside EXEC run their non-blocking form.
	blocking := cats("write list slow blocking")
	l(&Command{Name: "blpop", Arity: -3, Flags: flagWrite | flagNoScript | flagBlocking, FirstKey: 1, LastKey: -2,
		Categories: blocking, Since: "2.0.0",
		Summary:    "Remove and get the first element in a list, or block until one is available",
		Complexity: "O(N) where N is the number of provided keys.", Syntax: "key [key ...] timeout", conn: cmdBPop(true)})
	l(&Command{Name: "brpop", Arity: -3, Flags: flagWrite | flagNoScript | flagBlocking, FirstKey: 1, LastKey: -2,
		Categories: blocking, Since: "2.0.0",
		Summary:    "Remove and get the last element in a list, or block until one is available",
		Complexity: "O(N) where N is the number of provided keys.", Syntax: "key [key ...] timeout", conn: cmdBPop(false)})
	l(&Command{Name: "brpoplpush", Arity: 4, Flags: flagWrite | flagDenyOOM | flagNoScript | flagBlocking, FirstKey: 1, LastKey: 2,
		Categories: blocking, Since: "2.2.0",
		Summary:    "Pop an element from a list, push it to another list and return it; or block until one is available",
		Complexity: "O(1)", Syntax: "source destination timeout", conn: cmdBRPopLPush})
	l(&Command{Name: "blmove", Arity: 6, Flags: flagWrite | flagDenyOOM | flagNoScript | flagBlocking, FirstKey: 1, LastKey: 2,
		Categories: blocking, Since: "6.2.0",
		Summary:    "Pop an element from a list, push it to another list and return it; or block until one is available",
		Complexity: "O(1)", Syntax: "source destination <LEFT | RIGHT> <LEFT | RIGHT> timeout", conn: cmdBLMove})
	l(&Command{Name: "blmpop", Arity: -5, Flags: flagWrite | flagBlocking | flagMovableKeys, Categories: blocking, Since: "7.0.0",
		Summary:    "Pop elements from a list, or block until one is available",
		Complexity: "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
		Syntax:     "timeout numkeys key [key ...] <LEFT | RIGHT> [COUNT count]", conn: cmdBLMPop, keys: numKeys(2)})
}

// numKeys returns the key function of a command whose argument at idx is
// a key count followed by the keys (LMPOP, BLMPOP), as Redis's
// genericGetKeys reads it: no keys when the count is not an integer
// between 1 and the number of arguments left.
func numKeys(idx int) func(args [][]byte) [][]byte {
	return func(args [][]byte) [][]byte {
		if idx >= len(args) {
			return nil
		}
		n, ok := num.ParseInt(args[idx])
		if !ok || n < 1 || n > int64(len(args)-idx-1) {
			return nil
		}
		return args[idx+1 : idx+1+int(n)]
	}
}

func cmdPush(left, create bool) runFunc {
	return func(c *Conn, tx *potato.Tx, a [][]byte) error {
		key, vals := string(a[1]), a[2:]
		switch {
		case left && create:
			return c.replyInt(tx.LPush(key, vals...))
		case create:
			return c.replyInt(tx.RPush(key, vals...))
		case left:
			return c.replyInt(tx.LPushX(key, vals...))
		default:
			return c.replyInt(tx.RPushX(key, vals...))
		}
	}
}

// errPositive is Redis's getPositiveLongFromObjectOrReply text, for a
// count that is negative or not an integer.
const errPositive = "ERR value is out of range, must be positive"

func cmdPop(left bool) runFunc {
	return func(c *Conn, tx *potato.Tx, a [][]byte) error {
		key := string(a[1])
		if len(a) > 3 {
			return replyError("ERR wrong number of arguments for '" + string(toLower(a[0])) + "' command")
		}
		if len(a) == 2 {
			var v []byte
			var err error
			if left {
				v, err = tx.LPop(key)
			} else {
				v, err = tx.RPop(key)
			}
			return c.replyBulkOrNil(v, err)
		}
		n, ok := num.ParseInt(a[2])
		if !ok || n < 0 {
			return replyError(errPositive)
		}
		var vs [][]byte
		var err error
		if left {
			vs, err = tx.LPopCount(key, clampToInt(n))
		} else {
			vs, err = tx.RPopCount(key, clampToInt(n))
		}
		if errors.Is(err, potato.ErrNotFound) {
			c.w.AppendNullArray()
			return nil
		}
		if err != nil {
			return err
		}
		c.appendBulks(vs)
		return nil
	}
}

func clampToInt(n int64) int {
	if n > math.MaxInt {
		return math.MaxInt
	}
	return int(n)
}

func (c *Conn) appendBulks(vs [][]byte) {
	c.w.AppendArrayLen(len(vs))
	for _, v := range vs {
		c.w.AppendBulk(v)
	}
}

func cmdLIndex(c *Conn, tx *potato.Tx, a [][]byte) error {
	i, err := parseInt(a[2])
	if err != nil {
		// Redis looks the key up before it parses the index: a missing
		// key is nil and a wrong type WRONGTYPE, whatever the index.
		if n, lerr := tx.LLen(string(a[1])); lerr != nil {
			return lerr
		} else if n == 0 {
			c.w.AppendNull()
			return nil
		}
		return err
	}
	v, err := tx.LIndex(string(a[1]), i)
	return c.replyBulkOrNil(v, err)
}

func cmdLRange(c *Conn, tx *potato.Tx, a [][]byte) error {
	start, err := parseInt(a[2])
	if err != nil {
		return err
	}
	stop, err := parseInt(a[3])
	if err != nil {
		return err
	}
	vs, err := tx.LRange(string(a[1]), start, stop)
	if err != nil {
		return err
	}
	c.appendBulks(vs)
	return nil
}

func cmdLSet(c *Conn, tx *potato.Tx, a [][]byte) error {
	i, err := parseInt(a[2])
	if err != nil {
		// As LINDEX: the key is looked up first ("no such key").
		if n, lerr := tx.LLen(string(a[1])); lerr != nil {
			return lerr
		} else if n == 0 {
			return potato.ErrNoSuchKey
		}
		return err
	}
	if err := tx.LSet(string(a[1]), i, a[3]); err != nil {
		return err
	}
	c.w.AppendOK()
	return nil
}

func cmdLInsert(c *Conn, tx *potato.Tx, a [][]byte) error {
	var pos potato.InsertPosition
	switch {
	case eqFold(a[2], "before"):
		pos = potato.InsertBefore
	case eqFold(a[2], "after"):
		pos = potato.InsertAfter
	default:
		return replyError(errSyntax)
	}
	return c.replyInt(tx.LInsert(string(a[1]), pos, a[3], a[4]))
}

func cmdLRem(c *Conn, tx *potato.Tx, a [][]byte) error {
	n, err := parseInt(a[2])
	if err != nil {
		return err
	}
	return c.replyInt(tx.LRem(string(a[1]), n, a[3]))
}

func cmdLTrim(c *Conn, tx *potato.Tx, a [][]byte) error {
	start, err := parseInt(a[2])
	if err != nil {
		return err
	}
	stop, err := parseInt(a[3])
	if err != nil {
		return err
	}
	if err := tx.LTrim(string(a[1]), start, stop); err != nil {
		return err
	}
	c.w.AppendOK()
	return nil
}

// cmdLPos parses the options as Redis's lposCommand does, all before the
// key is looked at.
func cmdLPos(c *Conn, tx *potato.Tx, a [][]byte) error {
	var args potato.LPosArgs
	count := int64(-1) // not given
	for j := 3; j < len(a); j++ {
		more := j+1 < len(a)
		switch {
		case eqFold(a[j], "rank") && more:
			j++
			r, err := parseInt(a[j])
			if err != nil {
				return err
			}
			if r == 0 {
				return replyError("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list")
			}
			args.Rank = r
		case eqFold(a[j], "count") && more:
			j++
			n, ok := num.ParseInt(a[j])
			if !ok || n < 0 {
				return replyError("ERR COUNT can't be negative")
			}
			count = n
		case eqFold(a[j], "maxlen") && more:
			j++
			n, ok := num.ParseInt(a[j])
			if !ok || n < 0 {
				return replyError("ERR MAXLEN can't be negative")
			}
			args.MaxLen = n
		default:
			return replyError(errSyntax)
		}
	}
	key := string(a[1])
	if count < 0 {
		p, err := tx.LPos(key, a[2], args)
		if errors.Is(err, potato.ErrNotFound) {
			c.w.AppendNull()
			return nil
		}
		return c.replyInt(p, err)
	}
	ps, err := tx.LPosCount(key, a[2], count, args)
	if err != nil {
		return err
	}
	c.w.AppendArrayLen(len(ps))
	for _, p := range ps {
		c.w.AppendInt(p)
	}
	return nil
}

// parseDirection parses LEFT or RIGHT.
func parseDirection(b []byte) (potato.ListDirection, bool) {
	switch {
	case eqFold(b, "left"):
		return potato.Left, true
	case eqFold(b, "right"):
		return potato.Right, true
	}
	return 0, false
}

func cmdRPopLPush(c *Conn, tx *potato.Tx, a [][]byte) error {
	v, err := tx.RPopLPush(string(a[1]), string(a[2]))
	return c.replyBulkOrNil(v, err)
}

func cmdLMove(c *Conn, tx *potato.Tx, a [][]byte) error {
	from, ok1 := parseDirection(a[3])
	to, ok2 := parseDirection(a[4])
	if !ok1 || !ok2 {
		return replyError(errSyntax)
	}
	v, err := tx.LMove(string(a[1]), string(a[2]), from, to)
	return c.replyBulkOrNil(v, err)
}

// mpopArgs are the parsed arguments of LMPOP and BLMPOP.
type mpopArgs struct {
	keys  []string
	dir   potato.ListDirection
	count int64
}

// parseMPop parses "numkeys key [key ...] LEFT|RIGHT [COUNT count]" (a
// starts at numkeys) with Redis's checks and errors, in its order.
func parseMPop(a [][]byte) (mpopArgs, error) {
	var m mpopArgs
	n, ok := num.ParseInt(a[0])
	if !ok || n < 1 {
		return m, replyError("ERR numkeys should be greater than 0")
	}
	if n > int64(len(a))-2 {
		// No room for the direction after the keys.
		return m, replyError(errSyntax)
	}
	where := int(n) + 1
	if m.dir, ok = parseDirection(a[where]); !ok {
		return m, replyError(errSyntax)
	}
	m.count = -1
	for j := where + 1; j < len(a); j++ {
		if m.count == -1 && eqFold(a[j], "count") && j+1 < len(a) {
			j++
			v, ok := num.ParseInt(a[j])
			if !ok || v < 1 {
				return m, replyError("ERR count should be greater than 0")
			}
			m.count = v
			continue
		}
		return m, replyError(errSyntax)
	}
	if m.count == -1 {
		m.count = 1
	}
	m.keys = strs(a[1:where])
	return m, nil
}

// appendKeyValues writes LMPOP's and BLMPOP's reply: [key, [elements]].
func (c *Conn) appendKeyValues(key string, vs [][]byte) {
	c.w.AppendArrayLen(2)
	c.w.AppendBulkString(key)
	c.appendBulks(vs)
}

func cmdLMPop(c *Conn, tx *potato.Tx, a [][]byte) error {
	m, err := parseMPop(a[1:])
	if err != nil {
		return err
	}
	key, vs, err := tx.LMPop(m.dir, m.count, m.keys...)
	if errors.Is(err, potato.ErrNotFound) {
		c.w.AppendNullArray()
		return nil
	}
	if err != nil {
		return err
	}
	c.appendKeyValues(key, vs)
	return nil
}

// parseTimeout reads a blocking command's timeout in seconds as Redis
// 7.0's getTimeoutFromObjectOrReply does: a long double (strtold rules),
// times 1000, rounded up to whole milliseconds; a result that does not
// fit a long long (inf, 1e20) is "negative", as C's conversion makes it.
// Zero means no timeout. Fractions of a millisecond below zero round up
// to 0, so -0.0001 blocks forever, as in Redis.
func parseTimeout(b []byte) (time.Duration, error) {
	s := string(b)
	ld, ok := num.ParseLongDouble(s)
	if !ok {
		return 0, replyError(errTimeout)
	}
	f64 := ld.Float64()
	if math.IsInf(f64, 0) {
		return 0, replyError(errNegTimout)
	}
	// Redo the arithmetic in long-double precision (64-bit mantissa),
	// which decides the rounding at the edges.
	f := new(big.Float).SetPrec(64).SetMode(big.ToNearestEven)
	lit := s
	if l := strings.ToLower(s); strings.Contains(l, "0x") && !strings.Contains(l, "p") {
		lit += "p0"
	}
	if _, _, err := f.Parse(lit, 0); err != nil {
		f.SetFloat64(f64)
	}
	f.Mul(f, new(big.Float).SetInt64(1000))
	ms, acc := f.Int(nil) // truncates toward zero
	if acc == big.Below {
		ms.Add(ms, big.NewInt(1)) // ceil of a positive non-integer
	}
	if !ms.IsInt64() || ms.Sign() < 0 {
		return 0, replyError(errNegTimout)
	}
	v := ms.Int64()
	if v > math.MaxInt64/int64(time.Millisecond) {
		// Beyond 292 years: as good as forever.
		return time.Duration(math.MaxInt64), nil
	}
	return time.Duration(v) * time.Millisecond, nil
}

// block runs a blocking DB call with a context that ends when the client
// hangs up. While it waits the connection counts as idle, so that a
// graceful Shutdown closes it instead of waiting for it, as Redis does
// not wait for blocked clients either.
// A wait ended by CLIENT UNBLOCK returns potato.ErrNotFound (TIMEOUT: the
// command answers as its timeout would) or errUnblocked (ERROR).
func (c *Conn) block(fn func(ctx context.Context) error) error {
	ctx, stop := c.blockCtx()
	c.busy.Store(false)
	defer c.busy.Store(true)
	if c.closing.Load() {
		stop()
		return context.Canceled
	}
	err := fn(ctx)
	stop()
	return c.unblockErr(err)
}

// blockingPop runs a blocking pop. Inside EXEC (tx != nil) it runs only
// the non-blocking form, as Redis does. Otherwise it runs the
// non-blocking form first, in a transaction on keys, and waits only when
// every list is empty (ErrNotFound), so a pop that finds an element costs
// no flush of pipelined replies and no watcher goroutine. (A list with
// elements never has waiters: the push that fills it serves them.)
func (c *Conn) blockingPop(tx *potato.Tx, keys []string, try func(tx *potato.Tx) error,
	wait func(ctx context.Context, db *potato.DB) error) error {
	if tx != nil {
		return try(tx)
	}
	if err := c.db.UpdateKeys(keys, try); !errors.Is(err, potato.ErrNotFound) {
		return err
	}
	db := c.db
	return c.block(func(ctx context.Context) error { return wait(ctx, db) })
}

// blockReply replies for the error of a blocking pop: a timeout (or an
// empty list inside EXEC) is a null array; a hang-up replies nothing.
func (c *Conn) blockReply(cmd *Command, err error, nullBulk bool) {
	switch {
	case errors.Is(err, potato.ErrNotFound):
		if nullBulk {
			c.w.AppendNull()
		} else {
			c.w.AppendNullArray()
		}
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		// The client is gone.
	default:
		c.replyError(err)
		cmd.stats.failed.Add(1)
	}
}

// failArgs replies with an argument error of a blocking command.
func (c *Conn) failArgs(name string, err error) {
	c.replyError(err)
	c.s.table.cmds[name].stats.failed.Add(1)
}

func cmdBPop(left bool) connFunc {
	name := "brpop"
	if left {
		name = "blpop"
	}
	return func(c *Conn, a [][]byte, tx *potato.Tx) {
		cmd := c.s.table.cmds[name]
		timeout, err := parseTimeout(a[len(a)-1])
		if err != nil {
			c.failArgs(name, err)
			return
		}
		keys := strs(a[1 : len(a)-1])
		var key string
		var v []byte
		err = c.blockingPop(tx, keys, func(tx *potato.Tx) error {
			var err error
			if left {
				key, v, err = tx.BLPop(c.ctx, timeout, keys...)
			} else {
				key, v, err = tx.BRPop(c.ctx, timeout, keys...)
			}
			return err
		}, func(ctx context.Context, db *potato.DB) error {
			var err error
			if left {
				key, v, err = db.BLPop(ctx, timeout, keys...)
			} else {
				key, v, err = db.BRPop(ctx, timeout, keys...)
			}
			return err
		})
		if err != nil {
			c.blockReply(cmd, err, false)
			return
		}
		c.w.AppendArrayLen(2)
		c.w.AppendBulkString(key)
		c.w.AppendBulk(v)
	}
}

// blmove is BLMOVE and BRPOPLPUSH. Inside EXEC an empty source replies a
// null bulk string, as LMOVE does; a timeout replies a null array, as
// Redis does for every blocking pop.
func (c *Conn) blmove(name string, src, dst string, from, to potato.ListDirection, tb []byte, tx *potato.Tx) {
	cmd := c.s.table.cmds[name]
	timeout, err := parseTimeout(tb)
	if err != nil {
		c.failArgs(name, err)
		return
	}
	var v []byte
	err = c.blockingPop(tx, []string{src, dst}, func(tx *potato.Tx) error {
		var err error
		v, err = tx.BLMove(c.ctx, src, dst, from, to, timeout)
		return err
	}, func(ctx context.Context, db *potato.DB) error {
		var err error
		v, err = db.BLMove(ctx, src, dst, from, to, timeout)
		return err
	})
	if tx != nil && errors.Is(err, potato.ErrNotFound) {
		c.w.AppendNull()
		return
	}
	if err != nil {
		c.blockReply(cmd, err, false)
		return
	}
	c.w.AppendBulk(v)
}

func cmdBRPopLPush(c *Conn, a [][]byte, tx *potato.Tx) {
	c.blmove("brpoplpush", string(a[1]), string(a[2]), potato.Right, potato.Left, a[3], tx)
}

func cmdBLMove(c *Conn, a [][]byte, tx *potato.Tx) {
	from, ok1 := parseDirection(a[3])
	to, ok2 := parseDirection(a[4])
	if !ok1 || !ok2 {
		c.failArgs("blmove", replyError(errSyntax))
		return
	}
	c.blmove("blmove", string(a[1]), string(a[2]), from, to, a[5], tx)
}

// cmdBLMPop parses numkeys, direction and count before the timeout, in
// Redis's order.
func cmdBLMPop(c *Conn, a [][]byte, tx *potato.Tx) {
	cmd := c.s.table.cmds["blmpop"]
	m, err := parseMPop(a[2:])
	if err != nil {
		c.failArgs("blmpop", err)
		return
	}
	timeout, err := parseTimeout(a[1])
	if err != nil {
		c.failArgs("blmpop", err)
		return
	}
	var key string
	var vs [][]byte
	err = c.blockingPop(tx, m.keys, func(tx *potato.Tx) error {
		var err error
		key, vs, err = tx.BLMPop(c.ctx, timeout, m.dir, m.count, m.keys...)
		return err
	}, func(ctx context.Context, db *potato.DB) error {
		var err error
		key, vs, err = db.BLMPop(ctx, timeout, m.dir, m.count, m.keys...)
		return err
	})
	if err != nil {
		c.blockReply(cmd, err, false)
		return
	}
	c.appendKeyValues(key, vs)
}
