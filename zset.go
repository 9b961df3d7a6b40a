package potato

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"rustypotato/internal/keyspace"
)

// Z is one member of a sorted set and its score: the arguments of ZAdd
// and the results of ZRange, ZPopMin and friends (go-redis's name).
type Z struct {
	Score  float64
	Member string
}

// ZWithKey is a member popped by BZPopMin/BZPopMax and the key it came
// from.
type ZWithKey struct {
	Z
	Key string
}

// ZAddArgs are ZADD's flags and its score-member pairs.
type ZAddArgs struct {
	NX, XX  bool // only add new members / only update existing ones
	LT, GT  bool // only update when the new score is lower / greater
	Ch      bool // count changed members, not only added ones
	Members []Z
}

// ZRangeArgs are ZRANGE's and ZRANGESTORE's arguments. Start and Stop are
// as Redis reads them: indexes (negative from the end), or with ByScore
// scores ("1.5", "(1.5" exclusive, "-inf", "+inf"), or with ByLex lex
// items ("[a", "(a", "-", "+"). With Rev the order is descending and, as
// in Redis, for ByScore and ByLex Start is the high end. Offset and
// Count are LIMIT (ByScore and ByLex only): it applies when Limit is set
// or either is non-zero; a negative Count means every member from
// Offset, a negative Offset none.
type ZRangeArgs struct {
	Key           string
	Start, Stop   string
	ByScore       bool
	ByLex         bool
	Rev           bool
	Limit         bool
	Offset, Count int64
}

// ZStore are the inputs of ZUnion, ZInter, ZDiff and their STORE forms:
// the keys, their weights (nil: all 1; ZDiff takes none) and the
// aggregate, "SUM" (default, also ""), "MIN" or "MAX".
type ZStore struct {
	Keys      []string
	Weights   []float64
	Aggregate string
}

var (
	errZNotFloat      = fmt.Errorf("%w: ERR min or max is not a float", ErrInvalidArgument)
	errZNotLex        = fmt.Errorf("%w: ERR min or max not valid string range item", ErrInvalidArgument)
	errZNaN           = fmt.Errorf("%w: ERR resulting score is not a number (NaN)", ErrInvalidArgument)
	errZNXXX          = fmt.Errorf("%w: ERR XX and NX options at the same time are not compatible", ErrInvalidArgument)
	errZGTLTNX        = fmt.Errorf("%w: ERR GT, LT, and/or NX options at the same time are not compatible", ErrInvalidArgument)
	errZIncrPair      = fmt.Errorf("%w: ERR INCR option supports a single increment-element pair", ErrInvalidArgument)
	errZSyntax        = fmt.Errorf("%w: ERR syntax error", ErrInvalidArgument)
	errZNotInt        = fmt.Errorf("%w: ERR value is not an integer or out of range", ErrInvalidArgument)
	errZLimitOnly     = fmt.Errorf("%w: ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX", ErrInvalidArgument)
	errZScoreAndLex   = fmt.Errorf("%w: ERR syntax error, BYSCORE and BYLEX options at the same time are not compatible", ErrInvalidArgument)
	errZCountPositive = fmt.Errorf("%w: ERR count should be greater than 0", ErrInvalidArgument)
	errZRandRange     = fmt.Errorf("%w: ERR value is out of range", ErrInvalidArgument)
	errZAggregate     = fmt.Errorf("%w: ERR syntax error", ErrInvalidArgument)
	errZWeightFloat   = fmt.Errorf("%w: ERR weight value is not a float", ErrInvalidArgument)
)

// zsetLimits are zset-max-listpack-entries and -value, stored plus one
// so that the zero value means Redis's defaults.
type zsetLimits struct{ entries, value atomic.Int64 }

func (c *core) zlimits() (entries, value int) {
	entries, value = keyspace.ZSetMaxListpackEntries, keyspace.ZSetMaxListpackValue
	if v := c.zcfg.entries.Load(); v > 0 {
		entries = int(v - 1)
	}
	if v := c.zcfg.value.Load(); v > 0 {
		value = int(v - 1)
	}
	return entries, value
}

// SetZSetMaxListpack sets zset-max-listpack-entries and
// zset-max-listpack-value (CONFIG SET): the largest sorted set, and its
// longest member, that OBJECT ENCODING reports as "listpack" (the rest
// are "skiplist"). They change no behaviour but the encoding reported
// and the order of a small set's ZSCAN; negative values are refused. The
// setting applies to the whole store.
func (d *DB) SetZSetMaxListpack(entries, value int64) error {
	if entries < 0 || value < 0 {
		return fmt.Errorf("%w: ERR argument must be a non-negative integer", ErrInvalidArgument)
	}
	d.c.zcfg.entries.Store(min(entries, math.MaxInt32) + 1)
	d.c.zcfg.value.Store(min(value, math.MaxInt32) + 1)
	return nil
}

// ZSetMaxListpack returns zset-max-listpack-entries and -value.
func (d *DB) ZSetMaxListpack() (entries, value int64) {
	e, v := d.c.zlimits()
	return int64(e), int64(v)
}

// zscoreBytes encodes a score as an Edit's Before/After and a member
// record's value: its IEEE 754 bits, big-endian.
func zscoreBytes(s float64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), math.Float64bits(s))
}

func zscoreOf(b []byte) float64 { return math.Float64frombits(binary.BigEndian.Uint64(b)) }

// ---------------------------------------------------------------------
// Primitives.
// ---------------------------------------------------------------------

// zadd sets member's score in e's sorted set, recording an EditZSet (and
// an EditZConvert when the set leaves the listpack encoding first).
func (tx *Tx) zadd(key, op string, e *keyspace.Entry, member string, score float64) (old float64, existed bool) {
	if tx.hooksOn() {
		// A member is a value stored: hooks may check or rewrite it.
		member = string(tx.checkHookIn(key, op, "", -1, nil, []byte(member), e, e.ZSet.Len() == 0))
	}
	z := e.ZSet
	if z.Listpack() {
		if _, ok := z.Score(member); !ok {
			entries, value := tx.c.zlimits()
			if z.Len()+1 > entries || len(member) > value {
				z.SetListpack(false)
				tx.record(key, op, Edit{Kind: EditZConvert, Field: member})
			}
		}
	}
	old, existed = z.Add(member, score)
	ed := Edit{Kind: EditZSet, Field: member, After: zscoreBytes(score)}
	if existed {
		ed.Before = zscoreBytes(old)
	}
	tx.recordGrow(key, op, e, ed)
	return old, existed
}

// zrem removes member from e's sorted set, recording an EditZDel.
func (tx *Tx) zrem(key, op string, e *keyspace.Entry, member string) (float64, bool) {
	old, existed := e.ZSet.Del(member)
	if existed {
		tx.recordGrow(key, op, e, Edit{Kind: EditZDel, Field: member, Before: zscoreBytes(old)})
	}
	return old, existed
}

