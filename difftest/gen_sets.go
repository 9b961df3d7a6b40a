package difftest

import (
	"bytes"
	"strconv"
	"strings"
)

// The set family of the generator (FamSets). Set keys collide with each
// other and, through anyKey, with the other families (WRONGTYPE). Members
// mix integers (Redis's intset encoding) with strings (hashtable), and a
// big SADD crosses set-max-intset-entries.
//
// SPOP and SRANDMEMBER are random in Redis. To keep both servers' data
// equal, SPOP on the shared set keys always pops the whole set (a count
// above any set's size) or fails; single pops run on the keys "sp1" and
// "sp2", which only ever hold one member each. SRANDMEMBER replies are
// compared by count or sorted (see setExceptions).

var (
	setKeys    = []string{"set1", "set2", "set3"}
	setPopKeys = []string{"sp1", "sp2"}
	memberPool = []string{"a", "b", "c", "1", "2", "3", "10", "-5", "007", "+1", "", "x y",
		"9223372036854775807", "-9223372036854775808", "9223372036854775808", "1.5", "bin\x00\xff"}
	setArityNames = []string{"SADD", "SREM", "SMEMBERS", "SISMEMBER", "SMISMEMBER", "SCARD", "SPOP", "SRANDMEMBER",
		"SMOVE", "SINTER", "SINTERSTORE", "SINTERCARD", "SUNION", "SUNIONSTORE", "SDIFF", "SDIFFSTORE", "SSCAN"}
)

func (g *Gen) member() []byte {
	if g.chance(20) {
		// No NUL in members: SORT ALPHA compares with strcoll, for which
		// "" and "\x00" tie, and ties keep the set's hash table order,
		// which the two servers do not share.
		return bytes.ReplaceAll(g.value(), []byte{0}, []byte("0"))
	}
	if g.chance(3) {
		return []byte(strconv.Itoa(g.rnd.IntN(20) - 5))
	}
	return g.pick(memberPool)
}

func (g *Gen) members(max int) [][]byte {
	var out [][]byte
	for i := 0; i <= g.rnd.IntN(max); i++ {
		out = append(out, g.member())
	}
	return out
}

// popKey returns one of the single-member keys, and the member it holds.
func (g *Gen) popKey() ([]byte, []byte) {
	if g.chance(2) {
		return []byte("sp1"), []byte("x")
	}
	return []byte("sp2"), []byte("7")
}

// setPopAll is a count above any set's size: SPOP pops the whole set.
const setPopAll = 100000

var setGenerators = []weighted{
	{FamSets, 10, func(g *Gen) [][]byte { return cat("SADD", g.key(FamSets), g.members(4)) }},
	{FamSets, 4, func(g *Gen) [][]byte { return cat("SREM", g.key(FamSets), g.members(3)) }},
	{FamSets, 4, func(g *Gen) [][]byte { return cat("SMEMBERS", g.key(FamSets)) }},
	{FamSets, 4, func(g *Gen) [][]byte { return cat("SISMEMBER", g.key(FamSets), g.member()) }},
	{FamSets, 2, func(g *Gen) [][]byte { return cat("SMISMEMBER", g.key(FamSets), g.members(3)) }},
	{FamSets, 3, func(g *Gen) [][]byte { return cat("SCARD", g.key(FamSets)) }},
	{FamSets, 3, func(g *Gen) [][]byte {
		if g.chance(2) {
			k, m := g.popKey()
			if g.chance(2) {
				return cat("SADD", k, m)
			}
			a := cat("SPOP", k)
			if g.chance(2) {
				a = append(a, g.pick([]string{"0", "1", "2", "-1", "abc"}))
			}
			return a
		}
		a := cat("SPOP", g.key(FamSets), g.pick([]string{strconv.Itoa(setPopAll), "0", "-1", "abc", "-9223372036854775808", "9223372036854775808"}))
		if g.chance(15) {
			a = append(a, g.pick([]string{"1", "x"}))
		}
		return a
	}},
	{FamSets, 3, func(g *Gen) [][]byte {
		if g.chance(4) {
			k, _ := g.popKey()
			return cat("SRANDMEMBER", k, g.pick([]string{"1", "-3", "5"}))
		}
		a := cat("SRANDMEMBER", g.key(FamSets))
		if g.chance(4) {
			return a
		}
		a = append(a, g.pick([]string{"0", "1", "3", "-1", "-4", "1000", "abc", "-9223372036854775808", "9223372036854775807"}))
		if g.chance(15) {
			a = append(a, g.pick([]string{"1", "x"}))
		}
		return a
	}},
	{FamSets, 4, func(g *Gen) [][]byte { return cat("SMOVE", g.key(FamSets), g.key(FamSets), g.member()) }},
	{FamSets, 6, func(g *Gen) [][]byte {
		return cat(g.pick([]string{"SINTER", "SUNION", "SDIFF"}), g.keys(FamSets, 3))
	}},
	{FamSets, 4, func(g *Gen) [][]byte {
		return cat(g.pick([]string{"SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"}), g.key(FamSets), g.keys(FamSets, 3))
	}},
	{FamSets, 3, func(g *Gen) [][]byte {
		ks := g.keys(FamSets, 3)
		n := strconv.Itoa(len(ks))
		if g.chance(8) {
			n = g.pickS([]string{"0", "-1", "abc", "9", "1"})
		}
		a := cat("SINTERCARD", n, ks)
		for i := 0; i < g.rnd.IntN(3); i++ {
			if g.chance(12) {
				a = append(a, g.randCase("FOO"))
				continue
			}
			lim := g.pick([]string{"0", "1", "2", "3"})
			if g.chance(6) {
				lim = g.pick([]string{"-1", "abc", "9223372036854775808"})
			}
			a = append(a, g.randCase("LIMIT"), lim)
		}
		return a
	}},
	{FamSets, 1, func(g *Gen) [][]byte {
		return cat("SSCAN", g.key(FamSets), g.pick([]string{"0", "abc", "-1"}), g.scanOpts(false))
	}},
	{FamSets, 1, func(g *Gen) [][]byte {
		// A big set: of integers (intset up to 512, then a hashtable)
		// or of strings.
		a := cat("SADD", g.key(FamSets))
		ints := g.chance(2)
		for i := 0; i < 50+g.rnd.IntN(600); i++ {
			if ints {
				a = append(a, []byte(strconv.Itoa(i*3-40)))
			} else {
				a = append(a, []byte("bm"+strconv.Itoa(i)))
			}
		}
		return a
	}},
}