// undoZSet is undoValue for the sorted-set edits.
func undoZSet(e *keyspace.Entry, ed *Edit) {
	switch ed.Kind {
	case EditZSet:
		if ed.Before == nil {
			e.ZSet.Del(ed.Field)
		} else {
			e.ZSet.Add(ed.Field, zscoreOf(ed.Before))
		}
	case EditZDel:
		e.ZSet.Add(ed.Field, zscoreOf(ed.Before))
	case EditZConvert:
		e.ZSet.SetListpack(true)
	}
}

// zsetRead returns key's sorted set for reading, nil if absent.
func (tx *Tx) zsetRead(key string) (*keyspace.ZSet, error) {
	e, err := tx.lookupKind(key, keyspace.KindZSet, false)
	if e == nil {
		return nil, err
	}
	return e.ZSet, nil
}

// zsetOrSetRead is zsetRead for the inputs of ZUNION, ZINTER, ZDIFF and
// their STORE forms and ZINTERCARD: as in Redis, a plain set is a sorted
// set whose members all score 1 (a temporary copy, O(n)).
func (tx *Tx) zsetOrSetRead(key string) (*keyspace.ZSet, error) {
	e := tx.lookup(key)
	if e == nil || e.Kind != keyspace.KindSet {
		return tx.zsetRead(key)
	}
	z := keyspace.NewZSet()
	e.Set.All(func(m string) bool {
		z.Add(m, 1)
		return true
	})
	return z, nil
}

// zsetWrite returns key's entry for writing, nil if absent.
func (tx *Tx) zsetWrite(key string) (*keyspace.Entry, error) {
	return tx.lookupKind(key, keyspace.KindZSet, true)
}

// zsetCreate stores a new empty sorted set at key (recorded under op),
// in the encoding Redis's zsetTypeCreate picks for size members of at
// most maxlen bytes. The caller adds a member before returning.
func (tx *Tx) zsetCreate(key, op string, size, maxlen int) *keyspace.Entry {
	z := keyspace.NewZSet()
	entries, value := tx.c.zlimits()
	z.SetListpack(entries > 0 && size <= entries && maxlen <= value)
	e := &keyspace.Entry{Kind: keyspace.KindZSet, ZSet: z}
	tx.put(key, op, e)
	return e
}

// zdelIfEmpty deletes key when its sorted set has no member left.
func (tx *Tx) zdelIfEmpty(key string, e *keyspace.Entry) {
	if e.ZSet.Len() == 0 {
		tx.del(key, "del")
	}
}

// ---------------------------------------------------------------------
// ZADD, ZINCRBY.
// ---------------------------------------------------------------------

func (a *ZAddArgs) check(incr bool) error {
	if a.NX && a.XX {
		return errZNXXX
	}
	if (a.GT && a.NX) || (a.LT && a.NX) || (a.GT && a.LT) {
		return errZGTLTNX
	}
	if incr && len(a.Members) != 1 {
		return errZIncrPair
	}
	if len(a.Members) == 0 {
		return fmt.Errorf("%w: ERR wrong number of arguments for 'zadd' command", ErrInvalidArgument)
	}
	for _, m := range a.Members {
		if m.Score != m.Score {
			return fmt.Errorf("%w: ERR value is not a valid float", ErrInvalidArgument)
		}
	}
	return nil
}

// zaddGeneric is ZADD: it returns the count to reply (added, or added
// and updated with Ch) and, with incr, the new score and whether the
// member was added or updated.
func (tx *Tx) zaddGeneric(key string, a ZAddArgs, incr bool) (int64, float64, bool, error) {
	if err := a.check(incr); err != nil {
		return 0, 0, false, err
	}
	tx.mustWrite()
	z, err := tx.zsetRead(key)
	if err != nil {
		return 0, 0, false, err
	}
	op := "zadd"
	if incr {
		op = "zincr"
	}
	var e *keyspace.Entry
	if z == nil {
		if a.XX {
			return 0, 0, false, nil
		}
		// Redis 7.0 picks the encoding by the first member alone.
		e = tx.zsetCreate(key, op, 1, len(a.Members[0].Member))
		z = e.ZSet
	}
	// The set is copied up for writing only when something changes.
	write := func() *keyspace.Entry {
		if e == nil {
			e = tx.lookupW(key)
			z = e.ZSet
		}
		return e
	}
	var added, updated int64
	var last float64
	done := false
	for _, m := range a.Members {
		score := m.Score
		cur, exists := z.Score(m.Member)
		if exists {
			if a.NX {
				continue
			}
			if incr {
				score += cur
				if score != score {
					return 0, 0, false, errZNaN
				}
			}
			if (a.LT && score >= cur) || (a.GT && score <= cur) {
				continue
			}
			last, done = score, true
			if score != cur {
				tx.zadd(key, op, write(), m.Member, score)
				updated++
			}
			continue
		}
		if a.XX {
			continue
		}
		tx.zadd(key, op, write(), m.Member, score)
		last, done = score, true
		added++
	}
	if a.Ch {
		return added + updated, last, done, nil
	}
	return added, last, done, nil
}

// ZAddArgs adds or updates members of the sorted set at key with ZADD's
// flags, creating the key if needed, and returns the number of members
// added (with a.Ch: added or whose score changed). It returns
// ErrWrongType if key holds another type and an ErrInvalidArgument error
// with Redis's text for incompatible flags or a NaN score.
func (tx *Tx) ZAddArgs(key string, a ZAddArgs) (int64, error) {
	n, _, _, err := tx.zaddGeneric(key, a, false)
	return n, err
}

// ZAddArgs is Tx.ZAddArgs in its own transaction.
func (d *DB) ZAddArgs(key string, a ZAddArgs) (n int64, err error) {
	err = d.do(true, func(tx *Tx) error { n, err = tx.ZAddArgs(key, a); return err }, key)
	return
}

// ZAdd adds or updates members (ZADD key score member ...) and returns
// how many were added; see Tx.ZAddArgs.
func (tx *Tx) ZAdd(key string, members ...Z) (int64, error) {
	return tx.ZAddArgs(key, ZAddArgs{Members: members})
}

// ZAdd is Tx.ZAdd in its own transaction.
func (d *DB) ZAdd(key string, members ...Z) (int64, error) {
	return d.ZAddArgs(key, ZAddArgs{Members: members})
}

// ZAddArgsIncr is ZADD ... INCR: it adds a.Members[0].Score to the
// member's score (0 if absent) under a's flags and returns the new score,
// or ErrNotFound when the flags left the member alone (Redis's nil). A
// sum that is NaN (inf + -inf) gives an ErrInvalidArgument error.
func (tx *Tx) ZAddArgsIncr(key string, a ZAddArgs) (float64, error) {
	_, s, done, err := tx.zaddGeneric(key, a, true)
	if err == nil && !done {
		err = ErrNotFound
	}
	return s, err
}

// ZAddArgsIncr is Tx.ZAddArgsIncr in its own transaction.
func (d *DB) ZAddArgsIncr(key string, a ZAddArgs) (s float64, err error) {
	err = d.do(true, func(tx *Tx) error { s, err = tx.ZAddArgsIncr(key, a); return err }, key)
	return
}

// ZIncrBy adds incr to member's score in the sorted set at key (ZINCRBY),
// creating both if needed, and returns the new score.
func (tx *Tx) ZIncrBy(key string, incr float64, member string) (float64, error) {
	return tx.ZAddArgsIncr(key, ZAddArgs{Members: []Z{{Score: incr, Member: member}}})
}

// ZIncrBy is Tx.ZIncrBy in its own transaction.
func (d *DB) ZIncrBy(key string, incr float64, member string) (s float64, err error) {
	err = d.do(true, func(tx *Tx) error { s, err = tx.ZIncrBy(key, incr, member); return err }, key)
	return
}

// ---------------------------------------------------------------------
// Point reads.
// ---------------------------------------------------------------------

// ZScore returns member's score (ZSCORE); ErrNotFound if the key or the
// member does not exist, ErrWrongType if key holds another type.
func (tx *Tx) ZScore(key, member string) (float64, error) {
	z, err := tx.zsetRead(key)
	if z == nil {
		if err == nil {
			err = ErrNotFound
		}
		return 0, err
	}
	s, ok := z.Score(member)
	if !ok {
		return 0, ErrNotFound
	}
	return s, nil
}

// ZScore is Tx.ZScore in its own transaction.
func (d *DB) ZScore(key, member string) (s float64, err error) {
	err = d.do(false, func(tx *Tx) error { s, err = tx.ZScore(key, member); return err }, key)
	return
}

// ZMScore returns the scores of members (ZMSCORE), NaN for a member (or
// key) that does not exist: no score is ever NaN.
func (tx *Tx) ZMScore(key string, members ...string) ([]float64, error) {
	z, err := tx.zsetRead(key)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(members))
	for i, m := range members {
		out[i] = math.NaN()
		if z != nil {
			if s, ok := z.Score(m); ok {
				out[i] = s
			}
		}
	}
	return out, nil
}

// ZMScore is Tx.ZMScore in its own transaction.
func (d *DB) ZMScore(key string, members ...string) (s []float64, err error) {
	err = d.do(false, func(tx *Tx) error { s, err = tx.ZMScore(key, members...); return err }, key)
	return
}

// ZCard returns the number of members (ZCARD), 0 if key does not exist.
func (tx *Tx) ZCard(key string) (int64, error) {
	z, err := tx.zsetRead(key)
	if z == nil {
		return 0, err
	}
	return int64(z.Len()), nil
}

// ZCard is Tx.ZCard in its own transaction.
func (d *DB) ZCard(key string) (n int64, err error) {
	err = d.do(false, func(tx *Tx) error { n, err = tx.ZCard(key); return err }, key)
	return
}

// ZRank returns member's 0-based rank by ascending score (ZRANK), with
// rev by descending score (ZREVRANK); ErrNotFound if the key or member
// does not exist.
func (tx *Tx) ZRank(key, member string, rev bool) (int64, error) {
	z, err := tx.zsetRead(key)
	if z == nil {
		if err == nil {
			err = ErrNotFound
		}
		return 0, err
	}
	r, ok := z.Rank(member)
	if !ok {
		return 0, ErrNotFound
	}
	if rev {
		r = z.Len() - 1 - r
	}
	return int64(r), nil
}

// ZRank is Tx.ZRank in its own transaction.
func (d *DB) ZRank(key, member string) (r int64, err error) {
	err = d.do(false, func(tx *Tx) error { r, err = tx.ZRank(key, member, false); return err }, key)
	return
}

// ZRevRank is ZRank by descending score (ZREVRANK).
func (d *DB) ZRevRank(key, member string) (r int64, err error) {
	err = d.do(false, func(tx *Tx) error { r, err = tx.ZRank(key, member, true); return err }, key)
	return
}

// ---------------------------------------------------------------------
// Ranges.
// ---------------------------------------------------------------------

// zParseScore parses a score bound as Redis's zslParseRange does (strtod
// of what follows an optional '(').
func zParseScore(s string) (float64, bool, error) {
	excl := false
	if strings.HasPrefix(s, "(") {
		excl, s = true, s[1:]
	}
	f, ok := zStrtod(s)
	if !ok {
		return 0, false, errZNotFloat
	}
	return f, excl, nil
}

// zStrtod parses s whole as C's strtod does (leading spaces allowed,
// inf/infinity, no NaN).
func zStrtod(s string) (float64, bool) {
	if s == "" {
		return 0, true // strtod converts nothing and stops at the end: 0
	}
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	if s == "" || strings.ContainsAny(s, "_ ") {
		return 0, false
	}
	return zParseFloat(s)
}

// zParseFloat is strconv.ParseFloat with strtod's hexadecimal floats
// without an exponent ("0x10") and its overflow to ±inf.
func zParseFloat(s string) (float64, bool) {
	if l := strings.ToLower(s); strings.Contains(l, "0x") && !strings.Contains(l, "p") {
		s += "p0"
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		ne, ok := err.(*strconv.NumError)
		if !ok || ne.Err != strconv.ErrRange {
			return 0, false
		}
	}
	if f != f {
		return 0, false
	}
	return f, true
}

// ParseScore parses a sorted-set score or weight argument as Redis's
// getDoubleFromObject does: C's strtod over the whole argument (decimal,
// hexadecimal, inf, infinity), no leading space, no NaN.
func ParseScore(s string) (float64, bool) {
	if s == "" || strings.ContainsAny(s[:1], " \t\n\v\f\r") || strings.ContainsAny(s, "_ ") {
		return 0, false
	}
	return zParseFloat(s)
}

// zrange is a resolved ascending index range lo..hi-1.
type zindexRange struct{ lo, hi int }

func zscoreRange(z *keyspace.ZSet, min, max string) (zindexRange, error) {
	lo, loEx, err := zParseScore(min)
	if err != nil {
		return zindexRange{}, err
	}
	hi, hiEx, err := zParseScore(max)
	if err != nil {
		return zindexRange{}, err
	}
	if z == nil || lo > hi || (lo == hi && (loEx || hiEx)) {
		return zindexRange{}, nil
	}
	a := z.ScoreIndex(lo, loEx)
	b := z.ScoreIndex(hi, !hiEx)
	if b < a {
		b = a
	}
	return zindexRange{a, b}, nil
}

// zlexItem is a parsed lex bound: inf -1 for "-", +1 for "+".
type zlexItem struct {
	s    string
	excl bool
	inf  int
}

func zParseLex(s string) (zlexItem, error) {
	switch {
	case s == "+":
		return zlexItem{inf: 1}, nil
	case s == "-":
		return zlexItem{inf: -1}, nil
	case strings.HasPrefix(s, "("):
		return zlexItem{s: s[1:], excl: true}, nil
	case strings.HasPrefix(s, "["):
		return zlexItem{s: s[1:]}, nil
	}
	return zlexItem{}, errZNotLex
}

func zlexRange(z *keyspace.ZSet, min, max string) (zindexRange, error) {
	return zlexRangeDir(z, min, max, false)
}

func (it zlexItem) gteMin(m string) bool {
	switch {
	case it.inf != 0:
		return it.inf < 0
	case it.excl:
		return m > it.s
	}
	return m >= it.s
}