// sortNoSort reports whether a SORT's arguments have BY with a pattern
// without '*' (no sorting) and no STORE.
func sortNoSort(a [][]byte) bool {
	by, store := false, false
	for i := 2; i < len(a); i++ {
		switch {
		case strings.EqualFold(string(a[i]), "by") && i+1 < len(a):
			by = !strings.Contains(string(a[i+1]), "*")
			i++
		case strings.EqualFold(string(a[i]), "store"):
			store = true
		}
	}
	return by && !store
}

// sortAlpha reports whether a SORT sorts with ALPHA and no STORE.
func sortAlpha(a [][]byte) bool {
	alpha := false
	for _, x := range a[min(2, len(a)):] {
		switch {
		case strings.EqualFold(string(x), "alpha"):
			alpha = true
		case strings.EqualFold(string(x), "store"):
			return false
		}
	}
	return alpha
}

// sortNoSortLimit is sortNoSort with a LIMIT.
func sortNoSortLimit(a [][]byte) bool {
	if !sortNoSort(a) {
		return false
	}
	for _, x := range a[min(2, len(a)):] {
		if strings.EqualFold(string(x), "limit") {
			return true
		}
	}
	return false
}

// setCount returns the count argument of SPOP/SRANDMEMBER, or 0 if
// absent or not an integer.
func setCount(a [][]byte) int64 { return hrandCount(a) }

// setExceptions are the rows of the exceptions table for sets (see
// compare.go): set replies come in hash table order, and SPOP and
// SRANDMEMBER are random.
var setExceptions = []exception{
	{cmd: "smembers", mode: modeSorted, reason: "reply order is unspecified (hash table order)"},
	{cmd: "sinter", mode: modeSorted, reason: "reply order is unspecified (hash table order)"},
	{cmd: "sunion", mode: modeSorted, reason: "reply order is unspecified (hash table order)"},
	{cmd: "sdiff", mode: modeSorted, reason: "reply order is unspecified (hash table order)"},
	{cmd: "spop", when: func(a [][]byte) bool { return setCount(a) >= setPopAll }, mode: modeSorted,
		reason: "a count above the set's size pops the whole set, in unspecified order"},
	{cmd: "srandmember", when: func(a [][]byte) bool { return len(a) == 2 }, mode: modePresence,
		reason: "a random member: only whether one is returned"},
	{cmd: "srandmember", when: func(a [][]byte) bool { return setCount(a) >= 1000 }, mode: modeSorted,
		reason: "a count above the set's size returns the whole set, in unspecified order"},
	{cmd: "srandmember", when: func(a [][]byte) bool { return setCount(a) != 0 }, mode: modeLen,
		reason: "random members (distinct for a positive count, repeated for a negative one): only the count is fixed"},
	// SORT ... BY nosort keeps the container's own order: a set's is its
	// hash table's (a set can land under a list key by RENAME or COPY).
	{cmd: "sort", when: sortNoSortLimit, mode: modeLen, reason: "BY nosort with LIMIT on a set: which members is unspecified"},
	{cmd: "sort_ro", when: sortNoSortLimit, mode: modeLen, reason: "BY nosort with LIMIT on a set: which members is unspecified"},
	{cmd: "sort", when: sortNoSort, mode: modeSorted, reason: "BY nosort on a set: hash table order"},
	{cmd: "sort_ro", when: sortNoSort, mode: modeSorted, reason: "BY nosort on a set: hash table order"},
	// ALPHA compares with strcoll, for which "" and "\x00" tie; Redis
	// feeds SORT a sorted set (and a set) in hash table order, so ties
	// come out in an order the two servers do not share.
	{cmd: "sort", when: sortAlpha, mode: modeNULTies, reason: "ALPHA ties of strings equal up to a NUL keep hash table order"},
	{cmd: "sort_ro", when: sortAlpha, mode: modeNULTies, reason: "ALPHA ties of strings equal up to a NUL keep hash table order"},
	{cmd: "sscan", mode: modeIgnore, reason: "cursors and the split between calls are implementation-specific; full scans are compared by !sscanall"},
}

// allExceptions is the exceptions table with the set family's rows.
var allExceptions = append(exceptions[:len(exceptions):len(exceptions)], setExceptions...)