func (it zlexItem) lteMax(m string) bool {
	switch {
	case it.inf != 0:
		return it.inf > 0
	case it.excl:
		return m < it.s
	}
	return m <= it.s
}

// zlexRangeDir resolves a lex range to the index span Redis visits: the
// first member (from the head, or with rev from the tail) inside the
// bounds, and its neighbours while they stay inside. When all scores are
// equal, as lex ranges require, that is a binary search; on a listpack
// set with mixed scores it is Redis's linear walk, so that even that
// undefined case replies as Redis does. (Redis's skiplist walk in that
// case depends on its random levels.)
func zlexRangeDir(z *keyspace.ZSet, min, max string, rev bool) (zindexRange, error) {
	lo, err := zParseLex(min)
	if err != nil {
		return zindexRange{}, err
	}
	hi, err := zParseLex(max)
	if err != nil {
		return zindexRange{}, err
	}
	if z == nil || z.Len() == 0 || lo.inf == 1 || hi.inf == -1 {
		return zindexRange{}, nil
	}
	if lo.inf == 0 && hi.inf == 0 {
		if c := strings.Compare(lo.s, hi.s); c > 0 || (c == 0 && (lo.excl || hi.excl)) {
			return zindexRange{}, nil
		}
	}
	n := z.Len()
	if !z.Listpack() {
		a, b := 0, n
		if lo.inf == 0 {
			a = z.LexIndex(lo.s, lo.excl)
		}
		if hi.inf == 0 {
			b = z.LexIndex(hi.s, !hi.excl)
		}
		if b < a {
			b = a
		}
		return zindexRange{a, b}, nil
	}
	// zzlIsInLexRange: the last member must be >= min, the first <= max.
	if !lo.gteMin(z.At(n-1).Member) || !hi.lteMax(z.At(0).Member) {
		return zindexRange{}, nil
	}
	if !rev {
		i := 0
		for i < n && !lo.gteMin(z.At(i).Member) {
			i++
		}
		j := i
		for j < n && hi.lteMax(z.At(j).Member) {
			j++
		}
		return zindexRange{i, j}, nil
	}
	i := n - 1
	for i >= 0 && !hi.lteMax(z.At(i).Member) {
		i--
	}
	j := i
	for j >= 0 && lo.gteMin(z.At(j).Member) {
		j--
	}
	return zindexRange{j + 1, i + 1}, nil
}

func zrankRange(n int, start, stop int64) zindexRange {
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
		return zindexRange{}
	}
	if stop >= ln {
		stop = ln - 1
	}
	return zindexRange{int(start), int(stop) + 1}
}

// zselect resolves a's range on z to the members in reply order.
func zselect(z *keyspace.ZSet, a *ZRangeArgs) ([]Z, error) {
	if a.ByScore && a.ByLex {
		return nil, errZScoreAndLex
	}
	limit := a.Limit || a.Offset != 0 || a.Count != 0
	if limit && !a.ByScore && !a.ByLex {
		return nil, errZLimitOnly
	}
	var r zindexRange
	var err error
	lo, hi := a.Start, a.Stop
	if a.Rev && (a.ByScore || a.ByLex) {
		lo, hi = hi, lo
	}
	switch {
	case a.ByScore:
		r, err = zscoreRange(z, lo, hi)
	case a.ByLex:
		r, err = zlexRangeDir(z, lo, hi, a.Rev)
	default:
		start, ok1 := parseInt64(a.Start)
		stop, ok2 := parseInt64(a.Stop)
		if !ok1 || !ok2 {
			return nil, errZNotInt
		}
		if z == nil {
			return nil, nil
		}
		if a.Rev {
			n := int64(z.Len())
			r = zrankRange(z.Len(), start, stop)
			r = zindexRange{int(n) - r.hi, int(n) - r.lo}
			if r.hi <= r.lo {
				r = zindexRange{}
			}
		} else {
			r = zrankRange(z.Len(), start, stop)
		}
	}
	if err != nil || z == nil {
		return nil, err
	}
	if limit {
		if a.Offset < 0 {
			return nil, nil
		}
		n := int64(r.hi - r.lo)
		if a.Offset >= n {
			return nil, nil
		}
		cnt := n - a.Offset
		if a.Count >= 0 && a.Count < cnt {
			cnt = a.Count
		}
		if a.Rev {
			r = zindexRange{r.hi - int(a.Offset) - int(cnt), r.hi - int(a.Offset)}
		} else {
			r = zindexRange{r.lo + int(a.Offset), r.lo + int(a.Offset) + int(cnt)}
		}
	}
	if r.hi <= r.lo {
		return nil, nil
	}
	out := make([]Z, 0, r.hi-r.lo)
	emit := func(_ int, m keyspace.ZMember) bool {
		out = append(out, Z{Score: m.Score, Member: m.Member})
		return true
	}
	if a.Rev {
		z.RangeRev(r.lo, r.hi, emit)
	} else {
		z.Range(r.lo, r.hi, emit)
	}
	return out, nil
}

func parseInt64(s string) (int64, bool) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || (len(s) > 1 && (s[0] == '+' || (s[0] == '0') || (s[0] == '-' && s[1] == '0'))) {
		return 0, false
	}
	return v, true
}

// ZRangeArgs returns the members a selects, in order (ZRANGE and its
// older forms ZRANGEBYSCORE, ZREVRANGE, ...). It returns ErrWrongType if
// the key holds another type and an ErrInvalidArgument error with
// Redis's text for a bad bound or option combination.
func (tx *Tx) ZRangeArgs(a ZRangeArgs) ([]Z, error) {
	if _, err := zselect(nil, &a); err != nil {
		return nil, err // Redis checks the arguments before the key
	}
	z, err := tx.zsetRead(a.Key)
	if err != nil {
		return nil, err
	}
	return zselect(z, &a)
}

// ZRangeArgs is Tx.ZRangeArgs in its own transaction.
func (d *DB) ZRangeArgs(a ZRangeArgs) (out []Z, err error) {
	err = d.do(false, func(tx *Tx) error { out, err = tx.ZRangeArgs(a); return err }, a.Key)
	return
}

// ZRange returns the members at ascending indexes start..stop (ZRANGE
// key start stop WITHSCORES).
func (d *DB) ZRange(key string, start, stop int64) ([]Z, error) {
	return d.ZRangeArgs(ZRangeArgs{Key: key, Start: strconv.FormatInt(start, 10), Stop: strconv.FormatInt(stop, 10)})
}

// ZRangeStore stores the members a selects as the sorted set dst
// (ZRANGESTORE) and returns their number; an empty selection deletes
// dst.
func (tx *Tx) ZRangeStore(dst string, a ZRangeArgs) (int64, error) {
	tx.mustWrite()
	if _, err := zselect(nil, &a); err != nil {
		return 0, err
	}
	z, err := tx.zsetRead(a.Key)
	if err != nil {
		return 0, err
	}
	out, err := zselect(z, &a)
	if err != nil {
		return 0, err
	}
	return tx.zstore(dst, "zrangestore", out)
}

// ZRangeStore is Tx.ZRangeStore in its own transaction.
func (d *DB) ZRangeStore(dst string, a ZRangeArgs) (n int64, err error) {
	err = d.do(true, func(tx *Tx) error { n, err = tx.ZRangeStore(dst, a); return err }, dst, a.Key)
	return
}

// zstore replaces dst with a sorted set of members (or deletes it when
// there are none), as the STORE commands do.
func (tx *Tx) zstore(dst, op string, members []Z) (int64, error) {
	if len(members) == 0 {
		if tx.lookupW(dst) != nil {
			tx.del(dst, "del")
		}
		return 0, nil
	}
	tx.lookup(dst) // an expired dst goes first
	z := keyspace.NewZSet()
	z.SetListpack(false) // built as a skiplist, as Redis does, so -0 stays until the encoding is picked
	maxlen := 0
	for _, m := range members {
		z.Add(m.Member, m.Score)
		maxlen = max(maxlen, len(m.Member))
	}
	entries, value := tx.c.zlimits()
	z.SetListpack(z.Len() <= entries && maxlen <= value)
	tx.put(dst, op, &keyspace.Entry{Kind: keyspace.KindZSet, ZSet: z})
	return int64(z.Len()), nil
}

// ZCount returns the number of members with scores between min and max
// (ZCOUNT; bounds as in ZRangeArgs.ByScore).
func (tx *Tx) ZCount(key, min, max string) (int64, error) {
	if _, err := zscoreRange(nil, min, max); err != nil {
		return 0, err
	}
	z, err := tx.zsetRead(key)
	if err != nil {
		return 0, err
	}
	r, err := zscoreRange(z, min, max)
	return int64(r.hi - r.lo), err
}

// ZCount is Tx.ZCount in its own transaction.
func (d *DB) ZCount(key, min, max string) (n int64, err error) {
	err = d.do(false, func(tx *Tx) error { n, err = tx.ZCount(key, min, max); return err }, key)
	return
}

// ZLexCount returns the number of members between lex bounds min and max
// (ZLEXCOUNT; bounds as in ZRangeArgs.ByLex).
func (tx *Tx) ZLexCount(key, min, max string) (int64, error) {
	if _, err := zlexRange(nil, min, max); err != nil {
		return 0, err
	}
	z, err := tx.zsetRead(key)
	if err != nil {
		return 0, err
	}
	r, err := zlexRange(z, min, max)
	return int64(r.hi - r.lo), err
}

// ZLexCount is Tx.ZLexCount in its own transaction.
func (d *DB) ZLexCount(key, min, max string) (n int64, err error) {
	err = d.do(false, func(tx *Tx) error { n, err = tx.ZLexCount(key, min, max); return err }, key)
	return
}

// ---------------------------------------------------------------------
// Removal.
// ---------------------------------------------------------------------

// ZRem removes members (ZREM) and returns how many existed; the key goes
// with its last member.
func (tx *Tx) ZRem(key string, members ...string) (int64, error) {
	if len(members) == 0 {
		return 0, fmt.Errorf("%w: ERR wrong number of arguments for 'zrem' command", ErrInvalidArgument)
	}
	tx.mustWrite()
	z, err := tx.zsetRead(key)
	if z == nil {
		return 0, err
	}
	found := false
	for _, m := range members {
		if _, found = z.Score(m); found {
			break
		}
	}
	if !found {
		return 0, nil
	}
	e := tx.lookupW(key)
	var n int64
	for _, m := range members {
		if _, ok := tx.zrem(key, "zrem", e, m); ok {
			n++
		}
	}
	tx.zdelIfEmpty(key, e)
	return n, nil
}

// ZRem is Tx.ZRem in its own transaction.
func (d *DB) ZRem(key string, members ...string) (n int64, err error) {
	err = d.do(true, func(tx *Tx) error { n, err = tx.ZRem(key, members...); return err }, key)
	return
}

func (tx *Tx) zremRange(key, op string, resolve func(z *keyspace.ZSet) (zindexRange, error)) (int64, error) {
	tx.mustWrite()
	if _, err := resolve(nil); err != nil {
		return 0, err // Redis checks the range before the key
	}
	z, err := tx.zsetRead(key)
	if err != nil {
		return 0, err
	}
	r, err := resolve(z)
	if err != nil || z == nil || r.hi <= r.lo {
		return 0, err
	}
	e := tx.lookupW(key)
	victims := make([]string, 0, r.hi-r.lo)
	e.ZSet.Range(r.lo, r.hi, func(_ int, m keyspace.ZMember) bool { victims = append(victims, m.Member); return true })
	for _, m := range victims {
		tx.zrem(key, op, e, m)
	}
	tx.zdelIfEmpty(key, e)
	return int64(len(victims)), nil
}

// ZRemRangeByRank removes the members at ascending indexes start..stop
// (ZREMRANGEBYRANK) and returns how many.
func (tx *Tx) ZRemRangeByRank(key string, start, stop int64) (int64, error) {
	return tx.zremRange(key, "zremrangebyrank", func(z *keyspace.ZSet) (zindexRange, error) {
		if z == nil {
			return zindexRange{}, nil
		}
		return zrankRange(z.Len(), start, stop), nil
	})
}

// ZRemRangeByRank is Tx.ZRemRangeByRank in its own transaction.
func (d *DB) ZRemRangeByRank(key string, start, stop int64) (n int64, err error) {
	err = d.do(true, func(tx *Tx) error { n, err = tx.ZRemRangeByRank(key, start, stop); return err }, key)
	return
}

// ZRemRangeByScore removes the members with scores between min and max
// (ZREMRANGEBYSCORE) and returns how many.
func (tx *Tx) ZRemRangeByScore(key, min, max string) (int64, error) {
	return tx.zremRange(key, "zremrangebyscore", func(z *keyspace.ZSet) (zindexRange, error) { return zscoreRange(z, min, max) })
}

// ZRemRangeByScore is Tx.ZRemRangeByScore in its own transaction.
func (d *DB) ZRemRangeByScore(key, min, max string) (n int64, err error) {
	err = d.do(true, func(tx *Tx) error { n, err = tx.ZRemRangeByScore(key, min, max); return err }, key)
	return
}

// ZRemRangeByLex removes the members between lex bounds min and max
// (ZREMRANGEBYLEX) and returns how many.
func (tx *Tx) ZRemRangeByLex(key, min, max string) (int64, error) {
	return tx.zremRange(key, "zremrangebylex", func(z *keyspace.ZSet) (zindexRange, error) { return zlexRange(z, min, max) })
}

// ZRemRangeByLex is Tx.ZRemRangeByLex in its own transaction.
func (d *DB) ZRemRangeByLex(key, min, max string) (n int64, err error) {
	err = d.do(true, func(tx *Tx) error { n, err = tx.ZRemRangeByLex(key, min, max); return err }, key)
	return
}

// ---------------------------------------------------------------------
// Pops.
// ---------------------------------------------------------------------

// zpopN pops up to count members from e's set, lowest first (or highest
// with max), deleting the key when it empties.
func (tx *Tx) zpopN(key string, e *keyspace.Entry, max bool, count int) []Z {
	op := "zpopmin"
	if max {
		op = "zpopmax"
	}
	n := min(count, e.ZSet.Len())
	out := make([]Z, 0, n)
	for i := 0; i < n; i++ {
		idx := 0
		if max {
			idx = e.ZSet.Len() - 1
		}
		m := e.ZSet.At(idx)
		tx.zrem(key, op, e, m.Member)
		out = append(out, Z{Score: m.Score, Member: m.Member})
	}
	tx.zdelIfEmpty(key, e)
	return out
}

// ZPopMin removes and returns up to count members with the lowest scores
// (ZPOPMIN), lowest first; a negative count gives Redis's error.
func (tx *Tx) ZPopMin(key string, count int64) ([]Z, error) { return tx.zpop(key, false, count) }

// ZPopMax is ZPopMin from the highest scores (ZPOPMAX).
func (tx *Tx) ZPopMax(key string, count int64) ([]Z, error) { return tx.zpop(key, true, count) }

func (tx *Tx) zpop(key string, max bool, count int64) ([]Z, error) {
	tx.mustWrite()
	if count < 0 {
		return nil, fmt.Errorf("%w: ERR value is out of range, must be positive", ErrInvalidArgument)
	}
	z, err := tx.zsetRead(key)
	if z == nil || count == 0 {
		return nil, err
	}
	e := tx.lookupW(key)
	return tx.zpopN(key, e, max, int(min(count, 1<<31))), nil
}

// ZPopMin is Tx.ZPopMin in its own transaction.
func (d *DB) ZPopMin(key string, count int64) (out []Z, err error) {
	err = d.do(true, func(tx *Tx) error { out, err = tx.ZPopMin(key, count); return err }, key)
	return
}

// ZPopMax is Tx.ZPopMax in its own transaction.
func (d *DB) ZPopMax(key string, count int64) (out []Z, err error) {
	err = d.do(true, func(tx *Tx) error { out, err = tx.ZPopMax(key, count); return err }, key)
	return
}

func checkZMPop(count int64, keys []string) error {
	if len(keys) == 0 {
		return fmt.Errorf("%w: ERR numkeys should be greater than 0", ErrInvalidArgument)
	}
	if count <= 0 {
		return errZCountPositive
	}
	return nil
}

// ZMPop pops up to count members from the first non-empty sorted set
// among keys (ZMPOP), lowest scores first or, with max, highest, and
// returns its key; ErrNotFound when all are empty.
func (tx *Tx) ZMPop(max bool, count int64, keys ...string) (string, []Z, error) {
	tx.mustWrite()
	if err := checkZMPop(count, keys); err != nil {
		return "", nil, err
	}
	res, ok := tx.popFirst(&waiter{keys: keys, zset: true, from: zdir(max), count: clampInt(count)})
	if !ok {
		return "", nil, ErrNotFound
	}
	return res.key, res.zs, res.err
}

// ZMPop is Tx.ZMPop in its own transaction.
func (d *DB) ZMPop(max bool, count int64, keys ...string) (key string, out []Z, err error) {
	err = d.do(true, func(tx *Tx) error { key, out, err = tx.ZMPop(max, count, keys...); return err }, keys...)
	return
}

func zdir(max bool) ListDirection {
	if max {
		return Right
	}
	return Left
}

// BZPopMin is ZPopMin of one member from the first non-empty sorted set
// among keys that blocks while all are empty (BZPOPMIN); waiting,
// timeout, ctx and errors are as in DB.BLPop.
func (d *DB) BZPopMin(ctx context.Context, timeout time.Duration, keys ...string) (ZWithKey, error) {
	return d.bzpop(ctx, "bzpopmin", false, timeout, keys)
}

// BZPopMax is BZPopMin from the highest scores (BZPOPMAX).
func (d *DB) BZPopMax(ctx context.Context, timeout time.Duration, keys ...string) (ZWithKey, error) {
	return d.bzpop(ctx, "bzpopmax", true, timeout, keys)
}

func (d *DB) bzpop(ctx context.Context, cmd string, max bool, timeout time.Duration, keys []string) (ZWithKey, error) {
	if err := checkBlocking(cmd, timeout, keys); err != nil {
		return ZWithKey{}, err
	}
	res := d.block(ctx, timeout, &waiter{keys: keys, zset: true, from: zdir(max), count: 1}, keys...)
	if res.err != nil {
		return ZWithKey{}, res.err
	}
	return ZWithKey{Z: res.zs[0], Key: res.key}, nil
}

// BZPopMin inside a transaction does not block (as in MULTI): it pops
// from the first non-empty set or returns ErrNotFound.
func (tx *Tx) BZPopMin(ctx context.Context, timeout time.Duration, keys ...string) (ZWithKey, error) {
	return tx.bzpop("bzpopmin", false, timeout, keys)
}

// BZPopMax inside a transaction does not block; see Tx.BZPopMin.
func (tx *Tx) BZPopMax(ctx context.Context, timeout time.Duration, keys ...string) (ZWithKey, error) {
	return tx.bzpop("bzpopmax", true, timeout, keys)
}

func (tx *Tx) bzpop(cmd string, max bool, timeout time.Duration, keys []string) (ZWithKey, error) {
	tx.mustWrite()
	if err := checkBlocking(cmd, timeout, keys); err != nil {
		return ZWithKey{}, err
	}
	res, ok := tx.popFirst(&waiter{keys: keys, zset: true, from: zdir(max), count: 1})
	if !ok {
		return ZWithKey{}, ErrNotFound
	}
	if res.err != nil {
		return ZWithKey{}, res.err
	}
	return ZWithKey{Z: res.zs[0], Key: res.key}, nil
}

// BZMPop is ZMPop that blocks while all the sets are empty (BZMPOP).
func (d *DB) BZMPop(ctx context.Context, timeout time.Duration, max bool, count int64, keys ...string) (string, []Z, error) {
	if timeout < 0 {
		return "", nil, errListNegativeTTL
	}
	if err := checkZMPop(count, keys); err != nil {
		return "", nil, err
	}
	res := d.block(ctx, timeout, &waiter{keys: keys, zset: true, from: zdir(max), count: clampInt(count)}, keys...)
	return res.key, res.zs, res.err
}

// BZMPop inside a transaction does not block: it is ZMPop.
func (tx *Tx) BZMPop(ctx context.Context, timeout time.Duration, max bool, count int64, keys ...string) (string, []Z, error) {
	if timeout < 0 {
		return "", nil, errListNegativeTTL
	}
	return tx.ZMPop(max, count, keys...)
}

// ---------------------------------------------------------------------
// Set algebra.
// ---------------------------------------------------------------------

func zaggregate(agg string) (int, error) {
	switch {
	case agg == "" || equalFold(agg, "sum"):
		return 0, nil
	case equalFold(agg, "min"):
		return 1, nil
	case equalFold(agg, "max"):
		return 2, nil
	}
	return 0, errZAggregate
}

func zagg(mode int, a, b float64) float64 {
	switch mode {
	case 1:
		return math.Min(a, b)
	case 2:
		return math.Max(a, b)
	}
	s := a + b
	if s != s {
		return 0 // inf + -inf: Redis makes it 0
	}
	return s
}

// zcombine computes ZUNION (op 0), ZINTER (1) or ZDIFF (2) of s.
func (tx *Tx) zcombine(op int, s ZStore) ([]Z, error) {
	if len(s.Keys) == 0 {
		return nil, fmt.Errorf("%w: ERR at least 1 input key is needed for this command", ErrInvalidArgument)
	}
	if s.Weights != nil && len(s.Weights) != len(s.Keys) {
		return nil, errZSyntax
	}
	mode, err := zaggregate(s.Aggregate)
	if err != nil {
		return nil, err
	}
	sets := make([]*keyspace.ZSet, len(s.Keys))
	for i, k := range s.Keys {
		if sets[i], err = tx.zsetOrSetRead(k); err != nil {
			return nil, err
		}
	}
	w := func(i int) float64 {
		if s.Weights == nil {
			return 1
		}
		return s.Weights[i]
	}
	weighted := func(i int, sc float64) float64 {
		v := sc * w(i)
		if v != v {
			return 0 // 0 * inf: Redis makes it 0
		}
		return v
	}
	res := map[string]float64{}
	var order []string
	switch op {
	case 0:
		idx := make([]int, len(sets))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return zlen(sets[idx[a]]) < zlen(sets[idx[b]]) })
		for _, i := range idx {
			z := sets[i]
			if z == nil {
				continue
			}
			z.All(func(m keyspace.ZMember) bool {
				v := weighted(i, m.Score)
				if cur, ok := res[m.Member]; ok {
					res[m.Member] = zagg(mode, cur, v)
				} else {
					res[m.Member] = v
					order = append(order, m.Member)
				}
				return true
			})
		}
	case 1:
		for _, z := range sets {
			if z == nil || z.Len() == 0 {
				return nil, nil
			}
		}
		// As Redis does: walk the smallest set, aggregating over the
		// sets in ascending order of size.
		idx := make([]int, len(sets))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return sets[idx[a]].Len() < sets[idx[b]].Len() })
		small := idx[0]
		sets[small].All(func(m keyspace.ZMember) bool {
			v := weighted(small, m.Score)
			for _, i := range idx[1:] {
				sc, ok := sets[i].Score(m.Member)
				if !ok {
					return true
				}
				v = zagg(mode, v, weighted(i, sc))
			}
			res[m.Member] = v
			order = append(order, m.Member)
			return true
		})
	case 2:
		if sets[0] == nil {
			return nil, nil
		}
		sets[0].All(func(m keyspace.ZMember) bool {
			for _, z := range sets[1:] {
				if z != nil {
					if _, ok := z.Score(m.Member); ok {
						return true
					}
				}
			}
			res[m.Member] = m.Score
			order = append(order, m.Member)
			return true
		})
	}
	out := make([]Z, 0, len(order))
	for _, m := range order {
		out = append(out, Z{Score: res[m], Member: m})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score < out[j].Score
		}
		return out[i].Member < out[j].Member
	})
	return out, nil
}

func zlen(z *keyspace.ZSet) int {
	if z == nil {
		return 0
	}
	return z.Len()
}

// ZUnion returns the union of the sorted sets (ZUNION ... WITHSCORES),
// scores weighted and aggregated, in ascending order. A missing key is an
// empty set.
func (tx *Tx) ZUnion(s ZStore) ([]Z, error) { return tx.zcombine(0, s) }

// ZInter returns the intersection of the sorted sets (ZINTER).
func (tx *Tx) ZInter(s ZStore) ([]Z, error) { return tx.zcombine(1, s) }

// ZDiff returns the members of the first set in none of the others
// (ZDIFF), with their scores; weights and aggregate do not apply.
func (tx *Tx) ZDiff(keys ...string) ([]Z, error) { return tx.zcombine(2, ZStore{Keys: keys}) }

// ZUnion is Tx.ZUnion in its own transaction.
func (d *DB) ZUnion(s ZStore) (out []Z, err error) {
	err = d.do(false, func(tx *Tx) error { out, err = tx.ZUnion(s); return err }, s.Keys...)
	return
}

// ZInter is Tx.ZInter in its own transaction.
func (d *DB) ZInter(s ZStore) (out []Z, err error) {
	err = d.do(false, func(tx *Tx) error { out, err = tx.ZInter(s); return err }, s.Keys...)
	return
}

// ZDiff is Tx.ZDiff in its own transaction.
func (d *DB) ZDiff(keys ...string) (out []Z, err error) {
	err = d.do(false, func(tx *Tx) error { out, err = tx.ZDiff(keys...); return err }, keys...)
	return
}

// ZUnionStore stores ZUnion(s) at dst (ZUNIONSTORE) and returns its size;
// an empty result deletes dst.
func (tx *Tx) ZUnionStore(dst string, s ZStore) (int64, error) {
	return tx.zcombineStore(0, "zunionstore", dst, s)
}

// ZInterStore stores ZInter(s) at dst (ZINTERSTORE).
func (tx *Tx) ZInterStore(dst string, s ZStore) (int64, error) {
	return tx.zcombineStore(1, "zinterstore", dst, s)
}

// ZDiffStore stores ZDiff(keys...) at dst (ZDIFFSTORE).
func (tx *Tx) ZDiffStore(dst string, keys ...string) (int64, error) {
	return tx.zcombineStore(2, "zdiffstore", dst, ZStore{Keys: keys})
}

func (tx *Tx) zcombineStore(op int, name, dst string, s ZStore) (int64, error) {
	tx.mustWrite()
	out, err := tx.zcombine(op, s)
	if err != nil {
		return 0, err
	}
	return tx.zstore(dst, name, out)
}

// ZUnionStore is Tx.ZUnionStore in its own transaction.
func (d *DB) ZUnionStore(dst string, s ZStore) (n int64, err error) {
	err = d.do(true, func(tx *Tx) error { n, err = tx.ZUnionStore(dst, s); return err }, append([]string{dst}, s.Keys...)...)
	return
}

// ZInterStore is Tx.ZInterStore in its own transaction.
func (d *DB) ZInterStore(dst string, s ZStore) (n int64, err error) {
	err = d.do(true, func(tx *Tx) error { n, err = tx.ZInterStore(dst, s); return err }, append([]string{dst}, s.Keys...)...)
	return
}

// ZDiffStore is Tx.ZDiffStore in its own transaction.
func (d *DB) ZDiffStore(dst string, keys ...string) (n int64, err error) {
	err = d.do(true, func(tx *Tx) error { n, err = tx.ZDiffStore(dst, keys...); return err }, append([]string{dst}, keys...)...)
	return
}

// ZInterCard returns the size of the intersection of the sets
// (ZINTERCARD), counting at most limit members when limit > 0.
func (tx *Tx) ZInterCard(limit int64, keys ...string) (int64, error) {
	if limit < 0 {
		return 0, fmt.Errorf("%w: ERR LIMIT can't be negative", ErrInvalidArgument)
	}
	out, err := tx.zcombine(1, ZStore{Keys: keys})
	if err != nil {
		return 0, err
	}
	n := int64(len(out))
	if limit > 0 && n > limit {
		n = limit
	}
	return n, nil
}

// ZInterCard is Tx.ZInterCard in its own transaction.
func (d *DB) ZInterCard(limit int64, keys ...string) (n int64, err error) {
	err = d.do(false, func(tx *Tx) error { n, err = tx.ZInterCard(limit, keys...); return err }, keys...)
	return
}

// ---------------------------------------------------------------------
// Random members and scans.
// ---------------------------------------------------------------------

// ZRandMember returns random members of the sorted set at key
// (ZRANDMEMBER key count): as in Redis 7, a positive count returns that
// many distinct members (the whole set, in order, if it has fewer), a
// negative count exactly -count members, possibly repeated. Counts whose
// reply Redis refuses, or a negative count below -16777216 (which would
// exhaust memory), give "ERR value is out of range".
func (tx *Tx) ZRandMember(key string, count int64, withScores bool) ([]Z, error) {
	if count == math.MinInt64 || (withScores && (count < -math.MaxInt64/2 || count > math.MaxInt64/2)) {
		return nil, errZRandRange
	}
	z, err := tx.zsetRead(key)
	if z == nil || count == 0 {
		return nil, err
	}
	size := z.Len()
	pick := func(i int) Z { m := z.At(i); return Z{Score: m.Score, Member: m.Member} }
	if count < 0 {
		if count < -maxHRandFieldRepeat {
			return nil, errZRandRange
		}
		out := make([]Z, -count)
		for i := range out {
			out[i] = pick(rand.IntN(size))
		}
		return out, nil
	}
	if count >= int64(size) {
		out := make([]Z, 0, size)
		z.All(func(m keyspace.ZMember) bool { out = append(out, Z{Score: m.Score, Member: m.Member}); return true })
		return out, nil
	}
	idx := distinctRandom(size, int(count))
	out := make([]Z, len(idx))
	for i, t := range idx {
		out[i] = pick(t)
	}
	return out, nil
}

// ZRandMember is Tx.ZRandMember in its own transaction.
func (d *DB) ZRandMember(key string, count int64, withScores bool) (out []Z, err error) {
	err = d.do(false, func(tx *Tx) error { out, err = tx.ZRandMember(key, count, withScores); return err }, key)
	return
}

// ZRandMemberOne returns one random member (ZRANDMEMBER key); ErrNotFound
// if the key does not exist.
func (tx *Tx) ZRandMemberOne(key string) (string, error) {
	z, err := tx.zsetRead(key)
	if z == nil {
		if err == nil {
			err = ErrNotFound
		}
		return "", err
	}
	return z.At(rand.IntN(z.Len())).Member, nil
}

// ZRandMemberOne is Tx.ZRandMemberOne in its own transaction.
func (d *DB) ZRandMemberOne(key string) (m string, err error) {
	err = d.do(false, func(tx *Tx) error { m, err = tx.ZRandMemberOne(key); return err }, key)
	return
}

// ZScan returns some members of the sorted set at key and the cursor to
// resume from (ZSCAN), as HScan does; a set in the listpack encoding is
// returned whole, in order, in one call, as Redis does.
func (tx *Tx) ZScan(key string, cursor uint64, match string, count int64) ([]Z, uint64, error) {
	if count < 0 {
		return nil, 0, errZSyntax
	}
	if count == 0 {
		count = 10
	}
	z, err := tx.zsetRead(key)
	if z == nil {
		return nil, 0, err
	}
	var out []Z
	all := match == "" || match == "*"
	next := z.Scan(cursor, int(min(count, 1<<20)), func(m keyspace.ZMember) {
		if all || keyspace.Match(match, m.Member, false) {
			out = append(out, Z{Score: m.Score, Member: m.Member})
		}
	})
	return out, next, nil
}

// ZScan is Tx.ZScan in its own transaction.
func (d *DB) ZScan(key string, cursor uint64, match string, count int64) (out []Z, next uint64, err error) {
	err = d.do(false, func(tx *Tx) error { out, next, err = tx.ZScan(key, cursor, match, count); return err }, key)
	return
}

// mergeZSet merges sorted set key member by member from base into ours
// (the transaction's) with theirs, as mergeHash does for fields: a
// member changed on one side only takes that side's score (or removal);
// one changed on both sides differently is a conflict settled by policy.
// It returns the conflicting members and whether ours changed.
func (tx *Tx) mergeZSet(key string, base, ours, theirs *keyspace.Entry, policy OnConflict) (conflicts []string, changed bool) {
	members := map[string]struct{}{}
	for _, e := range []*keyspace.Entry{base, ours, theirs} {
		if e != nil {
			e.ZSet.All(func(m keyspace.ZMember) bool { members[m.Member] = struct{}{}; return true })
		}
	}
	get := func(e *keyspace.Entry, m string) (float64, bool) {
		if e == nil {
			return 0, false
		}
		return e.ZSet.Score(m)
	}
	same := func(a float64, aok bool, b float64, bok bool) bool {
		return aok == bok && (!aok || (a == b && math.Signbit(a) == math.Signbit(b)))
	}
	type change struct {
		m   string
		s   float64
		del bool
	}
	var plan []change
	names := make([]string, 0, len(members))
	for m := range members {
		names = append(names, m)
	}
	sort.Strings(names)
	for _, m := range names {
		bs, bok := get(base, m)
		os, ook := get(ours, m)
		ts, tok := get(theirs, m)
		switch {
		case same(ts, tok, bs, bok), same(ts, tok, os, ook):
		case same(os, ook, bs, bok):
			plan = append(plan, change{m, ts, !tok})
		default:
			conflicts = append(conflicts, m)
			if policy == ConflictTheirs {
				plan = append(plan, change{m, ts, !tok})
			}
		}
	}
	if (len(conflicts) > 0 && policy == ConflictFail) || len(plan) == 0 {
		return conflicts, false
	}
	e := tx.lookupW(key)
	for _, p := range plan {
		if p.del {
			tx.zrem(key, "zrem", e, p.m)
		} else {
			tx.zadd(key, "zadd", e, p.m, p.s)
		}
	}
	tx.zdelIfEmpty(key, e)
	return conflicts, true
}

// zsetMemberDiff returns the members whose presence or score differs
// between two sorted sets, sorted (Diff's DiffEntry.Fields).
func zsetMemberDiff(a, b *keyspace.ZSet) []string {
	var out []string
	a.All(func(m keyspace.ZMember) bool {
		if s, ok := b.Score(m.Member); !ok || s != m.Score || math.Signbit(s) != math.Signbit(m.Score) {
			out = append(out, m.Member)
		}
		return true
	})
	b.All(func(m keyspace.ZMember) bool {
		if _, ok := a.Score(m.Member); !ok {
			out = append(out, m.Member)
		}
		return true
	})
	sort.Strings(out)
	return out
}
